//! Requests are counted per endpoint and logged with their query and status.

use spendlens_mock_anthropic::{Endpoint, MockData, RecordedRequest};

use crate::support::{client, daily, get, items, start};

#[test]
fn requests_are_counted_and_logged_per_endpoint() {
    let mock = start(MockData::default().with_cost_buckets(daily(3)).with_api_keys(items("apikey", 2)));
    assert_eq!(mock.total_requests(), 0);
    get(&mock, Endpoint::Cost, &[("starting_at", "2026-08-01T00:00:00Z")]);
    get(&mock, Endpoint::Cost, &[("limit", "3")]);
    get(&mock, Endpoint::ApiKeys, &[]);
    assert_eq!(mock.requests(Endpoint::Cost), 2);
    assert_eq!(mock.requests(Endpoint::ApiKeys), 1);
    assert_eq!(mock.requests(Endpoint::Usage), 0);
    assert_eq!(mock.total_requests(), 3);
    assert_eq!(
        mock.request_log(),
        [
            RecordedRequest { endpoint: Endpoint::Cost, query: "starting_at=2026-08-01T00%3A00%3A00Z".to_string(), status: 200 },
            RecordedRequest { endpoint: Endpoint::Cost, query: "limit=3".to_string(), status: 400 },
            RecordedRequest { endpoint: Endpoint::ApiKeys, query: String::new(), status: 200 },
        ]
    );

    let unknown = client().get(format!("{}/v1/organizations/invites", mock.base_url())).send().unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(mock.total_requests(), 3, "unknown paths are not logged");

    mock.clear_request_log();
    assert_eq!((mock.total_requests(), mock.requests(Endpoint::Cost)), (0, 0));
}

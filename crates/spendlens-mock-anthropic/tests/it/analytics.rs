//! The Usage and Cost Analytics API (beta): its header, its parameters, a demo served in full,
//! and faults on its endpoints.

use serde_json::Value;
use spendlens_demo::DemoConfig;
use spendlens_mock_anthropic::{ANALYTICS_BETA, Endpoint, Fault, FaultKind, MockData, Trigger};
use spendlens_pricing::PriceBook;

use crate::support::{KEY, client, data, error_of, follow, get_error, get_json, start};

const DAY: (&str, &str) = ("time_bucket_width", "1d");

fn rows(count: usize) -> Vec<Value> {
    (0..count)
        .map(|index| {
            serde_json::json!({
                "starting_at": "2026-08-01T00:00:00Z", "ending_at": "2026-08-02T00:00:00Z",
                "group": {"api_key_id": format!("apikey_{index:03}")}, "usage": {"output_tokens": index, "requests": 1},
            })
        })
        .collect()
}

#[test]
fn a_request_without_the_beta_header_is_refused_with_a_400() {
    let mock = start(MockData::default().with_analytics_usage_rows(rows(3)).with_analytics_cost_rows(rows(2)));
    for endpoint in [Endpoint::AnalyticsUsage, Endpoint::AnalyticsCost] {
        let url = format!("{}{}", mock.base_url(), endpoint.path());
        let query = [("starting_at", "2026-08-01T00:00:00Z"), DAY];
        let send = |beta: Option<&str>| {
            let mut request = client().get(&url).query(&query).header("x-api-key", KEY).header("anthropic-version", "2023-06-01");
            if let Some(beta) = beta {
                request = request.header("anthropic-beta", beta);
            }
            request.send().unwrap()
        };
        for beta in [None, Some("files-api-2025-04-14"), Some("analytics-usage-cost-2026-01-01")] {
            let response = send(beta);
            assert_eq!(response.status().as_u16(), 400, "{beta:?} on {endpoint:?}");
            let body: Value = response.json().unwrap();
            let (kind, message) = error_of(&body);
            assert_eq!(kind, "invalid_request_error");
            assert!(message.starts_with("anthropic-beta:") && message.contains(ANALYTICS_BETA), "{message}");
        }
        let several = send(Some(&format!("files-api-2025-04-14, {ANALYTICS_BETA}")));
        assert_eq!(several.status().as_u16(), 200, "the header is a comma-separated list");
    }
    // The legacy endpoints need no beta header; the analytics ones check the key first.
    assert_eq!(get_json(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z")])["data"], serde_json::json!([]));
    let no_key = client().get(format!("{}{}", mock.base_url(), Endpoint::AnalyticsCost.path())).send().unwrap();
    assert_eq!(no_key.status().as_u16(), 401);
}

#[test]
fn rows_page_by_limit_and_parameters_are_checked() {
    let mock = start(MockData::default().with_analytics_usage_rows(rows(250)));
    let pages = follow(&mock, Endpoint::AnalyticsUsage, &[("starting_at", "2026-08-01T00:00:00Z"), DAY]);
    assert_eq!(pages.iter().map(|page| page["data"].as_array().unwrap().len()).collect::<Vec<_>>(), [100, 100, 50]);
    assert_eq!(data(&pages), rows(250));
    let wide = follow(&mock, Endpoint::AnalyticsUsage, &[("starting_at", "2026-08-01T00:00:00Z"), DAY, ("limit", "1000")]);
    assert_eq!(wide.len(), 1);
    for (query, parameter) in [
        (vec![("starting_at", "2026-08-01T00:00:00Z"), ("bucket_width", "1d")], "bucket_width:"),
        (vec![("starting_at", "2026-08-01T00:00:00Z")], "time_bucket_width:"),
        (vec![("starting_at", "2025-12-01T00:00:00Z"), DAY], "starting_at:"),
    ] {
        let body = get_error(&mock, Endpoint::AnalyticsUsage, &query, 400);
        assert!(error_of(&body).1.starts_with(parameter), "{query:?}: {body}");
    }
}

#[test]
fn a_rendered_demo_is_served_in_full_and_faults_apply() {
    let dir = tempfile::tempdir().unwrap();
    let config = DemoConfig { engineers: 12, days: 20, ..Default::default() };
    spendlens_demo::render(&spendlens_demo::generate(&config, &PriceBook::embedded().unwrap()).unwrap(), dir.path()).unwrap();
    let loaded = MockData::from_demo_dir(dir.path()).unwrap();
    assert!(!loaded.analytics_usage_rows.is_empty() && !loaded.analytics_cost_rows.is_empty());
    let mock = start(loaded.clone());
    let first = loaded.analytics_usage_rows[0]["starting_at"].as_str().unwrap().to_string();
    let usage = follow(&mock, Endpoint::AnalyticsUsage, &[("starting_at", &first), DAY, ("limit", "1000")]);
    assert_eq!(data(&usage), loaded.analytics_usage_rows);
    let cost = follow(&mock, Endpoint::AnalyticsCost, &[("starting_at", &first), DAY, ("limit", "1000")]);
    assert_eq!(data(&cost), loaded.analytics_cost_rows);

    mock.set_faults(vec![
        Fault::on(Endpoint::AnalyticsCost, Trigger::Nth(1), FaultKind::Truncated),
        Fault::on(Endpoint::AnalyticsUsage, Trigger::Nth(1), FaultKind::ServerError { status: 503 }),
    ]);
    let truncated = crate::support::get(&mock, Endpoint::AnalyticsCost, &[("starting_at", &first), DAY]);
    assert_eq!(truncated.status().as_u16(), 200);
    assert!(serde_json::from_str::<Value>(&truncated.text().unwrap()).is_err());
    let failed = crate::support::get(&mock, Endpoint::AnalyticsUsage, &[("starting_at", &first), DAY]);
    assert_eq!(failed.status().as_u16(), 503);
    assert_eq!(mock.requests(Endpoint::AnalyticsUsage), 2);
}

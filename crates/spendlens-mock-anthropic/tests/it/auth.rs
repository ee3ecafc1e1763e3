//! Every request needs the admin key and an `anthropic-version`; a 401 never repeats the key.

use spendlens_mock_anthropic::{Endpoint, MockData};

use crate::support::{KEY, client, daily, error_of, start};

#[test]
fn requests_without_the_right_headers_are_refused_without_echoing_the_key() {
    let mock = start(MockData::default().with_usage_buckets(daily(3)));
    let wrong_key = "sk-ant-admin01-wrong-key-123";
    let rows: [(&str, Option<&str>, Option<&str>); 4] = [
        ("no key", None, Some("2023-06-01")),
        ("wrong key", Some(wrong_key), Some("2023-06-01")),
        ("ordinary key", Some("sk-ant-api03-not-an-admin-key"), Some("2023-06-01")),
        ("no version", Some(KEY), None),
    ];
    for endpoint in Endpoint::ALL {
        for (case, key, version) in rows {
            let mut request = client().get(format!("{}{}?starting_at=2026-08-01T00:00:00Z", mock.base_url(), endpoint.path()));
            if let Some(key) = key {
                request = request.header("x-api-key", key);
            }
            if let Some(version) = version {
                request = request.header("anthropic-version", version);
            }
            let response = request.send().unwrap();
            assert_eq!(response.status().as_u16(), 401, "{case} on {endpoint:?}");
            let text = response.text().unwrap();
            for secret in [KEY, wrong_key, "sk-ant-api03-not-an-admin-key"] {
                assert!(!text.contains(secret), "{case}: the 401 body echoes a key: {text}");
            }
            let body: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(error_of(&body).0, "authentication_error", "{case}");
        }
    }
    assert!(mock.request_log().iter().all(|request| request.status == 401));
    assert_eq!(mock.total_requests(), 32);
}

#[test]
fn the_config_does_not_print_the_key() {
    let config = spendlens_mock_anthropic::MockConfig::new(KEY);
    assert!(!format!("{config:?}").contains(KEY));
}

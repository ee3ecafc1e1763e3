//! A rendered demo organisation loads and is served in full.

use spendlens_demo::DemoConfig;
use spendlens_mock_anthropic::{Endpoint, MockData};
use spendlens_pricing::PriceBook;

use crate::support::{data, follow, get_json, start};

#[test]
fn a_rendered_demo_is_served_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let config = DemoConfig { engineers: 12, days: 20, ..Default::default() };
    let org = spendlens_demo::generate(&config, &PriceBook::embedded().unwrap()).unwrap();
    spendlens_demo::render(&org, dir.path()).unwrap();

    let loaded = MockData::from_demo_dir(dir.path()).unwrap();
    assert_eq!(loaded.usage_buckets.len(), 20 * 24);
    assert_eq!(loaded.cost_buckets.len(), 20);
    assert!(
        !loaded.claude_code_records.is_empty() && !loaded.workspaces.is_empty() && !loaded.api_keys.is_empty() && !loaded.users.is_empty()
    );
    let mock = start(loaded.clone());

    let first_hour = loaded.usage_buckets[0]["starting_at"].as_str().unwrap().to_string();
    let pages = follow(&mock, Endpoint::Usage, &[("starting_at", &first_hour), ("bucket_width", "1h"), ("limit", "168")]);
    assert_eq!(pages.len(), 3);
    assert_eq!(data(&pages), loaded.usage_buckets);

    let cost = follow(&mock, Endpoint::Cost, &[("starting_at", &first_hour), ("limit", "31")]);
    assert_eq!(data(&cost), loaded.cost_buckets);

    let day = &loaded.claude_code_records[0]["date"].as_str().unwrap()[..10];
    let records = data(&follow(&mock, Endpoint::ClaudeCode, &[("starting_at", day), ("limit", "1000")]));
    let expected: Vec<_> =
        loaded.claude_code_records.iter().filter(|record| record["date"].as_str().unwrap().starts_with(day)).cloned().collect();
    assert_eq!(records, expected);

    let users = get_json(&mock, Endpoint::Users, &[("limit", "1000")]);
    assert_eq!(users["data"].as_array().unwrap(), &loaded.users);
}

#[test]
fn a_missing_demo_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = MockData::from_demo_dir(dir.path()).unwrap_err();
    assert!(matches!(error, spendlens_mock_anthropic::MockError::Read { .. }), "{error}");
}

//! Ranges, widths and limits, and the 400s that name the bad parameter.

use chrono::Duration;
use spendlens_mock_anthropic::{Endpoint, MockData};

use crate::support::{buckets, daily, data, error_of, follow, get_error, get_json, hourly, items, start, starts};

fn rejects(mock: &spendlens_mock_anthropic::MockAdminApi, endpoint: Endpoint, query: &[(&str, &str)], parameter: &str) {
    let body = get_error(mock, endpoint, query, 400);
    let (kind, message) = error_of(&body);
    assert_eq!(kind, "invalid_request_error");
    assert!(message.starts_with(&format!("{parameter}:")), "{query:?} gave {message:?}, which does not name {parameter}");
}

#[test]
fn ranges_select_buckets_inside_them() {
    let mock = start(MockData::default().with_usage_buckets(daily(10)).with_cost_buckets(daily(10)));
    for endpoint in [Endpoint::Usage, Endpoint::Cost] {
        let inside = follow(&mock, endpoint, &[("starting_at", "2026-08-03T00:00:00Z"), ("ending_at", "2026-08-06T00:00:00Z")]);
        assert_eq!(starts(&data(&inside)), ["2026-08-03T00:00:00Z", "2026-08-04T00:00:00Z", "2026-08-05T00:00:00Z"]);
        // starting_at is snapped to the start of its day; a bucket not over by ending_at is left out.
        let snapped = follow(&mock, endpoint, &[("starting_at", "2026-08-03T17:45:00Z"), ("ending_at", "2026-08-05T12:00:00Z")]);
        assert_eq!(starts(&data(&snapped)), ["2026-08-03T00:00:00Z", "2026-08-04T00:00:00Z"]);
        let offset = follow(&mock, endpoint, &[("starting_at", "2026-08-09T01:00:00+02:00")]);
        assert_eq!(starts(&data(&offset)), ["2026-08-08T00:00:00Z", "2026-08-09T00:00:00Z", "2026-08-10T00:00:00Z"]);
        let after = get_json(&mock, endpoint, &[("starting_at", "2026-09-01T00:00:00Z")]);
        assert_eq!(after["data"].as_array().unwrap().len(), 0);
        assert_eq!(after["has_more"], false);
    }
}

#[test]
fn grouping_and_filters_are_accepted_and_ignored() {
    let mock = start(MockData::default().with_usage_buckets(daily(3)));
    let page = get_json(
        &mock,
        Endpoint::Usage,
        &[
            ("starting_at", "2026-08-01T00:00:00Z"),
            ("group_by[]", "model"),
            ("group_by[]", "workspace_id"),
            ("models[]", "claude-opus-4-1"),
        ],
    );
    assert_eq!(page["data"].as_array().unwrap(), &daily(3));
}

#[test]
fn limits_are_enforced_per_width() {
    let minutes = buckets("2026-08-01T00:00:00Z", Duration::minutes(1), 100);
    let hourly_mock = start(MockData::default().with_usage_buckets(hourly(200)).with_cost_buckets(daily(40)));
    let minute_mock = start(MockData::default().with_usage_buckets(minutes));
    let start_at = ("starting_at", "2026-08-01T00:00:00Z");
    let full = get_json(&hourly_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1h"), ("limit", "168")]);
    assert_eq!(full["data"].as_array().unwrap().len(), 168);
    rejects(&hourly_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1h"), ("limit", "169")], "limit");
    rejects(&hourly_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1h"), ("limit", "0")], "limit");
    rejects(&hourly_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1h"), ("limit", "ten")], "limit");
    assert_eq!(get_json(&hourly_mock, Endpoint::Cost, &[start_at, ("limit", "31")])["data"].as_array().unwrap().len(), 31);
    rejects(&hourly_mock, Endpoint::Cost, &[start_at, ("limit", "32")], "limit");
    assert_eq!(get_json(&minute_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1m")])["data"].as_array().unwrap().len(), 60);
    assert_eq!(get_json(&minute_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1m"), ("limit", "1440")])["has_more"], false);
    rejects(&minute_mock, Endpoint::Usage, &[start_at, ("bucket_width", "1m"), ("limit", "1441")], "limit");

    let listing_mock = start(MockData::default().with_users(items("user", 3)).with_claude_code_records(Vec::new()));
    assert_eq!(get_json(&listing_mock, Endpoint::Users, &[("limit", "1000")])["data"].as_array().unwrap().len(), 3);
    rejects(&listing_mock, Endpoint::Users, &[("limit", "1001")], "limit");
    rejects(&listing_mock, Endpoint::ClaudeCode, &[("starting_at", "2026-08-01"), ("limit", "1001")], "limit");
}

#[test]
fn bucket_width_must_match_the_data() {
    let mock = start(MockData::default().with_usage_buckets(hourly(5)).with_cost_buckets(daily(5)));
    let start_at = ("starting_at", "2026-08-01T00:00:00Z");
    rejects(&mock, Endpoint::Usage, &[start_at], "bucket_width");
    rejects(&mock, Endpoint::Usage, &[start_at, ("bucket_width", "1d")], "bucket_width");
    rejects(&mock, Endpoint::Usage, &[start_at, ("bucket_width", "1w")], "bucket_width");
    rejects(&mock, Endpoint::Cost, &[start_at, ("bucket_width", "1h")], "bucket_width");
    assert_eq!(get_json(&mock, Endpoint::Cost, &[start_at, ("bucket_width", "1d")])["data"].as_array().unwrap().len(), 5);
}

#[test]
fn times_and_days_must_be_well_formed() {
    let mock = start(MockData::default().with_usage_buckets(daily(5)));
    rejects(&mock, Endpoint::Usage, &[], "starting_at");
    rejects(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01")], "starting_at");
    rejects(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z"), ("ending_at", "soon")], "ending_at");
    rejects(&mock, Endpoint::Usage, &[("starting_at", "2026-08-03T00:00:00Z"), ("ending_at", "2026-08-02T00:00:00Z")], "ending_at");
    rejects(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z"), ("starting_at", "2026-08-02T00:00:00Z")], "starting_at");
    rejects(&mock, Endpoint::ClaudeCode, &[], "starting_at");
    rejects(&mock, Endpoint::ClaudeCode, &[("starting_at", "2026-08-08T00:00:00Z")], "starting_at");
    rejects(&mock, Endpoint::Users, &[("after_id", "user_nobody")], "after_id");
}

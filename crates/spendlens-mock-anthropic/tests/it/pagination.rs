//! Pages return every item exactly once, in order, and stop.

use serde_json::Value;
use spendlens_mock_anthropic::{Endpoint, MockData};

use crate::support::{daily, data, follow, get_error, get_json, hourly, items, records, start, starts};

#[test]
fn usage_pages_return_every_bucket_once_and_stop() {
    let buckets = hourly(50);
    let mock = start(MockData::default().with_usage_buckets(buckets.clone()));
    let pages = follow(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z"), ("bucket_width", "1h")]);
    let sizes: Vec<usize> = pages.iter().map(|page| page["data"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [24, 24, 2], "default limit for 1h is 24");
    assert_eq!(data(&pages), buckets);
    let last = pages.last().unwrap();
    assert_eq!((&last["has_more"], &last["next_page"]), (&Value::Bool(false), &Value::Null));
    assert!(pages[0]["next_page"].as_str().unwrap().starts_with("page_"));
    assert_eq!(mock.requests(Endpoint::Usage), 3);
}

#[test]
fn buckets_given_out_of_order_are_served_in_time_order() {
    let mut buckets = daily(10);
    buckets.reverse();
    let mock = start(MockData::default().with_usage_buckets(buckets));
    let pages = follow(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z"), ("limit", "3")]);
    assert_eq!(pages.len(), 4);
    assert_eq!(starts(&data(&pages)), starts(&daily(10)));
}

#[test]
fn cost_pages_are_daily_seven_at_a_time_by_default() {
    let mock = start(MockData::default().with_cost_buckets(daily(20)));
    let pages = follow(&mock, Endpoint::Cost, &[("starting_at", "2026-08-01T00:00:00Z")]);
    let sizes: Vec<usize> = pages.iter().map(|page| page["data"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, [7, 7, 6]);
    assert_eq!(data(&pages), daily(20));
}

#[test]
fn claude_code_pages_hold_one_day() {
    let mut all = records("2026-08-07", 3);
    all.extend(records("2026-08-08", 25));
    all.extend(records("2026-08-09", 4));
    let mock = start(MockData::default().with_claude_code_records(all));
    let pages = follow(&mock, Endpoint::ClaudeCode, &[("starting_at", "2026-08-08")]);
    assert_eq!(pages.len(), 2, "default limit is 20");
    assert_eq!(data(&pages), records("2026-08-08", 25));
    let quiet = get_json(&mock, Endpoint::ClaudeCode, &[("starting_at", "2026-08-10")]);
    assert_eq!(quiet, serde_json::json!({"data": [], "has_more": false, "next_page": null}));
}

#[test]
fn listings_page_with_after_id() {
    let users = items("user", 45);
    let mock = start(MockData::default().with_users(users.clone()));
    let mut seen = Vec::new();
    let mut after_id: Option<String> = None;
    let mut requests = 0;
    loop {
        let mut query = vec![];
        if let Some(after_id) = &after_id {
            query.push(("after_id", after_id.as_str()));
        }
        let page = get_json(&mock, Endpoint::Users, &query);
        requests += 1;
        let page_items = page["data"].as_array().unwrap();
        assert_eq!(page["first_id"], page_items[0]["id"]);
        assert_eq!(page["last_id"], page_items[page_items.len() - 1]["id"]);
        seen.extend(page_items.iter().cloned());
        if !page["has_more"].as_bool().unwrap() {
            break;
        }
        after_id = page["last_id"].as_str().map(str::to_string);
    }
    assert_eq!(requests, 3, "default limit is 20");
    assert_eq!(seen, users);
    let bigger = get_json(&mock, Endpoint::Users, &[("limit", "1000")]);
    assert_eq!(bigger["data"].as_array().unwrap().len(), 45);
    assert_eq!(bigger["has_more"], false);
}

#[test]
fn every_listing_serves_its_own_items() {
    let mock =
        start(MockData::default().with_workspaces(items("wrkspc", 2)).with_api_keys(items("apikey", 3)).with_users(items("user", 4)));
    for (endpoint, expected) in
        [(Endpoint::Workspaces, items("wrkspc", 2)), (Endpoint::ApiKeys, items("apikey", 3)), (Endpoint::Users, items("user", 4))]
    {
        assert_eq!(get_json(&mock, endpoint, &[])["data"].as_array().unwrap(), &expected);
    }
}

#[test]
fn a_page_token_from_another_query_is_rejected() {
    let mock = start(MockData::default().with_cost_buckets(daily(20)));
    let first = get_json(&mock, Endpoint::Cost, &[("starting_at", "2026-08-01T00:00:00Z")]);
    let token = first["next_page"].as_str().unwrap();
    for query in [
        vec![("starting_at", "2026-08-02T00:00:00Z"), ("page", token)],
        vec![("starting_at", "2026-08-01T00:00:00Z"), ("ending_at", "2026-08-15T00:00:00Z"), ("page", token)],
        vec![("starting_at", "2026-08-01T00:00:00Z"), ("page", "page_garbage")],
        vec![("starting_at", "2026-08-01T00:00:00Z"), ("page", "cursor-cost-1")],
    ] {
        let body = get_error(&mock, Endpoint::Cost, &query, 400);
        let (kind, message) = crate::support::error_of(&body);
        assert_eq!(kind, "invalid_request_error");
        assert!(message.starts_with("page:"), "{message}");
    }
    let elsewhere = get_error(&mock, Endpoint::Usage, &[("starting_at", "2026-08-01T00:00:00Z"), ("page", token)], 400);
    assert!(crate::support::error_of(&elsewhere).1.starts_with("page:"));
    let same = get_json(&mock, Endpoint::Cost, &[("starting_at", "2026-08-01T00:00:00Z"), ("limit", "31"), ("page", token)]);
    assert_eq!(same["data"][0]["starting_at"], "2026-08-08T00:00:00Z", "limit is not part of the query a token belongs to");
}

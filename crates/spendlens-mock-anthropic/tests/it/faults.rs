//! Each injected fault behaves as documented, on the requests its trigger selects.

use std::time::{Duration, Instant};

use serde_json::Value;
use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, MockData, Trigger};

use crate::support::{daily, error_of, get, get_json, hourly, items, start};

const START: (&str, &str) = ("starting_at", "2026-08-01T00:00:00Z");
const HOURLY: (&str, &str) = ("bucket_width", "1h");

fn statuses(mock: &spendlens_mock_anthropic::MockAdminApi) -> Vec<u16> {
    mock.request_log().iter().map(|request| request.status).collect()
}

#[test]
fn rate_limits_carry_retry_after_and_nth_fires_once() {
    let mock = start(MockData::default().with_cost_buckets(daily(5)));
    mock.set_faults(vec![Fault::on(Endpoint::Cost, Trigger::Nth(2), FaultKind::RateLimited { retry_after_seconds: 7 })]);
    assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 200);
    let limited = get(&mock, Endpoint::Cost, &[START]);
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().unwrap();
    assert_eq!(error_of(&body).0, "rate_limit_error");
    for _ in 0..3 {
        assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 200);
    }
    assert_eq!(statuses(&mock), [200, 429, 200, 200, 200]);
}

#[test]
fn server_errors_from_the_nth_keep_firing() {
    let mock = start(MockData::default().with_cost_buckets(daily(5)).with_users(items("user", 2)));
    mock.set_faults(vec![Fault::anywhere(Trigger::From(2), FaultKind::ServerError { status: 529 })]);
    assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 200);
    for endpoint in [Endpoint::Users, Endpoint::Cost, Endpoint::Users] {
        let response = get(&mock, endpoint, &[START]);
        assert_eq!(response.status().as_u16(), 529);
        assert_eq!(error_of(&response.json().unwrap()).0, "overloaded_error");
    }
    mock.set_faults(vec![Fault::on(Endpoint::Users, Trigger::Always, FaultKind::ServerError { status: 502 })]);
    assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 200, "a fault on another endpoint does not fire");
    let response = get(&mock, Endpoint::Users, &[]);
    assert_eq!(response.status().as_u16(), 502);
    assert_eq!(error_of(&response.json().unwrap()).0, "api_error");
    mock.clear_faults();
    assert_eq!(get(&mock, Endpoint::Users, &[]).status().as_u16(), 200);
    assert_eq!(statuses(&mock), [200, 529, 529, 529, 200, 502, 200]);
}

#[test]
fn slow_answers_wait_then_answer_normally() {
    let mock = start(MockData::default().with_cost_buckets(daily(5)));
    mock.set_faults(vec![Fault::on(Endpoint::Cost, Trigger::Nth(1), FaultKind::Slow { delay_ms: 150 })]);
    let began = Instant::now();
    let page = get_json(&mock, Endpoint::Cost, &[START]);
    assert!(began.elapsed() >= Duration::from_millis(150));
    assert_eq!(page["data"].as_array().unwrap(), &daily(5));
}

#[test]
fn truncated_bodies_are_not_json() {
    let mock = start(MockData::default().with_usage_buckets(hourly(30)).with_users(items("user", 3)));
    let whole = get(&mock, Endpoint::Usage, &[START, HOURLY]).text().unwrap();
    mock.set_faults(vec![Fault::anywhere(Trigger::Always, FaultKind::Truncated)]);
    for (endpoint, query) in [(Endpoint::Usage, vec![START, HOURLY]), (Endpoint::Users, vec![])] {
        let response = get(&mock, endpoint, &query);
        assert_eq!(response.status().as_u16(), 200);
        let text = response.text().unwrap();
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
        if endpoint == Endpoint::Usage {
            assert!(whole.starts_with(&text) && text.len() < whole.len() * 2 / 3 && text.len() > whole.len() / 3);
        }
    }
}

#[test]
fn looping_page_tokens_really_loop() {
    let mock = start(MockData::default().with_usage_buckets(hourly(60)));
    let query = [START, HOURLY];
    let first = get_json(&mock, Endpoint::Usage, &query);
    let second_token = first["next_page"].as_str().unwrap().to_string();
    mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::LoopingPageToken)]);

    // A first page whose token yields the first page again.
    let looped = get_json(&mock, Endpoint::Usage, &query);
    assert_eq!(looped["data"], first["data"]);
    assert_eq!(looped["has_more"], true);
    let token = looped["next_page"].as_str().unwrap().to_string();
    assert_ne!(token, second_token);
    let again = get_json(&mock, Endpoint::Usage, &[START, HOURLY, ("page", &token)]);
    assert_eq!((&again["data"], again["next_page"].as_str()), (&first["data"], Some(token.as_str())));

    // A later page whose token is the one that produced it.
    let second = get_json(&mock, Endpoint::Usage, &[START, HOURLY, ("page", &second_token)]);
    assert_eq!(second["next_page"].as_str(), Some(second_token.as_str()));
    assert_eq!(second["data"][0]["starting_at"], "2026-08-02T00:00:00Z");
    mock.clear_faults();
    let last = get_json(&mock, Endpoint::Usage, &[START, HOURLY, ("page", &second_token)]);
    assert_eq!(last["data"], second["data"]);
    assert!(last["next_page"].as_str().is_some(), "60 hours is three pages of 24");
}

#[test]
fn looping_listings_serve_the_first_page_again() {
    let mock = start(MockData::default().with_workspaces(items("wrkspc", 30)));
    let first = get_json(&mock, Endpoint::Workspaces, &[]);
    mock.set_faults(vec![Fault::on(Endpoint::Workspaces, Trigger::Always, FaultKind::LoopingPageToken)]);
    let last_id = first["last_id"].as_str().unwrap();
    let looped = get_json(&mock, Endpoint::Workspaces, &[("after_id", last_id)]);
    assert_eq!((&looped["data"], &looped["has_more"], &looped["last_id"]), (&first["data"], &Value::Bool(true), &first["last_id"]));
}

#[test]
fn faults_wait_for_authenticated_requests() {
    let mock = start(MockData::default().with_cost_buckets(daily(2)));
    mock.set_faults(vec![Fault::anywhere(Trigger::Nth(1), FaultKind::ServerError { status: 500 })]);
    let unauthenticated = crate::support::client().get(format!("{}{}", mock.base_url(), Endpoint::Cost.path())).send().unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);
    assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 500);
    assert_eq!(get(&mock, Endpoint::Cost, &[START]).status().as_u16(), 200);
}

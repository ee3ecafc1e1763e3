//! Shared helpers: small data sets, a client that sends the right headers, page following.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use spendlens_mock_anthropic::{Endpoint, MockAdminApi, MockConfig, MockData};

pub const KEY: &str = "sk-ant-admin01-secret-test-key";

pub fn start(data: MockData) -> MockAdminApi {
    MockAdminApi::start(data, MockConfig::new(KEY)).unwrap()
}

pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(10)).build().unwrap()
}

fn moment(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn stamp(moment: DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `count` buckets of `width` starting at `first`, each with one result naming its index.
pub fn buckets(first: &str, width: Span, count: usize) -> Vec<Value> {
    let first = moment(first);
    (0..count)
        .map(|index| {
            let starting_at = first + width * index as i32;
            json!({
                "starting_at": stamp(starting_at),
                "ending_at": stamp(starting_at + width),
                "results": [{"output_tokens": index, "model": "claude-sonnet-4-5"}],
            })
        })
        .collect()
}

pub fn hourly(count: usize) -> Vec<Value> {
    buckets("2026-08-01T00:00:00Z", Span::hours(1), count)
}

pub fn daily(count: usize) -> Vec<Value> {
    buckets("2026-08-01T00:00:00Z", Span::days(1), count)
}

/// `count` listing items with ids `{prefix}_{index:03}`.
pub fn items(prefix: &str, count: usize) -> Vec<Value> {
    (0..count).map(|index| json!({"id": format!("{prefix}_{index:03}"), "type": prefix})).collect()
}

/// `count` Claude Code records on `day` (`YYYY-MM-DD`).
pub fn records(day: &str, count: usize) -> Vec<Value> {
    (0..count).map(|index| json!({"date": format!("{day}T00:00:00Z"), "actor": {"type": "user_actor", "email_address": format!("e{index}@example.com")}})).collect()
}

/// A GET with the admin headers (and the beta header a beta endpoint needs).
pub fn get(mock: &MockAdminApi, endpoint: Endpoint, query: &[(&str, &str)]) -> Response {
    let mut request = client()
        .get(format!("{}{}", mock.base_url(), endpoint.path()))
        .query(query)
        .header("x-api-key", KEY)
        .header("anthropic-version", "2023-06-01");
    if let Some(beta) = endpoint.beta() {
        request = request.header("anthropic-beta", beta);
    }
    request.send().unwrap()
}

/// A GET that must succeed, as JSON.
pub fn get_json(mock: &MockAdminApi, endpoint: Endpoint, query: &[(&str, &str)]) -> Value {
    let response = get(mock, endpoint, query);
    let status = response.status().as_u16();
    let text = response.text().unwrap();
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// A GET that must fail with `status`; returns the error body.
pub fn get_error(mock: &MockAdminApi, endpoint: Endpoint, query: &[(&str, &str)], status: u16) -> Value {
    let response = get(mock, endpoint, query);
    assert_eq!(response.status().as_u16(), status);
    serde_json::from_str(&response.text().unwrap()).unwrap()
}

/// Follows `next_page` from the first page to the last; returns every page.
pub fn follow(mock: &MockAdminApi, endpoint: Endpoint, query: &[(&str, &str)]) -> Vec<Value> {
    let mut pages: Vec<Value> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        assert!(pages.len() < 100, "more than 100 pages: the pagination does not stop");
        let mut with_page = query.to_vec();
        if let Some(token) = &token {
            with_page.push(("page", token));
        }
        let page = get_json(mock, endpoint, &with_page);
        token = page["next_page"].as_str().map(str::to_string);
        let has_more = page["has_more"].as_bool().unwrap();
        assert_eq!(has_more, token.is_some(), "has_more and next_page disagree: {page}");
        pages.push(page);
        if !has_more {
            return pages;
        }
    }
}

/// The `data` of `pages`, concatenated.
pub fn data(pages: &[Value]) -> Vec<Value> {
    pages.iter().flat_map(|page| page["data"].as_array().unwrap().clone()).collect()
}

/// The `starting_at` of every bucket in `items`.
pub fn starts(items: &[Value]) -> Vec<String> {
    items.iter().map(|bucket| bucket["starting_at"].as_str().unwrap().to_string()).collect()
}

/// The error type and message of an Anthropic error body.
pub fn error_of(body: &Value) -> (&str, &str) {
    assert_eq!(body["type"], "error");
    (body["error"]["type"].as_str().unwrap(), body["error"]["message"].as_str().unwrap())
}

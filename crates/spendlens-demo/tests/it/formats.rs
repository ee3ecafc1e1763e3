use serde_json::Value;

use crate::support::{buckets, default_org, read_json, rendered_default};

fn is_anthropic_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix("_01"))
        .is_some_and(|tail| tail.len() == 22 && tail.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn check_paging(pages: &[std::path::PathBuf], most: usize) {
    for (index, page) in pages.iter().enumerate() {
        let body = read_json(page);
        let last = index + 1 == pages.len();
        assert!(body["data"].as_array().unwrap().len() <= most);
        assert_eq!(body["has_more"], Value::Bool(!last));
        if last {
            assert!(body["next_page"].is_null());
        } else {
            assert!(body["next_page"].as_str().unwrap().starts_with("page_"));
        }
        assert!(page.ends_with(format!("page-{:04}.json", index + 1)));
    }
}

#[test]
fn pages_respect_the_api_limits_and_chain_with_cursors() {
    let rendered = rendered_default();
    check_paging(&rendered.usage_pages, 168);
    check_paging(&rendered.cost_pages, 31);
    check_paging(&rendered.claude_code_pages, 1000);
    assert_eq!(rendered.usage_pages.len(), (180 * 24usize).div_ceil(168));
    let hours = buckets(&rendered.usage_pages);
    assert_eq!(hours.len(), 180 * 24);
    assert_eq!(hours[0]["starting_at"], "2026-05-05T00:00:00Z");
    assert_eq!(hours[0]["ending_at"], "2026-05-05T01:00:00Z");
    assert_eq!(hours.last().unwrap()["ending_at"], "2026-11-01T00:00:00Z");
    for bucket in &hours {
        for result in bucket["results"].as_array().unwrap() {
            let total: u64 = ["uncached_input_tokens", "cache_read_input_tokens", "output_tokens"]
                .iter()
                .map(|field| result[*field].as_u64().unwrap())
                .sum();
            assert!(total > 0);
            assert!(["0-200k", "200k-1M"].contains(&result["context_window"].as_str().unwrap()));
        }
    }
    assert_eq!(buckets(&rendered.cost_pages).len(), 180);
}

#[test]
fn cost_amounts_are_exact_cent_strings() {
    let rendered = rendered_default();
    let mut web_search = 0;
    for bucket in buckets(&rendered.cost_pages) {
        for result in bucket["results"].as_array().unwrap() {
            let amount = result["amount"].as_str().unwrap();
            assert!(amount.chars().all(|c| c.is_ascii_digit() || c == '.'), "{amount}");
            if result["cost_type"] == "web_search" {
                web_search += 1;
                assert!(result["token_type"].is_null());
            } else {
                assert_eq!(result["cost_type"], "tokens");
                assert!(result["description"].as_str().unwrap().contains("Usage - "));
            }
        }
    }
    assert!(web_search > 0);
}

#[test]
fn listings_use_anthropic_shaped_ids() {
    let rendered = rendered_default();
    let workspaces = read_json(&rendered.workspaces);
    let data = workspaces["data"].as_array().unwrap();
    assert!(data.iter().all(|workspace| is_anthropic_id(workspace["id"].as_str().unwrap(), "wrkspc")));
    assert!(data.iter().any(|workspace| workspace["name"] == "Claude Code"));
    assert_eq!(workspaces["first_id"], data[0]["id"]);
    let keys = read_json(&rendered.api_keys);
    for key in keys["data"].as_array().unwrap() {
        assert!(is_anthropic_id(key["id"].as_str().unwrap(), "apikey"));
        assert!(is_anthropic_id(key["created_by"]["id"].as_str().unwrap(), "user"));
        assert!(key["partial_key_hint"].as_str().unwrap().starts_with("sk-ant-api03-"));
    }
    let claude_code_keys = keys["data"].as_array().unwrap().iter().filter(|key| key["name"].as_str().unwrap().starts_with("claude-code-"));
    assert_eq!(claude_code_keys.count(), 20);
    let users = read_json(&rendered.users);
    let users = users["data"].as_array().unwrap();
    assert_eq!(users.len(), 118, "120 engineers minus 2 leavers");
    assert!(users.iter().all(|user| is_anthropic_id(user["id"].as_str().unwrap(), "user")));
    assert!(users.iter().any(|user| user["role"] == "admin"));
}

#[test]
fn the_roster_is_csv_with_the_exact_header() {
    let rendered = rendered_default();
    let mut reader = csv::Reader::from_path(&rendered.roster).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, ["email", "name", "team", "seat_type", "monthly_usd", "start", "end"]);
    let mut rows = 0;
    let mut ended = 0;
    for record in reader.records() {
        let record = record.unwrap();
        rows += 1;
        assert!(record[0].ends_with("@acme.example"));
        assert_eq!(&record[3], "team_premium");
        assert_eq!(&record[4], "150.00");
        record[5].parse::<chrono::NaiveDate>().unwrap();
        if !record[6].is_empty() {
            record[6].parse::<chrono::NaiveDate>().unwrap();
            ended += 1;
        }
    }
    assert_eq!(rows, 100);
    assert_eq!(ended, 2);
    assert_eq!(default_org().engineers.iter().filter(|engineer| engineer.is_seat()).count(), 100);
}

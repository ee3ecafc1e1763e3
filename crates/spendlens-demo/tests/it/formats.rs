use serde_json::Value;

use crate::support::{buckets, day_of, default_org, read_json, rendered_default};

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

/// The analytics usage rows are the usage report's hours summed per day and group, with requests.
#[test]
fn analytics_usage_is_the_usage_report_by_day_with_request_counts() {
    type Key = (String, String, Option<String>, String, String, String, String);
    let key = |day: String, result: &Value, group: bool| -> Key {
        let field = |name: &str| if group { result["group"][name].clone() } else { result[name].clone() };
        let text = |name: &str| field(name).as_str().unwrap().to_string();
        (
            day,
            text("api_key_id"),
            field("workspace_id").as_str().map(str::to_string),
            text("model"),
            text("service_tier"),
            text("context_window"),
            text("inference_geo"),
        )
    };
    let tokens = |usage: &Value| -> [u64; 6] {
        [
            usage["uncached_input_tokens"].as_u64().unwrap(),
            usage["cache_creation"]["ephemeral_5m_input_tokens"].as_u64().unwrap(),
            usage["cache_creation"]["ephemeral_1h_input_tokens"].as_u64().unwrap(),
            usage["cache_read_input_tokens"].as_u64().unwrap(),
            usage["output_tokens"].as_u64().unwrap(),
            usage["server_tool_use"]["web_search_requests"].as_u64().unwrap(),
        ]
    };
    let rendered = rendered_default();
    check_paging(&rendered.analytics_usage_pages, 1000);
    let mut legacy: std::collections::BTreeMap<Key, [u64; 6]> = std::collections::BTreeMap::new();
    for bucket in buckets(&rendered.usage_pages) {
        for result in bucket["results"].as_array().unwrap() {
            let sum = legacy.entry(key(day_of(&bucket["starting_at"]), result, false)).or_default();
            for (total, part) in sum.iter_mut().zip(tokens(result)) {
                *total += part;
            }
        }
    }
    let rows = buckets(&rendered.analytics_usage_pages);
    let mut analytics = std::collections::BTreeMap::new();
    let mut requests_by_key: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    for row in &rows {
        let day = day_of(&row["starting_at"]);
        assert_eq!(row["ending_at"].as_str().unwrap()[11..], *"00:00:00Z");
        assert!(row["group"]["actor"].is_null() && row["group"]["product"].is_null());
        let requests = row["usage"]["requests"].as_u64().unwrap();
        assert!(requests > 0, "{row}");
        *requests_by_key.entry(row["group"]["api_key_id"].as_str().unwrap().to_string()).or_default() += requests;
        assert!(analytics.insert(key(day, row, true), tokens(&row["usage"])).is_none(), "one row per day and group: {row}");
    }
    assert_eq!(analytics, legacy, "same tokens, by day, as the usage report");
    let org = default_org();
    assert_eq!(requests_by_key.values().sum::<u64>(), org.usage.iter().map(|row| row.requests()).sum::<u64>());
    let unassigned = &org.ground_truth.planted.unassigned_key;
    assert_eq!(requests_by_key[&unassigned.api_key_id], unassigned.requests, "the unmapped key's requests, as the ground truth has them");
    let routing = org.ground_truth.planted.routing.as_ref().unwrap();
    let routed: u64 = routing.api_key_ids.iter().map(|key| requests_by_key[key]).sum();
    assert_eq!(routed, routing.requests);
}

/// The analytics cost rows carry the cost report's dollars, row for row.
#[test]
fn analytics_cost_is_the_cost_report_in_the_new_shape() {
    let rendered = rendered_default();
    check_paging(&rendered.analytics_cost_pages, 1000);
    let legacy: Vec<(String, Value)> = buckets(&rendered.cost_pages)
        .iter()
        .flat_map(|bucket| {
            bucket["results"].as_array().unwrap().iter().map(|result| (day_of(&bucket["starting_at"]), result.clone())).collect::<Vec<_>>()
        })
        .collect();
    let rows = buckets(&rendered.analytics_cost_pages);
    assert_eq!(rows.len(), legacy.len());
    let mut total = rust_decimal::Decimal::ZERO;
    for (row, (day, result)) in rows.iter().zip(&legacy) {
        assert_eq!(&day_of(&row["starting_at"]), day);
        assert_eq!(row["cost"]["amount"], result["amount"], "{row}");
        assert_eq!(row["cost"]["list_amount"], result["amount"]);
        assert_eq!(row["cost"]["currency"], "USD");
        assert!(row["cost"]["requests"].is_null(), "grouped by cost and token type: no request count");
        for field in ["workspace_id", "model", "cost_type", "token_type", "service_tier", "context_window", "inference_geo"] {
            assert_eq!(row["group"][field], result[field], "{field}");
        }
        total += crate::support::decimal(row["cost"]["amount"].as_str().unwrap());
    }
    let months: rust_decimal::Decimal = default_org().ground_truth.months.iter().map(|month| month.cost_report_usd.as_decimal()).sum();
    assert_eq!(total / rust_decimal::Decimal::ONE_HUNDRED, months, "the ground truth's cost report dollars");
}

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use spendlens_model::{Money, Period, TokenCounts};
use spendlens_pricing::PriceQuery;

use crate::support::{book, buckets, day_of, decimal, number, read_json, rendered_default};

type Group = (String, String, String, String, String);

fn usage_by_day_and_rate_group() -> BTreeMap<Group, (TokenCounts, u64)> {
    let mut usage: BTreeMap<Group, (TokenCounts, u64)> = BTreeMap::new();
    for bucket in buckets(&rendered_default().usage_pages) {
        let day = day_of(&bucket["starting_at"]);
        for result in bucket["results"].as_array().unwrap() {
            let text = |field: &str| result[field].as_str().unwrap().to_string();
            let key = (day.clone(), text("model"), text("service_tier"), text("context_window"), text("inference_geo"));
            let entry = usage.entry(key).or_default();
            entry.0.add(&TokenCounts {
                input: number(&result["uncached_input_tokens"]),
                cache_write_5m: number(&result["cache_creation"]["ephemeral_5m_input_tokens"]),
                cache_write_1h: number(&result["cache_creation"]["ephemeral_1h_input_tokens"]),
                cache_read: number(&result["cache_read_input_tokens"]),
                output: number(&result["output_tokens"]),
            });
            entry.1 += number(&result["server_tool_use"]["web_search_requests"]);
        }
    }
    usage
}

fn cost_report_by_day() -> BTreeMap<String, Money> {
    let mut billed: BTreeMap<String, Money> = BTreeMap::new();
    for bucket in buckets(&rendered_default().cost_pages) {
        for result in bucket["results"].as_array().unwrap() {
            assert_eq!(result["currency"], "USD");
            let cents = decimal(result["amount"].as_str().unwrap());
            assert!(cents > Decimal::ZERO);
            *billed.entry(day_of(&bucket["starting_at"])).or_default() += Money::from_cents_decimal(cents);
        }
    }
    billed
}

#[test]
fn the_cost_report_is_the_exact_price_of_the_usage_report() {
    let mut priced: BTreeMap<String, Money> = BTreeMap::new();
    for ((day, model, tier, window, geo), (tokens, searches)) in usage_by_day_and_rate_group() {
        let query = PriceQuery {
            service_tier: tier.parse().unwrap(),
            context_window: window.parse().unwrap(),
            inference_geo: geo.parse().unwrap(),
            quantities: spendlens_model::Quantities { web_search_requests: searches, ..spendlens_model::Quantities::of_tokens(tokens) },
            ..PriceQuery::new(model, day.parse().unwrap(), tokens)
        };
        *priced.entry(day).or_default() += book().price(&query).unwrap().total;
    }
    let billed = cost_report_by_day();
    assert_eq!(priced.len(), 180);
    assert_eq!(priced.keys().collect::<Vec<_>>(), billed.keys().collect::<Vec<_>>());
    for (day, amount) in &priced {
        assert_eq!(amount.as_decimal().normalize(), billed[day].as_decimal().normalize(), "{day}");
    }
}

#[test]
fn monthly_ground_truth_adds_up_and_matches_the_files() {
    let rendered = rendered_default();
    let truth = read_json(&rendered.ground_truth);
    let billed = cost_report_by_day();
    let money = |value: &serde_json::Value| Money::from_decimal(decimal(value.as_str().unwrap()));
    let roster = std::fs::read_to_string(&rendered.roster).unwrap();
    let months = truth["months"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    for month in months {
        let label = month["month"].as_str().unwrap();
        let period = Period::parse_month(label).unwrap();
        let cost = money(&month["cost_report_usd"]);
        let from_files: Money = billed.iter().filter(|(day, _)| period.contains(day.parse().unwrap())).map(|(_, amount)| *amount).sum();
        assert_eq!(cost, from_files, "{label} cost report");
        let features: Money = month["features"].as_object().unwrap().values().map(money).sum();
        let api_key = money(&month["claude_code_api_key_usd"]);
        assert_eq!(cost, features + api_key + money(&month["unassigned_usd"]), "{label} split");
        let seats = money(&month["seat_fees_usd"]);
        assert_eq!(money(&month["claude_code_usd"]), seats + api_key, "{label} claude code");
        let teams: Money = month["teams"].as_object().unwrap().values().map(|team| money(&team["total_usd"])).sum();
        let engineers: Money = month["engineers"].as_object().unwrap().values().map(|person| money(&person["total_usd"])).sum();
        assert_eq!(teams, seats + api_key, "{label} teams");
        assert_eq!(engineers, seats + api_key, "{label} engineers");

        // Seat fees recomputed from the roster alone.
        let mut expected = Money::ZERO;
        for line in roster.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let fee = Money::from_decimal(decimal(fields[4]));
            let start = fields[5].parse().unwrap();
            let end = if fields[6].is_empty() { period.end.pred_opt().unwrap() } else { fields[6].parse().unwrap() };
            let first = period.start.max(start);
            let last = (period.end.pred_opt().unwrap()).min(end);
            let held = (last - first).num_days() + 1;
            if held > 0 {
                expected += fee.scale(Decimal::from(held) / Decimal::from(period.days())).round_cents();
            }
        }
        assert_eq!(seats, expected, "{label} seat fees from the roster");
    }
}

#[test]
fn analytics_tokens_equal_usage_report_tokens_for_api_key_engineers() {
    let rendered = rendered_default();
    let truth = read_json(&rendered.ground_truth);
    let mut email_of_key: BTreeMap<String, String> = BTreeMap::new();
    let mut email_of_name: BTreeMap<String, String> = BTreeMap::new();
    for engineer in truth["engineers"].as_array().unwrap() {
        if engineer["billing"] == "api_key" {
            let email = engineer["email"].as_str().unwrap().to_string();
            email_of_key.insert(engineer["api_key_id"].as_str().unwrap().to_string(), email.clone());
            email_of_name.insert(engineer["api_key_name"].as_str().unwrap().to_string(), email);
        }
    }
    assert_eq!(email_of_key.len(), 20);
    type Tokens = [u64; 4];
    let mut from_usage: BTreeMap<(String, String, String), Tokens> = BTreeMap::new();
    for bucket in buckets(&rendered.usage_pages) {
        for result in bucket["results"].as_array().unwrap() {
            let Some(email) = email_of_key.get(result["api_key_id"].as_str().unwrap()) else {
                continue;
            };
            let key = (day_of(&bucket["starting_at"]), email.clone(), result["model"].as_str().unwrap().to_string());
            let entry = from_usage.entry(key).or_default();
            entry[0] += number(&result["uncached_input_tokens"]);
            entry[1] += number(&result["output_tokens"]);
            entry[2] += number(&result["cache_read_input_tokens"]);
            entry[3] += number(&result["cache_creation"]["ephemeral_5m_input_tokens"])
                + number(&result["cache_creation"]["ephemeral_1h_input_tokens"]);
        }
    }
    let mut from_analytics: BTreeMap<(String, String, String), Tokens> = BTreeMap::new();
    let mut api_actors = 0;
    for record in buckets(&rendered.claude_code_pages) {
        if record["customer_type"] != "api" {
            assert_eq!(record["subscription_type"], "team");
            let email = record["actor"]["email_address"].as_str().unwrap();
            assert!(!email_of_name.values().any(|api| api == email), "{email} is on a seat and a key");
            continue;
        }
        assert!(record["subscription_type"].is_null());
        let email = match record["actor"]["type"].as_str().unwrap() {
            "user_actor" => record["actor"]["email_address"].as_str().unwrap().to_string(),
            _ => {
                api_actors += 1;
                email_of_name[record["actor"]["api_key_name"].as_str().unwrap()].clone()
            }
        };
        for model in record["model_breakdown"].as_array().unwrap() {
            let tokens = &model["tokens"];
            let key = (day_of(&record["date"]), email.clone(), model["model"].as_str().unwrap().to_string());
            let entry = from_analytics.entry(key).or_default();
            entry[0] += number(&tokens["input"]);
            entry[1] += number(&tokens["output"]);
            entry[2] += number(&tokens["cache_read"]);
            entry[3] += number(&tokens["cache_creation"]);
        }
    }
    assert!(api_actors > 0, "some records name the key instead of the person");
    assert!(from_usage.len() > 1000);
    assert_eq!(from_usage, from_analytics);
}

#[test]
fn analytics_estimated_cost_is_the_list_price_in_cents() {
    for record in buckets(&rendered_default().claude_code_pages).iter().take(300) {
        for model in record["model_breakdown"].as_array().unwrap() {
            let tokens = &model["tokens"];
            // Only 5-minute writes are priced here; records with 1-hour writes are skipped.
            let counts = TokenCounts {
                input: number(&tokens["input"]),
                cache_write_5m: number(&tokens["cache_creation"]),
                cache_read: number(&tokens["cache_read"]),
                output: number(&tokens["output"]),
                ..TokenCounts::default()
            };
            let query = PriceQuery::new(model["model"].as_str().unwrap(), day_of(&record["date"]).parse().unwrap(), counts);
            let expected = book().price(&query).unwrap().total;
            let amount = &model["estimated_cost"]["amount"];
            assert!(amount.is_number());
            let cents = decimal(&amount.to_string());
            assert!(cents <= expected.as_decimal() * Decimal::ONE_HUNDRED * Decimal::TWO);
            assert!(cents > Decimal::ZERO);
        }
    }
}

//! `spendlens crosscheck`: the usage report priced by the book against the cost report.

use crate::support::{files_in, json, ok, small_demo_sources, spendlens};

#[test]
fn the_demo_reconciles_within_a_cent_and_a_wrong_rate_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    let usage = files_in(&sources.join("admin/usage_report_messages"), "json");
    let cost = files_in(&sources.join("admin/cost_report"), "json");
    let mut args = vec!["ingest", "admin-usage"];
    args.extend(usage.iter().map(String::as_str));
    ok(&data, &args);
    let mut args = vec!["ingest", "admin-cost"];
    args.extend(cost.iter().map(String::as_str));
    ok(&data, &args);

    let check = json(&data, &["crosscheck", "--month", "2026-10", "--json"]);
    assert_eq!(check["reconciles"], true, "{check}");
    assert!(check["groups"].as_u64().unwrap() > 20);
    assert_eq!(check["priced_usd"], check["billed_usd"]);

    // A contract rate on one line: the cost report bills 10% less than the book's list price.
    let page = std::fs::read_to_string(&cost[0]).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&page).unwrap();
    let result = &mut value["data"][3]["results"][0];
    let cents: rust_decimal::Decimal = result["amount"].as_str().unwrap().parse().unwrap();
    result["amount"] = serde_json::Value::String((cents * rust_decimal::Decimal::new(9, 1)).normalize().to_string());
    let day = value["data"][3]["starting_at"].as_str().unwrap()[..10].to_string();
    std::fs::write(&cost[0], serde_json::to_string(&value).unwrap()).unwrap();
    let mut args = vec!["ingest", "admin-cost"];
    args.extend(cost.iter().map(String::as_str));
    ok(&data, &args);
    let check = json(&data, &["crosscheck", "--month", &day[..7], "--json"]);
    assert_eq!(check["reconciles"], false);
    let rows = check["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["cause"], "rate_differs");
    assert_eq!(rows[0]["day"], day);
    let difference: rust_decimal::Decimal = rows[0]["difference_usd"].as_str().unwrap().parse().unwrap();
    assert_eq!(difference, -(cents / rust_decimal::Decimal::ONE_HUNDRED) * rust_decimal::Decimal::new(1, 1));
    let text = String::from_utf8(spendlens(&data, &["crosscheck", "--month", &day[..7]]).stdout).unwrap();
    assert!(text.contains("RateDiffers") && text.contains("contract discount"), "{text}");
}

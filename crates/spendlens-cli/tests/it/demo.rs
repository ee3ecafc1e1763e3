//! The demo organisation end to end: generated in real formats, ingested through the real readers,
//! and reported; every figure checked against the generator's ground truth.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{json, ok};

fn dollars(value: &Value) -> Decimal {
    let text = value.as_str().unwrap_or_else(|| panic!("a decimal string, got {value}"));
    Decimal::from_str(text).unwrap()
}

/// Equal to a billionth of a dollar (allocation rounds shares at 12 decimal places).
fn assert_close(actual: Decimal, expected: Decimal, what: &str) {
    assert!((actual - expected).abs() < Decimal::new(1, 9), "{what}: reported {actual}, ground truth {expected}");
}

/// `actual` is `expected` rounded half away from zero to `dp` places.
fn assert_rounded(actual: Decimal, expected: Decimal, dp: u32, what: &str) {
    let rounded = expected.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(actual, rounded, "{what}: reported {actual}, ground truth {expected}");
}

#[test]
fn every_month_of_the_demo_matches_its_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let printed = ok(&data, &["demo"]);
    assert!(printed.contains("spendlens report · 2026-10 · total $"), "{printed}");
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(data.join("demo-sources/ground_truth.json")).unwrap()).unwrap();

    let months = truth["months"].as_array().unwrap();
    assert_eq!(months.len(), 6, "May to October 2026");
    for month in months {
        let label = month["month"].as_str().unwrap();
        let report = json(&data, &["report", "--month", label, "--json"]);
        let paths = &report["paths"];
        let billed = dollars(&month["cost_report_usd"]) + dollars(&month["seat_fees_usd"]);
        assert_close(dollars(&report["total_usd"]), billed, &format!("{label} total = cost report + seat fees"));
        assert_close(dollars(&paths["claude_code"]["total_usd"]), dollars(&month["claude_code_usd"]), &format!("{label} Claude Code"));
        assert_close(dollars(&paths["claude_code"]["seats_usd"]), dollars(&month["seat_fees_usd"]), &format!("{label} seats"));
        assert_close(
            dollars(&paths["claude_code"]["api_keys_usd"]),
            dollars(&month["claude_code_api_key_usd"]),
            &format!("{label} Claude Code on API keys"),
        );
        assert_close(dollars(&paths["unassigned"]["total_usd"]), dollars(&month["unassigned_usd"]), &format!("{label} unassigned"));

        // Unit economics: the denominators are the generator's, and the rates are the path's
        // dollars over them.
        let units = &report["unit_economics"];
        let claude_code = &units["claude_code"];
        assert_eq!(claude_code["active_engineers"], month["active_engineers"], "{label} active engineers");
        assert_eq!(claude_code["active_engineer_days"], month["active_engineer_days"], "{label} active engineer-days");
        let per_engineer = dollars(&month["claude_code_usd"]) / Decimal::from(month["active_engineers"].as_u64().unwrap());
        assert_rounded(dollars(&claude_code["cost_per_active_engineer_usd"]), per_engineer, 2, &format!("{label} per active engineer"));
        let per_day = dollars(&month["claude_code_usd"]) / Decimal::from(month["active_engineer_days"].as_u64().unwrap());
        assert_rounded(dollars(&claude_code["cost_per_active_engineer_day_usd"]), per_day, 2, &format!("{label} per engineer-day"));
        for unit in units["api"]["features"].as_array().unwrap() {
            let name = unit["feature"].as_str().unwrap();
            let requests = month["feature_requests"][name].as_u64().unwrap();
            assert_eq!(unit["requests"].as_u64(), Some(requests), "{label} {name} requests");
            let rate = dollars(&month["features"][name]) * Decimal::from(1000) / Decimal::from(requests);
            assert_rounded(dollars(&unit["cost_per_1000_requests_usd"]), rate, 3, &format!("{label} {name} per 1,000 requests"));
        }

        let features: BTreeMap<String, Decimal> = paths["api"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["feature"].as_str().unwrap().to_string(), dollars(&f["total_usd"])))
            .collect();
        let expected: BTreeMap<String, Decimal> = month["features"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, amount)| (name.clone(), dollars(amount)))
            .filter(|(_, a)| !a.is_zero())
            .collect();
        assert_eq!(features.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>(), "{label} features");
        for (name, amount) in &expected {
            assert_close(features[name], *amount, &format!("{label} feature {name}"));
        }

        let teams: BTreeMap<String, Decimal> = paths["claude_code"]["teams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["team"].as_str().unwrap().to_string(), dollars(&t["total_usd"])))
            .collect();
        for (team, split) in month["teams"].as_object().unwrap() {
            let expected = dollars(&split["total_usd"]);
            assert_close(teams.get(team).copied().unwrap_or_default(), expected, &format!("{label} team {team}"));
        }

        let engineers: BTreeMap<String, (Decimal, Decimal)> = paths["claude_code"]["top_engineers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["email"].as_str().unwrap().to_string(), (dollars(&e["seat_usd"]), dollars(&e["api_key_usd"]))))
            .collect();
        for (email, split) in month["engineers"].as_object().unwrap() {
            let (seat, api_key) = engineers.get(email).copied().unwrap_or_default();
            assert_close(seat, dollars(&split["seat_fees_usd"]), &format!("{label} {email} seat"));
            assert_close(api_key, dollars(&split["api_key_usd"]), &format!("{label} {email} API keys"));
        }
    }

    // The analytics usage (request counts per key) and cost are ingested; the cost is stored but set
    // aside, as the cost report bills the same days (the totals above matched the truth with it).
    let status = json(&data, &["status", "--json"]);
    assert!(status["sources"]["admin_analytics_usage"]["usage_rows"].as_u64().unwrap() > 0, "{status}");
    assert_eq!(status["sources"]["admin_analytics_usage"]["tokens"], status["sources"]["admin_usage"]["tokens"]);
    assert_eq!(status["sources"]["admin_analytics_cost"]["cost_usd"], status["sources"]["admin_cost"]["cost_usd"]);

    // The planted unassigned key is reported by name with its reason.
    let october = json(&data, &["report", "--month", "2026-10", "--json"]);
    let reason = october["paths"]["unassigned"]["lines"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("no org-map rule matches API key scratch-experiments"), "{reason}");
    let sources = october["sources"].as_array().unwrap();
    let role_of = |source: &str| sources.iter().find(|used| used["source"] == source).map(|used| used["role"].clone());
    assert_eq!(role_of("admin_cost"), Some(Value::from("billing")));
    assert_eq!(role_of("admin_analytics_cost"), Some(Value::from("set_aside")));
    let aside = sources.iter().find(|used| used["source"] == "admin_analytics_cost").unwrap();
    let billed = sources.iter().find(|used| used["source"] == "admin_cost").unwrap();
    assert_eq!(dollars(&aside["estimated_usd"]), dollars(&billed["billed_usd"]), "the same month's dollars, counted once");
    // Every API feature has requests counted by the Usage Analytics endpoint.
    for feature in october["unit_economics"]["api"]["features"].as_array().unwrap() {
        assert!(feature["requests"].as_u64().unwrap() > 0, "{feature}");
    }
}

#[test]
fn the_report_table_of_a_small_demo_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let printed = ok(&data, &["demo", "--engineers", "16", "--days", "45", "--top", "5"]);
    insta::assert_snapshot!("small_demo_report", printed);
    let report = json(&data, &["report", "--since", "2026-10-01", "--until", "2026-10-31", "--json"]);
    for path in ["claude_code", "api", "unassigned"] {
        assert!(report["paths"][path]["total_usd"].is_string(), "{path}");
    }
    assert_eq!(report["period"]["start"], "2026-10-01");
    assert_eq!(report["period"]["end"], "2026-11-01");

    // The same month in Markdown and CSV: the same figures, laid out for a ticket and a sheet.
    let markdown = ok(&data, &["report", "--month", "2026-10", "--top", "5", "--format", "md"]);
    insta::assert_snapshot!("small_demo_report_markdown", markdown);
    let csv = ok(&data, &["report", "--month", "2026-10", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    for path in ["claude_code", "api", "unassigned"] {
        let total = rows.iter().find(|row| &row[2] == path && &row[3] == "total").unwrap();
        assert_eq!(total[6].parse::<Decimal>().unwrap(), dollars(&report["paths"][path]["total_usd"]), "{path}");
    }
    // "Why is this Claude Code?": every Claude Code dollar with the rule or source that placed it.
    let placed = json(&data, &["ledger", "--month", "2026-10", "--path", "claude_code", "--json"]);
    assert_eq!(dollars(&placed["total_usd"]), dollars(&report["paths"]["claude_code"]["total_usd"]));
    let placements = placed["placements"].as_array().unwrap();
    assert_eq!(placements.iter().map(|p| dollars(&p["total_usd"])).sum::<Decimal>(), dollars(&placed["total_usd"]));
    let on_keys: Vec<&Value> = placements.iter().filter(|p| p["source"] == "admin_cost").collect();
    assert!(!on_keys.is_empty());
    for placement in on_keys {
        assert_eq!(placement["path"], "claude_code");
        assert!(placement["rule"].as_str().unwrap().contains("[claude_code]"), "{placement}");
        assert!(placement["api_key"].as_str().unwrap().starts_with("apikey_"), "{placement}");
    }
    let one_key = json(&data, &["ledger", "--month", "2026-10", "--key", "apikey_01m068", "--json"]);
    assert_eq!(one_key["placements"][0]["path"], "unassigned");
    let refused = crate::support::spendlens(&data, &["ledger", "--month", "2026-10", "--format", "csv"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("prints a table or JSON"));

    // September is only partly in a 45-day demo: the change carries a warning, not a bare +100%.
    assert!(markdown.contains("Note: 2026-09 has billed data on"), "{markdown}");
}

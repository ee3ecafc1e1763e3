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

    // The analytics usage (request counts per key) is ingested; analytics cost is not billed.
    let status = json(&data, &["status", "--json"]);
    assert!(status["sources"]["admin_analytics_usage"]["usage_rows"].as_u64().unwrap() > 0, "{status}");
    assert_eq!(status["sources"]["admin_analytics_usage"]["tokens"], status["sources"]["admin_usage"]["tokens"]);
    assert!(status["sources"].get("admin_analytics_cost").is_none(), "{status}");

    // The planted unassigned key is reported by name with its reason.
    let october = json(&data, &["report", "--month", "2026-10", "--json"]);
    let reason = october["paths"]["unassigned"]["lines"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("no org-map rule matches API key scratch-experiments"), "{reason}");
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
}

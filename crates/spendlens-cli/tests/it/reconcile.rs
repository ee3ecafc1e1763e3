//! `spendlens reconcile` on the demo organisation: a generated invoice ties out to the cent, and a
//! wrong line is flagged with its cause.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::support::{files_in, json, ok};

fn dollars(value: &Value) -> Decimal {
    value.as_str().unwrap().parse().unwrap()
}

/// An invoice written from the demo's own cost report pages and ground truth, independently of
/// spendlens: one line per model and token type, the seats, and a tax line.
fn write_invoice(sources: &std::path::Path, month: &str, inflate: Option<(&str, &str, Decimal)>) -> (std::path::PathBuf, Decimal) {
    let mut lines: BTreeMap<(String, String, String), Decimal> = BTreeMap::new();
    for page in files_in(&sources.join("admin/cost_report"), "json") {
        let value: Value = serde_json::from_str(&std::fs::read_to_string(page).unwrap()).unwrap();
        for bucket in value["data"].as_array().unwrap() {
            if !bucket["starting_at"].as_str().unwrap().starts_with(month) {
                continue;
            }
            for result in bucket["results"].as_array().unwrap() {
                let cents: Decimal = result["amount"].as_str().unwrap().parse().unwrap();
                let key = (
                    result["model"].as_str().unwrap_or("").to_string(),
                    result["token_type"].as_str().unwrap_or("").to_string(),
                    result["cost_type"].as_str().unwrap().to_string(),
                );
                *lines.entry(key).or_default() += cents / Decimal::ONE_HUNDRED;
            }
        }
    }
    let truth: Value = serde_json::from_str(&std::fs::read_to_string(sources.join("ground_truth.json")).unwrap()).unwrap();
    let seats = truth["months"].as_array().unwrap().iter().find(|m| m["month"] == month).map(|m| dollars(&m["seat_fees_usd"])).unwrap();
    let mut csv = String::from("description,amount_usd,kind,model,token_type\n");
    let mut total = Decimal::ZERO;
    for ((model, token_type, cost_type), mut amount) in lines {
        if let Some((inflated_model, inflated_type, extra)) = inflate
            && model == inflated_model
            && token_type == inflated_type
        {
            amount += extra;
        }
        let kind = if cost_type == "web_search" { "web_search" } else { "tokens" };
        csv += &format!("{model} {token_type},{amount},{kind},{model},{token_type}\n");
        total += amount;
    }
    csv += &format!("Claude Code Team premium seats,{seats},seat_fee,,\n");
    csv += "Sales tax,123.45,tax,,\n";
    total += seats + Decimal::new(12345, 2);
    let path = sources.join(format!("invoice-{month}.csv"));
    std::fs::write(&path, csv).unwrap();
    (path, total)
}

#[test]
fn a_demo_invoice_ties_out_and_a_wrong_line_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--engineers", "16", "--days", "45"]);
    let sources = data.join("demo-sources");

    // No invoice: the month's cost report and seat fees stand in, and tie out with nothing left.
    let plain = json(&data, &["reconcile", "--month", "2026-10", "--json"]);
    assert_eq!(plain["ties_out"], true);
    // ... and says it is a self-check, not an invoice tied out (regression: it used to say nothing).
    assert_eq!(plain["self_check"], true);
    let text = crate::support::ok(&data, &["reconcile", "--month", "2026-10"]);
    assert!(text.contains("self-check: no invoice given"), "{text}");
    assert_eq!(dollars(&plain["residual_total_usd"]), Decimal::ZERO);
    let report = json(&data, &["report", "--month", "2026-10", "--json"]);
    assert_eq!(plain["ledger_total_usd"], report["total_usd"]);

    // A generated invoice with tax: every line mapped, tax the only residual.
    let (invoice, total) = write_invoice(&sources, "2026-10", None);
    let result = json(&data, &["reconcile", "--month", "2026-10", "--invoice", invoice.to_str().unwrap(), "--json"]);
    assert_eq!(result["ties_out"], true);
    assert_eq!(result["self_check"], false);
    assert_eq!(dollars(&result["invoice_total_usd"]), total);
    let lines = result["lines"].as_array().unwrap();
    let sum: Decimal = lines.iter().map(|l| dollars(&l["amount_usd"])).sum();
    assert_eq!(sum, total, "the lines make up the invoice exactly");
    let residuals = result["residuals"].as_object().unwrap();
    assert_eq!(residuals.keys().collect::<Vec<_>>(), vec!["tax"], "{residuals:?}");
    assert_eq!(dollars(&residuals["tax"]), Decimal::new(12345, 2));
    // Per path, the mapped lines equal the report's paths.
    for path in ["claude_code", "api", "unassigned"] {
        let mapped: Decimal = lines.iter().filter(|l| l["path"] == path && l["cause"].is_null()).map(|l| dollars(&l["amount_usd"])).sum();
        assert_eq!(mapped, dollars(&report["paths"][path]["total_usd"]), "{path}");
    }
    assert!(lines.iter().any(|l| l["path"] == "claude_code" && l["team"].is_string()));

    // Overbilled: one line $100 above the ledger is flagged, with that cause and amount.
    let (invoice, _) = write_invoice(&sources, "2026-10", Some(("claude-fable-5-1", "uncached_input_tokens", Decimal::ONE_HUNDRED)));
    let result = json(&data, &["reconcile", "--month", "2026-10", "--invoice", invoice.to_str().unwrap(), "--json"]);
    let flagged: Vec<&Value> = result["lines"].as_array().unwrap().iter().filter(|l| l["cause"] == "billed_above_ledger").collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
    assert_eq!(dollars(&flagged[0]["amount_usd"]), Decimal::ONE_HUNDRED);
    assert!(flagged[0]["description"].as_str().unwrap().starts_with("claude-fable-5-1 uncached_input_tokens"));
    assert_eq!(result["ties_out"], true);
}

//! `spendlens optimise`, `savings` and `reprice` through the binary: the JSON contracts.

use crate::support::{json, ok};

#[test]
fn optimise_savings_and_reprice_keep_their_json_contracts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--engineers", "8", "--days", "45", "--adopt-routing-on", "2026-10-10"]);

    let answer = json(&data, &["optimise", "--month", "2026-10", "--json"]);
    let first = &answer["opportunities"][0];
    for key in ["feature", "api_key_ids", "lever", "monthly_saving_usd", "confidence", "target_model", "evidence", "action"] {
        assert!(first.get(key).is_some(), "opportunities[0] lacks {key}: {first}");
    }
    assert!(["routing", "caching", "batch"].contains(&first["lever"].as_str().unwrap()));
    assert!(first["monthly_saving_usd"].as_str().unwrap().parse::<rust_decimal::Decimal>().is_ok(), "dollars are exact strings");
    for key in ["features", "total_saving_usd", "api_spend_usd", "optimised_baseline_usd"] {
        assert!(answer["plan"].get(key).is_some(), "plan lacks {key}");
    }
    let one = json(&data, &["optimise", "--month", "2026-10", "--feature", "support-bot", "--json"]);
    assert!(one["opportunities"].as_array().unwrap().iter().all(|o| o["feature"] == "support-bot"));
    assert!(ok(&data, &["optimise", "--month", "2026-10"]).contains("The plan"));

    let savings = json(&data, &["savings", "--json"]);
    let month = &savings["months"][0];
    for key in ["month", "lever", "feature", "actual_usd", "counterfactual_usd", "saved_usd"] {
        assert!(month.get(key).is_some(), "months[0] lacks {key}: {savings}");
    }
    assert_eq!(month["lever"], "routing");

    let book = dir.path().join("list-2027.toml");
    std::fs::write(&book, "[[model]]\nid = \"claude-sonnet-5-5\"\nrates = [{ from = \"2026-10-01\", input = \"3\", output = \"15\" }]\n")
        .unwrap();
    let repriced = json(&data, &["reprice", "--book", book.to_str().unwrap(), "--month", "2026-10", "--json"]);
    for key in ["current_usd", "repriced_usd", "delta_usd", "by_path", "by_feature", "by_model"] {
        assert!(repriced.get(key).is_some(), "reprice lacks {key}");
    }
    let dollars = |value: &serde_json::Value| value.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert!(dollars(&repriced["delta_usd"]) > rust_decimal::Decimal::ZERO, "a higher Sonnet list price costs more");
    assert_eq!(dollars(&repriced["delta_usd"]), dollars(&repriced["repriced_usd"]) - dollars(&repriced["current_usd"]));
}

//! The commitment on the demo organisation: the JSON contract, and the recommendation held to the
//! newsvendor's closed form on the forecast's own distribution.

use rust_decimal::Decimal;
use spendlens_app::forecast::{Baseline, CommitOptions, Discount, ForecastOptions};
use spendlens_app::views::to_json;
use spendlens_model::Money;

use crate::forecast::demo;

fn options(discount: &str) -> CommitOptions {
    CommitOptions {
        start: None,
        term: 12,
        discount: Discount::Flat(discount.parse().unwrap()),
        overage_rate: Decimal::ONE,
        baseline: Baseline::Optimised,
        headcount: None,
    }
}

#[test]
fn the_commit_json_keeps_the_contract() {
    let commit = demo().app.commit(&options("15")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&commit).unwrap()).unwrap();
    for key in ["recommended_commitment_usd", "expected_saving_usd", "expected_waste_usd"] {
        json[key].as_str().unwrap_or_else(|| panic!("{key}")).parse::<Money>().unwrap();
    }
    json["shortfall_probability"].as_str().unwrap().parse::<Decimal>().unwrap();
    assert!(!json["sensitivity"].as_array().unwrap().is_empty());
    for path in ["claude_code", "api"] {
        json["paths"][path]["recommended_commitment_usd"].as_str().unwrap().parse::<Money>().unwrap();
    }
    assert_eq!(commit.term.len(), 12);
    assert_eq!(commit.term[0], "2026-11");
    // The recommendation is a row of the sensitivity table, and the cheapest.
    let cheapest = commit.sensitivity.iter().min_by_key(|level| level.expected_cost_usd).unwrap();
    assert_eq!(cheapest.commitment_usd, commit.recommended_commitment_usd);
    // Optimisation lowers the API's baseline, not Claude Code's.
    let api = &commit.baselines["api"];
    assert!(api.optimised_p50_usd < api.current_p50_usd, "{api:?}");
    let claude_code = &commit.baselines["claude_code"];
    assert_eq!(claude_code.optimised_p50_usd, claude_code.current_p50_usd);
}

#[test]
fn the_recommendation_is_the_critical_fractile_of_the_forecast() {
    // Overage at list: commit up to the 1 - (1 - d) quantile of the term's spend = d. At 10% off
    // that is the P10 of the term, at 50% off its P50: the sums of the forecast's monthly P10 and
    // P50 (months move together), to the grid's half percentile.
    let demo = demo();
    let forecast =
        demo.app.forecast(&ForecastOptions { horizon: 12, baseline: Baseline::Optimised, ..ForecastOptions::default() }).unwrap();
    for (discount, pick) in [("10", 0usize), ("50", 1)] {
        let commit = demo.app.commit(&options(discount)).unwrap();
        let expected: Money = forecast.total.months.iter().map(|month| if pick == 0 { month.p10_usd } else { month.p50_usd }).sum();
        let found = commit.recommended_commitment_usd.to_f64_lossy();
        let expected = expected.to_f64_lossy();
        assert!((found - expected).abs() <= expected * 0.01, "{discount}% off: {found} against {expected}");
    }
    // A larger discount never commits less, on the real distribution too.
    let mut last = Money::ZERO;
    for discount in ["0", "5", "10", "20", "30", "45"] {
        let commit = demo.app.commit(&options(discount)).unwrap();
        assert!(commit.recommended_commitment_usd >= last, "{discount}%: {}", commit.recommended_commitment_usd);
        last = commit.recommended_commitment_usd;
    }
}

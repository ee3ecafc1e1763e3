//! Forecast and backtest on the demo organisation (the `spendlens demo` default: 120 engineers,
//! 180 days), against the generator's own ground truth where one exists.

use std::sync::OnceLock;

use spendlens_app::forecast::{Baseline, ForecastOptions};
use spendlens_app::views::to_json;
use spendlens_app::{App, Settings};
use spendlens_demo::{DemoConfig, GroundTruth};
use spendlens_forecast::PathKind;
use spendlens_model::{Money, Period};

pub struct Demo {
    _dir: tempfile::TempDir,
    pub app: App,
    pub truth: GroundTruth,
}

/// The default demo, generated and ingested once for every test of this binary.
pub fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Settings { data_dir: dir.path().join("data"), prices: None });
        let config = DemoConfig { transcript_engineers: 0, ..DemoConfig::default() };
        let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
        app.ingest_demo(&config, &files, &spendlens_app::ingest::Quiet, &mut |_| {}).unwrap();
        let truth = spendlens_demo::generate(&config, app.price_book().unwrap()).unwrap().ground_truth;
        Demo { _dir: dir, app, truth }
    })
}

fn cents(value: f64) -> Money {
    Money::from_decimal(rust_decimal::Decimal::from_f64_retain(value).unwrap()).round_cents()
}

#[test]
fn the_history_holds_each_month_as_the_generator_billed_it() {
    let demo = demo();
    let loaded = demo.app.forecast_history().unwrap();
    let history = &loaded.history;
    assert_eq!(history.start, demo.truth.window_start);
    assert_eq!(loaded.last, demo.truth.window_end);
    for month in &demo.truth.months {
        let period = Period::parse_month(&month.month).unwrap();
        let days: Vec<usize> = (0..history.len()).filter(|index| period.contains(history.day(*index))).collect();
        let sum = |path: PathKind| days.iter().map(|index| history.actual(path, *index)).sum::<f64>();
        let near = |found: f64, expected: Money| (cents(found) - expected).abs() <= Money::from_cents(1);
        // API: the features' cost-report dollars.
        let api: Money = month.features.values().copied().sum();
        assert!(near(sum(PathKind::Api), api), "{} API {} against {api}", month.month, sum(PathKind::Api));
        // Claude Code: seat fees (each month's spread over its days) and Console keys; only whole
        // months hold whole seat fees.
        if days.len() as i64 == period.days() {
            assert!(
                near(sum(PathKind::ClaudeCode), month.claude_code_usd),
                "{} Claude Code {} against {}",
                month.month,
                sum(PathKind::ClaudeCode),
                month.claude_code_usd
            );
        }
        // Requests per feature, as the generator counted its usage rows.
        for feature in &history.features {
            let Some(requests) = &feature.requests else { continue };
            let counted: f64 = days.iter().map(|index| requests[*index]).sum();
            assert_eq!(counted as u64, month.feature_requests[&feature.name], "{} {}", month.month, feature.name);
        }
    }
}

#[test]
fn the_backtest_beats_seasonal_naive_within_the_mape_bar() {
    let backtest = demo().app.backtest().unwrap();
    eprintln!("{}", to_json(&backtest).unwrap());
    assert!(backtest.windows >= 50, "{} windows", backtest.windows);
    for (path, score) in &backtest.paths {
        assert!(score.mape <= "0.08".parse().unwrap(), "{path}: MAPE {}", score.mape);
        assert!(score.mape < score.naive_mape, "{path}: MAPE {} against seasonal naive {}", score.mape, score.naive_mape);
    }
}

#[test]
fn the_backtest_p10_p90_coverage_is_between_75_and_85_percent() {
    // The scored windows hold the demo's launch, quiet week and model-mix spike; the intervals
    // are calibrated only on windows closed before each origin.
    let backtest = demo().app.backtest().unwrap();
    assert!(backtest.windows >= 50, "{} windows", backtest.windows);
    for (path, score) in &backtest.paths {
        let coverage = score.coverage_p10_p90;
        assert!(coverage >= "0.75".parse().unwrap() && coverage <= "0.85".parse().unwrap(), "{path}: coverage {coverage}");
    }
}

#[test]
fn the_forecast_json_keeps_the_contract_and_orders_its_quantiles() {
    let demo = demo();
    let forecast = demo.app.forecast(&ForecastOptions::default()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&to_json(&forecast).unwrap()).unwrap();
    // The ledger ends on 31 October, a complete month: three months from November.
    for path in [&json["paths"]["claude_code"], &json["paths"]["api"], &json["total"]] {
        let months = path["months"].as_array().unwrap();
        let names: Vec<&str> = months.iter().map(|month| month["month"].as_str().unwrap()).collect();
        assert_eq!(names, ["2026-11", "2026-12", "2027-01"]);
        for month in months {
            let money = |key: &str| month[key].as_str().unwrap_or_else(|| panic!("{key} is a decimal string")).parse::<Money>().unwrap();
            assert!(money("p10_usd") <= money("p50_usd") && money("p50_usd") <= money("p90_usd"), "{month}");
        }
    }
    assert!(json["drivers"]["claude_code"]["active_engineers"].as_u64().unwrap() > 0);
    // Seat fees in the forecast are the roster's: every seat open at the window's end, at its
    // monthly fee (the generator's October fees less the seats that ended in October).
    let open_fees: Money = demo.truth.months.last().unwrap().seat_fees_usd;
    let november = &forecast.drivers.claude_code.months[0];
    assert!(november.seat_fees_usd <= open_fees && november.seat_fees_usd > Money::ZERO, "{}", november.seat_fees_usd);
    // Thanksgiving is in the forecast's holidays.
    assert!(forecast.drivers.claude_code.holidays.contains(&"2026-11-26".parse().unwrap()));
}

#[test]
fn the_optimised_baseline_prices_the_planted_routing_at_the_cheaper_model() {
    let demo = demo();
    let options = |baseline| ForecastOptions { baseline, ..ForecastOptions::default() };
    let current = demo.app.forecast(&options(Baseline::Current)).unwrap();
    let optimised = demo.app.forecast(&options(Baseline::Optimised)).unwrap();
    let routing = demo.truth.planted.routing.as_ref().unwrap();
    let feature = optimised.drivers.api.features.iter().find(|feature| feature.feature == routing.feature).unwrap();
    // The generator's own figure: the routed feature's tokens on the suggested model over their
    // cost on today's. Other levers may apply too, so the optimised unit cost is at most that.
    let ratio = routing.spend_on_suggested_model_usd.to_f64_lossy() / routing.spend_usd.to_f64_lossy();
    let today = feature.usd_per_1k_requests.unwrap().to_f64_lossy();
    let forecast = feature.forecast_usd_per_1k_requests.unwrap().to_f64_lossy();
    assert!(forecast <= today * ratio * 1.05, "{} per 1k optimised against {today} x {ratio}", forecast);
    let first = |view: &spendlens_app::forecast::ForecastView| view.paths["api"].months[0].p50_usd;
    assert!(first(&optimised) < first(&current));
    // Claude Code does not move with the API's baseline.
    assert_eq!(optimised.paths["claude_code"], current.paths["claude_code"]);
}

#[test]
fn a_headcount_plan_scales_engineers_with_joiners_ramping() {
    let demo = demo();
    let now = demo.app.forecast(&ForecastOptions::default()).unwrap();
    let engineers = now.drivers.claude_code.active_engineers;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.csv");
    // November: everyone today, split over two teams; December: 20 joiners (weighted 0.5 in
    // December), January: all 20 count.
    let half = engineers / 2;
    let text = format!(
        "month,team,engineers\n2026-11,a,{half}\n2026-11,b,{}\n2026-12,a,{}\n2026-12,b,{}\n",
        engineers - half,
        half + 20,
        engineers - half
    );
    std::fs::write(&plan, text).unwrap();
    let planned = demo.app.forecast(&ForecastOptions { headcount: Some(plan.clone()), ..ForecastOptions::default() }).unwrap();
    let months = &planned.drivers.claude_code.months;
    let count = |index: usize| months[index].active_engineers;
    assert_eq!(count(0), engineers.into());
    assert_eq!(count(1), (engineers + 10).into());
    assert_eq!(count(2), (engineers + 20).into());
    // Usage moves with the engineers: December's is (n + 10) / n of the held forecast's.
    let held = now.drivers.claude_code.months[1].usage_usd.to_f64_lossy();
    let expected = held * (engineers + 10) as f64 / engineers as f64;
    assert!((months[1].usage_usd.to_f64_lossy() - expected).abs() < 0.02, "{} against {expected}", months[1].usage_usd);
    // A malformed plan names its file, line and field.
    std::fs::write(&plan, "month,team,engineers\n2026-11,a,many\n").unwrap();
    let error =
        demo.app.forecast(&ForecastOptions { headcount: Some(plan.clone()), ..ForecastOptions::default() }).unwrap_err().to_string();
    assert!(error.contains("plan.csv") && error.contains("line 2") && error.contains("engineers"), "{error}");
}

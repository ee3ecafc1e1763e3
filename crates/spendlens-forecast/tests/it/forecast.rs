//! The engine on synthetic histories whose future is known by construction, and the backtest's
//! scoring against hand-worked windows.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Weekday};
use spendlens_forecast::engine::{Calibration, ClaudeCodeHistory, FeatureHistory, OriginResult, WINDOW, predict};
use spendlens_forecast::{History, Outlook, PathKind, forecast, months_from, score};
use spendlens_model::{Day, Period};

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn weekend(day: Day) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `days` days from `start`: 50 engineers costing $2 a weekday and $0.20 a weekend day each,
/// $10 a day of seats, and one feature of 1000 requests a weekday (300 a weekend day) at a cent
/// each, except a week at two cents.
fn history(start: Day, days: usize, spike: Option<std::ops::Range<usize>>) -> History {
    let dates: Vec<Day> = (0..days).map(|index| start + Duration::days(index as i64)).collect();
    let requests: Vec<f64> = dates.iter().map(|date| if weekend(*date) { 300.0 } else { 1000.0 }).collect();
    let usd: Vec<f64> = requests
        .iter()
        .enumerate()
        .map(|(index, requests)| requests * if spike.as_ref().is_some_and(|spike| spike.contains(&index)) { 0.02 } else { 0.01 })
        .collect();
    History {
        start,
        claude_code: ClaudeCodeHistory {
            usage_usd: dates.iter().map(|date| 50.0 * if weekend(*date) { 0.2 } else { 2.0 }).collect(),
            seat_usd: vec![10.0; days],
            active_engineers: vec![50.0; days],
        },
        features: vec![FeatureHistory { name: "bot".into(), usd, requests: Some(requests) }],
    }
}

fn close(found: f64, expected: f64, tolerance: f64) -> bool {
    (found - expected).abs() <= expected.abs() * tolerance
}

#[test]
fn claude_code_is_engineers_times_cost_per_engineer_day_plus_seats() {
    // 2026-06-01 is a Monday; 112 days end on 2026-09-20, a Sunday; the next 28 days hold 20
    // weekdays and 8 weekend days and no holiday (Labor Day was 2026-09-07).
    let history = history(day("2026-06-01"), 112, None);
    let held = predict(&history, 112, 28, &Outlook::default());
    let usage: f64 = held.claude_code_usage.iter().sum();
    assert!(close(usage, 50.0 * (20.0 * 2.0 + 8.0 * 0.2), 0.03), "held: {usage}");
    // A plan of 100 engineers doubles usage; seats run on at $10 a day (a 30-day month's rate
    // over 30-day September, then over 31-day October).
    let plan = Outlook { active_engineers: Some(vec![100.0; 28]), ..Outlook::default() };
    let planned = predict(&history, 112, 28, &plan);
    let usage: f64 = planned.claude_code_usage.iter().sum();
    assert!(close(usage, 100.0 * (20.0 * 2.0 + 8.0 * 0.2), 0.03), "planned: {usage}");
    assert!(close(planned.seats[0], 10.0, 1e-12) && close(planned.seats[15], 300.0 / 31.0, 1e-12), "{:?}", planned.seats);
}

#[test]
fn api_is_requests_times_the_median_unit_cost_and_a_spike_week_does_not_set_it() {
    // The last 28 days hold a week at two cents a request: the median stays a cent.
    let history = history(day("2026-06-01"), 112, Some(95..102));
    let current = predict(&history, 112, 28, &Outlook::default());
    let bot = &current.features[0];
    assert!(bot.by_requests && close(bot.unit_cost, 0.01, 1e-12), "{}", bot.unit_cost);
    let dollars: f64 = bot.usd.iter().sum();
    assert!(close(dollars, 0.01 * (20.0 * 1000.0 + 8.0 * 300.0), 0.03), "{dollars}");
    // The optimised baseline at half today's unit cost halves it.
    let optimised = Outlook { unit_cost_factor: BTreeMap::from([("bot".to_string(), 0.5)]), ..Outlook::default() };
    let halved: f64 = predict(&history, 112, 28, &optimised).features[0].usd.iter().sum();
    assert!(close(halved, dollars / 2.0, 1e-9), "{halved} against {dollars}");
}

#[test]
fn a_month_partly_in_the_history_keeps_its_known_days() {
    // History to 2026-09-08 (100 days from 2026-06-01): September's first 8 days are known.
    let history = history(day("2026-06-01"), 100, None);
    let months = months_from(Period::parse_month("2026-09").unwrap(), 2);
    let answer = forecast(&history, &months, &Outlook::default());
    let claude_code = &answer.paths[&PathKind::ClaudeCode];
    let known: f64 = (92..100).map(|index| history.actual(PathKind::ClaudeCode, index)).sum();
    assert_eq!(claude_code.months[0].known, known);
    assert_eq!(claude_code.months[1].known, 0.0);
    // Seats alone: $300 a month either way.
    let seats: f64 = answer.prediction.seats.iter().sum();
    assert!(close(seats, 22.0 * 10.0 + 300.0, 1e-9), "{seats}");
    // Noise-free history: the interval is narrow and ordered.
    for month in 0..2 {
        let (p10, p50, p90) = (claude_code.quantile(month, 0.1), claude_code.quantile(month, 0.5), claude_code.quantile(month, 0.9));
        assert!(p10 <= p50 && p50 <= p90 && p90 - p10 < p50 * 0.05, "{p10} {p50} {p90}");
    }
}

/// Origins 56..=120, each predicting 100 and (but for the ratio) seeing `actual`, naive 120.
fn windows(actual: f64) -> Vec<OriginResult> {
    (56..=120)
        .map(|origin| {
            let all = |value: f64| PathKind::ALL.into_iter().map(|path| (path, value)).collect::<BTreeMap<_, _>>();
            OriginResult { origin, predicted: all(100.0), naive: all(120.0), actual: all(actual) }
        })
        .collect()
}

#[test]
fn the_backtest_scores_an_origin_only_on_windows_closed_before_it() {
    let results = windows(110.0);
    // An origin at day 95 sees the windows of origins 56..=65 closed (origin + 30 <= 95): ten.
    assert_eq!(Calibration::of(&results, PathKind::Api, Some(95)).log_ratios.len(), 10);
    assert_eq!(Calibration::of(&results, PathKind::Api, Some(94)).log_ratios.len(), 9);
    assert_eq!(Calibration::of(&results, PathKind::Api, None).log_ratios.len(), 65);
    let scores = score(&results);
    let api = scores[&PathKind::Api];
    // Scored: origins 95..=120. Every ratio is 1.1, so the calibrated P50 is the actual.
    assert_eq!(api.windows, 26);
    assert!(api.mape < 1e-12 && (api.coverage_p10_p90 - 1.0).abs() < 1e-12, "{api:?}");
    assert!(close(api.point_mape, 10.0 / 110.0, 1e-12) && close(api.naive_mape, 10.0 / 110.0, 1e-12), "{api:?}");
    assert_eq!(WINDOW, 30);
}

#[test]
fn calibration_quantiles_and_lead_widening_by_hand() {
    // Three ratios ln(0.9), 0, ln(1.2) are less than one independent window: levels stretch by
    // (1 + 1) / 1, so P10 and P90 are the extremes and the median keeps the point.
    let few = Calibration { log_ratios: vec![0.9f64.ln(), 0.0, 1.2f64.ln()] };
    assert!(close(few.apply(100.0, 0.5, 1.0), 100.0, 1e-12));
    assert!(close(few.apply(100.0, 0.1, 1.0), 90.0, 1e-12));
    assert!(close(few.apply(100.0, 0.9, 1.0), 120.0, 1e-12));
    // p = 0.6 stretches to 0.7: 0.4 of the way from 0 to ln 1.2 (positions 0..2).
    assert!(close(few.apply(100.0, 0.6, 1.0), 100.0 * (0.4 * 1.2f64.ln()).exp(), 1e-12));
    // Four windows ahead: the log ratio doubles.
    assert!(close(few.apply(100.0, 0.9, 4.0), 144.0, 1e-12));
    // 91 ratios 0.00, 0.01, ..., 0.90 are about three independent windows (91 / 30): p = 0.6
    // stretches to 0.5 + 0.1 (n + 1) / n, and the quantile of an evenly spaced list is linear.
    let many = Calibration { log_ratios: (0..=90).map(|step| f64::from(step) / 100.0).collect() };
    let n = 91.0 / 30.0;
    let level = 0.5 + 0.1 * (n + 1.0) / n;
    assert!(close(many.level(0.6), level, 1e-12));
    assert!(close(many.apply(100.0, 0.6, 1.0), 100.0 * (level * 0.9f64).exp(), 1e-9));
}

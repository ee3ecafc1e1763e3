//! The engine on synthetic histories whose future is known by construction, and the backtest's
//! scoring against hand-worked windows.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Weekday};
use spendlens_forecast::engine::{
    Calibration, ClaudeCodeHistory, FeatureHistory, MIN_CALIBRATION, OriginResult, PathCalibration, WINDOW, Window, predict,
};
use spendlens_forecast::{History, Outlook, PathKind, Unit, forecast, months_from, score};
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

/// Origins 56..=120, each unit (Claude Code and the feature "bot") predicting 100 and (but for
/// the ratio) seeing `actual`, naive 120; the paths are their sums.
fn windows(actual: f64) -> Vec<OriginResult> {
    (56..=120)
        .map(|origin| {
            let per_path =
                |value: f64| BTreeMap::from([(PathKind::ClaudeCode, value), (PathKind::Api, value), (PathKind::Total, 2.0 * value)]);
            let window = Window { predicted: 100.0, actual, calibrates: true };
            let units = BTreeMap::from([(Unit::ClaudeCode, window), (Unit::Feature("bot".into()), window)]);
            OriginResult { origin, predicted: per_path(100.0), naive: per_path(120.0), actual: per_path(actual), units }
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
    assert_eq!(Calibration::of_unit(&results, &Unit::Feature("bot".into()), Some(95)).log_ratios.len(), 10);
    let scores = score(&results);
    for path in PathKind::ALL {
        // Scored: origins 95..=120. Every ratio is 1.1 (no spread), so the calibrated P10, P50
        // and P90 are all the actual.
        let score = scores[&path];
        assert_eq!(score.windows, 26);
        assert!(score.mape < 1e-12 && (score.coverage_p10_p90 - 1.0).abs() < 1e-12, "{path:?} {score:?}");
        assert!(close(score.point_mape, 10.0 / 110.0, 1e-12) && close(score.naive_mape, 10.0 / 110.0, 1e-12), "{score:?}");
    }
    assert_eq!(WINDOW, 30);
}

/// The Student's t 0.9 quantile for 1, 2 and 3 degrees of freedom (tables; 1 and 2 in closed form:
/// tan(0.4 pi) and sqrt(2 / (0.2 x 1.8) - 2)), and the standard normal's at 0.9 and 0.75.
const T90_DF1: f64 = 3.077_683_537;
const T90_DF2: f64 = 1.885_618_083;
const T90_DF3: f64 = 1.637_744_354;
const Z90: f64 = 1.281_551_566;
const Z75: f64 = 0.674_489_750;

#[test]
fn calibration_is_a_t_prediction_interval_by_hand() {
    // Three ratios ln 0.9, 0, ln 1.2 span 32 days: n = 32 / 30 windows, so df = 1.5 (n - 1) is
    // below 1 and held at 1 (a Cauchy). Median 0; scale the root mean square about it.
    let few = Calibration::new(vec![1.2f64.ln(), 0.0, 0.9f64.ln()]);
    let n: f64 = 32.0 / 30.0;
    let scale = ((0.9f64.ln().powi(2) + 1.2f64.ln().powi(2)) / 3.0).sqrt();
    assert!(close(few.independent(), n, 1e-12) && few.degrees_of_freedom() == 1.0);
    assert!(close(few.scale(), scale, 1e-12));
    let half = T90_DF1 * scale * (1.0 + 1.0 / n).sqrt();
    assert!(close(few.apply(100.0, 0.5, 1.0), 100.0, 1e-12));
    assert!(close(few.apply(100.0, 0.9, 1.0), 100.0 * half.exp(), 1e-6), "{}", few.apply(100.0, 0.9, 1.0));
    assert!(close(few.apply(100.0, 0.1, 1.0), 100.0 * (-half).exp(), 1e-6));
    // Other levels: the log-normal with that P10-P90 (sigma = half / z_0.9).
    assert!(close(few.apply(100.0, 0.75, 1.0), 100.0 * (Z75 * half / Z90).exp(), 1e-6));
    // Four windows ahead: the spread doubles.
    assert!(close(few.apply(100.0, 0.9, 4.0), 100.0 * (2.0 * half).exp(), 1e-6));

    // 41 ratios span 70 days (n = 7/3, df = 2) and 61 span 90 (n = 3, df = 3). Ratios 0.00,
    // 0.01, ...: the median is the middle one and the spread about it known in closed form.
    for (count, df, t) in [(41usize, 2.0, T90_DF2), (61, 3.0, T90_DF3)] {
        let calibration = Calibration::new((0..count).map(|step| step as f64 / 100.0).collect());
        let n = (count + 29) as f64 / 30.0;
        let middle = (count / 2) as f64 / 100.0;
        // Sum of squares of k / 100 for k = -m..=m, m = count / 2: 2 m (m + 1) (2 m + 1) / 6 / 10^4.
        let m = (count / 2) as f64;
        let scale = (2.0 * m * (m + 1.0) * (2.0 * m + 1.0) / 6.0 / 1e4 / count as f64).sqrt();
        assert!(close(calibration.degrees_of_freedom(), df, 1e-12), "{count}: {}", calibration.degrees_of_freedom());
        assert!(close(calibration.median(), middle, 1e-12) && close(calibration.scale(), scale, 1e-12));
        let expected = 100.0 * (middle + t * scale * (1.0 + 1.0 / n).sqrt()).exp();
        assert!(close(calibration.apply(100.0, 0.9, 1.0), expected, 1e-6), "{count}: {}", calibration.apply(100.0, 0.9, 1.0));
    }
}

#[test]
fn a_path_adds_its_units_in_quadrature_and_a_young_unit_takes_the_paths_ratios() {
    // Two units, each predicting 100 a window over 61 origins (90 days: n = 3, df = 3). "a" sees
    // 110 and 90 in turn (31 of 110); "b" sees 100, but only its last 5 windows calibrate (a
    // launch): too few, so it takes the path's ratios, 210/200 and 190/200 in turn.
    let (a, b) = (Unit::Feature("a".into()), Unit::Feature("b".into()));
    let results: Vec<OriginResult> = (0..61)
        .map(|index| {
            let seen = if index % 2 == 0 { 110.0 } else { 90.0 };
            let units = BTreeMap::from([
                (a.clone(), Window { predicted: 100.0, actual: seen, calibrates: true }),
                (b.clone(), Window { predicted: 100.0, actual: 100.0, calibrates: index >= 56 }),
            ]);
            let per_path = |value: f64| BTreeMap::from([(PathKind::Api, value), (PathKind::ClaudeCode, 0.0), (PathKind::Total, value)]);
            OriginResult { origin: 28 + index, predicted: per_path(200.0), naive: per_path(200.0), actual: per_path(seen + 100.0), units }
        })
        .collect();
    assert!(Calibration::of_unit(&results, &b, None).log_ratios.len() < MIN_CALIBRATION);
    let calibration = PathCalibration::of(&results, PathKind::Api, &[a.clone(), b.clone()], None);
    assert_eq!(calibration.units.iter().map(|(unit, _)| unit.clone()).collect::<Vec<_>>(), [a, b]);
    // By hand: the median is the majority's ratio; 30 of 61 ratios sit `gap` from it.
    let k = (1.0f64 + 1.0 / 3.0).sqrt();
    let by_hand = |high: f64, low: f64, p: f64| {
        let (median, gap) = (high.ln(), (high / low).ln());
        let scale = (30.0 / 61.0f64).sqrt() * gap;
        let t = if p > 0.5 { T90_DF3 } else { -T90_DF3 };
        (100.0 * median.exp(), 100.0 * (median + t * scale * k).exp())
    };
    for p in [0.1, 0.9] {
        let (a50, a_p) = by_hand(1.1, 0.9, p);
        let (b50, b_p) = by_hand(1.05, 0.95, p);
        let distance = ((a_p - a50).powi(2) + (b_p - b50).powi(2)).sqrt();
        let expected = a50 + b50 + if p > 0.5 { distance } else { -distance };
        let found = calibration.quantile(&[100.0, 100.0], p, 1.0);
        assert!(close(found, expected, 1e-6), "P{}: {found} against {expected}", p * 100.0);
        if p < 0.5 {
            assert!(close(calibration.quantile(&[100.0, 100.0], 0.5, 1.0), a50 + b50, 1e-12));
        }
    }
}

#[test]
fn a_long_history_is_calibrated_on_origins_a_few_days_apart_ending_at_the_last() {
    use spendlens_forecast::engine::{CALIBRATION_TRAIN, MAX_ORIGINS, origins};
    // Too short for one window: none.
    assert!(origins(CALIBRATION_TRAIN + WINDOW - 1).is_empty());
    // The demo's five months: every day (28 ..= 150 - 30).
    let every_day = origins(150);
    assert_eq!(every_day, (28..=120).collect::<Vec<_>>());
    // A year: 365 - 30 - 28 + 1 = 308 origins, more than 150, so every 3rd day (308 / 150
    // rounded up) counted back from day 335, the last that closes a window.
    let year = origins(365);
    assert_eq!(year.last(), Some(&335));
    assert!(year.windows(2).all(|pair| pair[1] - pair[0] == 3));
    assert_eq!(year.first(), Some(&29));
    assert_eq!(year.len(), 103);
    assert!(year.len() <= MAX_ORIGINS);
}

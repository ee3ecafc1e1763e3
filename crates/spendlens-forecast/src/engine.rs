//! The two paths on their drivers, forecast day by day from an origin, and the rolling-origin
//! backtest that both scores the method and calibrates its intervals.
//!
//! - **Claude Code** = active engineers x cost per active engineer-day, plus seat fees. The cost
//!   per active engineer-day (the path's usage dollars over the engineers active in the trailing
//!   four weeks) is forecast as a daily series (weekday and sprint rhythm, trend, holidays); the
//!   engineers are held at the origin's count, or follow a headcount plan; seats run on at the
//!   origin's rate, or as the roster bills them.
//! - **API** = per feature, request volume (forecast as a daily series) x unit cost (the median
//!   of the trailing four weeks' daily dollars per request, so a one-week spike does not set it),
//!   times the optimised baseline's factor when asked. A feature without request counts is
//!   forecast on its dollars.
//!
//! **Intervals** come from the forecast's own out-of-sample errors. Every origin of the history
//! with a whole trailing window behind it ([`CALIBRATION_TRAIN`] days, so shorter and earlier
//! histories than the forecast's own count too) predicts the next [`WINDOW`] days, and the log
//! ratio of actual to predicted dollars is kept for each **unit** a path is summed from: Claude
//! Code as a whole (its usage and seats ride one roster) and each API feature, once the unit has
//! a whole trailing window of its own (a feature launched inside the history calibrates from
//! [`CALIBRATION_TRAIN`] days after its first dollar).
//!
//! Per unit, the ratios give a Student's t prediction interval: centre their median `m`, scale
//! `s` their root mean square about it, and `ln(P90 / point) = m + t_0.9(df) s sqrt(1 + 1/n)`
//! (P10 the mirror), where `n` counts the independent windows behind the ratios (windows one day
//! apart overlap: `n` is the days they span over [`WINDOW`]) and `df = 1.5 (n - 1)`, the
//! overlapping-batch-means degrees of freedom (Meketon and Schmeiser, 1984), at least 1: few
//! windows, wide intervals. Other levels follow the log-normal with that P10-P90 (so a
//! commitment's expected spend stays finite). A unit with fewer than [`MIN_CALIBRATION`] ratios
//! (a feature launched lately) takes its path's ratios.
//!
//! A path's P50 is the sum of its units' medians, and its other quantiles lie the root sum of
//! squares of its units' distances from their medians away (the units' errors taken as
//! independent: spreads add in quadrature, as standard errors of a sum do). A month further ahead
//! widens the spread by the square root of its lead in windows. In the backtest an origin only
//! uses the windows that had ended by then, and is scored from [`MIN_TRAIN`] days of history once
//! its path has [`MIN_CALIBRATION`] of them.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use spendlens_model::{Day, Period};

use crate::model::{DailyForecast, Method, forecast_daily, seasonal_naive};

/// Days a backtest window (and a calibration window) covers: "one month ahead".
pub const WINDOW: usize = 30;
/// Days of history before the first origin the backtest scores.
pub const MIN_TRAIN: usize = 56;
/// Ratios an origin needs before the backtest scores it (and a unit needs to be calibrated on
/// its own).
pub const MIN_CALIBRATION: usize = 10;
/// Days behind an origin that set its unit costs and active engineers.
pub const TRAILING: usize = 28;
/// Days of history before the first origin that calibrates the intervals: a whole trailing window.
pub const CALIBRATION_TRAIN: usize = TRAILING;

/// The paths forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PathKind {
    ClaudeCode,
    Api,
    Total,
}

impl PathKind {
    pub const ALL: [PathKind; 3] = [PathKind::ClaudeCode, PathKind::Api, PathKind::Total];

    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::ClaudeCode => "claude_code",
            PathKind::Api => "api",
            PathKind::Total => "total",
        }
    }
}

/// What an interval is calibrated on: Claude Code as a whole, or one API feature (by name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    ClaudeCode,
    Feature(String),
}

impl Unit {
    /// Whether the unit is part of `path`.
    pub fn within(&self, path: PathKind) -> bool {
        match (path, self) {
            (PathKind::Total, _) | (PathKind::ClaudeCode, Unit::ClaudeCode) | (PathKind::Api, Unit::Feature(_)) => true,
            (PathKind::ClaudeCode, Unit::Feature(_)) | (PathKind::Api, Unit::ClaudeCode) => false,
        }
    }
}

/// The daily history, every series one value per day from `start`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub start: Day,
    pub claude_code: ClaudeCodeHistory,
    /// API features (and API keys no feature claims, under their own name).
    pub features: Vec<FeatureHistory>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClaudeCodeHistory {
    /// The path's dollars other than seat fees (Claude Code on Console API keys).
    pub usage_usd: Vec<f64>,
    /// Seat fees, each month's spread evenly over its days.
    pub seat_usd: Vec<f64>,
    /// Engineers with Claude Code activity in the four weeks ending on the day.
    pub active_engineers: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureHistory {
    pub name: String,
    pub usd: Vec<f64>,
    /// Requests per day, when a source counts them.
    pub requests: Option<Vec<f64>>,
}

impl History {
    pub fn len(&self) -> usize {
        self.claude_code.usage_usd.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn day(&self, index: usize) -> Day {
        self.start + Duration::days(index as i64)
    }

    /// The units the history's paths are summed from: Claude Code, then its features.
    pub fn units(&self) -> Vec<Unit> {
        std::iter::once(Unit::ClaudeCode).chain(self.features.iter().map(|feature| Unit::Feature(feature.name.clone()))).collect()
    }

    /// A unit's actual dollars on day `index`.
    pub fn unit_actual(&self, unit: &Unit, index: usize) -> f64 {
        let at = |series: &[f64]| series.get(index).copied().unwrap_or(0.0);
        match unit {
            Unit::ClaudeCode => at(&self.claude_code.usage_usd) + at(&self.claude_code.seat_usd),
            Unit::Feature(name) => self.features.iter().filter(|feature| &feature.name == name).map(|feature| at(&feature.usd)).sum(),
        }
    }

    /// A path's actual dollars on day `index`.
    pub fn actual(&self, path: PathKind, index: usize) -> f64 {
        let at = |series: &[f64]| series.get(index).copied().unwrap_or(0.0);
        let claude_code = at(&self.claude_code.usage_usd) + at(&self.claude_code.seat_usd);
        let api: f64 = self.features.iter().map(|feature| at(&feature.usd)).sum();
        match path {
            PathKind::ClaudeCode => claude_code,
            PathKind::Api => api,
            PathKind::Total => claude_code + api,
        }
    }
}

/// What the days after an origin hold beyond the history's own run rates.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outlook {
    /// Active engineers per day after the origin (a headcount plan); `None` holds the origin's.
    pub active_engineers: Option<Vec<f64>>,
    /// Seat fees per day after the origin (the roster); `None` runs the origin's rate on.
    pub seat_usd: Option<Vec<f64>>,
    /// Unit-cost factor per feature (the optimised baseline over today's); absent is 1.
    pub unit_cost_factor: BTreeMap<String, f64>,
}

/// One feature's forecast from an origin.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePrediction {
    pub name: String,
    /// Requests per day (or dollars per day when no requests are counted).
    pub volume: Vec<f64>,
    /// Dollars per request at the origin (today's), or 1 for a dollar series.
    pub unit_cost: f64,
    /// The factor applied to `unit_cost` (the optimised baseline), 1 for today's.
    pub factor: f64,
    pub by_requests: bool,
    pub method: Method,
    pub usd: Vec<f64>,
}

/// Every path's daily dollars from an origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Cost per active engineer-day.
    pub engineer_day: DailyForecast,
    pub active_engineers: Vec<f64>,
    pub claude_code_usage: Vec<f64>,
    pub seats: Vec<f64>,
    pub features: Vec<FeaturePrediction>,
}

impl Prediction {
    pub fn daily(&self, path: PathKind) -> Vec<f64> {
        let days = self.seats.len();
        (0..days)
            .map(|day| {
                let claude_code = self.claude_code_usage[day] + self.seats[day];
                let api: f64 = self.features.iter().map(|feature| feature.usd[day]).sum();
                match path {
                    PathKind::ClaudeCode => claude_code,
                    PathKind::Api => api,
                    PathKind::Total => claude_code + api,
                }
            })
            .collect()
    }
}

impl Prediction {
    /// A unit's daily dollars.
    pub fn unit_daily(&self, unit: &Unit) -> Vec<f64> {
        match unit {
            Unit::ClaudeCode => self.claude_code_usage.iter().zip(&self.seats).map(|(usage, seats)| usage + seats).collect(),
            Unit::Feature(name) => {
                let mut daily = vec![0.0; self.seats.len()];
                for feature in self.features.iter().filter(|feature| &feature.name == name) {
                    for (day, usd) in daily.iter_mut().zip(&feature.usd) {
                        *day += usd;
                    }
                }
                daily
            }
        }
    }
}

fn days_in_month(day: Day) -> f64 {
    Period::month_of(day).days() as f64
}

/// The median of the trailing days' ratios `numerator / denominator` (days with a denominator).
fn trailing_ratio(numerator: &[f64], denominator: &[f64], origin: usize) -> Option<f64> {
    let from = origin.saturating_sub(TRAILING);
    let mut ratios: Vec<f64> = (from..origin)
        .filter(|&day| denominator[day] > 0.0)
        .map(|day| numerator[day] / denominator[day])
        .filter(|ratio| ratio.is_finite())
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let mid = ratios.len() / 2;
    Some(if ratios.len() % 2 == 1 { ratios[mid] } else { (ratios[mid - 1] + ratios[mid]) / 2.0 })
}

/// Forecasts `horizon` days after the first `origin` days of `history`.
pub fn predict(history: &History, origin: usize, horizon: usize, outlook: &Outlook) -> Prediction {
    let claude_code = &history.claude_code;
    let after = history.day(origin);
    let future_day = |offset: usize| after + Duration::days(offset as i64);

    // Claude Code: cost per active engineer-day x active engineers, plus seats.
    let per_engineer: Vec<f64> = claude_code.usage_usd[..origin]
        .iter()
        .zip(&claude_code.active_engineers[..origin])
        .map(|(usd, engineers)| if *engineers > 0.0 { usd / engineers } else { 0.0 })
        .collect();
    let engineer_day = forecast_daily(&per_engineer, history.start, horizon);
    let engineers_now = origin.checked_sub(1).map_or(0.0, |last| claude_code.active_engineers[last]);
    let active_engineers = match &outlook.active_engineers {
        Some(plan) => (0..horizon).map(|day| plan.get(day).copied().unwrap_or(engineers_now)).collect(),
        None => vec![engineers_now; horizon],
    };
    let claude_code_usage: Vec<f64> = engineer_day.values.iter().zip(&active_engineers).map(|(cost, engineers)| cost * engineers).collect();
    let seats = match &outlook.seat_usd {
        Some(seats) => (0..horizon).map(|day| seats.get(day).copied().unwrap_or(0.0)).collect(),
        None => match origin.checked_sub(1) {
            Some(last) => {
                let monthly = claude_code.seat_usd[last] * days_in_month(history.day(last));
                (0..horizon).map(|day| monthly / days_in_month(future_day(day))).collect()
            }
            None => vec![0.0; horizon],
        },
    };

    // API: per feature, volume x unit cost.
    let features = history
        .features
        .iter()
        .map(|feature| {
            let factor = outlook.unit_cost_factor.get(&feature.name).copied().unwrap_or(1.0);
            let by_requests = feature.requests.as_ref().and_then(|requests| {
                let unit = trailing_ratio(&feature.usd, requests, origin)?;
                Some((requests, unit))
            });
            let (volume, unit_cost, method, by_requests) = match by_requests {
                Some((requests, unit)) => {
                    let forecast = forecast_daily(&requests[..origin], history.start, horizon);
                    (forecast.values, unit, forecast.method, true)
                }
                None => {
                    let forecast = forecast_daily(&feature.usd[..origin], history.start, horizon);
                    (forecast.values, 1.0, forecast.method, false)
                }
            };
            let usd = volume.iter().map(|volume| volume * unit_cost * factor).collect();
            FeaturePrediction { name: feature.name.clone(), volume, unit_cost, factor, by_requests, method, usd }
        })
        .collect();
    Prediction { engineer_day, active_engineers, claude_code_usage, seats, features }
}

/// One window's predicted and actual dollars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub predicted: f64,
    pub actual: f64,
    /// Whether the window calibrates its unit: the unit had [`CALIBRATION_TRAIN`] days of its
    /// own (from its first dollar) behind the origin.
    pub calibrates: bool,
}

impl Window {
    /// `ln(actual / predicted)`, when both are positive.
    pub fn log_ratio(&self) -> Option<f64> {
        (self.actual > 0.0 && self.predicted > 0.0).then(|| (self.actual / self.predicted).ln())
    }
}

/// One origin of the rolling backtest: the next [`WINDOW`] days' sums.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginResult {
    /// Days of history the origin saw.
    pub origin: usize,
    pub predicted: BTreeMap<PathKind, f64>,
    pub naive: BTreeMap<PathKind, f64>,
    pub actual: BTreeMap<PathKind, f64>,
    /// Each unit's window (the paths' sums of them).
    pub units: BTreeMap<Unit, Window>,
}

impl OriginResult {
    /// `ln(actual / predicted)` of a path, when both are positive.
    pub fn log_ratio(&self, path: PathKind) -> Option<f64> {
        Window { predicted: self.predicted[&path], actual: self.actual[&path], calibrates: true }.log_ratio()
    }
}

/// Origins a rolling run makes at most: a longer history's origins are taken every few days
/// (always including the latest), as windows a day apart repeat all but a day of each other.
pub const MAX_ORIGINS: usize = 150;

/// Days between the origins of a rolling run over `days` days of history (see [`origins`]).
pub fn origin_stride(days: usize) -> usize {
    let count = (days.saturating_sub(WINDOW) + 1).saturating_sub(CALIBRATION_TRAIN);
    count.div_ceil(MAX_ORIGINS).max(1)
}

/// The origins of a rolling run: every day from [`CALIBRATION_TRAIN`] to the last that closes a
/// [`WINDOW`], or, past [`MAX_ORIGINS`] of them, every `k`-th day counted back from the last.
pub fn origins(days: usize) -> Vec<usize> {
    let last = days.saturating_sub(WINDOW);
    if last < CALIBRATION_TRAIN {
        return Vec::new();
    }
    let mut origins: Vec<usize> = (CALIBRATION_TRAIN..=last).rev().step_by(origin_stride(days)).collect();
    origins.reverse();
    origins
}

/// Every origin of the history ([`origins`]), each predicting the next [`WINDOW`] days (in
/// parallel).
pub fn rolling(history: &History) -> Vec<OriginResult> {
    let origins = origins(history.len());
    let outlook = Outlook::default();
    let units: Vec<(Unit, Option<usize>)> = history
        .units()
        .into_iter()
        .map(|unit| {
            let first = (0..history.len()).find(|&day| history.unit_actual(&unit, day) > 0.0);
            (unit, first)
        })
        .collect();
    spendlens_model::parallel::map(origins, |origin| {
        let prediction = predict(history, origin, WINDOW, &outlook);
        let mut result =
            OriginResult { origin, predicted: BTreeMap::new(), naive: BTreeMap::new(), actual: BTreeMap::new(), units: BTreeMap::new() };
        for path in PathKind::ALL {
            let past: Vec<f64> = (0..origin).map(|day| history.actual(path, day)).collect();
            result.predicted.insert(path, prediction.daily(path).iter().sum());
            result.naive.insert(path, seasonal_naive(&past, WINDOW).iter().sum());
            result.actual.insert(path, (origin..origin + WINDOW).map(|day| history.actual(path, day)).sum());
        }
        for (unit, first) in &units {
            let window = Window {
                predicted: prediction.unit_daily(unit).iter().sum(),
                actual: (origin..origin + WINDOW).map(|day| history.unit_actual(unit, day)).sum(),
                calibrates: first.is_some_and(|first| origin >= first + CALIBRATION_TRAIN),
            };
            result.units.insert(unit.clone(), window);
        }
        result
    })
}

/// The `p` quantile of sorted `values` (linear between order statistics).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        len => {
            let position = p.clamp(0.0, 1.0) * (len - 1) as f64;
            let below = position.floor() as usize;
            let above = (below + 1).min(len - 1);
            sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
        }
    }
}

/// The log ratios of actual to predicted of the windows a path's (or unit's) origins closed,
/// sorted, and the Student's t prediction interval they give (see the module's **Intervals**).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calibration {
    pub log_ratios: Vec<f64>,
}

impl Calibration {
    /// Ratios sorted.
    pub fn new(mut log_ratios: Vec<f64>) -> Calibration {
        log_ratios.retain(|ratio| ratio.is_finite());
        log_ratios.sort_by(f64::total_cmp);
        Calibration { log_ratios }
    }

    /// A path's windows, from every origin whose window had ended by day `by` (all when `None`).
    pub fn of(results: &[OriginResult], path: PathKind, by: Option<usize>) -> Calibration {
        Calibration::new(closed(results, by).filter_map(|result| result.log_ratio(path)).collect())
    }

    /// A unit's windows that calibrate it, as [`Calibration::of`].
    pub fn of_unit(results: &[OriginResult], unit: &Unit, by: Option<usize>) -> Calibration {
        let windows = closed(results, by).filter_map(|result| result.units.get(unit)).filter(|window| window.calibrates);
        Calibration::new(windows.filter_map(Window::log_ratio).collect())
    }

    /// Independent windows behind the ratios: windows one day apart share all but a day, so the
    /// days they span over [`WINDOW`] (at least one).
    pub fn independent(&self) -> f64 {
        ((self.log_ratios.len() + WINDOW - 1) as f64 / WINDOW as f64).max(1.0)
    }

    /// The t distribution's degrees of freedom: overlapping batch means' `1.5 (n - 1)`, at least 1.
    pub fn degrees_of_freedom(&self) -> f64 {
        (1.5 * (self.independent() - 1.0)).max(1.0)
    }

    /// The ratios' median: the point forecast's bias.
    pub fn median(&self) -> f64 {
        quantile(&self.log_ratios, 0.5)
    }

    /// Root mean square of the ratios about their median.
    pub fn scale(&self) -> f64 {
        if self.log_ratios.is_empty() {
            return 0.0;
        }
        let median = self.median();
        (self.log_ratios.iter().map(|ratio| (ratio - median).powi(2)).sum::<f64>() / self.log_ratios.len() as f64).sqrt()
    }

    /// The spread of the log ratio: the normal scale whose P10-P90 is the t prediction interval
    /// `m -/+ t_0.9(df) s sqrt(1 + 1/n)` (beyond P10-P90 the tails are the normal's, so every
    /// level a commitment sums stays finite).
    pub fn sigma(&self) -> f64 {
        let t = distrs::StudentsT::ppf(0.9, self.degrees_of_freedom());
        let z = distrs::Normal::ppf(0.9, 0.0, 1.0);
        let sigma = t / z * self.scale() * (1.0 + 1.0 / self.independent()).sqrt();
        if sigma.is_finite() { sigma } else { 0.0 }
    }

    /// `ln(q_p / point)` for a forecast `lead` windows ahead: the median plus the level's normal
    /// quantile of [`Calibration::sigma`], widened by `sqrt(lead)`. (Bounded at e^40 either way:
    /// a numerical guard far beyond any bill.)
    pub fn log_quantile(&self, p: f64, lead: f64) -> f64 {
        if self.log_ratios.is_empty() {
            return 0.0;
        }
        let z = distrs::Normal::ppf(p.clamp(1e-6, 1.0 - 1e-6), 0.0, 1.0);
        (self.median() + z * self.sigma() * lead.max(1.0).sqrt()).clamp(-40.0, 40.0)
    }

    /// The `p` quantile of a forecast `point` whose lead is `lead` windows.
    pub fn apply(&self, point: f64, p: f64, lead: f64) -> f64 {
        point * self.log_quantile(p, lead).exp()
    }
}

fn closed(results: &[OriginResult], by: Option<usize>) -> impl Iterator<Item = &OriginResult> {
    results.iter().filter(move |result| by.is_none_or(|by| result.origin + WINDOW <= by))
}

/// A path's units and each one's calibration: its own, or its path's when it has fewer than
/// [`MIN_CALIBRATION`] ratios.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PathCalibration {
    pub units: Vec<(Unit, Calibration)>,
    /// The path's own ratios (of its summed windows).
    pub path: Calibration,
}

impl PathCalibration {
    /// From the windows that had ended by day `by` (all when `None`), for the units of `units`
    /// within `path`.
    pub fn of(results: &[OriginResult], path: PathKind, units: &[Unit], by: Option<usize>) -> PathCalibration {
        let own = Calibration::of(results, path, by);
        let units = units
            .iter()
            .filter(|unit| unit.within(path))
            .map(|unit| {
                let calibration = Calibration::of_unit(results, unit, by);
                (unit.clone(), if calibration.log_ratios.len() >= MIN_CALIBRATION { calibration } else { own.clone() })
            })
            .collect();
        PathCalibration { units, path: own }
    }

    /// The `p` quantile of the sum of the units' forecasts `points` (one per unit, in order),
    /// `lead` windows ahead: the sum of their medians, moved by the root sum of squares of each
    /// unit's distance from its median at `p`.
    pub fn quantile(&self, points: &[f64], p: f64, lead: f64) -> f64 {
        let (mut centre, mut squares) = (0.0, 0.0);
        for ((_, calibration), point) in self.units.iter().zip(points) {
            let median = calibration.apply(*point, 0.5, lead);
            centre += median;
            squares += (calibration.apply(*point, p, lead) - median).powi(2);
        }
        if p < 0.5 { centre - squares.sqrt() } else { centre + squares.sqrt() }
    }

    /// Each unit's window predicted from `result`, in the calibration's order.
    pub fn points(&self, result: &OriginResult) -> Vec<f64> {
        self.units.iter().map(|(unit, _)| result.units.get(unit).map_or(0.0, |window| window.predicted)).collect()
    }
}

/// One path's backtest score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Mean absolute percentage error of the P50, as a fraction.
    pub mape: f64,
    /// Windows whose actual fell within P10..P90, as a fraction.
    pub coverage_p10_p90: f64,
    /// The seasonal-naive forecast's MAPE over the same windows.
    pub naive_mape: f64,
    /// The model's point forecast's MAPE, before calibration.
    pub point_mape: f64,
    pub windows: usize,
}

/// Scores every path on the origins from [`MIN_TRAIN`] days with at least [`MIN_CALIBRATION`]
/// of the path's windows closed behind them.
pub fn score(results: &[OriginResult]) -> BTreeMap<PathKind, Score> {
    let units: Vec<Unit> = results.first().map(|result| result.units.keys().cloned().collect()).unwrap_or_default();
    PathKind::ALL
        .into_iter()
        .map(|path| {
            let (mut ape, mut naive, mut point, mut covered, mut windows) = (0.0, 0.0, 0.0, 0, 0);
            for result in results.iter().filter(|result| result.origin >= MIN_TRAIN) {
                let calibration = PathCalibration::of(results, path, &units, Some(result.origin));
                let actual = result.actual[&path];
                if calibration.path.log_ratios.len() < MIN_CALIBRATION || actual <= 0.0 {
                    continue;
                }
                let points = calibration.points(result);
                let at = |p: f64| calibration.quantile(&points, p, 1.0);
                let (p10, p50, p90) = (at(0.1), at(0.5), at(0.9));
                ape += (actual - p50).abs() / actual;
                point += (actual - result.predicted[&path]).abs() / actual;
                naive += (actual - result.naive[&path]).abs() / actual;
                // (A hair of slack: exp(ln x) need not return x to the last bit.)
                covered += usize::from(p10 <= actual * (1.0 + 1e-12) && actual <= p90 * (1.0 + 1e-12));
                windows += 1;
            }
            let of = |sum: f64| if windows == 0 { 0.0 } else { sum / windows as f64 };
            let score =
                Score { mape: of(ape), coverage_p10_p90: of(covered as f64), naive_mape: of(naive), point_mape: of(point), windows };
            (path, score)
        })
        .collect()
}

/// One calendar month of a forecast: days already in the history and the forecast of the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthPoint {
    pub month: Period,
    /// Dollars of the month's days inside the history.
    pub known: f64,
    /// The point forecast of the month's remaining days.
    pub forecast: f64,
    /// The same per unit, in the path calibration's order.
    pub units: Vec<f64>,
    /// How many windows ahead the month ends (at least 1).
    pub lead: f64,
}

/// A path's months and the calibration that turns them into distributions.
#[derive(Debug, Clone, PartialEq)]
pub struct PathForecast {
    pub months: Vec<MonthPoint>,
    pub calibration: PathCalibration,
}

impl PathForecast {
    /// The month's `p` quantile.
    pub fn quantile(&self, month: usize, p: f64) -> f64 {
        let point = &self.months[month];
        point.known + self.calibration.quantile(&point.units, p, point.lead)
    }

    /// Equally likely totals of the months `range`, one per level of `levels`: each the sum of
    /// its months' quantiles at that level (months move together: a level is a state of the
    /// world that lasts the term).
    pub fn scenarios(&self, levels: &[f64]) -> Vec<f64> {
        levels.iter().map(|&p| (0..self.months.len()).map(|month| self.quantile(month, p)).sum()).collect()
    }
}

/// The forecast of months `months` (consecutive calendar months) after a history.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub paths: BTreeMap<PathKind, PathForecast>,
    /// The daily forecast from the history's end through the last month.
    pub prediction: Prediction,
    /// The first day after the history.
    pub after: Day,
    pub backtest: Vec<OriginResult>,
}

/// Forecasts `months` from the end of `history`, with intervals calibrated on its rolling origins.
/// Months must not start before the history does; a month partly in the history keeps its
/// known days.
pub fn forecast(history: &History, months: &[Period], outlook: &Outlook) -> Forecast {
    forecast_with(history, months, outlook, rolling(history))
}

/// [`forecast`] with the history's rolling origins already worked out ([`rolling`]: they do not
/// depend on the outlook).
pub fn forecast_with(history: &History, months: &[Period], outlook: &Outlook, backtest: Vec<OriginResult>) -> Forecast {
    let after = history.day(history.len());
    let last = months.iter().map(|month| month.end).max().unwrap_or(after);
    let horizon = (last - after).num_days().max(0) as usize;
    let prediction = predict(history, history.len(), horizon, outlook);
    let units = history.units();
    let paths = PathKind::ALL
        .into_iter()
        .map(|path| {
            let calibration = PathCalibration::of(&backtest, path, &units, None);
            let daily: Vec<Vec<f64>> = calibration.units.iter().map(|(unit, _)| prediction.unit_daily(unit)).collect();
            let points = months
                .iter()
                .map(|month| {
                    let mut point = MonthPoint { month: *month, known: 0.0, forecast: 0.0, units: vec![0.0; daily.len()], lead: 1.0 };
                    for day in month.iter_days() {
                        if day < after {
                            let index = (day - history.start).num_days();
                            if index >= 0 {
                                point.known += history.actual(path, index as usize);
                            }
                        } else {
                            let offset = (day - after).num_days() as usize;
                            for (sum, unit) in point.units.iter_mut().zip(&daily) {
                                *sum += unit[offset];
                            }
                        }
                    }
                    point.forecast = point.units.iter().sum();
                    point.lead = ((month.end - after).num_days() as f64 / WINDOW as f64).max(1.0);
                    point
                })
                .collect();
            (path, PathForecast { months: points, calibration })
        })
        .collect();
    Forecast { paths, prediction, after, backtest }
}

/// The calendar months `count` from `start`.
pub fn months_from(start: Period, count: u32) -> Vec<Period> {
    let mut months = Vec::new();
    let mut month = Period::month_of(start.start);
    for _ in 0..count {
        months.push(month);
        month = Period::month_of(month.end);
    }
    months
}

/// The first day of `day`'s month.
pub fn month_start(day: Day) -> Day {
    day.with_day(1).unwrap_or(day)
}

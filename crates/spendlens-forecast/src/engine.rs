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
//! **Intervals** are conformal: every origin of the history predicts the next 30 days, and the
//! log ratios of actual to predicted give the distribution (P10, P50, P90 are its quantiles
//! applied to the point forecast), the levels stretched by the finite-sample factor `(n + 1) / n`
//! where `n` counts independent windows (30 overlapping ones make one). In the backtest an
//! origin only uses the ratios of windows that had ended by then. A month further ahead widens the ratios by the square root of its lead in
//! 30-day windows.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration};
use spendlens_model::{Day, Period};

use crate::model::{DailyForecast, Method, forecast_daily, seasonal_naive};

/// Days a backtest window (and a calibration window) covers: "one month ahead".
pub const WINDOW: usize = 30;
/// Days of history before the first origin.
pub const MIN_TRAIN: usize = 56;
/// Ratios an origin needs before the backtest scores it.
pub const MIN_CALIBRATION: usize = 10;
/// Days behind an origin that set its unit costs and active engineers.
pub const TRAILING: usize = 28;

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

/// One origin of the rolling backtest: the next [`WINDOW`] days' sums.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginResult {
    /// Days of history the origin saw.
    pub origin: usize,
    pub predicted: BTreeMap<PathKind, f64>,
    pub naive: BTreeMap<PathKind, f64>,
    pub actual: BTreeMap<PathKind, f64>,
}

impl OriginResult {
    /// `ln(actual / predicted)`, when both are positive.
    pub fn log_ratio(&self, path: PathKind) -> Option<f64> {
        let (actual, predicted) = (self.actual[&path], self.predicted[&path]);
        (actual > 0.0 && predicted > 0.0).then(|| (actual / predicted).ln())
    }
}

/// Every origin of the history, each predicting the next [`WINDOW`] days (in parallel).
pub fn rolling(history: &History) -> Vec<OriginResult> {
    let origins: Vec<usize> = (MIN_TRAIN..=history.len().saturating_sub(WINDOW)).collect();
    let outlook = Outlook::default();
    spendlens_model::parallel::map(origins, |origin| {
        let prediction = predict(history, origin, WINDOW, &outlook);
        let mut result = OriginResult { origin, predicted: BTreeMap::new(), naive: BTreeMap::new(), actual: BTreeMap::new() };
        for path in PathKind::ALL {
            let past: Vec<f64> = (0..origin).map(|day| history.actual(path, day)).collect();
            result.predicted.insert(path, prediction.daily(path).iter().sum());
            result.naive.insert(path, seasonal_naive(&past, WINDOW).iter().sum());
            result.actual.insert(path, (origin..origin + WINDOW).map(|day| history.actual(path, day)).sum());
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

/// The log ratios of actual to predicted of the windows a path's origins closed, sorted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Calibration {
    pub log_ratios: Vec<f64>,
}

impl Calibration {
    /// From every origin whose window had ended by day `by` (all of them when `None`).
    pub fn of(results: &[OriginResult], path: PathKind, by: Option<usize>) -> Calibration {
        let mut log_ratios: Vec<f64> = results
            .iter()
            .filter(|result| by.is_none_or(|by| result.origin + WINDOW <= by))
            .filter_map(|result| result.log_ratio(path))
            .collect();
        log_ratios.sort_by(f64::total_cmp);
        Calibration { log_ratios }
    }

    /// Independent windows behind the ratios: windows one day apart share all but a day, so
    /// [`WINDOW`] of them make about one (at least one).
    pub fn independent(&self) -> f64 {
        (self.log_ratios.len() as f64 / WINDOW as f64).max(1.0)
    }

    /// The level `p` stretched away from the median by conformal's finite-sample factor
    /// `(n + 1) / n` over the `n` independent windows: few windows, wide quantiles (with fewer
    /// than about nine, P10 and P90 are the extremes seen).
    pub fn level(&self, p: f64) -> f64 {
        let n = self.independent();
        (0.5 + (p - 0.5) * (n + 1.0) / n).clamp(0.0, 1.0)
    }

    /// The `p` quantile of a forecast `point` whose lead is `lead` windows.
    pub fn apply(&self, point: f64, p: f64, lead: f64) -> f64 {
        if self.log_ratios.is_empty() {
            return point;
        }
        point * (quantile(&self.log_ratios, self.level(p)) * lead.max(1.0).sqrt()).exp()
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

/// Scores every path on the origins with enough closed windows behind them.
pub fn score(results: &[OriginResult]) -> BTreeMap<PathKind, Score> {
    PathKind::ALL
        .into_iter()
        .map(|path| {
            let (mut ape, mut naive, mut point, mut covered, mut windows) = (0.0, 0.0, 0.0, 0, 0);
            for result in results {
                let calibration = Calibration::of(results, path, Some(result.origin));
                let actual = result.actual[&path];
                if calibration.log_ratios.len() < MIN_CALIBRATION || actual <= 0.0 {
                    continue;
                }
                let predicted = result.predicted[&path];
                let p50 = calibration.apply(predicted, 0.5, 1.0);
                let (p10, p90) = (calibration.apply(predicted, 0.1, 1.0), calibration.apply(predicted, 0.9, 1.0));
                ape += (actual - p50).abs() / actual;
                point += (actual - predicted).abs() / actual;
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
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthPoint {
    pub month: Period,
    /// Dollars of the month's days inside the history.
    pub known: f64,
    /// The point forecast of the month's remaining days.
    pub forecast: f64,
    /// How many windows ahead the month ends (at least 1).
    pub lead: f64,
}

/// A path's months and the calibration that turns them into distributions.
#[derive(Debug, Clone, PartialEq)]
pub struct PathForecast {
    pub months: Vec<MonthPoint>,
    pub calibration: Calibration,
}

impl PathForecast {
    /// The month's `p` quantile.
    pub fn quantile(&self, month: usize, p: f64) -> f64 {
        let point = self.months[month];
        point.known + self.calibration.apply(point.forecast, p, point.lead)
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
    let paths = PathKind::ALL
        .into_iter()
        .map(|path| {
            let daily = prediction.daily(path);
            let points = months
                .iter()
                .map(|month| {
                    let mut point = MonthPoint { month: *month, known: 0.0, forecast: 0.0, lead: 1.0 };
                    for day in month.iter_days() {
                        if day < after {
                            let index = (day - history.start).num_days();
                            if index >= 0 {
                                point.known += history.actual(path, index as usize);
                            }
                        } else {
                            point.forecast += daily[(day - after).num_days() as usize];
                        }
                    }
                    point.lead = ((month.end - after).num_days() as f64 / WINDOW as f64).max(1.0);
                    point
                })
                .collect();
            (path, PathForecast { months: points, calibration: Calibration::of(&backtest, path, None) })
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

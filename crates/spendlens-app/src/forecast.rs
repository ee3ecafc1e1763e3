//! Forecast, backtest and commitment: the ledger's daily history on each path's driver, handed to
//! `spendlens-forecast`, and its answers as the typed views every face prints.
//!
//! The history runs from the ledger's first usage day to its last: Claude Code's dollars (seat
//! fees spread over the days of their month, the rest by day), the engineers active in each
//! trailing four weeks (Claude Code Analytics and OpenTelemetry activity), and per API feature
//! its dollars and, where the Usage Analytics API counts them, its requests. Dollars are exact
//! in the ledger and become floats only for the statistics; every dollar a view shows is a
//! decimal rounded to the cent. Unassigned dollars belong to no path and are left out (a note
//! says how much).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::Duration;
use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_analysis::Driver;
use spendlens_analysis::optimise::Plan;
use spendlens_analysis::seats::seat_fees;
use spendlens_forecast::engine::{self, MonthPoint, OriginResult, PathForecast, TRAILING, WINDOW};
use spendlens_forecast::model::Method;
use spendlens_forecast::{HeadcountPlan, History, Outlook, PathKind, Terms};
use spendlens_model::{CostKind, Day, Money, Path, Period, Seat, Source};

use crate::{App, AppError};

pub use spendlens_forecast::{Level, Tier};

/// A new joiner's weight in the month they join (ramping up over their first weeks).
pub const NEW_JOINER_RAMP: f64 = 0.5;

/// Equally likely levels a commitment is sized over (the 0.5th to the 99.5th percentile).
const LEVELS: usize = 100;

/// Which unit costs the API's future is priced at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// Today's unit costs.
    #[default]
    Current,
    /// The optimiser's plan applied (`spendlens optimise`): each feature's unit cost times its
    /// optimised baseline over its spend.
    Optimised,
}

impl Baseline {
    pub fn as_str(self) -> &'static str {
        match self {
            Baseline::Current => "current",
            Baseline::Optimised => "optimised",
        }
    }
}

/// What `spendlens forecast` is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastOptions {
    /// The first month, `YYYY-MM` (default: the month after the ledger's last complete month).
    pub start: Option<String>,
    /// Months forecast.
    pub horizon: u32,
    /// A headcount plan (`month,team,engineers`).
    pub headcount: Option<PathBuf>,
    pub baseline: Baseline,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions { start: None, horizon: 3, headcount: None, baseline: Baseline::Current }
    }
}

/// How a commitment is discounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discount {
    /// Percent off list at every level (15 is 15%).
    Flat(Decimal),
    /// A tier file (`min_commitment_usd,discount_pct`).
    Tiers(PathBuf),
}

/// What `spendlens commit` is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOptions {
    pub start: Option<String>,
    /// Months the commitment covers.
    pub term: u32,
    pub discount: Discount,
    /// Overage billed at this multiple of list.
    pub overage_rate: Decimal,
    pub baseline: Baseline,
    pub headcount: Option<PathBuf>,
}

/// One month's distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthView {
    /// `YYYY-MM`.
    pub month: String,
    pub p10_usd: Money,
    pub p50_usd: Money,
    pub p90_usd: Money,
}

/// A path's (or the total's) months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathView {
    pub months: Vec<MonthView>,
}

/// `spendlens forecast --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastView {
    /// `claude_code` and `api`.
    pub paths: BTreeMap<String, PathView>,
    /// The total's own distribution (its quantiles are not the sums of the paths').
    pub total: PathView,
    pub drivers: DriversView,
}

/// What each path was forecast from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriversView {
    pub baseline: Baseline,
    /// The ledger's days the forecast learned from.
    pub history: Period,
    pub claude_code: ClaudeCodeDrivers,
    pub api: ApiDrivers,
    /// How the numbers were made.
    pub method: String,
    pub notes: Vec<String>,
}

/// Claude Code = active engineers x cost per active engineer-day, plus seat fees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaudeCodeDrivers {
    /// Engineers with Claude Code activity in the history's last four weeks.
    pub active_engineers: u64,
    /// The path's dollars other than seat fees per active engineer per day, last four weeks.
    pub cost_per_active_engineer_day_usd: Money,
    /// Open seats on the stored roster.
    pub seats: usize,
    pub headcount_plan: Option<PathBuf>,
    /// A joiner's weight in the month they join.
    pub new_joiner_ramp: Decimal,
    /// A holiday's usage against the same weekday around it, learned from the history.
    pub holiday_factor: Decimal,
    /// Holidays inside the forecast months.
    pub holidays: Vec<Day>,
    pub months: Vec<ClaudeCodeMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaudeCodeMonth {
    pub month: String,
    pub active_engineers: Decimal,
    /// The point forecast of the month's per-engineer usage dollars (before calibration).
    pub usage_usd: Money,
    pub seat_fees_usd: Money,
}

/// API = per feature, requests x unit cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiDrivers {
    pub features: Vec<FeatureDrivers>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureDrivers {
    pub feature: String,
    /// `requests` (volume x unit cost) or `dollars` (no request counts: the dollars forecast).
    pub volume: String,
    /// Mean per day over the last four weeks.
    pub requests_per_day: Option<u64>,
    /// Today's unit cost (median daily cost per 1,000 requests, last four weeks).
    pub usd_per_1k_requests: Option<Money>,
    /// The unit cost the forecast prices at (the optimised baseline's when asked).
    pub forecast_usd_per_1k_requests: Option<Money>,
    /// `mstl`, `ets`, `seasonal_naive` or `zero`.
    pub model: String,
    pub months: Vec<FeatureMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureMonth {
    pub month: String,
    /// Requests forecast (absent for a dollar series).
    pub requests: Option<u64>,
    /// The point forecast (before calibration).
    pub usd: Money,
}

/// `spendlens forecast --backtest --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BacktestView {
    /// `claude_code` and `api`.
    pub paths: BTreeMap<String, BacktestPath>,
    pub total: BacktestPath,
    /// Windows scored (origins one day apart, each predicting the next `window_days`).
    pub windows: usize,
    pub window_days: usize,
    pub method: String,
}

/// A path's scores; fractions (0.05 is 5%).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BacktestPath {
    pub mape: Decimal,
    pub coverage_p10_p90: Decimal,
    pub naive_mape: Decimal,
}

/// One path's (or the total's) commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitPath {
    pub recommended_commitment_usd: Money,
    pub expected_saving_usd: Money,
    pub shortfall_probability: Decimal,
    pub expected_waste_usd: Money,
    /// Expected spend over the term at list, with no commitment.
    pub expected_spend_usd: Money,
    /// Spend over the term: P10, P50, P90.
    pub spend_p10_usd: Money,
    pub spend_p50_usd: Money,
    pub spend_p90_usd: Money,
    pub sensitivity: Vec<Level>,
}

/// A path's spend over the term, at today's unit costs and at the optimised baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselinePair {
    pub current_p50_usd: Money,
    pub optimised_p50_usd: Money,
}

/// `spendlens commit --json`: the total's recommendation at the top, each path's beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommitView {
    pub recommended_commitment_usd: Money,
    pub expected_saving_usd: Money,
    pub shortfall_probability: Decimal,
    pub expected_waste_usd: Money,
    pub expected_spend_usd: Money,
    /// The total's spend over the term: P10, P50, P90.
    pub spend_p10_usd: Money,
    pub spend_p50_usd: Money,
    pub spend_p90_usd: Money,
    pub sensitivity: Vec<Level>,
    pub paths: BTreeMap<String, CommitPath>,
    /// The term's months, `YYYY-MM`.
    pub term: Vec<String>,
    pub baseline: Baseline,
    /// Discount tiers as applied (one tier from $0 for a flat discount); fractions.
    pub tiers: Vec<Tier>,
    pub overage_rate: Decimal,
    /// Each path's (and the total's) P50 over the term under both baselines.
    pub baselines: BTreeMap<String, BaselinePair>,
    /// The optimiser's plan the optimised baseline applies (last complete month).
    pub optimisation: Plan,
    /// The forecast the commitment was sized on.
    pub forecast: ForecastView,
}

fn money(value: f64) -> Money {
    Money::from_decimal(Decimal::from_f64_retain(value.max(0.0)).unwrap_or_default()).round_cents()
}

fn fraction(value: f64) -> Decimal {
    Decimal::from_f64_retain(value).unwrap_or_default().round_dp(4)
}

fn label(month: Period) -> String {
    month.start.format("%Y-%m").to_string()
}

fn index_of(start: Day, day: Day) -> usize {
    (day - start).num_days().max(0) as usize
}

/// The ledger's daily history and what the forecast needs beside it.
#[derive(Debug, Clone)]
pub struct ForecastHistory {
    pub history: History,
    /// Last day of the history (inclusive).
    pub last: Day,
    /// The stored roster's seats.
    pub seats: Vec<Seat>,
    /// Dollars no path holds, left out.
    pub unassigned_usd: Money,
}

impl App {
    /// The days of the ledger on each path's driver.
    pub fn forecast_history(&self) -> Result<ForecastHistory, AppError> {
        let empty = || {
            AppError::invalid(format!(
                "the ledger in {} is empty: run `spendlens demo`, or ingest your sources first",
                self.settings().data_dir.display()
            ))
        };
        let (from, last) = self.lake()?.usage_span()?.ok_or_else(empty)?;
        let loaded = self.load_ledger(Period::new(from, last + Duration::days(1)))?;
        // The history starts on the first day billed by use (seat fees cover whole months, and
        // usage may be stored from before billing begins).
        let first = loaded
            .ledger
            .entries
            .iter()
            .filter(|entry| entry.kind != CostKind::SeatFee && !entry.amount.is_zero())
            .map(|entry| entry.start)
            .min()
            .ok_or_else(empty)?
            .max(from);
        let days = index_of(first, last) + 1;
        if days < engine::MIN_TRAIN + WINDOW {
            return Err(AppError::invalid(format!(
                "the ledger holds {days} days ({first} to {last}); a forecast needs at least {} to learn from and check itself on",
                engine::MIN_TRAIN + WINDOW
            )));
        }
        let span = Period::new(first, last + Duration::days(1));
        let mut history = History { start: first, ..History::default() };
        history.claude_code.usage_usd = vec![0.0; days];
        history.claude_code.seat_usd = vec![0.0; days];
        let mut features: BTreeMap<String, (Vec<f64>, BTreeSet<String>)> = BTreeMap::new();
        let mut unassigned_usd = Money::ZERO;
        for entry in &loaded.ledger.entries {
            let entry_days = (entry.end - entry.start).num_days().max(1);
            let per_day = entry.amount.to_f64_lossy() / entry_days as f64;
            let inside: Vec<usize> = (0..entry_days)
                .map(|offset| entry.start + Duration::days(offset))
                .filter(|day| first <= *day && *day <= last)
                .map(|day| index_of(first, day))
                .collect();
            let series = match entry.path {
                Path::ClaudeCode if entry.kind == CostKind::SeatFee => &mut history.claude_code.seat_usd,
                Path::ClaudeCode => &mut history.claude_code.usage_usd,
                Path::Api => {
                    let name = match &entry.driver {
                        Driver::Feature { name } => name.clone(),
                        other => format!("other: {}", other.label()),
                    };
                    let feature = features.entry(name).or_insert_with(|| (vec![0.0; days], BTreeSet::new()));
                    feature.1.extend(entry.api_key.clone());
                    &mut feature.0
                }
                _ => {
                    if inside.len() as i64 == entry_days {
                        unassigned_usd += entry.amount;
                    }
                    continue;
                }
            };
            for index in inside {
                series[index] += per_day;
            }
        }
        // Requests per feature, from the lines that count them (the Usage Analytics API).
        let mut key_feature: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, (_, keys)) in &features {
            for key in keys {
                key_feature.insert(key, name);
            }
        }
        let mut requests_of: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for line in loaded.usage.iter().filter(|line| line.source == Source::AdminAnalyticsUsage) {
            let (Some(requests), Some(key)) = (line.quantities.requests, line.identity.api_key_id.as_deref()) else { continue };
            let Some(name) = key_feature.get(key) else { continue };
            let day = line.start.date_naive();
            if day < first || day > last {
                continue;
            }
            requests_of.entry(name.to_string()).or_insert_with(|| vec![0.0; days])[index_of(first, day)] += requests as f64;
        }
        for (name, (usd, _)) in features {
            let requests = requests_of.remove(&name);
            history.features.push(spendlens_forecast::engine::FeatureHistory { name, usd, requests });
        }
        history.claude_code.active_engineers = active_engineers(&self.activity(span)?, &loaded.ledger.entries, first, days);
        let seats: Vec<Seat> =
            self.lake()?.cost_lines_of(Source::Roster, None)?.iter().filter_map(Seat::from_record).map(|(seat, _)| seat).collect();
        Ok(ForecastHistory { history, last, seats, unassigned_usd })
    }

    /// The months asked for: from `start` (default: after the ledger's last complete month).
    fn forecast_months(&self, start: Option<&str>, count: u32, last: Day) -> Result<Vec<Period>, AppError> {
        if count == 0 || count > 60 {
            return Err(AppError::invalid(format!("the horizon is {count} months; give 1 to 60")));
        }
        let latest = Period::month_of(last);
        let first = match start {
            Some(text) => Period::parse_month(text).ok_or_else(|| AppError::invalid(format!("--start {text:?} is not YYYY-MM")))?,
            None if last + Duration::days(1) == latest.end => Period::month_of(latest.end),
            None => latest,
        };
        if first.start < latest.start {
            return Err(AppError::invalid(format!(
                "--start {} is before {}, the ledger's last month: a forecast starts where the ledger ends",
                label(first),
                label(latest)
            )));
        }
        Ok(engine::months_from(first, count))
    }

    /// The outlook: the roster's seats, the headcount plan, the optimised baseline.
    fn outlook(
        &self,
        loaded: &ForecastHistory,
        months: &[Period],
        headcount: Option<&PathBuf>,
        factors: &BTreeMap<String, f64>,
    ) -> Result<Outlook, AppError> {
        let after = loaded.last + Duration::days(1);
        let end = months.iter().map(|month| month.end).max().unwrap_or(after);
        let days: Vec<Day> = Period::new(after, end).iter_days().collect();
        let engineers_now = loaded.history.claude_code.active_engineers.last().copied().unwrap_or(0.0);
        let mut fee_of: BTreeMap<Day, f64> = BTreeMap::new();
        let mut seat_usd = Vec::with_capacity(days.len());
        for day in &days {
            let month = Period::month_of(*day);
            let fee = *fee_of
                .entry(month.start)
                .or_insert_with(|| seat_fees(&loaded.seats, month).iter().map(|line| line.amount.to_f64_lossy()).sum());
            seat_usd.push(fee / month.days() as f64);
        }
        let mut outlook = Outlook { seat_usd: Some(seat_usd), unit_cost_factor: factors.clone(), ..Outlook::default() };
        if let Some(path) = headcount {
            let plan = read_headcount(path)?;
            let planned = planned_engineers(&plan, &days, engineers_now);
            if let Some(seats) = outlook.seat_usd.as_mut()
                && engineers_now > 0.0
            {
                for (fee, engineers) in seats.iter_mut().zip(&planned) {
                    *fee *= engineers / engineers_now;
                }
            }
            outlook.active_engineers = Some(planned);
        }
        Ok(outlook)
    }

    /// The optimiser's plan for the last complete month, and each feature's optimised baseline
    /// over its spend (the factor its unit cost takes).
    fn optimised(&self, loaded: &ForecastHistory) -> Result<(BTreeMap<String, f64>, Plan), AppError> {
        let plan = self.optimise(last_complete_month(loaded), None)?.plan;
        let factors = plan
            .features
            .iter()
            .filter(|feature| feature.spend_usd > Money::ZERO)
            .map(|feature| (feature.feature.clone(), feature.optimised_usd.to_f64_lossy() / feature.spend_usd.to_f64_lossy()))
            .collect();
        Ok((factors, plan))
    }

    /// Each path's P10/P50/P90 per month, with the drivers they were forecast from.
    pub fn forecast(&self, options: &ForecastOptions) -> Result<ForecastView, AppError> {
        let loaded = self.forecast_history()?;
        let months = self.forecast_months(options.start.as_deref(), options.horizon, loaded.last)?;
        let backtest = engine::rolling(&loaded.history);
        let factors = match options.baseline {
            Baseline::Current => BTreeMap::new(),
            Baseline::Optimised => self.optimised(&loaded)?.0,
        };
        let outlook = self.outlook(&loaded, &months, options.headcount.as_ref(), &factors)?;
        Ok(forecast_view(&loaded, &months, &outlook, backtest, options))
    }

    /// The rolling-origin backtest: each origin one day apart predicts the next 30 days, scored
    /// from 56 days of history once at least ten earlier windows have closed to calibrate its
    /// interval.
    pub fn backtest(&self) -> Result<BacktestView, AppError> {
        let loaded = self.forecast_history()?;
        let results = engine::rolling(&loaded.history);
        let scores = engine::score(&results);
        let view = |path: PathKind| {
            let score = scores.get(&path).copied();
            BacktestPath {
                mape: fraction(score.map_or(0.0, |score| score.mape)),
                coverage_p10_p90: fraction(score.map_or(0.0, |score| score.coverage_p10_p90)),
                naive_mape: fraction(score.map_or(0.0, |score| score.naive_mape)),
            }
        };
        Ok(BacktestView {
            paths: [PathKind::ClaudeCode, PathKind::Api].into_iter().map(|path| (path.as_str().to_string(), view(path))).collect(),
            total: view(PathKind::Total),
            windows: scores.get(&PathKind::Total).map_or(0, |score| score.windows),
            window_days: WINDOW,
            method: backtest_method(loaded.history.len()),
        })
    }

    /// The commitment minimising expected cost over the term, per path and in total.
    pub fn commit(&self, options: &CommitOptions) -> Result<CommitView, AppError> {
        let terms = match &options.discount {
            Discount::Flat(percent) => {
                if *percent < Decimal::ZERO || *percent >= Decimal::ONE_HUNDRED {
                    return Err(AppError::invalid(format!("--discount {percent} is not a percentage between 0 and 100")));
                }
                Terms::flat(*percent / Decimal::ONE_HUNDRED, options.overage_rate)
            }
            Discount::Tiers(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| AppError::file("reading the discount tiers", path, error))?;
                let tiers = spendlens_forecast::read_tiers(&path.display().to_string(), &text)
                    .map_err(|error| AppError::invalid(error.to_string()))?;
                Terms { tiers, overage_rate: options.overage_rate }
            }
        };
        if options.overage_rate <= Decimal::ZERO {
            return Err(AppError::invalid(format!("--overage-rate {} must be above 0 (1 is list price)", options.overage_rate)));
        }
        let loaded = self.forecast_history()?;
        let months = self.forecast_months(options.start.as_deref(), options.term, loaded.last)?;
        let backtest = engine::rolling(&loaded.history);
        let (factors, plan) = self.optimised(&loaded)?;
        let current = self.outlook(&loaded, &months, options.headcount.as_ref(), &BTreeMap::new())?;
        let optimised = self.outlook(&loaded, &months, options.headcount.as_ref(), &factors)?;
        let chosen = match options.baseline {
            Baseline::Current => current.clone(),
            Baseline::Optimised => optimised.clone(),
        };
        let forecast_options = ForecastOptions {
            start: Some(label(months[0])),
            horizon: options.term,
            headcount: options.headcount.clone(),
            baseline: options.baseline,
        };
        let sized = engine::forecast_with(&loaded.history, &months, &chosen, backtest.clone());
        let levels: Vec<f64> = (0..LEVELS).map(|level| (level as f64 + 0.5) / LEVELS as f64).collect();
        let commit_path = |path: &PathForecast| {
            let scenarios: Vec<Money> = path.scenarios(&levels).into_iter().map(money).collect();
            let sizing = spendlens_forecast::size(&scenarios, &terms);
            let spend = |p: f64| money(path.scenarios(&[p])[0]);
            CommitPath {
                recommended_commitment_usd: sizing.recommended.commitment_usd,
                expected_saving_usd: sizing.recommended.expected_saving_usd,
                shortfall_probability: sizing.recommended.shortfall_probability,
                expected_waste_usd: sizing.recommended.expected_waste_usd,
                expected_spend_usd: sizing.expected_spend_usd,
                spend_p10_usd: spend(0.1),
                spend_p50_usd: spend(0.5),
                spend_p90_usd: spend(0.9),
                sensitivity: spendlens_forecast::sensitivity(&scenarios, &terms, sizing.recommended.commitment_usd),
            }
        };
        let mut paths: BTreeMap<String, CommitPath> =
            PathKind::ALL.into_iter().filter_map(|path| Some((path.as_str().to_string(), commit_path(sized.paths.get(&path)?)))).collect();
        let total = paths.remove(PathKind::Total.as_str()).ok_or_else(|| AppError::invalid("no total forecast"))?;
        let term_p50 = |forecast: &engine::Forecast, path: PathKind| {
            forecast.paths.get(&path).map_or(Money::ZERO, |path| money(path.scenarios(&[0.5])[0]))
        };
        let at_current = engine::forecast_with(&loaded.history, &months, &current, backtest.clone());
        let at_optimised = engine::forecast_with(&loaded.history, &months, &optimised, backtest.clone());
        let baselines = PathKind::ALL
            .into_iter()
            .map(|path| {
                let pair = BaselinePair { current_p50_usd: term_p50(&at_current, path), optimised_p50_usd: term_p50(&at_optimised, path) };
                (path.as_str().to_string(), pair)
            })
            .collect();
        Ok(CommitView {
            recommended_commitment_usd: total.recommended_commitment_usd,
            expected_saving_usd: total.expected_saving_usd,
            shortfall_probability: total.shortfall_probability,
            expected_waste_usd: total.expected_waste_usd,
            expected_spend_usd: total.expected_spend_usd,
            spend_p10_usd: total.spend_p10_usd,
            spend_p50_usd: total.spend_p50_usd,
            spend_p90_usd: total.spend_p90_usd,
            sensitivity: total.sensitivity,
            paths,
            term: months.iter().map(|month| label(*month)).collect(),
            baseline: options.baseline,
            tiers: terms.tiers.clone(),
            overage_rate: options.overage_rate,
            baselines,
            optimisation: plan,
            forecast: view_of(&loaded, &months, &chosen, &sized, &forecast_options),
        })
    }
}

fn read_headcount(path: &PathBuf) -> Result<HeadcountPlan, AppError> {
    let text = std::fs::read_to_string(path).map_err(|error| AppError::file("reading the headcount plan", path, error))?;
    spendlens_forecast::read_headcount(&path.display().to_string(), &text).map_err(|error| AppError::invalid(error.to_string()))
}

/// Active engineers per forecast day under `plan`: a month's planned engineers, a joiner (above
/// the month before, or today's count before the plan's first month) weighted by the ramp in the
/// month they join; before the plan's first month, today's count.
pub fn planned_engineers(plan: &HeadcountPlan, days: &[Day], now: f64) -> Vec<f64> {
    days.iter()
        .map(|day| {
            let month = Period::month_of(*day);
            let Some(planned) = plan.engineers_in(month).map(f64::from) else {
                return now;
            };
            let before = plan.engineers_in(month.previous_month()).map_or(now, f64::from);
            let joiners = (planned - before).max(0.0);
            planned - (1.0 - NEW_JOINER_RAMP) * joiners
        })
        .collect()
}

/// The last calendar month the history holds whole (else its last 30 days).
fn last_complete_month(loaded: &ForecastHistory) -> Period {
    let latest = Period::month_of(loaded.last);
    let month = if loaded.last + Duration::days(1) == latest.end { latest } else { latest.previous_month() };
    if month.start >= loaded.history.start { month } else { Period::new(loaded.last - Duration::days(29), loaded.last + Duration::days(1)) }
}

/// Engineers with activity (or Claude Code dollars) in the four weeks ending on each day.
fn active_engineers(
    activity: &[spendlens_model::ActivityLine],
    entries: &[spendlens_analysis::LedgerEntry],
    first: Day,
    days: usize,
) -> Vec<f64> {
    let mut by_day: Vec<BTreeSet<String>> = vec![BTreeSet::new(); days];
    let mut add = |day: Day, who: String| {
        let index = (day - first).num_days();
        if (0..days as i64).contains(&index) {
            by_day[index as usize].insert(who);
        }
    };
    for line in activity {
        if let Some(who) = line.actor_email.clone().or_else(|| line.api_key_name.clone()) {
            add(line.day, who);
        }
    }
    if activity.is_empty() {
        for entry in entries.iter().filter(|entry| entry.path == Path::ClaudeCode && entry.kind != CostKind::SeatFee) {
            add(entry.start, entry.driver.label());
        }
    }
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    let mut active = Vec::with_capacity(days);
    for day in 0..days {
        for who in &by_day[day] {
            *counts.entry(who).or_default() += 1;
        }
        if day >= TRAILING {
            for who in &by_day[day - TRAILING] {
                if let Some(count) = counts.get_mut(who) {
                    *count -= 1;
                    if *count == 0 {
                        counts.remove(who);
                    }
                }
            }
        }
        active.push(counts.len() as f64);
    }
    active
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Mstl => "mstl",
        Method::Ets => "ets",
        Method::SeasonalNaive => "seasonal_naive",
        Method::Zero => "zero",
    }
}

/// How far apart a rolling run's origins are, in words.
fn origins_apart(days: usize) -> String {
    match engine::origin_stride(days) {
        1 => "one day apart".to_string(),
        stride => format!("{stride} days apart, ending at the last (at most {} origins)", engine::MAX_ORIGINS),
    }
}

fn backtest_method(days: usize) -> String {
    format!(
        "rolling origin, {}, each predicting the next {WINDOW} days from the days before it; origins from {} days of \
         history calibrate, from {} days they are scored, once {} earlier windows of the path have closed. P10-P90 from those \
         windows' actual-to-predicted log ratios per unit (Claude Code, each API feature): a Student's t prediction interval \
         (overlapping-batch-means degrees of freedom), units adding in quadrature; P50 the units' median-corrected points summed. \
         MAPE is on the window's dollars. Seasonal naive: the origin's last 7 days repeated.",
        origins_apart(days),
        engine::CALIBRATION_TRAIN,
        engine::MIN_TRAIN,
        engine::MIN_CALIBRATION
    )
}

fn forecast_view(
    loaded: &ForecastHistory,
    months: &[Period],
    outlook: &Outlook,
    backtest: Vec<OriginResult>,
    options: &ForecastOptions,
) -> ForecastView {
    let forecast = engine::forecast_with(&loaded.history, months, outlook, backtest);
    view_of(loaded, months, outlook, &forecast, options)
}

fn view_of(
    loaded: &ForecastHistory,
    months: &[Period],
    outlook: &Outlook,
    forecast: &engine::Forecast,
    options: &ForecastOptions,
) -> ForecastView {
    let path_view = |path: PathKind| PathView {
        months: forecast.paths.get(&path).map_or_else(Vec::new, |path| {
            path.months
                .iter()
                .enumerate()
                .map(|(index, point): (usize, &MonthPoint)| MonthView {
                    month: label(point.month),
                    p10_usd: money(path.quantile(index, 0.1)),
                    p50_usd: money(path.quantile(index, 0.5)),
                    p90_usd: money(path.quantile(index, 0.9)),
                })
                .collect()
        }),
    };
    let paths = [PathKind::ClaudeCode, PathKind::Api].into_iter().map(|path| (path.as_str().to_string(), path_view(path))).collect();
    ForecastView { paths, total: path_view(PathKind::Total), drivers: drivers(loaded, months, outlook, forecast, options) }
}

/// The days of `month` after the history, as indexes into the prediction.
fn future_days(month: Period, after: Day) -> std::ops::Range<usize> {
    let from = index_of(after, month.start.max(after));
    let to = index_of(after, month.end.max(after));
    from..to
}

fn drivers(
    loaded: &ForecastHistory,
    months: &[Period],
    outlook: &Outlook,
    forecast: &engine::Forecast,
    options: &ForecastOptions,
) -> DriversView {
    let history = &loaded.history;
    let days = history.len();
    let trailing = days.saturating_sub(TRAILING)..days;
    let prediction = &forecast.prediction;
    let usage: f64 = history.claude_code.usage_usd[trailing.clone()].iter().sum();
    let engineer_days: f64 = history.claude_code.active_engineers[trailing.clone()].iter().sum();
    let sum = |values: &[f64], range: std::ops::Range<usize>| values.get(range).map_or(0.0, |values| values.iter().sum::<f64>());
    let claude_code = ClaudeCodeDrivers {
        active_engineers: history.claude_code.active_engineers.last().copied().unwrap_or(0.0) as u64,
        cost_per_active_engineer_day_usd: money(if engineer_days > 0.0 { usage / engineer_days } else { 0.0 }),
        seats: loaded.seats.iter().filter(|seat| seat.end.is_none_or(|end| end >= loaded.last)).count(),
        headcount_plan: options.headcount.clone(),
        new_joiner_ramp: fraction(NEW_JOINER_RAMP),
        holiday_factor: fraction(prediction.engineer_day.holiday_factor),
        holidays: months
            .first()
            .zip(months.last())
            .map(|(first, last)| spendlens_forecast::calendar::holidays_between(first.start, last.end - Duration::days(1)))
            .unwrap_or_default(),
        months: months
            .iter()
            .map(|month| {
                let range = future_days(*month, forecast.after);
                let count = range.len().max(1) as f64;
                ClaudeCodeMonth {
                    month: label(*month),
                    active_engineers: fraction(sum(&prediction.active_engineers, range.clone()) / count),
                    usage_usd: money(sum(&prediction.claude_code_usage, range.clone())),
                    seat_fees_usd: money(sum(&prediction.seats, range)),
                }
            })
            .collect(),
    };
    let features = prediction
        .features
        .iter()
        .zip(&history.features)
        .map(|(predicted, past)| {
            let requests = past.requests.as_ref().map(|requests| sum(requests, trailing.clone()) / trailing.len().max(1) as f64);
            let per_1k = |unit: f64| predicted.by_requests.then(|| money(unit * 1000.0));
            FeatureDrivers {
                feature: predicted.name.clone(),
                volume: if predicted.by_requests { "requests" } else { "dollars" }.to_string(),
                requests_per_day: requests.filter(|_| predicted.by_requests).map(|requests| requests.round() as u64),
                usd_per_1k_requests: per_1k(predicted.unit_cost),
                forecast_usd_per_1k_requests: per_1k(predicted.unit_cost * predicted.factor),
                model: method_name(predicted.method).to_string(),
                months: months
                    .iter()
                    .map(|month| {
                        let range = future_days(*month, forecast.after);
                        FeatureMonth {
                            month: label(*month),
                            requests: predicted.by_requests.then(|| sum(&predicted.volume, range.clone()).round() as u64),
                            usd: money(sum(&predicted.usd, range)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let mut notes = Vec::new();
    if loaded.unassigned_usd > Money::ZERO {
        notes.push(format!(
            "{} of the history is unassigned (no path): it is in neither path nor the total; place it with the org map to forecast it.",
            loaded.unassigned_usd.round_cents()
        ));
    }
    if outlook.active_engineers.is_some() {
        notes.push("With a headcount plan, seat fees scale with the planned engineers over today's active ones.".to_string());
    }
    DriversView {
        baseline: options.baseline,
        history: Period::new(history.start, loaded.last + Duration::days(1)),
        claude_code,
        api: ApiDrivers { features },
        method: format!(
            "Daily series forecast with augurs MSTL (weekly and two-weekly seasons, AutoETS trend); holidays (US company set) scaled by \
             their past fall; months are sums of days. P10/P50/P90 come from the actual-to-predicted log ratios of every 30-day \
             window the history can check (origins {}), per unit (Claude Code, each API feature): a Student's t \
             prediction interval on them, units adding in quadrature, widened by the square root of a month's lead in 30-day \
             windows, months moving together. {}",
            origins_apart(history.len()),
            if options.baseline == Baseline::Optimised {
                "API unit costs are the optimiser's baseline (each feature's optimised over billed spend, last complete month)."
            } else {
                "API unit costs are today's."
            }
        ),
        notes,
    }
}

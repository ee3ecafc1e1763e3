//! Spikes: weeks (Monday to Sunday) and days in which a path, or a driver of one (a Claude Code
//! team, an API feature), spends above its expected band; each explained by an exact additive
//! decomposition of its change against the week (or the same weekday) before, and one sentence
//! with the dollars and the lever.
//!
//! **Expected band.** A week is set against the eight complete weeks before it, a day against the
//! same weekday of the six weeks before (the weekday rhythm): a Theil–Sen line through that
//! history (robust to a holiday or a quiet week in it, and following a trend) gives the expected
//! amount (never below the history's median), and 1.4826 x the median absolute deviation around
//! the line its spread. A spike spends more than the expected amount plus four spreads (six for
//! a day: there are seven times as many days to be unlucky in), and more than 25% (a week) or
//! 50% (a day) above it, by at least $10 (a week) or $5 (a day). The sprint rhythm of engineering work (a
//! calm week, then a busy one) is in the spread, so an ordinary busy week is not a spike. A
//! series needs four periods of history with spend; drops are not spikes (the window must also
//! be above the one before it by the same floor); a day inside a week already flagged for the
//! same subject is not listed again. Claude Code's spend is the sum of a few engineer-days, so
//! its spread is never below what that sum's sampling noise gives ([`sampling_noise`]): a team of
//! two on API keys may double its week without a spike, forty engineers may not. Statistics are floats; every dollar
//! shown is an exact decimal.
//!
//! **Series.** Daily ledger entries (the cost report split over keys); multi-day amounts (seat
//! fees, prorated per month) are fixed and never spike, so they are left out.
//!
//! **Decomposition** ([`crate::decompose`]): for the API, requests (the Usage Analytics counts),
//! tokens per request, model mix, cache-read share, batch share, price (billed dollars per unit);
//! for Claude Code, active engineers, sessions per engineer (Claude Code Analytics), tokens per
//! session, model mix, price. A path's factors are the sum of its drivers' (so a shift between
//! features is not mistaken for a model shift), and its sentence names the driver and factor
//! carrying most of the change. `change_usd` is the change rounded to the cent; the factors are
//! rounded by the largest remainder, so they sum to it exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, Weekday};
use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::{ActivityLine, CostKind, Day, DirectoryEntry, Money, Path, Period, ServiceTier, Source, TokenType, UsageLine};
use spendlens_pricing::{PriceBook, normalise_model_id};

use crate::decompose::{API_COUNTS, CLAUDE_CODE_COUNTS, Cell, Count, Structure, UNIT_KINDS, Window, decompose, to_cents};
use crate::ledger::{Driver, LedgerEntry};

/// Weeks of history a week is set against.
pub const WEEKS_OF_HISTORY: i64 = 8;
/// Same weekdays of history a day is set against.
pub const DAYS_OF_HISTORY: i64 = 6;
/// Periods of history with spend a series needs before it can spike.
pub const MIN_HISTORY: usize = 4;

/// Days of ledger a question about `period` needs before it: the history of its first week's
/// decomposition and band.
pub fn history_days() -> i64 {
    7 * (WEEKS_OF_HISTORY + 1)
}

/// What the analysis is handed.
#[derive(Debug, Clone, Copy)]
pub struct SpikesInput<'a> {
    /// Spikes whose window starts in this period are listed.
    pub period: Period,
    /// Ledger entries from at least [`history_days`] before `period` to its end.
    pub entries: &'a [LedgerEntry],
    /// Day-grain usage of the same span (every source).
    pub usage: &'a [UsageLine],
    /// Claude Code activity of the same span.
    pub activity: &'a [ActivityLine],
    /// Names API keys' owners (Claude Code activity under a key name).
    pub directory: &'a [DirectoryEntry],
    /// Model names for sentences (no pricing: the dollars are the ledger's).
    pub book: &'a PriceBook,
}

/// What a spike is about: a whole path (`kind` `path`), a team, a feature, or another driver.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DriverRef {
    pub kind: String,
    pub name: String,
}

/// One named part of a spike's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpikeFactor {
    pub factor: String,
    pub usd: Money,
}

/// Whether a spike is a week or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Week,
    Day,
}

/// One spike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spike {
    /// First and last day, inclusive.
    pub start: Day,
    pub end: Day,
    pub path: Path,
    pub driver: DriverRef,
    /// Against the week (or the same weekday a week) before, rounded to the cent.
    pub change_usd: Money,
    /// Summing to `change_usd` exactly.
    pub factors: Vec<SpikeFactor>,
    pub summary: String,
    #[serde(skip)]
    pub grain: Grain,
    /// The window's dollars, the reference window's, and the band's expected amount.
    #[serde(skip)]
    pub actual_usd: Money,
    #[serde(skip)]
    pub previous_usd: Money,
    #[serde(skip)]
    pub expected_usd: Money,
}

impl Spike {
    /// A stable identity for alerting: path, driver and window.
    pub fn event_id(&self) -> String {
        format!("spike:{}:{}:{}:{}:{}", self.path.as_str(), self.driver.kind, self.driver.name, self.start, self.end)
    }
}

/// The answer: spikes by start, then path and driver.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Spikes {
    pub spikes: Vec<Spike>,
}

/// A series' subject: a path, and a driver of it (`None` for the whole path).
type Subject = (Path, Option<DriverRef>);

fn driver_of(entry: &LedgerEntry) -> Option<DriverRef> {
    let reference = |kind: &str, name: String| Some(DriverRef { kind: kind.to_string(), name });
    match (entry.path, &entry.driver) {
        (Path::ClaudeCode, Driver::Engineer { team, .. }) => {
            reference("team", team.clone().unwrap_or_else(|| crate::summary::NO_TEAM.to_string()))
        }
        (Path::ClaudeCode, _) => reference("team", crate::summary::NO_TEAM.to_string()),
        (Path::Api, Driver::Feature { name }) => reference("feature", name.clone()),
        (Path::Api, Driver::Unattributed { reason }) => reference("unattributed", reason.clone()),
        (Path::Api, other) => reference("api_key", other.label()),
        (Path::Unassigned, _) => None,
    }
}

fn path_label(path: Path) -> &'static str {
    match path {
        Path::ClaudeCode => "Claude Code",
        Path::Api => "API",
        Path::Unassigned => "Unassigned",
    }
}

/// Sources whose lines count a key's tokens, best first (one per key and day).
const TOKEN_SOURCES: [Source; 3] = [Source::AdminUsage, Source::AdminAnalyticsUsage, Source::Gateway];
/// Sources that count a key's requests, best first.
const REQUEST_SOURCES: [Source; 2] = [Source::AdminAnalyticsUsage, Source::Gateway];

fn unit_of(entry: &LedgerEntry) -> Option<usize> {
    match (entry.kind, entry.token_type) {
        (CostKind::Tokens, Some(TokenType::Input)) => Some(0),
        (CostKind::Tokens, Some(TokenType::CacheWrite5m)) => Some(1),
        (CostKind::Tokens, Some(TokenType::CacheWrite1h)) => Some(2),
        (CostKind::Tokens, Some(TokenType::CacheRead)) => Some(3),
        (CostKind::Tokens, Some(TokenType::Output)) => Some(4),
        (CostKind::WebSearch, _) => Some(5),
        (CostKind::CodeExecution, _) => Some(6),
        _ => None,
    }
}

fn units_of(line: &UsageLine) -> [u64; UNIT_KINDS] {
    let tokens = &line.quantities.tokens;
    [
        tokens.input,
        tokens.cache_write_5m,
        tokens.cache_write_1h,
        tokens.cache_read,
        tokens.output,
        line.quantities.web_search_requests,
        line.quantities.code_execution_seconds,
    ]
}

fn is_activity(line: &ActivityLine) -> bool {
    line.sessions + line.lines_added + line.lines_removed + line.commits + line.pull_requests + line.tool_accepted + line.tool_rejected > 0
        || line.active_seconds.unwrap_or(0) > 0
}

/// The inputs indexed once.
struct Index<'a> {
    book: &'a PriceBook,
    daily: Vec<&'a LedgerEntry>,
    /// Token lines per key, from the best token source of each (key, day).
    tokens: HashMap<&'a str, Vec<&'a UsageLine>>,
    /// Requests per key and day, from the best request source.
    requests: HashMap<&'a str, BTreeMap<Day, u64>>,
    /// (person, day) → sessions, for days with Claude Code activity.
    activity: BTreeMap<(String, Day), u64>,
    models: std::cell::RefCell<HashMap<String, String>>,
}

impl<'a> Index<'a> {
    fn new(input: &SpikesInput<'a>) -> Index<'a> {
        let daily: Vec<&LedgerEntry> = input.entries.iter().filter(|entry| (entry.end - entry.start).num_days() == 1).collect();
        let rank = |sources: &[Source], source: Source| sources.iter().position(|wanted| *wanted == source);
        let mut best_tokens: HashMap<(&str, Day), usize> = HashMap::new();
        let mut best_requests: HashMap<(&str, Day), usize> = HashMap::new();
        for line in input.usage {
            let Some(key) = line.identity.api_key_id.as_deref() else { continue };
            if let Some(position) = rank(&TOKEN_SOURCES, line.source) {
                let slot = best_tokens.entry((key, line.day())).or_insert(position);
                *slot = (*slot).min(position);
            }
            if let (Some(position), Some(_)) = (rank(&REQUEST_SOURCES, line.source), line.quantities.requests) {
                let slot = best_requests.entry((key, line.day())).or_insert(position);
                *slot = (*slot).min(position);
            }
        }
        let mut tokens: HashMap<&str, Vec<&UsageLine>> = HashMap::new();
        let mut requests: HashMap<&str, BTreeMap<Day, u64>> = HashMap::new();
        for line in input.usage {
            let Some(key) = line.identity.api_key_id.as_deref() else { continue };
            if rank(&TOKEN_SOURCES, line.source).is_some_and(|position| best_tokens.get(&(key, line.day())) == Some(&position)) {
                tokens.entry(key).or_default().push(line);
            }
            if let Some(count) = line.quantities.requests
                && rank(&REQUEST_SOURCES, line.source).is_some_and(|position| best_requests.get(&(key, line.day())) == Some(&position))
            {
                *requests.entry(key).or_default().entry(line.day()).or_default() += count;
            }
        }
        let owners = crate::units::key_owners(input.directory);
        let mut activity: BTreeMap<(String, Day), u64> = BTreeMap::new();
        for line in input.activity.iter().filter(|line| is_activity(line)) {
            let person = line
                .actor_email
                .as_ref()
                .map(|email| email.to_ascii_lowercase())
                .or_else(|| owners.get(line.api_key_name.as_deref()?).cloned());
            if let Some(person) = person {
                *activity.entry((person, line.day)).or_default() += line.sessions;
            }
        }
        Index { book: input.book, daily, tokens, requests, activity, models: std::cell::RefCell::new(HashMap::new()) }
    }

    /// The book's id for a model, else its normalised spelling: one name per model.
    fn model(&self, raw: &str) -> String {
        if let Some(known) = self.models.borrow().get(raw) {
            return known.clone();
        }
        let id = self.book.resolve(raw).map_or_else(|| normalise_model_id(raw), |model| model.id.clone());
        self.models.borrow_mut().insert(raw.to_string(), id.clone());
        id
    }

    fn display(&self, model: &str) -> String {
        self.book.resolve(model).map_or_else(|| model.to_string(), |found| found.display.trim_start_matches("Claude ").to_string())
    }

    /// The measured window of `entries` (one driver's) over `days` (inclusive).
    fn window(&self, structure: Structure, entries: &[&LedgerEntry], from: Day, to: Day) -> Window {
        let in_window = |day: Day| from <= day && day <= to;
        let mut window = Window::default();
        let mut keys: BTreeSet<&str> = BTreeSet::new();
        let mut people: BTreeSet<String> = BTreeSet::new();
        for entry in entries {
            if let Some(key) = entry.api_key.as_deref() {
                keys.insert(key);
            }
            if let Driver::Engineer { email, .. } = &entry.driver {
                people.insert(email.to_ascii_lowercase());
            }
            if !in_window(entry.start) {
                continue;
            }
            match (entry.model.as_deref(), unit_of(entry)) {
                (Some(model), Some(unit)) => {
                    let batch = entry.service_tier == Some(ServiceTier::Batch);
                    window.cells.entry((self.model(model), batch)).or_default().dollars[unit] += entry.amount.as_decimal();
                }
                _ => window.unmatched += entry.amount.as_decimal(),
            }
        }
        for key in &keys {
            for line in self.tokens.get(key).into_iter().flatten().filter(|line| in_window(line.day())) {
                let cell: &mut Cell = window.cells.entry((self.model(&line.model), line.service_tier == ServiceTier::Batch)).or_default();
                for (slot, units) in cell.units.iter_mut().zip(units_of(line)) {
                    *slot += Decimal::from(units);
                }
            }
        }
        window.counts = match structure {
            Structure::Api => {
                let requests: u64 = keys
                    .iter()
                    .flat_map(|key| self.requests.get(key).into_iter().flat_map(|days| days.range(from..=to).map(|(_, count)| *count)))
                    .sum();
                vec![Decimal::from(requests)]
            }
            Structure::ClaudeCode => {
                let mut active: BTreeSet<&str> = BTreeSet::new();
                let mut sessions = 0u64;
                for ((person, day), count) in &self.activity {
                    if in_window(*day) && people.contains(person) {
                        active.insert(person);
                        sessions += count;
                    }
                }
                vec![Decimal::from(active.len() as u64), Decimal::from(sessions)]
            }
        };
        window
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

/// The band's expected value at x = 0 and its spread, from `(x, y)` history (Theil–Sen).
pub fn expected_band(history: &[(f64, f64)]) -> (f64, f64) {
    let mut slopes = Vec::new();
    for (index, (x1, y1)) in history.iter().enumerate() {
        for (x2, y2) in &history[index + 1..] {
            if (x2 - x1).abs() > f64::EPSILON {
                slopes.push((y2 - y1) / (x2 - x1));
            }
        }
    }
    let slope = median(&mut slopes);
    let mut intercepts: Vec<f64> = history.iter().map(|(x, y)| y - slope * x).collect();
    let intercept = median(&mut intercepts);
    let mut deviations: Vec<f64> = history.iter().map(|(x, y)| (y - (intercept + slope * x)).abs()).collect();
    (intercept, 1.4826 * median(&mut deviations))
}

/// Whether `actual` leaves the band of `history` upward at a grain's thresholds. `noise` is the
/// relative spread a sum of few independent amounts has anyway (see [`sampling_noise`]): the
/// band is never narrower than it.
fn leaves_band(actual: f64, history: &[(f64, f64)], grain: Grain, noise: f64) -> Option<f64> {
    if history.iter().filter(|(_, y)| *y > 0.0).count() < MIN_HISTORY {
        return None;
    }
    let (expected, spread) = expected_band(history);
    // A trend never lowers the bar below the history's typical level: a falling line through a
    // sparse, noisy series would make an ordinary amount look like a spike.
    let mut levels: Vec<f64> = history.iter().map(|(_, y)| *y).collect();
    let base = expected.max(median(&mut levels));
    let spread = spread.max(noise * base);
    // A day is one draw of seven times as many: it must stand further out (six spreads).
    let (spreads, relative, floor) = match grain {
        Grain::Week => (4.0, 0.25, 10.0),
        Grain::Day => (6.0, 0.5, 5.0),
    };
    let excess = actual - base;
    (base > 0.0 && excess > spreads * spread && excess > relative * base && excess >= floor).then_some(base)
}

/// The relative spread of a window's total when it is the sum of a few engineer-days (a compound
/// Poisson sum): `sqrt((1 + cv^2) / n)`, with `cv` the coefficient of variation of one
/// engineer-day's dollars and `n` the engineer-days a window holds (both from the history). A team of two people on API keys is
/// noisy however steady its habits; a feature's thousands of requests are not (`0` there).
pub fn sampling_noise(amounts: &[f64], windows: usize) -> f64 {
    if amounts.len() < 2 || windows == 0 {
        return 0.0;
    }
    let count = amounts.len() as f64;
    let mean = amounts.iter().sum::<f64>() / count;
    if mean <= 0.0 {
        return 0.0;
    }
    let variance = amounts.iter().map(|amount| (amount - mean).powi(2)).sum::<f64>() / (count - 1.0);
    let per_window = count / windows as f64;
    // A compound Poisson sum: the number of engineer-days varies too, hence the 1 +.
    ((1.0 + variance / (mean * mean)) / per_window).sqrt()
}

fn money_f64(value: Decimal) -> f64 {
    Money::from_decimal(value).to_f64_lossy()
}

/// Whole dollars with thousands separators and a sign: `+$4,210`.
fn dollars(amount: Money) -> String {
    let text = Money::from_decimal(amount.as_decimal().round()).abs().to_string();
    let whole = text.trim_end_matches(".00");
    if amount.as_decimal().round().is_sign_negative() && !amount.as_decimal().round().is_zero() {
        format!("-{whole}")
    } else {
        format!("+{whole}")
    }
}

fn percent(part: Decimal, whole: Decimal) -> Option<i64> {
    use rust_decimal::prelude::ToPrimitive;
    (!whole.is_zero()).then(|| (part * Decimal::ONE_HUNDRED / whole).round().to_i64().unwrap_or(0))
}

fn short_day(day: Day) -> String {
    day.format("%-d %b").to_string()
}

/// One driver's change, decomposed, with what its sentence needs.
struct Explained {
    driver: DriverRef,
    structure: Structure,
    before: Window,
    after: Window,
    factors: Vec<(String, Decimal)>,
    /// Dollars per day and model in the later window, for the day a model took over.
    daily_models: BTreeMap<Day, BTreeMap<String, Decimal>>,
}

impl Explained {
    fn model_dollars(window: &Window) -> BTreeMap<String, Decimal> {
        let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
        for ((model, _), cell) in &window.cells {
            *out.entry(model.clone()).or_default() += cell.dollars.iter().copied().sum::<Decimal>();
        }
        out
    }

    fn share(window: &Window, unit: Option<usize>, batch: bool) -> Option<i64> {
        let units = window.units();
        let part: Decimal = window
            .cells
            .iter()
            .filter(|((_, at_batch), _)| !batch || *at_batch)
            .map(|(_, cell)| unit.map_or_else(|| cell.units.iter().copied().sum(), |unit| cell.units[unit]))
            .sum();
        percent(part, units)
    }

    /// What the factor means here, and the lever.
    fn phrase(&self, factor: &str, index: &Index<'_>) -> (String, &'static str) {
        let name = &self.driver.name;
        let counts = |window: &Window, position: usize| window.counts.get(position).copied().unwrap_or_default();
        let growth = |before: Decimal, after: Decimal| percent(after - before, before).map_or(String::new(), |p| format!(" ({p:+}%)"));
        match (self.structure, factor) {
            (_, "model mix") => {
                let before = Explained::model_dollars(&self.before);
                let after = Explained::model_dollars(&self.after);
                let total_before: Decimal = before.values().copied().sum();
                let total_after: Decimal = after.values().copied().sum();
                let share = |map: &BTreeMap<String, Decimal>, total: Decimal, model: &str| {
                    if total.is_zero() { Decimal::ZERO } else { map.get(model).copied().unwrap_or_default() / total }
                };
                let from = before.iter().max_by(|a, b| a.1.cmp(b.1)).map(|(model, _)| model.clone());
                let to = after
                    .keys()
                    .max_by(|a, b| {
                        (share(&after, total_after, a) - share(&before, total_before, a))
                            .cmp(&(share(&after, total_after, b) - share(&before, total_before, b)))
                    })
                    .cloned();
                let lever =
                    if self.structure == Structure::Api { "check the routing rule" } else { "check the default model in managed settings" };
                match (from, to) {
                    (Some(from), Some(to)) if from != to => {
                        let old_share = share(&before, total_before, &to);
                        let since = self
                            .daily_models
                            .iter()
                            .find(|(_, models)| {
                                let total: Decimal = models.values().copied().sum();
                                share(models, total, &to) > old_share + (Decimal::ONE - old_share) / Decimal::TWO
                            })
                            .map(|(day, _)| format!(" on {}", short_day(*day)))
                            .unwrap_or_default();
                        (format!("{name} moving from {} to {}{since}", index.display(&from), index.display(&to)), lever)
                    }
                    (_, Some(to)) => (format!("{name}'s model mix shifting toward {}", index.display(&to)), lever),
                    _ => (format!("{name}'s model mix"), lever),
                }
            }
            (Structure::Api, "requests") => (
                format!("{name}'s traffic (requests{})", growth(counts(&self.before, 0), counts(&self.after, 0))),
                "check what drives its request volume",
            ),
            (Structure::Api, "tokens per request" | "tokens") => {
                let per = |window: &Window| {
                    let requests = counts(window, 0);
                    if requests.is_zero() { window.units() } else { window.units() / requests }
                };
                (
                    format!("{name}'s larger requests (tokens per request{})", growth(per(&self.before), per(&self.after))),
                    "check prompt size and max_tokens",
                )
            }
            (_, "cache-read share") => {
                let before = Explained::share(&self.before, Some(crate::decompose::CACHE_READ), false).unwrap_or(0);
                let after = Explained::share(&self.after, Some(crate::decompose::CACHE_READ), false).unwrap_or(0);
                (format!("{name}'s cache reads falling ({before}% of tokens to {after}%)"), "check prompt caching")
            }
            (_, "batch share") => {
                let before = Explained::share(&self.before, None, true).unwrap_or(0);
                let after = Explained::share(&self.after, None, true).unwrap_or(0);
                (format!("{name} moving work off the Batch API ({before}% of tokens to {after}%)"), "check the batch job")
            }
            (_, "price") => (format!("{name} paying more per token"), "check the rate card and discounts"),
            (Structure::ClaudeCode, "active engineers") => (
                format!("more active engineers in {name} ({} to {})", counts(&self.before, 0), counts(&self.after, 0)),
                "expected when people join; check seats and onboarding",
            ),
            (Structure::ClaudeCode, "sessions per engineer") => {
                let per = |window: &Window| {
                    let engineers = counts(window, 0);
                    if engineers.is_zero() { Decimal::ZERO } else { counts(window, 1) / engineers }
                };
                (
                    format!("more sessions per engineer in {name}{}", growth(per(&self.before), per(&self.after))),
                    "check what changed in how the team works",
                )
            }
            (Structure::ClaudeCode, _) if factor.starts_with("tokens") => {
                (format!("longer sessions in {name} ({factor})"), "check context size and long-running agents")
            }
            (_, crate::decompose::UNMATCHED) => (format!("{name}'s dollars with no usage beside them"), "run `spendlens crosscheck`"),
            _ => (format!("{name}'s {factor}"), "check the driver's traffic"),
        }
    }
}

/// Finds the spikes of `input.period`.
pub fn spikes(input: SpikesInput<'_>) -> Spikes {
    let index = Index::new(&input);
    let Some(first) = index.daily.iter().map(|entry| entry.start).min() else {
        return Spikes::default();
    };
    let last = index.daily.iter().map(|entry| entry.start).max().unwrap_or(first);
    // Entries per driver, and daily dollars per subject.
    let mut by_driver: BTreeMap<(Path, DriverRef), Vec<&LedgerEntry>> = BTreeMap::new();
    let mut series: BTreeMap<Subject, BTreeMap<Day, Decimal>> = BTreeMap::new();
    for entry in &index.daily {
        let driver = driver_of(entry);
        *series.entry((entry.path, None)).or_default().entry(entry.start).or_default() += entry.amount.as_decimal();
        match driver {
            Some(driver) => {
                *series.entry((entry.path, Some(driver.clone()))).or_default().entry(entry.start).or_default() += entry.amount.as_decimal();
                by_driver.entry((entry.path, driver)).or_default().push(entry);
            }
            None => by_driver
                .entry((entry.path, DriverRef { kind: "path".to_string(), name: entry.path.as_str().to_string() }))
                .or_default()
                .push(entry),
        }
    }
    let total = |days: &BTreeMap<Day, Decimal>, from: Day, to: Day| -> Decimal { days.range(from..=to).map(|(_, amount)| *amount).sum() };
    // Claude Code: each subject's dollars per (engineer, day), for the noise of few people.
    let mut person_days: BTreeMap<Subject, BTreeMap<(Day, String), Decimal>> = BTreeMap::new();
    for entry in index.daily.iter().filter(|entry| entry.path == Path::ClaudeCode) {
        let person = match &entry.driver {
            Driver::Engineer { email, .. } => email.to_ascii_lowercase(),
            other => other.label(),
        };
        for subject in [(entry.path, None), (entry.path, driver_of(entry))] {
            *person_days.entry(subject).or_default().entry((entry.start, person.clone())).or_default() += entry.amount.as_decimal();
        }
    }
    let noise_of = |subject: &Subject, windows: &[(Day, Day)]| -> f64 {
        let Some(days) = person_days.get(subject) else { return 0.0 };
        let amounts: Vec<f64> = windows
            .iter()
            .flat_map(|(from, to)| {
                days.range((*from, String::new())..=(*to, "\u{10FFFF}".to_string())).map(|(_, amount)| money_f64(*amount))
            })
            .collect();
        sampling_noise(&amounts, windows.len())
    };

    // Candidate windows per subject.
    let mut found: Vec<(Subject, Grain, Day, Day, f64)> = Vec::new();
    let mut flagged_weeks: BTreeSet<(Subject, Day)> = BTreeSet::new();
    let mut monday = first;
    while monday.weekday() != Weekday::Mon {
        monday += Duration::days(1);
    }
    let first_monday = monday;
    for (subject, days) in &series {
        let mut week = first_monday;
        while week + Duration::days(6) <= last {
            if input.period.contains(week) {
                let history: Vec<(f64, f64)> = (1..=WEEKS_OF_HISTORY)
                    .map(|back| (back, week - Duration::days(7 * back)))
                    .filter(|(_, start)| *start >= first_monday)
                    .map(|(back, start)| (-(back as f64), money_f64(total(days, start, start + Duration::days(6)))))
                    .collect();
                let actual = money_f64(total(days, week, week + Duration::days(6)));
                let previous = money_f64(total(days, week - Duration::days(7), week - Duration::days(1)));
                // The noise of few engineer-days is measured over every week before this one.
                let windows: Vec<(Day, Day)> = (1..=(week - first_monday).num_days() / 7)
                    .map(|back| week - Duration::days(7 * back))
                    .filter(|start| *start >= first_monday)
                    .map(|start| (start, start + Duration::days(6)))
                    .collect();
                let noise = noise_of(subject, &windows);
                if actual - previous >= 10.0
                    && let Some(expected) = leaves_band(actual, &history, Grain::Week, noise)
                {
                    found.push((subject.clone(), Grain::Week, week, week + Duration::days(6), expected));
                    flagged_weeks.insert((subject.clone(), week));
                }
            }
            week += Duration::days(7);
        }
    }
    for (subject, days) in &series {
        for day in input.period.iter_days().filter(|day| first <= *day && *day <= last) {
            let days_monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
            if flagged_weeks.contains(&(subject.clone(), days_monday)) {
                continue;
            }
            let history: Vec<(f64, f64)> = (1..=DAYS_OF_HISTORY)
                .map(|back| (back, day - Duration::days(7 * back)))
                .filter(|(_, earlier)| *earlier >= first)
                .map(|(back, earlier)| (-(back as f64), money_f64(total(days, earlier, earlier))))
                .collect();
            let actual = money_f64(total(days, day, day));
            let previous = money_f64(total(days, day - Duration::days(7), day - Duration::days(7)));
            let windows: Vec<(Day, Day)> = (1..=(day - first).num_days() / 7)
                .map(|back| day - Duration::days(7 * back))
                .filter(|earlier| *earlier >= first)
                .map(|earlier| (earlier, earlier))
                .collect();
            let noise = noise_of(subject, &windows);
            if actual - previous >= 5.0
                && let Some(expected) = leaves_band(actual, &history, Grain::Day, noise)
            {
                found.push((subject.clone(), Grain::Day, day, day, expected));
            }
        }
    }

    let structure_of = |path: Path| if path == Path::ClaudeCode { Structure::ClaudeCode } else { Structure::Api };
    let counts_of = |structure: Structure| -> &'static [Count] {
        match structure {
            Structure::Api => &API_COUNTS,
            Structure::ClaudeCode => &CLAUDE_CODE_COUNTS,
        }
    };
    let explain = |path: Path, driver: &DriverRef, entries: &[&LedgerEntry], from: Day, to: Day, lag: i64| -> Explained {
        let structure = structure_of(path);
        let before = index.window(structure, entries, from - Duration::days(lag), to - Duration::days(lag));
        let after = index.window(structure, entries, from, to);
        let factors = decompose(structure, counts_of(structure), &before, &after);
        let mut daily_models: BTreeMap<Day, BTreeMap<String, Decimal>> = BTreeMap::new();
        for entry in entries.iter().filter(|entry| from <= entry.start && entry.start <= to) {
            if let Some(model) = &entry.model {
                *daily_models.entry(entry.start).or_default().entry(index.model(model)).or_default() += entry.amount.as_decimal();
            }
        }
        Explained { driver: driver.clone(), structure, before, after, factors, daily_models }
    };

    let mut out: Vec<Spike> = Vec::new();
    for ((path, driver), grain, from, to, expected) in &found {
        let lag = 7;
        // The drivers behind the subject, each decomposed.
        let parts: Vec<Explained> = by_driver
            .iter()
            .filter(|((entry_path, entry_driver), _)| entry_path == path && driver.as_ref().is_none_or(|wanted| wanted == entry_driver))
            .map(|((_, entry_driver), entries)| explain(*path, entry_driver, entries, *from, *to, lag))
            .collect();
        let actual: Decimal = parts.iter().map(|part| part.after.dollars()).sum();
        let previous: Decimal = parts.iter().map(|part| part.before.dollars()).sum();
        let mut change = (actual - previous).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        change.rescale(2);
        let change = Money::from_decimal(change);
        let mut summed: Vec<(String, Decimal)> = Vec::new();
        for part in &parts {
            for (name, value) in &part.factors {
                match summed.iter_mut().find(|(existing, _)| existing == name) {
                    Some(slot) => slot.1 += *value,
                    None => summed.push((name.clone(), *value)),
                }
            }
        }
        let factors: Vec<SpikeFactor> = to_cents(&summed, change).into_iter().map(|(factor, usd)| SpikeFactor { factor, usd }).collect();
        // The driver and factor carrying most of the change.
        let top = parts.iter().flat_map(|part| part.factors.iter().map(move |(name, value)| (part, name, *value))).max_by(|a, b| {
            let signed = |value: Decimal| if change.as_decimal() < Decimal::ZERO { -value } else { value };
            signed(a.2).cmp(&signed(b.2))
        });
        let label = match driver {
            Some(driver) => driver.name.clone(),
            None => path_label(*path).to_string(),
        };
        let comparison = match grain {
            Grain::Week => "week on week".to_string(),
            Grain::Day => format!("on {} against the same day a week before", short_day(*from)),
        };
        let mut summary = match percent(actual - previous, previous) {
            Some(pct) => format!("{label} {} ({pct:+}%) {comparison}", dollars(change)),
            None => format!("{label} {} {comparison}", dollars(change)),
        };
        if let Some((part, factor, value)) = top {
            let (what, lever) = part.phrase(factor, &index);
            let share = percent(value, change.as_decimal()).unwrap_or(100);
            summary += &format!("; {share}% is {what}: {lever}");
        }
        let driver = driver.clone().unwrap_or_else(|| DriverRef { kind: "path".to_string(), name: path.as_str().to_string() });
        out.push(Spike {
            start: *from,
            end: *to,
            path: *path,
            driver,
            change_usd: change,
            factors,
            summary,
            grain: *grain,
            actual_usd: Money::from_decimal(actual),
            previous_usd: Money::from_decimal(previous),
            expected_usd: Money::from_decimal(Decimal::from_f64_retain(*expected).unwrap_or_default()).round_cents(),
        });
    }
    // A whole path's spike is left out when its drivers' spikes in the same window carry most of it.
    let kept: Vec<Spike> = out
        .iter()
        .filter(|spike| {
            if spike.driver.kind != "path" || spike.path == Path::Unassigned {
                return true;
            }
            let explained: Money = out
                .iter()
                .filter(|other| {
                    other.path == spike.path && other.driver.kind != "path" && other.start == spike.start && other.end == spike.end
                })
                .map(|other| other.change_usd)
                .sum();
            explained.as_decimal() * Decimal::TWO < spike.change_usd.as_decimal()
        })
        .cloned()
        .collect();
    let mut spikes = kept;
    spikes.sort_by(|a, b| (a.start, a.end, a.path, &a.driver).cmp(&(b.start, b.end, b.path, &b.driver)));
    Spikes { spikes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theil_sen_follows_a_trend_and_ignores_one_outlier() {
        let history: Vec<(f64, f64)> = (1..=8).map(|back| (-(back as f64), 100.0 - 5.0 * back as f64)).collect();
        let (expected, spread) = expected_band(&history);
        assert!((expected - 100.0).abs() < 1e-9 && spread < 1e-9, "{expected} {spread}");
        let mut holiday = history.clone();
        holiday[2].1 = 10.0;
        let (expected, _) = expected_band(&holiday);
        assert!((expected - 100.0).abs() < 1e-9, "{expected}");
    }

    #[test]
    fn a_sprint_rhythm_stays_inside_the_band() {
        // A calm week at 88, a busy one at 114, alternating: the busy week is not a spike.
        let history: Vec<(f64, f64)> = (1..=8).map(|back| (-(back as f64), if back % 2 == 0 { 114.0 } else { 88.0 })).collect();
        assert_eq!(leaves_band(114.0, &history, Grain::Week, 0.0), None);
        assert!(leaves_band(200.0, &history, Grain::Week, 0.0).is_some());
    }

    #[test]
    fn few_engineer_days_widen_the_band() {
        // Engineer-days of $1 and $3 (mean 2, sample variance 40/39): 10 a window gives a
        // relative spread of sqrt((1 + (40/39) / 4) / 10).
        let amounts: Vec<f64> = (0..40).map(|index| if index % 2 == 0 { 1.0 } else { 3.0 }).collect();
        let noise = sampling_noise(&amounts, 4);
        let expected = ((1.0 + 40.0 / 39.0 / 4.0) / 10.0f64).sqrt();
        assert!((noise - expected).abs() < 1e-12, "{noise} {expected}");
        let history: Vec<(f64, f64)> = (1..=8).map(|back| (-(back as f64), 100.0)).collect();
        assert!(leaves_band(160.0, &history, Grain::Week, 0.0).is_some());
        assert_eq!(leaves_band(160.0, &history, Grain::Week, noise), None);
    }

    #[test]
    fn whole_dollars_with_separators() {
        assert_eq!(dollars(Money::from_cents(421_049)), "+$4,210");
        assert_eq!(dollars(Money::from_cents(-99_951)), "-$1,000");
    }
}

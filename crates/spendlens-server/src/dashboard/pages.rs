//! The pages and the answers behind them. Each answer is one application use case (`App::report`,
//! `App::optimise`, `App::savings`, `App::reconcile`, `App::placements`, `App::forecast`,
//! `App::commit`, `App::spikes`, `App::seats`, `App::cc_insights`), kept in the answer cache with
//! its JSON text made once by `views::to_json`, so the REST API serves the very bytes the CLI
//! prints. Each page is one small function laying out answers as blocks; the only sums here are
//! presentation groupings of ledger entries the application placed (the trend's weeks and months of
//! the report's daily spend, the API path by model and tier, a month's spend against each
//! `[[budget]]` through `alerts::Budget`), each tested against hand-computed rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_analysis::optimise::Optimisation;
use spendlens_analysis::savings::Savings;
use spendlens_analysis::spikes::Spikes;
use spendlens_analysis::{Driver, LedgerEntry, PlacementFilter, Summary};
use spendlens_app::alerts::{Budget, Scope};
use spendlens_app::forecast::{CommitOptions, CommitView, Discount, ForecastOptions, ForecastView, PathView};
use spendlens_app::ledger::PeriodChoice;
use spendlens_app::views::{LedgerView, ReconcileView, to_json};
use spendlens_app::{App, AppError};
use spendlens_model::{Day, Money, Path, Period, ServiceTier};
use spendlens_report::{DailySpend, PathAmounts};

use super::cache::Cache;
use super::query::{Filters, Grain};
use super::render::{Block, Cell, Field, Figure, Form, Input, Page, Table};
use super::svg::{self, Bar, Stack};
use crate::ServerError;

/// An answer and its JSON text.
pub struct Answered<T> {
    pub value: T,
    pub json: String,
}

fn answered<T: Serialize>(value: T) -> Result<Answered<T>, ServerError> {
    let json = to_json(&value).map_err(app_error)?;
    Ok(Answered { value, json })
}

/// A use case's error: the caller's (400, said as it is) or the server's (500, logged).
fn app_error(error: AppError) -> ServerError {
    match error {
        AppError::Invalid(detail) => ServerError::Query { detail },
        other => ServerError::App(other),
    }
}

/// A view kept as its JSON value (for the generic layout) and text (the CLI's bytes).
fn as_value<T: Serialize>(view: &T) -> Result<Answered<serde_json::Value>, ServerError> {
    let json = to_json(view).map_err(app_error)?;
    let value = serde_json::from_str(&json).map_err(|error| ServerError::Task { detail: format!("a view's JSON: {error}") })?;
    Ok(Answered { value, json })
}

/// The report of a period with what the pages draw from its ledger.
pub struct ReportAnswer {
    pub summary: Answered<Summary>,
    pub daily: DailySpend,
    pub models: Answered<ApiModelsView>,
}

/// `GET /api/v1/trend`: spend per path by day, week or month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendView {
    pub period: Period,
    pub grain: Grain,
    pub buckets: Vec<TrendBucket>,
    /// Charges covering more than a day (monthly seat fees), not spread over the buckets.
    pub multi_day: PathTotals,
    /// Buckets plus multi-day charges: the report's total.
    pub total_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendBucket {
    pub first_day: Day,
    pub last_day: Day,
    #[serde(flatten)]
    pub paths: PathTotals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PathTotals {
    pub claude_code_usd: Money,
    pub api_usd: Money,
    pub unassigned_usd: Money,
    pub total_usd: Money,
}

impl From<&PathAmounts> for PathTotals {
    fn from(amounts: &PathAmounts) -> PathTotals {
        PathTotals {
            claude_code_usd: amounts.claude_code,
            api_usd: amounts.api,
            unassigned_usd: amounts.unassigned,
            total_usd: amounts.total(),
        }
    }
}

/// `GET /api/v1/models`: the API path's spend by model and service tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiModelsView {
    pub period: Period,
    pub models: Vec<ModelLine>,
    pub total_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelLine {
    /// `None` for charges without a model (web search, code execution).
    pub model: Option<String>,
    pub service_tier: Option<ServiceTier>,
    pub entries: usize,
    pub total_usd: Money,
}

/// The daily spend grouped into `grain` buckets (weeks start on Monday; the first and last are cut
/// to the period).
pub fn trend(daily: &DailySpend, period: Period, grain: Grain) -> TrendView {
    let mut buckets: Vec<TrendBucket> = Vec::new();
    let starts = |day: Day| -> Day {
        match grain {
            Grain::Day => day,
            Grain::Week => {
                (day - chrono::Duration::days(i64::from(chrono::Datelike::weekday(&day).num_days_from_monday()))).max(period.start)
            }
            Grain::Month => Period::month_of(day).start.max(period.start),
        }
    };
    for (day, amounts) in &daily.days {
        let first_day = starts(*day);
        match buckets.last_mut() {
            Some(bucket) if bucket.first_day == first_day => {
                bucket.last_day = *day;
                bucket.paths.claude_code_usd += amounts.claude_code;
                bucket.paths.api_usd += amounts.api;
                bucket.paths.unassigned_usd += amounts.unassigned;
                bucket.paths.total_usd += amounts.total();
            }
            _ => buckets.push(TrendBucket { first_day, last_day: *day, paths: PathTotals::from(amounts) }),
        }
    }
    let total_usd = buckets.iter().map(|bucket| bucket.paths.total_usd).sum::<Money>() + daily.multi_day.total();
    TrendView { period, grain, buckets, multi_day: PathTotals::from(&daily.multi_day), total_usd }
}

/// The API path's entries of `period` by model and tier, largest first.
pub fn api_models(entries: &[LedgerEntry], period: Period) -> ApiModelsView {
    let mut groups: BTreeMap<(Option<String>, Option<ServiceTier>), (usize, Money)> = BTreeMap::new();
    for entry in entries.iter().filter(|entry| entry.path == Path::Api && period.contains(entry.start)) {
        let slot = groups.entry((entry.model.clone(), entry.service_tier)).or_default();
        slot.0 += 1;
        slot.1 += entry.amount;
    }
    let mut models: Vec<ModelLine> = groups
        .into_iter()
        .map(|((model, service_tier), (entries, total_usd))| ModelLine { model, service_tier, entries, total_usd })
        .collect();
    models.sort_by(|a, b| b.total_usd.cmp(&a.total_usd).then_with(|| a.model.cmp(&b.model)));
    let total_usd = models.iter().map(|line| line.total_usd).sum();
    ApiModelsView { period, models, total_usd }
}

/// `GET /api/v1/budgets`: a calendar month against each `[[budget]]` of `config.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetsView {
    /// `YYYY-MM`.
    pub month: String,
    pub budgets: Vec<BudgetLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    /// What the budget covers: a team (its engineers on Claude Code), a feature (on the API) or a path.
    pub scope: Scope,
    pub budget_usd: Money,
    /// The month's spend against it, exact (`spendlens alerts check` shows it to the cent).
    pub spent_usd: Money,
    /// Spent over budget, in percent to one decimal.
    pub share_pct: Decimal,
    /// Budget less spent (negative once over).
    pub left_usd: Money,
    pub soft_pct: Decimal,
    pub soft_threshold_usd: Money,
    pub hard_pct: Decimal,
    pub hard_threshold_usd: Money,
    /// `ok`, `soft` (the soft threshold reached) or `hard`: the alert `spendlens alerts check`
    /// raises for the month.
    pub status: String,
}

/// Percent of `whole` that `part` is, to one decimal.
fn percent_of(part: Money, whole: Money) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        (part.as_decimal() * Decimal::ONE_HUNDRED / whole.as_decimal())
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }
}

/// The highest threshold of `budget` that `amount` reaches: `hard`, `soft`, else `ok`.
fn status_of(budget: &Budget, amount: Money) -> &'static str {
    budget.thresholds().iter().rev().find(|(_, _, threshold)| amount >= *threshold).map_or("ok", |(level, ..)| *level)
}

/// `month` against each budget, from the ledger's entries of that month.
pub fn budget_lines(budgets: &[Budget], entries: &[LedgerEntry], month: Period) -> BudgetsView {
    let lines = budgets
        .iter()
        .map(|budget| {
            let spent = budget.spent(entries, month);
            let [(_, soft_pct, soft), (_, hard_pct, hard)] = budget.thresholds();
            BudgetLine {
                scope: budget.scope.clone(),
                budget_usd: budget.monthly,
                spent_usd: spent,
                share_pct: percent_of(spent, budget.monthly),
                left_usd: budget.monthly - spent,
                soft_pct: soft_pct.normalize(),
                soft_threshold_usd: soft,
                hard_pct: hard_pct.normalize(),
                hard_threshold_usd: hard,
                status: status_of(budget, spent).to_string(),
            }
        })
        .collect();
    BudgetsView { month: month.label(), budgets: lines }
}

/// The calendar month a period's budgets and forecast are read in: the period itself when it is
/// a month, else the month of its last day.
pub fn budget_month(period: Period) -> Period {
    if Period::month_of(period.start) == period { period } else { Period::month_of(period.end - chrono::Duration::days(1)) }
}

/// What pages ask: the application and the answers kept.
pub struct Answers {
    pub(crate) app: Arc<App>,
    pub(crate) cache: Arc<Cache>,
}

impl Answers {
    /// The period the filters name (`None`: the ledger is empty).
    pub async fn period(&self, filters: &Filters) -> Result<Option<Period>, ServerError> {
        let choice = filters.period_choice();
        if choice != PeriodChoice::Latest {
            return self.app.period(&choice).map_err(app_error);
        }
        let app = self.app.clone();
        let latest = self.cache.answer("latest".into(), move || app.period(&PeriodChoice::Latest).map_err(app_error)).await?;
        Ok(*latest)
    }

    /// The period, or a 400 saying the ledger is empty (the API's answer).
    pub async fn period_with_data(&self, filters: &Filters) -> Result<Period, ServerError> {
        match self.period(filters).await? {
            Some(period) => Ok(period),
            None => self.app.period_with_data(&PeriodChoice::Latest).map_err(app_error),
        }
    }

    pub async fn report(&self, period: Period) -> Result<Arc<ReportAnswer>, ServerError> {
        let app = self.app.clone();
        self.cache
            .answer(Filters::key_of(period, "report"), move || {
                let report = app.report(period).map_err(app_error)?;
                let daily = spendlens_report::daily_spend(&report.loaded.ledger.entries, period);
                let models = answered(api_models(&report.loaded.ledger.entries, period))?;
                Ok(ReportAnswer { summary: answered(report.summary)?, daily, models })
            })
            .await
    }

    pub async fn optimise(&self, period: Period, feature: Option<String>) -> Result<Arc<Answered<Optimisation>>, ServerError> {
        let app = self.app.clone();
        let key = Filters::key_of(period, &format!("optimise|{feature:?}"));
        self.cache.answer(key, move || answered(app.optimise(period, feature.as_deref()).map_err(app_error)?)).await
    }

    pub async fn savings(&self, period: Period) -> Result<Arc<Answered<Savings>>, ServerError> {
        let app = self.app.clone();
        self.cache.answer(Filters::key_of(period, "savings"), move || answered(app.savings(period).map_err(app_error)?)).await
    }

    /// The ledger's whole span as a period (what `spendlens savings` covers without dates).
    pub async fn ledger_span(&self) -> Result<Option<Period>, ServerError> {
        let app = self.app.clone();
        let span = self
            .cache
            .answer("span".into(), move || {
                Ok(app
                    .lake()
                    .map_err(app_error)?
                    .usage_span()
                    .map_err(ServerError::Store)?
                    .map(|(first, last)| Period::new(first, last + chrono::Duration::days(1))))
            })
            .await?;
        Ok(*span)
    }

    pub async fn reconcile(&self, period: Period) -> Result<Arc<Answered<ReconcileView>>, ServerError> {
        let app = self.app.clone();
        self.cache
            .answer(Filters::key_of(period, "reconcile"), move || answered(app.reconcile(period, None).map_err(app_error)?.view))
            .await
    }

    pub async fn placements(&self, period: Period, filter: PlacementFilter) -> Result<Arc<Answered<LedgerView>>, ServerError> {
        // The period's placements are kept once; a filter is applied to them in memory (what
        // `App::placements` does too), so a filtered view costs no new ledger.
        let app = self.app.clone();
        let all = self
            .cache
            .answer(Filters::key_of(period, "ledger"), move || {
                answered(app.placements(period, &PlacementFilter::default()).map_err(app_error)?)
            })
            .await?;
        if filter.path.is_none() && filter.api_key.is_none() && filter.driver.is_none() {
            return Ok(all);
        }
        let key = Filters::key_of(period, &format!("ledger|{:?}|{:?}|{:?}", filter.path, filter.api_key, filter.driver));
        self.cache.answer(key, move || answered(all.value.filtered(&filter))).await
    }

    /// `App::forecast` (`spendlens forecast --start S --horizon H --baseline B --json`).
    pub async fn forecast(&self, options: ForecastOptions) -> Result<Arc<Answered<ForecastView>>, ServerError> {
        let app = self.app.clone();
        let key = format!("forecast|{:?}|{}|{:?}", options.start, options.horizon, options.baseline);
        self.cache.answer(key, move || answered(app.forecast(&options).map_err(app_error)?)).await
    }

    /// `App::commit` (`spendlens commit --discount PCT --term N --overage-rate R --start S
    /// --baseline B --json`).
    pub async fn commit(&self, options: CommitOptions) -> Result<Arc<Answered<CommitView>>, ServerError> {
        let app = self.app.clone();
        let discount = match &options.discount {
            Discount::Flat(percent) => percent.to_string(),
            Discount::Tiers(path) => path.display().to_string(),
        };
        let key = format!(
            "commit|{:?}|{}|{discount}|{}|{:?}|{:?}",
            options.start, options.term, options.overage_rate, options.baseline, options.headcount
        );
        self.cache.answer(key, move || answered(app.commit(&options).map_err(app_error)?)).await
    }

    /// `month` against each `[[budget]]` of `config.toml` (the ledger is read only when there are budgets).
    pub async fn budgets(&self, month: Period) -> Result<Arc<Answered<BudgetsView>>, ServerError> {
        let app = self.app.clone();
        self.cache
            .answer(Filters::key_of(month, "budgets"), move || {
                let budgets = app.budgets().map_err(app_error)?;
                if budgets.is_empty() {
                    return answered(BudgetsView { month: month.label(), budgets: Vec::new() });
                }
                let loaded = app.load_ledger(month).map_err(app_error)?;
                answered(budget_lines(&budgets, &loaded.ledger.entries, month))
            })
            .await
    }

    /// `App::spikes` of the month or days named, else of the ledger's whole span (`spendlens spikes`).
    pub async fn spikes(&self, filters: &Filters) -> Result<Arc<Answered<Spikes>>, ServerError> {
        let app = self.app.clone();
        let (since, until) = match (filters.month.as_deref().and_then(Period::parse_month), filters.since, filters.until) {
            (Some(month), _, _) => (Some(month.start), Some(month.end - chrono::Duration::days(1))),
            (None, since, until) => (since, until),
        };
        self.cache
            .answer(format!("spikes|{since:?}|{until:?}"), move || {
                let period = app.spikes_period(since, until).map_err(app_error)?;
                answered(app.spikes(period).map_err(app_error)?)
            })
            .await
    }

    /// `App::seats` of a period (the config's idle window).
    pub async fn seats(&self, period: Period) -> Result<Arc<Answered<serde_json::Value>>, ServerError> {
        let app = self.app.clone();
        self.cache.answer(Filters::key_of(period, "seats"), move || as_value(&app.seats(period, None).map_err(app_error)?)).await
    }

    /// `App::cc_insights` of a period.
    pub async fn insights(&self, period: Period) -> Result<Arc<Answered<serde_json::Value>>, ServerError> {
        let app = self.app.clone();
        self.cache.answer(Filters::key_of(period, "insights"), move || as_value(&app.cc_insights(period).map_err(app_error)?)).await
    }

    /// The period `spendlens savings` covers for these filters: the month or days named, else the
    /// ledger's whole span.
    pub async fn savings_period(&self, filters: &Filters) -> Result<Option<Period>, ServerError> {
        match filters.period_choice() {
            PeriodChoice::Latest => self.ledger_span().await,
            _ => self.period(filters).await,
        }
    }
}

/// The ledger filter a page's filters name: the driver, else the feature, else the team.
pub fn placement_filter(filters: &Filters) -> PlacementFilter {
    PlacementFilter {
        path: filters.path,
        api_key: filters.key.clone(),
        driver: filters.driver.clone().or_else(|| filters.feature.clone()).or_else(|| filters.team.clone()),
    }
}

fn contains(haystack: &str, needle: &Option<String>) -> bool {
    needle.as_deref().is_none_or(|needle| haystack.to_lowercase().contains(&needle.to_lowercase()))
}

/// The forecast's and commitment's parameters.
const TERM_NAMES: [&str; 6] = ["start", "horizon", "term", "discount", "overage_rate", "baseline"];

/// A drill-down address: the ledger of this period with these filters.
fn ledger_link(filters: &Filters, changes: &[(&str, Option<&str>)]) -> String {
    let mut all: Vec<(&str, Option<&str>)> = vec![("grain", None), ("team", None), ("feature", None), ("driver", None), ("key", None)];
    all.extend(TERM_NAMES.iter().map(|name| (*name, None)));
    all.extend_from_slice(changes);
    format!("/ledger?{}", filters.query(&all))
}

/// The REST answer of `endpoint` for these filters: the period and the parameters in `keep`.
fn api_link(endpoint: &str, filters: &Filters, keep: &[&str]) -> String {
    let drop: Vec<(&str, Option<&str>)> = ["path", "team", "feature", "driver", "key", "grain"]
        .into_iter()
        .chain(TERM_NAMES)
        .filter(|name| !keep.contains(name))
        .map(|name| (name, None))
        .collect();
    let query = filters.query(&drop);
    if query.is_empty() { format!("/api/v1/{endpoint}") } else { format!("/api/v1/{endpoint}?{query}") }
}

/// The REST answer of `endpoint` with the forecast's or commitment's parameters `keep` only (those
/// answers take no period).
fn terms_link(endpoint: &str, filters: &Filters, keep: &[&str]) -> String {
    let terms = Filters { terms: filters.terms.clone(), ..Filters::default() };
    api_link(endpoint, &terms, keep)
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|name| name.to_string()).collect()
}

/// A cell of a JSON view: amounts (`*_usd` decimal strings) as money, numbers as counts, nested
/// values as compact JSON.
fn json_cell(key: &str, value: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match value {
        Value::String(text) if key.ends_with("_usd") || key.contains("_usd_") => {
            text.parse::<Money>().map_or_else(|_| Cell::text(text), Cell::usd)
        }
        Value::String(text) => Cell::text(text),
        Value::Number(number) => Cell::count(number),
        Value::Bool(flag) => Cell::text(if *flag { "yes" } else { "no" }),
        Value::Null => Cell::text(""),
        nested => {
            let mut text = nested.to_string();
            if text.len() > 240 {
                text.truncate(text.char_indices().nth(240).map_or(text.len(), |(at, _)| at));
                text.push('…');
            }
            Cell::text(text)
        }
    }
}

/// A view of an analysis laid out as the application returned it: its scalar fields as figures,
/// each list of records as a table (id `prefix-field`), each nested record the same way under a
/// heading. Used for the analyses that landed beside this dashboard (forecast, spikes, seats,
/// insights), so their pages follow their views as they evolve.
fn view_blocks(prefix: &str, value: &serde_json::Value, depth: usize, blocks: &mut Vec<Block>) {
    let Some(fields) = value.as_object() else { return };
    // Sentences (a method, an explanation) read as notes; short values as headline figures.
    let sentence = |value: &serde_json::Value| value.as_str().is_some_and(|text| text.chars().count() > 40);
    for (key, value) in fields.iter().filter(|(_, value)| sentence(value)) {
        blocks.push(Block::Note(format!("{}: {}", key.replace('_', " "), value.as_str().unwrap_or_default())));
    }
    let figures: Vec<Figure> = fields
        .iter()
        .filter(|(_, value)| !value.is_object() && !value.is_array() && !sentence(value))
        .map(|(key, value)| figure(&format!("{prefix}-{key}"), &key.replace('_', " "), json_cell(key, value)))
        .collect();
    if !figures.is_empty() {
        blocks.push(Block::Figures(figures));
    }
    for (key, value) in fields {
        let id = format!("{prefix}-{}", key.replace('_', "-"));
        match value {
            serde_json::Value::Array(rows) if rows.iter().all(serde_json::Value::is_object) && !rows.is_empty() => {
                let mut columns: Vec<String> = Vec::new();
                for row in rows.iter().filter_map(serde_json::Value::as_object) {
                    for name in row.keys() {
                        if !columns.contains(name) {
                            columns.push(name.clone());
                        }
                    }
                }
                let rows = rows
                    .iter()
                    .filter_map(serde_json::Value::as_object)
                    .map(|row| {
                        columns.iter().map(|name| row.get(name).map_or_else(|| Cell::text(""), |value| json_cell(name, value))).collect()
                    })
                    .collect();
                blocks.push(Block::Table(Table { id, title: key.replace('_', " "), columns, rows }));
            }
            serde_json::Value::Array(items) => {
                let cells: Vec<Vec<Cell>> = items.iter().map(|item| vec![json_cell(key, item)]).collect();
                if !cells.is_empty() {
                    blocks.push(Block::Table(Table { id, title: key.replace('_', " "), columns: vec![key.clone()], rows: cells }));
                }
            }
            serde_json::Value::Object(_) if depth < 2 => {
                blocks.push(Block::Heading(key.replace('_', " ")));
                view_blocks(&id, value, depth + 1, blocks);
            }
            _ => {}
        }
    }
}

fn page(slug: &'static str, title: &'static str, period: Option<Period>) -> Page {
    Page { slug, title, period, blocks: Vec::new(), api: Vec::new() }
}

fn empty_ledger(mut page: Page) -> Page {
    page.blocks.push(Block::Note("The ledger is empty: run `spendlens demo`, or ingest your sources, then reload.".into()));
    page
}

fn figure(id: &str, label: &str, value: Cell) -> Figure {
    Figure { id: id.into(), label: label.into(), value }
}

fn change_cell(change: Option<&spendlens_analysis::Change>) -> Cell {
    Cell::maybe_usd(change.map(|change| change.change_usd))
}

/// Overview: both paths, the trend, the month against forecast and budget.
pub async fn overview(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("overview", "Overview", None))) };
    let report = answers.report(period).await?;
    let summary = &report.summary.value;
    let mut page = page("overview", "Overview", Some(period));
    let paths = [
        (Path::ClaudeCode, summary.paths.claude_code.total_usd),
        (Path::Api, summary.paths.api.total_usd),
        (Path::Unassigned, summary.paths.unassigned.total_usd),
    ];
    let mut figures = vec![figure("total", "Total", Cell::usd(summary.total_usd))];
    figures
        .extend(paths.iter().map(|(path, amount)| figure(&format!("path-{}", path.as_str()), svg::path_name(*path), Cell::usd(*amount))));
    page.blocks.push(Block::Figures(figures));
    let trend = trend(&report.daily, period, filters.grain);
    let shown: Vec<Path> = Path::ALL.iter().copied().filter(|path| filters.path.is_none_or(|only| only == *path)).collect();
    let stacks: Vec<Stack> = trend
        .buckets
        .iter()
        .map(|bucket| {
            let amount = |path: Path| match path {
                Path::ClaudeCode => bucket.paths.claude_code_usd,
                Path::Api => bucket.paths.api_usd,
                Path::Unassigned => bucket.paths.unassigned_usd,
            };
            let label = if bucket.first_day == bucket.last_day {
                bucket.first_day.to_string()
            } else {
                format!("{}..{}", bucket.first_day, bucket.last_day)
            };
            Stack { label, amounts: shown.iter().map(|path| (*path, amount(*path))).collect() }
        })
        .collect();
    page.blocks.push(Block::Heading(format!("Spend by {}", filters.grain.as_str())));
    page.blocks.push(Block::Chart(svg::stacked_bars("chart-trend", &format!("Spend by {} per path", filters.grain.as_str()), &stacks)));
    if !trend.multi_day.total_usd.is_zero() {
        page.blocks.push(Block::Note(format!(
            "Charges covering more than a day (seat fees) are not spread over the {grain}s: {} (Claude Code {}, API {}, unassigned {}).",
            trend.multi_day.total_usd,
            trend.multi_day.claude_code_usd,
            trend.multi_day.api_usd,
            trend.multi_day.unassigned_usd,
            grain = filters.grain.as_str(),
        )));
    }
    let links = ["/claude-code".to_string(), "/api".to_string(), ledger_link(filters, &[("path", Some("unassigned"))])];
    let bars: Vec<Bar> = paths
        .iter()
        .zip(links)
        .map(|((path, amount), link)| Bar {
            label: svg::path_name(*path).into(),
            amount: *amount,
            colour: svg::colour(*path),
            link: Some(link),
        })
        .collect();
    page.blocks.push(Block::Chart(svg::horizontal_bars("chart-paths", "Spend per path", &bars)));
    let comparison = summary.month_over_month.as_ref();
    let changes = [comparison.map(|c| &c.claude_code), comparison.map(|c| &c.api), comparison.map(|c| &c.unassigned)];
    page.blocks.push(Block::Table(Table {
        id: "paths".into(),
        title: "Paths".into(),
        columns: names(&["path", "total_usd", "previous_usd", "change_usd"]),
        rows: paths
            .iter()
            .zip(changes)
            .map(|((path, amount), change)| {
                vec![Cell::text(path.as_str()), Cell::usd(*amount), Cell::maybe_usd(change.map(|c| c.previous_usd)), change_cell(change)]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "trend".into(),
        title: format!("Spend by {}", filters.grain.as_str()),
        columns: names(&["first_day", "last_day", "claude_code_usd", "api_usd", "unassigned_usd", "total_usd"]),
        rows: trend
            .buckets
            .iter()
            .map(|bucket| {
                vec![
                    Cell::text(bucket.first_day.to_string()),
                    Cell::text(bucket.last_day.to_string()),
                    Cell::usd(bucket.paths.claude_code_usd),
                    Cell::usd(bucket.paths.api_usd),
                    Cell::usd(bucket.paths.unassigned_usd),
                    Cell::usd(bucket.paths.total_usd),
                ]
            })
            .collect(),
    }));
    let month = budget_month(period);
    let forecast_options = month_forecast_options(month);
    page.blocks.push(Block::Heading(format!("{} against forecast and budget", month.label())));
    let month_report = if month == period { report.clone() } else { answers.report(month).await? };
    let forecast = match answers.forecast(forecast_options.clone()).await {
        Ok(forecast) => Some(forecast),
        Err(ServerError::Query { detail }) => {
            page.blocks.push(Block::Note(format!("No forecast for {}: {detail}", month.label())));
            None
        }
        Err(error) => return Err(error),
    };
    if let Some(forecast) = &forecast {
        month_against_forecast(&mut page, &month_report.summary.value, &forecast.value, month);
    }
    match answers.budgets(month).await {
        Ok(budgets) => budgets_blocks(&mut page, &budgets.value, forecast.as_ref().map(|forecast| &forecast.value), filters, month),
        // A config.toml the budgets cannot be read from: said here, the rest of the page still shown.
        Err(ServerError::App(error)) => page.blocks.push(Block::Note(format!("Budgets: {error}"))),
        Err(error) => return Err(error),
    }
    let month_filters = Filters { month: Some(month.label()), since: None, until: None, ..Filters::default() };
    page.api = vec![
        api_link("report", filters, &[]),
        api_link("trend", filters, &["grain"]),
        api_link("budgets", &month_filters, &[]),
        forecast_link(&forecast_options),
    ];
    Ok(page)
}

/// `spendlens forecast --start MONTH --horizon 2`: the month and the one after it.
pub fn month_forecast_options(month: Period) -> ForecastOptions {
    ForecastOptions { start: Some(month.label()), horizon: 2, ..ForecastOptions::default() }
}

fn forecast_link(options: &ForecastOptions) -> String {
    let mut query = Vec::new();
    if let Some(start) = &options.start {
        query.push(format!("start={start}"));
    }
    query.push(format!("horizon={}", options.horizon));
    if options.baseline != ForecastOptions::default().baseline {
        query.push(format!("baseline={}", options.baseline.as_str()));
    }
    format!("/api/v1/forecast?{}", query.join("&"))
}

/// A forecast path's P10, P50 and P90 for `month`, if the forecast covers it.
fn forecast_of<'a>(path: &'a PathView, month: &str) -> Option<&'a spendlens_app::forecast::MonthView> {
    path.months.iter().find(|point| point.month == month)
}

/// The month's spend on each path beside the forecast of the month and of the one after it.
fn month_against_forecast(page: &mut Page, summary: &Summary, forecast: &ForecastView, month: Period) {
    let label = month.label();
    let next = Period::month_of(month.end).label();
    let spent_claude_code = summary.paths.claude_code.total_usd;
    let spent_api = summary.paths.api.total_usd;
    let this = forecast_of(&forecast.total, &label);
    let ahead = forecast_of(&forecast.total, &next);
    page.blocks.push(Block::Figures(vec![
        figure("month-spent", &format!("Spent in {label}, both paths"), Cell::usd(spent_claude_code + spent_api)),
        figure("month-forecast-p50", &format!("Forecast for {label} (P50)"), Cell::maybe_usd(this.map(|point| point.p50_usd))),
        figure("next-forecast-p50", &format!("Forecast for {next} (P50)"), Cell::maybe_usd(ahead.map(|point| point.p50_usd))),
    ]));
    let history_end = forecast.drivers.history.end;
    page.blocks.push(Block::Note(if history_end >= month.end {
        format!(
            "{label} is complete in the ledger: its forecast holds its own dollars (the paths', without unassigned); {next} is the month ahead."
        )
    } else {
        format!(
            "The ledger runs to {}: {label}'s forecast is its dollars so far plus the forecast of its remaining days (both paths, without unassigned).",
            history_end - chrono::Duration::days(1)
        )
    }));
    let mut rows = Vec::new();
    for (month_label, spent) in [(&label, Some((spent_claude_code, spent_api))), (&next, None)] {
        let paths = [
            ("claude_code", forecast.paths.get("claude_code"), spent.map(|(claude_code, _)| claude_code)),
            ("api", forecast.paths.get("api"), spent.map(|(_, api)| api)),
            ("both paths", Some(&forecast.total), spent.map(|(claude_code, api)| claude_code + api)),
        ];
        for (path, view, spent) in paths {
            let Some(point) = view.and_then(|view| forecast_of(view, month_label)) else { continue };
            rows.push(vec![
                Cell::text(month_label.as_str()),
                Cell::text(path),
                Cell::maybe_usd(spent),
                Cell::usd(point.p10_usd),
                Cell::usd(point.p50_usd),
                Cell::usd(point.p90_usd),
            ]);
        }
    }
    page.blocks.push(Block::Table(Table {
        id: "month-forecast".into(),
        title: format!("{label} and {next} against the forecast"),
        columns: names(&["month", "path", "spent_usd", "p10_usd", "p50_usd", "p90_usd"]),
        rows,
    }));
}

/// Each budget: the month's spend, its share, the alert it raises, and for a path's budget the
/// forecast of the month against it.
fn budgets_blocks(page: &mut Page, view: &BudgetsView, forecast: Option<&ForecastView>, filters: &Filters, month: Period) {
    if view.budgets.is_empty() {
        page.blocks.push(Block::Note(
            "No budgets are configured: add [[budget]] entries to config.toml (team, feature or path, monthly_usd, soft_pct, hard_pct) \
             to see the month against them."
                .into(),
        ));
        return;
    }
    let over: Vec<&BudgetLine> = view.budgets.iter().filter(|line| line.status != "ok").collect();
    page.blocks.push(Block::Figures(vec![
        figure("budgets-count", &format!("Budgets, {}", view.month), Cell::count(view.budgets.len())),
        figure("budgets-soft", "At the soft threshold", Cell::count(over.iter().filter(|line| line.status == "soft").count())),
        figure("budgets-hard", "At the hard threshold", Cell::count(over.iter().filter(|line| line.status == "hard").count())),
    ]));
    let bars: Vec<Bar> = view
        .budgets
        .iter()
        .map(|line| Bar {
            label: format!("{} {} ({}%)", line.scope.kind, line.scope.name, line.share_pct),
            amount: line.spent_usd,
            colour: match line.scope.name.parse::<Path>() {
                Ok(path) if line.scope.kind == "path" => svg::colour(path),
                _ if line.scope.kind == "team" => svg::CLAUDE_CODE_COLOUR,
                _ => svg::API_COLOUR,
            },
            link: Some(budget_link(line, filters, month)),
        })
        .collect();
    page.blocks.push(Block::Chart(svg::horizontal_bars("chart-budgets", "Spent against each budget", &bars)));
    let label = month.label();
    let rows = view
        .budgets
        .iter()
        .map(|line| {
            let forecast_p50 = forecast
                .filter(|_| line.scope.kind == "path")
                .and_then(|forecast| forecast.paths.get(&line.scope.name))
                .and_then(|path| forecast_of(path, &label))
                .map(|point| point.p50_usd);
            let forecast_status = forecast_p50.map(|p50| {
                let reached = [("soft", line.soft_threshold_usd), ("hard", line.hard_threshold_usd)]
                    .iter()
                    .rev()
                    .find(|(_, threshold)| p50 >= *threshold)
                    .map_or("ok", |(level, _)| *level);
                Cell::text(reached)
            });
            vec![
                Cell::text(&line.scope.kind),
                Cell::text(&line.scope.name).linked(budget_link(line, filters, month)),
                Cell::usd(line.spent_usd),
                Cell::usd(line.budget_usd),
                Cell::count(line.share_pct),
                Cell::text(&line.status),
                Cell::usd(line.soft_threshold_usd),
                Cell::usd(line.hard_threshold_usd),
                Cell::maybe_usd(forecast_p50),
                forecast_status.unwrap_or_else(|| Cell::text("")),
            ]
        })
        .collect();
    page.blocks.push(Block::Table(Table {
        id: "budgets".into(),
        title: format!("{label} against each budget"),
        columns: names(&[
            "scope",
            "name",
            "spent_usd",
            "budget_usd",
            "share_pct",
            "status",
            "soft_threshold_usd",
            "hard_threshold_usd",
            "forecast_p50_usd",
            "forecast_status",
        ]),
        rows,
    }));
    if forecast.is_some() && view.budgets.iter().any(|line| line.scope.kind != "path") {
        page.blocks
            .push(Block::Note("The forecast is made per path: a team's or a feature's budget is compared with what it has spent.".into()));
    }
}

/// The ledger lines a budget counts.
fn budget_link(line: &BudgetLine, filters: &Filters, month: Period) -> String {
    let label = month.label();
    let month_only: Vec<(&str, Option<&str>)> = vec![("month", Some(&label)), ("since", None), ("until", None)];
    let mut changes = month_only;
    match line.scope.kind.as_str() {
        "team" => changes.extend([("path", Some("claude_code")), ("team", Some(line.scope.name.as_str()))]),
        "feature" => changes.extend([("path", Some("api")), ("feature", Some(line.scope.name.as_str()))]),
        _ => changes.push(("path", Some(line.scope.name.as_str()))),
    }
    ledger_link(filters, &changes)
}

/// Claude Code: teams, engineers, seats, insights, path fit.
pub async fn claude_code(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("claude-code", "Claude Code", None))) };
    let report = answers.report(period).await?;
    let summary = &report.summary.value;
    let (claude_code, units) = (&summary.paths.claude_code, &summary.unit_economics.claude_code);
    let mut page = page("claude-code", "Claude Code", Some(period));
    page.blocks.push(Block::Figures(vec![
        figure("claude-code-total", "Claude Code", Cell::usd(claude_code.total_usd)),
        figure("claude-code-seats", "Seats", Cell::usd(claude_code.seats_usd)),
        figure("claude-code-keys", "API keys", Cell::usd(claude_code.api_keys_usd)),
        figure("claude-code-engineers", "Engineers", Cell::count(claude_code.engineers)),
        figure("claude-code-per-engineer", "Per active engineer", Cell::maybe_usd(units.cost_per_active_engineer_usd)),
    ]));
    let teams: Vec<_> = claude_code.teams.iter().filter(|team| contains(&team.team, &filters.team)).collect();
    let team_link = |team: &str| ledger_link(filters, &[("path", Some("claude_code")), ("team", Some(team))]);
    let bars: Vec<Bar> = teams
        .iter()
        .take(40)
        .map(|team| Bar {
            label: team.team.clone(),
            amount: team.total_usd,
            colour: svg::CLAUDE_CODE_COLOUR,
            link: Some(team_link(&team.team)),
        })
        .collect();
    page.blocks.push(Block::Chart(svg::horizontal_bars("chart-teams", "Claude Code spend per team", &bars)));
    let team_changes = summary.month_over_month.as_ref().map(|comparison| &comparison.teams);
    page.blocks.push(Block::Table(Table {
        id: "teams".into(),
        title: "Teams".into(),
        columns: names(&["team", "engineers", "total_usd", "change_usd"]),
        rows: teams
            .iter()
            .map(|team| {
                vec![
                    Cell::text(&team.team).linked(team_link(&team.team)),
                    Cell::count(team.engineers),
                    Cell::usd(team.total_usd),
                    change_cell(team_changes.and_then(|changes| changes.get(&team.team))),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "engineers".into(),
        title: "Engineers".into(),
        columns: names(&["email", "team", "seat_usd", "api_key_usd", "total_usd"]),
        rows: claude_code
            .top_engineers
            .iter()
            .filter(|engineer| filters.team.is_none() || contains(engineer.team.as_deref().unwrap_or(""), &filters.team))
            .map(|engineer| {
                vec![
                    Cell::text(&engineer.email)
                        .linked(ledger_link(filters, &[("path", Some("claude_code")), ("driver", Some(&engineer.email))])),
                    Cell::text(engineer.team.clone().unwrap_or_default()),
                    Cell::usd(engineer.seat_usd),
                    Cell::usd(engineer.api_key_usd),
                    Cell::usd(engineer.total_usd),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "unowned-keys".into(),
        title: "Claude Code keys no engineer owns".into(),
        columns: names(&["key", "total_usd"]),
        rows: claude_code.unowned_keys.iter().map(|key| vec![Cell::text(&key.key), Cell::usd(key.total_usd)]).collect(),
    }));
    page.blocks.push(Block::Heading("Seats and their use".into()));
    let seats = answers.seats(period).await?;
    view_blocks("seats", &seats.value, 0, &mut page.blocks);
    page.blocks.push(Block::Heading("Insights and path fit".into()));
    let insights = answers.insights(period).await?;
    view_blocks("insights", &insights.value, 0, &mut page.blocks);
    page.api = vec![api_link("report", filters, &[]), api_link("seats", filters, &[]), api_link("insights", filters, &[])];
    Ok(page)
}

/// API: features, models, tiers, cost per 1,000 requests, the levers.
pub async fn api(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("api", "API", None))) };
    let report = answers.report(period).await?;
    let summary = &report.summary.value;
    let mut page = page("api", "API", Some(period));
    page.blocks.push(Block::Figures(vec![
        figure("api-total", "API", Cell::usd(summary.paths.api.total_usd)),
        figure("api-features", "Features", Cell::count(summary.paths.api.features.len())),
    ]));
    let feature_link = |feature: &str| ledger_link(filters, &[("path", Some("api")), ("feature", Some(feature))]);
    let units: BTreeMap<&str, &spendlens_analysis::FeatureUnits> =
        summary.unit_economics.api.features.iter().map(|units| (units.feature.as_str(), units)).collect();
    let features: Vec<_> = summary.paths.api.features.iter().filter(|feature| contains(&feature.feature, &filters.feature)).collect();
    let bars: Vec<Bar> = features
        .iter()
        .take(40)
        .map(|feature| Bar {
            label: feature.feature.clone(),
            amount: feature.total_usd,
            colour: svg::API_COLOUR,
            link: Some(feature_link(&feature.feature)),
        })
        .collect();
    page.blocks.push(Block::Chart(svg::horizontal_bars("chart-features", "API spend per feature", &bars)));
    let feature_changes = summary.month_over_month.as_ref().map(|comparison| &comparison.features);
    page.blocks.push(Block::Table(Table {
        id: "features".into(),
        title: "Features".into(),
        columns: names(&["feature", "total_usd", "requests", "cost_per_1000_requests_usd", "change_usd"]),
        rows: features
            .iter()
            .map(|feature| {
                let unit = units.get(feature.feature.as_str());
                vec![
                    Cell::text(&feature.feature).linked(feature_link(&feature.feature)),
                    Cell::usd(feature.total_usd),
                    unit.and_then(|unit| unit.requests).map_or_else(|| Cell::text(""), Cell::count),
                    Cell::maybe_usd(unit.and_then(|unit| unit.cost_per_1000_requests_usd)),
                    change_cell(feature_changes.and_then(|changes| changes.get(&feature.feature))),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "models".into(),
        title: "Models and tiers".into(),
        columns: names(&["model", "service_tier", "entries", "total_usd"]),
        rows: report
            .models
            .value
            .models
            .iter()
            .map(|line| {
                vec![
                    Cell::text(line.model.clone().unwrap_or_else(|| "(no model)".into())),
                    Cell::text(line.service_tier.map_or("", |tier| tier.as_str())),
                    Cell::count(line.entries),
                    Cell::usd(line.total_usd),
                ]
            })
            .collect(),
    }));
    let optimisation = answers.optimise(period, filters.feature.clone()).await?;
    page.blocks.push(levers_table(&optimisation.value, filters));
    page.api = vec![api_link("report", filters, &[]), api_link("models", filters, &[]), api_link("optimise", filters, &["feature"])];
    Ok(page)
}

fn levers_table(optimisation: &Optimisation, filters: &Filters) -> Block {
    Block::Table(Table {
        id: "levers".into(),
        title: "The levers: routing, caching, batching".into(),
        columns: names(&["feature", "lever", "monthly_saving_usd", "low_usd", "high_usd", "confidence", "planned", "action"]),
        rows: optimisation
            .opportunities
            .iter()
            .map(|opportunity| {
                vec![
                    Cell::text(&opportunity.feature)
                        .linked(ledger_link(filters, &[("path", Some("api")), ("feature", Some(&opportunity.feature))])),
                    Cell::text(opportunity.lever.as_str()),
                    Cell::usd(opportunity.monthly_saving_usd),
                    Cell::usd(opportunity.monthly_saving_low_usd),
                    Cell::usd(opportunity.monthly_saving_high_usd),
                    Cell::text(opportunity.confidence.as_str()),
                    Cell::text(if opportunity.planned { "yes" } else { "no" }),
                    Cell::text(&opportunity.action),
                ]
            })
            .collect(),
    })
}

/// Savings: the optimiser's plan and the savings realised.
pub async fn savings(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("savings", "Savings", None))) };
    let optimisation = answers.optimise(period, filters.feature.clone()).await?;
    let plan = &optimisation.value.plan;
    let mut page = page("savings", "Savings", Some(period));
    page.blocks.push(Block::Heading("The plan".into()));
    page.blocks.push(Block::Figures(vec![
        figure("plan-saving", "Monthly saving planned", Cell::usd(plan.total_saving_usd)),
        figure("plan-api-spend", "API spend", Cell::usd(plan.api_spend_usd)),
        figure("plan-optimised", "Optimised baseline", Cell::usd(plan.optimised_baseline_usd)),
    ]));
    page.blocks.push(Block::Table(Table {
        id: "plan".into(),
        title: "Plan by feature".into(),
        columns: names(&["feature", "spend_usd", "levers", "saving_usd", "optimised_usd"]),
        rows: plan
            .features
            .iter()
            .map(|feature| {
                let levers: Vec<&str> = feature.levers.iter().map(|lever| lever.as_str()).collect();
                vec![
                    Cell::text(&feature.feature),
                    Cell::usd(feature.spend_usd),
                    Cell::text(levers.join(" + ")),
                    Cell::usd(feature.saving_usd),
                    Cell::usd(feature.optimised_usd),
                ]
            })
            .collect(),
    }));
    page.blocks.push(levers_table(&optimisation.value, filters));
    page.blocks.push(Block::Heading("Savings realised".into()));
    if let Some(span) = answers.savings_period(filters).await? {
        let realised = answers.savings(span).await?;
        let savings = &realised.value;
        page.blocks.push(Block::Figures(vec![figure(
            "savings-total",
            &format!("Saved, {}", span.label()),
            Cell::usd(savings.total_saved_usd),
        )]));
        page.blocks.push(Block::Note(format!("Method: {}", savings.method)));
        page.blocks.push(Block::Table(Table {
            id: "savings".into(),
            title: "Savings by month".into(),
            columns: names(&["month", "feature", "lever", "actual_usd", "counterfactual_usd", "saved_usd", "counterfactual"]),
            rows: savings
                .months
                .iter()
                .filter(|month| contains(&month.feature, &filters.feature))
                .map(|month| {
                    vec![
                        Cell::text(&month.month),
                        Cell::text(&month.feature),
                        Cell::text(month.lever.as_str()),
                        Cell::usd(month.actual_usd),
                        Cell::usd(month.counterfactual_usd),
                        Cell::usd(month.saved_usd),
                        Cell::text(&month.counterfactual),
                    ]
                })
                .collect(),
        }));
    }
    page.api = vec![api_link("optimise", filters, &["feature"]), api_link("savings", filters, &[])];
    Ok(page)
}

/// Forecast and commitment: `spendlens forecast` and `spendlens commit` with the terms in the address.
pub async fn forecast(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let period = answers.period(filters).await?;
    let mut page = page("forecast", "Forecast and commitment", period);
    if period.is_none() {
        return Ok(empty_ledger(page));
    }
    let options = filters.terms.forecast();
    page.blocks.push(Block::Heading(format!("Forecast, {} months ({} baseline)", options.horizon, options.baseline.as_str())));
    match answers.forecast(options).await {
        Ok(forecast) => forecast_blocks(&mut page, &forecast.value),
        Err(ServerError::Query { detail }) => page.blocks.push(Block::Note(format!("No forecast: {detail}"))),
        Err(error) => return Err(error),
    }
    page.blocks.push(Block::Heading("Commitment".into()));
    page.blocks.push(Block::Form(terms_form(filters)));
    page.api = vec![terms_link("forecast", filters, &["start", "horizon", "baseline"])];
    match filters.terms.commit() {
        None => page.blocks.push(Block::Note(
            "Give the discount offered (and the term, overage rate and first month if they differ from 12 months at list from the \
             month ahead) to size a commitment, as `spendlens commit --discount PCT` does."
                .into(),
        )),
        Some(options) => match answers.commit(options).await {
            Ok(commit) => {
                commit_blocks(&mut page, &commit.value);
                page.api.push(terms_link("commit", filters, &["start", "term", "discount", "overage_rate", "baseline"]));
            }
            Err(ServerError::Query { detail }) => page.blocks.push(Block::Note(format!("No commitment: {detail}"))),
            Err(error) => return Err(error),
        },
    }
    Ok(page)
}

/// The commitment's terms as a form: `spendlens commit`'s flags, kept in the address.
fn terms_form(filters: &Filters) -> Form {
    let terms = &filters.terms;
    let text = |value: Option<String>| value.unwrap_or_default();
    let baseline = terms.baseline.map(|baseline| baseline.as_str().to_string()).unwrap_or_default();
    Form {
        id: "commit-terms".into(),
        label: "Commitment terms".into(),
        hidden: filters.pairs(&TERM_NAMES.iter().map(|name| (*name, None)).collect::<Vec<_>>()),
        fields: vec![
            Field {
                name: "discount",
                label: "Discount, % off list",
                input: Input::Number { min: "0", step: "any" },
                value: text(terms.discount.map(|d| d.to_string())),
            },
            Field {
                name: "term",
                label: "Term, months",
                input: Input::Number { min: "1", step: "1" },
                value: text(terms.term.map(|months| months.to_string())),
            },
            Field {
                name: "overage_rate",
                label: "Overage, × list",
                input: Input::Number { min: "0", step: "any" },
                value: text(terms.overage_rate.map(|rate| rate.to_string())),
            },
            Field { name: "start", label: "First month", input: Input::Month, value: text(terms.start.clone()) },
            Field {
                name: "baseline",
                label: "API baseline",
                input: Input::Select(vec![("", "default"), ("current", "today's unit costs"), ("optimised", "optimised")]),
                value: baseline,
            },
        ],
        submit: "Size the commitment".into(),
    }
}

/// A forecast's months per path, its chart and the drivers it was made from.
fn forecast_blocks(page: &mut Page, forecast: &ForecastView) {
    let first = forecast.total.months.first();
    let mut figures = Vec::new();
    if let Some(point) = first {
        figures.push(figure("forecast-first-p50", &format!("{} total (P50)", point.month), Cell::usd(point.p50_usd)));
        figures.push(figure("forecast-first-p10", &format!("{} P10", point.month), Cell::usd(point.p10_usd)));
        figures.push(figure("forecast-first-p90", &format!("{} P90", point.month), Cell::usd(point.p90_usd)));
    }
    let horizon: Money = forecast.total.months.iter().map(|point| point.p50_usd).sum();
    figures.push(figure("forecast-horizon-p50", "Sum of the months' P50", Cell::usd(horizon)));
    page.blocks.push(Block::Figures(figures));
    let p50 = |path: &str, month: &str| {
        forecast.paths.get(path).and_then(|view| forecast_of(view, month)).map_or(Money::ZERO, |point| point.p50_usd)
    };
    let stacks: Vec<Stack> = forecast
        .total
        .months
        .iter()
        .map(|point| Stack {
            label: point.month.clone(),
            amounts: vec![(Path::ClaudeCode, p50("claude_code", &point.month)), (Path::Api, p50("api", &point.month))],
        })
        .collect();
    page.blocks.push(Block::Chart(svg::stacked_bars("chart-forecast", "Forecast per path by month (P50)", &stacks)));
    page.blocks.push(months_table("forecast-months", "Forecast by month: P10, P50, P90", forecast));
    let drivers = &forecast.drivers;
    let claude_code = &drivers.claude_code;
    page.blocks.push(Block::Heading("Claude Code: engineers × cost per engineer-day, plus seats".into()));
    page.blocks.push(Block::Figures(vec![
        figure("forecast-active-engineers", "Active engineers (last four weeks)", Cell::count(claude_code.active_engineers)),
        figure("forecast-engineer-day", "Per active engineer-day", Cell::usd(claude_code.cost_per_active_engineer_day_usd)),
        figure("forecast-seats", "Open seats", Cell::count(claude_code.seats)),
        figure("forecast-holiday-factor", "Holiday factor", Cell::count(claude_code.holiday_factor)),
    ]));
    page.blocks.push(Block::Table(Table {
        id: "forecast-claude-code".into(),
        title: "Claude Code by month".into(),
        columns: names(&["month", "active_engineers", "usage_usd", "seat_fees_usd"]),
        rows: claude_code
            .months
            .iter()
            .map(|month| {
                vec![
                    Cell::text(&month.month),
                    Cell::count(month.active_engineers),
                    Cell::usd(month.usage_usd),
                    Cell::usd(month.seat_fees_usd),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Heading("API: per feature, requests × unit cost".into()));
    page.blocks.push(Block::Table(Table {
        id: "forecast-features".into(),
        title: "API features by month".into(),
        columns: names(&[
            "feature",
            "month",
            "volume",
            "model",
            "requests",
            "usd",
            "requests_per_day",
            "usd_per_1k_requests",
            "forecast_usd_per_1k_requests",
        ]),
        rows: drivers
            .api
            .features
            .iter()
            .flat_map(|feature| {
                feature.months.iter().map(move |month| {
                    vec![
                        Cell::text(&feature.feature),
                        Cell::text(&month.month),
                        Cell::text(&feature.volume),
                        Cell::text(&feature.model),
                        month.requests.map_or_else(|| Cell::text(""), Cell::count),
                        Cell::usd(month.usd),
                        feature.requests_per_day.map_or_else(|| Cell::text(""), Cell::count),
                        Cell::maybe_usd(feature.usd_per_1k_requests),
                        Cell::maybe_usd(feature.forecast_usd_per_1k_requests),
                    ]
                })
            })
            .collect(),
    }));
    page.blocks.push(Block::Note(format!(
        "History {} to {}. Method: {}",
        drivers.history.start,
        drivers.history.end - chrono::Duration::days(1),
        drivers.method
    )));
    for note in &drivers.notes {
        page.blocks.push(Block::Note(note.clone()));
    }
}

/// A forecast's months, one row per month and path (the total last).
fn months_table(id: &str, title: &str, forecast: &ForecastView) -> Block {
    let mut rows = Vec::new();
    for (index, total) in forecast.total.months.iter().enumerate() {
        for (path, view) in [("claude_code", forecast.paths.get("claude_code")), ("api", forecast.paths.get("api"))] {
            if let Some(point) = view.and_then(|view| view.months.get(index)) {
                rows.push(vec![
                    Cell::text(&point.month),
                    Cell::text(path),
                    Cell::usd(point.p10_usd),
                    Cell::usd(point.p50_usd),
                    Cell::usd(point.p90_usd),
                ]);
            }
        }
        rows.push(vec![
            Cell::text(&total.month),
            Cell::text("total"),
            Cell::usd(total.p10_usd),
            Cell::usd(total.p50_usd),
            Cell::usd(total.p90_usd),
        ]);
    }
    Block::Table(Table { id: id.into(), title: title.into(), columns: names(&["month", "path", "p10_usd", "p50_usd", "p90_usd"]), rows })
}

/// The commitment: the recommendation, each path's, the sensitivity and the two baselines.
fn commit_blocks(page: &mut Page, commit: &CommitView) {
    let term = match (commit.term.first(), commit.term.last()) {
        (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
        (Some(first), _) => first.clone(),
        _ => String::new(),
    };
    let tiers: Vec<String> = commit
        .tiers
        .iter()
        .map(|tier| format!("{}% off from {}", (tier.discount * Decimal::ONE_HUNDRED).normalize(), tier.min_commitment_usd))
        .collect();
    page.blocks.push(Block::Note(format!(
        "Commit {} over {term} ({} months, {} baseline, {}; overage at {}× list): expected saving {} against paying list, a {}% chance \
         of spending past the commitment, expected unused commitment {}.",
        commit.recommended_commitment_usd,
        commit.term.len(),
        commit.baseline.as_str(),
        tiers.join("; "),
        commit.overage_rate.normalize(),
        commit.expected_saving_usd,
        (commit.shortfall_probability * Decimal::ONE_HUNDRED).normalize(),
        commit.expected_waste_usd,
    )));
    page.blocks.push(Block::Figures(vec![
        figure("commit-recommended", "Recommended commitment", Cell::usd(commit.recommended_commitment_usd)),
        figure("commit-saving", "Expected saving", Cell::usd(commit.expected_saving_usd)),
        figure("commit-shortfall", "Shortfall probability", Cell::count(commit.shortfall_probability)),
        figure("commit-waste", "Expected waste", Cell::usd(commit.expected_waste_usd)),
        figure("commit-spend-p50", "Spend over the term (P50)", Cell::usd(commit.spend_p50_usd)),
    ]));
    let total = spendlens_app::forecast::CommitPath {
        recommended_commitment_usd: commit.recommended_commitment_usd,
        expected_saving_usd: commit.expected_saving_usd,
        shortfall_probability: commit.shortfall_probability,
        expected_waste_usd: commit.expected_waste_usd,
        expected_spend_usd: commit.expected_spend_usd,
        spend_p10_usd: commit.spend_p10_usd,
        spend_p50_usd: commit.spend_p50_usd,
        spend_p90_usd: commit.spend_p90_usd,
        sensitivity: Vec::new(),
    };
    let rows = commit
        .paths
        .iter()
        .map(|(path, line)| (path.as_str(), line))
        .chain([("total", &total)])
        .map(|(path, line)| {
            vec![
                Cell::text(path),
                Cell::usd(line.recommended_commitment_usd),
                Cell::usd(line.expected_saving_usd),
                Cell::count(line.shortfall_probability),
                Cell::usd(line.expected_waste_usd),
                Cell::usd(line.expected_spend_usd),
                Cell::usd(line.spend_p10_usd),
                Cell::usd(line.spend_p50_usd),
                Cell::usd(line.spend_p90_usd),
            ]
        })
        .collect();
    page.blocks.push(Block::Table(Table {
        id: "commit-paths".into(),
        title: "Per path and in total".into(),
        columns: names(&[
            "path",
            "recommended_commitment_usd",
            "expected_saving_usd",
            "shortfall_probability",
            "expected_waste_usd",
            "expected_spend_usd",
            "spend_p10_usd",
            "spend_p50_usd",
            "spend_p90_usd",
        ]),
        rows,
    }));
    page.blocks.push(Block::Table(Table {
        id: "commit-sensitivity".into(),
        title: "Sensitivity (total): other commitments".into(),
        columns: names(&[
            "commitment_usd",
            "discount",
            "expected_cost_usd",
            "expected_saving_usd",
            "shortfall_probability",
            "expected_waste_usd",
        ]),
        rows: commit
            .sensitivity
            .iter()
            .map(|level| {
                vec![
                    Cell::usd(level.commitment_usd),
                    Cell::count(level.discount),
                    Cell::usd(level.expected_cost_usd),
                    Cell::usd(level.expected_saving_usd),
                    Cell::count(level.shortfall_probability),
                    Cell::usd(level.expected_waste_usd),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "commit-baselines".into(),
        title: "Spend over the term (P50) at today's unit costs and optimised".into(),
        columns: names(&["path", "current_p50_usd", "optimised_p50_usd"]),
        rows: commit
            .baselines
            .iter()
            .map(|(path, pair)| vec![Cell::text(path), Cell::usd(pair.current_p50_usd), Cell::usd(pair.optimised_p50_usd)])
            .collect(),
    }));
    page.blocks.push(months_table("commit-months", "The forecast the commitment was sized on", &commit.forecast));
}

/// Spikes, each with its decomposition and sentence.
pub async fn spikes(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let period = answers.period(filters).await?;
    let mut page = page("spikes", "Spikes", period);
    if period.is_none() {
        return Ok(empty_ledger(page));
    }
    page.api = vec![api_link("spikes", filters, &[])];
    let spikes = match answers.spikes(filters).await {
        Ok(spikes) => spikes,
        Err(ServerError::Query { detail }) => {
            page.blocks.push(Block::Note(format!("No spikes: {detail}")));
            return Ok(page);
        }
        Err(error) => return Err(error),
    };
    let shown: Vec<&spendlens_analysis::spikes::Spike> = spikes
        .value
        .spikes
        .iter()
        .filter(|spike| filters.path.is_none_or(|path| path == spike.path))
        .filter(|spike| filters.team.is_none() || (spike.driver.kind == "team" && contains(&spike.driver.name, &filters.team)))
        .filter(|spike| filters.feature.is_none() || (spike.driver.kind == "feature" && contains(&spike.driver.name, &filters.feature)))
        .collect();
    let total: Money = shown.iter().map(|spike| spike.change_usd).sum();
    page.blocks.push(Block::Figures(vec![
        figure("spikes-count", "Spikes", Cell::count(shown.len())),
        figure("spikes-change", "Their changes together", Cell::usd(total)),
    ]));
    let driver_link = |spike: &spendlens_analysis::spikes::Spike| {
        let (start, end) = (spike.start.to_string(), spike.end.to_string());
        let mut changes: Vec<(&str, Option<&str>)> =
            vec![("month", None), ("since", Some(&start)), ("until", Some(&end)), ("path", Some(spike.path.as_str()))];
        match spike.driver.kind.as_str() {
            "team" => changes.push(("team", Some(&spike.driver.name))),
            "feature" => changes.push(("feature", Some(&spike.driver.name))),
            "path" | "unattributed" => {}
            _ => changes.push(("driver", Some(&spike.driver.name))),
        }
        ledger_link(filters, &changes)
    };
    page.blocks.push(Block::Table(Table {
        id: "spikes".into(),
        title: "Spikes".into(),
        columns: names(&["start", "end", "path", "driver_kind", "driver", "change_usd", "summary"]),
        rows: shown
            .iter()
            .map(|spike| {
                vec![
                    Cell::text(spike.start.to_string()),
                    Cell::text(spike.end.to_string()),
                    Cell::text(spike.path.as_str()),
                    Cell::text(&spike.driver.kind),
                    Cell::text(&spike.driver.name).linked(driver_link(spike)),
                    Cell::usd(spike.change_usd),
                    Cell::text(&spike.summary),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Heading("Each spike split into its factors".into()));
    for (index, spike) in shown.iter().enumerate() {
        let when = if spike.start == spike.end { spike.start.to_string() } else { format!("{} to {}", spike.start, spike.end) };
        page.blocks.push(Block::Table(Table {
            id: format!("spike-{}", index + 1),
            title: format!("{when} · {} {} · {}", spike.driver.kind, spike.driver.name, spike.change_usd),
            columns: names(&["factor", "usd"]),
            rows: spike.factors.iter().map(|factor| vec![Cell::text(&factor.factor), Cell::usd(factor.usd)]).collect(),
        }));
        page.blocks.push(Block::Note(spike.summary.clone()));
    }
    Ok(page)
}

/// Reconciliation: invoice lines to drivers, residuals named.
pub async fn reconciliation(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("reconciliation", "Reconciliation", None))) };
    let mut page = page("reconciliation", "Reconciliation", Some(period));
    if period != Period::month_of(period.start) {
        page.blocks.push(Block::Note("An invoice covers a calendar month: choose a month to reconcile.".into()));
        return Ok(page);
    }
    let reconciled = answers.reconcile(period).await?;
    let view = &reconciled.value;
    let reconciliation = &view.reconciliation;
    page.blocks.push(Block::Figures(vec![
        figure("invoice-total", "Invoice", Cell::usd(reconciliation.invoice_total_usd)),
        figure("ledger-total", "Ledger", Cell::usd(reconciliation.ledger_total_usd)),
        figure("residual-total", "Residual", Cell::usd(reconciliation.residual_total_usd)),
    ]));
    page.blocks.push(Block::Note(format!(
        "{}{}",
        if view.ties_out { "Every dollar of the invoice is placed or named." } else { "The invoice does not tie out." },
        if view.self_check { " No invoice was given: the month's cost report and seat fees stand in for one." } else { "" }
    )));
    page.blocks.push(Block::Table(Table {
        id: "lines".into(),
        title: "Invoice lines to drivers".into(),
        columns: names(&["invoice_line", "description", "amount_usd", "path", "driver", "team", "cause"]),
        rows: reconciliation
            .lines
            .iter()
            .filter(|line| filters.path.is_none_or(|path| path == line.path))
            .filter(|line| filters.team.is_none() || contains(line.team.as_deref().unwrap_or(""), &filters.team))
            .map(|line| {
                let driver = line.driver.clone().unwrap_or_default();
                let driver_cell = if driver.is_empty() {
                    Cell::text("")
                } else {
                    Cell::text(&driver).linked(ledger_link(filters, &[("path", Some(line.path.as_str())), ("driver", Some(&driver))]))
                };
                vec![
                    Cell::text(line.invoice_line.map_or_else(String::new, |number| number.to_string())),
                    Cell::text(&line.description),
                    Cell::usd(line.amount_usd),
                    Cell::text(line.path.as_str()),
                    driver_cell,
                    Cell::text(line.team.clone().unwrap_or_default()),
                    Cell::text(line.cause.map_or_else(String::new, |cause| cause.explain().to_string())),
                ]
            })
            .collect(),
    }));
    page.blocks.push(Block::Table(Table {
        id: "residuals".into(),
        title: "Residuals by cause".into(),
        columns: names(&["cause", "amount_usd"]),
        rows: reconciliation.residuals.iter().map(|(cause, amount)| vec![Cell::text(cause.explain()), Cell::usd(*amount)]).collect(),
    }));
    page.api = vec![api_link("reconcile", filters, &[])];
    Ok(page)
}

/// Ledger: why each dollar is here (its path, driver, key, rule and source).
pub async fn ledger(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let Some(period) = answers.period(filters).await? else { return Ok(empty_ledger(page("ledger", "Ledger", None))) };
    let view = answers.placements(period, placement_filter(filters)).await?;
    let mut page = page("ledger", "Ledger", Some(period));
    page.blocks.push(Block::Figures(vec![
        figure("ledger-total", "Placed", Cell::usd(view.value.total_usd)),
        figure("ledger-placements", "Placements", Cell::count(view.value.placements.len())),
    ]));
    page.blocks.push(Block::Table(Table {
        id: "placements".into(),
        title: "Why each dollar is here".into(),
        columns: names(&["path", "driver_kind", "driver", "team", "api_key", "rule", "source", "entries", "total_usd"]),
        rows: view
            .value
            .placements
            .iter()
            .map(|placement| {
                let (kind, team) = match &placement.driver {
                    Driver::Engineer { team, .. } => ("engineer", team.clone().unwrap_or_default()),
                    Driver::ClaudeCodeKey { .. } => ("claude_code_key", String::new()),
                    Driver::Feature { .. } => ("feature", String::new()),
                    Driver::Unattributed { .. } => ("unattributed", String::new()),
                };
                vec![
                    Cell::text(placement.path.as_str()),
                    Cell::text(kind),
                    Cell::text(placement.driver.label()),
                    Cell::text(team),
                    Cell::text(placement.api_key.clone().unwrap_or_default()),
                    Cell::text(&placement.rule),
                    Cell::text(placement.source.as_str()),
                    Cell::count(placement.entries),
                    Cell::usd(placement.total_usd),
                ]
            })
            .collect(),
    }));
    page.api = vec![api_link("ledger", filters, &["path", "driver", "key", "team", "feature"])];
    Ok(page)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use spendlens_model::{CostKind, Source};

    fn day(text: &str) -> Day {
        Day::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn usd(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_cut_to_the_period() {
        // 2026-10-01 is a Thursday. Hand-made days: 1.10 on the 1st, 2.00 on Sunday the 4th, 0.5 on
        // Monday the 5th, 7 on the 31st (API), and a 30-day seat fee of 20 beside them.
        let period = Period::parse_month("2026-10").unwrap();
        let mut daily =
            DailySpend { days: period.iter_days().map(|day| (day, PathAmounts::default())).collect(), multi_day: PathAmounts::default() };
        daily.days[0].1.claude_code = usd("1.10");
        daily.days[3].1.claude_code = usd("2.00");
        daily.days[4].1.unassigned = usd("0.5");
        daily.days[30].1.api = usd("7");
        daily.multi_day.claude_code = usd("20");
        let weeks = trend(&daily, period, Grain::Week);
        assert_eq!(weeks.buckets.len(), 5);
        assert_eq!((weeks.buckets[0].first_day, weeks.buckets[0].last_day), (day("2026-10-01"), day("2026-10-04")));
        assert_eq!(weeks.buckets[0].paths.claude_code_usd, usd("3.10"));
        assert_eq!((weeks.buckets[1].first_day, weeks.buckets[1].paths.unassigned_usd), (day("2026-10-05"), usd("0.5")));
        assert_eq!(
            (weeks.buckets[4].first_day, weeks.buckets[4].last_day, weeks.buckets[4].paths.api_usd),
            (day("2026-10-26"), day("2026-10-31"), usd("7"))
        );
        assert_eq!(weeks.total_usd, usd("30.60"));
        let months = trend(&daily, period, Grain::Month);
        assert_eq!(months.buckets.len(), 1);
        assert_eq!(months.buckets[0].paths.total_usd, usd("10.60"));
        assert_eq!(trend(&daily, period, Grain::Day).buckets.len(), 31);
    }

    fn budget(kind: &str, name: &str, monthly: &str, soft: i64, hard: i64) -> Budget {
        Budget {
            scope: Scope { kind: kind.into(), name: name.into() },
            path: if kind == "path" { name.parse().ok() } else { None },
            monthly: usd(monthly),
            soft_pct: Decimal::from(soft),
            hard_pct: Decimal::from(hard),
        }
    }

    #[test]
    fn a_month_against_each_budget_by_hand() {
        let october = Period::parse_month("2026-10").unwrap();
        let entry = |path: Path, driver: Driver, amount: &str, start: &str| LedgerEntry {
            start: day(start),
            end: day(start) + chrono::Duration::days(1),
            amount: usd(amount),
            path,
            driver,
            rule: "r".into(),
            source: Source::AdminCost,
            kind: CostKind::Tokens,
            model: None,
            api_key: None,
            workspace_id: None,
            token_type: None,
            service_tier: None,
        };
        let engineer = |team: &str| Driver::Engineer { email: "ana@acme.example".into(), team: Some(team.into()) };
        let search = || Driver::Feature { name: "search".into() };
        let entries = [
            entry(Path::ClaudeCode, engineer("platform"), "100", "2026-10-02"),
            entry(Path::ClaudeCode, engineer("platform"), "30.50", "2026-10-31"),
            entry(Path::ClaudeCode, engineer("platform"), "999", "2026-09-30"),
            entry(Path::ClaudeCode, engineer("growth"), "7", "2026-10-05"),
            entry(Path::Api, search(), "45", "2026-10-09"),
            entry(Path::Api, Driver::Feature { name: "chat".into() }, "5.25", "2026-10-09"),
        ];
        let budgets = [
            budget("team", "platform", "150", 80, 100),
            budget("feature", "search", "40", 50, 110),
            budget("path", "api", "1000", 80, 100),
        ];
        let view = budget_lines(&budgets, &entries, october);
        assert_eq!(view.month, "2026-10");
        let rows: Vec<(&str, Money, Decimal, &str, Money, Money, Money)> = view
            .budgets
            .iter()
            .map(|line| {
                (
                    line.scope.name.as_str(),
                    line.spent_usd,
                    line.share_pct,
                    line.status.as_str(),
                    line.soft_threshold_usd,
                    line.hard_threshold_usd,
                    line.left_usd,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                // 130.50 of 150 is 87.0%: past the soft threshold (120), short of the hard (150).
                ("platform", usd("130.50"), Decimal::new(870, 1), "soft", usd("120"), usd("150"), usd("19.50")),
                // 45 of 40 is 112.5%: past the hard threshold (110% is 44).
                ("search", usd("45"), Decimal::new(1125, 1), "hard", usd("20"), usd("44"), usd("-5")),
                // 50.25 of 1000 is 5.025%, 5.0 to one decimal.
                ("api", usd("50.25"), Decimal::new(50, 1), "ok", usd("800"), usd("1000"), usd("949.75")),
            ]
        );
        assert_eq!(budget_month(Period::new(day("2026-09-20"), day("2026-10-03"))), october);
        assert_eq!(budget_month(october), october);
    }

    #[test]
    fn the_api_path_is_split_by_model_and_tier() {
        let period = Period::parse_month("2026-10").unwrap();
        let entry = |path: Path, model: Option<&str>, tier: Option<ServiceTier>, amount: &str, start: &str| LedgerEntry {
            start: day(start),
            end: day(start) + chrono::Duration::days(1),
            amount: usd(amount),
            path,
            driver: Driver::Feature { name: "search".into() },
            rule: "r".into(),
            source: Source::AdminCost,
            kind: CostKind::Tokens,
            model: model.map(str::to_string),
            api_key: None,
            workspace_id: None,
            token_type: None,
            service_tier: tier,
        };
        let entries = [
            entry(Path::Api, Some("claude-haiku-4-5"), Some(ServiceTier::Batch), "1.25", "2026-10-02"),
            entry(Path::Api, Some("claude-haiku-4-5"), Some(ServiceTier::Batch), "0.75", "2026-10-03"),
            entry(Path::Api, Some("claude-haiku-4-5"), Some(ServiceTier::Standard), "5", "2026-10-03"),
            entry(Path::ClaudeCode, Some("claude-haiku-4-5"), Some(ServiceTier::Standard), "9", "2026-10-03"),
            entry(Path::Api, Some("claude-haiku-4-5"), Some(ServiceTier::Standard), "100", "2026-09-30"),
        ];
        let view = api_models(&entries, period);
        assert_eq!(view.total_usd, usd("7"));
        let rows: Vec<(Option<ServiceTier>, usize, Money)> =
            view.models.iter().map(|line| (line.service_tier, line.entries, line.total_usd)).collect();
        assert_eq!(rows, vec![(Some(ServiceTier::Standard), 1, usd("5")), (Some(ServiceTier::Batch), 2, usd("2"))]);
    }
}

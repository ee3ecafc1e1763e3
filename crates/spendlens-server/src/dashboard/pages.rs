//! The pages and the answers behind them. Each answer is one application use case (`App::report`,
//! `App::optimise`, `App::savings`, `App::reconcile`, `App::placements`), kept in the answer
//! cache with its JSON text made once by `views::to_json`, so the REST API serves the very bytes
//! the CLI prints. Each page is one small function laying out answers as blocks; the only sums here
//! are presentation groupings of ledger entries the application placed (the trend's weeks and
//! months of the report's daily spend, the API path by model and tier), each tested against
//! hand-computed rows.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use spendlens_analysis::optimise::Optimisation;
use spendlens_analysis::savings::Savings;
use spendlens_analysis::{Driver, LedgerEntry, PlacementFilter, Summary};
use spendlens_app::ledger::PeriodChoice;
use spendlens_app::views::{LedgerView, ReconcileView, to_json};
use spendlens_app::{App, AppError};
use spendlens_model::{Day, Money, Path, Period, ServiceTier};
use spendlens_report::{DailySpend, PathAmounts};

use super::cache::Cache;
use super::query::{Filters, Grain};
use super::render::{Block, Cell, Figure, Page, Table};
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
        let app = self.app.clone();
        let key = Filters::key_of(period, &format!("ledger|{:?}|{:?}|{:?}", filter.path, filter.api_key, filter.driver));
        self.cache.answer(key, move || answered(app.placements(period, &filter).map_err(app_error)?)).await
    }

    /// `App::forecast` with the CLI's defaults (`spendlens forecast --json`).
    pub async fn forecast(&self) -> Result<Arc<Answered<serde_json::Value>>, ServerError> {
        let app = self.app.clone();
        self.cache
            .answer("forecast".into(), move || {
                let view = app.forecast(&spendlens_app::forecast::ForecastOptions::default()).map_err(app_error)?;
                as_value(&view)
            })
            .await
    }

    /// `App::spikes` of the month or days named, else of the ledger's whole span (`spendlens spikes`).
    pub async fn spikes(&self, filters: &Filters) -> Result<Arc<Answered<serde_json::Value>>, ServerError> {
        let app = self.app.clone();
        let (since, until) = match (filters.month.as_deref().and_then(Period::parse_month), filters.since, filters.until) {
            (Some(month), _, _) => (Some(month.start), Some(month.end - chrono::Duration::days(1))),
            (None, since, until) => (since, until),
        };
        self.cache
            .answer(format!("spikes|{since:?}|{until:?}"), move || {
                let period = app.spikes_period(since, until).map_err(app_error)?;
                as_value(&app.spikes(period).map_err(app_error)?)
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

/// A drill-down address: the ledger of this period with these filters.
fn ledger_link(filters: &Filters, changes: &[(&str, Option<&str>)]) -> String {
    let mut all: Vec<(&str, Option<&str>)> = vec![("grain", None), ("team", None), ("feature", None), ("driver", None), ("key", None)];
    all.extend_from_slice(changes);
    format!("/ledger?{}", filters.query(&all))
}

fn api_link(endpoint: &str, filters: &Filters, keep: &[&str]) -> String {
    let drop: Vec<(&str, Option<&str>)> = ["path", "team", "feature", "driver", "key", "grain"]
        .into_iter()
        .filter(|name| !keep.contains(name))
        .map(|name| (name, None))
        .collect();
    let query = filters.query(&drop);
    if query.is_empty() { format!("/api/v1/{endpoint}") } else { format!("/api/v1/{endpoint}?{query}") }
}

fn names(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|name| name.to_string()).collect()
}

/// A cell of a JSON view: amounts (`*_usd` decimal strings) as money, numbers as counts, nested
/// values as compact JSON.
fn json_cell(key: &str, value: &serde_json::Value) -> Cell {
    use serde_json::Value;
    match value {
        Value::String(text) if key.ends_with("_usd") => text.parse::<Money>().map_or_else(|_| Cell::text(text), Cell::usd),
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
    page.blocks.push(Block::Heading("This month against forecast and budget".into()));
    match answers.forecast().await {
        Ok(forecast) => view_blocks("overview-forecast", &forecast.value, 1, &mut page.blocks),
        Err(ServerError::Query { detail }) => page.blocks.push(Block::Note(format!("No forecast: {detail}"))),
        Err(error) => return Err(error),
    }
    page.blocks.push(Block::Note("Budget: spendlens has no budget setting yet; the forecast above is the month's yardstick.".into()));
    page.api = vec![api_link("report", filters, &[]), api_link("trend", filters, &["grain"])];
    Ok(page)
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

/// Forecast and commitment.
pub async fn forecast(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let period = answers.period(filters).await?;
    let mut page = page("forecast", "Forecast and commitment", period);
    if period.is_none() {
        return Ok(empty_ledger(page));
    }
    match answers.forecast().await {
        Ok(forecast) => view_blocks("forecast", &forecast.value, 0, &mut page.blocks),
        Err(ServerError::Query { detail }) => page.blocks.push(Block::Note(format!("No forecast: {detail}"))),
        Err(error) => return Err(error),
    }
    page.blocks.push(Block::Heading("Commitment".into()));
    page.blocks.push(Block::Note(
        "Commitment advice depends on the terms offered (discount, term, overage rate): ask `spendlens commit` with them; the \
         dashboard does not take terms yet."
            .into(),
    ));
    page.api = vec!["/api/v1/forecast".into()];
    Ok(page)
}

/// Spikes, each with its decomposition and sentence.
pub async fn spikes(answers: &Answers, filters: &Filters) -> Result<Page, ServerError> {
    let period = answers.period(filters).await?;
    let mut page = page("spikes", "Spikes", period);
    if period.is_none() {
        return Ok(empty_ledger(page));
    }
    match answers.spikes(filters).await {
        Ok(spikes) => view_blocks("spikes", &spikes.value, 0, &mut page.blocks),
        Err(ServerError::Query { detail }) => page.blocks.push(Block::Note(format!("No spikes: {detail}"))),
        Err(error) => return Err(error),
    }
    page.api = vec![api_link("spikes", filters, &[])];
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

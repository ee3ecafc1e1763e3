//! `spendlens cc daily|weekly|monthly|session|blocks`: ccusage-style views of one person's Claude
//! Code transcripts. Each run first brings the ledger up to date with an incremental transcript
//! ingest (cheap when nothing changed), then turns the stored responses into
//! [`spendlens_analysis::ccusage`] entries (priced at list price, with any `costUSD` the lines
//! carried) and groups them in the report's time zone: as the ingest writes them when it rewrote
//! every day the person has (a first run), else read back from the person's own partition files.
//!
//! A grouped answer is kept in `DATA_DIR/cache/` under the key of everything it was computed
//! from: this binary (length and modification time), the price book, the question (zone
//! included), and the version of the person's stored files (which changes with any write to
//! them). A run whose key matches answers from the kept answer instead of reading and pricing
//! every line again; blocks keep the windows and work out what depends on the clock (active,
//! burn rate, projection) at each run. The cache is only ever an optimisation: a missing,
//! unreadable or stale file is recomputed (and rewritten).
//!
//! The JSON documents keep ccusage 20.0.24's names and nesting (`docs/ccusage-parity.md`).

use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use spendlens_analysis::ccusage::{self, Block, BlockOptions, Bucket, CostMode, Counts, Entry, Order, Report, ReportOptions};
use spendlens_model::{Money, Source, Speed, UsageLine};
use spendlens_pricing::Pricer;
use spendlens_store::{LakeExt, UsageDetail};

use crate::ingest::Progress;
use crate::kept::ViewCache;
use crate::timezone::ReportZone;
use crate::transcripts::TranscriptsIngested;
use crate::{App, AppError};

/// Which ccusage view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum View {
    Daily,
    /// Weeks starting on the given day (ccusage's default: Sunday).
    Weekly(Weekday),
    Monthly,
    Session,
}

/// Whose transcripts, where, and in which zone.
#[derive(Debug, Clone)]
pub struct Transcripts {
    pub email: String,
    /// The transcript folders to read.
    pub roots: Vec<PathBuf>,
    pub zone: ReportZone,
}

/// What a dated or session view is asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsageQuestion {
    pub view: View,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Only this project (the working directory encoded as Claude Code names its folder).
    pub project: Option<String>,
    /// Rows per project.
    pub instances: bool,
    pub order: Option<Order>,
    pub mode: CostMode,
}

/// A view's answer: what the ingest did and the grouped report.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageAnswer {
    pub ingested: TranscriptsIngested,
    pub report: Report,
}

/// What `cc blocks` is asked.
#[derive(Debug, Clone, PartialEq)]
pub struct BlocksQuestion {
    pub shown: BlockOptions,
    /// Hours per block (ccusage's `--session-length`, default 5).
    pub hours: f64,
    /// `Some(None)`: `max` (the largest closed block's tokens).
    pub token_limit: Option<Option<u64>>,
    pub mode: CostMode,
    pub project: Option<String>,
}

/// `cc blocks`' answer, at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlocksAnswer {
    pub ingested: TranscriptsIngested,
    pub blocks: Vec<Block>,
    pub now: DateTime<Utc>,
    pub length: Duration,
    pub token_limit: Option<u64>,
}

/// A block length in hours as a duration (positive, at most a year).
pub fn block_length(hours: f64) -> Result<Duration, AppError> {
    if !(hours > 0.0 && hours <= 8_760.0) {
        return Err(AppError::invalid(format!("--session-length {hours} must be a positive number of hours")));
    }
    Ok(Duration::milliseconds((hours * 3_600_000.0).round() as i64))
}

/// Claude Code's folder name for a working directory: every character but ASCII letters and
/// digits becomes `-` (`/home/ana/my.app` is `-home-ana-my-app`).
pub fn encode_project(cwd: &str) -> String {
    cwd.chars().map(|character| if character.is_ascii_alphanumeric() { character } else { '-' }).collect()
}

/// A stored response as a report entry, priced by `pricer`.
pub fn entry(line: &UsageLine, pricer: &mut Pricer<'_>) -> Entry {
    let tokens = &line.quantities.tokens;
    let model = if line.speed == Speed::Fast { format!("{}-fast", line.model) } else { line.model.clone() };
    Entry {
        at: line.start,
        model,
        input: tokens.input,
        output: tokens.output,
        cache_creation: tokens.cache_write_5m + tokens.cache_write_1h,
        cache_read: tokens.cache_read,
        cost: pricer.line_cost(line).ok().map(|cost| cost.total),
        reported: line.reported_cost,
        session: line.identity.session_id.clone().unwrap_or_else(|| "unknown".into()),
        project: line.identity.project.as_deref().map_or_else(|| "unknown".into(), encode_project),
    }
}

/// The entries and what the ingest did, or a kept answer.
pub(crate) enum Loaded<T> {
    Kept(T),
    Entries(Vec<Entry>),
}

impl App {
    /// Ingests the person's transcripts incrementally, then groups their responses for the view
    /// (from the cache when nothing it depends on changed).
    pub fn claude_code_usage(
        &self,
        whose: &Transcripts,
        question: &UsageQuestion,
        progress: &dyn Progress,
    ) -> Result<UsageAnswer, AppError> {
        let asked = format!("report {question:?} {}", whose.zone.name);
        let (ingested, loaded) = self.writing(|| self.cc_entries::<Report>(whose, &asked, progress))?;
        let report = match loaded {
            Loaded::Kept(report) => report,
            Loaded::Entries(entries) => {
                let options = ReportOptions {
                    bucket: match question.view {
                        View::Daily => Bucket::Daily,
                        View::Weekly(start) => Bucket::Weekly(start),
                        View::Monthly => Bucket::Monthly,
                        View::Session => Bucket::Session,
                    },
                    since: question.since,
                    until: question.until,
                    project: question.project.clone(),
                    instances: question.instances,
                    order: question.order,
                    mode: question.mode,
                };
                let report = ccusage::report(&entries, &options, &|at| whose.zone.day(at));
                self.cc_keep(whose, &asked, &report);
                report
            }
        };
        Ok(UsageAnswer { ingested, report })
    }

    /// Ingests, then the person's billing blocks as they stand at `now`.
    pub fn claude_code_blocks(
        &self,
        whose: &Transcripts,
        question: &BlocksQuestion,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<BlocksAnswer, AppError> {
        let length = block_length(question.hours)?;
        let asked = format!("blocks {:?} {:?} {}", question.mode, question.project, length.num_milliseconds());
        let (ingested, loaded) = self.writing(|| self.cc_entries::<Vec<Block>>(whose, &asked, progress))?;
        let all = match loaded {
            Loaded::Kept(blocks) => blocks,
            Loaded::Entries(mut entries) => {
                if let Some(project) = &question.project {
                    entries.retain(|entry| &entry.project == project);
                }
                let blocks = ccusage::blocks(&entries, length, question.mode);
                self.cc_keep(whose, &asked, &blocks);
                blocks
            }
        };
        let blocks = ccusage::select_blocks(all, &question.shown, now, length, &|at| whose.zone.day(at));
        let token_limit = match question.token_limit {
            Some(Some(limit)) => Some(limit),
            Some(None) => ccusage::max_token_limit(&blocks, now, length),
            None => None,
        };
        Ok(BlocksAnswer { ingested, blocks, now, length, token_limit })
    }

    /// Ingests incrementally; then the answer kept for `asked` if the person's stored responses
    /// have not changed since, else every stored response as an entry.
    pub(crate) fn cc_entries<T: DeserializeOwned>(
        &self,
        whose: &Transcripts,
        asked: &str,
        progress: &dyn Progress,
    ) -> Result<(TranscriptsIngested, Loaded<T>), AppError> {
        let book = self.price_book()?;
        let email = whose.email.as_str();
        let mine = |line: &&UsageLine| line.identity.actor_email.as_deref() == Some(email);
        // Each run of days the ingest rewrites becomes entries as it is written, on the writing
        // threads. When those runs hold every day the person has (a first run), that is all of
        // them, and nothing is read back.
        let fresh: Mutex<(Vec<spendlens_model::Period>, Vec<Entry>)> = Mutex::new((Vec::new(), Vec::new()));
        let written = |days: spendlens_model::Period, lines: &[UsageLine]| {
            let mut pricer = book.pricer();
            let part: Vec<Entry> = lines.iter().filter(mine).map(|line| entry(line, &mut pricer)).collect();
            if let Ok(mut fresh) = fresh.lock() {
                fresh.0.push(days);
                fresh.1.extend(part);
            }
        };
        let ingested = self.ingest_transcripts(&whose.roots, email, Some(&written), progress)?;
        let lake = self.lake()?;
        let cache =
            ViewCache::new(self, "cc", &format!("{asked} {email}"), book, lake.scope_usage_version(Source::Transcript, email, None)?);
        if let Some(kept) = cache.as_ref().and_then(ViewCache::read::<T>) {
            return Ok((ingested, Loaded::Kept(kept)));
        }
        let (rewritten, entries) = fresh.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stored = lake.scope_usage_days(Source::Transcript, email, None)?;
        if stored.iter().all(|day| rewritten.iter().any(|days| days.contains(*day))) {
            return Ok((ingested, Loaded::Entries(entries)));
        }
        // The person's own partition files, read directly (their scope is their email), each run
        // of days priced on its own core as it is read.
        let runs = lake.scope_usage_fold(
            Source::Transcript,
            email,
            None,
            UsageDetail::Full,
            || (book.pricer(), Vec::new()),
            |(pricer, entries): &mut (Pricer<'_>, Vec<Entry>), lines| {
                entries.extend(lines.iter().filter(mine).map(|line| entry(line, pricer)));
            },
        )?;
        Ok((ingested, Loaded::Entries(runs.into_iter().flat_map(|(_, entries)| entries).collect())))
    }

    /// Keeps `answer` for `asked` (best effort) under the current version of the person's files.
    pub(crate) fn cc_keep<T: Serialize>(&self, whose: &Transcripts, asked: &str, answer: &T) {
        let (Ok(book), Ok(lake)) = (self.price_book(), self.lake()) else { return };
        let Ok(version) = lake.scope_usage_version(Source::Transcript, &whose.email, None) else { return };
        if let Some(cache) = ViewCache::new(self, "cc", &format!("{asked} {}", whose.email), book, version) {
            cache.write(answer);
        }
    }
}

// ---- ccusage 20.0.24's JSON documents ----

fn dollars(money: Money) -> f64 {
    money.to_f64_lossy()
}

/// Totals in ccusage's names (`unpricedModels` only when some model could not be priced).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CcusageTotals {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_tokens: u64,
    pub cache_read_tokens: u64,
    pub total_tokens: u64,
    pub total_cost: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unpriced_models: Vec<String>,
}

/// One row of a view.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CcusageRow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Sessions: the project folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_path: Option<String>,
    /// Rows of `--instances` and `--project`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_tokens: u64,
    pub cache_read_tokens: u64,
    pub total_tokens: u64,
    pub total_cost: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_activity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<String>,
    pub models_used: Vec<String>,
    pub model_breakdowns: Vec<CcusageModel>,
}

/// One model's part of a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CcusageModel {
    pub model_name: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_tokens: u64,
    pub cache_read_tokens: u64,
    pub cost: f64,
    /// Only `true`, for a model the price book cannot price (its cost is 0).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub missing_pricing: bool,
}

/// A view's document: `daily` / `weekly` / `monthly` / `sessions` rows, or with `--instances`
/// the rows by project (`projects`), and `totals`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CcusageDocument {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<std::collections::BTreeMap<String, Vec<CcusageRow>>>,
    pub totals: CcusageTotals,
}

fn millis(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn totals(counts: &Counts, unpriced: Vec<String>) -> CcusageTotals {
    CcusageTotals {
        input_tokens: counts.input,
        output_tokens: counts.output,
        cache_creation_tokens: counts.cache_creation,
        cache_read_tokens: counts.cache_read,
        total_tokens: counts.total_tokens(),
        total_cost: dollars(counts.cost),
        unpriced_models: unpriced,
    }
}

fn row(row: &ccusage::Row, view: View) -> CcusageRow {
    let session = view == View::Session;
    let key = Some(row.key.clone());
    CcusageRow {
        date: if view == View::Daily { key.clone() } else { None },
        week: if matches!(view, View::Weekly(_)) { key.clone() } else { None },
        month: if view == View::Monthly { key.clone() } else { None },
        session_id: if session { key } else { None },
        project_path: if session { row.project.clone() } else { None },
        project: if session { None } else { row.project.clone() },
        input_tokens: row.counts.input,
        output_tokens: row.counts.output,
        cache_creation_tokens: row.counts.cache_creation,
        cache_read_tokens: row.counts.cache_read,
        total_tokens: row.counts.total_tokens(),
        total_cost: dollars(row.counts.cost),
        first_activity: session.then(|| millis(row.first_activity)),
        last_activity: session.then(|| millis(row.last_activity)),
        models_used: row.models_used.clone(),
        model_breakdowns: row
            .models
            .iter()
            .map(|part| CcusageModel {
                model_name: part.model.clone(),
                input_tokens: part.counts.input,
                output_tokens: part.counts.output,
                cache_creation_tokens: part.counts.cache_creation,
                cache_read_tokens: part.counts.cache_read,
                cost: dollars(part.counts.cost),
                missing_pricing: part.unpriced,
            })
            .collect(),
    }
}

/// The report in ccusage's shape (`instances`: rows by project, as `--instances` asks).
pub fn ccusage_document(report: &Report, view: View, instances: bool) -> CcusageDocument {
    let rows: Vec<CcusageRow> = report.rows.iter().map(|each| row(each, view)).collect();
    let mut document = CcusageDocument {
        daily: None,
        weekly: None,
        monthly: None,
        sessions: None,
        projects: None,
        totals: totals(&report.totals, report.unpriced.iter().cloned().collect()),
    };
    if instances && !rows.is_empty() {
        let mut projects: std::collections::BTreeMap<String, Vec<CcusageRow>> = std::collections::BTreeMap::new();
        for (each, source) in rows.into_iter().zip(&report.rows) {
            projects.entry(source.project.clone().unwrap_or_default()).or_default().push(each);
        }
        document.projects = Some(projects);
        return document;
    }
    match view {
        View::Daily => document.daily = Some(rows),
        View::Weekly(_) => document.weekly = Some(rows),
        View::Monthly => document.monthly = Some(rows),
        View::Session => document.sessions = Some(rows),
    }
    document
}

/// An f64 as ccusage's blocks print it: integral values as integers.
fn json_float<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 { serializer.serialize_i64(*value as i64) } else { serializer.serialize_f64(*value) }
}

/// `cc blocks --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlocksDocument {
    pub blocks: Vec<BlockJson>,
}

/// One block in ccusage's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockJson {
    pub id: String,
    pub start_time: String,
    pub end_time: String,
    pub actual_end_time: Option<String>,
    pub is_active: bool,
    pub is_gap: bool,
    pub entries: usize,
    pub token_counts: BlockTokens,
    pub total_tokens: u64,
    #[serde(rename = "costUSD", serialize_with = "json_float")]
    pub cost_usd: f64,
    pub models: Vec<String>,
    pub burn_rate: Option<BurnRateJson>,
    pub projection: Option<ProjectionJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_limit_status: Option<TokenLimitJson>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockTokens {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnRateJson {
    pub cost_per_hour: f64,
    pub tokens_per_minute: f64,
    pub tokens_per_minute_for_indicator: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionJson {
    pub remaining_minutes: i64,
    pub total_cost: f64,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenLimitJson {
    pub limit: u64,
    pub percent_used: f64,
    pub projected_usage: u64,
    /// `ok`, `warning` (over 80 %) or `exceeds`.
    pub status: &'static str,
}

/// The blocks in ccusage's shape.
pub fn blocks_document(answer: &BlocksAnswer) -> BlocksDocument {
    let (now, length) = (answer.now, answer.length);
    let blocks = answer
        .blocks
        .iter()
        .map(|block| {
            let burn = block.burn_rate(now, length);
            let projection = block.projection(now, length);
            let token_limit_status = match (answer.token_limit, projection) {
                (Some(limit), Some(projection)) if limit > 0 => {
                    let projected = projection.total_tokens;
                    let status = if projected > limit {
                        "exceeds"
                    } else if projected as f64 > 0.8 * limit as f64 {
                        "warning"
                    } else {
                        "ok"
                    };
                    Some(TokenLimitJson {
                        limit,
                        percent_used: projected as f64 / limit as f64 * 100.0,
                        projected_usage: projected,
                        status,
                    })
                }
                _ => None,
            };
            BlockJson {
                id: if block.gap { format!("gap-{}", millis(block.start)) } else { millis(block.start) },
                start_time: millis(block.start),
                end_time: millis(block.end),
                actual_end_time: if block.gap { None } else { block.last.map(millis) },
                is_active: block.is_active(now, length),
                is_gap: block.gap,
                entries: block.entries,
                token_counts: BlockTokens {
                    input_tokens: block.counts.input,
                    output_tokens: block.counts.output,
                    cache_creation_input_tokens: block.counts.cache_creation,
                    cache_read_input_tokens: block.counts.cache_read,
                },
                total_tokens: block.counts.total_tokens(),
                cost_usd: dollars(block.counts.cost),
                models: block.models.clone(),
                burn_rate: burn.map(|rate| BurnRateJson {
                    cost_per_hour: rate.cost_per_hour,
                    tokens_per_minute: rate.tokens_per_minute,
                    tokens_per_minute_for_indicator: rate.tokens_per_minute_for_indicator,
                }),
                projection: projection.map(|projection| ProjectionJson {
                    remaining_minutes: projection.remaining_minutes,
                    total_cost: projection.total_cost,
                    total_tokens: projection.total_tokens,
                }),
                token_limit_status,
            }
        })
        .collect();
    BlocksDocument { blocks }
}

/// `document` as the JSON text a face prints (see [`crate::views::to_json`]); `no_cost` removes
/// every `totalCost`, `costUSD` and `cost` key at any depth, as ccusage's `--no-cost` does.
pub fn cc_json<T: Serialize>(document: &T, no_cost: bool) -> Result<String, AppError> {
    let mut value = serde_json::to_value(document).map_err(|error| AppError::invalid(format!("cannot serialise a view: {error}")))?;
    if no_cost {
        strip_cost(&mut value);
    }
    crate::views::to_json(&value)
}

fn strip_cost(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|key, _| !matches!(key.as_str(), "totalCost" | "costUSD" | "cost"));
            map.values_mut().for_each(strip_cost);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_cost),
        _ => {}
    }
}

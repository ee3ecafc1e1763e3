//! `spendlens cc daily|monthly|session`: ccusage-style views of one person's Claude Code
//! transcripts. Each run first brings the ledger up to date with an incremental transcript ingest
//! (cheap when nothing changed), then groups the stored lines at list price: as the ingest writes
//! them when it rewrote every day the person has (a first run), else read back from the person's
//! own partition files.
//!
//! A grouped report is kept in `DATA_DIR/cache/` under the key of everything it was computed
//! from: this binary (length and modification time), the price book, the question, and the
//! version of the person's stored files (which changes with any write to them). A run whose key
//! matches answers from the kept report instead of reading and pricing every line again. The cache
//! is only ever an optimisation: a missing, unreadable or stale file is recomputed (and rewritten).
//!
//! [`ccusage_document`] gives ccusage's JSON shape (its names and nesting); the text table is
//! `spendlens-report`'s.

use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use spendlens_analysis::claude_code_usage::{Grouping, Tally, UsageGrouper, UsageReport, UsageRow};
use spendlens_model::{Day, Money, Period, Source, UsageLine};
use spendlens_pricing::PriceBook;
use spendlens_store::{LakeExt, UsageDetail};

use crate::ingest::Progress;
use crate::transcripts::TranscriptsIngested;
use crate::{App, AppError};

/// Which ccusage view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum View {
    /// One row per UTC day.
    Daily,
    /// One row per UTC month.
    Monthly,
    /// One row per Claude Code session, by last activity.
    Session,
}

impl View {
    fn grouping(self) -> Grouping {
        match self {
            View::Daily => Grouping::Daily,
            View::Monthly => Grouping::Monthly,
            View::Session => Grouping::Session,
        }
    }
}

/// The days a view shows: from `since` and through `until`, both inclusive and either open
/// (`None` when neither is given).
pub fn days_shown(since: Option<Day>, until: Option<Day>) -> Result<Option<Period>, AppError> {
    match (since, until) {
        (Some(since), Some(until)) if until < since => Err(AppError::invalid(format!("--until {until} is before --since {since}"))),
        (None, None) => Ok(None),
        (since, until) => {
            Ok(Some(Period::new(since.unwrap_or(Day::MIN), until.map_or(Day::MAX, |until| until.succ_opt().unwrap_or(Day::MAX)))))
        }
    }
}

/// What a `cc` view is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageQuestion {
    pub view: View,
    /// Days shown (all when `None`).
    pub period: Option<Period>,
    /// Whose transcripts.
    pub email: String,
    /// The transcript folders to read.
    pub roots: Vec<PathBuf>,
}

/// A `cc` view's answer: what the ingest did and the grouped report.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageAnswer {
    pub ingested: TranscriptsIngested,
    pub report: UsageReport,
}

impl App {
    /// Ingests the person's transcripts incrementally, then groups their stored lines for the
    /// view (from the cache when nothing it depends on changed).
    pub fn claude_code_usage(&self, question: &UsageQuestion, progress: &dyn Progress) -> Result<UsageAnswer, AppError> {
        self.writing(|| self.claude_code_usage_locked(question, progress))
    }

    fn claude_code_usage_locked(&self, question: &UsageQuestion, progress: &dyn Progress) -> Result<UsageAnswer, AppError> {
        let book = self.price_book()?;
        let (email, period, grouping) = (question.email.as_str(), question.period, question.view.grouping());
        let mine = |line: &&UsageLine| line.identity.actor_email.as_deref() == Some(email);
        // Each run of days the ingest rewrites is grouped as it is written, on the writing threads.
        // When those runs hold every day the person has (a first run), that is the whole view, and
        // nothing is read back.
        let fresh: Mutex<(Vec<Period>, UsageGrouper)> = Mutex::new((Vec::new(), UsageGrouper::new(book, grouping, period)));
        let written = |days: Period, lines: &[UsageLine]| {
            let mut part = UsageGrouper::new(book, grouping, period);
            lines.iter().filter(mine).for_each(|line| part.add(line));
            if let Ok(mut fresh) = fresh.lock() {
                fresh.0.push(days);
                fresh.1.absorb(part);
            }
        };
        let ingested = self.ingest_transcripts(&question.roots, email, Some(&written), progress)?;
        let lake = self.lake()?;
        let cache = ViewCache::new(self, question, book, lake.scope_usage_version(Source::Transcript, email, period)?);
        if let Some(report) = cache.as_ref().and_then(ViewCache::read) {
            return Ok(UsageAnswer { ingested, report });
        }
        let (rewritten, grouper) = fresh.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stored = lake.scope_usage_days(Source::Transcript, email, period)?;
        let grouper = if stored.iter().all(|day| rewritten.iter().any(|days| days.contains(*day))) {
            grouper
        } else {
            // The person's own partition files, read directly (their scope is their email), each
            // run of days priced and grouped on its own core as it is read.
            let runs = lake.scope_usage_fold(
                Source::Transcript,
                email,
                period,
                UsageDetail::Priced,
                || UsageGrouper::new(book, grouping, period),
                |grouper, lines| lines.iter().filter(mine).for_each(|line| grouper.add(line)),
            )?;
            let mut grouper = UsageGrouper::new(book, grouping, period);
            runs.into_iter().for_each(|run| grouper.absorb(run));
            grouper
        };
        let report = grouper.finish();
        if let Some(cache) = &cache {
            cache.write(&report);
        }
        Ok(UsageAnswer { ingested, report })
    }
}

/// One kept report (per question and person) and the key of the inputs it must match.
struct ViewCache {
    path: PathBuf,
    key: String,
}

#[derive(Serialize, Deserialize)]
struct Kept {
    key: String,
    report: UsageReport,
}

impl ViewCache {
    /// `None` when this binary cannot be stamped (then nothing is kept).
    fn new(app: &App, question: &UsageQuestion, book: &PriceBook, stored: u64) -> Option<Self> {
        use std::hash::{Hash, Hasher};
        let executable = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        let asked = format!("{:?} {:?} {}", question.view, question.period, question.email);
        let mut slot = std::hash::DefaultHasher::new();
        asked.hash(&mut slot);
        let mut inputs = std::hash::DefaultHasher::new();
        (executable.len(), executable.modified().ok(), format!("{book:?}"), stored).hash(&mut inputs);
        Some(ViewCache {
            path: app.settings.cache_dir().join(format!("cc-{:016x}.json", slot.finish())),
            key: format!("{asked} {:016x}", inputs.finish()),
        })
    }

    fn read(&self) -> Option<UsageReport> {
        let kept: Kept = serde_json::from_slice(&std::fs::read(&self.path).ok()?).ok()?;
        (kept.key == self.key).then_some(kept.report)
    }

    /// Best effort: a report that cannot be kept is computed again next time.
    fn write(&self, report: &UsageReport) {
        let kept = Kept { key: self.key.clone(), report: report.clone() };
        if let Ok(bytes) = serde_json::to_vec(&kept) {
            let _ = spendlens_store::atomic::write_file(&self.path, &bytes);
        }
    }
}

/// ccusage 20.0.24's JSON document for a view: `daily` / `monthly` / `sessions` rows and
/// `totals`, its names and nesting. Costs are numbers, as ccusage writes them; an unpriced model
/// adds no cost and is listed in `unpricedModels`, its breakdown's `cost` null.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CcusageDocument {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monthly: Option<Vec<CcusageRow>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Vec<CcusageRow>>,
    pub totals: CcusageTokens,
}

/// Tokens and cost in ccusage's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CcusageTokens {
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
    pub month: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(flatten)]
    pub tokens: CcusageTokens,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_activity: Option<String>,
    pub models_used: Vec<String>,
    pub model_breakdowns: Vec<CcusageModel>,
    /// Sessions only: the working directory (null when no line named one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_path: Option<Option<String>>,
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
    /// Null for a model the price book cannot price.
    pub cost: Option<f64>,
}

fn dollars(money: Money) -> f64 {
    money.to_f64_lossy()
}

fn tokens(tally: &Tally) -> CcusageTokens {
    CcusageTokens {
        input_tokens: tally.input,
        output_tokens: tally.output,
        cache_creation_tokens: tally.cache_creation,
        cache_read_tokens: tally.cache_read,
        total_tokens: tally.total_tokens(),
        total_cost: dollars(tally.cost),
        unpriced_models: tally.unpriced.iter().cloned().collect(),
    }
}

fn row(row: &UsageRow, view: View) -> CcusageRow {
    let session = view == View::Session;
    CcusageRow {
        date: (view == View::Daily).then(|| row.key.clone()),
        month: (view == View::Monthly).then(|| row.key.clone()),
        session_id: session.then(|| row.key.clone()),
        tokens: tokens(&row.tally),
        last_activity: session.then(|| row.last_activity.date_naive().to_string()),
        first_activity: session.then(|| row.first_activity.date_naive().to_string()),
        models_used: row.models.keys().cloned().collect(),
        model_breakdowns: row
            .models
            .iter()
            .map(|(model, tally)| CcusageModel {
                model_name: model.clone(),
                input_tokens: tally.input,
                output_tokens: tally.output,
                cache_creation_tokens: tally.cache_creation,
                cache_read_tokens: tally.cache_read,
                cost: tally.unpriced.is_empty().then(|| dollars(tally.cost)),
            })
            .collect(),
        project_path: session.then(|| row.project.clone()),
    }
}

/// The report in ccusage's shape.
pub fn ccusage_document(report: &UsageReport, view: View) -> CcusageDocument {
    let rows = Some(report.rows.iter().map(|each| row(each, view)).collect());
    let mut document = CcusageDocument { daily: None, monthly: None, sessions: None, totals: tokens(&report.totals) };
    match view {
        View::Daily => document.daily = rows,
        View::Monthly => document.monthly = rows,
        View::Session => document.sessions = rows,
    }
    document
}

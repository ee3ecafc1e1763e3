//! `spendlens cc daily|monthly|session`: ccusage-style views of this machine's Claude Code
//! transcripts. Each run first brings the ledger up to date with an incremental transcript ingest
//! (cheap when nothing changed), then prices the stored lines at list price: as the ingest writes
//! them when it rewrites every day the person has (the first run), else read back from the store.
//!
//! A rendered view is kept in `DATA_DIR/cache/` with the key of everything it was computed from:
//! this binary (length and modification time), the price book, the arguments, and the version of
//! the person's stored files ([`spendlens_store::Store::scope_usage_version`], which changes with
//! any write to them). A run whose key matches prints the kept view instead of reading and pricing
//! every line again; any change to the inputs changes the key. The cache is only ever an
//! optimisation: a missing, unreadable or stale file is recomputed (and rewritten).

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use spendlens_analysis::claude_code_usage::{Grouping, Tally, UsageGrouper, UsageReport, UsageRow};
use spendlens_model::{Day, Money, Period, Source, UsageLine};
use spendlens_pricing::PriceBook;
use spendlens_store::UsageDetail;

use crate::pipeline::{self, TranscriptsIngested};
use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// One row per UTC day.
    Daily,
    /// One row per UTC month.
    Monthly,
    /// One row per Claude Code session, by last activity.
    Session,
}

#[derive(Debug, Args)]
pub struct ClaudeCodeArgs {
    #[arg(value_enum)]
    pub view: View,
    /// First UTC day shown, inclusive (YYYY-MM-DD or YYYYMMDD). Days are UTC days.
    #[arg(long, value_parser = parse_day)]
    pub since: Option<Day>,
    /// Last UTC day shown, inclusive (YYYY-MM-DD or YYYYMMDD).
    #[arg(long, value_parser = parse_day)]
    pub until: Option<Day>,
    /// ccusage's JSON shape.
    #[arg(long)]
    pub json: bool,
    /// A row per model under each row of the table.
    #[arg(long)]
    pub breakdown: bool,
    /// Transcript folders to read (default: ~/.claude/projects, ~/.config/claude/projects, or each
    /// entry of $CLAUDE_CONFIG_DIR).
    #[arg(value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Whose transcripts these are (default: $SPENDLENS_EMAIL, else the OS user).
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
}

fn parse_day(text: &str) -> Result<Day, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y%m%d"))
        .map_err(|_| format!("{text:?} is not YYYY-MM-DD or YYYYMMDD"))
}

/// The person transcripts are attributed to: the flag (or `SPENDLENS_EMAIL`), else the OS user.
pub fn transcript_email(flag: Option<String>) -> String {
    let email = match flag {
        Some(email) if !email.trim().is_empty() => email,
        _ => std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into()),
    };
    email.trim().to_ascii_lowercase()
}

/// Tells what an incremental transcript ingest did, on stderr.
pub fn say_transcripts(ingested: &TranscriptsIngested) {
    eprintln!(
        "transcripts: read {} of {} file(s), {} bytes; {} response(s) stored over {} day(s)",
        ingested.files_read, ingested.files_found, ingested.bytes_read, ingested.responses_stored, ingested.days_rewritten
    );
    if ingested.incomplete_tails > 0 {
        eprintln!("  {} half-written last line(s) left for the next run", ingested.incomplete_tails);
    }
    for problem in ingested.problems.iter().take(20) {
        eprintln!("  skipped {problem}");
    }
    if ingested.problems.len() > 20 {
        eprintln!("  ... and {} more unreadable lines", ingested.problems.len() - 20);
    }
}

pub fn run(settings: &Settings, args: ClaudeCodeArgs) -> Result<()> {
    let period = match (args.since, args.until) {
        (Some(since), Some(until)) if until < since => bail!("--until {until} is before --since {since}"),
        (None, None) => None,
        (since, until) => Some(Period::new(
            since.unwrap_or(NaiveDate::MIN),
            until.map_or(NaiveDate::MAX, |until| until.succ_opt().unwrap_or(NaiveDate::MAX)),
        )),
    };
    let email = transcript_email(args.email.clone());
    let roots = if args.paths.is_empty() { pipeline::default_transcript_roots() } else { args.paths.clone() };
    let store = crate::commands::open_store(settings)?;
    let book = settings.price_book()?;
    let grouping = match args.view {
        View::Daily => Grouping::Daily,
        View::Monthly => Grouping::Monthly,
        View::Session => Grouping::Session,
    };
    let mine = |line: &&UsageLine| line.identity.actor_email.as_deref() == Some(email.as_str());
    // Each run of days the ingest rewrites is grouped as it is written, on the writing threads.
    // When those runs hold every day the person has (a first run), that is the whole view, and
    // nothing is read back.
    let fresh: Mutex<(Vec<Period>, UsageGrouper)> = Mutex::new((Vec::new(), UsageGrouper::new(&book, grouping, period)));
    let written = |days: Period, lines: &[UsageLine]| {
        let mut part = UsageGrouper::new(&book, grouping, period);
        lines.iter().filter(mine).for_each(|line| part.add(line));
        if let Ok(mut fresh) = fresh.lock() {
            fresh.0.push(days);
            fresh.1.absorb(part);
        }
    };
    say_transcripts(&pipeline::transcripts(&store, &settings.data_dir, &roots, &email, Some(&written))?);
    let cache = ViewCache::new(settings, &args, &email, period, &book, store.scope_usage_version(Source::Transcript, &email, period)?);
    if let Some(view) = cache.as_ref().and_then(ViewCache::read) {
        eprint!("{}", view.stderr);
        print!("{}", view.stdout);
        return Ok(());
    }
    let (rewritten, grouper) = fresh.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    let stored = store.scope_usage_days(Source::Transcript, &email, period)?;
    let grouper = if stored.iter().all(|day| rewritten.iter().any(|days| days.contains(*day))) {
        grouper
    } else {
        // The person's own partition files, read directly (their scope is their email), each
        // run of days priced and grouped on its own core as it is read.
        let runs = store.scope_usage_fold(
            Source::Transcript,
            &email,
            period,
            UsageDetail::Priced,
            || UsageGrouper::new(&book, grouping, period),
            |grouper, lines| lines.iter().filter(mine).for_each(|line| grouper.add(line)),
        )?;
        let mut grouper = UsageGrouper::new(&book, grouping, period);
        runs.into_iter().for_each(|run| grouper.absorb(run));
        grouper
    };
    let report = grouper.finish();
    let mut view = RenderedView::default();
    if !report.totals.unpriced.is_empty() {
        let names: Vec<&str> = report.totals.unpriced.iter().map(String::as_str).collect();
        view.stderr = format!("unpriced (not in the price book; their cost is left out): {}\n", names.join(", "));
    }
    view.stdout = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&report_json(&report, args.view))?)
    } else {
        report_table(&report, args.view, args.breakdown)
    };
    if let Some(cache) = &cache {
        cache.write(&view);
    }
    eprint!("{}", view.stderr);
    print!("{}", view.stdout);
    Ok(())
}

/// What a view prints.
#[derive(Debug, Default, Serialize, Deserialize)]
struct RenderedView {
    stdout: String,
    stderr: String,
}

/// One cached view (per arguments and person) and the key of the inputs it must match.
struct ViewCache {
    path: PathBuf,
    key: String,
}

#[derive(Serialize, Deserialize)]
struct CachedView {
    key: String,
    view: RenderedView,
}

impl ViewCache {
    /// `None` when this binary cannot be stamped (then nothing is cached).
    fn new(settings: &Settings, args: &ClaudeCodeArgs, email: &str, period: Option<Period>, book: &PriceBook, stored: u64) -> Option<Self> {
        use std::hash::{Hash, Hasher};
        let executable = std::env::current_exe().and_then(std::fs::metadata).ok()?;
        let question = format!("{:?} {period:?} {} {} {email}", args.view, args.json, args.breakdown);
        let mut slot = std::hash::DefaultHasher::new();
        question.hash(&mut slot);
        let mut inputs = std::hash::DefaultHasher::new();
        (executable.len(), executable.modified().ok(), format!("{book:?}"), stored).hash(&mut inputs);
        Some(ViewCache {
            path: settings.data_dir.join("cache").join(format!("cc-{:016x}.json", slot.finish())),
            key: format!("{question} {:016x}", inputs.finish()),
        })
    }

    fn read(&self) -> Option<RenderedView> {
        let cached: CachedView = serde_json::from_slice(&std::fs::read(&self.path).ok()?).ok()?;
        (cached.key == self.key).then_some(cached.view)
    }

    /// Best effort: a view that cannot be kept is computed again next time.
    fn write(&self, view: &RenderedView) {
        let Some(directory) = self.path.parent() else { return };
        let temporary = self.path.with_extension(format!("tmp-{}", std::process::id()));
        let cached = CachedView { key: self.key.clone(), view: RenderedView { stdout: view.stdout.clone(), stderr: view.stderr.clone() } };
        let written = std::fs::create_dir_all(directory)
            .and_then(|()| serde_json::to_vec(&cached).map_err(std::io::Error::other))
            .and_then(|bytes| std::fs::write(&temporary, bytes))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

fn dollars(money: Money) -> Value {
    json!(money.to_f64_lossy())
}

fn tokens_json(tally: &Tally) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    map.insert("inputTokens".into(), json!(tally.input));
    map.insert("outputTokens".into(), json!(tally.output));
    map.insert("cacheCreationTokens".into(), json!(tally.cache_creation));
    map.insert("cacheReadTokens".into(), json!(tally.cache_read));
    map.insert("totalTokens".into(), json!(tally.total_tokens()));
    map.insert("totalCost".into(), dollars(tally.cost));
    if !tally.unpriced.is_empty() {
        map.insert("unpricedModels".into(), json!(tally.unpriced));
    }
    map
}

fn row_json(row: &UsageRow, view: View) -> Value {
    let mut map = serde_json::Map::new();
    match view {
        View::Daily => {
            map.insert("date".into(), json!(row.key));
        }
        View::Monthly => {
            map.insert("month".into(), json!(row.key));
        }
        View::Session => {
            map.insert("sessionId".into(), json!(row.key));
        }
    }
    map.extend(tokens_json(&row.tally));
    if view == View::Session {
        map.insert("lastActivity".into(), json!(row.last_activity.date_naive().to_string()));
        map.insert("firstActivity".into(), json!(row.first_activity.date_naive().to_string()));
    }
    map.insert("modelsUsed".into(), json!(row.models.keys().collect::<Vec<_>>()));
    let breakdowns: Vec<Value> = row
        .models
        .iter()
        .map(|(model, tally)| {
            json!({
                "modelName": model, "inputTokens": tally.input, "outputTokens": tally.output,
                "cacheCreationTokens": tally.cache_creation, "cacheReadTokens": tally.cache_read,
                "cost": if tally.unpriced.is_empty() { dollars(tally.cost) } else { Value::Null },
            })
        })
        .collect();
    map.insert("modelBreakdowns".into(), json!(breakdowns));
    if view == View::Session {
        map.insert("projectPath".into(), json!(row.project));
    }
    Value::Object(map)
}

/// ccusage's shape: `daily` / `monthly` / `sessions` and `totals`. Unpriced models add no cost
/// and are listed in `unpricedModels`; their breakdown's `cost` is null.
fn report_json(report: &UsageReport, view: View) -> Value {
    let name = match view {
        View::Daily => "daily",
        View::Monthly => "monthly",
        View::Session => "sessions",
    };
    let rows: Vec<Value> = report.rows.iter().map(|row| row_json(row, view)).collect();
    let mut map = serde_json::Map::new();
    map.insert(name.into(), Value::Array(rows));
    map.insert("totals".into(), Value::Object(tokens_json(&report.totals)));
    Value::Object(map)
}

fn cost_cell(tally: &Tally) -> String {
    let cost = format!("${:.2}", tally.cost.round_cents().to_f64_lossy());
    if tally.unpriced.is_empty() { cost } else { format!("{cost} + unpriced") }
}

fn report_table(report: &UsageReport, view: View, breakdown: bool) -> String {
    let first = match view {
        View::Daily => "Date",
        View::Monthly => "Month",
        View::Session => "Session",
    };
    let mut columns = vec![first, "Models", "Input>", "Output>", "Cache Create>", "Cache Read>", "Total Tokens>", "Cost (USD)>"];
    if view == View::Session {
        columns.push("Last Activity");
    }
    let mut table = spendlens_report::Table::new(&columns);
    let cells = |label: String, models: String, tally: &Tally| {
        vec![
            label,
            models,
            tally.input.to_string(),
            tally.output.to_string(),
            tally.cache_creation.to_string(),
            tally.cache_read.to_string(),
            tally.total_tokens().to_string(),
            cost_cell(tally),
        ]
    };
    for row in &report.rows {
        let models: Vec<&str> = row.models.keys().map(String::as_str).collect();
        let mut cells_of_row = cells(row.key.clone(), models.join(", "), &row.tally);
        if view == View::Session {
            cells_of_row.push(row.last_activity.date_naive().to_string());
        }
        table.row(cells_of_row);
        if breakdown {
            for (model, tally) in &row.models {
                let mut sub = cells(format!("  └─ {model}"), String::new(), tally);
                if view == View::Session {
                    sub.push(String::new());
                }
                table.row(sub);
            }
        }
    }
    let mut total = cells("Total".into(), String::new(), &report.totals);
    if view == View::Session {
        total.push(String::new());
    }
    table.row(total);
    let title = match view {
        View::Daily => "Claude Code token usage by UTC day",
        View::Monthly => "Claude Code token usage by UTC month",
        View::Session => "Claude Code token usage by session",
    };
    format!("{title} (list price)\n\n{}", table.render(0))
}

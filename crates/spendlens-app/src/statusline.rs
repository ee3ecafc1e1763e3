//! `spendlens cc statusline`: the one line Claude Code shows under its prompt, as ccusage's
//! `statusline` prints it. Claude Code runs the hook on every prompt with a JSON object on stdin
//! (`session_id`, `transcript_path`, `model.display_name`, optionally `cost.total_cost_usd`,
//! `context_window.total_input_tokens` and `context_window_size`, `effort.level`):
//!
//! `🤖 Sonnet 4.5 | 💰 $0.50 session / $0.08 today / $0.08 block (2h 22m left) | 🔥 $0.04/hr | 🧠 120,000 (60%)`
//!
//! It must answer fast on a large history, so it does what the views do: an incremental ingest
//! (nothing is read when nothing changed), then a summary kept in the cache under the version of
//! the person's stored files (cost per local day, per session, and the latest billing block);
//! only what depends on the clock (today, the block's time left and pace) is worked out per run.

use spendlens_model::thousands;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use spendlens_analysis::ccusage::{self, Block, CostMode};
use spendlens_model::Money;

use crate::claude_code::{Loaded, Transcripts};
use crate::ingest::Progress;
use crate::transcripts::TranscriptsIngested;
use crate::{App, AppError};

/// What Claude Code passes to a status-line command.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookInput {
    pub session_id: String,
    pub transcript_path: String,
    pub model: HookModel,
    #[serde(default)]
    pub cost: Option<HookCost>,
    #[serde(default)]
    pub context_window: Option<HookContext>,
    #[serde(default)]
    pub effort: Option<HookEffort>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookModel {
    pub display_name: String,
    #[serde(default)]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookCost {
    #[serde(default)]
    pub total_cost_usd: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookContext {
    #[serde(default)]
    pub total_input_tokens: Option<u64>,
    #[serde(default)]
    pub context_window_size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HookEffort {
    #[serde(default)]
    pub level: Option<String>,
}

/// Reads the hook's JSON; errors say what is wrong with it.
pub fn parse_hook_input(text: &str) -> Result<HookInput, AppError> {
    if text.trim().is_empty() {
        return Err(AppError::invalid("no input on stdin: Claude Code passes the status-line hook a JSON object"));
    }
    serde_json::from_str(text).map_err(|error| AppError::invalid(format!("status-line input (stdin), {error}")))
}

/// Which session cost is shown (ccusage's `--cost-source`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CostSource {
    /// Claude Code's own figure when the hook gives one, else spendlens's.
    #[default]
    Auto,
    /// Claude Code's figure only.
    ClaudeCode,
    /// spendlens's sum of the session's responses.
    Spendlens,
    /// Both.
    Both,
}

/// The burn-rate indicator (ccusage's `--visual-burn-rate`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BurnVisual {
    #[default]
    Off,
    Emoji,
    Text,
    EmojiText,
}

/// How the line is made.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusOptions {
    pub cost_source: CostSource,
    pub burn: BurnVisual,
    pub mode: CostMode,
}

/// What the statusline keeps between runs: costs by local day and by session, the latest block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusSummary {
    pub by_day: BTreeMap<NaiveDate, Money>,
    pub by_session: HashMap<String, Money>,
    /// The latest block that is not a gap (5-hour windows).
    pub last_block: Option<Block>,
}

/// The line and what the ingest did.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusAnswer {
    pub ingested: TranscriptsIngested,
    pub line: String,
}

/// ccusage's block length for the statusline.
const BLOCK_HOURS: i64 = 5;

impl App {
    /// Ingests incrementally, then the status line for `input` at `now`.
    pub fn claude_code_statusline(
        &self,
        whose: &Transcripts,
        input: &HookInput,
        options: &StatusOptions,
        now: DateTime<Utc>,
        progress: &dyn Progress,
    ) -> Result<StatusAnswer, AppError> {
        let length = chrono::Duration::hours(BLOCK_HOURS);
        let asked = format!("statusline {:?} {}", options.mode, whose.zone.name);
        let (ingested, loaded) = self.writing(|| self.cc_entries::<StatusSummary>(whose, &asked, progress))?;
        let summary = match loaded {
            Loaded::Kept(summary) => summary,
            Loaded::Entries(entries) => {
                let mut summary = StatusSummary::default();
                for entry in &entries {
                    let (cost, _) = entry.cost_in(options.mode);
                    *summary.by_day.entry(whose.zone.day(entry.at)).or_default() += cost;
                    *summary.by_session.entry(entry.session.clone()).or_default() += cost;
                }
                summary.last_block = ccusage::blocks(&entries, length, options.mode).into_iter().rev().find(|block| !block.gap);
                self.cc_keep(whose, &asked, &summary);
                summary
            }
        };
        let book = self.price_book()?;
        let window = input.model.id.as_deref().and_then(|model| book.resolve(model)).map_or(200_000, |prices| {
            // A model with a long-context tier has the 1M-token window.
            if prices.long_context.is_some() { 1_000_000 } else { 200_000 }
        });
        let context = context_use(input, window);
        Ok(StatusAnswer { ingested, line: status_line(input, &summary, options, whose.zone.day(now), now, length, context) })
    }
}

/// `$1.23`; ccusage prints two decimals.
fn usd(amount: f64) -> String {
    format!("${amount:.2}")
}

/// The line, from the summary and the hook's input.
pub fn status_line(
    input: &HookInput,
    summary: &StatusSummary,
    options: &StatusOptions,
    today: NaiveDate,
    now: DateTime<Utc>,
    length: chrono::Duration,
    context: Option<(u64, u64)>,
) -> String {
    let mut label = input.model.display_name.clone();
    if let Some(level) = input.effort.as_ref().and_then(|effort| effort.level.as_deref()) {
        label += &format!(" ({level})");
    }
    let ours = summary.by_session.get(&input.session_id).copied().unwrap_or(Money::ZERO).to_f64_lossy();
    let hook = input.cost.as_ref().and_then(|cost| cost.total_cost_usd);
    let session = match (options.cost_source, hook) {
        (CostSource::Auto, Some(hook)) | (CostSource::ClaudeCode, Some(hook)) => usd(hook),
        (CostSource::ClaudeCode, None) => "N/A".into(),
        (CostSource::Auto | CostSource::Spendlens, _) => usd(ours),
        (CostSource::Both, hook) => format!("({} cc / {} spendlens)", hook.map_or_else(|| "N/A".into(), usd), usd(ours)),
    };
    let today_cost = summary.by_day.get(&today).copied().unwrap_or(Money::ZERO).to_f64_lossy();
    let mut line = format!("🤖 {label} | 💰 {session} session / {} today / ", usd(today_cost));
    match summary.last_block.as_ref().filter(|block| block.is_active(now, length)) {
        Some(block) => {
            let left = (block.end - now).num_minutes().max(0);
            let left = if left >= 60 { format!("{}h {}m left", left / 60, left % 60) } else { format!("{left}m left") };
            line += &format!("{} block ({left})", usd(block.counts.cost.to_f64_lossy()));
            if let Some(rate) = block.burn_rate(now, length) {
                line += &format!(" | 🔥 {}/hr", usd(rate.cost_per_hour));
                let pace = rate.tokens_per_minute_for_indicator;
                let (emoji, text) = if pace < 2_000.0 {
                    ("🟢", "Normal")
                } else if pace < 5_000.0 {
                    ("⚠️", "Moderate")
                } else {
                    ("🚨", "High")
                };
                match options.burn {
                    BurnVisual::Off => {}
                    BurnVisual::Emoji => line += &format!(" {emoji}"),
                    BurnVisual::Text => line += &format!(" ({text})"),
                    BurnVisual::EmojiText => line += &format!(" {emoji} ({text})"),
                }
            }
        }
        None => line += "No active block",
    }
    line += " | 🧠 ";
    match context {
        Some((tokens, size)) if size > 0 => {
            line += &format!("{} ({}%)", thousands(tokens), (tokens as f64 / size as f64 * 100.0).round() as u64);
        }
        _ => line += "N/A",
    }
    line
}

/// Tokens in the context and the window's size: the hook's figures when it gives them, else the
/// last assistant reply in the transcript (its input, cache writes and reads) over `window` (the
/// model's: 1,000,000 tokens for a model with a long-context tier, else 200,000).
pub fn context_use(input: &HookInput, window: u64) -> Option<(u64, u64)> {
    if let Some(HookContext { total_input_tokens: Some(tokens), context_window_size: Some(size) }) = &input.context_window {
        return Some((*tokens, *size));
    }
    last_reply_context(Path::new(&input.transcript_path)).map(|tokens| (tokens, window))
}

/// The prompt size of the transcript's last assistant reply with usage, read from the file's
/// last 512 KiB (a long transcript is not read whole).
fn last_reply_context(path: &Path) -> Option<u64> {
    const TAIL: u64 = 512 * 1024;
    let mut file = std::fs::File::open(path).ok()?;
    let length = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(TAIL))).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    for raw in bytes.split(|byte| *byte == b'\n').rev() {
        if memchr_usage(raw) {
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(raw) else { continue };
            if value.get("type").and_then(serde_json::Value::as_str) != Some("assistant") {
                continue;
            }
            let Some(usage) = value.pointer("/message/usage") else { continue };
            let count = |key: &str| usage.get(key).and_then(serde_json::Value::as_u64).unwrap_or(0);
            return Some(count("input_tokens") + count("cache_creation_input_tokens") + count("cache_read_input_tokens"));
        }
    }
    None
}

fn memchr_usage(raw: &[u8]) -> bool {
    raw.windows(8).any(|window| window == b"\"usage\":")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use spendlens_analysis::ccusage::Counts;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_line_shows_session_today_the_open_block_its_pace_and_context() {
        let input = parse_hook_input(
            r#"{"session_id":"s1","transcript_path":"/nowhere.jsonl","model":{"id":"claude-sonnet-4-5","display_name":"Sonnet 4.5"},
                "cost":{"total_cost_usd":0.5},"context_window":{"total_input_tokens":120000,"context_window_size":200000},"workspace":{}}"#,
        )
        .unwrap();
        let money = |text: &str| text.parse::<Money>().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let block = Block {
            start: at("2026-12-05T06:00:00Z"),
            end: at("2026-12-05T11:00:00Z"),
            gap: false,
            first: Some(at("2026-12-05T06:10:00Z")),
            last: Some(at("2026-12-05T08:10:00Z")),
            entries: 3,
            counts: Counts { input: 1_000, output: 1_000, cache_creation: 0, cache_read: 0, cost: money("0.08") },
            models: vec!["claude-sonnet-4-5".into()],
            unpriced: Default::default(),
        };
        let summary = StatusSummary {
            by_day: [(day, money("0.08")), (day.pred_opt().unwrap(), money("3"))].into(),
            by_session: [("s1".to_string(), money("0.12"))].into(),
            last_block: Some(block),
        };
        let options = StatusOptions { cost_source: CostSource::Auto, burn: BurnVisual::Off, mode: CostMode::Auto };
        let now = at("2026-12-05T08:38:00Z");
        let hours = chrono::Duration::hours(5);
        let context = context_use(&input, 200_000);
        // $0.08 over two hours is $0.04 an hour; 11:00 is 2 h 22 m away; 120,000 of 200,000 is 60 %.
        assert_eq!(
            status_line(&input, &summary, &options, day, now, hours, context),
            "🤖 Sonnet 4.5 | 💰 $0.50 session / $0.08 today / $0.08 block (2h 22m left) | 🔥 $0.04/hr | 🧠 120,000 (60%)"
        );
        let both = StatusOptions { cost_source: CostSource::Both, burn: BurnVisual::EmojiText, ..options.clone() };
        assert_eq!(
            status_line(&input, &summary, &both, day, now, hours, context),
            "🤖 Sonnet 4.5 | 💰 ($0.50 cc / $0.12 spendlens) session / $0.08 today / $0.08 block (2h 22m left) | 🔥 $0.04/hr 🟢 (Normal) | 🧠 120,000 (60%)"
        );
        // Six hours later the block is closed; no context figures and no transcript: N/A.
        let mut later = input.clone();
        later.context_window = None;
        later.cost = None;
        let late = at("2026-12-05T14:38:00Z");
        assert_eq!(
            status_line(&later, &summary, &options, day, late, hours, context_use(&later, 200_000)),
            "🤖 Sonnet 4.5 | 💰 $0.12 session / $0.08 today / No active block | 🧠 N/A"
        );
        assert!(parse_hook_input("").is_err());
        assert!(parse_hook_input(r#"{"session_id":"s"}"#).unwrap_err().to_string().contains("transcript_path"));
    }

    #[test]
    fn context_comes_from_the_last_assistant_reply_when_the_hook_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(
            &path,
            concat!(
                r#"{"type":"assistant","message":{"usage":{"input_tokens":1,"cache_creation_input_tokens":2,"cache_read_input_tokens":3,"output_tokens":4}}}"#,
                "\n",
                r#"{"type":"assistant","message":{"usage":{"input_tokens":10,"cache_creation_input_tokens":20000,"cache_read_input_tokens":30000,"output_tokens":4}}}"#,
                "\n",
                r#"{"type":"user","message":{"usage":{"input_tokens":99,"output_tokens":1}}}"#,
                "\n"
            ),
        )
        .unwrap();
        let input = HookInput {
            session_id: "s".into(),
            transcript_path: path.display().to_string(),
            model: HookModel { display_name: "Opus".into(), id: None },
            cost: None,
            context_window: None,
            effort: None,
        };
        assert_eq!(context_use(&input, 1_000_000), Some((50_010, 1_000_000)));
    }
}

//! `spendlens cc daily|monthly|session`: ccusage-style views of this machine's Claude Code
//! transcripts, after an incremental ingest.

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use spendlens_app::App;
use spendlens_app::claude_code::{UsageQuestion, View, ccusage_document, days_shown};
use spendlens_app::transcripts::{default_transcript_roots, person_email};
use spendlens_app::views::to_json;
use spendlens_model::Day;

use crate::progress::Bars;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewArg {
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
    pub view: ViewArg,
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

pub fn run(app: &App, args: ClaudeCodeArgs) -> Result<()> {
    let period = days_shown(args.since, args.until)?;
    let view = match args.view {
        ViewArg::Daily => View::Daily,
        ViewArg::Monthly => View::Monthly,
        ViewArg::Session => View::Session,
    };
    let roots = if args.paths.is_empty() { default_transcript_roots() } else { args.paths.clone() };
    let question = UsageQuestion { view, period, email: person_email(args.email.as_deref()), roots };
    let answer = app.claude_code_usage(&question, &Bars::default())?;
    eprint!("{}", spendlens_report::transcripts_text(&answer.ingested));
    if let Some(note) = spendlens_report::cc_unpriced_note(&answer.report) {
        eprint!("{note}");
    }
    if args.json {
        print!("{}", to_json(&ccusage_document(&answer.report, view))?);
    } else {
        print!("{}", spendlens_report::cc_table(&answer.report, view, args.breakdown));
    }
    Ok(())
}

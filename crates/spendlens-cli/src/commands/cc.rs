//! `spendlens cc daily|weekly|monthly|session|blocks|statusline`: ccusage-style views of this
//! machine's Claude Code transcripts, after an incremental ingest; days in the machine's time
//! zone unless `--timezone` names another.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{NaiveDate, Utc, Weekday};
use clap::{Args, Subcommand, ValueEnum};
use spendlens_analysis::ccusage::{BlockOptions, CostMode, Order};
use spendlens_app::App;
use spendlens_app::claude_code::{BlocksQuestion, Transcripts, UsageQuestion, View, blocks_document, cc_json, ccusage_document};
use spendlens_app::statusline::{BurnVisual, CostSource, StatusOptions, parse_hook_input};
use spendlens_app::timezone::ReportZone;
use spendlens_app::transcripts::{default_transcript_roots, person_email};

use crate::progress::Bars;

#[derive(Debug, Args)]
pub struct ClaudeCodeArgs {
    #[command(subcommand)]
    pub command: CcCommand,
}

#[derive(Debug, Subcommand)]
pub enum CcCommand {
    /// One row per local day.
    Daily(ReportArgs),
    /// One row per week (starting on --start-of-week, default Sunday).
    Weekly {
        /// The day weeks start on.
        #[arg(long, short = 'w', value_enum, default_value = "sunday")]
        start_of_week: WeekStart,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// One row per local month.
    Monthly(ReportArgs),
    /// One row per Claude Code session (project and session id), most expensive first.
    Session(ReportArgs),
    /// 5-hour billing windows (ccusage's blocks), with the open one's burn rate and projection.
    Blocks(BlocksArgs),
    /// The one line a Claude Code status-line hook prints: reads the hook's JSON on stdin.
    Statusline(StatuslineArgs),
    /// The organisation's discipline against peers (context per session, the most capable model
    /// on routine work, cache hit rate, sessions per day), outliers with their cost, and work on
    /// the wrong path (Claude Code automation, interactive API keys), from the ledger.
    Insights(crate::commands::seats::InsightsArgs),
}

/// Where the transcripts are, whose, and in which zone.
#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Transcript folders to read (default: ~/.claude/projects, ~/.config/claude/projects, or each
    /// entry of $CLAUDE_CONFIG_DIR).
    #[arg(value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Whose transcripts these are (default: $SPENDLENS_EMAIL, else the OS user).
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
    /// The time zone days are counted in: an IANA name (Europe/Berlin), UTC, or local (default:
    /// this machine's, from TZ or /etc/localtime).
    #[arg(long, short = 'z')]
    pub timezone: Option<String>,
    /// Where costs come from: auto (a line's costUSD where older Claude Code wrote one, else the
    /// price book), calculate (always the price book), display (costUSD only).
    #[arg(long, short = 'm', value_enum, default_value = "auto")]
    pub mode: ModeArg,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// First local day shown, inclusive (YYYY-MM-DD or YYYYMMDD).
    #[arg(long, short = 's', value_parser = parse_day)]
    pub since: Option<NaiveDate>,
    /// Last local day shown, inclusive (YYYY-MM-DD or YYYYMMDD).
    #[arg(long, short = 'u', value_parser = parse_day)]
    pub until: Option<NaiveDate>,
    /// ccusage's JSON shape.
    #[arg(long, short = 'j')]
    pub json: bool,
    /// A row per model under each row of the table.
    #[arg(long, short = 'b')]
    pub breakdown: bool,
    /// Rows per project (the project folder Claude Code names after the working directory).
    #[arg(long, short = 'i')]
    pub instances: bool,
    /// Only this project: its folder name, e.g. -home-ana-my-app.
    #[arg(long, short = 'p', allow_hyphen_values = true)]
    pub project: Option<String>,
    /// Row order: by date (default asc); sessions by cost (default desc).
    #[arg(long, short = 'o', value_enum)]
    pub order: Option<OrderArg>,
    /// Leave every cost out (tables and JSON).
    #[arg(long)]
    pub no_cost: bool,
}

#[derive(Debug, Args)]
pub struct BlocksArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Blocks starting on or after this local day (YYYY-MM-DD or YYYYMMDD).
    #[arg(long, short = 's', value_parser = parse_day)]
    pub since: Option<NaiveDate>,
    /// Blocks starting on or before this local day.
    #[arg(long, short = 'u', value_parser = parse_day)]
    pub until: Option<NaiveDate>,
    #[arg(long, short = 'j')]
    pub json: bool,
    /// A row per model under each block of the table.
    #[arg(long, short = 'b')]
    pub breakdown: bool,
    /// Only the open block, with its burn rate and projection.
    #[arg(long, short = 'a')]
    pub active: bool,
    /// Only blocks of the last three days (and the open one).
    #[arg(long, short = 'r')]
    pub recent: bool,
    /// A token limit to project against: a number, or max (the largest closed block shown).
    #[arg(long, short = 't', num_args = 0..=1, default_missing_value = "max")]
    pub token_limit: Option<String>,
    /// Block length in hours.
    #[arg(long, short = 'n', default_value_t = 5.0)]
    pub session_length: f64,
    /// Only this project's responses (its folder name).
    #[arg(long, short = 'p', allow_hyphen_values = true)]
    pub project: Option<String>,
    /// Block order by start (default asc).
    #[arg(long, short = 'o', value_enum)]
    pub order: Option<OrderArg>,
    /// Leave every cost out.
    #[arg(long)]
    pub no_cost: bool,
    /// Not available on blocks (they are billing windows across projects): refused with a reason.
    #[arg(long, short = 'i', hide = true)]
    pub instances: bool,
}

#[derive(Debug, Args)]
pub struct StatuslineArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Which session cost: auto (Claude Code's when the hook gives it), cc, spendlens, both.
    #[arg(long, value_enum, default_value = "auto")]
    pub cost_source: CostSourceArg,
    /// Mark the burn rate: off, emoji, text, emoji-text.
    #[arg(long, short = 'B', value_enum, default_value = "off")]
    pub visual_burn_rate: BurnArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WeekStart {
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Auto,
    Calculate,
    Display,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostSourceArg {
    Auto,
    Cc,
    Spendlens,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BurnArg {
    Off,
    Emoji,
    Text,
    EmojiText,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y%m%d"))
        .map_err(|_| format!("{text:?} is not YYYY-MM-DD or YYYYMMDD"))
}

fn order(arg: Option<OrderArg>) -> Option<Order> {
    arg.map(|arg| if arg == OrderArg::Asc { Order::Asc } else { Order::Desc })
}

fn transcripts(source: &SourceArgs) -> Result<(Transcripts, CostMode)> {
    let roots = if source.paths.is_empty() { default_transcript_roots() } else { source.paths.clone() };
    let zone = ReportZone::resolve(source.timezone.as_deref())?;
    let mode = match source.mode {
        ModeArg::Auto => CostMode::Auto,
        ModeArg::Calculate => CostMode::Calculate,
        ModeArg::Display => CostMode::Display,
    };
    Ok((Transcripts { email: person_email(source.email.as_deref()), roots, zone }, mode))
}

fn check_days(since: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<()> {
    if let (Some(since), Some(until)) = (since, until)
        && until < since
    {
        anyhow::bail!("--until {until} is before --since {since}");
    }
    Ok(())
}

pub fn run(app: &App, args: ClaudeCodeArgs) -> Result<()> {
    let (view, report) = match args.command {
        CcCommand::Daily(report) => (View::Daily, report),
        CcCommand::Weekly { start_of_week, report } => {
            let start = match start_of_week {
                WeekStart::Sunday => Weekday::Sun,
                WeekStart::Monday => Weekday::Mon,
                WeekStart::Tuesday => Weekday::Tue,
                WeekStart::Wednesday => Weekday::Wed,
                WeekStart::Thursday => Weekday::Thu,
                WeekStart::Friday => Weekday::Fri,
                WeekStart::Saturday => Weekday::Sat,
            };
            (View::Weekly(start), report)
        }
        CcCommand::Monthly(report) => (View::Monthly, report),
        CcCommand::Session(report) => (View::Session, report),
        CcCommand::Blocks(blocks) => return run_blocks(app, blocks),
        CcCommand::Statusline(status) => return run_statusline(app, status),
        CcCommand::Insights(insights) => return crate::commands::seats::run_insights(app, &insights),
    };
    check_days(report.since, report.until)?;
    let (whose, mode) = transcripts(&report.source)?;
    let question = UsageQuestion {
        view,
        since: report.since,
        until: report.until,
        project: report.project.clone(),
        instances: report.instances,
        order: order(report.order),
        mode,
    };
    let answer = app.claude_code_usage(&whose, &question, &Bars::default())?;
    eprint!("{}", spendlens_report::transcripts_text(&answer.ingested));
    eprint!("{}", spendlens_report::cc_notes(&answer.report.unpriced, &whose.zone.label(), mode));
    if report.json {
        crate::out!("{}", cc_json(&ccusage_document(&answer.report, view, report.instances), report.no_cost)?);
    } else {
        crate::out!("{}", spendlens_report::cc_table(&answer.report, view, report.breakdown, !report.no_cost, &whose.zone.label()));
    }
    Ok(())
}

fn run_blocks(app: &App, args: BlocksArgs) -> Result<()> {
    if args.instances {
        anyhow::bail!("--instances is not available on blocks: a 5-hour window spans every project (use --project to see one)");
    }
    check_days(args.since, args.until)?;
    let (whose, mode) = transcripts(&args.source)?;
    let token_limit = match args.token_limit.as_deref().map(str::trim) {
        None => None,
        Some("max") | Some("") => Some(None),
        Some(number) => {
            Some(Some(number.parse::<u64>().map_err(|_| anyhow::anyhow!("--token-limit {number:?} is not a whole number or max"))?))
        }
    };
    let question = BlocksQuestion {
        shown: BlockOptions { since: args.since, until: args.until, order: order(args.order), recent: args.recent, active: args.active },
        hours: args.session_length,
        token_limit,
        mode,
        project: args.project.clone(),
    };
    let answer = app.claude_code_blocks(&whose, &question, Utc::now(), &Bars::default())?;
    eprint!("{}", spendlens_report::transcripts_text(&answer.ingested));
    eprint!("{}", spendlens_report::cc_zone_note(&whose.zone.label()));
    if args.json {
        crate::out!("{}", cc_json(&blocks_document(&answer), args.no_cost)?);
    } else {
        crate::out!("{}", spendlens_report::cc_blocks_table(&answer, args.breakdown, !args.no_cost, &whose.zone));
    }
    Ok(())
}

fn run_statusline(app: &App, args: StatuslineArgs) -> Result<()> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let input = parse_hook_input(&text)?;
    let (whose, mode) = transcripts(&args.source)?;
    let options = StatusOptions {
        cost_source: match args.cost_source {
            CostSourceArg::Auto => CostSource::Auto,
            CostSourceArg::Cc => CostSource::ClaudeCode,
            CostSourceArg::Spendlens => CostSource::Spendlens,
            CostSourceArg::Both => CostSource::Both,
        },
        burn: match args.visual_burn_rate {
            BurnArg::Off => BurnVisual::Off,
            BurnArg::Emoji => BurnVisual::Emoji,
            BurnArg::Text => BurnVisual::Text,
            BurnArg::EmojiText => BurnVisual::EmojiText,
        },
        mode,
    };
    let answer = app.claude_code_statusline(&whose, &input, &options, Utc::now(), &spendlens_app::ingest::Quiet)?;
    // A hook's stderr is not shown: problems found while reading are left for the views to report.
    crate::outln!("{}", answer.line);
    Ok(())
}

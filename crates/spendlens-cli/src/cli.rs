//! The command-line contract. Scripts depend on these names: keep them stable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use spendlens_model::Day;

#[derive(Debug, Parser)]
#[command(
    name = "spendlens",
    version,
    about = "One true, explained picture of an organisation's Claude spend: Claude Code and the API, side by side."
)]
pub struct Cli {
    /// Where the ledger lives (default: the platform data directory, e.g. ~/.local/share/spendlens).
    #[arg(long, global = true, env = "SPENDLENS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// A price file merged over the embedded book (default: DATA_DIR/prices.toml when present).
    #[arg(long, global = true, env = "SPENDLENS_PRICES", value_name = "FILE")]
    pub prices: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the demo organisation in real source formats, ingest it, and print its report.
    Demo(DemoArgs),
    /// Read source files into the ledger.
    Ingest(IngestArgs),
    /// The spend of a period: the two paths side by side, with their drivers.
    Report(ReportCommand),
    /// List the price book.
    Prices(PricesArgs),
    /// Price one Anthropic `usage` object (argument, or stdin when absent).
    Price(PriceArgs),
    /// What the ledger holds, by source.
    Status(JsonArg),
    /// Pull usage, cost, Claude Code Analytics and the directory from Anthropic's Admin API.
    Sync(SyncArgs),
    /// Price the usage report with the price book and set it beside the cost report, per day,
    /// workspace and model; list every difference over a cent with its cause.
    Crosscheck(CrosscheckArgs),
    /// Reconcile an invoice (CSV of line items; default: the month's cost report and seat fees)
    /// line by line against the ledger: each line mapped to path and driver, residuals named.
    Reconcile(ReconcileArgs),
    /// ccusage-style views of this machine's Claude Code transcripts (daily, monthly, session),
    /// after an incremental ingest; UTC days, list prices.
    Cc(crate::claude_code_views::ClaudeCodeArgs),
    /// How each dollar was placed: path, driver, API key, the org-map rule or source that decided
    /// it ("why is this Claude Code?"), largest first; filter with --path, --key, --driver.
    Ledger(crate::ledger_cmd::LedgerArgs),
    /// Export the ledger in a standard format (FinOps FOCUS 1.0).
    Export(ExportArgs),
    /// Receive Claude Code's OpenTelemetry (OTLP/HTTP logs and metrics) and team pushes.
    Serve(crate::serve::ServeArgs),
    /// Send your transcript-derived usage lines to a team's `spendlens serve`.
    Push(crate::serve::PushArgs),
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value_t = 120)]
    pub engineers: usize,
    #[arg(long, default_value_t = 8)]
    pub teams: usize,
    #[arg(long, default_value_t = 6)]
    pub features: usize,
    #[arg(long, default_value_t = 180)]
    pub days: u32,
    /// Last day of the demo window.
    #[arg(long, default_value = "2026-10-31")]
    pub end: Day,
    /// Multiplies API request volume.
    #[arg(long, default_value_t = 1.0)]
    pub traffic_scale: f64,
    /// Where to write the source files (default: DATA_DIR/demo-sources).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write the source files only; do not ingest or report.
    #[arg(long)]
    pub no_ingest: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// Admin API Messages usage report pages (JSON).
    AdminUsage,
    /// Admin API cost report pages (JSON).
    AdminCost,
    /// Usage and Cost Analytics API (beta) usage pages (JSON): tokens and requests by key.
    AdminAnalyticsUsage,
    /// Usage and Cost Analytics API (beta) cost pages (JSON); stored beside the cost report.
    AdminAnalyticsCost,
    /// Claude Code Analytics report pages (JSON).
    ClaudeCodeAnalytics,
    /// Admin API workspaces, API keys and users listings (JSON).
    Directory,
    /// Seat roster (CSV: email,name,team,seat_type,monthly_usd,start,end).
    Roster,
    /// Org map (TOML); stored as DATA_DIR/orgmap.toml.
    Orgmap,
    /// Claude Code transcript folders (default: ~/.claude, ~/.config/claude, $CLAUDE_CONFIG_DIR).
    Transcripts,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[arg(value_enum)]
    pub kind: SourceKind,
    /// Files (or, for transcripts, folders) to read. Every file is parsed before anything is stored.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// For transcripts: whose they are (default: $SPENDLENS_EMAIL, else the OS user).
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
    /// For the roster: bill open seats through this day (default: today, UTC).
    #[arg(long)]
    pub until: Option<Day>,
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// A calendar month, YYYY-MM (default: the latest month with data).
    #[arg(long, conflicts_with_all = ["since", "until"])]
    pub month: Option<String>,
    /// First day, inclusive.
    #[arg(long, requires = "until")]
    pub since: Option<Day>,
    /// Last day, inclusive.
    #[arg(long, requires = "since")]
    pub until: Option<Day>,
    /// How many engineers to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Same as `--format json`.
    #[arg(long)]
    pub json: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
}

/// How `spendlens report` renders. Keep the names stable: scripts pass them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Text tables for a terminal.
    Table,
    /// The same tables in Markdown, to paste into a ticket, wiki or mail.
    #[value(name = "md", alias = "markdown")]
    Markdown,
    /// The JSON contract (dollars as exact decimal strings).
    Json,
    /// One self-contained page (inline CSS and SVG charts, no script, no network).
    Html,
    /// One row per driver (engineer, team, feature, unassigned reason) with its path and figures,
    /// for a spreadsheet.
    Csv,
}

impl ReportArgs {
    /// `--json` is an alias for `--format json`.
    pub fn format(&self) -> ReportFormat {
        if self.json { ReportFormat::Json } else { self.format }
    }
}

/// `spendlens report`: the period and format, and where to write.
#[derive(Debug, Clone, Args)]
pub struct ReportCommand {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// FinOps FOCUS 1.0 cost and usage rows: CSV, or Parquet when FILE ends in `.parquet`.
    Focus(FocusArgs),
}

#[derive(Debug, Args)]
pub struct FocusArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// The file to write: FILE.csv or FILE.parquet.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// FOCUS BillingAccountId: your Anthropic organisation id.
    #[arg(long, default_value = "anthropic-organization")]
    pub billing_account_id: String,
    /// FOCUS BillingAccountName (null when absent).
    #[arg(long)]
    pub billing_account_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct PricesArgs {
    /// Show the rates in effect on this day (default: today, UTC).
    #[arg(long)]
    pub date: Option<Day>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    Standard,
    Batch,
    Priority,
}

#[derive(Debug, Args)]
pub struct PriceArgs {
    /// Model id as usage data carries it (dated ids, aliases, Bedrock and Vertex forms).
    #[arg(long)]
    pub model: String,
    #[arg(long, value_enum, default_value = "standard")]
    pub tier: TierArg,
    /// The day whose rates apply (default: today, UTC).
    #[arg(long)]
    pub date: Option<Day>,
    /// Bill as a long-context (200k-1M) request.
    #[arg(long)]
    pub long_context: bool,
    /// US-only inference (inference_geo "us").
    #[arg(long)]
    pub us_only: bool,
    /// The `usage` JSON object; read from stdin when absent.
    pub usage: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// First day to fetch (default: a few days before the last sync, or a year ago on the first).
    #[arg(long)]
    pub since: Option<Day>,
    /// Last day to fetch, inclusive (default: today, UTC).
    #[arg(long)]
    pub until: Option<Day>,
    /// The Admin API's base URL: a proxy or a test server may stand in.
    #[arg(long, env = "ANTHROPIC_BASE_URL", default_value = "https://api.anthropic.com")]
    pub base_url: String,
    /// Days before the last sync's end that are re-read, because reports settle.
    #[arg(long, default_value_t = 3)]
    pub trailing_days: i64,
    /// Attempts per request before giving up.
    #[arg(long, default_value_t = 6)]
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubles per attempt, with jitter).
    #[arg(long, default_value_t = 500)]
    pub backoff_ms: u64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CrosscheckArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// List matched groups too.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The invoice's month, YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// The invoice as CSV: description,amount_usd and optionally kind, model, token_type,
    /// workspace_id, service_tier, period_start, period_end.
    #[arg(long, value_name = "FILE")]
    pub invoice: Option<std::path::PathBuf>,
    #[arg(long)]
    pub json: bool,
}

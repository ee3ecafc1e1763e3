//! The command-line contract. Scripts depend on these names: keep them stable. Each subcommand's
//! own arguments live beside its code in `commands/<verb>.rs`; those several share in `args`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::args::JsonArg;
use crate::commands;

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
    /// Set up on real data: check the admin key, write config.toml, sync the directory and the last
    /// 30 days, draft the org map (every workspace and API key with its spend, commented); then
    /// offer the first sync. Run again, it keeps your edits and adds only what is new.
    Init(commands::init::InitArgs),
    /// Generate the demo organisation in real source formats, ingest it, and print its report.
    Demo(commands::demo::DemoArgs),
    /// Read source files into the ledger.
    Ingest(commands::ingest::IngestArgs),
    /// The spend of a period: the two paths side by side, with their drivers.
    Report(commands::report::ReportCommand),
    /// List the price book.
    Prices(commands::prices::PricesArgs),
    /// Price one Anthropic `usage` object (argument, or stdin when absent).
    Price(commands::price::PriceArgs),
    /// What the ledger holds, by source.
    Status(JsonArg),
    /// Gives every usage file a current rollup summary (what reports read instead of the lines;
    /// writes keep them current, so this is for a lake written by an earlier build).
    RefreshRollups(JsonArg),
    /// Pull usage, cost, Claude Code Analytics and the directory from Anthropic's Admin API.
    Sync(commands::sync::SyncArgs),
    /// Price the usage report with the price book and set it beside the cost report, per day,
    /// workspace and model; list every difference over a cent with its cause.
    Crosscheck(commands::crosscheck::CrosscheckArgs),
    /// API savings: routing to a cheaper model, caching, batching, per feature, with the plan.
    Optimise(commands::optimise::OptimiseArgs),
    /// Each path's spend per month (P10, P50, P90) on its own driver: Claude Code on engineers,
    /// the API on each feature's requests; `--backtest` scores the method on the ledger's past.
    Forecast(commands::forecast::ForecastArgs),
    /// The spend commitment that minimises expected cost over a term (unused commitment lost,
    /// overage billed), per path and in total; `--brief` writes a negotiation brief.
    Commit(commands::commit::CommitArgs),
    /// What adopted levers saved, month by month, against the same traffic priced as before.
    Savings(commands::savings::SavingsArgs),
    /// Weeks and days where a path, team or feature spent above its expected band (weekday rhythm
    /// and trend allowed for), each change split exactly into its factors, with the lever to check.
    Spikes(commands::spikes::SpikesArgs),
    /// Budgets and spikes posted to a webhook once per event (`alerts check`).
    Alerts(commands::alerts::AlertsArgs),
    /// Claude Code seats against real use: reclaim idle seats, downgrade light users or move them
    /// to API keys, upgrade pay-as-you-go engineers, grant where peers benefit; the monthly plan.
    Seats(commands::seats::SeatsArgs),
    /// The same usage priced under another price book (new list prices, a discount), diffed by
    /// path, feature, team and model.
    Reprice(commands::reprice::RepriceArgs),
    /// Reconcile an invoice (CSV of line items; default: the month's cost report and seat fees)
    /// line by line against the ledger: each line mapped to path and driver, residuals named.
    Reconcile(commands::reconcile::ReconcileArgs),
    /// ccusage-style views of this machine's Claude Code transcripts (daily, monthly, session),
    /// after an incremental ingest; UTC days, list prices.
    Cc(commands::cc::ClaudeCodeArgs),
    /// How each dollar was placed: path, driver, API key, the org-map rule or source that decided
    /// it ("why is this Claude Code?"), largest first; filter with --path, --key, --driver.
    Ledger(commands::ledger::LedgerArgs),
    /// Export the ledger in a standard format (FinOps FOCUS 1.2).
    Export(commands::export::ExportArgs),
    /// Receive Claude Code's OpenTelemetry (OTLP/HTTP logs and metrics) and team pushes.
    Serve(commands::serve::ServeArgs),
    /// Send your transcript-derived usage lines to a team's `spendlens serve`.
    Push(commands::push::PushArgs),
    /// Shell completions (bash, zsh, fish, elvish, powershell) on stdout.
    Completions(commands::completions::CompletionsArgs),
    /// The manual page (roff) on stdout, or every page into a folder.
    Man(commands::completions::ManArgs),
}

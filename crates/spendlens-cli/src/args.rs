//! Arguments several subcommands share: the period and format of a report, `--json`.

use clap::{Args, ValueEnum};
use spendlens_app::ledger::PeriodChoice;
use spendlens_model::Day;

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
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

    /// The period these flags name.
    pub fn period(&self) -> PeriodChoice {
        PeriodChoice::of(self.month.as_deref(), self.since, self.until)
    }
}

//! `spendlens report`: the spend of a period, the two paths side by side with their drivers.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;

use crate::args::{ReportArgs, ReportFormat};

/// `spendlens report`: the period and format, and where to write.
#[derive(Debug, Clone, Args)]
pub struct ReportCommand {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(app: &App, args: &ReportArgs, out: Option<&std::path::Path>) -> Result<()> {
    let period = app.period_with_data(&args.period())?;
    let report = app.report(period)?;
    let summary = &report.summary;
    let text = match args.format() {
        ReportFormat::Table => spendlens_report::summary_table(summary, args.top),
        ReportFormat::Markdown => spendlens_report::summary_markdown(summary, args.top),
        ReportFormat::Json => to_json(summary)?,
        ReportFormat::Csv => spendlens_report::summary_csv(summary),
        ReportFormat::Html => {
            let daily = spendlens_report::daily_spend(&report.loaded.ledger.entries, period);
            spendlens_report::summary_html(summary, &daily, args.top)
        }
    };
    crate::output::emit(&text, out)
}

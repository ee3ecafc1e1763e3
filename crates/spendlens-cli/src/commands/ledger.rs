//! `spendlens ledger`: how each dollar of a period was placed (path, driver, API key, the rule
//! that classified it, the source that billed it), so "why is this Claude Code?" has an answer.

use anyhow::{Result, bail};
use clap::Args;
use spendlens_analysis::PlacementFilter;
use spendlens_app::App;
use spendlens_app::views::to_json;
use spendlens_model::Path;

use crate::args::{ReportArgs, ReportFormat};

#[derive(Debug, Args)]
pub struct LedgerArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// Only this path: claude_code, api or unassigned.
    #[arg(long)]
    pub path: Option<Path>,
    /// Only API keys whose id contains this.
    #[arg(long)]
    pub key: Option<String>,
    /// Only drivers (engineer, team, feature, unassigned reason) containing this.
    #[arg(long)]
    pub driver: Option<String>,
}

pub fn run(app: &App, args: &LedgerArgs) -> Result<()> {
    let json = match args.period.format() {
        ReportFormat::Json => true,
        ReportFormat::Table => false,
        other => bail!("spendlens ledger prints a table or JSON, not {other:?} (use --format table or --json)"),
    };
    let period = app.period_with_data(&args.period.period())?;
    let filter = PlacementFilter { path: args.path, api_key: args.key.clone(), driver: args.driver.clone() };
    let view = app.placements(period, &filter)?;
    if json {
        crate::out!("{}", to_json(&view)?);
    } else {
        crate::out!("{}", spendlens_report::ledger_text(&view));
    }
    Ok(())
}

//! `spendlens ledger`: how each dollar of a period was placed (path, driver, API key, the rule that
//! classified it, the source that billed it), so "why is this Claude Code?" has an answer.

use anyhow::{Result, bail};
use clap::Args;
use spendlens_analysis::{PlacementFilter, placements};
use spendlens_model::{Money, Path};

use crate::cli::{ReportArgs, ReportFormat};
use crate::commands::{assemble_ledger, open_store, report_period};
use crate::settings::Settings;

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

pub fn run(settings: &Settings, args: &LedgerArgs) -> Result<()> {
    let store = open_store(settings)?;
    let Some(period) = report_period(&store, &args.period)? else {
        bail!("the ledger in {} is empty: run `spendlens demo`, or ingest your sources first", settings.data_dir.display());
    };
    let ledger = assemble_ledger(settings, &store, period)?;
    let filter = PlacementFilter { path: args.path, api_key: args.key.clone(), driver: args.driver.clone() };
    let placed = placements(&ledger.entries, period, &filter);
    let json = match args.period.format() {
        ReportFormat::Json => true,
        ReportFormat::Table => false,
        other => bail!("spendlens ledger prints a table or JSON, not {other:?} (use --format table or --json)"),
    };
    if json {
        let total: Money = placed.iter().map(|placement| placement.total_usd).sum();
        let value = serde_json::json!({ "period": period, "total_usd": total, "placements": placed });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let mut table = spendlens_report::Table::new(&["Spend>", "Path", "Driver", "API key", "Source", "Why"]);
    for placement in &placed {
        table.row(vec![
            placement.total_usd.to_string(),
            placement.path.to_string(),
            placement.driver.label(),
            placement.api_key.clone().unwrap_or_else(|| "-".into()),
            placement.source.to_string(),
            placement.rule.clone(),
        ]);
    }
    let total: Money = placed.iter().map(|placement| placement.total_usd).sum();
    println!("ledger · {} · {} placements · {total}", period.label(), placed.len());
    if !table.is_empty() {
        print!("{}", table.render(0));
    }
    Ok(())
}

//! `spendlens spikes`: weeks and days where a path, team or feature spent above its expected
//! band, each with its change decomposed into factors and the lever to check.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;
use spendlens_model::Day;

#[derive(Debug, Args)]
pub struct SpikesArgs {
    /// First day, inclusive (default: the first day the ledger holds).
    #[arg(long)]
    pub since: Option<Day>,
    /// Last day, inclusive (default: the last day the ledger holds).
    #[arg(long)]
    pub until: Option<Day>,
    /// The JSON contract (dollars as exact decimal strings).
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &SpikesArgs) -> Result<()> {
    let period = app.spikes_period(args.since, args.until)?;
    let spikes = app.spikes(period)?;
    if args.json {
        crate::out!("{}", to_json(&spikes)?);
    } else {
        crate::out!("{}", spendlens_report::spikes_text(&spikes));
    }
    Ok(())
}

//! `spendlens optimise`: routing, caching and batching savings per API feature, and the plan.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;

use crate::args::ReportArgs;

#[derive(Debug, Args)]
pub struct OptimiseArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// Only this feature (or `key ID` for an API key no feature claims).
    #[arg(long)]
    pub feature: Option<String>,
}

pub fn run(app: &App, args: &OptimiseArgs) -> Result<()> {
    let period = app.period_with_data(&args.period.period())?;
    let optimisation = app.optimise(period, args.feature.as_deref())?;
    if args.period.json {
        crate::out!("{}", to_json(&optimisation)?);
    } else {
        crate::out!("{}", spendlens_report::optimise_text(&optimisation));
    }
    Ok(())
}

//! `spendlens crosscheck`: the usage report priced by the book beside the cost report.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;

use crate::args::ReportArgs;

#[derive(Debug, Args)]
pub struct CrosscheckArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// List matched groups too.
    #[arg(long)]
    pub all: bool,
}

pub fn run(app: &App, args: &CrosscheckArgs) -> Result<()> {
    let period = app.period_with_data(&args.period.period())?;
    let (check, view) = app.crosscheck(period, args.all)?;
    if args.period.json {
        crate::out!("{}", to_json(&view)?);
    } else {
        crate::out!("{}", spendlens_report::crosscheck_text(&check, args.all));
    }
    Ok(())
}

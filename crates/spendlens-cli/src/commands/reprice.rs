//! `spendlens reprice`: the same usage under another price book, beside today's.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;

use crate::args::ReportArgs;

#[derive(Debug, Args)]
pub struct RepriceArgs {
    /// A price book in the `prices.toml` format (new list prices, a negotiated discount), laid
    /// over today's.
    #[arg(long, value_name = "FILE")]
    pub book: PathBuf,
    #[command(flatten)]
    pub period: ReportArgs,
}

pub fn run(app: &App, args: &RepriceArgs) -> Result<()> {
    let period = app.period_with_data(&args.period.period())?;
    let repricing = app.reprice(period, &args.book)?;
    if args.period.json {
        crate::out!("{}", to_json(&repricing)?);
    } else {
        crate::out!("{}", spendlens_report::reprice_text(&repricing));
    }
    Ok(())
}

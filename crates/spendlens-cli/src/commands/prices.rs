//! `spendlens prices`: the price book in effect on a day.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::views::to_json;
use spendlens_model::Day;

#[derive(Debug, Args)]
pub struct PricesArgs {
    /// Show the rates in effect on this day (default: today, UTC).
    #[arg(long)]
    pub date: Option<Day>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &PricesArgs) -> Result<()> {
    let date = args.date.unwrap_or_else(crate::output::today);
    if args.json {
        crate::out!("{}", to_json(&app.prices(date)?)?);
    } else {
        crate::out!("{}", spendlens_report::price_book_table(app.price_book()?, date));
    }
    Ok(())
}

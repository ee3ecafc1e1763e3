//! `spendlens savings`: what adopted levers saved, month by month, against the counterfactual.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::ledger::PeriodChoice;
use spendlens_app::views::to_json;
use spendlens_model::{Day, Period};

#[derive(Debug, Args)]
pub struct SavingsArgs {
    /// First day, inclusive (default: the ledger's first day).
    #[arg(long)]
    pub since: Option<Day>,
    /// Last day, inclusive (default: the ledger's last day).
    #[arg(long)]
    pub until: Option<Day>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &SavingsArgs) -> Result<()> {
    let span = app.lake()?.usage_span()?;
    let (Some(since), Some(until)) = (args.since.or(span.map(|span| span.0)), args.until.or(span.map(|span| span.1))) else {
        // An empty ledger: the same error every period question gives.
        app.period_with_data(&PeriodChoice::Latest)?;
        return Ok(());
    };
    let period = app.period_with_data(&PeriodChoice::Days { since, until })?;
    let savings = app.savings(Period::new(period.start, period.end))?;
    if args.json {
        crate::out!("{}", to_json(&savings)?);
    } else {
        crate::out!("{}", spendlens_report::savings_text(&savings));
    }
    Ok(())
}

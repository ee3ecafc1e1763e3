//! `spendlens seats`: Claude Code seats against real use (reclaim, downgrade, move to an API key,
//! upgrade, grant) with the monthly seat plan; and `spendlens cc insights`, discipline and path
//! fit, whose run lives here too.

use anyhow::Result;
use clap::Args;
use spendlens_app::App;
use spendlens_app::ledger::PeriodChoice;
use spendlens_app::views::to_json;

#[derive(Debug, Args)]
pub struct SeatsArgs {
    /// A calendar month, YYYY-MM (default: the latest month with data).
    #[arg(long)]
    pub month: Option<String>,
    /// A seat with no Claude Code activity in this many days (to the last day with data) is idle
    /// (default: `[seats] idle_days` in config.toml, else 30).
    #[arg(long, value_name = "N")]
    pub idle_days: Option<u32>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &SeatsArgs) -> Result<()> {
    let period = app.period_with_data(&PeriodChoice::of(args.month.as_deref(), None, None))?;
    let review = app.seats(period, args.idle_days)?;
    if args.json {
        crate::out!("{}", to_json(&review)?);
    } else {
        crate::out!("{}", spendlens_report::seats_text(&review));
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct InsightsArgs {
    /// A calendar month, YYYY-MM (default: the latest month with data).
    #[arg(long)]
    pub month: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

/// `spendlens cc insights [--month M] [--json]`.
pub fn run_insights(app: &App, args: &InsightsArgs) -> Result<()> {
    let period = app.period_with_data(&PeriodChoice::of(args.month.as_deref(), None, None))?;
    let insights = app.cc_insights(period)?;
    if args.json {
        crate::out!("{}", to_json(&insights)?);
    } else {
        crate::out!("{}", spendlens_report::insights_text(&insights));
    }
    Ok(())
}

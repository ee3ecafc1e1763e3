//! `spendlens reconcile`: an invoice against the ledger, line by line.

use anyhow::Result;
use clap::Args;
use spendlens_app::views::to_json;
use spendlens_app::{App, AppError};
use spendlens_model::Period;

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// The invoice's month, YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// The invoice as CSV: description,amount_usd and optionally kind, model, token_type,
    /// workspace_id, service_tier, period_start, period_end.
    #[arg(long, value_name = "FILE")]
    pub invoice: Option<std::path::PathBuf>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &ReconcileArgs) -> Result<()> {
    let period = Period::parse_month(&args.month).ok_or_else(|| AppError::Invalid(format!("--month {:?} is not YYYY-MM", args.month)))?;
    let reconciled = app.reconcile(period, args.invoice.as_deref())?;
    if args.json {
        crate::out!("{}", to_json(&reconciled.view)?);
    } else {
        crate::out!("{}", spendlens_report::reconcile_text(&reconciled));
    }
    Ok(())
}

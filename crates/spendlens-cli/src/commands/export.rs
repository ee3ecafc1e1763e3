//! `spendlens export focus`: the ledger as FinOps FOCUS 1.2 rows (the 1.0 columns with
//! `--focus-version 1.0`), in CSV (text, exact decimals) or Parquet (money as `Decimal128(38, 18)`,
//! periods as UTC timestamps), to the file the user names.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use spendlens_app::App;
use spendlens_report::{BillingAccount, FocusInput, FocusVersion};

use crate::args::ReportArgs;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub command: ExportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// FinOps FOCUS 1.2 cost and usage rows: CSV, or Parquet when FILE ends in `.parquet`.
    Focus(FocusArgs),
}

#[derive(Debug, Args)]
pub struct FocusArgs {
    #[command(flatten)]
    pub period: ReportArgs,
    /// The file to write: FILE.csv or FILE.parquet.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// FOCUS BillingAccountId: your Anthropic organisation id.
    #[arg(long, default_value = "anthropic-organization")]
    pub billing_account_id: String,
    /// FOCUS BillingAccountName (null when absent).
    #[arg(long)]
    pub billing_account_name: Option<String>,
    /// The FOCUS version of the columns: 1.2, or 1.0 (the same rows under the FOCUS 1.0 columns).
    #[arg(long, value_enum, default_value = "1.2", value_name = "VERSION")]
    pub focus_version: FocusVersionArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FocusVersionArg {
    #[value(name = "1.2")]
    V1_2,
    #[value(name = "1.0")]
    V1_0,
}

pub fn run(app: &App, args: ExportArgs) -> Result<()> {
    match args.command {
        ExportCommand::Focus(args) => focus(app, &args),
    }
}

fn focus(app: &App, args: &FocusArgs) -> Result<()> {
    let period = app.period_with_data(&args.period.period())?;
    let loaded = app.load_ledger(period)?;
    let account = BillingAccount { id: args.billing_account_id.clone(), name: args.billing_account_name.clone() };
    let input = FocusInput { account: &account, usage: &loaded.usage, directory: &loaded.directory };
    let rows = spendlens_report::focus_rows(&loaded.ledger.entries, period, input);
    let version = match args.focus_version {
        FocusVersionArg::V1_2 => FocusVersion::V1_2,
        FocusVersionArg::V1_0 => FocusVersion::V1_0,
    };
    let parquet = args.out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("parquet"));
    let bytes = if parquet {
        spendlens_report::focus_parquet(version, &rows, &account)?
    } else {
        spendlens_report::focus_csv_for(version, &rows, &account).into_bytes()
    };
    std::fs::write(&args.out, bytes).with_context(|| format!("writing {}", args.out.display()))?;
    eprint!("{}", spendlens_report::focus_written_text(&rows, period, &args.out));
    Ok(())
}

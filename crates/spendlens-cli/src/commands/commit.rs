//! `spendlens commit`: the spend commitment that minimises expected cost over a term, from the
//! forecast's distributions, per path and in total; `--brief` writes the negotiation brief.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use rust_decimal::Decimal;
use spendlens_app::App;
use spendlens_app::forecast::{CommitOptions, Discount};
use spendlens_app::views::to_json;

use crate::commands::forecast::BaselineArg;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("discounts").required(true).args(["discount", "discount_tiers"])))]
pub struct CommitArgs {
    /// First month of the term, YYYY-MM (default: the month after the ledger's last complete month).
    #[arg(long, value_name = "YYYY-MM")]
    pub start: Option<String>,
    /// Months the commitment covers.
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub term: u32,
    /// Percent off list for committed spend (15 is 15%).
    #[arg(long, value_name = "PCT")]
    pub discount: Option<Decimal>,
    /// Discount tiers, a CSV of `min_commitment_usd,discount_pct`.
    #[arg(long, value_name = "FILE")]
    pub discount_tiers: Option<PathBuf>,
    /// Spend beyond the commitment is billed at this multiple of list.
    #[arg(long, default_value = "1", value_name = "R")]
    pub overage_rate: Decimal,
    /// API unit costs the forecast prices at.
    #[arg(long, value_enum, default_value = "optimised")]
    pub baseline: BaselineArg,
    /// Headcount plan, a CSV of `month,team,engineers`.
    #[arg(long, value_name = "FILE")]
    pub headcount: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Also write a Markdown negotiation brief to this file.
    #[arg(long, value_name = "FILE.md")]
    pub brief: Option<PathBuf>,
}

pub fn run(app: &App, args: &CommitArgs) -> Result<()> {
    let discount = match (&args.discount, &args.discount_tiers) {
        (_, Some(path)) => Discount::Tiers(path.clone()),
        (Some(percent), None) => Discount::Flat(*percent),
        (None, None) => anyhow::bail!("give --discount PCT or --discount-tiers FILE"),
    };
    let options = CommitOptions {
        start: args.start.clone(),
        term: args.term,
        discount,
        overage_rate: args.overage_rate,
        baseline: args.baseline.into(),
        headcount: args.headcount.clone(),
    };
    let commit = app.commit(&options)?;
    if args.json {
        crate::out!("{}", to_json(&commit)?);
    } else {
        crate::out!("{}", spendlens_report::commit_text(&commit));
    }
    if let Some(path) = &args.brief {
        spendlens_app::atomic_write(path, spendlens_report::commit_brief(&commit).as_bytes())?;
        eprintln!("brief written to {}", path.display());
    }
    Ok(())
}

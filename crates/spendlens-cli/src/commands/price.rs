//! `spendlens price`: one Anthropic `usage` object priced as a single request.

use std::io::Read;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use spendlens_app::App;
use spendlens_app::questions::PriceQuestion;
use spendlens_app::views::to_json;
use spendlens_model::{Day, ServiceTier};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    Standard,
    Batch,
    Priority,
}

#[derive(Debug, Args)]
pub struct PriceArgs {
    /// Model id as usage data carries it (dated ids, aliases, Bedrock and Vertex forms).
    #[arg(long)]
    pub model: String,
    #[arg(long, value_enum, default_value = "standard")]
    pub tier: TierArg,
    /// The day whose rates apply (default: today, UTC).
    #[arg(long)]
    pub date: Option<Day>,
    /// Bill as a long-context (200k-1M) request.
    #[arg(long)]
    pub long_context: bool,
    /// US-only inference (inference_geo "us").
    #[arg(long)]
    pub us_only: bool,
    /// The `usage` JSON object; read from stdin when absent.
    pub usage: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: PriceArgs) -> Result<()> {
    let (source, usage) = match args.usage {
        Some(text) => ("argument".to_string(), text),
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).context("reading the usage object from stdin")?;
            ("stdin".to_string(), text)
        }
    };
    let question = PriceQuestion {
        model: args.model,
        // Standard keeps the usage object's own tier.
        tier: match args.tier {
            TierArg::Standard => None,
            TierArg::Batch => Some(ServiceTier::Batch),
            TierArg::Priority => Some(ServiceTier::Priority),
        },
        date: args.date.unwrap_or_else(crate::output::today),
        long_context: args.long_context,
        us_only: args.us_only,
        source,
        usage,
    };
    let priced = app.price(&question)?;
    if args.json {
        crate::out!("{}", to_json(&priced)?);
    } else {
        crate::out!("{}", spendlens_report::priced_table(&priced));
    }
    Ok(())
}

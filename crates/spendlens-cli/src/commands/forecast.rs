//! `spendlens forecast`: each path's spend per month (P10, P50, P90) on its own driver, and
//! `--backtest`, how well the method did on the ledger's own past.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use spendlens_app::App;
use spendlens_app::forecast::{Baseline, ForecastOptions};
use spendlens_app::views::to_json;

/// Which API unit costs a forecast prices at. Keep the names stable: scripts pass them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// Today's unit costs.
    Current,
    /// The optimiser's plan applied (`spendlens optimise`).
    #[value(alias = "optimized")]
    Optimised,
}

impl From<BaselineArg> for Baseline {
    fn from(arg: BaselineArg) -> Baseline {
        match arg {
            BaselineArg::Current => Baseline::Current,
            BaselineArg::Optimised => Baseline::Optimised,
        }
    }
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// First month, YYYY-MM (default: the month after the ledger's last complete month).
    #[arg(long, value_name = "YYYY-MM", conflicts_with = "backtest")]
    pub start: Option<String>,
    /// Months to forecast.
    #[arg(long, default_value_t = 3, value_name = "N", conflicts_with = "backtest")]
    pub horizon: u32,
    /// Headcount plan, a CSV of `month,team,engineers`.
    #[arg(long, value_name = "FILE", conflicts_with = "backtest")]
    pub headcount: Option<PathBuf>,
    /// API unit costs: today's, or the optimiser's baseline.
    #[arg(long, value_enum, default_value = "current", conflicts_with = "backtest")]
    pub baseline: BaselineArg,
    /// Score the method on the ledger's past instead: rolling origins, one month ahead, MAPE and
    /// P10-P90 coverage per path beside a seasonal-naive forecast.
    #[arg(long)]
    pub backtest: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

pub fn run(app: &App, args: &ForecastArgs) -> Result<()> {
    if args.backtest {
        let backtest = app.backtest()?;
        if args.json {
            crate::out!("{}", to_json(&backtest)?);
        } else {
            crate::out!("{}", spendlens_report::backtest_text(&backtest));
        }
        return Ok(());
    }
    let options = ForecastOptions {
        start: args.start.clone(),
        horizon: args.horizon,
        headcount: args.headcount.clone(),
        baseline: args.baseline.into(),
    };
    let forecast = app.forecast(&options)?;
    if args.json {
        crate::out!("{}", to_json(&forecast)?);
    } else {
        crate::out!("{}", spendlens_report::forecast_text(&forecast));
    }
    Ok(())
}

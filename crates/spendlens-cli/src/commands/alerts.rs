//! `spendlens alerts check`: budgets and new spikes, each event posted once to the webhook of
//! `[alerts]` in `config.toml`.

use anyhow::Result;
use clap::{Args, Subcommand};
use spendlens_app::App;
use spendlens_app::views::to_json;

#[derive(Debug, Args)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub command: AlertsCommand,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Check budgets and spikes now and post each new event to the webhook.
    Check {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(app: &App, args: &AlertsArgs) -> Result<()> {
    match args.command {
        AlertsCommand::Check { json } => {
            let view = app.check_alerts()?;
            if json {
                crate::out!("{}", to_json(&view)?);
            } else {
                crate::out!("{}", spendlens_report::alerts_text(&view));
            }
            if view.failed > 0 {
                anyhow::bail!("{} alert(s) could not be posted; the next check retries them", view.failed);
            }
        }
    }
    Ok(())
}

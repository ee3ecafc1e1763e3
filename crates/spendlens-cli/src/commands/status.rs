//! `spendlens status`: what the ledger holds, by source; `spendlens refresh-rollups`: the lake's
//! rollup summaries brought up to date.

use anyhow::Result;
use spendlens_app::App;
use spendlens_app::views::to_json;

pub fn run(app: &App, json: bool) -> Result<()> {
    let status = app.status()?;
    if json {
        crate::out!("{}", to_json(&status)?);
    } else {
        crate::out!("{}", spendlens_report::status_text(&status));
    }
    Ok(())
}

/// `spendlens refresh-rollups`: every usage file given a current rollup summary.
pub fn run_refresh_rollups(app: &App, json: bool) -> Result<()> {
    let refresh = app.refresh_rollups()?;
    if json {
        crate::out!("{}", to_json(&refresh)?);
    } else {
        crate::outln!(
            "Rollup summaries: {} written ({} usage files from an earlier build given a generation), {} already current, {} left without their file removed.",
            refresh.written,
            refresh.usage_files_tagged,
            refresh.current,
            refresh.removed
        );
    }
    Ok(())
}

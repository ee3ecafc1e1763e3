//! `spendlens status`: what the ledger holds, by source.

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

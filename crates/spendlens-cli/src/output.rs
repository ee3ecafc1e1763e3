//! What every command does at its edges: today's date, and printing (or writing to the file the
//! user named) what it rendered.

use anyhow::{Context, Result};

/// Today, UTC: the default day of the commands that need one.
pub fn today() -> spendlens_model::Day {
    chrono::Utc::now().date_naive()
}

/// Rendered output to `out` (a file the user named), or to stdout when there is none.
pub fn emit(text: &str, out: Option<&std::path::Path>) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

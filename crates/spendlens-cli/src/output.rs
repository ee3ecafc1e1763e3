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
        None => crate::out!("{text}"),
    }
    Ok(())
}

/// Writes to stdout. A reader that stops early (`spendlens ledger --json | head`) closes the pipe:
/// the command has done its work, so it ends quietly with success rather than a panic.
pub fn stdout(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(text).and_then(|()| out.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {error}");
        std::process::exit(74);
    }
}

/// `print!` that ends quietly when stdout's reader has gone ([`stdout`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::stdout(format_args!($($arg)*)) };
}

/// `println!` that ends quietly when stdout's reader has gone ([`stdout`]).
#[macro_export]
macro_rules! outln {
    () => { $crate::output::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

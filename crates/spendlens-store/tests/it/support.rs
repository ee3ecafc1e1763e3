//! Builders for lines, days and money shared by the test modules.

use chrono::{DateTime, Utc};
use spendlens_model::{ActivityLine, CostKind, CostLine, Day, Money, Source, UsageLine};
use spendlens_store::Store;
use tempfile::TempDir;

pub fn day(text: &str) -> Day {
    text.parse().unwrap()
}

pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub fn money(text: &str) -> Money {
    text.parse().unwrap()
}

/// A fresh data directory and a store opened on it.
pub fn fresh_store() -> (TempDir, Store) {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    (directory, store)
}

/// A usage line at `start` (RFC 3339) with the given input and output tokens.
pub fn usage(source: Source, start: &str, input: u64, output: u64) -> UsageLine {
    let start = instant(start);
    let mut line = UsageLine::new(start, start + chrono::Duration::hours(1), source, "claude-sonnet-4-5");
    line.quantities.tokens.input = input;
    line.quantities.tokens.output = output;
    line
}

/// A one-day token cost line.
pub fn cost(source: Source, start: &str, amount: &str) -> CostLine {
    let start = day(start);
    CostLine::new(start, start.succ_opt().unwrap(), source, money(amount), CostKind::Tokens)
}

/// An engineer's Claude Code activity on a day, with `sessions` sessions and nothing else counted.
pub fn activity(source: Source, on: &str, actor_email: &str, sessions: u64) -> ActivityLine {
    ActivityLine { day: day(on), source, actor_email: Some(actor_email.to_string()), sessions, ..ActivityLine::default() }
}

/// Every file under `root` (at any depth) that `keep` takes, sorted; none when `root` is missing.
pub fn files_under(root: &std::path::Path, keep: impl Fn(&std::path::Path) -> bool) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

//! Scales a demo lake up for benchmarks (`benches/optimise.sh`): every day's usage-report lines
//! (`admin_usage`) are copied `COPIES` more times, each copy a tenant of its own: its own API keys
//! (ids `<id>_rNNN`, names `<name>-rNNN`, same creator) in its own workspaces (`<id>_rNNN`; the
//! Default workspace stays the Default workspace), billed by its own copy of the day's cost report
//! lines. The ledger then splits each copy's dollars over that copy's keys, as it does the
//! original's. The copies' keys and workspaces join the directory, and every org-map feature that
//! names keys or workspaces by id names their copies too (name globs match the copies' names
//! already). Everything is written through the store's public API under the writer lock, a day at
//! a time per core, as scope `scale`; running it again replaces what it wrote.
//!
//!     cargo run --release -p spendlens-store --example scale_lake -- DATA_DIR COPIES
//!
//! Not part of any spendlens binary: a bench-only tool.

use std::path::{Path as FilePath, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use spendlens_model::{CostLine, DirectoryEntry, DirectoryKind, Period, Source, UsageLine};
use spendlens_store::{Lake, Replace, Store};

const SCOPE: &str = "scale";

fn copy_id(id: &str, copy: usize) -> String {
    format!("{id}_r{copy:03}")
}

fn copy_name(name: &str, copy: usize) -> String {
    format!("{name}-r{copy:03}")
}

fn main() {
    if let Err(error) = run() {
        eprintln!("scale_lake: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data_dir, copies] = args.as_slice() else {
        return Err("usage: scale_lake DATA_DIR COPIES".into());
    };
    let data_dir = PathBuf::from(data_dir);
    let copies: usize = copies.parse().map_err(|_| format!("COPIES {copies:?} is not a whole number"))?;
    let store = Store::open(&data_dir)?;
    let _lock = store.lock_writer(&|| eprintln!("waiting for the writer lock"))?;
    let Some((first, last)) = store.usage_span()? else {
        return Err("the lake is empty: run `spendlens demo` first".into());
    };

    // The copies' keys and workspaces, in the directory.
    let directory = store.directory()?;
    let originals: Vec<&DirectoryEntry> =
        directory.iter().filter(|entry| matches!(entry.kind, DirectoryKind::ApiKey | DirectoryKind::Workspace)).collect();
    let mut entries = Vec::with_capacity(originals.len() * copies);
    for copy in 1..=copies {
        for entry in &originals {
            entries.push(DirectoryEntry {
                id: copy_id(&entry.id, copy),
                name: entry.name.as_deref().map(|name| copy_name(name, copy)),
                workspace_id: entry.workspace_id.as_deref().map(|id| copy_id(id, copy)),
                ..(*entry).clone()
            });
        }
    }
    store.replace_directory(Source::AdminDirectory, SCOPE, &entries)?;
    extend_orgmap(&data_dir.join("orgmap.toml"), copies)?;

    let days: Vec<_> = first.iter_days().take_while(|day| *day <= last).collect();
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(1);
    let results: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(day) = days.get(index) else { return Ok(()) };
                        let period = Period::new(*day, *day + chrono::Duration::days(1));
                        let lines = scale_day(&store, period, copies).map_err(|error| format!("{day}: {error}"))?;
                        written.fetch_add(lines, Ordering::Relaxed);
                        if index.is_multiple_of(30) {
                            eprintln!("{day}: {} usage lines written so far", written.load(Ordering::Relaxed));
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|worker| worker.join().unwrap_or_else(|_| Err("a worker panicked".to_string()))).collect()
    });
    for result in results {
        result?;
    }
    let totals = store.totals()?;
    println!(
        "{} days, {} usage lines written; the lake now holds {} usage lines, {} cost lines",
        days.len(),
        written.load(Ordering::Relaxed),
        totals.overall.usage_rows,
        totals.overall.cost_rows
    );
    Ok(())
}

/// Writes one day's copies of the usage report and the cost report; returns the usage lines written.
fn scale_day(store: &Store, period: Period, copies: usize) -> Result<usize, Box<dyn std::error::Error>> {
    let originals = store.usage_lines_of(Source::AdminUsage, Some(period))?;
    let mut lines: Vec<UsageLine> = Vec::with_capacity(originals.len() * copies);
    for copy in 1..=copies {
        for line in &originals {
            let mut line = line.clone();
            line.identity.api_key_id = line.identity.api_key_id.as_deref().map(|id| copy_id(id, copy));
            line.identity.api_key_name = line.identity.api_key_name.as_deref().map(|name| copy_name(name, copy));
            line.identity.workspace_id = line.identity.workspace_id.as_deref().map(|id| copy_id(id, copy));
            lines.push(line);
        }
    }
    store.replace_usage(Source::AdminUsage, SCOPE, Replace::DaysIn(period), &lines)?;
    let originals = store.cost_lines_of(Source::AdminCost, Some(period))?;
    let mut costs: Vec<CostLine> = Vec::with_capacity(originals.len() * copies);
    for copy in 1..=copies {
        for cost in &originals {
            let mut cost = cost.clone();
            cost.identity.workspace_id = cost.identity.workspace_id.as_deref().map(|id| copy_id(id, copy));
            costs.push(cost);
        }
    }
    store.replace_cost(Source::AdminCost, SCOPE, Replace::DaysIn(period), &costs)?;
    Ok(lines.len())
}

/// Adds the copies of every key and workspace id an org-map feature names (`api_keys = [...]`,
/// `workspaces = [...]`) to its list.
fn extend_orgmap(path: &FilePath, copies: usize) -> Result<(), Box<dyn std::error::Error>> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(()) };
    let marker = format!("_r{:03}", 1);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let listed = ["api_keys", "workspaces"]
            .into_iter()
            .find_map(|field| Some((field, line.trim_start().strip_prefix(field)?.strip_prefix(" = [")?.strip_suffix(']')?)));
        match listed {
            Some((field, list)) if !list.trim().is_empty() && !list.contains(&marker) => {
                let ids: Vec<&str> = list.split(',').map(|id| id.trim().trim_matches('"')).collect();
                let mut all: Vec<String> = ids.iter().map(|id| (*id).to_string()).collect();
                for copy in 1..=copies {
                    all.extend(ids.iter().map(|id| copy_id(id, copy)));
                }
                let quoted: Vec<String> = all.iter().map(|id| format!("{id:?}")).collect();
                out.push_str(&format!("{field} = [{}]\n", quoted.join(", ")));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    std::fs::write(path, out)?;
    Ok(())
}

//! Ingest glue: read every input first, then replace the store's partitions. A file that fails to
//! parse stops the whole command before anything is written, so the store is never half-updated.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use spendlens_ingest::{IngestError, Pages, admin_cost, admin_usage, analytics, claude_code_analytics, directory, roster, transcript};
use spendlens_model::{CostLine, Day, DirectoryEntry, Period, Source, UsageLine};
use spendlens_store::{Replace, Store, UsageDetail};

use crate::progress;

/// The scope of organisation-wide Admin API data (one organisation per data directory).
pub const ORG_SCOPE: &str = "org";

/// What an ingest stored, for the user.
#[derive(Debug, Default)]
pub struct Ingested {
    pub files: usize,
    pub lines: usize,
    pub problems: Vec<String>,
}

fn read_file(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|error| IngestError::io(&path.display().to_string(), error))
}

fn read_pages<T>(paths: &[PathBuf], what: &str, read: fn(&str, &[u8]) -> Result<Pages<T>, IngestError>) -> Result<Pages<T>> {
    let bar = progress::bar(paths.len() as u64, what);
    let mut all = Pages::default();
    for path in paths {
        let name = path.display().to_string();
        all.extend(read(&name, &read_file(path)?)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(all)
}

fn replace_for<T>(pages: &Pages<T>) -> Replace {
    pages.period().map_or(Replace::Days, Replace::DaysIn)
}

pub fn admin_usage(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let pages = read_pages::<UsageLine>(paths, "usage report pages", admin_usage::read_page)?;
    store.replace_usage(Source::AdminUsage, ORG_SCOPE, replace_for(&pages), &pages.lines)?;
    Ok(Ingested { files: paths.len(), lines: pages.lines.len(), problems: Vec::new() })
}

pub fn admin_cost(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let pages = read_pages::<CostLine>(paths, "cost report pages", admin_cost::read_page)?;
    store.replace_cost(Source::AdminCost, ORG_SCOPE, replace_for(&pages), &pages.lines)?;
    Ok(Ingested { files: paths.len(), lines: pages.lines.len(), problems: Vec::new() })
}

pub fn admin_analytics_usage(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let pages = read_pages::<UsageLine>(paths, "analytics usage pages", analytics::read_usage_page)?;
    store.replace_usage(Source::AdminAnalyticsUsage, ORG_SCOPE, replace_for(&pages), &pages.lines)?;
    Ok(Ingested { files: paths.len(), lines: pages.lines.len(), problems: Vec::new() })
}

pub fn admin_analytics_cost(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let pages = read_pages::<CostLine>(paths, "analytics cost pages", analytics::read_cost_page)?;
    store.replace_cost(Source::AdminAnalyticsCost, ORG_SCOPE, replace_for(&pages), &pages.lines)?;
    Ok(Ingested { files: paths.len(), lines: pages.lines.len(), problems: Vec::new() })
}

pub fn claude_code_analytics(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let bar = progress::bar(paths.len() as u64, "Claude Code Analytics pages");
    let mut all = claude_code_analytics::AnalyticsPage::default();
    for path in paths {
        all.extend(claude_code_analytics::read_page(&path.display().to_string(), &read_file(path)?)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    store_claude_code_analytics(store, &all)?;
    Ok(Ingested { files: paths.len(), lines: all.usage.lines.len() + all.activity.len(), problems: Vec::new() })
}

/// Usage and activity of the same window, each replacing its days.
pub fn store_claude_code_analytics(store: &Store, page: &claude_code_analytics::AnalyticsPage) -> Result<()> {
    let replace = replace_for(&page.usage);
    store.replace_usage(Source::ClaudeCodeAnalytics, ORG_SCOPE, replace, &page.usage.lines)?;
    store.replace_activity(Source::ClaudeCodeAnalytics, ORG_SCOPE, replace, &page.activity)?;
    Ok(())
}

/// Workspaces, API keys and users: each listing replaces its own snapshot.
pub fn directory(store: &Store, paths: &[PathBuf]) -> Result<Ingested> {
    let pages = read_pages::<DirectoryEntry>(paths, "directory pages", directory::read_page)?;
    let mut by_kind: std::collections::BTreeMap<&'static str, Vec<DirectoryEntry>> = std::collections::BTreeMap::new();
    for entry in &pages.lines {
        by_kind.entry(entry.kind.as_str()).or_default().push(entry.clone());
    }
    for (kind, entries) in &by_kind {
        store.replace_directory(Source::AdminDirectory, kind, entries)?;
    }
    Ok(Ingested { files: paths.len(), lines: pages.lines.len(), problems: Vec::new() })
}

/// The roster is a snapshot: it replaces every seat fee stored before.
pub fn roster(store: &Store, paths: &[PathBuf], until: Day) -> Result<Ingested> {
    let mut seats = Vec::new();
    for path in paths {
        seats.extend(roster::read(&path.display().to_string(), &read_file(path)?)?);
    }
    let mut open_seats: Vec<&str> = seats.iter().filter(|seat| seat.end.is_none()).map(|seat| seat.email.as_str()).collect();
    open_seats.sort_unstable();
    if let Some(pair) = open_seats.windows(2).find(|pair| pair[0] == pair[1]) {
        bail!("the roster holds two open seats for {}: end one of them", pair[0]);
    }
    let fees = roster::seat_fees(&seats, until);
    store.replace_cost(Source::Roster, "roster", Replace::Scope, &fees)?;
    Ok(Ingested { files: paths.len(), lines: fees.len(), problems: Vec::new() })
}

/// Validates an org map and installs it as `DATA_DIR/orgmap.toml` (write, sync, rename).
pub fn orgmap(data_dir: &Path, path: &Path) -> Result<Ingested> {
    let map = crate::settings::read_orgmap(path)?;
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let target = data_dir.join("orgmap.toml");
    let temporary = data_dir.join(".orgmap.toml.tmp");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&temporary).with_context(|| format!("writing {}", temporary.display()))?;
        file.write_all(&text)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, &target).with_context(|| format!("installing {}", target.display()))?;
    Ok(Ingested { files: 1, lines: map.teams.len() + map.features.len() + usize::from(map.claude_code.is_some()), problems: Vec::new() })
}

/// Every `*.jsonl` under the given folders (recursively), by canonical path, sorted, each once.
///
/// Only the roots and symbolic links are canonicalised: an entry of a canonical directory that is
/// not a link is canonical already, so a tree of thousands of files costs no `realpath` per file.
/// Directories are visited once each, so a link back to an ancestor does not loop.
pub fn transcript_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut visited = std::collections::HashSet::new();
    // (path, known to be a directory): roots and symlink targets are looked at when taken.
    let mut pending: Vec<(PathBuf, bool)> =
        roots.iter().map(|root| (std::fs::canonicalize(root).unwrap_or_else(|_| root.clone()), false)).collect();
    let is_transcript = |path: &Path| path.extension().is_some_and(|ext| ext == "jsonl");
    while let Some((path, known_directory)) = pending.pop() {
        if !known_directory && !path.is_dir() {
            if is_transcript(&path) {
                files.push(path);
            }
            continue;
        }
        if !visited.insert(path.clone()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push((entry.path(), true));
            } else if kind.is_symlink() {
                if let Ok(target) = std::fs::canonicalize(entry.path()) {
                    pending.push((target, false));
                }
            } else if is_transcript(&entry.path()) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The `projects/` folders Claude Code writes transcripts to on this machine: every
/// comma-separated entry of `CLAUDE_CONFIG_DIR` (a config dir or its `projects/` child), else
/// `~/.claude/projects` and `~/.config/claude/projects` (or `$XDG_CONFIG_HOME/claude/projects`).
pub fn default_transcript_roots() -> Vec<PathBuf> {
    let projects = |dir: PathBuf| if dir.join("projects").is_dir() { dir.join("projects") } else { dir };
    if let Ok(list) = std::env::var("CLAUDE_CONFIG_DIR")
        && !list.trim().is_empty()
    {
        return list.split(',').filter(|part| !part.trim().is_empty()).map(|part| projects(PathBuf::from(part.trim()))).collect();
    }
    let mut roots = Vec::new();
    if let Some(home) = dirs::home_dir() {
        roots.push(home.join(".claude").join("projects"));
        roots.push(home.join(".config").join("claude").join("projects"));
    }
    if let Ok(config) = std::env::var("XDG_CONFIG_HOME")
        && !config.is_empty()
    {
        roots.push(PathBuf::from(config).join("claude").join("projects"));
    }
    roots
}

/// The transcript state file of a data directory.
pub fn transcript_state_path(data_dir: &Path) -> PathBuf {
    data_dir.join("transcripts-state.bin")
}

/// Where earlier builds kept the transcript state (JSON): removed once the binary state is
/// written; without it, a scope is read afresh, which gives the same lines.
fn legacy_transcript_state_path(data_dir: &Path) -> PathBuf {
    data_dir.join("transcripts-state.json")
}

/// Days of transcript lines merged and written at a time: bounds the lines held in memory.
const TRANSCRIPT_SPAN_DAYS: usize = 6;

/// What an incremental transcript ingest did.
#[derive(Debug, Default)]
pub struct TranscriptsIngested {
    /// Transcript files found under the roots.
    pub files_found: usize,
    /// Files opened because they were new, grew or changed.
    pub files_read: usize,
    pub bytes_read: u64,
    /// Responses whose stored line was added or replaced.
    pub responses_stored: usize,
    /// Days rewritten in the store.
    pub days_rewritten: usize,
    /// Unreadable lines (file:line: why) and unreadable files.
    pub problems: Vec<String>,
    pub incomplete_tails: usize,
}

/// Hears of each run of days a transcript ingest rewrote: the run's period and every line now
/// stored for the person in it (called from the writing threads, once the run is written).
pub type WrittenDays<'a> = &'a (dyn Fn(Period, &[UsageLine]) + Sync);

/// Reads one person's transcripts incrementally (only new files and appended bytes) and merges
/// the responses into the stored days; see `spendlens_ingest::transcript::state` for the design.
/// Unreadable lines are reported, not fatal. `written`, if given, hears of each run of days
/// rewritten.
pub fn transcripts(
    store: &Store,
    data_dir: &Path,
    roots: &[PathBuf],
    email: &str,
    written: Option<WrittenDays<'_>>,
) -> Result<TranscriptsIngested> {
    let files: Vec<(String, PathBuf)> = transcript_files(roots).into_iter().map(|path| (path.display().to_string(), path)).collect();
    let state_path = transcript_state_path(data_dir);
    let mut state = transcript::state::TranscriptState::load(&state_path)?;
    let first_time = !state.scopes.contains_key(email);
    let scope = state.scopes.entry(email.to_string()).or_default();
    let bar = progress::spinner("reading transcripts");
    let read = transcript::read_files(&files, &scope.files, email);
    bar.finish_and_clear();
    let (responses, problems, incomplete_tails) = read.reader.into_responses();
    let changed = first_time || !read.cursors.is_empty() || !responses.is_empty();
    let merge = scope.merge(responses)?;
    scope.files.extend(read.cursors);
    let (responses_stored, days_rewritten) = (merge.added(), merge.days.len());
    // A few days at a time, so that only their lines are built at once; two runs of days at
    // once (they replace disjoint periods), so that building one's lines overlaps writing the
    // other's files.
    let spans: Vec<std::sync::Mutex<Option<transcript::state::Span>>> =
        merge.spans(TRANSCRIPT_SPAN_DAYS).into_iter().map(|span| std::sync::Mutex::new(Some(span))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let write_span = |span: transcript::state::Span| -> Result<()> {
        let period = span.period();
        // A scope new to the state file replaces what an older, non-incremental ingest stored.
        let stored = if first_time {
            Vec::new()
        } else {
            store
                .scope_usage_lines(Source::Transcript, email, Some(period), UsageDetail::Full)?
                .into_iter()
                .filter(|line| line.identity.actor_email.as_deref() == Some(email))
                .collect()
        };
        let lines = span.into_lines(stored);
        store.replace_usage(Source::Transcript, email, Replace::DaysIn(period), &lines)?;
        if let Some(written) = written {
            written(period, &lines);
        }
        Ok(())
    };
    // The new state is encoded while the days are written; it is saved only once they are.
    let state = &state;
    let (failures, encoded): (Vec<anyhow::Error>, Option<Vec<u8>>) = std::thread::scope(|scope| {
        let encoder = scope.spawn(move || changed.then(|| state.encode()));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(slot) = spans.get(index) else { return Ok(()) };
                        let taken = slot.lock().ok().and_then(|mut span| span.take());
                        if let Some(span) = taken {
                            write_span(span)?;
                        }
                    }
                })
            })
            .collect();
        let failures = workers
            .into_iter()
            .filter_map(|worker| worker.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a writing thread panicked"))).err())
            .collect();
        // A panicked encoder leaves the state to be encoded here.
        (failures, encoder.join().unwrap_or_else(|_| changed.then(|| state.encode())))
    });
    if let Some(failure) = failures.into_iter().next() {
        return Err(failure);
    }
    // Nothing read, nothing to record: a run over an unchanged tree writes nothing.
    if let Some(encoded) = encoded {
        transcript::state::TranscriptState::save_encoded(&state_path, &encoded)?;
        let legacy = legacy_transcript_state_path(data_dir);
        if legacy.exists() {
            std::fs::remove_file(&legacy).with_context(|| format!("removing {}", legacy.display()))?;
        }
    }
    let mut all_problems: Vec<String> = read.unreadable;
    all_problems.extend(problems.iter().map(ToString::to_string));
    Ok(TranscriptsIngested {
        files_found: files.len(),
        files_read: read.files_read,
        bytes_read: read.bytes_read,
        responses_stored,
        days_rewritten,
        problems: all_problems,
        incomplete_tails,
    })
}

//! The incremental ingest of one person's local Claude Code transcripts: only new files and
//! appended bytes are read, the responses are merged with the recorded de-duplication winners, and
//! only the days that changed are rewritten (see `spendlens_ingest::transcript::state` for why an
//! incremental run equals a cold one). The state lives in `DATA_DIR/transcripts-state.bin`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use spendlens_ingest::transcript::{self, state::TranscriptState};
use spendlens_model::{Period, Source, UsageLine, parallel};
use spendlens_store::{LakeExt, Replace, UsageDetail};

use crate::ingest::Progress;
use crate::{App, AppError};

/// Days of transcript lines merged and written at a time: bounds the lines held in memory.
const SPAN_DAYS: usize = 6;

/// Runs of days written at once: building one run's lines overlaps writing another's files.
const SPANS_AT_ONCE: usize = 2;

/// What an incremental transcript ingest did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
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
    /// Lines read that carried `message.usage` but are not an assistant's reply, by `type`
    /// (`(none)` without one): not counted as responses (ccusage counts them), reported.
    pub skipped_usage: std::collections::BTreeMap<String, u64>,
}

/// Hears of each run of days a transcript ingest rewrote: the run's period and every line now
/// stored for the person in it (called from the writing threads, once the run is written).
pub type WrittenDays<'a> = &'a (dyn Fn(Period, &[UsageLine]) + Sync);

/// The person transcripts are attributed to: `given` (a flag, `SPENDLENS_EMAIL`), else the
/// operating-system user, lower-cased.
pub fn person_email(given: Option<&str>) -> String {
    let email = match given {
        Some(email) if !email.trim().is_empty() => email.to_string(),
        _ => std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into()),
    };
    email.trim().to_ascii_lowercase()
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

impl App {
    /// Reads one person's transcripts under `roots` incrementally and merges the responses into
    /// the stored days (a run of days at a time, each hand to `written` once stored). Unreadable
    /// lines are reported, not fatal.
    pub fn ingest_transcripts(
        &self,
        roots: &[PathBuf],
        email: &str,
        written: Option<WrittenDays<'_>>,
        progress: &dyn Progress,
    ) -> Result<TranscriptsIngested, AppError> {
        self.writing(|| self.ingest_transcripts_locked(roots, email, written, progress))
    }

    fn ingest_transcripts_locked(
        &self,
        roots: &[PathBuf],
        email: &str,
        written: Option<WrittenDays<'_>>,
        progress: &dyn Progress,
    ) -> Result<TranscriptsIngested, AppError> {
        let lake = self.lake()?;
        let files: Vec<(String, PathBuf)> = transcript_files(roots).into_iter().map(|path| (path.display().to_string(), path)).collect();
        let state_path = self.settings.transcript_state_path();
        // The state only saves re-reading: a damaged one (a crash of a build before the writer
        // lock) is reported and rebuilt by reading every transcript afresh, which gives the same lines.
        let mut damaged = None;
        let mut state = match TranscriptState::load(&state_path) {
            Ok(state) => state,
            Err(error @ spendlens_ingest::IngestError::Malformed { .. }) => {
                damaged = Some(format!("{error}: every transcript was read afresh and the state rebuilt"));
                TranscriptState::default()
            }
            Err(error) => return Err(error.into()),
        };
        let first_time = !state.scopes.contains_key(email);
        let scope = state.scopes.entry(email.to_string()).or_default();
        progress.start("reading transcripts", None);
        let read = transcript::read_files(&files, &scope.files, email);
        progress.finish();
        let skipped_usage = read.reader.skipped_usage().clone();
        let (responses, problems, incomplete_tails) = read.reader.into_responses();
        let changed = first_time || !read.cursors.is_empty() || !responses.is_empty();
        let merge = scope.merge(responses)?;
        scope.files.extend(read.cursors);
        let (responses_stored, days_rewritten) = (merge.added(), merge.days.len());
        let spans: Vec<Mutex<Option<transcript::state::Span>>> =
            merge.spans(SPAN_DAYS).into_iter().map(|span| Mutex::new(Some(span))).collect();
        let write_span = |span: &Mutex<Option<transcript::state::Span>>| -> Result<(), AppError> {
            let Some(span) = span.lock().ok().and_then(|mut span| span.take()) else { return Ok(()) };
            let period = span.period();
            // A scope new to the state file replaces what an older, non-incremental ingest stored.
            let stored = if first_time {
                Vec::new()
            } else {
                lake.scope_usage_lines(Source::Transcript, email, Some(period), UsageDetail::Full)?
                    .into_iter()
                    .filter(|line| line.identity.actor_email.as_deref() == Some(email))
                    .collect()
            };
            let lines = span.into_lines(stored);
            lake.replace_usage(Source::Transcript, email, Replace::DaysIn(period), &lines)?;
            if let Some(written) = written {
                written(period, &lines);
            }
            Ok(())
        };
        // The new state is encoded while the days are written; it is saved only once they are.
        let state = &state;
        let (encoded, written_spans) =
            parallel::join(|| changed.then(|| state.encode()), || parallel::map_with(SPANS_AT_ONCE, spans.iter().collect(), write_span));
        written_spans.into_iter().collect::<Result<Vec<()>, AppError>>()?;
        // Nothing read, nothing to record: a run over an unchanged tree writes nothing.
        if let Some(encoded) = encoded {
            spendlens_store::atomic::write_file(&state_path, &encoded)?;
            // Where earlier builds kept the state (JSON): without it, a scope is read afresh,
            // which gives the same lines.
            let legacy = self.settings.data_dir.join("transcripts-state.json");
            if legacy.exists() {
                std::fs::remove_file(&legacy).map_err(|error| AppError::file("removing", &legacy, error))?;
            }
        }
        let mut all_problems: Vec<String> = damaged.into_iter().collect();
        all_problems.extend(read.unreadable);
        all_problems.extend(problems.iter().map(ToString::to_string));
        Ok(TranscriptsIngested {
            files_found: files.len(),
            files_read: read.files_read,
            bytes_read: read.bytes_read,
            responses_stored,
            days_rewritten,
            problems: all_problems,
            incomplete_tails,
            skipped_usage,
        })
    }

    /// A person's stored transcript lines (what `spendlens push` sends).
    pub fn transcript_lines_of(&self, email: &str) -> Result<Vec<UsageLine>, AppError> {
        Ok(self
            .lake()?
            .usage_lines_of(Source::Transcript, None)?
            .into_iter()
            .filter(|line| line.identity.actor_email.as_deref() == Some(email))
            .collect())
    }
}

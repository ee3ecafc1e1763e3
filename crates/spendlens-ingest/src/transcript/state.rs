//! The transcript state file (`DATA_DIR/transcripts-state.json`) and the incremental merge.
//!
//! Per scope (the person the transcripts are attributed to) it records every file's
//! [`FileCursor`] and, for every response key (`message.id`, else `requestId`), a summary of the
//! copy that won de-duplication so far: its day, [`fingerprint`], token total and chain.
//!
//! Why an incremental run equals a cold one: a cold run keeps, per key, the maximum by [`rank`]
//! of every copy in every file. `rank` is a total order computed from (token total, main chain,
//! fingerprint), all of which the summary holds, and the maximum is associative: the maximum over
//! the whole tree is the maximum of the earlier winner and the best copy among the appended bytes.
//! So [`ScopeState::merge`] compares each newly read copy with the recorded winner; when the new
//! one ranks higher, the old stored line is removed (found on its recorded day by its fingerprint,
//! since the store has no message-id column) and the new one added. Only the days touched (the
//! new winners' days and the replaced winners' days) are rewritten, from the scope's stored lines
//! of that span. Re-applying the same merge is harmless (a line equal by fingerprint to one being
//! added is dropped first), so a crash between the store write and the state write heals on the
//! next run. Not covered: a file rewritten with different content (shrunk, or mtime moved back)
//! is re-read whole, but responses that vanished from it stay stored.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::Path as FilePath;

use serde::{Deserialize, Serialize};
use spendlens_model::{Day, Period, UsageLine};

use super::{FileCursor, Response, fingerprint, rank};
use crate::IngestError;

const VERSION: u32 = 1;

/// Everything the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranscriptState {
    pub version: u32,
    /// By scope (actor email).
    pub scopes: BTreeMap<String, ScopeState>,
}

/// One person's transcripts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeState {
    /// By canonical path.
    pub files: BTreeMap<String, FileCursor>,
    /// The winner of every response key.
    pub responses: BTreeMap<String, Kept>,
}

/// The stored winner of one response key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub day: Day,
    pub fingerprint: u64,
    pub total: u64,
    pub main_chain: bool,
}

/// What a merge changes in the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Merge {
    /// New winners, to add.
    pub added: Vec<UsageLine>,
    /// Old winners they beat, to remove: (day, fingerprint).
    pub removed: Vec<(Day, u64)>,
    /// Every day whose stored lines change.
    pub days: BTreeSet<Day>,
}

impl Merge {
    /// The span of days to rewrite, when any.
    pub fn period(&self) -> Option<Period> {
        let first = *self.days.first()?;
        let last = *self.days.last()?;
        Some(Period::new(first, last + chrono::Duration::days(1)))
    }

    /// The scope's lines of [`Merge::period`] after the merge, given what is stored there now.
    pub fn apply(&self, stored: Vec<UsageLine>) -> Vec<UsageLine> {
        let mut removals: HashMap<(Day, u64), usize> = HashMap::new();
        for key in &self.removed {
            *removals.entry(*key).or_default() += 1;
        }
        let added: BTreeSet<(Day, u64)> = self.added.iter().map(|line| (line.day(), fingerprint(line))).collect();
        let mut lines: Vec<UsageLine> = stored
            .into_iter()
            .filter(|line| {
                let key = (line.day(), fingerprint(line));
                if added.contains(&key) {
                    return false;
                }
                match removals.get_mut(&key) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        lines.extend(self.added.iter().cloned());
        lines.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.identity.request_id.cmp(&b.identity.request_id)));
        lines
    }
}

impl ScopeState {
    /// Merges newly read best copies with the recorded winners, updating the record.
    pub fn merge(&mut self, responses: HashMap<String, Response>) -> Merge {
        let mut merge = Merge::default();
        let mut sorted: Vec<(String, Response)> = responses.into_iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, response) in sorted {
            let print = fingerprint(&response.line);
            let total = response.line.tokens.total();
            if let Some(kept) = self.responses.get(&key) {
                if rank(kept.total, kept.main_chain, kept.fingerprint) >= rank(total, response.main_chain, print) {
                    continue;
                }
                merge.removed.push((kept.day, kept.fingerprint));
                merge.days.insert(kept.day);
            }
            let day = response.line.day();
            merge.days.insert(day);
            self.responses.insert(key, Kept { day, fingerprint: print, total, main_chain: response.main_chain });
            merge.added.push(response.line);
        }
        merge
    }
}

impl TranscriptState {
    /// Reads the state file; a missing file is an empty state.
    pub fn load(path: &FilePath) -> Result<TranscriptState, IngestError> {
        let name = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(TranscriptState { version: VERSION, ..Default::default() });
            }
            Err(error) => return Err(IngestError::io(&name, error)),
        };
        let state: TranscriptState = serde_json::from_slice(&bytes).map_err(|error| {
            IngestError::malformed(
                &name,
                crate::error::Location::Line { line: error.line(), column: Some(error.column()) },
                error.to_string(),
            )
        })?;
        if state.version != VERSION {
            return Err(IngestError::malformed(
                &name,
                crate::error::Location::JsonPath("version".into()),
                format!("version {} is not {VERSION}: delete the file to re-read every transcript", state.version),
            ));
        }
        Ok(state)
    }

    /// Writes the state file atomically (temporary file, sync, rename).
    pub fn save(&self, path: &FilePath) -> Result<(), IngestError> {
        let name = path.display().to_string();
        let temporary = path.with_extension("json.tmp");
        let text = serde_json::to_vec(self).map_err(|error| IngestError::io(&name, std::io::Error::other(error)))?;
        let write = || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)
        };
        write().map_err(|error| IngestError::io(&name, error))
    }
}

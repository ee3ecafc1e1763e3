//! Decoded telemetry waiting to be stored, and the flush that stores it.
//!
//! Requests only add to the buffer; a flush (every `flush_interval`, and on shutdown) takes it
//! and, per person, merges it with what the store already holds for the affected days, then
//! replaces those days of the person's scope (`Replace::Days`, scope = the email, or
//! `unattributed` for data without `user.email`). Usage lines merge by `request_id` (the event
//! key, see [`crate::telemetry::event_key`]), so a batch resent after a flush is still stored
//! once; activity counts add up. A failed flush puts what it took back into the buffer.
//!
//! Two small state files sit beside the lake, both written atomically:
//! - `DATA_DIR/otel-attributes.json`: email → the `team.id`, `department` and `cost_center`
//!   resource attributes last seen with that person's telemetry, and when, for later team
//!   attribution;
//! - `DATA_DIR/otel-counters.json`: the last point of each cumulative series and the delta
//!   points already counted (two days' worth), so a restart neither recounts a cumulative series
//!   nor a resent delta batch.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path as FilePath, PathBuf};

use chrono::Duration;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spendlens_model::{ActivityLine, Day, Period, Source, UsageLine};
use spendlens_store::{Replace, Store};

use crate::ServerError;
use crate::telemetry::{ActivityCounts, ActivityKey, CounterState, SeenAttributes};

/// The scope of telemetry that names no person.
pub const UNATTRIBUTED_SCOPE: &str = "unattributed";

pub const ATTRIBUTES_FILE: &str = "otel-attributes.json";
pub const COUNTERS_FILE: &str = "otel-counters.json";

/// What a flush stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushSummary {
    /// New usage lines (events not stored before).
    pub usage_lines: usize,
    /// Person-days whose activity changed.
    pub activity_days: usize,
}

#[derive(Debug, Default)]
pub struct Pending {
    /// Event key → line; a key seen twice before a flush is kept once.
    pub usage: HashMap<String, UsageLine>,
    pub activity: BTreeMap<ActivityKey, ActivityCounts>,
    pub counters: CounterState,
    pub attributes: BTreeMap<String, SeenAttributes>,
    pub attributes_changed: bool,
    pub counters_changed: bool,
}

/// What one flush took from the buffer.
#[derive(Debug, Default)]
pub struct Batch {
    pub usage: Vec<UsageLine>,
    pub activity: BTreeMap<ActivityKey, ActivityCounts>,
    pub counters: Option<CounterState>,
    pub attributes: Option<BTreeMap<String, SeenAttributes>>,
}

impl Pending {
    pub fn load(data_dir: &FilePath) -> Result<Pending, ServerError> {
        Ok(Pending {
            counters: read_json(&data_dir.join(COUNTERS_FILE))?.unwrap_or_default(),
            attributes: read_json(&data_dir.join(ATTRIBUTES_FILE))?.unwrap_or_default(),
            ..Pending::default()
        })
    }

    pub fn add_line(&mut self, line: UsageLine) {
        let key = line.identity.request_id.clone().unwrap_or_default();
        self.usage.entry(key).or_insert(line);
    }

    pub fn add_attributes(&mut self, email: String, seen: SeenAttributes) {
        let entry = self.attributes.entry(email).or_default();
        if seen.last_seen >= entry.last_seen && *entry != seen {
            *entry = seen;
            self.attributes_changed = true;
        }
    }

    pub fn take(&mut self) -> Batch {
        let counters = std::mem::take(&mut self.counters_changed).then(|| {
            self.counters.prune();
            self.counters.clone()
        });
        Batch {
            usage: std::mem::take(&mut self.usage).into_values().collect(),
            activity: std::mem::take(&mut self.activity),
            counters,
            attributes: std::mem::take(&mut self.attributes_changed).then(|| self.attributes.clone()),
        }
    }

    /// Returns a batch whose flush failed, to be tried again with the next.
    pub fn put_back(&mut self, batch: Batch) {
        for line in batch.usage {
            self.add_line(line);
        }
        for (key, counts) in batch.activity {
            self.activity.entry(key).or_default().add(&counts);
        }
        self.counters_changed |= batch.counters.is_some();
        self.attributes_changed |= batch.attributes.is_some();
    }
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.usage.is_empty() && self.activity.is_empty() && self.counters.is_none() && self.attributes.is_none()
    }
}

/// Stores a batch (blocking: run it off the async workers).
pub fn store_batch(store: &Store, data_dir: &FilePath, batch: &Batch) -> Result<FlushSummary, ServerError> {
    let mut summary = FlushSummary::default();
    if !batch.usage.is_empty() {
        summary.usage_lines = store_usage(store, &batch.usage)?;
    }
    if !batch.activity.is_empty() {
        summary.activity_days = store_activity(store, &batch.activity)?;
    }
    // After the lines: a crash in between recounts at worst, it never loses counts.
    if let Some(counters) = &batch.counters {
        write_json(&data_dir.join(COUNTERS_FILE), counters)?;
    }
    if let Some(attributes) = &batch.attributes {
        write_json(&data_dir.join(ATTRIBUTES_FILE), attributes)?;
    }
    Ok(summary)
}

pub fn scope_of(email: Option<&str>) -> &str {
    email.unwrap_or(UNATTRIBUTED_SCOPE)
}

/// The smallest period holding every day.
pub fn period_of(days: impl IntoIterator<Item = Day>) -> Option<Period> {
    let days: BTreeSet<Day> = days.into_iter().collect();
    let first = *days.first()?;
    let last = *days.last()?;
    Some(Period::new(first, last + Duration::days(1)))
}

fn store_usage(store: &Store, lines: &[UsageLine]) -> Result<usize, ServerError> {
    let Some(period) = period_of(lines.iter().map(UsageLine::day)) else { return Ok(0) };
    let mut by_person: BTreeMap<Option<String>, Vec<&UsageLine>> = BTreeMap::new();
    for line in lines {
        by_person.entry(line.identity.actor_email.clone()).or_default().push(line);
    }
    let stored = store.usage_lines_of(Source::Otel, Some(period))?;
    let mut new_lines = 0;
    for (person, lines) in by_person {
        let days: BTreeSet<Day> = lines.iter().map(|line| line.day()).collect();
        let mut merged: BTreeMap<String, UsageLine> = stored
            .iter()
            .filter(|line| line.identity.actor_email == person && days.contains(&line.day()))
            .map(|line| (line.identity.request_id.clone().unwrap_or_default(), line.clone()))
            .collect();
        for line in lines {
            let key = line.identity.request_id.clone().unwrap_or_default();
            if let std::collections::btree_map::Entry::Vacant(entry) = merged.entry(key) {
                entry.insert(line.clone());
                new_lines += 1;
            }
        }
        let merged: Vec<UsageLine> = merged.into_values().collect();
        store.replace_usage(Source::Otel, scope_of(person.as_deref()), Replace::Days, &merged)?;
    }
    Ok(new_lines)
}

fn store_activity(store: &Store, activity: &BTreeMap<ActivityKey, ActivityCounts>) -> Result<usize, ServerError> {
    let Some(period) = period_of(activity.keys().map(|(_, day)| *day)) else { return Ok(0) };
    let stored: Vec<ActivityLine> = store.activity(Some(period))?.into_iter().filter(|line| line.source == Source::Otel).collect();
    let mut by_person: BTreeMap<Option<String>, Vec<ActivityLine>> = BTreeMap::new();
    for ((person, day), counts) in activity {
        let mut line = ActivityLine { day: *day, source: Source::Otel, actor_email: person.clone(), ..ActivityLine::default() };
        for old in stored.iter().filter(|old| old.actor_email == *person && old.day == *day) {
            add_activity(&mut line, old);
        }
        if counts.terminal_type.is_some() {
            line.terminal_type.clone_from(&counts.terminal_type);
        }
        line.sessions += whole(counts.sessions);
        line.lines_added += whole(counts.lines_added);
        line.lines_removed += whole(counts.lines_removed);
        line.commits += whole(counts.commits);
        line.pull_requests += whole(counts.pull_requests);
        line.tool_accepted += whole(counts.tool_accepted);
        line.tool_rejected += whole(counts.tool_rejected);
        if counts.active_seconds > 0.0 || line.active_seconds.is_some() {
            line.active_seconds = Some(line.active_seconds.unwrap_or(0) + whole(counts.active_seconds));
        }
        by_person.entry(person.clone()).or_default().push(line);
    }
    let mut days = 0;
    for (person, lines) in by_person {
        days += lines.len();
        store.replace_activity(Source::Otel, scope_of(person.as_deref()), Replace::Days, &lines)?;
    }
    Ok(days)
}

fn add_activity(line: &mut ActivityLine, old: &ActivityLine) {
    if line.terminal_type.is_none() {
        line.terminal_type.clone_from(&old.terminal_type);
    }
    line.sessions += old.sessions;
    line.lines_added += old.lines_added;
    line.lines_removed += old.lines_removed;
    line.commits += old.commits;
    line.pull_requests += old.pull_requests;
    line.tool_accepted += old.tool_accepted;
    line.tool_rejected += old.tool_rejected;
    if let Some(seconds) = old.active_seconds {
        line.active_seconds = Some(line.active_seconds.unwrap_or(0) + seconds);
    }
}

/// Counts arrive as floats; stored counts are whole (active time rounds to the second per flush).
fn whole(value: f64) -> u64 {
    if value.is_finite() && value > 0.0 { value.round() as u64 } else { 0 }
}

fn read_json<T: DeserializeOwned>(path: &FilePath) -> Result<Option<T>, ServerError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|error| ServerError::StateFile {
            action: "reading",
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ServerError::StateFile { action: "reading", path: path.to_path_buf(), source }),
    }
}

/// Temp file, fsync, rename: a reader sees the old file or the new one, never half of one.
fn write_json<T: Serialize>(path: &FilePath, value: &T) -> Result<(), ServerError> {
    let failed = |source: std::io::Error| ServerError::StateFile { action: "writing", path: path.to_path_buf(), source };
    let bytes = serde_json::to_vec_pretty(value).map_err(|error| failed(std::io::Error::other(error)))?;
    let temporary: PathBuf = path.with_extension(format!("json.tmp-{}", std::process::id()));
    let mut file = fs::File::create(&temporary).map_err(failed)?;
    file.write_all(&bytes).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    fs::rename(&temporary, path).map_err(failed)
}

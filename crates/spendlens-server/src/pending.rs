//! Decoded telemetry waiting to be stored, and the flush that stores it.
//!
//! Requests only add to the buffer; a flush (every `flush_interval`, and on shutdown) takes it
//! and, per person, merges it into the person's scope (the email, or `unattributed` for data
//! without `user.email`) through the application layer: usage lines by the one merge rule (their
//! request id is the event key, see [`spendlens_ingest::otel::event_key`]), so a batch resent
//! after a flush is still stored once; activity counts add up. A failed flush puts what it took
//! back into the buffer.
//!
//! Two small state files sit beside the lake, both written atomically:
//! - `DATA_DIR/otel-attributes.json`: email → the `team.id`, `department` and `cost_center`
//!   resource attributes last seen with that person's telemetry, and when, for later team
//!   attribution;
//! - `DATA_DIR/otel-counters.json`: the last point of each cumulative series and the delta
//!   points already counted (two days' worth), so a restart neither recounts a cumulative series
//!   nor a resent delta batch.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path as FilePath;

use serde::Serialize;
use serde::de::DeserializeOwned;
use spendlens_app::App;
use spendlens_model::{ActivityLine, Source, UsageLine};

use crate::ServerError;
use spendlens_ingest::otel::{ActivityCounts, ActivityKey, CounterState, SeenAttributes};

/// The scope of telemetry that names no person.
pub const UNATTRIBUTED_SCOPE: &str = "unattributed";

pub const ATTRIBUTES_FILE: &str = "otel-attributes.json";
pub const COUNTERS_FILE: &str = "otel-counters.json";

/// Usage lines waiting for a flush; past it, requests get 503 until a flush makes room (a flush
/// that keeps failing, a disk full, must not grow the server without bound).
pub const MAX_PENDING_LINES: usize = 500_000;

/// Person-days of activity and people's attributes waiting, each (counter series: ten times it).
pub const MAX_PENDING_KEYS: usize = 100_000;

/// How much the buffer holds before requests are turned away (see [`Pending::make_room`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub lines: usize,
    pub keys: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { lines: MAX_PENDING_LINES, keys: MAX_PENDING_KEYS }
    }
}

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
    pub limits: Limits,
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
    pub fn load(data_dir: &FilePath, limits: Limits) -> Result<Pending, ServerError> {
        Ok(Pending {
            limits,
            counters: read_json(&data_dir.join(COUNTERS_FILE))?.unwrap_or_default(),
            attributes: read_json(&data_dir.join(ATTRIBUTES_FILE))?.unwrap_or_default(),
            ..Pending::default()
        })
    }

    /// Room for `lines` more usage lines and `keys` more activity or attribute entries, or Busy.
    pub fn make_room(&self, lines: usize, keys: usize) -> Result<(), ServerError> {
        let series = self.counters.cumulative.len() + self.counters.delta_seen.len();
        if self.usage.len() + lines > self.limits.lines {
            return Err(ServerError::Busy { detail: "the telemetry waiting to be stored is at its limit" });
        }
        let keys_limit = self.limits.keys;
        if self.activity.len() + keys > keys_limit || self.attributes.len() + keys > keys_limit || series > 10 * keys_limit {
            return Err(ServerError::Busy { detail: "the activity waiting to be stored is at its limit" });
        }
        Ok(())
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

/// Stores a batch under the data directory's writer lock (blocking: run it off the async
/// workers). What is stored leaves `batch`: on a failure, what is left is exactly what was not
/// stored, so putting it back and flushing again never counts an activity increment twice (usage
/// lines merge by request, so storing one twice is harmless anyway).
pub fn store_batch(app: &App, data_dir: &FilePath, batch: &mut Batch) -> Result<FlushSummary, ServerError> {
    let mut summary = FlushSummary::default();
    let stored = app.writing(|| {
        if !batch.usage.is_empty() {
            summary.usage_lines = store_usage(app, &batch.usage)?;
            batch.usage.clear();
        }
        if !batch.activity.is_empty() {
            summary.activity_days = store_activity(app, &mut batch.activity)?;
        }
        Ok(())
    });
    stored?;
    // After the lines: a crash in between recounts at worst, it never loses counts.
    if let Some(counters) = &batch.counters {
        write_json(&data_dir.join(COUNTERS_FILE), counters)?;
        batch.counters = None;
    }
    if let Some(attributes) = &batch.attributes {
        write_json(&data_dir.join(ATTRIBUTES_FILE), attributes)?;
        batch.attributes = None;
    }
    Ok(summary)
}

pub fn scope_of(email: Option<&str>) -> &str {
    email.unwrap_or(UNATTRIBUTED_SCOPE)
}

/// Each person's new events merged into their days by the one merge rule (a resent event is
/// stored once).
fn store_usage(app: &App, lines: &[UsageLine]) -> Result<usize, spendlens_app::AppError> {
    let mut by_person: BTreeMap<Option<String>, Vec<UsageLine>> = BTreeMap::new();
    for line in lines {
        by_person.entry(line.identity.actor_email.clone()).or_default().push(line.clone());
    }
    let mut new_lines = 0;
    for (person, lines) in by_person {
        new_lines += app.merge_usage(Source::Otel, scope_of(person.as_deref()), lines)?.accepted;
    }
    Ok(new_lines)
}

/// Each person's counter increments added to their days; a person's increments leave `activity`
/// once stored.
fn store_activity(app: &App, activity: &mut BTreeMap<ActivityKey, ActivityCounts>) -> Result<usize, spendlens_app::AppError> {
    let mut by_person: BTreeMap<Option<String>, Vec<ActivityLine>> = BTreeMap::new();
    for ((person, day), counts) in activity.iter() {
        let increment = ActivityLine {
            day: *day,
            source: Source::Otel,
            actor_email: person.clone(),
            terminal_type: counts.terminal_type.clone(),
            sessions: whole(counts.sessions),
            lines_added: whole(counts.lines_added),
            lines_removed: whole(counts.lines_removed),
            commits: whole(counts.commits),
            pull_requests: whole(counts.pull_requests),
            tool_accepted: whole(counts.tool_accepted),
            tool_rejected: whole(counts.tool_rejected),
            active_seconds: (counts.active_seconds > 0.0).then(|| whole(counts.active_seconds)),
            ..ActivityLine::default()
        };
        by_person.entry(person.clone()).or_default().push(increment);
    }
    let mut days = 0;
    for (person, increments) in by_person {
        days += app.add_activity(Source::Otel, scope_of(person.as_deref()), increments)?;
        activity.retain(|(someone, _), _| *someone != person);
    }
    Ok(days)
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

/// Through the one atomic writer: a reader sees the old file or the new one, never half of one.
fn write_json<T: Serialize>(path: &FilePath, value: &T) -> Result<(), ServerError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|error| ServerError::StateFile {
        action: "writing",
        path: path.to_path_buf(),
        source: std::io::Error::other(error),
    })?;
    spendlens_app::atomic_write(path, &bytes)?;
    Ok(())
}

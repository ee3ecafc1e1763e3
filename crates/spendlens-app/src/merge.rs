//! Lines that arrive a few at a time (a team member's push, OpenTelemetry events, the gateway's
//! request log) merged into one person's scope of a source, by request, with one rule for all:
//! lines with the same request key are one request, and the more complete copy stays (a tie keeps
//! the stored one). So a batch sent twice, a push of the same sessions from two machines, or an
//! exporter's retry is stored once.
//!
//! Activity (counts per person and day) adds up instead: each increment is new.

use std::collections::{BTreeMap, BTreeSet};

use spendlens_model::{ActivityLine, Day, Period, Source, UsageLine};
use spendlens_store::{LakeExt, Replace, UsageDetail};

use crate::{App, AppError};

/// What a merge stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Lines stored: new requests, or more complete copies of stored ones.
    pub accepted: usize,
    /// Lines the store already had (as complete or more), or repeated within the batch.
    pub duplicates: usize,
}

/// A request's identity: its `request_id`, or (for lines without one) when, where and what.
pub fn request_key(line: &UsageLine) -> String {
    match &line.identity.request_id {
        Some(id) => format!("id:{id}"),
        None => format!(
            "at:{}|{}|{}|{}",
            line.start.to_rfc3339(),
            line.identity.session_id.as_deref().unwrap_or("-"),
            line.model,
            line.quantities.tokens.total()
        ),
    }
}

/// Streamed responses are written more than once, with growing counts: the copy with more tokens,
/// then more output, then more identity, then a cost, is the more complete.
pub fn completeness(line: &UsageLine) -> (u64, u64, usize, bool) {
    let identity = &line.identity;
    let known = [&identity.workspace_id, &identity.api_key_id, &identity.api_key_name, &identity.session_id, &identity.project]
        .iter()
        .filter(|field| field.is_some())
        .count();
    (line.quantities.tokens.total(), line.quantities.tokens.output, known, line.reported_cost.is_some())
}

/// Inserts `line` unless a copy of the same request is at least as complete; true when stored.
fn keep_more_complete(lines: &mut BTreeMap<String, UsageLine>, line: UsageLine) -> bool {
    let key = request_key(&line);
    match lines.get(&key) {
        Some(known) if completeness(known) >= completeness(&line) => false,
        _ => {
            lines.insert(key, line);
            true
        }
    }
}

/// The smallest period holding every day.
pub fn period_of(days: impl IntoIterator<Item = Day>) -> Option<Period> {
    let days: BTreeSet<Day> = days.into_iter().collect();
    Some(Period::new(*days.first()?, *days.last()? + chrono::Duration::days(1)))
}

impl App {
    /// Merges `lines` into `scope` of `source` (every line's source must be `source`), rewriting
    /// only the days they touch. Stored lines of those days are kept unless a line of the same
    /// request is more complete.
    pub fn merge_usage(&self, source: Source, scope: &str, lines: Vec<UsageLine>) -> Result<Merged, AppError> {
        self.writing(|| self.merge_usage_locked(source, scope, lines))
    }

    fn merge_usage_locked(&self, source: Source, scope: &str, lines: Vec<UsageLine>) -> Result<Merged, AppError> {
        let Some(period) = period_of(lines.iter().map(UsageLine::day)) else { return Ok(Merged::default()) };
        let lake = self.lake()?;
        let days: BTreeSet<Day> = lines.iter().map(UsageLine::day).collect();
        let mut merged: BTreeMap<String, UsageLine> = BTreeMap::new();
        for line in lake.scope_usage_lines(source, scope, Some(period), UsageDetail::Full)? {
            if days.contains(&line.day()) {
                keep_more_complete(&mut merged, line);
            }
        }
        let mut outcome = Merged::default();
        for line in lines {
            if keep_more_complete(&mut merged, line) {
                outcome.accepted += 1;
            } else {
                outcome.duplicates += 1;
            }
        }
        if outcome.accepted > 0 {
            let merged: Vec<UsageLine> = merged.into_values().collect();
            lake.replace_usage(source, scope, Replace::Days, &merged)?;
        }
        Ok(outcome)
    }

    /// Adds activity increments (one line per person and day, counts to add) to what `scope` of
    /// `source` holds for those days; returns the person-days written.
    pub fn add_activity(&self, source: Source, scope: &str, increments: Vec<ActivityLine>) -> Result<usize, AppError> {
        self.writing(|| self.add_activity_locked(source, scope, increments))
    }

    fn add_activity_locked(&self, source: Source, scope: &str, increments: Vec<ActivityLine>) -> Result<usize, AppError> {
        let Some(period) = period_of(increments.iter().map(|line| line.day)) else { return Ok(0) };
        let lake = self.lake()?;
        let stored: Vec<ActivityLine> = lake.activity(Some(period))?.into_iter().filter(|line| line.source == source).collect();
        let mut lines = Vec::with_capacity(increments.len());
        for increment in increments {
            let mut line =
                ActivityLine { day: increment.day, source, actor_email: increment.actor_email.clone(), ..ActivityLine::default() };
            for old in stored.iter().filter(|old| old.actor_email == increment.actor_email && old.day == increment.day) {
                line.add_counts(old);
            }
            if increment.terminal_type.is_some() {
                line.terminal_type.clone_from(&increment.terminal_type);
            }
            line.add_counts(&increment);
            lines.push(line);
        }
        let days = lines.len();
        lake.replace_activity(source, scope, Replace::Days, &lines)?;
        Ok(days)
    }
}

//! ccusage-style views of Claude Code transcript usage: per UTC day, per month, or per session,
//! each with its tokens by type, its list-price cost and its models.
//!
//! Pure: handed usage lines (already de-duplicated, one per API response) and the price book. A
//! line whose model the book cannot price adds its tokens but no dollars; its model is named in
//! `unpriced` at every level, so a missing price is never a silent $0.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use spendlens_model::{Money, Period, TokenCounts, UsageLine};
use spendlens_pricing::{PriceBook, PriceQuery};

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// UTC days, `YYYY-MM-DD`.
    Daily,
    /// UTC months, `YYYY-MM`.
    Monthly,
    /// Claude Code sessions, by session id.
    Session,
}

/// Tokens in ccusage's four kinds, with the cost of the priced part.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub input: u64,
    pub output: u64,
    /// Cache writes, 5-minute and 1-hour together (ccusage's `cacheCreationTokens`).
    pub cache_creation: u64,
    /// Of which 1-hour writes (billed at twice the 5-minute rate).
    pub cache_creation_1h: u64,
    pub cache_read: u64,
    /// List price of the priced lines.
    pub cost: Money,
    /// Models that could not be priced (their tokens are counted, their cost is not).
    pub unpriced: BTreeSet<String>,
}

impl Tally {
    pub fn total_tokens(&self) -> u64 {
        self.input + self.output + self.cache_creation + self.cache_read
    }

    fn add(&mut self, tokens: &TokenCounts, cost: Option<Money>, model: &str) {
        self.input += tokens.input;
        self.output += tokens.output;
        self.cache_creation += tokens.cache_write_5m + tokens.cache_write_1h;
        self.cache_creation_1h += tokens.cache_write_1h;
        self.cache_read += tokens.cache_read;
        match cost {
            Some(cost) => self.cost += cost,
            None => {
                self.unpriced.insert(model.to_string());
            }
        }
    }

    fn absorb(&mut self, other: &Tally) {
        self.input += other.input;
        self.output += other.output;
        self.cache_creation += other.cache_creation;
        self.cache_creation_1h += other.cache_creation_1h;
        self.cache_read += other.cache_read;
        self.cost += other.cost;
        self.unpriced.extend(other.unpriced.iter().cloned());
    }
}

/// One row: a day, a month or a session.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    /// `YYYY-MM-DD`, `YYYY-MM` or the session id.
    pub key: String,
    pub tally: Tally,
    /// By model id as the transcripts wrote it.
    pub models: BTreeMap<String, Tally>,
    pub first_activity: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    /// The working directory of the session's latest line (sessions only).
    pub project: Option<String>,
}

/// Rows in key order (sessions: by last activity), and their totals.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageReport {
    pub rows: Vec<UsageRow>,
    pub totals: Tally,
}

/// Groups `lines` whose UTC day falls in `period` (every line when `None`).
pub fn claude_code_usage(lines: &[UsageLine], book: &PriceBook, grouping: Grouping, period: Option<Period>) -> UsageReport {
    let mut rows: BTreeMap<String, UsageRow> = BTreeMap::new();
    for line in lines {
        if period.is_some_and(|period| !period.contains(line.day())) {
            continue;
        }
        let key = match grouping {
            Grouping::Daily => line.day().format("%Y-%m-%d").to_string(),
            Grouping::Monthly => line.day().format("%Y-%m").to_string(),
            Grouping::Session => line.identity.session_id.clone().unwrap_or_else(|| "unknown".into()),
        };
        let cost = book.price(&PriceQuery::from_line(line)).ok().map(|priced| priced.total);
        let row = rows.entry(key.clone()).or_insert_with(|| UsageRow {
            key,
            tally: Tally::default(),
            models: BTreeMap::new(),
            first_activity: line.start,
            last_activity: line.start,
            project: None,
        });
        row.tally.add(&line.tokens, cost, &line.model);
        row.models.entry(line.model.clone()).or_default().add(&line.tokens, cost, &line.model);
        row.first_activity = row.first_activity.min(line.start);
        if line.start >= row.last_activity {
            row.last_activity = line.start;
            if line.identity.project.is_some() {
                row.project.clone_from(&line.identity.project);
            }
        }
        if row.project.is_none() {
            row.project.clone_from(&line.identity.project);
        }
    }
    let mut rows: Vec<UsageRow> = rows.into_values().collect();
    if grouping == Grouping::Session {
        rows.sort_by(|a, b| a.last_activity.cmp(&b.last_activity).then_with(|| a.key.cmp(&b.key)));
    } else {
        for row in &mut rows {
            row.project = None;
        }
    }
    let mut totals = Tally::default();
    for row in &rows {
        totals.absorb(&row.tally);
    }
    UsageReport { rows, totals }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: &str, session: &str, model: &str, tokens: TokenCounts) -> UsageLine {
        let start: DateTime<Utc> = time.parse().unwrap();
        let mut line = UsageLine::new(start, start, spendlens_model::Source::Transcript, model);
        line.identity.session_id = Some(session.into());
        line.identity.project = Some("/p".into());
        line.tokens = tokens;
        line.requests = Some(1);
        line
    }

    #[test]
    fn days_months_and_sessions_add_up_and_unknown_models_are_named() {
        let book = PriceBook::embedded().unwrap();
        // Small prompts: above 200k prompt tokens the long-context rates would apply.
        let tokens = TokenCounts { input: 50_000, cache_write_5m: 0, cache_write_1h: 50_000, cache_read: 0, output: 0 };
        let lines = [
            line("2026-10-01T23:59:00Z", "a", "claude-sonnet-4-5-20250929", tokens),
            line("2026-10-02T00:01:00Z", "a", "claude-sonnet-4-5-20250929", tokens),
            line("2026-11-02T00:01:00Z", "b", "claude-mystery-9", tokens),
        ];
        let daily = claude_code_usage(&lines, &book, Grouping::Daily, None);
        assert_eq!(daily.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-10-01", "2026-10-02", "2026-11-02"]);
        // Sonnet 4.5: $3/MTok input, 1-hour writes at 2x = $6/MTok.
        assert_eq!(daily.rows[0].tally.cost, "0.45".parse().unwrap());
        assert_eq!(daily.rows[0].tally.cache_creation_1h, 50_000);
        assert_eq!(daily.totals.cost, "0.9".parse().unwrap());
        assert_eq!(daily.totals.unpriced.iter().collect::<Vec<_>>(), ["claude-mystery-9"]);
        assert_eq!(daily.totals.total_tokens(), 300_000);
        let monthly = claude_code_usage(&lines, &book, Grouping::Monthly, None);
        assert_eq!(monthly.rows.len(), 2);
        let sessions = claude_code_usage(&lines, &book, Grouping::Session, Some(Period::parse_month("2026-10").unwrap()));
        assert_eq!(sessions.rows.len(), 1);
        assert_eq!(sessions.rows[0].project.as_deref(), Some("/p"));
    }
}

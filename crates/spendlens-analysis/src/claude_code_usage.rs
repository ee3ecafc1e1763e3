//! ccusage-style views of Claude Code transcript usage: per UTC day, per month, or per session,
//! each with its tokens by type, its list-price cost and its models.
//!
//! Pure: handed usage lines (already de-duplicated, one per API response) and the price book. A
//! line whose model the book cannot price adds its tokens but no dollars; its model is named in
//! `unpriced` at every level, so a missing price is never a silent $0.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use spendlens_model::{Day, Money, Period, Quantities, TokenCounts, UsageLine};
use spendlens_pricing::{PriceBook, Pricer, RateKey};

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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
        self.add_tokens(tokens);
        self.add_cost(cost, model);
    }

    fn add_tokens(&mut self, tokens: &TokenCounts) {
        self.input += tokens.input;
        self.output += tokens.output;
        self.cache_creation += tokens.cache_write_5m + tokens.cache_write_1h;
        self.cache_creation_1h += tokens.cache_write_1h;
        self.cache_read += tokens.cache_read;
    }

    /// A cost, or (`None`) a model that could not be priced.
    fn add_cost(&mut self, cost: Option<Money>, model: &str) {
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

/// One row: a day, a month or a session. (Serialised whole, a finished row is what a cache keeps.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRow {
    /// `YYYY-MM-DD`, `YYYY-MM` or the session id.
    pub key: String,
    pub tally: Tally,
    /// By model id as the transcripts wrote it.
    pub models: BTreeMap<String, Tally>,
    pub first_activity: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    /// The working directory of the session's latest line that names one; of lines at the same
    /// time, the greatest (sessions only). So the row is the same whatever order lines come in.
    pub project: Option<String>,
    /// The time of the line `project` came from.
    #[serde(skip)]
    project_at: Option<DateTime<Utc>>,
    /// Quantities not priced yet, by model and rate key: lines with one key are priced together
    /// when the report is made (exactly what pricing them one by one gives). Empty once finished.
    #[serde(skip)]
    pending: BTreeMap<String, HashMap<RateKey, Quantities>>,
}

/// How a line's cost is known: now (its cost, `None` if unpriced), or later, by its rate key.
#[derive(Debug, Clone, Copy)]
enum Priced {
    Now(Option<Money>),
    Later(RateKey),
}

/// Rows in key order (sessions: by last activity), and their totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageReport {
    pub rows: Vec<UsageRow>,
    pub totals: Tally,
}

/// Groups `lines` whose UTC day falls in `period` (every line when `None`).
pub fn claude_code_usage(lines: &[UsageLine], book: &PriceBook, grouping: Grouping, period: Option<Period>) -> UsageReport {
    let mut grouper = UsageGrouper::new(book, grouping, period);
    for line in lines {
        grouper.add(line);
    }
    grouper.finish()
}

/// Groups lines one at a time, as [`claude_code_usage`] does a slice, so that lines can be read,
/// priced and grouped in parts without being held together. Nothing it keeps depends on the order
/// lines come in (sums, earliest and latest times, the project by time then name), so parts grouped
/// apart, in any order, combine with [`UsageGrouper::absorb`] into what one grouper fed every
/// line makes.
pub struct UsageGrouper<'book> {
    pricer: Pricer<'book>,
    grouping: Grouping,
    period: Option<Period>,
    /// Days, or the first day of each month.
    days: BTreeMap<Day, UsageRow>,
    sessions: BTreeMap<String, UsageRow>,
}

impl<'book> UsageGrouper<'book> {
    pub fn new(book: &'book PriceBook, grouping: Grouping, period: Option<Period>) -> Self {
        UsageGrouper { pricer: book.pricer(), grouping, period, days: BTreeMap::new(), sessions: BTreeMap::new() }
    }

    /// Adds one line, in any order.
    pub fn add(&mut self, line: &UsageLine) {
        let day = line.day();
        if self.period.is_some_and(|period| !period.contains(day)) {
            return;
        }
        // Code execution is priced per line: its amount divides by 3,600, which is not exact, so
        // summed seconds would not cost what the lines do. Everything else waits for its key.
        let priced = if line.quantities.code_execution_seconds > 0 {
            Priced::Now(self.pricer.line_cost(line).ok().map(|cost| cost.total))
        } else {
            match self.pricer.rate_key(line) {
                Ok(key) => Priced::Later(key),
                Err(_) => Priced::Now(None),
            }
        };
        match self.grouping {
            Grouping::Daily => self.days.entry(day).or_insert_with(|| UsageRow::starting(line)).add(line, priced),
            Grouping::Monthly => {
                self.days.entry(day.with_day(1).unwrap_or(day)).or_insert_with(|| UsageRow::starting(line)).add(line, priced);
            }
            Grouping::Session => {
                // The session id is copied only for a session's first line.
                let session = line.identity.session_id.as_deref().unwrap_or("unknown");
                match self.sessions.get_mut(session) {
                    Some(row) => {
                        row.add(line, priced);
                        row.add_project(line);
                    }
                    None => {
                        let mut row = UsageRow::starting(line);
                        row.add(line, priced);
                        row.add_project(line);
                        self.sessions.insert(session.to_string(), row);
                    }
                }
            }
        }
    }

    /// Adds what `other` grouped (other lines, of any days).
    pub fn absorb(&mut self, other: UsageGrouper<'_>) {
        for (day, row) in other.days {
            match self.days.get_mut(&day) {
                Some(kept) => kept.absorb(row),
                None => {
                    self.days.insert(day, row);
                }
            }
        }
        for (session, row) in other.sessions {
            match self.sessions.get_mut(&session) {
                Some(kept) => kept.absorb(row),
                None => {
                    self.sessions.insert(session, row);
                }
            }
        }
    }

    pub fn finish(mut self) -> UsageReport {
        let pricer = &mut self.pricer;
        for row in self.days.values_mut().chain(self.sessions.values_mut()) {
            row.price_pending(pricer);
        }
        let grouping = self.grouping;
        let mut rows: Vec<UsageRow> = match grouping {
            Grouping::Session => self.sessions.into_iter().map(|(session, row)| UsageRow { key: session, ..row }).collect(),
            Grouping::Daily | Grouping::Monthly => {
                let format = if grouping == Grouping::Monthly { "%Y-%m" } else { "%Y-%m-%d" };
                self.days
                    .into_iter()
                    .map(|(day, row)| UsageRow { key: day.format(format).to_string(), project: None, project_at: None, ..row })
                    .collect()
            }
        };
        if grouping == Grouping::Session {
            rows.sort_by(|a, b| a.last_activity.cmp(&b.last_activity).then_with(|| a.key.cmp(&b.key)));
        }
        let mut totals = Tally::default();
        for row in &rows {
            totals.absorb(&row.tally);
        }
        UsageReport { rows, totals }
    }
}

impl UsageRow {
    /// An empty row, its activity starting at `line`'s time (its key is set when the report is made).
    fn starting(line: &UsageLine) -> Self {
        UsageRow {
            key: String::new(),
            tally: Tally::default(),
            models: BTreeMap::new(),
            first_activity: line.start,
            last_activity: line.start,
            project: None,
            project_at: None,
            pending: BTreeMap::new(),
        }
    }

    /// Prices the quantities waiting for their rate key, once per (model, key).
    fn price_pending(&mut self, pricer: &mut Pricer<'_>) {
        for (model, by_key) in std::mem::take(&mut self.pending) {
            for (key, quantities) in by_key {
                let cost = pricer.cost_at(key, &quantities).ok().map(|cost| cost.total);
                self.tally.add_cost(cost, &model);
                self.models.entry(model.clone()).or_default().add_cost(cost, &model);
            }
        }
    }

    /// Takes `project`, seen at `at`, if it is later than the kept one (or, at the same time, greater).
    fn offer_project(&mut self, project: &str, at: DateTime<Utc>) {
        let newer = match (&self.project, self.project_at) {
            (Some(kept), Some(kept_at)) => (at, project) > (kept_at, kept.as_str()),
            _ => true,
        };
        if newer {
            if self.project.as_deref() != Some(project) {
                self.project = Some(project.to_string());
            }
            self.project_at = Some(at);
        }
    }

    fn add(&mut self, line: &UsageLine, priced: Priced) {
        let model = match self.models.get_mut(&line.model) {
            Some(tally) => tally,
            None => self.models.entry(line.model.clone()).or_default(),
        };
        match priced {
            Priced::Now(cost) => {
                self.tally.add(&line.quantities.tokens, cost, &line.model);
                model.add(&line.quantities.tokens, cost, &line.model);
            }
            Priced::Later(key) => {
                self.tally.add_tokens(&line.quantities.tokens);
                model.add_tokens(&line.quantities.tokens);
                let by_key = match self.pending.get_mut(&line.model) {
                    Some(by_key) => by_key,
                    None => self.pending.entry(line.model.clone()).or_default(),
                };
                by_key.entry(key).or_default().add(&line.quantities);
            }
        }
        self.first_activity = self.first_activity.min(line.start);
        self.last_activity = self.last_activity.max(line.start);
    }

    /// Offers `line`'s project (sessions only: day and month rows name none).
    fn add_project(&mut self, line: &UsageLine) {
        if let Some(project) = line.identity.project.as_deref() {
            self.offer_project(project, line.start);
        }
    }

    /// Adds a row grouped from other lines, as if its lines had been added one by one.
    fn absorb(&mut self, other: UsageRow) {
        self.tally.absorb(&other.tally);
        for (model, tally) in other.models {
            self.models.entry(model).or_default().absorb(&tally);
        }
        for (model, by_key) in other.pending {
            let mine = self.pending.entry(model).or_default();
            for (key, quantities) in by_key {
                mine.entry(key).or_default().add(&quantities);
            }
        }
        self.first_activity = self.first_activity.min(other.first_activity);
        self.last_activity = self.last_activity.max(other.last_activity);
        if let (Some(project), Some(at)) = (other.project.as_deref(), other.project_at) {
            self.offer_project(project, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(time: &str, session: &str, model: &str, tokens: TokenCounts) -> UsageLine {
        let start: DateTime<Utc> = time.parse().unwrap();
        let mut line = UsageLine::new(start, start, spendlens_model::Source::Transcript, model);
        line.identity.session_id = Some(session.into());
        line.identity.project = Some("/p".into());
        line.quantities.tokens = tokens;
        line.quantities.requests = Some(1);
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

    #[test]
    fn parts_grouped_apart_in_any_order_combine_into_the_whole() {
        let book = PriceBook::embedded().unwrap();
        let tokens =
            |n: u64| TokenCounts { input: 1_000 * n, cache_write_5m: 10 * n, cache_write_1h: 7, cache_read: 90 * n, output: 33 * n };
        // Sessions and months spanning every split; projects changing, missing, and tied in time
        // within one session (the greater name wins, whichever comes first).
        let mut lines = Vec::new();
        for (index, time) in [
            "2026-09-30T23:00:00Z",
            "2026-10-01T08:00:00Z",
            "2026-10-01T08:00:00Z",
            "2026-10-02T09:00:00Z",
            "2026-10-31T23:59:59Z",
            "2026-11-01T00:00:00Z",
            "2026-11-03T12:00:00Z",
            "2026-11-03T12:00:00Z",
        ]
        .into_iter()
        .enumerate()
        {
            let model = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-mystery-9"][index % 3];
            let mut line = line(time, ["a", "b"][index % 2], model, tokens(index as u64 + 1));
            line.identity.project = match index % 3 {
                0 => None,
                1 => Some(format!("/p{index}")),
                _ => Some("/q".into()),
            };
            lines.push(line);
        }
        for (index, project) in [(6, "/a"), (7, "/z")] {
            lines[index].identity.session_id = Some("b".into());
            lines[index].identity.project = Some(project.into());
        }
        let period = Period::new("2026-09-15".parse().unwrap(), "2026-11-02".parse().unwrap());
        let reversed: Vec<UsageLine> = lines.iter().rev().cloned().collect();
        let grouped = |part: &[UsageLine], grouping, filter| {
            let mut grouper = UsageGrouper::new(&book, grouping, filter);
            part.iter().for_each(|line| grouper.add(line));
            grouper
        };
        for grouping in [Grouping::Daily, Grouping::Monthly, Grouping::Session] {
            for filter in [None, Some(period)] {
                let whole = claude_code_usage(&lines, &book, grouping, filter);
                assert_eq!(claude_code_usage(&reversed, &book, grouping, filter), whole, "{grouping:?} lines reversed");
                if grouping == Grouping::Session && filter.is_none() {
                    let b = whole.rows.iter().find(|row| row.key == "b").unwrap();
                    assert_eq!(b.project.as_deref(), Some("/z"), "a tie in time goes to the greater project");
                }
                // Every split, the parts combined either way round, their lines in either order.
                for split in 1..lines.len() {
                    for (first, second) in [(&lines[..split], &lines[split..]), (&reversed[..split], &reversed[split..])] {
                        let mut combined = grouped(first, grouping, filter);
                        combined.absorb(grouped(second, grouping, filter));
                        assert_eq!(combined.finish(), whole, "{grouping:?} split at {split}");
                        let mut combined = grouped(second, grouping, filter);
                        combined.absorb(grouped(first, grouping, filter));
                        assert_eq!(combined.finish(), whole, "{grouping:?} split at {split}, later part first");
                    }
                }
            }
        }
    }
}

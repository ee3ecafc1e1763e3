//! ccusage 20.0.24's Claude Code reports, over spendlens's de-duplicated responses: rows by local
//! day, week, month or session (optionally per project), and the 5-hour billing blocks with their
//! burn rate and projection. Pure: handed one [`Entry`] per kept response, the function that gives
//! a moment's local day (the report's time zone) and, for blocks, the clock's reading.
//!
//! Shape and conventions follow `docs/ccusage-parity.md`: `modelsUsed` in first-use order,
//! breakdowns by cost descending (ties in first-use order), sessions keyed by (project, session)
//! and ordered by cost, blocks floored to the UTC hour with gap blocks between idle stretches.
//! The numbers are spendlens's: one entry per response (the complete streamed copy), priced by the
//! price book, so where ccusage counts a response twice or prices a long prompt per token type,
//! the rows differ by that, and only that.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use spendlens_model::Money;

/// One kept response, as the reports need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: DateTime<Utc>,
    /// As the transcript wrote it, `-fast` appended for fast-mode responses (ccusage's name).
    pub model: String,
    pub input: u64,
    pub output: u64,
    /// Cache writes, 5-minute and 1-hour together.
    pub cache_creation: u64,
    pub cache_read: u64,
    /// The price book's list price; `None` when it cannot price the model.
    pub cost: Option<Money>,
    /// The `costUSD` the line itself carried (older Claude Code versions).
    pub reported: Option<Money>,
    /// The Claude Code session (`sessionId`).
    pub session: String,
    /// The project: the working directory encoded as Claude Code names its folder.
    pub project: String,
}

impl Entry {
    pub fn total_tokens(&self) -> u64 {
        self.input + self.output + self.cache_creation + self.cache_read
    }

    /// The entry's cost under `mode`, and whether it is an unpriced model's (counted as 0).
    pub fn cost_in(&self, mode: CostMode) -> (Money, bool) {
        match (mode, self.reported, self.cost) {
            (CostMode::Display, reported, _) => (reported.unwrap_or(Money::ZERO), false),
            (CostMode::Auto, Some(reported), _) => (reported, false),
            (CostMode::Auto | CostMode::Calculate, _, Some(cost)) => (cost, false),
            (CostMode::Auto | CostMode::Calculate, _, None) => (Money::ZERO, self.total_tokens() > 0),
        }
    }
}

/// Where a line's cost comes from (ccusage's `--mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CostMode {
    /// The line's `costUSD` where it has one, else the price book's.
    #[default]
    Auto,
    /// Always the price book's.
    Calculate,
    /// Only the line's `costUSD` (0 without one).
    Display,
}

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    Daily,
    /// Weeks starting on the given day.
    Weekly(Weekday),
    Monthly,
    /// (project, session) pairs.
    Session,
}

/// Row order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    Asc,
    Desc,
}

/// What a report is asked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportOptions {
    pub bucket: Bucket,
    /// First and last local day, inclusive.
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// Only this project (the encoded folder name).
    pub project: Option<String>,
    /// Rows per project.
    pub instances: bool,
    /// Dated rows: by date (default ascending). Sessions: by cost (default descending).
    pub order: Option<Order>,
    pub mode: CostMode,
}

/// Tokens and cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub input: u64,
    pub output: u64,
    pub cache_creation: u64,
    pub cache_read: u64,
    pub cost: Money,
}

impl Counts {
    pub fn total_tokens(&self) -> u64 {
        self.input + self.output + self.cache_creation + self.cache_read
    }

    fn add(&mut self, entry: &Entry, cost: Money) {
        self.input += entry.input;
        self.output += entry.output;
        self.cache_creation += entry.cache_creation;
        self.cache_read += entry.cache_read;
        self.cost += cost;
    }

    fn absorb(&mut self, other: &Counts) {
        self.input += other.input;
        self.output += other.output;
        self.cache_creation += other.cache_creation;
        self.cache_read += other.cache_read;
        self.cost += other.cost;
    }
}

/// One model's part of a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelPart {
    pub model: String,
    pub counts: Counts,
    /// The price book could not price it (its cost counts as 0).
    pub unpriced: bool,
}

/// One row: a day, week, month or session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// `YYYY-MM-DD` (a day, or a week's first day), `YYYY-MM`, or the session id.
    pub key: String,
    /// The project, with `--instances` or `--project`, and always for sessions.
    pub project: Option<String>,
    pub counts: Counts,
    /// First-use order.
    pub models_used: Vec<String>,
    /// By cost descending; ties in first-use order.
    pub models: Vec<ModelPart>,
    pub first_activity: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
}

/// The rows in order and their totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub rows: Vec<Row>,
    pub totals: Counts,
    /// Models the price book could not price, by name.
    pub unpriced: BTreeSet<String>,
}

struct Building {
    row: Row,
    /// Index into `row.models` by model.
    index: HashMap<String, usize>,
}

/// The report of `entries` (any order) under `options`; `local_day` gives a moment's day in the
/// report's zone.
pub fn report(entries: &[Entry], options: &ReportOptions, local_day: &dyn Fn(DateTime<Utc>) -> NaiveDate) -> Report {
    let mut order: Vec<&Entry> =
        entries.iter().filter(|entry| options.project.as_ref().is_none_or(|project| &entry.project == project)).collect();
    order.sort_by_key(|entry| entry.at);
    let mut groups: BTreeMap<(Option<String>, String), Building> = BTreeMap::new();
    let mut unpriced = BTreeSet::new();
    let per_project = options.instances || options.project.is_some() || options.bucket == Bucket::Session;
    for entry in order {
        let day = local_day(entry.at);
        if options.since.is_some_and(|since| day < since) || options.until.is_some_and(|until| day > until) {
            continue;
        }
        let key = match options.bucket {
            Bucket::Daily => day.format("%Y-%m-%d").to_string(),
            Bucket::Weekly(start) => week_start(day, start).format("%Y-%m-%d").to_string(),
            Bucket::Monthly => day.format("%Y-%m").to_string(),
            Bucket::Session => entry.session.clone(),
        };
        let project = per_project.then(|| entry.project.clone());
        let building = groups.entry((project.clone(), key.clone())).or_insert_with(|| Building {
            row: Row {
                key,
                project,
                counts: Counts::default(),
                models_used: Vec::new(),
                models: Vec::new(),
                first_activity: entry.at,
                last_activity: entry.at,
            },
            index: HashMap::new(),
        });
        let (cost, is_unpriced) = entry.cost_in(options.mode);
        if is_unpriced {
            unpriced.insert(entry.model.clone());
        }
        let row = &mut building.row;
        row.counts.add(entry, cost);
        row.last_activity = row.last_activity.max(entry.at);
        row.first_activity = row.first_activity.min(entry.at);
        let part = match building.index.get(&entry.model) {
            Some(index) => *index,
            None => {
                row.models_used.push(entry.model.clone());
                row.models.push(ModelPart { model: entry.model.clone(), counts: Counts::default(), unpriced: false });
                building.index.insert(entry.model.clone(), row.models.len() - 1);
                row.models.len() - 1
            }
        };
        row.models[part].counts.add(entry, cost);
        row.models[part].unpriced |= is_unpriced;
    }
    let mut rows: Vec<Row> = groups
        .into_values()
        .map(|building| {
            let mut row = building.row;
            // Stable: equal costs stay in first-use order.
            row.models.sort_by_key(|part| std::cmp::Reverse(part.counts.cost));
            row
        })
        .collect();
    if options.bucket == Bucket::Session {
        rows.retain(|row| row.counts.total_tokens() > 0);
        // Equal costs: the latest activity first (as ccusage orders them).
        rows.sort_by(|a, b| b.counts.cost.cmp(&a.counts.cost).then_with(|| b.last_activity.cmp(&a.last_activity)));
        if options.order == Some(Order::Asc) {
            rows.reverse();
        }
    } else {
        rows.sort_by(|a, b| a.key.cmp(&b.key).then_with(|| a.project.cmp(&b.project)));
        if options.order == Some(Order::Desc) {
            rows.sort_by(|a, b| b.key.cmp(&a.key).then_with(|| a.project.cmp(&b.project)));
        }
    }
    let mut totals = Counts::default();
    for row in &rows {
        totals.absorb(&row.counts);
    }
    unpriced.retain(|model| rows.iter().any(|row| row.models.iter().any(|part| part.unpriced && &part.model == model)));
    Report { rows, totals, unpriced }
}

/// The first day of the week holding `day`, weeks starting on `start`.
pub fn week_start(day: NaiveDate, start: Weekday) -> NaiveDate {
    let back = (day.weekday().num_days_from_sunday() + 7 - start.num_days_from_sunday()) % 7;
    day - Duration::days(i64::from(back))
}

/// One 5-hour (by default) billing window, or the idle gap between two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// The first response's time floored to the UTC hour; for a gap, the last response before it
    /// plus the block length.
    pub start: DateTime<Utc>,
    /// `start` plus the length; for a gap, the next response's time.
    pub end: DateTime<Utc>,
    pub gap: bool,
    /// The first and last response's times (none for a gap).
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub entries: usize,
    pub counts: Counts,
    /// First-use order.
    pub models: Vec<String>,
    pub unpriced: BTreeSet<String>,
}

/// A block's pace (only an active block with more than one moment of use has one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnRate {
    pub cost_per_hour: f64,
    pub tokens_per_minute: f64,
    /// Input and output tokens only (ccusage's indicator).
    pub tokens_per_minute_for_indicator: f64,
}

/// Where an active block ends up at its pace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projection {
    pub remaining_minutes: i64,
    /// Rounded to cents.
    pub total_cost: f64,
    pub total_tokens: u64,
}

impl Block {
    /// Open at `now`: not a gap, and `now` before its end and within a block length of its last use.
    pub fn is_active(&self, now: DateTime<Utc>, length: Duration) -> bool {
        !self.gap && self.last.is_some_and(|last| now - last < length) && now < self.end
    }

    pub fn burn_rate(&self, now: DateTime<Utc>, length: Duration) -> Option<BurnRate> {
        let (first, last) = (self.first?, self.last?);
        if !self.is_active(now, length) || first == last {
            return None;
        }
        let minutes = (last - first).num_milliseconds() as f64 / 60_000.0;
        Some(BurnRate {
            cost_per_hour: self.counts.cost.to_f64_lossy() / minutes * 60.0,
            tokens_per_minute: self.counts.total_tokens() as f64 / minutes,
            tokens_per_minute_for_indicator: (self.counts.input + self.counts.output) as f64 / minutes,
        })
    }

    pub fn projection(&self, now: DateTime<Utc>, length: Duration) -> Option<Projection> {
        let rate = self.burn_rate(now, length)?;
        let remaining = ((self.end - now).num_milliseconds() as f64 / 60_000.0).round();
        let cost = self.counts.cost.to_f64_lossy() + rate.cost_per_hour / 60.0 * remaining;
        Some(Projection {
            remaining_minutes: remaining as i64,
            total_cost: (cost * 100.0).round() / 100.0,
            total_tokens: (self.counts.total_tokens() as f64 + rate.tokens_per_minute * remaining).round().max(0.0) as u64,
        })
    }
}

/// The blocks of `entries` (any order), with gaps, oldest first. A response opens a new block when
/// it comes more than `length` after the block's start or after the response before it (so one
/// exactly at the block's end still belongs to it).
pub fn blocks(entries: &[Entry], length: Duration, mode: CostMode) -> Vec<Block> {
    let mut order: Vec<&Entry> = entries.iter().collect();
    order.sort_by_key(|entry| entry.at);
    let mut blocks: Vec<Block> = Vec::new();
    let mut current: Option<Block> = None;
    for entry in order {
        if let Some(block) = &current {
            let last = block.last.unwrap_or(block.start);
            if entry.at - block.start > length || entry.at - last > length {
                if let Some(done) = current.take() {
                    blocks.push(done);
                }
                if entry.at - last > length {
                    blocks.push(Block {
                        start: last + length,
                        end: entry.at,
                        gap: true,
                        first: None,
                        last: None,
                        entries: 0,
                        counts: Counts::default(),
                        models: Vec::new(),
                        unpriced: BTreeSet::new(),
                    });
                }
            }
        }
        let block = current.get_or_insert_with(|| {
            let start = floor_to_hour(entry.at);
            Block {
                start,
                end: start + length,
                gap: false,
                first: Some(entry.at),
                last: Some(entry.at),
                entries: 0,
                counts: Counts::default(),
                models: Vec::new(),
                unpriced: BTreeSet::new(),
            }
        });
        let (cost, unpriced) = entry.cost_in(mode);
        block.entries += 1;
        block.counts.add(entry, cost);
        block.last = Some(entry.at);
        if !block.models.contains(&entry.model) {
            block.models.push(entry.model.clone());
        }
        if unpriced {
            block.unpriced.insert(entry.model.clone());
        }
    }
    blocks.extend(current);
    blocks
}

fn floor_to_hour(at: DateTime<Utc>) -> DateTime<Utc> {
    let millis = at.timestamp_millis();
    DateTime::from_timestamp_millis(millis - millis.rem_euclid(3_600_000)).unwrap_or(at)
}

/// Which blocks a report shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockOptions {
    /// Blocks whose start's local day is in range (gaps too).
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// By start; default ascending.
    pub order: Option<Order>,
    /// Only blocks started in the last three days, or active.
    pub recent: bool,
    /// Only the active block.
    pub active: bool,
}

/// The blocks `options` keeps, in order.
pub fn select_blocks(
    blocks: Vec<Block>,
    options: &BlockOptions,
    now: DateTime<Utc>,
    length: Duration,
    local_day: &dyn Fn(DateTime<Utc>) -> NaiveDate,
) -> Vec<Block> {
    let mut kept: Vec<Block> = blocks
        .into_iter()
        .filter(|block| {
            let day = local_day(block.start);
            !(options.since.is_some_and(|since| day < since) || options.until.is_some_and(|until| day > until))
        })
        .collect();
    // By start: a gap starts after its block's floored start when the block is short.
    kept.sort_by_key(|block| block.start);
    if options.order == Some(Order::Desc) {
        kept.reverse();
    }
    if options.recent {
        kept.retain(|block| block.start >= now - Duration::days(3) || block.is_active(now, length));
    }
    if options.active {
        kept.retain(|block| block.is_active(now, length));
    }
    kept
}

/// `--token-limit max`: the largest token total among the shown blocks that are neither gaps nor
/// active (none: no limit).
pub fn max_token_limit(blocks: &[Block], now: DateTime<Utc>, length: Duration) -> Option<u64> {
    blocks.iter().filter(|block| !block.gap && !block.is_active(now, length)).map(|block| block.counts.total_tokens()).max()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn entry(time: &str, session: &str, project: &str, model: &str, input: u64, output: u64, cost: Option<&str>) -> Entry {
        Entry {
            at: at(time),
            model: model.into(),
            input,
            output,
            cache_creation: 10,
            cache_read: 100,
            cost: cost.map(|cost| cost.parse().unwrap()),
            reported: None,
            session: session.into(),
            project: project.into(),
        }
    }

    fn utc(at: DateTime<Utc>) -> NaiveDate {
        at.date_naive()
    }

    fn options(bucket: Bucket) -> ReportOptions {
        ReportOptions { bucket, since: None, until: None, project: None, instances: false, order: None, mode: CostMode::Auto }
    }

    fn sample() -> Vec<Entry> {
        vec![
            entry("2026-11-29T23:50:00Z", "s1", "-p", "sonnet", 1, 2, Some("0.5")),
            entry("2026-11-30T00:10:00Z", "s1", "-p", "opus", 3, 4, Some("2")),
            entry("2026-11-30T01:00:00Z", "s2", "-q", "haiku", 5, 6, None),
            entry("2026-12-02T10:00:00Z", "s2", "-q", "sonnet", 7, 8, Some("0.25")),
        ]
    }

    #[test]
    fn days_weeks_months_in_a_zone_with_models_by_first_use_and_cost() {
        let entries = sample();
        // UTC days.
        let daily = report(&entries, &options(Bucket::Daily), &utc);
        assert_eq!(daily.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-11-29", "2026-11-30", "2026-12-02"]);
        let day = &daily.rows[1];
        assert_eq!(day.models_used, ["opus", "haiku"]);
        assert_eq!(
            day.models.iter().map(|part| (part.model.as_str(), part.unpriced)).collect::<Vec<_>>(),
            [("opus", false), ("haiku", true)]
        );
        assert_eq!((day.counts.input, day.counts.output, day.counts.cache_creation, day.counts.cache_read), (8, 10, 20, 200));
        assert_eq!(day.counts.cost, "2".parse().unwrap());
        assert_eq!(daily.totals.cost, "2.75".parse().unwrap());
        assert_eq!(daily.unpriced.iter().collect::<Vec<_>>(), ["haiku"]);
        // Two hours behind UTC: 00:10 and 01:00 fall on the 29th.
        let behind = |moment: DateTime<Utc>| (moment - Duration::hours(2)).date_naive();
        let local = report(&entries, &options(Bucket::Daily), &behind);
        assert_eq!(local.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-11-29", "2026-12-02"]);
        assert_eq!(local.rows[0].models_used, ["sonnet", "opus", "haiku"]);
        // 2026-11-29 is a Sunday.
        let weekly = report(&entries, &options(Bucket::Weekly(Weekday::Sun)), &utc);
        assert_eq!(weekly.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-11-29"]);
        let weekly = report(&entries, &options(Bucket::Weekly(Weekday::Mon)), &utc);
        assert_eq!(weekly.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-11-23", "2026-11-30"]);
        let monthly = report(&entries, &ReportOptions { order: Some(Order::Desc), ..options(Bucket::Monthly) }, &utc);
        assert_eq!(monthly.rows.iter().map(|row| row.key.as_str()).collect::<Vec<_>>(), ["2026-12", "2026-11"]);
        // Filters on local days, a project, per project.
        let since = ReportOptions { since: NaiveDate::from_ymd_opt(2026, 11, 30), ..options(Bucket::Monthly) };
        assert_eq!(report(&entries, &since, &utc).totals.total_tokens(), 3 + 4 + 5 + 6 + 7 + 8 + 330);
        let project = ReportOptions { project: Some("-q".into()), ..options(Bucket::Daily) };
        let only = report(&entries, &project, &utc);
        assert_eq!((only.rows.len(), only.rows[0].project.as_deref()), (2, Some("-q")));
        let instances = report(&entries, &ReportOptions { instances: true, ..options(Bucket::Daily) }, &utc);
        assert_eq!(
            instances.rows.iter().map(|row| (row.key.as_str(), row.project.as_deref().unwrap())).collect::<Vec<_>>(),
            [("2026-11-29", "-p"), ("2026-11-30", "-p"), ("2026-11-30", "-q"), ("2026-12-02", "-q")]
        );
    }

    #[test]
    fn sessions_by_cost_and_the_three_cost_modes() {
        let mut entries = sample();
        entries[0].reported = Some("9".parse().unwrap());
        let sessions = report(&entries, &options(Bucket::Session), &utc);
        // s1: 9 (reported) + 2; s2: 0 + 0.25.
        let money = |text: &str| text.parse::<Money>().unwrap();
        assert_eq!(
            sessions.rows.iter().map(|row| (row.key.as_str(), row.counts.cost)).collect::<Vec<_>>(),
            [("s1", money("11")), ("s2", money("0.25"))]
        );
        assert_eq!(
            (sessions.rows[0].first_activity, sessions.rows[0].last_activity),
            (at("2026-11-29T23:50:00Z"), at("2026-11-30T00:10:00Z"))
        );
        let ascending = report(&entries, &ReportOptions { order: Some(Order::Asc), ..options(Bucket::Session) }, &utc);
        assert_eq!(ascending.rows[0].key, "s2");
        let calculate = report(&entries, &ReportOptions { mode: CostMode::Calculate, ..options(Bucket::Session) }, &utc);
        assert_eq!(calculate.totals.cost, "2.75".parse().unwrap());
        let display = report(&entries, &ReportOptions { mode: CostMode::Display, ..options(Bucket::Session) }, &utc);
        assert_eq!((display.totals.cost, display.unpriced.len()), ("9".parse().unwrap(), 0));
    }

    #[test]
    fn blocks_floor_to_the_hour_split_on_length_and_gaps_and_project_when_active() {
        let hours = Duration::hours(5);
        let entries = vec![
            entry("2026-12-01T10:20:00Z", "s", "-p", "a", 100, 20, Some("1")),
            // Exactly at start + 5 h: same block.
            entry("2026-12-01T15:00:00Z", "s", "-p", "b", 100, 20, Some("1")),
            // 5 h 00 m 01 s after the block's start: a new block at 15:00, no gap.
            entry("2026-12-01T15:00:01Z", "s", "-p", "a", 100, 20, Some("1")),
            // More than 5 h after the last use: a gap from 20:00:01, then a block at 23:00.
            entry("2026-12-01T23:30:00Z", "s", "-p", "a", 600, 0, Some("3")),
            entry("2026-12-02T00:30:00Z", "s", "-p", "a", 0, 600, Some("3")),
        ];
        let found = blocks(&entries, hours, CostMode::Auto);
        let shape: Vec<(String, bool, usize)> = found.iter().map(|block| (block.start.to_rfc3339(), block.gap, block.entries)).collect();
        assert_eq!(
            shape,
            [
                ("2026-12-01T10:00:00+00:00".to_string(), false, 2),
                ("2026-12-01T15:00:00+00:00".to_string(), false, 1),
                ("2026-12-01T20:00:01+00:00".to_string(), true, 0),
                ("2026-12-01T23:00:00+00:00".to_string(), false, 2),
            ]
        );
        assert_eq!(found[2].end, at("2026-12-01T23:30:00Z"));
        assert_eq!(found[0].models, ["a", "b"]);
        // At 01:30 the last block is open: an hour of use, $6, 1,420 tokens (600 in, 600 out, 20
        // written, 200 read).
        let now = at("2026-12-02T01:30:00Z");
        let last = &found[3];
        assert!(last.is_active(now, hours) && !found[1].is_active(now, hours));
        let rate = last.burn_rate(now, hours).unwrap();
        assert_eq!((rate.cost_per_hour, rate.tokens_per_minute, rate.tokens_per_minute_for_indicator), (6.0, 1_420.0 / 60.0, 20.0));
        // 150 minutes left (to 04:00): $6 + $0.10 x 150, 1,420 + 150 x 1,420 / 60 tokens.
        let projection = last.projection(now, hours).unwrap();
        assert_eq!((projection.remaining_minutes, projection.total_cost, projection.total_tokens), (150, 21.0, 4_970));
        // The largest closed block: two entries of 100 + 20 + 10 + 100.
        assert_eq!(max_token_limit(&found, now, hours), Some(460));
        let active = select_blocks(
            found.clone(),
            &BlockOptions { since: None, until: None, order: None, recent: false, active: true },
            now,
            hours,
            &utc,
        );
        assert_eq!(active.len(), 1);
        let desc = select_blocks(
            found,
            &BlockOptions { since: None, until: None, order: Some(Order::Desc), recent: false, active: false },
            now,
            hours,
            &utc,
        );
        assert!(desc[0].start > desc[3].start);
    }
}

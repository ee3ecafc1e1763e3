//! Ingest from files: every input is read and parsed first, and only then are the store's
//! partitions replaced, so a file that fails to parse stops the whole command before anything is
//! written and the store is never half-updated.
//!
//! [`App::store_parsed`] is the one place a feed's parsed pages become partitions (which source,
//! which scope, which days are replaced): file import and the Admin API sync both go through it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use spendlens_analysis::seats::seat_fees;
use spendlens_ingest::{Feed, IngestError, Parsed, roster};
use spendlens_model::{Day, DirectoryEntry, DirectoryKind, Money, OrgMap, Period, Seat, Source};
use spendlens_store::Replace;

use crate::views::{SourceStatus, StatusView};
use crate::{App, AppError, ORG_SCOPE};

/// What an ingest stored, for the user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub files: usize,
    pub lines: usize,
    pub problems: Vec<String>,
}

/// What a long use case tells its face while it works; a face may draw it or not.
pub trait Progress {
    /// A new step begins: `what` is under way, of `total` items when known.
    fn start(&self, what: &str, total: Option<u64>);
    /// `done` more items of the step are done.
    fn advance(&self, done: u64);
    /// A word on where the step is.
    fn note(&self, _text: &str) {}
    /// The step is over.
    fn finish(&self);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn start(&self, _what: &str, _total: Option<u64>) {}
    fn advance(&self, _done: u64) {}
    fn finish(&self) {}
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, IngestError> {
    std::fs::read(path).map_err(|error| IngestError::io(&path.display().to_string(), error))
}

/// The org map at `path`, validated.
pub fn read_orgmap(path: &Path) -> Result<OrgMap, AppError> {
    let text = std::fs::read_to_string(path).map_err(|error| AppError::file("reading the org map", path, error))?;
    Ok(spendlens_ingest::orgmap::read(&path.display().to_string(), &text)?)
}

impl App {
    /// Reads every page file of `feed`, then stores them (see [`App::store_parsed`]).
    ///
    /// The pages must be whole answers: a page that says more pages follow, with no page of the
    /// set continuing it, is refused before anything is stored, since replacing its range (or
    /// listing) with part of it would delete the rest. `partial` stores such pages anyway,
    /// replacing only the days that hold lines (and adding listing entries without removing any).
    pub fn ingest_feed(&self, feed: Feed, paths: &[PathBuf], partial: bool, progress: &dyn Progress) -> Result<Ingested, AppError> {
        progress.start(feed.pages(), Some(paths.len() as u64));
        let mut all = feed.empty();
        for path in paths {
            all.extend(feed.read(&path.display().to_string(), &read_file(path)?)?);
            progress.advance(1);
        }
        progress.finish();
        if !partial && let Some(page) = all.missing_continuation() {
            return Err(AppError::invalid(format!(
                "{}: the page says more pages follow (has_more), and none of the files given continues it: give every page of the \
                 answer, or pass --partial to store only the days (or listing entries) these pages hold",
                page.file
            )));
        }
        let lines = self.writing(|| if partial { self.store_partial(feed, &all) } else { self.store_parsed(feed, &all) })?;
        self.after_write();
        Ok(Ingested { files: paths.len(), lines, problems: Vec::new() })
    }

    /// What follows a write of new data (an Admin API feed ingested or synced): the kept
    /// optimiser months it made stale remade ([`App::keep_api_months_current`]), then the alerts
    /// checked.
    pub(crate) fn after_write(&self) {
        self.keep_api_months_current();
        self.alerts_after_write();
    }

    /// Stores pages that are knowingly a part of their answer: only the days holding lines are
    /// replaced, and listing entries are added to (or replace, by id) the stored snapshot.
    fn store_partial(&self, feed: Feed, parsed: &Parsed) -> Result<usize, AppError> {
        let lake = self.lake()?;
        let source = feed.source();
        match parsed {
            Parsed::Usage(pages) => {
                lake.replace_usage(source, ORG_SCOPE, Replace::Days, &pages.lines)?;
            }
            Parsed::Cost(pages) => {
                lake.replace_cost(source, ORG_SCOPE, Replace::Days, &pages.lines)?;
            }
            Parsed::ClaudeCode(page) => {
                lake.replace_usage(source, ORG_SCOPE, Replace::Days, &page.usage.lines)?;
                lake.replace_activity(source, ORG_SCOPE, Replace::Days, &page.activity)?;
            }
            Parsed::Directory(pages) => {
                let mut by_kind: BTreeMap<DirectoryKind, BTreeMap<String, DirectoryEntry>> = BTreeMap::new();
                for entry in lake.directory()?.into_iter().chain(pages.lines.iter().cloned()) {
                    if pages.lines.iter().any(|new| new.kind == entry.kind) {
                        by_kind.entry(entry.kind).or_default().insert(entry.id.clone(), entry);
                    }
                }
                for (kind, entries) in by_kind {
                    self.store_directory(kind, &entries.into_values().collect::<Vec<_>>())?;
                }
            }
        }
        Ok(parsed.lines())
    }

    /// Stores a feed's parsed pages under its source, in the organisation's scope, replacing every
    /// day the pages' buckets cover (a covered day with no lines loses what it held; days between
    /// the pages are untouched); directory listings replace the snapshot of each kind they hold.
    /// Returns the lines stored.
    pub fn store_parsed(&self, feed: Feed, parsed: &Parsed) -> Result<usize, AppError> {
        self.writing(|| self.store_parsed_locked(feed, parsed))
    }

    fn store_parsed_locked(&self, feed: Feed, parsed: &Parsed) -> Result<usize, AppError> {
        let lake = self.lake()?;
        let source = feed.source();
        let replace = Replace::DaysOf(parsed.days().clone());
        match parsed {
            Parsed::Usage(pages) => {
                lake.replace_usage(source, ORG_SCOPE, replace, &pages.lines)?;
            }
            Parsed::Cost(pages) => {
                lake.replace_cost(source, ORG_SCOPE, replace, &pages.lines)?;
            }
            Parsed::ClaudeCode(page) => {
                // Usage and activity of the same window, each replacing its days.
                lake.replace_usage(source, ORG_SCOPE, replace.clone(), &page.usage.lines)?;
                lake.replace_activity(source, ORG_SCOPE, replace, &page.activity)?;
            }
            Parsed::Directory(pages) => {
                let mut by_kind: BTreeMap<DirectoryKind, Vec<DirectoryEntry>> = BTreeMap::new();
                for entry in &pages.lines {
                    by_kind.entry(entry.kind).or_default().push(entry.clone());
                }
                for (kind, entries) in by_kind {
                    self.store_directory(kind, &entries)?;
                }
            }
        }
        Ok(parsed.lines())
    }

    /// Replaces one kind's directory snapshot (workspaces, API keys or users).
    pub fn store_directory(&self, kind: DirectoryKind, entries: &[DirectoryEntry]) -> Result<(), AppError> {
        self.writing(|| Ok(self.lake()?.replace_directory(Source::AdminDirectory, kind.as_str(), entries).map(|_| ())?))
    }

    /// Reads seat rosters (CSV) and replaces every seat stored before: the roster is a snapshot,
    /// as of `roster_day` (the day it was taken). Fees are prorated when a period is priced.
    pub fn ingest_roster(&self, paths: &[PathBuf], roster_day: Day) -> Result<Ingested, AppError> {
        let mut seats = Vec::new();
        for path in paths {
            seats.extend(roster::read(&path.display().to_string(), &read_file(path)?)?);
        }
        let mut open_seats: Vec<&str> = seats.iter().filter(|seat| seat.end.is_none()).map(|seat| seat.email.as_str()).collect();
        open_seats.sort_unstable();
        if let Some(pair) = open_seats.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(AppError::invalid(format!("the roster holds two open seats for {}: end one of them", pair[0])));
        }
        let records: Vec<_> = seats.iter().map(|seat| seat.to_record(roster_day)).collect();
        self.writing(|| Ok(self.lake()?.replace_cost(Source::Roster, "roster", Replace::Scope, &records)?))?;
        self.keep_api_months_current();
        Ok(Ingested { files: paths.len(), lines: records.len(), problems: Vec::new() })
    }

    /// Validates an org map and installs it as `DATA_DIR/orgmap.toml` (atomically); returns the
    /// rules it holds.
    pub fn install_orgmap(&self, path: &Path) -> Result<Ingested, AppError> {
        let map = read_orgmap(path)?;
        let text = std::fs::read(path).map_err(|error| AppError::file("reading", path, error))?;
        self.writing(|| Ok(spendlens_store::atomic::write_file(&self.settings.orgmap_path(), &text)?))?;
        self.forget_orgmap();
        self.keep_api_months_current();
        Ok(Ingested {
            files: 1,
            lines: map.teams.len() + map.features.len() + usize::from(map.claude_code.is_some()),
            problems: Vec::new(),
        })
    }

    /// What the ledger holds, by source.
    /// Gives every usage file of the lake a current summary of its day rollup (what reports
    /// read instead of the lines) and removes summaries left without a file, holding the writer
    /// lock. Writes keep summaries current: this brings a lake from an earlier build up to date.
    pub fn refresh_rollups(&self) -> Result<spendlens_store::RollupRefresh, AppError> {
        self.writing(|| Ok(self.lake()?.refresh_rollups()?))
    }

    pub fn status(&self) -> Result<StatusView, AppError> {
        let lake = self.lake()?;
        let totals = lake.totals()?;
        let span = lake.usage_span()?;
        let sources = totals
            .by_source
            .iter()
            .map(|(source, totals)| {
                let status = SourceStatus {
                    cost_rows: totals.cost_rows,
                    cost_usd: totals.cost,
                    directory_rows: totals.directory_rows,
                    tokens: totals.tokens.total(),
                    usage_rows: totals.usage_rows,
                };
                (*source, status)
            })
            .collect::<BTreeMap<_, _>>();
        // The roster stores seats, not fees: show the fees of the span the ledger holds.
        let mut sources = sources;
        let mut cost_usd = totals.overall.cost;
        if let Some(roster) = sources.get_mut(&Source::Roster) {
            let seats: Vec<Seat> =
                lake.cost_lines_of(Source::Roster, None)?.iter().filter_map(Seat::from_record).map(|(seat, _)| seat).collect();
            let priced = match span {
                Some((first, last)) => Period::new(first, last.succ_opt().unwrap_or(last)),
                None => {
                    let first = seats.iter().map(|seat| seat.start).min();
                    let last = self.roster_day()?;
                    match (first, last) {
                        (Some(first), Some(last)) if first <= last => Period::new(first, last.succ_opt().unwrap_or(last)),
                        _ => Period::new(Day::MIN, Day::MIN),
                    }
                }
            };
            let fees = seat_fees(&seats, priced);
            let fee_total = fees.iter().map(|line| line.amount).sum::<Money>();
            cost_usd = cost_usd - roster.cost_usd + fee_total;
            roster.cost_rows = fees.len() as u64;
            roster.cost_usd = fee_total;
        }
        Ok(StatusView {
            cost_usd,
            data_dir: self.settings.data_dir.clone(),
            first_day: span.map(|span| span.0),
            last_day: span.map(|span| span.1),
            sources,
            unknown_values: lake.unknown_values(None)?,
        })
    }
}

//! The store boundary: what use cases and analyses need from storage, as one trait.
//!
//! [`Lake`] is everything spendlens asks of a ledger store: partition replacement (writes),
//! whole-lake reads (rollups, lines, cost, activity, directory), and scoped reads (one scope of
//! one source, a file a day, read without a query engine). The local [`Store`] implements it with
//! Parquet reads straight from the files (`scan` for whole-lake reads, `direct` for scoped ones);
//! with the `datafusion` feature, `SqlLake` answers the same reads as DataFusion SQL, and a
//! Ballista-backed store over object storage implements the same trait: nothing above it
//! changes, the application layer holds an `Arc<dyn Lake>`. [`LakeExt`] adds the generic helpers built on the scoped reads (a fold per
//! run of days, every line of a scope, the scope's days and version), for any lake.

use std::hash::{Hash, Hasher};

use spendlens_model::{ActivityLine, CostLine, Day, DirectoryEntry, HourProfile, Period, Source, UnknownValue, UsageLine, parallel};

use crate::{Replace, RollupRefresh, Store, StoreError, StoreTotals, UsageDetail, UsageRollup, WriteSummary, WriterLock};

/// One scope's partition file of one day: where it is, and a stamp that changes whenever the
/// file is written, replaced or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeFile {
    pub day: Day,
    /// A path for the local store; an object-store URL for a remote one.
    pub location: String,
    /// A hash of the file's name, inode, length and modification time (or an object's ETag).
    pub stamp: u64,
}

/// What spendlens needs from a ledger store. Implementations must be safe to share between
/// threads; every write replaces whole partition files atomically.
pub trait Lake: Send + Sync {
    /// Takes the writer lock of the lake's data directory, waiting while another process holds
    /// it (`busy` is called first, once, when it does). Every writing use case holds it.
    fn lock_writer(&self, busy: &dyn Fn()) -> Result<WriterLock, StoreError>;

    /// Replaces a scope's usage files for the days `replace` names. Lines are filed under
    /// [`UsageLine::day`]; every line's `source` must be `source`.
    fn replace_usage(&self, source: Source, scope: &str, replace: Replace, lines: &[UsageLine]) -> Result<WriteSummary, StoreError>;

    /// Replaces a scope's cost files for the days `replace` names (filed under each line's
    /// `start` day).
    fn replace_cost(&self, source: Source, scope: &str, replace: Replace, lines: &[CostLine]) -> Result<WriteSummary, StoreError>;

    /// Replaces a scope's activity files for the days `replace` names (filed under each line's
    /// `day`).
    fn replace_activity(&self, source: Source, scope: &str, replace: Replace, lines: &[ActivityLine]) -> Result<WriteSummary, StoreError>;

    /// Replaces a scope's directory snapshot with `entries` (no entries: the snapshot is deleted).
    fn replace_directory(&self, source: Source, scope: &str, entries: &[DirectoryEntry]) -> Result<WriteSummary, StoreError>;

    /// Gives every usage file a current summary of its day rollup and removes summaries whose
    /// usage file is gone (the caller holds the writer lock). Writes keep summaries current; this
    /// brings a lake written by an earlier build up to date. Engines that read lines only have
    /// nothing to do.
    fn refresh_rollups(&self) -> Result<RollupRefresh, StoreError>;

    /// Usage summed per day, source, path, identity (workspace, key, key name, actor), model,
    /// tier, context window, geography and speed, for days in `period` (all days if `None`).
    /// Ordered by those keys (enumerations in declaration order, absent values first).
    fn usage_rollup(&self, period: Option<Period>) -> Result<Vec<UsageRollup>, StoreError>;

    /// Every usage line filed under a day in `period` (all if `None`), ordered by day, source, then
    /// every field. For tests, exports and small windows: reports read the rollup.
    fn usage_lines(&self, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError>;

    /// Like [`Lake::usage_lines`], for one source only.
    fn usage_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError>;

    /// Every cost line whose start day is in `period` (all if `None`), ordered by start day,
    /// source, then every other field.
    fn cost_lines(&self, period: Option<Period>) -> Result<Vec<CostLine>, StoreError>;

    /// Like [`Lake::cost_lines`], for one source only (the roster's seat records, whatever days
    /// they are filed under).
    fn cost_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<CostLine>, StoreError>;

    /// Every activity line of a day in `period` (all if `None`), ordered by day, actor, source and
    /// every other field.
    fn activity(&self, period: Option<Period>) -> Result<Vec<ActivityLine>, StoreError>;

    /// Every directory entry, ordered by kind and id, each distinct entry once.
    fn directory(&self) -> Result<Vec<DirectoryEntry>, StoreError>;

    /// The first and last day holding usage, cost or activity, or `None` for an empty lake.
    fn usage_span(&self) -> Result<Option<(Day, Day)>, StoreError>;

    /// Row counts per table, token sums by type and the sum of cost amounts, per source and overall.
    fn totals(&self) -> Result<StoreTotals, StoreError>;

    /// Every value stored in days of `period` (all if `None`) that this build does not know (a new
    /// service tier, cost type, actor type...), with its lines, tokens and dollars.
    fn unknown_values(&self, period: Option<Period>) -> Result<Vec<UnknownValue>, StoreError>;

    /// Usage of `source` per API key, model, tier and hour of the week (UTC) over `period` (all
    /// if `None`): the shape of each key's traffic (what the optimiser reads).
    fn hour_profiles(&self, source: Source, period: Option<Period>) -> Result<Vec<HourProfile>, StoreError>;

    /// A number that changes whenever a usage, cost or activity file of a day in `period` (all
    /// if `None`), or a file read whole (the directory, the roster's seats), is written, replaced
    /// or removed: lets a caller keep what it computed from those days until then. `None`: this
    /// engine cannot tell, and nothing should be kept.
    fn version(&self, period: Option<Period>) -> Result<Option<u64>, StoreError> {
        let _ = period;
        Ok(None)
    }

    /// The usage partition files of one scope of one source with a day in `period` (all if
    /// `None`), in day order.
    fn scope_usage_files(&self, source: Source, scope: &str, period: Option<Period>) -> Result<Vec<ScopeFile>, StoreError>;

    /// The lines of one scope file (after the checks a query's files pass), sorted by every field
    /// `detail` reads.
    fn read_scope_file(&self, source: Source, file: &ScopeFile, detail: UsageDetail) -> Result<Vec<UsageLine>, StoreError>;
}

/// Helpers over a lake's scoped reads, for every [`Lake`].
pub trait LakeExt: Lake {
    /// The days of `period` (all if `None`) on which one scope of one source has usage lines, in
    /// order.
    fn scope_usage_days(&self, source: Source, scope: &str, period: Option<Period>) -> Result<Vec<Day>, StoreError> {
        Ok(self.scope_usage_files(source, scope, period)?.into_iter().map(|file| file.day).collect())
    }

    /// A number that changes whenever one of the scope's usage files with a day in `period` is
    /// written, replaced or removed: lets a caller keep what it computed from the scope's lines
    /// until then.
    fn scope_usage_version(&self, source: Source, scope: &str, period: Option<Period>) -> Result<u64, StoreError> {
        let mut hash = std::hash::DefaultHasher::new();
        for file in self.scope_usage_files(source, scope, period)? {
            (file.location, file.stamp).hash(&mut hash);
        }
        Ok(hash.finish())
    }

    /// Folds a scope's lines without holding them all at once (the hot path of per-person views,
    /// `spendlens cc`): the scope's days are split into consecutive runs, one per core; each run
    /// starts from `start()` and is handed its day files' lines a file at a time, in order. The
    /// runs' accumulators come back in day order.
    fn scope_usage_fold<A: Send>(
        &self,
        source: Source,
        scope: &str,
        period: Option<Period>,
        detail: UsageDetail,
        start: impl Fn() -> A + Sync,
        fold: impl Fn(&mut A, Vec<UsageLine>) + Sync,
    ) -> Result<Vec<A>, StoreError> {
        let files = self.scope_usage_files(source, scope, period)?;
        let runs = parallel::runs(
            &files,
            || Ok(start()),
            |accumulator: &mut Result<A, StoreError>, file| {
                if let Ok(folded) = accumulator {
                    match self.read_scope_file(source, file, detail) {
                        Ok(lines) => fold(folded, lines),
                        Err(error) => *accumulator = Err(error),
                    }
                }
            },
        );
        runs.into_iter().collect()
    }

    /// Every usage line of one scope of one source filed under a day in `period` (all if `None`),
    /// read straight from the scope's files, days in parallel: the hot path of merging new lines
    /// into a person's days. Ordered by day, then every field read (`detail` says which).
    fn scope_usage_lines(
        &self,
        source: Source,
        scope: &str,
        period: Option<Period>,
        detail: UsageDetail,
    ) -> Result<Vec<UsageLine>, StoreError> {
        let parts = self.scope_usage_fold(source, scope, period, detail, Vec::new, |lines: &mut Vec<UsageLine>, day| lines.extend(day))?;
        // Lines are large: moved once, into a vector of the right size.
        let mut lines = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        parts.into_iter().for_each(|part| lines.extend(part));
        Ok(lines)
    }
}

impl<T: Lake + ?Sized> LakeExt for T {}

impl Lake for Store {
    fn lock_writer(&self, busy: &dyn Fn()) -> Result<WriterLock, StoreError> {
        Store::lock_writer(self, busy)
    }

    fn replace_usage(&self, source: Source, scope: &str, replace: Replace, lines: &[UsageLine]) -> Result<WriteSummary, StoreError> {
        Store::write_usage(self, source, scope, replace, lines)
    }

    fn replace_cost(&self, source: Source, scope: &str, replace: Replace, lines: &[CostLine]) -> Result<WriteSummary, StoreError> {
        Store::write_cost(self, source, scope, replace, lines)
    }

    fn replace_activity(&self, source: Source, scope: &str, replace: Replace, lines: &[ActivityLine]) -> Result<WriteSummary, StoreError> {
        Store::write_activity(self, source, scope, replace, lines)
    }

    fn replace_directory(&self, source: Source, scope: &str, entries: &[DirectoryEntry]) -> Result<WriteSummary, StoreError> {
        Store::write_directory(self, source, scope, entries)
    }

    fn refresh_rollups(&self) -> Result<RollupRefresh, StoreError> {
        crate::rollups::refresh_rollups(self)
    }

    fn usage_rollup(&self, period: Option<Period>) -> Result<Vec<UsageRollup>, StoreError> {
        crate::rollups::usage_rollup(self, period)
    }

    fn usage_lines(&self, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError> {
        crate::scan::usage_lines(self, period, None)
    }

    fn usage_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError> {
        crate::scan::usage_lines(self, period, Some(source))
    }

    fn cost_lines(&self, period: Option<Period>) -> Result<Vec<CostLine>, StoreError> {
        crate::scan::cost_lines(self, period, None)
    }

    fn cost_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<CostLine>, StoreError> {
        crate::scan::cost_lines(self, period, Some(source))
    }

    fn activity(&self, period: Option<Period>) -> Result<Vec<ActivityLine>, StoreError> {
        crate::scan::activity(self, period)
    }

    fn directory(&self) -> Result<Vec<DirectoryEntry>, StoreError> {
        crate::scan::directory(self)
    }

    fn usage_span(&self) -> Result<Option<(Day, Day)>, StoreError> {
        crate::scan::usage_span(self)
    }

    fn totals(&self) -> Result<StoreTotals, StoreError> {
        crate::scan::totals(self)
    }

    fn unknown_values(&self, period: Option<Period>) -> Result<Vec<UnknownValue>, StoreError> {
        crate::scan::unknown_values(self, period)
    }

    fn hour_profiles(&self, source: Source, period: Option<Period>) -> Result<Vec<HourProfile>, StoreError> {
        crate::hours::hour_profiles(self, source, period)
    }

    fn version(&self, period: Option<Period>) -> Result<Option<u64>, StoreError> {
        crate::direct::lake_version(self, period).map(Some)
    }

    fn scope_usage_files(&self, source: Source, scope: &str, period: Option<Period>) -> Result<Vec<ScopeFile>, StoreError> {
        crate::direct::scope_files(self, source, scope, period)
    }

    fn read_scope_file(&self, source: Source, file: &ScopeFile, detail: UsageDetail) -> Result<Vec<UsageLine>, StoreError> {
        crate::direct::read_scope_file(self, source, file, detail)
    }
}

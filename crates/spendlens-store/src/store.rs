//! The [`Store`]: opening a lake and writing to it.
//!
//! Writes replace whole partition files, so writing the same input twice leaves the same lake.
//! Each file is replaced atomically; a write over several days is not one transaction, but every
//! day stays whole and re-running the write completes it. Reads live in `scan` and `direct`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path as FilePath, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow_array::RecordBatch;
use spendlens_model::{ActivityLine, CostLine, Day, DirectoryEntry, Period, Source, UsageLine, parallel};

use crate::StoreError;
use crate::atomic::{ensure_directory, write_file, write_files_failing};
use crate::encode::{activity_batch, cost_batch, directory_batch, usage_batch};
use crate::files::{FileChecker, list_directory, parquet_bytes_tagged, remove_if_present, remove_stale_temporaries, write_parquet};
use crate::layout::{
    FORMAT_NAME, GENERATION_KEY, Layout, Marker, SCHEMA_VERSION, Table, legacy_scope_stem, parse_day_partition, scope_file_name, scope_stem,
};
use crate::rollups::{summary_of_lines, summary_path};

/// Which of a scope's existing day files a write replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replace {
    /// Only the days present in the lines; the scope's other days are untouched.
    Days,
    /// Every day of the period: a day in it with no lines loses its old file (a re-read window
    /// that came back empty). Lines outside the period are filed too, as with [`Replace::Days`].
    DaysIn(Period),
    /// Every listed day (the days a set of pages covers, which need not be one span): a listed
    /// day with no lines loses its old file; days between them are untouched.
    DaysOf(BTreeSet<Day>),
    /// The lines are the whole scope (a seat roster): the scope's files in every day not present
    /// in the lines are deleted.
    Scope,
}

/// The data directory's writer lock, held: while it lives no other process writes to the
/// directory (an advisory `flock` on `DATA_DIR/.writer.lock`, released by the operating system
/// when the holder exits, even by `kill -9`). Readers never take it.
#[derive(Debug)]
pub struct WriterLock {
    _file: fs::File,
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Rows written.
    pub rows: usize,
    /// Partition files written (created or replaced).
    pub files_written: usize,
    /// Partition files deleted.
    pub files_removed: usize,
}

/// The embedded store: a Parquet lake under a data directory, read straight from its files
/// (`scan`, `direct`).
///
/// The API is synchronous: reads share the files over the worker pool and return when done.
/// With the `datafusion` feature the store also owns a small tokio runtime for the SQL engine
/// (`SqlLake`), which runs each query on it and waits for the answer; it may be called
/// (and dropped) from inside another runtime too, though an async caller should prefer
/// `spawn_blocking`, since the calling thread waits.
#[derive(Debug)]
pub struct Store {
    pub(crate) layout: Layout,
    /// Owned only to be shut down on drop; queries are spawned through `handle`.
    #[cfg(feature = "datafusion")]
    runtime: Option<tokio::runtime::Runtime>,
    #[cfg(feature = "datafusion")]
    pub(crate) handle: tokio::runtime::Handle,
    pub(crate) checker: FileChecker,
    /// Serialises this process's writes so that a snapshot's deletions never race its own writes.
    write_lock: Mutex<()>,
    fail_before_rename: AtomicBool,
    /// The marker names an older schema version than the files this build writes.
    stale_marker: AtomicBool,
}

impl Store {
    /// Opens the lake under `data_directory`, creating it (and its marker) when missing.
    ///
    /// A marker from a newer spendlens gives [`StoreError::NewerSchema`], an unreadable one
    /// [`StoreError::Corrupt`]; a failed open changes nothing on disk. Opening deletes nothing:
    /// temporary files a crashed write left are removed by the next holder of the writer lock
    /// ([`Store::lock_writer`]), never by a reader, who cannot tell them from a live write's.
    pub fn open(data_directory: &FilePath) -> Result<Store, StoreError> {
        let layout = Layout::new(data_directory);
        let marker = layout.marker();
        let mut stale_marker = false;
        match fs::read(&marker) {
            Ok(bytes) => {
                // An older lake's marker is raised with the first write of this build's files.
                if check_marker(&marker, &bytes)? < SCHEMA_VERSION {
                    stale_marker = true;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                ensure_directory(layout.lake())?;
                create_marker(&marker)?;
            }
            Err(error) => return Err(StoreError::io("read", &marker, error)),
        }
        for table in Table::ALL {
            ensure_directory(&layout.table(table))?;
        }
        // Built last: a runtime dropped on an error path would panic inside a caller's runtime.
        #[cfg(feature = "datafusion")]
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("spendlens-store")
            .enable_all()
            .build()
            .map_err(StoreError::Runtime)?;
        Ok(Store {
            layout,
            #[cfg(feature = "datafusion")]
            handle: runtime.handle().clone(),
            #[cfg(feature = "datafusion")]
            runtime: Some(runtime),
            checker: FileChecker::default(),
            write_lock: Mutex::new(()),
            fail_before_rename: AtomicBool::new(false),
            stale_marker: AtomicBool::new(stale_marker),
        })
    }

    /// Takes the data directory's writer lock, waiting for another writer to finish (`busy` is
    /// called first when one holds it). Once held, temporary files a crashed writer left are
    /// removed: no live writer can own them.
    pub fn lock_writer(&self, busy: &dyn Fn()) -> Result<WriterLock, StoreError> {
        let path = self.layout.writer_lock();
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|error| StoreError::io("open the writer lock", &path, error))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                busy();
                file.lock().map_err(|error| StoreError::io("take the writer lock", &path, error))?;
            }
            Err(fs::TryLockError::Error(error)) => return Err(StoreError::io("take the writer lock", &path, error)),
        }
        remove_stale_temporaries(self.layout.lake(), true)?;
        remove_stale_temporaries(self.layout.data(), false)?;
        Ok(WriterLock { _file: file })
    }

    /// The lake directory (`DATA_DIR/lake`).
    pub fn lake_directory(&self) -> &FilePath {
        self.layout.lake()
    }

    /// Replaces a scope's usage files for the days `replace` names. Lines are filed under
    /// [`UsageLine::day`]; every line's `source` must be `source`.
    pub(crate) fn write_usage(
        &self,
        source: Source,
        scope: &str,
        replace: Replace,
        lines: &[UsageLine],
    ) -> Result<WriteSummary, StoreError> {
        check_sources(source, lines.iter().map(|line| line.source))?;
        self.replace_days(
            Table::Usage,
            source,
            scope,
            replace,
            lines,
            UsageLine::day,
            |rows: &mut Vec<&UsageLine>| usage_batch(rows),
            Some(summary_of_lines),
        )
    }

    /// Replaces a scope's cost files for the days `replace` names. Lines are filed under their
    /// `start` day; every line's `source` must be `source`.
    pub(crate) fn write_cost(&self, source: Source, scope: &str, replace: Replace, lines: &[CostLine]) -> Result<WriteSummary, StoreError> {
        check_sources(source, lines.iter().map(|line| line.source))?;
        self.replace_days(
            Table::Cost,
            source,
            scope,
            replace,
            lines,
            |line: &CostLine| line.start,
            |rows: &mut Vec<&CostLine>| cost_batch(rows),
            None,
        )
    }

    /// Replaces a scope's activity files for the days `replace` names. Lines are filed under their
    /// `day`; every line's `source` must be `source`.
    pub(crate) fn write_activity(
        &self,
        source: Source,
        scope: &str,
        replace: Replace,
        lines: &[ActivityLine],
    ) -> Result<WriteSummary, StoreError> {
        check_sources(source, lines.iter().map(|line| line.source))?;
        self.replace_days(
            Table::Activity,
            source,
            scope,
            replace,
            lines,
            |line: &ActivityLine| line.day,
            |rows: &mut Vec<&ActivityLine>| activity_batch(rows),
            None,
        )
    }

    /// Replaces a scope's directory snapshot with `entries` (no entries: the file is deleted).
    pub(crate) fn write_directory(&self, source: Source, scope: &str, entries: &[DirectoryEntry]) -> Result<WriteSummary, StoreError> {
        let stem = scope_stem(scope)?;
        let folder = self.layout.source(Table::Directory, source);
        let target = folder.join(scope_file_name(&stem));
        let _guard = self.lock_writes()?;
        adopt_legacy_file(&folder, &scope_file_name(&legacy_scope_stem(scope)?), &target)?;
        if entries.is_empty() {
            let removed = remove_if_present(&target)?;
            return Ok(WriteSummary { rows: 0, files_written: 0, files_removed: usize::from(removed) });
        }
        let mut rows: Vec<&DirectoryEntry> = entries.iter().collect();
        let batch = directory_batch(&mut rows)?;
        self.write_file(&target, &batch)?;
        Ok(WriteSummary { rows: entries.len(), files_written: 1, files_removed: 0 })
    }

    /// Makes the next partition write stop after its temporary file is written and synced but
    /// before the rename, leaving the temporary file behind as a crash would. For tests.
    #[doc(hidden)]
    pub fn fail_next_write_before_rename(&self) {
        self.fail_before_rename.store(true, Ordering::SeqCst);
    }

    /// The write lock guards no data in memory, so a panic in another write leaves nothing to
    /// distrust: a poisoned lock is taken as it is. Taking it raises an older marker first, so an
    /// older build refuses the lake rather than meeting files it cannot read.
    pub(crate) fn lock_writes(&self) -> Result<std::sync::MutexGuard<'_, ()>, StoreError> {
        let guard = self.write_lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.stale_marker.load(Ordering::SeqCst) {
            let text = serde_json::to_string(&Marker::current()).map_err(|error| StoreError::InvalidInput { detail: error.to_string() })?;
            write_file(&self.layout.marker(), format!("{text}\n").as_bytes())?;
            self.stale_marker.store(false, Ordering::SeqCst);
        }
        Ok(guard)
    }

    fn write_file(&self, target: &FilePath, batch: &RecordBatch) -> Result<(), StoreError> {
        let fail = self.fail_before_rename.swap(false, Ordering::SeqCst);
        write_parquet(target, batch, fail)
    }

    #[allow(clippy::too_many_arguments)]
    fn replace_days<T: Sync>(
        &self,
        table: Table,
        source: Source,
        scope: &str,
        replace: Replace,
        lines: &[T],
        day_of: impl Fn(&T) -> Day,
        encode: impl Fn(&mut Vec<&T>) -> Result<RecordBatch, StoreError> + Sync,
        summarise: Option<Summarise<T>>,
    ) -> Result<WriteSummary, StoreError> {
        let stem = scope_stem(scope)?;
        let file_name = scope_file_name(&stem);
        let legacy_name = scope_file_name(&legacy_scope_stem(scope)?);
        let mut by_day: BTreeMap<Day, Vec<&T>> = BTreeMap::new();
        for line in lines {
            by_day.entry(day_of(line)).or_default().push(line);
        }
        // Encode everything first, on every core (days are independent): bad input fails the
        // write before any file changes.
        let days: Vec<(Day, Vec<&T>)> = by_day.into_iter().collect();
        // A usage file carries a generation (a hash of its data) its summary names (`rollups`),
        // made here from the same rows.
        let encoded = encode_days(days, |day, rows| {
            let target = self.layout.day(table, source, day).join(&file_name);
            let batch = encode(rows)?;
            let content = summarise.is_some().then_some(GENERATION_KEY);
            let (bytes, generation) = parquet_bytes_tagged(&target, &batch, &[], content)?;
            let summary = match (summarise, &generation) {
                (Some(summarise), Some(generation)) => Some(summarise(rows, &target, generation)?),
                _ => None,
            };
            Ok(Encoded { day, target, rows: batch.num_rows(), bytes, summary })
        })?;
        let written_days: BTreeSet<Day> = encoded.iter().map(|file| file.day).collect();

        let _guard = self.lock_writes()?;
        for file in &encoded {
            if let Some(folder) = file.target.parent() {
                adopt_legacy_file(folder, &legacy_name, &file.target)?;
            }
        }
        let mut summary = WriteSummary::default();
        let files: Vec<(&FilePath, &[u8])> = encoded.iter().map(|file| (file.target.as_path(), file.bytes.as_slice())).collect();
        if !files.is_empty() {
            write_files_failing(&files, self.fail_before_rename.swap(false, Ordering::SeqCst))?;
        }
        // Each usage file's summary, after the file: a crash between the two leaves a summary of
        // another generation, which readers pass over.
        let summaries: Vec<(&FilePath, &[u8])> =
            encoded.iter().filter_map(|file| file.summary.as_ref()).map(|(path, bytes)| (path.as_path(), bytes.as_slice())).collect();
        if !summaries.is_empty() {
            write_files_failing(&summaries, false)?;
        }
        summary.rows = encoded.iter().map(|file| file.rows).sum();
        summary.files_written = encoded.len();
        let emptied = |day: Day| {
            !written_days.contains(&day)
                && match &replace {
                    Replace::Days => false,
                    Replace::DaysIn(period) => period.contains(day),
                    Replace::DaysOf(days) => days.contains(&day),
                    Replace::Scope => true,
                }
        };
        if replace != Replace::Days {
            for (name, path, is_directory) in list_directory(&self.layout.source(table, source))? {
                let Some(day) = parse_day_partition(&name).filter(|_| is_directory) else { continue };
                if emptied(day) {
                    for name in [&file_name, &legacy_name] {
                        let file = path.join(name);
                        if remove_if_present(&file)? {
                            summary.files_removed += 1;
                        }
                        // Its summary after it (a summary without its file is never read).
                        if let Some(summary_file) = summary_path(&file).filter(|_| table == Table::Usage) {
                            remove_if_present(&summary_file)?;
                        }
                    }
                }
            }
        }
        Ok(summary)
    }
}

/// Renames a scope's file named as earlier builds named it (`legacy`, in `folder`) to its name now
/// (`target`), before `target` is written: a rename is atomic, so at every moment exactly one of
/// the two holds the day, and a crash never leaves both to be counted.
fn adopt_legacy_file(folder: &FilePath, legacy: &str, target: &FilePath) -> Result<(), StoreError> {
    let old = folder.join(legacy);
    if old == target || !old.is_file() {
        return Ok(());
    }
    if target.is_file() {
        // Both exist only if an earlier adoption was cut short after the new file was written:
        // the new one is the truth.
        remove_if_present(&old)?;
        return Ok(());
    }
    fs::rename(&old, target).map_err(|error| StoreError::io("rename", &old, error))?;
    crate::atomic::sync_directory(folder)
}

/// One day's partition file, encoded and ready to write.
struct Encoded {
    day: Day,
    target: PathBuf,
    rows: usize,
    bytes: Vec<u8>,
    /// A usage file's summary: its path and bytes.
    summary: Option<(PathBuf, Vec<u8>)>,
}

/// Makes a usage file's summary from the rows just encoded into it, its path and its generation.
type Summarise<T> = fn(&[&T], &FilePath, &str) -> Result<(PathBuf, Vec<u8>), StoreError>;

/// Encodes each day's rows with `encode`, the days shared over the cores, in day order.
fn encode_days<T: Sync>(
    days: Vec<(Day, Vec<&T>)>,
    encode: impl Fn(Day, &mut Vec<&T>) -> Result<Encoded, StoreError> + Sync,
) -> Result<Vec<Encoded>, StoreError> {
    parallel::map(days, |(day, mut rows)| encode(day, &mut rows)).into_iter().collect()
}

#[cfg(feature = "datafusion")]
impl Drop for Store {
    /// Shuts the runtime down without waiting: dropping a runtime the blocking way panics inside
    /// another runtime, and no task outlives a query anyway.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn check_sources(source: Source, line_sources: impl Iterator<Item = Source>) -> Result<(), StoreError> {
    for found in line_sources {
        if found != source {
            return Err(StoreError::InvalidInput {
                detail: format!("a line from source {found} was handed to a write for source {source}"),
            });
        }
    }
    Ok(())
}

/// Checks the marker; returns the schema version it names.
fn check_marker(path: &FilePath, bytes: &[u8]) -> Result<u64, StoreError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|error| StoreError::corrupt(path, format!("the lake marker is not JSON: {error}")))?;
    let format = value.get("format").and_then(|format| format.as_str());
    if format != Some(FORMAT_NAME) {
        return Err(StoreError::corrupt(path, format!("the lake marker names format {format:?}, expected {FORMAT_NAME:?}")));
    }
    let found = value
        .get("schema_version")
        .and_then(|version| version.as_u64())
        .filter(|version| *version >= 1)
        .ok_or_else(|| StoreError::corrupt(path, "the lake marker has no valid schema_version"))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema { path: path.to_path_buf(), found, supported: SCHEMA_VERSION });
    }
    Ok(found)
}

/// Writes a new lake's marker. Writers started at once on a new data directory each write one
/// (the same bytes) outside the writer lock, and the first to take the lock removes temporary
/// files it takes for a crash's, perhaps another's marker on its way into place: a write that
/// fails is fine when a marker is there by then, and is tried again (a few times) when none is.
fn create_marker(marker: &FilePath) -> Result<(), StoreError> {
    let text = serde_json::to_string(&Marker::current()).map_err(|error| StoreError::InvalidInput { detail: error.to_string() })?;
    let mut attempts = 0;
    loop {
        let written = write_file(marker, format!("{text}\n").as_bytes());
        match fs::read(marker) {
            Ok(bytes) => {
                check_marker(marker, &bytes)?;
                return Ok(());
            }
            Err(_) if attempts < 4 && written.is_err() => attempts += 1,
            Err(error) => return Err(written.err().unwrap_or_else(|| StoreError::io("read", marker, error))),
        }
    }
}

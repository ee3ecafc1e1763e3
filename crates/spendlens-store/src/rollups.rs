//! The day rollup (usage summed per day, source and every dimension a report slices by), and
//! its summaries kept at write time.
//!
//! Every usage partition file has a **summary** beside it:
//! `lake/usage_rollup/source=<source>/day=<day>/<the usage file's name>`, the file's lines summed
//! per group of the rollup's grain, with each group's lines and distinct sessions. A large
//! organisation's day of hourly buckets (300,000 lines) sums to a tenth of that, so a rollup
//! reads the summaries, not the lines. Summaries are derived data, never the truth:
//!
//! - **Current or ignored.** Each usage file carries a generation in its footer
//!   (`spendlens.generation`, a hash of its data pages: the same lines written again give the
//!   same bytes), and its summary names the generation it was made from
//!   (`spendlens.summarises`). A usage file is written first and its summary after, each
//!   atomically, so a crash between the two, a usage file replaced by an older build, or a
//!   summary copied from elsewhere leaves a summary that does not match: the day is read from
//!   its lines. A summary that cannot be read is not used either.
//! - **Exact or not used.** A day's summaries are merged only when they give the lines' answer:
//!   sums add, but two files' counts of distinct sessions in one group do not, so such a day is
//!   read from its lines.
//! - **Made from what is written.** The writer sums the rows it encodes, by the spellings and
//!   values it writes; a test holds the bytes equal to the summary the rollup's own code makes
//!   from the file read back.
//!
//! Files written before summaries existed have none; `Store::refresh_rollups` (under the writer
//! lock) gives every usage file a current summary and removes those whose usage file is gone.
//! Engines other than this one (DataFusion, DuckDB) read the lines and never see summaries.

use std::path::{Path as FilePath, PathBuf};
use std::sync::LazyLock;

use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use rustc_hash::{FxHashMap, FxHashSet};
use spendlens_model::{ContextWindow, Day, InferenceGeo, Path, Period, ServiceTier, Source, Speed, UsageLine, parallel};
use std::sync::Arc;

use crate::coded::{Interner, NULL};
use crate::convert::money_to_decimal128;
use crate::convert::{MONEY_PRECISION, MONEY_SCALE};
use crate::decode::{Columns, decode_usage_lines_into};
use crate::encode::{QUANTITY_COLUMNS, identity_key, quantities_of, quantity_values, usage_batch, usage_schema};
use crate::files::{
    DataFile, footer_tag, list_directory, parquet_bytes_tagged, read_checked_parquet, read_checked_parquet_coded,
    read_checked_parquet_coded_tagged, remove_if_present,
};
use crate::layout::{GENERATION_KEY, PARQUET_EXTENSION, ROLLUP_DIRECTORY, SUMMARISES_KEY, Table, is_temporary};
use crate::scan::{DayPartition, Worker, add_unscaled, day_partitions, files, gathered, money_of, parse_required, table_schema};
use crate::summaries::rollup_key;
use crate::{Store, StoreError, UsageDetail, UsageRollup};

/// Where the summary of the usage file `usage` (`lake/usage/source=…/day=…/<name>`) lives.
pub(crate) fn summary_path(usage: &FilePath) -> Option<PathBuf> {
    let name = usage.file_name()?;
    let day = usage.parent()?;
    let source = day.parent()?;
    let table = source.parent()?;
    let lake = table.parent()?;
    Some(lake.join(ROLLUP_DIRECTORY).join(source.file_name()?).join(day.file_name()?).join(name))
}

/// The columns of a summary file, after the rollup's text columns.
const SUMMARY_COUNTS: [&str; 3] = ["reported_cost_usd", "sessions", "lines"];

static SUMMARY_COLUMNS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| ROLLUP_TEXTS.iter().chain(QUANTITY_COLUMNS.iter()).chain(SUMMARY_COUNTS.iter()).copied().collect());

/// A summary file's schema: the rollup's text columns and the usage file's quantity and reported
/// dollar columns (their types and nullability), then the group's distinct sessions and lines.
static SUMMARY_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let usage = usage_schema();
    let mut fields: Vec<Field> = ROLLUP_TEXTS
        .iter()
        .chain(QUANTITY_COLUMNS.iter())
        .chain(["reported_cost_usd"].iter())
        .filter_map(|name| usage.field_with_name(name).ok().cloned())
        .collect();
    fields.push(Field::new("sessions", DataType::UInt64, false));
    fields.push(Field::new("lines", DataType::UInt64, false));
    Arc::new(Schema::new(fields))
});

fn summary_schema() -> SchemaRef {
    SUMMARY_SCHEMA.clone()
}

/// Whether `summary` exists and was made from the usage file `usage` as it is now (an unreadable
/// summary is no summary).
fn current(usage: &DataFile, summary: &FilePath) -> bool {
    let Some(generation) = &usage.generation else { return false };
    summary.is_file() && footer_tag(summary, SUMMARISES_KEY).ok().flatten().is_some_and(|made_from| &made_from == generation)
}

/// The summary of the usage file `usage` (of generation `generation`), read back with the
/// rollup's own code: the oracle the writer's summaries are held to.
#[cfg(test)]
fn summary_of(usage: &FilePath, generation: &str) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let target = summary_target(usage)?;
    let mut worker: Worker<()> = Worker::new(ROLLUP_TEXTS.len() + 1);
    let mut groups = Groups::default();
    add_lines(&mut worker, usage, &read_columns(), &mut groups)?;
    let rows = groups.into_iter().map(|(key, sums)| (key.map(|id| worker.interner.text(id)), sums)).collect();
    summary_bytes(rows, &target, generation)
}

/// The summary of the usage file `usage` (of generation `generation`) from the rows just encoded
/// into it: grouped by the spellings and values the encoder writes (enumerations' `as_str`, the
/// identity texts, the quantity values, dollars as their `Decimal128`), so it is the summary its
/// rollup would make (tests hold the two to the same answers).
pub(crate) fn summary_of_lines(rows: &[&UsageLine], usage: &FilePath, generation: &str) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let target = summary_target(usage)?;
    let mut groups: FxHashMap<[Option<&str>; 12], (RollupSums, FxHashSet<&str>)> = FxHashMap::default();
    for line in rows {
        let identity = identity_key(&line.identity);
        let key = [
            Some(line.path.as_str()),
            identity[0],
            identity[1],
            identity[2],
            identity[3],
            identity[7],
            identity[8],
            Some(line.model.as_str()),
            Some(line.service_tier.as_str()),
            Some(line.context_window.as_str()),
            Some(line.inference_geo.as_str()),
            Some(line.speed.as_str()),
        ];
        let (sums, sessions) = groups.entry(key).or_default();
        let values = quantity_values(&line.quantities);
        for (sum, value) in sums.counts.iter_mut().zip(values) {
            *sum += value.unwrap_or(0);
        }
        sums.requests = add_optional(sums.requests, values[7], |left, right| Ok(left + right))?;
        let reported = line
            .reported_cost
            .map(|money| {
                money_to_decimal128(money)
                    .ok_or_else(|| StoreError::InvalidInput { detail: format!("amount {money:?} does not fit Decimal128(38, 18)") })
            })
            .transpose()?;
        sums.reported = add_optional(sums.reported, reported, |left, right| add_unscaled(left, right, usage))?;
        sessions.extend(identity[4]);
        sums.lines += 1;
    }
    let rows = groups
        .into_iter()
        .map(|(key, (mut sums, sessions))| {
            sums.counted_sessions = sessions.len() as u64;
            (key, sums)
        })
        .collect();
    summary_bytes(rows, &target, generation)
}

fn summary_target(usage: &FilePath) -> Result<PathBuf, StoreError> {
    summary_path(usage).ok_or_else(|| StoreError::corrupt(usage, "a usage file must sit in usage/source=<source>/day=<day>/"))
}

/// A summary file's bytes: its groups in the rollup's order (enumerations in declaration order),
/// so a day read from its summaries needs no grouping, naming the generation it was made from.
fn summary_bytes(
    rows: Vec<([Option<&str>; 12], RollupSums)>,
    target: &FilePath,
    generation: &str,
) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let mut ordered = Vec::with_capacity(rows.len());
    for (key, sums) in rows {
        ordered.push((typed_order(&key, target)?, key, sums));
    }
    ordered.sort_by(|left, right| left.0.cmp(&right.0));
    let rows: Vec<([Option<&str>; 12], RollupSums)> = ordered.into_iter().map(|(_, key, sums)| (key, sums)).collect();
    let batch = summary_batch(&rows, target)?;
    let (bytes, _) = parquet_bytes_tagged(target, &batch, &[(SUMMARISES_KEY, generation)], None)?;
    Ok((target.to_path_buf(), bytes))
}

/// Ordered groups as a summary's rows.
fn summary_batch(rows: &[([Option<&str>; 12], RollupSums)], target: &FilePath) -> Result<RecordBatch, StoreError> {
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(SUMMARY_COLUMNS.len());
    for slot in 0..ROLLUP_TEXTS.len() {
        columns.push(Arc::new(rows.iter().map(|(key, _)| key[slot]).collect::<StringArray>()));
    }
    for slot in 0..7 {
        columns.push(Arc::new(rows.iter().map(|(_, sums)| sums.counts[slot]).collect::<UInt64Array>()));
    }
    columns.push(Arc::new(rows.iter().map(|(_, sums)| sums.requests).collect::<UInt64Array>()));
    let reported = rows
        .iter()
        .map(|(_, sums)| sums.reported)
        .collect::<Decimal128Array>()
        .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
        .map_err(|error| StoreError::Encode { path: target.to_path_buf(), detail: error.to_string() })?;
    columns.push(Arc::new(reported));
    columns.push(Arc::new(rows.iter().map(|(_, sums)| sums.sessions.len() as u64 + sums.counted_sessions).collect::<UInt64Array>()));
    columns.push(Arc::new(rows.iter().map(|(_, sums)| sums.lines).collect::<UInt64Array>()));
    RecordBatch::try_new(summary_schema(), columns)
        .map_err(|error| StoreError::Encode { path: target.to_path_buf(), detail: error.to_string() })
}

/// A group's place in the rollup's order ([`rollup_key`] but the day and source, which a file's
/// rows share), from its spellings.
#[allow(clippy::type_complexity)]
fn typed_order<'a>(
    key: &[Option<&'a str>; 12],
    file: &FilePath,
) -> Result<(Path, [Option<&'a str>; 6], (&'a str, ServiceTier, ContextWindow, InferenceGeo, Speed)), StoreError> {
    Ok((
        parse_required(file, "path", key[0])?,
        [key[1], key[2], key[3], key[4], key[5], key[6]],
        (
            key[7].unwrap_or_default(),
            parse_required(file, "service_tier", key[8])?,
            parse_required(file, "context_window", key[9])?,
            parse_required(file, "inference_geo", key[10])?,
            parse_required(file, "speed", key[11])?,
        ),
    ))
}

/// What [`refresh_rollups`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RollupRefresh {
    /// Usage files whose summary was current already.
    pub current: usize,
    /// Summaries written (a usage file without one, or with one made from another generation).
    pub written: usize,
    /// Of those, usage files written before generations existed, rewritten with one (the same
    /// lines).
    pub usage_files_tagged: usize,
    /// Summaries whose usage file is gone, removed.
    pub removed: usize,
}

/// Gives every usage file a current summary and removes summaries whose usage file is gone.
/// The caller holds the writer lock. A usage file from before generations is rewritten, with
/// the same lines, to carry one.
pub(crate) fn refresh_rollups(store: &Store) -> Result<RollupRefresh, StoreError> {
    // This process's writes wait, and an older lake's marker is raised before a file changes.
    let _guard = store.lock_writes()?;
    let usage = files(store, Table::Usage, None, None)?;
    let done = parallel::map(usage, |file| -> Result<(bool, bool), StoreError> {
        if current(&file, &summary_target(&file.path)?) {
            return Ok((false, false));
        }
        // The file's lines, summarised as the writer summarises them; a file from before
        // generations is first written again (the same lines) with one.
        let mut lines = Vec::new();
        for batch in read_checked_parquet(&file.path, &table_schema(Table::Usage), None)? {
            decode_usage_lines_into(&batch, &file.path, Some(file.source), UsageDetail::Full, &mut lines)?;
        }
        let mut rows: Vec<&UsageLine> = lines.iter().collect();
        let (generation, tagged) = match file.generation {
            Some(generation) => (generation, false),
            None => {
                let batch = usage_batch(&mut rows)?;
                let (bytes, generation) = parquet_bytes_tagged(&file.path, &batch, &[], Some(GENERATION_KEY))?;
                crate::atomic::write_files_failing(&[(file.path.as_path(), bytes.as_slice())], false)?;
                let generation = generation
                    .ok_or_else(|| StoreError::Encode { path: file.path.clone(), detail: "no generation was made".to_string() })?;
                (generation, true)
            }
        };
        let (target, bytes) = summary_of_lines(&rows, &file.path, &generation)?;
        crate::atomic::write_files_failing(&[(target.as_path(), bytes.as_slice())], false)?;
        Ok((true, tagged))
    });
    let mut refresh = RollupRefresh::default();
    for result in done {
        let (written, tagged) = result?;
        if written {
            refresh.written += 1;
        } else {
            refresh.current += 1;
        }
        refresh.usage_files_tagged += usize::from(tagged);
    }
    // Summaries without a usage file (its day emptied while a crash cut the removal short).
    let summaries = store.layout.lake().join(ROLLUP_DIRECTORY);
    let mut pending = vec![summaries.clone()];
    while let Some(directory) = pending.pop() {
        for (name, path, is_directory) in list_directory(&directory)? {
            if is_directory {
                pending.push(path);
            } else if name.ends_with(PARQUET_EXTENSION) && !is_temporary(&name) {
                let usage = path.strip_prefix(&summaries).map(|relative| store.layout.table(Table::Usage).join(relative));
                if usage.is_ok_and(|usage| !usage.is_file()) && remove_if_present(&path)? {
                    refresh.removed += 1;
                }
            }
        }
    }
    Ok(refresh)
}

/// The text columns a rollup groups by besides day and source, in [`UsageRollup`]'s order.
pub(crate) const ROLLUP_TEXTS: [&str; 12] = [
    "path",
    "workspace_id",
    "api_key_id",
    "api_key_name",
    "actor_email",
    "account_id",
    "service_account_id",
    "model",
    "service_tier",
    "context_window",
    "inference_geo",
    "speed",
];

/// What a rollup group sums: quantities but `requests` (in [`QUANTITY_COLUMNS`] order), the
/// requests and reported dollars where a line had them (`None` when none did), the distinct
/// session ids (interned; or counted, from a summary) and the lines.
#[derive(Default)]
struct RollupSums {
    counts: [u64; 7],
    requests: Option<u64>,
    reported: Option<i128>,
    sessions: FxHashSet<u32>,
    /// Distinct sessions a summary counted (no other file's sessions meet them in the group).
    counted_sessions: u64,
    lines: u64,
}

fn add_optional<T>(left: Option<T>, right: Option<T>, add: impl FnOnce(T, T) -> Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    Ok(match (left, right) {
        (Some(left), Some(right)) => Some(add(left, right)?),
        (left, right) => left.or(right),
    })
}

/// Usage summed per day, source, path, identity (workspace, key, key name, actor, account,
/// service account), model, tier, context window, geography and speed, for days in `period`
/// (all days if `None`), with the distinct session ids and lines of each group. Each worker takes
/// a day of a source at a time (its scopes' files together) and groups its rows by the interned
/// ids of their spellings; groups are ordered by their typed keys (enumerations in declaration
/// order, absent values first).
pub(crate) fn usage_rollup(store: &Store, period: Option<Period>) -> Result<Vec<UsageRollup>, StoreError> {
    let partitions = day_partitions(files(store, Table::Usage, period, None)?)?;
    let read = read_columns();
    // Rows order by day, then source: each partition's rows are sorted by its worker, and the
    // partitions put in that order.
    let mut partitions = partitions;
    partitions.sort_by_key(|((source, day), _)| (*day, *source));
    let items: Vec<(usize, &DayPartition)> = partitions.iter().enumerate().collect();
    let workers = parallel::fold(
        &items,
        || Worker::new(ROLLUP_TEXTS.len() + 1),
        |worker: &mut Worker<Vec<(usize, Vec<UsageRollup>)>>, (index, ((source, day), files))| {
            let result = rollup_day(worker, *index, *source, *day, files, &read);
            worker.record(*index, result);
        },
        |worker| (worker.made, worker.failed),
    );
    let mut days: Vec<(usize, Vec<UsageRollup>)> = gathered(workers)?.into_iter().flatten().collect();
    days.sort_by_key(|(index, _)| *index);
    let mut rollups = Vec::with_capacity(days.iter().map(|(_, rows)| rows.len()).sum());
    days.into_iter().for_each(|(_, rows)| rollups.extend(rows));
    Ok(rollups)
}

/// One day of one source summed into typed rollup rows, added to the worker's: from the day's
/// summaries when every file has a current one and they merge exactly, else from the lines.
fn rollup_day(
    worker: &mut Worker<Vec<(usize, Vec<UsageRollup>)>>,
    index: usize,
    source: Source,
    day: Day,
    files: &[DataFile],
    read: &[&str],
) -> Result<(), StoreError> {
    let file = files.first().map(|file| file.path.clone()).unwrap_or_default();
    // Every file with a current summary (the common day): their rows, each file's in the rollup's
    // order already, merged.
    if let Some(rows) = summarised_day(worker, source, day, files, &file) {
        worker.made.push((index, rows));
        return Ok(());
    }
    let mut groups = Groups::default();
    for file in files {
        add_lines(worker, &file.path, read, &mut groups)?;
    }
    let mut rows = Vec::with_capacity(groups.len());
    for (key, sums) in groups {
        rows.push(rollup_of(day, source, key.map(|id| worker.interner.text(id)), sums, &file)?);
    }
    rows.sort_by(|left, right| rollup_key(left).cmp(&rollup_key(right)));
    worker.made.push((index, rows));
    Ok(())
}

/// A day's rollup rows from its files' summaries, or `None` when one has no current summary or
/// they do not merge exactly (a group whose sessions two files count). Each summary's rows are
/// in the rollup's order: a stable sort merges the files' runs in one pass, and rows of one group
/// from several files are then neighbours, summed as the lines would be (dollars as the unscaled
/// `Decimal128` sum, read as money once). A group's spellings are its typed key's: the lake holds
/// canonical spellings, as the writer writes them.
fn summarised_day<A>(worker: &mut Worker<A>, source: Source, day: Day, files: &[DataFile], file: &FilePath) -> Option<Vec<UsageRollup>> {
    let mut rows: Vec<(UsageRollup, Option<i128>)> = Vec::new();
    for data in files {
        let read = each_summary_row(worker, data, |interner, key, sums| {
            let reported = sums.reported;
            rows.push((rollup_of(day, source, key.map(|id| interner.text(id)), sums, file)?, reported));
            Ok(true)
        });
        if !matches!(read, Ok(true)) {
            return None;
        }
    }
    if !rows.is_sorted_by(|left, right| rollup_key(&left.0) <= rollup_key(&right.0)) {
        rows.sort_by(|left, right| rollup_key(&left.0).cmp(&rollup_key(&right.0)));
    }
    if files.len() == 1 {
        return Some(rows.into_iter().map(|(row, _)| row).collect());
    }
    let mut merged: Vec<(UsageRollup, Option<i128>)> = Vec::with_capacity(rows.len());
    for (row, reported) in rows {
        match merged.last_mut() {
            Some((last, sum)) if rollup_key(last) == rollup_key(&row) => {
                if last.sessions > 0 && row.sessions > 0 {
                    return None;
                }
                last.sessions += row.sessions;
                last.quantities.add(&row.quantities);
                last.lines += row.lines;
                *sum = add_optional(*sum, reported, |left, right| add_unscaled(left, right, file)).ok()?;
                last.reported_cost = sum.map(|sum| money_of(sum, file)).transpose().ok()?;
            }
            _ => merged.push((row, reported)),
        }
    }
    Some(merged.into_iter().map(|(row, _)| row).collect())
}

/// A day's groups by the interned spellings of their keys.
type Groups = FxHashMap<[u32; 12], RollupSums>;

/// The columns a rollup reads from a usage file.
fn read_columns() -> Vec<&'static str> {
    let mut read: Vec<&str> = ROLLUP_TEXTS.to_vec();
    read.push("session_id");
    read.extend(QUANTITY_COLUMNS);
    read.push("reported_cost_usd");
    read
}

/// A usage file's lines added to `groups`.
fn add_lines<A>(worker: &mut Worker<A>, path: &FilePath, read: &[&str], groups: &mut Groups) -> Result<(), StoreError> {
    let coded: Vec<&str> = ROLLUP_TEXTS.iter().copied().chain(["session_id"]).collect();
    for batch in read_checked_parquet_coded(path, &table_schema(Table::Usage), read, &coded)? {
        for (slot, name) in coded.iter().enumerate() {
            worker.interner.column_ids(&batch, name, slot, path, &mut worker.ids[slot])?;
        }
        let columns = Columns::new(&batch, path);
        let quantities = columns.quantities()?;
        let reported = columns.money("reported_cost_usd")?;
        let ids = &worker.ids;
        #[allow(clippy::needless_range_loop)] // a row indexes every column alike
        for row in 0..columns.rows() {
            let key: [u32; 12] = std::array::from_fn(|index| ids[index][row]);
            let sums = groups.entry(key).or_default();
            let values = quantities.values(row)?;
            for (sum, value) in sums.counts.iter_mut().zip(values) {
                *sum += value.unwrap_or(0);
            }
            sums.requests = add_optional(sums.requests, values[7], |left, right| Ok(left + right))?;
            sums.reported = add_optional(sums.reported, reported.unscaled(row), |left, right| add_unscaled(left, right, path))?;
            let session = ids[12][row];
            if session != NULL {
                sums.sessions.insert(session);
            }
            sums.lines += 1;
        }
    }
    Ok(())
}

/// Each row of the usage file `usage`'s summary handed to `each` with its key's interned ids and
/// its sums, in the summary's order, until `each` says stop (`false`). Whether the file had a
/// current summary (one naming the generation the file check read from the usage file's footer)
/// and every row was taken.
fn each_summary_row<A>(
    worker: &mut Worker<A>,
    usage: &DataFile,
    mut each: impl FnMut(&Interner, [u32; 12], RollupSums) -> Result<bool, StoreError>,
) -> Result<bool, StoreError> {
    let (Some(summary), Some(generation)) = (summary_path(&usage.path), &usage.generation) else { return Ok(false) };
    if !summary.is_file() {
        return Ok(false);
    }
    let made_from = Some((SUMMARISES_KEY, generation.as_str()));
    let Some(batches) = read_checked_parquet_coded_tagged(&summary, &summary_schema(), &SUMMARY_COLUMNS, &ROLLUP_TEXTS, made_from)? else {
        return Ok(false);
    };
    for batch in batches {
        for (slot, name) in ROLLUP_TEXTS.iter().enumerate() {
            worker.interner.column_ids(&batch, name, slot, &summary, &mut worker.ids[slot])?;
        }
        let columns = Columns::new(&batch, &summary);
        let quantities = columns.quantities()?;
        let reported = columns.money("reported_cost_usd")?;
        let (sessions, lines) = (columns.counts("sessions")?, columns.counts("lines")?);
        let ids = &worker.ids;
        #[allow(clippy::needless_range_loop)] // a row indexes every column alike
        for row in 0..columns.rows() {
            let key: [u32; 12] = std::array::from_fn(|index| ids[index][row]);
            let values = quantities.values(row)?;
            let sums = RollupSums {
                counts: std::array::from_fn(|index| values[index].unwrap_or(0)),
                requests: values[7],
                reported: reported.unscaled(row),
                sessions: FxHashSet::default(),
                counted_sessions: sessions.required(row)?,
                lines: lines.required(row)?,
            };
            if !each(&worker.interner, key, sums)? {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// A rollup group's typed row (`file` is named if a spelling does not parse).
fn rollup_of(day: Day, source: Source, key: [Option<&str>; 12], sums: RollupSums, file: &FilePath) -> Result<UsageRollup, StoreError> {
    // Only the spellings a row keeps are copied; enumerations are parsed from the interned text.
    let [path, workspace_id, api_key_id, api_key_name, actor_email, account_id, service_account_id, model, tier, window, geo, speed] = key;
    let [workspace_id, api_key_id, api_key_name, actor_email, account_id, service_account_id, model] =
        [workspace_id, api_key_id, api_key_name, actor_email, account_id, service_account_id, model].map(|text| text.map(str::to_string));
    let [input, cache_write_5m, cache_write_1h, cache_read, output, web_search_requests, code_execution_seconds] = sums.counts;
    Ok(UsageRollup {
        day,
        source,
        path: parse_required::<Path>(file, "path", path)?,
        workspace_id,
        api_key_id,
        api_key_name,
        actor_email,
        account_id,
        service_account_id,
        model: model.ok_or_else(|| StoreError::corrupt(file, "column \"model\" is null where a value is required"))?,
        service_tier: parse_required(file, "service_tier", tier)?,
        context_window: parse_required(file, "context_window", window)?,
        inference_geo: parse_required(file, "inference_geo", geo)?,
        speed: parse_required(file, "speed", speed)?,
        quantities: quantities_of([
            Some(input),
            Some(cache_write_5m),
            Some(cache_write_1h),
            Some(cache_read),
            Some(output),
            Some(web_search_requests),
            Some(code_execution_seconds),
            sums.requests,
        ]),
        reported_cost: sums.reported.map(|sum| money_of(sum, file)).transpose()?,
        sessions: sums.sessions.len() as u64 + sums.counted_sessions,
        lines: sums.lines,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;
    use crate::{Lake, Replace};
    use spendlens_model::UsageLine;

    fn line(input: u64) -> UsageLine {
        let start: chrono::DateTime<chrono::Utc> = "2026-05-01T03:00:00Z".parse().unwrap();
        let mut line = UsageLine::new(start, start + chrono::Duration::hours(1), Source::AdminUsage, "claude-sonnet-4-5");
        line.quantities.tokens.input = input;
        line
    }

    /// The rollup's answer is the same from summaries or lines (the integration tests); this
    /// holds that a day written now is read from its summary, so large lakes are not read line
    /// by line unnoticed.
    #[test]
    fn a_day_written_now_is_read_from_its_summary_and_an_earlier_summary_is_not() {
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path()).unwrap();
        store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[line(100)]).unwrap();
        let listed = files(&store, Table::Usage, None, None).unwrap();
        let (usage, day) = (listed[0].path.clone(), listed[0].day.unwrap());
        let summary = summary_path(&usage).unwrap();
        let earlier = std::fs::read(&summary).unwrap();
        let mut worker: Worker<()> = Worker::new(ROLLUP_TEXTS.len() + 1);
        // The files as a read lists them (each with the generation its footer names now).
        let read = |worker: &mut Worker<()>| {
            summarised_day(worker, Source::AdminUsage, day, &files(&store, Table::Usage, None, None).unwrap(), &usage)
        };

        let rows = read(&mut worker).expect("read from the summary");
        assert_eq!(rows.iter().map(|row| (row.quantities.tokens.input, row.lines)).collect::<Vec<_>>(), [(100, 1)]);

        store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[line(999)]).unwrap();
        assert_eq!(read(&mut worker).unwrap()[0].quantities.tokens.input, 999);

        std::fs::write(&summary, earlier).unwrap();
        assert!(read(&mut worker).is_none(), "an earlier generation's summary is passed over");
    }

    #[test]
    fn a_summary_is_written_in_the_rollups_order_not_its_spellings() {
        use spendlens_model::ServiceTier;
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path()).unwrap();
        // "batch" spells before "standard", but the standard tier is declared first.
        let mut batch = line(1);
        batch.service_tier = ServiceTier::Batch;
        store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[batch, line(2)]).unwrap();
        let usage = files(&store, Table::Usage, None, None).unwrap().remove(0);
        let mut worker: Worker<()> = Worker::new(ROLLUP_TEXTS.len() + 1);
        let mut tiers = Vec::new();
        let read = each_summary_row(&mut worker, &usage, |interner, key, _| {
            tiers.push(interner.text(key[8]).unwrap().to_string());
            Ok(true)
        });
        assert!(read.unwrap());
        assert_eq!(tiers, ["standard", "batch"]);
    }

    /// The writer makes each summary from the rows it encodes; the rollup's own code reading the
    /// file back makes the same bytes, for every kind of value a line holds.
    #[test]
    fn a_summary_made_from_the_lines_written_is_the_one_the_file_reads_back_to() {
        use spendlens_model::{ContextWindow, Path as LinePath, ServiceTier};
        let directory = tempfile::tempdir().unwrap();
        let store = Store::open(directory.path()).unwrap();
        let mut lines = Vec::new();
        for index in 0u64..40 {
            let mut line = line(1_000 + index);
            line.start += chrono::Duration::minutes(index as i64 * 7);
            line.path = if index % 3 == 0 { LinePath::ClaudeCode } else { LinePath::Api };
            line.service_tier = match index % 4 {
                0 => ServiceTier::Batch,
                1 => "flex-preview".parse().unwrap(),
                _ => ServiceTier::Standard,
            };
            line.context_window = if index % 5 == 0 { "1m".parse().unwrap_or(ContextWindow::default()) } else { ContextWindow::default() };
            line.identity.api_key_id = (index % 2 == 0).then(|| format!("apikey_{}", index % 6));
            line.identity.workspace_id = Some("wrkspc_1".into());
            line.identity.actor_email = (index % 7 == 0).then(|| "ana@example.com".into());
            line.identity.account_id = (index % 9 == 0).then(|| "acct_1".into());
            line.identity.session_id = match index % 5 {
                0 => None,
                1 => Some(String::new()),
                other => Some(format!("session-{other}")),
            };
            line.identity.request_id = Some(format!("req-{index}"));
            line.quantities.tokens.cache_write_5m = index * 11;
            line.quantities.tokens.cache_write_1h = u64::MAX / 1_000 - index;
            line.quantities.tokens.cache_read = index;
            line.quantities.web_search_requests = index % 3;
            line.quantities.code_execution_seconds = index % 4;
            line.quantities.requests = (index % 3 != 0).then_some(index);
            line.reported_cost = (index % 4 != 1).then(|| format!("0.{:0>18}", index * 987_654_321).parse().unwrap());
            lines.push(line);
        }
        store.replace_usage(Source::AdminUsage, "org", Replace::Days, &lines).unwrap();
        let usage = files(&store, Table::Usage, None, None).unwrap().remove(0).path;
        let generation = footer_tag(&usage, GENERATION_KEY).unwrap().unwrap();
        let written = std::fs::read(summary_path(&usage).unwrap()).unwrap();
        let (_, read_back) = summary_of(&usage, &generation).unwrap();
        assert_eq!(written, read_back);
        let rows = read_checked_parquet(&summary_path(&usage).unwrap(), &summary_schema(), None).unwrap();
        assert!(rows[0].num_rows() > 10, "many groups: {}", rows[0].num_rows());
    }
}

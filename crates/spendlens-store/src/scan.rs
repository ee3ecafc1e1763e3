//! The local engine's whole-lake reads: every question of [`crate::Lake`] answered straight from
//! the lake's Parquet files, with no query engine. The partitions a read wants are picked by
//! their directory names (`source=`, `day=`), each file is read with only the columns the answer
//! needs, files are shared over the cores (`spendlens_model::parallel`), and lines are filtered,
//! grouped and summed in hash maps. Answers and their order are those of the SQL engine
//! (`sql`, the `datafusion` feature), which a test holds them to.
//!
//! Before a read, every data file of its tables passes the checks a query's files pass (`files`:
//! a valid partition, valid Parquet, no newer schema version, the table's columns), even files
//! outside the period: a bad file is reported by path, never skipped. Sums are exact: amounts
//! are added as `Decimal128` integers and read as money once, as a query's `SUM` does.

use std::collections::{BTreeMap, HashMap};
use std::path::Path as FilePath;
use std::str::FromStr;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use spendlens_model::{
    ActivityLine, ContextWindow, CostKind, CostLine, Day, DirectoryEntry, InferenceGeo, Money, Period, ServiceTier, Source, Speed,
    TokenType, UnknownValue, UsageLine, parallel,
};

use crate::coded::Interner;
use crate::convert::decimal128_to_money;
use crate::decode::{Columns, decode_activity_lines_into, decode_cost_lines_into, decode_directory_into, decode_usage_lines_into};
use crate::encode::{
    TOKEN_COLUMNS, activity_schema, compare_activity, compare_cost, compare_directory, compare_usage, cost_schema, directory_schema,
    usage_schema,
};
use crate::files::{DataFile, parquet_rows, read_checked_parquet};
use crate::layout::Table;
use crate::summaries::UnknownTally;
use crate::{Store, StoreError, StoreTotals, Totals, UsageDetail};

/// Claude Code Analytics' customer types this build knows: a Console API key, or a seat.
pub(crate) const KNOWN_CUSTOMER_TYPES: [&str; 2] = ["api", "subscription"];

pub(crate) fn table_schema(table: Table) -> SchemaRef {
    match table {
        Table::Usage => usage_schema(),
        Table::Cost => cost_schema(),
        Table::Directory => directory_schema(),
        Table::Activity => activity_schema(),
    }
}

/// The data files of `table` a read wants: of `only` (every source if `None`), with a day in
/// `period` (every day if `None`), after every file of the table passed its checks. Ordered by
/// source, day and path.
pub(crate) fn files(store: &Store, table: Table, period: Option<Period>, only: Option<Source>) -> Result<Vec<DataFile>, StoreError> {
    let mut files = store.checker.data_files(&store.layout.table(table), table.has_day(), &table_schema(table))?;
    files.retain(|file| {
        only.is_none_or(|only| only == file.source)
            && match (period, file.day) {
                (Some(period), Some(day)) => period.contains(day),
                _ => true,
            }
    });
    files.sort_by(|left, right| (left.source, left.day, &left.path).cmp(&(right.source, right.day, &right.path)));
    Ok(files)
}

/// `read` on every file, the files shared over the cores; the answers in the files' order, or
/// the first file's error.
fn each_file<R: Send>(files: Vec<DataFile>, read: impl Fn(&DataFile) -> Result<R, StoreError> + Sync) -> Result<Vec<R>, StoreError> {
    parallel::map(files, |file| read(&file)).into_iter().collect()
}

/// A file's batches: only the columns in `only` (every column if `None`).
fn batches(file: &DataFile, table: Table, only: Option<&[&str]>) -> Result<Vec<RecordBatch>, StoreError> {
    read_checked_parquet(&file.path, &table_schema(table), only)
}

fn file_day(file: &DataFile) -> Result<Day, StoreError> {
    file.day.ok_or_else(|| StoreError::corrupt(&file.path, "a data file outside a day=YYYY-MM-DD partition"))
}

fn concatenated<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    parts.into_iter().for_each(|part| all.extend(part));
    all
}

/// Every usage line filed under a day in `period` (all if `None`), of `only` (every source if
/// `None`). Ordered by day, source, then every field.
pub(crate) fn usage_lines(store: &Store, period: Option<Period>, only: Option<Source>) -> Result<Vec<UsageLine>, StoreError> {
    let parts = each_file(files(store, Table::Usage, period, only)?, |file| {
        let mut lines = Vec::new();
        for batch in batches(file, Table::Usage, None)? {
            decode_usage_lines_into(&batch, &file.path, Some(file.source), UsageDetail::Full, &mut lines)?;
        }
        Ok(lines)
    })?;
    let mut lines = concatenated(parts);
    lines.sort_by(|left, right| {
        left.day().cmp(&right.day()).then_with(|| left.source.cmp(&right.source)).then_with(|| compare_usage(left, right))
    });
    Ok(lines)
}

/// Every cost line whose start day is in `period` (all if `None`), of `only` (every source if
/// `None`). Ordered by start day, source, then every other field.
pub(crate) fn cost_lines(store: &Store, period: Option<Period>, only: Option<Source>) -> Result<Vec<CostLine>, StoreError> {
    let parts = each_file(files(store, Table::Cost, period, only)?, |file| {
        let mut lines = Vec::new();
        for batch in batches(file, Table::Cost, None)? {
            decode_cost_lines_into(&batch, &file.path, Some(file.source), &mut lines)?;
        }
        Ok(lines)
    })?;
    let mut lines = concatenated(parts);
    lines.sort_by(|left, right| {
        left.start.cmp(&right.start).then_with(|| left.source.cmp(&right.source)).then_with(|| compare_cost(left, right))
    });
    Ok(lines)
}

/// Every activity line filed under a day in `period` (all if `None`), its day and source those of
/// its partition. Ordered by day, then actor (email, then key name), then source and every other
/// field.
pub(crate) fn activity(store: &Store, period: Option<Period>) -> Result<Vec<ActivityLine>, StoreError> {
    let parts = each_file(files(store, Table::Activity, period, None)?, |file| {
        let day = file_day(file)?;
        let mut lines = Vec::new();
        for batch in batches(file, Table::Activity, None)? {
            decode_activity_lines_into(&batch, &file.path, Some((file.source, day)), &mut lines)?;
        }
        Ok(lines)
    })?;
    let mut lines = concatenated(parts);
    lines.sort_by(compare_activity);
    Ok(lines)
}

/// Every directory entry of every source and scope, ordered by kind and id; an entry that
/// several scopes hold identically is returned once.
pub(crate) fn directory(store: &Store) -> Result<Vec<DirectoryEntry>, StoreError> {
    let parts = each_file(files(store, Table::Directory, None, None)?, |file| {
        let mut entries = Vec::new();
        for batch in batches(file, Table::Directory, None)? {
            decode_directory_into(&batch, &file.path, &mut entries)?;
        }
        Ok(entries)
    })?;
    let mut entries = concatenated(parts);
    entries.sort_by(compare_directory);
    entries.dedup();
    Ok(entries)
}

/// The first and last day holding usage, cost or activity, or `None` for an empty lake: the
/// first and last day partitions with a file holding a row (only their footers are read).
pub(crate) fn usage_span(store: &Store) -> Result<Option<(Day, Day)>, StoreError> {
    let mut days = Vec::new();
    for table in [Table::Usage, Table::Cost, Table::Activity] {
        for file in files(store, table, None, None)? {
            days.push((file_day(&file)?, file.path));
        }
    }
    days.sort();
    let mut first = None;
    for (day, path) in &days {
        if parquet_rows(path)? > 0 {
            first = Some(*day);
            break;
        }
    }
    let Some(first) = first else { return Ok(None) };
    for (day, path) in days.iter().rev() {
        if parquet_rows(path)? > 0 {
            return Ok(Some((first, *day)));
        }
    }
    Ok(None)
}

/// Adds unscaled `Decimal128(38, 18)` amounts, refusing a sum no such column could hold.
pub(crate) fn add_unscaled(sum: i128, value: i128, path: &FilePath) -> Result<i128, StoreError> {
    sum.checked_add(value).ok_or_else(|| StoreError::corrupt(path, "the amounts add up beyond what a Decimal128 holds"))
}

/// Reads an exact sum of unscaled amounts as money.
pub(crate) fn money_of(sum: i128, path: &FilePath) -> Result<Money, StoreError> {
    decimal128_to_money(sum)
        .ok_or_else(|| StoreError::corrupt(path, format!("the amounts sum to {sum}e-18, beyond what an exact decimal holds")))
}

/// Row counts per table, token sums by type and the sum of cost amounts, per source and
/// overall.
pub(crate) fn totals(store: &Store) -> Result<StoreTotals, StoreError> {
    let mut by_source: BTreeMap<Source, Totals> = BTreeMap::new();

    let usage = each_file(files(store, Table::Usage, None, None)?, |file| {
        let mut totals = Totals::default();
        for batch in batches(file, Table::Usage, Some(&TOKEN_COLUMNS))? {
            let columns = Columns::new(&batch, &file.path);
            let tokens = TOKEN_COLUMNS.map(|name| columns.counts(name));
            let [input, cache_write_5m, cache_write_1h, cache_read, output] = tokens;
            let (input, cache_write_5m, cache_write_1h, cache_read, output) =
                (input?, cache_write_5m?, cache_write_1h?, cache_read?, output?);
            for row in 0..columns.rows() {
                // A sum skips nulls, as a query's does.
                totals.tokens.input += input.optional(row).unwrap_or(0);
                totals.tokens.cache_write_5m += cache_write_5m.optional(row).unwrap_or(0);
                totals.tokens.cache_write_1h += cache_write_1h.optional(row).unwrap_or(0);
                totals.tokens.cache_read += cache_read.optional(row).unwrap_or(0);
                totals.tokens.output += output.optional(row).unwrap_or(0);
            }
            totals.usage_rows += columns.rows() as u64;
        }
        Ok((file.source, totals))
    })?;
    for (source, totals) in usage.into_iter().filter(|(_, totals)| totals.usage_rows > 0) {
        by_source.entry(source).or_default().add(&totals);
    }

    let cost = each_file(files(store, Table::Cost, None, None)?, |file| {
        let (mut rows, mut sum) = (0u64, 0i128);
        for batch in batches(file, Table::Cost, Some(&["amount_usd"]))? {
            let amount = Columns::new(&batch, &file.path).money("amount_usd")?;
            for row in 0..batch.num_rows() {
                sum = add_unscaled(sum, amount.unscaled(row).unwrap_or(0), &file.path)?;
            }
            rows += batch.num_rows() as u64;
        }
        Ok((file.source, rows, sum, file.path.clone()))
    })?;
    let mut amounts: BTreeMap<Source, (i128, std::path::PathBuf)> = BTreeMap::new();
    for (source, rows, sum, path) in cost.into_iter().filter(|(_, rows, _, _)| *rows > 0) {
        by_source.entry(source).or_default().cost_rows += rows;
        let total = amounts.entry(source).or_insert((0, path));
        total.0 = add_unscaled(total.0, sum, &total.1)?;
    }
    for (source, (sum, path)) in amounts {
        by_source.entry(source).or_default().cost = money_of(sum, &path)?;
    }

    for table in [Table::Directory, Table::Activity] {
        let rows = each_file(files(store, table, None, None)?, |file| Ok((file.source, parquet_rows(&file.path)?)))?;
        for (source, rows) in rows.into_iter().filter(|(_, rows)| *rows > 0) {
            let totals = by_source.entry(source).or_default();
            match table {
                Table::Directory => totals.directory_rows += rows,
                _ => totals.activity_rows += rows,
            }
        }
    }
    Ok(StoreTotals::of_sources(by_source))
}

/// A group's count of lines, a sum (tokens or unscaled dollars) and the first file it was seen
/// in (named if its values do not parse).
#[derive(Debug)]
struct Group<S> {
    lines: u64,
    sum: S,
    file: std::path::PathBuf,
}

/// One file's groups: its source, its path, and per key the lines and their sum.
type FileGroups<K, S> = (Source, std::path::PathBuf, HashMap<K, (u64, S)>);

/// Per-file groups merged into one map per source and key, in key order.
fn merged<K: Ord, S: Copy>(
    parts: Vec<FileGroups<K, S>>,
    add: impl Fn(S, S, &FilePath) -> Result<S, StoreError>,
) -> Result<BTreeMap<(Source, K), Group<S>>, StoreError> {
    let mut groups: BTreeMap<(Source, K), Group<S>> = BTreeMap::new();
    for (source, file, part) in parts {
        for (key, (lines, sum)) in part {
            match groups.entry((source, key)) {
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(Group { lines, sum, file: file.clone() });
                }
                std::collections::btree_map::Entry::Occupied(mut entry) => {
                    let group = entry.get_mut();
                    group.lines += lines;
                    group.sum = add(group.sum, sum, &group.file)?;
                }
            }
        }
    }
    Ok(groups)
}

/// A stored spelling parsed with the model's parser; a null where a value is required, or a
/// spelling that does not parse, is corruption of `file`.
pub(crate) fn parse_required<T: FromStr>(file: &FilePath, column: &str, value: Option<&str>) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    let text = value.ok_or_else(|| StoreError::corrupt(file, format!("column {column:?} is null where a value is required")))?;
    text.parse().map_err(|error| StoreError::corrupt(file, format!("column {column:?} holds {text:?}: {error}")))
}

fn parse_optional<T: FromStr>(file: &FilePath, column: &str, value: Option<&str>) -> Result<Option<T>, StoreError>
where
    T::Err: std::fmt::Display,
{
    value.map(|text| parse_required(file, column, Some(text))).transpose()
}

type Texts<const N: usize> = [Option<String>; N];

fn owned<const N: usize>(values: [Option<&str>; N]) -> Texts<N> {
    values.map(|value| value.map(str::to_string))
}

/// Every value the lake holds (in days of `period`, all if `None`) that this build does not know,
/// with the lines, tokens and dollars that carry it, ordered by what, value and source.
pub(crate) fn unknown_values(store: &Store, period: Option<Period>) -> Result<Vec<UnknownValue>, StoreError> {
    let mut found = UnknownTally::default();
    let mut note = |what: &str, value: &str, source: Source, lines: u64, tokens: u64, amount: Money| {
        found.note(what, value, source, lines, tokens, amount)
    };

    // Usage: per service tier, context window, geography, speed, and whether a line names no
    // model (a report not grouped by model).
    const USAGE_KEYS: [&str; 4] = ["service_tier", "context_window", "inference_geo", "speed"];
    let mut columns_read: Vec<&str> = USAGE_KEYS.to_vec();
    columns_read.push("model");
    columns_read.extend(TOKEN_COLUMNS);
    let usage = each_file(files(store, Table::Usage, period, None)?, |file| {
        let mut groups: HashMap<(Texts<4>, bool), (u64, u64)> = HashMap::new();
        for batch in batches(file, Table::Usage, Some(&columns_read))? {
            let columns = Columns::new(&batch, &file.path);
            let keys = USAGE_KEYS.map(|name| columns.text(name));
            let [tier, window, geo, speed] = keys;
            let (tier, window, geo, speed) = (tier?, window?, geo?, speed?);
            let model = columns.text("model")?;
            let tokens: Vec<_> = TOKEN_COLUMNS.iter().map(|name| columns.counts(name)).collect::<Result<_, _>>()?;
            // Keyed on the batch's borrowed spellings: only its groups are copied.
            type Key<'a> = ([Option<&'a str>; 4], bool);
            let mut batch_groups: HashMap<Key, (u64, u64)> = HashMap::new();
            for row in 0..columns.rows() {
                let key = ([tier.value(row), window.value(row), geo.value(row), speed.value(row)], model.value(row) == Some(""));
                let group = batch_groups.entry(key).or_default();
                group.0 += 1;
                group.1 += tokens.iter().map(|column| column.optional(row).unwrap_or(0)).sum::<u64>();
            }
            for ((texts, ungrouped), (lines, tokens)) in batch_groups {
                let group = groups.entry((owned(texts), ungrouped)).or_default();
                group.0 += lines;
                group.1 += tokens;
            }
        }
        Ok((file.source, file.path.clone(), groups))
    })?;
    for ((source, ([tier, window, geo, speed], ungrouped)), group) in merged(usage, |left, right, _| Ok(left + right))? {
        let file = &group.file;
        let tier: ServiceTier = parse_required(file, "service_tier", tier.as_deref())?;
        let window: ContextWindow = parse_required(file, "context_window", window.as_deref())?;
        let geo: InferenceGeo = parse_required(file, "inference_geo", geo.as_deref())?;
        let speed: Speed = parse_required(file, "speed", speed.as_deref())?;
        let unknown = [
            tier.unknown().map(|value| (ServiceTier::KIND, value.as_str())),
            window.unknown().map(|value| (ContextWindow::KIND, value.as_str())),
            geo.unknown().map(|value| (InferenceGeo::KIND, value.as_str())),
            speed.unknown().map(|value| (Speed::KIND, value.as_str())),
            ungrouped.then_some(("model", "(none: not grouped by model)")),
        ];
        for (what, value) in unknown.into_iter().flatten() {
            note(what, value, source, group.lines, group.sum, Money::ZERO);
        }
    }

    // Cost: per kind, token type, tier, window and geography, with the dollars.
    const COST_KEYS: [&str; 5] = ["kind", "token_type", "service_tier", "context_window", "inference_geo"];
    let mut columns_read: Vec<&str> = COST_KEYS.to_vec();
    columns_read.push("amount_usd");
    let cost = each_file(files(store, Table::Cost, period, None)?, |file| {
        let mut groups: HashMap<Texts<5>, (u64, i128)> = HashMap::new();
        for batch in batches(file, Table::Cost, Some(&columns_read))? {
            let columns = Columns::new(&batch, &file.path);
            let keys: Vec<_> = COST_KEYS.iter().map(|name| columns.text(name)).collect::<Result<_, _>>()?;
            let amount = columns.money("amount_usd")?;
            let mut batch_groups: HashMap<[Option<&str>; 5], (u64, i128)> = HashMap::new();
            for row in 0..columns.rows() {
                let key = [0, 1, 2, 3, 4].map(|index| keys[index].value(row));
                let group = batch_groups.entry(key).or_default();
                group.0 += 1;
                group.1 = add_unscaled(group.1, amount.unscaled(row).unwrap_or(0), &file.path)?;
            }
            for (texts, (lines, sum)) in batch_groups {
                let group = groups.entry(owned(texts)).or_default();
                group.0 += lines;
                group.1 = add_unscaled(group.1, sum, &file.path)?;
            }
        }
        Ok((file.source, file.path.clone(), groups))
    })?;
    for ((source, [kind, token_type, tier, window, geo]), group) in merged(cost, add_unscaled)? {
        let file = &group.file;
        let amount = money_of(group.sum, file)?;
        let unknown = [
            parse_required::<CostKind>(file, "kind", kind.as_deref())?.unknown().map(|value| (CostKind::KIND, value.as_str().to_string())),
            parse_optional::<TokenType>(file, "token_type", token_type.as_deref())?
                .and_then(TokenType::unknown)
                .map(|value| (TokenType::KIND, value.as_str().to_string())),
            parse_optional::<ServiceTier>(file, "service_tier", tier.as_deref())?
                .and_then(ServiceTier::unknown)
                .map(|value| (ServiceTier::KIND, value.as_str().to_string())),
            parse_optional::<ContextWindow>(file, "context_window", window.as_deref())?
                .and_then(ContextWindow::unknown)
                .map(|value| (ContextWindow::KIND, value.as_str().to_string())),
            parse_optional::<InferenceGeo>(file, "inference_geo", geo.as_deref())?
                .and_then(InferenceGeo::unknown)
                .map(|value| (InferenceGeo::KIND, value.as_str().to_string())),
        ];
        for (what, value) in unknown.into_iter().flatten() {
            note(what, &value, source, group.lines, 0, amount);
        }
    }

    // Activity: actor types (readers keep one only when they do not know it) and customer types.
    let activity = each_file(files(store, Table::Activity, period, None)?, |file| {
        let mut groups: HashMap<Texts<2>, (u64, ())> = HashMap::new();
        for batch in batches(file, Table::Activity, Some(&["actor_type", "customer_type"]))? {
            let columns = Columns::new(&batch, &file.path);
            let (actor_type, customer_type) = (columns.text("actor_type")?, columns.text("customer_type")?);
            let mut batch_groups: HashMap<[Option<&str>; 2], u64> = HashMap::new();
            for row in 0..columns.rows() {
                *batch_groups.entry([actor_type.value(row), customer_type.value(row)]).or_default() += 1;
            }
            for (texts, lines) in batch_groups {
                groups.entry(owned(texts)).or_insert((0, ())).0 += lines;
            }
        }
        Ok((file.source, file.path.clone(), groups))
    })?;
    for ((source, [actor_type, customer_type]), group) in merged(activity, |_, _, _| Ok(()))? {
        if let Some(actor_type) = actor_type {
            note("actor type", &actor_type, source, group.lines, 0, Money::ZERO);
        }
        if let Some(customer_type) = customer_type.filter(|kind| !KNOWN_CUSTOMER_TYPES.contains(&kind.as_str())) {
            note("customer type", &customer_type, source, group.lines, 0, Money::ZERO);
        }
    }
    Ok(found.into_values())
}

/// A worker's share of a whole-lake read: one interner for every day it takes, what it made,
/// and the error of the earliest day that failed (by the days' order, whichever worker met it).
pub(crate) struct Worker<A> {
    pub(crate) interner: Interner,
    /// Per text column read, the current batch's ids.
    pub(crate) ids: Vec<Vec<u32>>,
    pub(crate) made: A,
    pub(crate) failed: Option<(usize, StoreError)>,
}

impl<A: Default> Worker<A> {
    pub(crate) fn new(columns: usize) -> Self {
        Worker { interner: Interner::default(), ids: vec![Vec::new(); columns], made: A::default(), failed: None }
    }

    pub(crate) fn record(&mut self, index: usize, result: Result<(), StoreError>) {
        if let Err(error) = result
            && self.failed.as_ref().is_none_or(|(earlier, _)| index < *earlier)
        {
            self.failed = Some((index, error));
        }
    }
}

/// What a worker hands back: what it made, and the earliest day's error it met.
type WorkerResult<A> = (A, Option<(usize, StoreError)>);

/// A day of one source and the files that hold it (one per scope).
pub(crate) type DayPartition = ((Source, Day), Vec<DataFile>);

/// What the workers made, or the error of the earliest day that failed.
pub(crate) fn gathered<A>(workers: Vec<WorkerResult<A>>) -> Result<Vec<A>, StoreError> {
    let mut failed: Option<(usize, StoreError)> = None;
    let mut all = Vec::with_capacity(workers.len());
    for (made, error) in workers {
        all.push(made);
        if let Some((index, error)) = error
            && failed.as_ref().is_none_or(|(earlier, _)| index < *earlier)
        {
            failed = Some((index, error));
        }
    }
    match failed {
        Some((_, error)) => Err(error),
        None => Ok(all),
    }
}

/// The partitions of `files` by source and day, in that order, with the first file of each
/// (named if a stored spelling does not parse).
pub(crate) fn day_partitions(files: Vec<DataFile>) -> Result<Vec<DayPartition>, StoreError> {
    let mut partitions: BTreeMap<(Source, Day), Vec<DataFile>> = BTreeMap::new();
    for file in files {
        partitions.entry((file.source, file_day(&file)?)).or_default().push(file);
    }
    Ok(partitions.into_iter().collect())
}

//! The second engine (the `datafusion` feature): every whole-lake read as DataFusion SQL over one
//! listing table per lake table, behind the same [`Lake`] trait as the local store ([`SqlLake`]).
//! This module holds all of spendlens's SQL. The default build answers the same reads straight
//! from the files (`scan`), which compiles in a fraction of the time; a test holds the two
//! engines to the same answers, and this is the path to Ballista's distributed engine.
//!
//! Tables are registered afresh for each query, so files written since the last one are seen.
//! Before a query runs, every data file of its tables is checked (valid Parquet, a schema version
//! this build reads, the expected columns, in a valid partition); a bad file is reported by path
//! rather than skipped.

use std::collections::BTreeMap;
use std::path::{Path as FilePath, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
use spendlens_model::{
    ActivityLine, ContextWindow, CostKind, CostLine, Day, DirectoryEntry, HourProfile, InferenceGeo, Money, Period, ServiceTier, Source,
    Speed, TokenCounts, TokenType, UnknownValue, UsageLine,
};

use crate::decode::{Columns, decode_activity_lines_into, decode_cost_lines_into, decode_directory_into, decode_usage_lines_into};
use crate::encode::{QUANTITY_COLUMNS, TOKEN_COLUMNS, compare_activity, compare_cost, compare_directory, compare_usage};
use crate::layout::{Layout, PARQUET_EXTENSION, Table};
use crate::rollups::ROLLUP_TEXTS;
use crate::scan::{KNOWN_CUSTOMER_TYPES, table_schema};
use crate::summaries::{UnknownTally, rollup_key};
use crate::{Lake, Replace, ScopeFile, Store, StoreError, StoreTotals, Totals, UsageDetail, UsageRollup, WriteSummary, WriterLock};

fn quoted(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| format!("\"{name}\"")).collect()
}

fn period_filter(period: Option<Period>) -> String {
    match period {
        None => String::new(),
        Some(period) => {
            format!("WHERE \"day\" >= DATE '{}' AND \"day\" < DATE '{}'", period.start.format("%Y-%m-%d"), period.end.format("%Y-%m-%d"))
        }
    }
}

fn rollup_sql(period: Option<Period>) -> String {
    // The day and source, then the rollup's text columns (the local engine's grouping).
    let keys: Vec<&str> = ["day", "source"].into_iter().chain(ROLLUP_TEXTS).collect();
    let keys = quoted(&keys).join(", ");
    let sums = QUANTITY_COLUMNS
        .iter()
        .chain(&["reported_cost_usd"])
        .map(|name| format!("SUM(\"{name}\") AS \"{name}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {keys}, {sums}, COUNT(DISTINCT \"session_id\") AS \"sessions\", COUNT(*) AS \"lines\" FROM \"usage\" {} GROUP BY {keys}",
        period_filter(period)
    )
}

/// Registers a lake table as a listing table with its Hive partition columns.
fn register(context: &SessionContext, layout: &Layout, table: Table) -> Result<(), DataFusionError> {
    let directory = layout.table(table);
    let text = directory
        .to_str()
        .ok_or_else(|| DataFusionError::Configuration(format!("the lake path {} is not valid UTF-8", directory.display())))?;
    if text.contains(['*', '?', '[']) {
        return Err(DataFusionError::Configuration(format!("the lake path {text} holds a glob character (*, ? or [)")));
    }
    let url = ListingTableUrl::parse(format!("{}/", text.trim_end_matches('/')))?;
    let mut partitions = vec![("source".to_string(), DataType::Utf8)];
    if table.has_day() {
        partitions.push(("day".to_string(), DataType::Date32));
    }
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(PARQUET_EXTENSION)
        .with_table_partition_cols(partitions);
    let config = ListingTableConfig::new(url).with_listing_options(options).with_schema(table_schema(table));
    context.register_table(table.name(), Arc::new(ListingTable::try_new(config)?))?;
    Ok(())
}

/// Registers `tables` in a fresh session (so new files are listed) and runs `sql`.
async fn execute(layout: &Layout, tables: &[Table], sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
    let session = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
    for table in tables {
        register(&session, layout, *table)?;
    }
    session.sql(sql).await?.collect().await
}

/// Runs one SQL statement over `tables`, after checking their files.
fn run(store: &Store, tables: &[Table], sql: &str, context: &'static str) -> Result<Vec<RecordBatch>, StoreError> {
    for table in tables {
        store.checker.check_table(&store.layout.table(*table), table.has_day(), &table_schema(*table))?;
    }
    // Spawned and awaited through a channel rather than `block_on`, which panics when the
    // caller is itself inside a tokio runtime.
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    let (layout, tables, sql) = (store.layout.clone(), tables.to_vec(), sql.to_string());
    store.handle.spawn(async move {
        // The receiver only goes away if the caller did; nobody is left to tell.
        let _ = sender.send(execute(&layout, &tables, &sql).await);
    });
    match receiver.recv() {
        Ok(result) => result.map_err(|error| StoreError::query(context, error)),
        Err(_) => Err(StoreError::query(context, DataFusionError::Execution("the query task stopped before answering".to_string()))),
    }
}

fn table_path(store: &Store, table: Table) -> PathBuf {
    store.layout.table(table)
}

/// Usage summed per day, source, path, identity (workspace, key, key name, actor), model,
/// tier, context window, geography and speed, for days in `period` (all days if `None`).
/// Ordered by those keys (enumerations in declaration order, absent values first).
pub(crate) fn usage_rollup(store: &Store, period: Option<Period>) -> Result<Vec<UsageRollup>, StoreError> {
    let table = table_path(store, Table::Usage);
    let batches = run(store, &[Table::Usage], &rollup_sql(period), "usage rollup")?;
    let mut rollups = Vec::new();
    for batch in &batches {
        let columns = Columns::new(batch, &table);
        let day = columns.days("day")?;
        let source = columns.text("source")?;
        let path = columns.text("path")?;
        let workspace_id = columns.text("workspace_id")?;
        let api_key_id = columns.text("api_key_id")?;
        let api_key_name = columns.text("api_key_name")?;
        let actor_email = columns.text("actor_email")?;
        let account_id = columns.text("account_id")?;
        let service_account_id = columns.text("service_account_id")?;
        let model = columns.text("model")?;
        let service_tier = columns.text("service_tier")?;
        let context_window = columns.text("context_window")?;
        let inference_geo = columns.text("inference_geo")?;
        let speed = columns.text("speed")?;
        let quantities = columns.quantities()?;
        let reported_cost = columns.money("reported_cost_usd")?;
        let sessions = columns.tallies("sessions")?;
        let lines = columns.tallies("lines")?;
        for row in 0..columns.rows() {
            rollups.push(UsageRollup {
                day: day.required(row)?,
                source: source.parsed(row)?,
                path: path.parsed(row)?,
                workspace_id: workspace_id.optional(row),
                api_key_id: api_key_id.optional(row),
                api_key_name: api_key_name.optional(row),
                actor_email: actor_email.optional(row),
                account_id: account_id.optional(row),
                service_account_id: service_account_id.optional(row),
                model: model.required(row)?,
                service_tier: service_tier.parsed(row)?,
                context_window: context_window.parsed(row)?,
                inference_geo: inference_geo.parsed(row)?,
                speed: speed.parsed(row)?,
                quantities: quantities.required(row)?,
                reported_cost: reported_cost.optional(row)?,
                sessions: sessions.required(row)?,
                lines: lines.required(row)?,
            });
        }
    }
    // Sorted here rather than in SQL so that the order follows the typed values (enumerations
    // in declaration order, absent identities first), whatever their spellings.
    rollups.sort_by(|left, right| rollup_key(left).cmp(&rollup_key(right)));
    Ok(rollups)
}

/// Usage of `source` summed per API key, model, tier and hour of the week (UTC) over `period`,
/// with the distinct days seen in each hour. Ordered by key, model, tier, weekday and hour.
pub(crate) fn hour_profiles(store: &Store, source: Source, period: Option<Period>) -> Result<Vec<HourProfile>, StoreError> {
    let mut filter = period_filter(period);
    // The spelling is one of the model's closed vocabulary: no quoting hazard.
    let only = format!("\"source\" = '{}'", source.as_str());
    filter = if filter.is_empty() { format!("WHERE {only}") } else { format!("{filter} AND {only}") };
    let sums = TOKEN_COLUMNS.iter().map(|name| format!("SUM(\"{name}\") AS \"{name}\"")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT \"api_key_id\", \"model\", \"service_tier\", CAST(date_part('dow', \"start\") AS BIGINT) AS \"dow\", \
         CAST(date_part('hour', \"start\") AS BIGINT) AS \"hour\", COUNT(DISTINCT \"day\") AS \"days\", {sums} \
         FROM \"usage\" {filter} GROUP BY 1, 2, 3, 4, 5"
    );
    let table = table_path(store, Table::Usage);
    let mut profiles = Vec::new();
    for batch in &run(store, &[Table::Usage], &sql, "hour profiles")? {
        let columns = Columns::new(batch, &table);
        let api_key_id = columns.text("api_key_id")?;
        let model = columns.text("model")?;
        let tier = columns.text("service_tier")?;
        let dow = columns.tallies("dow")?;
        let hour = columns.tallies("hour")?;
        let days = columns.tallies("days")?;
        let sums: Vec<_> = TOKEN_COLUMNS.iter().map(|name| columns.counts(name)).collect::<Result<_, _>>()?;
        for row in 0..columns.rows() {
            let sum = |index: usize| sums[index].optional(row).unwrap_or(0);
            // `dow` counts from Sunday (0); a profile's week starts on Monday.
            let weekday = (dow.required(row)? + 6) % 7;
            profiles.push(HourProfile {
                api_key_id: api_key_id.optional(row),
                model: model.required(row)?,
                service_tier: tier.parsed(row)?,
                weekday: weekday as u8,
                hour: hour.required(row)?.min(23) as u8,
                days: days.required(row)?,
                tokens: TokenCounts { input: sum(0), cache_write_5m: sum(1), cache_write_1h: sum(2), cache_read: sum(3), output: sum(4) },
            });
        }
    }
    profiles.sort_by(|left, right| {
        (&left.api_key_id, &left.model, left.service_tier, left.weekday, left.hour).cmp(&(
            &right.api_key_id,
            &right.model,
            right.service_tier,
            right.weekday,
            right.hour,
        ))
    });
    Ok(profiles)
}

pub(crate) fn usage_lines(store: &Store, period: Option<Period>, only: Option<Source>) -> Result<Vec<UsageLine>, StoreError> {
    let table = table_path(store, Table::Usage);
    let mut filter = period_filter(period);
    if let Some(source) = only {
        // The spelling is one of the model's closed vocabulary: no quoting hazard.
        filter = if filter.is_empty() {
            format!("WHERE \"source\" = '{}'", source.as_str())
        } else {
            format!("{filter} AND \"source\" = '{}'", source.as_str())
        };
    }
    let sql = format!("SELECT * FROM \"usage\" {filter}");
    let batches = run(store, &[Table::Usage], &sql, "usage lines")?;
    let mut lines = Vec::new();
    for batch in &batches {
        lines.extend(decode_usage_lines(batch, &table, None)?);
    }
    lines.sort_by(|left, right| {
        left.day().cmp(&right.day()).then_with(|| left.source.cmp(&right.source)).then_with(|| compare_usage(left, right))
    });
    Ok(lines)
}

/// Every cost line whose start day is in `period` (all if `None`), with its source restored
/// from the partition. Ordered by start day, source, then every other field.
pub(crate) fn cost_lines(store: &Store, period: Option<Period>, only: Option<Source>) -> Result<Vec<CostLine>, StoreError> {
    let table = table_path(store, Table::Cost);
    let mut filter = period_filter(period);
    if let Some(source) = only {
        // The spelling is one of the model's closed vocabulary: no quoting hazard.
        let clause = format!("\"source\" = '{}'", source.as_str());
        filter = if filter.is_empty() { format!("WHERE {clause}") } else { format!("{filter} AND {clause}") };
    }
    let sql = format!("SELECT * FROM \"cost\" {filter}");
    let batches = run(store, &[Table::Cost], &sql, "cost lines")?;
    let mut lines = Vec::new();
    for batch in &batches {
        decode_cost_lines_into(batch, &table, None, &mut lines)?;
    }
    lines.sort_by(|left, right| {
        left.start.cmp(&right.start).then_with(|| left.source.cmp(&right.source)).then_with(|| compare_cost(left, right))
    });
    Ok(lines)
}

/// Every directory entry of every source and scope, ordered by kind and id; an entry that
/// several scopes hold identically is returned once.
pub(crate) fn directory(store: &Store) -> Result<Vec<DirectoryEntry>, StoreError> {
    let table = table_path(store, Table::Directory);
    let batches = run(store, &[Table::Directory], "SELECT * FROM \"directory\"", "directory")?;
    let mut entries = Vec::new();
    for batch in &batches {
        decode_directory_into(batch, &table, &mut entries)?;
    }
    entries.sort_by(compare_directory);
    entries.dedup();
    Ok(entries)
}

/// Every activity line filed under a day in `period` (all if `None`), with its day and source
/// restored from the partition. Ordered by day, then actor (email, then key name), then source
/// and every other field.
pub(crate) fn activity(store: &Store, period: Option<Period>) -> Result<Vec<ActivityLine>, StoreError> {
    let table = table_path(store, Table::Activity);
    let sql = format!("SELECT * FROM \"activity\" {}", period_filter(period));
    let batches = run(store, &[Table::Activity], &sql, "activity")?;
    let mut lines = Vec::new();
    for batch in &batches {
        decode_activity_lines_into(batch, &table, None, &mut lines)?;
    }
    lines.sort_by(compare_activity);
    Ok(lines)
}

/// The first and last day holding usage, cost or activity, or `None` for an empty lake.
pub(crate) fn usage_span(store: &Store) -> Result<Option<(Day, Day)>, StoreError> {
    let sql = "SELECT MIN(\"day\") AS \"first_day\", MAX(\"day\") AS \"last_day\" FROM (SELECT \"day\" FROM \"usage\" UNION ALL SELECT \"day\" FROM \"cost\" UNION ALL SELECT \"day\" FROM \"activity\")";
    let batches = run(store, &[Table::Usage, Table::Cost, Table::Activity], sql, "usage span")?;
    let lake = store.layout.lake().to_path_buf();
    for batch in &batches {
        let columns = Columns::new(batch, &lake);
        let (first, last) = (columns.days("first_day")?, columns.days("last_day")?);
        for row in 0..columns.rows() {
            if let (Some(first), Some(last)) = (first.optional(row)?, last.optional(row)?) {
                return Ok(Some((first, last)));
            }
        }
    }
    Ok(None)
}

/// Row counts per table, token sums by type and the sum of cost amounts, per source and
/// overall.
pub(crate) fn totals(store: &Store) -> Result<StoreTotals, StoreError> {
    let mut by_source: BTreeMap<Source, Totals> = BTreeMap::new();

    let sums = TOKEN_COLUMNS.iter().map(|name| format!("SUM(\"{name}\") AS \"{name}\"")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT \"source\", COUNT(*) AS \"rows\", {sums} FROM \"usage\" GROUP BY \"source\"");
    let table = table_path(store, Table::Usage);
    for batch in &run(store, &[Table::Usage], &sql, "usage totals")? {
        let columns = Columns::new(batch, &table);
        let source = columns.text("source")?;
        let rows = columns.tallies("rows")?;
        let tokens = columns.tokens(TOKEN_COLUMNS)?;
        for row in 0..columns.rows() {
            let totals = by_source.entry(source.parsed(row)?).or_default();
            totals.usage_rows += rows.required(row)?;
            totals.tokens.add(&tokens.required(row)?);
        }
    }

    let sql = "SELECT \"source\", COUNT(*) AS \"rows\", SUM(\"amount_usd\") AS \"amount_usd\" FROM \"cost\" GROUP BY \"source\"";
    let table = table_path(store, Table::Cost);
    for batch in &run(store, &[Table::Cost], sql, "cost totals")? {
        let columns = Columns::new(batch, &table);
        let (source, rows, amount) = (columns.text("source")?, columns.tallies("rows")?, columns.money("amount_usd")?);
        for row in 0..columns.rows() {
            let totals = by_source.entry(source.parsed(row)?).or_default();
            totals.cost_rows += rows.required(row)?;
            totals.cost += amount.optional(row)?.unwrap_or(Money::ZERO);
        }
    }

    let sql = "SELECT \"source\", COUNT(*) AS \"rows\" FROM \"directory\" GROUP BY \"source\"";
    let table = table_path(store, Table::Directory);
    for batch in &run(store, &[Table::Directory], sql, "directory totals")? {
        let columns = Columns::new(batch, &table);
        let (source, rows) = (columns.text("source")?, columns.tallies("rows")?);
        for row in 0..columns.rows() {
            by_source.entry(source.parsed(row)?).or_default().directory_rows += rows.required(row)?;
        }
    }

    let sql = "SELECT \"source\", COUNT(*) AS \"rows\" FROM \"activity\" GROUP BY \"source\"";
    let table = table_path(store, Table::Activity);
    for batch in &run(store, &[Table::Activity], sql, "activity totals")? {
        let columns = Columns::new(batch, &table);
        let (source, rows) = (columns.text("source")?, columns.tallies("rows")?);
        for row in 0..columns.rows() {
            by_source.entry(source.parsed(row)?).or_default().activity_rows += rows.required(row)?;
        }
    }

    Ok(StoreTotals::of_sources(by_source))
}

/// Every value the lake holds (in days of `period`, all if `None`) that this build does not know,
/// with the lines, tokens and dollars that carry it, ordered by what, value and source.
pub(crate) fn unknown_values(store: &Store, period: Option<Period>) -> Result<Vec<UnknownValue>, StoreError> {
    let mut found = UnknownTally::default();
    let mut note = |what: &str, value: &str, source: Source, lines: u64, tokens: u64, amount: Money| {
        found.note(what, value, source, lines, tokens, amount)
    };
    let filter = period_filter(period);

    let tokens = TOKEN_COLUMNS.iter().map(|name| format!("SUM(\"{name}\")")).collect::<Vec<_>>().join(" + ");
    let sql = format!(
        "SELECT \"source\", \"service_tier\", \"context_window\", \"inference_geo\", \"speed\", \"model\" = '' AS \"ungrouped\", \
         COUNT(*) AS \"rows\", {tokens} AS \"tokens\" FROM \"usage\" {filter} \
         GROUP BY \"source\", \"service_tier\", \"context_window\", \"inference_geo\", \"speed\", \"model\" = ''"
    );
    let table = table_path(store, Table::Usage);
    for batch in &run(store, &[Table::Usage], &sql, "unknown usage values")? {
        let columns = Columns::new(batch, &table);
        let source = columns.text("source")?;
        let tier = columns.text("service_tier")?;
        let window = columns.text("context_window")?;
        let geo = columns.text("inference_geo")?;
        let speed = columns.text("speed")?;
        let ungrouped = columns.flags("ungrouped")?;
        let rows = columns.tallies("rows")?;
        let tokens = columns.counts("tokens")?;
        for row in 0..columns.rows() {
            let (source, lines, tokens) = (source.parsed::<Source>(row)?, rows.required(row)?, tokens.optional(row).unwrap_or(0));
            let unknown = [
                tier.parsed::<ServiceTier>(row)?.unknown().map(|value| (ServiceTier::KIND, value.as_str())),
                window.parsed::<ContextWindow>(row)?.unknown().map(|value| (ContextWindow::KIND, value.as_str())),
                geo.parsed::<InferenceGeo>(row)?.unknown().map(|value| (InferenceGeo::KIND, value.as_str())),
                speed.parsed::<Speed>(row)?.unknown().map(|value| (Speed::KIND, value.as_str())),
                ungrouped.value(row).then_some(("model", "(none: not grouped by model)")),
            ];
            for (what, value) in unknown.into_iter().flatten() {
                note(what, value, source, lines, tokens, Money::ZERO);
            }
        }
    }

    let sql = format!(
        "SELECT \"source\", \"kind\", \"token_type\", \"service_tier\", \"context_window\", \"inference_geo\", COUNT(*) AS \"rows\", \
         SUM(\"amount_usd\") AS \"amount_usd\" FROM \"cost\" {filter} \
         GROUP BY \"source\", \"kind\", \"token_type\", \"service_tier\", \"context_window\", \"inference_geo\""
    );
    let table = table_path(store, Table::Cost);
    for batch in &run(store, &[Table::Cost], &sql, "unknown cost values")? {
        let columns = Columns::new(batch, &table);
        let source = columns.text("source")?;
        let kind = columns.text("kind")?;
        let token_type = columns.text("token_type")?;
        let tier = columns.text("service_tier")?;
        let window = columns.text("context_window")?;
        let geo = columns.text("inference_geo")?;
        let rows = columns.tallies("rows")?;
        let amount = columns.money("amount_usd")?;
        for row in 0..columns.rows() {
            let (source, lines, amount) =
                (source.parsed::<Source>(row)?, rows.required(row)?, amount.optional(row)?.unwrap_or(Money::ZERO));
            let unknown = [
                kind.parsed::<CostKind>(row)?.unknown().map(|value| (CostKind::KIND, value.as_str())),
                token_type.parsed_optional::<TokenType>(row)?.and_then(TokenType::unknown).map(|value| (TokenType::KIND, value.as_str())),
                tier.parsed_optional::<ServiceTier>(row)?.and_then(ServiceTier::unknown).map(|value| (ServiceTier::KIND, value.as_str())),
                window
                    .parsed_optional::<ContextWindow>(row)?
                    .and_then(ContextWindow::unknown)
                    .map(|value| (ContextWindow::KIND, value.as_str())),
                geo.parsed_optional::<InferenceGeo>(row)?.and_then(InferenceGeo::unknown).map(|value| (InferenceGeo::KIND, value.as_str())),
            ];
            for (what, value) in unknown.into_iter().flatten() {
                note(what, value, source, lines, 0, amount);
            }
        }
    }

    let sql = format!(
        "SELECT \"source\", \"actor_type\", \"customer_type\", COUNT(*) AS \"rows\" FROM \"activity\" {filter} \
         GROUP BY \"source\", \"actor_type\", \"customer_type\""
    );
    let table = table_path(store, Table::Activity);
    for batch in &run(store, &[Table::Activity], &sql, "unknown actor and customer types")? {
        let columns = Columns::new(batch, &table);
        let (source, actor_type, customer_type) = (columns.text("source")?, columns.text("actor_type")?, columns.text("customer_type")?);
        let rows = columns.tallies("rows")?;
        for row in 0..columns.rows() {
            let (source, lines) = (source.parsed::<Source>(row)?, rows.required(row)?);
            // Readers keep `actor_type` only for a type they do not know.
            if let Some(actor_type) = actor_type.optional(row) {
                note("actor type", &actor_type, source, lines, 0, Money::ZERO);
            }
            if let Some(customer_type) = customer_type.optional(row).filter(|kind| !KNOWN_CUSTOMER_TYPES.contains(&kind.as_str())) {
                note("customer type", &customer_type, source, lines, 0, Money::ZERO);
            }
        }
    }
    Ok(found.into_values())
}

/// Usage lines of one batch, its source from the `source` column or, for a batch read straight
/// from a partition file (which holds no partition columns), from `source`.
fn decode_usage_lines(batch: &RecordBatch, table: &FilePath, source: Option<Source>) -> Result<Vec<UsageLine>, StoreError> {
    let mut lines = Vec::with_capacity(batch.num_rows());
    decode_usage_lines_into(batch, table, source, UsageDetail::Full, &mut lines)?;
    Ok(lines)
}

/// The local lake read through DataFusion SQL: writes and scoped reads are the [`Store`]'s,
/// every whole-lake read is a query (a listing table per lake table, registered afresh for each).
/// The second engine beside the local one; its answers equal [`Store`]'s.
#[derive(Debug)]
pub struct SqlLake {
    store: Store,
}

impl SqlLake {
    /// Opens the lake under `data_directory` as [`Store::open`] does.
    pub fn open(data_directory: &FilePath) -> Result<SqlLake, StoreError> {
        Ok(SqlLake { store: Store::open(data_directory)? })
    }

    /// The store underneath (its writes, its direct reads).
    pub fn store(&self) -> &Store {
        &self.store
    }
}

impl Lake for SqlLake {
    fn lock_writer(&self, busy: &dyn Fn()) -> Result<WriterLock, StoreError> {
        Lake::lock_writer(&self.store, busy)
    }

    fn replace_usage(&self, source: Source, scope: &str, replace: Replace, lines: &[UsageLine]) -> Result<WriteSummary, StoreError> {
        self.store.replace_usage(source, scope, replace, lines)
    }

    fn replace_cost(&self, source: Source, scope: &str, replace: Replace, lines: &[CostLine]) -> Result<WriteSummary, StoreError> {
        self.store.replace_cost(source, scope, replace, lines)
    }

    fn replace_activity(&self, source: Source, scope: &str, replace: Replace, lines: &[ActivityLine]) -> Result<WriteSummary, StoreError> {
        self.store.replace_activity(source, scope, replace, lines)
    }

    fn replace_directory(&self, source: Source, scope: &str, entries: &[DirectoryEntry]) -> Result<WriteSummary, StoreError> {
        self.store.replace_directory(source, scope, entries)
    }

    fn refresh_rollups(&self) -> Result<crate::RollupRefresh, StoreError> {
        self.store.refresh_rollups()
    }

    fn usage_rollup(&self, period: Option<Period>) -> Result<Vec<UsageRollup>, StoreError> {
        usage_rollup(&self.store, period)
    }

    fn usage_lines(&self, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError> {
        usage_lines(&self.store, period, None)
    }

    fn usage_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<UsageLine>, StoreError> {
        usage_lines(&self.store, period, Some(source))
    }

    fn cost_lines(&self, period: Option<Period>) -> Result<Vec<CostLine>, StoreError> {
        cost_lines(&self.store, period, None)
    }

    fn cost_lines_of(&self, source: Source, period: Option<Period>) -> Result<Vec<CostLine>, StoreError> {
        cost_lines(&self.store, period, Some(source))
    }

    fn activity(&self, period: Option<Period>) -> Result<Vec<ActivityLine>, StoreError> {
        activity(&self.store, period)
    }

    fn directory(&self) -> Result<Vec<DirectoryEntry>, StoreError> {
        directory(&self.store)
    }

    fn usage_span(&self) -> Result<Option<(Day, Day)>, StoreError> {
        usage_span(&self.store)
    }

    fn totals(&self) -> Result<StoreTotals, StoreError> {
        totals(&self.store)
    }

    fn unknown_values(&self, period: Option<Period>) -> Result<Vec<UnknownValue>, StoreError> {
        unknown_values(&self.store, period)
    }

    fn hour_profiles(&self, source: Source, period: Option<Period>) -> Result<Vec<HourProfile>, StoreError> {
        hour_profiles(&self.store, source, period)
    }

    fn version(&self, period: Option<Period>) -> Result<Option<u64>, StoreError> {
        Lake::version(&self.store, period)
    }

    fn scope_usage_files(&self, source: Source, scope: &str, period: Option<Period>) -> Result<Vec<ScopeFile>, StoreError> {
        self.store.scope_usage_files(source, scope, period)
    }

    fn read_scope_file(&self, source: Source, file: &ScopeFile, detail: UsageDetail) -> Result<Vec<UsageLine>, StoreError> {
        self.store.read_scope_file(source, file, detail)
    }
}

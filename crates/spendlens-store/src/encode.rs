//! The tables' Arrow schemas, and lines turned into sorted record batches.
//!
//! Rows are sorted by a total order over every field before they are encoded, so the same lines
//! always give the same file, whatever order the caller handed them in.

use std::cmp::Ordering;
use std::sync::{Arc, LazyLock};

use arrow_array::{ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use spendlens_model::{ActivityLine, CostLine, Day, DirectoryEntry, Identity, Money, Quantities, Source, TokenCounts, UsageLine};

use crate::StoreError;
use crate::convert::{MONEY_PRECISION, MONEY_SCALE, day_to_date32, instant_to_micros, money_to_decimal128};

/// The nine identity columns, in storage order (the last two since schema version 2).
pub(crate) const IDENTITY_COLUMNS: [&str; 9] = [
    "workspace_id",
    "api_key_id",
    "api_key_name",
    "actor_email",
    "session_id",
    "request_id",
    "project",
    "account_id",
    "service_account_id",
];

/// The type of every money column.
pub(crate) const MONEY_TYPE: DataType = DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE);

pub(crate) fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn text(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::Utf8, nullable)
}

fn count(name: &str, nullable: bool) -> Field {
    Field::new(name, DataType::UInt64, nullable)
}

fn identity_fields() -> impl Iterator<Item = Field> {
    IDENTITY_COLUMNS.into_iter().map(|name| text(name, true))
}

/// The usage table's quantity columns, one per field of [`Quantities`], in this order; only
/// `requests` may be null (a source that does not count requests). A new priced quantity is a
/// field of `Quantities`, a name here and its place in [`quantity_values`] and [`quantities_of`].
/// `requests` is last (readers take it as the one optional count).
pub(crate) const QUANTITY_COLUMNS: [&str; 8] = [
    "input_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "cache_read_tokens",
    "output_tokens",
    "web_search_requests",
    "code_execution_seconds",
    "requests",
];

/// The first five quantity columns: the tokens by type.
pub(crate) const TOKEN_COLUMNS: [&str; 5] =
    ["input_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "cache_read_tokens", "output_tokens"];

/// A line's quantities in [`QUANTITY_COLUMNS`] order.
pub(crate) fn quantity_values(quantities: &Quantities) -> [Option<u64>; 8] {
    let Quantities { tokens, web_search_requests, code_execution_seconds, requests } = quantities;
    [
        Some(tokens.input),
        Some(tokens.cache_write_5m),
        Some(tokens.cache_write_1h),
        Some(tokens.cache_read),
        Some(tokens.output),
        Some(*web_search_requests),
        Some(*code_execution_seconds),
        *requests,
    ]
}

/// The quantities of values in [`QUANTITY_COLUMNS`] order (a missing required count reads as 0:
/// callers check required columns first).
pub(crate) fn quantities_of(values: [Option<u64>; 8]) -> Quantities {
    let [input, cache_write_5m, cache_write_1h, cache_read, output, web_search_requests, code_execution_seconds, requests] = values;
    Quantities {
        tokens: TokenCounts {
            input: input.unwrap_or(0),
            cache_write_5m: cache_write_5m.unwrap_or(0),
            cache_write_1h: cache_write_1h.unwrap_or(0),
            cache_read: cache_read.unwrap_or(0),
            output: output.unwrap_or(0),
        },
        web_search_requests: web_search_requests.unwrap_or(0),
        code_execution_seconds: code_execution_seconds.unwrap_or(0),
        requests,
    }
}

static USAGE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = vec![Field::new("start", timestamp_type(), false), Field::new("end", timestamp_type(), false), text("path", false)];
    fields.extend(identity_fields());
    fields.extend([
        text("model", false),
        text("service_tier", false),
        text("context_window", false),
        text("inference_geo", false),
        text("speed", false),
    ]);
    fields.extend(QUANTITY_COLUMNS.iter().map(|name| count(name, *name == "requests")));
    fields.push(Field::new("reported_cost_usd", MONEY_TYPE, true));
    Arc::new(Schema::new(fields))
});

static COST_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = vec![
        Field::new("start_day", DataType::Date32, false),
        Field::new("end_day", DataType::Date32, false),
        Field::new("amount_usd", MONEY_TYPE, false),
        text("kind", false),
        text("description", false),
        text("path", false),
    ];
    fields.extend(identity_fields());
    fields.extend(
        ["model", "service_tier", "token_type", "context_window", "inference_geo", "seat_type", "team"]
            .into_iter()
            .map(|name| text(name, true)),
    );
    Arc::new(Schema::new(fields))
});

static DIRECTORY_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        text("kind", false),
        text("id", false),
        text("name", true),
        text("email", true),
        text("workspace_id", true),
        text("created_by", true),
        text("status", true),
    ]))
});

/// The activity counters, in storage order (`active_seconds`, nullable, follows them).
pub(crate) const ACTIVITY_COUNT_COLUMNS: [&str; 7] =
    ["sessions", "lines_added", "lines_removed", "commits", "pull_requests", "tool_accepted", "tool_rejected"];

static ACTIVITY_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields: Vec<Field> = ["actor_email", "api_key_name", "actor_type", "customer_type", "subscription_type", "terminal_type"]
        .into_iter()
        .map(|name| text(name, true))
        .collect();
    fields.extend(ACTIVITY_COUNT_COLUMNS.into_iter().map(|name| count(name, false)));
    fields.push(count("active_seconds", true));
    Arc::new(Schema::new(fields))
});

/// Columns stored in a usage file (`source` and `day` come from the partition path).
pub(crate) fn usage_schema() -> SchemaRef {
    Arc::clone(&USAGE_SCHEMA)
}

/// Columns stored in a cost file.
pub(crate) fn cost_schema() -> SchemaRef {
    Arc::clone(&COST_SCHEMA)
}

/// Columns stored in a directory file.
pub(crate) fn directory_schema() -> SchemaRef {
    Arc::clone(&DIRECTORY_SCHEMA)
}

/// Columns stored in an activity file (`source` and `day` come from the partition path).
pub(crate) fn activity_schema() -> SchemaRef {
    Arc::clone(&ACTIVITY_SCHEMA)
}

pub(crate) fn identity_key(identity: &Identity) -> [Option<&str>; 9] {
    [
        identity.workspace_id.as_deref(),
        identity.api_key_id.as_deref(),
        identity.api_key_name.as_deref(),
        identity.actor_email.as_deref(),
        identity.session_id.as_deref(),
        identity.request_id.as_deref(),
        identity.project.as_deref(),
        identity.account_id.as_deref(),
        identity.service_account_id.as_deref(),
    ]
}

/// A total order over usage lines: start first, then every other field.
pub(crate) fn compare_usage(left: &UsageLine, right: &UsageLine) -> Ordering {
    let quantities = |line: &UsageLine| (quantity_values(&line.quantities), line.reported_cost);
    left.start
        .cmp(&right.start)
        .then_with(|| left.end.cmp(&right.end))
        .then_with(|| left.path.cmp(&right.path))
        .then_with(|| identity_key(&left.identity).cmp(&identity_key(&right.identity)))
        .then_with(|| left.model.cmp(&right.model))
        .then_with(|| {
            (left.service_tier, left.context_window, left.inference_geo, left.speed).cmp(&(
                right.service_tier,
                right.context_window,
                right.inference_geo,
                right.speed,
            ))
        })
        .then_with(|| quantities(left).cmp(&quantities(right)))
}

/// A total order over cost lines: start day first, then every other field.
pub(crate) fn compare_cost(left: &CostLine, right: &CostLine) -> Ordering {
    let tail = |line: &CostLine| {
        (
            line.model.clone(),
            line.service_tier,
            line.token_type,
            line.context_window,
            line.inference_geo,
            line.seat_type.clone(),
            line.team.clone(),
        )
    };
    left.start
        .cmp(&right.start)
        .then_with(|| left.end.cmp(&right.end))
        .then_with(|| left.kind.cmp(&right.kind))
        .then_with(|| left.path.cmp(&right.path))
        .then_with(|| identity_key(&left.identity).cmp(&identity_key(&right.identity)))
        .then_with(|| left.description.cmp(&right.description))
        .then_with(|| left.amount.cmp(&right.amount))
        .then_with(|| tail(left).cmp(&tail(right)))
}

/// A total order over directory entries: kind, id, then the rest.
pub(crate) fn compare_directory(left: &DirectoryEntry, right: &DirectoryEntry) -> Ordering {
    let key = |entry: &DirectoryEntry| {
        (
            entry.kind,
            entry.id.clone(),
            entry.name.clone(),
            entry.email.clone(),
            entry.workspace_id.clone(),
            entry.created_by.clone(),
            entry.status.clone(),
        )
    };
    key(left).cmp(&key(right))
}

/// The counters of an activity line, in storage order.
pub(crate) fn activity_counts(line: &ActivityLine) -> [u64; 7] {
    [line.sessions, line.lines_added, line.lines_removed, line.commits, line.pull_requests, line.tool_accepted, line.tool_rejected]
}

/// The sort key of an activity line: day, the actor (email, then key name), source, then every
/// other field.
#[allow(clippy::type_complexity)]
fn activity_key(
    line: &ActivityLine,
) -> (Day, Option<&str>, Option<&str>, Source, Option<&str>, Option<&str>, Option<&str>, Option<&str>, [u64; 7], Option<u64>) {
    (
        line.day,
        line.actor_email.as_deref(),
        line.api_key_name.as_deref(),
        line.source,
        line.actor_type.as_deref(),
        line.customer_type.as_deref(),
        line.subscription_type.as_deref(),
        line.terminal_type.as_deref(),
        activity_counts(line),
        line.active_seconds,
    )
}

/// A total order over activity lines: day, the actor (email, then key name), source, then every
/// other field.
pub(crate) fn compare_activity(left: &ActivityLine, right: &ActivityLine) -> Ordering {
    activity_key(left).cmp(&activity_key(right))
}

fn strings<'a, T: 'a>(rows: &[&'a T], value: impl Fn(&'a T) -> Option<&'a str>) -> ArrayRef {
    Arc::new(rows.iter().map(|row| value(row)).collect::<StringArray>())
}

fn counts<T>(rows: &[&T], value: impl Fn(&T) -> u64) -> ArrayRef {
    Arc::new(rows.iter().map(|row| value(row)).collect::<UInt64Array>())
}

fn identity_columns<'a, T: 'a>(rows: &[&'a T], identity: impl Fn(&'a T) -> &'a Identity + Copy) -> Vec<ArrayRef> {
    (0..IDENTITY_COLUMNS.len()).map(|index| strings(rows, |row| identity_key(identity(row))[index])).collect()
}

fn money_column<T>(rows: &[&T], value: impl Fn(&T) -> Option<Money>) -> Result<ArrayRef, String> {
    let values = rows
        .iter()
        .map(|row| match value(row) {
            None => Ok(None),
            Some(money) => money_to_decimal128(money).map(Some).ok_or_else(|| format!("amount {money:?} does not fit Decimal128(38, 18)")),
        })
        .collect::<Result<Decimal128Array, String>>()?;
    let values = values.with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE).map_err(|error| error.to_string())?;
    Ok(Arc::new(values))
}

fn date_column<T>(rows: &[&T], value: impl Fn(&T) -> Day) -> Result<ArrayRef, String> {
    let values = rows
        .iter()
        .map(|row| {
            let day = value(row);
            day_to_date32(day).map(Some).ok_or_else(|| format!("day {day} is out of range"))
        })
        .collect::<Result<Date32Array, String>>()?;
    Ok(Arc::new(values))
}

fn timestamp_column<T>(rows: &[&T], value: impl Fn(&T) -> chrono::DateTime<chrono::Utc>) -> ArrayRef {
    Arc::new(rows.iter().map(|row| Some(instant_to_micros(value(row)))).collect::<TimestampMicrosecondArray>().with_timezone("UTC"))
}

fn batch(schema: SchemaRef, columns: Vec<ArrayRef>) -> Result<RecordBatch, String> {
    RecordBatch::try_new(schema, columns).map_err(|error| error.to_string())
}

fn invalid(detail: String) -> StoreError {
    StoreError::InvalidInput { detail }
}

/// One usage file's rows, sorted.
pub(crate) fn usage_batch(lines: &mut [&UsageLine]) -> Result<RecordBatch, StoreError> {
    lines.sort_by(|left, right| compare_usage(left, right));
    let rows: &[&UsageLine] = lines;
    let mut columns = vec![
        timestamp_column(rows, |line| line.start),
        timestamp_column(rows, |line| line.end),
        strings(rows, |line| Some(line.path.as_str())),
    ];
    columns.extend(identity_columns(rows, |line| &line.identity));
    columns.extend([
        strings(rows, |line| Some(line.model.as_str())),
        strings(rows, |line| Some(line.service_tier.as_str())),
        strings(rows, |line| Some(line.context_window.as_str())),
        strings(rows, |line| Some(line.inference_geo.as_str())),
        strings(rows, |line| Some(line.speed.as_str())),
    ]);
    for (index, name) in QUANTITY_COLUMNS.iter().enumerate() {
        let value = |line: &UsageLine| quantity_values(&line.quantities)[index];
        columns.push(if *name == "requests" {
            Arc::new(rows.iter().map(|line| value(line)).collect::<UInt64Array>())
        } else {
            counts(rows, |line| value(line).unwrap_or(0))
        });
    }
    columns.push(money_column(rows, |line| line.reported_cost).map_err(invalid)?);
    batch(usage_schema(), columns).map_err(invalid)
}

/// One cost file's rows, sorted.
pub(crate) fn cost_batch(lines: &mut [&CostLine]) -> Result<RecordBatch, StoreError> {
    lines.sort_by(|left, right| compare_cost(left, right));
    let rows: &[&CostLine] = lines;
    let mut columns = vec![
        date_column(rows, |line| line.start).map_err(invalid)?,
        date_column(rows, |line| line.end).map_err(invalid)?,
        money_column(rows, |line| Some(line.amount)).map_err(invalid)?,
        strings(rows, |line| Some(line.kind.as_str())),
        strings(rows, |line| Some(line.description.as_str())),
        strings(rows, |line| Some(line.path.as_str())),
    ];
    columns.extend(identity_columns(rows, |line| &line.identity));
    columns.extend([
        strings(rows, |line| line.model.as_deref()),
        strings(rows, |line| line.service_tier.map(|value| value.as_str())),
        strings(rows, |line| line.token_type.map(|value| value.as_str())),
        strings(rows, |line| line.context_window.map(|value| value.as_str())),
        strings(rows, |line| line.inference_geo.map(|value| value.as_str())),
        strings(rows, |line| line.seat_type.as_deref()),
        strings(rows, |line| line.team.as_deref()),
    ]);
    batch(cost_schema(), columns).map_err(invalid)
}

/// One directory file's rows, sorted.
pub(crate) fn directory_batch(entries: &mut [&DirectoryEntry]) -> Result<RecordBatch, StoreError> {
    entries.sort_by(|left, right| compare_directory(left, right));
    let rows: &[&DirectoryEntry] = entries;
    let columns = vec![
        strings(rows, |entry| Some(entry.kind.as_str())),
        strings(rows, |entry| Some(entry.id.as_str())),
        strings(rows, |entry| entry.name.as_deref()),
        strings(rows, |entry| entry.email.as_deref()),
        strings(rows, |entry| entry.workspace_id.as_deref()),
        strings(rows, |entry| entry.created_by.as_deref()),
        strings(rows, |entry| entry.status.as_deref()),
    ];
    batch(directory_schema(), columns).map_err(invalid)
}

/// One activity file's rows, sorted.
pub(crate) fn activity_batch(lines: &mut [&ActivityLine]) -> Result<RecordBatch, StoreError> {
    lines.sort_by(|left, right| compare_activity(left, right));
    let rows: &[&ActivityLine] = lines;
    let mut columns = vec![
        strings(rows, |line| line.actor_email.as_deref()),
        strings(rows, |line| line.api_key_name.as_deref()),
        strings(rows, |line| line.actor_type.as_deref()),
        strings(rows, |line| line.customer_type.as_deref()),
        strings(rows, |line| line.subscription_type.as_deref()),
        strings(rows, |line| line.terminal_type.as_deref()),
    ];
    columns.extend((0..ACTIVITY_COUNT_COLUMNS.len()).map(|index| counts(rows, |line| activity_counts(line)[index])));
    columns.push(Arc::new(rows.iter().map(|line| line.active_seconds).collect::<UInt64Array>()));
    batch(activity_schema(), columns).map_err(invalid)
}

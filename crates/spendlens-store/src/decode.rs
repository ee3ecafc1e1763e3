//! Query results turned back into typed values.
//!
//! Every column is cast to the type the code expects before it is read (the engine may hand
//! back string views or dictionaries), and every stored spelling is parsed with the model's own
//! parsers: a value that does not parse is reported as corruption of the table it came from.

use std::path::{Path as FilePath, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{
    Array, ArrayRef, Date32Array, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt64Array, new_null_array,
};
use arrow_schema::{DataType, TimeUnit};
use spendlens_model::{ActivityLine, CostLine, Day, DirectoryEntry, DirectoryKind, Identity, Money, Quantities, Source, UsageLine};

use crate::StoreError;
use crate::convert::{date32_to_day, decimal128_to_money, micros_to_instant};
use crate::encode::{ACTIVITY_COUNT_COLUMNS, IDENTITY_COLUMNS, MONEY_TYPE, QUANTITY_COLUMNS, quantities_of, timestamp_type};
use crate::layout::ADDED_COLUMNS;

/// How much of each usage line a scoped read decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageDetail {
    /// Every field.
    Full,
    /// What pricing a line and grouping it by day, model, person, session and project need: the
    /// columns that name single requests, API keys and workspaces, and the reported cost, are not
    /// decoded (those fields come back empty), the request id above all, one distinct string per
    /// line.
    Priced,
}

/// The columns [`UsageDetail::Priced`] does not read.
pub(crate) const PRICED_LEAVES_OUT: [&str; 5] = ["request_id", "api_key_id", "api_key_name", "workspace_id", "reported_cost_usd"];

/// Columns of one result batch, read with the table's path for error messages.
pub(crate) struct Columns<'a> {
    batch: &'a RecordBatch,
    table: &'a FilePath,
}

impl<'a> Columns<'a> {
    pub(crate) fn new(batch: &'a RecordBatch, table: &'a FilePath) -> Self {
        Columns { batch, table }
    }

    pub(crate) fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    fn corrupt(&self, detail: String) -> StoreError {
        StoreError::corrupt(self.table, detail)
    }

    fn column(&self, name: &str, data_type: &DataType) -> Result<ArrayRef, StoreError> {
        let Some(column) = self.batch.column_by_name(name) else {
            // A file written before the column existed holds none of it: every value is absent.
            if ADDED_COLUMNS.contains(&name) {
                return Ok(new_null_array(data_type, self.batch.num_rows()));
            }
            return Err(self.corrupt(format!("the query returned no column {name:?}")));
        };
        normalised(column, data_type).map_err(|error| self.corrupt(format!("column {name:?} cannot be read as {data_type}: {error}")))
    }

    fn typed<T: Array + Clone + 'static>(&self, name: &str, data_type: &DataType) -> Result<T, StoreError> {
        let column = self.column(name, data_type)?;
        column.as_any().downcast_ref::<T>().cloned().ok_or_else(|| self.corrupt(format!("column {name:?} is not {data_type}")))
    }

    pub(crate) fn text(&self, name: &'static str) -> Result<TextColumn, StoreError> {
        Ok(TextColumn { name, values: self.typed(name, &DataType::Utf8)?, table: self.table.to_path_buf() })
    }

    pub(crate) fn counts(&self, name: &'static str) -> Result<CountColumn, StoreError> {
        Ok(CountColumn { name, values: self.typed(name, &DataType::UInt64)?, table: self.table.to_path_buf() })
    }

    /// Row counts (`COUNT(*)`), which the engine returns as signed integers.
    #[cfg(feature = "datafusion")]
    pub(crate) fn tallies(&self, name: &'static str) -> Result<CountColumn, StoreError> {
        let signed: arrow_array::Int64Array = self.typed(name, &DataType::Int64)?;
        let values = signed
            .iter()
            .map(|value| {
                value
                    .map(|value| u64::try_from(value).map_err(|_| self.corrupt(format!("column {name:?} holds a negative count"))))
                    .transpose()
            })
            .collect::<Result<UInt64Array, StoreError>>()?;
        Ok(CountColumn { name, values, table: self.table.to_path_buf() })
    }

    pub(crate) fn money(&self, name: &'static str) -> Result<MoneyColumn, StoreError> {
        Ok(MoneyColumn { name, values: self.typed(name, &MONEY_TYPE)?, table: self.table.to_path_buf() })
    }

    pub(crate) fn days(&self, name: &'static str) -> Result<DayColumn, StoreError> {
        Ok(DayColumn { name, values: self.typed(name, &DataType::Date32)?, table: self.table.to_path_buf() })
    }

    pub(crate) fn instants(&self, name: &'static str) -> Result<InstantColumn, StoreError> {
        Ok(InstantColumn { name, values: self.typed(name, &timestamp_type())?, table: self.table.to_path_buf() })
    }

    /// The five token columns (input, 5-minute and 1-hour cache writes, cache reads, output), named
    /// in that order.
    #[cfg(feature = "datafusion")]
    pub(crate) fn tokens(&self, names: [&'static str; 5]) -> Result<TokenColumns, StoreError> {
        let [input, cache_write_5m, cache_write_1h, cache_read, output] = names.map(|name| self.counts(name));
        Ok(TokenColumns {
            input: input?,
            cache_write_5m: cache_write_5m?,
            cache_write_1h: cache_write_1h?,
            cache_read: cache_read?,
            output: output?,
        })
    }

    /// A boolean column (a null is false).
    #[cfg(feature = "datafusion")]
    pub(crate) fn flags(&self, name: &'static str) -> Result<FlagColumn, StoreError> {
        Ok(FlagColumn { values: self.typed(name, &DataType::Boolean)? })
    }

    /// The quantity columns ([`QUANTITY_COLUMNS`]).
    pub(crate) fn quantities(&self) -> Result<QuantityColumns, StoreError> {
        let mut columns = Vec::with_capacity(QUANTITY_COLUMNS.len());
        for name in QUANTITY_COLUMNS {
            columns.push(self.counts(name)?);
        }
        Ok(QuantityColumns { columns })
    }

    /// The seven identity columns.
    pub(crate) fn identities(&self) -> Result<IdentityColumns, StoreError> {
        self.identities_where(|_| true)
    }

    /// The identity columns `read` names; the others read as absent.
    pub(crate) fn identities_where(&self, read: impl Fn(&str) -> bool) -> Result<IdentityColumns, StoreError> {
        let mut columns = Vec::with_capacity(IDENTITY_COLUMNS.len());
        for name in IDENTITY_COLUMNS {
            columns.push(if read(name) { Some(self.text(name)?) } else { None });
        }
        Ok(IdentityColumns { columns })
    }
}

/// `column` in the type the code reads, from the other shapes that hold the same values (the
/// ones `files` accepts in a stored file, and what an engine may hand back): a dictionary
/// unpacked, large or view strings as plain ones, a UTC timestamp under another zone's name.
/// Anything else is refused; no value is ever converted to another kind of value.
pub(crate) fn normalised(column: &ArrayRef, data_type: &DataType) -> Result<ArrayRef, String> {
    if column.data_type() == data_type {
        return Ok(Arc::clone(column));
    }
    match (column.data_type(), data_type) {
        (DataType::Dictionary(_, _), _) => {
            let dictionary = column.as_any_dictionary_opt().ok_or("a dictionary column without its dictionary")?;
            let values =
                arrow_select::take::take(dictionary.values().as_ref(), dictionary.keys(), None).map_err(|error| error.to_string())?;
            normalised(&values, data_type)
        }
        (DataType::LargeUtf8, DataType::Utf8) => Ok(Arc::new(column.as_string::<i64>().iter().collect::<StringArray>())),
        (DataType::Utf8View, DataType::Utf8) => Ok(Arc::new(column.as_string_view().iter().collect::<StringArray>())),
        (DataType::Timestamp(TimeUnit::Microsecond, Some(_)), DataType::Timestamp(TimeUnit::Microsecond, Some(zone))) => {
            // Microseconds since the epoch whatever zone names them: only the label changes.
            Ok(Arc::new(column.as_primitive::<TimestampMicrosecondType>().clone().with_timezone(Arc::clone(zone))))
        }
        (found, _) => Err(format!("it is {found}")),
    }
}

fn missing(table: &FilePath, name: &str, row: usize) -> StoreError {
    StoreError::corrupt(table, format!("column {name:?} is null in row {row}, where a value is required"))
}

pub(crate) struct TextColumn {
    name: &'static str,
    values: StringArray,
    table: PathBuf,
}

impl TextColumn {
    /// The row's text, borrowed (`None` for a null).
    pub(crate) fn value(&self, row: usize) -> Option<&str> {
        (!self.values.is_null(row)).then(|| self.values.value(row))
    }

    pub(crate) fn optional(&self, row: usize) -> Option<String> {
        (!self.values.is_null(row)).then(|| self.values.value(row).to_string())
    }

    pub(crate) fn required(&self, row: usize) -> Result<String, StoreError> {
        self.optional(row).ok_or_else(|| missing(&self.table, self.name, row))
    }

    /// A stored spelling parsed with the model's parser.
    pub(crate) fn parsed<T: FromStr>(&self, row: usize) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        let text = self.required(row)?;
        self.parse_text(&text)
    }

    pub(crate) fn parsed_optional<T: FromStr>(&self, row: usize) -> Result<Option<T>, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        self.optional(row).map(|text| self.parse_text(&text)).transpose()
    }

    /// A stored spelling parsed with a parser that returns `None` for unknown values.
    pub(crate) fn parsed_with<T>(&self, row: usize, parse: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
        let text = self.required(row)?;
        parse(&text).ok_or_else(|| StoreError::corrupt(&self.table, format!("column {:?} holds unknown value {text:?}", self.name)))
    }

    fn parse_text<T: FromStr>(&self, text: &str) -> Result<T, StoreError>
    where
        T::Err: std::fmt::Display,
    {
        text.parse().map_err(|error| StoreError::corrupt(&self.table, format!("column {:?} holds {text:?}: {error}", self.name)))
    }
}

pub(crate) struct CountColumn {
    name: &'static str,
    values: UInt64Array,
    table: PathBuf,
}

impl CountColumn {
    pub(crate) fn optional(&self, row: usize) -> Option<u64> {
        (!self.values.is_null(row)).then(|| self.values.value(row))
    }

    pub(crate) fn required(&self, row: usize) -> Result<u64, StoreError> {
        self.optional(row).ok_or_else(|| missing(&self.table, self.name, row))
    }
}

#[cfg(feature = "datafusion")]
pub(crate) struct TokenColumns {
    input: CountColumn,
    cache_write_5m: CountColumn,
    cache_write_1h: CountColumn,
    cache_read: CountColumn,
    output: CountColumn,
}

#[cfg(feature = "datafusion")]
impl TokenColumns {
    pub(crate) fn required(&self, row: usize) -> Result<spendlens_model::TokenCounts, StoreError> {
        Ok(spendlens_model::TokenCounts {
            input: self.input.required(row)?,
            cache_write_5m: self.cache_write_5m.required(row)?,
            cache_write_1h: self.cache_write_1h.required(row)?,
            cache_read: self.cache_read.required(row)?,
            output: self.output.required(row)?,
        })
    }
}

#[cfg(feature = "datafusion")]
pub(crate) struct FlagColumn {
    values: arrow_array::BooleanArray,
}

#[cfg(feature = "datafusion")]
impl FlagColumn {
    pub(crate) fn value(&self, row: usize) -> bool {
        !self.values.is_null(row) && self.values.value(row)
    }
}

pub(crate) struct QuantityColumns {
    columns: Vec<CountColumn>,
}

impl QuantityColumns {
    /// The row's quantities; every column but `requests` must hold a value.
    pub(crate) fn required(&self, row: usize) -> Result<Quantities, StoreError> {
        self.values(row).map(quantities_of)
    }

    /// The row's values in [`QUANTITY_COLUMNS`] order; every column but `requests` (the last)
    /// must hold a value.
    pub(crate) fn values(&self, row: usize) -> Result<[Option<u64>; QUANTITY_COLUMNS.len()], StoreError> {
        const REQUESTS: usize = QUANTITY_COLUMNS.len() - 1;
        let mut values = [None; QUANTITY_COLUMNS.len()];
        for (index, (value, column)) in values.iter_mut().zip(&self.columns).enumerate() {
            *value = if index == REQUESTS { column.optional(row) } else { Some(column.required(row)?) };
        }
        Ok(values)
    }
}

pub(crate) struct MoneyColumn {
    name: &'static str,
    values: Decimal128Array,
    table: PathBuf,
}

impl MoneyColumn {
    /// The row's unscaled `Decimal128(38, 18)` value, to be summed exactly before it is read.
    pub(crate) fn unscaled(&self, row: usize) -> Option<i128> {
        (!self.values.is_null(row)).then(|| self.values.value(row))
    }

    pub(crate) fn optional(&self, row: usize) -> Result<Option<Money>, StoreError> {
        if self.values.is_null(row) {
            return Ok(None);
        }
        let value = self.values.value(row);
        decimal128_to_money(value).map(Some).ok_or_else(|| {
            StoreError::corrupt(&self.table, format!("column {:?} holds {value}e-18, beyond what an exact decimal holds", self.name))
        })
    }

    pub(crate) fn required(&self, row: usize) -> Result<Money, StoreError> {
        self.optional(row)?.ok_or_else(|| missing(&self.table, self.name, row))
    }
}

pub(crate) struct DayColumn {
    name: &'static str,
    values: Date32Array,
    table: PathBuf,
}

impl DayColumn {
    pub(crate) fn optional(&self, row: usize) -> Result<Option<Day>, StoreError> {
        if self.values.is_null(row) {
            return Ok(None);
        }
        let value = self.values.value(row);
        date32_to_day(value)
            .map(Some)
            .ok_or_else(|| StoreError::corrupt(&self.table, format!("column {:?} holds day number {value}, out of range", self.name)))
    }

    pub(crate) fn required(&self, row: usize) -> Result<Day, StoreError> {
        self.optional(row)?.ok_or_else(|| missing(&self.table, self.name, row))
    }
}

pub(crate) struct InstantColumn {
    name: &'static str,
    values: TimestampMicrosecondArray,
    table: PathBuf,
}

impl InstantColumn {
    pub(crate) fn required(&self, row: usize) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
        if self.values.is_null(row) {
            return Err(missing(&self.table, self.name, row));
        }
        let value = self.values.value(row);
        micros_to_instant(value)
            .ok_or_else(|| StoreError::corrupt(&self.table, format!("column {:?} holds instant {value}µs, out of range", self.name)))
    }

    /// Microseconds since the epoch, checked as [`InstantColumn::required`] checks them.
    pub(crate) fn micros(&self, row: usize) -> Result<i64, StoreError> {
        self.required(row).map(|instant| instant.timestamp_micros())
    }
}

pub(crate) struct IdentityColumns {
    columns: Vec<Option<TextColumn>>,
}

impl IdentityColumns {
    pub(crate) fn identity(&self, row: usize) -> Identity {
        let value = |index: usize| self.columns.get(index).and_then(Option::as_ref).and_then(|column| column.optional(row));
        Identity {
            workspace_id: value(0),
            api_key_id: value(1),
            api_key_name: value(2),
            actor_email: value(3),
            session_id: value(4),
            request_id: value(5),
            project: value(6),
            account_id: value(7),
            service_account_id: value(8),
        }
    }
}
/// Decodes a batch's rows onto the end of `lines`.
pub(crate) fn decode_usage_lines_into(
    batch: &RecordBatch,
    table: &FilePath,
    source: Option<Source>,
    detail: UsageDetail,
    lines: &mut Vec<UsageLine>,
) -> Result<(), StoreError> {
    let read = |name: &str| detail == UsageDetail::Full || !PRICED_LEAVES_OUT.contains(&name);
    let columns = Columns::new(batch, table);
    let sources = match source {
        Some(_) => None,
        None => Some(columns.text("source")?),
    };
    let start = columns.instants("start")?;
    let end = columns.instants("end")?;
    let path = columns.text("path")?;
    let identities = columns.identities_where(read)?;
    let model = columns.text("model")?;
    let service_tier = columns.text("service_tier")?;
    let context_window = columns.text("context_window")?;
    let inference_geo = columns.text("inference_geo")?;
    let speed = columns.text("speed")?;
    let quantities = columns.quantities()?;
    let reported_cost = if read("reported_cost_usd") { Some(columns.money("reported_cost_usd")?) } else { None };
    lines.reserve(columns.rows());
    for row in 0..columns.rows() {
        lines.push(UsageLine {
            start: start.required(row)?,
            end: end.required(row)?,
            source: match (&sources, source) {
                (Some(column), _) => column.parsed(row)?,
                (None, Some(source)) => source,
                (None, None) => return Err(StoreError::corrupt(table, "a usage batch without a source".to_string())),
            },
            path: path.parsed(row)?,
            identity: identities.identity(row),
            model: model.required(row)?,
            service_tier: service_tier.parsed(row)?,
            context_window: context_window.parsed(row)?,
            inference_geo: inference_geo.parsed(row)?,
            speed: speed.parsed(row)?,
            quantities: quantities.required(row)?,
            reported_cost: match &reported_cost {
                Some(column) => column.optional(row)?,
                None => None,
            },
        });
    }
    Ok(())
}

/// Decodes a cost batch's rows onto the end of `lines`, the source from the `source` column or,
/// for a batch read straight from a partition file (which holds no partition columns), `source`.
pub(crate) fn decode_cost_lines_into(
    batch: &RecordBatch,
    table: &FilePath,
    source: Option<Source>,
    lines: &mut Vec<CostLine>,
) -> Result<(), StoreError> {
    let columns = Columns::new(batch, table);
    let sources = if source.is_none() { Some(columns.text("source")?) } else { None };
    let start_day = columns.days("start_day")?;
    let end_day = columns.days("end_day")?;
    let amount = columns.money("amount_usd")?;
    let kind = columns.text("kind")?;
    let description = columns.text("description")?;
    let path = columns.text("path")?;
    let identities = columns.identities()?;
    let model = columns.text("model")?;
    let service_tier = columns.text("service_tier")?;
    let token_type = columns.text("token_type")?;
    let context_window = columns.text("context_window")?;
    let inference_geo = columns.text("inference_geo")?;
    let seat_type = columns.text("seat_type")?;
    let team = columns.text("team")?;
    lines.reserve(columns.rows());
    for row in 0..columns.rows() {
        lines.push(CostLine {
            start: start_day.required(row)?,
            end: end_day.required(row)?,
            source: partition_source(sources.as_ref(), source, row, table)?,
            amount: amount.required(row)?,
            kind: kind.parsed(row)?,
            description: description.required(row)?,
            path: path.parsed(row)?,
            identity: identities.identity(row),
            model: model.optional(row),
            service_tier: service_tier.parsed_optional(row)?,
            token_type: token_type.parsed_optional(row)?,
            context_window: context_window.parsed_optional(row)?,
            inference_geo: inference_geo.parsed_optional(row)?,
            seat_type: seat_type.optional(row),
            team: team.optional(row),
        });
    }
    Ok(())
}

/// Decodes an activity batch's rows onto the end of `lines`, the day and source from the `day`
/// and `source` columns or, for a batch read straight from a partition file, from `partition`.
pub(crate) fn decode_activity_lines_into(
    batch: &RecordBatch,
    table: &FilePath,
    partition: Option<(Source, Day)>,
    lines: &mut Vec<ActivityLine>,
) -> Result<(), StoreError> {
    let columns = Columns::new(batch, table);
    let (sources, days) = match partition {
        Some(_) => (None, None),
        None => (Some(columns.text("source")?), Some(columns.days("day")?)),
    };
    let actor_email = columns.text("actor_email")?;
    let api_key_name = columns.text("api_key_name")?;
    let actor_type = columns.text("actor_type")?;
    let customer_type = columns.text("customer_type")?;
    let subscription_type = columns.text("subscription_type")?;
    let terminal_type = columns.text("terminal_type")?;
    let [sessions, lines_added, lines_removed, commits, pull_requests, tool_accepted, tool_rejected] =
        ACTIVITY_COUNT_COLUMNS.map(|name| columns.counts(name));
    let (sessions, lines_added, lines_removed, commits, pull_requests, tool_accepted, tool_rejected) =
        (sessions?, lines_added?, lines_removed?, commits?, pull_requests?, tool_accepted?, tool_rejected?);
    let active_seconds = columns.counts("active_seconds")?;
    lines.reserve(columns.rows());
    for row in 0..columns.rows() {
        let day = match (&days, partition) {
            (Some(column), _) => column.required(row)?,
            (None, Some((_, day))) => day,
            (None, None) => return Err(StoreError::corrupt(table, "an activity batch without a day".to_string())),
        };
        lines.push(ActivityLine {
            day,
            source: partition_source(sources.as_ref(), partition.map(|(source, _)| source), row, table)?,
            actor_email: actor_email.optional(row),
            api_key_name: api_key_name.optional(row),
            actor_type: actor_type.optional(row),
            customer_type: customer_type.optional(row),
            subscription_type: subscription_type.optional(row),
            terminal_type: terminal_type.optional(row),
            sessions: sessions.required(row)?,
            lines_added: lines_added.required(row)?,
            lines_removed: lines_removed.required(row)?,
            commits: commits.required(row)?,
            pull_requests: pull_requests.required(row)?,
            tool_accepted: tool_accepted.required(row)?,
            tool_rejected: tool_rejected.required(row)?,
            active_seconds: active_seconds.optional(row),
        });
    }
    Ok(())
}

/// Decodes a directory batch's rows onto the end of `entries`.
pub(crate) fn decode_directory_into(batch: &RecordBatch, table: &FilePath, entries: &mut Vec<DirectoryEntry>) -> Result<(), StoreError> {
    let columns = Columns::new(batch, table);
    let kind = columns.text("kind")?;
    let id = columns.text("id")?;
    let name = columns.text("name")?;
    let email = columns.text("email")?;
    let workspace_id = columns.text("workspace_id")?;
    let created_by = columns.text("created_by")?;
    let status = columns.text("status")?;
    entries.reserve(columns.rows());
    for row in 0..columns.rows() {
        entries.push(DirectoryEntry {
            kind: kind.parsed_with(row, DirectoryKind::parse)?,
            id: id.required(row)?,
            name: name.optional(row),
            email: email.optional(row),
            workspace_id: workspace_id.optional(row),
            created_by: created_by.optional(row),
            status: status.optional(row),
        });
    }
    Ok(())
}

/// A row's source: from the batch's `source` column when it has one, else the partition's.
fn partition_source(column: Option<&TextColumn>, partition: Option<Source>, row: usize, table: &FilePath) -> Result<Source, StoreError> {
    match (column, partition) {
        (Some(column), _) => column.parsed(row),
        (None, Some(source)) => Ok(source),
        (None, None) => Err(StoreError::corrupt(table, "a batch without a source".to_string())),
    }
}

//! Query results turned back into typed values.
//!
//! Every column is cast to the type the code expects before it is read (the engine may hand
//! back string views or dictionaries), and every stored spelling is parsed with the model's own
//! parsers: a value that does not parse is reported as corruption of the table it came from.

use std::path::{Path as FilePath, PathBuf};
use std::str::FromStr;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
    UInt64Array, new_null_array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use spendlens_model::{Day, Identity, Money, Quantities, Source, TokenCounts, UsageLine};

use crate::convert::{date32_to_day, decimal128_to_money, micros_to_instant};
use crate::direct::PRICED_LEAVES_OUT;
use crate::encode::{IDENTITY_COLUMNS, MONEY_TYPE, QUANTITY_COLUMNS, quantities_of, timestamp_type};
use crate::layout::ADDED_COLUMNS;
use crate::{StoreError, UsageDetail};

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
        cast(column, data_type).map_err(|error| self.corrupt(format!("column {name:?} cannot be read as {data_type}: {error}")))
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
    pub(crate) fn tallies(&self, name: &'static str) -> Result<CountColumn, StoreError> {
        let signed: Int64Array = self.typed(name, &DataType::Int64)?;
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

fn missing(table: &FilePath, name: &str, row: usize) -> StoreError {
    StoreError::corrupt(table, format!("column {name:?} is null in row {row}, where a value is required"))
}

pub(crate) struct TextColumn {
    name: &'static str,
    values: StringArray,
    table: PathBuf,
}

impl TextColumn {
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

pub(crate) struct TokenColumns {
    input: CountColumn,
    cache_write_5m: CountColumn,
    cache_write_1h: CountColumn,
    cache_read: CountColumn,
    output: CountColumn,
}

impl TokenColumns {
    pub(crate) fn required(&self, row: usize) -> Result<TokenCounts, StoreError> {
        Ok(TokenCounts {
            input: self.input.required(row)?,
            cache_write_5m: self.cache_write_5m.required(row)?,
            cache_write_1h: self.cache_write_1h.required(row)?,
            cache_read: self.cache_read.required(row)?,
            output: self.output.required(row)?,
        })
    }
}

pub(crate) struct FlagColumn {
    values: BooleanArray,
}

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
        let mut values = [None; QUANTITY_COLUMNS.len()];
        for ((value, column), name) in values.iter_mut().zip(&self.columns).zip(QUANTITY_COLUMNS) {
            *value = if name == "requests" { column.optional(row) } else { Some(column.required(row)?) };
        }
        Ok(quantities_of(values))
    }
}

pub(crate) struct MoneyColumn {
    name: &'static str,
    values: Decimal128Array,
    table: PathBuf,
}

impl MoneyColumn {
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

//! Parquet files in shapes other than the lake's tables (exports such as FinOps FOCUS): money and
//! decimal quantities in the lake's exact `Decimal128(38, 18)` codec, instants as UTC microsecond
//! timestamps, everything else as text. The caller names the columns; nothing here knows FOCUS.

use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, Utc};
use parquet::arrow::ArrowWriter;
use spendlens_model::Money;

use crate::StoreError;
use crate::convert::{MONEY_PRECISION, MONEY_SCALE, instant_to_micros, money_to_decimal128};

/// One column's values; `None` is a null.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportValues {
    Text(Vec<Option<String>>),
    /// Exact amounts or quantities, stored as `Decimal128(38, 18)`.
    Decimal(Vec<Option<Money>>),
    /// Instants, stored as microseconds in UTC.
    Time(Vec<Option<DateTime<Utc>>>),
}

/// A named column of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportColumn {
    pub name: String,
    pub values: ExportValues,
}

/// The columns as one Parquet file's bytes (every column nullable, the writer's defaults).
pub fn export_parquet(columns: Vec<ExportColumn>) -> Result<Vec<u8>, StoreError> {
    let invalid = |detail: String| StoreError::InvalidInput { detail };
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for column in columns {
        let (data_type, array): (DataType, ArrayRef) = match column.values {
            ExportValues::Text(values) => (DataType::Utf8, Arc::new(StringArray::from(values))),
            ExportValues::Decimal(values) => {
                let mut unscaled = Vec::with_capacity(values.len());
                for value in values {
                    unscaled.push(match value {
                        Some(money) => Some(
                            money_to_decimal128(money)
                                .ok_or_else(|| invalid(format!("{money:?} in column {} does not fit Decimal128(38, 18)", column.name)))?,
                        ),
                        None => None,
                    });
                }
                let array = Decimal128Array::from(unscaled)
                    .with_precision_and_scale(MONEY_PRECISION, MONEY_SCALE)
                    .map_err(|error| invalid(error.to_string()))?;
                (DataType::Decimal128(MONEY_PRECISION, MONEY_SCALE), Arc::new(array))
            }
            ExportValues::Time(values) => {
                let micros: Vec<Option<i64>> = values.into_iter().map(|value| value.map(instant_to_micros)).collect();
                (
                    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                    Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC")),
                )
            }
        };
        fields.push(Field::new(column.name, data_type, true));
        arrays.push(array);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|error| invalid(error.to_string()))?;
    let encode = |error: parquet::errors::ParquetError| StoreError::Encode { path: "an export".into(), detail: error.to_string() };
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None).map_err(encode)?;
    writer.write(&batch).map_err(encode)?;
    writer.close().map_err(encode)?;
    Ok(bytes)
}

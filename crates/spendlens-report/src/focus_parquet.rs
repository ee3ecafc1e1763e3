//! FOCUS rows as a Parquet file: money and quantities as exact `Decimal128(38, 18)`, periods as
//! UTC timestamps, the rest as text, through the store's export codec (one Decimal128 codec for
//! the lake and every export).

use spendlens_app::{AppError, ExportColumn, ExportValues, export_parquet};
use spendlens_model::Money;

use crate::focus::{BillingAccount, FOCUS_MONEY_COLUMNS, FOCUS_QUANTITY_COLUMNS, FOCUS_TIME_COLUMNS, FocusRow, FocusVersion};

/// What an export wrote: its rows, its period, their billed total, and where.
pub fn focus_written_text(rows: &[FocusRow], period: spendlens_model::Period, out: &std::path::Path) -> String {
    let total: Money = rows.iter().map(|row| row.billed_cost).sum();
    format!("{} FOCUS rows for {} (BilledCost {total}) written to {}\n", rows.len(), period.label(), out.display())
}

/// The bytes of a Parquet file holding `rows`, with the columns of FOCUS `version` in order.
pub fn focus_parquet(version: FocusVersion, rows: &[FocusRow], account: &BillingAccount) -> Result<Vec<u8>, AppError> {
    let cells: Vec<Vec<Option<String>>> = rows.iter().map(|row| row.cells_for(version, account)).collect();
    let mut columns = Vec::with_capacity(version.columns().len());
    for (index, name) in version.columns().iter().enumerate() {
        let values = cells.iter().map(|row| row.get(index).cloned().flatten());
        let values = if FOCUS_MONEY_COLUMNS.contains(name) || FOCUS_QUANTITY_COLUMNS.contains(name) {
            let parsed: Result<Vec<Option<Money>>, AppError> = values
                .map(|value| {
                    value
                        .map(|text| text.parse::<Money>().map_err(|_| AppError::Invalid(format!("FOCUS {name} {text:?} is not a decimal"))))
                        .transpose()
                })
                .collect();
            ExportValues::Decimal(parsed?)
        } else if FOCUS_TIME_COLUMNS.contains(name) {
            let parsed: Result<Vec<_>, AppError> = values
                .map(|value| {
                    value
                        .map(|text| {
                            chrono::DateTime::parse_from_rfc3339(&text)
                                .map(|time| time.to_utc())
                                .map_err(|_| AppError::Invalid(format!("FOCUS {name} {text:?} is not a UTC time")))
                        })
                        .transpose()
                })
                .collect();
            ExportValues::Time(parsed?)
        } else {
            ExportValues::Text(values.collect())
        };
        columns.push(ExportColumn { name: (*name).to_string(), values });
    }
    Ok(export_parquet(columns)?)
}

//! `spendlens export focus`: the ledger as FinOps FOCUS 1.0 rows, in CSV (text, exact decimals)
//! or Parquet (money as `Decimal128(38, 18)`, periods as UTC timestamps). The rows themselves are
//! built by `spendlens-report`; this module loads the ledger and writes the file.

use std::fs::File;
use std::io::Write;
use std::path::Path as FilePath;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use datafusion::arrow::array::{ArrayRef, Decimal128Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_analysis::{Ledger, LedgerInput, assemble};
use spendlens_model::{DirectoryEntry, Money, Period, UsageLine};
use spendlens_report::{BillingAccount, FOCUS_COLUMNS, FOCUS_MONEY_COLUMNS, FOCUS_QUANTITY_COLUMNS, FOCUS_TIME_COLUMNS, FocusInput};
use spendlens_store::Store;

use crate::cli::{ExportArgs, ExportCommand, FocusArgs};
use crate::commands::{open_store, report_period, rollup_line};
use crate::settings::Settings;

/// The ledger of a period with the usage and directory it was assembled from.
pub struct LoadedLedger {
    pub ledger: Ledger,
    pub usage: Vec<UsageLine>,
    pub directory: Vec<DirectoryEntry>,
}

/// Assembles the ledger of `period` exactly as `build_summary` does.
pub fn load_ledger(settings: &Settings, store: &Store, period: Period) -> Result<LoadedLedger> {
    let book = settings.price_book()?;
    let orgmap = settings.orgmap()?;
    let usage: Vec<UsageLine> = store.usage_rollup(Some(period))?.into_iter().map(rollup_line).collect();
    let costs = crate::commands::billed_costs(store.cost_lines(Some(period))?);
    let directory = store.directory()?;
    let ledger = assemble(LedgerInput { usage: &usage, costs: &costs, directory: &directory, orgmap: &orgmap, book: &book });
    Ok(LoadedLedger { ledger, usage, directory })
}

pub fn export(settings: &Settings, args: ExportArgs) -> Result<()> {
    match args.command {
        ExportCommand::Focus(args) => focus(settings, &args),
    }
}

fn focus(settings: &Settings, args: &FocusArgs) -> Result<()> {
    let store = open_store(settings)?;
    let Some(period) = report_period(&store, &args.period)? else {
        bail!("the ledger in {} is empty: run `spendlens demo`, or ingest your sources first", settings.data_dir.display());
    };
    let loaded = load_ledger(settings, &store, period)?;
    let account = BillingAccount { id: args.billing_account_id.clone(), name: args.billing_account_name.clone() };
    let input = FocusInput { account: &account, usage: &loaded.usage, directory: &loaded.directory };
    let rows = spendlens_report::focus_rows(&loaded.ledger.entries, period, input);
    let parquet = args.out.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("parquet"));
    if parquet {
        write_parquet(&args.out, &rows, &account)?;
    } else {
        let text = spendlens_report::focus_csv(&rows, &account);
        let mut file = File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
        file.write_all(text.as_bytes()).with_context(|| format!("writing {}", args.out.display()))?;
    }
    let total: Money = rows.iter().map(|row| row.billed_cost).sum();
    eprintln!("{} FOCUS rows for {} (BilledCost {total}) written to {}", rows.len(), period.label(), args.out.display());
    Ok(())
}

const SCALE: u32 = 18;

fn decimal128(text: &str) -> Result<i128> {
    let value: Decimal = text.parse().with_context(|| format!("{text:?} is not a decimal"))?;
    let value = value.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointAwayFromZero);
    let factor = 10i128.checked_pow(SCALE - value.scale()).context("decimal scale")?;
    value.mantissa().checked_mul(factor).with_context(|| format!("{text} does not fit Decimal128(38, 18)"))
}

fn micros(text: &str) -> Result<i64> {
    let time = chrono::DateTime::parse_from_rfc3339(text).with_context(|| format!("{text:?} is not a UTC time"))?;
    Ok(time.timestamp_micros())
}

fn write_parquet(out: &FilePath, rows: &[spendlens_report::FocusRow], account: &BillingAccount) -> Result<()> {
    let cells: Vec<Vec<Option<String>>> = rows.iter().map(|row| row.cells(account)).collect();
    let mut fields = Vec::with_capacity(FOCUS_COLUMNS.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(FOCUS_COLUMNS.len());
    for (index, name) in FOCUS_COLUMNS.iter().enumerate() {
        let values = cells.iter().map(|row| row.get(index).cloned().flatten());
        if FOCUS_MONEY_COLUMNS.contains(name) || FOCUS_QUANTITY_COLUMNS.contains(name) {
            let parsed: Vec<Option<i128>> = values.map(|value| value.as_deref().map(decimal128).transpose()).collect::<Result<_>>()?;
            let array = Decimal128Array::from(parsed).with_precision_and_scale(38, SCALE as i8)?;
            fields.push(Field::new(*name, DataType::Decimal128(38, SCALE as i8), true));
            columns.push(Arc::new(array));
        } else if FOCUS_TIME_COLUMNS.contains(name) {
            let parsed: Vec<Option<i64>> = values.map(|value| value.as_deref().map(micros).transpose()).collect::<Result<_>>()?;
            fields.push(Field::new(*name, DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true));
            columns.push(Arc::new(TimestampMicrosecondArray::from(parsed).with_timezone("UTC")));
        } else {
            fields.push(Field::new(*name, DataType::Utf8, true));
            columns.push(Arc::new(StringArray::from(values.collect::<Vec<Option<String>>>())));
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).context("building the FOCUS record batch")?;
    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).context("starting the Parquet writer")?;
    writer.write(&batch).context("writing FOCUS rows")?;
    writer.close().context("finishing the Parquet file")?;
    Ok(())
}

/// `spendlens report --format html`: the summary and the daily spend of one ledger.
pub fn report_html(settings: &Settings, store: &Store, period: Period, top_engineers: usize) -> Result<String> {
    let loaded = load_ledger(settings, store, period)?;
    let summary = spendlens_analysis::summarise(&loaded.ledger, period);
    let daily = spendlens_report::daily_spend(&loaded.ledger.entries, period);
    Ok(spendlens_report::summary_html(&summary, &daily, top_engineers))
}

/// Rendered output to `out`, or to stdout when there is none.
pub fn emit(text: &str, out: Option<&FilePath>) -> Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

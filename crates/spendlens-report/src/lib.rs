//! spendlens report rendering: plain-text tables and Markdown for people, CSV for spreadsheets,
//! JSON for scripts, HTML to forward, FOCUS rows for FinOps tools.
//!
//! Rendering only: every figure arrives computed (by the application layer, `spendlens-app`, from
//! `spendlens-analysis` and the price book) and is laid out here without arithmetic beyond shares
//! of a total.

mod answers;
mod claude_code;
mod csv;
mod focus;
mod focus_parquet;
mod forecast;
mod html;
mod optimise;
mod prices;
mod rightsize;
mod spikes;
mod summary;
mod table;

/// A percentage to one decimal, rounded half away from zero (a `Decimal` printed with `{:.1}` is
/// cut, not rounded): `fraction` 0.1275 is 12.8.
pub(crate) fn tenths(percent: rust_decimal::Decimal) -> rust_decimal::Decimal {
    percent.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

pub use answers::{crosscheck_text, ingested_text, ledger_text, reconcile_text, status_text, sync_text, transcripts_text};
pub use claude_code::{cc_blocks_table, cc_notes, cc_table, cc_zone_note};
pub use csv::cell as csv_cell;
pub use focus::{
    BillingAccount, FOCUS_1_0_COLUMNS, FOCUS_1_2_COLUMNS, FOCUS_COLUMNS, FOCUS_MONEY_COLUMNS, FOCUS_QUANTITY_COLUMNS, FOCUS_TIME_COLUMNS,
    FocusInput, FocusRow, FocusVersion, SERVICE_CATEGORY, SERVICE_SUBCATEGORY, focus_csv, focus_csv_for, focus_rows, invoice_id,
};
pub use focus_parquet::{focus_parquet, focus_written_text};
pub use forecast::{backtest_text, commit_brief, commit_text, forecast_text};
pub use html::{API_COLOUR, CLAUDE_CODE_COLOUR, DailySpend, PathAmounts, UNASSIGNED_COLOUR, daily_spend, summary_html};
pub use optimise::{optimise_text, reprice_text, savings_text};
pub use prices::{price_book_table, priced_table};
pub use rightsize::{insights_text, seats_text};
pub use spikes::{alerts_text, spikes_text};
pub use summary::{summary_csv, summary_json, summary_markdown, summary_table};
pub use table::Table;

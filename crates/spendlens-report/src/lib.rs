//! spendlens report rendering: plain-text tables for people, JSON for scripts.
//!
//! Rendering only: every figure arrives computed (by `spendlens-analysis` or the price book) and is
//! laid out here without arithmetic beyond shares of a total.

mod prices;
mod summary;
mod table;

pub use prices::{price_book_table, priced_table};
pub use summary::{summary_json, summary_table};
pub use table::Table;

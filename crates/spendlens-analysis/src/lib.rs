//! spendlens analyses: pure functions from ledger records to answers.
//!
//! An analysis is handed usage lines, cost lines, the directory, the org map, the price book and a
//! period; it never reads the clock, the disk or the network, so every number is reproducible and
//! snapshot-testable. [`ledger`] assembles the bill into entries (each billed dollar once, with
//! its path, driver and the rule that placed it); [`summary`] aggregates entries for a report;
//! [`crosscheck`] sets the usage report, priced by the book, beside the cost report.

pub mod claude_code_usage;
pub mod crosscheck;
pub mod ledger;
pub mod reconcile;
pub mod summary;

pub use crosscheck::{Cause, CrossCheck, CrossCheckRow, crosscheck};
pub use ledger::{Driver, Ledger, LedgerEntry, LedgerInput, assemble};
pub use summary::{
    ApiSummary, ClaudeCodeSummary, EngineerLine, FeatureLine, KeyLine, Paths, Summary, TeamLine, UnassignedLine, UnassignedSummary,
    summarise,
};

//! spendlens analyses: pure functions from ledger records to answers.
//!
//! An analysis is handed usage lines, cost lines, the directory, the org map, the price book and a
//! period; it never reads the clock, the disk or the network, so every number is reproducible and
//! snapshot-testable. [`ledger`] assembles the bill into entries (each billed dollar once, with
//! its path, driver and the rule that placed it); [`summary`] aggregates entries for a report;
//! [`crosscheck`] sets the usage report, priced by the book, beside the cost report; [`units`]
//! gives month-over-month change and unit economics; [`sources`] records which source carried the
//! dollars and which only refined attribution.

pub mod ccusage;
pub mod claude_code_usage;
pub mod crosscheck;
pub mod decompose;
pub mod explain;
pub mod insights;
pub mod ledger;
pub mod optimise;
pub mod reconcile;
pub mod reprice;
pub mod rightsize;
pub mod savings;
pub mod seats;
pub mod sources;
pub mod spikes;
pub mod summary;
pub mod traffic;
pub mod units;

pub use crosscheck::{Cause, CrossCheck, CrossCheckRow, crosscheck};
pub use explain::{Placement, PlacementFilter, placements};
pub use ledger::{ConsoleBilling, Driver, Ledger, LedgerEntry, LedgerInput, SetAside, assemble, assemble_each};
pub use sources::{Role, SourceUse, source_uses};
pub use summary::{
    ApiSummary, ClaudeCodeSummary, EngineerLine, FeatureLine, KeyLine, Paths, Summary, TeamLine, UnassignedLine, UnassignedSummary,
    summarise, summarise_with,
};
pub use units::{ApiUnits, Change, ClaudeCodeUnits, Comparison, Drivers, FeatureUnits, UnitEconomics, compare, unit_economics};

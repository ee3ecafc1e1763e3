//! The spendlens vocabulary: exact money, token counts, model ids, and the two kinds of ledger line.
//!
//! Every other crate speaks these types. This crate does no I/O and knows no vendor wire format:
//! sources parse their own formats (in `spendlens-ingest`) into [`UsageLine`] and [`CostLine`].
//!
//! The rule the whole product keeps: each dollar of the bill is counted exactly once. Billed dollars
//! live only in [`CostLine`]s (cost reports, seat fees, invoices); [`UsageLine`]s carry quantities
//! and identities that refine who and why, and are priced only to weigh or estimate, never to add.

mod ids;
mod lines;
mod money;
mod orgmap;
pub mod parallel;
mod spelling;
mod time;

pub use ids::{ContextWindow, CostKind, InferenceGeo, ParseEnumError, Path, ServiceTier, Source, Speed, TokenType};
pub use lines::{
    ActivityLine, CostLine, DirectoryEntry, DirectoryKind, HourProfile, Identity, Quantities, Seat, TokenCounts, UnknownValue, UsageLine,
};
pub use money::{Money, thousands};
pub use orgmap::{ClaudeCodeRule, FeatureRule, Glob, KeyMatch, KeyTarget, Lever, LeverRule, LeverStatus, OrgMap, TeamRule};
pub use spelling::{Spelling, SpellingError};
pub use time::{Day, Period};

//! The typed documents behind every `--json` output and every REST answer. A face never builds
//! JSON of its own: it serialises one of these (or an analysis result the application returns
//! as is, such as the report's `Summary`) with [`to_json`], so the CLI and the dashboard's API
//! print the same bytes for the same question.
//!
//! Dollar amounts are exact decimal strings ([`Money`] serialises so); keys are sorted at every
//! level, whatever order a struct declares them in.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;
use spendlens_model::{Day, Money, Period, Source};

use crate::AppError;

/// `value` as the JSON text a face prints: pretty, keys sorted at every level, a final newline.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, AppError> {
    let value = serde_json::to_value(value).map_err(|error| AppError::invalid(format!("cannot serialise a view: {error}")))?;
    let text = serde_json::to_string_pretty(&value).map_err(|error| AppError::invalid(format!("cannot serialise a view: {error}")))?;
    Ok(format!("{text}\n"))
}

/// `spendlens status`: what the ledger holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusView {
    /// The sum of every stored cost line (billing sources and estimates alike; see `sources`),
    /// with the roster's seats billed over the days the ledger holds (`first_day`..`last_day`).
    pub cost_usd: Money,
    pub data_dir: PathBuf,
    pub first_day: Option<Day>,
    pub last_day: Option<Day>,
    /// Only sources with at least one row.
    pub sources: BTreeMap<Source, SourceStatus>,
    /// Values stored that this build does not know, with the lines and tokens carrying them.
    pub unknown_values: Vec<spendlens_model::UnknownValue>,
}

/// One source's rows and sums.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceStatus {
    pub cost_rows: u64,
    pub cost_usd: Money,
    pub directory_rows: u64,
    pub tokens: u64,
    pub usage_rows: u64,
}

impl StatusView {
    /// Whether both Console cost sources are stored (the report then names which one billed).
    pub fn has_both_cost_sources(&self) -> bool {
        self.sources.contains_key(&Source::AdminCost) && self.sources.contains_key(&Source::AdminAnalyticsCost)
    }
}

/// `spendlens prices`: the rates in effect on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricesView {
    pub date: Day,
    pub models: Vec<ModelPrices>,
    pub version: String,
}

/// One model's card on the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelPrices {
    pub display: String,
    pub family: String,
    pub fast_multiplier: Option<String>,
    pub long_context_threshold_tokens: Option<u64>,
    pub model: String,
    pub origin: String,
    /// The day this card took effect.
    pub since: Day,
    pub us_residency_multiplier: Option<String>,
    pub usd_per_mtok: CardRates,
}

/// Dollars per million tokens, by token type, as exact decimals without trailing zeros.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardRates {
    pub cache_read: String,
    pub cache_write_1h: String,
    pub cache_write_5m: String,
    pub input: String,
    pub output: String,
}

/// `spendlens sync`: what each endpoint fetched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncView {
    pub directory_entries: usize,
    /// By endpoint name (`usage_report/messages`, ...).
    pub endpoints: BTreeMap<String, EndpointSync>,
    /// Endpoints that failed while the others were stored (empty when all went through).
    pub failures: Vec<spendlens_sync::EndpointFailure>,
    pub requests: u64,
}

/// One endpoint's window and the lines it stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointSync {
    pub end: Day,
    pub lines: Option<usize>,
    pub start: Day,
}

/// `spendlens crosscheck`: the usage report priced beside the cost report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossCheckView {
    pub billed_usd: Money,
    /// By cause (`matched`, `rate_differs`, ...).
    pub causes: BTreeMap<String, CauseSummary>,
    pub groups: usize,
    pub period: Period,
    pub priced_usd: Money,
    pub reconciles: bool,
    /// The rows asked for (the differences, or every row with `--all`).
    pub rows: Vec<spendlens_analysis::CrossCheckRow>,
}

/// How many groups a cause explains, and their dollars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseSummary {
    pub difference_usd: Money,
    pub explanation: String,
    pub groups: usize,
}

/// `spendlens reconcile`: the reconciliation, its month and whether it ties out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReconcileView {
    #[serde(flatten)]
    pub reconciliation: spendlens_analysis::reconcile::Reconciliation,
    pub month: String,
    pub ties_out: bool,
    /// No invoice was given: the month's own cost report and seat fees stood in for one, so the
    /// reconciliation checks the ledger against its sources, not against a bill.
    pub self_check: bool,
}

/// `spendlens ledger`: how each dollar of a period was placed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerView {
    pub period: Period,
    pub placements: Vec<spendlens_analysis::Placement>,
    pub total_usd: Money,
}

impl LedgerView {
    /// The placements `filter` keeps, in the same order, and their total (a filter looks only at
    /// what a placement groups by: the same view as placing only the entries it keeps).
    pub fn filtered(&self, filter: &spendlens_analysis::PlacementFilter) -> LedgerView {
        let placements: Vec<_> = self.placements.iter().filter(|placement| filter.keeps_placement(placement)).cloned().collect();
        let total_usd = placements.iter().map(|placement| placement.total_usd).sum();
        LedgerView { period: self.period, placements, total_usd }
    }
}

//! What whole-lake reads answer besides lines: usage rolled up per day and every dimension a
//! report slices by, and the lake's row counts and sums. Every engine behind [`crate::Lake`]
//! answers with these types.

use std::collections::BTreeMap;

use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, Path, Quantities, ServiceTier, Source, Speed, TokenCounts, UnknownValue};

/// Usage summed per day, source and every dimension a report slices by.
///
/// The grain drops `session_id`, `request_id` and `project` (counted as distinct sessions
/// instead) and keeps everything that changes a price or an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRollup {
    pub day: Day,
    pub source: Source,
    pub path: Path,
    pub workspace_id: Option<String>,
    pub api_key_id: Option<String>,
    pub api_key_name: Option<String>,
    pub actor_email: Option<String>,
    /// The user account the usage report names (`account_id`), and the service account.
    pub account_id: Option<String>,
    pub service_account_id: Option<String>,
    pub model: String,
    pub service_tier: ServiceTier,
    pub context_window: ContextWindow,
    pub inference_geo: InferenceGeo,
    pub speed: Speed,
    /// Summed quantities; `requests` is `None` when no line of the group counted them.
    pub quantities: Quantities,
    /// Summed source estimates; `None` when no line of the group had one.
    pub reported_cost: Option<Money>,
    /// Distinct non-empty session ids in the group.
    pub sessions: u64,
    /// Usage lines summed into the group.
    pub lines: u64,
}

/// Row counts and sums of one source (or of the whole lake).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub usage_rows: u64,
    pub cost_rows: u64,
    pub directory_rows: u64,
    pub activity_rows: u64,
    /// Tokens of every usage line, by type.
    pub tokens: TokenCounts,
    /// The sum of every cost line's amount.
    pub cost: Money,
}

impl Totals {
    pub(crate) fn add(&mut self, other: &Totals) {
        self.usage_rows += other.usage_rows;
        self.cost_rows += other.cost_rows;
        self.directory_rows += other.directory_rows;
        self.activity_rows += other.activity_rows;
        self.tokens.add(&other.tokens);
        self.cost += other.cost;
    }
}

/// What the lake holds, for `spendlens status` and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreTotals {
    pub overall: Totals,
    /// Only sources with at least one row.
    pub by_source: BTreeMap<Source, Totals>,
}

impl StoreTotals {
    /// The totals of `by_source`, with the overall sums added up from them.
    pub(crate) fn of_sources(by_source: BTreeMap<Source, Totals>) -> StoreTotals {
        let mut overall = Totals::default();
        for totals in by_source.values() {
            overall.add(totals);
        }
        StoreTotals { overall, by_source }
    }
}

/// The group keys of a rollup, in their order of precedence: day, source and path; the
/// identities; the model and the rate dimensions. Rollups are ordered by it (enumerations in
/// declaration order, absent identities first), whatever their spellings.
#[allow(clippy::type_complexity)]
pub(crate) fn rollup_key(
    rollup: &UsageRollup,
) -> ((Day, Source, Path), [Option<&str>; 6], (&str, ServiceTier, ContextWindow, InferenceGeo, Speed)) {
    (
        (rollup.day, rollup.source, rollup.path),
        [
            rollup.workspace_id.as_deref(),
            rollup.api_key_id.as_deref(),
            rollup.api_key_name.as_deref(),
            rollup.actor_email.as_deref(),
            rollup.account_id.as_deref(),
            rollup.service_account_id.as_deref(),
        ],
        (&rollup.model, rollup.service_tier, rollup.context_window, rollup.inference_geo, rollup.speed),
    )
}

/// The unknown values an engine finds, summed per what, value and source (both engines' tally).
#[derive(Debug, Default)]
pub(crate) struct UnknownTally(BTreeMap<(String, String, Source), UnknownValue>);

impl UnknownTally {
    /// `lines`, `tokens` and `amount` that carry `value` of `what` in `source`.
    pub(crate) fn note(&mut self, what: &str, value: &str, source: Source, lines: u64, tokens: u64, amount: Money) {
        let entry = self.0.entry((what.to_string(), value.to_string(), source)).or_insert_with(|| UnknownValue {
            what: what.to_string(),
            value: value.to_string(),
            source,
            lines: 0,
            tokens: 0,
            amount_usd: Money::ZERO,
        });
        entry.lines += lines;
        entry.tokens += tokens;
        entry.amount_usd += amount;
    }

    /// Ordered by what, value and source.
    pub(crate) fn into_values(self) -> Vec<UnknownValue> {
        self.0.into_values().collect()
    }
}

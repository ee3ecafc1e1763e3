//! Cross-check of the usage report against the cost report: the usage report's tokens priced by
//! the price book, beside the cost report's dollars, per day × workspace × model. A difference of
//! more than a cent is listed with its likely cause, so a wrong rate, a missing price, Priority
//! Tier (absent from the cost report by design) or unsettled data is named rather than hidden.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{CostLine, Day, Money, Period, ServiceTier, Source, UsageLine};
use spendlens_pricing::{PriceBook, normalise_model_id};

/// Why priced usage and billed cost differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Within a cent.
    Matched,
    /// The price book does not know the model: the usage could not be priced.
    UnpricedModel,
    /// The usage names a value this build does not know (a new service tier, speed, context
    /// window or geography): it could not be priced.
    UnknownValue,
    /// Priority Tier usage: contract-priced and excluded from the cost report.
    PriorityTier,
    /// Usage without any cost line: the cost report has not settled yet, or was not ingested.
    NoCostLine,
    /// Cost without usage: the usage report was not ingested for this day, or grouped differently.
    NoUsage,
    /// Both present and different: a contract rate or discount, or a price book out of date.
    RateDiffers,
}

impl Cause {
    pub fn explain(self) -> &'static str {
        match self {
            Cause::Matched => "within a cent",
            Cause::UnpricedModel => "model not in the price book: add it to prices.toml",
            Cause::UnknownValue => "a tier, speed, context window or geography this build does not know: priced by no rule (see status)",
            Cause::PriorityTier => "Priority Tier is billed by contract and absent from the cost report",
            Cause::NoCostLine => "usage with no cost line: cost data not settled yet, or not ingested",
            Cause::NoUsage => "cost with no usage: usage report missing for the day, or not grouped by workspace and model",
            Cause::RateDiffers => "billed at another rate than the price book: a contract discount, or the book is out of date",
        }
    }
}

/// One day × workspace × model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossCheckRow {
    pub day: Day,
    pub workspace_id: Option<String>,
    pub model: String,
    /// The usage report priced by the book (priced parts only).
    pub priced_usd: Money,
    /// The cost report.
    pub billed_usd: Money,
    /// `billed - priced`.
    pub difference_usd: Money,
    pub cause: Cause,
}

/// The whole cross-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossCheck {
    pub period: Period,
    pub rows: Vec<CrossCheckRow>,
    /// Rows and the sum of differences per cause.
    pub by_cause: BTreeMap<Cause, (usize, Money)>,
    pub priced_usd: Money,
    pub billed_usd: Money,
}

impl CrossCheck {
    /// True when every group is within a cent.
    pub fn reconciles(&self) -> bool {
        self.rows.iter().all(|row| row.cause == Cause::Matched)
    }
}

#[derive(Default)]
struct Group {
    priced: Money,
    billed: Money,
    has_usage: bool,
    has_cost: bool,
    unpriced: bool,
    unknown_value: bool,
    priority: bool,
}

/// Compares Admin usage-report lines with Admin cost-report lines in `period`.
pub fn crosscheck(usage: &[UsageLine], costs: &[CostLine], book: &PriceBook, period: Period) -> CrossCheck {
    let mut groups: BTreeMap<(Day, Option<String>, String), Group> = BTreeMap::new();
    let mut pricer = book.pricer();
    for line in usage.iter().filter(|line| line.source == Source::AdminUsage && period.contains(line.day())) {
        let group = groups.entry((line.day(), line.identity.workspace_id.clone(), normalise_model_id(&line.model))).or_default();
        group.has_usage = true;
        group.priority |= line.service_tier == ServiceTier::Priority;
        match pricer.line_cost(line) {
            Ok(cost) => group.priced += cost.total,
            Err(spendlens_pricing::PriceError::UnknownValue { .. }) => group.unknown_value = true,
            Err(_) => group.unpriced = true,
        }
    }
    for cost in costs.iter().filter(|cost| cost.source == Source::AdminCost && period.contains(cost.start)) {
        let model = cost.model.as_deref().map(normalise_model_id).unwrap_or_default();
        let group = groups.entry((cost.start, cost.identity.workspace_id.clone(), model)).or_default();
        group.has_cost = true;
        group.billed += cost.amount;
    }
    let cent = Money::from_cents(1);
    let mut by_cause: BTreeMap<Cause, (usize, Money)> = BTreeMap::new();
    let mut rows = Vec::with_capacity(groups.len());
    let (mut priced_total, mut billed_total) = (Money::ZERO, Money::ZERO);
    for ((day, workspace_id, model), group) in groups {
        let difference = group.billed - group.priced;
        let cause = if difference.abs() <= cent {
            Cause::Matched
        } else if group.unpriced {
            Cause::UnpricedModel
        } else if group.unknown_value {
            Cause::UnknownValue
        } else if group.priority && difference < Money::ZERO {
            Cause::PriorityTier
        } else if !group.has_cost {
            Cause::NoCostLine
        } else if !group.has_usage {
            Cause::NoUsage
        } else {
            Cause::RateDiffers
        };
        let entry = by_cause.entry(cause).or_insert((0, Money::ZERO));
        entry.0 += 1;
        entry.1 += difference;
        priced_total += group.priced;
        billed_total += group.billed;
        rows.push(CrossCheckRow {
            day,
            workspace_id,
            model,
            priced_usd: group.priced,
            billed_usd: group.billed,
            difference_usd: difference,
            cause,
        });
    }
    CrossCheck { period, rows, by_cause, priced_usd: priced_total, billed_usd: billed_total }
}

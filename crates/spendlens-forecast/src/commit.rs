//! Sizing a spend commitment: a newsvendor problem. Committing `C` dollars costs `C` at the
//! committed price (list less the discount, which may depend on `C` through tiers) whatever is
//! used; unused commitment is lost; use beyond it is billed at the overage rate (a multiple of
//! list). Over equally likely spend scenarios `S`, the expected cost of `C` is
//!
//! `(1 - d(C)) C + r E[(S - C)+]`,
//!
//! and committing nothing means no contract: every dollar at list, `E[S]`. The best contract
//! minimises it over the commitments where it can turn (every scenario and tier threshold); with
//! one discount that is the `1 - (1 - d) / r` quantile of `S`, the closed form the tests hold
//! this search to. It is recommended when it beats no contract. Arithmetic is exact decimal: sums are multiplied
//! through by the scenario count, so ties are exact and a larger discount can never pick a
//! smaller commitment.

use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::Money;

/// A discount from a commitment level up (`--discount-tiers`: the largest threshold not above the
/// commitment applies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub min_commitment_usd: Money,
    /// A fraction: 0.15 is 15% off list.
    pub discount: Decimal,
}

/// How a commitment is priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Sorted by threshold; a commitment below the first threshold gets no discount.
    pub tiers: Vec<Tier>,
    /// Overage billed at this multiple of list (1 is list).
    pub overage_rate: Decimal,
}

impl Terms {
    /// One discount at every level.
    pub fn flat(discount: Decimal, overage_rate: Decimal) -> Terms {
        Terms { tiers: vec![Tier { min_commitment_usd: Money::ZERO, discount }], overage_rate }
    }

    pub fn discount_at(&self, commitment: Money) -> Decimal {
        self.tiers
            .iter()
            .filter(|tier| tier.min_commitment_usd <= commitment)
            .map(|tier| tier.discount)
            .next_back()
            .unwrap_or(Decimal::ZERO)
    }
}

/// One commitment level's expected outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub commitment_usd: Money,
    pub discount: Decimal,
    pub expected_cost_usd: Money,
    /// Against paying list for the same spend with no commitment.
    pub expected_saving_usd: Money,
    pub shortfall_probability: Decimal,
    pub expected_waste_usd: Money,
}

/// The answer for one spend distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sizing {
    /// The best contract, or no contract (a zero commitment) when none beats list.
    pub recommended: Level,
    /// The best commitment above zero, whether or not it beats list.
    pub best_contract: Level,
    /// Expected spend at list with no commitment.
    pub expected_spend_usd: Money,
}

/// Expected cost x n, waste x n and shortfalls of `commitment` over `scenarios`.
fn totals(scenarios: &[Money], terms: &Terms, commitment: Money) -> (Decimal, Decimal, usize) {
    let c = commitment.as_decimal();
    let n = Decimal::from(scenarios.len());
    let mut overage = Decimal::ZERO;
    let mut waste = Decimal::ZERO;
    let mut short = 0;
    if c.is_zero() {
        // No contract: list price.
        let spend: Decimal = scenarios.iter().map(|scenario| scenario.as_decimal()).sum();
        return (spend, Decimal::ZERO, scenarios.iter().filter(|scenario| **scenario > Money::ZERO).count());
    }
    for scenario in scenarios {
        let s = scenario.as_decimal();
        if s > c {
            overage += s - c;
            short += 1;
        } else {
            waste += c - s;
        }
    }
    ((Decimal::ONE - terms.discount_at(commitment)) * c * n + terms.overage_rate * overage, waste, short)
}

/// The expected outcome of committing `commitment`.
pub fn level(scenarios: &[Money], terms: &Terms, commitment: Money) -> Level {
    let n = Decimal::from(scenarios.len().max(1));
    let (cost, waste, short) = totals(scenarios, terms, commitment);
    let spend: Decimal = scenarios.iter().map(|scenario| scenario.as_decimal()).sum();
    let cents = |value: Decimal| Money::from_decimal(value / n).round_cents();
    Level {
        commitment_usd: commitment,
        discount: if commitment.is_zero() { Decimal::ZERO } else { terms.discount_at(commitment) },
        expected_cost_usd: cents(cost),
        expected_saving_usd: cents(spend - cost),
        shortfall_probability: (Decimal::from(short) / n).round_dp(4),
        expected_waste_usd: cents(waste),
    }
}

/// The commitment minimising expected cost over equally likely `scenarios` (the smallest of
/// equals), with its outcome.
pub fn size(scenarios: &[Money], terms: &Terms) -> Sizing {
    let mut candidates: Vec<Money> = scenarios.iter().map(|scenario| scenario.round_cents()).collect();
    candidates.extend(terms.tiers.iter().map(|tier| tier.min_commitment_usd));
    candidates.retain(|candidate| *candidate > Money::ZERO);
    candidates.sort();
    candidates.dedup();
    let mut best: Option<(Money, Decimal)> = None;
    for candidate in candidates {
        let cost = totals(scenarios, terms, candidate).0;
        if best.is_none_or(|(_, least)| cost < least) {
            best = Some((candidate, cost));
        }
    }
    let list = totals(scenarios, terms, Money::ZERO).0;
    let contract = best.map_or(Money::ZERO, |(commitment, _)| commitment);
    let recommended = match best {
        Some((commitment, cost)) if cost < list => commitment,
        _ => Money::ZERO,
    };
    let n = Decimal::from(scenarios.len().max(1));
    let spend: Decimal = scenarios.iter().map(|scenario| scenario.as_decimal()).sum();
    Sizing {
        recommended: level(scenarios, terms, recommended),
        best_contract: level(scenarios, terms, contract),
        expected_spend_usd: Money::from_decimal(spend / n).round_cents(),
    }
}

/// The levels a sensitivity table shows: the scenarios' deciles from nothing to the 90th, and the
/// recommendation, in order.
pub fn sensitivity(scenarios: &[Money], terms: &Terms, recommended: Money) -> Vec<Level> {
    let mut sorted: Vec<Money> = scenarios.to_vec();
    sorted.sort();
    let mut levels: Vec<Money> = (0..10)
        .map(|decile| {
            if decile == 0 || sorted.is_empty() {
                Money::ZERO
            } else {
                sorted[(sorted.len() * decile / 10).min(sorted.len() - 1)].round_cents()
            }
        })
        .collect();
    levels.push(recommended);
    levels.sort();
    levels.dedup();
    levels.into_iter().map(|commitment| level(scenarios, terms, commitment)).collect()
}

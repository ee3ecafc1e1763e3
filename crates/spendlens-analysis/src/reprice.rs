//! Repricing: a period's token usage (the usage report's API-key traffic, both paths) priced
//! under another price book, beside today's book, diffed by path, feature, team and model. Seat
//! fees do not depend on token prices and are left out.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{Money, Path, Period, Source, UsageLine};
use spendlens_pricing::{PriceBook, PriceQuery};

use crate::ledger::{Driver, Ledger};

/// Today's and the other book's price of one slice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Repriced {
    pub current_usd: Money,
    pub repriced_usd: Money,
    /// `repriced_usd - current_usd`.
    pub delta_usd: Money,
}

impl Repriced {
    fn add(&mut self, current: Money, repriced: Money) {
        self.current_usd += current;
        self.repriced_usd += repriced;
        self.delta_usd = self.repriced_usd - self.current_usd;
    }
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repricing {
    pub period: Period,
    pub current_usd: Money,
    pub repriced_usd: Money,
    pub delta_usd: Money,
    pub by_path: BTreeMap<String, Repriced>,
    pub by_feature: BTreeMap<String, Repriced>,
    pub by_team: BTreeMap<String, Repriced>,
    pub by_model: BTreeMap<String, Repriced>,
    /// Lines one of the books could not price (a model it does not know), left out of both.
    pub unpriced_lines: usize,
}

/// What is repriced.
#[derive(Debug, Clone, Copy)]
pub struct RepriceInput<'a> {
    pub period: Period,
    /// Day-grain usage of the period (the store's rollups).
    pub usage: &'a [UsageLine],
    /// The period's ledger: each key's path and driver.
    pub ledger: &'a Ledger,
    pub current: &'a PriceBook,
    pub other: &'a PriceBook,
}

/// A key's path, feature and team.
type Placement = (Path, Option<String>, Option<String>);

/// Each key's path, feature and team, from the driver that received most of its dollars.
fn placements(ledger: &Ledger) -> BTreeMap<String, Placement> {
    let mut amounts: BTreeMap<String, BTreeMap<Placement, Money>> = BTreeMap::new();
    for entry in &ledger.entries {
        let Some(key) = &entry.api_key else { continue };
        let (feature, team) = match &entry.driver {
            Driver::Feature { name } => (Some(name.clone()), None),
            Driver::Engineer { team, .. } => (None, team.clone()),
            _ => (None, None),
        };
        *amounts.entry(key.clone()).or_default().entry((entry.path, feature, team)).or_default() += entry.amount;
    }
    amounts
        .into_iter()
        .filter_map(|(key, drivers)| drivers.into_iter().max_by_key(|(_, amount)| *amount).map(|(placement, _)| (key, placement)))
        .collect()
}

/// Prices the period's usage under both books.
pub fn reprice(input: RepriceInput<'_>) -> Repricing {
    let placed = placements(input.ledger);
    let mut total = Repriced::default();
    let (mut by_path, mut by_feature, mut by_team, mut by_model) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    let mut unpriced_lines = 0;
    for line in input.usage.iter().filter(|line| line.source == Source::AdminUsage && input.period.contains(line.day())) {
        let mut query = PriceQuery::from_line(line);
        query.quantities.requests = None;
        let (Ok(current), Ok(repriced)) = (input.current.price(&query), input.other.price(&query)) else {
            unpriced_lines += 1;
            continue;
        };
        let (current, repriced) = (current.total, repriced.total);
        let (path, feature, team) =
            line.identity.api_key_id.as_ref().and_then(|key| placed.get(key).cloned()).unwrap_or((Path::Unassigned, None, None));
        total.add(current, repriced);
        by_path.entry(path.as_str().to_string()).or_insert_with(Repriced::default).add(current, repriced);
        if path == Path::Api {
            by_feature.entry(feature.unwrap_or_else(|| "(no feature)".into())).or_insert_with(Repriced::default).add(current, repriced);
        }
        if path == Path::ClaudeCode {
            by_team.entry(team.unwrap_or_else(|| "(no team)".into())).or_insert_with(Repriced::default).add(current, repriced);
        }
        by_model.entry(line.model.clone()).or_insert_with(Repriced::default).add(current, repriced);
    }
    Repricing {
        period: input.period,
        current_usd: total.current_usd,
        repriced_usd: total.repriced_usd,
        delta_usd: total.delta_usd,
        by_path,
        by_feature,
        by_team,
        by_model,
        unpriced_lines,
    }
}

//! Savings realised: once a lever is adopted (a date in the org map, or detected in the traffic),
//! each month's actual spend on the changed traffic beside its counterfactual, the same tokens
//! priced as they would have been before the change. The method and the counterfactual's inputs
//! are part of the answer, so a gainshare can be settled on it.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{Day, Lever, LeverStatus, Money, OrgMap, Period, ServiceTier, Source, TokenCounts, UsageLine};
use spendlens_pricing::{PriceBook, PriceQuery};

use crate::ledger::{Driver, LedgerEntry};

/// How the counterfactual is built, in words (the answer's `method`).
pub const METHOD: &str = "For each adopted lever, from the day it took effect: actual = the feature's changed traffic (routing: the \
     tokens on the new model; caching: every line; batch: the batch-tier lines), day by day, at the price book's list prices; \
     counterfactual = the same tokens priced as before the change (routing: on the model used before; caching: every cached token, \
     read or written, as uncached input; batch: at the standard tier), with each day's rates. saved = counterfactual - actual. \
     Adoption is the org map's [[lever]] status = \"adopted\" with its `since`, or detected: the feature's dominant model (80% of \
     tokens) changes and holds to the end, or its cache-read or batch share rises from under 5% to 30% or more and holds.";

/// How an adoption became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Found {
    OrgMap,
    Detected,
}

/// One lever adopted by one feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adoption {
    pub feature: String,
    pub lever: Lever,
    pub since: Day,
    pub found: Found,
    /// Routing: the models before and after.
    pub from_model: Option<String>,
    pub to_model: Option<String>,
}

/// One month of one adopted lever.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsMonth {
    /// `2026-10`.
    pub month: String,
    pub lever: Lever,
    pub feature: String,
    pub actual_usd: Money,
    pub counterfactual_usd: Money,
    pub saved_usd: Money,
    /// The tokens priced (as they ran).
    pub tokens: TokenCounts,
    /// What the counterfactual priced them as.
    pub counterfactual: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Savings {
    pub period: Period,
    pub method: &'static str,
    pub adoptions: Vec<Adoption>,
    pub months: Vec<SavingsMonth>,
    pub total_saved_usd: Money,
}

/// What savings are measured from.
#[derive(Debug, Clone, Copy)]
pub struct SavingsInput<'a> {
    /// The months measured.
    pub period: Period,
    /// Day-grain usage from before the adoptions to the period's end (the store's rollups).
    pub usage: &'a [UsageLine],
    /// The feature each API key carries ([`add_feature_of_key`] over the span's ledger).
    pub features: &'a BTreeMap<String, String>,
    pub orgmap: &'a OrgMap,
    pub book: &'a PriceBook,
}

/// The feature each API key carries, one ledger entry at a time: the entry's key and feature
/// added to `features` (a key placed under several keeps the last), as the ledger is assembled
/// ([`crate::assemble_each`]).
pub fn add_feature_of_key(features: &mut BTreeMap<String, String>, entry: &LedgerEntry) {
    if let (Some(key), Driver::Feature { name }) = (&entry.api_key, &entry.driver)
        && features.get(key) != Some(name)
    {
        features.insert(key.clone(), name.clone());
    }
}

/// Tokens per day of one feature's traffic, split by `part`.
fn daily<K: Ord>(lines: &[&UsageLine], part: impl Fn(&UsageLine) -> K) -> BTreeMap<Day, BTreeMap<K, u64>> {
    let mut days: BTreeMap<Day, BTreeMap<K, u64>> = BTreeMap::new();
    for line in lines {
        *days.entry(line.day()).or_default().entry(part(line)).or_default() += line.quantities.tokens.total();
    }
    days
}

/// The share of a day's tokens `wanted` holds.
fn share<K: Ord>(day: &BTreeMap<K, u64>, wanted: impl Fn(&K) -> bool) -> f64 {
    let total: u64 = day.values().sum();
    if total == 0 {
        return 0.0;
    }
    day.iter().filter(|(key, _)| wanted(key)).map(|(_, tokens)| *tokens).sum::<u64>() as f64 / total as f64
}

/// The first day from which `holds` is true on every later day, if it was false on the first
/// week's days and at least a week of days passed before it.
fn lasting_change(days: &[Day], holds: impl Fn(Day) -> bool) -> Option<Day> {
    if days.len() < 14 || days.iter().take(7).any(|day| holds(*day)) {
        return None;
    }
    let mut since = None;
    for day in days.iter().rev() {
        if holds(*day) {
            since = Some(*day);
        } else {
            break;
        }
    }
    since.filter(|day| days.iter().position(|each| each == day).is_some_and(|index| index >= 7))
}

fn detect(feature: &str, lines: &[&UsageLine]) -> Vec<Adoption> {
    let mut found = Vec::new();
    let by_model = daily(lines, |line| line.model.clone());
    let days: Vec<Day> = by_model.keys().copied().collect();
    let dominant = |day: Day| -> Option<String> {
        let tokens = &by_model[&day];
        let total: u64 = tokens.values().sum();
        tokens.iter().find(|(_, each)| total > 0 && **each as f64 >= 0.8 * total as f64).map(|(model, _)| model.clone())
    };
    if let (Some(first), Some(last)) = (days.first().and_then(|day| dominant(*day)), days.last().and_then(|day| dominant(*day)))
        && first != last
        && let Some(since) = lasting_change(&days, |day| dominant(day).as_deref() == Some(last.as_str()))
    {
        found.push(Adoption {
            feature: feature.to_string(),
            lever: Lever::Routing,
            since,
            found: Found::Detected,
            from_model: Some(first),
            to_model: Some(last),
        });
    }
    let by_kind = daily(lines, |_| ());
    let cached = |day: Day| -> f64 {
        let tokens: TokenCounts = lines.iter().filter(|line| line.day() == day).fold(TokenCounts::default(), |mut sum, line| {
            sum.add(&line.quantities.tokens);
            sum
        });
        let input = tokens.input + tokens.cache_read + tokens.cache_write_5m + tokens.cache_write_1h;
        if input == 0 { 0.0 } else { tokens.cache_read as f64 / input as f64 }
    };
    let days: Vec<Day> = by_kind.keys().copied().collect();
    if days.iter().take(7).all(|day| cached(*day) < 0.05)
        && let Some(since) = lasting_change(&days, |day| cached(day) >= 0.3)
    {
        found.push(Adoption {
            feature: feature.to_string(),
            lever: Lever::Caching,
            since,
            found: Found::Detected,
            from_model: None,
            to_model: None,
        });
    }
    let by_tier = daily(lines, |line| line.service_tier == ServiceTier::Batch);
    let batched = |day: Day| by_tier.get(&day).map_or(0.0, |tiers| share(tiers, |batch| *batch));
    if days.iter().take(7).all(|day| batched(*day) < 0.05)
        && let Some(since) = lasting_change(&days, |day| batched(day) >= 0.3)
    {
        found.push(Adoption {
            feature: feature.to_string(),
            lever: Lever::Batch,
            since,
            found: Found::Detected,
            from_model: None,
            to_model: None,
        });
    }
    found
}

/// Savings realised in `input.period`.
pub fn savings(input: SavingsInput<'_>) -> Savings {
    let features = input.features;
    let mut traffic: BTreeMap<String, Vec<&UsageLine>> = BTreeMap::new();
    for line in input.usage.iter().filter(|line| line.source == Source::AdminUsage && line.day() < input.period.end) {
        if let Some(feature) = line.identity.api_key_id.as_ref().and_then(|key| features.get(key)) {
            traffic.entry(feature.clone()).or_default().push(line);
        }
    }
    let mut adoptions: Vec<Adoption> = Vec::new();
    for rule in input.orgmap.levers.iter().filter(|rule| rule.status == LeverStatus::Adopted) {
        let (Some(since), Some(lines)) = (rule.since, traffic.get(&rule.feature)) else { continue };
        let (from_model, to_model) = if rule.lever == Lever::Routing {
            // The model the feature ran on most before the change, and the one it runs on after.
            let most = |before: bool| {
                let mut tokens: BTreeMap<&str, u64> = BTreeMap::new();
                for line in lines.iter().filter(|line| (line.day() < since) == before) {
                    *tokens.entry(line.model.as_str()).or_default() += line.quantities.tokens.total();
                }
                tokens.into_iter().max_by_key(|(_, tokens)| *tokens).map(|(model, _)| model.to_string())
            };
            (most(true), rule.target_model.clone().or_else(|| most(false)))
        } else {
            (None, None)
        };
        adoptions.push(Adoption { feature: rule.feature.clone(), lever: rule.lever, since, found: Found::OrgMap, from_model, to_model });
    }
    for (feature, lines) in &traffic {
        for detected in detect(feature, lines) {
            if !adoptions.iter().any(|known| known.feature == *feature && known.lever == detected.lever) {
                adoptions.push(detected);
            }
        }
    }
    adoptions.sort_by(|left, right| (&left.feature, left.lever, left.since).cmp(&(&right.feature, right.lever, right.since)));

    let mut months: BTreeMap<(String, Lever, String), SavingsMonth> = BTreeMap::new();
    for adoption in &adoptions {
        let Some(lines) = traffic.get(&adoption.feature) else { continue };
        for line in lines.iter().filter(|line| line.day() >= adoption.since && input.period.contains(line.day())) {
            let mut query = PriceQuery::from_line(line);
            query.quantities.requests = None;
            let counterfactual = match adoption.lever {
                Lever::Routing => {
                    let (Some(from), Some(to)) = (&adoption.from_model, &adoption.to_model) else { continue };
                    if line.model != *to {
                        continue;
                    }
                    let mut before = query.clone();
                    before.model.clone_from(from);
                    (before, format!("on {from}"))
                }
                Lever::Caching => {
                    let mut before = query.clone();
                    let tokens = &mut before.quantities.tokens;
                    tokens.input += tokens.cache_read + tokens.cache_write_5m + tokens.cache_write_1h;
                    tokens.cache_read = 0;
                    tokens.cache_write_5m = 0;
                    tokens.cache_write_1h = 0;
                    (before, "with cached tokens as uncached input".to_string())
                }
                Lever::Batch => {
                    if line.service_tier != ServiceTier::Batch {
                        continue;
                    }
                    let mut before = query.clone();
                    before.service_tier = ServiceTier::Standard;
                    (before, "at the standard tier".to_string())
                }
            };
            let (Ok(actual), Ok(before)) = (input.book.price(&query), input.book.price(&counterfactual.0)) else { continue };
            let month = line.day().format("%Y-%m").to_string();
            let entry = months.entry((month.clone(), adoption.lever, adoption.feature.clone())).or_insert_with(|| SavingsMonth {
                month,
                lever: adoption.lever,
                feature: adoption.feature.clone(),
                actual_usd: Money::ZERO,
                counterfactual_usd: Money::ZERO,
                saved_usd: Money::ZERO,
                tokens: TokenCounts::default(),
                counterfactual: counterfactual.1,
            });
            entry.actual_usd += actual.total;
            entry.counterfactual_usd += before.total;
            entry.saved_usd = entry.counterfactual_usd - entry.actual_usd;
            entry.tokens.add(&line.quantities.tokens);
        }
    }
    let months: Vec<SavingsMonth> = months.into_values().collect();
    let total_saved_usd = months.iter().map(|month| month.saved_usd).sum();
    Savings { period: input.period, method: METHOD, adoptions, months, total_saved_usd }
}

//! An exact additive decomposition of a change in dollars between two windows into the factors
//! that drive it (Shapley values), and its rounding to cents that keeps the sum exact.
//!
//! A window's dollars are written as a product chain and nested shares, cell by cell, where a
//! cell is a model at a tier (batch or not) and a unit is a token type, a web search or a second
//! of code execution:
//!
//! ```text
//! dollars = c0 x (c1 / c0) x ... x (units / c_last)
//!           x sum over models m of  mix(m)
//!             x sum over tiers b of batch(m, b)
//!               x [ cache(m, b) x price(m, b, cache read)
//!                   + (1 - cache(m, b)) x sum over other units k of shape(m, b, k) x price(m, b, k) ]
//! ```
//!
//! with `c0, c1, ...` the window's volume counts (requests; or active engineers and sessions),
//! `mix` each model's share of the units, `batch` the share at the batch tier, `cache` the share
//! of cache reads, `shape` the make-up of the other units, and `price` the billed dollars per unit.
//! The identity holds exactly whenever the counts are positive. A factor is a group of these
//! parameters; its Shapley value is its marginal effect averaged over every order in which the
//! factors could switch from the earlier window's values to the later's, so the values add up to
//! the change exactly (no residual, no order chosen). A parameter a window cannot define (a model
//! it did not use) takes the other window's value, so a model that appears only in one window
//! moves the mix and never the price. Dollars no usage measures (a billed unit with no units
//! counted) are named as their own factor, `unmatched dollars`.
//!
//! Arithmetic is in 28-digit decimals; [`to_cents`] rounds the values to cents by the largest
//! remainder, so the rounded factors sum to the rounded change exactly and each is within a cent
//! of its exact value.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_model::Money;

/// Units a cell counts: five token types, web searches, code-execution seconds.
pub const UNIT_KINDS: usize = 7;
/// The cache-read unit's index.
pub const CACHE_READ: usize = 3;

/// One model at one tier in one window: units and billed dollars by unit kind
/// (`input`, `cache_write_5m`, `cache_write_1h`, `cache_read`, `output`, web searches, code
/// execution seconds).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub units: [Decimal; UNIT_KINDS],
    pub dollars: [Decimal; UNIT_KINDS],
}

/// A model and whether the cell is at the batch tier.
pub type CellKey = (String, bool);

/// What one window measured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Window {
    /// Volume counts before units, outermost first (requests; or active engineers, sessions).
    pub counts: Vec<Decimal>,
    pub cells: BTreeMap<CellKey, Cell>,
    /// Dollars no cell can hold (no model, a kind of charge that is not a unit).
    pub unmatched: Decimal,
}

impl Window {
    /// Every dollar of the window.
    pub fn dollars(&self) -> Decimal {
        self.unmatched + self.cells.values().flat_map(|cell| cell.dollars.iter()).copied().sum::<Decimal>()
    }

    /// Every unit of the window.
    pub fn units(&self) -> Decimal {
        self.cells.values().flat_map(|cell| cell.units.iter()).copied().sum()
    }

    /// Dollars billed on a unit kind the window counted none of.
    fn stray_dollars(&self) -> Decimal {
        self.cells
            .values()
            .flat_map(|cell| cell.units.iter().zip(cell.dollars.iter()))
            .filter(|(units, _)| units.is_zero())
            .map(|(_, dollars)| *dollars)
            .sum()
    }
}

/// A volume count: how it is named first in a chain, and as a ratio's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// As the chain's first factor: `requests`, `active engineers`.
    pub label: &'static str,
    /// As a numerator: `sessions`.
    pub plural: &'static str,
    /// As a denominator: `session`.
    pub singular: &'static str,
}

/// Which parameters each named factor moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// Requests, tokens per request (size and make-up of a request), model mix, cache-read
    /// share, batch share, price.
    Api,
    /// Active engineers, sessions per engineer, tokens per session, model mix, price (dollars
    /// per token on each model: rates and the make-up of the tokens).
    ClaudeCode,
}

/// The counts of an API window.
pub const API_COUNTS: [Count; 1] = [Count { label: "requests", plural: "requests", singular: "request" }];
/// The counts of a Claude Code window.
pub const CLAUDE_CODE_COUNTS: [Count; 2] = [
    Count { label: "active engineers", plural: "engineers", singular: "engineer" },
    Count { label: "sessions", plural: "sessions", singular: "session" },
];

/// The name of the factor for dollars no usage measures.
pub const UNMATCHED: &str = "unmatched dollars";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Chain(usize),
    Shape,
    Mix,
    Batch,
    Cache,
    Price,
}

/// One window's parameters; `None` where the window cannot define one.
#[derive(Debug, Default)]
struct Parameters {
    chain: Vec<Option<Decimal>>,
    mix: BTreeMap<String, Option<Decimal>>,
    batch: BTreeMap<String, Option<Decimal>>,
    cache: BTreeMap<CellKey, Option<Decimal>>,
    shape: BTreeMap<CellKey, [Option<Decimal>; UNIT_KINDS]>,
    price: BTreeMap<CellKey, [Option<Decimal>; UNIT_KINDS]>,
}

fn ratio(numerator: Decimal, denominator: Decimal) -> Option<Decimal> {
    (!denominator.is_zero()).then(|| numerator / denominator)
}

impl Parameters {
    fn of(window: &Window, kept: &[usize], models: &BTreeSet<String>, keys: &BTreeSet<CellKey>) -> Parameters {
        let units = window.units();
        let mut chain = Vec::with_capacity(kept.len() + 1);
        let mut previous: Option<Decimal> = None;
        for index in kept {
            let count = window.counts.get(*index).copied().unwrap_or_default();
            chain.push(match previous {
                None => Some(count),
                Some(before) => ratio(count, before),
            });
            previous = Some(count);
        }
        chain.push(match previous {
            None => Some(units),
            Some(before) => ratio(units, before),
        });
        let model_units = |model: &str, batch: Option<bool>| -> Decimal {
            window
                .cells
                .iter()
                .filter(|((name, at_batch), _)| name == model && batch.is_none_or(|wanted| wanted == *at_batch))
                .flat_map(|(_, cell)| cell.units.iter())
                .copied()
                .sum()
        };
        let mut parameters = Parameters { chain, ..Parameters::default() };
        for model in models {
            let all = model_units(model, None);
            parameters.mix.insert(model.clone(), ratio(all, units));
            parameters.batch.insert(model.clone(), ratio(model_units(model, Some(true)), all));
        }
        for key in keys {
            let cell = window.cells.get(key).cloned().unwrap_or_default();
            let total: Decimal = cell.units.iter().copied().sum();
            let cached = cell.units[CACHE_READ];
            parameters.cache.insert(key.clone(), ratio(cached, total));
            let mut shape = [None; UNIT_KINDS];
            let mut price = [None; UNIT_KINDS];
            for kind in 0..UNIT_KINDS {
                if kind != CACHE_READ {
                    shape[kind] = ratio(cell.units[kind], total - cached);
                }
                price[kind] = ratio(cell.dollars[kind], cell.units[kind]);
            }
            parameters.shape.insert(key.clone(), shape);
            parameters.price.insert(key.clone(), price);
        }
        parameters
    }
}

/// A parameter: this window's, else the other's, else zero.
fn pick(own: Option<Decimal>, other: Option<Decimal>) -> Decimal {
    own.or(other).unwrap_or_default()
}

fn pick_map<K: Ord + Clone>(own: &BTreeMap<K, Option<Decimal>>, other: &BTreeMap<K, Option<Decimal>>) -> BTreeMap<K, Decimal> {
    own.iter().map(|(key, value)| (key.clone(), pick(*value, other.get(key).copied().flatten()))).collect()
}

fn pick_units<K: Ord + Clone>(
    own: &BTreeMap<K, [Option<Decimal>; UNIT_KINDS]>,
    other: &BTreeMap<K, [Option<Decimal>; UNIT_KINDS]>,
) -> BTreeMap<K, [Decimal; UNIT_KINDS]> {
    own.iter()
        .map(|(key, values)| {
            let theirs = other.get(key).copied().unwrap_or([None; UNIT_KINDS]);
            let mut out = [Decimal::ZERO; UNIT_KINDS];
            for kind in 0..UNIT_KINDS {
                out[kind] = pick(values[kind], theirs[kind]);
            }
            (key.clone(), out)
        })
        .collect()
}

/// Parameters with every gap filled.
struct Filled {
    chain: Vec<Decimal>,
    mix: BTreeMap<String, Decimal>,
    batch: BTreeMap<String, Decimal>,
    cache: BTreeMap<CellKey, Decimal>,
    shape: BTreeMap<CellKey, [Decimal; UNIT_KINDS]>,
    price: BTreeMap<CellKey, [Decimal; UNIT_KINDS]>,
}

impl Filled {
    fn of(own: &Parameters, other: &Parameters) -> Filled {
        Filled {
            chain: own.chain.iter().zip(other.chain.iter()).map(|(mine, theirs)| pick(*mine, *theirs)).collect(),
            mix: pick_map(&own.mix, &other.mix),
            batch: pick_map(&own.batch, &other.batch),
            cache: pick_map(&own.cache, &other.cache),
            shape: pick_units(&own.shape, &other.shape),
            price: pick_units(&own.price, &other.price),
        }
    }
}

/// The dollars the identity gives with each group from `after` where `from_after` says so.
fn evaluate(before: &Filled, after: &Filled, from_after: &dyn Fn(Group) -> bool) -> Decimal {
    let side = |group: Group| if from_after(group) { after } else { before };
    let mut volume = Decimal::ONE;
    for index in 0..before.chain.len() {
        volume *= side(Group::Chain(index)).chain.get(index).copied().unwrap_or_default();
    }
    let zero = Decimal::ZERO;
    let none = [Decimal::ZERO; UNIT_KINDS];
    let mut per_unit = Decimal::ZERO;
    for (model, mix) in &side(Group::Mix).mix {
        if mix.is_zero() {
            continue;
        }
        let batch_share = side(Group::Batch).batch.get(model).copied().unwrap_or_default();
        let mut model_rate = Decimal::ZERO;
        for (at_batch, share) in [(false, Decimal::ONE - batch_share), (true, batch_share)] {
            if share.is_zero() {
                continue;
            }
            let key = (model.clone(), at_batch);
            let cache = *side(Group::Cache).cache.get(&key).unwrap_or(&zero);
            let shape = side(Group::Shape).shape.get(&key).unwrap_or(&none);
            let price = side(Group::Price).price.get(&key).unwrap_or(&none);
            let mut rest = Decimal::ZERO;
            for kind in (0..UNIT_KINDS).filter(|kind| *kind != CACHE_READ) {
                rest += shape[kind] * price[kind];
            }
            model_rate += share * (cache * price[CACHE_READ] + (Decimal::ONE - cache) * rest);
        }
        per_unit += *mix * model_rate;
    }
    volume * per_unit
}

/// The named factors of `structure` and the groups each moves, for a chain of `kept` counts.
fn factors(structure: Structure, counts: &[Count], kept: &[usize]) -> Vec<(String, Vec<Group>)> {
    let mut out: Vec<(String, Vec<Group>)> = Vec::new();
    let mut previous: Option<Count> = None;
    for (position, index) in kept.iter().enumerate() {
        let Some(count) = counts.get(*index).copied() else { continue };
        let name = match previous {
            None => count.label.to_string(),
            Some(before) => format!("{} per {}", count.plural, before.singular),
        };
        out.push((name, vec![Group::Chain(position)]));
        previous = Some(count);
    }
    let units = match previous {
        None => "tokens".to_string(),
        Some(before) => format!("tokens per {}", before.singular),
    };
    let last = Group::Chain(kept.len());
    match structure {
        Structure::Api => {
            out.push((units, vec![last, Group::Shape]));
            out.push(("model mix".to_string(), vec![Group::Mix]));
            out.push(("cache-read share".to_string(), vec![Group::Cache]));
            out.push(("batch share".to_string(), vec![Group::Batch]));
            out.push(("price".to_string(), vec![Group::Price]));
        }
        Structure::ClaudeCode => {
            out.push((units, vec![last]));
            out.push(("model mix".to_string(), vec![Group::Mix]));
            out.push(("price".to_string(), vec![Group::Shape, Group::Cache, Group::Batch, Group::Price]));
        }
    }
    out
}

fn factorial(n: usize) -> Decimal {
    (1..=n).fold(Decimal::ONE, |product, k| product * Decimal::from(k))
}

/// The change from `before` to `after` as named factors, exact to 28 digits: they sum to
/// `after.dollars() - before.dollars()` (to within 1e-20; [`to_cents`] makes the rounded sum
/// exact). `counts` names the windows' counts, in order; a count that is zero in either window
/// is left out of the chain (the next ratio spans it). `unmatched dollars` appears only when
/// some dollars have no units beside them.
pub fn decompose(structure: Structure, counts: &[Count], before: &Window, after: &Window) -> Vec<(String, Decimal)> {
    let kept: Vec<usize> = (0..counts.len())
        .filter(|index| {
            let positive = |window: &Window| window.counts.get(*index).is_some_and(|count| *count > Decimal::ZERO);
            positive(before) && positive(after)
        })
        .collect();
    let models: BTreeSet<String> = before.cells.keys().chain(after.cells.keys()).map(|(model, _)| model.clone()).collect();
    let keys: BTreeSet<CellKey> = models.iter().flat_map(|model| [(model.clone(), false), (model.clone(), true)]).collect();
    let raw_before = Parameters::of(before, &kept, &models, &keys);
    let raw_after = Parameters::of(after, &kept, &models, &keys);
    let filled_before = Filled::of(&raw_before, &raw_after);
    let filled_after = Filled::of(&raw_after, &raw_before);
    let named = factors(structure, counts, &kept);
    let n = named.len();
    // The identity's value for every subset of factors switched to `after`.
    let values: Vec<Decimal> = (0..1usize << n)
        .map(|mask| {
            let switched =
                |group: Group| named.iter().enumerate().any(|(index, (_, groups))| mask & (1 << index) != 0 && groups.contains(&group));
            evaluate(&filled_before, &filled_after, &switched)
        })
        .collect();
    let weight: Vec<Decimal> = (0..n).map(|size| factorial(size) * factorial(n - size - 1) / factorial(n)).collect();
    let mut out: Vec<(String, Decimal)> = Vec::with_capacity(n + 1);
    for (index, (name, _)) in named.iter().enumerate() {
        let bit = 1usize << index;
        let mut value = Decimal::ZERO;
        for mask in (0..1usize << n).filter(|mask| mask & bit == 0) {
            let size = mask.count_ones() as usize;
            value += weight[size] * (values[mask | bit] - values[mask]);
        }
        out.push((name.clone(), value));
    }
    let change = after.dollars() - before.dollars();
    let explained = values[(1 << n) - 1] - values[0];
    let stray = (after.unmatched + after.stray_dollars()) - (before.unmatched + before.stray_dollars());
    if !stray.is_zero() {
        out.push((UNMATCHED.to_string(), change - explained));
    } else if let Some(last) = out.last_mut() {
        // Only 28-digit rounding is left: the last factor takes it.
        last.1 += change - explained;
    }
    out
}

/// `raw` rounded to cents so that the parts sum to `total` exactly: each is rounded half away
/// from zero, and the cents still missing (or over) go, one each, to the parts whose rounding
/// moved them furthest the other way (the largest-remainder method).
pub fn to_cents(raw: &[(String, Decimal)], total: Money) -> Vec<(String, Money)> {
    let cent = Decimal::new(1, 2);
    let mut rounded: Vec<Decimal> =
        raw.iter().map(|(_, value)| value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)).collect();
    if rounded.is_empty() {
        return Vec::new();
    }
    let gap = total.as_decimal() - rounded.iter().copied().sum::<Decimal>();
    let steps = (gap / cent).round();
    let (direction, sign) = if steps.is_sign_negative() { (-cent, -Decimal::ONE) } else { (cent, Decimal::ONE) };
    let mut order: Vec<usize> = (0..rounded.len()).collect();
    // Parts whose exact value lies furthest beyond their rounding in the gap's direction first.
    order.sort_by(|a, b| {
        let lead = |index: usize| (raw[index].1 - rounded[index]) * sign;
        lead(*b).cmp(&lead(*a)).then(a.cmp(b))
    });
    let mut left = steps.abs();
    let mut position = 0;
    while left > Decimal::ZERO {
        let index = order[position % order.len()];
        rounded[index] += direction;
        left -= Decimal::ONE;
        position += 1;
    }
    raw.iter()
        .zip(rounded)
        .map(|((name, _), mut value)| {
            // Always two places: "0.00", never "0".
            value.rescale(2);
            (name.clone(), Money::from_decimal(value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn cell(units: [u64; UNIT_KINDS], rates: [&str; UNIT_KINDS]) -> Cell {
        let mut out = Cell::default();
        for kind in 0..UNIT_KINDS {
            out.units[kind] = Decimal::from(units[kind]);
            out.dollars[kind] = Decimal::from(units[kind]) * d(rates[kind]);
        }
        out
    }

    fn value(factors: &[(String, Decimal)], name: &str) -> Decimal {
        factors.iter().find(|(factor, _)| factor == name).map(|(_, value)| *value).unwrap()
    }

    const SONNET: [&str; UNIT_KINDS] = ["0.000002", "0.0000025", "0.000004", "0.0000002", "0.00001", "0.01", "0"];
    const OPUS: [&str; UNIT_KINDS] = ["0.000004", "0.000005", "0.000008", "0.0000002", "0.00002", "0.01", "0"];

    #[test]
    fn a_model_switch_is_all_model_mix() {
        // 100 requests of 1,000 input and 100 output tokens on Sonnet, then the same on Opus:
        // $0.20 + $0.10 = $0.30 before, $0.40 + $0.20 = $0.60 after.
        let units = [100_000, 0, 0, 0, 10_000, 0, 0];
        let before = Window { counts: vec![d("100")], cells: [(("sonnet".into(), false), cell(units, SONNET))].into(), unmatched: d("0") };
        let after = Window { counts: vec![d("100")], cells: [(("opus".into(), false), cell(units, OPUS))].into(), unmatched: d("0") };
        let factors = decompose(Structure::Api, &API_COUNTS, &before, &after);
        assert_eq!(value(&factors, "model mix").round_dp(12), d("0.3"));
        for name in ["requests", "tokens per request", "cache-read share", "batch share", "price"] {
            assert_eq!(value(&factors, name).round_dp(12), d("0"), "{name}");
        }
    }

    #[test]
    fn doubled_requests_at_the_same_shape_are_all_requests() {
        let before = Window {
            counts: vec![d("10")],
            cells: [(("sonnet".into(), false), cell([1000, 0, 0, 0, 100, 0, 0], SONNET))].into(),
            unmatched: d("0"),
        };
        let after = Window {
            counts: vec![d("20")],
            cells: [(("sonnet".into(), false), cell([2000, 0, 0, 0, 200, 0, 0], SONNET))].into(),
            unmatched: d("0"),
        };
        let factors = decompose(Structure::Api, &API_COUNTS, &before, &after);
        // $0.003 before, $0.006 after.
        assert_eq!(value(&factors, "requests").round_dp(12), d("0.003"));
        assert_eq!(value(&factors, "tokens per request").round_dp(12), d("0"));
    }

    #[test]
    fn cents_sum_to_the_total_by_largest_remainder() {
        let raw = vec![("a".to_string(), d("0.333333")), ("b".to_string(), d("0.333333")), ("c".to_string(), d("0.333334"))];
        let cents = to_cents(&raw, Money::from_cents(100));
        let values: Vec<String> = cents.iter().map(|(_, money)| money.to_exact_string()).collect();
        assert_eq!(values, ["0.33", "0.33", "0.34"]);
        let raw = vec![("a".to_string(), d("-0.005")), ("b".to_string(), d("-0.005"))];
        let cents = to_cents(&raw, Money::from_cents(-1));
        assert_eq!(cents.iter().map(|(_, money)| *money).sum::<Money>(), Money::from_cents(-1));
    }
}

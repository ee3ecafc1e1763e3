//! The price book: raw TOML parsed once, validated and resolved into [`PriceBook`].

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_model::{Day, Glob, TokenType};

use crate::model_id::normalise_model_id;
use crate::price::PriceError;

const EMBEDDED: &str = include_str!("../prices.toml");

/// Five token rates, USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateCard {
    pub input: Decimal,
    pub cache_write_5m: Decimal,
    pub cache_write_1h: Decimal,
    pub cache_read: Decimal,
    pub output: Decimal,
}

impl RateCard {
    /// The rate of one token type, per million tokens.
    pub fn rate(&self, token_type: TokenType) -> Decimal {
        match token_type {
            TokenType::Input => self.input,
            TokenType::CacheWrite5m => self.cache_write_5m,
            TokenType::CacheWrite1h => self.cache_write_1h,
            TokenType::CacheRead => self.cache_read,
            TokenType::Output => self.output,
            // No card rates a token type this build does not know; no count carries one either.
            TokenType::Unknown(_) => Decimal::ZERO,
        }
    }

    /// Every component times `factor`.
    pub fn scaled(&self, factor: Decimal) -> RateCard {
        RateCard {
            input: self.input * factor,
            cache_write_5m: self.cache_write_5m * factor,
            cache_write_1h: self.cache_write_1h * factor,
            cache_read: self.cache_read * factor,
            output: self.output * factor,
        }
    }
}

/// The long-context premium of a model: above `threshold_tokens` of prompt, the whole request is
/// billed either at multiples of the base card (input-side rates scale with input) or at a card
/// of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongContext {
    pub threshold_tokens: u64,
    pub premium: LongContextPremium,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LongContextPremium {
    Multipliers { input: Decimal, output: Decimal },
    Card(RateCard),
}

impl LongContext {
    pub fn apply(&self, base: &RateCard) -> RateCard {
        match &self.premium {
            LongContextPremium::Card(card) => *card,
            LongContextPremium::Multipliers { input, output } => RateCard {
                input: base.input * input,
                cache_write_5m: base.cache_write_5m * input,
                cache_write_1h: base.cache_write_1h * input,
                cache_read: base.cache_read * input,
                output: base.output * output,
            },
        }
    }
}

/// Everything the book knows about one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPrices {
    pub id: String,
    pub family: String,
    pub display: String,
    /// `(effective from, card)`, sorted by date.
    pub rates: Vec<(Day, RateCard)>,
    pub long_context: Option<LongContext>,
    /// US-only inference uplift (`inference_geo: "us"`).
    pub us_residency_multiplier: Option<Decimal>,
    /// Fast mode premium; a fast request on a model without one is unpriced, not guessed.
    pub fast_multiplier: Option<Decimal>,
    /// Priority Tier contract rate as a multiple of standard, when the user's contract says.
    pub priority_multiplier: Option<Decimal>,
    /// The shortest prompt prefix the model caches (tokens); `None`: the book's default rule.
    pub min_cacheable_tokens: Option<u64>,
    /// Where the model's newest rate came from (`embedded` or a user file).
    pub origin: String,
}

impl ModelPrices {
    /// The card in effect on `date`: the latest whose `from` is on or before it.
    pub fn card_on(&self, date: Day) -> Option<(Day, RateCard)> {
        self.rates.iter().rev().find(|(from, _)| *from <= date).copied()
    }
}

/// Rules shared by every model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub batch_multiplier: Decimal,
    pub web_search_per_1000: Decimal,
    pub code_execution_per_hour: Decimal,
    pub code_execution_free_hours_per_day: Decimal,
    /// The models routing may move traffic to (the optimiser prices a feature's traffic on each
    /// one cheaper than its own), in the book's order.
    pub routing_targets: Vec<String>,
    /// The shortest cacheable prompt prefix of a model that names none.
    pub min_cacheable_tokens: u64,
}

/// A contract discount from a user file: token components of matching models times `multiplier`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discount {
    pub models: Glob,
    pub multiplier: Decimal,
    pub from: Option<Day>,
    /// Exclusive.
    pub until: Option<Day>,
    pub origin: String,
}

impl Discount {
    pub fn applies(&self, model: &str, date: Day) -> bool {
        self.models.matches(model) && self.from.is_none_or(|from| from <= date) && self.until.is_none_or(|until| date < until)
    }
}

/// The resolved price book.
#[derive(Debug, Clone)]
pub struct PriceBook {
    pub version: String,
    pub rules: Rules,
    models: BTreeMap<String, ModelPrices>,
    aliases: BTreeMap<String, String>,
    pub discounts: Vec<Discount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    version: Option<String>,
    rules: Option<RawRules>,
    #[serde(default)]
    model: Vec<RawModel>,
    #[serde(default)]
    discount: Vec<RawDiscount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    batch_multiplier: Option<Decimal>,
    web_search_per_1000: Option<Decimal>,
    code_execution_per_hour: Option<Decimal>,
    code_execution_free_hours_per_day: Option<Decimal>,
    cache_write_5m_multiplier: Option<Decimal>,
    cache_write_1h_multiplier: Option<Decimal>,
    cache_read_multiplier: Option<Decimal>,
    routing_targets: Option<Vec<String>>,
    min_cacheable_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    id: String,
    family: Option<String>,
    display: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    us_residency_multiplier: Option<Decimal>,
    fast_multiplier: Option<Decimal>,
    priority_multiplier: Option<Decimal>,
    min_cacheable_tokens: Option<u64>,
    long_context: Option<RawLongContext>,
    #[serde(default)]
    rates: Vec<RawRate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    from: Day,
    input: Decimal,
    output: Decimal,
    cache_write_5m: Option<Decimal>,
    cache_write_1h: Option<Decimal>,
    cache_read: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLongContext {
    threshold_tokens: u64,
    input_multiplier: Option<Decimal>,
    output_multiplier: Option<Decimal>,
    rates: Option<RateCard>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscount {
    models: String,
    multiplier: Decimal,
    from: Option<Day>,
    until: Option<Day>,
}

struct CacheMultipliers {
    write_5m: Decimal,
    write_1h: Decimal,
    read: Decimal,
}

impl PriceBook {
    /// The book shipped with spendlens.
    pub fn embedded() -> Result<PriceBook, PriceError> {
        let mut book = PriceBook {
            version: String::new(),
            rules: Rules {
                batch_multiplier: Decimal::new(5, 1),
                web_search_per_1000: Decimal::TEN,
                code_execution_per_hour: Decimal::new(5, 2),
                code_execution_free_hours_per_day: Decimal::from(50),
                routing_targets: Vec::new(),
                min_cacheable_tokens: 1024,
            },
            models: BTreeMap::new(),
            aliases: BTreeMap::new(),
            discounts: Vec::new(),
        };
        book.merge(EMBEDDED, "embedded")?;
        Ok(book)
    }

    /// The embedded book with a user file merged on top.
    pub fn with_overrides(mut self, text: &str, origin: &str) -> Result<PriceBook, PriceError> {
        self.merge(text, origin)?;
        Ok(self)
    }

    fn merge(&mut self, text: &str, origin: &str) -> Result<(), PriceError> {
        let invalid = |detail: String| PriceError::Invalid { origin: origin.to_string(), detail };
        let raw: RawBook = toml::from_str(text).map_err(|error| invalid(error.to_string()))?;
        if let Some(version) = raw.version {
            self.version = if self.version.is_empty() { version } else { format!("{} + {origin} {version}", self.version) };
        }
        let mut cache = CacheMultipliers { write_5m: Decimal::new(125, 2), write_1h: Decimal::TWO, read: Decimal::new(1, 1) };
        if let Some(rules) = raw.rules {
            if let Some(targets) = &rules.routing_targets {
                self.rules.routing_targets = targets.iter().map(|model| normalise_model_id(model)).collect();
            }
            if let Some(tokens) = rules.min_cacheable_tokens {
                self.rules.min_cacheable_tokens = tokens;
            }
            let targets = [
                (rules.batch_multiplier, &mut self.rules.batch_multiplier),
                (rules.web_search_per_1000, &mut self.rules.web_search_per_1000),
                (rules.code_execution_per_hour, &mut self.rules.code_execution_per_hour),
                (rules.code_execution_free_hours_per_day, &mut self.rules.code_execution_free_hours_per_day),
                (rules.cache_write_5m_multiplier, &mut cache.write_5m),
                (rules.cache_write_1h_multiplier, &mut cache.write_1h),
                (rules.cache_read_multiplier, &mut cache.read),
            ];
            for (value, target) in targets {
                if let Some(value) = value {
                    if value.is_sign_negative() {
                        return Err(invalid(format!("rules: a negative multiplier or price ({value})")));
                    }
                    *target = value;
                }
            }
        }
        for raw_model in raw.model {
            self.merge_model(raw_model, &cache, origin)?;
        }
        for raw_discount in raw.discount {
            if raw_discount.multiplier.is_sign_negative() || raw_discount.multiplier > Decimal::ONE {
                return Err(invalid(format!(
                    "discount for {:?}: multiplier {} must be between 0 and 1",
                    raw_discount.models, raw_discount.multiplier
                )));
            }
            self.discounts.push(Discount {
                models: Glob::new(raw_discount.models),
                multiplier: raw_discount.multiplier,
                from: raw_discount.from,
                until: raw_discount.until,
                origin: origin.to_string(),
            });
        }
        Ok(())
    }

    fn merge_model(&mut self, raw: RawModel, cache: &CacheMultipliers, origin: &str) -> Result<(), PriceError> {
        let invalid = |detail: String| PriceError::Invalid { origin: origin.to_string(), detail };
        let id = normalise_model_id(&raw.id);
        let long_context = match raw.long_context {
            None => None,
            Some(long) => Some(LongContext {
                threshold_tokens: long.threshold_tokens,
                premium: match (long.rates, long.input_multiplier, long.output_multiplier) {
                    (Some(card), None, None) => LongContextPremium::Card(card),
                    (None, Some(input), Some(output)) => LongContextPremium::Multipliers { input, output },
                    _ => {
                        return Err(invalid(format!(
                            "model {id}: long_context needs either `rates` or both `input_multiplier` and `output_multiplier`"
                        )));
                    }
                },
            }),
        };
        let mut cards = Vec::with_capacity(raw.rates.len());
        for rate in raw.rates {
            let card = RateCard {
                input: rate.input,
                cache_write_5m: rate.cache_write_5m.unwrap_or(rate.input * cache.write_5m),
                cache_write_1h: rate.cache_write_1h.unwrap_or(rate.input * cache.write_1h),
                cache_read: rate.cache_read.unwrap_or(rate.input * cache.read),
                output: rate.output,
            };
            if TokenType::ALL.iter().any(|token_type| card.rate(*token_type).is_sign_negative()) {
                return Err(invalid(format!("model {id}: a negative rate from {}", rate.from)));
            }
            cards.push((rate.from, card));
        }
        let entry = match self.models.get_mut(&id) {
            Some(existing) => existing,
            None => {
                if cards.is_empty() {
                    return Err(invalid(format!("model {id}: a new model needs at least one entry in `rates`")));
                }
                self.models.entry(id.clone()).or_insert_with(|| ModelPrices {
                    id: id.clone(),
                    family: String::new(),
                    display: id.clone(),
                    rates: Vec::new(),
                    long_context: None,
                    us_residency_multiplier: None,
                    fast_multiplier: None,
                    priority_multiplier: None,
                    min_cacheable_tokens: None,
                    origin: origin.to_string(),
                })
            }
        };
        for (from, card) in cards {
            entry.rates.retain(|(existing, _)| *existing != from);
            entry.rates.push((from, card));
            entry.origin = origin.to_string();
        }
        entry.rates.sort_by_key(|(from, _)| *from);
        if let Some(family) = raw.family {
            entry.family = family;
        }
        if let Some(display) = raw.display {
            entry.display = display;
        }
        if long_context.is_some() {
            entry.long_context = long_context;
        }
        if raw.us_residency_multiplier.is_some() {
            entry.us_residency_multiplier = raw.us_residency_multiplier;
        }
        if raw.fast_multiplier.is_some() {
            entry.fast_multiplier = raw.fast_multiplier;
        }
        if raw.priority_multiplier.is_some() {
            entry.priority_multiplier = raw.priority_multiplier;
        }
        if raw.min_cacheable_tokens.is_some() {
            entry.min_cacheable_tokens = raw.min_cacheable_tokens;
        }
        for alias in raw.aliases {
            self.aliases.insert(normalise_model_id(&alias), id.clone());
        }
        Ok(())
    }

    /// The model a raw id stands for, or `None` when the book does not know it.
    pub fn resolve(&self, raw_model: &str) -> Option<&ModelPrices> {
        let id = normalise_model_id(raw_model);
        let id = self.aliases.get(&id).unwrap_or(&id);
        self.models.get(id)
    }

    /// The shortest prompt prefix `model` caches, in tokens.
    pub fn min_cacheable_tokens(&self, model: &str) -> u64 {
        self.resolve(model).and_then(|prices| prices.min_cacheable_tokens).unwrap_or(self.rules.min_cacheable_tokens)
    }

    /// Every model, by canonical id.
    pub fn models(&self) -> impl Iterator<Item = &ModelPrices> {
        self.models.values()
    }

    /// Every day on which some price of the book may change (a rate card's first day, a
    /// discount's first day and its exclusive end), sorted, each once. Between two of them every
    /// model, tier and token type keeps one rate, so quantities of those days can be summed
    /// before they are priced.
    pub fn change_days(&self) -> Vec<Day> {
        let cards = self.models.values().flat_map(|model| model.rates.iter().map(|(from, _)| *from));
        let discounts = self.discounts.iter().flat_map(|discount| [discount.from, discount.until]).flatten();
        let mut days: Vec<Day> = cards.chain(discounts).collect();
        days.sort_unstable();
        days.dedup();
        days
    }
}

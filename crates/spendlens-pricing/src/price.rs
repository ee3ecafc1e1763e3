//! Pricing one usage quantity set: which card, which multipliers, each component's dollars.

use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, Quantities, ServiceTier, Speed, TokenCounts, TokenType, UsageLine};

use rustc_hash::FxHashMap;

use crate::book::{ModelPrices, PriceBook, RateCard};

/// Why a quantity could not be priced. Unpriced usage is reported, never counted as $0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("unknown model {model:?}: not in the price book (add it to your prices.toml)")]
    UnknownModel { model: String },
    #[error("model {model} has no rate in effect on {date} (its first rate starts {first})")]
    NoRateOnDate { model: String, date: Day, first: Day },
    #[error("model {model} has no fast-mode rate in the price book (add fast_multiplier to your prices.toml)")]
    NoFastRate { model: String },
    #[error("price book {origin}: {detail}")]
    Invalid { origin: String, detail: String },
    /// A value Anthropic's data carries that this build does not know (a new service tier, speed,
    /// context window or geography): the price book has no rule for it, so it is never guessed.
    #[error("unknown {what} {value:?}: the price book has no rule for it")]
    UnknownValue { what: &'static str, value: String },
}

/// What to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceQuery {
    pub model: String,
    pub date: Day,
    pub service_tier: ServiceTier,
    pub context_window: ContextWindow,
    pub inference_geo: InferenceGeo,
    pub speed: Speed,
    /// What to price. `requests` of `Some(1)` marks the quantities as one request, so the
    /// long-context tier follows the prompt size (a rollup can only follow its `context_window`
    /// bucket).
    pub quantities: Quantities,
}

impl PriceQuery {
    /// A standard-tier query for `tokens` of `model` on `date`.
    pub fn new(model: impl Into<String>, date: Day, tokens: TokenCounts) -> Self {
        PriceQuery {
            model: model.into(),
            date,
            service_tier: ServiceTier::Standard,
            context_window: ContextWindow::Base,
            inference_geo: InferenceGeo::Global,
            speed: Speed::Standard,
            quantities: Quantities::of_tokens(tokens),
        }
    }

    pub fn from_line(line: &UsageLine) -> Self {
        let Query { model, date, service_tier, context_window, inference_geo, speed, quantities } = Query::from(line);
        PriceQuery { model: model.to_string(), date, service_tier, context_window, inference_geo, speed, quantities }
    }

    /// Whether the quantities are one request.
    pub fn single_request(&self) -> bool {
        self.quantities.requests == Some(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    Token(TokenType),
    WebSearch,
    CodeExecution,
}

impl ComponentKind {
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::Token(TokenType::Input) => "input",
            ComponentKind::Token(TokenType::CacheWrite5m) => "cache write 5m",
            ComponentKind::Token(TokenType::CacheWrite1h) => "cache write 1h",
            ComponentKind::Token(TokenType::CacheRead) => "cache read",
            ComponentKind::Token(TokenType::Output) => "output",
            ComponentKind::Token(TokenType::Unknown(_)) => "unknown token type",
            ComponentKind::WebSearch => "web search",
            ComponentKind::CodeExecution => "code execution",
        }
    }

    /// The unit the rate is quoted in.
    pub fn rate_unit(self) -> &'static str {
        match self {
            ComponentKind::Token(_) => "per MTok",
            ComponentKind::WebSearch => "per 1,000 searches",
            ComponentKind::CodeExecution => "per container-hour",
        }
    }
}

/// One priced component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    pub kind: ComponentKind,
    /// Tokens, searches, or seconds of code execution.
    pub quantity: u64,
    /// The effective rate after every multiplier, in [`ComponentKind::rate_unit`].
    pub rate: Decimal,
    pub amount: Money,
}

/// A priced quantity set, component by component, with the rules applied named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Priced {
    /// Canonical model id.
    pub model: String,
    /// The effective date of the rate card used.
    pub card_from: Day,
    pub components: Vec<Component>,
    pub total: Money,
    /// The rules that changed the price, in words (`batch x0.5`, `long context (prompt > 200000)`).
    pub applied: Vec<String>,
    /// Caveats the user should see (Priority Tier priced at list, ...).
    pub notes: Vec<String>,
}

impl Priced {
    pub fn amount_of(&self, kind: ComponentKind) -> Money {
        self.components.iter().filter(|c| c.kind == kind).map(|c| c.amount).sum()
    }
}

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// What a query's price depends on besides its quantities: the card after every multiplier, and
/// the rules that made it, in words.
#[derive(Debug, Clone)]
struct Terms {
    model: String,
    card_from: Day,
    card: RateCard,
    web_search_per_1000: Decimal,
    code_execution_per_hour: Decimal,
    applied: Vec<String>,
    notes: Vec<String>,
}

/// The shape of a query the terms depend on (the quantities only choose `long_context`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    date: Day,
    service_tier: ServiceTier,
    inference_geo: InferenceGeo,
    speed: Speed,
    long_context: bool,
}

fn token_amount(quantity: u64, rate: Decimal) -> Money {
    Money::from_decimal(Decimal::from(quantity) * rate / MILLION)
}

fn web_search_amount(searches: u64, rate: Decimal) -> Money {
    Money::from_decimal(Decimal::from(searches) * rate / Decimal::ONE_THOUSAND)
}

fn code_execution_amount(seconds: u64, rate: Decimal) -> Money {
    Money::from_decimal(Decimal::from(seconds) * rate / Decimal::from(3600))
}

/// A query with its model borrowed: what [`Pricer`] prices without allocating.
#[derive(Debug, Clone, Copy)]
struct Query<'q> {
    model: &'q str,
    date: Day,
    service_tier: ServiceTier,
    context_window: ContextWindow,
    inference_geo: InferenceGeo,
    speed: Speed,
    quantities: Quantities,
}

impl<'q> From<&'q PriceQuery> for Query<'q> {
    fn from(query: &'q PriceQuery) -> Self {
        Query {
            model: &query.model,
            date: query.date,
            service_tier: query.service_tier,
            context_window: query.context_window,
            inference_geo: query.inference_geo,
            speed: query.speed,
            quantities: query.quantities,
        }
    }
}

impl<'q> From<&'q UsageLine> for Query<'q> {
    /// What a line asks to be priced as ([`PriceQuery::from_line`] owns a copy).
    fn from(line: &'q UsageLine) -> Self {
        Query {
            model: &line.model,
            date: line.day(),
            service_tier: line.service_tier,
            context_window: line.context_window,
            inference_geo: line.inference_geo,
            speed: line.speed,
            quantities: line.quantities,
        }
    }
}

/// Whether the long-context card applies: a single request whose prompt is over the model's
/// threshold, or a rollup in the long-context bucket.
fn long_context(model: &ModelPrices, query: &Query<'_>) -> bool {
    model.long_context.as_ref().is_some_and(|long| {
        (query.quantities.requests == Some(1) && query.quantities.tokens.prompt_tokens() > long.threshold_tokens)
            || query.context_window == ContextWindow::Long
    })
}

impl PriceBook {
    /// Prices one quantity set. Errors name the model; nothing unknown is priced at $0.
    pub fn price(&self, query: &PriceQuery) -> Result<Priced, PriceError> {
        let model = self.resolve(&query.model).ok_or_else(|| PriceError::UnknownModel { model: query.model.clone() })?;
        let terms = self.terms(model, query_shape(model, &Query::from(query))?)?;
        let Terms { model, card_from, card, web_search_per_1000, code_execution_per_hour, applied, mut notes } = terms;
        let mut components: Vec<Component> = TokenType::ALL
            .iter()
            .map(|token_type| {
                let (quantity, rate) = (query.quantities.tokens.get(*token_type), card.rate(*token_type));
                Component { kind: ComponentKind::Token(*token_type), quantity, rate, amount: token_amount(quantity, rate) }
            })
            .collect();
        let quantities = &query.quantities;
        if quantities.web_search_requests > 0 {
            components.push(Component {
                kind: ComponentKind::WebSearch,
                quantity: quantities.web_search_requests,
                rate: web_search_per_1000,
                amount: web_search_amount(quantities.web_search_requests, web_search_per_1000),
            });
        }
        if quantities.code_execution_seconds > 0 {
            components.push(Component {
                kind: ComponentKind::CodeExecution,
                quantity: quantities.code_execution_seconds,
                rate: code_execution_per_hour,
                amount: code_execution_amount(quantities.code_execution_seconds, code_execution_per_hour),
            });
            notes.push(format!(
                "code execution priced gross: the free {} container-hours per organisation per day are credited per org-day",
                self.rules.code_execution_free_hours_per_day.normalize()
            ));
        }
        let total = components.iter().map(|c| c.amount).sum();
        Ok(Priced { model, card_from, components, total, applied, notes })
    }

    /// The card and multipliers for `model` in `shape`, with the rules applied named.
    fn terms(&self, model: &ModelPrices, shape: Shape) -> Result<Terms, PriceError> {
        let (card_from, base) = model.card_on(shape.date).ok_or_else(|| PriceError::NoRateOnDate {
            model: model.id.clone(),
            date: shape.date,
            first: model.rates.first().map(|(from, _)| *from).unwrap_or(shape.date),
        })?;
        let mut applied = Vec::new();
        let mut notes = Vec::new();

        let mut card: RateCard = base;
        if let Some(long) = model.long_context.as_ref().filter(|_| shape.long_context) {
            card = long.apply(&base);
            applied.push(format!("long context (prompt > {} tokens)", long.threshold_tokens));
        }
        let mut factor = Decimal::ONE;
        match shape.service_tier {
            // Refused before a shape is made (`query_shape`); kept exhaustive for the compiler.
            ServiceTier::Unknown(value) => {
                return Err(PriceError::UnknownValue { what: ServiceTier::KIND, value: value.as_str().to_string() });
            }
            ServiceTier::Standard => {}
            ServiceTier::Batch => {
                factor *= self.rules.batch_multiplier;
                applied.push(format!("batch x{}", self.rules.batch_multiplier.normalize()));
            }
            ServiceTier::Priority => match model.priority_multiplier {
                Some(multiplier) => {
                    factor *= multiplier;
                    applied.push(format!("priority tier x{} (contract)", multiplier.normalize()));
                }
                None => notes.push(
                    "Priority Tier is priced by contract and absent from the cost report; priced here at standard list rates \
                     (set priority_multiplier in your prices.toml)"
                        .to_string(),
                ),
            },
        }
        if shape.inference_geo == InferenceGeo::Us
            && let Some(multiplier) = model.us_residency_multiplier
        {
            factor *= multiplier;
            applied.push(format!("US-only inference x{}", multiplier.normalize()));
        }
        if shape.speed == Speed::Fast {
            let multiplier = model.fast_multiplier.ok_or_else(|| PriceError::NoFastRate { model: model.id.clone() })?;
            factor *= multiplier;
            applied.push(format!("fast mode x{}", multiplier.normalize()));
        }
        for discount in self.discounts.iter().filter(|d| d.applies(&model.id, shape.date)) {
            factor *= discount.multiplier;
            applied.push(format!("contract discount x{} ({})", discount.multiplier.normalize(), discount.origin));
        }
        Ok(Terms {
            model: model.id.clone(),
            card_from,
            card: card.scaled(factor),
            web_search_per_1000: self.rules.web_search_per_1000,
            code_execution_per_hour: self.rules.code_execution_per_hour,
            applied,
            notes,
        })
    }

    /// A pricer for many queries against this book (see [`Pricer`]).
    pub fn pricer(&self) -> Pricer<'_> {
        Pricer { book: self, resolved: FxHashMap::default(), models: self.models().collect(), terms: FxHashMap::default() }
    }
}

/// The shape of a query, or which of its values the price book has no rule for.
fn query_shape(model: &ModelPrices, query: &Query<'_>) -> Result<Shape, PriceError> {
    let unknown = [
        query.service_tier.unknown().map(|value| (ServiceTier::KIND, value)),
        query.context_window.unknown().map(|value| (ContextWindow::KIND, value)),
        query.inference_geo.unknown().map(|value| (InferenceGeo::KIND, value)),
        query.speed.unknown().map(|value| (Speed::KIND, value)),
    ];
    if let Some((what, value)) = unknown.into_iter().flatten().next() {
        return Err(PriceError::UnknownValue { what, value: value.as_str().to_string() });
    }
    Ok(Shape {
        date: query.date,
        service_tier: query.service_tier,
        inference_geo: query.inference_geo,
        speed: query.speed,
        long_context: long_context(model, query),
    })
}

/// The dollars of one quantity set, component by component, without the words of [`Priced`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// By token type, in [`TokenType::ALL`] order.
    pub tokens: [Money; 5],
    /// Present when the query had searches.
    pub web_search: Option<Money>,
    /// Present when the query had code-execution seconds.
    pub code_execution: Option<Money>,
    pub total: Money,
}

impl Cost {
    /// The components [`PriceBook::price`] lists, in its order, with their amounts.
    pub fn components(&self) -> impl Iterator<Item = (ComponentKind, Money)> + '_ {
        let tokens = TokenType::ALL.iter().zip(self.tokens).map(|(token_type, amount)| (ComponentKind::Token(*token_type), amount));
        tokens
            .chain(self.web_search.map(|amount| (ComponentKind::WebSearch, amount)))
            .chain(self.code_execution.map(|amount| (ComponentKind::CodeExecution, amount)))
    }
}

/// Prices many queries against one book, fast: a model id is resolved once, and the card for each
/// (model, day, tier, geography, speed, long context) is worked out once and kept. Every amount is
/// computed exactly as [`PriceBook::price`] computes it, so the two always agree to the last digit.
pub struct Pricer<'book> {
    book: &'book PriceBook,
    /// Raw model id to its place in `models` (`None`: unknown to the book).
    resolved: FxHashMap<String, Option<usize>>,
    /// Every model of the book, in the book's order: a place is the same in every pricer of a book.
    models: Vec<&'book ModelPrices>,
    terms: FxHashMap<(usize, Shape), Result<Terms, PriceError>>,
}

/// What the rates of a line depend on: its model (as the book resolves it) and shape (day, tier,
/// geography, speed, long context). Lines with the same key are priced at the same rates, so
/// their token counts and searches can be summed first and priced once ([`Pricer::cost_at`]):
/// amounts are exact decimals, so the sum's price is the sum of the prices. The same in every
/// pricer of one book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateKey {
    place: usize,
    shape: Shape,
}

impl Pricer<'_> {
    /// The cost of `query`, or why it has none (the same error [`PriceBook::price`] gives).
    pub fn cost(&mut self, query: &PriceQuery) -> Result<Cost, PriceError> {
        self.cost_of(Query::from(query))
    }

    /// The cost of one usage line, as `cost(&PriceQuery::from_line(line))` without copying it.
    pub fn line_cost(&mut self, line: &UsageLine) -> Result<Cost, PriceError> {
        self.cost_of(Query::from(line))
    }

    /// The rate key of one usage line, or why it has no price (an unknown model).
    pub fn rate_key(&mut self, line: &UsageLine) -> Result<RateKey, PriceError> {
        self.key_of(&Query::from(line))
    }

    /// The cost of these quantities at the rates `key` names (what [`Pricer::line_cost`] gives
    /// a line with that key and these quantities).
    pub fn cost_at(&mut self, key: RateKey, quantities: &Quantities) -> Result<Cost, PriceError> {
        let Quantities { tokens, web_search_requests, code_execution_seconds, .. } = *quantities;
        let book = self.book;
        let model = self.models[key.place];
        let terms =
            self.terms.entry((key.place, key.shape)).or_insert_with(|| book.terms(model, key.shape)).as_ref().map_err(Clone::clone)?;
        let mut amounts = [Money::ZERO; 5];
        for (amount, token_type) in amounts.iter_mut().zip(TokenType::ALL) {
            *amount = token_amount(tokens.get(*token_type), terms.card.rate(*token_type));
        }
        let web_search = (web_search_requests > 0).then(|| web_search_amount(web_search_requests, terms.web_search_per_1000));
        let code_execution =
            (code_execution_seconds > 0).then(|| code_execution_amount(code_execution_seconds, terms.code_execution_per_hour));
        let total = amounts.iter().copied().chain(web_search).chain(code_execution).sum();
        Ok(Cost { tokens: amounts, web_search, code_execution, total })
    }

    fn key_of(&mut self, query: &Query<'_>) -> Result<RateKey, PriceError> {
        let place = match self.resolved.get(query.model) {
            Some(known) => *known,
            None => {
                let models = &self.models;
                let place = self.book.resolve(query.model).and_then(|model| models.iter().position(|known| known.id == model.id));
                self.resolved.insert(query.model.to_string(), place);
                place
            }
        };
        let place = place.ok_or_else(|| PriceError::UnknownModel { model: query.model.to_string() })?;
        Ok(RateKey { place, shape: query_shape(self.models[place], query)? })
    }

    fn cost_of(&mut self, query: Query<'_>) -> Result<Cost, PriceError> {
        let key = self.key_of(&query)?;
        self.cost_at(key, &query.quantities)
    }
}

//! Pricing one usage quantity set: which card, which multipliers, each component's dollars.

use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, ServiceTier, Speed, TokenCounts, TokenType, UsageLine};

use crate::book::{PriceBook, RateCard};

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
    pub tokens: TokenCounts,
    pub web_search_requests: u64,
    pub code_execution_seconds: u64,
    /// The quantities are one request, so the long-context tier follows the prompt size (a rollup
    /// can only follow its `context_window` bucket).
    pub single_request: bool,
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
            tokens,
            web_search_requests: 0,
            code_execution_seconds: 0,
            single_request: false,
        }
    }

    pub fn from_line(line: &UsageLine) -> Self {
        PriceQuery {
            model: line.model.clone(),
            date: line.day(),
            service_tier: line.service_tier,
            context_window: line.context_window,
            inference_geo: line.inference_geo,
            speed: line.speed,
            tokens: line.tokens,
            web_search_requests: line.web_search_requests,
            code_execution_seconds: line.code_execution_seconds,
            single_request: line.requests == Some(1),
        }
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

impl PriceBook {
    /// Prices one quantity set. Errors name the model; nothing unknown is priced at $0.
    pub fn price(&self, query: &PriceQuery) -> Result<Priced, PriceError> {
        let model = self.resolve(&query.model).ok_or_else(|| PriceError::UnknownModel { model: query.model.clone() })?;
        let (card_from, base) = model.card_on(query.date).ok_or_else(|| PriceError::NoRateOnDate {
            model: model.id.clone(),
            date: query.date,
            first: model.rates.first().map(|(from, _)| *from).unwrap_or(query.date),
        })?;
        let mut applied = Vec::new();
        let mut notes = Vec::new();

        let mut card: RateCard = base;
        if let Some(long) = &model.long_context {
            let over_threshold = query.single_request && query.tokens.prompt_tokens() > long.threshold_tokens;
            if over_threshold || query.context_window == ContextWindow::Long {
                card = long.apply(&base);
                applied.push(format!("long context (prompt > {} tokens)", long.threshold_tokens));
            }
        }
        let mut factor = Decimal::ONE;
        match query.service_tier {
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
        if query.inference_geo == InferenceGeo::Us
            && let Some(multiplier) = model.us_residency_multiplier
        {
            factor *= multiplier;
            applied.push(format!("US-only inference x{}", multiplier.normalize()));
        }
        if query.speed == Speed::Fast {
            let multiplier = model.fast_multiplier.ok_or_else(|| PriceError::NoFastRate { model: model.id.clone() })?;
            factor *= multiplier;
            applied.push(format!("fast mode x{}", multiplier.normalize()));
        }
        for discount in self.discounts.iter().filter(|d| d.applies(&model.id, query.date)) {
            factor *= discount.multiplier;
            applied.push(format!("contract discount x{} ({})", discount.multiplier.normalize(), discount.origin));
        }
        let card = card.scaled(factor);

        let token_rates = [
            (TokenType::Input, card.input),
            (TokenType::CacheWrite5m, card.cache_write_5m),
            (TokenType::CacheWrite1h, card.cache_write_1h),
            (TokenType::CacheRead, card.cache_read),
            (TokenType::Output, card.output),
        ];
        let mut components: Vec<Component> = token_rates
            .into_iter()
            .map(|(token_type, rate)| {
                let quantity = query.tokens.get(token_type);
                Component {
                    kind: ComponentKind::Token(token_type),
                    quantity,
                    rate,
                    amount: Money::from_decimal(Decimal::from(quantity) * rate / MILLION),
                }
            })
            .collect();
        if query.web_search_requests > 0 {
            let rate = self.rules.web_search_per_1000;
            components.push(Component {
                kind: ComponentKind::WebSearch,
                quantity: query.web_search_requests,
                rate,
                amount: Money::from_decimal(Decimal::from(query.web_search_requests) * rate / Decimal::ONE_THOUSAND),
            });
        }
        if query.code_execution_seconds > 0 {
            let rate = self.rules.code_execution_per_hour;
            components.push(Component {
                kind: ComponentKind::CodeExecution,
                quantity: query.code_execution_seconds,
                rate,
                amount: Money::from_decimal(Decimal::from(query.code_execution_seconds) * rate / Decimal::from(3600)),
            });
            notes.push(format!(
                "code execution priced gross: the free {} container-hours per organisation per day are credited per org-day",
                self.rules.code_execution_free_hours_per_day.normalize()
            ));
        }
        let total = components.iter().map(|c| c.amount).sum();
        Ok(Priced { model: model.id.clone(), card_from, components, total, applied, notes })
    }
}

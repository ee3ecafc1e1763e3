//! Smaller questions about the ledger and the price book: the cross-check of the usage report
//! against the cost report, where each dollar was placed and why, the rates in effect on a day,
//! and the price of one `usage` object.

use spendlens_analysis::{Cause, PlacementFilter, placements};
use spendlens_ingest::usage_object;
use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, Period, ServiceTier};
use spendlens_pricing::{PriceQuery, Priced};

use crate::views::{CardRates, CauseSummary, CrossCheckView, LedgerView, ModelPrices, PricesView};
use crate::{App, AppError};

/// What `spendlens price` is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceQuestion {
    /// The model id as usage data carries it.
    pub model: String,
    /// Forces the tier; `None` keeps the usage object's own (else standard).
    pub tier: Option<ServiceTier>,
    pub date: Day,
    pub long_context: bool,
    pub us_only: bool,
    /// Where the usage object came from (`argument`, `stdin`), for errors.
    pub source: String,
    /// The `usage` JSON object.
    pub usage: String,
}

impl App {
    /// The usage report priced by the book beside the cost report, per day × workspace × model;
    /// `all` keeps the matched rows too.
    pub fn crosscheck(&self, period: Period, all: bool) -> Result<(spendlens_analysis::CrossCheck, CrossCheckView), AppError> {
        let usage = self.usage_of(period)?;
        let costs = self.lake()?.cost_lines(Some(period))?;
        let check = spendlens_analysis::crosscheck(&usage, &costs, self.price_book()?, period);
        let causes = check
            .by_cause
            .iter()
            .map(|(cause, (groups, difference))| {
                let name = serde_json::to_value(cause).ok().and_then(|value| value.as_str().map(str::to_string)).unwrap_or_default();
                (name, CauseSummary { difference_usd: *difference, explanation: cause.explain().to_string(), groups: *groups })
            })
            .collect();
        let view = CrossCheckView {
            billed_usd: check.billed_usd,
            causes,
            groups: check.rows.len(),
            period: check.period,
            priced_usd: check.priced_usd,
            reconciles: check.reconciles(),
            rows: check.rows.iter().filter(|row| all || row.cause != Cause::Matched).cloned().collect(),
        };
        Ok((check, view))
    }

    /// How each dollar of `period` was placed (path, driver, key, rule, source), largest first.
    pub fn placements(&self, period: Period, filter: &PlacementFilter) -> Result<LedgerView, AppError> {
        // Every placement, then the filter's (the dashboard keeps the first and filters it too).
        let ledger = self.load_ledger(period)?.ledger;
        let placed = placements(&ledger.entries, period, &PlacementFilter::default());
        let total_usd: Money = placed.iter().map(|placement| placement.total_usd).sum();
        Ok(LedgerView { period, placements: placed, total_usd }.filtered(filter))
    }

    /// Every model's card in effect on `date`.
    pub fn prices(&self, date: Day) -> Result<PricesView, AppError> {
        let book = self.price_book()?;
        let exact = |value: rust_decimal::Decimal| value.normalize().to_string();
        let models = book
            .models()
            .filter_map(|model| {
                let (since, card) = model.card_on(date)?;
                Some(ModelPrices {
                    display: model.display.clone(),
                    family: model.family.clone(),
                    fast_multiplier: model.fast_multiplier.map(exact),
                    long_context_threshold_tokens: model.long_context.as_ref().map(|long| long.threshold_tokens),
                    model: model.id.clone(),
                    origin: model.origin.clone(),
                    since,
                    us_residency_multiplier: model.us_residency_multiplier.map(exact),
                    usd_per_mtok: CardRates {
                        cache_read: exact(card.cache_read),
                        cache_write_1h: exact(card.cache_write_1h),
                        cache_write_5m: exact(card.cache_write_5m),
                        input: exact(card.input),
                        output: exact(card.output),
                    },
                })
            })
            .collect();
        Ok(PricesView { date, models, version: book.version.clone() })
    }

    /// The price of one `usage` object as a single request.
    pub fn price(&self, question: &PriceQuestion) -> Result<Priced, AppError> {
        let usage = usage_object::read(&question.source, &question.usage)?;
        let mut query = PriceQuery::new(question.model.clone(), question.date, usage.quantities.tokens);
        query.service_tier = question.tier.or(usage.service_tier).unwrap_or(ServiceTier::Standard);
        query.context_window = if question.long_context { ContextWindow::Long } else { ContextWindow::Base };
        query.inference_geo = if question.us_only { InferenceGeo::Us } else { usage.inference_geo };
        query.speed = usage.speed;
        query.quantities = usage.quantities;
        Ok(self.price_book()?.price(&query)?)
    }
}

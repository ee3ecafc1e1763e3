//! Dollars: the cost report priced from the usage rows, and the ground truth — the planted items
//! and the totals a correct analysis must reproduce. Every dollar comes from the price book; sums
//! are exact decimals, so priced usage and the cost report reconcile to the last digit.

use std::collections::BTreeMap;

use chrono::Duration;
use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::{ContextWindow, CostKind, Day, InferenceGeo, Money, Period, Quantities, ServiceTier, TokenType};
use spendlens_pricing::{ComponentKind, PriceBook, PriceQuery};

use crate::DemoError;
use crate::api::{Feature, NIGHTLY_HOURS, SUPPORT_SYSTEM_PROMPT_TOKENS, UsageRow};
use crate::calendar::Calendar;
use crate::claude_code::ClaudeCodeDay;
use crate::models::{HAIKU, OPUS, SONNET};
use crate::org::{ApiKey, Billing, Engineer, KeyOwner, SCRATCH_KEY};

/// One result of the cost report: one day, workspace, model, tier, bucket, geography and token type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRow {
    pub day: Day,
    pub workspace_id: Option<String>,
    pub model: &'static str,
    pub service_tier: ServiceTier,
    pub context_window: ContextWindow,
    pub inference_geo: InferenceGeo,
    pub cost_type: CostKind,
    /// `None` for web search.
    pub token_type: Option<TokenType>,
    pub description: String,
    /// Dollars (the file writes cents).
    pub amount: Money,
}

const TOKEN_TYPES: [TokenType; 5] =
    [TokenType::Input, TokenType::CacheWrite5m, TokenType::CacheWrite1h, TokenType::CacheRead, TokenType::Output];

fn token_label(token_type: TokenType) -> &'static str {
    match token_type {
        TokenType::Input => "Input Tokens",
        TokenType::CacheWrite5m => "Cache Write (5m) Tokens",
        TokenType::CacheWrite1h => "Cache Write (1h) Tokens",
        TokenType::CacheRead => "Cache Read Tokens",
        TokenType::Output => "Output Tokens",
        TokenType::Unknown(_) => "Tokens",
    }
}

type RateGroup = (&'static str, ServiceTier, ContextWindow, InferenceGeo);

fn query(day: Day, group: RateGroup, quantities: &Quantities) -> PriceQuery {
    let (model, service_tier, context_window, inference_geo) = group;
    PriceQuery {
        service_tier,
        context_window,
        inference_geo,
        // A day's rollup: priced by its bucket, never as one request.
        quantities: Quantities { requests: None, ..*quantities },
        ..PriceQuery::new(model, day, quantities.tokens)
    }
}

fn normal(money: Money) -> Money {
    Money::from_decimal(money.as_decimal().normalize())
}

/// The cost report's rows: the day's usage per workspace and rate group, priced by the book.
pub fn cost_report(book: &PriceBook, usage: &[UsageRow]) -> Result<Vec<CostRow>, DemoError> {
    let mut groups: BTreeMap<(Day, Option<&str>, RateGroup), Quantities> = BTreeMap::new();
    for row in usage {
        let group = (row.model, row.service_tier, row.context_window, row.inference_geo);
        groups.entry((row.hour.date_naive(), row.workspace_id.as_deref(), group)).or_default().add(&row.quantities);
    }
    let mut rows = Vec::new();
    for ((day, workspace_id, group), quantities) in groups {
        let priced = book.price(&query(day, group, &quantities))?;
        let display = book.resolve(group.0).map_or_else(|| group.0.to_string(), |model| model.display.clone());
        let mut suffix = String::new();
        if group.1 == ServiceTier::Batch {
            suffix.push_str(" (Batch)");
        }
        if group.2 == ContextWindow::Long {
            suffix.push_str(" (Long Context)");
        }
        if group.3 == InferenceGeo::Us {
            suffix.push_str(" (US Only)");
        }
        let base = CostRow {
            day,
            workspace_id: workspace_id.map(str::to_string),
            model: group.0,
            service_tier: group.1,
            context_window: group.2,
            inference_geo: group.3,
            cost_type: CostKind::Tokens,
            token_type: None,
            description: String::new(),
            amount: Money::ZERO,
        };
        for token_type in TOKEN_TYPES {
            if quantities.tokens.get(token_type) == 0 {
                continue;
            }
            rows.push(CostRow {
                token_type: Some(token_type),
                description: format!("{display} Usage - {}{suffix}", token_label(token_type)),
                amount: normal(priced.amount_of(ComponentKind::Token(token_type))),
                ..base.clone()
            });
        }
        if quantities.web_search_requests > 0 {
            rows.push(CostRow {
                cost_type: CostKind::WebSearch,
                description: format!("Web Search - {display}"),
                amount: normal(priced.amount_of(ComponentKind::WebSearch)),
                ..base
            });
        }
    }
    Ok(rows)
}

/// Priced spend of each API key per day.
pub fn key_spend(book: &PriceBook, usage: &[UsageRow]) -> Result<BTreeMap<(Day, String), Money>, DemoError> {
    let mut groups: BTreeMap<(Day, &str, RateGroup), Quantities> = BTreeMap::new();
    for row in usage {
        let group = (row.model, row.service_tier, row.context_window, row.inference_geo);
        groups.entry((row.hour.date_naive(), row.api_key_id.as_str(), group)).or_default().add(&row.quantities);
    }
    let mut spend: BTreeMap<(Day, String), Money> = BTreeMap::new();
    for ((day, key, group), quantities) in groups {
        let priced = book.price(&query(day, group, &quantities))?;
        *spend.entry((day, key.to_string())).or_default() += priced.total;
    }
    Ok(spend)
}

/// Everything the demo planted and every total a correct analysis should reproduce.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub organization_id: String,
    /// First and last day of the window, inclusive.
    pub window_start: Day,
    pub window_end: Day,
    pub price_book_version: String,
    pub calendar: CalendarTruth,
    pub planted: Planted,
    pub features: Vec<FeatureTruth>,
    pub engineers: Vec<EngineerTruth>,
    pub months: Vec<MonthTruth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarTruth {
    pub holidays: Vec<Day>,
    pub quiet_week: Option<(Day, Day)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Planted {
    pub routing: Option<RoutingTruth>,
    pub caching: Option<CachingTruth>,
    pub batch: Option<BatchTruth>,
    pub idle_seats: Vec<IdleSeatTruth>,
    pub model_mix_spike: Option<SpikeTruth>,
    pub unassigned_key: UnassignedTruth,
    /// The routing adopted mid-window (`DemoConfig::adopt_routing_on`), if any.
    pub routing_adopted: Option<AdoptionTruth>,
    /// Claude Code run headless around the clock on a Console key (`to_api`), if planted.
    pub claude_code_automation: Option<PathFitTruth>,
    /// An API key whose traffic is one person's working hours (`to_claude_code`), if planted.
    pub interactive_api_key: Option<PathFitTruth>,
}

/// A key whose work is on the wrong path, with what it cost each month and what its tokens cost
/// at the batch tier (the API path for automation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathFitTruth {
    pub name: String,
    pub api_key_id: String,
    pub workspace_id: Option<String>,
    /// The engineer holding the key (Claude Code), or the feature the org map names (the API).
    pub owner: String,
    /// `to_api` or `to_claude_code`.
    pub direction: String,
    pub requests: u64,
    pub spend_usd: Money,
    pub months: Vec<PathFitMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathFitMonth {
    /// `2026-10`.
    pub month: String,
    pub spend_usd: Money,
    pub spend_at_batch_tier_usd: Money,
}

/// A routing change adopted on `since`: each month from then, what the moved traffic cost and what
/// the same tokens would have cost on the model before.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdoptionTruth {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    pub from_model: String,
    pub to_model: String,
    pub since: Day,
    pub months: Vec<AdoptionMonth>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdoptionMonth {
    /// `2026-10`.
    pub month: String,
    pub actual_usd: Money,
    pub counterfactual_usd: Money,
    /// `counterfactual_usd - actual_usd`.
    pub saved_usd: Money,
}

/// Short classification calls sent to the most expensive model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutingTruth {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    pub model: String,
    pub requests: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Per-request bounds the generator drew from.
    pub input_tokens_per_request: (u64, u64),
    pub output_tokens_per_request: (u64, u64),
    pub spend_usd: Money,
    pub suggested_model: String,
    pub spend_on_suggested_model_usd: Money,
}

/// A long system prompt resent uncached on every request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CachingTruth {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    pub model: String,
    pub system_prompt_tokens: u64,
    pub requests: u64,
    pub uncached_input_tokens: u64,
    pub cache_read_input_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub spend_usd: Money,
    pub input_spend_usd: Money,
}

/// A nightly job run synchronously at the standard tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchTruth {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    pub workspace_id: String,
    /// Start hours of the busy UTC buckets, inclusive (1 and 3: 01:00-04:00).
    pub first_hour_utc: u32,
    pub last_hour_utc: u32,
    pub service_tier: String,
    pub nights: u64,
    pub requests: u64,
    pub spend_usd: Money,
    pub spend_at_batch_tier_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdleSeatTruth {
    pub email: String,
    pub team: String,
    /// No activity from this day on.
    pub idle_from: Day,
    /// Last day with Claude Code activity, `null` if the seat was never used in the window.
    pub last_active: Option<Day>,
    pub monthly_usd: Money,
}

/// A week in which a feature switched model and its spend jumped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpikeTruth {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    /// Monday and Sunday of the week, inclusive.
    pub start: Day,
    pub end: Day,
    pub from_model: String,
    pub to_model: String,
    pub spike_week_usd: Money,
    pub previous_week_usd: Money,
    /// `spike_week_usd - previous_week_usd`.
    pub jump_usd: Money,
    /// The spike week's tokens priced on `from_model`.
    pub spike_week_on_from_model_usd: Money,
    /// `spike_week_usd - spike_week_on_from_model_usd`: the cost of the model switch alone.
    pub model_switch_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnassignedTruth {
    pub name: String,
    pub api_key_id: String,
    pub workspace_id: Option<String>,
    pub requests: u64,
    pub spend_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureTruth {
    pub name: String,
    pub workspace_id: String,
    pub api_key_ids: Vec<String>,
    pub growth: String,
    pub launched: Option<Day>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineerTruth {
    pub email: String,
    pub team: String,
    /// `seat` or `api_key`.
    pub billing: String,
    pub api_key_id: Option<String>,
    pub api_key_name: Option<String>,
    pub start: Day,
    pub end: Option<Day>,
    pub idle: bool,
    pub transcripts: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SpendSplit {
    pub seat_fees_usd: Money,
    pub api_key_usd: Money,
    pub total_usd: Money,
}

impl SpendSplit {
    fn add(&mut self, other: &SpendSplit) {
        self.seat_fees_usd += other.seat_fees_usd;
        self.api_key_usd += other.api_key_usd;
        self.total_usd += other.total_usd;
    }
}

/// One calendar month of the window (the first and last may be partial: usage and cost cover only
/// the window's days, seat fees the whole month's days held).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthTruth {
    /// `2026-05`.
    pub month: String,
    pub window_days: u64,
    /// Sum of the cost report's amounts in this month, in dollars.
    pub cost_report_usd: Money,
    /// Seat fees: monthly fee x days held in the month / days in the month, rounded to cents per
    /// seat per month.
    pub seat_fees_usd: Money,
    /// Claude Code billed through Console API keys (part of the cost report).
    pub claude_code_api_key_usd: Money,
    /// `seat_fees_usd + claude_code_api_key_usd`.
    pub claude_code_usd: Money,
    /// API spend per feature (part of the cost report).
    pub features: BTreeMap<String, Money>,
    /// Spend no org-map rule matches (part of the cost report).
    pub unassigned_usd: Money,
    pub teams: BTreeMap<String, SpendSplit>,
    /// Engineers with any Claude Code spend this month.
    pub engineers: BTreeMap<String, SpendSplit>,
    /// Engineers with a Claude Code Analytics record of activity this month (whether it names
    /// them or the API key they hold), and their distinct (engineer, day) pairs.
    pub active_engineers: u64,
    pub active_engineer_days: u64,
    /// API requests per feature this month (the usage rows of the feature's keys).
    pub feature_requests: BTreeMap<String, u64>,
}

/// Inputs to the ground truth.
pub struct Facts<'a> {
    pub seed: u64,
    pub organization_id: &'a str,
    pub calendar: &'a Calendar,
    pub book: &'a PriceBook,
    pub engineers: &'a [Engineer],
    pub teams: &'a [String],
    pub api_keys: &'a [ApiKey],
    pub features: &'a [Feature],
    pub usage: &'a [UsageRow],
    pub cost: &'a [CostRow],
    pub claude_code: &'a [ClaudeCodeDay],
    pub spike: Option<(Day, Day)>,
    pub adopt_routing_on: Option<Day>,
}

/// The seat fee of one engineer in one month.
pub fn seat_fee(engineer: &Engineer, month: Period) -> Money {
    let Billing::Seat { monthly_usd, .. } = &engineer.billing else {
        return Money::ZERO;
    };
    let first = engineer.start.max(month.start);
    let last = engineer.end.map_or(month.end - Duration::days(1), |end| end.min(month.end - Duration::days(1)));
    let held = (last - first).num_days() + 1;
    if held <= 0 {
        return Money::ZERO;
    }
    normal(monthly_usd.scale(Decimal::from(held) / Decimal::from(month.days())).round_cents())
}

impl Facts<'_> {
    fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|feature| feature.name == name)
    }

    fn rows_of<'b>(&'b self, keys: &'b [String]) -> impl Iterator<Item = &'b UsageRow> + 'b {
        self.usage.iter().filter(move |row| keys.contains(&row.api_key_id))
    }

    /// Prices rows (rolled up by day and rate group), optionally as another model or tier.
    fn price_rows<'b>(
        &self,
        rows: impl Iterator<Item = &'b UsageRow>,
        model: Option<&'static str>,
        tier: Option<ServiceTier>,
    ) -> Result<(Money, Money), DemoError> {
        let mut groups: BTreeMap<(Day, RateGroup), Quantities> = BTreeMap::new();
        for row in rows {
            let group = (model.unwrap_or(row.model), tier.unwrap_or(row.service_tier), row.context_window, row.inference_geo);
            groups.entry((row.hour.date_naive(), group)).or_default().add(&row.quantities);
        }
        let mut total = Money::ZERO;
        let mut input = Money::ZERO;
        for ((day, group), quantities) in groups {
            let priced = self.book.price(&query(day, group, &quantities))?;
            total += priced.total;
            input += priced.amount_of(ComponentKind::Token(TokenType::Input));
        }
        Ok((normal(total), normal(input)))
    }

    fn routing(&self) -> Result<Option<RoutingTruth>, DemoError> {
        let Some(feature) = self.feature("ticket-classifier") else {
            return Ok(None);
        };
        let rows: Vec<&UsageRow> = self.rows_of(&feature.api_key_ids).collect();
        let (spend, _) = self.price_rows(rows.iter().copied(), None, None)?;
        let (suggested, _) = self.price_rows(rows.iter().copied(), Some(HAIKU), None)?;
        Ok(Some(RoutingTruth {
            feature: feature.name.clone(),
            api_key_ids: feature.api_key_ids.clone(),
            model: rows.first().map_or_else(String::new, |row| row.model.to_string()),
            requests: rows.iter().map(|row| row.requests()).sum(),
            input_tokens: rows.iter().map(|row| row.quantities.tokens.input).sum(),
            output_tokens: rows.iter().map(|row| row.quantities.tokens.output).sum(),
            input_tokens_per_request: (600, 900),
            output_tokens_per_request: (5, 20),
            spend_usd: spend,
            suggested_model: HAIKU.to_string(),
            spend_on_suggested_model_usd: suggested,
        }))
    }

    fn routing_adopted(&self) -> Result<Option<AdoptionTruth>, DemoError> {
        let (Some(since), Some(feature)) = (self.adopt_routing_on, self.feature(crate::api::ADOPTING_FEATURE)) else {
            return Ok(None);
        };
        let rows: Vec<&UsageRow> = self.rows_of(&feature.api_key_ids).filter(|row| row.hour.date_naive() >= since).collect();
        let mut months: BTreeMap<String, Vec<&UsageRow>> = BTreeMap::new();
        for row in rows {
            months.entry(row.hour.format("%Y-%m").to_string()).or_default().push(row);
        }
        let mut out = Vec::new();
        for (month, rows) in months {
            let (actual, _) = self.price_rows(rows.iter().copied(), None, None)?;
            let (counterfactual, _) = self.price_rows(rows.iter().copied(), Some(crate::models::FABLE), None)?;
            out.push(AdoptionMonth { month, actual_usd: actual, counterfactual_usd: counterfactual, saved_usd: counterfactual - actual });
        }
        Ok(Some(AdoptionTruth {
            feature: feature.name.clone(),
            api_key_ids: feature.api_key_ids.clone(),
            from_model: crate::models::FABLE.to_string(),
            to_model: HAIKU.to_string(),
            since,
            months: out,
        }))
    }

    fn caching(&self) -> Result<Option<CachingTruth>, DemoError> {
        let Some(feature) = self.feature("support-bot") else {
            return Ok(None);
        };
        let rows: Vec<&UsageRow> = self.rows_of(&feature.api_key_ids).collect();
        let (spend, input) = self.price_rows(rows.iter().copied(), None, None)?;
        Ok(Some(CachingTruth {
            feature: feature.name.clone(),
            api_key_ids: feature.api_key_ids.clone(),
            model: SONNET.to_string(),
            system_prompt_tokens: SUPPORT_SYSTEM_PROMPT_TOKENS,
            requests: rows.iter().map(|row| row.requests()).sum(),
            uncached_input_tokens: rows.iter().map(|row| row.quantities.tokens.input).sum(),
            cache_read_input_tokens: rows.iter().map(|row| row.quantities.tokens.cache_read).sum(),
            cache_creation_input_tokens: rows
                .iter()
                .map(|row| row.quantities.tokens.cache_write_5m + row.quantities.tokens.cache_write_1h)
                .sum(),
            spend_usd: spend,
            input_spend_usd: input,
        }))
    }

    fn batch(&self) -> Result<Option<BatchTruth>, DemoError> {
        let Some(feature) = self.feature("nightly-enrichment") else {
            return Ok(None);
        };
        let rows: Vec<&UsageRow> = self.rows_of(&feature.api_key_ids).collect();
        let (spend, _) = self.price_rows(rows.iter().copied(), None, None)?;
        let (batch, _) = self.price_rows(rows.iter().copied(), None, Some(ServiceTier::Batch))?;
        let nights: std::collections::BTreeSet<Day> = rows.iter().map(|row| row.hour.date_naive()).collect();
        Ok(Some(BatchTruth {
            feature: feature.name.clone(),
            api_key_ids: feature.api_key_ids.clone(),
            workspace_id: feature.workspace_id.clone(),
            first_hour_utc: NIGHTLY_HOURS.0,
            last_hour_utc: NIGHTLY_HOURS.1,
            service_tier: ServiceTier::Standard.as_str().to_string(),
            nights: nights.len() as u64,
            requests: rows.iter().map(|row| row.requests()).sum(),
            spend_usd: spend,
            spend_at_batch_tier_usd: batch,
        }))
    }

    fn path_fit(&self, name: &str, direction: &str) -> Result<Option<PathFitTruth>, DemoError> {
        let Some(key) = self.api_keys.iter().find(|key| key.name == name) else {
            return Ok(None);
        };
        let keys = [key.id.clone()];
        let (spend, _) = self.price_rows(self.rows_of(&keys), None, None)?;
        let mut months = Vec::new();
        let mut month = Period::month_of(self.calendar.start);
        while month.start <= self.calendar.end {
            let in_month = || self.rows_of(&keys).filter(move |row| month.contains(row.hour.date_naive()));
            let (spend_usd, _) = self.price_rows(in_month(), None, None)?;
            let (spend_at_batch_tier_usd, _) = self.price_rows(in_month(), None, Some(ServiceTier::Batch))?;
            months.push(PathFitMonth { month: month.label(), spend_usd, spend_at_batch_tier_usd });
            month = Period::month_of(month.end);
        }
        Ok(Some(PathFitTruth {
            name: key.name.clone(),
            api_key_id: key.id.clone(),
            workspace_id: key.workspace_id.clone(),
            owner: match &key.owner {
                KeyOwner::ClaudeCode(email) => email.clone(),
                KeyOwner::Feature(name) => name.clone(),
                KeyOwner::Unassigned => String::new(),
            },
            direction: direction.to_string(),
            requests: self.rows_of(&keys).map(|row| row.requests()).sum(),
            spend_usd: spend,
            months,
        }))
    }

    fn idle_seats(&self) -> Vec<IdleSeatTruth> {
        self.engineers
            .iter()
            .filter_map(|engineer| {
                let idle_from = engineer.idle_from?;
                let Billing::Seat { monthly_usd, .. } = &engineer.billing else {
                    return None;
                };
                let last_active = self.claude_code.iter().filter(|record| record.email == engineer.email).map(|record| record.day).max();
                Some(IdleSeatTruth {
                    email: engineer.email.clone(),
                    team: engineer.team.clone(),
                    idle_from,
                    last_active,
                    monthly_usd: *monthly_usd,
                })
            })
            .collect()
    }

    fn spike(&self) -> Result<Option<SpikeTruth>, DemoError> {
        let (Some(feature), Some((start, end))) = (self.feature("doc-search"), self.spike) else {
            return Ok(None);
        };
        let in_days = |from: Day, to: Day| {
            self.rows_of(&feature.api_key_ids).filter(move |row| {
                let day = row.hour.date_naive();
                from <= day && day <= to
            })
        };
        let (spike, _) = self.price_rows(in_days(start, end), None, None)?;
        let (previous, _) = self.price_rows(in_days(start - Duration::days(7), end - Duration::days(7)), None, None)?;
        let (on_sonnet, _) = self.price_rows(in_days(start, end), Some(SONNET), None)?;
        Ok(Some(SpikeTruth {
            feature: feature.name.clone(),
            api_key_ids: feature.api_key_ids.clone(),
            start,
            end,
            from_model: SONNET.to_string(),
            to_model: OPUS.to_string(),
            spike_week_usd: spike,
            previous_week_usd: previous,
            jump_usd: normal(spike - previous),
            spike_week_on_from_model_usd: on_sonnet,
            model_switch_usd: normal(spike - on_sonnet),
        }))
    }

    fn unassigned(&self) -> Result<UnassignedTruth, DemoError> {
        let key = self.api_keys.iter().find(|key| key.owner == KeyOwner::Unassigned);
        let id = key.map_or_else(String::new, |key| key.id.clone());
        let keys = [id.clone()];
        let (spend, _) = self.price_rows(self.rows_of(&keys), None, None)?;
        Ok(UnassignedTruth {
            name: SCRATCH_KEY.to_string(),
            api_key_id: id,
            workspace_id: key.and_then(|key| key.workspace_id.clone()),
            requests: self.rows_of(&keys).map(|row| row.requests()).sum(),
            spend_usd: spend,
        })
    }

    fn months(&self, key_spend: &BTreeMap<(Day, String), Money>) -> Vec<MonthTruth> {
        let owners: BTreeMap<&str, &KeyOwner> = self.api_keys.iter().map(|key| (key.id.as_str(), &key.owner)).collect();
        let mut months = Vec::new();
        let mut month = Period::month_of(self.calendar.start);
        while month.start <= self.calendar.end {
            let in_month = |day: &Day| month.contains(*day) && self.calendar.start <= *day && *day <= self.calendar.end;
            let cost_report_usd: Money = self.cost.iter().filter(|row| in_month(&row.day)).map(|row| row.amount).sum();
            let mut features: BTreeMap<String, Money> = self.features.iter().map(|feature| (feature.name.clone(), Money::ZERO)).collect();
            let mut by_email: BTreeMap<&str, Money> = BTreeMap::new();
            let mut claude_code_api_key_usd = Money::ZERO;
            let mut unassigned_usd = Money::ZERO;
            for ((_, key), amount) in key_spend.iter().filter(|((day, _), _)| in_month(day)) {
                match owners.get(key.as_str()) {
                    Some(KeyOwner::Feature(name)) => *features.entry(name.clone()).or_default() += *amount,
                    Some(KeyOwner::ClaudeCode(email)) => {
                        claude_code_api_key_usd += *amount;
                        *by_email.entry(email.as_str()).or_default() += *amount;
                    }
                    Some(KeyOwner::Unassigned) | None => unassigned_usd += *amount,
                }
            }
            let mut engineers = BTreeMap::new();
            let mut teams: BTreeMap<String, SpendSplit> = self.teams.iter().map(|team| (team.clone(), SpendSplit::default())).collect();
            let mut seat_fees_usd = Money::ZERO;
            for engineer in self.engineers {
                let seat = seat_fee(engineer, month);
                let api = by_email.get(engineer.email.as_str()).copied().unwrap_or(Money::ZERO);
                if seat.is_zero() && api.is_zero() {
                    continue;
                }
                seat_fees_usd += seat;
                let split = SpendSplit { seat_fees_usd: seat, api_key_usd: normal(api), total_usd: normal(seat + api) };
                teams.entry(engineer.team.clone()).or_default().add(&split);
                engineers.insert(engineer.email.clone(), split);
            }
            for split in teams.values_mut() {
                *split = SpendSplit {
                    seat_fees_usd: normal(split.seat_fees_usd),
                    api_key_usd: normal(split.api_key_usd),
                    total_usd: normal(split.total_usd),
                };
            }
            let active: std::collections::BTreeSet<(&str, Day)> = self
                .claude_code
                .iter()
                .filter(|record| in_month(&record.day) && record.is_active())
                .map(|record| (record.email.as_str(), record.day))
                .collect();
            let mut feature_requests: BTreeMap<String, u64> = self.features.iter().map(|feature| (feature.name.clone(), 0)).collect();
            for row in self.usage.iter().filter(|row| in_month(&row.hour.date_naive())) {
                if let Some(KeyOwner::Feature(name)) = owners.get(row.api_key_id.as_str()) {
                    *feature_requests.entry(name.clone()).or_default() += row.requests();
                }
            }
            months.push(MonthTruth {
                active_engineers: active.iter().map(|(email, _)| *email).collect::<std::collections::BTreeSet<_>>().len() as u64,
                active_engineer_days: active.len() as u64,
                feature_requests,
                month: month.label(),
                window_days: month.iter_days().filter(|day| self.calendar.start <= *day && *day <= self.calendar.end).count() as u64,
                cost_report_usd: normal(cost_report_usd),
                seat_fees_usd: normal(seat_fees_usd),
                claude_code_api_key_usd: normal(claude_code_api_key_usd),
                claude_code_usd: normal(seat_fees_usd + claude_code_api_key_usd),
                features: features.into_iter().map(|(name, amount)| (name, normal(amount))).collect(),
                unassigned_usd: normal(unassigned_usd),
                teams,
                engineers,
            });
            month = Period::month_of(month.end);
        }
        months
    }

    /// Builds the ground truth.
    pub fn ground_truth(&self) -> Result<GroundTruth, DemoError> {
        let key_spend = key_spend(self.book, self.usage)?;
        Ok(GroundTruth {
            seed: self.seed,
            organization_id: self.organization_id.to_string(),
            window_start: self.calendar.start,
            window_end: self.calendar.end,
            price_book_version: self.book.version.clone(),
            calendar: CalendarTruth {
                holidays: self
                    .calendar
                    .holidays
                    .iter()
                    .copied()
                    .filter(|day| self.calendar.start <= *day && *day <= self.calendar.end)
                    .collect(),
                quiet_week: self.calendar.quiet.filter(|(from, _)| self.calendar.start <= *from && *from <= self.calendar.end),
            },
            planted: Planted {
                routing: self.routing()?,
                caching: self.caching()?,
                batch: self.batch()?,
                idle_seats: self.idle_seats(),
                model_mix_spike: self.spike()?,
                unassigned_key: self.unassigned()?,
                routing_adopted: self.routing_adopted()?,
                claude_code_automation: self.path_fit(crate::path_fit::AUTOMATION_KEY, "to_api")?,
                interactive_api_key: self.path_fit(crate::path_fit::INTERACTIVE_KEY, "to_claude_code")?,
            },
            features: self
                .features
                .iter()
                .map(|feature| FeatureTruth {
                    name: feature.name.clone(),
                    workspace_id: feature.workspace_id.clone(),
                    api_key_ids: feature.api_key_ids.clone(),
                    growth: feature.growth.clone(),
                    launched: feature.launched,
                })
                .collect(),
            engineers: self
                .engineers
                .iter()
                .map(|engineer| {
                    let (billing, api_key_id, api_key_name) = match &engineer.billing {
                        Billing::Seat { .. } => ("seat", None, None),
                        Billing::ApiKey { api_key_id, key_name, .. } => ("api_key", Some(api_key_id.clone()), Some(key_name.clone())),
                    };
                    EngineerTruth {
                        email: engineer.email.clone(),
                        team: engineer.team.clone(),
                        billing: billing.to_string(),
                        api_key_id,
                        api_key_name,
                        start: engineer.start,
                        end: engineer.end,
                        idle: engineer.idle_from.is_some(),
                        transcripts: engineer.transcripts,
                    }
                })
                .collect(),
            months: self.months(&key_spend),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn seat_fees_prorate_by_days_held() {
        let mut engineer = crate::org::tests_support::seat_engineer(day("2026-06-11"), None);
        let june = Period::month_of(day("2026-06-01"));
        let cases = [
            (day("2026-06-11"), None, "100"),                   // 20 of 30 days
            (day("2026-01-01"), None, "150"),                   // whole month
            (day("2026-01-01"), Some(day("2026-06-01")), "5"),  // one day
            (day("2026-07-01"), None, "0"),                     // not yet
            (day("2026-01-01"), Some(day("2026-06-07")), "35"), // seven days
        ];
        for (start, end, expected) in cases {
            engineer.start = start;
            engineer.end = end;
            assert_eq!(seat_fee(&engineer, june).to_exact_string(), expected, "{start} {end:?}");
        }
        let july = Period::month_of(day("2026-07-01"));
        engineer.start = day("2026-07-10");
        engineer.end = None;
        assert_eq!(seat_fee(&engineer, july).to_exact_string(), "106.45", "22/31 of 150 = 106.4516..");
    }
}

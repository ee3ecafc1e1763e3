//! Which source carried the dollars of a period, which only refined who and why, and why: the
//! record of source precedence a report prints beside its figures.
//!
//! Billing truth is the cost report (Console, API-key spend) and the roster (seat fees); every
//! other source describes the same requests again, so its dollar estimate is shown, never added.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use spendlens_model::{ActivityLine, Money, Path, Period, Source};

use crate::ledger::{Ledger, in_period};
use crate::units::Drivers;

/// What a source did for the period's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Its dollars are the ledger's dollars.
    Billing,
    /// It decides how billed dollars split over API keys; adds none.
    Split,
    /// It says who or what drove billed dollars (or how much they were used); adds none.
    Attribution,
    /// It bills some days, but a preferred source bills them, so those lines are left out.
    SetAside,
}

impl Role {
    /// How reports print it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Billing => "billing",
            Role::Split => "split",
            Role::Attribution => "attribution",
            Role::SetAside => "set aside",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceUse {
    pub source: Source,
    pub role: Role,
    /// Ledger entries (for billing sources) or usage and activity lines read (for the others).
    pub lines: usize,
    /// Dollars this source placed in the ledger (zero unless billing).
    pub billed_usd: Money,
    /// The source's own dollar figure for what it describes, where it has one, not added.
    pub estimated_usd: Option<Money>,
    pub why: String,
}

/// The precedence record of `period`, billing sources first.
pub fn source_uses(ledger: &Ledger, period: Period, drivers: Drivers<'_>) -> Vec<SourceUse> {
    let entries = &ledger.entries;
    let mut billed: BTreeMap<Source, (usize, Money)> = BTreeMap::new();
    let mut claude_code_on_keys = Money::ZERO;
    let mut actor_keys = Money::ZERO;
    for entry in in_period(entries, period) {
        let slot = billed.entry(entry.source).or_default();
        slot.0 += 1;
        slot.1 += entry.amount;
        if entry.path == Path::ClaudeCode && entry.api_key.is_some() {
            claude_code_on_keys += entry.amount;
            if entry.rule.contains("API actor in Claude Code Analytics") {
                actor_keys += entry.amount;
            }
        }
    }
    let mut read: BTreeMap<Source, (usize, Option<Money>)> = BTreeMap::new();
    for line in drivers.usage.iter().filter(|line| period.contains(line.day())) {
        let slot = read.entry(line.source).or_default();
        slot.0 += 1;
        if let Some(cost) = line.reported_cost {
            *slot.1.get_or_insert(Money::ZERO) += cost;
        }
    }
    let activity: Vec<&ActivityLine> = drivers.activity.iter().filter(|line| period.contains(line.day)).collect();
    for line in &activity {
        read.entry(line.source).or_default().0 += 1;
    }

    let mut uses = Vec::new();
    for (source, (lines, usd)) in &billed {
        let why = match source {
            Source::AdminCost => {
                let mut why = format!(
                    "billing truth for Console (API-key) spend; each row split over API keys by their list-priced usage of the same \
                     token type; {claude_code_on_keys} of it is Claude Code on API keys"
                );
                if !actor_keys.is_zero() {
                    why += &format!(" ({actor_keys} on keys Claude Code Analytics names as API actors)");
                }
                why
            }
            Source::Roster => "seat fees from the roster, prorated by day".to_string(),
            Source::AdminAnalyticsCost => "billing truth on days the cost report does not cover (the Cost Analytics endpoint: \
                                           rows split over API keys like the cost report's, or placed on the key they name)"
                .to_string(),
            other => format!("billed lines of {other}"),
        };
        uses.push(SourceUse { source: *source, role: Role::Billing, lines: *lines, billed_usd: *usd, estimated_usd: None, why });
    }
    let billing: BTreeSet<Source> = billed.keys().copied().collect();
    for (source, (lines, estimate)) in read {
        if billing.contains(&source) {
            continue;
        }
        let (role, why) = match source {
            Source::AdminUsage => (
                Role::Split,
                "tokens per API key: decide how each cost-report row splits over keys; priced by the book only to weigh the split"
                    .to_string(),
            ),
            Source::ClaudeCodeAnalytics => (
                Role::Attribution,
                "names the API keys Claude Code runs on (their cost-report dollars become Claude Code) and each engineer's activity; \
                 its estimated cost describes requests the cost report or seats already bill, so it is not added"
                    .to_string(),
            ),
            Source::Transcript | Source::Otel => (
                Role::Attribution,
                "who used Claude Code, on which day and project; its cost is Claude Code's local estimate of requests already billed \
                 through seats or the cost report, so it is not added"
                    .to_string(),
            ),
            Source::Gateway => (Role::Attribution, "request counts and feature tags of traffic the cost report bills".to_string()),
            Source::AdminAnalyticsUsage => (
                Role::Attribution,
                "request counts per API key (cost per 1,000 requests); on days without a usage report its tokens also decide how \
                 cost rows split over keys"
                    .to_string(),
            ),
            other => (Role::Attribution, format!("{other}: attribution only; the cost report and seat fees carry the dollars")),
        };
        uses.push(SourceUse { source, role, lines, billed_usd: Money::ZERO, estimated_usd: estimate, why });
    }
    let mut aside: BTreeMap<Source, (BTreeSet<spendlens_model::Day>, usize, Money, Source)> = BTreeMap::new();
    for day in ledger.set_aside.iter().filter(|day| period.contains(day.day)) {
        let slot = aside.entry(day.source).or_insert_with(|| (BTreeSet::new(), 0, Money::ZERO, day.because));
        slot.0.insert(day.day);
        slot.1 += day.lines;
        slot.2 += day.amount;
    }
    for (source, (days, lines, amount, because)) in aside {
        let why = format!(
            "left out on {} days: {because} bills them, and one source bills a day (the cost report is the billing record; \
             its own figure for those days, {amount}, is not added)",
            days.len()
        );
        uses.push(SourceUse { source, role: Role::SetAside, lines, billed_usd: Money::ZERO, estimated_usd: Some(amount), why });
    }
    uses.sort_by(|a, b| a.role.cmp(&b.role).then_with(|| a.source.cmp(&b.source)));
    uses
}

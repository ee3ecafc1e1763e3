//! The period summary: total spend, the two paths side by side with their drivers, and the
//! unassigned remainder with reasons. Every figure is a sum of ledger entries, so the parts add up
//! to the total to the last decimal.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{Money, Path, Period, Source};

use crate::ledger::{Driver, Ledger, in_period};
use crate::sources::{SourceUse, source_uses};
use crate::units::{Comparison, Drivers, UnitEconomics, compare, unit_economics};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub period: Period,
    pub total_usd: Money,
    pub paths: Paths,
    /// Dollars by the source that billed them.
    pub by_source: BTreeMap<Source, Money>,
    /// Models the price book does not know (their cost was split by tokens, not dollars).
    pub unpriced_models: Vec<String>,
    /// Values of the period's data this build does not know (a new service tier, cost type...):
    /// kept, billed where a billing source bills them, never priced by guess.
    pub unknown_values: Vec<spendlens_model::UnknownValue>,
    /// What a reader should know about the figures (a roster older than the period, ...).
    pub notes: Vec<String>,
    /// Each path against the previous period (the month before, for a month); `None` when the
    /// ledger holds nothing for that period.
    pub month_over_month: Option<Comparison>,
    /// Each path's dollars over its own driver.
    pub unit_economics: UnitEconomics,
    /// Which source carried the dollars and which only refined who and why.
    pub sources: Vec<SourceUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paths {
    pub claude_code: ClaudeCodeSummary,
    pub api: ApiSummary,
    pub unassigned: UnassignedSummary,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaudeCodeSummary {
    pub total_usd: Money,
    /// Seat fees.
    pub seats_usd: Money,
    /// Claude Code billed per token through Console API keys.
    pub api_keys_usd: Money,
    pub engineers: usize,
    pub teams: Vec<TeamLine>,
    /// Every engineer, largest first.
    pub top_engineers: Vec<EngineerLine>,
    /// Claude Code spend on keys whose owner is unknown.
    pub unowned_keys: Vec<KeyLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamLine {
    pub team: String,
    pub total_usd: Money,
    pub engineers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineerLine {
    pub email: String,
    pub team: Option<String>,
    pub seat_usd: Money,
    pub api_key_usd: Money,
    pub total_usd: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyLine {
    pub key: String,
    pub total_usd: Money,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiSummary {
    pub total_usd: Money,
    pub features: Vec<FeatureLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureLine {
    pub feature: String,
    pub total_usd: Money,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnassignedSummary {
    pub total_usd: Money,
    pub lines: Vec<UnassignedLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnassignedLine {
    pub reason: String,
    pub total_usd: Money,
}

/// The team shown for engineers no rule or roster places.
pub const NO_TEAM: &str = "(no team)";

fn by_amount_desc<T>(items: &mut [T], amount: impl Fn(&T) -> Money, name: impl Fn(&T) -> String) {
    items.sort_by(|a, b| amount(b).cmp(&amount(a)).then_with(|| name(a).cmp(&name(b))));
}

/// Sums the ledger's entries in `period`, with no usage or activity beside them (so unit
/// economics have no denominators).
pub fn summarise(ledger: &Ledger, period: Period) -> Summary {
    summarise_with(ledger, period, Drivers::default())
}

/// Sums the ledger's entries in `period`; `drivers` (usage and activity lines) give the unit
/// economics their denominators and the source record its refining sources. A ledger assembled
/// over the previous period too gives the month-over-month change.
pub fn summarise_with(ledger: &Ledger, period: Period, drivers: Drivers<'_>) -> Summary {
    let mut total = Money::ZERO;
    let mut by_source: BTreeMap<Source, Money> = BTreeMap::new();
    let mut claude_code = ClaudeCodeSummary::default();
    let mut api = ApiSummary::default();
    let mut unassigned = UnassignedSummary::default();
    let mut engineers: BTreeMap<String, EngineerLine> = BTreeMap::new();
    let mut keys: BTreeMap<String, Money> = BTreeMap::new();
    let mut features: BTreeMap<String, Money> = BTreeMap::new();
    let mut reasons: BTreeMap<String, Money> = BTreeMap::new();
    for entry in in_period(&ledger.entries, period) {
        total += entry.amount;
        *by_source.entry(entry.source).or_default() += entry.amount;
        match entry.path {
            Path::ClaudeCode => {
                claude_code.total_usd += entry.amount;
                let seat = entry.source == Source::Roster;
                if seat {
                    claude_code.seats_usd += entry.amount;
                } else {
                    claude_code.api_keys_usd += entry.amount;
                }
                match &entry.driver {
                    Driver::Engineer { email, team } => {
                        let line = engineers.entry(email.clone()).or_insert_with(|| EngineerLine {
                            email: email.clone(),
                            team: team.clone(),
                            seat_usd: Money::ZERO,
                            api_key_usd: Money::ZERO,
                            total_usd: Money::ZERO,
                        });
                        if line.team.is_none() {
                            line.team = team.clone();
                        }
                        if seat {
                            line.seat_usd += entry.amount;
                        } else {
                            line.api_key_usd += entry.amount;
                        }
                        line.total_usd += entry.amount;
                    }
                    other => *keys.entry(other.label()).or_default() += entry.amount,
                }
            }
            Path::Api => match &entry.driver {
                Driver::Feature { name } => *features.entry(name.clone()).or_default() += entry.amount,
                other => *features.entry(other.label()).or_default() += entry.amount,
            },
            Path::Unassigned => {
                let reason = match &entry.driver {
                    Driver::Unattributed { reason } => reason.clone(),
                    other => other.label(),
                };
                *reasons.entry(reason).or_default() += entry.amount;
            }
        }
    }
    let mut teams: BTreeMap<String, TeamLine> = BTreeMap::new();
    for engineer in engineers.values() {
        let name = engineer.team.clone().unwrap_or_else(|| NO_TEAM.to_string());
        let team = teams.entry(name.clone()).or_insert_with(|| TeamLine { team: name, total_usd: Money::ZERO, engineers: 0 });
        team.total_usd += engineer.total_usd;
        team.engineers += 1;
    }
    claude_code.engineers = engineers.len();
    claude_code.teams = teams.into_values().collect();
    by_amount_desc(&mut claude_code.teams, |t| t.total_usd, |t| t.team.clone());
    claude_code.top_engineers = engineers.into_values().collect();
    by_amount_desc(&mut claude_code.top_engineers, |e| e.total_usd, |e| e.email.clone());
    claude_code.unowned_keys = keys.into_iter().map(|(key, total_usd)| KeyLine { key, total_usd }).collect();
    by_amount_desc(&mut claude_code.unowned_keys, |k| k.total_usd, |k| k.key.clone());
    api.features = features.into_iter().map(|(feature, total_usd)| FeatureLine { feature, total_usd }).collect();
    by_amount_desc(&mut api.features, |f| f.total_usd, |f| f.feature.clone());
    api.total_usd = api.features.iter().map(|f| f.total_usd).sum();
    unassigned.lines = reasons.into_iter().map(|(reason, total_usd)| UnassignedLine { reason, total_usd }).collect();
    by_amount_desc(&mut unassigned.lines, |u| u.total_usd, |u| u.reason.clone());
    unassigned.total_usd = unassigned.lines.iter().map(|u| u.total_usd).sum();
    Summary {
        period,
        total_usd: total,
        paths: Paths { claude_code, api, unassigned },
        by_source,
        unpriced_models: ledger.unpriced_models.keys().cloned().collect(),
        unknown_values: Vec::new(),
        notes: Vec::new(),
        month_over_month: compare(&ledger.entries, period),
        unit_economics: unit_economics(&ledger.entries, period, drivers),
        sources: source_uses(ledger, period, drivers),
    }
}

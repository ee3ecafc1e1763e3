//! Month-over-month change per path, and unit economics: each path's dollars over its own driver.
//!
//! - Claude Code is driven by engineers: cost per active engineer and per active engineer-day. An
//!   engineer is active on a day when any source shows Claude Code use by them that day (activity
//!   counters, or tokens under their email or a key they hold). Sources overlap (Claude Code Analytics, OpenTelemetry
//!   and transcripts can all see one person's day); a set of (engineer, day) pairs counts each once.
//! - The API is driven by each feature's traffic: cost per 1,000 requests. Request counts come only
//!   from sources that count requests per API key (the Usage Analytics endpoint, the gateway log);
//!   a feature whose keys have no counted requests shows none rather than a made-up rate.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use spendlens_model::{ActivityLine, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, Source, UsageLine};

use crate::ledger::{Driver, LedgerEntry, in_period};

/// A path's spend against the previous period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub previous_usd: Money,
    pub current_usd: Money,
    pub change_usd: Money,
    /// Percentage change, one decimal; `None` when the previous amount was zero.
    pub change_pct: Option<Decimal>,
}

impl Change {
    pub fn new(previous: Money, current: Money) -> Self {
        let change_pct = (!previous.is_zero()).then(|| {
            ((current - previous).as_decimal() * Decimal::ONE_HUNDRED / previous.as_decimal())
                .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        });
        Change { previous_usd: previous, current_usd: current, change_usd: current - previous, change_pct }
    }
}

/// The period against the one before it, per path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub previous_period: Period,
    /// Days of each period with daily billed lines: a partly covered previous period (history
    /// that starts mid-month) makes a change look larger than it is, so reports say so.
    pub previous_days_with_data: usize,
    pub days_with_data: usize,
    pub total: Change,
    pub claude_code: Change,
    pub api: Change,
    pub unassigned: Change,
    /// Claude Code per team and the API per feature, against the previous period.
    pub teams: BTreeMap<String, Change>,
    pub features: BTreeMap<String, Change>,
}

/// Compares `period` with [`Period::previous`]; `None` when the ledger holds nothing for the
/// previous period (no data is not the same as no spend).
pub fn compare(entries: &[LedgerEntry], period: Period) -> Option<Comparison> {
    let previous = period.previous();
    let totals = |span: Period| -> Option<BTreeMap<Path, Money>> {
        let mut by_path = BTreeMap::new();
        let mut any = false;
        for entry in in_period(entries, span) {
            any = true;
            *by_path.entry(entry.path).or_default() += entry.amount;
        }
        any.then_some(by_path)
    };
    let before = totals(previous)?;
    let covered = |span: Period| -> usize {
        in_period(entries, span)
            .filter(|entry| (entry.end - entry.start).num_days() <= 1)
            .map(|entry| entry.start)
            .collect::<BTreeSet<Day>>()
            .len()
    };
    let now = totals(period).unwrap_or_default();
    let change = |path: Path| Change::new(before.get(&path).copied().unwrap_or_default(), now.get(&path).copied().unwrap_or_default());
    // (previous, current) per team and per feature, named as the summary names them.
    let mut teams: BTreeMap<String, (Money, Money)> = BTreeMap::new();
    let mut features: BTreeMap<String, (Money, Money)> = BTreeMap::new();
    for (span, current) in [(previous, false), (period, true)] {
        for entry in in_period(entries, span) {
            let slot = match (entry.path, &entry.driver) {
                (Path::ClaudeCode, Driver::Engineer { team, .. }) => {
                    teams.entry(team.clone().unwrap_or_else(|| crate::summary::NO_TEAM.to_string())).or_default()
                }
                (Path::Api, Driver::Feature { name }) => features.entry(name.clone()).or_default(),
                (Path::Api, other) => features.entry(other.label()).or_default(),
                _ => continue,
            };
            if current {
                slot.1 += entry.amount;
            } else {
                slot.0 += entry.amount;
            }
        }
    }
    let changes = |amounts: BTreeMap<String, (Money, Money)>| -> BTreeMap<String, Change> {
        amounts.into_iter().map(|(name, (before, now))| (name, Change::new(before, now))).collect()
    };
    Some(Comparison {
        teams: changes(teams),
        features: changes(features),
        previous_period: previous,
        previous_days_with_data: covered(previous),
        days_with_data: covered(period),
        total: Change::new(before.values().copied().sum(), now.values().copied().sum()),
        claude_code: change(Path::ClaudeCode),
        api: change(Path::Api),
        unassigned: change(Path::Unassigned),
    })
}

/// What drives each path, beside the ledger: usage lines (any source, any grain) and activity.
#[derive(Debug, Clone, Copy, Default)]
pub struct Drivers<'a> {
    pub usage: &'a [UsageLine],
    pub activity: &'a [ActivityLine],
    /// Names API keys' owners, so Claude Code activity reported under a key name (an API actor)
    /// counts for the engineer who holds the key.
    pub directory: &'a [DirectoryEntry],
}

/// API key name → the email of the user who created it, from the directory listings.
pub(crate) fn key_owners(directory: &[DirectoryEntry]) -> HashMap<&str, String> {
    let emails: HashMap<&str, &str> = directory
        .iter()
        .filter(|entry| entry.kind == DirectoryKind::User)
        .filter_map(|entry| Some((entry.id.as_str(), entry.email.as_deref()?)))
        .collect();
    directory
        .iter()
        .filter(|entry| entry.kind == DirectoryKind::ApiKey)
        .filter_map(|entry| Some((entry.name.as_deref()?, emails.get(entry.created_by.as_deref()?)?.to_ascii_lowercase())))
        .collect()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnitEconomics {
    pub claude_code: ClaudeCodeUnits,
    pub api: ApiUnits,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClaudeCodeUnits {
    pub total_usd: Money,
    /// Engineers with any Claude Code use in the period.
    pub active_engineers: usize,
    /// Distinct (engineer, day) pairs with Claude Code use.
    pub active_engineer_days: usize,
    /// Cents-rounded; `None` without active engineers.
    pub cost_per_active_engineer_usd: Option<Money>,
    pub cost_per_active_engineer_day_usd: Option<Money>,
    /// Sources the activity was read from.
    pub activity_sources: Vec<Source>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiUnits {
    pub features: Vec<FeatureUnits>,
    /// Sources the request counts were read from.
    pub request_sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureUnits {
    pub feature: String,
    pub total_usd: Money,
    /// Requests counted on the feature's API keys; `None` when no source counts them.
    pub requests: Option<u64>,
    /// Cents-rounded to the tenth of a cent; `None` without requests.
    pub cost_per_1000_requests_usd: Option<Money>,
}

/// Sources whose request counts measure API traffic per key, best first: Anthropic's own count,
/// then the gateway's. Both count the same requests, so per key and day only the best present is
/// used.
const REQUEST_SOURCES: [Source; 2] = [Source::AdminAnalyticsUsage, Source::Gateway];

fn per(amount: Money, units: u64, per_units: u64, dp: u32) -> Option<Money> {
    (units > 0).then(|| {
        Money::from_decimal(
            (amount.as_decimal() * Decimal::from(per_units) / Decimal::from(units))
                .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero),
        )
    })
}

fn is_claude_code_activity(line: &ActivityLine) -> bool {
    line.sessions + line.lines_added + line.lines_removed + line.commits + line.pull_requests + line.tool_accepted + line.tool_rejected > 0
        || line.active_seconds.unwrap_or(0) > 0
}

/// Unit economics of `period`: ledger entries for the dollars, drivers for the denominators.
pub fn unit_economics(entries: &[LedgerEntry], period: Period, drivers: Drivers<'_>) -> UnitEconomics {
    let mut claude_code = ClaudeCodeUnits::default();
    let mut feature_usd: BTreeMap<String, Money> = BTreeMap::new();
    let mut feature_of_key: HashMap<&str, &str> = HashMap::new();
    for entry in in_period(entries, period) {
        match (entry.path, &entry.driver) {
            (Path::ClaudeCode, _) => claude_code.total_usd += entry.amount,
            (Path::Api, Driver::Feature { name }) => {
                *feature_usd.entry(name.clone()).or_default() += entry.amount;
                if let Some(key) = &entry.api_key {
                    feature_of_key.entry(key).or_insert(name);
                }
            }
            (Path::Api, other) => *feature_usd.entry(other.label()).or_default() += entry.amount,
            (Path::Unassigned, _) => {}
        }
    }

    // Claude Code: (engineer, day) pairs from activity and from Claude Code usage under an email.
    let mut engineer_days: BTreeSet<(String, Day)> = BTreeSet::new();
    let mut activity_sources: BTreeSet<Source> = BTreeSet::new();
    let owners = key_owners(drivers.directory);
    let person = |email: Option<&String>, key_name: Option<&String>| -> Option<String> {
        email.map(|email| email.to_ascii_lowercase()).or_else(|| owners.get(key_name?.as_str()).cloned())
    };
    for line in drivers.activity.iter().filter(|line| period.contains(line.day) && is_claude_code_activity(line)) {
        if let Some(email) = person(line.actor_email.as_ref(), line.api_key_name.as_ref()) {
            engineer_days.insert((email, line.day));
            activity_sources.insert(line.source);
        }
    }
    for line in drivers.usage.iter().filter(|line| line.path == Path::ClaudeCode && period.contains(line.day())) {
        let email = person(line.identity.actor_email.as_ref(), line.identity.api_key_name.as_ref());
        if let (Some(email), true) = (email, line.quantities.tokens.total() > 0) {
            engineer_days.insert((email, line.day()));
            activity_sources.insert(line.source);
        }
    }
    let engineers: BTreeSet<&str> = engineer_days.iter().map(|(email, _)| email.as_str()).collect();
    claude_code.active_engineers = engineers.len();
    claude_code.active_engineer_days = engineer_days.len();
    claude_code.cost_per_active_engineer_usd = per(claude_code.total_usd, engineers.len() as u64, 1, 2);
    claude_code.cost_per_active_engineer_day_usd = per(claude_code.total_usd, engineer_days.len() as u64, 1, 2);
    claude_code.activity_sources = activity_sources.into_iter().collect();

    // API: requests per key and day from the best request-counting source present there.
    let mut best: HashMap<(&str, Day), (usize, u64)> = HashMap::new();
    for line in drivers.usage.iter().filter(|line| period.contains(line.day())) {
        let (Some(rank), Some(requests), Some(key)) = (
            REQUEST_SOURCES.iter().position(|source| *source == line.source),
            line.quantities.requests,
            line.identity.api_key_id.as_deref(),
        ) else {
            continue;
        };
        let slot = best.entry((key, line.day())).or_insert((rank, 0));
        if rank < slot.0 {
            *slot = (rank, 0);
        }
        if rank == slot.0 {
            slot.1 += requests;
        }
    }
    let mut requests: BTreeMap<&str, u64> = BTreeMap::new();
    let mut request_sources: BTreeSet<Source> = BTreeSet::new();
    for ((key, _), (rank, count)) in &best {
        if let Some(feature) = feature_of_key.get(key) {
            *requests.entry(feature).or_default() += count;
            request_sources.insert(REQUEST_SOURCES[*rank]);
        }
    }
    let mut features: Vec<FeatureUnits> = feature_usd
        .into_iter()
        .map(|(feature, total_usd)| {
            let counted = requests.get(feature.as_str()).copied();
            FeatureUnits {
                cost_per_1000_requests_usd: counted.and_then(|count| per(total_usd, count, 1000, 3)),
                requests: counted,
                feature,
                total_usd,
            }
        })
        .collect();
    features.sort_by(|a, b| b.total_usd.cmp(&a.total_usd).then_with(|| a.feature.cmp(&b.feature)));
    UnitEconomics { claude_code, api: ApiUnits { features, request_sources: request_sources.into_iter().collect() } }
}

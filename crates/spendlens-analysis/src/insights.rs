//! Claude Code discipline and path fit: how each engineer and team uses Claude Code against their
//! peers, the outliers with what they cost against the peer median, and work on the wrong path.
//!
//! **Discipline.** Per engineer (tokens and activity per (engineer, day) from one source, the best
//! present, as in [`crate::rightsize`]): context loaded per session and per accepted line (input
//! and cache-read tokens), the share of the most capable model (the highest output rate among the
//! models used) on routine work (days of small edits: at most [`ROUTINE_LINES_PER_SESSION`] lines
//! accepted per session), the cache hit rate (cache reads over every prompt token) and sessions per
//! active day. Outliers are named against the median of their peers (engineers with at least
//! [`MIN_PEER_SESSIONS`] sessions), with the dollars the gap costs at their own rates. Every
//! outlier metric is a ratio, so a heavy week is not an outlier: it shows as its team's intensity
//! (the busiest week against the team's median week).
//!
//! **Path fit** (from the usage report's hour-of-week profile per API key):
//! - a Claude Code key whose traffic runs at all hours, weekends included, evenly and in every
//!   week (a system doing the work: headless runs in CI, schedules) is priced on the API with its
//!   caching as it runs and the Batch API (`to_api`);
//! - an API key (not Claude Code) whose traffic looks like one person at work (weekdays, within
//!   one ten-hour band, in bursts that do not fill the same hours every week, and long
//!   conversations whose context is re-read from the cache) is priced as a Claude Code seat
//!   (`to_claude_code`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use spendlens_model::{
    ActivityLine, Day, DirectoryEntry, DirectoryKind, HourProfile, Money, Path, Period, ServiceTier, Source, TokenCounts, TokenType,
    UsageLine,
};
use spendlens_pricing::{PriceBook, PriceQuery, normalise_model_id};

use crate::ledger::{Driver, Ledger, in_period};
use crate::rightsize::{People, PersonDays, SeatPlan, month_factor};

/// A day is routine work when at most this many lines were accepted per session.
pub const ROUTINE_LINES_PER_SESSION: u64 = 50;
/// Peers are engineers with at least this many sessions in the period.
pub const MIN_PEER_SESSIONS: u64 = 5;
/// Context per session at least this many times the peer median is an outlier.
pub const CONTEXT_OUTLIER_RATIO: u64 = 2;
/// A cache hit rate this far (absolute) under the peer median is an outlier.
pub const CACHE_OUTLIER_GAP: Decimal = Decimal::from_parts(15, 0, 0, false, 2);
/// A most-capable share on routine work this far (absolute) over the peer median is an outlier,
/// over at least [`MIN_ROUTINE_DAYS`] routine days.
pub const MODEL_OUTLIER_GAP: Decimal = Decimal::from_parts(3, 0, 0, false, 1);
pub const MIN_ROUTINE_DAYS: u64 = 3;

/// What the insights are handed.
#[derive(Debug, Clone, Copy)]
pub struct InsightsInput<'a> {
    pub period: Period,
    /// The period's activity (Claude Code Analytics, OpenTelemetry).
    pub activity: &'a [ActivityLine],
    /// The period's usage (every source; Claude Code lines and the usage report's key lines).
    pub usage: &'a [UsageLine],
    /// The usage report's hour-of-week profiles of the period.
    pub hours: &'a [HourProfile],
    pub ledger: &'a Ledger,
    pub directory: &'a [DirectoryEntry],
    /// Known members and their teams.
    pub members: &'a [(String, Option<String>)],
    pub plans: &'a [SeatPlan],
    pub book: &'a PriceBook,
}

/// One engineer's discipline figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineerInsight {
    pub email: String,
    pub team: Option<String>,
    pub active_days: u64,
    pub sessions: u64,
    pub lines_accepted: u64,
    pub tokens: TokenCounts,
    /// Their tokens at API list rates, a month's worth.
    pub usage_value_usd: Money,
    /// Input and cache-read tokens per session.
    pub context_per_session: Option<u64>,
    /// Input and cache-read tokens per accepted line.
    pub context_per_line: Option<u64>,
    /// Cache reads over input, cache writes and cache reads (3 decimals).
    pub cache_hit_rate: Option<Decimal>,
    pub routine_days: u64,
    /// The most capable model's share of the tokens on routine days (3 decimals).
    pub most_capable_share_on_routine: Option<Decimal>,
    pub sessions_per_active_day: Option<Decimal>,
}

/// One team against the other teams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamInsight {
    pub team: String,
    pub engineers: u64,
    pub active_engineer_days: u64,
    pub sessions: u64,
    pub usage_value_usd: Money,
    pub context_per_session: Option<u64>,
    pub cache_hit_rate: Option<Decimal>,
    pub most_capable_share_on_routine: Option<Decimal>,
    pub sessions_per_active_day: Option<Decimal>,
    /// Monday of the week with the most use at API rates, its use and the team's median week.
    pub busiest_week: Option<Day>,
    pub busiest_week_usd: Money,
    pub median_week_usd: Money,
    /// The lumpiness explained: where the team's effort went, in words.
    pub intensity: String,
}

/// An engineer far from their peers on one measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outlier {
    pub email: String,
    pub team: Option<String>,
    /// `context_per_session`, `cache_hit_rate` or `most_capable_share_on_routine`.
    pub metric: String,
    pub value: Decimal,
    pub peer_median: Decimal,
    /// What the gap costs a month against the peer median, at their own rates.
    pub monthly_cost_vs_median_usd: Money,
    pub evidence: Vec<String>,
}

/// Work on the wrong path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathFit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub name: Option<String>,
    /// `to_api` or `to_claude_code`.
    pub direction: String,
    /// What the work would cost a month on the other path.
    pub monthly_usd: Money,
    /// What it costs a month now.
    pub current_monthly_usd: Money,
    pub evidence: Vec<String>,
}

/// `spendlens cc insights`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Insights {
    pub period: Period,
    pub month_factor: Decimal,
    /// The model counted as most capable (the highest output rate among those used).
    pub most_capable_model: Option<String>,
    pub engineers: Vec<EngineerInsight>,
    pub teams: Vec<TeamInsight>,
    pub outliers: Vec<Outlier>,
    pub path_fit: Vec<PathFit>,
}

fn ratio(numerator: u64, denominator: u64, dp: u32) -> Option<Decimal> {
    (denominator > 0)
        .then(|| (Decimal::from(numerator) / Decimal::from(denominator)).round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
}

fn per(numerator: u64, denominator: u64) -> Option<u64> {
    (denominator > 0).then(|| numerator / denominator)
}

fn monthly(amount: Money, factor: Decimal) -> Money {
    Money::from_decimal((amount.as_decimal() * factor).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

fn prompt(tokens: &TokenCounts) -> u64 {
    tokens.input + tokens.cache_write_5m + tokens.cache_write_1h + tokens.cache_read
}

fn median(mut values: Vec<Decimal>) -> Option<Decimal> {
    values.sort();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        length if length % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / Decimal::TWO),
    }
}

/// Dollars of one engineer's lines, by part.
#[derive(Debug, Clone, Copy, Default)]
struct Values {
    total: Money,
    /// Input and cache writes.
    uncached: Money,
    cache_read: Money,
}

/// What one engineer's chosen days add up to.
#[derive(Debug, Default)]
struct Tally {
    team: Option<String>,
    days: BTreeSet<Day>,
    sessions: u64,
    lines: u64,
    tokens: TokenCounts,
    values: Values,
    routine_days: u64,
    routine_tokens: u64,
    routine_capable_tokens: u64,
    by_week: BTreeMap<Day, Money>,
}

fn monday(day: Day) -> Day {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// The model with the highest output rate on `day` among `models`.
fn most_capable(book: &PriceBook, models: &BTreeSet<String>, day: Day) -> Option<String> {
    let output = |model: &str| {
        book.price(&PriceQuery::new(model, day, TokenCounts { output: 1_000_000, ..TokenCounts::default() }))
            .ok()
            .map(|priced| priced.total)
    };
    models.iter().filter_map(|model| Some((output(model)?, model))).max_by(|left, right| left.cmp(right)).map(|(_, model)| model.clone())
}

/// Discipline, outliers and path fit for the period.
pub fn insights(input: InsightsInput<'_>) -> Insights {
    let factor = month_factor(input.period);
    let people = People::new(input.directory);
    let in_span = |line: &&ActivityLine| input.period.contains(line.day);
    let activity: Vec<ActivityLine> = input.activity.iter().filter(in_span).cloned().collect();
    let usage: Vec<UsageLine> = input.usage.iter().filter(|line| input.period.contains(line.day())).cloned().collect();
    let days = PersonDays::of(&activity, &usage, &people);

    let models: BTreeSet<String> =
        days.usage.values().flat_map(|(_, lines)| lines.iter().map(|line| normalise_model_id(&line.model))).collect();
    let capable = most_capable(input.book, &models, input.period.start);
    // The cheaper model most used beside it: what routine work would run on.
    let mut other_tokens: BTreeMap<String, u64> = BTreeMap::new();
    for (_, lines) in days.usage.values() {
        for line in lines {
            let model = normalise_model_id(&line.model);
            if Some(&model) != capable.as_ref() {
                *other_tokens.entry(model).or_default() += line.quantities.tokens.total();
            }
        }
    }
    let alternative =
        other_tokens.iter().max_by(|left, right| left.1.cmp(right.1).then_with(|| right.0.cmp(left.0))).map(|(m, _)| m.clone());

    let mut teams_of: BTreeMap<String, String> = BTreeMap::new();
    for entry in in_period(&input.ledger.entries, input.period) {
        if let (Path::ClaudeCode, Driver::Engineer { email, team: Some(team) }) = (entry.path, &entry.driver) {
            teams_of.insert(email.to_ascii_lowercase(), team.clone());
        }
    }
    for (email, team) in input.members {
        if let Some(team) = team {
            teams_of.entry(email.to_ascii_lowercase()).or_insert_with(|| team.clone());
        }
    }

    let mut pricer = input.book.pricer();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for (email, day) in days.active() {
        let tally = tallies.entry(email.to_string()).or_default();
        tally.team = teams_of.get(email).cloned();
        tally.days.insert(day);
        let key = (email.to_string(), day);
        let (sessions, lines) = days.activity.get(&key).map_or((0, 0), |(_, line)| (line.sessions, line.lines_added));
        tally.sessions += sessions;
        tally.lines += lines;
        let routine = sessions > 0 && lines <= ROUTINE_LINES_PER_SESSION * sessions;
        if routine {
            tally.routine_days += 1;
        }
        let Some((_, chosen)) = days.usage.get(&key) else { continue };
        for line in chosen {
            tally.tokens.add(&line.quantities.tokens);
            if let Ok(cost) = pricer.line_cost(line) {
                let part = |token_type: TokenType| {
                    TokenType::ALL.iter().position(|known| *known == token_type).map_or(Money::ZERO, |index| cost.tokens[index])
                };
                tally.values.total += cost.total;
                tally.values.cache_read += part(TokenType::CacheRead);
                tally.values.uncached += part(TokenType::Input) + part(TokenType::CacheWrite5m) + part(TokenType::CacheWrite1h);
                *tally.by_week.entry(monday(day)).or_default() += cost.total;
            }
            if routine {
                tally.routine_tokens += line.quantities.tokens.total();
                if capable.as_deref() == Some(normalise_model_id(&line.model).as_str()) {
                    tally.routine_capable_tokens += line.quantities.tokens.total();
                }
            }
        }
    }
    // Routine work on the most capable model, and the same tokens on the alternative.
    let mut routine_capable_value: BTreeMap<String, (Money, Money)> = BTreeMap::new();
    for ((email, day), (_, chosen)) in &days.usage {
        let routine = days
            .activity
            .get(&(email.clone(), *day))
            .is_some_and(|(_, line)| line.sessions > 0 && line.lines_added <= ROUTINE_LINES_PER_SESSION * line.sessions);
        if !routine {
            continue;
        }
        for line in chosen.iter().filter(|line| capable.as_deref() == Some(normalise_model_id(&line.model).as_str())) {
            let slot = routine_capable_value.entry(email.clone()).or_default();
            if let Ok(cost) = pricer.line_cost(line) {
                slot.0 += cost.total;
            }
            if let Some(alternative) = &alternative {
                let mut moved = (*line).clone();
                moved.model = alternative.clone();
                if let Ok(cost) = pricer.line_cost(&moved) {
                    slot.1 += cost.total;
                }
            }
        }
    }

    let engineers: Vec<EngineerInsight> = tallies
        .iter()
        .map(|(email, tally)| {
            let context = tally.tokens.input + tally.tokens.cache_read;
            EngineerInsight {
                email: email.clone(),
                team: tally.team.clone(),
                active_days: tally.days.len() as u64,
                sessions: tally.sessions,
                lines_accepted: tally.lines,
                tokens: tally.tokens,
                usage_value_usd: monthly(tally.values.total, factor),
                context_per_session: per(context, tally.sessions),
                context_per_line: per(context, tally.lines),
                cache_hit_rate: ratio(tally.tokens.cache_read, prompt(&tally.tokens), 3),
                routine_days: tally.routine_days,
                most_capable_share_on_routine: ratio(tally.routine_capable_tokens, tally.routine_tokens, 3),
                sessions_per_active_day: ratio(tally.sessions, tally.days.len() as u64, 2),
            }
        })
        .collect();

    let outliers = outliers(&engineers, &tallies, &routine_capable_value, factor);
    let teams = teams(&engineers, &tallies, factor);
    let path_fit = path_fit(&input, factor);
    Insights { period: input.period, month_factor: factor, most_capable_model: capable, engineers, teams, outliers, path_fit }
}

fn outliers(
    engineers: &[EngineerInsight],
    tallies: &BTreeMap<String, Tally>,
    routine_capable_value: &BTreeMap<String, (Money, Money)>,
    factor: Decimal,
) -> Vec<Outlier> {
    let peers: Vec<&EngineerInsight> = engineers.iter().filter(|engineer| engineer.sessions >= MIN_PEER_SESSIONS).collect();
    let context_median = median(peers.iter().filter_map(|e| e.context_per_session.map(Decimal::from)).collect());
    let cache_median = median(peers.iter().filter_map(|e| e.cache_hit_rate).collect());
    let model_median =
        median(peers.iter().filter(|e| e.routine_days >= MIN_ROUTINE_DAYS).filter_map(|e| e.most_capable_share_on_routine).collect());
    let mut out = Vec::new();
    for engineer in &peers {
        let Some(tally) = tallies.get(&engineer.email) else { continue };
        let outlier = |metric: &str, value: Decimal, peer_median: Decimal, cost: Money, evidence: Vec<String>| Outlier {
            email: engineer.email.clone(),
            team: engineer.team.clone(),
            metric: metric.to_string(),
            value,
            peer_median,
            monthly_cost_vs_median_usd: monthly(cost, factor),
            evidence,
        };
        if let (Some(context), Some(peer)) = (engineer.context_per_session, context_median)
            && peer > Decimal::ZERO
            && Decimal::from(context) >= peer * Decimal::from(CONTEXT_OUTLIER_RATIO)
        {
            // The same sessions at the peer median's context, at their own prompt rates.
            let prompt_value = tally.values.uncached + tally.values.cache_read;
            let cost = prompt_value.scale(Decimal::ONE - peer / Decimal::from(context));
            out.push(outlier(
                "context_per_session",
                Decimal::from(context),
                peer.round_dp(0),
                cost,
                vec![
                    format!("{context} input and cache-read tokens per session against a peer median of {}", peer.round_dp(0)),
                    format!(
                        "{} sessions, {} lines accepted{}",
                        engineer.sessions,
                        engineer.lines_accepted,
                        engineer.context_per_line.map(|line| format!(", {line} tokens per accepted line")).unwrap_or_default()
                    ),
                ],
            ));
        }
        if let (Some(hit), Some(peer)) = (engineer.cache_hit_rate, cache_median)
            && hit <= peer - CACHE_OUTLIER_GAP
        {
            let tokens = &tally.tokens;
            let uncached = tokens.input + tokens.cache_write_5m + tokens.cache_write_1h;
            let moved = Decimal::from(prompt(tokens)) * (peer - hit);
            let uncached_rate = if uncached > 0 { tally.values.uncached.as_decimal() / Decimal::from(uncached) } else { Decimal::ZERO };
            let read_rate = if tokens.cache_read > 0 {
                tally.values.cache_read.as_decimal() / Decimal::from(tokens.cache_read)
            } else {
                uncached_rate / Decimal::TEN
            };
            let cost = Money::from_decimal(moved * (uncached_rate - read_rate).max(Decimal::ZERO));
            out.push(outlier(
                "cache_hit_rate",
                hit,
                peer,
                cost,
                vec![format!(
                    "{} of {} prompt tokens read from the cache ({hit}) against a peer median of {peer}",
                    tokens.cache_read,
                    prompt(tokens)
                )],
            ));
        }
        if let (Some(share), Some(peer)) = (engineer.most_capable_share_on_routine, model_median)
            && engineer.routine_days >= MIN_ROUTINE_DAYS
            && share >= peer + MODEL_OUTLIER_GAP
            && share > Decimal::ZERO
        {
            let (on_capable, on_alternative) = routine_capable_value.get(&engineer.email).copied().unwrap_or_default();
            let cost = (on_capable - on_alternative).scale((share - peer) / share);
            out.push(outlier(
                "most_capable_share_on_routine",
                share,
                peer,
                cost.max(Money::ZERO),
                vec![format!(
                    "{} routine days (at most {ROUTINE_LINES_PER_SESSION} lines accepted per session): {share} of their tokens on the most capable model against a peer median of {peer}",
                    engineer.routine_days
                )],
            ));
        }
    }
    out.sort_by(|left, right| {
        right
            .monthly_cost_vs_median_usd
            .cmp(&left.monthly_cost_vs_median_usd)
            .then_with(|| (&left.email, &left.metric).cmp(&(&right.email, &right.metric)))
    });
    out
}

fn teams(engineers: &[EngineerInsight], tallies: &BTreeMap<String, Tally>, factor: Decimal) -> Vec<TeamInsight> {
    let mut groups: BTreeMap<String, Vec<&EngineerInsight>> = BTreeMap::new();
    for engineer in engineers {
        groups.entry(engineer.team.clone().unwrap_or_else(|| crate::summary::NO_TEAM.to_string())).or_default().push(engineer);
    }
    groups
        .into_iter()
        .map(|(team, members)| {
            let mut tokens = TokenCounts::default();
            let mut weeks: BTreeMap<Day, Money> = BTreeMap::new();
            let (mut sessions, mut days, mut routine_tokens, mut routine_capable) = (0, 0, 0, 0);
            let mut value = Money::ZERO;
            for member in &members {
                tokens.add(&member.tokens);
                sessions += member.sessions;
                days += member.active_days;
                if let Some(tally) = tallies.get(&member.email) {
                    routine_tokens += tally.routine_tokens;
                    routine_capable += tally.routine_capable_tokens;
                    value += tally.values.total;
                    for (week, amount) in &tally.by_week {
                        *weeks.entry(*week).or_default() += *amount;
                    }
                }
            }
            let busiest = weeks.iter().max_by(|left, right| left.1.cmp(right.1).then_with(|| right.0.cmp(left.0))).map(|(w, a)| (*w, *a));
            let median_week = median(weeks.values().map(|amount| amount.as_decimal()).collect()).map_or(Money::ZERO, Money::from_decimal);
            let intensity = match busiest {
                Some((week, amount)) if !median_week.is_zero() => format!(
                    "busiest week from {week}: {} of use at API rates, {}x the team's median week ({}): where the team's effort went",
                    amount.round_cents(),
                    (amount.as_decimal() / median_week.as_decimal()).round_dp(1),
                    median_week.round_cents()
                ),
                _ => "no weekly pattern to read yet".to_string(),
            };
            TeamInsight {
                engineers: members.len() as u64,
                active_engineer_days: days,
                sessions,
                usage_value_usd: monthly(value, factor),
                context_per_session: per(tokens.input + tokens.cache_read, sessions),
                cache_hit_rate: ratio(tokens.cache_read, prompt(&tokens), 3),
                most_capable_share_on_routine: ratio(routine_capable, routine_tokens, 3),
                sessions_per_active_day: ratio(sessions, days, 2),
                busiest_week: busiest.map(|(week, _)| week),
                busiest_week_usd: busiest.map_or(Money::ZERO, |(_, amount)| amount.round_cents()),
                median_week_usd: median_week.round_cents(),
                intensity,
                team,
            }
        })
        .collect()
}

/// The rhythm of one API key's traffic over a period, from its hour-of-week profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Rhythm {
    pub tokens: u64,
    /// Hours of the week (of 168) with any traffic.
    pub coverage: f64,
    /// Saturday and Sunday's share of the tokens.
    pub weekend_share: f64,
    /// The largest share of the tokens within ten consecutive hours of the day (UTC, wrapping).
    pub band_share: f64,
    /// For the hours with traffic: the share of that weekday's occurrences in the period on which
    /// the hour was busy (1: every week, a schedule; low: bursts).
    pub occupancy: f64,
    /// Cache reads over every prompt token: a conversation re-reading its context.
    pub cache_read_share: f64,
}

/// Hours of the day in the band [`Rhythm::band_share`] measures.
pub const BAND_HOURS: usize = 10;

pub fn rhythm(profiles: &[&HourProfile], period: Period) -> Rhythm {
    let mut cells: BTreeMap<(u8, u8), (u64, u64)> = BTreeMap::new();
    let mut by_hour = [0u64; 24];
    let mut tokens = TokenCounts::default();
    for profile in profiles {
        let total = profile.tokens.total();
        let cell = cells.entry((profile.weekday.min(6), profile.hour.min(23))).or_default();
        cell.0 += total;
        cell.1 = cell.1.max(profile.days);
        by_hour[usize::from(profile.hour.min(23))] += total;
        tokens.add(&profile.tokens);
    }
    let total = tokens.total();
    let share = |part: u64| if total == 0 { 0.0 } else { part as f64 / total as f64 };
    let weekend: u64 = cells.iter().filter(|((weekday, _), _)| *weekday >= 5).map(|(_, (sum, _))| sum).sum();
    let band = (0..24).map(|first| (0..BAND_HOURS).map(|offset| by_hour[(first + offset) % 24]).sum::<u64>()).max().unwrap_or(0);
    let mut occurrences = [0u64; 7];
    for day in period.iter_days() {
        occurrences[day.weekday().num_days_from_monday() as usize] += 1;
    }
    let active: Vec<f64> = cells
        .iter()
        .filter(|(_, (sum, _))| *sum > 0)
        .map(|((weekday, _), (_, days))| (*days as f64 / occurrences[usize::from(*weekday)].max(1) as f64).min(1.0))
        .collect();
    Rhythm {
        tokens: total,
        coverage: active.len() as f64 / 168.0,
        weekend_share: share(weekend),
        band_share: share(band),
        occupancy: if active.is_empty() { 0.0 } else { active.iter().sum::<f64>() / active.len() as f64 },
        cache_read_share: if prompt(&tokens) == 0 { 0.0 } else { tokens.cache_read as f64 / prompt(&tokens) as f64 },
    }
}

/// Claude Code traffic that looks like a system doing the work.
pub fn looks_automated(rhythm: &Rhythm) -> bool {
    rhythm.coverage >= 0.85 && rhythm.weekend_share >= 0.2 && rhythm.band_share <= 0.6 && rhythm.occupancy >= 0.75
}

/// API traffic that looks like one person working interactively.
pub fn looks_interactive(rhythm: &Rhythm) -> bool {
    rhythm.weekend_share <= 0.1
        && rhythm.band_share >= 0.85
        && rhythm.coverage <= 0.5
        && rhythm.occupancy <= 0.7
        && rhythm.cache_read_share >= 0.5
}

fn percent(value: f64) -> String {
    format!("{:.0}%", value * 100.0)
}

fn describe(rhythm: &Rhythm) -> Vec<String> {
    vec![
        format!(
            "traffic in {} of the week's 168 hours; weekends carry {} of the tokens; the busiest ten hours of the day carry {}",
            percent(rhythm.coverage),
            percent(rhythm.weekend_share),
            percent(rhythm.band_share)
        ),
        format!(
            "a busy hour recurs in {} of its weeks; {} of prompt tokens are cache reads",
            percent(rhythm.occupancy),
            percent(rhythm.cache_read_share)
        ),
    ]
}

fn path_fit(input: &InsightsInput<'_>, factor: Decimal) -> Vec<PathFit> {
    // Each key's path in the ledger and what it billed.
    let mut keys: BTreeMap<&str, (BTreeSet<Path>, Money, Option<String>)> = BTreeMap::new();
    for entry in in_period(&input.ledger.entries, input.period) {
        if let Some(key) = entry.api_key.as_deref() {
            let slot = keys.entry(key).or_default();
            slot.0.insert(entry.path);
            slot.1 += entry.amount;
            if let Driver::Engineer { email, .. } = &entry.driver {
                slot.2 = Some(email.clone());
            }
        }
    }
    let names: BTreeMap<&str, &str> = input
        .directory
        .iter()
        .filter(|entry| entry.kind == DirectoryKind::ApiKey)
        .filter_map(|entry| Some((entry.id.as_str(), entry.name.as_deref()?)))
        .collect();
    let mut profiles: BTreeMap<&str, Vec<&HourProfile>> = BTreeMap::new();
    for profile in input.hours {
        if let Some(key) = profile.api_key_id.as_deref() {
            profiles.entry(key).or_default().push(profile);
        }
    }
    let report_days: BTreeSet<Day> = input.usage.iter().filter(|line| line.source == Source::AdminUsage).map(UsageLine::day).collect();
    let key_lines = |key: &str| -> Vec<&UsageLine> {
        input
            .usage
            .iter()
            .filter(|line| input.period.contains(line.day()) && line.identity.api_key_id.as_deref() == Some(key))
            .filter(|line| {
                line.source == Source::AdminUsage || (line.source == Source::AdminAnalyticsUsage && !report_days.contains(&line.day()))
            })
            .collect()
    };
    let mut pricer = input.book.pricer();
    let mut out = Vec::new();
    for (key, (paths, billed, owner)) in &keys {
        let Some(profile) = profiles.get(key) else { continue };
        let rhythm = rhythm(profile, input.period);
        let current = monthly(*billed, factor);
        let name = names.get(key).map(|name| name.to_string());
        if paths.contains(&Path::ClaudeCode) && looks_automated(&rhythm) {
            let batch: Money = key_lines(key)
                .into_iter()
                .filter_map(|line| {
                    let mut moved = line.clone();
                    moved.service_tier = ServiceTier::Batch;
                    pricer.line_cost(&moved).ok().map(|cost| cost.total)
                })
                .sum();
            let monthly_usd = monthly(batch, factor);
            let mut evidence = vec![format!(
                "Claude Code on API key {}{} runs at all hours, weekends included, evenly: a system doing the work",
                name.as_deref().unwrap_or(key),
                owner.as_ref().map(|email| format!(" (held by {email})")).unwrap_or_default()
            )];
            evidence.extend(describe(&rhythm));
            evidence.push(format!(
                "on the API (Agent SDK) with its caching as it runs and the Batch API: {monthly_usd} a month against {current} now"
            ));
            out.push(PathFit {
                api_key_id: Some(key.to_string()),
                email: None,
                name,
                direction: "to_api".to_string(),
                monthly_usd,
                current_monthly_usd: current,
                evidence,
            });
        } else if !paths.contains(&Path::ClaudeCode) && looks_interactive(&rhythm) {
            let value: Money = key_lines(key).into_iter().filter_map(|line| pricer.line_cost(line).ok().map(|cost| cost.total)).sum();
            let used = monthly(value, factor);
            let plan = input
                .plans
                .iter()
                .filter(|plan| plan.claude_code && plan.usage_limit_usd.is_some_and(|limit| used <= limit))
                .min_by(|left, right| left.monthly_usd.cmp(&right.monthly_usd).then_with(|| left.name.cmp(&right.name)));
            let mut evidence = vec![format!(
                "API key {} looks like one person working interactively: office hours, bursts, long contexts",
                name.as_deref().unwrap_or(key)
            )];
            evidence.extend(describe(&rhythm));
            let monthly_usd = match plan {
                Some(plan) => {
                    evidence.push(format!(
                        "as Claude Code: one {} seat at {} covers {used} of use a month at API rates (now {current})",
                        plan.name, plan.monthly_usd
                    ));
                    plan.monthly_usd
                }
                None => {
                    evidence.push(format!("as Claude Code on an API key: {used} a month; no seat plan's limit covers it"));
                    used
                }
            };
            out.push(PathFit {
                api_key_id: Some(key.to_string()),
                email: None,
                name,
                direction: "to_claude_code".to_string(),
                monthly_usd,
                current_monthly_usd: current,
                evidence,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(weekday: u8, hour: u8, days: u64, cache_read: u64) -> HourProfile {
        HourProfile {
            api_key_id: Some("k".into()),
            model: "m".into(),
            service_tier: ServiceTier::Standard,
            weekday,
            hour,
            days,
            tokens: TokenCounts { input: 100, cache_read, ..TokenCounts::default() },
        }
    }

    #[test]
    fn every_hour_every_week_is_automation_and_not_a_person() {
        let october = Period::parse_month("2026-10").unwrap();
        let all: Vec<HourProfile> = (0..7).flat_map(|weekday| (0..24).map(move |hour| profile(weekday, hour, 4, 300))).collect();
        let rhythm = rhythm(&all.iter().collect::<Vec<_>>(), october);
        assert!((rhythm.coverage - 1.0).abs() < 1e-9 && (rhythm.weekend_share - 2.0 / 7.0).abs() < 1e-9);
        assert!(looks_automated(&rhythm) && !looks_interactive(&rhythm), "{rhythm:?}");
    }

    #[test]
    fn weekday_bursts_with_long_contexts_are_a_person() {
        let october = Period::parse_month("2026-10").unwrap();
        // Weekdays 14:00-20:00 UTC, each hour busy on one or two of its four or five weeks.
        let person: Vec<HourProfile> = (0..5).flat_map(|weekday| (14..21).map(move |hour| profile(weekday, hour, 1, 900))).collect();
        let rhythm = rhythm(&person.iter().collect::<Vec<_>>(), october);
        assert!(looks_interactive(&rhythm) && !looks_automated(&rhythm), "{rhythm:?}");
        // The same hours with no cache reads: short calls, not a conversation.
        let short: Vec<HourProfile> = (0..5).flat_map(|weekday| (14..21).map(move |hour| profile(weekday, hour, 1, 0))).collect();
        assert!(!looks_interactive(&rhythm_of(&short, october)));
    }

    fn rhythm_of(profiles: &[HourProfile], period: Period) -> Rhythm {
        rhythm(&profiles.iter().collect::<Vec<_>>(), period)
    }

    #[test]
    fn the_week_starts_on_monday() {
        assert_eq!(monday("2026-10-18".parse().unwrap()), "2026-10-12".parse::<Day>().unwrap());
        assert_eq!(chrono::Weekday::Mon.num_days_from_monday(), 0);
    }
}

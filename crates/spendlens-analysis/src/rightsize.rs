//! Claude Code seats against real use: per engineer, the seat held and its fee, the activity every
//! source shows (counted once), and what their tokens are worth at API rates; and the
//! recommendations that follow, each with its monthly dollar impact and evidence, in a monthly
//! seat plan.
//!
//! - **reclaim** a seat with no activity in the idle window (the `idle_days` days to `as_of`), or
//!   never used, once it has been held that long; never the seat of anyone active in the window;
//! - **downgrade** a light user to a cheaper plan whose usage limit covers their use, or
//!   **move_to_api_key** when their tokens at API rates cost less than any seat, whichever saves
//!   more;
//! - **upgrade** an engineer on a Console API key (pay-as-you-go) to the cheapest seat plan that
//!   covers their use within its limit, when the seat costs less than their key bills;
//! - **grant** a seat to a team member without access when the team's peers clearly benefit.
//!
//! Sources overlap: Claude Code Analytics, OpenTelemetry and transcripts can each see one
//! person's day. Per (engineer, day) one source is used, the best present (Analytics, then
//! OpenTelemetry, then transcripts), for activity counters and for tokens alike, so nothing is
//! counted twice. A judgement needs a settled month: an engineer who started within the period
//! is listed but not judged on light use.
//!
//! `monthly_impact_usd` is the dollars a recommendation saves a month: a reclaim saves the seat's
//! full monthly fee; a grant spends one (negative). Plans, fees and usage limits are handed in
//! (the roster's fees, the `[seats]` section of the config over documented defaults): nothing
//! here is a buried price.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::Duration;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use spendlens_model::{ActivityLine, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, Seat, Source, UsageLine};
use spendlens_pricing::PriceBook;

use crate::ledger::{Driver, Ledger, in_period};

/// A seat plan: what a seat costs a month and how much use its limits allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatPlan {
    /// The roster's `seat_type` (`team_standard`, `team_premium`, ...).
    pub name: String,
    pub monthly_usd: Money,
    /// Whether the plan includes Claude Code.
    pub claude_code: bool,
    /// The most use a seat's limits allow in a month, as its tokens would cost at API list
    /// rates; `None` when unknown (such a plan is never recommended as a target).
    pub usage_limit_usd: Option<Money>,
    /// Whether the figures were checked against a published source (`false`: UNCONFIRMED).
    pub confirmed: bool,
}

/// Savings under this share of the fee are within a month's variation: not recommended.
pub const MARGIN: Decimal = Decimal::from_parts(1, 0, 0, false, 1);

/// Sources of Claude Code activity and tokens per (engineer, day), best first.
pub const ACTIVITY_SOURCES: [Source; 3] = [Source::ClaudeCodeAnalytics, Source::Otel, Source::Transcript];

/// What the seat review is handed.
#[derive(Debug, Clone, Copy)]
pub struct SeatsInput<'a> {
    /// The month (or span) reviewed.
    pub period: Period,
    /// The last day the data covers within the period: the idle window ends here.
    pub as_of: Day,
    pub idle_days: u32,
    /// The roster.
    pub seats: &'a [Seat],
    pub plans: &'a [SeatPlan],
    /// Activity from the idle window's first day (or earlier) to the period's end: the further
    /// back, the more precise "last active".
    pub activity: &'a [ActivityLine],
    /// Claude Code usage of the same span (any grain; Analytics, OpenTelemetry, transcripts).
    pub usage: &'a [UsageLine],
    /// The period's ledger: what each engineer's Console keys billed for Claude Code.
    pub ledger: &'a Ledger,
    pub directory: &'a [DirectoryEntry],
    /// Known members and their teams (the org map's named members, the users listing).
    pub members: &'a [(String, Option<String>)],
    pub book: &'a PriceBook,
}

/// One engineer's seat, activity and use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatEngineer {
    pub email: String,
    pub team: Option<String>,
    /// `seat`, `api_key`, `seat_and_api_key` or `none`.
    pub billing: String,
    pub seat_type: Option<String>,
    pub seat_monthly_usd: Option<Money>,
    pub seat_start: Option<Day>,
    /// What the seat billed in the period (prorated by days held, as the roster bills it).
    pub seat_billed_usd: Money,
    /// Active days in the period (any source, each day once).
    pub active_days: u64,
    /// Last active day up to `as_of` in the data handed in.
    pub last_active: Option<Day>,
    pub sessions: u64,
    pub lines_accepted: u64,
    pub commits: u64,
    pub pull_requests: u64,
    pub tool_accepted: u64,
    pub tool_rejected: u64,
    /// Sources the activity and tokens were read from.
    pub activity_sources: Vec<Source>,
    /// Their Claude Code tokens at API list rates, a month's worth.
    pub usage_value_usd: Money,
    /// What their Console API keys billed for Claude Code, a month's worth.
    pub api_key_usd: Money,
}

/// One recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatRecommendation {
    pub email: String,
    pub team: Option<String>,
    /// `reclaim`, `downgrade`, `move_to_api_key`, `upgrade` or `grant`.
    pub action: String,
    /// Dollars saved a month (negative: spent).
    pub monthly_impact_usd: Money,
    /// The plan moved to, if any.
    pub to_plan: Option<String>,
    pub evidence: Vec<String>,
}

/// The monthly seat plan: now, and with every recommendation applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatBudget {
    pub seats_now: u64,
    pub seats_recommended: u64,
    /// Open seats' monthly fees plus engineers' Claude Code on API keys, a month.
    pub monthly_usd_now: Money,
    /// `monthly_usd_now` less every recommendation's impact.
    pub monthly_usd_recommended: Money,
}

/// The seat review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatReview {
    pub period: Period,
    pub as_of: Day,
    pub idle_days: u32,
    /// Monthly figures are the period's times this (1 for a calendar month).
    pub month_factor: Decimal,
    pub plans: Vec<SeatPlan>,
    pub engineers: Vec<SeatEngineer>,
    pub recommendations: Vec<SeatRecommendation>,
    pub plan: SeatBudget,
}

/// 1 for a calendar month, else an average month (365.2425 / 12 days) over the period's days.
pub fn month_factor(period: Period) -> Decimal {
    if Period::month_of(period.start) == period || period.days() <= 0 {
        Decimal::ONE
    } else {
        Decimal::new(304_366_875, 7) / Decimal::from(period.days())
    }
}

/// Whether a holder last active on `last_active` is idle on `as_of` with an `idle_days` window:
/// no activity on any of the `idle_days` days ending on `as_of`.
pub fn is_idle(last_active: Option<Day>, as_of: Day, idle_days: u32) -> bool {
    let window_start = as_of - Duration::days(i64::from(idle_days.max(1)) - 1);
    last_active.is_none_or(|day| day < window_start)
}

/// Whether a seat that started on `start` has been held through a whole idle window by `as_of`.
pub fn held_through_window(start: Day, as_of: Day, idle_days: u32) -> bool {
    (as_of - start).num_days() + 1 >= i64::from(idle_days.max(1))
}

/// What a seat holder should do: the cheaper of a lower plan that covers their use and
/// pay-as-you-go at API rates, when it saves at least [`MARGIN`] of their fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LightUse {
    Keep,
    Downgrade { plan: String, saving: Money },
    MoveToApiKey { saving: Money },
}

pub fn light_use(fee: Money, usage_value: Money, plans: &[SeatPlan]) -> LightUse {
    let floor = fee.scale(MARGIN);
    let mut best = LightUse::Keep;
    let mut best_saving = Money::ZERO;
    for plan in plans.iter().filter(|plan| plan.claude_code && plan.monthly_usd < fee) {
        let Some(limit) = plan.usage_limit_usd else { continue };
        let saving = fee - plan.monthly_usd;
        if usage_value <= limit && saving >= floor && saving > best_saving {
            best_saving = saving;
            best = LightUse::Downgrade { plan: plan.name.clone(), saving };
        }
    }
    let api_saving = fee - usage_value;
    if api_saving >= floor && api_saving > best_saving {
        best = LightUse::MoveToApiKey { saving: api_saving };
    }
    best
}

/// The seat plan a pay-as-you-go engineer billed `billed` a month, whose use is worth `value` at
/// list rates, should move to: the cheapest Claude Code plan whose limit covers their use and
/// whose fee is under what they pay by at least [`MARGIN`] of it; with the saving.
pub fn seat_for_pay_as_you_go(billed: Money, value: Money, plans: &[SeatPlan]) -> Option<(&SeatPlan, Money)> {
    let used = billed.max(value);
    plans
        .iter()
        .filter(|plan| plan.claude_code && plan.usage_limit_usd.is_some_and(|limit| used <= limit))
        .filter(|plan| billed - plan.monthly_usd >= billed.scale(MARGIN) && plan.monthly_usd < billed)
        .min_by(|left, right| left.monthly_usd.cmp(&right.monthly_usd).then_with(|| left.name.cmp(&right.name)))
        .map(|plan| (plan, billed - plan.monthly_usd))
}

/// Who a line is about: its email, else the owner of the API key it names.
pub(crate) struct People<'a> {
    key_name_owner: HashMap<&'a str, String>,
}

impl<'a> People<'a> {
    pub(crate) fn new(directory: &'a [DirectoryEntry]) -> Self {
        let emails: HashMap<&str, &str> = directory
            .iter()
            .filter(|entry| entry.kind == DirectoryKind::User)
            .filter_map(|entry| Some((entry.id.as_str(), entry.email.as_deref()?)))
            .collect();
        let mut people = People { key_name_owner: HashMap::new() };
        for entry in directory.iter().filter(|entry| entry.kind == DirectoryKind::ApiKey) {
            let Some(email) = entry.created_by.as_deref().and_then(|user| emails.get(user)) else { continue };
            let email = email.to_ascii_lowercase();
            if let Some(name) = entry.name.as_deref() {
                people.key_name_owner.insert(name, email);
            }
        }
        people
    }

    pub(crate) fn of(&self, email: Option<&str>, key_name: Option<&str>) -> Option<String> {
        email.map(str::to_ascii_lowercase).or_else(|| self.key_name_owner.get(key_name?).cloned())
    }
}

fn rank(source: Source) -> Option<usize> {
    ACTIVITY_SOURCES.iter().position(|known| *known == source)
}

fn blank(day: Day, source: Source) -> ActivityLine {
    ActivityLine { day, source, ..ActivityLine::default() }
}

fn has_activity(line: &ActivityLine) -> bool {
    line.sessions + line.lines_added + line.lines_removed + line.commits + line.pull_requests + line.tool_accepted + line.tool_rejected > 0
        || line.active_seconds.unwrap_or(0) > 0
}

/// Activity counters and usage lines of each (engineer, day), each from its best source.
#[derive(Debug, Default)]
pub(crate) struct PersonDays<'a> {
    /// (email, day) → (source rank, summed counters).
    pub(crate) activity: BTreeMap<(String, Day), (usize, ActivityLine)>,
    /// (email, day) → (source rank, lines of that source).
    pub(crate) usage: BTreeMap<(String, Day), (usize, Vec<&'a UsageLine>)>,
}

impl<'a> PersonDays<'a> {
    pub(crate) fn of(activity: &[ActivityLine], usage: &'a [UsageLine], people: &People<'_>) -> Self {
        let mut days = PersonDays::default();
        for line in activity.iter().filter(|line| has_activity(line)) {
            let (Some(rank), Some(email)) = (rank(line.source), people.of(line.actor_email.as_deref(), line.api_key_name.as_deref()))
            else {
                continue;
            };
            let slot = days.activity.entry((email, line.day)).or_insert_with(|| (rank, blank(line.day, line.source)));
            if rank < slot.0 {
                *slot = (rank, blank(line.day, line.source));
            }
            if rank == slot.0 {
                slot.1.add_counts(line);
            }
        }
        for line in usage.iter().filter(|line| line.path == Path::ClaudeCode && line.quantities.tokens.total() > 0) {
            let (Some(rank), Some(email)) =
                (rank(line.source), people.of(line.identity.actor_email.as_deref(), line.identity.api_key_name.as_deref()))
            else {
                continue;
            };
            let slot = days.usage.entry((email, line.day())).or_insert_with(|| (rank, Vec::new()));
            if rank < slot.0 {
                *slot = (rank, Vec::new());
            }
            if rank == slot.0 {
                slot.1.push(line);
            }
        }
        days
    }

    /// Every (email, day) with activity or tokens.
    pub(crate) fn active(&self) -> BTreeSet<(&str, Day)> {
        self.activity.keys().chain(self.usage.keys()).map(|(email, day)| (email.as_str(), *day)).collect()
    }
}

/// List price of lines (unknown models add nothing; analyses name them elsewhere).
pub(crate) fn list_value(book: &PriceBook, lines: &[&UsageLine]) -> Money {
    let mut pricer = book.pricer();
    lines.iter().filter_map(|line| pricer.line_cost(line).ok()).map(|cost| cost.total).sum()
}

fn monthly(amount: Money, factor: Decimal) -> Money {
    Money::from_decimal((amount.as_decimal() * factor).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

fn median_u64(mut values: Vec<u64>) -> Option<u64> {
    values.sort_unstable();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        length if length % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2),
    }
}

fn median_money(mut values: Vec<Money>) -> Option<Money> {
    values.sort();
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        length if length % 2 == 1 => Some(values[middle]),
        _ => Some(Money::from_decimal((values[middle - 1] + values[middle]).as_decimal() / Decimal::TWO).round_cents()),
    }
}

/// A team's peers clearly benefit when at least this many hold access...
pub const GRANT_MIN_PEERS: usize = 3;
/// ...their median peer is active on at least this many days of the period...
pub const GRANT_MIN_ACTIVE_DAYS: u64 = 8;
// ...and their median peer's use is worth more at API rates than the cheapest Claude Code seat.

/// Reviews every seat and pay-as-you-go engineer of the period.
pub fn review_seats(input: SeatsInput<'_>) -> SeatReview {
    let factor = month_factor(input.period);
    let people = People::new(input.directory);
    let days = PersonDays::of(input.activity, input.usage, &people);
    let active = days.active();
    let idle_window_start = input.as_of - Duration::days(i64::from(input.idle_days.max(1)) - 1);

    // Seats open on `as_of`, the latest record per email.
    let mut held: BTreeMap<String, &Seat> = BTreeMap::new();
    for seat in input.seats.iter().filter(|seat| seat.start <= input.as_of && seat.end.is_none_or(|end| end >= input.as_of)) {
        let email = seat.email.to_ascii_lowercase();
        if held.get(&email).is_none_or(|kept| kept.start < seat.start) {
            held.insert(email, seat);
        }
    }
    // Claude Code billed to each engineer's keys in the period, and the keys.
    let mut api_key_usd: BTreeMap<String, Money> = BTreeMap::new();
    let mut teams: BTreeMap<String, Option<String>> = BTreeMap::new();
    for entry in in_period(&input.ledger.entries, input.period) {
        if let (Path::ClaudeCode, Driver::Engineer { email, team }) = (entry.path, &entry.driver) {
            let email = email.to_ascii_lowercase();
            if entry.source != Source::Roster {
                *api_key_usd.entry(email.clone()).or_default() += entry.amount;
            }
            if team.is_some() {
                teams.insert(email, team.clone());
            }
        }
    }
    for (email, team) in input.members {
        if team.is_some() {
            teams.entry(email.to_ascii_lowercase()).or_insert_with(|| team.clone());
        }
    }
    for (email, seat) in &held {
        if seat.team.is_some() {
            teams.entry(email.clone()).or_insert_with(|| seat.team.clone());
        }
    }

    let mut emails: BTreeSet<String> = held.keys().cloned().collect();
    emails.extend(api_key_usd.keys().cloned());
    emails.extend(active.iter().filter(|(_, day)| input.period.contains(*day)).map(|(email, _)| email.to_string()));

    let mut engineers = Vec::new();
    let mut first_seen: BTreeMap<&str, Day> = BTreeMap::new();
    for (email, day) in &active {
        first_seen.entry(email).and_modify(|first| *first = (*first).min(*day)).or_insert(*day);
    }
    for email in &emails {
        let seat = held.get(email).copied();
        let mut counts = blank(input.period.start, Source::ClaudeCodeAnalytics);
        let mut sources: BTreeSet<Source> = BTreeSet::new();
        for ((_, day), (_, line)) in days.activity.range((email.clone(), Day::MIN)..=(email.clone(), Day::MAX)) {
            if input.period.contains(*day) {
                counts.add_counts(line);
                sources.insert(line.source);
            }
        }
        let mut lines: Vec<&UsageLine> = Vec::new();
        for ((_, day), (_, usage)) in days.usage.range((email.clone(), Day::MIN)..=(email.clone(), Day::MAX)) {
            if input.period.contains(*day) {
                lines.extend(usage.iter().copied());
                sources.extend(usage.iter().map(|line| line.source));
            }
        }
        let own_days: Vec<Day> = active.iter().filter(|(who, day)| *who == email && *day <= input.as_of).map(|(_, day)| *day).collect();
        let api = monthly(api_key_usd.get(email).copied().unwrap_or_default(), factor);
        let billing = match (seat.is_some(), !api.is_zero()) {
            (true, true) => "seat_and_api_key",
            (true, false) => "seat",
            (false, true) => "api_key",
            (false, false) => "none",
        };
        engineers.push(SeatEngineer {
            email: email.clone(),
            team: teams.get(email).cloned().flatten(),
            billing: billing.to_string(),
            seat_type: seat.map(|seat| seat.seat_type.clone()),
            seat_monthly_usd: seat.map(|seat| seat.monthly),
            seat_start: seat.map(|seat| seat.start),
            seat_billed_usd: seat.map_or(Money::ZERO, |seat| {
                crate::seats::seat_fees(std::slice::from_ref(seat), input.period).iter().map(|line| line.amount).sum()
            }),
            active_days: own_days.iter().filter(|day| input.period.contains(**day)).count() as u64,
            last_active: own_days.iter().max().copied(),
            sessions: counts.sessions,
            lines_accepted: counts.lines_added,
            commits: counts.commits,
            pull_requests: counts.pull_requests,
            tool_accepted: counts.tool_accepted,
            tool_rejected: counts.tool_rejected,
            activity_sources: sources.into_iter().collect(),
            usage_value_usd: monthly(list_value(input.book, &lines), factor),
            api_key_usd: api,
        });
    }

    let mut recommendations = Vec::new();
    let settled = |email: &str| first_seen.get(email).is_some_and(|first| *first < input.period.start);
    for engineer in &engineers {
        let email = engineer.email.as_str();
        if let Some(seat) = held.get(email) {
            let fee = seat.monthly;
            if !held_through_window(seat.start, input.as_of, input.idle_days) {
                continue;
            }
            if is_idle(engineer.last_active, input.as_of, input.idle_days) {
                let mut evidence = vec![match engineer.last_active {
                    Some(last) => format!(
                        "no Claude Code activity from {idle_window_start} to {} ({} days); last active {last}",
                        input.as_of, input.idle_days
                    ),
                    None => format!("never used in the data: no Claude Code activity since the seat started on {}", seat.start),
                }];
                evidence.push(format!("{} seat at {fee} a month", seat.seat_type));
                recommendations.push(SeatRecommendation {
                    email: email.to_string(),
                    team: engineer.team.clone(),
                    action: "reclaim".to_string(),
                    monthly_impact_usd: fee,
                    to_plan: None,
                    evidence,
                });
                continue;
            }
            if seat.start > input.period.start || !settled(email) {
                continue;
            }
            let used = format!(
                "{} active days, {} sessions, {} lines accepted; their tokens are worth {} a month at API rates",
                engineer.active_days, engineer.sessions, engineer.lines_accepted, engineer.usage_value_usd
            );
            match light_use(fee, engineer.usage_value_usd, input.plans) {
                LightUse::Keep => {}
                LightUse::Downgrade { plan, saving } => {
                    let target = input.plans.iter().find(|known| known.name == plan);
                    recommendations.push(SeatRecommendation {
                        email: email.to_string(),
                        team: engineer.team.clone(),
                        action: "downgrade".to_string(),
                        monthly_impact_usd: saving,
                        to_plan: Some(plan.clone()),
                        evidence: vec![
                            used,
                            format!(
                                "{} seat at {fee}; {plan} at {} covers up to {} of use a month",
                                seat.seat_type,
                                target.map_or(Money::ZERO, |plan| plan.monthly_usd),
                                target.and_then(|plan| plan.usage_limit_usd).unwrap_or_default()
                            ),
                        ],
                    });
                }
                LightUse::MoveToApiKey { saving } => recommendations.push(SeatRecommendation {
                    email: email.to_string(),
                    team: engineer.team.clone(),
                    action: "move_to_api_key".to_string(),
                    monthly_impact_usd: saving,
                    to_plan: None,
                    evidence: vec![used, format!("{} seat at {fee}: pay-as-you-go at API rates costs less", seat.seat_type)],
                }),
            }
        } else if !engineer.api_key_usd.is_zero()
            && settled(email)
            && let Some((plan, saving)) = seat_for_pay_as_you_go(engineer.api_key_usd, engineer.usage_value_usd, input.plans)
        {
            recommendations.push(SeatRecommendation {
                email: email.to_string(),
                team: engineer.team.clone(),
                action: "upgrade".to_string(),
                monthly_impact_usd: saving,
                to_plan: Some(plan.name.clone()),
                evidence: vec![
                    format!(
                        "Claude Code on a Console API key billed {} a month ({} active days, {} sessions)",
                        engineer.api_key_usd, engineer.active_days, engineer.sessions
                    ),
                    format!(
                        "a {} seat costs {} and covers up to {} of use a month",
                        plan.name,
                        plan.monthly_usd,
                        plan.usage_limit_usd.unwrap_or_default()
                    ),
                ],
            });
        }
    }
    recommendations.extend(grants(&input, &engineers));
    recommendations.sort_by(|left, right| {
        right.monthly_impact_usd.cmp(&left.monthly_impact_usd).then_with(|| (&left.action, &left.email).cmp(&(&right.action, &right.email)))
    });

    let seats_now = held.len() as u64;
    let count = |action: &str| recommendations.iter().filter(|item| item.action == action).count() as u64;
    let seats_recommended = (seats_now + count("upgrade") + count("grant")).saturating_sub(count("reclaim") + count("move_to_api_key"));
    let monthly_usd_now: Money = held.values().map(|seat| seat.monthly).sum::<Money>() + engineers.iter().map(|e| e.api_key_usd).sum();
    let impact: Money = recommendations.iter().map(|item| item.monthly_impact_usd).sum();
    SeatReview {
        period: input.period,
        as_of: input.as_of,
        idle_days: input.idle_days,
        month_factor: factor,
        plans: input.plans.to_vec(),
        engineers,
        recommendations,
        plan: SeatBudget { seats_now, seats_recommended, monthly_usd_now, monthly_usd_recommended: monthly_usd_now - impact },
    }
}

/// Grants to members without access in teams whose peers clearly benefit.
fn grants(input: &SeatsInput<'_>, engineers: &[SeatEngineer]) -> Vec<SeatRecommendation> {
    let Some(cheapest) = input
        .plans
        .iter()
        .filter(|plan| plan.claude_code)
        .min_by(|left, right| left.monthly_usd.cmp(&right.monthly_usd).then_with(|| left.name.cmp(&right.name)))
    else {
        return Vec::new();
    };
    let with_access: BTreeMap<&str, &SeatEngineer> =
        engineers.iter().filter(|engineer| engineer.billing != "none" || engineer.active_days > 0).map(|e| (e.email.as_str(), e)).collect();
    let mut by_team: BTreeMap<&str, (Vec<&SeatEngineer>, Vec<String>)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (email, team) in input.members {
        let email = email.to_ascii_lowercase();
        let Some(team) = team.as_deref() else { continue };
        if !seen.insert(email.clone()) {
            continue;
        }
        let slot = by_team.entry(team).or_default();
        match with_access.get(email.as_str()) {
            Some(engineer) => slot.0.push(engineer),
            None => slot.1.push(email),
        }
    }
    let mut out = Vec::new();
    for (team, (peers, without)) in by_team {
        if peers.len() < GRANT_MIN_PEERS || without.is_empty() {
            continue;
        }
        let (Some(days), Some(value)) = (
            median_u64(peers.iter().map(|peer| peer.active_days).collect()),
            median_money(peers.iter().map(|peer| peer.usage_value_usd.max(peer.api_key_usd)).collect()),
        ) else {
            continue;
        };
        if days < GRANT_MIN_ACTIVE_DAYS || value <= cheapest.monthly_usd {
            continue;
        }
        for email in without {
            out.push(SeatRecommendation {
                email,
                team: Some(team.to_string()),
                action: "grant".to_string(),
                monthly_impact_usd: -cheapest.monthly_usd,
                to_plan: Some(cheapest.name.clone()),
                evidence: vec![
                    format!(
                        "team {team}: {} members use Claude Code; the median one is active {days} days and uses {value} a month at API rates",
                        peers.len()
                    ),
                    format!("no seat, key or activity in the period; a {} seat costs {}", cheapest.name, cheapest.monthly_usd),
                ],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    fn plan(name: &str, fee: &str, limit: Option<&str>) -> SeatPlan {
        SeatPlan { name: name.into(), monthly_usd: money(fee), claude_code: true, usage_limit_usd: limit.map(money), confirmed: true }
    }

    #[test]
    fn medians() {
        assert_eq!(median_u64(vec![]), None);
        assert_eq!(median_u64(vec![5, 1, 3]), Some(3));
        assert_eq!(median_u64(vec![4, 1, 3, 10]), Some(3));
        assert_eq!(median_money(vec![money("1"), money("2")]), Some(money("1.5")));
    }

    #[test]
    fn the_idle_window_ends_on_as_of() {
        assert!(is_idle(None, day("2026-10-31"), 30));
        assert!(!is_idle(Some(day("2026-10-02")), day("2026-10-31"), 30));
        assert!(is_idle(Some(day("2026-10-01")), day("2026-10-31"), 30));
        assert!(held_through_window(day("2026-10-02"), day("2026-10-31"), 30));
        assert!(!held_through_window(day("2026-10-03"), day("2026-10-31"), 30));
        let plans = [plan("team_standard", "30", Some("150"))];
        assert_eq!(light_use(money("150"), money("200"), &plans), LightUse::Keep);
    }
}

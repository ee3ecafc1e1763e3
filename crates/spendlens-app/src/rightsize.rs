//! Claude Code right-sizing: the seat review (`spendlens seats`) and the discipline and path-fit
//! insights (`spendlens cc insights`), with the seat plans they price against.
//!
//! Seat plans come from the `[seats]` section of `config.toml` laid over documented defaults
//! (today's published Team figures; see [`default_plans`]), and from the roster: a seat type the
//! plans do not name is known by the roster's fee, with no usage limit (never a target).
//!
//! ```toml
//! [seats]
//! idle_days = 30                      # the default of --idle-days
//! [seats.plans.team_standard]
//! monthly_usd = "30"                  # per seat per month
//! claude_code = true
//! usage_limit_usd = "150"             # the use a seat's limits allow a month, at API list rates
//! [seats.plans.enterprise]
//! monthly_usd = "60"
//! usage_limit_usd = "1000"
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use spendlens_analysis::insights::{Insights, InsightsInput, insights};
use spendlens_analysis::rightsize::{SeatPlan, SeatReview, SeatsInput, review_seats};
use spendlens_model::{Day, DirectoryKind, Money, OrgMap, Period, Seat, Source};

use crate::{App, AppError};

/// The idle window when neither `--idle-days` nor the config names one.
pub const DEFAULT_IDLE_DAYS: u32 = 30;

/// `[seats]` of `config.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeatsConfig {
    /// The default idle window, in days.
    pub idle_days: Option<u32>,
    /// Plans by roster `seat_type`: each field laid over the default plan of that name.
    #[serde(default)]
    pub plans: BTreeMap<String, PlanConfig>,
}

/// `[seats.plans.NAME]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    pub monthly_usd: Option<Money>,
    pub claude_code: Option<bool>,
    pub usage_limit_usd: Option<Money>,
}

fn money(cents: i64) -> Money {
    Money::from_cents(cents)
}

/// Today's published Team plan figures (support.claude.com, "How is my Team plan bill
/// calculated?", read in 2026): a standard seat is $30 a month billed monthly ($25 billed yearly),
/// a premium seat $150 a month, and both include Claude Code, premium with higher usage limits.
/// Anthropic publishes no usage limit in dollars: the limits here (the use a seat's limits allow
/// a month, at API list rates) are UNCONFIRMED estimates, as is every Enterprise figure (seats are
/// negotiated; no default is given, the roster's fee stands). Override any of them in `[seats]`.
pub fn default_plans() -> Vec<SeatPlan> {
    vec![
        SeatPlan {
            name: "team_standard".to_string(),
            monthly_usd: money(3_000),
            claude_code: true,
            usage_limit_usd: Some(money(15_000)),
            confirmed: false,
        },
        SeatPlan {
            name: "team_premium".to_string(),
            monthly_usd: money(15_000),
            claude_code: true,
            usage_limit_usd: Some(money(75_000)),
            confirmed: false,
        },
    ]
}

/// The plans: defaults, then the config's fields over them, then roster seat types not yet known
/// (by their most common fee, with no limit).
pub fn seat_plans(config: &SeatsConfig, seats: &[Seat]) -> Vec<SeatPlan> {
    let mut plans: BTreeMap<String, SeatPlan> = default_plans().into_iter().map(|plan| (plan.name.clone(), plan)).collect();
    for (name, given) in &config.plans {
        let plan = plans.entry(name.clone()).or_insert_with(|| SeatPlan {
            name: name.clone(),
            monthly_usd: Money::ZERO,
            claude_code: true,
            usage_limit_usd: None,
            confirmed: true,
        });
        if let Some(fee) = given.monthly_usd {
            plan.monthly_usd = fee;
        }
        if let Some(claude_code) = given.claude_code {
            plan.claude_code = claude_code;
        }
        if given.usage_limit_usd.is_some() {
            plan.usage_limit_usd = given.usage_limit_usd;
        }
        // Figures the user wrote are theirs: confirmed for this organisation.
        plan.confirmed = true;
    }
    let mut fees: BTreeMap<&str, BTreeMap<Money, usize>> = BTreeMap::new();
    for seat in seats {
        *fees.entry(seat.seat_type.as_str()).or_default().entry(seat.monthly).or_default() += 1;
    }
    for (name, counts) in fees {
        if name.is_empty() || plans.contains_key(name) {
            continue;
        }
        let fee = counts.iter().max_by(|left, right| left.1.cmp(right.1).then_with(|| right.0.cmp(left.0))).map(|(fee, _)| *fee);
        plans.insert(
            name.to_string(),
            SeatPlan {
                name: name.to_string(),
                monthly_usd: fee.unwrap_or_default(),
                claude_code: true,
                usage_limit_usd: None,
                confirmed: true,
            },
        );
    }
    plans.into_values().collect()
}

/// Known members and their teams: the org map's members named by exact email, and the users
/// listing, each with the org map's team.
fn members(orgmap: &OrgMap, directory: &[spendlens_model::DirectoryEntry]) -> Vec<(String, Option<String>)> {
    let mut emails: BTreeSet<String> = BTreeSet::new();
    for team in &orgmap.teams {
        for glob in &team.members {
            let text = glob.as_str();
            if text.contains('@') && !text.contains(['*', '?', '[']) {
                emails.insert(text.to_ascii_lowercase());
            }
        }
    }
    let users: BTreeSet<String> = directory
        .iter()
        .filter(|entry| entry.kind == DirectoryKind::User)
        .filter_map(|entry| entry.email.as_deref().map(str::to_ascii_lowercase))
        .collect();
    // With a users listing, only current users are members (leavers are gone from it).
    if !users.is_empty() {
        emails.retain(|email| users.contains(email));
        emails.extend(users);
    }
    emails.into_iter().map(|email| (email.clone(), orgmap.team_of(&email).map(|(team, _)| team.to_string()))).collect()
}

impl App {
    /// The seat plans in force: the config's `[seats]` over the defaults, and the roster's types.
    pub fn seat_plans(&self) -> Result<Vec<SeatPlan>, AppError> {
        Ok(seat_plans(&self.config()?.seats, &self.roster()?))
    }

    /// The roster's seats as stored.
    pub fn roster(&self) -> Result<Vec<Seat>, AppError> {
        Ok(self.lake()?.cost_lines_of(Source::Roster, None)?.iter().filter_map(Seat::from_record).map(|(seat, _)| seat).collect())
    }

    /// The seat review of `period`: per engineer seat, activity and use; reclaim, downgrade,
    /// move-to-API-key, upgrade and grant recommendations; the monthly seat plan. `idle_days`:
    /// the idle window (default: the config's, else [`DEFAULT_IDLE_DAYS`]).
    pub fn seats(&self, period: Period, idle_days: Option<u32>) -> Result<SeatReview, AppError> {
        let idle_days = match idle_days.or(self.config()?.seats.idle_days) {
            Some(0) => return Err(AppError::invalid("--idle-days must be at least 1")),
            Some(days) => days,
            None => DEFAULT_IDLE_DAYS,
        };
        let lake = self.lake()?;
        let last_day = lake.usage_span()?.map(|(_, last)| last);
        let period_last = period.end - chrono::Duration::days(1);
        let as_of: Day = last_day.map_or(period_last, |last| last.min(period_last).max(period.start));
        let window_start = as_of - chrono::Duration::days(i64::from(idle_days) - 1);
        let first = lake.usage_span()?.map_or(period.start, |(first, _)| first).min(window_start).min(period.start);
        let history = Period::new(first, period.end);
        let activity = self.activity(history)?;
        let usage = self.usage_of(history)?;
        let loaded = self.load_ledger(period)?;
        let seats = self.roster()?;
        let plans = seat_plans(&self.config()?.seats, &seats);
        let orgmap = self.orgmap()?;
        let members = members(&orgmap, &loaded.directory);
        Ok(review_seats(SeatsInput {
            period,
            as_of,
            idle_days,
            seats: &seats,
            plans: &plans,
            activity: &activity,
            usage: &usage,
            ledger: &loaded.ledger,
            directory: &loaded.directory,
            members: &members,
            book: self.price_book()?,
        }))
    }

    /// Claude Code discipline per engineer and team against their peers, the outliers with their
    /// cost against the peer median, and work on the wrong path, for `period`.
    pub fn cc_insights(&self, period: Period) -> Result<Insights, AppError> {
        let loaded = self.load_ledger(period)?;
        let activity = self.activity(period)?;
        let hours = self.lake()?.hour_profiles(Source::AdminUsage, Some(period))?;
        let seats = self.roster()?;
        let plans = seat_plans(&self.config()?.seats, &seats);
        let orgmap = self.orgmap()?;
        let members = members(&orgmap, &loaded.directory);
        Ok(insights(InsightsInput {
            period,
            activity: &activity,
            usage: &loaded.usage,
            hours: &hours,
            ledger: &loaded.ledger,
            directory: &loaded.directory,
            members: &members,
            plans: &plans,
            book: self.price_book()?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fields_lay_over_the_defaults_and_roster_types_join() {
        let config: SeatsConfig =
            toml::from_str("idle_days = 45\n[plans.team_standard]\nmonthly_usd = \"25\"\n[plans.enterprise]\nmonthly_usd = \"60\"\nusage_limit_usd = \"1000\"\n")
                .unwrap();
        assert_eq!(config.idle_days, Some(45));
        let seat = Seat {
            email: "a@x.io".into(),
            name: String::new(),
            team: None,
            seat_type: "chat_plus_code".into(),
            monthly: "95".parse().unwrap(),
            start: "2026-01-01".parse().unwrap(),
            end: None,
        };
        let plans = seat_plans(&config, &[seat]);
        let find = |name: &str| plans.iter().find(|plan| plan.name == name).unwrap().clone();
        assert_eq!((find("team_standard").monthly_usd, find("team_standard").usage_limit_usd), (money(2_500), Some(money(15_000))));
        assert!(find("team_standard").confirmed && !find("team_premium").confirmed);
        assert_eq!((find("enterprise").monthly_usd, find("enterprise").usage_limit_usd), (money(6_000), Some(money(100_000))));
        assert_eq!((find("chat_plus_code").monthly_usd, find("chat_plus_code").usage_limit_usd), (money(9_500), None));
        let error = toml::from_str::<SeatsConfig>("[plans.team_standard]\nfee = 3\n").unwrap_err();
        assert!(error.to_string().contains("fee"), "{error}");
    }
}

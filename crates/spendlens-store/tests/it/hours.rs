//! The hour-of-week profiles against hand-computed cells: tokens per key, model, tier, weekday
//! and hour (UTC, Monday first), a day counted once per cell whatever scopes hold it.

use spendlens_model::{HourProfile, Period, ServiceTier, Source, TokenCounts, UsageLine};
use spendlens_store::{Lake, Replace};

use crate::support::{day, fresh_store, usage};

fn line(start: &str, key: Option<&str>, tier: ServiceTier, input: u64, output: u64) -> UsageLine {
    let mut line = usage(Source::AdminUsage, start, input, output);
    line.identity.api_key_id = key.map(str::to_string);
    line.service_tier = tier;
    line
}

fn profile(key: Option<&str>, tier: ServiceTier, weekday: u8, hour: u8, days: u64, input: u64, output: u64) -> HourProfile {
    HourProfile {
        api_key_id: key.map(str::to_string),
        model: "claude-sonnet-4-5".to_string(),
        service_tier: tier,
        weekday,
        hour,
        days,
        tokens: TokenCounts { input, output, ..TokenCounts::default() },
    }
}

#[test]
fn profiles_sum_per_hour_of_the_week_and_count_each_day_once() {
    let (_directory, store) = fresh_store();
    let standard = ServiceTier::Standard;
    // 2026-11-30 and 2026-12-07 are Mondays; 2026-12-06 a Sunday.
    let org = vec![
        line("2026-11-30T09:00:00Z", Some("apikey_a"), standard, 10, 1),
        line("2026-11-30T09:00:00Z", Some("apikey_a"), ServiceTier::Batch, 100, 0),
        line("2026-11-30T10:00:00Z", Some("apikey_a"), standard, 2, 0),
        line("2026-12-01T00:00:00Z", Some("apikey_b"), standard, 0, 4),
        line("2026-12-02T12:00:00Z", None, standard, 1, 0),
        line("2026-12-06T23:00:00Z", Some("apikey_a"), standard, 3, 0),
        line("2026-12-07T09:00:00Z", Some("apikey_a"), standard, 7, 2),
        // Outside the period asked for below.
        line("2026-12-14T09:00:00Z", Some("apikey_a"), standard, 1_000, 0),
    ];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &org).unwrap();
    // The same Monday hour in a second scope: its tokens add, its day does not.
    store
        .replace_usage(Source::AdminUsage, "extra", Replace::Days, &[line("2026-11-30T09:00:00Z", Some("apikey_a"), standard, 5, 0)])
        .unwrap();
    // Another source's lines are not the usage report's.
    let mut other = line("2026-11-30T09:00:00Z", Some("apikey_a"), standard, 50, 50);
    other.source = Source::AdminAnalyticsUsage;
    store.replace_usage(Source::AdminAnalyticsUsage, "org", Replace::Days, &[other]).unwrap();

    let period = Period::new(day("2026-11-30"), day("2026-12-08"));
    let profiles = store.hour_profiles(Source::AdminUsage, Some(period)).unwrap();
    let expected = vec![
        profile(None, standard, 2, 12, 1, 1, 0),
        // apikey_a, standard: Monday 09:00 on two Mondays (10 + 5, then 7), Monday 10:00, Sunday 23:00.
        profile(Some("apikey_a"), standard, 0, 9, 2, 22, 3),
        profile(Some("apikey_a"), standard, 0, 10, 1, 2, 0),
        profile(Some("apikey_a"), standard, 6, 23, 1, 3, 0),
        profile(Some("apikey_a"), ServiceTier::Batch, 0, 9, 1, 100, 0),
        profile(Some("apikey_b"), standard, 1, 0, 1, 0, 4),
    ];
    assert_eq!(profiles, expected);

    // The whole lake takes the later Monday too.
    let all = store.hour_profiles(Source::AdminUsage, None).unwrap();
    let monday = all.iter().find(|profile| profile.api_key_id.as_deref() == Some("apikey_a") && profile.weekday == 0 && profile.hour == 9);
    assert_eq!(monday.map(|profile| (profile.days, profile.tokens.input)), Some((3, 1_022)));
}

//! The seat review and the Claude Code insights on hand-built organisations, every figure worked
//! out by hand in the comments (Sonnet 5.5 before 2026-10-07: output $10/M, input $2/M, cache
//! reads $0.20/M; Opus 5.5: output $20/M).

use chrono::{TimeZone, Utc};
use spendlens_analysis::insights::{InsightsInput, insights};
use spendlens_analysis::rightsize::{LightUse, SeatPlan, SeatsInput, light_use, review_seats, seat_for_pay_as_you_go};
use spendlens_analysis::{Driver, Ledger, LedgerEntry};
use spendlens_model::{
    ActivityLine, CostKind, Day, DirectoryEntry, DirectoryKind, HourProfile, Money, Path, Period, Seat, ServiceTier, Source, TokenCounts,
    UsageLine,
};
use spendlens_pricing::PriceBook;

const SONNET: &str = "claude-sonnet-5-5";
const OPUS: &str = "claude-opus-5-5";

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn book() -> PriceBook {
    PriceBook::embedded().unwrap()
}

fn plans() -> Vec<SeatPlan> {
    let plan = |name: &str, fee: &str, limit: &str| SeatPlan {
        name: name.into(),
        monthly_usd: money(fee),
        claude_code: true,
        usage_limit_usd: Some(money(limit)),
        confirmed: true,
    };
    vec![plan("team_standard", "30", "150"), plan("team_premium", "150", "750")]
}

#[test]
fn table_of_seat_versus_pay_as_you_go_break_even() {
    let plans = plans();
    // (billed a month on a key, use at list rates, expected (plan, saving)); a plan is chosen when
    // it covers the use within its limit and saves at least 10% of what the key bills.
    type Row<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);
    let rows: [Row; 8] = [
        ("20", "20", None),                            // under the cheapest seat
        ("33", "33", None),                            // saves $3, under 10% of $33
        ("34", "34", Some(("team_standard", "4"))),    // saves $4 of $34: 10% is $3.40
        ("120", "120", Some(("team_standard", "90"))), // within the standard limit
        ("200", "200", Some(("team_premium", "50"))),  // over the standard limit: premium
        ("160", "160", None),                          // premium saves $10, under $16
        ("900", "900", None),                          // over every limit
        ("100", "400", None),                          // use over what it bills: premium costs more
    ];
    for (billed, value, expected) in rows {
        let found = seat_for_pay_as_you_go(money(billed), money(value), &plans).map(|(plan, saving)| (plan.name.clone(), saving));
        assert_eq!(found, expected.map(|(plan, saving)| (plan.to_string(), money(saving))), "billed {billed}, use {value}");
    }
    // A seat holder's light use: (fee, use) -> the cheaper of a covering plan and the API rates.
    let rows: [(&str, &str, LightUse); 7] = [
        ("150", "200", LightUse::Keep),
        ("150", "100", LightUse::Downgrade { plan: "team_standard".into(), saving: money("120") }),
        ("150", "140", LightUse::Downgrade { plan: "team_standard".into(), saving: money("120") }),
        ("150", "10", LightUse::MoveToApiKey { saving: money("140") }),
        ("150", "800", LightUse::Keep),
        ("30", "10", LightUse::MoveToApiKey { saving: money("20") }),
        ("30", "28", LightUse::Keep), // saves $2, under 10% of $30
    ];
    for (fee, value, expected) in rows {
        assert_eq!(light_use(money(fee), money(value), &plans), expected, "fee {fee}, use {value}");
    }
}

fn seat(email: &str, start: &str, team: &str) -> Seat {
    Seat {
        email: email.into(),
        name: String::new(),
        team: Some(team.into()),
        seat_type: "team_premium".into(),
        monthly: money("150"),
        start: day(start),
        end: None,
    }
}

fn active(email: &str, on: &str, sessions: u64, lines: u64, source: Source) -> ActivityLine {
    ActivityLine { day: day(on), source, actor_email: Some(email.into()), sessions, lines_added: lines, ..ActivityLine::default() }
}

fn used(who: (&str, &str), on: &str, model: &str, tokens: TokenCounts, source: Source) -> UsageLine {
    let start = Utc.from_utc_datetime(&day(on).and_hms_opt(0, 0, 0).unwrap());
    let mut line = UsageLine::new(start, start + chrono::Duration::days(1), source, model);
    line.path = Path::ClaudeCode;
    match who {
        ("email", email) => line.identity.actor_email = Some(email.into()),
        ("key", name) => line.identity.api_key_name = Some(name.into()),
        (_, id) => line.identity.api_key_id = Some(id.into()),
    }
    line.quantities.tokens = tokens;
    line
}

fn output(millions: u64) -> TokenCounts {
    TokenCounts { output: millions * 1_000_000, ..TokenCounts::default() }
}

fn entry(on: &str, amount: &str, path: Path, driver: Driver, key: &str) -> LedgerEntry {
    LedgerEntry {
        start: day(on),
        end: day(on).succ_opt().unwrap(),
        amount: money(amount),
        path,
        driver,
        rule: "test".into(),
        source: Source::AdminCost,
        kind: CostKind::Tokens,
        model: Some(SONNET.into()),
        api_key: Some(key.into()),
        workspace_id: None,
        token_type: None,
        service_tier: None,
    }
}

fn directory() -> Vec<DirectoryEntry> {
    let entry = |kind, id: &str, name: Option<&str>, email: Option<&str>, created_by: Option<&str>| DirectoryEntry {
        kind,
        id: id.into(),
        name: name.map(str::to_string),
        email: email.map(str::to_string),
        workspace_id: None,
        created_by: created_by.map(str::to_string),
        status: None,
    };
    vec![
        entry(DirectoryKind::User, "user_cy", None, Some("cy@x.io"), None),
        entry(DirectoryKind::ApiKey, "apikey_cy", Some("claude-code-cy"), None, Some("user_cy")),
    ]
}

struct Org {
    seats: Vec<Seat>,
    activity: Vec<ActivityLine>,
    usage: Vec<UsageLine>,
    ledger: Ledger,
    members: Vec<(String, Option<String>)>,
}

/// October 2026. ana (premium seat) uses $100 at API rates over 12 days; ben (premium) last used
/// Claude Code on 2026-08-20; dee (premium) uses $500; cy has no seat, a key that billed $250 and
/// use worth $240; eve is in platform with nothing. All but ben were active in September too.
fn org() -> Org {
    let mut activity = Vec::new();
    let mut usage = Vec::new();
    for (email, who) in [("ana@x.io", ("email", "ana@x.io")), ("dee@x.io", ("email", "dee@x.io")), ("cy@x.io", ("key", "claude-code-cy"))] {
        activity.push(activity_of(email, who, "2026-09-15"));
        for offset in 1..=12 {
            let on = format!("2026-10-{offset:02}");
            activity.push(activity_of(email, who, &on));
            // OpenTelemetry saw ana's days too: the same sessions, counted once.
            if email == "ana@x.io" {
                activity.push(active("ana@x.io", &on, 9, 900, Source::Otel));
            }
        }
    }
    // Use at API rates, in millions of Sonnet output tokens ($10 each), on one October day.
    usage.push(used(("email", "ana@x.io"), "2026-10-05", SONNET, output(10), Source::ClaudeCodeAnalytics));
    // Transcripts saw the same day of ana's: not counted again.
    usage.push(used(("email", "ana@x.io"), "2026-10-05", SONNET, output(10), Source::Transcript));
    usage.push(used(("email", "dee@x.io"), "2026-10-05", SONNET, output(50), Source::ClaudeCodeAnalytics));
    usage.push(used(("key", "claude-code-cy"), "2026-10-05", SONNET, output(24), Source::ClaudeCodeAnalytics));
    activity.push(active("ben@x.io", "2026-08-20", 2, 40, Source::ClaudeCodeAnalytics));
    let cy = Driver::Engineer { email: "cy@x.io".into(), team: Some("platform".into()) };
    let ledger = Ledger { entries: vec![entry("2026-10-05", "250", Path::ClaudeCode, cy, "apikey_cy")], ..Ledger::default() };
    let member = |email: &str, team: &str| (email.to_string(), Some(team.to_string()));
    Org {
        seats: vec![
            seat("ana@x.io", "2026-01-01", "platform"),
            seat("ben@x.io", "2026-01-01", "search"),
            seat("dee@x.io", "2026-01-01", "platform"),
        ],
        activity,
        usage,
        ledger,
        members: vec![
            member("ana@x.io", "platform"),
            member("cy@x.io", "platform"),
            member("dee@x.io", "platform"),
            member("eve@x.io", "platform"),
            member("ben@x.io", "search"),
        ],
    }
}

fn activity_of(email: &str, who: (&str, &str), on: &str) -> ActivityLine {
    let mut line = active(email, on, 2, 100, Source::ClaudeCodeAnalytics);
    if who.0 == "key" {
        line.actor_email = None;
        line.api_key_name = Some(who.1.into());
    }
    line
}

fn review(org: &Org, as_of: &str, idle_days: u32) -> spendlens_analysis::rightsize::SeatReview {
    let plans = plans();
    let directory = directory();
    let book = book();
    review_seats(SeatsInput {
        period: Period::parse_month("2026-10").unwrap(),
        as_of: day(as_of),
        idle_days,
        seats: &org.seats,
        plans: &plans,
        activity: &org.activity,
        usage: &org.usage,
        ledger: &org.ledger,
        directory: &directory,
        members: &org.members,
        book: &book,
    })
}

#[test]
fn a_small_organisation_gets_every_recommendation_with_its_dollars() {
    let review = review(&org(), "2026-10-31", 30);
    let found: Vec<(&str, &str, Money, Option<&str>)> = review
        .recommendations
        .iter()
        .map(|item| (item.action.as_str(), item.email.as_str(), item.monthly_impact_usd, item.to_plan.as_deref()))
        .collect();
    assert_eq!(
        found,
        vec![
            // ben: idle since 2026-08-20, the whole $150 fee.
            ("reclaim", "ben@x.io", money("150"), None),
            // ana: use $100 <= the standard limit $150; $150 - $30 = $120 beats $150 - $100 on a key.
            ("downgrade", "ana@x.io", money("120"), Some("team_standard")),
            // cy: the key billed $250, use $240 (over the standard limit): premium saves $100.
            ("upgrade", "cy@x.io", money("100"), Some("team_premium")),
            // eve: platform's 3 peers, median 13 active days and $240 of use (> $30): a standard seat.
            ("grant", "eve@x.io", money("-30"), Some("team_standard")),
        ]
    );
    // dee ($500 of use on a $150 seat) keeps it.
    assert!(review.recommendations.iter().all(|item| item.email != "dee@x.io"));
    // Seats: ana, ben, dee now; less ben, plus cy and eve. Dollars: $450 of seats + $250 on cy's
    // key = $700; less $120 + $150 + $100 - $30 = $340 -> $360.
    assert_eq!((review.plan.seats_now, review.plan.seats_recommended), (3, 4));
    assert_eq!((review.plan.monthly_usd_now, review.plan.monthly_usd_recommended), (money("700"), money("360")));
    let ana = review.engineers.iter().find(|engineer| engineer.email == "ana@x.io").unwrap();
    // Analytics wins over OpenTelemetry and transcripts on the same days: 12 days x 2 sessions,
    // 12 x 100 lines; $100 of use, not $200.
    assert_eq!((ana.active_days, ana.sessions, ana.lines_accepted, ana.usage_value_usd), (12, 24, 1200, money("100")));
    assert_eq!(ana.activity_sources, vec![Source::ClaudeCodeAnalytics]);
    assert_eq!(ana.seat_billed_usd, money("150"));
    let ben = review.engineers.iter().find(|engineer| engineer.email == "ben@x.io").unwrap();
    assert_eq!((ben.active_days, ben.last_active), (0, Some(day("2026-08-20"))));
    let cy = review.engineers.iter().find(|engineer| engineer.email == "cy@x.io").unwrap();
    assert_eq!((cy.billing.as_str(), cy.api_key_usd, cy.usage_value_usd), ("api_key", money("250"), money("240")));
}

#[test]
fn table_of_idle_windows_and_seat_proration() {
    // (seat start, last activity, as of, idle days, reclaimed?)
    let rows: [(&str, Option<&str>, &str, u32, bool); 7] = [
        ("2026-01-01", Some("2026-10-01"), "2026-10-31", 30, true), // window 10-02..10-31 is empty
        ("2026-01-01", Some("2026-10-02"), "2026-10-31", 30, false), // active on the window's first day
        ("2026-10-02", None, "2026-10-31", 30, true),               // never used, held 30 days
        ("2026-10-03", None, "2026-10-31", 30, false),              // held 29 days: too soon to say
        ("2026-01-01", Some("2026-10-24"), "2026-10-31", 7, true),  // window 10-25..10-31
        ("2026-01-01", Some("2026-10-25"), "2026-10-31", 7, false),
        ("2026-01-01", Some("2026-10-10"), "2026-10-15", 5, true), // the window ends on as_of, not the month
    ];
    for (start, last, as_of, idle_days, reclaimed) in rows {
        let org = Org {
            seats: vec![seat("a@x.io", start, "platform")],
            activity: last.map(|on| active("a@x.io", on, 1, 10, Source::ClaudeCodeAnalytics)).into_iter().collect(),
            usage: Vec::new(),
            ledger: Ledger::default(),
            members: Vec::new(),
        };
        let review = review(&org, as_of, idle_days);
        let reclaims: Vec<Money> =
            review.recommendations.iter().filter(|item| item.action == "reclaim").map(|item| item.monthly_impact_usd).collect();
        assert_eq!(reclaims, if reclaimed { vec![money("150")] } else { vec![] }, "{start} {last:?} {as_of} {idle_days}");
    }
    // What a seat bills in October, prorated: joined the 11th, 21 of 31 days of $150 = 101.612... -> $101.61.
    let org = Org {
        seats: vec![seat("a@x.io", "2026-10-11", "platform")],
        activity: Vec::new(),
        usage: Vec::new(),
        ledger: Ledger::default(),
        members: Vec::new(),
    };
    let review = review(&org, "2026-10-31", 30);
    assert_eq!(review.engineers[0].seat_billed_usd, money("101.61"));
    assert!(review.recommendations.is_empty(), "held 21 days: not judged idle");
}

fn insights_of(
    activity: &[ActivityLine],
    usage: &[UsageLine],
    hours: &[HourProfile],
    ledger: &Ledger,
) -> spendlens_analysis::insights::Insights {
    let plans = plans();
    let directory = directory();
    let book = book();
    let members: Vec<(String, Option<String>)> = Vec::new();
    insights(InsightsInput {
        period: Period::parse_month("2026-09").unwrap(),
        activity,
        usage,
        hours,
        ledger,
        directory: &directory,
        members: &members,
        plans: &plans,
        book: &book,
    })
}

#[test]
fn outliers_are_named_with_their_cost_against_the_peer_median() {
    let mut activity = Vec::new();
    let mut usage = Vec::new();
    let reads =
        |millions: u64, input: u64| TokenCounts { cache_read: millions * 1_000_000, input: input * 1_000_000, ..TokenCounts::default() };
    // a, b, c: 10 sessions, 1M cache reads (100k per session). d: 3M (300k per session, 3x the
    // median). e: 20 sessions, 1M input + 1M cache reads (100k per session, hit rate 0.5).
    for (email, sessions, tokens) in [
        ("a@x.io", 10, reads(1, 0)),
        ("b@x.io", 10, reads(1, 0)),
        ("c@x.io", 10, reads(1, 0)),
        ("d@x.io", 10, reads(3, 0)),
        ("e@x.io", 20, reads(1, 1)),
    ] {
        activity.push(active(email, "2026-09-10", sessions, 1000 * sessions, Source::ClaudeCodeAnalytics));
        usage.push(used(("email", email), "2026-09-10", SONNET, tokens, Source::ClaudeCodeAnalytics));
        // A heavy week later on the same ratios: intensity, not an outlier.
        activity.push(active(email, "2026-09-22", sessions * 5, 5000 * sessions, Source::ClaudeCodeAnalytics));
        usage.push(used(
            ("email", email),
            "2026-09-22",
            SONNET,
            TokenCounts { cache_read: tokens.cache_read * 5, input: tokens.input * 5, ..tokens },
            Source::ClaudeCodeAnalytics,
        ));
    }
    let found = insights_of(&activity, &usage, &[], &Ledger::default());
    let outliers: Vec<(&str, &str, Money)> =
        found.outliers.iter().map(|o| (o.email.as_str(), o.metric.as_str(), o.monthly_cost_vs_median_usd)).collect();
    assert_eq!(
        outliers,
        vec![
            // e: 12M prompt tokens x (1.0 - 0.5) = 6M moved from input ($2/M) to cache reads
            // ($0.20/M): 6 x $1.80 = $10.80.
            ("e@x.io", "cache_hit_rate", money("10.80")),
            // d: 18M cache reads = $3.60, x (1 - 100k/300k) = $2.40.
            ("d@x.io", "context_per_session", money("2.40")),
        ]
    );
    let d = found.engineers.iter().find(|e| e.email == "d@x.io").unwrap();
    assert_eq!((d.context_per_session, d.sessions_per_active_day), (Some(300_000), Some("30".parse().unwrap())));
    let team = &found.teams[0];
    assert_eq!(team.busiest_week, Some(day("2026-09-21")), "{}", team.intensity);
}

#[test]
fn the_most_capable_model_on_routine_work_is_priced_on_the_next_model() {
    let mut activity = Vec::new();
    let mut usage = Vec::new();
    // Three routine days each (10 sessions, 100 lines: 10 per session), 1M output a day.
    for (email, model) in [("g@x.io", SONNET), ("h@x.io", SONNET), ("i@x.io", SONNET), ("j@x.io", OPUS)] {
        for on in ["2026-09-08", "2026-09-09", "2026-09-10"] {
            activity.push(active(email, on, 10, 100, Source::ClaudeCodeAnalytics));
            usage.push(used(("email", email), on, model, output(1), Source::ClaudeCodeAnalytics));
        }
    }
    let found = insights_of(&activity, &usage, &[], &Ledger::default());
    assert_eq!(found.most_capable_model.as_deref(), Some(OPUS));
    // j: share 1 against a median of 0; 3M Opus output ($60) would be $30 on Sonnet: $30.
    let outliers: Vec<(&str, &str, Money)> =
        found.outliers.iter().map(|o| (o.email.as_str(), o.metric.as_str(), o.monthly_cost_vs_median_usd)).collect();
    assert_eq!(outliers, vec![("j@x.io", "most_capable_share_on_routine", money("30"))]);
}

#[test]
fn path_fit_prices_automation_on_the_batch_api_and_a_person_as_a_seat() {
    let profile = |key: &str, weekday: u8, hour: u8, days: u64, cache_read: u64| HourProfile {
        api_key_id: Some(key.into()),
        model: SONNET.into(),
        service_tier: ServiceTier::Standard,
        weekday,
        hour,
        days,
        tokens: TokenCounts { input: 100, cache_read, ..TokenCounts::default() },
    };
    let mut hours = Vec::new();
    for weekday in 0..7 {
        for hour in 0..24 {
            hours.push(profile("k_auto", weekday, hour, 4, 500));
            // A product: every hour, busier in the day, quiet at weekends.
            let weight = if (13..22).contains(&hour) { 1000 } else { 50 };
            hours.push(profile("k_product", weekday, hour, 4, if weekday >= 5 { weight / 10 } else { weight }));
        }
    }
    for weekday in 0..5 {
        for hour in 14..20 {
            hours.push(profile("k_person", weekday, hour, 1, 900));
        }
    }
    let line = |key: &str| {
        let mut line = used(("id", key), "2026-09-10", SONNET, output(1), Source::AdminUsage);
        line.path = Path::Unassigned;
        line
    };
    let usage = vec![line("k_auto"), line("k_person"), line("k_product")];
    let holder = Driver::Engineer { email: "cy@x.io".into(), team: None };
    let feature = |name: &str| Driver::Feature { name: name.into() };
    let ledger = Ledger {
        entries: vec![
            entry("2026-09-10", "10", Path::ClaudeCode, holder, "k_auto"),
            entry("2026-09-10", "10", Path::Api, feature("assistant"), "k_person"),
            entry("2026-09-10", "10", Path::Api, feature("product"), "k_product"),
        ],
        ..Ledger::default()
    };
    let found = insights_of(&[], &usage, &hours, &ledger);
    let fits: Vec<(Option<&str>, &str, Money, Money)> = found
        .path_fit
        .iter()
        .map(|fit| (fit.api_key_id.as_deref(), fit.direction.as_str(), fit.monthly_usd, fit.current_monthly_usd))
        .collect();
    assert_eq!(
        fits,
        vec![
            // 1M Sonnet output: $10 now, $5 at the batch tier.
            (Some("k_auto"), "to_api", money("5"), money("10")),
            // $10 of use fits a $30 standard seat's $150 limit.
            (Some("k_person"), "to_claude_code", money("30"), money("10")),
        ]
    );
}

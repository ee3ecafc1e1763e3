//! The optimiser on hand-built traffic priced by a small test book, every expected dollar worked
//! out by hand in the comments (never by the price book): routing across a price change, batch
//! with cache components, and the plan's sequencing without double counting.

use spendlens_analysis::optimise::{Confidence, KeyBilling, Optimisation, OptimiseInput, optimise};
use spendlens_analysis::traffic::TrafficShape;
use spendlens_analysis::{Driver, Ledger, LedgerEntry};
use spendlens_model::{
    CostKind, Day, FeatureRule, Glob, HourProfile, Lever, LeverRule, LeverStatus, Money, OrgMap, Path, Period, ServiceTier, Source,
    TokenCounts, UsageLine,
};
use spendlens_pricing::PriceBook;

/// `test-big` drops from $10/$50 to $5/$25 per MTok (input/output) on 2026-10-16; `test-small` is
/// $1/$5. Cache writes 1.25x and 2x input, reads 0.1x; batch 0.5x.
const BOOK: &str = r#"
[rules]
routing_targets = ["test-small"]
[[model]]
id = "test-big"
rates = [{ from = "2000-01-01", input = "10", output = "50" }, { from = "2026-10-16", input = "5", output = "25" }]
[[model]]
id = "test-small"
rates = [{ from = "2000-01-01", input = "1", output = "5" }]
"#;

fn book() -> PriceBook {
    PriceBook::embedded().unwrap().with_overrides(BOOK, "test.toml").unwrap()
}

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn october() -> Period {
    Period::parse_month("2026-10").unwrap()
}

/// A day of the usage report for `key` on `model`.
fn traffic(key: &str, model: &str, on: &str, tokens: TokenCounts) -> UsageLine {
    let start = day(on).and_hms_opt(0, 0, 0).unwrap().and_utc();
    let mut line = UsageLine::new(start, start + chrono::Duration::days(1), Source::AdminUsage, model);
    line.identity.api_key_id = Some(key.into());
    line.quantities.tokens = tokens;
    line
}

/// The Usage Analytics API's count of the same day's requests.
fn requests(key: &str, model: &str, on: &str, requests: u64, input: u64) -> UsageLine {
    let mut line = traffic(key, model, on, TokenCounts { input, ..TokenCounts::default() });
    line.source = Source::AdminAnalyticsUsage;
    line.quantities.requests = Some(requests);
    line
}

/// The key's tokens at `hour` UTC on every day of the week.
fn nightly(key: &str, model: &str, hour: u8, input: u64) -> Vec<HourProfile> {
    (0..7)
        .map(|weekday| HourProfile {
            api_key_id: Some(key.into()),
            model: model.into(),
            service_tier: ServiceTier::Standard,
            weekday,
            hour,
            days: 1,
            tokens: TokenCounts { input, ..TokenCounts::default() },
        })
        .collect()
}

/// The ledger: `billed` dollars of `feature` on `key`.
fn ledger(rows: &[(&str, &str, &str)]) -> Ledger {
    Ledger {
        entries: rows
            .iter()
            .map(|(feature, key, billed)| LedgerEntry {
                start: day("2026-10-10"),
                end: day("2026-10-11"),
                amount: money(billed),
                path: Path::Api,
                driver: Driver::Feature { name: (*feature).into() },
                rule: "test".into(),
                source: Source::AdminCost,
                kind: CostKind::Tokens,
                model: None,
                api_key: Some((*key).into()),
                workspace_id: None,
                token_type: None,
                service_tier: None,
            })
            .collect(),
        ..Ledger::default()
    }
}

fn run(usage: &[UsageLine], hours: &[HourProfile], ledger: &Ledger, orgmap: &OrgMap) -> Optimisation {
    let book = book();
    let billing = KeyBilling::of(ledger, october(), &[]);
    let hours = TrafficShape::of_profiles(hours);
    optimise(OptimiseInput { period: october(), usage, hours: &hours, billing: &billing, orgmap, book: &book, feature: None })
}

fn tokens(input: u64, output: u64) -> TokenCounts {
    TokenCounts { input, output, ..TokenCounts::default() }
}

#[test]
fn routing_prices_each_day_at_its_own_rates_across_a_price_change() {
    // Two days of 1M input and 10k output on test-big, 2,000 requests each (5 output tokens per
    // request: a classifier's shape):
    //   2026-10-10 at $10/$50: $10 + $0.50 = $10.50; 2026-10-20 at $5/$25: $5 + $0.25 = $5.25; $15.75.
    //   on test-small ($1/$5) each day: $1 + $0.05 = $1.05; $2.10.  Saving: $13.65.
    // One rate for both days would give $21.00 - $2.10 or $10.50 - $2.10: neither is the answer.
    let usage = vec![
        traffic("k1", "test-big", "2026-10-10", tokens(1_000_000, 10_000)),
        traffic("k1", "test-big", "2026-10-20", tokens(1_000_000, 10_000)),
        requests("k1", "test-big", "2026-10-10", 2_000, 1_000_000),
        requests("k1", "test-big", "2026-10-20", 2_000, 1_000_000),
    ];
    let answer = run(&usage, &[], &ledger(&[("classifier", "k1", "15.75")]), &OrgMap::default());
    let routing: Vec<_> = answer.opportunities.iter().filter(|o| o.lever == Lever::Routing).collect();
    assert_eq!(routing.len(), 1, "{:#?}", answer.opportunities);
    assert_eq!(routing[0].monthly_saving_usd, money("13.65"));
    assert_eq!(routing[0].target_model.as_deref(), Some("test-small"));
    assert_eq!(routing[0].confidence, Confidence::High);
    assert!(routing[0].planned);

    // A feature already on the cheapest target gets no routing claim.
    let small = vec![
        traffic("k2", "test-small", "2026-10-10", tokens(1_000_000, 10_000)),
        requests("k2", "test-small", "2026-10-10", 2_000, 1_000_000),
    ];
    let answer = run(&small, &[], &ledger(&[("cheap", "k2", "1.05")]), &OrgMap::default());
    assert!(answer.opportunities.iter().all(|o| o.lever != Lever::Routing), "{:#?}", answer.opportunities);
}

#[test]
fn batch_halves_every_component_with_or_without_caching() {
    // Without caching: 2M input + 100k output on test-small at 02:00 every day:
    //   $2.00 + $0.50 = $2.50 standard, $1.25 at batch: saving $1.25.
    // With caching: 1M input + 400k 5-minute writes + 10M reads + 100k output:
    //   $1.00 + 400k x $1.25 = $0.50 + 10M x $0.10 = $1.00 + $0.50 = $3.00; batch $1.50: saving $1.50.
    let cached =
        TokenCounts { input: 1_000_000, cache_write_5m: 400_000, cache_read: 10_000_000, output: 100_000, ..TokenCounts::default() };
    for (tokens, billed, expected) in [(tokens(2_000_000, 100_000), "2.50", "1.25"), (cached, "3.00", "1.50")] {
        let usage = vec![traffic("kb", "test-small", "2026-10-10", tokens)];
        let answer = run(&usage, &nightly("kb", "test-small", 2, 1_000), &ledger(&[("nightly", "kb", billed)]), &OrgMap::default());
        let batch: Vec<_> = answer.opportunities.iter().filter(|o| o.lever == Lever::Batch).collect();
        assert_eq!(batch.len(), 1, "{:#?}", answer.opportunities);
        assert_eq!(batch[0].monthly_saving_usd, money(expected));
        assert_eq!(batch[0].confidence, Confidence::High, "{}", batch[0].confidence_reason);
    }
    // Already on the batch tier: no claim.
    let mut usage = vec![traffic("kb", "test-small", "2026-10-10", tokens(2_000_000, 100_000))];
    usage[0].service_tier = ServiceTier::Batch;
    let mut hours = nightly("kb", "test-small", 2, 1_000);
    hours.iter_mut().for_each(|profile| profile.service_tier = ServiceTier::Batch);
    let answer = run(&usage, &hours, &ledger(&[("nightly", "kb", "1.25")]), &OrgMap::default());
    assert!(answer.opportunities.iter().all(|o| o.lever != Lever::Batch));
}

/// One day of test-big: 1,000 requests of 10,000 uncached input and 20 output tokens, at 02:00
/// every day of the week.
fn all_three() -> (Vec<UsageLine>, Vec<HourProfile>, Ledger) {
    let usage = vec![
        traffic("kp", "test-big", "2026-10-12", tokens(10_000_000, 20_000)),
        requests("kp", "test-big", "2026-10-12", 1_000, 10_000_000),
    ];
    // $10 x 10M/1M = $100 + $50 x 20k/1M = $1: $101 billed.
    (usage, nightly("kp", "test-big", 2, 10_000_000), ledger(&[("pipeline", "kp", "101")]))
}

#[test]
fn the_plan_applies_routing_then_caching_then_batch_without_double_counting() {
    let (usage, hours, ledger) = all_three();
    let answer = run(&usage, &hours, &ledger, &OrgMap::default());
    let saving = |lever: Lever| answer.opportunities.iter().find(|o| o.lever == lever).unwrap();
    // Stand-alone, each against $101:
    //   routing to test-small: $10 + $0.10 = $10.10, saving $90.90;
    //   caching half of each prompt (5,000 tokens, the stated assumption) at ~1,000 requests an
    //   hour, so every request reads: 5M input $50 + 5M reads x $1 = $5 + $1 output = $56, saving
    //   $45.00 (range: 25% of the prompt $22.50, the whole prompt $90.00);
    //   batch: $50.50.
    assert_eq!(saving(Lever::Routing).monthly_saving_usd, money("90.90"));
    assert_eq!(saving(Lever::Caching).monthly_saving_usd, money("45.00"));
    assert_eq!(
        (saving(Lever::Caching).monthly_saving_low_usd, saving(Lever::Caching).monthly_saving_high_usd),
        (money("22.50"), money("90.00"))
    );
    assert_eq!(saving(Lever::Caching).confidence, Confidence::Medium);
    assert_eq!(saving(Lever::Batch).monthly_saving_usd, money("50.50"));
    // In sequence: routed ($10.10), then cached on test-small's rates (5M input $5 + 5M reads
    // $0.50 + output $0.10 = $5.60), then batched ($2.80): $98.20 saved, not the $186.40 the
    // stand-alone figures add up to.
    let plan = &answer.plan;
    assert_eq!(plan.features.len(), 1);
    assert_eq!(plan.features[0].levers, [Lever::Routing, Lever::Caching, Lever::Batch]);
    assert_eq!(plan.features[0].saving_usd, money("98.20"));
    assert_eq!(plan.total_saving_usd, money("98.20"));
    assert_eq!(plan.api_spend_usd, money("101"));
    assert_eq!(plan.optimised_baseline_usd, money("2.80"));
}

#[test]
fn the_org_map_turns_estimates_into_plans_or_rules_them_out() {
    let (usage, hours, ledger) = all_three();
    let mut orgmap = OrgMap {
        features: vec![FeatureRule {
            name: "pipeline".into(),
            api_keys: vec!["kp".into()],
            api_key_names: vec![Glob::new("x")],
            workspaces: vec![],
            line: 1,
        }],
        ..OrgMap::default()
    };
    orgmap.levers.push(LeverRule {
        feature: "pipeline".into(),
        lever: Lever::Routing,
        status: LeverStatus::Rejected,
        target_model: None,
        since: None,
        line: 5,
    });
    let answer = run(&usage, &hours, &ledger, &orgmap);
    let routing = answer.opportunities.iter().find(|o| o.lever == Lever::Routing).unwrap();
    assert_eq!((routing.status, routing.planned), (Some(LeverStatus::Rejected), false));
    // Cached then batched on test-big: 5M x $10 = $50 + 5M reads x $1 = $5 + $1 = $56, halved: $28.
    assert_eq!(answer.plan.features[0].levers, [Lever::Caching, Lever::Batch]);
    assert_eq!(answer.plan.features[0].saving_usd, money("73.00"));
}

#[test]
fn requests_per_hour_are_read_from_each_month_s_hours_of_the_week() {
    // 1,000 requests of 10,000 uncached input tokens each: 400 on a Monday of September, 600 on
    // a Monday of October, all at 02:00. Each month's shape holds its one hour of the week:
    // 4M input over 1 day, and 6M over 1 day. Requests per hour, weighted by requests:
    //   (4M^2/1 + 6M^2/1) / (10,000 x 10M) = 52e12 / 1e11 = 520
    // (one cell over both months would say (10M)^2/2 / 1e11 = 500: each month's hours count apart).
    let period = Period::new(day("2026-09-01"), day("2026-11-01"));
    let usage = vec![
        traffic("kp", "test-big", "2026-09-14", tokens(4_000_000, 8_000)),
        requests("kp", "test-big", "2026-09-14", 400, 4_000_000),
        traffic("kp", "test-big", "2026-10-12", tokens(6_000_000, 12_000)),
        requests("kp", "test-big", "2026-10-12", 600, 6_000_000),
    ];
    let monday = |input: u64| HourProfile {
        api_key_id: Some("kp".into()),
        model: "test-big".into(),
        service_tier: ServiceTier::Standard,
        weekday: 0,
        hour: 2,
        days: 1,
        tokens: TokenCounts { input, ..TokenCounts::default() },
    };
    let months = [TrafficShape::of_profiles(&[monday(4_000_000)]), TrafficShape::of_profiles(&[monday(6_000_000)])];
    let hours = TrafficShape::merged(months.iter().flatten());
    assert_eq!(hours.len(), 1);
    let book = book();
    let billing = KeyBilling::of(&ledger(&[("pipeline", "kp", "101")]), period, &[]);
    let answer = optimise(OptimiseInput {
        period,
        usage: &usage,
        hours: &hours,
        billing: &billing,
        orgmap: &OrgMap::default(),
        book: &book,
        feature: None,
    });
    let caching = answer.opportunities.iter().find(|o| o.lever == Lever::Caching).expect("a caching opportunity");
    assert!(caching.evidence.iter().any(|line| line.starts_with("about 520 requests per hour when it runs")), "{:#?}", caching.evidence);
    assert!(caching.evidence.iter().any(|line| line.contains("1,000 requests, 10,000 uncached input tokens per request")));
}

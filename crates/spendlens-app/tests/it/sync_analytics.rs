//! The Usage and Cost Analytics API (beta): fetched in daily buckets and chunks of at most 31 days
//! with its beta header, stored under its own sources, re-read like the legacy reports, and failing
//! clearly with the store unchanged.

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, Trigger};
use spendlens_model::{Money, Source, TokenCounts};
use spendlens_store::Lake;
use spendlens_store::Store;

use crate::sync_support::{FIRST_DAY, Fixture, LAST_DAY, day, sync, totals};

/// `starting_at` and `ending_at` of a logged query, as days.
fn range(query: &str) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let value = |name: &str| {
        let pair = query.split('&').find(|pair| pair.starts_with(&format!("{name}="))).unwrap();
        day(&pair[name.len() + 1..name.len() + 11])
    };
    (value("starting_at"), value("ending_at"))
}

#[test]
fn a_full_sync_stores_the_analytics_api_beside_the_legacy_reports() {
    let fixture = Fixture::new();
    let data = fixture.data_dir("data");
    let report = sync(&data, &fixture.settings()).unwrap();
    for name in ["analytics/usage", "analytics/cost"] {
        assert_eq!((report.windows[name].start, report.windows[name].end), (day(FIRST_DAY), day(LAST_DAY).succ_opt().unwrap()), "{name}");
        assert!(report.lines[name] > 0, "{name}");
    }
    for endpoint in [Endpoint::AnalyticsUsage, Endpoint::AnalyticsCost] {
        let requests: Vec<_> = fixture.mock.request_log().into_iter().filter(|request| request.endpoint == endpoint).collect();
        assert!(!requests.is_empty());
        for request in requests {
            assert_eq!(request.status, 200, "{}", request.query);
            assert!(request.query.contains("time_bucket_width=1d") && request.query.contains("group_by%5B%5D=model"), "{}", request.query);
            let (start, end) = range(&request.query);
            assert!(end > start && (end - start).num_days() <= 31, "{}", request.query);
        }
    }

    let store = Store::open(&data).unwrap();
    let tokens = |source: Source| {
        let mut sum = TokenCounts::default();
        for line in store.usage_lines_of(source, None).unwrap() {
            sum.add(&line.quantities.tokens);
        }
        sum
    };
    assert_eq!(tokens(Source::AdminAnalyticsUsage), tokens(Source::AdminUsage), "the same tokens as the usage report");
    let lines = store.usage_lines_of(Source::AdminAnalyticsUsage, None).unwrap();
    assert!(lines.iter().all(|line| line.quantities.requests.is_some_and(|requests| requests > 0) && line.identity.api_key_id.is_some()));
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(fixture.sources.join("ground_truth.json")).unwrap()).unwrap();
    let scratch = &truth["planted"]["unassigned_key"];
    let scratch_requests: u64 = lines
        .iter()
        .filter(|line| line.identity.api_key_id.as_deref() == scratch["api_key_id"].as_str())
        .map(|line| line.quantities.requests.unwrap_or(0))
        .sum();
    assert_eq!(scratch_requests, scratch["requests"].as_u64().unwrap(), "requests per API key, as the ground truth counts them");

    let stored = totals(&data);
    let cost = |source: Source| stored.by_source.get(&source).map_or(Money::ZERO, |totals| totals.cost);
    assert!(cost(Source::AdminCost) > Money::ZERO);
    assert_eq!(cost(Source::AdminAnalyticsCost), cost(Source::AdminCost), "the same dollars as the cost report");

    // A second run re-reads only the trailing days and adds nothing.
    let again = sync(&data, &fixture.settings()).unwrap();
    assert_eq!(again.windows["analytics/usage"].start, day("2026-10-29"));
    assert_eq!(totals(&data), stored);
}

#[test]
fn analytics_faults_recover_or_fail_clearly_with_the_store_unchanged() {
    let fixture = Fixture::new();
    let expected = {
        let data = fixture.data_dir("reference");
        sync(&data, &fixture.settings()).unwrap();
        totals(&data)
    };
    let transient = [
        Fault::on(Endpoint::AnalyticsUsage, Trigger::Nth(1), FaultKind::RateLimited { retry_after_seconds: 0 }),
        Fault::on(Endpoint::AnalyticsCost, Trigger::Nth(1), FaultKind::Truncated),
        Fault::on(Endpoint::AnalyticsUsage, Trigger::Nth(1), FaultKind::ServerError { status: 529 }),
    ];
    for (index, fault) in transient.into_iter().enumerate() {
        let data = fixture.data_dir(&format!("transient-{index}"));
        fixture.mock.set_faults(vec![fault]);
        sync(&data, &fixture.settings()).unwrap_or_else(|error| panic!("{fault:?}: {error}"));
        assert_eq!(totals(&data), expected, "{fault:?}");
    }

    let data = fixture.data_dir("data");
    fixture.mock.clear_faults();
    sync(&data, &fixture.settings()).unwrap();
    let before = totals(&data);
    let mut everything = fixture.settings();
    everything.since = Some(day(FIRST_DAY));
    fixture.mock.set_faults(vec![Fault::on(Endpoint::AnalyticsCost, Trigger::Always, FaultKind::ServerError { status: 500 })]);
    let error = sync(&data, &everything).unwrap_err();
    assert_eq!(
        crate::sync_support::failures(&error),
        ["analytics/cost: GET /v1/organizations/analytics/cost: gave up after 4 attempts; last: server error 500"]
    );
    assert_eq!(totals(&data), before);
    fixture.mock.set_faults(vec![Fault::on(Endpoint::AnalyticsUsage, Trigger::Always, FaultKind::LoopingPageToken)]);
    let error = sync(&data, &everything).unwrap_err();
    let failed = crate::sync_support::failures(&error);
    assert!(failed.len() == 1 && failed[0].contains("twice; stopping instead of looping"), "{failed:?}");
    assert_eq!(totals(&data), before);
    fixture.mock.clear_faults();
}

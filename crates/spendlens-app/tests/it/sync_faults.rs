//! Each injected fault either recovers or ends in a clear error with the store unchanged.

use std::time::Duration;

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, Trigger};
use spendlens_sync::SyncError;

use crate::sync_support::{Fixture, sync, sync_partial, totals};

fn status_count(fixture: &Fixture, status: u16) -> usize {
    fixture.mock.request_log().iter().filter(|request| request.status == status).count()
}

#[test]
fn transient_faults_are_retried_and_recover() {
    let fixture = Fixture::new();
    let expected = {
        let data = fixture.data_dir("reference");
        sync(&data, &fixture.settings()).unwrap();
        totals(&data)
    };
    let cases = [
        ("429 with Retry-After", Fault::on(Endpoint::Usage, Trigger::Nth(2), FaultKind::RateLimited { retry_after_seconds: 1 })),
        ("500", Fault::on(Endpoint::Cost, Trigger::Nth(1), FaultKind::ServerError { status: 500 })),
        ("529 overloaded", Fault::on(Endpoint::ClaudeCode, Trigger::Nth(3), FaultKind::ServerError { status: 529 })),
        ("truncated JSON", Fault::on(Endpoint::Usage, Trigger::Nth(1), FaultKind::Truncated)),
        ("a response slower than the timeout", Fault::on(Endpoint::Cost, Trigger::Nth(1), FaultKind::Slow { delay_ms: 1500 })),
        ("a listing error", Fault::on(Endpoint::ApiKeys, Trigger::Nth(1), FaultKind::ServerError { status: 502 })),
    ];
    for (name, fault) in cases {
        let data = fixture.data_dir(&format!("case-{}", name.replace(' ', "-")));
        fixture.mock.set_faults(vec![fault]);
        fixture.mock.clear_request_log();
        let mut settings = fixture.settings();
        settings.client.timeout = Duration::from_millis(1000);
        let started = std::time::Instant::now();
        sync(&data, &settings).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(totals(&data), expected, "{name}");
        if name.starts_with("429") {
            assert_eq!(status_count(&fixture, 429), 1);
            assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After was honoured");
        }
    }
    fixture.mock.clear_faults();
}

#[test]
fn persistent_faults_end_in_a_clear_error_and_leave_the_store_unchanged() {
    let fixture = Fixture::new();
    let data = fixture.data_dir("data");
    sync(&data, &fixture.settings()).unwrap();
    let before = totals(&data);
    let mut everything = fixture.settings();
    everything.since = Some(crate::sync_support::day(crate::sync_support::FIRST_DAY));

    // Each endpoint's own failure is reported, the others are stored (the same data again).
    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::LoopingPageToken)]);
    let report = sync_partial(&data, &everything).unwrap();
    let [failure] = report.failures.as_slice() else { panic!("{:?}", report.failures) };
    assert_eq!(failure.endpoint, "usage_report/messages");
    assert!(failure.error.contains("twice; stopping instead of looping"), "{}", failure.error);
    assert!(!failure.bad_data);
    assert!(report.lines["cost_report"] > 0, "the cost report went on");
    assert!(matches!(report.check(), Err(SyncError::Incomplete { .. })));
    assert_eq!(totals(&data), before);

    fixture.mock.set_faults(vec![Fault::on(Endpoint::Cost, Trigger::Always, FaultKind::ServerError { status: 500 })]);
    let report = sync_partial(&data, &everything).unwrap();
    let [failure] = report.failures.as_slice() else { panic!("{:?}", report.failures) };
    assert_eq!(failure.error, "GET /v1/organizations/cost_report: gave up after 4 attempts; last: server error 500");
    assert_eq!(totals(&data), before);

    // A body cut short every time: retried, then bad data (not a remote failure).
    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::Truncated)]);
    let report = sync_partial(&data, &everything).unwrap();
    let [failure] = report.failures.as_slice() else { panic!("{:?}", report.failures) };
    assert!(failure.bad_data && failure.error.contains("usage_report/messages page 1"), "{failure:?}");
    assert!(report.check().unwrap_err().is_bad_data());
    assert_eq!(totals(&data), before);
    fixture.mock.clear_faults();

    let mut wrong_key = fixture.settings();
    wrong_key.client.key = spendlens_sync::AdminKey::new("sk-ant-admin01-wrong").unwrap();
    let error = sync(&data, &wrong_key).unwrap_err();
    assert!(matches!(error, SyncError::Unauthorized { status: 401, .. }), "{error}");
    assert_eq!(totals(&data), before);
}

#[test]
fn regression_a_403_on_a_beta_endpoint_fails_that_endpoint_alone() {
    let fixture = Fixture::new();
    let reference = fixture.data_dir("reference");
    sync(&reference, &fixture.settings()).unwrap();
    let data = fixture.data_dir("data");
    fixture.mock.set_faults(vec![
        Fault::on(Endpoint::AnalyticsUsage, Trigger::Always, FaultKind::ServerError { status: 403 }),
        Fault::on(Endpoint::AnalyticsCost, Trigger::Always, FaultKind::ServerError { status: 404 }),
    ]);
    fixture.mock.clear_request_log();
    let report = sync_partial(&data, &fixture.settings()).unwrap();
    let failed: Vec<&str> = report.failures.iter().map(|failure| failure.endpoint.as_str()).collect();
    assert_eq!(failed, ["analytics/usage", "analytics/cost"]);
    assert!(report.failures[0].error.contains("refused this endpoint to this organisation or key (403"), "{:?}", report.failures);
    assert!(!report.failures[0].error.contains("admin key was refused"), "a 403 is not a refused key");
    assert_eq!(status_count(&fixture, 403), 1, "a 403 is not retried");
    // Everything else is stored exactly as a clean sync stores it.
    let (mut got, mut expected) = (totals(&data), totals(&reference));
    for source in [spendlens_model::Source::AdminAnalyticsUsage, spendlens_model::Source::AdminAnalyticsCost] {
        assert!(got.by_source.remove(&source).is_none());
        expected.by_source.remove(&source);
    }
    assert_eq!(got.by_source, expected.by_source);
    fixture.mock.clear_faults();
}

#[test]
fn regression_more_pages_without_a_token_store_nothing_of_the_window() {
    let fixture = Fixture::new();
    for (endpoint, name) in [(Endpoint::Cost, "cost_report"), (Endpoint::Users, "users")] {
        let data = fixture.data_dir(name);
        fixture.mock.set_faults(vec![Fault::on(endpoint, Trigger::Always, FaultKind::MoreWithoutToken)]);
        let report = sync_partial(&data, &fixture.settings()).unwrap();
        let [failure] = report.failures.as_slice() else { panic!("{name}: {:?}", report.failures) };
        assert_eq!(failure.endpoint, name);
        assert!(failure.error.contains("more pages follow but gave no token"), "{}", failure.error);
        let stored = totals(&data);
        if endpoint == Endpoint::Cost {
            assert!(!stored.by_source.contains_key(&spendlens_model::Source::AdminCost), "nothing of the window was stored");
        } else {
            let app = spendlens_app::App::new(spendlens_app::Settings { data_dir: data.clone(), prices: None });
            let users = app.lake().unwrap().directory().unwrap();
            assert!(
                users.iter().all(|entry| entry.kind != spendlens_model::DirectoryKind::User),
                "no partial listing replaced the snapshot"
            );
        }
    }
    fixture.mock.clear_faults();
}

#[test]
fn regression_a_page_that_never_parses_is_bad_data_after_one_try() {
    let fixture = Fixture::new();
    let data = fixture.data_dir("data");
    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::NotAPage)]);
    fixture.mock.clear_request_log();
    let report = sync_partial(&data, &fixture.settings()).unwrap();
    let [failure] = report.failures.as_slice() else { panic!("{:?}", report.failures) };
    assert!(failure.bad_data, "{failure:?}");
    assert!(failure.error.contains("usage_report/messages page 1"), "{}", failure.error);
    assert_eq!(fixture.mock.requests(Endpoint::Usage), 1, "a whole page that does not parse is not asked for again");
    assert!(report.check().unwrap_err().is_bad_data());
    fixture.mock.clear_faults();
}

#[test]
fn regression_a_redirect_never_carries_the_admin_key() {
    let fixture = Fixture::new();
    // Another server that would answer with the same key, had it been sent the key.
    let elsewhere = spendlens_mock_anthropic::MockAdminApi::start(
        spendlens_mock_anthropic::MockData::default(),
        spendlens_mock_anthropic::MockConfig::new(crate::sync_support::KEY),
    )
    .unwrap();
    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Nth(1), FaultKind::Redirect { port: elsewhere.address().port() })]);
    let error = sync(&fixture.data_dir("data"), &fixture.settings()).unwrap_err();
    assert!(matches!(error, SyncError::Redirected { status: 307, .. }), "{error}");
    assert!(error.to_string().contains("the admin key is not sent on"), "{error}");
    assert_eq!(elsewhere.total_requests(), 0, "the redirect was followed");
    fixture.mock.clear_faults();
}

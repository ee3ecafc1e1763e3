//! Each injected fault either recovers or ends in a clear error with the store unchanged.

use std::time::Duration;

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, Trigger};
use spendlens_sync::SyncError;

use crate::sync_support::{Fixture, sync, totals};

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

    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::LoopingPageToken)]);
    let error = sync(&data, &everything).unwrap_err();
    assert!(matches!(error, SyncError::PageLoop { .. }), "{error}");
    assert!(error.to_string().contains("twice; stopping instead of looping"), "{error}");
    assert_eq!(totals(&data), before);

    fixture.mock.set_faults(vec![Fault::on(Endpoint::Cost, Trigger::Always, FaultKind::ServerError { status: 500 })]);
    let error = sync(&data, &everything).unwrap_err();
    assert_eq!(error.to_string(), "GET /v1/organizations/cost_report: gave up after 4 attempts; last: server error 500");
    assert_eq!(totals(&data), before);

    fixture.mock.set_faults(vec![Fault::on(Endpoint::Usage, Trigger::Always, FaultKind::Truncated)]);
    let error = sync(&data, &everything).unwrap_err();
    assert!(error.to_string().contains("last: unreadable response"), "{error}");
    assert_eq!(totals(&data), before);
    fixture.mock.clear_faults();

    let mut wrong_key = fixture.settings();
    wrong_key.client.key = spendlens_sync::AdminKey::new("sk-ant-admin01-wrong").unwrap();
    let error = sync(&data, &wrong_key).unwrap_err();
    assert!(matches!(error, SyncError::Unauthorized { status: 401, .. }), "{error}");
    assert_eq!(totals(&data), before);
}

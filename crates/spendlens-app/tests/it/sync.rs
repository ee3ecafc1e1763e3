//! A full sync equals a file import; a second sync adds nothing; an interrupted one resumes.

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, Trigger};

use crate::sync_support::{FIRST_DAY, Fixture, LAST_DAY, day, file_import, sync, totals};

#[test]
fn a_full_sync_stores_what_a_file_import_stores() {
    let fixture = Fixture::new();
    let synced = fixture.data_dir("synced");
    let report = sync(&synced, &fixture.settings()).unwrap();
    assert_eq!(report.windows["usage_report/messages"].start, day(FIRST_DAY));
    assert_eq!(report.windows["usage_report/messages"].end, day(LAST_DAY).succ_opt().unwrap());
    let expected = file_import(&fixture.sources, &fixture.data_dir("imported"));
    assert_eq!(totals(&synced), expected);
    assert!(expected.overall.cost > spendlens_model::Money::ZERO);
    assert!(expected.overall.usage_rows > 0 && expected.overall.activity_rows > 0 && expected.overall.directory_rows > 0);
}

#[test]
fn a_second_sync_adds_nothing_and_rereads_only_the_trailing_days() {
    let fixture = Fixture::new();
    let data = fixture.data_dir("data");
    sync(&data, &fixture.settings()).unwrap();
    let first = totals(&data);
    let usage_requests = fixture.mock.requests(Endpoint::Usage);
    let report = sync(&data, &fixture.settings()).unwrap();
    assert_eq!(totals(&data), first);
    // The cursor is the day after the last; three trailing days are re-read.
    assert_eq!(report.windows["usage_report/messages"].start, day("2026-10-29"));
    assert_eq!(fixture.mock.requests(Endpoint::Usage) - usage_requests, 1, "72 hourly buckets fit one page");
}

#[test]
fn a_sync_interrupted_at_any_page_resumes_to_identical_totals() {
    let fixture = Fixture::new();
    let expected = {
        let data = fixture.data_dir("reference");
        sync(&data, &fixture.settings()).unwrap();
        totals(&data)
    };
    let requests_per_sync = fixture.mock.total_requests();
    // Interrupt at several points through the run (every request from the Nth on fails).
    for nth in [1, 2, 3, requests_per_sync / 3, requests_per_sync / 2, requests_per_sync - 4, requests_per_sync - 1] {
        let data = fixture.data_dir(&format!("interrupted-{nth}"));
        fixture.mock.set_faults(vec![Fault::anywhere(Trigger::From(nth), FaultKind::ServerError { status: 503 })]);
        let error = sync(&data, &fixture.settings()).unwrap_err();
        let failed = crate::sync_support::failures(&error);
        assert!(!failed.is_empty() && failed.iter().all(|failure| failure.contains("gave up after 4 attempts")), "{failed:?}");
        fixture.mock.clear_faults();
        sync(&data, &fixture.settings()).unwrap();
        assert_eq!(totals(&data), expected, "interrupted from request {nth}");
    }
}

//! What each replace mode keeps and what it removes.

use spendlens_model::{Period, Source};
use spendlens_store::Lake;
use spendlens_store::{Replace, StoreError};

use crate::support::{activity, cost, day, fresh_store, money, usage};

fn days_with_usage(store: &spendlens_store::Store) -> Vec<String> {
    let mut days: Vec<String> = store.usage_rollup(None).unwrap().iter().map(|rollup| rollup.day.to_string()).collect();
    days.dedup();
    days
}

#[test]
fn replace_days_leaves_other_days_alone() {
    let (_directory, store) = fresh_store();
    let first = [usage(Source::AdminUsage, "2026-05-01T00:00:00Z", 10, 1), usage(Source::AdminUsage, "2026-05-02T00:00:00Z", 20, 2)];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &first).unwrap();

    let summary =
        store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-05-02T06:00:00Z", 5, 0)]).unwrap();
    assert_eq!((summary.files_written, summary.files_removed), (1, 0));
    assert_eq!(days_with_usage(&store), ["2026-05-01", "2026-05-02"]);
    assert_eq!(store.totals().unwrap().overall.tokens.input, 15, "day 2 replaced, day 1 kept");

    // An empty Days write touches nothing.
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[]).unwrap();
    assert_eq!(store.totals().unwrap().overall.tokens.input, 15);
}

#[test]
fn replace_days_in_deletes_a_day_that_came_back_empty() {
    let (_directory, store) = fresh_store();
    let lines =
        ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"].map(|text| usage(Source::AdminUsage, &format!("{text}T12:00:00Z"), 1, 1));
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &lines).unwrap();

    // Re-reading 2026-05-02..2026-05-04 brought back only the 3rd.
    let window = Period::new(day("2026-05-02"), day("2026-05-04"));
    let reread = [usage(Source::AdminUsage, "2026-05-03T12:00:00Z", 9, 9)];
    let summary = store.replace_usage(Source::AdminUsage, "org", Replace::DaysIn(window), &reread).unwrap();
    assert_eq!((summary.files_written, summary.files_removed), (1, 1));
    assert_eq!(days_with_usage(&store), ["2026-05-01", "2026-05-03", "2026-05-04"]);
    assert_eq!(store.totals().unwrap().overall.tokens.input, 11);

    // The same for cost lines, with an entirely empty window.
    store
        .replace_cost(
            Source::AdminCost,
            "org",
            Replace::Days,
            &[cost(Source::AdminCost, "2026-05-02", "3"), cost(Source::AdminCost, "2026-05-05", "4")],
        )
        .unwrap();
    store.replace_cost(Source::AdminCost, "org", Replace::DaysIn(Period::new(day("2026-05-01"), day("2026-05-05"))), &[]).unwrap();
    let remaining = store.cost_lines(None).unwrap();
    assert_eq!(remaining.len(), 1);
    assert_eq!(remaining[0].start, day("2026-05-05"));
}

#[test]
fn replace_scope_drops_days_no_longer_present() {
    let (_directory, store) = fresh_store();
    let roster =
        [cost(Source::Roster, "2026-05-01", "30"), cost(Source::Roster, "2026-06-01", "30"), cost(Source::Roster, "2026-07-01", "30")];
    store.replace_cost(Source::Roster, "roster", Replace::Scope, &roster).unwrap();
    // Another scope of the same source is not part of the snapshot.
    store.replace_cost(Source::Roster, "contractors", Replace::Scope, &[cost(Source::Roster, "2026-05-01", "5")]).unwrap();

    let summary = store.replace_cost(Source::Roster, "roster", Replace::Scope, &[cost(Source::Roster, "2026-06-01", "45")]).unwrap();
    assert_eq!((summary.files_written, summary.files_removed), (1, 2));
    let lines = store.cost_lines(None).unwrap();
    let seen: Vec<(String, String)> = lines.iter().map(|line| (line.start.to_string(), line.amount.to_exact_string())).collect();
    assert_eq!(seen, [("2026-05-01".to_string(), "5".to_string()), ("2026-06-01".to_string(), "45".to_string())]);
}

#[test]
fn two_scopes_in_the_same_day_coexist_and_sum() {
    let (_directory, store) = fresh_store();
    store
        .replace_usage(Source::Transcript, "ana@example.com", Replace::Days, &[usage(Source::Transcript, "2026-05-01T09:00:00Z", 100, 10)])
        .unwrap();
    store
        .replace_usage(Source::Transcript, "bo@example.com", Replace::Days, &[usage(Source::Transcript, "2026-05-01T10:00:00Z", 200, 20)])
        .unwrap();
    store.replace_cost(Source::Invoice, "march", Replace::Days, &[cost(Source::Invoice, "2026-05-01", "1.10")]).unwrap();
    store.replace_cost(Source::Invoice, "april", Replace::Days, &[cost(Source::Invoice, "2026-05-01", "2.20")]).unwrap();

    let rollups = store.usage_rollup(None).unwrap();
    assert_eq!(rollups.len(), 1, "same dimensions: one group");
    assert_eq!((rollups[0].quantities.tokens.input, rollups[0].quantities.tokens.output, rollups[0].lines), (300, 30, 2));
    let totals = store.totals().unwrap();
    assert_eq!(totals.by_source[&Source::Invoice].cost, money("3.30"));
    assert_eq!(totals.by_source[&Source::Transcript].usage_rows, 2);
}

#[test]
fn a_line_from_another_source_is_rejected_before_anything_is_written() {
    let (_directory, store) = fresh_store();
    let lines = [usage(Source::AdminUsage, "2026-05-01T00:00:00Z", 1, 1), usage(Source::Gateway, "2026-05-02T00:00:00Z", 1, 1)];
    let error = store.replace_usage(Source::AdminUsage, "org", Replace::Days, &lines).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { .. }), "{error}");
    assert_eq!(store.totals().unwrap().overall.usage_rows, 0);
    assert!(matches!(store.replace_cost(Source::AdminCost, "", Replace::Days, &[]), Err(StoreError::InvalidInput { .. })));
}

#[test]
fn replace_days_in_deletes_an_activity_day_that_came_back_empty() {
    let (_directory, store) = fresh_store();
    let lines =
        ["2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04"].map(|on| activity(Source::ClaudeCodeAnalytics, on, "ana@example.com", 1));
    store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &lines).unwrap();
    // Another scope on the emptied day is not part of the re-read.
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "other",
            Replace::Days,
            &[activity(Source::ClaudeCodeAnalytics, "2026-05-02", "bo@example.com", 5)],
        )
        .unwrap();

    let window = Period::new(day("2026-05-02"), day("2026-05-04"));
    let reread = [activity(Source::ClaudeCodeAnalytics, "2026-05-03", "ana@example.com", 9)];
    let summary = store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::DaysIn(window), &reread).unwrap();
    assert_eq!((summary.files_written, summary.files_removed), (1, 1));
    let seen: Vec<(String, String, u64)> =
        store.activity(None).unwrap().iter().map(|line| (line.day.to_string(), line.actor_email.clone().unwrap(), line.sessions)).collect();
    let expected = [
        ("2026-05-01", "ana@example.com", 1),
        ("2026-05-02", "bo@example.com", 5),
        ("2026-05-03", "ana@example.com", 9),
        ("2026-05-04", "ana@example.com", 1),
    ];
    assert_eq!(seen, expected.map(|(on, actor, sessions)| (on.to_string(), actor.to_string(), sessions)));

    // Replace::Scope keeps only the days handed in.
    let summary = store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Scope,
            &[activity(Source::ClaudeCodeAnalytics, "2026-05-04", "ana@example.com", 2)],
        )
        .unwrap();
    assert_eq!((summary.files_written, summary.files_removed), (1, 2));
    assert_eq!(store.totals().unwrap().overall.activity_rows, 2);
}

#[test]
fn an_activity_line_from_another_source_is_rejected_before_anything_is_written() {
    let (_directory, store) = fresh_store();
    let lines = [
        activity(Source::ClaudeCodeAnalytics, "2026-05-01", "ana@example.com", 1),
        activity(Source::Otel, "2026-05-02", "ana@example.com", 1),
    ];
    let error = store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &lines).unwrap_err();
    assert!(matches!(error, StoreError::InvalidInput { .. }), "{error}");
    assert_eq!(store.totals().unwrap().overall.activity_rows, 0);
    assert!(matches!(store.replace_activity(Source::Otel, "", Replace::Days, &[]), Err(StoreError::InvalidInput { .. })));
}

//! The activity table: per-day filtering, ordering, and its place in totals and the span.

use spendlens_model::{Period, Source};
use spendlens_store::Lake;
use spendlens_store::{Replace, Totals};

use crate::support::{activity, cost, day, fresh_store, usage};

#[test]
fn totals_count_activity_rows_per_source_and_overall() {
    let (_directory, store) = fresh_store();
    let analytics = [
        activity(Source::ClaudeCodeAnalytics, "2026-09-01", "ana@example.com", 1),
        activity(Source::ClaudeCodeAnalytics, "2026-09-01", "bo@example.com", 2),
        activity(Source::ClaudeCodeAnalytics, "2026-09-02", "ana@example.com", 3),
    ];
    store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &analytics).unwrap();
    store
        .replace_activity(Source::Otel, "ana@example.com", Replace::Days, &[activity(Source::Otel, "2026-09-01", "ana@example.com", 1)])
        .unwrap();
    store.replace_usage(Source::Otel, "ana@example.com", Replace::Days, &[usage(Source::Otel, "2026-09-01T10:00:00Z", 5, 6)]).unwrap();

    let totals = store.totals().unwrap();
    assert_eq!(totals.by_source[&Source::ClaudeCodeAnalytics], Totals { activity_rows: 3, ..Totals::default() });
    assert_eq!(totals.by_source[&Source::Otel].activity_rows, 1);
    assert_eq!(totals.by_source[&Source::Otel].usage_rows, 1);
    assert_eq!(totals.by_source.len(), 2);
    assert_eq!((totals.overall.activity_rows, totals.overall.usage_rows, totals.overall.cost_rows), (4, 1, 0));
    assert_eq!(totals.overall.tokens.input, 5);
}

#[test]
fn period_filters_activity_by_day_and_order_is_day_then_actor() {
    let (_directory, store) = fresh_store();
    // Two sources and two scopes on the same day: all of them count.
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Days,
            &[
                activity(Source::ClaudeCodeAnalytics, "2026-09-02", "bo@example.com", 1),
                activity(Source::ClaudeCodeAnalytics, "2026-09-01", "cy@example.com", 1),
                activity(Source::ClaudeCodeAnalytics, "2026-09-03", "ana@example.com", 1),
            ],
        )
        .unwrap();
    store
        .replace_activity(Source::Otel, "ana@example.com", Replace::Days, &[activity(Source::Otel, "2026-09-02", "ana@example.com", 7)])
        .unwrap();
    store
        .replace_activity(Source::Otel, "cy@example.com", Replace::Days, &[activity(Source::Otel, "2026-09-02", "cy@example.com", 8)])
        .unwrap();

    let seen = |period| -> Vec<(String, String, Source)> {
        store.activity(period).unwrap().into_iter().map(|line| (line.day.to_string(), line.actor_email.unwrap(), line.source)).collect()
    };
    let row = |on: &str, actor: &str, source| (on.to_string(), actor.to_string(), source);
    assert_eq!(
        seen(None),
        [
            row("2026-09-01", "cy@example.com", Source::ClaudeCodeAnalytics),
            row("2026-09-02", "ana@example.com", Source::Otel),
            row("2026-09-02", "bo@example.com", Source::ClaudeCodeAnalytics),
            row("2026-09-02", "cy@example.com", Source::Otel),
            row("2026-09-03", "ana@example.com", Source::ClaudeCodeAnalytics),
        ]
    );
    let second = Period::new(day("2026-09-02"), day("2026-09-03"));
    assert_eq!(seen(Some(second)).len(), 3);
    assert!(seen(Some(second)).iter().all(|(on, _, _)| on == "2026-09-02"));
    assert_eq!(seen(Some(Period::new(day("2026-10-01"), day("2026-11-01")))), []);
}

#[test]
fn usage_span_covers_days_with_only_activity() {
    let (_directory, store) = fresh_store();
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Days,
            &[activity(Source::ClaudeCodeAnalytics, "2026-09-05", "ana@example.com", 1)],
        )
        .unwrap();
    assert_eq!(store.usage_span().unwrap(), Some((day("2026-09-05"), day("2026-09-05"))));

    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[cost(Source::AdminCost, "2026-09-07", "1")]).unwrap();
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Days,
            &[activity(Source::ClaudeCodeAnalytics, "2026-09-01", "ana@example.com", 1)],
        )
        .unwrap();
    assert_eq!(store.usage_span().unwrap(), Some((day("2026-09-01"), day("2026-09-07"))));
}

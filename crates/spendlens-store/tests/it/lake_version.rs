//! The lake's version of a span of days: it changes with every write a reader of those days
//! would see (their usage, cost and activity files; the directory and the roster, read whole), and
//! with nothing else (other days' files, the rollup summaries, which change how a day is read,
//! never what it holds).

use spendlens_model::{DirectoryEntry, DirectoryKind, Period, Source};
use spendlens_store::{Lake, Replace};

use crate::support::{activity, cost, day, fresh_store, usage};

#[test]
fn a_span_s_version_follows_the_writes_its_readers_see() {
    let (_directory, store) = fresh_store();
    let october = Period::parse_month("2026-10").unwrap();
    let version = || store.version(Some(october)).unwrap().expect("the local store versions its days");
    let empty = version();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-10-05T09:00:00Z", 10, 1)]).unwrap();
    let with_usage = version();
    assert_ne!(with_usage, empty);
    assert_eq!(version(), with_usage, "a read changes nothing");

    // Another month's days: October's version stands; the whole lake's moves.
    let whole = store.version(None).unwrap();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-11-02T09:00:00Z", 10, 1)]).unwrap();
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[cost(Source::AdminCost, "2026-09-30", "1.00")]).unwrap();
    assert_eq!(version(), with_usage);
    assert_ne!(store.version(None).unwrap(), whole);

    // A day's usage rewritten with other tokens, its cost, its activity: each moves it.
    let mut seen = vec![with_usage];
    let mut moved = |what: &str| {
        let now = version();
        assert!(!seen.contains(&now), "{what} did not move October's version");
        seen.push(now);
    };
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-10-05T09:00:00Z", 11, 1)]).unwrap();
    moved("usage rewritten");
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[cost(Source::AdminCost, "2026-10-05", "2.00")]).unwrap();
    moved("a cost line");
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Days,
            &[activity(Source::ClaudeCodeAnalytics, "2026-10-06", "a@example.com", 1)],
        )
        .unwrap();
    moved("activity");
    // Read whole whatever the span: the directory, and the roster's seats (filed under their
    // start day, here before October).
    let key = DirectoryEntry {
        kind: DirectoryKind::ApiKey,
        id: "apikey_1".into(),
        name: Some("one".into()),
        email: None,
        workspace_id: None,
        created_by: None,
        status: None,
    };
    store.replace_directory(Source::AdminDirectory, "api_keys", &[key]).unwrap();
    moved("the directory");
    store.replace_cost(Source::Roster, "roster", Replace::Scope, &[cost(Source::Roster, "2026-01-01", "30.00")]).unwrap();
    moved("the roster");
    // A day's usage removed.
    store.replace_usage(Source::AdminUsage, "org", Replace::DaysOf([day("2026-10-05")].into_iter().collect()), &[]).unwrap();
    moved("usage removed");

    // The rollup summaries remade from nothing: the version stands.
    let before = version();
    for summary in crate::support::files_under(_directory.path(), |path| path.to_string_lossy().contains("usage_rollup")) {
        std::fs::remove_file(summary).unwrap();
    }
    store.refresh_rollups().unwrap();
    assert_eq!(version(), before);
}

//! A write that dies between its synced temporary file and the rename leaves the old state whole.

use spendlens_model::Source;
use spendlens_store::Lake;
use spendlens_store::{Replace, Store, StoreError};

use crate::support::{activity, cost, usage};

fn temporary_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    crate::support::files_under(root, |path| path.file_name().unwrap().to_string_lossy().contains(".tmp-"))
}

#[test]
fn a_crash_before_rename_keeps_the_previous_state_and_the_next_writer_cleans_up() {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    let before = [usage(Source::AdminUsage, "2026-06-01T00:00:00Z", 100, 10), usage(Source::AdminUsage, "2026-06-02T00:00:00Z", 200, 20)];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &before).unwrap();
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[cost(Source::AdminCost, "2026-06-01", "7.25")]).unwrap();
    let totals = store.totals().unwrap();
    let rollups = store.usage_rollup(None).unwrap();

    store.fail_next_write_before_rename();
    let after = [usage(Source::AdminUsage, "2026-06-01T00:00:00Z", 999, 999)];
    let error = store.replace_usage(Source::AdminUsage, "org", Replace::Days, &after).unwrap_err();
    let StoreError::InjectedFailure { path } = &error else { panic!("unexpected error {error}") };
    assert!(path.is_file(), "the synced temporary file is left behind");
    assert_eq!(temporary_files(directory.path()), vec![path.clone()]);

    // Readers never list the temporary file: the old state is whole.
    assert_eq!(store.totals().unwrap(), totals);
    assert_eq!(store.usage_rollup(None).unwrap(), rollups);

    // The failure is one-shot: later writes go through.
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[cost(Source::AdminCost, "2026-06-01", "7.25")]).unwrap();
    drop(store);

    let reopened = Store::open(directory.path()).unwrap();
    assert_eq!(temporary_files(directory.path()).len(), 1, "a reader deletes no one's temporary files");
    let _lock = reopened.lock_writer(&|| panic!("no one else holds the lock")).unwrap();
    assert!(temporary_files(directory.path()).is_empty(), "the next writer removed the stale temporary file");
    assert_eq!(reopened.totals().unwrap(), totals);
    assert_eq!(reopened.usage_rollup(None).unwrap(), rollups);
}

#[test]
fn a_crash_in_a_snapshot_write_keeps_the_old_snapshot() {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    let roster = [cost(Source::Roster, "2026-06-01", "30"), cost(Source::Roster, "2026-07-01", "30")];
    store.replace_cost(Source::Roster, "roster", Replace::Scope, &roster).unwrap();
    let before = store.cost_lines(None).unwrap();

    store.fail_next_write_before_rename();
    assert!(store.replace_cost(Source::Roster, "roster", Replace::Scope, &[cost(Source::Roster, "2026-08-01", "45")]).is_err());
    // The failed write deleted nothing: deletions only follow successful writes.
    assert_eq!(store.cost_lines(None).unwrap(), before);
    drop(store);
    assert_eq!(Store::open(directory.path()).unwrap().cost_lines(None).unwrap(), before);
}

#[test]
fn a_crash_in_an_activity_write_keeps_the_previous_state() {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    let before = [activity(Source::Otel, "2026-06-01", "ana@example.com", 3), activity(Source::Otel, "2026-06-02", "ana@example.com", 4)];
    store.replace_activity(Source::Otel, "org", Replace::Days, &before).unwrap();
    let (lines, totals) = (store.activity(None).unwrap(), store.totals().unwrap());

    store.fail_next_write_before_rename();
    let after = [activity(Source::Otel, "2026-06-01", "ana@example.com", 99)];
    let error = store.replace_activity(Source::Otel, "org", Replace::Scope, &after).unwrap_err();
    let StoreError::InjectedFailure { path } = &error else { panic!("unexpected error {error}") };
    assert_eq!(temporary_files(directory.path()), vec![path.clone()]);
    // Neither the rewrite nor the snapshot's deletion of 2026-06-02 happened.
    assert_eq!(store.activity(None).unwrap(), lines);
    assert_eq!(store.totals().unwrap(), totals);
    drop(store);

    let reopened = Store::open(directory.path()).unwrap();
    assert_eq!(temporary_files(directory.path()).len(), 1, "a reader deletes no one's temporary files");
    let _lock = reopened.lock_writer(&|| panic!("no one else holds the lock")).unwrap();
    assert!(temporary_files(directory.path()).is_empty(), "the next writer removed the stale temporary file");
    assert_eq!(reopened.activity(None).unwrap(), lines);
}

#[test]
fn a_crash_in_a_write_of_several_days_renames_none_of_them() {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(directory.path()).unwrap();
    let before = [usage(Source::AdminUsage, "2026-06-01T00:00:00Z", 100, 10), usage(Source::AdminUsage, "2026-06-02T00:00:00Z", 200, 20)];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &before).unwrap();
    let (totals, rollups) = (store.totals().unwrap(), store.usage_rollup(None).unwrap());

    // Two days already stored and one new day, in one write: all synced, none renamed.
    store.fail_next_write_before_rename();
    let after = [
        usage(Source::AdminUsage, "2026-06-01T00:00:00Z", 1, 1),
        usage(Source::AdminUsage, "2026-06-02T00:00:00Z", 2, 2),
        usage(Source::AdminUsage, "2026-06-03T00:00:00Z", 3, 3),
    ];
    assert!(matches!(store.replace_usage(Source::AdminUsage, "org", Replace::Days, &after), Err(StoreError::InjectedFailure { .. })));
    assert_eq!(temporary_files(directory.path()).len(), 3, "each day's synced temporary file is left, as a crash leaves it");
    assert_eq!(store.totals().unwrap(), totals);
    assert_eq!(store.usage_rollup(None).unwrap(), rollups);
    drop(store);

    let reopened = Store::open(directory.path()).unwrap();
    assert_eq!(temporary_files(directory.path()).len(), 3, "a reader deletes no one's temporary files");
    let _lock = reopened.lock_writer(&|| panic!("no one else holds the lock")).unwrap();
    assert!(temporary_files(directory.path()).is_empty());
    assert_eq!(reopened.usage_rollup(None).unwrap(), rollups);
    // The same write, not failed, replaces all three days.
    reopened.replace_usage(Source::AdminUsage, "org", Replace::Days, &after).unwrap();
    assert_eq!(reopened.usage_rollup(None).unwrap().len(), 3);
}

#[test]
fn regression_opening_the_store_deletes_no_temporary_file_of_a_running_writer() {
    let directory = tempfile::tempdir().unwrap();
    let writer = Store::open(directory.path()).unwrap();
    let lock = writer.lock_writer(&|| panic!("no one else holds the lock")).unwrap();
    writer.fail_next_write_before_rename();
    let lines = [usage(Source::AdminUsage, "2026-06-01T00:00:00Z", 1, 1)];
    let Err(StoreError::InjectedFailure { path }) = writer.replace_usage(Source::AdminUsage, "org", Replace::Days, &lines) else {
        panic!("the injected failure")
    };
    // A `report` opens the same store while the writer still holds its temporary file.
    let reader = Store::open(directory.path()).unwrap();
    reader.totals().unwrap();
    assert!(path.is_file(), "the writer's temporary file is still there");

    // A second writer waits for the lock, and cleans up only once it holds it.
    let (sender, receiver) = std::sync::mpsc::channel();
    let root = directory.path().to_path_buf();
    let second = std::thread::spawn(move || {
        let store = Store::open(&root).unwrap();
        let _held = store.lock_writer(&|| sender.send("busy").unwrap()).unwrap();
    });
    assert_eq!(receiver.recv_timeout(std::time::Duration::from_secs(10)).unwrap(), "busy");
    assert!(path.is_file(), "a waiting writer deletes nothing");
    drop(lock);
    second.join().unwrap();
    assert!(!path.exists(), "the next holder removed what the dead write left");
}

//! A damaged or misplaced data file is reported by path, never skipped.

use spendlens_model::Source;
use spendlens_store::Lake;
use spendlens_store::{Replace, Store, StoreError};

use crate::support::{activity, fresh_store, usage};

fn expect_corrupt(result: Result<impl std::fmt::Debug, StoreError>, file: &std::path::Path) -> String {
    match result {
        Err(StoreError::Corrupt { path, detail }) => {
            assert_eq!(path, file);
            let message = StoreError::Corrupt { path, detail }.to_string();
            assert!(message.contains(&file.display().to_string()), "{message}");
            message
        }
        other => panic!("expected Corrupt naming {}, got {other:?}", file.display()),
    }
}

#[test]
fn a_garbage_parquet_file_is_corrupt_and_named() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let garbage = directory.path().join("lake/usage/source=admin_usage/day=2026-07-02/broken.parquet");
    std::fs::create_dir_all(garbage.parent().unwrap()).unwrap();
    std::fs::write(&garbage, b"this is not parquet").unwrap();

    let message = expect_corrupt(store.usage_rollup(None), &garbage);
    assert!(message.contains("not a valid Parquet file"), "{message}");
    expect_corrupt(store.totals(), &garbage);
    expect_corrupt(store.usage_span(), &garbage);
    // A fresh store sees it too.
    drop(store);
    expect_corrupt(Store::open(directory.path()).unwrap().usage_lines(None), &garbage);
}

/// Rewrites a file's metadata value in place: "spendlens.schema_version" then this build's
/// version (one digit) becomes "9".
fn claim_schema_version_9(file: &std::path::Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let key = b"spendlens.schema_version";
    let version = spendlens_store::SCHEMA_VERSION.to_string().as_bytes()[0];
    let at = bytes.windows(key.len()).rposition(|window| window == key).unwrap();
    let value = bytes[at + key.len()..].iter().position(|byte| *byte == version).unwrap() + at + key.len();
    bytes[value] = b'9';
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_file_with_a_newer_schema_version_is_corrupt() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let file =
        directory.path().join(format!("lake/usage/source=admin_usage/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));
    claim_schema_version_9(&file);

    let message = expect_corrupt(store.usage_rollup(None), &file);
    assert!(message.contains("schema version 9"), "{message}");
}

#[test]
fn misplaced_files_and_unknown_sources_are_corrupt() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let good =
        directory.path().join(format!("lake/usage/source=admin_usage/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));

    let misplaced = directory.path().join(format!("lake/usage/source=admin_usage/{}", spendlens_store::scope_file("org").unwrap()));
    std::fs::copy(&good, &misplaced).unwrap();
    expect_corrupt(store.usage_rollup(None), &misplaced);
    std::fs::remove_file(&misplaced).unwrap();

    let unknown = directory.path().join(format!("lake/usage/source=bogus/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));
    std::fs::create_dir_all(unknown.parent().unwrap()).unwrap();
    std::fs::copy(&good, &unknown).unwrap();
    let message = expect_corrupt(store.usage_rollup(None), &unknown);
    assert!(message.contains("source=bogus"), "{message}");
    std::fs::remove_file(&unknown).unwrap();

    // A usage file where a cost file belongs lacks the cost columns.
    let wrong_table =
        directory.path().join(format!("lake/cost/source=admin_cost/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));
    std::fs::create_dir_all(wrong_table.parent().unwrap()).unwrap();
    std::fs::copy(&good, &wrong_table).unwrap();
    let message = expect_corrupt(store.cost_lines(None), &wrong_table);
    assert!(message.contains("missing"), "{message}");
    std::fs::remove_file(&wrong_table).unwrap();

    assert_eq!(store.totals().unwrap().overall.usage_rows, 1);
}

#[test]
fn activity_files_are_checked_like_the_others() {
    let (directory, store) = fresh_store();
    let lake = directory.path().join("lake");
    store.replace_activity(Source::Otel, "org", Replace::Days, &[activity(Source::Otel, "2026-07-01", "ana@example.com", 1)]).unwrap();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let good = lake.join(format!("activity/source=otel/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));
    let good_usage = lake.join(format!("usage/source=admin_usage/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()));

    // A file in the wrong table, both ways round.
    let usage_in_activity = lake.join("activity/source=admin_usage/day=2026-07-01/stray.parquet");
    std::fs::create_dir_all(usage_in_activity.parent().unwrap()).unwrap();
    std::fs::copy(&good_usage, &usage_in_activity).unwrap();
    let message = expect_corrupt(store.activity(None), &usage_in_activity);
    assert!(message.contains("missing"), "{message}");
    expect_corrupt(store.totals(), &usage_in_activity);
    expect_corrupt(store.usage_span(), &usage_in_activity);
    std::fs::remove_file(&usage_in_activity).unwrap();

    let activity_in_usage = lake.join("usage/source=otel/day=2026-07-01/stray.parquet");
    std::fs::create_dir_all(activity_in_usage.parent().unwrap()).unwrap();
    std::fs::copy(&good, &activity_in_usage).unwrap();
    expect_corrupt(store.usage_lines(None), &activity_in_usage);
    std::fs::remove_file(&activity_in_usage).unwrap();

    // Bad partition names, and a file above the day partitions.
    for (stray, named) in [
        (format!("activity/source=bogus/day=2026-07-01/{}", spendlens_store::scope_file("org").unwrap()), "source=bogus"),
        (format!("activity/source=otel/day=2026-7-1/{}", spendlens_store::scope_file("org").unwrap()), "day=2026-7-1"),
        // The message names the expected place, separator included.
        (
            format!("activity/source=otel/{}", spendlens_store::scope_file("org").unwrap()),
            "lake/activity/source=<source>/day=<YYYY-MM-DD>/",
        ),
    ] {
        let stray = lake.join(stray);
        std::fs::create_dir_all(stray.parent().unwrap()).unwrap();
        std::fs::copy(&good, &stray).unwrap();
        let message = expect_corrupt(store.activity(None), &stray);
        assert!(message.contains(named), "{message}");
        std::fs::remove_file(&stray).unwrap();
    }

    // A newer schema version.
    let newer = lake.join("activity/source=otel/day=2026-07-02/newer.parquet");
    std::fs::create_dir_all(newer.parent().unwrap()).unwrap();
    std::fs::copy(&good, &newer).unwrap();
    claim_schema_version_9(&newer);
    let message = expect_corrupt(store.activity(None), &newer);
    assert!(message.contains("schema version 9"), "{message}");
    std::fs::remove_file(&newer).unwrap();

    assert_eq!(store.activity(None).unwrap().len(), 1);
    assert_eq!(store.totals().unwrap().overall.activity_rows, 1);
}

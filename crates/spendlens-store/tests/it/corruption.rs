//! A damaged or misplaced data file is reported by path, never skipped.

use spendlens_model::Source;
use spendlens_store::{Replace, Store, StoreError};

use crate::support::{fresh_store, usage};

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

#[test]
fn a_file_with_a_newer_schema_version_is_corrupt() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let file = directory.path().join("lake/usage/source=admin_usage/day=2026-07-01/org.parquet");
    // Rewrite the metadata value in place: "spendlens.schema_version" then "1" becomes "9".
    let mut bytes = std::fs::read(&file).unwrap();
    let key = b"spendlens.schema_version";
    let at = bytes.windows(key.len()).rposition(|window| window == key).unwrap();
    let value = bytes[at + key.len()..].iter().position(|byte| *byte == b'1').unwrap() + at + key.len();
    bytes[value] = b'9';
    std::fs::write(&file, bytes).unwrap();

    let message = expect_corrupt(store.usage_rollup(None), &file);
    assert!(message.contains("schema version 9"), "{message}");
}

#[test]
fn misplaced_files_and_unknown_sources_are_corrupt() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-07-01T00:00:00Z", 1, 1)]).unwrap();
    let good = directory.path().join("lake/usage/source=admin_usage/day=2026-07-01/org.parquet");

    let misplaced = directory.path().join("lake/usage/source=admin_usage/org.parquet");
    std::fs::copy(&good, &misplaced).unwrap();
    expect_corrupt(store.usage_rollup(None), &misplaced);
    std::fs::remove_file(&misplaced).unwrap();

    let unknown = directory.path().join("lake/usage/source=bogus/day=2026-07-01/org.parquet");
    std::fs::create_dir_all(unknown.parent().unwrap()).unwrap();
    std::fs::copy(&good, &unknown).unwrap();
    let message = expect_corrupt(store.usage_rollup(None), &unknown);
    assert!(message.contains("source=bogus"), "{message}");
    std::fs::remove_file(&unknown).unwrap();

    // A usage file where a cost file belongs lacks the cost columns.
    let wrong_table = directory.path().join("lake/cost/source=admin_cost/day=2026-07-01/org.parquet");
    std::fs::create_dir_all(wrong_table.parent().unwrap()).unwrap();
    std::fs::copy(&good, &wrong_table).unwrap();
    let message = expect_corrupt(store.cost_lines(None), &wrong_table);
    assert!(message.contains("missing"), "{message}");
    std::fs::remove_file(&wrong_table).unwrap();

    assert_eq!(store.totals().unwrap().overall.usage_rows, 1);
}

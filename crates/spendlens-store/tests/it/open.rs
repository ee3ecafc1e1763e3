//! Opening a data directory: creating the lake, refusing newer or damaged markers.

use spendlens_store::Lake;
use spendlens_store::{Store, StoreError};

#[test]
fn an_empty_lake_answers_empty_results() {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(&directory.path().join("not-yet-created")).unwrap();
    assert_eq!(store.usage_rollup(None).unwrap(), vec![]);
    assert_eq!(store.usage_lines(None).unwrap(), vec![]);
    assert_eq!(store.cost_lines(None).unwrap(), vec![]);
    assert_eq!(store.directory().unwrap(), vec![]);
    assert_eq!(store.activity(None).unwrap(), vec![]);
    assert_eq!(store.usage_span().unwrap(), None);
    assert_eq!(store.totals().unwrap(), Default::default());
    drop(store);
    // Reopening an existing lake works and keeps the marker.
    Store::open(&directory.path().join("not-yet-created")).unwrap();
}

fn lake_with_marker(contents: &str) -> tempfile::TempDir {
    let directory = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(directory.path().join("lake")).unwrap();
    std::fs::write(directory.path().join("lake/_spendlens.json"), contents).unwrap();
    directory
}

#[test]
fn a_newer_schema_version_asks_for_an_upgrade_and_changes_nothing() {
    let marker = r#"{"format":"spendlens-lake","schema_version":99}"#;
    let directory = lake_with_marker(marker);
    // A stale temporary file must survive a refused open.
    let leftover = directory.path().join("lake/.org.parquet.tmp-1-1");
    std::fs::write(&leftover, b"partial").unwrap();

    let error = Store::open(directory.path()).unwrap_err();
    match &error {
        StoreError::NewerSchema { path, found, supported } => {
            assert_eq!((*found, *supported), (99, spendlens_store::SCHEMA_VERSION));
            assert!(path.ends_with("lake/_spendlens.json"));
        }
        other => panic!("expected NewerSchema, got {other}"),
    }
    assert!(error.to_string().contains("upgrade spendlens"), "{error}");
    assert_eq!(std::fs::read_to_string(directory.path().join("lake/_spendlens.json")).unwrap(), marker);
    assert!(leftover.is_file());
    assert!(!directory.path().join("lake/usage").exists());
}

#[test]
fn a_garbage_or_foreign_marker_is_corrupt() {
    for contents in [
        "not json at all",
        r#"{"format":"something-else","schema_version":1}"#,
        r#"{"format":"spendlens-lake"}"#,
        r#"{"format":"spendlens-lake","schema_version":0}"#,
    ] {
        let directory = lake_with_marker(contents);
        let error = Store::open(directory.path()).unwrap_err();
        assert!(matches!(&error, StoreError::Corrupt { path, .. } if path.ends_with("_spendlens.json")), "{contents}: {error}");
        assert_eq!(std::fs::read_to_string(directory.path().join("lake/_spendlens.json")).unwrap(), contents);
    }
}

#[test]
fn unknown_marker_fields_are_tolerated() {
    let directory = lake_with_marker(r#"{"format":"spendlens-lake","schema_version":1,"created_by":"spendlens 0.1.0"}"#);
    Store::open(directory.path()).unwrap();
}

#[test]
fn the_store_is_shareable_and_works_inside_another_runtime() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Store>();

    let directory = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let store = Store::open(directory.path()).unwrap();
        assert_eq!(store.totals().unwrap(), Default::default());
        drop(store);
        std::fs::write(directory.path().join("lake/_spendlens.json"), "garbage").unwrap();
        assert!(matches!(Store::open(directory.path()), Err(StoreError::Corrupt { .. })));
    });
}

#[test]
fn a_lake_from_before_the_activity_table_opens_and_gains_it() {
    let directory = lake_with_marker(r#"{"format":"spendlens-lake","schema_version":1}"#);
    for table in ["usage", "cost", "directory"] {
        std::fs::create_dir_all(directory.path().join("lake").join(table)).unwrap();
    }
    let store = Store::open(directory.path()).unwrap();
    assert!(directory.path().join("lake/activity").is_dir());
    assert_eq!(store.activity(None).unwrap(), vec![]);
    assert_eq!(store.usage_span().unwrap(), None);
}

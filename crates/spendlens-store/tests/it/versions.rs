//! Lakes written by an older build: a version-1 file (without the columns version 2 added) reads
//! with those columns absent, through whole-lake and scoped reads alike, and a newer write keeps
//! both. A file written by a newer build is refused by every read, naming it.

use std::sync::Arc;

use arrow_array::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use spendlens_model::{ActivityLine, Source};
use spendlens_store::{Lake, LakeExt, Replace, UsageDetail};

use crate::support::{activity, day, fresh_store, usage};

/// Rewrites every Parquet file under `dir` as version 1 wrote it: without the version-2 columns,
/// its metadata saying version 1.
pub(crate) fn as_version_1(dir: &std::path::Path) {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "parquet") {
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap()).unwrap().build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let keep: Vec<usize> = batches[0]
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, field)| !["account_id", "service_account_id", "actor_type"].contains(&field.name().as_str()))
            .map(|(index, _)| index)
            .collect();
        let schema = Arc::new(batches[0].schema().project(&keep).unwrap());
        let properties = WriterProperties::builder()
            .set_key_value_metadata(Some(vec![KeyValue::new("spendlens.schema_version".into(), "1".to_string())]))
            .build();
        let mut writer = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, Some(properties)).unwrap();
        for batch in batches {
            writer.write(&batch.project(&keep).unwrap()).unwrap();
        }
        writer.close().unwrap();
    }
}

#[test]
fn a_version_1_lake_reads_with_the_new_columns_absent() {
    let (directory, store) = fresh_store();
    let mut line = usage(Source::Transcript, "2026-10-02T09:00:00Z", 100, 20);
    line.identity.actor_email = Some("ana@example.com".into());
    store.replace_usage(Source::Transcript, "ana@example.com", Replace::Days, std::slice::from_ref(&line)).unwrap();
    store
        .replace_activity(
            Source::ClaudeCodeAnalytics,
            "org",
            Replace::Days,
            &[activity(Source::ClaudeCodeAnalytics, "2026-10-02", "ana@example.com", 3)],
        )
        .unwrap();
    as_version_1(&directory.path().join("lake"));
    std::fs::write(directory.path().join("lake/_spendlens.json"), "{\"format\":\"spendlens-lake\",\"schema_version\":1}\n").unwrap();
    drop(store);
    let store = spendlens_store::Store::open(directory.path()).unwrap();

    assert_eq!(store.usage_lines(None).unwrap(), vec![line.clone()], "whole-lake reads fill the absent columns with nothing");
    assert_eq!(store.scope_usage_lines(Source::Transcript, "ana@example.com", None, UsageDetail::Full).unwrap(), vec![line.clone()]);
    let rollup = store.usage_rollup(None).unwrap();
    assert_eq!((rollup.len(), rollup[0].account_id.clone()), (1, None));
    let stored: Vec<ActivityLine> = store.activity(None).unwrap();
    assert_eq!((stored.len(), stored[0].actor_type.clone(), stored[0].sessions), (1, None, 3));
    assert!(store.unknown_values(None).unwrap().is_empty());

    // A version-2 file beside them: both read.
    let mut newer = usage(Source::Transcript, "2026-10-03T09:00:00Z", 7, 1);
    newer.identity.actor_email = Some("ana@example.com".into());
    newer.identity.account_id = Some("user_01".into());
    store.replace_usage(Source::Transcript, "ana@example.com", Replace::Days, std::slice::from_ref(&newer)).unwrap();
    assert_eq!(store.usage_lines(None).unwrap(), vec![line, newer]);
    assert_eq!(store.scope_usage_days(Source::Transcript, "ana@example.com", None).unwrap(), vec![day("2026-10-02"), day("2026-10-03")]);
    // The first write raised the marker: an older build now refuses the lake up front.
    let marker: serde_json::Value = serde_json::from_slice(&std::fs::read(directory.path().join("lake/_spendlens.json")).unwrap()).unwrap();
    assert_eq!(marker["schema_version"], spendlens_store::SCHEMA_VERSION);
}

/// Rewrites one Parquet file with its columns as they are and its metadata naming `version`.
pub(crate) fn with_schema_version(file: &std::path::Path, version: u64) {
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file).unwrap()).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new("spendlens.schema_version".into(), version.to_string())]))
        .build();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(file).unwrap(), batches[0].schema(), Some(properties)).unwrap();
    for batch in batches {
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
}

#[test]
fn a_file_of_a_newer_schema_is_refused_by_every_read_naming_it() {
    let (directory, store) = fresh_store();
    let early = usage(Source::AdminUsage, "2026-10-01T09:00:00Z", 1, 1);
    let late = usage(Source::AdminUsage, "2026-10-20T09:00:00Z", 1, 1);
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[early, late]).unwrap();
    let file = directory.path().join("lake/usage/source=admin_usage/day=2026-10-20").join(spendlens_store::scope_file("org").unwrap());
    with_schema_version(&file, spendlens_store::SCHEMA_VERSION + 1);
    let refused = |error: spendlens_store::StoreError| match error {
        spendlens_store::StoreError::Corrupt { path, detail } => {
            assert!(detail.contains("newer than this build's"), "{detail}");
            path
        }
        other => panic!("{other}"),
    };
    // Reads of days before it check it too: a lake is read whole or not at all.
    let before = Some(spendlens_model::Period { start: day("2026-10-01"), end: day("2026-10-02") });
    assert_eq!(refused(store.usage_lines(before).unwrap_err()), file);
    assert_eq!(refused(store.usage_rollup(before).unwrap_err()), file);
    assert_eq!(refused(store.hour_profiles(Source::AdminUsage, before).unwrap_err()), file);
    assert_eq!(refused(store.unknown_values(None).unwrap_err()), file);
    assert_eq!(refused(store.usage_span().unwrap_err()), file);
    assert_eq!(refused(store.totals().unwrap_err()), file);
    // The scoped read of that day refuses it as well; the day before still reads.
    let days = store.scope_usage_days(Source::AdminUsage, "org", None).unwrap();
    assert_eq!(days, vec![day("2026-10-01"), day("2026-10-20")]);
    assert_eq!(store.scope_usage_lines(Source::AdminUsage, "org", before, UsageDetail::Full).unwrap().len(), 1);
    assert!(store.scope_usage_lines(Source::AdminUsage, "org", None, UsageDetail::Full).is_err());
}

//! Lakes written by an older build: a version-1 file (without the columns version 2 added) reads
//! with those columns absent, through SQL and direct reads alike, and a newer write keeps both.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use spendlens_model::{ActivityLine, Source};
use spendlens_store::{Lake, LakeExt, Replace, UsageDetail};

use crate::support::{activity, day, fresh_store, usage};

/// Rewrites every Parquet file under `dir` as version 1 wrote it: without the version-2 columns,
/// its metadata saying version 1.
fn as_version_1(dir: &std::path::Path) {
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

    assert_eq!(store.usage_lines(None).unwrap(), vec![line.clone()], "SQL reads fill the absent columns with nothing");
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

//! The day rollup's summaries, kept at write time: the rollup read from them is the rollup read
//! from the lines, whatever happened to them (removed, stale, unreadable, several scopes sharing
//! sessions), and `refresh_rollups` brings a lake from an earlier build up to date.

use std::path::{Path, PathBuf};

use spendlens_model::{Period, Source, UsageLine};
use spendlens_store::{Lake, Replace, RollupRefresh, Store};

use crate::support::{day, fresh_store, usage};

fn summaries(root: &Path) -> Vec<PathBuf> {
    crate::support::files_under(&root.join("lake/usage_rollup"), |_| true)
}

/// Lines over two days in two scopes, with sessions in each.
fn lines(session_prefix: &str, hours: std::ops::Range<u64>) -> Vec<UsageLine> {
    hours
        .map(|index| {
            let day = 1 + index % 2;
            let mut line =
                crate::support::usage(Source::Transcript, &format!("2026-05-0{day}T{:02}:00:00Z", index % 24), 10 + index, index);
            line.identity.actor_email = Some("ana@example.com".into());
            line.identity.session_id = Some(format!("{session_prefix}{}", index % 3));
            line.quantities.requests = (index % 2 == 0).then_some(index);
            line
        })
        .collect()
}

#[test]
fn a_write_keeps_a_summary_per_file_and_the_rollup_is_the_same_without_them() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::Transcript, "laptop", Replace::Days, &lines("a", 0..20)).unwrap();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-05-01T03:00:00Z", 5, 1)]).unwrap();
    assert_eq!(summaries(directory.path()).len(), 3, "one summary per usage file");
    let from_summaries = store.usage_rollup(None).unwrap();

    std::fs::remove_dir_all(directory.path().join("lake/usage_rollup")).unwrap();
    assert_eq!(store.usage_rollup(None).unwrap(), from_summaries, "read from the lines");

    let lock = store.lock_writer(&|| {}).unwrap();
    assert_eq!(store.refresh_rollups().unwrap(), RollupRefresh { current: 0, written: 3, usage_files_tagged: 0, removed: 0 });
    assert_eq!(store.refresh_rollups().unwrap(), RollupRefresh { current: 3, written: 0, usage_files_tagged: 0, removed: 0 });
    drop(lock);
    assert_eq!(store.usage_rollup(None).unwrap(), from_summaries);
}

#[test]
fn sessions_two_scopes_share_are_counted_once() {
    let (_directory, store) = fresh_store();
    let line = |hour: u32, session: &str| {
        let mut line = usage(Source::Transcript, &format!("2026-05-01T{hour:02}:00:00Z"), 1, 1);
        line.identity.actor_email = Some("ana@example.com".into());
        line.identity.session_id = Some(session.to_string());
        line
    };
    // The same group in two scopes: sessions s1 and s2 on the laptop, s2 again on the desktop.
    store.replace_usage(Source::Transcript, "laptop", Replace::Days, &[line(1, "s1"), line(2, "s2")]).unwrap();
    store.replace_usage(Source::Transcript, "desktop", Replace::Days, &[line(3, "s2")]).unwrap();
    let rollup = store.usage_rollup(None).unwrap();
    assert_eq!((rollup.len(), rollup[0].sessions, rollup[0].lines), (1, 2, 3), "two distinct sessions, three lines");

    // Sessions only one scope counts merge from the summaries.
    store
        .replace_usage(
            Source::Transcript,
            "desktop",
            Replace::Days,
            &[{
                let mut other = line(3, "s3");
                other.identity.session_id = None;
                other
            }],
        )
        .unwrap();
    let rollup = store.usage_rollup(None).unwrap();
    assert_eq!((rollup.len(), rollup[0].sessions, rollup[0].lines, rollup[0].quantities.tokens.input), (1, 2, 3, 3));
}

#[test]
fn one_group_in_two_scopes_sums_as_its_lines_do() {
    let (directory, store) = fresh_store();
    let line = |hour: u32, reported: Option<&str>, requests: Option<u64>| {
        let mut line = usage(Source::AdminUsage, &format!("2026-05-01T{hour:02}:00:00Z"), 10, 1);
        line.identity.api_key_id = Some("apikey_1".into());
        line.reported_cost = reported.map(|text| text.parse().unwrap());
        line.quantities.requests = requests;
        line
    };
    let other_key = {
        let mut other = line(5, None, None);
        other.identity.api_key_id = Some("apikey_2".into());
        other
    };
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[line(1, Some("0.10"), Some(2)), other_key]).unwrap();
    store.replace_usage(Source::AdminUsage, "eu", Replace::Days, &[line(2, Some("0.250"), None), line(3, None, None)]).unwrap();
    let rollup = store.usage_rollup(None).unwrap();
    let summed: Vec<_> = rollup
        .iter()
        .map(|row| (row.api_key_id.as_deref(), row.quantities.tokens.input, row.quantities.requests, row.reported_cost, row.lines))
        .collect();
    assert_eq!(summed, [(Some("apikey_1"), 30, Some(2), Some("0.35".parse().unwrap()), 3), (Some("apikey_2"), 10, None, None, 1)]);
    std::fs::remove_dir_all(directory.path().join("lake/usage_rollup")).unwrap();
    let from_lines = store.usage_rollup(None).unwrap();
    assert_eq!(from_lines, rollup);
    assert_eq!(
        from_lines.iter().map(|row| row.reported_cost.map(|money| money.to_string())).collect::<Vec<_>>(),
        rollup.iter().map(|row| row.reported_cost.map(|money| money.to_string())).collect::<Vec<_>>(),
        "the same dollars, spelled alike"
    );
}

#[test]
fn a_summary_of_an_earlier_write_or_an_unreadable_one_is_passed_over() {
    let (directory, store) = fresh_store();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-05-01T03:00:00Z", 100, 1)]).unwrap();
    let [summary] = summaries(directory.path()).try_into().unwrap();
    let earlier = std::fs::read(&summary).unwrap();

    // A crash between the usage file's replacement and its summary's leaves the earlier summary.
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &[usage(Source::AdminUsage, "2026-05-01T03:00:00Z", 999, 1)]).unwrap();
    assert_ne!(std::fs::read(&summary).unwrap(), earlier, "the summary follows its file");
    std::fs::write(&summary, &earlier).unwrap();
    let input = |store: &Store| store.usage_rollup(None).unwrap()[0].quantities.tokens.input;
    assert_eq!(input(&store), 999, "the earlier summary names another generation");

    std::fs::write(&summary, b"not parquet").unwrap();
    assert_eq!(input(&store), 999, "an unreadable summary is not used");

    let _lock = store.lock_writer(&|| {}).unwrap();
    assert_eq!(store.refresh_rollups().unwrap().written, 1);
    assert_eq!(input(&store), 999);
}

#[test]
fn an_emptied_day_loses_its_summary_and_a_refresh_removes_orphans() {
    let (directory, store) = fresh_store();
    let two_days = [usage(Source::AdminUsage, "2026-05-01T03:00:00Z", 1, 1), usage(Source::AdminUsage, "2026-05-02T03:00:00Z", 2, 1)];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &two_days).unwrap();
    assert_eq!(summaries(directory.path()).len(), 2);
    let kept = summaries(directory.path())[1].clone();
    let bytes = std::fs::read(&kept).unwrap();

    let may = Period::new(day("2026-05-01"), day("2026-06-01"));
    store.replace_usage(Source::AdminUsage, "org", Replace::DaysIn(may), &two_days[..1]).unwrap();
    assert_eq!(summaries(directory.path()).len(), 1, "the emptied day's summary went with its file");

    // A removal a crash cut short: the summary without its file is never read, and a refresh
    // removes it.
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::write(&kept, bytes).unwrap();
    assert_eq!(store.usage_rollup(None).unwrap().len(), 1);
    let _lock = store.lock_writer(&|| {}).unwrap();
    assert_eq!(store.refresh_rollups().unwrap(), RollupRefresh { current: 1, written: 0, usage_files_tagged: 0, removed: 1 });
    assert_eq!(summaries(directory.path()).len(), 1);
}

#[test]
fn a_refresh_gives_files_from_before_generations_one_with_the_same_lines() {
    let (directory, store) = fresh_store();
    let written = lines("a", 0..12);
    store.replace_usage(Source::Transcript, "laptop", Replace::Days, &written).unwrap();
    // Rewritten as an earlier build wrote them: no generation, no summary.
    crate::versions::as_version_1(&directory.path().join("lake"));
    std::fs::remove_dir_all(directory.path().join("lake/usage_rollup")).unwrap();
    std::fs::write(directory.path().join("lake/_spendlens.json"), "{\"format\":\"spendlens-lake\",\"schema_version\":1}\n").unwrap();
    drop(store);
    let store = Store::open(directory.path()).unwrap();
    let (lines_before, rollup_before) = (store.usage_lines(None).unwrap(), store.usage_rollup(None).unwrap());

    let _lock = store.lock_writer(&|| {}).unwrap();
    assert_eq!(store.refresh_rollups().unwrap(), RollupRefresh { current: 0, written: 2, usage_files_tagged: 2, removed: 0 });
    assert_eq!(store.usage_lines(None).unwrap(), lines_before, "the same lines");
    assert_eq!(store.usage_rollup(None).unwrap(), rollup_before);
    assert_eq!(summaries(directory.path()).len(), 2);
    let marker = std::fs::read_to_string(directory.path().join("lake/_spendlens.json")).unwrap();
    assert!(marker.contains("\"schema_version\":2"), "the marker is raised before a file of this build is written: {marker}");
}

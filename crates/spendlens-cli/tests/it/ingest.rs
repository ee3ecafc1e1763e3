//! Ingest: idempotent, atomic, and refusing bad input without touching the store.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{files_in, json, small_demo_sources, spendlens};

fn ingest_all(data: &Path, sources: &Path) {
    let usage = files_in(&sources.join("admin/usage_report_messages"), "json");
    let cost = files_in(&sources.join("admin/cost_report"), "json");
    let mut args = vec!["ingest", "admin-usage"];
    args.extend(usage.iter().map(String::as_str));
    crate::support::ok(data, &args);
    let mut args = vec!["ingest", "admin-cost"];
    args.extend(cost.iter().map(String::as_str));
    crate::support::ok(data, &args);
}

#[test]
fn ingesting_the_same_files_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    ingest_all(&data, &sources);
    let first = json(&data, &["status", "--json"]);
    let first_report = json(&data, &["report", "--month", "2026-10", "--json"]);
    ingest_all(&data, &sources);
    assert_eq!(json(&data, &["status", "--json"]), first);
    assert_eq!(json(&data, &["report", "--month", "2026-10", "--json"]), first_report);
    assert_ne!(first["cost_usd"], "0");
}

#[test]
fn a_malformed_file_is_named_and_the_store_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    ingest_all(&data, &sources);
    let before = json(&data, &["status", "--json"]);

    // A good page, then one cut short mid-way: nothing of either may be stored.
    let pages = files_in(&sources.join("admin/cost_report"), "json");
    let text = std::fs::read_to_string(&pages[0]).unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, &text[..text.len() / 2]).unwrap();
    let output = spendlens(&data, &["ingest", "admin-cost", &pages[0], broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(65));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}: line ", broken.display())), "{stderr}");
    assert_eq!(json(&data, &["status", "--json"]), before);

    // A wrong value names its field (the last page, which ends the answer).
    let wrong = dir.path().join("wrong.json");
    let last = std::fs::read_to_string(pages.last().unwrap()).unwrap();
    std::fs::write(&wrong, last.replacen("\"amount\":\"", "\"amount\":\"12,", 1)).unwrap();
    let output = spendlens(&data, &["ingest", "admin-cost", wrong.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(65));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(".amount: \"12,") && stderr.contains("is not a decimal amount of cents"), "{stderr}");
    assert_eq!(json(&data, &["status", "--json"]), before);

    // A roster with a bad date names row and column.
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "email,name,team,seat_type,monthly_usd,start,end\na@x.example,A,t,team,30,2026-13-01,\n").unwrap();
    let output = spendlens(&data, &["ingest", "roster", roster.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("row 2, column \"start\""));
    assert_eq!(json(&data, &["status", "--json"]), before);
}

#[test]
fn an_ingest_killed_mid_write_leaves_a_readable_complete_store() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    ingest_all(&data, &sources);
    let complete = json(&data, &["status", "--json"]);
    let usage = files_in(&sources.join("admin/usage_report_messages"), "json");
    // Re-ingest the same pages and kill the process at several moments: every partition is either
    // the old file or the new one, both complete, so the totals never move.
    for delay_ms in [5u64, 40, 120, 300, 700] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
            .arg("--data-dir")
            .arg(&data)
            .args(["ingest", "admin-usage"])
            .args(&usage)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(json(&data, &["status", "--json"]), complete, "after a kill at {delay_ms} ms");
    }
}

#[test]
fn a_store_from_a_newer_spendlens_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("lake")).unwrap();
    let marker = data.join("lake/_spendlens.json");
    std::fs::write(&marker, r#"{"format":"spendlens-lake","schema_version":7}"#).unwrap();
    let output = spendlens(&data, &["status"]);
    assert_eq!(output.status.code(), Some(74));
    assert!(String::from_utf8_lossy(&output.stderr).contains("schema"), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), r#"{"format":"spendlens-lake","schema_version":7}"#);
}

#[test]
fn a_roster_with_two_open_seats_for_one_person_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,name,team,seat_type,monthly_usd,start,end\na@x.example,A,t,team,30,2026-09-01,\na@x.example,A,t,team,30,2026-10-01,\nb@x.example,B,t,team,30,2026-09-01,2026-09-30\nb@x.example,B,t,team,30,2026-10-01,\n",
    )
    .unwrap();
    let output = spendlens(&dir.path().join("data"), &["ingest", "roster", roster.to_str().unwrap()]);
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "error: the roster holds two open seats for a@x.example: end one of them");
}

#[test]
fn analytics_pages_are_stored_beside_the_reports_and_bill_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    ingest_all(&data, &sources);
    let report = json(&data, &["report", "--month", "2026-10", "--json"]);
    let focus = |name: &str| {
        let out = dir.path().join(name);
        crate::support::ok(&data, &["export", "focus", "--month", "2026-10", "--out", out.to_str().unwrap()]);
        std::fs::read(out).unwrap()
    };
    let exported = focus("before.csv");
    for (kind, folder) in [("admin-analytics-usage", "analytics_usage"), ("admin-analytics-cost", "analytics_cost")] {
        let pages = files_in(&sources.join("admin").join(folder), "json");
        assert!(!pages.is_empty(), "{folder}");
        let mut args = vec!["ingest", kind];
        args.extend(pages.iter().map(String::as_str));
        crate::support::ok(&data, &args);
        crate::support::ok(&data, &args);
    }
    let status = json(&data, &["status", "--json"]);
    let sources_of = &status["sources"];
    assert_eq!(sources_of["admin_analytics_cost"]["cost_usd"], sources_of["admin_cost"]["cost_usd"], "the same dollars: {status}");
    assert_eq!(sources_of["admin_analytics_usage"]["tokens"], sources_of["admin_usage"]["tokens"], "the same tokens: {status}");
    assert!(sources_of["admin_analytics_usage"]["usage_rows"].as_u64().unwrap() > 0);
    // Stored twice over, the Console spend is still billed once: the same paths and drivers.
    let after = json(&data, &["report", "--month", "2026-10", "--json"]);
    for field in ["total_usd", "paths", "by_source", "month_over_month"] {
        assert_eq!(after[field], report[field], "{field}");
    }
    assert!(focus("after.csv") == exported, "the FOCUS export bills the cost report alone");

    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","group":{},"cost":{"amount":"1x"}}]}"#,
    )
    .unwrap();
    let output = spendlens(&data, &["ingest", "admin-analytics-cost", broken.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json: field data[0].cost.amount: \"1x\" is not a decimal amount of cents"), "{stderr}");
    assert_eq!(json(&data, &["status", "--json"]), status);
}

#[test]
fn reports_read_the_rollup_summaries_and_a_lake_without_them_gets_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let data = dir.path().join("data");
    ingest_all(&data, &sources);
    let report = |data: &Path| json(data, &["report", "--since", "2026-09-17", "--until", "2026-10-31", "--json"]);
    let with_summaries = report(&data);
    let usage_files = parquet_files(&data.join("lake/usage"));
    assert_eq!(parquet_files(&data.join("lake/usage_rollup")), usage_files, "every usage file has its summary");

    // A lake without them (an earlier build's, or one whose summaries were deleted) reads the lines.
    std::fs::remove_dir_all(data.join("lake/usage_rollup")).unwrap();
    assert_eq!(report(&data), with_summaries);
    let refreshed = json(&data, &["refresh-rollups", "--json"]);
    assert_eq!((refreshed["written"].as_u64(), refreshed["current"].as_u64()), (Some(usage_files as u64), Some(0)));
    let again = json(&data, &["refresh-rollups", "--json"]);
    assert_eq!((again["written"].as_u64(), again["current"].as_u64()), (Some(0), Some(usage_files as u64)));
    assert_eq!(report(&data), with_summaries);
    let text = crate::support::ok(&data, &["refresh-rollups"]);
    assert!(
        text.contains(&format!("0 written (0 usage files from an earlier build given a generation), {usage_files} already current")),
        "{text}"
    );
}

/// The Parquet files under `root`.
fn parquet_files(root: &Path) -> usize {
    crate::support::files_under(root, |path| path.extension().is_some_and(|extension| extension == "parquet")).len()
}

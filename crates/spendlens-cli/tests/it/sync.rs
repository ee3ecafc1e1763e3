//! `spendlens sync` against the mock Admin API, through the binary: the key stays secret.

use std::process::Command;

use spendlens_mock_anthropic::{Endpoint, Fault, FaultKind, MockAdminApi, MockConfig, MockData, Trigger};

use crate::support::small_demo_sources;

const KEY: &str = "sk-ant-admin01-CLI-SECRET-0b7d91";

fn run(data: &std::path::Path, mock: &MockAdminApi, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(data)
        .arg("sync")
        .args(["--base-url", &mock.base_url(), "--backoff-ms", "1", "--max-attempts", "3"])
        .args(args)
        .env("ANTHROPIC_ADMIN_KEY", KEY)
        .output()
        .unwrap()
}

#[test]
fn sync_through_the_binary_then_report_and_never_print_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let sources = small_demo_sources(dir.path());
    let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
    let data = dir.path().join("data");
    let output = run(&data, &mock, &["--since", "2026-09-17", "--until", "2026-10-31", "--json"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(summary["endpoints"]["cost_report"]["lines"].as_u64().unwrap() > 0);
    assert!(summary["endpoints"]["analytics/usage"]["lines"].as_u64().unwrap() > 0, "{summary}");
    assert!(summary["endpoints"]["analytics/cost"]["lines"].as_u64().unwrap() > 0, "{summary}");
    let status = crate::support::json(&data, &["status", "--json"]);
    assert_eq!(status["sources"]["admin_analytics_cost"]["cost_usd"], status["sources"]["admin_cost"]["cost_usd"], "{status}");
    let october = crate::support::json(&data, &["report", "--month", "2026-10", "--json"]);
    let check = crate::support::json(&data, &["crosscheck", "--month", "2026-10", "--json"]);
    let dollars = |value: &serde_json::Value| value.as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    assert!(dollars(&check["billed_usd"]) > rust_decimal::Decimal::ZERO);
    assert_eq!(dollars(&october["total_usd"]), dollars(&check["billed_usd"]), "the cost report, billed once: analytics cost is not added");
    // Without an org map every API key is unassigned, with its reason; with it, features appear.
    let report = crate::support::json(&data, &["report", "--month", "2026-10", "--json"]);
    assert_eq!(report["paths"]["api"]["total_usd"], "0");
    assert!(report["paths"]["unassigned"]["lines"].as_array().unwrap().len() > 3, "{report}");
    crate::support::ok(&data, &["ingest", "orgmap", sources.join("orgmap.toml").to_str().unwrap()]);
    let report = crate::support::json(&data, &["report", "--month", "2026-10", "--json"]);
    assert_ne!(report["paths"]["api"]["total_usd"], "0");
    assert!(report["paths"]["unassigned"]["lines"][0]["reason"].as_str().unwrap().contains("scratch-experiments"));

    // A failing run: the error is clear and holds no key.
    mock.set_faults(vec![Fault::on(Endpoint::Cost, Trigger::Always, FaultKind::ServerError { status: 500 })]);
    let failed = run(&data, &mock, &["--since", "2026-10-01"]);
    assert_eq!(failed.status.code(), Some(69));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("cost_report: gave up after 3 attempts"), "{stderr}");
    // A refused key.
    mock.clear_faults();
    let refused = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(&data)
        .args(["sync", "--base-url", &mock.base_url()])
        .env("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-WRONG")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(77));
    for output in [&output, &failed, &refused] {
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(!text.contains(KEY) && !text.contains("CLI-SECRET") && !text.contains("WRONG"), "{text}");
        }
    }
    // No key without one.
    let missing = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(&data)
        .args(["sync", "--base-url", &mock.base_url()])
        .env_remove("ANTHROPIC_ADMIN_KEY")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(77));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("set ANTHROPIC_ADMIN_KEY"));
}

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
    assert!(stderr.contains("1 of the sync's endpoints failed (cost_report); the others were stored"), "{stderr}");
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(stdout.contains("usage_report/messages: ") && stdout.contains("cost_report: FAILED"), "{stdout}");
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

#[test]
fn regression_the_admin_key_never_goes_to_anthropic_base_url() {
    let dir = tempfile::tempdir().unwrap();
    // A gateway Claude Code users point ANTHROPIC_BASE_URL at: it must never see the admin key.
    let gateway = MockAdminApi::start(MockData::default(), MockConfig::new("sk-ant-admin01-GATEWAY")).unwrap();
    let spendlens = |admin_base: Option<&str>, args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_spendlens"));
        command.arg("--data-dir").arg(dir.path().join("data")).arg("sync").args(["--max-attempts", "1"]).args(args);
        command.env("ANTHROPIC_ADMIN_KEY", KEY).env("ANTHROPIC_BASE_URL", gateway.base_url()).env_remove("SPENDLENS_ADMIN_BASE_URL");
        if let Some(base) = admin_base {
            command.env("SPENDLENS_ADMIN_BASE_URL", base);
        }
        command.output().unwrap()
    };
    // Nothing listens on port 1: the run fails to connect, and the gateway hears nothing.
    let output = spendlens(Some("https://127.0.0.1:1"), &[]);
    assert_eq!(output.status.code(), Some(69), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not be reached"), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(gateway.total_requests(), 0, "the gateway received the admin key");

    // Plain http to another host is refused before any request.
    for base in [Some("http://gateway.example"), None] {
        let args: &[&str] = if base.is_none() { &["--base-url", "http://10.1.2.3:8080"] } else { &[] };
        let output = spendlens(base, args);
        assert_eq!(output.status.code(), Some(64));
        assert!(String::from_utf8_lossy(&output.stderr).contains("only over https"), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(gateway.total_requests(), 0);

    // Our own variable, pointed at the real (mock) Admin API, works.
    let sources = small_demo_sources(dir.path());
    let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
    let output = spendlens(Some(&mock.base_url()), &["--since", "2026-10-30", "--until", "2026-10-31"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(mock.total_requests() > 0);
    assert_eq!(gateway.total_requests(), 0);
}

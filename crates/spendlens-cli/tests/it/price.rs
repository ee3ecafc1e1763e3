//! `spendlens price` and `spendlens prices`.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{json, ok, spendlens};

#[test]
fn prices_the_reference_worked_example_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "price",
            "--model",
            "claude-sonnet-4-5-20250929",
            "--tier",
            "batch",
            "--date",
            "2026-11-01",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"input_tokens":2000,"output_tokens":800,"cache_read_input_tokens":10000,"cache_creation_input_tokens":1500}"#)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Total: $0.0133125 ($0.01)"), "{text}");
    assert!(text.contains("batch x0.5"), "{text}");
}

#[test]
fn price_json_shows_each_component_and_one_hour_writes() {
    let dir = tempfile::tempdir().unwrap();
    let usage =
        r#"{"input_tokens":1000,"output_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":2000}}"#;
    let priced = json(dir.path(), &["price", "--model", "claude-opus-4-6", "--date", "2026-11-01", "--json", usage]);
    assert_eq!(priced["total"], "0.0375");
    let one_hour =
        priced["components"].as_array().unwrap().iter().find(|c| c["kind"]["token"] == "cache_creation.ephemeral_1h_input_tokens").unwrap();
    assert_eq!(one_hour["rate"], "10");
    assert_eq!(one_hour["amount"], "0.02");
}

#[test]
fn an_unknown_model_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let output = spendlens(dir.path(), &["price", "--model", "claude-opus-9-9", r#"{"input_tokens":1}"#]);
    assert_eq!(output.status.code(), Some(65));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown model \"claude-opus-9-9\""), "{stderr}");
}

#[test]
fn a_user_price_file_adds_a_model_and_the_book_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prices.toml"),
        "[[model]]\nid = \"claude-opus-6\"\nrates = [{ from = \"2026-11-20\", input = \"6\", output = \"30\" }]\n",
    )
    .unwrap();
    let listed = ok(dir.path(), &["prices", "--date", "2026-11-25"]);
    let line = listed.lines().find(|line| line.starts_with("claude-opus-6 ")).unwrap_or_else(|| panic!("{listed}"));
    assert!(
        line.contains("$6") && line.contains("$7.5") && line.contains("$12") && line.contains("$0.6") && line.contains("$30"),
        "{line}"
    );
    let book = json(dir.path(), &["prices", "--date", "2026-10-01", "--json"]);
    let sonnet = book["models"].as_array().unwrap().iter().find(|m| m["model"] == "claude-sonnet-5-5").unwrap();
    assert_eq!(sonnet["usd_per_mtok"]["cache_read"], "0.2");
}

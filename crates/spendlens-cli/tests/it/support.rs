//! Running the binary and making small demo inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn spendlens(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SPENDLENS_PRICES")
        .env_remove("SPENDLENS_DATA_DIR")
        .output()
        .expect("the spendlens binary runs")
}

/// Runs and insists on success; returns stdout.
pub fn ok(data_dir: &Path, args: &[&str]) -> String {
    let output = spendlens(data_dir, args);
    assert!(output.status.success(), "spendlens {args:?} failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 output")
}

pub fn json(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(data_dir, args)).expect("valid JSON")
}

/// A small demo organisation's source files (not ingested), under `dir/sources`.
pub fn small_demo_sources(dir: &Path) -> PathBuf {
    let sources = dir.join("sources");
    let scratch = dir.join("scratch-data");
    ok(&scratch, &["demo", "--engineers", "16", "--days", "45", "--end", "2026-10-31", "--no-ingest", "--out", sources.to_str().unwrap()]);
    sources
}

/// Every file directly in `dir` with the given extension, sorted.
pub fn files_in(dir: &Path, extension: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

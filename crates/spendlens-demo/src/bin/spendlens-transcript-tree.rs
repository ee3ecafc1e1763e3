//! `spendlens-transcript-tree`: writes a large Claude Code transcript tree and its `truth.json`, the
//! input of `benches/transcripts.sh`.
//!
//! ```text
//! spendlens-transcript-tree --out DIR [--seed N] [--files N] [--bytes 3G] [--big-files 2]
//!                           [--big-file-bytes 300M] [--end 2026-10-31] [--days 60]
//!                           [--models claude-sonnet-4-5-20250929,claude-opus-4-1-20250805]
//! ```
//!
//! With `--bytes` alone, the file count and the big files' size scale with it (300M: 300 files, two
//! of 30 MB), so a small tree keeps the default's shape. `--models` replaces the demo's model ids (the first is the most used; subagents use the last),
//! e.g. with ids other tools can price.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use spendlens_demo::{TreeConfig, write_tree};
use spendlens_pricing::PriceBook;

const USAGE: &str = "usage: spendlens-transcript-tree --out DIR [--seed N] [--files N] [--bytes 3G] [--big-files 2] [--big-file-bytes 300M] [--end 2026-10-31] [--days 60] [--models ID,ID,...]";

/// `3G`, `300M`, `512K` or a plain number of bytes (decimal units, as `--bytes 3G` reads).
fn bytes(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.char_indices().last() {
        Some((index, 'K' | 'k')) => (&text[..index], 1_000),
        Some((index, 'M' | 'm')) => (&text[..index], 1_000_000),
        Some((index, 'G' | 'g')) => (&text[..index], 1_000_000_000),
        _ => (text, 1),
    };
    let value: f64 = digits.parse().map_err(|_| format!("{text:?} is not a size like 3G, 300M or 4096"))?;
    Ok((value * unit as f64).round() as u64)
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("{flag}: {text:?} is not a number"))
}

fn parse(arguments: impl Iterator<Item = String>) -> Result<(TreeConfig, PathBuf), String> {
    let mut config = TreeConfig::default();
    let mut out = None;
    let (mut files_set, mut big_set) = (false, false);
    let mut arguments = arguments;
    while let Some(flag) = arguments.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_string());
        }
        let value = arguments.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--seed" => config.seed = number(&flag, &value)?,
            "--files" => {
                config.files = number(&flag, &value)?;
                files_set = true;
            }
            "--bytes" => config.target_bytes = bytes(&value)?,
            "--big-files" => config.big_files = number(&flag, &value)?,
            "--big-file-bytes" => {
                config.big_file_bytes = bytes(&value)?;
                big_set = true;
            }
            "--end" => config.end = value.parse().map_err(|_| format!("--end: {value:?} is not a date like 2026-10-31"))?,
            "--days" => config.days = number(&flag, &value)?,
            // The configuration holds `&'static str` model ids; a handful leaked once per process.
            "--models" => config.models = value.split(',').map(|model| &*Box::leak(model.trim().to_string().into_boxed_str())).collect(),
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    let default = TreeConfig::default();
    let scale = config.target_bytes as f64 / default.target_bytes as f64;
    if !files_set {
        config.files = ((default.files as f64 * scale).round() as usize).max(config.big_files + 4);
    }
    if !big_set {
        config.big_file_bytes = (default.big_file_bytes as f64 * scale).round() as u64;
    }
    let out = out.ok_or_else(|| format!("--out is required\n{USAGE}"))?;
    Ok((config, out))
}

fn run() -> Result<(), String> {
    let (config, out) = parse(std::env::args().skip(1))?;
    let book = PriceBook::embedded().map_err(|error| error.to_string())?;
    let started = Instant::now();
    let truth = write_tree(&config, &book, &out).map_err(|error| error.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let truth_path = out.join("truth.json");
    let text = serde_json::to_string_pretty(&truth).map_err(|error| error.to_string())?;
    std::fs::write(&truth_path, text).map_err(|error| format!("cannot write {}: {error}", truth_path.display()))?;
    eprintln!(
        "wrote {} files, {:.1} MB, {} responses, {} malformed lines, {} half-written tails in {seconds:.1} s ({:.0} MB/s); truth in {}",
        truth.files,
        truth.bytes as f64 / 1e6,
        truth.responses,
        truth.malformed_lines.len(),
        truth.incomplete_tails,
        truth.bytes as f64 / 1e6 / seconds.max(1e-9),
        truth_path.display()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("spendlens-transcript-tree: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_decimal_units() {
        assert_eq!(bytes("3G"), Ok(3_000_000_000));
        assert_eq!(bytes("300M"), Ok(300_000_000));
        assert_eq!(bytes("1.5k"), Ok(1_500));
        assert_eq!(bytes("4096"), Ok(4096));
        assert!(bytes("lots").is_err());
    }

    #[test]
    fn flags_override_the_defaults() {
        let arguments = ["--out", "/tmp/x", "--files", "10", "--bytes", "20M", "--end", "2026-01-31"].map(String::from);
        let (config, out) = parse(arguments.into_iter()).unwrap();
        assert_eq!(out, PathBuf::from("/tmp/x"));
        assert_eq!((config.files, config.target_bytes, config.big_file_bytes), (10, 20_000_000, 2_000_000));
        assert_eq!(config.end.to_string(), "2026-01-31");
        let (config, _) = parse(["--out", "x", "--bytes", "300M"].map(String::from).into_iter()).unwrap();
        assert_eq!((config.files, config.big_file_bytes), (300, 30_000_000));
        let (config, _) = parse(["--out", "x", "--models", "a,b"].map(String::from).into_iter()).unwrap();
        assert_eq!(config.models, vec!["a", "b"]);
        assert!(parse(["--files", "1"].map(String::from).into_iter()).is_err());
    }
}

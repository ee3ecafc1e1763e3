//! Shared helpers: the default organisation rendered once, page readers, decimal parsing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde_json::Value;
use spendlens_demo::{DemoConfig, DemoOrg, RenderedDemo, generate, render};
use spendlens_pricing::PriceBook;

pub fn book() -> &'static PriceBook {
    static BOOK: OnceLock<PriceBook> = OnceLock::new();
    BOOK.get_or_init(|| PriceBook::embedded().unwrap())
}

pub fn default_org() -> &'static DemoOrg {
    static ORG: OnceLock<DemoOrg> = OnceLock::new();
    ORG.get_or_init(|| generate(&DemoConfig::default(), book()).unwrap())
}

/// The default organisation rendered once per test run, into the target's scratch folder.
pub fn rendered_default() -> &'static RenderedDemo {
    static RENDERED: OnceLock<RenderedDemo> = OnceLock::new();
    RENDERED.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("spendlens-demo-default");
        let _ = std::fs::remove_dir_all(&dir);
        render(default_org(), &dir).unwrap()
    })
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every bucket of every page, in order.
pub fn buckets(pages: &[PathBuf]) -> Vec<Value> {
    pages.iter().flat_map(|page| read_json(page)["data"].as_array().unwrap().clone()).collect()
}

pub fn decimal(text: &str) -> Decimal {
    Decimal::from_str_exact(text).unwrap()
}

pub fn number(value: &Value) -> u64 {
    value.as_u64().unwrap()
}

/// `2026-05-05T00:00:00Z` -> `2026-05-05`.
pub fn day_of(timestamp: &Value) -> String {
    timestamp.as_str().unwrap()[..10].to_string()
}

/// Every file under `dir`, relative path -> bytes.
pub fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// A small organisation that still holds every planted item.
pub fn small_config() -> DemoConfig {
    DemoConfig { engineers: 30, days: 100, transcript_engineers: 1, traffic_scale: 0.1, ..DemoConfig::default() }
}

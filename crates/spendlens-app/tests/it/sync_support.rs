//! A rendered demo organisation served by the mock, and stores to sync into.

use spendlens_store::Lake;
use std::path::{Path, PathBuf};
use std::time::Duration;

use spendlens_mock_anthropic::{MockAdminApi, MockConfig, MockData};
use spendlens_model::{Day, Period, Source};
use spendlens_store::{Replace, Store, StoreTotals};
use spendlens_sync::{AdminKey, ClientSettings, SyncReport, SyncSettings};

pub const KEY: &str = "sk-ant-admin01-SYNC-TEST-SECRET-4f9c2e";

pub fn day(text: &str) -> Day {
    text.parse().unwrap()
}

/// The demo window: 2026-10-12 ..= 2026-10-31.
pub const FIRST_DAY: &str = "2026-10-12";
pub const LAST_DAY: &str = "2026-10-31";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub sources: PathBuf,
    pub mock: MockAdminApi,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let sources = dir.path().join("sources");
        let config =
            spendlens_demo::DemoConfig { engineers: 12, days: 20, end: day(LAST_DAY), transcript_engineers: 0, ..Default::default() };
        let book = spendlens_pricing::PriceBook::embedded().unwrap();
        spendlens_demo::render(&spendlens_demo::generate(&config, &book).unwrap(), &sources).unwrap();
        let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
        Fixture { dir, sources, mock }
    }

    pub fn data_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Quick retries so fault tests stay fast.
    pub fn settings(&self) -> SyncSettings {
        let mut client = ClientSettings::new(self.mock.base_url(), AdminKey::new(KEY).unwrap());
        client.backoff = Duration::from_millis(2);
        client.max_attempts = 4;
        client.timeout = Duration::from_secs(5);
        let mut settings = SyncSettings::new(client, day(LAST_DAY));
        // A first run reaches back exactly to the demo's first day.
        settings.first_run_days = (day(LAST_DAY) - day(FIRST_DAY)).num_days();
        settings
    }
}

/// A sync into `data_dir` through the application layer; a sync error as the sync crate gave it,
/// `Incomplete` when any endpoint failed (as the CLI ends).
pub fn sync(data_dir: &Path, settings: &SyncSettings) -> Result<SyncReport, spendlens_sync::SyncError> {
    let report = sync_partial(data_dir, settings)?;
    report.check()?;
    Ok(report)
}

/// [`sync`], with the endpoints that failed on their own left in the report.
pub fn sync_partial(data_dir: &Path, settings: &SyncSettings) -> Result<SyncReport, spendlens_sync::SyncError> {
    let app = spendlens_app::App::new(spendlens_app::Settings { data_dir: data_dir.to_path_buf(), prices: None });
    match app.sync(settings, &mut |_| {}) {
        Ok((report, _)) => Ok(report),
        Err(spendlens_app::AppError::Sync(error)) => Err(error),
        Err(other) => panic!("the sync failed outside the sync crate: {other}"),
    }
}

/// The failures of a sync that ended `Incomplete`, each as `endpoint: error`.
pub fn failures(error: &spendlens_sync::SyncError) -> Vec<String> {
    match error {
        spendlens_sync::SyncError::Incomplete { failures } => {
            failures.iter().map(|failure| format!("{}: {}", failure.endpoint, failure.error)).collect()
        }
        other => panic!("not an incomplete sync: {other}"),
    }
}

pub fn totals(data_dir: &Path) -> StoreTotals {
    Store::open(data_dir).unwrap().totals().unwrap()
}

/// The same organisation imported from its files, the way `spendlens ingest` does.
pub fn file_import(sources: &Path, data_dir: &Path) -> StoreTotals {
    let store = Store::open(data_dir).unwrap();
    let window = Period::new(day(FIRST_DAY), day(LAST_DAY).succ_opt().unwrap());
    let pages = |folder: &str| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(sources.join(folder)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.into_iter().map(|path| (path.display().to_string(), std::fs::read(&path).unwrap())).collect()
    };
    let mut usage = Vec::new();
    for (name, bytes) in pages("admin/usage_report_messages") {
        usage.extend(spendlens_ingest::admin_usage::read_page(&name, &bytes).unwrap().lines);
    }
    store.replace_usage(Source::AdminUsage, "org", Replace::DaysIn(window), &usage).unwrap();
    let mut cost = Vec::new();
    for (name, bytes) in pages("admin/cost_report") {
        cost.extend(spendlens_ingest::admin_cost::read_page(&name, &bytes).unwrap().lines);
    }
    store.replace_cost(Source::AdminCost, "org", Replace::DaysIn(window), &cost).unwrap();
    let mut analytics = spendlens_ingest::claude_code_analytics::AnalyticsPage::default();
    for (name, bytes) in pages("admin/claude_code") {
        analytics.extend(spendlens_ingest::claude_code_analytics::read_page(&name, &bytes).unwrap());
    }
    store.replace_usage(Source::ClaudeCodeAnalytics, "org", Replace::DaysIn(window), &analytics.usage.lines).unwrap();
    store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::DaysIn(window), &analytics.activity).unwrap();
    let mut analytics_usage = Vec::new();
    for (name, bytes) in pages("admin/analytics_usage") {
        analytics_usage.extend(spendlens_ingest::analytics::read_usage_page(&name, &bytes).unwrap().lines);
    }
    store.replace_usage(Source::AdminAnalyticsUsage, "org", Replace::DaysIn(window), &analytics_usage).unwrap();
    let mut analytics_cost = Vec::new();
    for (name, bytes) in pages("admin/analytics_cost") {
        analytics_cost.extend(spendlens_ingest::analytics::read_cost_page(&name, &bytes).unwrap().lines);
    }
    store.replace_cost(Source::AdminAnalyticsCost, "org", Replace::DaysIn(window), &analytics_cost).unwrap();
    for (kind, file) in [("workspace", "workspaces.json"), ("api_key", "api_keys.json"), ("user", "users.json")] {
        let bytes = std::fs::read(sources.join("admin").join(file)).unwrap();
        let entries = spendlens_ingest::directory::read_page(file, &bytes).unwrap().lines;
        store.replace_directory(Source::AdminDirectory, kind, &entries).unwrap();
    }
    store.totals().unwrap()
}

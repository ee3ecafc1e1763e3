//! spendlens's application layer: the use cases, each one function every face calls.
//!
//! The faces (the `spendlens` CLI, `spendlens serve` with its dashboard and REST API, the coming
//! gateway) hold no business logic: they parse their input, call an [`App`] method and render what
//! it returns. An [`App`] resolves its settings once (the data directory, the price book with the
//! user's file, the org map, `config.toml`) and reaches storage only through the [`Lake`] trait,
//! so a second engine (Ballista over object storage) can stand beside the local store.
//!
//! Use cases, by module:
//! - [`ledger`]: the period a question is about, the ledger of a span, the report of a period;
//! - [`ingest`]: any Admin API feed from files (and from `sync`, through the same table), the
//!   roster, the org map, the store's status;
//! - [`transcripts`]: the incremental ingest of local Claude Code transcripts;
//! - [`merge`]: lines merged into one person's scope by request (team push, OpenTelemetry, the
//!   gateway), one rule for all;
//! - [`sync`]: the Admin API, stored through the feed table;
//! - [`init`]: a data directory set up on real data: the key checked, `config.toml`, the directory
//!   and 30 days synced, a draft org map (merged, never overwritten, on a re-run);
//! - [`claude_code`]: the ccusage-shaped views of a person's transcripts, with their cache;
//! - [`reconcile`], [`questions`]: invoice reconciliation, the cross-check, the ledger's
//!   placements, prices;
//! - [`rightsize`]: Claude Code seats against real use, discipline and path fit;
//! - [`spikes`], [`alerts`]: spend above its expected band, explained; budgets, and the webhook
//!   their events and new spikes are posted to, once each;
//! - [`demo`]: the demo organisation, generated and ingested;
//! - [`views`]: the typed documents every `--json` output and REST answer serialises, and the one
//!   way they become JSON text.
//!
//! This crate does no rendering beyond JSON (text, Markdown, HTML and CSV are `spendlens-report`'s)
//! and never prints: progress reaches a face through callbacks.

pub mod alerts;
pub mod claude_code;
pub mod demo;
mod error;
pub mod forecast;
pub mod ingest;
pub mod init;
mod kept;
pub mod ledger;
pub mod merge;
pub mod optimise;
pub mod questions;
pub mod reconcile;
pub mod rightsize;
pub mod settings;
pub mod spikes;
pub mod statusline;
pub mod sync;
pub mod timezone;
pub mod transcripts;
pub mod views;

use std::cell::Cell;
use std::sync::{Arc, Mutex, OnceLock};

pub use error::AppError;
pub use settings::{ConfigFile, Settings};
pub use spendlens_store::atomic::write_file as atomic_write;
pub use spendlens_store::{ExportColumn, ExportValues, Lake, LakeExt, Store, export_parquet};

use spendlens_model::OrgMap;
use spendlens_pricing::PriceBook;

/// The scope of organisation-wide Admin API data in the store (one organisation per data
/// directory).
pub const ORG_SCOPE: &str = "org";

/// Settings resolved once and the lake they point at. Everything is read on first use and kept:
/// a command that never prices never reads the price book, and one that never reads the ledger
/// never opens it.
pub struct App {
    settings: Settings,
    /// Told when a writing use case has to wait for another process's writer lock.
    notify: Box<dyn Fn(&str) + Send + Sync>,
    book: OnceLock<PriceBook>,
    config: OnceLock<ConfigFile>,
    orgmap: Mutex<Option<Arc<OrgMap>>>,
    lake: OnceLock<Arc<dyn Lake>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("settings", &self.settings).finish_non_exhaustive()
    }
}

thread_local! {
    /// Whether this thread holds the writer lock (through [`App::writing`]).
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

/// Marks this thread as holding the writer lock until dropped (also on a panic).
struct Held;

impl Held {
    fn new() -> Held {
        WRITING.with(|writing| writing.set(true));
        Held
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        WRITING.with(|writing| writing.set(false));
    }
}

/// The value in `cell`, made by `init` the first time.
fn once<T>(cell: &OnceLock<T>, init: impl FnOnce() -> Result<T, AppError>) -> Result<&T, AppError> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = init()?;
    Ok(cell.get_or_init(|| value))
}

impl App {
    /// An application over the local store of `settings.data_dir`.
    pub fn new(settings: Settings) -> App {
        App {
            settings,
            notify: Box::new(|_| {}),
            book: OnceLock::new(),
            config: OnceLock::new(),
            orgmap: Mutex::new(None),
            lake: OnceLock::new(),
        }
    }

    /// An application over another lake (a remote engine, or a test's).
    pub fn with_lake(settings: Settings, lake: Arc<dyn Lake>) -> App {
        let app = App::new(settings);
        let _ = app.lake.set(lake);
        app
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Says where news goes (a writer waiting for another process's lock).
    pub fn with_notify(mut self, notify: impl Fn(&str) + Send + Sync + 'static) -> App {
        self.notify = Box::new(notify);
        self
    }

    /// Runs `work` holding the data directory's writer lock, so no other process writes to it
    /// meanwhile (waiting, with a word to the face, while another does). Re-entrant on one thread:
    /// a writing use case that calls another takes the lock once. Every use case that writes
    /// (ingest, sync, transcripts, merges, the org map, caches) runs inside it.
    pub fn writing<T>(&self, work: impl FnOnce() -> Result<T, AppError>) -> Result<T, AppError> {
        if WRITING.with(Cell::get) {
            return work();
        }
        let notify = &self.notify;
        let data_dir = self.settings.data_dir.display().to_string();
        let _lock = self.lake()?.lock_writer(&|| notify(&format!("waiting for another spendlens writing to {data_dir}")))?;
        let _held = Held::new();
        work()
    }

    /// The embedded book, with `--prices FILE` or `DATA_DIR/prices.toml` merged on top.
    pub fn price_book(&self) -> Result<&PriceBook, AppError> {
        once(&self.book, || {
            let book = PriceBook::embedded()?;
            let (path, required) = match &self.settings.prices {
                Some(path) => (path.clone(), true),
                None => (self.settings.data_dir.join("prices.toml"), false),
            };
            if !required && !path.exists() {
                return Ok(book);
            }
            let text = std::fs::read_to_string(&path).map_err(|error| AppError::file("reading the price file", &path, error))?;
            Ok(book.with_overrides(&text, &path.display().to_string())?)
        })
    }

    /// `DATA_DIR/config.toml`, or defaults when there is none.
    pub fn config(&self) -> Result<&ConfigFile, AppError> {
        once(&self.config, || settings::read_config(&self.settings.config_path()))
    }

    /// The installed org map (`DATA_DIR/orgmap.toml`), or an empty one: everything not
    /// self-evident is then unassigned.
    pub fn orgmap(&self) -> Result<Arc<OrgMap>, AppError> {
        let mut kept = self.orgmap.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(map) = kept.as_ref() {
            return Ok(Arc::clone(map));
        }
        let path = self.settings.orgmap_path();
        let map = Arc::new(if path.exists() { ingest::read_orgmap(&path)? } else { OrgMap::default() });
        *kept = Some(Arc::clone(&map));
        Ok(map)
    }

    /// Forgets the kept org map (a new one was installed).
    fn forget_orgmap(&self) {
        *self.orgmap.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// The lake, opened (and created when missing) on first use.
    pub fn lake(&self) -> Result<&dyn Lake, AppError> {
        let lake = once(&self.lake, || {
            let store = Store::open(&self.settings.data_dir)?;
            Ok(Arc::new(store) as Arc<dyn Lake>)
        })?;
        Ok(lake.as_ref())
    }

    /// The lake, shared (for a server's background tasks).
    pub fn shared_lake(&self) -> Result<Arc<dyn Lake>, AppError> {
        self.lake()?;
        self.lake.get().cloned().ok_or_else(|| AppError::invalid("the lake is not open"))
    }
}

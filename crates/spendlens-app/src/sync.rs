//! The Admin API sync as a use case: `spendlens-sync` fetches and parses, and this module is its
//! sink, storing each window through the same feed table as file import
//! ([`App::store_parsed`]) and keeping the cursors in `DATA_DIR/sync-state.json`.

use spendlens_ingest::{Feed, Parsed};
use spendlens_model::{DirectoryEntry, DirectoryKind};
use spendlens_sync::{AdminKey, Progress, Sink, SinkError, SyncError, SyncReport, SyncSettings, SyncState};

use crate::views::{EndpointSync, SyncView};
use crate::{App, AppError};

/// The application as the sync's sink.
struct Storing<'a> {
    app: &'a App,
}

impl Sink for Storing<'_> {
    fn store(&mut self, feed: Feed, parsed: Parsed) -> Result<usize, SinkError> {
        Ok(self.app.store_parsed(feed, &parsed)?)
    }

    fn store_directory(&mut self, kind: DirectoryKind, entries: Vec<DirectoryEntry>) -> Result<(), SinkError> {
        Ok(self.app.store_directory(kind, &entries)?)
    }

    fn save_state(&mut self, state: &SyncState) -> Result<(), SinkError> {
        let bytes = serde_json::to_vec_pretty(state)?;
        spendlens_store::atomic::write_file(&self.app.settings.sync_state_path(), &bytes)?;
        Ok(())
    }
}

impl App {
    /// The admin key: `ANTHROPIC_ADMIN_KEY`, else `admin_key` under `[anthropic]` in
    /// `config.toml`. It is never printed, logged or stored.
    pub fn admin_key(&self) -> Result<AdminKey, AppError> {
        let key = match std::env::var("ANTHROPIC_ADMIN_KEY") {
            Ok(key) if !key.trim().is_empty() => key,
            _ => self.config()?.anthropic.admin_key.clone().ok_or(SyncError::NoKey { config: self.settings.config_path() })?,
        };
        Ok(AdminKey::new(key)?)
    }

    /// The sync's cursors, or none before a first sync.
    pub fn sync_state(&self) -> Result<SyncState, AppError> {
        let path = self.settings.sync_state_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| AppError::Config { path: path.clone(), detail: format!("not a sync state file: {error}") }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(SyncState::default()),
            Err(error) => Err(AppError::file("reading", &path, error)),
        }
    }

    /// Pulls usage, cost, Claude Code Analytics, the Usage and Cost Analytics API and the directory
    /// from the Admin API, from a few days before the last sync (or a year back on the first).
    /// Endpoints that failed on their own are in the view's `failures` (the others were stored):
    /// [`SyncReport::check`] makes them an error once the view is shown.
    pub fn sync(&self, settings: &SyncSettings, progress: &mut dyn FnMut(Progress)) -> Result<(SyncReport, SyncView), AppError> {
        let report = self.writing(|| {
            let state = self.sync_state()?;
            Ok(spendlens_sync::run(&mut Storing { app: self }, state, settings, progress)?)
        })?;
        self.after_write();
        let endpoints = report
            .windows
            .iter()
            .map(|(name, period)| {
                (name.to_string(), EndpointSync { start: period.start, end: period.end, lines: report.lines.get(name).copied() })
            })
            .collect();
        let view = SyncView {
            directory_entries: report.directory_entries,
            endpoints,
            failures: report.failures.clone(),
            requests: report.requests,
        };
        Ok((report, view))
    }
}

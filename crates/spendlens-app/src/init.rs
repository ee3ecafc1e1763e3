//! `spendlens init`: an organisation set up on its real data in one step. The admin key is checked
//! against the Admin API before anything is written (a refused key leaves no file behind); then,
//! holding the writer lock, `config.toml` is written (mode 600, the key in it when the user typed or
//! piped it), the directory and the last 30 days are synced, and a draft org map is written to
//! `DATA_DIR/orgmap.toml` that lists every workspace and API key with its name, creator and
//! last-30-day spend, commented out ([`draft`]).
//!
//! Running it again never overwrites the user's edits: `config.toml` only gains or changes its
//! `admin_key` line, and the org map only gains entries, appended, for workspaces and keys that
//! are new (neither named in the file nor listed by an earlier draft, `DATA_DIR/orgmap-drafted.json`).
//!
//! The 30 days are stored the way `spendlens sync` stores them, but the sync's cursors are left
//! alone, so the first real sync still reaches a year back. The first sync itself is the face's
//! to offer: [`App::sync`].

pub mod draft;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::Duration;
use serde::Serialize;
use spendlens_analysis::{LedgerInput, assemble};
use spendlens_ingest::{Feed, Parsed};
use spendlens_model::{Day, DirectoryEntry, DirectoryKind, Money, OrgMap, Period, Seat};
use spendlens_sync::{AdminKey, Client, ClientSettings, EndpointFailure, Progress, Sink, SinkError, SyncError, SyncSettings, SyncState};

use crate::settings::ConfigFile;
use crate::views::SyncView;
use crate::{App, AppError};

use self::draft::{DraftInput, toml_string};

/// Days of spend the draft shows.
pub const SPEND_DAYS: i64 = 30;

/// Endpoints the draft cannot do without: a failure of one stops `init` before the draft.
const ESSENTIAL: [&str; 5] = ["usage_report/messages", "cost_report", "workspaces", "api_keys", "users"];

/// Where the admin key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrigin {
    /// `ANTHROPIC_ADMIN_KEY`: the user keeps it there; it is not written to `config.toml`.
    Environment,
    /// `admin_key` in `config.toml` already.
    Config,
    /// Typed at a prompt or piped on stdin: kept in `config.toml` unless the user says not to.
    Given,
}

/// An admin key as the user gave it. Debug never shows it.
#[derive(Clone)]
pub struct GivenKey {
    text: String,
    pub origin: KeyOrigin,
}

impl GivenKey {
    pub fn new(text: impl Into<String>, origin: KeyOrigin) -> Result<GivenKey, AppError> {
        let text = text.into().trim().to_string();
        // Checked here so that nothing is written for a key no request could carry.
        AdminKey::new(text.clone())?;
        Ok(GivenKey { text, origin })
    }

    pub fn admin_key(&self) -> Result<AdminKey, AppError> {
        Ok(AdminKey::new(self.text.clone())?)
    }
}

impl std::fmt::Debug for GivenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GivenKey").field("text", &"<redacted>").field("origin", &self.origin).finish()
    }
}

/// What `init` is told.
#[derive(Debug, Clone)]
pub struct InitSettings {
    /// The Admin API's base URL, attempts and backoff (the key is `key`'s).
    pub client: ClientSettings,
    pub key: GivenKey,
    /// Write the key into `config.toml` (only a [`KeyOrigin::Given`] key is ever written).
    pub save_key: bool,
    /// Today, UTC.
    pub today: Day,
    /// The last day of the spend window (default `today`).
    pub until: Day,
}

impl InitSettings {
    pub fn new(base_url: impl Into<String>, key: GivenKey, today: Day) -> Result<InitSettings, AppError> {
        let client = ClientSettings::new(base_url, key.admin_key()?);
        Ok(InitSettings { client, key, save_key: true, today, until: today })
    }

    /// The days the draft's spend covers: the 30 days through `until`.
    pub fn window(&self) -> Period {
        Period::new(self.until - Duration::days(SPEND_DAYS - 1), self.until + Duration::days(1))
    }
}

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Created,
    /// `config.toml` gained the admin key, or the org map gained entries.
    Extended,
    /// `config.toml`'s admin key was replaced by the one just checked.
    KeyReplaced,
    Unchanged,
}

/// `spendlens init --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InitView {
    /// API keys the directory lists.
    pub api_keys: usize,
    pub config: PathBuf,
    pub config_change: FileChange,
    /// Endpoints of the 30-day sync that failed without spoiling the draft (a beta endpoint
    /// refused to this organisation, Claude Code Analytics).
    pub failures: Vec<EndpointFailure>,
    /// The first sync, when the face ran it.
    pub first_sync: Option<SyncView>,
    pub key_origin: KeyOrigin,
    pub key_saved: bool,
    pub orgmap: PathBuf,
    pub orgmap_change: FileChange,
    /// Ids given an entry in the draft by this run.
    pub orgmap_added_api_keys: Vec<String>,
    pub orgmap_added_workspaces: Vec<String>,
    pub requests: u64,
    /// The spend window, both days inclusive.
    pub spend_since: Day,
    pub spend_until: Day,
    /// What the cost report billed over the window (seat fees aside).
    pub spend_usd: Money,
    pub users: usize,
    pub workspaces: usize,
}

/// The 30 days go to the store; the cursors stay where they are.
struct Previewing<'a> {
    app: &'a App,
}

impl Sink for Previewing<'_> {
    fn store(&mut self, feed: Feed, parsed: Parsed) -> Result<usize, SinkError> {
        Ok(self.app.store_parsed(feed, &parsed)?)
    }

    fn store_directory(&mut self, kind: DirectoryKind, entries: Vec<DirectoryEntry>) -> Result<(), SinkError> {
        Ok(self.app.store_directory(kind, &entries)?)
    }

    fn save_state(&mut self, _state: &SyncState) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Billed dollars per workspace (`None`: the Default workspace).
type WorkspaceSpend = BTreeMap<Option<String>, Money>;

/// Billed dollars per API key.
type KeySpend = BTreeMap<String, Money>;

/// The ids earlier drafts listed.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Drafted {
    ids: BTreeSet<String>,
}

impl App {
    /// One request with the key (the workspace listing's first item): a refused key is
    /// [`SyncError::Unauthorized`], and nothing is written.
    pub fn check_admin_key(&self, client: &ClientSettings) -> Result<(), AppError> {
        let mut client = Client::new(client.clone())?;
        let path = "/v1/organizations/workspaces";
        let query = [("limit".to_string(), "1".to_string())];
        client.get(path, &query, &mut |body| spendlens_ingest::directory::read_page(&format!("GET {path}"), body))?;
        Ok(())
    }

    /// Sets the data directory up (see the module's documentation); `progress` hears the 30-day
    /// sync.
    pub fn init(&self, settings: &InitSettings, progress: &mut dyn FnMut(Progress)) -> Result<InitView, AppError> {
        // Settings that are wrong say so before the key is sent or anything written.
        let config = self.config()?;
        self.check_admin_key(&settings.client)?;
        self.writing(|| {
            let save_key = settings.save_key && settings.key.origin == KeyOrigin::Given;
            let config_change = self.write_config(config, save_key.then_some(&settings.key))?;

            let window = settings.window();
            let mut sync = SyncSettings::new(settings.client.clone(), settings.today);
            sync.since = Some(window.start);
            sync.until = Some(settings.until);
            let report = spendlens_sync::run(&mut Previewing { app: self }, SyncState::default(), &sync, progress)?;
            let (essential, failures): (Vec<EndpointFailure>, Vec<EndpointFailure>) =
                report.failures.iter().cloned().partition(|failure| ESSENTIAL.contains(&failure.endpoint.as_str()));
            if !essential.is_empty() {
                return Err(SyncError::Incomplete { failures: essential }.into());
            }

            let directory = self.lake()?.directory()?;
            let (workspace_spend, key_spend) = self.spend_by_workspace_and_key(window)?;
            let (orgmap_change, added) = self.write_draft(&DraftInput {
                directory: &directory,
                workspace_spend: &workspace_spend,
                key_spend: &key_spend,
                window,
                today: settings.today,
            })?;
            let count = |kind: DirectoryKind| directory.iter().filter(|entry| entry.kind == kind).count();
            Ok(InitView {
                api_keys: count(DirectoryKind::ApiKey),
                config: self.settings.config_path(),
                config_change,
                failures,
                first_sync: None,
                key_origin: settings.key.origin,
                key_saved: save_key,
                orgmap: self.settings.orgmap_path(),
                orgmap_change,
                orgmap_added_api_keys: added.api_keys,
                orgmap_added_workspaces: added.workspaces,
                requests: report.requests + 1,
                spend_since: window.start,
                spend_until: settings.until,
                spend_usd: workspace_spend.values().copied().sum(),
                users: count(DirectoryKind::User),
                workspaces: count(DirectoryKind::Workspace),
            })
        })
    }

    /// The window's billed dollars per workspace and per API key: the ledger's placements with no
    /// org map (so an org map being edited cannot stop `init`), seat fees aside.
    fn spend_by_workspace_and_key(&self, window: Period) -> Result<(WorkspaceSpend, KeySpend), AppError> {
        let lake = self.lake()?;
        let usage = self.usage_of(window)?;
        let costs: Vec<_> = lake.cost_lines(Some(window))?.into_iter().filter(|cost| Seat::from_record(cost).is_none()).collect();
        let directory = lake.directory()?;
        let orgmap = OrgMap::default();
        let ledger =
            assemble(LedgerInput { usage: &usage, costs: &costs, directory: &directory, orgmap: &orgmap, book: self.price_book()? });
        let mut workspaces: BTreeMap<Option<String>, Money> = BTreeMap::new();
        let mut keys: BTreeMap<String, Money> = BTreeMap::new();
        for entry in &ledger.entries {
            *workspaces.entry(entry.workspace_id.clone()).or_default() += entry.amount;
            if let Some(key) = &entry.api_key {
                *keys.entry(key.clone()).or_default() += entry.amount;
            }
        }
        Ok((workspaces, keys))
    }

    /// `config.toml`: created (mode 600) when missing; otherwise changed only to add or replace
    /// `admin_key` under `[anthropic]` when `key` is to be kept, every other byte as it was.
    fn write_config(&self, config: &ConfigFile, key: Option<&GivenKey>) -> Result<FileChange, AppError> {
        let path = self.settings.config_path();
        let existing = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(AppError::file("reading", &path, error)),
        };
        let (text, change) = match (existing, key) {
            (None, key) => (config_template(key), FileChange::Created),
            (Some(_), None) => return Ok(FileChange::Unchanged),
            (Some(_), Some(key)) if config.anthropic.admin_key.as_deref().map(str::trim) == Some(key.text.as_str()) => {
                return Ok(FileChange::Unchanged);
            }
            (Some(text), Some(key)) => with_admin_key(&path, &text, &key.text, config.anthropic.admin_key.is_some())?,
        };
        spendlens_store::atomic::write_private_file(&path, text.as_bytes())?;
        Ok(change)
    }

    /// Writes the draft org map (or appends to the one there) when it changed, and notes the ids
    /// it lists.
    fn write_draft(&self, input: &DraftInput<'_>) -> Result<(FileChange, draft::Draft), AppError> {
        let path = self.settings.orgmap_path();
        let existing = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(AppError::file("reading the org map", &path, error)),
        };
        let drafted_path = self.settings.data_dir.join("orgmap-drafted.json");
        let mut drafted = match (&existing, std::fs::read(&drafted_path)) {
            // A fresh draft starts a fresh list.
            (None, _) => Drafted::default(),
            (Some(_), Ok(bytes)) => serde_json::from_slice(&bytes)
                .map_err(|error| AppError::Config { path: drafted_path.clone(), detail: format!("not a list of drafted ids: {error}") })?,
            (Some(_), Err(error)) if error.kind() == std::io::ErrorKind::NotFound => Drafted::default(),
            (Some(_), Err(error)) => return Err(AppError::file("reading", &drafted_path, error)),
        };
        let new = draft::draft(existing.as_deref(), &drafted.ids, input);
        let change = match &existing {
            None => FileChange::Created,
            Some(text) if *text == new.text => FileChange::Unchanged,
            Some(_) => FileChange::Extended,
        };
        if change != FileChange::Unchanged {
            // The draft must still parse to the rules the file held: it only adds comments.
            spendlens_ingest::orgmap::read(&path.display().to_string(), &new.text).map_err(|error| {
                AppError::invalid(format!("{error}; the draft for it was not written (fix the line, then run `spendlens init` again)"))
            })?;
            spendlens_store::atomic::write_file(&path, new.text.as_bytes())?;
            self.forget_orgmap();
        }
        drafted.ids.extend(new.workspaces.iter().cloned());
        drafted.ids.extend(new.api_keys.iter().cloned());
        let bytes =
            serde_json::to_vec_pretty(&drafted).map_err(|error| AppError::invalid(format!("cannot serialise the drafted ids: {error}")))?;
        spendlens_store::atomic::write_file(&drafted_path, &bytes)?;
        Ok((change, new))
    }
}

/// A new `config.toml`, with the admin key when it is to be kept.
fn config_template(key: Option<&GivenKey>) -> String {
    let key_line = match key {
        Some(key) => format!("admin_key = {}", toml_string(&key.text)),
        None => "# admin_key = \"sk-ant-admin01-...\"".to_string(),
    };
    format!(
        "# spendlens settings. `spendlens init` wrote this file; it keeps your edits when it runs again.\n\
         # It may hold secrets, so it must be readable by you alone (chmod 600). [serve.tokens] and\n\
         # [push] are described in the README.\n\
         \n\
         [anthropic]\n\
         # The Admin API key `spendlens sync` uses when ANTHROPIC_ADMIN_KEY is not set.\n\
         {key_line}\n"
    )
}

/// `text` with `admin_key = key` under `[anthropic]`: the existing line's value replaced, or a
/// line added below the table's header (or a table appended).
fn with_admin_key(path: &Path, text: &str, key: &str, has_key: bool) -> Result<(String, FileChange), AppError> {
    let line = format!("admin_key = {}", toml_string(key));
    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
    let header = lines.iter().position(|l| l.trim_start().starts_with("[anthropic]"));
    let table_end =
        |from: usize| lines.iter().skip(from + 1).position(|l| l.trim_start().starts_with('[')).map_or(lines.len(), |at| at + from + 1);
    let cannot = || {
        AppError::Config {
        path: path.to_path_buf(),
        detail: "it holds an admin key this command cannot replace (not an `admin_key = \"...\"` line under [anthropic]): edit the file, or pass --no-save-key".to_string(),
    }
    };
    let (new, change) = match (header, has_key) {
        (Some(at), true) => {
            let found = (at + 1..table_end(at)).find(|&index| {
                let trimmed = lines[index].trim_start();
                trimmed.strip_prefix("admin_key").is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            let index = found.ok_or_else(cannot)?;
            let newline = if lines[index].ends_with('\n') { "\n" } else { "" };
            let replaced = format!("{line}{newline}");
            lines[index] = &replaced;
            (lines.concat(), FileChange::KeyReplaced)
        }
        (Some(at), false) => {
            let added = format!("{line}\n");
            let mut out: String = lines[..=at].concat();
            if !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&added);
            out.push_str(&lines[at + 1..].concat());
            (out, FileChange::Extended)
        }
        (None, true) => return Err(cannot()),
        (None, false) => {
            let mut out = text.to_string();
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&format!("\n[anthropic]\n{line}\n"));
            (out, FileChange::Extended)
        }
    };
    // The edit must leave a file that says exactly this key.
    let parsed: ConfigFile =
        toml::from_str(&new).map_err(|error| AppError::Config { path: path.to_path_buf(), detail: error.message().to_string() })?;
    if parsed.anthropic.admin_key.as_deref() != Some(key) {
        return Err(cannot());
    }
    Ok((new, change))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-ant-admin01-NEW";

    #[test]
    fn the_admin_key_is_added_or_replaced_and_every_other_byte_kept() {
        let path = Path::new("config.toml");
        let rows = [
            (
                "[push]\nserver = \"https://s.example\"",
                "[push]\nserver = \"https://s.example\"\n\n[anthropic]\nadmin_key = \"sk-ant-admin01-NEW\"\n",
                FileChange::Extended,
                false,
            ),
            (
                "# mine\n[anthropic]   # the key\n\n[push]\n",
                "# mine\n[anthropic]   # the key\nadmin_key = \"sk-ant-admin01-NEW\"\n\n[push]\n",
                FileChange::Extended,
                false,
            ),
            (
                "[anthropic]\n# note\n  admin_key   = \"sk-ant-admin01-OLD\" # rotated\n[push]\ntoken = \"t\"\n",
                "[anthropic]\n# note\nadmin_key = \"sk-ant-admin01-NEW\"\n[push]\ntoken = \"t\"\n",
                FileChange::KeyReplaced,
                true,
            ),
        ];
        for (before, after, change, has_key) in rows {
            assert_eq!(with_admin_key(path, before, KEY, has_key).unwrap(), (after.to_string(), change), "{before}");
        }
        // A key this command did not write in a shape it knows: refused, with what to do.
        let dotted = "anthropic.admin_key = \"sk-ant-admin01-OLD\"\n";
        let error = with_admin_key(path, dotted, KEY, true).unwrap_err().to_string();
        assert!(error.contains("edit the file, or pass --no-save-key") && !error.contains("OLD") && !error.contains("NEW"), "{error}");
    }

    #[test]
    fn the_template_parses_and_never_shows_a_key_in_debug() {
        let key = GivenKey::new(format!("  {KEY}\n"), KeyOrigin::Given).unwrap();
        let config: ConfigFile = toml::from_str(&config_template(Some(&key))).unwrap();
        assert_eq!(config.anthropic.admin_key.as_deref(), Some(KEY));
        let config: ConfigFile = toml::from_str(&config_template(None)).unwrap();
        assert!(!config.holds_secrets());
        assert!(!format!("{key:?}").contains("NEW"));
        assert!(GivenKey::new("bad\u{7}key", KeyOrigin::Given).is_err());
    }
}

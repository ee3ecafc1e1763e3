//! Settings, resolved once: where the data lives, which price book, which org map, and the
//! settings file (`DATA_DIR/config.toml`). Defaults are compiled in, then files, then flags and
//! environment (which a face merges before calling [`Settings::resolve`]).
//!
//! Secrets in the config file (the admin key, push tokens) are wrapped so that Debug never shows
//! them; they never reach a log, an error or the store.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::AppError;

/// Where the data lives and which price file is laid over the embedded book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub data_dir: PathBuf,
    /// `--prices FILE`: required to exist when given; otherwise `DATA_DIR/prices.toml` if present.
    pub prices: Option<PathBuf>,
}

impl Settings {
    /// From the flags: `data_dir` (or the platform data directory's `spendlens` folder) and an
    /// optional price file.
    pub fn resolve(data_dir: Option<PathBuf>, prices: Option<PathBuf>) -> Result<Settings, AppError> {
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => dirs::data_dir().map(|dir| dir.join("spendlens")).ok_or_else(|| {
                AppError::invalid("no platform data directory is known here: pass --data-dir DIR or set SPENDLENS_DATA_DIR")
            })?,
        };
        Ok(Settings { data_dir, prices })
    }

    /// `DATA_DIR/orgmap.toml`, the installed org map.
    pub fn orgmap_path(&self) -> PathBuf {
        self.data_dir.join("orgmap.toml")
    }

    /// `DATA_DIR/config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.data_dir.join("config.toml")
    }

    /// `DATA_DIR/sync-state.json`: the Admin API sync's cursors.
    pub fn sync_state_path(&self) -> PathBuf {
        self.data_dir.join("sync-state.json")
    }

    /// `DATA_DIR/transcripts-state.bin`: per-file cursors and de-duplication winners.
    pub fn transcript_state_path(&self) -> PathBuf {
        self.data_dir.join("transcripts-state.bin")
    }

    /// `DATA_DIR/cache/`: rendered views kept under the key of their inputs.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }
}

/// `DATA_DIR/config.toml`: settings that do not belong on a command line.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub anthropic: AnthropicConfig,
    #[serde(default)]
    pub serve: ServeConfig,
    #[serde(default)]
    pub push: PushConfig,
    /// `[seats]`: seat plans, fees and usage limits, and the idle window (`spendlens seats`).
    #[serde(default)]
    pub seats: crate::rightsize::SeatsConfig,
    /// `[alerts]`: the webhook budget and spike events are posted to.
    #[serde(default)]
    pub alerts: crate::alerts::AlertsConfig,
    /// `[[budget]]`: monthly budgets per team, feature or path.
    #[serde(default, rename = "budget")]
    pub budgets: Vec<crate::alerts::BudgetConfig>,
}

impl ConfigFile {
    /// Whether the file holds a secret (the admin key or a token).
    pub fn holds_secrets(&self) -> bool {
        self.anthropic.admin_key.is_some()
            || !self.serve.tokens.is_empty()
            || !self.serve.collector_tokens.is_empty()
            || !self.serve.dashboard_tokens.is_empty()
            || self.push.token.is_some()
            || self.alerts.webhook.is_some()
    }
}

/// `[push]`: where `spendlens push` sends, and with which token.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// The team server's base URL (`SPENDLENS_SERVER` wins).
    pub server: Option<String>,
    /// This person's push token (`SPENDLENS_PUSH_TOKEN` wins). Never on the command line.
    pub token: Option<String>,
}

impl std::fmt::Debug for PushConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushConfig").field("server", &self.server).field("token", &self.token.as_ref().map(|_| "<redacted>")).finish()
    }
}

/// `[serve]`: the central server of `spendlens serve`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// `[serve.tokens]`: email = "token", one per person: pushes their lines, and sends their own
    /// telemetry.
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
    /// `[serve.collector_tokens]`: name = "token", team-wide, for telemetry that names whose it
    /// is (`user.email`): an OpenTelemetry Collector, or managed settings shared by everyone.
    #[serde(default)]
    pub collector_tokens: BTreeMap<String, String>,
    /// `[serve.dashboard_tokens]`: name = "token", for reading the dashboard and the REST API
    /// (required to listen beyond loopback; on loopback, one is made up at each start if none is
    /// given). They read every team's spend and write nothing.
    #[serde(default)]
    pub dashboard_tokens: BTreeMap<String, String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |tokens: &BTreeMap<String, String>| -> BTreeMap<String, &str> {
            tokens.keys().map(|name| (name.clone(), "<redacted>")).collect()
        };
        f.debug_struct("ServeConfig")
            .field("tokens", &redacted(&self.tokens))
            .field("collector_tokens", &redacted(&self.collector_tokens))
            .field("dashboard_tokens", &redacted(&self.dashboard_tokens))
            .finish()
    }
}

/// `[anthropic]`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnthropicConfig {
    /// Read only when ANTHROPIC_ADMIN_KEY is not set.
    pub admin_key: Option<String>,
}

impl std::fmt::Debug for AnthropicConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnthropicConfig").field("admin_key", &self.admin_key.as_ref().map(|_| "<redacted>")).finish()
    }
}

/// The config file at `path`, or defaults when there is none. Errors name the file and the key.
pub fn read_config(path: &Path) -> Result<ConfigFile, AppError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(error) => return Err(AppError::file("reading", path, error)),
    };
    let config: ConfigFile =
        toml::from_str(&text).map_err(|error| AppError::Config { path: path.to_path_buf(), detail: error.message().to_string() })?;
    if config.holds_secrets() {
        only_owner_reads(path)?;
    }
    Ok(config)
}

/// A file holding secrets must be readable by its owner alone.
#[cfg(unix)]
fn only_owner_reads(path: &Path) -> Result<(), AppError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_err(|error| AppError::file("reading", path, error))?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(AppError::Config {
            path: path.to_path_buf(),
            detail: format!(
                "it holds an admin key or tokens but others may read it (mode {:o}): run `chmod 600 {}`",
                mode & 0o777,
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn only_owner_reads(_path: &Path) -> Result<(), AppError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_tokens_parse_and_debug_redacts_them() {
        let config: ConfigFile = toml::from_str("[serve.tokens]\n\"alice@example.com\" = \"alice-push-token-5f1c2a9e\"\n").unwrap();
        assert_eq!(config.serve.tokens["alice@example.com"], "alice-push-token-5f1c2a9e");
        let shown = format!("{config:?}");
        assert!(shown.contains("alice@example.com") && !shown.contains("alice-push-token"), "{shown}");
    }

    #[cfg(unix)]
    #[test]
    fn regression_a_config_with_secrets_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        for text in [
            "[serve.tokens]\n\"a@x.io\" = \"alice-push-token-5f1c2a9e\"\n",
            "[serve.collector_tokens]\ncollector = \"collector-token-5f1c2a9e\"\n",
            "[anthropic]\nadmin_key = \"sk-ant-admin01-x\"\n",
            "[push]\ntoken = \"alice-push-token-5f1c2a9e\"\n",
        ] {
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let error = read_config(&path).unwrap_err().to_string();
            assert!(error.contains("others may read it (mode 644)") && error.contains("chmod 600"), "{error}");
            assert!(!error.contains("5f1c2a9e") && !error.contains("sk-ant"), "{error}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert!(read_config(&path).unwrap().holds_secrets());
        }
        // Without secrets, the mode does not matter.
        std::fs::write(&path, "[push]\nserver = \"https://spendlens.example\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!read_config(&path).unwrap().holds_secrets());
    }

    #[test]
    fn serve_section_rejects_unknown_keys() {
        let error = toml::from_str::<ConfigFile>("[serve]\ntoken = \"x\"\n").unwrap_err();
        assert!(error.to_string().contains("token"), "{error}");
    }
}

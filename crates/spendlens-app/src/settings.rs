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
}

/// `[serve]`: the central server of `spendlens serve`.
#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// `[serve.tokens]`: email = "token", one per person allowed to `spendlens push`.
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tokens: BTreeMap<&str, &str> = self.tokens.keys().map(|email| (email.as_str(), "<redacted>")).collect();
        f.debug_struct("ServeConfig").field("tokens", &tokens).finish()
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
    toml::from_str(&text).map_err(|error| AppError::Config { path: path.to_path_buf(), detail: error.message().to_string() })
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

    #[test]
    fn serve_section_rejects_unknown_keys() {
        let error = toml::from_str::<ConfigFile>("[serve]\ntoken = \"x\"\n").unwrap_err();
        assert!(error.to_string().contains("token"), "{error}");
    }
}

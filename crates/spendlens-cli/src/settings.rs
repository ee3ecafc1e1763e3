//! Resolved settings: where the data lives, which price book, which org map. Defaults compiled
//! in, then files, then flags and environment (already merged by clap).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use spendlens_model::OrgMap;
use spendlens_pricing::PriceBook;

use crate::cli::Cli;

pub struct Settings {
    pub data_dir: PathBuf,
    pub prices: Option<PathBuf>,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Settings> {
        let data_dir = match &cli.data_dir {
            Some(dir) => dir.clone(),
            None => dirs::data_dir()
                .map(|dir| dir.join("spendlens"))
                .context("no platform data directory is known here: pass --data-dir DIR or set SPENDLENS_DATA_DIR")?,
        };
        Ok(Settings { data_dir, prices: cli.prices.clone() })
    }

    pub fn orgmap_path(&self) -> PathBuf {
        self.data_dir.join("orgmap.toml")
    }

    /// The embedded book, with `--prices FILE` or `DATA_DIR/prices.toml` merged on top.
    pub fn price_book(&self) -> Result<PriceBook> {
        let book = PriceBook::embedded()?;
        let (path, required) = match &self.prices {
            Some(path) => (path.clone(), true),
            None => (self.data_dir.join("prices.toml"), false),
        };
        if !required && !path.exists() {
            return Ok(book);
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading the price file {}", path.display()))?;
        Ok(book.with_overrides(&text, &path.display().to_string())?)
    }

    /// `DATA_DIR/orgmap.toml`, or an empty map (everything not self-evident is unassigned).
    pub fn orgmap(&self) -> Result<OrgMap> {
        let path = self.orgmap_path();
        if !path.exists() {
            return Ok(OrgMap::default());
        }
        read_orgmap(&path)
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
    pub tokens: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tokens: std::collections::BTreeMap<&str, &str> = self.tokens.keys().map(|email| (email.as_str(), "<redacted>")).collect();
        f.debug_struct("ServeConfig").field("tokens", &tokens).finish()
    }
}

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

impl Settings {
    pub fn config_path(&self) -> PathBuf {
        self.data_dir.join("config.toml")
    }

    /// The config file, or defaults when there is none. Errors name the file and the key.
    pub fn config(&self) -> Result<ConfigFile> {
        let path = self.config_path();
        if !path.exists() {
            return Ok(ConfigFile::default());
        }
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        toml::from_str(&text).map_err(|error| anyhow::anyhow!("{}: {}", path.display(), error.message()))
    }

    /// The admin key: ANTHROPIC_ADMIN_KEY, else the config file.
    pub fn admin_key(&self) -> Result<spendlens_sync::AdminKey> {
        let key = match std::env::var("ANTHROPIC_ADMIN_KEY") {
            Ok(key) if !key.trim().is_empty() => key,
            _ => self.config()?.anthropic.admin_key.ok_or(spendlens_sync::SyncError::NoKey { config: self.config_path() })?,
        };
        Ok(spendlens_sync::AdminKey::new(key)?)
    }
}

pub fn read_orgmap(path: &Path) -> Result<OrgMap> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the org map {}", path.display()))?;
    Ok(spendlens_ingest::orgmap::read(&path.display().to_string(), &text)?)
}

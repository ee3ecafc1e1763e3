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

pub fn read_orgmap(path: &Path) -> Result<OrgMap> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the org map {}", path.display()))?;
    Ok(spendlens_ingest::orgmap::read(&path.display().to_string(), &text)?)
}

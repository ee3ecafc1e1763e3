//! The demo organisation: generated from a seed, written in the real source formats, and
//! ingested through the same use cases as real files, so the demo exercises every reader.

use std::path::Path;

use spendlens_demo::{DemoConfig, RenderedDemo};
use spendlens_ingest::Feed;

use crate::ingest::{Ingested, Progress};
use crate::transcripts::TranscriptsIngested;
use crate::{App, AppError};

/// One step of the demo's ingest, in the order it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoStep {
    /// A feed or the roster (by its `spendlens ingest` name).
    Source { name: &'static str, ingested: Ingested },
    /// The org map, installed.
    Orgmap,
    /// One engineer's local transcripts.
    Transcripts { email: String, ingested: TranscriptsIngested },
}

impl App {
    /// Generates the demo organisation with the price book and writes its source files to `out`.
    pub fn write_demo(&self, config: &DemoConfig, out: &Path) -> Result<RenderedDemo, AppError> {
        let org = spendlens_demo::generate(config, self.price_book()?)?;
        Ok(spendlens_demo::render(&org, out)?)
    }

    /// Ingests every file of a written demo, as an organisation synced with the Admin API holds
    /// its sources: the legacy reports and the Usage and Cost Analytics API side by side (the
    /// ledger bills each day from one and names the other as set aside), Claude Code Analytics,
    /// the directory, the roster (open seats billed through `config.end`), the org map and each
    /// engineer's transcripts. `each` hears of every step as it ends.
    pub fn ingest_demo(
        &self,
        config: &DemoConfig,
        files: &RenderedDemo,
        progress: &dyn Progress,
        each: &mut dyn FnMut(DemoStep),
    ) -> Result<(), AppError> {
        self.writing(|| self.ingest_demo_locked(config, files, progress, each))
    }

    fn ingest_demo_locked(
        &self,
        config: &DemoConfig,
        files: &RenderedDemo,
        progress: &dyn Progress,
        each: &mut dyn FnMut(DemoStep),
    ) -> Result<(), AppError> {
        let feeds: [(Feed, &[std::path::PathBuf]); 5] = [
            (Feed::AdminUsage, &files.usage_pages),
            (Feed::AdminCost, &files.cost_pages),
            (Feed::AdminAnalyticsUsage, &files.analytics_usage_pages),
            (Feed::AdminAnalyticsCost, &files.analytics_cost_pages),
            (Feed::ClaudeCodeAnalytics, &files.claude_code_pages),
        ];
        for (feed, paths) in feeds {
            each(DemoStep::Source { name: feed.name(), ingested: self.ingest_feed(feed, paths, false, progress)? });
        }
        let listings = vec![files.workspaces.clone(), files.api_keys.clone(), files.users.clone()];
        each(DemoStep::Source { name: Feed::Directory.name(), ingested: self.ingest_feed(Feed::Directory, &listings, false, progress)? });
        each(DemoStep::Source { name: "roster", ingested: self.ingest_roster(std::slice::from_ref(&files.roster), config.end)? });
        self.install_orgmap(&files.orgmap)?;
        each(DemoStep::Orgmap);
        for (email, root) in &files.transcript_dirs {
            let ingested = self.ingest_transcripts(std::slice::from_ref(root), email, None, progress)?;
            each(DemoStep::Transcripts { email: email.clone(), ingested });
        }
        Ok(())
    }
}

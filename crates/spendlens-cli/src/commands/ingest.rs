//! `spendlens ingest KIND FILE...`: source files into the ledger.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use spendlens_app::App;
use spendlens_app::transcripts::{default_transcript_roots, person_email};
use spendlens_ingest::Feed;
use spendlens_model::Day;

use crate::progress::Bars;

/// What `spendlens ingest` reads: an Admin API feed (the feed table names them), or one of the
/// three sources with their own readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Feed(Feed),
    /// Seat roster (CSV: email,name,team,seat_type,monthly_usd,start,end).
    Roster,
    /// Org map (TOML); stored as DATA_DIR/orgmap.toml.
    Orgmap,
    /// Claude Code transcript folders (default: ~/.claude, ~/.config/claude, $CLAUDE_CONFIG_DIR).
    Transcripts,
}

const KINDS: [SourceKind; 9] = [
    SourceKind::Feed(Feed::AdminUsage),
    SourceKind::Feed(Feed::AdminCost),
    SourceKind::Feed(Feed::AdminAnalyticsUsage),
    SourceKind::Feed(Feed::AdminAnalyticsCost),
    SourceKind::Feed(Feed::ClaudeCodeAnalytics),
    SourceKind::Feed(Feed::Directory),
    SourceKind::Roster,
    SourceKind::Orgmap,
    SourceKind::Transcripts,
];

impl SourceKind {
    fn name(self) -> &'static str {
        match self {
            SourceKind::Feed(feed) => feed.name(),
            SourceKind::Roster => "roster",
            SourceKind::Orgmap => "orgmap",
            SourceKind::Transcripts => "transcripts",
        }
    }

    fn help(self) -> &'static str {
        match self {
            SourceKind::Feed(feed) => feed.describe(),
            SourceKind::Roster => "Seat roster (CSV: email,name,team,seat_type,monthly_usd,start,end)",
            SourceKind::Orgmap => "Org map (TOML); stored as DATA_DIR/orgmap.toml",
            SourceKind::Transcripts => "Claude Code transcript folders (default: ~/.claude, ~/.config/claude, $CLAUDE_CONFIG_DIR)",
        }
    }
}

impl ValueEnum for SourceKind {
    fn value_variants<'a>() -> &'a [Self] {
        &KINDS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.help()))
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[arg(value_enum)]
    pub kind: SourceKind,
    /// Files (or, for transcripts, folders) to read. Every file is parsed before anything is stored.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// For transcripts: whose they are (default: $SPENDLENS_EMAIL, else the OS user).
    #[arg(long, env = "SPENDLENS_EMAIL")]
    pub email: Option<String>,
    /// For the roster: the day it was taken (default: today, UTC). Seats open on it are billed as
    /// held until a newer roster says otherwise; a report past this day says so.
    #[arg(long)]
    pub until: Option<Day>,
    /// Store pages that say more pages follow (`has_more`) although the rest is not given:
    /// replace only the days they hold lines for, and add listing entries without removing any.
    #[arg(long)]
    pub partial: bool,
}

pub fn run(app: &App, args: IngestArgs) -> Result<()> {
    if args.paths.is_empty() && args.kind != SourceKind::Transcripts {
        bail!("give the file(s) to ingest, e.g. `spendlens ingest {} FILE...`", args.kind.name());
    }
    let bars = Bars::default();
    let ingested = match args.kind {
        SourceKind::Orgmap => {
            if args.paths.len() != 1 {
                bail!("give exactly one org map file");
            }
            let installed = app.install_orgmap(&args.paths[0])?;
            eprintln!("org map installed as {} ({} rules)", app.settings().orgmap_path().display(), installed.lines);
            return Ok(());
        }
        SourceKind::Transcripts => {
            let roots = if args.paths.is_empty() { default_transcript_roots() } else { args.paths.clone() };
            let email = person_email(args.email.as_deref());
            eprint!("{}", spendlens_report::transcripts_text(&app.ingest_transcripts(&roots, &email, None, &bars)?));
            return Ok(());
        }
        SourceKind::Roster => app.ingest_roster(&args.paths, args.until.unwrap_or_else(crate::output::today))?,
        SourceKind::Feed(feed) => app.ingest_feed(feed, &args.paths, args.partial, &bars)?,
    };
    eprint!("{}", spendlens_report::ingested_text(args.kind.name(), &ingested));
    Ok(())
}

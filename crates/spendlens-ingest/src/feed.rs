//! The Admin API's feeds as one table: for each, the reader that parses its pages and the source
//! its lines are filed under. File import (`spendlens ingest`) and the Admin API sync both read
//! through it, and the application layer stores what it yields in one place, so a feed is
//! parsed, filed and replaced the same way whichever way it arrives.

use spendlens_model::{ActivityLine, CostLine, DirectoryEntry, Period, Source, UsageLine};

use crate::claude_code_analytics::AnalyticsPage;
use crate::{IngestError, Pages, admin_cost, admin_usage, analytics, claude_code_analytics, directory};

/// A feed of pages in one of the Admin API's formats (see [`Feed::describe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feed {
    AdminUsage,
    AdminCost,
    AdminAnalyticsUsage,
    AdminAnalyticsCost,
    ClaudeCodeAnalytics,
    Directory,
}

/// What a feed's pages hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Usage(Pages<UsageLine>),
    Cost(Pages<CostLine>),
    /// Claude Code Analytics: usage lines and activity lines of the same records.
    ClaudeCode(AnalyticsPage),
    Directory(Pages<DirectoryEntry>),
}

impl Feed {
    pub const ALL: [Feed; 6] = [
        Feed::AdminUsage,
        Feed::AdminCost,
        Feed::AdminAnalyticsUsage,
        Feed::AdminAnalyticsCost,
        Feed::ClaudeCodeAnalytics,
        Feed::Directory,
    ];

    /// The name `spendlens ingest` knows it by.
    pub const fn name(self) -> &'static str {
        match self {
            Feed::AdminUsage => "admin-usage",
            Feed::AdminCost => "admin-cost",
            Feed::AdminAnalyticsUsage => "admin-analytics-usage",
            Feed::AdminAnalyticsCost => "admin-analytics-cost",
            Feed::ClaudeCodeAnalytics => "claude-code-analytics",
            Feed::Directory => "directory",
        }
    }

    /// What its pages are called, for progress and messages.
    pub const fn pages(self) -> &'static str {
        match self {
            Feed::AdminUsage => "usage report pages",
            Feed::AdminCost => "cost report pages",
            Feed::AdminAnalyticsUsage => "analytics usage pages",
            Feed::AdminAnalyticsCost => "analytics cost pages",
            Feed::ClaudeCodeAnalytics => "Claude Code Analytics pages",
            Feed::Directory => "directory pages",
        }
    }

    /// What its files are, in a few words (for help texts).
    pub const fn describe(self) -> &'static str {
        match self {
            Feed::AdminUsage => "Admin API Messages usage report pages (JSON)",
            Feed::AdminCost => "Admin API cost report pages (JSON)",
            Feed::AdminAnalyticsUsage => "Usage and Cost Analytics API (beta) usage pages (JSON): tokens and requests by key",
            Feed::AdminAnalyticsCost => "Usage and Cost Analytics API (beta) cost pages (JSON); stored beside the cost report",
            Feed::ClaudeCodeAnalytics => "Claude Code Analytics report pages (JSON)",
            Feed::Directory => "Admin API workspaces, API keys and users listings (JSON)",
        }
    }

    /// The source its lines are filed under.
    pub const fn source(self) -> Source {
        match self {
            Feed::AdminUsage => Source::AdminUsage,
            Feed::AdminCost => Source::AdminCost,
            Feed::AdminAnalyticsUsage => Source::AdminAnalyticsUsage,
            Feed::AdminAnalyticsCost => Source::AdminAnalyticsCost,
            Feed::ClaudeCodeAnalytics => Source::ClaudeCodeAnalytics,
            Feed::Directory => Source::AdminDirectory,
        }
    }

    /// Parses one page (`file` names it in errors).
    pub fn read(self, file: &str, bytes: &[u8]) -> Result<Parsed, IngestError> {
        Ok(match self {
            Feed::AdminUsage => Parsed::Usage(admin_usage::read_page(file, bytes)?),
            Feed::AdminCost => Parsed::Cost(admin_cost::read_page(file, bytes)?),
            Feed::AdminAnalyticsUsage => Parsed::Usage(analytics::read_usage_page(file, bytes)?),
            Feed::AdminAnalyticsCost => Parsed::Cost(analytics::read_cost_page(file, bytes)?),
            Feed::ClaudeCodeAnalytics => Parsed::ClaudeCode(claude_code_analytics::read_page(file, bytes)?),
            Feed::Directory => Parsed::Directory(directory::read_page(file, bytes)?),
        })
    }

    /// Nothing read yet, in the feed's shape.
    pub fn empty(self) -> Parsed {
        match self {
            Feed::AdminUsage | Feed::AdminAnalyticsUsage => Parsed::Usage(Pages::default()),
            Feed::AdminCost | Feed::AdminAnalyticsCost => Parsed::Cost(Pages::default()),
            Feed::ClaudeCodeAnalytics => Parsed::ClaudeCode(AnalyticsPage::default()),
            Feed::Directory => Parsed::Directory(Pages::default()),
        }
    }
}

impl Parsed {
    /// Adds another page of the same feed (a page of another shape is a caller's bug: its lines
    /// are kept in their own shape's place, never mixed).
    pub fn extend(&mut self, other: Parsed) {
        match (self, other) {
            (Parsed::Usage(mine), Parsed::Usage(theirs)) => mine.extend(theirs),
            (Parsed::Cost(mine), Parsed::Cost(theirs)) => mine.extend(theirs),
            (Parsed::ClaudeCode(mine), Parsed::ClaudeCode(theirs)) => mine.extend(theirs),
            (Parsed::Directory(mine), Parsed::Directory(theirs)) => mine.extend(theirs),
            (mine, theirs) => debug_assert!(false, "pages of different feeds mixed: {mine:?} and {theirs:?}"),
        }
    }

    /// Lines read (usage, cost, activity or directory entries).
    pub fn lines(&self) -> usize {
        match self {
            Parsed::Usage(pages) => pages.lines.len(),
            Parsed::Cost(pages) => pages.lines.len(),
            Parsed::ClaudeCode(page) => page.usage.lines.len() + page.activity.len(),
            Parsed::Directory(pages) => pages.lines.len(),
        }
    }

    /// The marks of the pages read.
    pub fn marks(&self) -> &[crate::PageMark] {
        match self {
            Parsed::Usage(pages) => &pages.marks,
            Parsed::Cost(pages) => &pages.marks,
            Parsed::ClaudeCode(page) => &page.usage.marks,
            Parsed::Directory(pages) => &pages.marks,
        }
    }

    /// The days the pages' buckets cover (what storing them replaces).
    pub fn days(&self) -> &std::collections::BTreeSet<spendlens_model::Day> {
        match self {
            Parsed::Usage(pages) => &pages.days,
            Parsed::Cost(pages) => &pages.days,
            Parsed::ClaudeCode(page) => &page.usage.days,
            Parsed::Directory(pages) => &pages.days,
        }
    }

    /// The first page whose continuation is not among these pages (see
    /// [`Pages::missing_continuation`]).
    pub fn missing_continuation(&self) -> Option<&crate::PageMark> {
        match self {
            Parsed::Usage(pages) => pages.missing_continuation(),
            Parsed::Cost(pages) => pages.missing_continuation(),
            Parsed::ClaudeCode(page) => page.usage.missing_continuation(),
            Parsed::Directory(pages) => pages.missing_continuation(),
        }
    }

    /// The days the pages' buckets cover, when any bucket was read.
    pub fn period(&self) -> Option<Period> {
        match self {
            Parsed::Usage(pages) => pages.period(),
            Parsed::Cost(pages) => pages.period(),
            Parsed::ClaudeCode(page) => page.usage.period(),
            Parsed::Directory(pages) => pages.period(),
        }
    }

    /// Says the pages cover every day of `window`, whatever their buckets held (a fetched window
    /// is replaced whole: a day that came back empty lost its data).
    pub fn cover(&mut self, window: Period) {
        let days = match self {
            Parsed::Usage(pages) => &mut pages.days,
            Parsed::Cost(pages) => &mut pages.days,
            Parsed::ClaudeCode(page) => &mut page.usage.days,
            Parsed::Directory(pages) => &mut pages.days,
        };
        days.extend(window.iter_days());
    }

    /// The activity lines (Claude Code Analytics only).
    pub fn activity(&self) -> &[ActivityLine] {
        match self {
            Parsed::ClaudeCode(page) => &page.activity,
            _ => &[],
        }
    }
}

//! spendlens source readers: each vendor format parsed into the project's own ledger types.
//!
//! One module per source, holding that source's wire types privately; nothing past this crate sees
//! Anthropic JSON, transcript JSONL, OTLP, CSV or TOML. Readers are pure functions from bytes (plus the
//! name of where they came from, for errors) to [`UsageLine`]s, [`CostLine`]s or settings. They
//! write nothing: the caller parses every input first and only then replaces partitions in the
//! store, so a bad file never leaves the store half-updated.
//!
//! Errors name the file and the line, JSON path, CSV row/column or TOML key at fault.
//!
//! [`UsageLine`]: spendlens_model::UsageLine
//! [`CostLine`]: spendlens_model::CostLine

pub mod admin_cost;
pub mod admin_usage;
pub mod analytics;
pub mod claude_code_analytics;
pub mod directory;
mod error;
pub mod feed;
pub mod invoice;
pub mod orgmap;
pub mod otel;
pub mod push;
pub mod roster;
pub mod transcript;
pub mod usage_object;
mod wire;

pub use error::IngestError;
pub use feed::{Feed, Parsed};

/// Lines read from one or more pages, with the days their buckets cover and a mark per page.
#[derive(Debug, Clone, PartialEq)]
pub struct Pages<T> {
    pub lines: Vec<T>,
    /// Every UTC day a bucket of these pages covers, lines or not: what storing them replaces.
    pub days: std::collections::BTreeSet<spendlens_model::Day>,
    /// One mark per page read, in the order read.
    pub marks: Vec<PageMark>,
}

/// What one page said of itself: whether more pages follow it, and the span of its buckets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageMark {
    /// The file (or request) it was read from.
    pub file: String,
    /// What the page is part of, where one feed has several (a listing's item kind); empty else.
    pub of: String,
    /// `has_more`: the API has more pages of this range (or listing).
    pub has_more: bool,
    /// `next_page` (or a listing's `last_id`), when given.
    pub next_page: Option<String>,
    /// The start of its first and last bucket (for listings: none).
    pub first: Option<chrono::DateTime<chrono::Utc>>,
    pub last: Option<chrono::DateTime<chrono::Utc>>,
}

impl<T> Default for Pages<T> {
    fn default() -> Self {
        Pages { lines: Vec::new(), days: std::collections::BTreeSet::new(), marks: Vec::new() }
    }
}

impl<T> Pages<T> {
    /// Adds another page's lines, days and marks.
    pub fn extend(&mut self, other: Pages<T>) {
        self.lines.extend(other.lines);
        self.days.extend(other.days);
        self.marks.extend(other.marks);
    }

    /// The `next_page` cursor of the last page read, when it said there is more.
    pub fn next_page(&self) -> Option<&str> {
        self.marks.last().filter(|mark| mark.has_more).and_then(|mark| mark.next_page.as_deref())
    }

    /// The span from the first covered day to the last (inclusive), when any bucket was read.
    pub fn period(&self) -> Option<spendlens_model::Period> {
        let first = *self.days.first()?;
        let last = *self.days.last()?;
        Some(spendlens_model::Period::new(first, last.succ_opt().unwrap_or(last)))
    }

    /// The first page whose continuation is not among these pages: it said `has_more`, and no
    /// other page holds buckets from where it stopped on (a page saved alone from a longer
    /// answer). Pages of one answer continue each other in time, so a set holding every page of
    /// its answers has none.
    pub fn missing_continuation(&self) -> Option<&PageMark> {
        self.marks.iter().enumerate().find_map(|(index, mark)| {
            if !mark.has_more {
                return None;
            }
            let continued = self.marks.iter().enumerate().any(|(other, next)| {
                other != index
                    && match (mark.last, next.first) {
                        (Some(last), Some(first)) => first >= last,
                        // Listings: another page of the same listing.
                        (None, None) => next.of == mark.of,
                        _ => false,
                    }
            });
            (!continued).then_some(mark)
        })
    }
}

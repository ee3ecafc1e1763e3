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
pub mod roster;
pub mod transcript;
pub mod usage_object;
mod wire;

pub use error::IngestError;
pub use feed::{Feed, Parsed};

/// Lines read from one or more pages, with the span of time they cover.
#[derive(Debug, Clone, PartialEq)]
pub struct Pages<T> {
    pub lines: Vec<T>,
    /// First day covered (bucket start), if any bucket was present.
    pub first_day: Option<spendlens_model::Day>,
    /// Exclusive end day of the last bucket.
    pub end_day: Option<spendlens_model::Day>,
    /// `next_page` cursor of the last page read, when the API said there is more.
    pub next_page: Option<String>,
}

impl<T> Default for Pages<T> {
    fn default() -> Self {
        Pages { lines: Vec::new(), first_day: None, end_day: None, next_page: None }
    }
}

impl<T> Pages<T> {
    /// Adds another page's lines and widens the covered span.
    pub fn extend(&mut self, other: Pages<T>) {
        self.lines.extend(other.lines);
        self.first_day = match (self.first_day, other.first_day) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.end_day = match (self.end_day, other.end_day) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.next_page = other.next_page;
    }

    /// The covered days `[first_day, end_day)`, when any bucket was read.
    pub fn period(&self) -> Option<spendlens_model::Period> {
        Some(spendlens_model::Period::new(self.first_day?, self.end_day?))
    }
}

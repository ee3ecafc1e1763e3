//! Pieces every Anthropic Admin API page shares: the envelope, timestamps, optional enums.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::{IngestError, PageMark, Pages};

/// `usage.cache_creation`: the cache writes split by lifetime (Messages usage, usage report).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CacheCreation {
    pub ephemeral_5m_input_tokens: u64,
    pub ephemeral_1h_input_tokens: u64,
}

/// `usage.server_tool_use`: billed server-tool calls.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ServerToolUse {
    pub web_search_requests: u64,
}

/// `{"data": [...], "has_more": bool, "next_page": str|null}` (listings: `last_id` instead of
/// `next_page`).
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub next_page: Option<String>,
    #[serde(default)]
    pub last_id: Option<String>,
}

/// A page from bytes, with serde's line and column on failure.
pub(crate) fn parse_page<T: for<'de> Deserialize<'de>>(file: &str, bytes: &[u8]) -> Result<Page<T>, IngestError> {
    serde_json::from_slice(bytes).map_err(|error| IngestError::json(file, &error))
}

/// The mark of a page (its continuation; the bucket span is filled in as buckets are read).
pub(crate) fn mark<T>(file: &str, page: &Page<T>) -> PageMark {
    PageMark {
        file: file.to_string(),
        has_more: page.has_more,
        next_page: page.next_page.clone().or_else(|| page.last_id.clone()),
        ..PageMark::default()
    }
}

/// Records a bucket `[start, end)` in `pages`: the days it touches (a bucket ending at midnight
/// covers up to, not including, that day) and the span of the current page's buckets.
pub(crate) fn cover<T>(pages: &mut Pages<T>, start: DateTime<Utc>, end: DateTime<Utc>) {
    let mut day = start.date_naive();
    let last = (end - chrono::Duration::nanoseconds(1)).date_naive().max(day);
    while day <= last {
        pages.days.insert(day);
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    if let Some(mark) = pages.marks.last_mut() {
        mark.first = Some(mark.first.map_or(start, |first| first.min(start)));
        mark.last = Some(mark.last.map_or(start, |last| last.max(start)));
    }
}

/// The earliest and latest instants a source may speak of: anything outside is a damaged or
/// hostile value, refused before date arithmetic could overflow.
pub(crate) const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};
pub(crate) const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2100, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// An RFC 3339 timestamp, or a bare `YYYY-MM-DD` day taken as its UTC midnight, between the
/// years 2000 and 2100.
pub(crate) fn timestamp(file: &str, path: &str, text: &str) -> Result<DateTime<Utc>, IngestError> {
    let time = DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|day| day.and_hms_opt(0, 0, 0)).map(|time| time.and_utc()));
    let time = time.ok_or_else(|| IngestError::at_path(file, path, format!("{text:?} is not an RFC 3339 timestamp")))?;
    if time.date_naive() < EARLIEST || time.date_naive() >= LATEST {
        return Err(IngestError::at_path(file, path, format!("{text} is not a date between {EARLIEST} and {LATEST}")));
    }
    Ok(time)
}

/// The most of anything (tokens, searches, requests, seconds) one row may count: a quadrillion.
/// More is a damaged value; below it, no sum spendlens makes can overflow.
pub(crate) const MOST_COUNT: u64 = 1_000_000_000_000_000;

/// `value`, refused when absurd (see [`MOST_COUNT`]).
pub(crate) fn count(file: &str, path: impl Fn() -> String, value: u64) -> Result<u64, IngestError> {
    if value > MOST_COUNT {
        return Err(IngestError::at_path(file, path(), format!("{value} is more than any real count ({MOST_COUNT})")));
    }
    Ok(value)
}

/// The most cents one row may bill: 10^15, ten trillion dollars. More is a damaged value.
fn most_cents() -> Decimal {
    Decimal::from(MOST_COUNT)
}

/// An amount in cents, exactly as written: a decimal string (`"946.6125"`) or a JSON number,
/// never through `f64`.
pub(crate) fn cents(file: &str, path: String, raw: &RawValue) -> Result<Decimal, IngestError> {
    let literal = raw.get().trim();
    let text = if literal.starts_with('"') {
        serde_json::from_str::<String>(literal).map_err(|error| IngestError::at_path(file, path.clone(), error.to_string()))?
    } else {
        literal.to_string()
    };
    let text = text.trim();
    let cents = Decimal::from_str_exact(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|_| IngestError::at_path(file, path.clone(), format!("{literal} is not a decimal amount of cents")))?;
    if cents.abs() > most_cents() {
        return Err(IngestError::at_path(file, path, format!("{literal} cents is more than any real bill")));
    }
    Ok(cents)
}

/// An optional enum field: absent or null gives the default; a spelling the vocabulary does not
/// know is kept as an unknown value (only one that cannot be kept is an error).
pub(crate) fn optional_enum<T: FromStr + Default>(file: &str, path: &str, text: Option<&str>) -> Result<T, IngestError>
where
    T::Err: std::fmt::Display,
{
    match text {
        None => Ok(T::default()),
        Some(text) => text.parse().map_err(|error: T::Err| IngestError::at_path(file, path, error.to_string())),
    }
}

/// Empty strings from an API mean "none".
pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|text| !text.trim().is_empty())
}

/// An optional field that stays `None` when absent, null or empty; an unknown spelling is kept.
pub(crate) fn parse_optional<T: FromStr>(file: &str, path: String, text: Option<String>) -> Result<Option<T>, IngestError>
where
    T::Err: std::fmt::Display,
{
    match non_empty(text) {
        None => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|error: T::Err| IngestError::at_path(file, path, error.to_string())),
    }
}

/// The rate dimensions of a usage row as Anthropic spells them; absent or null is the default.
pub(crate) struct UsageDimensions<'a> {
    pub service_tier: Option<&'a str>,
    pub context_window: Option<&'a str>,
    pub inference_geo: Option<&'a str>,
    pub speed: Option<&'a str>,
}

impl UsageDimensions<'_> {
    /// Sets them on `line`; `path` names a field for errors (`service_tier` → `data[3].service_tier`).
    pub(crate) fn apply(
        &self,
        file: &str,
        path: impl Fn(&str) -> String,
        line: &mut spendlens_model::UsageLine,
    ) -> Result<(), IngestError> {
        line.service_tier = optional_enum(file, &path("service_tier"), self.service_tier)?;
        line.context_window = optional_enum(file, &path("context_window"), self.context_window)?;
        line.inference_geo = optional_enum(file, &path("inference_geo"), self.inference_geo)?;
        line.speed = optional_enum(file, &path("speed"), self.speed)?;
        Ok(())
    }
}

/// The rate dimensions and token type of a cost row; absent, null or empty stays `None`.
pub(crate) struct CostDimensions {
    pub service_tier: Option<String>,
    pub token_type: Option<String>,
    pub context_window: Option<String>,
    pub inference_geo: Option<String>,
}

impl CostDimensions {
    /// Sets them on `line`; `path` names a field for errors.
    pub(crate) fn apply(self, file: &str, path: impl Fn(&str) -> String, line: &mut spendlens_model::CostLine) -> Result<(), IngestError> {
        line.service_tier = parse_optional(file, path("service_tier"), self.service_tier)?;
        line.token_type = parse_optional(file, path("token_type"), self.token_type)?;
        line.context_window = parse_optional(file, path("context_window"), self.context_window)?;
        line.inference_geo = parse_optional(file, path("inference_geo"), self.inference_geo)?;
        Ok(())
    }
}

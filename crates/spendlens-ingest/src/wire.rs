//! Pieces every Anthropic Admin API page shares: the envelope, timestamps, optional enums.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::IngestError;

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

/// `{"data": [...], "has_more": bool, "next_page": str|null}`.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub next_page: Option<String>,
}

/// A page from bytes, with serde's line and column on failure.
pub(crate) fn parse_page<T: for<'de> Deserialize<'de>>(file: &str, bytes: &[u8]) -> Result<Page<T>, IngestError> {
    serde_json::from_slice(bytes).map_err(|error| IngestError::json(file, &error))
}

/// `next_page` when the page says there is more.
pub(crate) fn continuation<T>(page: &Page<T>) -> Option<String> {
    if page.has_more { page.next_page.clone() } else { None }
}

/// An RFC 3339 timestamp, or a bare `YYYY-MM-DD` day taken as its UTC midnight.
pub(crate) fn timestamp(file: &str, path: &str, text: &str) -> Result<DateTime<Utc>, IngestError> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
        .ok_or_else(|| IngestError::at_path(file, path, format!("{text:?} is not an RFC 3339 timestamp")))
}

/// An optional enum field: absent or null gives the default, an unknown spelling is an error.
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

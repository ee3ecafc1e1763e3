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

/// An optional field that stays `None` when absent, null or empty; an unknown spelling is an error.
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

//! The `usage` object of a Messages API response, as `spendlens price` reads it.

use crate::wire::{CacheCreation, ServerToolUse};
use serde::Deserialize;
use spendlens_model::{InferenceGeo, Quantities, ServiceTier, Speed, TokenCounts};

use crate::IngestError;
use crate::wire::optional_enum;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct Usage {
    input_tokens: u64,
    output_tokens: u64,
    cache_read_input_tokens: u64,
    cache_creation_input_tokens: Option<u64>,
    cache_creation: Option<CacheCreation>,
    server_tool_use: Option<ServerToolUse>,
    service_tier: Option<String>,
    inference_geo: Option<String>,
    speed: Option<String>,
}

/// A usage object's quantities (one request) and the tier, geography and speed it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageObject {
    pub quantities: Quantities,
    pub service_tier: Option<ServiceTier>,
    pub inference_geo: InferenceGeo,
    pub speed: Speed,
}

/// Parses `{"input_tokens": ..., "cache_creation": {...}, ...}`. When only
/// `cache_creation_input_tokens` is given, it counts as 5-minute writes.
pub fn read(source: &str, text: &str) -> Result<UsageObject, IngestError> {
    let usage: Usage = serde_json::from_str(text).map_err(|error| IngestError::json(source, &error))?;
    let (write_5m, write_1h) = match (&usage.cache_creation, usage.cache_creation_input_tokens) {
        (Some(split), total) => {
            let split_total = split.ephemeral_5m_input_tokens + split.ephemeral_1h_input_tokens;
            if let Some(total) = total.filter(|total| *total != split_total) {
                return Err(IngestError::at_path(
                    source,
                    "cache_creation_input_tokens",
                    format!("{total} differs from cache_creation's 5m + 1h split ({split_total})"),
                ));
            }
            (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens)
        }
        (None, Some(total)) => (total, 0),
        (None, None) => (0, 0),
    };
    Ok(UsageObject {
        quantities: Quantities {
            tokens: TokenCounts {
                input: usage.input_tokens,
                cache_write_5m: write_5m,
                cache_write_1h: write_1h,
                cache_read: usage.cache_read_input_tokens,
                output: usage.output_tokens,
            },
            web_search_requests: usage.server_tool_use.map_or(0, |tools| tools.web_search_requests),
            code_execution_seconds: 0,
            requests: Some(1),
        },
        service_tier: match usage.service_tier {
            None => None,
            Some(tier) => Some(optional_enum::<ServiceTier>(source, "service_tier", Some(&tier))?),
        },
        inference_geo: optional_enum(source, "inference_geo", usage.inference_geo.as_deref())?,
        speed: optional_enum(source, "speed", usage.speed.as_deref())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_messages_usage_object() {
        let text = r#"{"input_tokens":2000,"output_tokens":800,"cache_read_input_tokens":10000,"cache_creation_input_tokens":1500,
            "cache_creation":{"ephemeral_5m_input_tokens":1500,"ephemeral_1h_input_tokens":0},"service_tier":"batch",
            "server_tool_use":{"web_search_requests":2}}"#;
        let usage = read("stdin", text).unwrap();
        assert_eq!(
            usage.quantities.tokens,
            TokenCounts { input: 2000, cache_write_5m: 1500, cache_write_1h: 0, cache_read: 10000, output: 800 }
        );
        assert_eq!(usage.service_tier, Some(ServiceTier::Batch));
        assert_eq!(usage.quantities.web_search_requests, 2);
        let typo = read("stdin", r#"{"input_tokns": 5}"#).unwrap_err().to_string();
        assert!(typo.contains("stdin: line 1") && typo.contains("input_tokns"), "{typo}");
        let mismatch =
            read("stdin", r#"{"cache_creation_input_tokens": 5, "cache_creation": {"ephemeral_1h_input_tokens": 4}}"#).unwrap_err();
        assert!(mismatch.to_string().contains("field cache_creation_input_tokens"));
    }
}

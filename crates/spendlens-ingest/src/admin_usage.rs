//! Admin API Messages usage report (`GET /v1/organizations/usage_report/messages`).
//!
//! Token quantities per time bucket, grouped by any of API key, workspace, model, service tier,
//! context window and inference geography. A field that was not grouped on is null. A null
//! workspace is the organisation's Default workspace. These lines refine who and why; the dollars
//! come from the cost report.

use crate::wire::{CacheCreation, ServerToolUse};
use serde::Deserialize;
use spendlens_model::{Path, Source, TokenCounts, UsageLine};

use crate::wire::{UsageDimensions, count, cover, mark, non_empty, parse_page, timestamp};
use crate::{IngestError, Pages};

#[derive(Debug, Deserialize)]
struct Bucket {
    starting_at: String,
    ending_at: String,
    #[serde(default)]
    results: Vec<Result_>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Result_ {
    uncached_input_tokens: u64,
    cache_creation: Option<CacheCreation>,
    /// Older payloads give only the total; treated as 5-minute writes.
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: u64,
    output_tokens: u64,
    server_tool_use: Option<ServerToolUse>,
    api_key_id: Option<String>,
    workspace_id: Option<String>,
    /// The user account behind the requests (`group_by[]=account_id`).
    account_id: Option<String>,
    /// The service account behind the requests (`group_by[]=service_account_id`).
    service_account_id: Option<String>,
    model: Option<String>,
    service_tier: Option<String>,
    context_window: Option<String>,
    inference_geo: Option<String>,
    speed: Option<String>,
}

/// Reads one page of the usage report.
pub fn read_page(file: &str, bytes: &[u8]) -> Result<Pages<UsageLine>, IngestError> {
    let page = parse_page::<Bucket>(file, bytes)?;
    let mut pages = Pages { marks: vec![mark(file, &page)], ..Pages::default() };
    for (bucket_index, bucket) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{bucket_index}].{field}");
        let start = timestamp(file, &at("starting_at"), &bucket.starting_at)?;
        let end = timestamp(file, &at("ending_at"), &bucket.ending_at)?;
        if end <= start {
            return Err(IngestError::at_path(file, at("ending_at"), "bucket ends before it starts"));
        }
        cover(&mut pages, start, end);
        for (result_index, result) in bucket.results.into_iter().enumerate() {
            let at = |field: &str| format!("data[{bucket_index}].results[{result_index}].{field}");
            // A report not grouped by model has none: the line is kept, and is unpriced.
            let model = non_empty(result.model).unwrap_or_default();
            let (cache_write_5m, cache_write_1h) = match (&result.cache_creation, result.cache_creation_input_tokens) {
                (Some(split), _) => (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens),
                (None, Some(total)) => (total, 0),
                (None, None) => (0, 0),
            };
            let mut line = UsageLine::new(start, end, Source::AdminUsage, model);
            line.path = Path::Unassigned;
            line.identity.api_key_id = non_empty(result.api_key_id);
            line.identity.workspace_id = non_empty(result.workspace_id);
            line.identity.account_id = non_empty(result.account_id);
            line.identity.service_account_id = non_empty(result.service_account_id);
            let dimensions = UsageDimensions {
                service_tier: result.service_tier.as_deref(),
                context_window: result.context_window.as_deref(),
                inference_geo: result.inference_geo.as_deref(),
                speed: result.speed.as_deref(),
            };
            dimensions.apply(file, at, &mut line)?;
            line.quantities.tokens = TokenCounts {
                input: count(file, || at("uncached_input_tokens"), result.uncached_input_tokens)?,
                cache_write_5m: count(file, || at("cache_creation"), cache_write_5m)?,
                cache_write_1h: count(file, || at("cache_creation"), cache_write_1h)?,
                cache_read: count(file, || at("cache_read_input_tokens"), result.cache_read_input_tokens)?,
                output: count(file, || at("output_tokens"), result.output_tokens)?,
            };
            line.quantities.web_search_requests =
                count(file, || at("server_tool_use"), result.server_tool_use.map_or(0, |tools| tools.web_search_requests))?;
            pages.lines.push(line);
        }
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_model::{ContextWindow, InferenceGeo, ServiceTier};

    const PAGE: &str = r#"{
      "data": [
        {"starting_at": "2026-10-01T00:00:00Z", "ending_at": "2026-10-01T01:00:00Z", "results": [
          {"uncached_input_tokens": 1200, "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 40},
           "cache_read_input_tokens": 5000, "output_tokens": 250, "server_tool_use": {"web_search_requests": 3},
           "api_key_id": "apikey_01A", "workspace_id": null, "model": "claude-sonnet-5-5", "service_tier": "batch",
           "context_window": "200k-1M", "inference_geo": "us", "future_field": 1}
        ]},
        {"starting_at": "2026-10-01T23:00:00Z", "ending_at": "2026-10-02T00:00:00Z", "results": []}
      ],
      "has_more": true,
      "next_page": "page_abc"
    }"#;

    #[test]
    fn reads_every_field_of_a_result() {
        let pages = read_page("usage.json", PAGE.as_bytes()).unwrap();
        assert_eq!(pages.lines.len(), 1);
        let line = &pages.lines[0];
        assert_eq!(
            line.quantities.tokens,
            TokenCounts { input: 1200, cache_write_5m: 300, cache_write_1h: 40, cache_read: 5000, output: 250 }
        );
        assert_eq!(line.quantities.web_search_requests, 3);
        assert_eq!(line.identity.api_key_id.as_deref(), Some("apikey_01A"));
        assert_eq!(line.identity.workspace_id, None);
        assert_eq!(
            (line.service_tier, line.context_window, line.inference_geo),
            (ServiceTier::Batch, ContextWindow::Long, InferenceGeo::Us)
        );
        assert_eq!(pages.period().unwrap().label(), "2026-10-01..2026-10-02");
        assert_eq!(pages.next_page(), Some("page_abc"));
        assert!(pages.missing_continuation().is_some(), "page 1 of an answer, alone");
    }

    #[test]
    fn errors_name_the_file_and_the_field() {
        let truncated = &PAGE[..200];
        let error = read_page("usage.json", truncated.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("usage.json: line 4, column"), "{error}");
        // A number where a string belongs is malformed.
        let number_tier = PAGE.replace("\"batch\"", "5");
        let error = read_page("usage.json", number_tier.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("usage.json: line ") && error.contains("invalid type"), "{error}");
        let absurd = PAGE.replace("\"output_tokens\": 250", "\"output_tokens\": 18446744073709551615");
        let error = read_page("usage.json", absurd.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("data[0].results[0].output_tokens") && error.contains("more than any real count"), "{error}");
        let far = PAGE.replace("2026-10-01T00:00:00Z", "9999-10-01T00:00:00Z");
        let error = read_page("usage.json", far.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("data[0].starting_at") && error.contains("between 2000-01-01 and 2100-01-01"), "{error}");
    }

    #[test]
    fn regression_an_unknown_service_tier_is_data_not_an_error() {
        for tier in ["flex", "flex_discount", "priority_on_demand", "turbo"] {
            let page = PAGE.replace("\"batch\"", &format!("\"{tier}\""));
            let line = &read_page("usage.json", page.as_bytes()).unwrap().lines[0];
            assert_eq!(line.service_tier.unknown().map(|spelling| spelling.as_str()), Some(tier));
        }
        let page = PAGE.replace("\"us\"", "\"not_available\"");
        assert_eq!(read_page("usage.json", page.as_bytes()).unwrap().lines[0].inference_geo, InferenceGeo::NotAvailable);
        // A report not grouped by model keeps its rows, with no model (unpriced).
        let no_model = PAGE.replace("\"model\": \"claude-sonnet-5-5\",", "");
        assert_eq!(read_page("usage.json", no_model.as_bytes()).unwrap().lines[0].model, "");
    }

    #[test]
    fn user_and_service_accounts_are_kept() {
        let page = PAGE.replace(
            "\"workspace_id\": null,",
            "\"workspace_id\": null, \"account_id\": \"user_01X\", \"service_account_id\": \"svac_01Y\",",
        );
        let line = &read_page("usage.json", page.as_bytes()).unwrap().lines[0];
        assert_eq!(
            (line.identity.account_id.as_deref(), line.identity.service_account_id.as_deref()),
            (Some("user_01X"), Some("svac_01Y"))
        );
    }

    #[test]
    fn a_lone_creation_total_counts_as_five_minute_writes() {
        let legacy = r#"{"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
            {"cache_creation_input_tokens": 70, "model": "claude-haiku-4-5"}]}],"has_more":false,"next_page":null}"#;
        let pages = read_page("u.json", legacy.as_bytes()).unwrap();
        assert_eq!(pages.lines[0].quantities.tokens.cache_write_5m, 70);
        assert_eq!(pages.next_page(), None);
    }
}

//! Usage and Cost Analytics API (beta): `GET /v1/organizations/analytics/usage` and
//! `GET /v1/organizations/analytics/cost` (header `anthropic-beta: analytics-usage-cost-2026-08-24`).
//!
//! Both answer `{"data": [row], "has_more", "next_page"}` with one row per combination of the
//! requested `group_by[]` dimensions and time bucket: `{"starting_at", "ending_at", "group": {...},
//! "usage" | "cost": {...}}`. A dimension that was not grouped on is null in `group`.
//!
//! - **Usage** rows become [`UsageLine`]s (source `admin_analytics_usage`) with tokens by type and
//!   `requests`, the row's request count, which the legacy usage report never gave. Rows with no
//!   model and no tokens (code-execution spans) carry no usage to price and are skipped.
//! - **Cost** rows become [`CostLine`]s (source `admin_analytics_cost`). `amount` is post-discount,
//!   pre-credit, in **cents** (`"946.6125"` is $9.466125), read digit for digit whether it arrives as
//!   a string or a JSON number. `list_amount` (pre-discount) is checked but not kept: a cost line
//!   has no place for it yet. Cost rows are daily (`time_bucket_width=1d`): a row that is not one
//!   or more whole UTC days is an error.
//!
//! Field names not confirmed by Anthropic's reference (`requests`, the `usage` token fields, the
//! `actor` object) follow the sibling Enterprise analytics reports; see
//! `docs/analytics-api-findings.md`. Unknown fields are ignored.

use chrono::{DateTime, Utc};

use serde::Deserialize;
use serde_json::value::RawValue;
use spendlens_model::{CostKind, CostLine, Identity, Money, Path, Source, TokenCounts, TokenType, UsageLine};

use crate::wire::{
    CacheCreation, CostDimensions, Page, ServerToolUse, UsageDimensions, cents, count, cover, mark, non_empty, parse_optional, parse_page,
    timestamp,
};
use crate::{IngestError, Pages};

/// The dimensions one row is broken out by; null (or absent) for those not grouped on.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Group {
    api_key_id: Option<String>,
    workspace_id: Option<String>,
    account_id: Option<String>,
    service_account_id: Option<String>,
    model: Option<String>,
    service_tier: Option<String>,
    context_window: Option<String>,
    inference_geo: Option<String>,
    speed: Option<String>,
    cost_type: Option<String>,
    token_type: Option<String>,
    /// The identity behind the requests: a user (with an email), a service account, an API key.
    actor: Option<serde_json::Value>,
    /// `user_actor`, `api_actor`, `service_account_actor`, `federated_actor`, ... as written.
    actor_type: Option<String>,
}

impl Group {
    fn identity(&self) -> Identity {
        Identity {
            workspace_id: non_empty(self.workspace_id.clone()),
            api_key_id: non_empty(self.api_key_id.clone()),
            actor_email: self.actor.as_ref().and_then(actor_email),
            account_id: non_empty(self.account_id.clone()),
            service_account_id: non_empty(self.service_account_id.clone()),
            ..Identity::default()
        }
    }
}

/// A person's email from `group.actor`: `{"type": "user_actor", "email_address": ...}`, or a bare
/// string that is an email address.
fn actor_email(actor: &serde_json::Value) -> Option<String> {
    let text = match actor {
        serde_json::Value::Object(fields) => fields.get("email_address")?.as_str()?,
        serde_json::Value::String(text) if text.contains('@') => text,
        _ => return None,
    };
    non_empty(Some(text.trim().to_ascii_lowercase()))
}

#[derive(Debug, Deserialize)]
struct UsageRow {
    starting_at: String,
    ending_at: String,
    #[serde(default)]
    group: Group,
    usage: UsageMetrics,
    /// Tolerated beside `usage` as well as inside it.
    #[serde(default)]
    requests: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UsageMetrics {
    uncached_input_tokens: u64,
    cache_creation: Option<CacheCreation>,
    cache_read_input_tokens: u64,
    output_tokens: u64,
    server_tool_use: Option<ServerToolUse>,
    requests: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CostRow {
    starting_at: String,
    ending_at: String,
    #[serde(default)]
    group: Group,
    cost: CostMetrics,
}

#[derive(Debug, Deserialize)]
struct CostMetrics {
    amount: Box<RawValue>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    list_amount: Option<Box<RawValue>>,
}

/// A row's bucket, checked: it ends after it starts.
fn bucket(file: &str, index: usize, starting_at: &str, ending_at: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), IngestError> {
    let at = |field: &str| format!("data[{index}].{field}");
    let start = timestamp(file, &at("starting_at"), starting_at)?;
    let end = timestamp(file, &at("ending_at"), ending_at)?;
    if end <= start {
        return Err(IngestError::at_path(file, at("ending_at"), "the row ends before it starts"));
    }
    Ok((start, end))
}

/// Reads one page of `/v1/organizations/analytics/usage`.
pub fn read_usage_page(file: &str, bytes: &[u8]) -> Result<Pages<UsageLine>, IngestError> {
    let page: Page<UsageRow> = parse_page(file, bytes)?;
    let mut pages = Pages { marks: vec![mark(file, &page)], ..Pages::default() };
    for (index, row) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{index}].{field}");
        let (start, end) = bucket(file, index, &row.starting_at, &row.ending_at)?;
        cover(&mut pages, start, end);
        let usage = row.usage;
        let (cache_write_5m, cache_write_1h) =
            usage.cache_creation.as_ref().map_or((0, 0), |split| (split.ephemeral_5m_input_tokens, split.ephemeral_1h_input_tokens));
        let tokens = TokenCounts {
            input: count(file, || at("usage.uncached_input_tokens"), usage.uncached_input_tokens)?,
            cache_write_5m: count(file, || at("usage.cache_creation"), cache_write_5m)?,
            cache_write_1h: count(file, || at("usage.cache_creation"), cache_write_1h)?,
            cache_read: count(file, || at("usage.cache_read_input_tokens"), usage.cache_read_input_tokens)?,
            output: count(file, || at("usage.output_tokens"), usage.output_tokens)?,
        };
        let web_search_requests =
            count(file, || at("usage.server_tool_use"), usage.server_tool_use.map_or(0, |tools| tools.web_search_requests))?;
        let mut group = row.group;
        // A report not grouped by model has none: the line is kept, and is unpriced.
        let model = non_empty(group.model.take()).unwrap_or_default();
        // A model-less row without tokens counts code-execution spans, not requests: nothing to keep.
        if model.is_empty() && tokens.total() == 0 && web_search_requests == 0 {
            continue;
        }
        let mut line = UsageLine::new(start, end, Source::AdminAnalyticsUsage, model);
        line.path = Path::Unassigned;
        line.identity = group.identity();
        let dimensions = UsageDimensions {
            service_tier: group.service_tier.as_deref(),
            context_window: group.context_window.as_deref(),
            inference_geo: group.inference_geo.as_deref(),
            speed: group.speed.as_deref(),
        };
        dimensions.apply(file, |field| at(&format!("group.{field}")), &mut line)?;
        line.quantities.tokens = tokens;
        line.quantities.web_search_requests = web_search_requests;
        line.quantities.requests = match usage.requests.or(row.requests) {
            Some(requests) => Some(count(file, || at("usage.requests"), requests)?),
            None => None,
        };
        pages.lines.push(line);
    }
    Ok(pages)
}

/// What a cost row pays for: its `cost_type`, or tokens when only `token_type` was grouped on.
/// Without either the amount is the row's combined total, which is not one kind.
fn cost_kind(cost_type: Option<CostKind>, token_type: Option<TokenType>) -> CostKind {
    match cost_type {
        Some(kind) => kind,
        None if token_type.is_some() => CostKind::Tokens,
        None => CostKind::Other,
    }
}

/// Reads one page of `/v1/organizations/analytics/cost` (daily buckets).
pub fn read_cost_page(file: &str, bytes: &[u8]) -> Result<Pages<CostLine>, IngestError> {
    let page: Page<CostRow> = parse_page(file, bytes)?;
    let mut pages = Pages { marks: vec![mark(file, &page)], ..Pages::default() };
    for (index, row) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{index}].{field}");
        let (start, end) = bucket(file, index, &row.starting_at, &row.ending_at)?;
        cover(&mut pages, start, end);
        // Filed under its day; an hourly or per-minute row spans to the next midnight.
        let (first_day, end_day) = (start.date_naive(), end.date_naive().max(start.date_naive().succ_opt().unwrap_or(start.date_naive())));
        let cost = row.cost;
        if let Some(currency) = cost.currency.as_deref().filter(|currency| !currency.eq_ignore_ascii_case("USD")) {
            return Err(IngestError::at_path(
                file,
                at("cost.currency"),
                format!("currency {currency:?}: spendlens reads USD cost reports"),
            ));
        }
        let amount = cents(file, at("cost.amount"), &cost.amount)?;
        // JSON null reads as None here.
        if let Some(list_amount) = cost.list_amount.as_deref() {
            cents(file, at("cost.list_amount"), list_amount)?;
        }
        let group = row.group;
        let token_type = parse_optional::<TokenType>(file, at("group.token_type"), group.token_type.clone())?;
        let cost_type = parse_optional::<CostKind>(file, at("group.cost_type"), group.cost_type.clone())?;
        let kind = cost_kind(cost_type, token_type);
        let mut line = CostLine::new(first_day, end_day, Source::AdminAnalyticsCost, Money::from_cents_decimal(amount), kind);
        line.path = Path::Unassigned;
        line.identity = group.identity();
        line.model = non_empty(group.model);
        let dimensions = CostDimensions {
            service_tier: group.service_tier,
            token_type: None,
            context_window: group.context_window,
            inference_geo: group.inference_geo,
        };
        dimensions.apply(file, |field| at(&format!("group.{field}")), &mut line)?;
        line.token_type = token_type;
        pages.lines.push(line);
    }
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_model::{ContextWindow, InferenceGeo, ServiceTier, Speed};

    /// Two daily rows of `/analytics/usage` grouped by key, workspace, model, tier, window, geo.
    const USAGE: &str = r#"{
      "data": [
        {"starting_at": "2026-10-30T00:00:00Z", "ending_at": "2026-10-31T00:00:00Z",
         "group": {"api_key_id": "apikey_01Kx", "workspace_id": "wrkspc_01Wy", "model": "claude-sonnet-4-5",
                   "service_tier": "batch", "context_window": "200k-1M", "inference_geo": "us", "speed": null,
                   "actor": null, "product": null, "future_dimension": "x"},
         "usage": {"uncached_input_tokens": 120400, "cache_creation": {"ephemeral_5m_input_tokens": 3100, "ephemeral_1h_input_tokens": 40},
                   "cache_read_input_tokens": 950000, "output_tokens": 18250, "server_tool_use": {"web_search_requests": 7},
                   "requests": 412, "total_tokens": 1091790}},
        {"starting_at": "2026-10-30T00:00:00Z", "ending_at": "2026-10-31T00:00:00Z",
         "group": {"api_key_id": null, "workspace_id": null, "model": "claude-haiku-4-5",
                   "actor": {"type": "user_actor", "user_id": "user_01Ab", "email_address": "Ada@Example.com", "name": "Ada", "deleted": false}},
         "usage": {"uncached_input_tokens": 900, "cache_read_input_tokens": 0, "output_tokens": 60, "requests": null}},
        {"starting_at": "2026-10-30T00:00:00Z", "ending_at": "2026-10-31T00:00:00Z",
         "group": {"api_key_id": "apikey_01Kx", "model": null},
         "usage": {"uncached_input_tokens": 0, "output_tokens": 0, "requests": 5}}
      ],
      "has_more": true,
      "next_page": "page_MjAyNi0xMC0zMQ"
    }"#;

    #[test]
    fn usage_rows_keep_tokens_requests_and_identities() {
        let pages = read_usage_page("usage.json", USAGE.as_bytes()).unwrap();
        assert_eq!(pages.lines.len(), 2, "the model-less, token-less code-execution row is skipped");
        let line = &pages.lines[0];
        assert_eq!(line.source, Source::AdminAnalyticsUsage);
        assert_eq!(
            line.quantities.tokens,
            TokenCounts { input: 120_400, cache_write_5m: 3_100, cache_write_1h: 40, cache_read: 950_000, output: 18_250 }
        );
        assert_eq!(line.quantities.requests, Some(412));
        assert_eq!(line.quantities.web_search_requests, 7);
        assert_eq!(line.identity.api_key_id.as_deref(), Some("apikey_01Kx"));
        assert_eq!(line.identity.workspace_id.as_deref(), Some("wrkspc_01Wy"));
        assert_eq!(line.identity.actor_email, None);
        assert_eq!(
            (line.service_tier, line.context_window, line.inference_geo, line.speed),
            (ServiceTier::Batch, ContextWindow::Long, InferenceGeo::Us, Speed::Standard)
        );
        assert_eq!(
            (line.start.to_rfc3339(), line.end.to_rfc3339()),
            ("2026-10-30T00:00:00+00:00".into(), "2026-10-31T00:00:00+00:00".into())
        );
        let person = &pages.lines[1];
        assert_eq!(person.identity.actor_email.as_deref(), Some("ada@example.com"));
        assert_eq!((person.identity.api_key_id.as_deref(), person.quantities.requests), (None, None));
        assert_eq!((person.service_tier, person.context_window), (ServiceTier::Standard, ContextWindow::Base));
        assert_eq!(pages.period().unwrap().label(), "2026-10-30..2026-10-31");
        assert_eq!(pages.next_page(), Some("page_MjAyNi0xMC0zMQ"));
    }

    #[test]
    fn a_request_count_beside_the_usage_object_is_read_too() {
        let page = r#"{"data":[{"starting_at":"2026-10-30T00:00:00Z","ending_at":"2026-10-31T00:00:00Z",
          "group":{"model":"claude-opus-4-5","actor":"bob@example.com"},"usage":{"output_tokens":3},"requests":9}],"has_more":false,"next_page":null}"#;
        let pages = read_usage_page("u.json", page.as_bytes()).unwrap();
        assert_eq!(pages.lines[0].quantities.requests, Some(9));
        assert_eq!(pages.lines[0].identity.actor_email.as_deref(), Some("bob@example.com"));
        assert_eq!(pages.next_page(), None);
    }

    #[test]
    fn regression_an_unknown_tier_and_a_model_less_row_are_data() {
        let flex = USAGE.replace("\"batch\"", "\"flex\"");
        let line = &read_usage_page("usage.json", flex.as_bytes()).unwrap().lines[0];
        assert_eq!(line.service_tier.as_str(), "flex");
        let no_model = USAGE.replace("\"model\": \"claude-haiku-4-5\",", "");
        let pages = read_usage_page("usage.json", no_model.as_bytes()).unwrap();
        assert_eq!((pages.lines[1].model.as_str(), pages.lines[1].quantities.tokens.input), ("", 900));
    }

    #[test]
    fn usage_errors_name_the_file_and_the_field() {
        let number_tier = USAGE.replace("\"batch\"", "7");
        let error = read_usage_page("usage.json", number_tier.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("usage.json: line ") && error.contains("invalid type"), "{error}");
        let backwards = USAGE.replacen("\"ending_at\": \"2026-10-31T00:00:00Z\"", "\"ending_at\": \"2026-10-29T00:00:00Z\"", 1);
        let error = read_usage_page("usage.json", backwards.as_bytes()).unwrap_err().to_string();
        assert_eq!(error, "usage.json: field data[0].ending_at: the row ends before it starts");
        let error = read_usage_page("usage.json", &USAGE.as_bytes()[..300]).unwrap_err().to_string();
        assert!(error.starts_with("usage.json: line 5, column"), "{error}");
        let negative = USAGE.replace("\"requests\": 412", "\"requests\": -1");
        let error = read_usage_page("usage.json", negative.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("usage.json: line 9, column") && error.contains("-1"), "{error}");
    }

    /// `/analytics/cost` grouped by workspace, model, cost type, token type, tier, window and geo.
    const COST: &str = r#"{
      "data": [
        {"starting_at": "2026-10-15T00:00:00Z", "ending_at": "2026-10-16T00:00:00Z",
         "group": {"workspace_id": "wrkspc_01W", "model": "claude-sonnet-4-5", "cost_type": "tokens",
                   "token_type": "cache_creation.ephemeral_5m_input_tokens", "service_tier": "standard",
                   "context_window": "0-200k", "inference_geo": "global", "api_key_id": null, "actor": null},
         "cost": {"amount": "946.6125", "currency": "USD", "list_amount": "1052.5", "requests": null}},
        {"starting_at": "2026-10-15T00:00:00Z", "ending_at": "2026-10-16T00:00:00Z",
         "group": {"workspace_id": null, "model": "claude-sonnet-4-5", "cost_type": "web_search", "token_type": null},
         "cost": {"amount": 12, "currency": "USD", "list_amount": 12, "requests": null}},
        {"starting_at": "2026-10-15T00:00:00Z", "ending_at": "2026-10-17T00:00:00Z",
         "group": {"api_key_id": "apikey_01K", "actor": {"type": "user_actor", "email_address": "ada@example.com"}},
         "cost": {"amount": 1234567890123.456789, "currency": "USD", "list_amount": null, "requests": 31}}
      ],
      "has_more": false,
      "next_page": null
    }"#;

    #[test]
    fn cost_amounts_are_exact_cents_and_fields_are_kept() {
        let pages = read_cost_page("cost.json", COST.as_bytes()).unwrap();
        let [tokens, search, total] = &pages.lines[..] else { panic!("three lines, got {:?}", pages.lines) };
        assert_eq!(tokens.source, Source::AdminAnalyticsCost);
        assert_eq!(tokens.amount, "9.466125".parse().unwrap());
        assert_eq!((tokens.kind, tokens.token_type), (CostKind::Tokens, Some(TokenType::CacheWrite5m)));
        assert_eq!(tokens.identity.workspace_id.as_deref(), Some("wrkspc_01W"));
        assert_eq!(tokens.model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(
            (tokens.service_tier, tokens.context_window, tokens.inference_geo),
            (Some(ServiceTier::Standard), Some(ContextWindow::Base), Some(InferenceGeo::Global))
        );
        assert_eq!((tokens.start.to_string(), tokens.end.to_string()), ("2026-10-15".into(), "2026-10-16".into()));
        assert_eq!((search.kind, search.amount, search.identity.workspace_id.clone()), (CostKind::WebSearch, Money::from_cents(12), None));
        // A JSON number with more digits than an f64 holds keeps every one of them.
        assert_eq!(total.amount.as_decimal().to_string(), "12345678901.23456789");
        assert_eq!(total.kind, CostKind::Other, "no cost_type and no token_type: a combined total");
        assert_eq!(total.identity.api_key_id.as_deref(), Some("apikey_01K"));
        assert_eq!(total.identity.actor_email.as_deref(), Some("ada@example.com"));
        assert_eq!((total.start.to_string(), total.end.to_string()), ("2026-10-15".into(), "2026-10-17".into()));
        assert_eq!(pages.period().unwrap().label(), "2026-10-15..2026-10-17");
        assert_eq!(pages.next_page(), None);
    }

    #[test]
    fn cost_kinds_follow_cost_type_then_token_type() {
        let session_usage: CostKind = "session_usage".parse().unwrap();
        let rows = [
            (Some(CostKind::Tokens), None, CostKind::Tokens),
            (Some(CostKind::WebSearch), None, CostKind::WebSearch),
            (Some(CostKind::CodeExecution), None, CostKind::CodeExecution),
            (Some(session_usage), None, session_usage),
            (None, Some(TokenType::Output), CostKind::Tokens),
            (None, None, CostKind::Other),
        ];
        for (cost_type, token_type, expected) in rows {
            assert_eq!(cost_kind(cost_type, token_type), expected, "{cost_type:?} {token_type:?}");
        }
    }

    #[test]
    fn regression_an_unknown_token_type_and_an_hourly_cost_row_are_data() {
        let page = COST.replacen("\"token_type\": \"cache_creation.ephemeral_5m_input_tokens\"", "\"token_type\": \"thinking_tokens\"", 1);
        let line = &read_cost_page("cost.json", page.as_bytes()).unwrap().lines[0];
        assert_eq!(line.token_type.map(|token_type| token_type.as_str()), Some("thinking_tokens"));
        let hourly = COST.replacen("\"ending_at\": \"2026-10-16T00:00:00Z\"", "\"ending_at\": \"2026-10-15T01:00:00Z\"", 1);
        let pages = read_cost_page("cost.json", hourly.as_bytes()).unwrap();
        assert_eq!((pages.lines[0].start.to_string(), pages.lines[0].end.to_string()), ("2026-10-15".into(), "2026-10-16".into()));
    }

    #[test]
    fn cost_errors_name_the_file_and_the_field() {
        let rows = [
            ("\"946.6125\"", "\"9,46\"", "cost.json: field data[0].cost.amount: \"9,46\" is not a decimal amount of cents"),
            ("\"1052.5\"", "\"ten\"", "cost.json: field data[0].cost.list_amount: \"ten\" is not a decimal amount of cents"),
            (
                "\"currency\": \"USD\", \"list_amount\": \"1052.5\"",
                "\"currency\": \"EUR\", \"list_amount\": \"1052.5\"",
                "cost.json: field data[0].cost.currency: currency \"EUR\": spendlens reads USD cost reports",
            ),
        ];
        for (from, to, expected) in rows {
            let page = COST.replacen(from, to, 1);
            assert_ne!(page, COST, "{from}");
            let error = read_cost_page("cost.json", page.as_bytes()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error}");
        }
        let no_amount = COST.replacen("\"amount\": \"946.6125\", ", "", 1);
        let error = read_cost_page("cost.json", no_amount.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("cost.json: line 7, column") && error.contains("missing field `amount`"), "{error}");
    }
}

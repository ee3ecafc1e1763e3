//! Claude Code Analytics API (`GET /v1/organizations/usage_report/claude_code`): per engineer per
//! day, tokens and estimated cost per model, plus productivity metrics.
//!
//! Every line read here is Claude Code. Subscription (seat) usage is covered by the seat fee; API
//! usage is billed in the cost report. Either way these lines refine who, never add dollars: the
//! `estimated_cost` (cents, list price) is kept as the line's `reported_cost`. Sessions, lines of
//! code, commits, pull requests and tool decisions become [`ActivityLine`]s: the intensity driver.

use serde::Deserialize;
use serde_json::value::RawValue;
use spendlens_model::{ActivityLine, Money, Path, Source, TokenCounts, UsageLine};

use crate::wire::{cents, count, cover, mark, non_empty, parse_page, timestamp};
use crate::{IngestError, Pages};

#[derive(Debug, Deserialize)]
struct Record {
    date: String,
    actor: Actor,
    #[serde(default)]
    customer_type: Option<String>,
    #[serde(default)]
    subscription_type: Option<String>,
    #[serde(default)]
    terminal_type: Option<String>,
    #[serde(default)]
    core_metrics: CoreMetrics,
    /// `edit_tool`, `multi_edit_tool`, `write_tool`, `notebook_edit_tool`, and any added later.
    #[serde(default)]
    tool_actions: std::collections::BTreeMap<String, Decisions>,
    #[serde(default)]
    model_breakdown: Vec<ModelBreakdown>,
}

/// `{"type": "user_actor", "email_address": ...}`, `{"type": "api_actor", "api_key_name": ...}`,
/// or a type this build does not know (kept as written, with whichever of the two it carries).
#[derive(Debug, Deserialize)]
struct Actor {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    email_address: Option<String>,
    #[serde(default)]
    api_key_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CoreMetrics {
    num_sessions: u64,
    lines_of_code: LinesOfCode,
    commits_by_claude_code: u64,
    pull_requests_by_claude_code: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LinesOfCode {
    added: u64,
    removed: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Decisions {
    accepted: u64,
    rejected: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Tokens {
    input: u64,
    output: u64,
    cache_read: u64,
    cache_creation: u64,
}

#[derive(Debug, Deserialize)]
struct EstimatedCost {
    /// Cents, a JSON number or a decimal string, read exactly (never through f64).
    amount: Box<RawValue>,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ModelBreakdown {
    model: String,
    #[serde(default)]
    tokens: Tokens,
    #[serde(default)]
    estimated_cost: Option<EstimatedCost>,
}

/// One page of Claude Code Analytics: token usage per engineer, day and model, and each
/// engineer-day's activity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalyticsPage {
    pub usage: Pages<UsageLine>,
    pub activity: Vec<ActivityLine>,
}

impl AnalyticsPage {
    pub fn extend(&mut self, other: AnalyticsPage) {
        self.usage.extend(other.usage);
        self.activity.extend(other.activity);
    }
}

/// Reads one page of Claude Code Analytics records: a usage line per record and model, and an
/// activity line per record.
pub fn read_page(file: &str, bytes: &[u8]) -> Result<AnalyticsPage, IngestError> {
    let page = parse_page::<Record>(file, bytes)?;
    let mut usage = Pages { marks: vec![mark(file, &page)], ..Pages::default() };
    let mut activity = Vec::with_capacity(page.data.len());
    for (index, record) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{index}].{field}");
        let start = timestamp(file, &at("date"), &record.date)?;
        let end = start + chrono::Duration::days(1);
        let day = start.date_naive();
        cover(&mut usage, start, end);
        let actor = &record.actor;
        let email = non_empty(actor.email_address.clone()).map(|email| email.to_ascii_lowercase());
        let key_name = non_empty(actor.api_key_name.clone());
        let (actor_email, api_key_name, actor_type) = match actor.kind.as_str() {
            "user_actor" => (
                Some(email.ok_or_else(|| IngestError::at_path(file, at("actor.email_address"), "a user actor names no email"))?),
                None,
                None,
            ),
            "api_actor" => (
                None,
                Some(key_name.ok_or_else(|| IngestError::at_path(file, at("actor.api_key_name"), "an API actor names no key"))?),
                None,
            ),
            // A type this build does not know is kept as written, with what it names.
            other => (email, key_name, Some(other.to_string())),
        };
        let metrics = &record.core_metrics;
        let counted = |path: &str, value: u64| count(file, || at(path), value);
        let (tool_accepted, tool_rejected) = record.tool_actions.values().try_fold((0u64, 0u64), |(accepted, rejected), decisions| {
            Ok::<_, IngestError>((
                accepted
                    .checked_add(counted("tool_actions", decisions.accepted)?)
                    .ok_or_else(|| IngestError::at_path(file, at("tool_actions"), "the accepted counts overflow"))?,
                rejected
                    .checked_add(counted("tool_actions", decisions.rejected)?)
                    .ok_or_else(|| IngestError::at_path(file, at("tool_actions"), "the rejected counts overflow"))?,
            ))
        })?;
        activity.push(ActivityLine {
            day,
            source: Source::ClaudeCodeAnalytics,
            actor_email: actor_email.clone(),
            api_key_name: api_key_name.clone(),
            actor_type,
            customer_type: non_empty(record.customer_type),
            subscription_type: non_empty(record.subscription_type),
            terminal_type: non_empty(record.terminal_type),
            sessions: counted("core_metrics.num_sessions", metrics.num_sessions)?,
            lines_added: counted("core_metrics.lines_of_code.added", metrics.lines_of_code.added)?,
            lines_removed: counted("core_metrics.lines_of_code.removed", metrics.lines_of_code.removed)?,
            commits: counted("core_metrics.commits_by_claude_code", metrics.commits_by_claude_code)?,
            pull_requests: counted("core_metrics.pull_requests_by_claude_code", metrics.pull_requests_by_claude_code)?,
            tool_accepted,
            tool_rejected,
            active_seconds: None,
        });
        for (model_index, breakdown) in record.model_breakdown.into_iter().enumerate() {
            let at = |field: &str| format!("data[{index}].model_breakdown[{model_index}].{field}");
            let mut line = UsageLine::new(start, end, Source::ClaudeCodeAnalytics, breakdown.model);
            line.path = Path::ClaudeCode;
            line.identity.actor_email = actor_email.clone();
            line.identity.api_key_name = api_key_name.clone();
            let tokens = &breakdown.tokens;
            line.quantities.tokens = TokenCounts {
                input: count(file, || at("tokens.input"), tokens.input)?,
                cache_write_5m: count(file, || at("tokens.cache_creation"), tokens.cache_creation)?,
                cache_write_1h: 0,
                cache_read: count(file, || at("tokens.cache_read"), tokens.cache_read)?,
                output: count(file, || at("tokens.output"), tokens.output)?,
            };
            if let Some(cost) = breakdown.estimated_cost {
                if let Some(currency) = cost.currency.as_deref().filter(|c| !c.eq_ignore_ascii_case("USD")) {
                    return Err(IngestError::at_path(file, at("estimated_cost.currency"), format!("currency {currency:?} is not USD")));
                }
                let cents = cents(file, at("estimated_cost.amount"), &cost.amount)?;
                line.reported_cost = Some(Money::from_cents_decimal(cents));
            }
            usage.lines.push(line);
        }
    }
    Ok(AnalyticsPage { usage, activity })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let page = r#"{"data":[{"actor":{"email_address":"Ana@acme.example","type":"user_actor"},
          "core_metrics":{"commits_by_claude_code":8,"lines_of_code":{"added":342,"removed":128},"num_sessions":15,"pull_requests_by_claude_code":2},
          "customer_type":"api","date":"2025-08-08T00:00:00Z",
          "model_breakdown":[{"estimated_cost":{"amount":186,"currency":"USD"},"model":"claude-sonnet-4-20250514",
             "tokens":{"cache_creation":2340,"cache_read":8790,"input":45230,"output":12450}}],
          "organization_id":"12345678-1234-5678-1234-567812345678","subscription_type":"enterprise","terminal_type":"iTerm.app",
          "tool_actions":{"edit_tool":{"accepted":25,"rejected":3}}},
          {"actor":{"type":"api_actor","api_key_name":"claude-code-bo"},"date":"2025-08-08","customer_type":"api",
           "model_breakdown":[{"model":"claude-haiku-4-5","tokens":{"input":1},"estimated_cost":{"amount":0.25,"currency":"USD"}}]}],
          "has_more":true,"next_page":"page_MjAy"}"#;
        let read = read_page("cc.json", page.as_bytes()).unwrap();
        let activity = &read.activity[0];
        assert_eq!((activity.sessions, activity.lines_added, activity.lines_removed), (15, 342, 128));
        assert_eq!((activity.commits, activity.pull_requests, activity.tool_accepted, activity.tool_rejected), (8, 2, 25, 3));
        assert_eq!(activity.customer_type.as_deref(), Some("api"));
        assert_eq!(activity.subscription_type.as_deref(), Some("enterprise"));
        assert_eq!(read.activity[1].api_key_name.as_deref(), Some("claude-code-bo"));
        let pages = read.usage;
        let line = &pages.lines[0];
        assert_eq!(line.path, Path::ClaudeCode);
        assert_eq!(line.identity.actor_email.as_deref(), Some("ana@acme.example"));
        assert_eq!(line.quantities.tokens.cache_write_5m, 2340);
        assert_eq!(line.reported_cost, Some(Money::from_cents(186)));
        assert_eq!(pages.lines[1].identity.api_key_name.as_deref(), Some("claude-code-bo"));
        assert_eq!(pages.lines[1].reported_cost, Some("0.0025".parse().unwrap()));
        assert_eq!(pages.next_page(), Some("page_MjAy"));
    }

    #[test]
    fn regression_an_unknown_actor_type_is_kept_as_written() {
        let page =
            r#"{"data":[{"actor":{"type":"service_account_actor","service_account_id":"svac_01"},"date":"2025-08-08"}],"has_more":false}"#;
        let read = read_page("cc.json", page.as_bytes()).unwrap();
        assert_eq!(read.activity[0].actor_type.as_deref(), Some("service_account_actor"));
        // A known type without what it must name is malformed, and says which field.
        let page = r#"{"data":[{"actor":{"type":"user_actor"},"date":"2025-08-08"}],"has_more":false}"#;
        let error = read_page("cc.json", page.as_bytes()).unwrap_err().to_string();
        assert_eq!(error, "cc.json: field data[0].actor.email_address: a user actor names no email");
        let page = r#"{"data":[{"actor":{"email_address":"a@x.io"},"date":"2025-08-08"}],"has_more":false}"#;
        let error = read_page("cc.json", page.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("cc.json: line 1") && error.contains("type"), "{error}");
    }
}

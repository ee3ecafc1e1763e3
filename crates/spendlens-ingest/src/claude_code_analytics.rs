//! Claude Code Analytics API (`GET /v1/organizations/usage_report/claude_code`): per engineer per
//! day, tokens and estimated cost per model, plus productivity metrics.
//!
//! Every line read here is Claude Code. Subscription (seat) usage is covered by the seat fee; API
//! usage is billed in the cost report. Either way these lines refine who, never add dollars: the
//! `estimated_cost` (cents, list price) is kept as the line's `reported_cost`. Sessions, lines of
//! code, commits, pull requests and tool decisions become [`ActivityLine`]s: the intensity driver.

use rust_decimal::Decimal;
use serde::Deserialize;
use spendlens_model::{ActivityLine, Money, Path, Source, TokenCounts, UsageLine};

use crate::wire::{continuation, non_empty, parse_page, timestamp};
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

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Actor {
    UserActor { email_address: String },
    ApiActor { api_key_name: String },
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
    amount: serde_json::Number,
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
    let mut usage = Pages { next_page: continuation(&page), ..Pages::default() };
    let mut activity = Vec::with_capacity(page.data.len());
    for (index, record) in page.data.into_iter().enumerate() {
        let at = |field: &str| format!("data[{index}].{field}");
        let start = timestamp(file, &at("date"), &record.date)?;
        let end = start + chrono::Duration::days(1);
        let day = start.date_naive();
        usage.first_day = Some(usage.first_day.map_or(day, |first| first.min(day)));
        usage.end_day = Some(usage.end_day.map_or(end.date_naive(), |last| last.max(end.date_naive())));
        let (actor_email, api_key_name) = match &record.actor {
            Actor::UserActor { email_address } => (Some(email_address.to_ascii_lowercase()), None),
            Actor::ApiActor { api_key_name } => (None, Some(api_key_name.clone())),
        };
        let metrics = &record.core_metrics;
        activity.push(ActivityLine {
            day,
            source: Source::ClaudeCodeAnalytics,
            actor_email: actor_email.clone(),
            api_key_name: api_key_name.clone(),
            customer_type: non_empty(record.customer_type),
            subscription_type: non_empty(record.subscription_type),
            terminal_type: non_empty(record.terminal_type),
            sessions: metrics.num_sessions,
            lines_added: metrics.lines_of_code.added,
            lines_removed: metrics.lines_of_code.removed,
            commits: metrics.commits_by_claude_code,
            pull_requests: metrics.pull_requests_by_claude_code,
            tool_accepted: record.tool_actions.values().map(|d| d.accepted).sum(),
            tool_rejected: record.tool_actions.values().map(|d| d.rejected).sum(),
            active_seconds: None,
        });
        for (model_index, breakdown) in record.model_breakdown.into_iter().enumerate() {
            let at = |field: &str| format!("data[{index}].model_breakdown[{model_index}].{field}");
            let mut line = UsageLine::new(start, end, Source::ClaudeCodeAnalytics, breakdown.model);
            line.path = Path::ClaudeCode;
            line.identity.actor_email = actor_email.clone();
            line.identity.api_key_name = api_key_name.clone();
            line.quantities.tokens = TokenCounts {
                input: breakdown.tokens.input,
                cache_write_5m: breakdown.tokens.cache_creation,
                cache_write_1h: 0,
                cache_read: breakdown.tokens.cache_read,
                output: breakdown.tokens.output,
            };
            if let Some(cost) = breakdown.estimated_cost {
                if let Some(currency) = cost.currency.as_deref().filter(|c| !c.eq_ignore_ascii_case("USD")) {
                    return Err(IngestError::at_path(file, at("estimated_cost.currency"), format!("currency {currency:?} is not USD")));
                }
                let text = cost.amount.to_string();
                let cents = Decimal::from_str_exact(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .map_err(|_| IngestError::at_path(file, at("estimated_cost.amount"), format!("{text} is not an amount of cents")))?;
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
        assert_eq!(pages.next_page.as_deref(), Some("page_MjAy"));
    }

    #[test]
    fn an_unknown_actor_type_is_reported_with_its_line() {
        let page = r#"{"data":[{"actor":{"type":"robot"},"date":"2025-08-08"}],"has_more":false}"#;
        let error = read_page("cc.json", page.as_bytes()).unwrap_err().to_string();
        assert!(error.starts_with("cc.json: line 1"), "{error}");
    }
}

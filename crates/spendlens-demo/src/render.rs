//! Writes a [`DemoOrg`] as the files spendlens reads, in the vendors' own formats: Admin API pages
//! (usage report, cost report, Claude Code Analytics, the Usage and Cost Analytics API's usage and
//! cost, workspace/key/user listings), the seat roster,
//! the org map, local Claude Code transcripts and the ground truth.
//!
//! Output order is fixed by the data's own ordering (never a hash map), so renders are
//! byte-identical for the same configuration.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use spendlens_model::{ContextWindow, Day, InferenceGeo, Money, ServiceTier, TokenCounts};

use crate::api::{FeatureMatch, UsageRow};
use crate::claude_code::{Actor, ClaudeCodeDay, ToolDecisions};
use crate::json::Json;
use crate::org::Billing;
use crate::random::Random;
use crate::transcript;
use crate::truth::CostRow;
use crate::{DemoError, DemoOrg, RenderedDemo};

/// Hourly buckets per usage-report page (the API's maximum for `bucket_width=1h`).
pub const USAGE_BUCKETS_PER_PAGE: usize = 168;
/// Daily buckets per cost-report page (the API's maximum).
pub const COST_BUCKETS_PER_PAGE: usize = 31;
/// Claude Code Analytics records per page.
pub const CLAUDE_CODE_RECORDS_PER_PAGE: usize = 1000;
/// Rows per page of the Usage and Cost Analytics API (beta) payloads (the mock's largest `limit`;
/// Anthropic's is not documented).
pub const ANALYTICS_ROWS_PER_PAGE: usize = 1000;

pub(crate) fn write(path: &Path, contents: &str) -> Result<(), DemoError> {
    let failed = |source| DemoError::Write { path: path.to_path_buf(), source };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(failed)?;
    }
    fs::write(path, contents).map_err(failed)
}

pub(crate) fn timestamp(moment: DateTime<Utc>) -> String {
    moment.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn day_start(day: Day) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Wire spelling of a context-window bucket (`200k-1M`, as the API writes it).
fn context_window(bucket: ContextWindow) -> &'static str {
    match bucket {
        ContextWindow::Base => "0-200k",
        ContextWindow::Long => "200k-1M",
        other => other.as_str(),
    }
}

fn inference_geo(geo: InferenceGeo) -> &'static str {
    match geo {
        InferenceGeo::Global => "global",
        other => other.as_str(),
    }
}

/// Cents with every decimal the dollars carry (`$9.466125` is `946.6125`).
fn cents(amount: Money) -> Decimal {
    (amount.as_decimal() * Decimal::ONE_HUNDRED).normalize()
}

fn cursor(seed: u64, kind: &str, page: usize) -> String {
    format!("page_{}", Random::derive(seed, kind, page as u64).base62(24))
}

/// Writes pages of `buckets` (already JSON) `per_page` at a time, with cursors between them.
fn write_pages(dir: &Path, seed: u64, kind: &str, items: Vec<Json>, per_page: usize) -> Result<Vec<PathBuf>, DemoError> {
    let pages: Vec<&[Json]> = if items.is_empty() { vec![&[][..]] } else { items.chunks(per_page).collect() };
    let count = pages.len();
    let mut paths = Vec::with_capacity(count);
    for (index, page) in pages.into_iter().enumerate() {
        let number = index + 1;
        let has_more = number < count;
        let body = Json::object(vec![
            ("data", Json::Array(page.to_vec())),
            ("has_more", Json::Bool(has_more)),
            ("next_page", if has_more { Json::text(cursor(seed, kind, number)) } else { Json::Null }),
        ]);
        let path = dir.join(format!("page-{number:04}.json"));
        let mut text = body.render();
        text.push('\n');
        write(&path, &text)?;
        paths.push(path);
    }
    Ok(paths)
}

fn usage_result(row: &UsageRow) -> Json {
    Json::object(vec![
        ("uncached_input_tokens", row.quantities.tokens.input.into()),
        (
            "cache_creation",
            Json::object(vec![
                ("ephemeral_5m_input_tokens", row.quantities.tokens.cache_write_5m.into()),
                ("ephemeral_1h_input_tokens", row.quantities.tokens.cache_write_1h.into()),
            ]),
        ),
        ("cache_read_input_tokens", row.quantities.tokens.cache_read.into()),
        ("output_tokens", row.quantities.tokens.output.into()),
        ("server_tool_use", Json::object(vec![("web_search_requests", row.quantities.web_search_requests.into())])),
        ("api_key_id", row.api_key_id.as_str().into()),
        ("workspace_id", Json::optional_text(row.workspace_id.as_deref())),
        ("model", row.model.into()),
        ("service_tier", row.service_tier.as_str().into()),
        ("context_window", context_window(row.context_window).into()),
        ("inference_geo", inference_geo(row.inference_geo).into()),
    ])
}

fn usage_buckets(org: &DemoOrg) -> Vec<Json> {
    let hours = ((org.end - org.start).num_days() + 1) * 24;
    let mut rows = org.usage.iter().peekable();
    let mut buckets = Vec::with_capacity(hours as usize);
    for offset in 0..hours {
        let starting_at = day_start(org.start) + Duration::hours(offset);
        let mut results = Vec::new();
        while let Some(row) = rows.next_if(|row| row.hour <= starting_at) {
            if row.hour == starting_at && (row.quantities.tokens.total() > 0 || row.quantities.web_search_requests > 0) {
                results.push(usage_result(row));
            }
        }
        buckets.push(Json::object(vec![
            ("starting_at", timestamp(starting_at).into()),
            ("ending_at", timestamp(starting_at + Duration::hours(1)).into()),
            ("results", Json::Array(results)),
        ]));
    }
    buckets
}

fn cost_result(row: &CostRow) -> Json {
    Json::object(vec![
        ("currency", "USD".into()),
        ("amount", Json::text(cents(row.amount).to_string())),
        ("workspace_id", Json::optional_text(row.workspace_id.as_deref())),
        ("description", row.description.as_str().into()),
        ("cost_type", row.cost_type.as_str().into()),
        ("model", row.model.into()),
        ("service_tier", row.service_tier.as_str().into()),
        ("token_type", Json::optional_text(row.token_type.map(|token_type| token_type.as_str()))),
        ("context_window", context_window(row.context_window).into()),
        ("inference_geo", inference_geo(row.inference_geo).into()),
    ])
}

fn cost_buckets(org: &DemoOrg) -> Vec<Json> {
    let mut rows = org.cost.iter().peekable();
    let mut buckets = Vec::new();
    let mut day = org.start;
    while day <= org.end {
        let mut results = Vec::new();
        while let Some(row) = rows.next_if(|row| row.day <= day) {
            if row.day == day {
                results.push(cost_result(row));
            }
        }
        buckets.push(Json::object(vec![
            ("starting_at", timestamp(day_start(day)).into()),
            ("ending_at", timestamp(day_start(day + Duration::days(1))).into()),
            ("results", Json::Array(results)),
        ]));
        day += Duration::days(1);
    }
    buckets
}

/// A day's bucket of the analytics payloads: `starting_at` and `ending_at` of one UTC day.
fn day_bucket(day: Day) -> [(&'static str, Json); 2] {
    [("starting_at", timestamp(day_start(day)).into()), ("ending_at", timestamp(day_start(day + Duration::days(1))).into())]
}

/// `/v1/organizations/analytics/usage` rows (`time_bucket_width=1d`, grouped by API key, workspace,
/// model, tier, context window and geography): the usage report's hours summed per day, with the
/// requests behind each row, which only this API reports.
fn analytics_usage_rows(org: &DemoOrg) -> Vec<Json> {
    type Key<'a> = (Day, &'a str, Option<&'a str>, &'static str, ServiceTier, ContextWindow, InferenceGeo);
    let mut groups: BTreeMap<Key<'_>, (TokenCounts, u64, u64)> = BTreeMap::new();
    for row in &org.usage {
        let key = (
            row.hour.date_naive(),
            row.api_key_id.as_str(),
            row.workspace_id.as_deref(),
            row.model,
            row.service_tier,
            row.context_window,
            row.inference_geo,
        );
        let (tokens, web_search_requests, requests) = groups.entry(key).or_default();
        tokens.add(&row.quantities.tokens);
        *web_search_requests += row.quantities.web_search_requests;
        *requests += row.requests();
    }
    groups
        .into_iter()
        .filter(|(_, (tokens, web_search_requests, requests))| tokens.total() > 0 || *web_search_requests > 0 || *requests > 0)
        .map(|((day, api_key_id, workspace_id, model, service_tier, window, geo), (tokens, web_search_requests, requests))| {
            let [starting_at, ending_at] = day_bucket(day);
            Json::object(vec![
                starting_at,
                ending_at,
                (
                    "group",
                    Json::object(vec![
                        ("api_key_id", api_key_id.into()),
                        ("workspace_id", Json::optional_text(workspace_id)),
                        ("model", model.into()),
                        ("service_tier", service_tier.as_str().into()),
                        ("context_window", context_window(window).into()),
                        ("inference_geo", inference_geo(geo).into()),
                        ("speed", Json::Null),
                        ("actor", Json::Null),
                        ("actor_type", Json::Null),
                        ("product", Json::Null),
                    ]),
                ),
                (
                    "usage",
                    Json::object(vec![
                        ("uncached_input_tokens", tokens.input.into()),
                        (
                            "cache_creation",
                            Json::object(vec![
                                ("ephemeral_5m_input_tokens", tokens.cache_write_5m.into()),
                                ("ephemeral_1h_input_tokens", tokens.cache_write_1h.into()),
                            ]),
                        ),
                        ("cache_read_input_tokens", tokens.cache_read.into()),
                        ("output_tokens", tokens.output.into()),
                        ("server_tool_use", Json::object(vec![("web_search_requests", web_search_requests.into())])),
                        ("requests", requests.into()),
                    ]),
                ),
            ])
        })
        .collect()
}

/// `/v1/organizations/analytics/cost` rows (`time_bucket_width=1d`, grouped by workspace, model,
/// cost type, token type, tier, context window and geography): the cost report's rows, the same
/// dollars. The demo has no discounts, so `list_amount` equals `amount`; grouping by cost or token
/// type leaves `requests` null, as Anthropic documents.
fn analytics_cost_rows(org: &DemoOrg) -> Vec<Json> {
    org.cost
        .iter()
        .map(|row| {
            let [starting_at, ending_at] = day_bucket(row.day);
            let amount = cents(row.amount).to_string();
            Json::object(vec![
                starting_at,
                ending_at,
                (
                    "group",
                    Json::object(vec![
                        ("workspace_id", Json::optional_text(row.workspace_id.as_deref())),
                        ("model", row.model.into()),
                        ("cost_type", row.cost_type.as_str().into()),
                        ("token_type", Json::optional_text(row.token_type.map(|token_type| token_type.as_str()))),
                        ("service_tier", row.service_tier.as_str().into()),
                        ("context_window", context_window(row.context_window).into()),
                        ("inference_geo", inference_geo(row.inference_geo).into()),
                        ("api_key_id", Json::Null),
                        ("actor", Json::Null),
                        ("actor_type", Json::Null),
                        ("product", Json::Null),
                        ("speed", Json::Null),
                    ]),
                ),
                (
                    "cost",
                    Json::object(vec![
                        ("amount", Json::text(amount.clone())),
                        ("currency", "USD".into()),
                        ("list_amount", Json::text(amount)),
                        ("requests", Json::Null),
                    ]),
                ),
            ])
        })
        .collect()
}

fn decisions(tool: ToolDecisions) -> Json {
    Json::object(vec![("accepted", tool.accepted.into()), ("rejected", tool.rejected.into())])
}

fn claude_code_record(org: &DemoOrg, record: &ClaudeCodeDay) -> Json {
    let actor = match &record.actor {
        Actor::User { email_address } => {
            Json::object(vec![("type", "user_actor".into()), ("email_address", email_address.as_str().into())])
        }
        Actor::ApiKey { api_key_name } => Json::object(vec![("type", "api_actor".into()), ("api_key_name", api_key_name.as_str().into())]),
    };
    let models = record
        .models
        .iter()
        .map(|usage| {
            Json::object(vec![
                ("model", usage.model.into()),
                (
                    "tokens",
                    Json::object(vec![
                        ("input", usage.tokens.input.into()),
                        ("output", usage.tokens.output.into()),
                        ("cache_read", usage.tokens.cache_read.into()),
                        ("cache_creation", (usage.tokens.cache_write_5m + usage.tokens.cache_write_1h).into()),
                    ]),
                ),
                ("estimated_cost", Json::object(vec![("currency", "USD".into()), ("amount", Json::decimal(cents(usage.estimated_cost)))])),
            ])
        })
        .collect();
    Json::object(vec![
        ("date", timestamp(day_start(record.day)).into()),
        ("actor", actor),
        ("organization_id", org.organization_id.as_str().into()),
        ("customer_type", record.customer_type.as_str().into()),
        ("subscription_type", Json::optional_text(record.subscription_type.as_deref())),
        ("terminal_type", record.terminal_type.as_str().into()),
        (
            "core_metrics",
            Json::object(vec![
                ("num_sessions", record.sessions.into()),
                ("lines_of_code", Json::object(vec![("added", record.lines_added.into()), ("removed", record.lines_removed.into())])),
                ("commits_by_claude_code", record.commits.into()),
                ("pull_requests_by_claude_code", record.pull_requests.into()),
            ]),
        ),
        (
            "tool_actions",
            Json::object(vec![
                ("edit_tool", decisions(record.edit_tool)),
                ("multi_edit_tool", decisions(record.multi_edit_tool)),
                ("write_tool", decisions(record.write_tool)),
                ("notebook_edit_tool", decisions(record.notebook_edit_tool)),
            ]),
        ),
        ("model_breakdown", Json::Array(models)),
    ])
}

fn listing(items: Vec<Json>, ids: Vec<String>) -> String {
    let mut text = Json::object(vec![
        ("data", Json::Array(items)),
        ("has_more", Json::Bool(false)),
        ("first_id", Json::optional_text(ids.first().map(String::as_str))),
        ("last_id", Json::optional_text(ids.last().map(String::as_str))),
    ])
    .render();
    text.push('\n');
    text
}

fn workspaces(org: &DemoOrg) -> String {
    let items = org
        .workspaces
        .iter()
        .map(|workspace| {
            Json::object(vec![
                ("id", workspace.id.as_str().into()),
                ("type", "workspace".into()),
                ("name", workspace.name.as_str().into()),
                ("created_at", timestamp(workspace.created_at).into()),
                ("archived_at", Json::Null),
                ("display_color", workspace.display_color.as_str().into()),
            ])
        })
        .collect();
    listing(items, org.workspaces.iter().map(|workspace| workspace.id.clone()).collect())
}

fn api_keys(org: &DemoOrg) -> String {
    let items = org
        .api_keys
        .iter()
        .map(|key| {
            Json::object(vec![
                ("id", key.id.as_str().into()),
                ("type", "api_key".into()),
                ("name", key.name.as_str().into()),
                ("workspace_id", Json::optional_text(key.workspace_id.as_deref())),
                ("created_at", timestamp(key.created_at).into()),
                ("created_by", Json::object(vec![("id", key.created_by.as_str().into()), ("type", "user".into())])),
                ("partial_key_hint", key.partial_key_hint.as_str().into()),
                ("status", "active".into()),
            ])
        })
        .collect();
    listing(items, org.api_keys.iter().map(|key| key.id.clone()).collect())
}

/// Current members only: leavers have been removed from the organisation.
fn users(org: &DemoOrg) -> String {
    let current: Vec<_> = org.engineers.iter().filter(|engineer| engineer.end.is_none()).collect();
    let items = current
        .iter()
        .enumerate()
        .map(|(index, engineer)| {
            let added = day_start(engineer.start) + Duration::seconds(9 * 3600 + (index as i64 * 977) % 28_800);
            Json::object(vec![
                ("id", engineer.user_id.as_str().into()),
                ("type", "user".into()),
                ("email", engineer.email.as_str().into()),
                ("name", engineer.name.as_str().into()),
                ("role", engineer.role.as_str().into()),
                ("added_at", timestamp(added).into()),
            ])
        })
        .collect();
    listing(items, current.iter().map(|engineer| engineer.user_id.clone()).collect())
}

/// The seat roster: seat holders only (API-key engineers hold no seat), by team then email.
fn roster(org: &DemoOrg) -> String {
    let mut seats: Vec<_> = org.engineers.iter().filter(|engineer| engineer.is_seat()).collect();
    seats.sort_by(|left, right| (&left.team, &left.email).cmp(&(&right.team, &right.email)));
    let mut text = String::from("email,name,team,seat_type,monthly_usd,start,end\n");
    for engineer in seats {
        if let Billing::Seat { seat_type, monthly_usd, .. } = &engineer.billing {
            let end = engineer.end.map(|end| end.to_string()).unwrap_or_default();
            text.push_str(&format!(
                "{},{},{},{},{:.2},{},{}\n",
                engineer.email,
                engineer.name,
                engineer.team,
                seat_type,
                monthly_usd.as_decimal(),
                engineer.start,
                end
            ));
        }
    }
    text
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("{item:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The org map. Key rules come before workspace rules: first match wins, and ticket-classifier
/// shares the Support workspace with support-bot.
fn orgmap(org: &DemoOrg) -> String {
    let mut text = String::from(
        "# spendlens org map for the demo organisation (generated).\n\
         # Rules are tried in file order; the first match wins.\n\
         # The key `scratch-experiments` (Default workspace) is deliberately left unmapped.\n",
    );
    for team in &org.teams {
        let members: Vec<String> =
            org.engineers.iter().filter(|engineer| &engineer.team == team).map(|engineer| engineer.email.clone()).collect();
        text.push_str(&format!("\n[[team]]\nname = {team:?}\nmembers = {}\n", toml_list(&members)));
    }
    let by_workspace = |feature: &&crate::api::Feature| matches!(feature.matched_by, FeatureMatch::Workspace(_));
    let ordered = org.features.iter().filter(|feature| !by_workspace(feature)).chain(org.features.iter().filter(by_workspace));
    for feature in ordered {
        let (keys, names, workspaces) = match &feature.matched_by {
            FeatureMatch::Workspace(id) => (Vec::new(), Vec::new(), vec![id.clone()]),
            FeatureMatch::KeyNames(globs) => (Vec::new(), globs.clone(), Vec::new()),
            FeatureMatch::KeyIds(ids) => (ids.clone(), Vec::new(), Vec::new()),
        };
        text.push_str(&format!(
            "\n[[feature]]\nname = {:?}\napi_keys = {}\napi_key_names = {}\nworkspaces = {}\n",
            feature.name,
            toml_list(&keys),
            toml_list(&names),
            toml_list(&workspaces)
        ));
    }
    // Keys a feature owns beyond the features' own (the planted development assistant).
    for key in &org.api_keys {
        if let crate::org::KeyOwner::Feature(name) = &key.owner
            && !org.features.iter().any(|feature| &feature.name == name)
        {
            text.push_str(&format!(
                "\n[[feature]]\nname = {name:?}\napi_keys = {}\napi_key_names = []\nworkspaces = []\n",
                toml_list(std::slice::from_ref(&key.id))
            ));
        }
    }
    let claude_code_workspaces: Vec<String> =
        org.workspaces.iter().filter(|workspace| workspace.name == crate::org::CLAUDE_CODE_WORKSPACE).map(|w| w.id.clone()).collect();
    text.push_str(&format!(
        "\n[claude_code]\nworkspaces = {}\napi_keys = []\napi_key_names = [\"claude-code-*\"]\n",
        toml_list(&claude_code_workspaces)
    ));
    text
}

/// Writes every file under `dir` and returns their paths.
pub fn render(org: &DemoOrg, dir: &Path) -> Result<RenderedDemo, DemoError> {
    let seed = org.config.seed;
    let admin = dir.join("admin");
    let usage_pages = write_pages(&admin.join("usage_report_messages"), seed, "cursor-usage", usage_buckets(org), USAGE_BUCKETS_PER_PAGE)?;
    let cost_pages = write_pages(&admin.join("cost_report"), seed, "cursor-cost", cost_buckets(org), COST_BUCKETS_PER_PAGE)?;
    let records = org.claude_code.iter().map(|record| claude_code_record(org, record)).collect();
    let claude_code_pages = write_pages(&admin.join("claude_code"), seed, "cursor-claude-code", records, CLAUDE_CODE_RECORDS_PER_PAGE)?;
    let analytics_usage_pages =
        write_pages(&admin.join("analytics_usage"), seed, "cursor-analytics-usage", analytics_usage_rows(org), ANALYTICS_ROWS_PER_PAGE)?;
    let analytics_cost_pages =
        write_pages(&admin.join("analytics_cost"), seed, "cursor-analytics-cost", analytics_cost_rows(org), ANALYTICS_ROWS_PER_PAGE)?;

    let files = [
        (admin.join("workspaces.json"), workspaces(org)),
        (admin.join("api_keys.json"), api_keys(org)),
        (admin.join("users.json"), users(org)),
        (dir.join("roster.csv"), roster(org)),
        (dir.join("orgmap.toml"), orgmap(org)),
    ];
    for (path, contents) in &files {
        write(path, contents)?;
    }
    let transcript_dirs = transcript::write_all(org, &dir.join("transcripts"))?;
    let ground_truth = dir.join("ground_truth.json");
    let mut truth = serde_json::to_string_pretty(&org.ground_truth)?;
    truth.push('\n');
    write(&ground_truth, &truth)?;
    let [workspaces, api_keys, users, roster, orgmap] = files.map(|(path, _)| path);
    Ok(RenderedDemo {
        usage_pages,
        cost_pages,
        claude_code_pages,
        analytics_usage_pages,
        analytics_cost_pages,
        workspaces,
        api_keys,
        users,
        roster,
        orgmap,
        transcript_dirs,
        ground_truth,
    })
}

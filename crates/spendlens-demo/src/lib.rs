//! spendlens demo organisation: a realistic, seeded company rendered in the real source formats.
//!
//! [`generate`] builds a company of engineers in teams (seat holders and Claude Code on Console API
//! keys, joiners, leavers, idle seats) and product features calling the API, with traffic shaped by
//! weekdays, sprints, holidays, launches and growth, and a few planted inefficiencies. [`render`]
//! writes it as the files spendlens reads: Admin API usage, cost and Claude Code Analytics pages,
//! the Usage and Cost Analytics API's usage (with request counts per key) and cost pages,
//! the workspace, key and user listings, a seat roster, an org map, local Claude Code transcripts,
//! and a `ground_truth.json` holding what was planted and the totals a correct analysis reproduces.
//!
//! Everything is a pure function of [`DemoConfig`]: no clock, no hash-map order, no process id, so
//! the same configuration renders byte-identical files. Every dollar comes from the price book.
//!
//! This crate owns the demo only; it never parses the formats it writes (`spendlens-ingest` does).

mod api;
mod calendar;
mod claude_code;
mod json;
mod models;
mod org;
mod path_fit;
mod random;
mod render;
mod transcript;
mod transcript_tree;
mod truth;

use std::path::PathBuf;

use chrono::{Duration, NaiveDate};
use spendlens_model::Day;
use spendlens_pricing::{PriceBook, PriceError};

pub use api::{Feature, FeatureMatch, UsageRow};
pub use claude_code::{Actor, ClaudeCodeDay, ModelUsage, ToolDecisions, TranscriptRequest, TranscriptSession};
pub use models::{FABLE, HAIKU, OPUS, SONNET};
pub use org::{ApiKey, Billing, Engineer, KeyOwner, Workspace};
pub use path_fit::{AUTOMATION_KEY, INTERACTIVE_FEATURE, INTERACTIVE_KEY};
pub use render::render;
pub use transcript_tree::{TreeConfig, TreeTruth, write_tree};
pub use truth::{
    AdoptionMonth, AdoptionTruth, BatchTruth, CachingTruth, CalendarTruth, CostRow, EngineerTruth, FeatureTruth, GroundTruth,
    IdleSeatTruth, MonthTruth, PathFitMonth, PathFitTruth, Planted, RoutingTruth, SpendSplit, SpikeTruth, UnassignedTruth,
};

use calendar::Calendar;
use org::{CLAUDE_CODE_WORKSPACE, KeyOwner as Owner};
use random::Random;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    pub seed: u64,
    pub engineers: usize,
    pub teams: usize,
    /// Product features calling the API (the first six are the named ones).
    pub features: usize,
    /// Length of the window in days.
    pub days: u32,
    /// Last day of the window, inclusive.
    pub end: Day,
    /// Multiplies API request volume (not Claude Code).
    pub traffic_scale: f64,
    /// Seat engineers whose local transcripts are rendered (last 30 days of the window).
    pub transcript_engineers: usize,
    /// The day the ticket classifier adopts the planted routing (Fable to Haiku), if it does:
    /// `spendlens savings` then measures it (ground truth: `planted.routing_adopted`).
    pub adopt_routing_on: Option<Day>,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 42,
            engineers: 120,
            teams: 8,
            features: 6,
            days: 180,
            end: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
            traffic_scale: 1.0,
            transcript_engineers: 4,
            adopt_routing_on: None,
        }
    }
}

/// Why the demo could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("invalid demo configuration: {0}")]
    InvalidConfig(String),
    #[error("the price book cannot price the demo's traffic: {0}")]
    Price(#[from] PriceError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot serialise the ground truth: {0}")]
    Serialise(#[from] serde_json::Error),
}

/// The generated organisation, before rendering.
#[derive(Debug, Clone)]
pub struct DemoOrg {
    pub config: DemoConfig,
    /// First day of the window (inclusive).
    pub start: Day,
    /// Last day of the window (inclusive).
    pub end: Day,
    /// Claude Code Analytics `organization_id`.
    pub organization_id: String,
    pub teams: Vec<String>,
    pub engineers: Vec<Engineer>,
    pub workspaces: Vec<Workspace>,
    pub api_keys: Vec<ApiKey>,
    pub features: Vec<Feature>,
    /// Usage report rows, ordered by hour, key, workspace, model, tier, context window, geography.
    pub usage: Vec<UsageRow>,
    /// Cost report rows, ordered by day, workspace, rate group, token type.
    pub cost: Vec<CostRow>,
    /// Claude Code Analytics records, ordered by day and actor.
    pub claude_code: Vec<ClaudeCodeDay>,
    /// Transcript sessions, ordered by engineer and start time.
    pub sessions: Vec<TranscriptSession>,
    pub ground_truth: GroundTruth,
}

/// Paths of everything [`render`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDemo {
    pub usage_pages: Vec<PathBuf>,
    pub cost_pages: Vec<PathBuf>,
    pub claude_code_pages: Vec<PathBuf>,
    /// Usage and Cost Analytics API (beta) usage pages: daily, by key, with request counts.
    pub analytics_usage_pages: Vec<PathBuf>,
    /// Usage and Cost Analytics API (beta) cost pages: daily, the cost report's dollars.
    pub analytics_cost_pages: Vec<PathBuf>,
    pub workspaces: PathBuf,
    pub api_keys: PathBuf,
    pub users: PathBuf,
    pub roster: PathBuf,
    pub orgmap: PathBuf,
    /// `(engineer email, a CLAUDE_CONFIG_DIR-like folder holding projects/)`.
    pub transcript_dirs: Vec<(String, PathBuf)>,
    pub ground_truth: PathBuf,
}

fn validate(config: &DemoConfig) -> Result<(), DemoError> {
    let invalid = |detail: &str| Err(DemoError::InvalidConfig(detail.to_string()));
    if config.days == 0 || config.days > 3660 {
        return invalid("days must be between 1 and 3660");
    }
    if config.teams == 0 {
        return invalid("teams must be at least 1");
    }
    if !config.traffic_scale.is_finite() || config.traffic_scale < 0.0 || config.traffic_scale > 1000.0 {
        return invalid("traffic_scale must be a number between 0 and 1000");
    }
    if config.engineers > 100_000 || config.features > 1000 {
        return invalid("at most 100000 engineers and 1000 features");
    }
    Ok(())
}

/// Generates the organisation. Deterministic in `config`; dollars come from `book`.
pub fn generate(config: &DemoConfig, book: &PriceBook) -> Result<DemoOrg, DemoError> {
    validate(config)?;
    let calendar = Calendar::new(config.end, config.days);
    let mut ids = Random::derive(config.seed, "ids", 0);
    let engineers = org::build_engineers(config, &calendar, &mut ids);
    let organization_id = Random::derive(config.seed, "organization", 0).uuid();
    let teams = org::team_names(config.teams);

    let claude_code_workspace = org::workspace(&mut ids, CLAUDE_CODE_WORKSPACE, calendar.start - Duration::days(240), 0);
    let claude_code_workspace_id = claude_code_workspace.id.clone();
    let creator = engineers
        .iter()
        .find(|engineer| engineer.role == "admin")
        .or(engineers.first())
        .map_or_else(|| org::anthropic_id(&mut ids, "user"), |engineer| engineer.user_id.clone());
    let plan = api::plan(config.features, &calendar, &mut ids, vec![claude_code_workspace], &creator);

    let mut api_keys: Vec<ApiKey> = plan.api_keys.iter().filter(|key| key.owner != Owner::Unassigned).cloned().collect();
    for engineer in &engineers {
        if let Billing::ApiKey { api_key_id, key_name, .. } = &engineer.billing {
            let created = engineer.start.max(calendar.start - Duration::days(200));
            api_keys.push(ApiKey {
                id: api_key_id.clone(),
                name: key_name.clone(),
                workspace_id: Some(claude_code_workspace_id.clone()),
                created_at: org::moment(created, ids.between(9 * 3600, 17 * 3600)),
                created_by: engineer.user_id.clone(),
                partial_key_hint: org::partial_key_hint(&mut ids),
                owner: Owner::ClaudeCode(engineer.email.clone()),
            });
        }
    }
    // Work on the wrong path (`path_fit`): a Claude Code automation key, an interactive-looking one.
    let tools = plan.workspaces.iter().find(|workspace| workspace.name == "Engineering Tools").map(|workspace| workspace.id.clone());
    let planted = match tools {
        Some(tools) if path_fit::plants(config) => {
            Some(path_fit::plant(config.seed, &calendar, &engineers, &claude_code_workspace_id, &tools))
        }
        _ => None,
    };
    api_keys.extend(planted.iter().flat_map(|planted| planted.keys.iter().cloned()));
    api_keys.extend(plan.api_keys.iter().filter(|key| key.owner == Owner::Unassigned).cloned());

    let mut usage = api::traffic(config.seed, config.traffic_scale, &calendar, &plan, config.adopt_routing_on);
    usage.extend(planted.into_iter().flat_map(|planted| planted.usage));
    let mut claude_code = Vec::new();
    let mut sessions = Vec::new();
    for (index, engineer) in engineers.iter().enumerate() {
        let activity = claude_code::simulate(config.seed, &calendar, engineer, index);
        claude_code.extend(claude_code::analytics(config.seed, book, engineer, index, &activity)?);
        if let Some(api_key_id) = engineer.key_id() {
            usage.extend(activity.chunks.iter().map(|chunk| UsageRow {
                hour: chunk.hour,
                api_key_id: api_key_id.to_string(),
                workspace_id: Some(claude_code_workspace_id.clone()),
                model: chunk.model,
                service_tier: spendlens_model::ServiceTier::Standard,
                context_window: spendlens_model::ContextWindow::Base,
                inference_geo: spendlens_model::InferenceGeo::Global,
                quantities: spendlens_model::Quantities {
                    requests: Some(chunk.requests),
                    ..spendlens_model::Quantities::of_tokens(chunk.tokens)
                },
            }));
        }
        sessions.extend(activity.sessions);
    }
    // One locally generated API error, in the first session long enough to hold it.
    let main_loop_request = |session: &TranscriptSession| {
        session.requests.iter().enumerate().skip(2).find(|(_, request)| request.agent_id.is_none()).map(|(index, _)| index)
    };
    if let Some(session) = sessions.iter_mut().find(|session| main_loop_request(session).is_some()) {
        session.synthetic_error_before = main_loop_request(session);
    }
    usage.sort_by(|left, right| left.group_key().cmp(&right.group_key()));
    claude_code.sort_by(|left, right| (left.day, &left.actor).cmp(&(right.day, &right.actor)));

    let cost = truth::cost_report(book, &usage)?;
    let facts = truth::Facts {
        seed: config.seed,
        organization_id: &organization_id,
        calendar: &calendar,
        book,
        engineers: &engineers,
        teams: &teams,
        api_keys: &api_keys,
        features: &plan.features,
        usage: &usage,
        cost: &cost,
        claude_code: &claude_code,
        spike: plan.spike,
        adopt_routing_on: config.adopt_routing_on,
    };
    let ground_truth = facts.ground_truth()?;
    Ok(DemoOrg {
        config: config.clone(),
        start: calendar.start,
        end: calendar.end,
        organization_id,
        teams,
        engineers,
        workspaces: plan.workspaces,
        api_keys,
        features: plan.features,
        usage,
        cost,
        claude_code,
        sessions,
        ground_truth,
    })
}

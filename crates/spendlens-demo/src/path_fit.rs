//! Work planted on the wrong path, for `spendlens cc insights` to find:
//! - a Claude Code **automation key**: Claude Code run headless (`claude -p`) from CI on a Console
//!   API key in the Claude Code workspace, held by an admin, every hour of every day, weekends
//!   included, at a steady rate: a system doing the work;
//! - an **interactive-looking API key**: an internal development assistant rebuilt on the API
//!   (the org map names it a feature), whose traffic is one person's: weekday office hours in US
//!   Eastern time, in bursts, with long conversations re-read from the cache.
//!
//! Planted only in organisations large and long enough to read a rhythm from (see [`plants`]);
//! all randomness comes from streams of its own, so nothing else in the demo moves.

use chrono::Duration;
use spendlens_model::{ContextWindow, InferenceGeo, Quantities, ServiceTier, TokenCounts};

use crate::DemoConfig;
use crate::api::UsageRow;
use crate::calendar::Calendar;
use crate::models::SONNET;
use crate::org::{ApiKey, Engineer, KeyOwner, anthropic_id, moment, partial_key_hint};
use crate::random::Random;

/// The automation key's name (in the Claude Code workspace, so the org map calls it Claude Code).
pub const AUTOMATION_KEY: &str = "ci-headless-review";
/// The interactive-looking key's name, and the feature the org map names it.
pub const INTERACTIVE_KEY: &str = "dev-assistant-internal";
pub const INTERACTIVE_FEATURE: &str = "dev-assistant";

/// Whether the demo plants them: enough people for an admin, a workspace for tools, and four
/// weeks to read a weekly rhythm from.
pub fn plants(config: &DemoConfig) -> bool {
    config.engineers >= 20 && config.days >= 28 && config.features >= 4
}

/// The two keys and their traffic.
pub struct Planted {
    pub keys: Vec<ApiKey>,
    pub usage: Vec<UsageRow>,
}

/// One conversation's requests: the first writes the prompt to the cache, each later one reads
/// the context so far and adds to it.
fn conversation(random: &mut Random, requests: u64, base: (u64, u64)) -> TokenCounts {
    let mut context = random.between(base.0, base.1);
    let mut tokens = TokenCounts { cache_write_5m: context, ..TokenCounts::default() };
    for step in 0..requests {
        let output = random.between(200, 1_200);
        let added = random.between(500, 4_000);
        tokens.input += random.between(1, 12);
        tokens.output += output;
        if step > 0 {
            tokens.cache_read += context;
            tokens.cache_write_5m += added;
        }
        context += added + output;
    }
    tokens
}

fn row(hour: chrono::DateTime<chrono::Utc>, key: &ApiKey, requests: u64, tokens: TokenCounts) -> UsageRow {
    UsageRow {
        hour,
        api_key_id: key.id.clone(),
        workspace_id: key.workspace_id.clone(),
        model: SONNET,
        service_tier: ServiceTier::Standard,
        context_window: ContextWindow::Base,
        inference_geo: InferenceGeo::Global,
        quantities: Quantities { requests: Some(requests), ..Quantities::of_tokens(tokens) },
    }
}

/// Plants both keys: `claude_code_workspace` holds the automation key, `tools_workspace` the
/// assistant's.
pub fn plant(seed: u64, calendar: &Calendar, engineers: &[Engineer], claude_code_workspace: &str, tools_workspace: &str) -> Planted {
    let mut ids = Random::derive(seed, "path-fit-ids", 0);
    let admin = engineers.iter().find(|engineer| engineer.role == "admin").or(engineers.first());
    let (holder_email, holder_id) = admin.map_or_else(Default::default, |admin| (admin.email.clone(), admin.user_id.clone()));
    let automation = ApiKey {
        id: anthropic_id(&mut ids, "apikey"),
        name: AUTOMATION_KEY.to_string(),
        workspace_id: Some(claude_code_workspace.to_string()),
        created_at: moment(calendar.start - Duration::days(45), ids.between(9 * 3600, 17 * 3600)),
        created_by: holder_id.clone(),
        partial_key_hint: partial_key_hint(&mut ids),
        owner: KeyOwner::ClaudeCode(holder_email),
    };
    let interactive = ApiKey {
        id: anthropic_id(&mut ids, "apikey"),
        name: INTERACTIVE_KEY.to_string(),
        workspace_id: Some(tools_workspace.to_string()),
        created_at: moment(calendar.start - Duration::days(60), ids.between(9 * 3600, 17 * 3600)),
        created_by: holder_id,
        partial_key_hint: partial_key_hint(&mut ids),
        owner: KeyOwner::Feature(INTERACTIVE_FEATURE.to_string()),
    };
    let mut usage = Vec::new();
    // Automation: a few headless runs every hour of every day, each a short fresh conversation.
    let mut random = Random::derive(seed, "path-fit-automation", 0);
    for day in calendar.days() {
        for hour in 0..24u64 {
            let runs = random.between(2, 4);
            let mut tokens = TokenCounts::default();
            let mut requests = 0;
            for _ in 0..runs {
                let steps = random.between(6, 14);
                tokens.add(&conversation(&mut random, steps, (14_000, 22_000)));
                requests += steps;
            }
            usage.push(row(moment(day, hour * 3600), &automation, requests, tokens));
        }
    }
    // One person: weekdays (not holidays), US Eastern office hours (13:00-21:00 UTC), one to three
    // bursts of one or two hours, each a long conversation.
    let mut random = Random::derive(seed, "path-fit-interactive", 0);
    for day in calendar.days() {
        if Calendar::is_weekend(day) || calendar.is_holiday(day) || !random.chance(0.8) {
            continue;
        }
        let mut busy = std::collections::BTreeMap::<u64, (u64, TokenCounts)>::new();
        for _ in 0..random.between(1, 3) {
            let first = random.between(13, 19);
            for hour in first..first + random.between(1, 2) {
                let steps = random.between(20, 45);
                let slot = busy.entry(hour).or_default();
                slot.0 += steps;
                slot.1.add(&conversation(&mut random, steps, (30_000, 45_000)));
            }
        }
        for (hour, (requests, tokens)) in busy {
            usage.push(row(moment(day, hour * 3600), &interactive, requests, tokens));
        }
    }
    Planted { keys: vec![automation, interactive], usage }
}

//! Claude Code activity: sessions of API requests per engineer per day, shaped by the calendar,
//! by each engineer's intensity and by joiners ramping up, then folded three ways — hourly chunks
//! (the usage report, for API-key engineers), daily Claude Code Analytics records, and for a few
//! engineers the individual requests behind their local transcripts.
//!
//! The three views are folds of the same requests, so they agree token for token.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, DurationRound, Utc};
use spendlens_model::{Day, Money, TokenCounts};
use spendlens_pricing::{PriceBook, PriceQuery};

use crate::DemoError;
use crate::calendar::Calendar;
use crate::models::{HAIKU, OPUS, SONNET};
use crate::org::{Billing, Engineer};
use crate::random::Random;

/// Claude Code's requests of one engineer, one model, one UTC hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub hour: DateTime<Utc>,
    pub model: &'static str,
    pub requests: u64,
    pub tokens: TokenCounts,
}

/// One API request Claude Code made, as its transcript records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptRequest {
    /// When the final streamed line was written.
    pub timestamp: DateTime<Utc>,
    pub model: &'static str,
    pub tokens: TokenCounts,
    /// The subagent that made the request (its lines go to `subagents/agent-<id>.jsonl`).
    pub agent_id: Option<String>,
    pub message_id: String,
    pub request_id: String,
    /// How many lines the streamed response is written as (2 or 3).
    pub stream_lines: u8,
    /// The response ends the assistant's turn (text) rather than calling a tool.
    pub ends_turn: bool,
}

/// One Claude Code session of a transcript engineer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptSession {
    pub email: String,
    pub session_id: String,
    pub cwd: String,
    pub git_branch: String,
    pub version: String,
    /// A `summary` line's title, when the session was resumed or compacted.
    pub title: Option<String>,
    pub requests: Vec<TranscriptRequest>,
    /// A local `<synthetic>` API-error message is written before this request.
    pub synthetic_error_before: Option<usize>,
}

/// Who Claude Code Analytics says the record is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Actor {
    User { email_address: String },
    ApiKey { api_key_name: String },
}

/// Accepted and rejected decisions for one edit tool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolDecisions {
    pub accepted: u64,
    pub rejected: u64,
}

/// Tokens of one model in a Claude Code Analytics record, with the list-price estimate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelUsage {
    pub model: &'static str,
    pub tokens: TokenCounts,
    /// List price from the price book, in dollars (rendered in cents).
    pub estimated_cost: Money,
}

/// One Claude Code Analytics record: one engineer, one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaudeCodeDay {
    pub day: Day,
    pub email: String,
    pub actor: Actor,
    /// `api` or `subscription`.
    pub customer_type: String,
    pub subscription_type: Option<String>,
    pub terminal_type: String,
    pub sessions: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
    pub commits: u64,
    pub pull_requests: u64,
    pub edit_tool: ToolDecisions,
    pub multi_edit_tool: ToolDecisions,
    pub write_tool: ToolDecisions,
    pub notebook_edit_tool: ToolDecisions,
    pub models: Vec<ModelUsage>,
}

impl ClaudeCodeDay {
    /// Any session, code change or tokens that day.
    pub fn is_active(&self) -> bool {
        let decisions = [self.edit_tool, self.multi_edit_tool, self.write_tool, self.notebook_edit_tool]
            .iter()
            .map(|tool| tool.accepted + tool.rejected)
            .sum::<u64>();
        self.sessions + self.lines_added + self.lines_removed + self.commits + self.pull_requests + decisions > 0
            || self.models.iter().any(|usage| usage.tokens.total() > 0)
    }
}

/// Everything one engineer did.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub chunks: Vec<Chunk>,
    /// Sessions started per UTC day.
    pub session_starts: BTreeMap<Day, u64>,
    pub sessions: Vec<TranscriptSession>,
}

const PROMPT_TITLES: [&str; 10] = [
    "Fix flaky retry test",
    "Add pagination to list endpoint",
    "Refactor config loading",
    "Investigate slow query",
    "Write migration for new column",
    "Bump dependencies and fix build",
    "Add metrics to worker",
    "Review error handling in client",
    "Port script to new API",
    "Clean up feature flag",
];

const VERSIONS: [&str; 4] = ["2.1.12", "2.1.14", "2.1.17", "2.1.19"];

const REPOSITORIES: [&str; 6] = ["service", "api", "web", "infra", "tools", "docs"];

/// Adoption grows through the window; joiners ramp up over their first three weeks.
fn intensity_on(calendar: &Calendar, engineer: &Engineer, day: Day) -> f64 {
    let trend = 0.75 + 0.4 * calendar.progress(day);
    let tenure = (day - engineer.start).num_days() as f64;
    let ramp = if tenure < 21.0 { 0.2 + 0.8 * (tenure.max(0.0) / 21.0) } else { 1.0 };
    engineer.intensity * trend * ramp * calendar.engineering_factor(day)
}

struct Window {
    first: DateTime<Utc>,
    /// Exclusive.
    last: DateTime<Utc>,
}

impl Window {
    fn contains(&self, moment: DateTime<Utc>) -> bool {
        self.first <= moment && moment < self.last
    }
}

fn day_start(day: Day) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// The span in which the engineer can produce activity at all.
fn activity_window(calendar: &Calendar, engineer: &Engineer) -> Option<Window> {
    let first = calendar.start.max(engineer.start);
    let mut last = calendar.end;
    if let Some(end) = engineer.end {
        last = last.min(end);
    }
    if let Some(idle_from) = engineer.idle_from {
        last = last.min(idle_from - Duration::days(1));
    }
    (first <= last).then(|| Window { first: day_start(first), last: day_start(last) + Duration::days(1) })
}

/// Context-window bookkeeping for one conversation (main loop or subagent).
struct Conversation {
    context: u64,
    fresh: bool,
    cap: u64,
}

impl Conversation {
    fn new(random: &mut Random, base_low: u64, base_high: u64, cap: u64) -> Self {
        Conversation { context: random.between(base_low, base_high), fresh: true, cap }
    }

    /// One request's tokens: the first writes the prompt prefix to the cache, later ones read it and
    /// append what is new.
    fn request(&mut self, random: &mut Random, uses_1h_cache: bool) -> TokenCounts {
        let output = random.log_normal(500.0, 0.9).clamp(8.0, 8000.0) as u64;
        let (write, read) = if self.fresh {
            self.fresh = false;
            (self.context, 0)
        } else {
            let write = random.log_normal(2500.0, 0.9).clamp(40.0, 40_000.0) as u64;
            let read = self.context;
            self.context += write;
            (write, read)
        };
        self.context += output;
        if self.context > self.cap {
            // Auto-compaction: the conversation restarts from a summary.
            self.context = random.between(20_000, 32_000);
            self.fresh = true;
        }
        let mut tokens = TokenCounts { input: random.between(1, 12), cache_read: read, output, ..TokenCounts::default() };
        if uses_1h_cache {
            tokens.cache_write_1h = write;
        } else {
            tokens.cache_write_5m = write;
        }
        tokens
    }
}

/// Folds requests into hourly chunks.
#[derive(Default)]
struct ChunkFold {
    chunks: BTreeMap<(DateTime<Utc>, &'static str), (u64, TokenCounts)>,
}

impl ChunkFold {
    fn add(&mut self, timestamp: DateTime<Utc>, model: &'static str, tokens: &TokenCounts) {
        let hour = timestamp.duration_trunc(Duration::hours(1)).unwrap_or(timestamp);
        let entry = self.chunks.entry((hour, model)).or_default();
        entry.0 += 1;
        entry.1.add(tokens);
    }

    fn finish(self) -> Vec<Chunk> {
        self.chunks.into_iter().map(|((hour, model), (requests, tokens))| Chunk { hour, model, requests, tokens }).collect()
    }
}

/// Simulates one engineer over the window.
pub fn simulate(seed: u64, calendar: &Calendar, engineer: &Engineer, index: usize) -> Activity {
    let mut random = Random::derive(seed, "claude-code", index as u64);
    let mut fold = ChunkFold::default();
    let mut activity = Activity::default();
    let Some(window) = activity_window(calendar, engineer) else {
        return activity;
    };
    let record_from = day_start(calendar.end - Duration::days(29));
    let other_model = if engineer.main_model == OPUS { SONNET } else { OPUS };
    for day in calendar.days() {
        let factor = intensity_on(calendar, engineer, day);
        let present = factor > 0.0 && random.chance((0.88 * factor.min(1.1)).min(0.95));
        if !present {
            continue;
        }
        let sessions = (1 + random.count(factor * 1.6)).min(8);
        for _ in 0..sessions {
            let local_hour = engineer.work_start_hour + random.range(0.0, 8.5);
            let utc_seconds = (local_hour - f64::from(engineer.utc_offset_hours)) * 3600.0;
            let mut clock = day_start(day) + Duration::seconds(utc_seconds as i64);
            if !window.contains(clock) {
                continue;
            }
            *activity.session_starts.entry(clock.date_naive()).or_default() += 1;
            let model = if random.chance(0.15) { other_model } else { engineer.main_model };
            let requests = random.log_normal(70.0 * factor.sqrt().max(0.4), 0.55).clamp(4.0, 400.0) as u64;
            let subagent_at = (requests >= 8 && random.chance(0.35)).then(|| random.between(2, requests - 3));
            let mut main = Conversation::new(&mut random, 18_000, 26_000, 160_000);
            let mut recorded: Vec<TranscriptRequest> = Vec::new();
            let keep = engineer.transcripts;
            for step in 0..requests {
                clock += Duration::milliseconds(random.between(6_000, 70_000) as i64);
                if random.chance(0.06) {
                    clock += Duration::seconds(random.between(120, 900) as i64);
                }
                if !window.contains(clock) {
                    break;
                }
                let tokens = main.request(&mut random, engineer.uses_1h_cache);
                fold.add(clock, model, &tokens);
                if keep {
                    recorded.push(transcript_request(&mut random, clock, model, tokens, None, step + 1 == requests));
                }
                if subagent_at == Some(step) {
                    let agent_model = if random.chance(0.6) { HAIKU } else { model };
                    let agent_id = random.hex(17);
                    let mut agent = Conversation::new(&mut random, 6_000, 10_000, 60_000);
                    let agent_requests = random.between(3, 12);
                    for agent_step in 0..agent_requests {
                        clock += Duration::milliseconds(random.between(3_000, 25_000) as i64);
                        if !window.contains(clock) {
                            break;
                        }
                        let tokens = agent.request(&mut random, false);
                        fold.add(clock, agent_model, &tokens);
                        if keep {
                            let last = agent_step + 1 == agent_requests;
                            recorded.push(transcript_request(&mut random, clock, agent_model, tokens, Some(agent_id.clone()), last));
                        }
                    }
                }
            }
            let ends_recently = recorded.last().is_some_and(|request| request.timestamp >= record_from);
            if keep && ends_recently {
                activity.sessions.push(transcript_session(&mut random, engineer, recorded));
            }
        }
    }
    activity.chunks = fold.finish();
    activity
}

fn transcript_request(
    random: &mut Random,
    timestamp: DateTime<Utc>,
    model: &'static str,
    tokens: TokenCounts,
    agent_id: Option<String>,
    ends_turn: bool,
) -> TranscriptRequest {
    TranscriptRequest {
        timestamp,
        model,
        tokens,
        agent_id,
        message_id: format!("msg_01{}", random.base62(22)),
        request_id: format!("req_011C{}", random.base62(20)),
        stream_lines: if random.chance(0.25) { 3 } else { 2 },
        ends_turn,
    }
}

fn transcript_session(random: &mut Random, engineer: &Engineer, requests: Vec<TranscriptRequest>) -> TranscriptSession {
    let repository = random.pick(&REPOSITORIES).copied().unwrap_or("service");
    let user = engineer.local_part().to_string();
    let title = random.chance(0.45).then(|| random.pick(&PROMPT_TITLES).copied().unwrap_or("Work session").to_string());
    TranscriptSession {
        email: engineer.email.clone(),
        session_id: random.uuid(),
        cwd: format!("/Users/{user}/code/{}-{repository}", engineer.team),
        git_branch: if random.chance(0.3) { "main".to_string() } else { format!("{user}/{}", random.hex(6)) },
        version: random.pick(&VERSIONS).copied().unwrap_or("2.1.12").to_string(),
        title,
        requests,
        synthetic_error_before: None,
    }
}

/// Daily Claude Code Analytics records of one engineer, from their hourly chunks.
pub fn analytics(
    seed: u64,
    book: &PriceBook,
    engineer: &Engineer,
    index: usize,
    activity: &Activity,
) -> Result<Vec<ClaudeCodeDay>, DemoError> {
    let mut by_day: BTreeMap<Day, BTreeMap<&'static str, (u64, TokenCounts)>> = BTreeMap::new();
    for chunk in &activity.chunks {
        let entry = by_day.entry(chunk.hour.date_naive()).or_default().entry(chunk.model).or_default();
        entry.0 += chunk.requests;
        entry.1.add(&chunk.tokens);
    }
    let (actor, customer_type, subscription_type) = match &engineer.billing {
        Billing::Seat { subscription_type, .. } => {
            (Actor::User { email_address: engineer.email.clone() }, "subscription", Some(subscription_type.clone()))
        }
        Billing::ApiKey { key_name, reported_as_key: true, .. } => (Actor::ApiKey { api_key_name: key_name.clone() }, "api", None),
        Billing::ApiKey { .. } => (Actor::User { email_address: engineer.email.clone() }, "api", None),
    };
    let mut records = Vec::with_capacity(by_day.len());
    for (day, models) in by_day {
        let mut random = Random::derive(seed, &format!("claude-code-metrics-{index}"), day_number(day));
        let requests: u64 = models.values().map(|(requests, _)| requests).sum();
        let sessions = activity.session_starts.get(&day).copied().unwrap_or(0).max(1);
        let lines_added = (requests as f64 * random.range(1.5, 6.0)) as u64;
        let commits = random.count(sessions as f64 * 0.6);
        let decisions = |random: &mut Random, rate: f64| {
            let accepted = random.count(requests as f64 * rate);
            ToolDecisions { accepted, rejected: random.count(accepted as f64 * 0.08) }
        };
        let mut usage = Vec::with_capacity(models.len());
        for (model, (_, tokens)) in models {
            let priced = book.price(&PriceQuery::new(model, day, tokens))?;
            usage.push(ModelUsage { model, tokens, estimated_cost: priced.total });
        }
        records.push(ClaudeCodeDay {
            day,
            email: engineer.email.clone(),
            actor: actor.clone(),
            customer_type: customer_type.to_string(),
            subscription_type: subscription_type.clone(),
            terminal_type: engineer.terminal_type.clone(),
            sessions,
            lines_added,
            lines_removed: (lines_added as f64 * random.range(0.2, 0.6)) as u64,
            commits,
            pull_requests: random.count(commits as f64 * 0.3),
            edit_tool: decisions(&mut random, 0.12),
            multi_edit_tool: decisions(&mut random, 0.03),
            write_tool: decisions(&mut random, 0.02),
            notebook_edit_tool: decisions(&mut random, 0.002),
            models: usage,
        });
    }
    Ok(records)
}

fn day_number(day: Day) -> u64 {
    u64::from(day.num_days_from_ce().unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DemoConfig;
    use crate::org::build_engineers;

    #[test]
    fn idle_and_leaving_engineers_stop_and_joiners_start_late() {
        let config = DemoConfig::default();
        let calendar = Calendar::new(config.end, config.days);
        let mut ids = Random::derive(config.seed, "ids", 0);
        let engineers = build_engineers(&config, &calendar, &mut ids);
        for (index, engineer) in engineers.iter().enumerate() {
            let activity = simulate(config.seed, &calendar, engineer, index);
            for chunk in &activity.chunks {
                let day = chunk.hour.date_naive();
                assert!(engineer.employed_on(day), "{} active on {day}", engineer.email);
                if let Some(idle_from) = engineer.idle_from {
                    assert!(day < idle_from, "{} idle from {idle_from} but active {day}", engineer.email);
                }
                assert!(calendar.start <= day && day <= calendar.end);
            }
            if engineer.transcripts {
                assert!(!activity.sessions.is_empty(), "{} has transcripts", engineer.email);
            }
        }
    }
}

//! The organisation's own product features calling the API: their workspaces and keys, and hourly
//! traffic with a daily rhythm, growth, a launch, a batch job, a model-mix spike and the planted
//! inefficiencies (routing, caching, batch) the optimiser should find.
//!
//! Output is [`UsageRow`]s at the usage report's grain (hour x key x model x tier x context window x
//! geography); dollars are computed later from these rows by the price book.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use spendlens_model::{ContextWindow, Day, InferenceGeo, Quantities, ServiceTier, TokenCounts};

use crate::calendar::{Calendar, Diurnal};
use crate::models::{FABLE, HAIKU, OPUS, SONNET};
use crate::org::{ApiKey, KeyOwner, SCRATCH_KEY, Workspace, anthropic_id, moment, partial_key_hint, workspace};
use crate::random::Random;

/// Usage of one API key in one hour, grouped as the usage report groups it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    pub hour: DateTime<Utc>,
    pub api_key_id: String,
    pub workspace_id: Option<String>,
    pub model: &'static str,
    pub service_tier: ServiceTier,
    pub context_window: ContextWindow,
    pub inference_geo: InferenceGeo,
    /// Tokens, searches and the requests behind the row (always counted here: the usage report
    /// does not show them; the ground truth and the Usage Analytics pages do).
    pub quantities: Quantities,
}

impl UsageRow {
    /// The requests behind the row.
    pub fn requests(&self) -> u64 {
        self.quantities.requests.unwrap_or(0)
    }

    /// The sort and grouping key, as the usage report orders results.
    pub fn group_key(&self) -> (DateTime<Utc>, &str, Option<&str>, &'static str, ServiceTier, ContextWindow, InferenceGeo) {
        (
            self.hour,
            self.api_key_id.as_str(),
            self.workspace_id.as_deref(),
            self.model,
            self.service_tier,
            self.context_window,
            self.inference_geo,
        )
    }
}

/// How the org map finds a feature's traffic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureMatch {
    /// Every key of one workspace.
    Workspace(String),
    /// Key names by glob.
    KeyNames(Vec<String>),
    /// Exact key ids.
    KeyIds(Vec<String>),
}

/// One product feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub name: String,
    pub workspace_id: String,
    pub api_key_ids: Vec<String>,
    pub matched_by: FeatureMatch,
    /// How its volume moves through the window, in words.
    pub growth: String,
    /// First day of traffic, for a feature launched inside the window.
    pub launched: Option<Day>,
}

#[derive(Debug, Clone, Copy)]
struct Spread {
    mean: f64,
    deviation: f64,
    low: f64,
    high: f64,
}

const NONE: Spread = Spread { mean: 0.0, deviation: 0.0, low: 0.0, high: 0.0 };

const fn spread(mean: f64, deviation: f64, low: f64, high: f64) -> Spread {
    Spread { mean, deviation, low, high }
}

impl Spread {
    /// The sum over `requests` independent requests (normal approximation, clamped to the range).
    fn total(&self, random: &mut Random, requests: u64) -> u64 {
        if self.mean <= 0.0 || requests == 0 {
            return 0;
        }
        let count = requests as f64;
        let value = count * self.mean + count.sqrt() * self.deviation * random.normal();
        value.clamp(count * self.low, count * self.high).round() as u64
    }
}

#[derive(Debug, Clone, Copy)]
struct Shape {
    input: Spread,
    cache_write_5m: Spread,
    cache_read: Spread,
    output: Spread,
    web_searches_per_request: f64,
}

#[derive(Debug, Clone, Copy)]
enum Growth {
    /// Volume multiplier moves linearly from `from` (first day) to `to` (last day).
    Linear { from: f64, to: f64 },
    /// Nothing before the launch, three weeks of ramp, then growth to `to` by the last day.
    Launch { to: f64 },
}

#[derive(Debug, Clone, Copy)]
struct Stream {
    /// Index into the feature's keys.
    key: usize,
    model: &'static str,
    service_tier: ServiceTier,
    context_window: ContextWindow,
    inference_geo: InferenceGeo,
    per_hour: f64,
    diurnal: Diurnal,
    weekend: f64,
    growth: Growth,
    /// Only these UTC hours (inclusive); a scheduled job ignores holidays and weekends.
    hours: Option<(u32, u32)>,
    shape: Shape,
    /// Switches to Opus during the model-mix spike week.
    spikes: bool,
}

#[derive(Debug, Clone, Copy)]
enum SpecMatch {
    Workspace,
    KeyNames(&'static str),
    KeyIds,
}

struct Spec {
    name: &'static str,
    workspace: &'static str,
    keys: &'static [&'static str],
    matched: SpecMatch,
    growth: &'static str,
}

/// The six features, in the order `DemoConfig::features` takes them.
const SPECS: [Spec; 6] = [
    Spec {
        name: "support-bot",
        workspace: "Support",
        keys: &["support-bot-prod", "support-bot-staging"],
        matched: SpecMatch::Workspace,
        growth: "flat (+8% over the window)",
    },
    Spec {
        name: "ticket-classifier",
        workspace: "Support",
        keys: &["ticket-classifier-prod"],
        matched: SpecMatch::KeyNames("ticket-classifier-*"),
        growth: "fast-growing (4x over the window)",
    },
    Spec {
        name: "doc-search",
        workspace: "Search",
        keys: &["doc-search-prod"],
        matched: SpecMatch::Workspace,
        growth: "steady (+45% over the window)",
    },
    Spec {
        name: "code-review-bot",
        workspace: "Engineering Tools",
        keys: &["code-review-bot"],
        matched: SpecMatch::KeyIds,
        growth: "with engineering (+30% over the window, weekdays)",
    },
    Spec {
        name: "nightly-enrichment",
        workspace: "Data",
        keys: &["enrichment-pipeline"],
        matched: SpecMatch::Workspace,
        growth: "flat (a fixed nightly job)",
    },
    Spec {
        name: "sales-email-drafts",
        workspace: "Growth",
        keys: &["sales-email-drafts-prod", "sales-email-drafts-batch"],
        matched: SpecMatch::KeyNames("sales-email-*"),
        growth: "launched mid-window, growing fast after launch",
    },
];

/// The support bot resends this many system-prompt tokens, uncached, on every request.
pub const SUPPORT_SYSTEM_PROMPT_TOKENS: u64 = 12_000;

/// The nightly job's UTC hours (01:00-04:00).
pub const NIGHTLY_HOURS: (u32, u32) = (1, 3);

fn streams(name: &str) -> Vec<Stream> {
    let base = Stream {
        key: 0,
        model: SONNET,
        service_tier: ServiceTier::Standard,
        context_window: ContextWindow::Base,
        inference_geo: InferenceGeo::Global,
        per_hour: 10.0,
        diurnal: Diurnal::UsBusiness,
        weekend: 0.2,
        growth: Growth::Linear { from: 1.0, to: 1.0 },
        hours: None,
        shape: Shape {
            input: spread(2_000.0, 600.0, 200.0, 8_000.0),
            cache_write_5m: NONE,
            cache_read: NONE,
            output: spread(300.0, 120.0, 20.0, 1_500.0),
            web_searches_per_request: 0.0,
        },
        spikes: false,
    };
    let support_shape = Shape {
        // 12k system prompt + the conversation so far, all of it uncached input.
        input: spread(12_900.0, 450.0, 12_200.0, 14_500.0),
        output: spread(260.0, 80.0, 40.0, 900.0),
        ..base.shape
    };
    match name {
        "support-bot" => vec![
            Stream {
                per_hour: 420.0,
                diurnal: Diurnal::UsConsumer,
                weekend: 0.7,
                growth: Growth::Linear { from: 1.0, to: 1.08 },
                shape: support_shape,
                ..base
            },
            Stream { key: 1, per_hour: 5.0, weekend: 0.05, shape: support_shape, ..base },
        ],
        "ticket-classifier" => vec![Stream {
            model: FABLE,
            per_hour: 150.0,
            diurnal: Diurnal::UsConsumer,
            weekend: 0.6,
            growth: Growth::Linear { from: 0.8, to: 3.2 },
            shape: Shape { input: spread(750.0, 75.0, 600.0, 900.0), output: spread(12.0, 4.0, 5.0, 20.0), ..base.shape },
            ..base
        }],
        "doc-search" => vec![Stream {
            per_hour: 220.0,
            weekend: 0.25,
            growth: Growth::Linear { from: 1.0, to: 1.45 },
            shape: Shape {
                input: spread(5_500.0, 1_500.0, 1_200.0, 14_000.0),
                cache_write_5m: spread(35.0, 60.0, 0.0, 4_200.0),
                cache_read: spread(4_150.0, 200.0, 3_800.0, 4_300.0),
                output: spread(450.0, 150.0, 60.0, 1_500.0),
                web_searches_per_request: 0.03,
            },
            spikes: true,
            ..base
        }],
        "code-review-bot" => {
            let review = Stream {
                model: OPUS,
                inference_geo: InferenceGeo::Us,
                per_hour: 35.0,
                weekend: 0.05,
                growth: Growth::Linear { from: 1.0, to: 1.3 },
                shape: Shape {
                    input: spread(2_500.0, 900.0, 300.0, 9_000.0),
                    cache_write_5m: spread(6_000.0, 2_500.0, 500.0, 30_000.0),
                    cache_read: spread(18_000.0, 6_000.0, 2_000.0, 60_000.0),
                    output: spread(900.0, 300.0, 100.0, 4_000.0),
                    web_searches_per_request: 0.0,
                },
                ..base
            };
            let huge_diffs = Stream {
                context_window: ContextWindow::Long,
                per_hour: 0.4,
                shape: Shape {
                    input: spread(40_000.0, 10_000.0, 20_000.0, 80_000.0),
                    cache_write_5m: spread(10_000.0, 3_000.0, 2_000.0, 30_000.0),
                    cache_read: spread(180_000.0, 20_000.0, 150_000.0, 220_000.0),
                    output: spread(2_000.0, 600.0, 300.0, 6_000.0),
                    web_searches_per_request: 0.0,
                },
                ..review
            };
            vec![review, huge_diffs]
        }
        "nightly-enrichment" => vec![Stream {
            per_hour: 2_200.0,
            diurnal: Diurnal::Flat,
            weekend: 1.0,
            hours: Some(NIGHTLY_HOURS),
            shape: Shape { input: spread(4_200.0, 900.0, 1_500.0, 9_000.0), output: spread(650.0, 200.0, 100.0, 2_000.0), ..base.shape },
            ..base
        }],
        "sales-email-drafts" => {
            let drafts = Shape {
                input: spread(3_500.0, 800.0, 800.0, 9_000.0),
                cache_write_5m: spread(20.0, 40.0, 0.0, 2_000.0),
                cache_read: spread(2_000.0, 50.0, 1_900.0, 2_100.0),
                output: spread(700.0, 200.0, 150.0, 2_000.0),
                web_searches_per_request: 0.0,
            };
            vec![
                Stream { per_hour: 60.0, weekend: 0.1, growth: Growth::Launch { to: 2.5 }, shape: drafts, ..base },
                Stream {
                    key: 1,
                    service_tier: ServiceTier::Batch,
                    per_hour: 1_500.0,
                    diurnal: Diurnal::Flat,
                    weekend: 0.0,
                    hours: Some((6, 6)),
                    growth: Growth::Launch { to: 2.5 },
                    shape: Shape { cache_write_5m: NONE, cache_read: NONE, ..drafts },
                    ..base
                },
            ]
        }
        _ => vec![Stream { model: HAIKU, per_hour: 30.0, weekend: 0.1, growth: Growth::Linear { from: 1.0, to: 1.2 }, ..base }],
    }
}

/// A stream bound to its key and workspace.
#[derive(Debug, Clone)]
pub struct PlannedStream {
    feature: usize,
    api_key_id: String,
    workspace_id: String,
    stream: Stream,
    launch: Option<Day>,
}

/// The Console directory for API traffic and the plan of that traffic.
#[derive(Debug, Clone)]
pub struct Plan {
    pub workspaces: Vec<Workspace>,
    pub api_keys: Vec<ApiKey>,
    pub features: Vec<Feature>,
    pub streams: Vec<PlannedStream>,
    pub scratch_key: String,
    /// Monday to Sunday when doc-search runs on Opus.
    pub spike: Option<(Day, Day)>,
}

/// The Monday-to-Sunday week of the model-mix spike: about three quarters into the window.
pub fn spike_week(calendar: &Calendar) -> Option<(Day, Day)> {
    let mut monday = calendar.start + Duration::days((calendar.day_count() as f64 * 0.72) as i64);
    while monday.weekday() != Weekday::Mon {
        monday += Duration::days(1);
    }
    if monday + Duration::days(6) > calendar.end {
        monday = calendar.start;
        while monday.weekday() != Weekday::Mon {
            monday += Duration::days(1);
        }
    }
    let sunday = monday + Duration::days(6);
    (sunday <= calendar.end).then_some((monday, sunday))
}

/// Builds the workspaces, feature and scratch keys. `claude_code_workspace` is created first by
/// the caller (it holds the engineers' keys).
pub fn plan(feature_count: usize, calendar: &Calendar, ids: &mut Random, mut workspaces: Vec<Workspace>, creator: &str) -> Plan {
    let launch = calendar.start + Duration::days((calendar.day_count() as f64 * 0.55) as i64);
    let mut api_keys = Vec::new();
    let mut features = Vec::new();
    let mut planned = Vec::new();
    for index in 0..feature_count {
        let extra_name = format!("internal-tool-{}", index + 1);
        let extra_keys = [format!("internal-tool-{}-prod", index + 1)];
        let extra_glob = format!("internal-tool-{}-*", index + 1);
        let (name, workspace_name, key_names, matched, growth): (String, &str, Vec<String>, SpecMatch, &str) = match SPECS.get(index) {
            Some(spec) => {
                (spec.name.to_string(), spec.workspace, spec.keys.iter().map(|key| (*key).to_string()).collect(), spec.matched, spec.growth)
            }
            None => (extra_name, "Engineering Tools", extra_keys.to_vec(), SpecMatch::KeyNames(""), "slow growth (+20%)"),
        };
        let launched = (name == "sales-email-drafts").then_some(launch);
        let workspace_id = match workspaces.iter().find(|existing| existing.name == workspace_name) {
            Some(existing) => existing.id.clone(),
            None => {
                let created = launched.map_or(calendar.start - Duration::days(200), |day| day - Duration::days(9));
                let created = workspace(ids, workspace_name, created, workspaces.len());
                let id = created.id.clone();
                workspaces.push(created);
                id
            }
        };
        let mut key_ids = Vec::new();
        for key_name in &key_names {
            let created = launched.map_or(calendar.start - Duration::days(ids.between(40, 180) as i64), |day| day - Duration::days(3));
            let key = ApiKey {
                id: anthropic_id(ids, "apikey"),
                name: key_name.clone(),
                workspace_id: Some(workspace_id.clone()),
                created_at: moment(created, ids.between(9 * 3600, 18 * 3600)),
                created_by: creator.to_string(),
                partial_key_hint: partial_key_hint(ids),
                owner: KeyOwner::Feature(name.clone()),
            };
            key_ids.push(key.id.clone());
            api_keys.push(key);
        }
        let matched_by = match matched {
            SpecMatch::Workspace => FeatureMatch::Workspace(workspace_id.clone()),
            SpecMatch::KeyNames("") => FeatureMatch::KeyNames(vec![extra_glob]),
            SpecMatch::KeyNames(glob) => FeatureMatch::KeyNames(vec![glob.to_string()]),
            SpecMatch::KeyIds => FeatureMatch::KeyIds(key_ids.clone()),
        };
        for stream in streams(&name) {
            let Some(api_key_id) = key_ids.get(stream.key) else {
                continue;
            };
            planned.push(PlannedStream {
                feature: index,
                api_key_id: api_key_id.clone(),
                workspace_id: workspace_id.clone(),
                stream,
                launch: launched,
            });
        }
        features.push(Feature { name, workspace_id, api_key_ids: key_ids, matched_by, growth: growth.to_string(), launched });
    }
    let scratch = ApiKey {
        id: anthropic_id(ids, "apikey"),
        name: SCRATCH_KEY.to_string(),
        workspace_id: None,
        created_at: moment(calendar.start - Duration::days(30), ids.between(9 * 3600, 18 * 3600)),
        created_by: creator.to_string(),
        partial_key_hint: partial_key_hint(ids),
        owner: KeyOwner::Unassigned,
    };
    let scratch_key = scratch.id.clone();
    api_keys.push(scratch);
    Plan { workspaces, api_keys, features, streams: planned, scratch_key, spike: spike_week(calendar) }
}

fn growth_on(growth: Growth, calendar: &Calendar, launch: Option<Day>, day: Day) -> f64 {
    match growth {
        Growth::Linear { from, to } => from + (to - from) * calendar.progress(day),
        Growth::Launch { to } => {
            let Some(launch) = launch else {
                return 1.0;
            };
            if day < launch {
                return 0.0;
            }
            let since = (day - launch).num_days() as f64;
            let remaining = (calendar.end - launch).num_days().max(1) as f64;
            let ramp = (0.3 + 0.7 * since / 21.0).min(1.0);
            ramp * (1.0 + (to - 1.0) * (since / remaining).min(1.0))
        }
    }
}

/// The feature whose routing the demo can adopt, and the model it moves to.
pub const ADOPTING_FEATURE: &str = "ticket-classifier";

/// Hourly traffic of every feature stream plus the scratch key; from `adopt_routing_on`, the
/// ticket classifier runs on Haiku.
pub fn traffic(seed: u64, traffic_scale: f64, calendar: &Calendar, plan: &Plan, adopt_routing_on: Option<Day>) -> Vec<UsageRow> {
    let mut rows = Vec::new();
    for (index, planned) in plan.streams.iter().enumerate() {
        let stream = &planned.stream;
        let mut random = Random::derive(seed, &format!("api-stream-{}", planned.feature), index as u64);
        for day in calendar.days() {
            let growth = growth_on(stream.growth, calendar, planned.launch, day);
            if growth <= 0.0 {
                continue;
            }
            let day_factor = match stream.hours {
                Some(_) if stream.weekend >= 1.0 => 1.0,
                _ => calendar.business_factor(day, stream.weekend),
            };
            let adopted = adopt_routing_on.is_some_and(|since| day >= since)
                && plan.features.get(planned.feature).is_some_and(|feature| feature.name == ADOPTING_FEATURE);
            let model = match plan.spike {
                _ if adopted => HAIKU,
                Some((from, to)) if stream.spikes && from <= day && day <= to => OPUS,
                _ => stream.model,
            };
            for hour in 0..24u32 {
                if stream.hours.is_some_and(|(first, last)| hour < first || hour > last) {
                    continue;
                }
                let noise = random.log_normal(1.0, 0.12);
                let mean = stream.per_hour * stream.diurnal.weight(hour) * day_factor * growth * traffic_scale * noise;
                let requests = random.count(mean);
                if requests == 0 {
                    continue;
                }
                let shape = &stream.shape;
                let tokens = TokenCounts {
                    input: shape.input.total(&mut random, requests),
                    cache_write_5m: shape.cache_write_5m.total(&mut random, requests),
                    cache_write_1h: 0,
                    cache_read: shape.cache_read.total(&mut random, requests),
                    output: shape.output.total(&mut random, requests),
                };
                rows.push(UsageRow {
                    hour: moment(day, u64::from(hour) * 3600),
                    api_key_id: planned.api_key_id.clone(),
                    workspace_id: Some(planned.workspace_id.clone()),
                    model,
                    service_tier: stream.service_tier,
                    context_window: stream.context_window,
                    inference_geo: stream.inference_geo,
                    quantities: Quantities {
                        tokens,
                        web_search_requests: random.count(requests as f64 * shape.web_searches_per_request),
                        code_execution_seconds: 0,
                        requests: Some(requests),
                    },
                });
            }
        }
    }
    rows.extend(scratch_traffic(seed, calendar, &plan.scratch_key));
    rows
}

/// A few engineers poking at new models on an unmapped key, a few afternoons a week.
fn scratch_traffic(seed: u64, calendar: &Calendar, api_key_id: &str) -> Vec<UsageRow> {
    let mut random = Random::derive(seed, "scratch", 0);
    let mut rows = Vec::new();
    for day in calendar.days() {
        if Calendar::is_weekend(day) || !random.chance(0.3) {
            continue;
        }
        let hours = random.between(1, 2);
        let first = random.between(15, 21);
        for hour in first..first + hours {
            let model = random.pick(&[OPUS, HAIKU, FABLE, SONNET]).copied().unwrap_or(HAIKU);
            let requests = random.between(3, 30);
            let tokens = TokenCounts {
                input: spread(2_000.0, 900.0, 100.0, 12_000.0).total(&mut random, requests),
                output: spread(500.0, 200.0, 10.0, 3_000.0).total(&mut random, requests),
                ..TokenCounts::default()
            };
            rows.push(UsageRow {
                hour: moment(day, hour * 3600),
                api_key_id: api_key_id.to_string(),
                workspace_id: None,
                model,
                service_tier: ServiceTier::Standard,
                context_window: ContextWindow::Base,
                inference_geo: InferenceGeo::Global,
                quantities: Quantities { requests: Some(requests), ..Quantities::of_tokens(tokens) },
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn default_spike_week_is_a_september_monday() {
        let calendar = Calendar::new(day("2026-10-31"), 180);
        assert_eq!(spike_week(&calendar), Some((day("2026-09-14"), day("2026-09-20"))));
        assert_eq!(spike_week(&Calendar::new(day("2026-10-31"), 5)), None);
    }

    #[test]
    fn spreads_keep_per_request_bounds() {
        let mut random = Random::new(9);
        let classifier = spread(750.0, 75.0, 600.0, 900.0);
        for requests in [1u64, 7, 300] {
            let total = classifier.total(&mut random, requests);
            assert!(total >= requests * 600 && total <= requests * 900, "{total} for {requests}");
        }
        assert_eq!(NONE.total(&mut random, 50), 0);
    }

    #[test]
    fn a_launch_has_no_traffic_before_it() {
        let calendar = Calendar::new(day("2026-10-31"), 180);
        let launch = day("2026-08-11");
        let growth = Growth::Launch { to: 2.5 };
        assert_eq!(growth_on(growth, &calendar, Some(launch), day("2026-08-10")), 0.0);
        assert!(growth_on(growth, &calendar, Some(launch), day("2026-10-31")) > 2.0);
    }
}

use std::collections::BTreeMap;

use chrono::{Duration, Timelike};
use serde::Deserialize;
use spendlens_demo::{FABLE, KeyOwner, OPUS, SONNET, UsageRow};
use spendlens_model::{ClaudeCodeRule, FeatureRule, Glob, KeyTarget, Money, OrgMap, ServiceTier, TeamRule};

use crate::support::{buckets, day_of, default_org, read_json, rendered_default};

fn rows_of<'a>(keys: &'a [String]) -> impl Iterator<Item = &'a UsageRow> + 'a {
    default_org().usage.iter().filter(move |row| keys.contains(&row.api_key_id))
}

#[test]
fn ticket_classifier_sends_short_calls_to_fable() {
    let routing = default_org().ground_truth.planted.routing.as_ref().unwrap();
    assert_eq!(routing.feature, "ticket-classifier");
    let mut rows = 0;
    for row in rows_of(&routing.api_key_ids) {
        rows += 1;
        assert_eq!(row.model, FABLE);
        assert!(row.quantities.tokens.input < 1000 * row.requests(), "input per request under 1000");
        assert!(row.quantities.tokens.input >= 600 * row.requests());
        assert!((5 * row.requests()..=20 * row.requests()).contains(&row.quantities.tokens.output));
    }
    assert!(rows > 1000);
    assert!(routing.spend_usd > routing.spend_on_suggested_model_usd.scale(50.into()));
}

#[test]
fn support_bot_resends_its_system_prompt_uncached() {
    let caching = default_org().ground_truth.planted.caching.as_ref().unwrap();
    assert_eq!(caching.system_prompt_tokens, 12_000);
    for row in rows_of(&caching.api_key_ids) {
        assert_eq!(row.model, SONNET);
        assert_eq!(row.quantities.tokens.cache_read + row.quantities.tokens.cache_write_5m + row.quantities.tokens.cache_write_1h, 0);
        assert!(row.quantities.tokens.input >= 12_000 * row.requests());
    }
    assert_eq!(caching.cache_read_input_tokens, 0);
    assert!(caching.input_spend_usd.scale(10.into()) > caching.spend_usd.scale(8.into()), "input dominates");
}

#[test]
fn nightly_enrichment_runs_synchronously_between_one_and_four() {
    let org = default_org();
    let batch = org.ground_truth.planted.batch.as_ref().unwrap();
    for row in rows_of(&batch.api_key_ids) {
        assert!((1..=3).contains(&row.hour.hour()), "{}", row.hour);
        assert_eq!(row.service_tier, ServiceTier::Standard);
    }
    assert_eq!(batch.nights, 180);
    assert_eq!(batch.spend_at_batch_tier_usd.scale(2.into()), batch.spend_usd);
    // Batch-tier traffic does exist elsewhere (sales-email-drafts), so the tier is exercised.
    assert!(org.usage.iter().any(|row| row.service_tier == ServiceTier::Batch));
}

#[test]
fn doc_search_switches_to_opus_for_one_week() {
    let spike = default_org().ground_truth.planted.model_mix_spike.as_ref().unwrap();
    for row in rows_of(&spike.api_key_ids) {
        let day = row.hour.date_naive();
        let expected = if spike.start <= day && day <= spike.end { OPUS } else { SONNET };
        assert_eq!(row.model, expected, "{day}");
    }
    assert_eq!(spike.end - spike.start, Duration::days(6));
    assert!(spike.spike_week_usd > spike.previous_week_usd.scale("1.5".parse().unwrap()));
    assert_eq!(spike.jump_usd, spike.spike_week_usd - spike.previous_week_usd);
    assert!(rows_of(&spike.api_key_ids).any(|row| row.quantities.web_search_requests > 0), "doc-search uses web search");
}

#[test]
fn idle_seats_show_no_activity_in_the_last_sixty_days() {
    let rendered = rendered_default();
    let org = default_org();
    let idle = &org.ground_truth.planted.idle_seats;
    assert_eq!(idle.len(), 8);
    let cutoff = (org.end - Duration::days(59)).to_string();
    let mut last_seen: BTreeMap<String, String> = BTreeMap::new();
    for record in buckets(&rendered.claude_code_pages) {
        if let Some(email) = record["actor"]["email_address"].as_str() {
            let day = day_of(&record["date"]);
            let entry = last_seen.entry(email.to_string()).or_default();
            if day > *entry {
                *entry = day;
            }
        }
    }
    let roster = std::fs::read_to_string(&rendered.roster).unwrap();
    for seat in idle {
        if let Some(day) = last_seen.get(&seat.email) {
            assert!(*day < cutoff, "{} active on {day}", seat.email);
        }
        assert_eq!(last_seen.get(&seat.email).cloned(), seat.last_active.map(|day| day.to_string()));
        let line = roster.lines().find(|line| line.starts_with(&format!("{},", seat.email))).unwrap();
        assert!(line.ends_with(','), "idle seat still held: {line}");
    }
    // Everyone else with a seat held to the end was active recently.
    let recently_active = last_seen.values().filter(|day| **day >= cutoff).count();
    assert!(recently_active >= 90, "{recently_active}");
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    team: Vec<RawTeam>,
    feature: Vec<RawFeature>,
    claude_code: RawRule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    name: String,
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    name: String,
    api_keys: Vec<String>,
    api_key_names: Vec<String>,
    workspaces: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    api_keys: Vec<String>,
    api_key_names: Vec<String>,
    workspaces: Vec<String>,
}

fn globs(patterns: Vec<String>) -> Vec<Glob> {
    patterns.into_iter().map(Glob::new).collect()
}

fn orgmap() -> OrgMap {
    let raw: RawMap = toml::from_str(&std::fs::read_to_string(&rendered_default().orgmap).unwrap()).unwrap();
    OrgMap {
        origin: "orgmap.toml".to_string(),
        teams: raw
            .team
            .into_iter()
            .enumerate()
            .map(|(line, team)| TeamRule { name: team.name, members: globs(team.members), line })
            .collect(),
        features: raw
            .feature
            .into_iter()
            .enumerate()
            .map(|(index, feature)| FeatureRule {
                name: feature.name,
                api_keys: feature.api_keys,
                api_key_names: globs(feature.api_key_names),
                workspaces: feature.workspaces,
                line: 100 + index,
            })
            .collect(),
        claude_code: Some(ClaudeCodeRule {
            api_keys: raw.claude_code.api_keys,
            api_key_names: globs(raw.claude_code.api_key_names),
            workspaces: raw.claude_code.workspaces,
            line: 1000,
        }),
        levers: Vec::new(),
    }
}

#[test]
fn the_org_map_places_every_key_but_the_scratch_key() {
    let map = orgmap();
    let keys = read_json(&rendered_default().api_keys);
    let org = default_org();
    let unassigned = &org.ground_truth.planted.unassigned_key;
    assert!(unassigned.workspace_id.is_none());
    assert!(unassigned.spend_usd > Money::ZERO && unassigned.spend_usd < Money::from_cents(20_000));
    for key in keys["data"].as_array().unwrap() {
        let id = key["id"].as_str().unwrap();
        let found = map.classify_key(Some(id), key["name"].as_str(), key["workspace_id"].as_str());
        let owner = &org.api_keys.iter().find(|known| known.id == id).unwrap().owner;
        match owner {
            KeyOwner::Unassigned => {
                assert_eq!(key["name"], "scratch-experiments");
                assert!(key["workspace_id"].is_null());
                assert!(found.is_none(), "scratch-experiments matched {found:?}");
            }
            KeyOwner::ClaudeCode(_) => assert_eq!(found.unwrap().target, KeyTarget::ClaudeCode),
            KeyOwner::Feature(name) => assert_eq!(found.unwrap().target, KeyTarget::Feature(name.clone()), "{id}"),
        }
    }
    for engineer in &org.engineers {
        assert_eq!(map.team_of(&engineer.email).map(|(team, _)| team), Some(engineer.team.as_str()));
    }
}

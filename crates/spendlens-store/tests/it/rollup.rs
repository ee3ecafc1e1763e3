//! The usage rollup sums exactly what was written, per day and dimension.

use spendlens_store::Lake;
use std::collections::BTreeMap;

use spendlens_model::{Money, Path, Period, ServiceTier, Source, TokenCounts, UsageLine};
use spendlens_store::{Replace, UsageRollup};

use crate::support::{cost, day, fresh_store, money, usage};

/// A deterministic spread of lines over three days, two keys, two tiers and two actors.
fn spread() -> Vec<UsageLine> {
    let mut lines = Vec::new();
    for index in 0u64..60 {
        let day = 1 + index % 3;
        let mut line = usage(Source::ClaudeCodeAnalytics, &format!("2026-08-0{day}T{:02}:00:00Z", index % 24), 1_000 + index, 10 * index);
        line.quantities.tokens.cache_write_5m = index * 3;
        line.quantities.tokens.cache_write_1h = index % 5;
        line.quantities.tokens.cache_read = 1_000_000 + index;
        line.quantities.web_search_requests = index % 4;
        line.quantities.code_execution_seconds = index % 7;
        line.path = if index % 2 == 0 { Path::ClaudeCode } else { Path::Api };
        line.service_tier = if index % 5 == 0 { ServiceTier::Batch } else { ServiceTier::Standard };
        line.identity.actor_email = Some(format!("engineer{}@example.com", index % 2));
        line.identity.api_key_id = (index % 3 != 0).then(|| format!("apikey_{}", index % 2));
        line.identity.session_id = Some(format!("session-{}", index % 4));
        line.quantities.requests = (index % 4 != 0).then_some(index);
        line.reported_cost = (index % 3 != 1).then(|| money(&format!("0.{:012}", index * 123_456_789)));
        lines.push(line);
    }
    lines
}

#[derive(Default, PartialEq, Debug)]
struct Expected {
    tokens: TokenCounts,
    web_search_requests: u64,
    code_execution_seconds: u64,
    requests: Option<u64>,
    reported_cost: Option<Money>,
    sessions: std::collections::BTreeSet<String>,
    lines: u64,
}

type Key = (String, Path, Option<String>, Option<String>, ServiceTier);

fn key(day: String, path: Path, actor: Option<String>, api_key: Option<String>, tier: ServiceTier) -> Key {
    (day, path, actor, api_key, tier)
}

fn expected(lines: &[UsageLine]) -> BTreeMap<Key, Expected> {
    let mut groups: BTreeMap<Key, Expected> = BTreeMap::new();
    for line in lines {
        let group = groups
            .entry(key(
                line.day().to_string(),
                line.path,
                line.identity.actor_email.clone(),
                line.identity.api_key_id.clone(),
                line.service_tier,
            ))
            .or_default();
        group.tokens.add(&line.quantities.tokens);
        group.web_search_requests += line.quantities.web_search_requests;
        group.code_execution_seconds += line.quantities.code_execution_seconds;
        group.requests = match (group.requests, line.quantities.requests) {
            (None, None) => None,
            (sum, add) => Some(sum.unwrap_or(0) + add.unwrap_or(0)),
        };
        group.reported_cost = match (group.reported_cost, line.reported_cost) {
            (None, None) => None,
            (sum, add) => Some(sum.unwrap_or(Money::ZERO) + add.unwrap_or(Money::ZERO)),
        };
        group.sessions.extend(line.identity.session_id.clone());
        group.lines += 1;
    }
    groups
}

fn actual(rollups: &[UsageRollup]) -> BTreeMap<Key, Expected> {
    rollups
        .iter()
        .map(|rollup| {
            let sessions = (0..rollup.sessions).map(|index| index.to_string()).collect();
            (
                key(rollup.day.to_string(), rollup.path, rollup.actor_email.clone(), rollup.api_key_id.clone(), rollup.service_tier),
                Expected {
                    tokens: rollup.quantities.tokens,
                    web_search_requests: rollup.quantities.web_search_requests,
                    code_execution_seconds: rollup.quantities.code_execution_seconds,
                    requests: rollup.quantities.requests,
                    reported_cost: rollup.reported_cost,
                    sessions,
                    lines: rollup.lines,
                },
            )
        })
        .collect()
}

#[test]
fn rollup_sums_match_the_input_exactly() {
    let (_directory, store) = fresh_store();
    let lines = spread();
    store.replace_usage(Source::ClaudeCodeAnalytics, "org", Replace::Days, &lines).unwrap();
    let rollups = store.usage_rollup(None).unwrap();

    let mut expected = expected(&lines);
    // Distinct sessions are compared by count.
    for group in expected.values_mut() {
        group.sessions = (0..group.sessions.len() as u64).map(|index| index.to_string()).collect();
    }
    assert_eq!(actual(&rollups), expected);
    assert_eq!(rollups.len(), expected.len(), "one rollup per group");
    assert!(rollups.iter().any(|rollup| rollup.sessions > 1));
    assert!(rollups.iter().all(|rollup| rollup.source == Source::ClaudeCodeAnalytics && rollup.model == "claude-sonnet-4-5"));

    let mut sorted = rollups.clone();
    sorted.sort_by(|left, right| {
        let key = |rollup: &UsageRollup| {
            (
                rollup.day,
                rollup.source,
                rollup.path,
                rollup.workspace_id.clone(),
                rollup.api_key_id.clone(),
                rollup.actor_email.clone(),
                rollup.service_tier,
            )
        };
        key(left).cmp(&key(right))
    });
    assert_eq!(sorted, rollups, "ordered by day, source, path and the other keys, absent values first");

    let total_reported: Money = lines.iter().filter_map(|line| line.reported_cost).sum();
    let rolled_reported: Money = rollups.iter().filter_map(|rollup| rollup.reported_cost).sum();
    assert_eq!(rolled_reported, total_reported);
    let mut tokens = TokenCounts::default();
    lines.iter().for_each(|line| tokens.add(&line.quantities.tokens));
    assert_eq!(store.totals().unwrap().by_source[&Source::ClaudeCodeAnalytics].tokens, tokens);
}

#[test]
fn period_filters_by_day_and_span_covers_usage_and_cost() {
    let (_directory, store) = fresh_store();
    let lines = spread();
    store.replace_usage(Source::ClaudeCodeAnalytics, "org", Replace::Days, &lines).unwrap();
    store
        .replace_cost(
            Source::AdminCost,
            "org",
            Replace::Days,
            &[cost(Source::AdminCost, "2026-07-30", "1"), cost(Source::AdminCost, "2026-08-02", "2")],
        )
        .unwrap();

    let second = Period::new(day("2026-08-02"), day("2026-08-03"));
    let rollups = store.usage_rollup(Some(second)).unwrap();
    assert!(!rollups.is_empty() && rollups.iter().all(|rollup| rollup.day == day("2026-08-02")));
    let lines_in_day: u64 = rollups.iter().map(|rollup| rollup.lines).sum();
    assert_eq!(lines_in_day, 20);
    assert_eq!(store.usage_lines(Some(second)).unwrap().len(), 20);
    let costs = store.cost_lines(Some(second)).unwrap();
    assert_eq!(costs.iter().map(|line| line.amount).collect::<Vec<_>>(), [money("2")]);
    assert_eq!(store.usage_rollup(Some(Period::new(day("2026-09-01"), day("2026-10-01")))).unwrap(), vec![]);

    assert_eq!(store.usage_span().unwrap(), Some((day("2026-07-30"), day("2026-08-03"))));
}

#[test]
fn requests_and_reported_cost_are_null_only_when_every_line_is() {
    let (_directory, store) = fresh_store();
    let mut counted = usage(Source::Otel, "2026-08-01T00:00:00Z", 1, 1);
    counted.quantities.requests = Some(3);
    counted.reported_cost = Some(money("0.5"));
    counted.identity.session_id = Some("a".into());
    let mut uncounted = usage(Source::Otel, "2026-08-01T01:00:00Z", 1, 1);
    uncounted.identity.session_id = Some("a".into());
    let mut other_day = usage(Source::Otel, "2026-08-02T00:00:00Z", 1, 1);
    other_day.identity.session_id = None;
    store.replace_usage(Source::Otel, "org", Replace::Days, &[counted, uncounted, other_day]).unwrap();

    let rollups = store.usage_rollup(None).unwrap();
    assert_eq!(rollups.len(), 2);
    assert_eq!(
        (rollups[0].quantities.requests, rollups[0].reported_cost, rollups[0].sessions, rollups[0].lines),
        (Some(3), Some(money("0.5")), 1, 2)
    );
    assert_eq!((rollups[1].quantities.requests, rollups[1].reported_cost, rollups[1].sessions, rollups[1].lines), (None, None, 0, 1));
}

#[test]
fn usage_lines_of_one_source_leave_the_others_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = spendlens_store::Store::open(dir.path()).unwrap();
    let start = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 10, 1, 9, 0, 0).unwrap();
    let mut transcript = spendlens_model::UsageLine::new(start, start, spendlens_model::Source::Transcript, "claude-sonnet-4-5");
    transcript.quantities.tokens.output = 7;
    let admin = spendlens_model::UsageLine::new(start, start, spendlens_model::Source::AdminUsage, "claude-sonnet-4-5");
    store.replace_usage(spendlens_model::Source::Transcript, "ana", spendlens_store::Replace::Days, &[transcript.clone()]).unwrap();
    store.replace_usage(spendlens_model::Source::AdminUsage, "org", spendlens_store::Replace::Days, &[admin]).unwrap();
    assert_eq!(store.usage_lines(None).unwrap().len(), 2);
    assert_eq!(store.usage_lines_of(spendlens_model::Source::Transcript, None).unwrap(), vec![transcript]);
}

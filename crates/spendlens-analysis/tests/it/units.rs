//! Month-over-month change, unit economics and the source record, on hand-made ledgers whose
//! figures are worked out by hand in the comments.

use chrono::{TimeZone, Utc};
use spendlens_analysis::{
    Change, Driver, Drivers, Ledger, LedgerEntry, Role, compare, source_uses, summarise, summarise_with, unit_economics,
};
use spendlens_model::{ActivityLine, CostKind, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, Source, UsageLine};

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn october() -> Period {
    Period::parse_month("2026-10").unwrap()
}

fn entry(on: &str, amount: &str, path: Path, driver: Driver, source: Source, api_key: Option<&str>) -> LedgerEntry {
    let start = day(on);
    let seat = source == Source::Roster;
    LedgerEntry {
        start,
        end: if seat { Period::month_of(start).end } else { start.succ_opt().unwrap() },
        amount: money(amount),
        path,
        driver,
        rule: "test".into(),
        source,
        kind: if seat { CostKind::SeatFee } else { CostKind::Tokens },
        model: None,
        api_key: api_key.map(str::to_string),
        workspace_id: None,
        token_type: None,
        service_tier: None,
    }
}

fn ada() -> Driver {
    Driver::Engineer { email: "ada@acme.example".into(), team: Some("platform".into()) }
}

fn feature(name: &str) -> Driver {
    Driver::Feature { name: name.into() }
}

/// September: Claude Code $100 (a seat), API $50 on 2 days. October: Claude Code $150 (seat) +
/// $150 on a key, API $30.03 (search) + $60 (chat), unassigned $4.
fn ledger() -> Ledger {
    let entries = vec![
        entry("2026-09-01", "100", Path::ClaudeCode, ada(), Source::Roster, None),
        entry("2026-09-20", "20", Path::Api, feature("search"), Source::AdminCost, Some("apikey_search")),
        entry("2026-09-21", "30", Path::Api, feature("search"), Source::AdminCost, Some("apikey_search")),
        entry("2026-10-01", "150", Path::ClaudeCode, ada(), Source::Roster, None),
        entry("2026-10-01", "150", Path::ClaudeCode, ada(), Source::AdminCost, Some("apikey_cc")),
        entry("2026-10-01", "10.01", Path::Api, feature("search"), Source::AdminCost, Some("apikey_search")),
        entry("2026-10-02", "20.02", Path::Api, feature("search"), Source::AdminCost, Some("apikey_search")),
        entry("2026-10-02", "60", Path::Api, feature("chat"), Source::AdminCost, Some("apikey_chat")),
        entry("2026-10-03", "4", Path::Unassigned, Driver::Unattributed { reason: "no rule".into() }, Source::AdminCost, Some("apikey_x")),
    ];
    Ledger { entries, ..Ledger::default() }
}

fn usage(on: &str, source: Source, path: Path) -> UsageLine {
    let start = Utc.from_utc_datetime(&day(on).and_hms_opt(12, 0, 0).unwrap());
    let mut line = UsageLine::new(start, start, source, "claude-sonnet-4-5");
    line.path = path;
    line
}

fn claude_code_use(on: &str, email: &str, source: Source) -> UsageLine {
    let mut line = usage(on, source, Path::ClaudeCode);
    line.identity.actor_email = Some(email.into());
    line.quantities.tokens.output = 10;
    line.reported_cost = Some(money("0.25"));
    line
}

fn requests(on: &str, key: &str, count: u64) -> UsageLine {
    let mut line = usage(on, Source::Gateway, Path::Api);
    line.identity.api_key_id = Some(key.into());
    line.quantities.requests = Some(count);
    line
}

fn directory_entry() -> DirectoryEntry {
    DirectoryEntry {
        kind: DirectoryKind::User,
        id: String::new(),
        name: None,
        email: None,
        workspace_id: None,
        created_by: None,
        status: None,
    }
}

fn activity(on: &str, email: &str, sessions: u64) -> ActivityLine {
    ActivityLine { day: day(on), source: Source::ClaudeCodeAnalytics, actor_email: Some(email.into()), sessions, ..ActivityLine::default() }
}

#[test]
fn each_path_is_compared_with_the_month_before() {
    let comparison = compare(&ledger().entries, october()).unwrap();
    assert_eq!(comparison.previous_period, Period::parse_month("2026-09").unwrap());
    // Claude Code 100 → 300: +200, +200.0%. API 50 → 90.03: +40.03, +80.06 → 80.1%.
    assert_eq!(
        comparison.claude_code,
        Change {
            previous_usd: money("100"),
            current_usd: money("300"),
            change_usd: money("200"),
            change_pct: Some("200.0".parse().unwrap())
        }
    );
    assert_eq!(comparison.api.change_usd, money("40.03"));
    assert_eq!(comparison.api.change_pct, Some("80.1".parse().unwrap()));
    // Nothing unassigned in September: a change with no percentage.
    assert_eq!(comparison.unassigned.change_pct, None);
    assert_eq!(comparison.unassigned.change_usd, money("4"));
    // 150 → 394.03: +162.7%.
    assert_eq!(comparison.total.change_pct, Some("162.7".parse().unwrap()));
    // Daily lines on 2 September days and 3 October days; the seat fees span months.
    assert_eq!((comparison.previous_days_with_data, comparison.days_with_data), (2, 3));
    // Per team and feature: platform 100 → 300; search 50 → 30.03 (-39.9%); chat is new.
    assert_eq!(comparison.teams["platform"].change_usd, money("200"));
    assert_eq!(comparison.features["search"].change_usd, money("-19.97"));
    assert_eq!(comparison.features["search"].change_pct, Some("-39.9".parse().unwrap()));
    assert_eq!((comparison.features["chat"].previous_usd, comparison.features["chat"].change_pct), (Money::ZERO, None));
    assert_eq!(comparison.features.len(), 2);
}

#[test]
fn no_previous_data_is_no_comparison_not_a_zero() {
    assert_eq!(compare(&ledger().entries, Period::parse_month("2026-09").unwrap()), None);
    assert!(summarise(&ledger(), Period::parse_month("2026-09").unwrap()).month_over_month.is_none());
}

#[test]
fn claude_code_cost_is_per_active_engineer_and_engineer_day_counted_once_across_sources() {
    // ada: activity on 1 and 2 October, and transcript use on 2 October (the same day again).
    // bo: transcript use on 3 October; cy: an activity line with no activity (not active).
    let activity = vec![
        activity("2026-10-01", "ada@acme.example", 2),
        activity("2026-10-02", "Ada@Acme.example", 1),
        activity("2026-10-02", "cy@acme.example", 0),
    ];
    let usage = vec![
        claude_code_use("2026-10-02", "ada@acme.example", Source::Transcript),
        claude_code_use("2026-10-03", "bo@acme.example", Source::Transcript),
        // September use is outside the period.
        claude_code_use("2026-09-30", "dee@acme.example", Source::Transcript),
    ];
    // eve runs Claude Code on an API key: Claude Code Analytics names the key, not her; the key
    // listing says she created it.
    let mut on_key = ActivityLine { day: day("2026-10-04"), source: Source::ClaudeCodeAnalytics, sessions: 1, ..ActivityLine::default() };
    on_key.api_key_name = Some("claude-code-eve".into());
    let mut with_eve = activity.clone();
    with_eve.push(on_key);
    let directory = vec![
        DirectoryEntry {
            kind: DirectoryKind::ApiKey,
            id: "apikey_eve".into(),
            name: Some("claude-code-eve".into()),
            created_by: Some("user_eve".into()),
            ..directory_entry()
        },
        DirectoryEntry { kind: DirectoryKind::User, id: "user_eve".into(), email: Some("Eve@acme.example".into()), ..directory_entry() },
    ];
    let units = unit_economics(&ledger().entries, october(), Drivers { usage: &usage, activity: &with_eve, directory: &directory });
    assert_eq!((units.claude_code.active_engineers, units.claude_code.active_engineer_days), (3, 4));
    // Without the listing the key's activity has no person behind it.
    let units = unit_economics(&ledger().entries, october(), Drivers { usage: &usage, activity: &with_eve, directory: &[] });
    assert_eq!((units.claude_code.active_engineers, units.claude_code.active_engineer_days), (2, 3));

    let units = unit_economics(&ledger().entries, october(), Drivers { usage: &usage, activity: &activity, directory: &[] });
    let cc = units.claude_code;
    assert_eq!(cc.total_usd, money("300"));
    assert_eq!((cc.active_engineers, cc.active_engineer_days), (2, 3));
    // $300 / 2 engineers = $150; $300 / 3 engineer-days = $100.
    assert_eq!(cc.cost_per_active_engineer_usd, Some(money("150")));
    assert_eq!(cc.cost_per_active_engineer_day_usd, Some(money("100")));
    assert_eq!(cc.activity_sources, vec![Source::ClaudeCodeAnalytics, Source::Transcript]);
}

#[test]
fn api_cost_is_per_thousand_requests_of_each_feature_where_requests_are_counted() {
    let usage = vec![
        requests("2026-10-01", "apikey_search", 1_000),
        requests("2026-10-02", "apikey_search", 2_000),
        // Outside the period, and a key of no feature: neither counts.
        requests("2026-09-30", "apikey_search", 5_000),
        requests("2026-10-02", "apikey_x", 7),
    ];
    let units = unit_economics(&ledger().entries, october(), Drivers { usage: &usage, activity: &[], directory: &[] });
    let search = units.api.features.iter().find(|unit| unit.feature == "search").unwrap();
    // $30.03 over 3,000 requests = $10.01 per 1,000.
    assert_eq!(search.requests, Some(3_000));
    assert_eq!(search.cost_per_1000_requests_usd, Some(money("10.010")));
    let chat = units.api.features.iter().find(|unit| unit.feature == "chat").unwrap();
    assert_eq!((chat.requests, chat.cost_per_1000_requests_usd), (None, None));
    assert_eq!(units.api.features.iter().map(|unit| unit.feature.as_str()).collect::<Vec<_>>(), ["chat", "search"]);
    assert_eq!(units.api.request_sources, vec![Source::Gateway]);
}

#[test]
fn without_activity_there_is_no_rate_rather_than_a_made_up_one() {
    let units = unit_economics(&ledger().entries, october(), Drivers::default());
    assert_eq!(units.claude_code.active_engineers, 0);
    assert_eq!(units.claude_code.cost_per_active_engineer_usd, None);
    assert_eq!(units.claude_code.cost_per_active_engineer_day_usd, None);
}

#[test]
fn the_source_record_names_who_billed_and_who_only_refined() {
    let usage = vec![
        claude_code_use("2026-10-02", "ada@acme.example", Source::Transcript),
        claude_code_use("2026-10-03", "bo@acme.example", Source::Transcript),
        claude_code_use("2026-10-03", "bo@acme.example", Source::ClaudeCodeAnalytics),
        usage("2026-10-03", Source::AdminUsage, Path::Unassigned),
    ];
    let activity = vec![activity("2026-10-01", "ada@acme.example", 2)];
    let uses = source_uses(&ledger(), october(), Drivers { usage: &usage, activity: &activity, directory: &[] });
    let summary: Vec<(Source, Role, usize, Money, Option<Money>)> =
        uses.iter().map(|used| (used.source, used.role, used.lines, used.billed_usd, used.estimated_usd)).collect();
    assert_eq!(
        summary,
        vec![
            // Cost report: 150 + 10.01 + 20.02 + 60 + 4 in October; roster: the October seat.
            (Source::AdminCost, Role::Billing, 5, money("244.03"), None),
            (Source::Roster, Role::Billing, 1, money("150"), None),
            (Source::AdminUsage, Role::Split, 1, Money::ZERO, None),
            // One usage line and one activity line; its $0.25 estimate is shown, not added.
            (Source::ClaudeCodeAnalytics, Role::Attribution, 2, Money::ZERO, Some(money("0.25"))),
            (Source::Transcript, Role::Attribution, 2, Money::ZERO, Some(money("0.5"))),
        ]
    );
    assert!(uses[0].why.contains("$150.00 of it is Claude Code on API keys"), "{}", uses[0].why);
    let summary = summarise_with(&ledger(), october(), Drivers { usage: &usage, activity: &activity, directory: &[] });
    assert_eq!(summary.sources, uses);
    // The record never adds a dollar: billed sums are the ledger total.
    assert_eq!(uses.iter().map(|used| used.billed_usd).sum::<Money>(), summary.total_usd);
}

#[test]
fn placements_group_entries_by_what_placed_them_and_filter() {
    use spendlens_analysis::{PlacementFilter, placements};
    let all = placements(&ledger().entries, october(), &PlacementFilter::default());
    // search's two days share path, driver, key, rule and source: one placement of $30.03.
    let search = all.iter().find(|placement| placement.driver == feature("search")).unwrap();
    assert_eq!((search.entries, search.total_usd), (2, money("30.03")));
    assert_eq!(all.iter().map(|placement| placement.total_usd).sum::<Money>(), money("394.03"));
    // Largest first: ada's seat and ada's key ($150 each), then chat.
    assert_eq!(all[2].driver, feature("chat"));
    let claude_code = placements(&ledger().entries, october(), &PlacementFilter { path: Some(Path::ClaudeCode), ..Default::default() });
    assert_eq!(claude_code.len(), 2);
    let by_key = placements(&ledger().entries, october(), &PlacementFilter { api_key: Some("CHAT".into()), ..Default::default() });
    assert_eq!(by_key.len(), 1);
    let by_team = placements(&ledger().entries, october(), &PlacementFilter { driver: Some("platform".into()), ..Default::default() });
    assert_eq!(by_team.iter().map(|placement| placement.total_usd).sum::<Money>(), money("300"));
    // Filtering the placements is placing only the entries the filter keeps (what the dashboard
    // and `App::placements` rely on), for every filter above and a combined one.
    let combined = PlacementFilter { path: Some(Path::Api), driver: Some("HAT".into()), ..Default::default() };
    for (filter, placed) in [
        (PlacementFilter { path: Some(Path::ClaudeCode), ..Default::default() }, &claude_code),
        (PlacementFilter { api_key: Some("CHAT".into()), ..Default::default() }, &by_key),
        (PlacementFilter { driver: Some("platform".into()), ..Default::default() }, &by_team),
    ] {
        let filtered: Vec<_> = all.iter().filter(|placement| filter.keeps_placement(placement)).cloned().collect();
        assert_eq!(&filtered, placed, "{filter:?}");
    }
    let filtered: Vec<_> = all.iter().filter(|placement| combined.keeps_placement(placement)).cloned().collect();
    assert_eq!(filtered, placements(&ledger().entries, october(), &combined));
    assert_eq!(filtered.iter().map(|placement| placement.driver.clone()).collect::<Vec<_>>(), vec![feature("chat")]);
}

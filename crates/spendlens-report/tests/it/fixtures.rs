//! A small hand-made ledger: a seat fee, Claude Code on an API key, two features and an
//! unassigned remainder, over two days of October 2026.

use chrono::{NaiveDate, TimeZone, Utc};
use spendlens_analysis::{Driver, Ledger, LedgerEntry};
use spendlens_model::{ActivityLine, CostKind, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, Source, TokenType, UsageLine};

pub fn day(text: &str) -> Day {
    text.parse().unwrap()
}

pub fn money(text: &str) -> Money {
    text.parse().unwrap()
}

pub fn october() -> Period {
    Period::parse_month("2026-10").unwrap()
}

fn entry(start: &str, amount: &str, path: Path, driver: Driver, kind: CostKind, model: Option<&str>, api_key: Option<&str>) -> LedgerEntry {
    let start = day(start);
    let end = if kind == CostKind::SeatFee { day("2026-11-01") } else { start.succ_opt().unwrap() };
    LedgerEntry {
        start,
        end,
        amount: money(amount),
        path,
        driver,
        rule: match path {
            Path::ClaudeCode => "[claude_code] key_name = \"cc-*\"".into(),
            Path::Api => "[[feature]] search".into(),
            Path::Unassigned => "unassigned: no rule matched".into(),
        },
        source: if kind == CostKind::SeatFee { Source::Roster } else { Source::AdminCost },
        kind,
        model: model.map(str::to_string),
        api_key: api_key.map(str::to_string),
        workspace_id: if kind == CostKind::SeatFee { None } else { Some("wrkspc_prod".into()) },
        token_type: (kind == CostKind::Tokens).then_some(TokenType::Input),
        service_tier: None,
    }
}

pub fn ledger() -> Ledger {
    let ada = || Driver::Engineer { email: "ada@example.com".into(), team: Some("platform".into()) };
    let search = || Driver::Feature { name: "search".into() };
    let unassigned = || Driver::Unattributed { reason: "no org-map rule matches API key legacy (apikey_3) in workspace prod".into() };
    let sonnet = Some("claude-sonnet-4-5");
    let entries = vec![
        entry("2026-10-01", "150", Path::ClaudeCode, ada(), CostKind::SeatFee, None, None),
        // Two token types of one key, day and model: one FOCUS row.
        entry("2026-10-01", "1.234567890123", Path::ClaudeCode, ada(), CostKind::Tokens, sonnet, Some("apikey_1")),
        entry("2026-10-01", "0.5", Path::ClaudeCode, ada(), CostKind::Tokens, sonnet, Some("apikey_1")),
        entry("2026-10-01", "10.01", Path::Api, search(), CostKind::Tokens, sonnet, Some("apikey_2")),
        entry("2026-10-02", "20.02", Path::Api, search(), CostKind::Tokens, sonnet, Some("apikey_2")),
        entry("2026-10-02", "3", Path::Api, Driver::Feature { name: "chat <beta>".into() }, CostKind::WebSearch, None, Some("apikey_4")),
        entry("2026-10-02", "4.44", Path::Unassigned, unassigned(), CostKind::Tokens, sonnet, Some("apikey_3")),
        // Outside the period: never shown.
        entry("2026-11-01", "999", Path::Api, search(), CostKind::Tokens, sonnet, Some("apikey_2")),
    ];
    Ledger { entries, ..Ledger::default() }
}

fn usage(on: &str, key: &str, input: u64, output: u64) -> UsageLine {
    let date = NaiveDate::parse_from_str(on, "%Y-%m-%d").unwrap();
    let start = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap());
    let mut line = UsageLine::new(start, start + chrono::Duration::days(1), Source::AdminUsage, "claude-sonnet-4-5");
    line.identity.api_key_id = Some(key.into());
    line.identity.workspace_id = Some("wrkspc_prod".into());
    line.quantities.tokens.input = input;
    line.quantities.tokens.output = output;
    line
}

pub fn usage_lines() -> Vec<UsageLine> {
    vec![
        usage("2026-10-01", "apikey_1", 1_000, 200),
        usage("2026-10-01", "apikey_2", 5_000, 1_000),
        usage("2026-10-02", "apikey_2", 7_000, 3_000),
        usage("2026-10-02", "apikey_3", 2_000, 10),
    ]
}

pub fn directory() -> Vec<DirectoryEntry> {
    vec![DirectoryEntry {
        kind: DirectoryKind::Workspace,
        id: "wrkspc_prod".into(),
        name: Some("prod".into()),
        email: None,
        workspace_id: None,
        created_by: None,
        status: None,
    }]
}

/// [`ledger`] with a September behind it: Claude Code $120 (ada's seat), search $40 over 2 days.
pub fn ledger_with_september() -> Ledger {
    let ada = || Driver::Engineer { email: "ada@example.com".into(), team: Some("platform".into()) };
    let search = || Driver::Feature { name: "search".into() };
    let mut ledger = ledger();
    let mut seat = entry("2026-10-01", "120", Path::ClaudeCode, ada(), CostKind::SeatFee, None, None);
    (seat.start, seat.end) = (day("2026-09-01"), day("2026-10-01"));
    ledger.entries.push(seat);
    ledger.entries.push(entry("2026-09-29", "15", Path::Api, search(), CostKind::Tokens, Some("claude-sonnet-4-5"), Some("apikey_2")));
    ledger.entries.push(entry("2026-09-30", "25", Path::Api, search(), CostKind::Tokens, Some("claude-sonnet-4-5"), Some("apikey_2")));
    ledger
}

/// What drives the October figures: ada active on two days (Claude Code Analytics) and one of them
/// again in her transcripts; 2,500 gateway requests on search's key.
pub fn drivers() -> (Vec<UsageLine>, Vec<ActivityLine>) {
    let activity = ["2026-10-01", "2026-10-02"]
        .into_iter()
        .map(|on| ActivityLine {
            day: day(on),
            source: Source::ClaudeCodeAnalytics,
            actor_email: Some("ada@example.com".into()),
            sessions: 3,
            ..ActivityLine::default()
        })
        .collect();
    let mut lines = usage_lines();
    let mut transcript = usage("2026-10-02", "apikey_1", 10, 10);
    transcript.source = Source::Transcript;
    transcript.path = Path::ClaudeCode;
    transcript.identity.api_key_id = None;
    transcript.identity.actor_email = Some("ada@example.com".into());
    transcript.reported_cost = Some(money("0.42"));
    lines.push(transcript);
    for (on, count) in [("2026-10-01", 1_000), ("2026-10-02", 1_500)] {
        let mut gateway = usage(on, "apikey_2", 0, 0);
        gateway.source = Source::Gateway;
        gateway.path = Path::Api;
        gateway.quantities.requests = Some(count);
        lines.push(gateway);
    }
    (lines, activity)
}

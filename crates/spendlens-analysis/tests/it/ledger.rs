//! Ledger assembly and the summary: each dollar once, split by priced usage, with reasons.

use chrono::{TimeZone, Utc};
use spendlens_analysis::{Driver, LedgerInput, assemble, summarise};
use spendlens_model::{
    ClaudeCodeRule, CostKind, CostLine, Day, DirectoryEntry, DirectoryKind, FeatureRule, Glob, Money, OrgMap, Path, Period, Source,
    TeamRule, TokenCounts, TokenType, UsageLine,
};
use spendlens_pricing::PriceBook;

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn usage(key: &str, input: u64, output: u64) -> UsageLine {
    let start = Utc.with_ymd_and_hms(2026, 10, 5, 9, 0, 0).unwrap();
    let mut line = UsageLine::new(start, start + chrono::Duration::hours(1), Source::AdminUsage, "claude-sonnet-4-5-20250929");
    line.identity.api_key_id = Some(key.to_string());
    line.identity.workspace_id = Some("wrkspc_main".to_string());
    line.quantities.tokens = TokenCounts { input, output, ..TokenCounts::default() };
    line
}

fn cost(amount: &str, token_type: TokenType) -> CostLine {
    let mut line = CostLine::new(day("2026-10-05"), day("2026-10-06"), Source::AdminCost, money(amount), CostKind::Tokens);
    line.identity.workspace_id = Some("wrkspc_main".to_string());
    line.model = Some("claude-sonnet-4-5".to_string());
    line.token_type = Some(token_type);
    line
}

fn key(id: &str, name: &str, owner: Option<&str>) -> DirectoryEntry {
    DirectoryEntry {
        kind: DirectoryKind::ApiKey,
        id: id.into(),
        name: Some(name.into()),
        email: None,
        workspace_id: Some("wrkspc_main".into()),
        created_by: owner.map(str::to_string),
        status: None,
    }
}

fn orgmap() -> OrgMap {
    OrgMap {
        origin: "orgmap.toml".into(),
        teams: vec![TeamRule { name: "payments".into(), members: vec![Glob::new("ana@acme.example")], line: 1 }],
        features: vec![FeatureRule {
            name: "support-bot".into(),
            api_keys: vec![],
            api_key_names: vec![Glob::new("support-*")],
            workspaces: vec![],
            line: 5,
        }],
        claude_code: Some(ClaudeCodeRule {
            api_keys: vec![],
            api_key_names: vec![Glob::new("claude-code-*")],
            workspaces: vec![],
            line: 10,
        }),
        levers: Vec::new(),
    }
}

#[test]
fn cost_report_rows_are_split_by_priced_usage_and_never_double_counted() {
    // Input: support 3M tokens ($9 at $3/MTok), Ana's key 1M ($3), scratch 0 input but output only.
    let usage_lines = vec![usage("apikey_support", 3_000_000, 0), usage("apikey_ana", 1_000_000, 0), usage("apikey_scratch", 0, 100_000)];
    let directory = vec![
        key("apikey_support", "support-prod", None),
        key("apikey_ana", "claude-code-ana", Some("user_ana")),
        key("apikey_scratch", "scratch-experiments", None),
        DirectoryEntry {
            kind: DirectoryKind::User,
            id: "user_ana".into(),
            name: None,
            email: Some("ana@acme.example".into()),
            workspace_id: None,
            created_by: None,
            status: None,
        },
    ];
    let mut seat = CostLine::new(day("2026-10-01"), day("2026-11-01"), Source::Roster, money("150"), CostKind::SeatFee);
    seat.identity.actor_email = Some("bo@acme.example".into());
    seat.team = Some("mobile".into());
    // The cost report bills $12.40 of input (say, a contract rate) and $1.50 of output.
    let costs = vec![cost("12.40", TokenType::Input), cost("1.50", TokenType::Output), seat];
    let book = PriceBook::embedded().unwrap();
    let map = orgmap();
    let ledger = assemble(LedgerInput { usage: &usage_lines, costs: &costs, directory: &directory, orgmap: &map, book: &book });

    let total: Money = ledger.entries.iter().map(|e| e.amount).sum();
    assert_eq!(total, money("163.90"), "every billed dollar exactly once");
    let amount_of = |label: &str, kind_path: Path| -> Money {
        ledger.entries.iter().filter(|e| e.path == kind_path && e.driver.label() == label).map(|e| e.amount).sum()
    };
    // Input $12.40 split 9:3 -> 9.30 support, 3.10 Ana; output $1.50 all to scratch (only it had output).
    assert_eq!(amount_of("support-bot", Path::Api), money("9.30"));
    assert_eq!(amount_of("ana@acme.example", Path::ClaudeCode), money("3.10"));
    let scratch = ledger.entries.iter().find(|e| e.path == Path::Unassigned).unwrap();
    assert_eq!(scratch.amount, money("1.50"));
    assert_eq!(
        scratch.driver,
        Driver::Unattributed {
            reason: "no org-map rule matches API key scratch-experiments (apikey_scratch) in workspace wrkspc_main".into()
        }
    );
    let ana = ledger.entries.iter().find(|e| e.driver.label() == "ana@acme.example").unwrap();
    assert!(ana.rule.starts_with("orgmap.toml:10 [claude_code]"), "{}", ana.rule);

    let summary = summarise(&ledger, Period::month_of(day("2026-10-01")));
    assert_eq!(summary.total_usd, money("163.90"));
    assert_eq!(summary.paths.claude_code.total_usd, money("153.10"));
    assert_eq!(summary.paths.claude_code.seats_usd, money("150"));
    assert_eq!(summary.paths.claude_code.api_keys_usd, money("3.10"));
    assert_eq!(summary.paths.api.total_usd, money("9.30"));
    assert_eq!(summary.paths.unassigned.total_usd, money("1.50"));
    let teams: Vec<(String, String)> = summary.paths.claude_code.teams.iter().map(|t| (t.team.clone(), t.total_usd.to_string())).collect();
    assert_eq!(teams, vec![("mobile".to_string(), "$150.00".to_string()), ("payments".to_string(), "$3.10".to_string())]);
    assert_eq!(summary.paths.claude_code.top_engineers[0].email, "bo@acme.example");
    // Another month holds nothing.
    assert_eq!(summarise(&ledger, Period::month_of(day("2026-09-01"))).total_usd, Money::ZERO);
}

#[test]
fn a_workspace_without_usage_rows_is_placed_by_its_rule_or_left_unassigned_with_a_reason() {
    let book = PriceBook::embedded().unwrap();
    let mut map = orgmap();
    map.features[0].workspaces.push("wrkspc_main".into());
    let costs = vec![cost("2.00", TokenType::Input)];
    let ledger = assemble(LedgerInput { usage: &[], costs: &costs, directory: &[], orgmap: &map, book: &book });
    assert_eq!(ledger.entries[0].path, Path::Api);
    assert_eq!(ledger.entries[0].driver, Driver::Feature { name: "support-bot".into() });
    let ledger = assemble(LedgerInput { usage: &[], costs: &costs, directory: &[], orgmap: &orgmap(), book: &book });
    assert_eq!(ledger.entries[0].path, Path::Unassigned);
    assert!(ledger.entries[0].driver.label().contains("no usage-report rows for workspace wrkspc_main on 2026-10-05"));
}

#[test]
fn an_unknown_model_is_split_by_tokens_and_reported() {
    let book = PriceBook::embedded().unwrap();
    let mut line = usage("apikey_support", 10, 0);
    line.model = "claude-opus-9".into();
    let mut bill = cost("1.00", TokenType::Input);
    bill.model = Some("claude-opus-9".into());
    let ledger = assemble(LedgerInput {
        usage: &[line],
        costs: &[bill],
        directory: &[key("apikey_support", "support-prod", None)],
        orgmap: &orgmap(),
        book: &book,
    });
    assert_eq!(ledger.entries[0].amount, money("1.00"));
    assert_eq!(ledger.unpriced_models.get("claude-opus-9"), Some(&10));
}

#[test]
fn a_key_named_as_an_api_actor_in_claude_code_analytics_is_claude_code() {
    let book = PriceBook::embedded().unwrap();
    let mut actor =
        UsageLine::new(Utc.with_ymd_and_hms(2026, 10, 5, 0, 0, 0).unwrap(), Utc::now(), Source::ClaudeCodeAnalytics, "claude-sonnet-4-5");
    actor.identity.api_key_name = Some("dev-laptop-key".into());
    let lines = vec![usage("apikey_dev", 1000, 0), actor];
    let empty = OrgMap::default();
    let ledger = assemble(LedgerInput {
        usage: &lines,
        costs: &[cost("0.003", TokenType::Input)],
        directory: &[key("apikey_dev", "dev-laptop-key", None)],
        orgmap: &empty,
        book: &book,
    });
    assert_eq!(ledger.entries[0].path, Path::ClaudeCode);
    assert_eq!(ledger.entries[0].rule, "key \"dev-laptop-key\" is an API actor in Claude Code Analytics");
    assert_eq!(ledger.entries[0].driver, Driver::ClaudeCodeKey { key: "dev-laptop-key".into() });
}

#[test]
fn the_cost_analytics_endpoint_bills_only_days_the_cost_report_does_not() {
    let book = PriceBook::embedded().unwrap();
    let directory = vec![key("apikey_support", "support-prod", None), key("apikey_ana", "claude-code-ana", None)];
    // 5 October: the cost report bills $12.40; the analytics endpoint says $12.39 for the same day.
    let mut same_day = cost("12.39", TokenType::Input);
    same_day.source = Source::AdminAnalyticsCost;
    // 6 October: only the analytics endpoint, one row naming its key and one to split.
    let on_the_sixth = |amount: &str, key: Option<&str>| {
        let mut line = cost(amount, TokenType::Input);
        (line.start, line.end, line.source) = (day("2026-10-06"), day("2026-10-07"), Source::AdminAnalyticsCost);
        line.identity.api_key_id = key.map(str::to_string);
        line
    };
    let costs = vec![cost("12.40", TokenType::Input), same_day, on_the_sixth("2.00", Some("apikey_ana")), on_the_sixth("8.00", None)];
    // The split on the 6th comes from the Usage Analytics endpoint's tokens (3:1), as there is no
    // usage report that day; on the 5th the usage report's own rows split.
    let sixth = |key: &str, input: u64| {
        let mut line = usage(key, input, 0);
        line.start += chrono::Duration::days(1);
        line.end += chrono::Duration::days(1);
        line.source = Source::AdminAnalyticsUsage;
        line.quantities.requests = Some(10);
        line
    };
    let usage_lines = vec![usage("apikey_support", 1_000_000, 0), sixth("apikey_support", 3_000_000), sixth("apikey_ana", 1_000_000)];
    let ledger = assemble(LedgerInput { usage: &usage_lines, costs: &costs, directory: &directory, orgmap: &orgmap(), book: &book });

    let total: Money = ledger.entries.iter().map(|e| e.amount).sum();
    // 12.40 (cost report, 5th) + 2.00 + 8.00 (analytics, 6th); the 5th's $12.39 is set aside.
    assert_eq!(total, money("22.40"));
    assert_eq!(ledger.set_aside.len(), 1);
    assert_eq!((ledger.set_aside[0].day, ledger.set_aside[0].amount), (day("2026-10-05"), money("12.39")));
    let on = |when: &str, label: &str| -> Money {
        ledger.entries.iter().filter(|e| e.start == day(when) && e.driver.label() == label).map(|e| e.amount).sum()
    };
    assert_eq!(on("2026-10-05", "support-bot"), money("12.40"));
    // $8.00 split 3:1, plus the $2.00 row that names Ana's key.
    assert_eq!(on("2026-10-06", "support-bot"), money("6.00"));
    assert_eq!(on("2026-10-06", "key claude-code-ana"), money("4.00"));

    let uses = spendlens_analysis::source_uses(&ledger, Period::month_of(day("2026-10-01")), Default::default());
    let aside = uses.iter().find(|used| used.source == Source::AdminAnalyticsCost && used.role == spendlens_analysis::Role::SetAside);
    assert_eq!(aside.map(|used| used.estimated_usd), Some(Some(money("12.39"))));
    let billing = uses.iter().find(|used| used.source == Source::AdminAnalyticsCost && used.role == spendlens_analysis::Role::Billing);
    assert_eq!(billing.map(|used| used.billed_usd), Some(money("10.00")));
}

#[test]
fn usage_grouped_by_account_splits_a_claude_code_key_over_the_people_using_it() {
    // One shared Claude Code key used by Ana (3M input tokens, $9) and Bo (1M, $3): the cost
    // report's $12 of input splits 9:3 to the people the usage report's account_id names
    // (through the users listing), not to the key's creator; their teams follow the org map.
    let mut ana = usage("apikey_shared", 3_000_000, 0);
    ana.identity.account_id = Some("user_ana".into());
    let mut bo = usage("apikey_shared", 1_000_000, 0);
    bo.identity.account_id = Some("user_bo".into());
    let user = |id: &str, email: &str| DirectoryEntry {
        kind: DirectoryKind::User,
        id: id.into(),
        name: None,
        email: Some(email.into()),
        workspace_id: None,
        created_by: None,
        status: None,
    };
    let directory = vec![
        key("apikey_shared", "claude-code-shared", Some("user_admin")),
        user("user_ana", "ana@acme.example"),
        user("user_bo", "bo@acme.example"),
        user("user_admin", "admin@acme.example"),
    ];
    let costs = vec![cost("12", TokenType::Input)];
    let book = PriceBook::embedded().unwrap();
    let map = orgmap();
    let ledger = assemble(LedgerInput { usage: &[ana, bo], costs: &costs, directory: &directory, orgmap: &map, book: &book });
    let mut placed: Vec<(String, Option<String>, Money)> = ledger
        .entries
        .iter()
        .map(|entry| match &entry.driver {
            Driver::Engineer { email, team } => (email.clone(), team.clone(), entry.amount),
            other => panic!("{other:?}"),
        })
        .collect();
    placed.sort();
    assert_eq!(
        placed,
        vec![("ana@acme.example".to_string(), Some("payments".to_string()), money("9")), ("bo@acme.example".to_string(), None, money("3"))]
    );
    assert!(ledger.entries.iter().all(|entry| entry.path == Path::ClaudeCode && entry.api_key.as_deref() == Some("apikey_shared")));
}

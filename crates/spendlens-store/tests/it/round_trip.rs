//! Every field of every stored type comes back exactly as it was written.

use spendlens_model::{
    ActivityLine, ContextWindow, CostKind, CostLine, DirectoryEntry, DirectoryKind, Identity, InferenceGeo, Path, ServiceTier, Source,
    Speed, TokenCounts, TokenType, UsageLine,
};
use spendlens_store::Lake;
use spendlens_store::Replace;

use crate::support::{day, fresh_store, instant, money};

fn full_identity() -> Identity {
    Identity {
        workspace_id: Some("wrkspc_01".into()),
        api_key_id: Some("apikey_01".into()),
        api_key_name: Some("claude-code-ana".into()),
        actor_email: Some("ana@example.com".into()),
        session_id: Some("session-1".into()),
        request_id: Some("req_01".into()),
        project: Some("/home/ana/payments".into()),
        account_id: Some("user_01".into()),
        service_account_id: Some("svac_01".into()),
    }
}

#[test]
fn usage_lines_round_trip_every_field() {
    let (_directory, store) = fresh_store();
    let full = UsageLine {
        start: instant("2026-03-02T10:11:12.123456Z"),
        end: instant("2026-03-02T11:00:00Z"),
        source: Source::ClaudeCodeAnalytics,
        path: Path::ClaudeCode,
        identity: full_identity(),
        model: "claude-opus-4-1-20250805".into(),
        service_tier: ServiceTier::Batch,
        context_window: ContextWindow::Long,
        inference_geo: InferenceGeo::Us,
        speed: Speed::Fast,
        quantities: spendlens_model::Quantities {
            tokens: TokenCounts { input: 1, cache_write_5m: 2, cache_write_1h: 3, cache_read: 4, output: u64::MAX / 4 },
            web_search_requests: 5,
            code_execution_seconds: 6,
            requests: Some(7),
        },
        reported_cost: Some(money("1.234567890123")),
    };
    let bare =
        UsageLine::new(instant("2026-03-01T23:59:59Z"), instant("2026-03-01T23:59:59Z"), Source::ClaudeCodeAnalytics, "claude-haiku-4-5");
    let mut negative = bare.clone();
    negative.start = instant("2026-03-02T00:00:00Z");
    negative.end = negative.start;
    negative.reported_cost = Some(money("-0.000000000000000001"));

    let summary = store
        .replace_usage(Source::ClaudeCodeAnalytics, "ana@example.com", Replace::Days, &[full.clone(), negative.clone(), bare.clone()])
        .unwrap();
    assert_eq!((summary.rows, summary.files_written, summary.files_removed), (3, 2, 0));

    let read = store.usage_lines(None).unwrap();
    assert_eq!(read, vec![bare, negative, full]);
}

#[test]
fn cost_lines_round_trip_every_field_with_a_negative_credit() {
    let (_directory, store) = fresh_store();
    let full = CostLine {
        start: day("2026-03-02"),
        end: day("2026-03-03"),
        source: Source::AdminCost,
        amount: money("1.234567890123"),
        kind: CostKind::Tokens,
        description: "Claude Opus 4.1 Usage - Input Tokens".into(),
        path: Path::Api,
        identity: full_identity(),
        model: Some("claude-opus-4-1".into()),
        service_tier: Some(ServiceTier::Priority),
        token_type: Some(TokenType::CacheWrite1h),
        context_window: Some(ContextWindow::Long),
        inference_geo: Some(InferenceGeo::Us),
        seat_type: Some("team_premium".into()),
        team: Some("payments".into()),
    };
    let credit = CostLine::new(day("2026-03-01"), day("2026-04-01"), Source::AdminCost, money("-250.75"), CostKind::Credit);

    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[full.clone(), credit.clone()]).unwrap();

    assert_eq!(store.cost_lines(None).unwrap(), vec![credit.clone(), full.clone()]);
    let totals = store.totals().unwrap();
    assert_eq!(totals.overall.cost, money("-249.515432109877"));
    assert_eq!(totals.overall.cost_rows, 2);
}

#[test]
fn activity_lines_round_trip_every_field_with_absent_ones() {
    let (_directory, store) = fresh_store();
    let full = ActivityLine {
        day: day("2026-03-02"),
        source: Source::ClaudeCodeAnalytics,
        actor_email: Some("ana@example.com".into()),
        api_key_name: Some("claude-code-ana".into()),
        actor_type: Some("service_account_actor".into()),
        customer_type: Some("subscription".into()),
        subscription_type: Some("enterprise".into()),
        terminal_type: Some("iTerm.app".into()),
        sessions: 1,
        lines_added: 2,
        lines_removed: 3,
        commits: 4,
        pull_requests: 5,
        tool_accepted: 6,
        tool_rejected: u64::MAX,
        active_seconds: Some(7),
    };
    // An API actor: no email, only the key Claude Code ran on.
    let api_actor = ActivityLine {
        actor_email: None,
        api_key_name: Some("ci-bot".into()),
        customer_type: Some("api".into()),
        subscription_type: None,
        active_seconds: Some(0),
        ..full.clone()
    };
    // Nothing known but the day: every optional field absent, every counter zero.
    let bare = ActivityLine { day: day("2026-03-01"), source: Source::ClaudeCodeAnalytics, ..ActivityLine::default() };

    let summary = store
        .replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &[full.clone(), bare.clone(), api_actor.clone()])
        .unwrap();
    assert_eq!((summary.rows, summary.files_written, summary.files_removed), (3, 2, 0));

    // Day, then actor (absent first).
    assert_eq!(store.activity(None).unwrap(), vec![bare, api_actor, full]);
}

#[test]
fn directory_round_trips_and_is_a_snapshot_per_scope() {
    let (_directory, store) = fresh_store();
    let key = DirectoryEntry {
        kind: DirectoryKind::ApiKey,
        id: "apikey_01".into(),
        name: Some("support-bot-prod".into()),
        email: None,
        workspace_id: Some("wrkspc_01".into()),
        created_by: Some("user_01".into()),
        status: Some("active".into()),
    };
    let user = DirectoryEntry {
        kind: DirectoryKind::User,
        id: "user_01".into(),
        name: Some("Ana Lima".into()),
        email: Some("ana@example.com".into()),
        workspace_id: None,
        created_by: None,
        status: None,
    };
    let workspace = DirectoryEntry {
        kind: DirectoryKind::Workspace,
        id: "wrkspc_01".into(),
        name: None,
        email: None,
        workspace_id: None,
        created_by: None,
        status: None,
    };

    store.replace_directory(Source::AdminUsage, "org", &[user.clone(), key.clone(), workspace.clone()]).unwrap();
    assert_eq!(store.directory().unwrap(), vec![workspace.clone(), key.clone(), user.clone()]);

    // Replacing the snapshot drops entries no longer listed; an empty snapshot removes the file.
    store.replace_directory(Source::AdminUsage, "org", std::slice::from_ref(&user)).unwrap();
    assert_eq!(store.directory().unwrap(), vec![user]);
    let summary = store.replace_directory(Source::AdminUsage, "org", &[]).unwrap();
    assert_eq!(summary.files_removed, 1);
    assert_eq!(store.directory().unwrap(), vec![]);
    assert_eq!(store.totals().unwrap().overall.directory_rows, 0);
}

#[test]
fn files_follow_the_documented_layout() {
    let (directory, store) = fresh_store();
    let mut line = crate::support::usage(Source::Transcript, "2026-03-02T23:30:00Z", 10, 20);
    line.end = instant("2026-03-03T00:30:00Z");
    store.replace_usage(Source::Transcript, "ana@example.com", Replace::Days, &[line]).unwrap();
    store.replace_cost(Source::Roster, "org", Replace::Days, &[crate::support::cost(Source::Roster, "2026-03-01", "25")]).unwrap();
    store.replace_directory(Source::AdminUsage, "org", &[]).unwrap();

    let lake = directory.path().join("lake");
    assert_eq!(store.lake_directory(), lake);
    let marker: serde_json::Value = serde_json::from_slice(&std::fs::read(lake.join("_spendlens.json")).unwrap()).unwrap();
    assert_eq!(marker, serde_json::json!({"format": "spendlens-lake", "schema_version": spendlens_store::SCHEMA_VERSION}));

    let usage_day = lake.join("usage/source=transcript/day=2026-03-02");
    let names: Vec<String> =
        std::fs::read_dir(&usage_day).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with("ana_example.com-") && names[0].ends_with(".parquet"), "{names:?}");
    assert!(lake.join(format!("cost/source=roster/day=2026-03-01/{}", spendlens_store::scope_file("org").unwrap())).is_file());
    assert!(lake.join("directory").is_dir());

    let activity = crate::support::activity(Source::Otel, "2026-03-04", "ana@example.com", 2);
    store.replace_activity(Source::Otel, "org", Replace::Days, &[activity]).unwrap();
    assert!(lake.join(format!("activity/source=otel/day=2026-03-04/{}", spendlens_store::scope_file("org").unwrap())).is_file());
}

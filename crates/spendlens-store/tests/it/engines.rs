//! The two engines agree (`cargo test -p spendlens-store --features datafusion`): on a lake filled
//! from the demo organisation's pages, read as spendlens reads them, and lines the demo does not
//! write (sessions split over two people's scopes, unknown spellings, a seat roster, a version-1
//! file), every whole-lake read of the local store equals DataFusion SQL's (`SqlLake`), over the
//! whole lake and over periods; a file of a newer schema is refused by both, naming it.
#![cfg(feature = "datafusion")]

use std::collections::BTreeMap;

use spendlens_demo::DemoConfig;
use spendlens_ingest::{Feed, Parsed};
use spendlens_model::{ActivityLine, CostKind, CostLine, DirectoryEntry, Period, ServiceTier, Source, Speed, TokenType};
use spendlens_pricing::PriceBook;
use spendlens_store::{Lake, Replace, SqlLake, Store, StoreError};
use tempfile::TempDir;

use crate::support::{day, fresh_store, money, usage};
use crate::versions::as_version_1;

/// A lake holding a small demo organisation's Admin API feeds, and the extra lines above.
fn demo_lake() -> (TempDir, Store) {
    let (directory, store) = fresh_store();
    let pages = tempfile::tempdir().unwrap();
    let config = DemoConfig { engineers: 16, teams: 3, features: 6, days: 45, transcript_engineers: 0, ..DemoConfig::default() };
    let org = spendlens_demo::generate(&config, &PriceBook::embedded().unwrap()).unwrap();
    let files = spendlens_demo::render(&org, pages.path()).unwrap();
    let listings = vec![files.workspaces.clone(), files.api_keys.clone(), files.users.clone()];
    let feeds = [
        (Feed::AdminUsage, &files.usage_pages),
        (Feed::AdminCost, &files.cost_pages),
        (Feed::AdminAnalyticsUsage, &files.analytics_usage_pages),
        (Feed::AdminAnalyticsCost, &files.analytics_cost_pages),
        (Feed::ClaudeCodeAnalytics, &files.claude_code_pages),
        (Feed::Directory, &listings),
    ];
    for (feed, paths) in feeds {
        let mut parsed = feed.empty();
        for path in paths {
            parsed.extend(feed.read(&path.display().to_string(), &std::fs::read(path).unwrap()).unwrap());
        }
        let source = feed.source();
        match parsed {
            Parsed::Usage(pages) => {
                store.replace_usage(source, "org", Replace::Days, &pages.lines).unwrap();
            }
            Parsed::Cost(pages) => {
                store.replace_cost(source, "org", Replace::Days, &pages.lines).unwrap();
            }
            Parsed::ClaudeCode(page) => {
                store.replace_usage(source, "org", Replace::Days, &page.usage.lines).unwrap();
                store.replace_activity(source, "org", Replace::Days, &page.activity).unwrap();
            }
            Parsed::Directory(pages) => {
                let mut by_kind: BTreeMap<String, Vec<DirectoryEntry>> = BTreeMap::new();
                for entry in pages.lines {
                    by_kind.entry(entry.kind.as_str().to_string()).or_default().push(entry);
                }
                for (kind, entries) in by_kind {
                    store.replace_directory(source, &kind, &entries).unwrap();
                }
            }
        }
    }

    // Two people's transcripts on the same days share a session id (counted once per group), a
    // tier and a speed this build does not know, a line of a report not grouped by model.
    let mut transcript = Vec::new();
    for (person, hour) in [("ana@example.com", 9), ("bo@example.com", 10)] {
        let mut lines = Vec::new();
        for (index, session) in ["s1", "s2", "s1"].into_iter().enumerate() {
            let mut line = usage(Source::Transcript, &format!("2026-10-1{index}T{hour:02}:30:00Z"), 100 + index as u64, 20);
            line.identity.actor_email = Some(person.to_string());
            line.identity.session_id = Some(format!("{session}-{}", index % 2));
            line.identity.project = Some("spendlens".to_string());
            lines.push(line);
        }
        lines[1].service_tier = "priority_plus".parse::<ServiceTier>().unwrap();
        lines[2].speed = "warp".parse::<Speed>().unwrap();
        lines[2].quantities.requests = Some(3);
        lines[2].reported_cost = Some(money("0.123456789012345678"));
        store.replace_usage(Source::Transcript, person, Replace::Days, &lines).unwrap();
        transcript.extend(lines);
    }
    let mut ungrouped = usage(Source::Gateway, "2026-10-12T23:59:59Z", 5, 5);
    ungrouped.model = String::new();
    store.replace_usage(Source::Gateway, "org", Replace::Days, &[ungrouped]).unwrap();

    // Seats, and cost and activity spellings this build does not know.
    let mut seat = CostLine::new(day("2026-10-01"), day("2026-11-01"), Source::Roster, money("150"), CostKind::SeatFee);
    seat.seat_type = Some("premium".to_string());
    seat.identity.actor_email = Some("ana@example.com".to_string());
    store.replace_cost(Source::Roster, "roster", Replace::Scope, &[seat]).unwrap();
    let mut odd = crate::support::cost(Source::Invoice, "2026-10-05", "12.000000000000000001");
    odd.kind = "mystery_fee".parse::<CostKind>().unwrap();
    odd.token_type = Some("thinking_tokens".parse::<TokenType>().unwrap());
    store.replace_cost(Source::Invoice, "invoice", Replace::Days, &[odd]).unwrap();
    let robot = ActivityLine {
        day: day("2026-10-11"),
        source: Source::ClaudeCodeAnalytics,
        actor_email: Some("robot@example.com".to_string()),
        actor_type: Some("robot".to_string()),
        customer_type: Some("enterprise".to_string()),
        sessions: 2,
        ..ActivityLine::default()
    };
    store.replace_activity(Source::ClaudeCodeAnalytics, "robots", Replace::Days, &[robot]).unwrap();

    // One day of one person as an older build wrote it.
    as_version_1(&directory.path().join("lake/usage/source=transcript/day=2026-10-10"));
    (directory, store)
}

#[test]
fn every_whole_lake_read_is_the_same_through_either_engine() {
    let (directory, store) = demo_lake();
    let sql = SqlLake::open(directory.path()).unwrap();
    let (first, last) = store.usage_span().unwrap().unwrap();
    assert_eq!(sql.usage_span().unwrap(), Some((first, last)));
    assert_eq!(store.directory().unwrap(), sql.directory().unwrap());
    assert!(!store.directory().unwrap().is_empty());
    assert_eq!(store.totals().unwrap(), sql.totals().unwrap());

    let middle = Period { start: first + chrono::Duration::days(10), end: first + chrono::Duration::days(24) };
    let october = Period { start: day("2026-10-10"), end: day("2026-10-13") };
    let past = Period { start: last + chrono::Duration::days(1), end: last + chrono::Duration::days(30) };
    for period in [None, Some(middle), Some(october), Some(past)] {
        let rollup = store.usage_rollup(period).unwrap();
        assert_eq!(rollup, sql.usage_rollup(period).unwrap(), "{period:?}");
        assert_eq!(store.usage_lines(period).unwrap(), sql.usage_lines(period).unwrap(), "{period:?}");
        assert_eq!(store.cost_lines(period).unwrap(), sql.cost_lines(period).unwrap(), "{period:?}");
        assert_eq!(store.activity(period).unwrap(), sql.activity(period).unwrap(), "{period:?}");
        assert_eq!(store.unknown_values(period).unwrap(), sql.unknown_values(period).unwrap(), "{period:?}");
        for source in Source::ALL {
            assert_eq!(store.usage_lines_of(*source, period).unwrap(), sql.usage_lines_of(*source, period).unwrap(), "{source} {period:?}");
            assert_eq!(store.cost_lines_of(*source, period).unwrap(), sql.cost_lines_of(*source, period).unwrap(), "{source} {period:?}");
            assert_eq!(store.hour_profiles(*source, period).unwrap(), sql.hour_profiles(*source, period).unwrap(), "{source} {period:?}");
        }
        if period != Some(past) {
            assert!(!rollup.is_empty(), "{period:?}");
        }
    }

    // The comparisons above compared something: every kind of line, and the planted oddities.
    let rollup = store.usage_rollup(Some(october)).unwrap();
    let sessions: u64 = rollup.iter().filter(|row| row.source == Source::Transcript).map(|row| row.sessions).sum();
    assert_eq!(sessions, 6, "one distinct session per person, day and group");
    assert!(rollup.iter().any(|row| row.source == Source::Transcript && row.account_id.is_none()));
    let unknown: Vec<(String, String)> = store.unknown_values(None).unwrap().into_iter().map(|value| (value.what, value.value)).collect();
    for expected in ["priority_plus", "warp", "mystery_fee", "thinking_tokens", "robot", "enterprise", "(none: not grouped by model)"] {
        assert!(unknown.iter().any(|(_, value)| value == expected), "{expected} in {unknown:?}");
    }
    assert!(!store.activity(None).unwrap().is_empty());
    assert!(!store.cost_lines_of(Source::Roster, None).unwrap().is_empty());
    assert!(!store.hour_profiles(Source::AdminUsage, None).unwrap().is_empty());
}

#[test]
fn a_newer_file_is_refused_by_both_engines_naming_it() {
    let (directory, store) = demo_lake();
    let sql = SqlLake::open(directory.path()).unwrap();
    let day_directory = directory.path().join("lake/usage/source=transcript/day=2026-10-11");
    let file = std::fs::read_dir(&day_directory).unwrap().next().unwrap().unwrap().path();
    crate::versions::with_schema_version(&file, 3);
    let refused = |error: StoreError| match error {
        StoreError::Corrupt { path, detail } => {
            assert!(detail.contains("newer than this build"), "{detail}");
            path
        }
        other => panic!("{other}"),
    };
    assert_eq!(refused(store.usage_lines(None).unwrap_err()), file);
    assert_eq!(refused(sql.usage_lines(None).unwrap_err()), file);
    // Even a read of days before it checks it, as a query does.
    let early = Some(Period { start: day("2026-01-01"), end: day("2026-01-02") });
    assert_eq!(refused(store.usage_rollup(early).unwrap_err()), file);
    assert_eq!(refused(sql.usage_rollup(early).unwrap_err()), file);
    assert_eq!(refused(store.totals().unwrap_err()), file);
    assert_eq!(refused(sql.totals().unwrap_err()), file);
}

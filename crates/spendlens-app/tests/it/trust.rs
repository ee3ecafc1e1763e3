//! Nothing lost, nothing counted twice: regressions for what file import used to delete or miss,
//! each with small hand-written pages whose contents the assertions name.

use std::path::{Path, PathBuf};

use spendlens_app::ingest::Quiet;
use spendlens_app::{App, Settings};
use spendlens_ingest::Feed;
use spendlens_model::{Day, DirectoryKind, Money, Period, Source};

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn next(day_text: &str) -> String {
    day(day_text).succ_opt().unwrap().to_string()
}

/// One page of `feed` holding one line per day of `days`, each worth `amount` (dollars as cents
/// or tokens, as the feed counts), saying `has_more` as given.
fn page(feed: Feed, days: &[&str], amount: u64, has_more: bool) -> String {
    let token = if has_more { r#""page_2""# } else { "null" };
    let rows: Vec<String> = days
        .iter()
        .map(|day| {
            let (start, end) = (format!("{day}T00:00:00Z"), format!("{}T00:00:00Z", next(day)));
            match feed {
                Feed::AdminCost => format!(
                    r#"{{"starting_at":"{start}","ending_at":"{end}","results":[{{"currency":"USD","amount":"{amount}","workspace_id":null,
                    "description":"Claude Sonnet 4.5 Usage - Input Tokens","cost_type":"tokens","model":"claude-sonnet-4-5",
                    "service_tier":"standard","token_type":"uncached_input_tokens","context_window":"0-200k","inference_geo":"global"}}]}}"#
                ),
                Feed::AdminUsage => format!(
                    r#"{{"starting_at":"{start}","ending_at":"{end}","results":[{{"uncached_input_tokens":{amount},
                    "cache_creation":{{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0}},"cache_read_input_tokens":0,
                    "output_tokens":10,"server_tool_use":{{"web_search_requests":0}},"api_key_id":null,"workspace_id":null,
                    "model":"claude-sonnet-4-5","service_tier":"standard","context_window":null,"inference_geo":null}}]}}"#
                ),
                Feed::AdminAnalyticsUsage => format!(
                    r#"{{"starting_at":"{start}","ending_at":"{end}","group":{{"model":"claude-sonnet-4-5"}},
                    "usage":{{"uncached_input_tokens":{amount},"cache_creation":{{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0}},
                    "cache_read_input_tokens":0,"output_tokens":10,"requests":1,"server_tool_use":{{"web_search_requests":0}}}}}}"#
                ),
                Feed::AdminAnalyticsCost => format!(
                    r#"{{"starting_at":"{start}","ending_at":"{end}","group":{{"model":"claude-sonnet-4-5","cost_type":"tokens",
                    "token_type":"uncached_input_tokens"}},"cost":{{"amount":"{amount}","currency":"USD","list_amount":"{amount}","requests":1}}}}"#
                ),
                Feed::ClaudeCodeAnalytics => format!(
                    r#"{{"date":"{start}","actor":{{"type":"user_actor","email_address":"ana@acme.example"}},"organization_id":"org",
                    "customer_type":"api","terminal_type":"vscode","core_metrics":{{"num_sessions":1,"lines_of_code":{{"added":1,"removed":0}},
                    "commits_by_claude_code":0,"pull_requests_by_claude_code":0}},"tool_actions":{{}},
                    "model_breakdown":[{{"model":"claude-sonnet-4-5","tokens":{{"input":{amount},"output":10,"cache_read":0,"cache_creation":0}},
                    "estimated_cost":{{"amount":12,"currency":"USD"}}}}]}}"#
                ),
                Feed::Directory => unreachable!("listings are written by `users`"),
            }
        })
        .collect();
    format!(r#"{{"data":[{}],"has_more":{has_more},"next_page":{token}}}"#, rows.join(","))
}

/// A users listing page.
fn users(emails: &[&str], has_more: bool) -> String {
    let rows: Vec<String> = emails
        .iter()
        .map(|email| format!(r#"{{"added_at":"2026-01-01T00:00:00Z","email":"{email}","id":"user_{email}","name":"{email}","role":"user","type":"user"}}"#))
        .collect();
    let last = emails.last().map_or("null".to_string(), |email| format!(r#""user_{email}""#));
    format!(r#"{{"data":[{}],"has_more":{has_more},"first_id":null,"last_id":{last}}}"#, rows.join(","))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn app(dir: &Path) -> App {
    App::new(Settings { data_dir: dir.join("data"), prices: None })
}

/// What `feed`'s source holds in `period`: (lines, token or dollar sum as text).
fn held(app: &App, feed: Feed, period: Period) -> (usize, String) {
    let lake = app.lake().unwrap();
    let source = feed.source();
    let usage = lake.usage_lines_of(source, Some(period)).unwrap();
    let cost = lake.cost_lines_of(source, Some(period)).unwrap();
    let activity: Vec<_> = lake.activity(Some(period)).unwrap().into_iter().filter(|line| line.source == source).collect();
    let tokens: u64 = usage.iter().map(|line| line.quantities.tokens.total()).sum();
    let dollars: Money = cost.iter().map(|line| line.amount).sum();
    (usage.len() + cost.len() + activity.len(), format!("{tokens} tokens, {dollars}"))
}

const FEEDS: [Feed; 5] =
    [Feed::AdminUsage, Feed::AdminCost, Feed::AdminAnalyticsUsage, Feed::AdminAnalyticsCost, Feed::ClaudeCodeAnalytics];

fn month(text: &str) -> Period {
    Period::parse_month(text).unwrap()
}

#[test]
fn regression_ingesting_january_and_march_keeps_february() {
    for feed in FEEDS {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let february = write(dir.path(), "feb.json", &page(feed, &["2026-02-10", "2026-02-20"], 700, false));
        let january = write(dir.path(), "jan.json", &page(feed, &["2026-01-10"], 100, false));
        let march = write(dir.path(), "mar.json", &page(feed, &["2026-03-10"], 300, false));
        app.ingest_feed(feed, &[february], false, &Quiet).unwrap_or_else(|error| panic!("{feed:?}: {error}"));
        let before = held(&app, feed, month("2026-02"));
        assert!(before.0 >= 2, "{feed:?}: February stored: {before:?}");

        app.ingest_feed(feed, &[january, march], false, &Quiet).unwrap();
        assert_eq!(held(&app, feed, month("2026-02")), before, "{feed:?}: February survives a January and March ingest");
        assert!(held(&app, feed, month("2026-01")).0 > 0 && held(&app, feed, month("2026-03")).0 > 0, "{feed:?}");
    }
}

#[test]
fn regression_a_page_with_more_to_come_is_refused_unless_partial() {
    for feed in FEEDS {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let whole = write(dir.path(), "whole.json", &page(feed, &["2026-02-10", "2026-02-11"], 500, false));
        app.ingest_feed(feed, &[whole], false, &Quiet).unwrap();
        let before = held(&app, feed, month("2026-02"));

        // The first page of an answer about the 10th and 11th, holding the 10th only.
        let first = write(dir.path(), "first.json", &page(feed, &["2026-02-10"], 900, true));
        let error = app.ingest_feed(feed, std::slice::from_ref(&first), false, &Quiet).unwrap_err().to_string();
        assert!(error.contains("first.json") && error.contains("has_more") && error.contains("--partial"), "{feed:?}: {error}");
        assert_eq!(held(&app, feed, month("2026-02")), before, "{feed:?}: a refused page stores nothing");

        // --partial replaces the day the page holds and nothing else.
        app.ingest_feed(feed, &[first], true, &Quiet).unwrap();
        let tenth = Period::new(day("2026-02-10"), day("2026-02-11"));
        let eleventh = Period::new(day("2026-02-11"), day("2026-02-12"));
        assert_eq!(held(&app, feed, eleventh), alone(feed, "2026-02-11", 500), "{feed:?}: the 11th is kept");
        assert_eq!(held(&app, feed, tenth), alone(feed, "2026-02-10", 900), "{feed:?}: the 10th holds the partial page");
        assert_ne!(alone(feed, "2026-02-10", 900), alone(feed, "2026-02-10", 500));
    }
}

/// What a store holding only `day`'s line worth `amount` holds of that day.
fn alone(feed: Feed, day_text: &str, amount: u64) -> (usize, String) {
    let dir = tempfile::tempdir().unwrap();
    let reference = app(dir.path());
    reference.ingest_feed(feed, &[write(dir.path(), "alone.json", &page(feed, &[day_text], amount, false))], false, &Quiet).unwrap();
    held(&reference, feed, Period::new(day(day_text), day(&next(day_text))))
}

#[test]
fn regression_an_unfinished_listing_deletes_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let full = write(dir.path(), "users.json", &users(&["ana@acme.example", "bo@acme.example"], false));
    app.ingest_feed(Feed::Directory, &[full], false, &Quiet).unwrap();
    let people = |app: &App| -> Vec<String> {
        let mut emails: Vec<String> = app
            .lake()
            .unwrap()
            .directory()
            .unwrap()
            .into_iter()
            .filter(|entry| entry.kind == DirectoryKind::User)
            .filter_map(|entry| entry.email)
            .collect();
        emails.sort();
        emails
    };
    assert_eq!(people(&app), ["ana@acme.example", "bo@acme.example"]);

    let first = write(dir.path(), "first.json", &users(&["cy@acme.example"], true));
    let error = app.ingest_feed(Feed::Directory, std::slice::from_ref(&first), false, &Quiet).unwrap_err().to_string();
    assert!(error.contains("--partial"), "{error}");
    assert_eq!(people(&app), ["ana@acme.example", "bo@acme.example"], "nobody was deleted");

    app.ingest_feed(Feed::Directory, &[first], true, &Quiet).unwrap();
    assert_eq!(people(&app), ["ana@acme.example", "bo@acme.example", "cy@acme.example"], "a partial listing only adds");
}

#[test]
fn regression_a_roster_loaded_mid_month_bills_whole_months_and_says_how_old_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let roster = write(
        dir.path(),
        "roster.csv",
        "email,name,team,seat_type,monthly_usd,start,end\n\
         ana@acme.example,Ana,platform,premium,150,2026-09-01,\n\
         bo@acme.example,Bo,platform,standard,30,2026-10-11,\n",
    );
    app.ingest_roster(&[roster], day("2026-10-10")).unwrap();
    let october = month("2026-10");
    let fees: Money = app.cost_lines(october).unwrap().iter().filter(|line| line.source == Source::Roster).map(|line| line.amount).sum();
    // Hand-computed: Ana's whole $150; Bo from the 11th, 21 of 31 days of $30 = $20.32.
    assert_eq!(fees, "170.32".parse().unwrap());
    let report = app.report(october).unwrap().summary;
    assert!(report.notes.iter().any(|note| note.contains("loaded on 2026-10-10")), "{:?}", report.notes);
    // November, priced later, still bills the seats open on the roster, and says so.
    let november = month("2026-11");
    let fees: Money = app.cost_lines(november).unwrap().iter().filter(|line| line.source == Source::Roster).map(|line| line.amount).sum();
    assert_eq!(fees, "180".parse().unwrap());
}

#[test]
fn regression_reconcile_without_an_invoice_says_it_is_a_self_check() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let cost = write(dir.path(), "cost.json", &page(Feed::AdminCost, &["2026-10-05"], 1234, false));
    app.ingest_feed(Feed::AdminCost, &[cost], false, &Quiet).unwrap();
    let reconciled = app.reconcile(month("2026-10"), None).unwrap();
    assert!(reconciled.view.self_check, "the ledger checked against itself is named a self-check");
    assert!(reconciled.view.ties_out);
}

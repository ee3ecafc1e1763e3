//! Values Anthropic adds after a release are data, not errors: for each kind of value, a small
//! demo's pages with one value changed to one this build does not know still ingest, the report's
//! total still equals the cost report, and the value is named, as written, in `status` and in the
//! report.

use std::path::{Path, PathBuf};

use spendlens_app::ingest::Quiet;
use spendlens_app::{App, Settings};
use spendlens_ingest::Feed;
use spendlens_model::{Money, Period, Source};

/// A small demo's source files (not ingested), written once.
fn sources() -> &'static (tempfile::TempDir, spendlens_demo::RenderedDemo) {
    static SOURCES: std::sync::OnceLock<(tempfile::TempDir, spendlens_demo::RenderedDemo)> = std::sync::OnceLock::new();
    SOURCES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Settings { data_dir: dir.path().join("scratch"), prices: None });
        let config = spendlens_demo::DemoConfig {
            engineers: 10,
            days: 20,
            end: "2026-10-31".parse().unwrap(),
            transcript_engineers: 0,
            ..Default::default()
        };
        let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
        (dir, files)
    })
}

/// Copies `files` into `into`, the first one with `from` replaced by `to` everywhere.
fn changed(files: &[PathBuf], into: &Path, from: &str, to: &str) -> Vec<PathBuf> {
    std::fs::create_dir_all(into).unwrap();
    let mut copies = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let text = std::fs::read_to_string(file).unwrap();
        let text = if index == 0 {
            assert!(text.contains(from), "{} holds no {from}", file.display());
            text.replace(from, to)
        } else {
            text
        };
        let copy = into.join(file.file_name().unwrap());
        std::fs::write(&copy, text).unwrap();
        copies.push(copy);
    }
    copies
}

/// Ingests the demo's usage, cost and Claude Code Analytics pages (one feed's first page changed)
/// into a fresh data directory; checks that the October report bills exactly the cost report and
/// that `(what, value)` is listed in `status` and in the report.
fn check(name: &str, feed: Feed, from: &str, to: &str, what: &str, value: &str) {
    let (_, files) = sources();
    let work = tempfile::tempdir().unwrap();
    let app = App::new(Settings { data_dir: work.path().join("data"), prices: None });
    for (each, pages) in [
        (Feed::AdminUsage, &files.usage_pages),
        (Feed::AdminCost, &files.cost_pages),
        (Feed::ClaudeCodeAnalytics, &files.claude_code_pages),
    ] {
        let pages = if each == feed { changed(pages, &work.path().join(name), from, to) } else { pages.clone() };
        app.ingest_feed(each, &pages, false, &Quiet).unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    let october = Period::parse_month("2026-10").unwrap();
    let billed: Money = app
        .lake()
        .unwrap()
        .cost_lines(Some(october))
        .unwrap()
        .iter()
        .filter(|cost| cost.source == Source::AdminCost)
        .map(|cost| cost.amount)
        .sum();
    let report = app.report(october).unwrap().summary;
    assert_eq!(report.total_usd, billed, "{name}: the report bills the cost report, every dollar once");
    let named = |values: &[spendlens_model::UnknownValue]| {
        values.iter().any(|unknown| unknown.what == what && unknown.value == value && unknown.lines > 0)
    };
    assert!(named(&app.status().unwrap().unknown_values), "{name}: status names {what} {value:?}");
    assert!(named(&report.unknown_values), "{name}: the report names {what} {value:?}: {:?}", report.unknown_values);
    let text = spendlens_app::views::to_json(&report).unwrap();
    assert!(text.contains(&format!("\"value\": \"{value}\"")), "{name}: the report's JSON names it");
}

#[test]
fn regression_an_unknown_service_tier_is_stored_billed_and_named() {
    check("tier", Feed::AdminUsage, "\"service_tier\":\"standard\"", "\"service_tier\":\"flex\"", "service tier", "flex");
}

#[test]
fn regression_an_unknown_inference_geography_is_stored_billed_and_named() {
    check("geo", Feed::AdminUsage, "\"inference_geo\":\"global\"", "\"inference_geo\":\"eu\"", "inference geography", "eu");
}

#[test]
fn regression_an_unknown_context_window_is_stored_billed_and_named() {
    check("window", Feed::AdminUsage, "\"context_window\":\"0-200k\"", "\"context_window\":\"1M-2M\"", "context window", "1M-2M");
}

#[test]
fn regression_an_unknown_speed_is_stored_billed_and_named() {
    check(
        "speed",
        Feed::AdminUsage,
        "\"inference_geo\":\"global\"}",
        "\"inference_geo\":\"global\",\"speed\":\"turbo\"}",
        "speed",
        "turbo",
    );
}

#[test]
fn regression_an_unknown_cost_type_is_stored_billed_and_named() {
    check("cost type", Feed::AdminCost, "\"cost_type\":\"tokens\"", "\"cost_type\":\"session_usage\"", "cost type", "session_usage");
}

#[test]
fn regression_an_unknown_token_type_is_stored_billed_and_named() {
    check(
        "token type",
        Feed::AdminCost,
        "\"token_type\":\"uncached_input_tokens\"",
        "\"token_type\":\"thinking_tokens\"",
        "token type",
        "thinking_tokens",
    );
}

#[test]
fn regression_an_unknown_customer_type_is_stored_and_named() {
    check(
        "customer",
        Feed::ClaudeCodeAnalytics,
        "\"customer_type\":\"subscription\"",
        "\"customer_type\":\"enterprise_flex\"",
        "customer type",
        "enterprise_flex",
    );
}

#[test]
fn regression_an_unknown_actor_type_is_stored_and_named() {
    check("actor", Feed::ClaudeCodeAnalytics, "\"type\":\"user_actor\"", "\"type\":\"federated_actor\"", "actor type", "federated_actor");
}

#[test]
fn regression_an_unknown_terminal_type_is_kept_as_written() {
    let (_, files) = sources();
    let work = tempfile::tempdir().unwrap();
    let app = App::new(Settings { data_dir: work.path().join("data"), prices: None });
    let pages =
        changed(&files.claude_code_pages, &work.path().join("pages"), "\"terminal_type\":\"iTerm.app\"", "\"terminal_type\":\"warp-2027\"");
    app.ingest_feed(Feed::ClaudeCodeAnalytics, &pages, false, &Quiet).unwrap();
    let activity = app.lake().unwrap().activity(None).unwrap();
    assert!(activity.iter().any(|line| line.terminal_type.as_deref() == Some("warp-2027")));
}

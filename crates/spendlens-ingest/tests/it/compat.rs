//! Every page of the compatibility corpus reads, and every value the reference lists arrives as
//! data: a value this build knows as itself, any other kept as written (never an error).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use spendlens_ingest::{Feed, Parsed};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("compat")
}

/// The corpus folder of each feed.
const FOLDERS: [(&str, Feed); 8] = [
    ("usage_report_messages", Feed::AdminUsage),
    ("cost_report", Feed::AdminCost),
    ("usage_report_claude_code", Feed::ClaudeCodeAnalytics),
    ("analytics_usage", Feed::AdminAnalyticsUsage),
    ("analytics_cost", Feed::AdminAnalyticsCost),
    ("workspaces", Feed::Directory),
    ("api_keys", Feed::Directory),
    ("users", Feed::Directory),
];

fn pages(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join(folder))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{folder} holds no page");
    files
}

fn read(feed: Feed, path: &Path) -> Parsed {
    let bytes = std::fs::read(path).unwrap();
    feed.read(&path.display().to_string(), &bytes).unwrap_or_else(|error| panic!("{} does not read: {error}", path.display()))
}

#[test]
fn every_corpus_page_reads_completely() {
    let mut read_pages = 0;
    for (folder, feed) in FOLDERS {
        for path in pages(folder) {
            let parsed = read(feed, &path);
            assert!(parsed.lines() > 0 || folder == "workspaces", "{} holds nothing", path.display());
            assert!(parsed.missing_continuation().is_none(), "{} is a whole answer", path.display());
            read_pages += 1;
        }
    }
    assert!(read_pages >= 25, "{read_pages} pages");
}

/// The values of one usage field across a feed's pages (as stored: `as_str`).
fn usage_values(feed: Feed, folder: &str, field: impl Fn(&spendlens_model::UsageLine) -> String) -> BTreeSet<String> {
    let mut values = BTreeSet::new();
    for path in pages(folder) {
        if let Parsed::Usage(pages) = read(feed, &path) {
            values.extend(pages.lines.iter().map(&field));
        }
    }
    values
}

#[test]
fn regression_every_service_tier_geography_window_and_speed_is_kept_as_written() {
    let tiers = usage_values(Feed::AdminUsage, "usage_report_messages", |line| line.service_tier.as_str().to_string());
    for tier in ["batch", "flex", "flex_discount", "priority", "priority_on_demand", "standard"] {
        assert!(tiers.contains(tier), "service tier {tier} in {tiers:?}");
    }
    let geos = usage_values(Feed::AdminUsage, "usage_report_messages", |line| line.inference_geo.as_str().to_string());
    for geo in ["global", "not_available", "us"] {
        assert!(geos.contains(geo), "inference geo {geo} in {geos:?}");
    }
    let windows = usage_values(Feed::AdminUsage, "usage_report_messages", |line| line.context_window.as_str().to_string());
    assert!(windows.contains("0-200k") && windows.contains("200k-1m"), "{windows:?}");
    let speeds = usage_values(Feed::AdminUsage, "usage_report_messages", |line| line.speed.as_str().to_string());
    assert!(speeds.contains("fast") && speeds.contains("standard"), "{speeds:?}");
    let analytics = usage_values(Feed::AdminAnalyticsUsage, "analytics_usage", |line| line.service_tier.as_str().to_string());
    assert!(analytics.contains("flex") && analytics.contains("priority_on_demand"), "{analytics:?}");
}

#[test]
fn user_and_service_accounts_reach_the_lines() {
    let accounts = usage_values(Feed::AdminUsage, "usage_report_messages", |line| {
        format!("{:?}/{:?}", line.identity.account_id, line.identity.service_account_id)
    });
    assert!(accounts.iter().any(|pair| pair.starts_with("Some(\"user_")), "{accounts:?}");
    assert!(accounts.iter().any(|pair| pair.contains("Some(\"svac_")), "{accounts:?}");
}

#[test]
fn every_cost_type_and_token_type_is_kept_as_written() {
    let mut kinds = BTreeSet::new();
    let mut token_types = BTreeSet::new();
    for (folder, feed) in [("cost_report", Feed::AdminCost), ("analytics_cost", Feed::AdminAnalyticsCost)] {
        for path in pages(folder) {
            if let Parsed::Cost(pages) = read(feed, &path) {
                kinds.extend(pages.lines.iter().map(|line| line.kind.as_str().to_string()));
                token_types.extend(pages.lines.iter().filter_map(|line| line.token_type).map(|token_type| token_type.as_str().to_string()));
            }
        }
    }
    for kind in ["code_execution", "session_usage", "tokens", "web_search"] {
        assert!(kinds.contains(kind), "cost type {kind} in {kinds:?}");
    }
    assert!(token_types.len() >= 5, "{token_types:?}");
}

#[test]
fn every_actor_of_claude_code_analytics_is_kept() {
    for path in pages("usage_report_claude_code") {
        let Parsed::ClaudeCode(page) = read(Feed::ClaudeCodeAnalytics, &path) else { panic!("not Claude Code Analytics") };
        assert!(page.activity.iter().any(|line| line.actor_email.is_some()), "a user actor");
        assert!(page.activity.iter().any(|line| line.api_key_name.is_some()), "an API actor");
    }
}

#[test]
fn api_keys_in_the_current_shape_keep_their_workspace_and_only_users_create_them() {
    for path in pages("api_keys") {
        let Parsed::Directory(pages) = read(Feed::Directory, &path) else { panic!("not a listing") };
        assert!(pages.lines.iter().any(|key| key.workspace_id.is_some()), "{}: a key's workspace", path.display());
        for key in &pages.lines {
            assert!(key.created_by.as_deref().is_none_or(|creator| creator.starts_with("user_")), "{key:?}");
        }
    }
}

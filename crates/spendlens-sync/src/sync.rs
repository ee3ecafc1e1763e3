//! The sync itself: per endpoint, choose the window, fetch it chunk by chunk, store each chunk by
//! replacing its days, and advance the cursor.
//!
//! The Usage and Cost Analytics API (beta) is fetched like the legacy reports, in daily buckets and
//! chunks of at most 31 days from 2026-01-01 on, and stored under its own sources
//! (`admin_analytics_usage`, `admin_analytics_cost`); which cost source the ledger bills is decided
//! in ledger assembly.

use std::collections::{BTreeMap, HashSet};

use chrono::Duration;
use spendlens_ingest::{Feed, Parsed, directory};
use spendlens_model::{Day, DirectoryEntry, DirectoryKind, Period};

use crate::client::{Client, ClientSettings};
use crate::{SyncError, SyncState};

/// The `anthropic-beta` value the Usage and Cost Analytics API requires.
const ANALYTICS_BETA: &str = "analytics-usage-cost-2026-08-24";

/// The first day the Usage and Cost Analytics API reports.
const ANALYTICS_FIRST_DAY: Day = match Day::from_ymd_opt(2026, 1, 1) {
    Some(day) => day,
    None => Day::MIN,
};

/// What is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    Usage,
    Cost,
    ClaudeCode,
    /// Usage and Cost Analytics API (beta) usage: tokens and request counts.
    AnalyticsUsage,
    /// Usage and Cost Analytics API (beta) cost.
    AnalyticsCost,
}

impl Endpoint {
    pub const ALL: [Endpoint; 5] =
        [Endpoint::Usage, Endpoint::Cost, Endpoint::ClaudeCode, Endpoint::AnalyticsUsage, Endpoint::AnalyticsCost];

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Usage => "usage_report/messages",
            Endpoint::Cost => "cost_report",
            Endpoint::ClaudeCode => "usage_report/claude_code",
            Endpoint::AnalyticsUsage => "analytics/usage",
            Endpoint::AnalyticsCost => "analytics/cost",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Endpoint::Usage => "/v1/organizations/usage_report/messages",
            Endpoint::Cost => "/v1/organizations/cost_report",
            Endpoint::ClaudeCode => "/v1/organizations/usage_report/claude_code",
            Endpoint::AnalyticsUsage => "/v1/organizations/analytics/usage",
            Endpoint::AnalyticsCost => "/v1/organizations/analytics/cost",
        }
    }

    /// The `anthropic-beta` header an endpoint in beta needs.
    fn beta(self) -> Option<&'static str> {
        match self {
            Endpoint::AnalyticsUsage | Endpoint::AnalyticsCost => Some(ANALYTICS_BETA),
            Endpoint::Usage | Endpoint::Cost | Endpoint::ClaudeCode => None,
        }
    }

    /// The feed its pages are read as.
    pub fn feed(self) -> Feed {
        match self {
            Endpoint::Usage => Feed::AdminUsage,
            Endpoint::Cost => Feed::AdminCost,
            Endpoint::ClaudeCode => Feed::ClaudeCodeAnalytics,
            Endpoint::AnalyticsUsage => Feed::AdminAnalyticsUsage,
            Endpoint::AnalyticsCost => Feed::AdminAnalyticsCost,
        }
    }

    /// Days per stored chunk: the unit a resumed sync restarts from. The analytics endpoints take
    /// at most 31 days a request (`ending_at` defaults to `starting_at` plus 31 days).
    fn chunk_days(self) -> i64 {
        match self {
            Endpoint::Usage => 7,
            Endpoint::Cost | Endpoint::AnalyticsUsage | Endpoint::AnalyticsCost => 31,
            Endpoint::ClaudeCode => 7,
        }
    }

    /// The first day the endpoint can be asked for: the Usage and Cost Analytics API reports from
    /// 2026-01-01 and only the last 365 days (`today` minus 364 days, so that its midnight is never
    /// more than 365 days ago).
    fn earliest(self, today: Day) -> Option<Day> {
        match self {
            Endpoint::AnalyticsUsage | Endpoint::AnalyticsCost => Some(ANALYTICS_FIRST_DAY.max(today - Duration::days(364))),
            Endpoint::Usage | Endpoint::Cost | Endpoint::ClaudeCode => None,
        }
    }
}

/// What to sync.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub client: ClientSettings,
    /// First day to fetch; default: the cursor minus `trailing_days`, or `first_run_days` ago.
    pub since: Option<Day>,
    /// Last day to fetch, inclusive; default `today`.
    pub until: Option<Day>,
    /// Today (UTC), handed in so the sync never reads the clock for its window.
    pub today: Day,
    /// Days before the cursor that every run re-reads, because reports settle.
    pub trailing_days: i64,
    /// How far back a first run reaches.
    pub first_run_days: i64,
    /// Fetch the workspaces, API keys and users listings too.
    pub directory: bool,
}

impl SyncSettings {
    pub fn new(client: ClientSettings, today: Day) -> Self {
        SyncSettings { client, since: None, until: None, today, trailing_days: 3, first_run_days: 365, directory: true }
    }
}

/// Progress reported while syncing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// An endpoint's window, in days.
    Window { endpoint: Endpoint, period: Period },
    /// A page arrived with this many buckets or records.
    Page { endpoint: Endpoint, items: usize },
    /// A chunk was stored.
    Stored { endpoint: Endpoint, period: Period, lines: usize },
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub windows: BTreeMap<&'static str, Period>,
    pub lines: BTreeMap<&'static str, usize>,
    pub directory_entries: usize,
    pub requests: u64,
    /// Endpoints that failed while the others went on (what they stored before failing is kept:
    /// whole chunks only, with the cursor after the last one).
    pub failures: Vec<EndpointFailure>,
}

impl SyncReport {
    /// The sync's outcome as a result: `Incomplete` when any endpoint failed.
    pub fn check(&self) -> Result<(), SyncError> {
        if self.failures.is_empty() { Ok(()) } else { Err(SyncError::Incomplete { failures: self.failures.clone() }) }
    }
}

/// One endpoint that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EndpointFailure {
    /// The endpoint's name (`usage_report/messages`, `workspaces`, ...).
    pub endpoint: String,
    pub error: String,
    /// The answer was bad data (a page that never parsed), not a remote failure.
    pub bad_data: bool,
}

impl EndpointFailure {
    fn new(endpoint: &str, error: &SyncError) -> EndpointFailure {
        EndpointFailure { endpoint: endpoint.to_string(), error: error.to_string(), bad_data: error.is_bad_data() }
    }
}

/// Keeps going past an endpoint's own failure; stops at one that fails every endpoint alike.
fn endpoint_outcome(report: &mut SyncReport, endpoint: &str, outcome: Result<(), SyncError>) -> Result<(), SyncError> {
    match outcome {
        Err(error) if !error.stops_the_sync() => {
            report.failures.push(EndpointFailure::new(endpoint, &error));
            Ok(())
        }
        other => other,
    }
}

/// Why a sink could not keep what it was handed.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where a sync's windows go. The application layer stores each window the way file import
/// stores the same pages (replacing the window's days) and keeps the cursors; the sync itself
/// only fetches, parses and decides windows.
pub trait Sink {
    /// Stores one fetched window of `feed` (`parsed.period()` is the window; its days are
    /// replaced whole); returns the lines stored.
    fn store(&mut self, feed: Feed, parsed: Parsed) -> Result<usize, SinkError>;

    /// Stores one whole directory listing (a snapshot replacing the kind's previous one).
    fn store_directory(&mut self, kind: DirectoryKind, entries: Vec<DirectoryEntry>) -> Result<(), SinkError>;

    /// The cursors moved (after a stored chunk): keep them, so an interrupted sync resumes here.
    fn save_state(&mut self, state: &SyncState) -> Result<(), SinkError>;
}

/// Runs a sync from the cursors in `state`, handing every window to `sink`. An endpoint that
/// fails on its own (see [`SyncError::stops_the_sync`]) is listed in [`SyncReport::failures`]
/// and the sync goes on with the others; [`SyncReport::check`] turns that into an error.
pub fn run(
    sink: &mut dyn Sink,
    mut state: SyncState,
    settings: &SyncSettings,
    progress: &mut dyn FnMut(Progress),
) -> Result<SyncReport, SyncError> {
    let mut client = Client::new(settings.client.clone())?;
    let mut report = SyncReport::default();
    let end = settings.until.unwrap_or(settings.today) + Duration::days(1);
    for endpoint in Endpoint::ALL {
        let start = match (settings.since, state.cursors.get(endpoint.name())) {
            (Some(since), _) => since,
            (None, Some(cursor)) => *cursor - Duration::days(settings.trailing_days),
            (None, None) => settings.today - Duration::days(settings.first_run_days),
        };
        let start = endpoint.earliest(settings.today).map_or(start, |earliest| start.max(earliest));
        if start >= end {
            continue;
        }
        let window = Period::new(start, end);
        report.windows.insert(endpoint.name(), window);
        progress(Progress::Window { endpoint, period: window });
        let outcome = sync_endpoint(&mut client, sink, &mut state, &mut report, endpoint, window, progress);
        endpoint_outcome(&mut report, endpoint.name(), outcome)?;
    }
    if settings.directory {
        sync_directory(&mut client, sink, &mut report)?;
    }
    report.requests = client.requests;
    Ok(report)
}

/// One endpoint's window, chunk by chunk, each stored and its cursor kept before the next.
fn sync_endpoint(
    client: &mut Client,
    sink: &mut dyn Sink,
    state: &mut SyncState,
    report: &mut SyncReport,
    endpoint: Endpoint,
    window: Period,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), SyncError> {
    let mut chunk_start = window.start;
    while chunk_start < window.end {
        let chunk = Period::new(chunk_start, (chunk_start + Duration::days(endpoint.chunk_days())).min(window.end));
        let mut parsed = match endpoint {
            Endpoint::ClaudeCode => fetch_claude_code(client, chunk, progress)?,
            _ => fetch_buckets(client, endpoint, chunk, progress)?,
        };
        // The window asked for is what the store replaces, whatever the pages held.
        parsed.cover(chunk);
        let lines = sink.store(endpoint.feed(), parsed).map_err(SyncError::Sink)?;
        *report.lines.entry(endpoint.name()).or_default() += lines;
        progress(Progress::Stored { endpoint, period: chunk, lines });
        // The cursor never moves back: an explicit --since re-reads without forgetting later days.
        let cursor = state.cursors.entry(endpoint.name().to_string()).or_insert(chunk.end);
        *cursor = (*cursor).max(chunk.end);
        sink.save_state(state).map_err(SyncError::Sink)?;
        chunk_start = chunk.end;
    }
    Ok(())
}

fn rfc3339(day: Day) -> String {
    format!("{day}T00:00:00Z")
}

/// Follows `next_page` to the end, refusing a token seen twice.
fn paginate(
    client: &mut Client,
    endpoint: Endpoint,
    base_query: Vec<(String, String)>,
    mut each: impl FnMut(Parsed),
) -> Result<(), SyncError> {
    let feed = endpoint.feed();
    let mut seen = HashSet::new();
    let mut page_token: Option<String> = None;
    let mut number = 0usize;
    loop {
        number += 1;
        let mut query = base_query.clone();
        if let Some(token) = &page_token {
            query.push(("page".into(), token.clone()));
        }
        let source = format!("GET {} page {number}", endpoint.path());
        let page = client.get_beta(endpoint.path(), &query, endpoint.beta(), &mut |body| feed.read(&source, body))?;
        let next = match page.marks().last() {
            Some(mark) if mark.has_more => match &mark.next_page {
                Some(token) => Some(token.clone()),
                // More pages, but no way to ask for them: what is held is not the whole window.
                None => return Err(SyncError::NoNextPage { endpoint: format!("GET {}", endpoint.path()) }),
            },
            _ => None,
        };
        each(page);
        match next {
            None => return Ok(()),
            Some(token) => {
                if !seen.insert(token.clone()) {
                    return Err(SyncError::PageLoop { endpoint: format!("GET {}", endpoint.path()), token });
                }
                page_token = Some(token);
            }
        }
    }
}

fn fetch_buckets(client: &mut Client, endpoint: Endpoint, chunk: Period, progress: &mut dyn FnMut(Progress)) -> Result<Parsed, SyncError> {
    let mut query: Vec<(String, String)> = vec![("starting_at".into(), rfc3339(chunk.start)), ("ending_at".into(), rfc3339(chunk.end))];
    match endpoint {
        Endpoint::Usage => {
            query.push(("bucket_width".into(), "1h".into()));
            query.push(("limit".into(), "168".into()));
            // By user and service account too: the people behind each key's usage.
            for group in [
                "api_key_id",
                "workspace_id",
                "model",
                "service_tier",
                "context_window",
                "inference_geo",
                "account_id",
                "service_account_id",
            ] {
                query.push(("group_by[]".into(), group.into()));
            }
        }
        Endpoint::Cost | Endpoint::ClaudeCode => {
            query.push(("bucket_width".into(), "1d".into()));
            query.push(("limit".into(), "31".into()));
            for group in ["workspace_id", "description"] {
                query.push(("group_by[]".into(), group.into()));
            }
        }
        Endpoint::AnalyticsUsage | Endpoint::AnalyticsCost => {
            query.push(("time_bucket_width".into(), "1d".into()));
            query.push(("limit".into(), "1000".into()));
            let groups: &[&str] = if endpoint == Endpoint::AnalyticsUsage {
                &["api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo"]
            } else {
                &["workspace_id", "model", "cost_type", "token_type", "service_tier", "context_window", "inference_geo"]
            };
            for group in groups {
                query.push(("group_by[]".into(), (*group).into()));
            }
        }
    }
    let mut all = endpoint.feed().empty();
    paginate(client, endpoint, query, |page| {
        progress(Progress::Page { endpoint, items: page.lines() });
        all.extend(page);
    })?;
    Ok(all)
}

fn fetch_claude_code(client: &mut Client, chunk: Period, progress: &mut dyn FnMut(Progress)) -> Result<Parsed, SyncError> {
    let mut all = Feed::ClaudeCodeAnalytics.empty();
    for day in chunk.iter_days() {
        let query = vec![("starting_at".into(), day.to_string()), ("limit".into(), "1000".into())];
        paginate(client, Endpoint::ClaudeCode, query, |page| {
            progress(Progress::Page { endpoint: Endpoint::ClaudeCode, items: page.activity().len() });
            all.extend(page);
        })?;
    }
    Ok(all)
}

/// Workspaces, API keys and users: whole listings, each replacing its snapshot (a listing that
/// fails keeps the snapshot stored before).
fn sync_directory(client: &mut Client, sink: &mut dyn Sink, report: &mut SyncReport) -> Result<(), SyncError> {
    for (kind, name, path) in [
        (DirectoryKind::Workspace, "workspaces", "/v1/organizations/workspaces"),
        (DirectoryKind::ApiKey, "api_keys", "/v1/organizations/api_keys"),
        (DirectoryKind::User, "users", "/v1/organizations/users"),
    ] {
        let outcome = fetch_listing(client, path).and_then(|entries| {
            report.directory_entries += entries.len();
            sink.store_directory(kind, entries).map_err(SyncError::Sink)
        });
        endpoint_outcome(report, name, outcome)?;
    }
    Ok(())
}

/// One whole listing, following `last_id` while `has_more`.
fn fetch_listing(client: &mut Client, path: &str) -> Result<Vec<DirectoryEntry>, SyncError> {
    let mut entries: Vec<DirectoryEntry> = Vec::new();
    let mut after: Option<String> = None;
    let mut seen = HashSet::new();
    loop {
        let mut query = vec![("limit".to_string(), "100".to_string())];
        if let Some(id) = &after {
            query.push(("after_id".into(), id.clone()));
        }
        let source = format!("GET {path}");
        let (page, cursor) = client.get(path, &query, &mut |body| {
            let page = directory::read_page(&source, body)?;
            let cursor: ListingCursor =
                serde_json::from_slice(body).map_err(|error| spendlens_ingest::IngestError::json(&source, &error))?;
            Ok((page, cursor))
        })?;
        entries.extend(page.lines);
        match (cursor.has_more, cursor.last_id) {
            (false, _) => return Ok(entries),
            (true, None) => return Err(SyncError::NoNextPage { endpoint: format!("GET {path}") }),
            (true, Some(id)) if seen.insert(id.clone()) => after = Some(id),
            (true, Some(id)) => return Err(SyncError::PageLoop { endpoint: format!("GET {path}"), token: id }),
        }
    }
}

#[derive(serde::Deserialize)]
struct ListingCursor {
    #[serde(default)]
    has_more: bool,
    #[serde(default)]
    last_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn analytics_windows_start_no_earlier_than_the_api_reports() {
        let rows = [
            (Endpoint::AnalyticsUsage, "2026-10-31", Some("2026-01-01")),
            (Endpoint::AnalyticsCost, "2027-06-30", Some("2026-07-01")),
            (Endpoint::AnalyticsCost, "2026-12-31", Some("2026-01-01")),
            (Endpoint::AnalyticsUsage, "2027-01-01", Some("2026-01-02")),
            (Endpoint::Usage, "2026-10-31", None),
            (Endpoint::Cost, "2026-10-31", None),
            (Endpoint::ClaudeCode, "2026-10-31", None),
        ];
        for (endpoint, today, expected) in rows {
            assert_eq!(endpoint.earliest(day(today)), expected.map(day), "{endpoint:?} on {today}");
        }
        for endpoint in Endpoint::ALL {
            assert!(endpoint.chunk_days() <= 31, "{endpoint:?}");
            assert_eq!(endpoint.beta().is_some(), endpoint.path().contains("/analytics/"), "{endpoint:?}");
        }
    }
}

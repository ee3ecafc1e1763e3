//! The two kinds of ledger line.
//!
//! A [`UsageLine`] is what was consumed (tokens, searches, requests) by whom, at whatever grain the
//! source gives: one request, an hour, a day. A [`CostLine`] is a billed dollar amount with its own
//! provenance: a cost report row, a seat fee, an invoice line. Only cost lines carry the bill.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ContextWindow, CostKind, Day, InferenceGeo, Money, Path, ServiceTier, Source, Speed, TokenType};

/// Token quantities of one line, by priced component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenCounts {
    /// Input tokens read neither from nor into the cache.
    pub input: u64,
    /// Tokens written to the 5-minute cache (1.25x input).
    pub cache_write_5m: u64,
    /// Tokens written to the 1-hour cache (2x input).
    pub cache_write_1h: u64,
    /// Tokens read from the cache.
    pub cache_read: u64,
    pub output: u64,
}

impl TokenCounts {
    pub fn total(&self) -> u64 {
        self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read + self.output
    }

    /// Every input-side token: what the model read for the request (the context size).
    pub fn prompt_tokens(&self) -> u64 {
        self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read
    }

    pub fn get(&self, token_type: TokenType) -> u64 {
        match token_type {
            TokenType::Input => self.input,
            TokenType::CacheWrite5m => self.cache_write_5m,
            TokenType::CacheWrite1h => self.cache_write_1h,
            TokenType::CacheRead => self.cache_read,
            TokenType::Output => self.output,
            // A token type this build does not know has no count here.
            TokenType::Unknown(_) => 0,
        }
    }

    pub fn add(&mut self, other: &TokenCounts) {
        self.input += other.input;
        self.cache_write_5m += other.cache_write_5m;
        self.cache_write_1h += other.cache_write_1h;
        self.cache_read += other.cache_read;
        self.output += other.output;
    }
}

/// Every priced quantity of a usage line: its tokens by type, the server tools it used and the
/// requests it stands for. The one vocabulary of "what was consumed": usage lines, the store's
/// rollups, price queries and the demo's rows all carry this type, so a new priced quantity is
/// one field here (and its column and rate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantities {
    pub tokens: TokenCounts,
    /// Web searches (`server_tool_use.web_search_requests`), billed per search.
    pub web_search_requests: u64,
    /// Seconds of code-execution containers, billed per container-hour.
    pub code_execution_seconds: u64,
    /// Requests the quantities stand for, when the source counts them.
    pub requests: Option<u64>,
}

impl Quantities {
    /// Only tokens.
    pub const fn of_tokens(tokens: TokenCounts) -> Self {
        Quantities { tokens, web_search_requests: 0, code_execution_seconds: 0, requests: None }
    }

    /// Adds `other`; requests stay unknown only when neither side counted them.
    pub fn add(&mut self, other: &Quantities) {
        self.tokens.add(&other.tokens);
        self.web_search_requests += other.web_search_requests;
        self.code_execution_seconds += other.code_execution_seconds;
        self.requests = match (self.requests, other.requests) {
            (None, None) => None,
            (mine, theirs) => Some(mine.unwrap_or(0) + theirs.unwrap_or(0)),
        };
    }

    /// Whether nothing priced was consumed (requests aside).
    pub fn is_empty(&self) -> bool {
        self.tokens.total() == 0 && self.web_search_requests == 0 && self.code_execution_seconds == 0
    }
}

/// The identities a source can carry. Every field is optional: sources know different things.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub workspace_id: Option<String>,
    pub api_key_id: Option<String>,
    /// Key names arrive where ids do not (Claude Code Analytics names the key of an API actor).
    pub api_key_name: Option<String>,
    /// The person: a user's email address.
    pub actor_email: Option<String>,
    pub session_id: Option<String>,
    pub request_id: Option<String>,
    /// A project: a Claude Code working directory, or a gateway tag.
    pub project: Option<String>,
    /// The user account behind the requests (the usage report's `account_id`, a `user_...` id):
    /// resolved to a person through the users listing.
    #[serde(default)]
    pub account_id: Option<String>,
    /// The service account behind the requests (`service_account_id`).
    #[serde(default)]
    pub service_account_id: Option<String>,
}

/// One canonical usage line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageLine {
    /// Start of the period the line covers (a request's timestamp, a bucket's start).
    pub start: DateTime<Utc>,
    /// Exclusive end of the period (equal to `start` for a single request).
    pub end: DateTime<Utc>,
    pub source: Source,
    /// The path as far as the source itself knows it; the org map refines `Unassigned` later.
    pub path: Path,
    pub identity: Identity,
    /// The model id exactly as the source wrote it; the price book resolves it.
    pub model: String,
    pub service_tier: ServiceTier,
    pub context_window: ContextWindow,
    pub inference_geo: InferenceGeo,
    pub speed: Speed,
    /// What was consumed (flattened in JSON: `tokens`, `web_search_requests`, ... as before).
    #[serde(flatten)]
    pub quantities: Quantities,
    /// The source's own cost estimate (Claude Code Analytics, OpenTelemetry): a list-price figure,
    /// never billing truth.
    pub reported_cost: Option<Money>,
}

impl UsageLine {
    /// A line with every quantity zero and every identity empty, for sources to fill in.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, source: Source, model: impl Into<String>) -> Self {
        UsageLine {
            start,
            end,
            source,
            path: Path::Unassigned,
            identity: Identity::default(),
            model: model.into(),
            service_tier: ServiceTier::Standard,
            context_window: ContextWindow::Base,
            inference_geo: InferenceGeo::Global,
            speed: Speed::Standard,
            quantities: Quantities::default(),
            reported_cost: None,
        }
    }

    /// The UTC day the line is filed under.
    pub fn day(&self) -> Day {
        self.start.date_naive()
    }
}

/// One billed amount, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostLine {
    /// First day the amount covers.
    pub start: Day,
    /// Exclusive last day (`start + 1` for a daily cost-report row).
    pub end: Day,
    pub source: Source,
    pub amount: Money,
    pub kind: CostKind,
    /// The source's own words for the line (cost report `description`, invoice item).
    pub description: String,
    /// The path as far as the source knows it (a seat fee is Claude Code).
    pub path: Path,
    pub identity: Identity,
    pub model: Option<String>,
    pub service_tier: Option<ServiceTier>,
    pub token_type: Option<TokenType>,
    pub context_window: Option<ContextWindow>,
    pub inference_geo: Option<InferenceGeo>,
    /// Seat plan (`team_premium`, `enterprise`, ...) for seat fees.
    pub seat_type: Option<String>,
    /// A team the source itself names (the roster's team column).
    pub team: Option<String>,
}

impl CostLine {
    /// A line with no detail but its span, source, amount and kind.
    pub fn new(start: Day, end: Day, source: Source, amount: Money, kind: CostKind) -> Self {
        CostLine {
            start,
            end,
            source,
            amount,
            kind,
            description: String::new(),
            path: Path::Unassigned,
            identity: Identity::default(),
            model: None,
            service_tier: None,
            token_type: None,
            context_window: None,
            inference_geo: None,
            seat_type: None,
            team: None,
        }
    }
}

/// What a directory entry names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    Workspace,
    ApiKey,
    User,
}

impl DirectoryKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            DirectoryKind::Workspace => "workspace",
            DirectoryKind::ApiKey => "api_key",
            DirectoryKind::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "workspace" => DirectoryKind::Workspace,
            "api_key" => DirectoryKind::ApiKey,
            "user" => DirectoryKind::User,
            _ => return None,
        })
    }
}

/// One entry of the organisation's directory (Admin API workspaces, API keys and users listings):
/// it turns ids into names, and an API key into the person who created it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub kind: DirectoryKind,
    /// `wrkspc_...`, `apikey_...` or `user_...`.
    pub id: String,
    /// Workspace or key name; a user's full name.
    pub name: Option<String>,
    /// A user's email.
    pub email: Option<String>,
    /// The workspace an API key belongs to.
    pub workspace_id: Option<String>,
    /// The user id that created an API key.
    pub created_by: Option<String>,
    /// `active`, `inactive`, `archived`, ...
    pub status: Option<String>,
}

/// What an engineer did with Claude Code on a day (Claude Code Analytics, OpenTelemetry): the
/// intensity side of the Claude Code driver. Carries no dollars and no content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityLine {
    pub day: Day,
    pub source: Source,
    pub actor_email: Option<String>,
    /// For an API actor: the key Claude Code ran on.
    pub api_key_name: Option<String>,
    /// The actor's type as the source wrote it, when it is not a user or an API key this build
    /// knows (a service account, a federated identity...).
    #[serde(default)]
    pub actor_type: Option<String>,
    /// `api` (Console key, billed per token) or `subscription` (seat).
    pub customer_type: Option<String>,
    /// `team`, `enterprise`, `pro`, `max` ... for subscriptions.
    pub subscription_type: Option<String>,
    /// `vscode`, `iTerm.app`, ...
    pub terminal_type: Option<String>,
    pub sessions: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
    pub commits: u64,
    pub pull_requests: u64,
    /// Edit, MultiEdit, Write and NotebookEdit suggestions accepted / rejected.
    pub tool_accepted: u64,
    pub tool_rejected: u64,
    /// Active seconds, where the source measures it (OpenTelemetry).
    pub active_seconds: Option<u64>,
}

impl ActivityLine {
    /// Adds `other`'s counts (and its terminal type, when this line has none).
    pub fn add_counts(&mut self, other: &ActivityLine) {
        if self.terminal_type.is_none() {
            self.terminal_type.clone_from(&other.terminal_type);
        }
        self.sessions += other.sessions;
        self.lines_added += other.lines_added;
        self.lines_removed += other.lines_removed;
        self.commits += other.commits;
        self.pull_requests += other.pull_requests;
        self.tool_accepted += other.tool_accepted;
        self.tool_rejected += other.tool_rejected;
        if let Some(seconds) = other.active_seconds {
            self.active_seconds = Some(self.active_seconds.unwrap_or(0) + seconds);
        }
    }
}

/// A value the lake holds that this build does not know (a new service tier, cost type...), with
/// how much it carries: what `spendlens status` and a report list, so an unknown value is seen,
/// never silently priced or dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnknownValue {
    /// What kind of value: `service tier`, `context window`, `cost type`, `actor type`, ...
    pub what: String,
    /// The value as the source wrote it (`(none)` for a report not grouped by model).
    pub value: String,
    pub source: Source,
    /// Lines (usage, cost or activity) that carry it.
    pub lines: u64,
    /// Their tokens (usage lines).
    pub tokens: u64,
    /// Their billed dollars (cost lines).
    pub amount_usd: Money,
}

/// One seat as a roster lists it: who holds it, its plan and monthly fee, from when and until
/// when. Fees are prorated when a period is priced, never at ingest, so a roster loaded mid-month
/// still bills the whole month of a seat held through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub email: String,
    pub name: String,
    pub team: Option<String>,
    pub seat_type: String,
    pub monthly: Money,
    pub start: Day,
    /// Last day held, inclusive; `None` while held.
    pub end: Option<Day>,
}

/// The exclusive end a stored open seat carries (the lake has no "open" day).
const OPEN_SEAT_END: Day = match Day::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => Day::MAX,
};

/// How a stored seat record's description begins; the roster's day follows.
const SEAT_RECORD: &str = "seat of the roster of ";

impl Seat {
    /// The seat as the cost line that stores it (source `roster`, kind `seat_fee`, the monthly fee
    /// as amount, `[start, end)` held, the roster's day in the description): a record, not a bill.
    pub fn to_record(&self, roster_day: Day) -> CostLine {
        let end = self.end.and_then(|end| end.succ_opt()).unwrap_or(OPEN_SEAT_END);
        let mut line = CostLine::new(self.start, end, Source::Roster, self.monthly, CostKind::SeatFee);
        line.description = format!("{SEAT_RECORD}{roster_day}: {}", self.name);
        line.path = Path::ClaudeCode;
        line.identity.actor_email = Some(self.email.clone());
        line.seat_type = Some(self.seat_type.clone());
        line.team = self.team.clone();
        line
    }

    /// The seat a stored record holds, and the day of its roster; `None` for any other line (a
    /// seat fee stored by an older build, already prorated).
    pub fn from_record(line: &CostLine) -> Option<(Seat, Day)> {
        if line.source != Source::Roster || line.kind != CostKind::SeatFee {
            return None;
        }
        let rest = line.description.strip_prefix(SEAT_RECORD)?;
        let (day, name) = rest.split_once(": ")?;
        let roster_day = day.parse().ok()?;
        let end = (line.end != OPEN_SEAT_END).then(|| line.end.pred_opt()).flatten();
        let seat = Seat {
            email: line.identity.actor_email.clone()?,
            name: name.to_string(),
            team: line.team.clone(),
            seat_type: line.seat_type.clone().unwrap_or_default(),
            monthly: line.amount,
            start: line.start,
            end,
        };
        Some((seat, roster_day))
    }
}

/// Usage of one API key, model and tier in one hour of the week (UTC), summed over a period: the
/// shape the optimiser reads scheduled, steady and bursty traffic from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourProfile {
    pub api_key_id: Option<String>,
    pub model: String,
    pub service_tier: ServiceTier,
    /// Monday 0 to Sunday 6.
    pub weekday: u8,
    /// 0 to 23.
    pub hour: u8,
    /// Distinct days with usage in this hour of the week.
    pub days: u64,
    pub tokens: TokenCounts,
}

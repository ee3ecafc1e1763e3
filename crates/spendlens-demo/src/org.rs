//! The people and the directory: engineers in teams (seat holders and API-key users, joiners,
//! leavers, idle seats), the workspaces and API keys of the Console, and the Admin API users.
//!
//! Traffic lives in `claude_code` and `api`; this module only decides who exists and how each
//! engineer pays for Claude Code.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rust_decimal::Decimal;
use spendlens_model::{Day, Money};

use crate::DemoConfig;
use crate::calendar::Calendar;
use crate::models::{OPUS, SONNET};
use crate::random::Random;

/// The company's email domain.
pub const DOMAIN: &str = "acme.example";

/// The workspace Claude Code API keys live in.
pub const CLAUDE_CODE_WORKSPACE: &str = "Claude Code";

/// The key nobody mapped: small experiments in the Default workspace.
pub const SCRATCH_KEY: &str = "scratch-experiments";

const TEAM_NAMES: [&str; 8] = ["payments", "platform", "search", "mobile", "data", "growth", "infra", "support-eng"];
/// Relative team sizes (platform and payments are the big ones).
const TEAM_WEIGHTS: [f64; 8] = [18.0, 20.0, 14.0, 16.0, 11.0, 13.0, 14.0, 10.0];

const FIRST_NAMES: [&str; 48] = [
    "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kara", "Liam", "Maya", "Nico", "Olga", "Priya",
    "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Xavi", "Yara", "Zoe", "Amir", "Bea", "Carl", "Dana", "Emil", "Fay", "Gus",
    "Hana", "Ivan", "Jade", "Kofi", "Lena", "Marco", "Nora", "Oscar", "Pia", "Raj", "Sofia", "Theo", "Uma", "Viktor", "Wren",
];

const LAST_NAMES: [&str; 48] = [
    "Lopez",
    "Okafor",
    "Chen",
    "Patel",
    "Novak",
    "Haddad",
    "Kim",
    "Tanaka",
    "Silva",
    "Berg",
    "Moreau",
    "Walsh",
    "Rossi",
    "Nguyen",
    "Ivanova",
    "Shah",
    "Fischer",
    "Garcia",
    "Osei",
    "Larsen",
    "Khan",
    "Dubois",
    "Zhang",
    "Costa",
    "Mendes",
    "Adeyemi",
    "Schmidt",
    "Hughes",
    "Kowalski",
    "Sato",
    "Reyes",
    "Becker",
    "Ali",
    "Jensen",
    "Murphy",
    "Petrov",
    "Young",
    "Romero",
    "Hansen",
    "Baker",
    "Weber",
    "Diaz",
    "Quinn",
    "Russo",
    "Lindqvist",
    "Abbott",
    "Ferreira",
    "Ng",
];

const TERMINALS: [&str; 6] = ["vscode", "iTerm.app", "cursor", "ghostty", "tmux", "Apple_Terminal"];

const DISPLAY_COLORS: [&str; 8] = ["#6C5BB9", "#2E86AB", "#E4572E", "#17BEBB", "#76B041", "#FFC914", "#8E6C8A", "#C2185B"];

/// How an engineer pays for Claude Code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Billing {
    /// A subscription seat: a flat monthly fee, usage absent from the Admin usage and cost reports.
    Seat {
        /// Roster `seat_type` (`team_premium`).
        seat_type: String,
        /// Claude Code Analytics `subscription_type` (`team`).
        subscription_type: String,
        monthly_usd: Money,
    },
    /// A Console API key named `claude-code-<first>-<last>`, billed per token.
    ApiKey {
        api_key_id: String,
        key_name: String,
        /// Claude Code Analytics names this engineer by the key (`api_actor`) instead of the email.
        reported_as_key: bool,
    },
}

/// One engineer.
#[derive(Debug, Clone, PartialEq)]
pub struct Engineer {
    pub email: String,
    /// Full name, e.g. `Ana Lopez`.
    pub name: String,
    pub team: String,
    pub user_id: String,
    /// Admin API role: `user`, `developer` or `admin`.
    pub role: String,
    /// Joined (and got Claude Code) on this day; may be before the window.
    pub start: Day,
    /// Last day with the company (inclusive), for leavers.
    pub end: Option<Day>,
    pub billing: Billing,
    /// An idle seat: no Claude Code activity from this day on (the start day for a seat never used).
    pub idle_from: Option<Day>,
    /// Local Claude Code transcripts are rendered for this engineer.
    pub transcripts: bool,
    /// Mean daily intensity relative to a typical engineer (traffic shape, not money).
    pub intensity: f64,
    /// Offset of the engineer's working day from UTC, in hours.
    pub utc_offset_hours: i32,
    pub main_model: &'static str,
    /// Claude Code configured with the 1-hour cache TTL.
    pub uses_1h_cache: bool,
    pub terminal_type: String,
    /// Local start of the working day, in hours.
    pub work_start_hour: f64,
}

impl Engineer {
    pub fn is_seat(&self) -> bool {
        matches!(self.billing, Billing::Seat { .. })
    }

    pub fn key_id(&self) -> Option<&str> {
        match &self.billing {
            Billing::ApiKey { api_key_id, .. } => Some(api_key_id),
            Billing::Seat { .. } => None,
        }
    }

    /// The part of the email before `@`: `ana.lopez`.
    pub fn local_part(&self) -> &str {
        self.email.split('@').next().unwrap_or(&self.email)
    }

    /// Whether the engineer works here on `day` (joined, not yet left).
    pub fn employed_on(&self, day: Day) -> bool {
        self.start <= day && self.end.is_none_or(|end| day <= end)
    }
}

/// A Console workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub display_color: String,
}

/// What an API key's traffic is, as the demo knows it (the ground truth; the org map must find it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    Feature(String),
    /// Claude Code on a Console key, by the engineer's email.
    ClaudeCode(String),
    /// Nobody mapped it.
    Unassigned,
}

/// A Console API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// `None`: the Default workspace.
    pub workspace_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub partial_key_hint: String,
    pub owner: KeyOwner,
}

/// An Anthropic-shaped id: `wrkspc_01` + 22 base62 characters.
pub fn anthropic_id(ids: &mut Random, prefix: &str) -> String {
    format!("{prefix}_01{}", ids.base62(22))
}

/// `sk-ant-api03-Ab...xY`.
pub fn partial_key_hint(ids: &mut Random) -> String {
    format!("sk-ant-api03-{}...{}", ids.base62(2), ids.base62(2))
}

/// A moment on `day` (seconds after midnight UTC).
pub fn moment(day: Day, seconds: u64) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() + Duration::seconds(seconds.min(86_399) as i64)
}

/// The team names for `count` teams: the eight real ones, then `team-9`, `team-10`, ...
pub fn team_names(count: usize) -> Vec<String> {
    (0..count.max(1)).map(|index| TEAM_NAMES.get(index).map_or_else(|| format!("team-{}", index + 1), |name| (*name).to_string())).collect()
}

fn pick_team(random: &mut Random, teams: &[String]) -> String {
    let weights: Vec<f64> = (0..teams.len()).map(|index| TEAM_WEIGHTS.get(index).copied().unwrap_or(12.0)).collect();
    let total: f64 = weights.iter().sum();
    let mut target = random.unit() * total;
    for (team, weight) in teams.iter().zip(&weights) {
        if target < *weight {
            return team.clone();
        }
        target -= weight;
    }
    teams.last().cloned().unwrap_or_default()
}

fn unique_name(random: &mut Random, taken: &mut std::collections::BTreeSet<String>) -> (String, String) {
    for attempt in 0u32.. {
        let first = random.pick(&FIRST_NAMES).copied().unwrap_or("Alex");
        let last = random.pick(&LAST_NAMES).copied().unwrap_or("Smith");
        let base = format!("{}.{}", first.to_ascii_lowercase(), last.to_ascii_lowercase());
        let local = if attempt < 50 { base } else { format!("{base}{}", attempt - 48) };
        if taken.insert(local.clone()) {
            return (format!("{first} {last}"), local);
        }
    }
    (String::from("Alex Smith"), String::from("alex.smith"))
}

/// Builds every engineer: names, teams, billing, joiners, leavers, idle seats, transcript owners.
pub fn build_engineers(config: &DemoConfig, calendar: &Calendar, ids: &mut Random) -> Vec<Engineer> {
    let count = config.engineers;
    let teams = team_names(config.teams);
    let mut names = Random::derive(config.seed, "names", 0);
    let mut people = Random::derive(config.seed, "people", 0);
    let mut taken = std::collections::BTreeSet::new();
    let days = calendar.day_count();

    let mut engineers: Vec<Engineer> = (0..count)
        .map(|index| {
            let mut traits = Random::derive(config.seed, "engineer-traits", index as u64);
            let (name, local) = unique_name(&mut names, &mut taken);
            let offset = traits.unit();
            Engineer {
                email: format!("{local}@{DOMAIN}"),
                name,
                team: pick_team(&mut traits, &teams),
                user_id: anthropic_id(ids, "user"),
                role: "user".to_string(),
                start: calendar.start - Duration::days(traits.between(20, 420) as i64),
                end: None,
                billing: Billing::Seat {
                    seat_type: "team_premium".to_string(),
                    subscription_type: "team".to_string(),
                    monthly_usd: Money::from_decimal(Decimal::from(150)),
                },
                idle_from: None,
                transcripts: false,
                intensity: traits.log_normal(1.0, 0.55).clamp(0.15, 3.5),
                utc_offset_hours: if offset < 0.45 {
                    -4
                } else if offset < 0.8 {
                    -7
                } else {
                    1
                },
                main_model: if traits.chance(0.72) { SONNET } else { OPUS },
                uses_1h_cache: traits.chance(0.2),
                terminal_type: traits.pick(&TERMINALS).copied().unwrap_or("vscode").to_string(),
                work_start_hour: traits.range(8.0, 10.5),
            }
        })
        .collect();

    let mut order: Vec<usize> = (0..count).collect();
    people.shuffle(&mut order);

    // About one engineer in twelve joins inside the window (when the window is long enough).
    let joiner_count = if days >= 60 { count / 12 } else { 0 };
    for &index in order.iter().take(joiner_count) {
        let offset = people.between(10, (days - 30).max(10) as u64);
        engineers[index].start = calendar.start + Duration::days(offset as i64);
    }

    // About one engineer in six uses Claude Code on a Console API key instead of a seat.
    people.shuffle(&mut order);
    let api_count = (count + 3) / 6;
    for (rank, &index) in order.iter().take(api_count).enumerate() {
        let key_name = format!("claude-code-{}", engineers[index].local_part().replace('.', "-"));
        engineers[index].billing = Billing::ApiKey { api_key_id: anthropic_id(ids, "apikey"), key_name, reported_as_key: rank % 7 == 3 };
        engineers[index].role = "developer".to_string();
    }

    // Seat holders: a couple of leavers, then the idle seats, then admins and transcript owners.
    let mut seats: Vec<usize> = order.iter().copied().filter(|&index| engineers[index].is_seat()).collect();
    people.shuffle(&mut seats);
    let is_settled = |engineer: &Engineer| engineer.start < calendar.start;
    let leaver_count = if days >= 60 { count / 60 } else { 0 };
    let leavers: Vec<usize> = seats.iter().copied().filter(|&index| is_settled(&engineers[index])).take(leaver_count).collect();
    for &index in &leavers {
        let low = (days as f64 * 0.3) as u64;
        let high = (days as f64 * 0.8) as u64;
        engineers[index].end = Some(calendar.start + Duration::days(people.between(low, high) as i64));
    }
    let staying: Vec<usize> = seats.iter().copied().filter(|index| !leavers.contains(index)).collect();
    let idle_count = (staying.len() * 8 + 50) / 100;
    for (rank, &index) in staying.iter().take(idle_count).enumerate() {
        let engineer = &mut engineers[index];
        // Half never touched Claude Code; half stopped well before the last 60 days.
        engineer.idle_from = if rank % 2 == 0 || days < 100 || engineer.start >= calendar.start {
            Some(engineer.start)
        } else {
            Some(calendar.start + Duration::days(people.between((days as f64 * 0.15) as u64, (days - 70) as u64) as i64))
        };
    }
    let active: Vec<usize> = staying.iter().skip(idle_count).copied().collect();
    for &index in active.iter().take(2) {
        engineers[index].role = "admin".to_string();
    }
    let recent = calendar.end - Duration::days(30);
    let mut eligible: Vec<usize> = active.iter().copied().filter(|&index| engineers[index].start <= recent).collect();
    // Busier engineers first, so every transcript folder has sessions in it.
    eligible.sort_by(|left, right| engineers[*right].intensity.total_cmp(&engineers[*left].intensity));
    // Steady users (not the very heaviest) keep the transcript folders a sensible size.
    let steady = |index: &usize| (0.85..=1.6).contains(&engineers[*index].intensity);
    let mut chosen: Vec<usize> = eligible.iter().copied().filter(steady).collect();
    chosen.extend(eligible.iter().copied().filter(|index| !steady(index)));
    // Among the busy ones, a seeded but not purely intensity-ranked choice.
    let busy = chosen.len().min(config.transcript_engineers * 3);
    people.shuffle(&mut chosen[..busy]);
    for (rank, &index) in chosen.iter().take(config.transcript_engineers).enumerate() {
        engineers[index].transcripts = true;
        engineers[index].intensity = engineers[index].intensity.max(0.9);
        // The first transcript owner runs Claude Code with the 1-hour cache TTL.
        engineers[index].uses_1h_cache |= rank == 0;
    }
    engineers
}

/// A workspace with a deterministic id and colour.
pub fn workspace(ids: &mut Random, name: &str, created: Day, index: usize) -> Workspace {
    Workspace {
        id: anthropic_id(ids, "wrkspc"),
        name: name.to_string(),
        created_at: moment(created, ids.between(9 * 3600, 18 * 3600)),
        display_color: DISPLAY_COLORS[index % DISPLAY_COLORS.len()].to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// A seat holder with typical traits, for unit tests.
    pub fn seat_engineer(start: Day, end: Option<Day>) -> Engineer {
        Engineer {
            email: "ana.lopez@acme.example".to_string(),
            name: "Ana Lopez".to_string(),
            team: "payments".to_string(),
            user_id: "user_01test".to_string(),
            role: "user".to_string(),
            start,
            end,
            billing: Billing::Seat {
                seat_type: "team_premium".to_string(),
                subscription_type: "team".to_string(),
                monthly_usd: Money::from_decimal(Decimal::from(150)),
            },
            idle_from: None,
            transcripts: false,
            intensity: 1.0,
            utc_offset_hours: -4,
            main_model: SONNET,
            uses_1h_cache: false,
            terminal_type: "vscode".to_string(),
            work_start_hour: 9.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_engineers() -> (Calendar, Vec<Engineer>) {
        let config = DemoConfig::default();
        let calendar = Calendar::new(config.end, config.days);
        let mut ids = Random::derive(config.seed, "ids", 0);
        (calendar.clone(), build_engineers(&config, &calendar, &mut ids))
    }

    #[test]
    fn the_default_company_has_the_promised_shape() {
        let (calendar, engineers) = default_engineers();
        assert_eq!(engineers.len(), 120);
        let emails: std::collections::BTreeSet<&str> = engineers.iter().map(|e| e.email.as_str()).collect();
        assert_eq!(emails.len(), 120, "emails are unique");
        let api = engineers.iter().filter(|e| !e.is_seat()).count();
        assert_eq!(api, 20);
        assert_eq!(engineers.iter().filter(|e| e.idle_from.is_some()).count(), 8);
        assert_eq!(engineers.iter().filter(|e| e.end.is_some()).count(), 2);
        assert_eq!(engineers.iter().filter(|e| e.transcripts).count(), 4);
        assert!(engineers.iter().filter(|e| e.start >= calendar.start).count() >= 5, "joiners");
        assert!(engineers.iter().all(|e| e.email.ends_with("@acme.example")));
        for engineer in &engineers {
            if let Billing::ApiKey { key_name, .. } = &engineer.billing {
                assert!(key_name.starts_with("claude-code-"), "{key_name}");
            }
        }
    }

    #[test]
    fn many_engineers_still_get_unique_emails() {
        let mut random = Random::new(3);
        let mut taken = std::collections::BTreeSet::new();
        for _ in 0..3000 {
            unique_name(&mut random, &mut taken);
        }
        assert_eq!(taken.len(), 3000);
    }
}

//! Budgets and alerts: monthly budgets per team, feature or path with soft and hard thresholds,
//! and spikes, checked after each ingest and sync and by `spendlens alerts check`; each event
//! that fires is posted to the webhook of `[alerts]` once, never again on later checks.
//!
//! `config.toml`:
//!
//! ```toml
//! [alerts]
//! webhook = "https://hooks.slack.com/services/..."  # a secret: the file must then be mode 600
//! format = "json"          # or "slack": only {"text": ...}
//! retries = 3              # after the first attempt, doubling the delay each time
//! retry_delay_ms = 1000
//! spikes = true            # post new spikes (of the last 35 days of data)
//!
//! [[budget]]
//! team = "platform"        # or feature = "doc-search", or path = "api"
//! monthly_usd = 5000
//! soft_pct = 80            # default 80
//! hard_pct = 100           # default 100
//! ```
//!
//! A budget is set against the ledger's spend in the month of the last day the ledger holds (seat
//! fees included, prorated). The body is JSON with a Slack-compatible `text` and the typed event
//! under `spendlens` (`format = "slack"` sends the text alone). Delivery is at least once: an
//! event is recorded as delivered in `DATA_DIR/alerts-state.json` (atomically, under the writer
//! lock, after each 2xx answer); a failed event is retried with backoff, then again at the next
//! check. The webhook URL never reaches a log or an error.

use std::collections::BTreeSet;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use spendlens_analysis::spikes::Spike;
use spendlens_analysis::{Driver, LedgerEntry};
use spendlens_model::{Money, Path, Period};

use crate::{App, AppError};

/// Days of data, counted back from the last, whose spikes are alerted (older spikes are history).
pub const SPIKE_ALERT_DAYS: i64 = 35;

/// `[alerts]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Where events are posted. A secret (Slack's URL is its credential).
    pub webhook: Option<String>,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Attempts after the first (default 3).
    pub retries: Option<u32>,
    /// The first retry's delay; each later one doubles it (default 1000).
    pub retry_delay_ms: Option<u64>,
    /// Whether new spikes are posted (default true).
    pub spikes: Option<bool>,
}

impl std::fmt::Debug for AlertsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertsConfig")
            .field("webhook", &self.webhook.as_ref().map(|_| "<redacted>"))
            .field("format", &self.format)
            .field("retries", &self.retries)
            .field("retry_delay_ms", &self.retry_delay_ms)
            .field("spikes", &self.spikes)
            .finish()
    }
}

/// The webhook's body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"text": ..., "spendlens": {the event}}`: Slack reads `text`, other receivers the event.
    #[default]
    Json,
    /// `{"text": ...}` only.
    Slack,
}

/// A dollar amount in the config: a TOML number or a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub Decimal);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Integer(i64),
            Float(f64),
            Text(String),
        }
        let parsed = match Raw::deserialize(deserializer)? {
            Raw::Integer(value) => Some(Decimal::from(value)),
            Raw::Float(value) => value.to_string().parse().ok(),
            Raw::Text(text) => text.trim().trim_start_matches('$').replace(',', "").parse().ok(),
        };
        parsed.map(Amount).ok_or_else(|| serde::de::Error::custom("not a dollar amount"))
    }
}

/// `[[budget]]`: one monthly budget.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    pub team: Option<String>,
    pub feature: Option<String>,
    /// `claude_code`, `api` or `unassigned`.
    pub path: Option<String>,
    pub monthly_usd: Amount,
    /// Percent of the budget at which the soft alert fires (default 80).
    pub soft_pct: Option<Amount>,
    /// Percent at which the hard alert fires (default 100).
    pub hard_pct: Option<Amount>,
}

/// What a budget covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// `team`, `feature` or `path`.
    pub kind: String,
    pub name: String,
}

/// A budget, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub scope: Scope,
    pub path: Option<Path>,
    pub monthly: Money,
    pub soft_pct: Decimal,
    pub hard_pct: Decimal,
}

impl Budget {
    /// The ledger's spend against this budget in `month`: entries starting in it on the budget's
    /// path, its team's engineers on Claude Code, or its feature on the API.
    pub fn spent(&self, entries: &[LedgerEntry], month: Period) -> Money {
        entries
            .iter()
            .filter(|entry| month.contains(entry.start))
            .filter(|entry| match (self.scope.kind.as_str(), &entry.driver) {
                ("path", _) => Some(entry.path) == self.path,
                ("team", Driver::Engineer { team, .. }) => {
                    entry.path == Path::ClaudeCode && team.as_deref().unwrap_or(spendlens_analysis::summary::NO_TEAM) == self.scope.name
                }
                ("feature", Driver::Feature { name }) => entry.path == Path::Api && *name == self.scope.name,
                _ => false,
            })
            .map(|entry| entry.amount)
            .sum()
    }

    /// The soft and hard thresholds: (level, percent, dollars to the cent).
    pub fn thresholds(&self) -> [(&'static str, Decimal, Money); 2] {
        let at = |pct: Decimal| self.monthly.scale(pct / Decimal::ONE_HUNDRED).round_cents();
        [("soft", self.soft_pct, at(self.soft_pct)), ("hard", self.hard_pct, at(self.hard_pct))]
    }
}

fn budgets(config: &[BudgetConfig], file: &std::path::Path) -> Result<Vec<Budget>, AppError> {
    let mut out = Vec::new();
    for (index, budget) in config.iter().enumerate() {
        let fail =
            |detail: String| AppError::Config { path: file.to_path_buf(), detail: format!("[[budget]] number {}: {detail}", index + 1) };
        let (scope, path) = match (&budget.team, &budget.feature, &budget.path) {
            (Some(team), None, None) => (Scope { kind: "team".into(), name: team.clone() }, None),
            (None, Some(feature), None) => (Scope { kind: "feature".into(), name: feature.clone() }, None),
            (None, None, Some(path)) => {
                let parsed: Path = path.parse().map_err(|error| fail(format!("path: {error}")))?;
                (Scope { kind: "path".into(), name: parsed.as_str().to_string() }, Some(parsed))
            }
            _ => return Err(fail("give exactly one of team, feature or path".into())),
        };
        let soft_pct = budget.soft_pct.map_or(Decimal::from(80), |amount| amount.0);
        let hard_pct = budget.hard_pct.map_or(Decimal::ONE_HUNDRED, |amount| amount.0);
        if budget.monthly_usd.0 <= Decimal::ZERO {
            return Err(fail("monthly_usd must be more than zero".into()));
        }
        if soft_pct <= Decimal::ZERO || hard_pct < soft_pct {
            return Err(fail(format!("soft_pct ({soft_pct}) must be above zero and at most hard_pct ({hard_pct})")));
        }
        out.push(Budget { scope, path, monthly: Money::from_decimal(budget.monthly_usd.0), soft_pct, hard_pct });
    }
    Ok(out)
}

/// A budget threshold crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetAlert {
    pub scope: Scope,
    /// `2026-10`.
    pub month: String,
    /// `soft` or `hard`.
    pub level: String,
    pub budget_usd: Money,
    pub threshold_usd: Money,
    pub spent_usd: Money,
}

/// One event an alert check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertEvent {
    /// Stable across checks: `budget:team:platform:2026-10:soft`, `spike:api:feature:doc-search:...`.
    pub id: String,
    /// `budget` or `spike`.
    pub kind: String,
    pub text: String,
    pub budget: Option<BudgetAlert>,
    pub spike: Option<Spike>,
}

/// What became of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Posted now.
    Delivered,
    /// Posted by an earlier check.
    AlreadyDelivered,
    /// Every attempt failed: the next check tries again.
    Failed,
    /// No webhook is configured.
    NotSent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertStatus {
    pub event: AlertEvent,
    pub delivery: Delivery,
    /// Why delivery failed (never the URL).
    pub error: Option<String>,
}

/// `spendlens alerts check`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlertsView {
    /// The month budgets were checked in, if the ledger holds any data.
    pub month: Option<String>,
    pub events: Vec<AlertStatus>,
    pub delivered: usize,
    pub failed: usize,
}

/// `DATA_DIR/alerts-state.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsState {
    delivered: BTreeSet<String>,
}

/// The webhook URL, checked: https, or http to a loopback address. The message never holds it.
fn check_webhook(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "the [alerts] webhook is not a URL".to_string())?;
    let host = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        _ => Err("the [alerts] webhook must be https (or http to a loopback address)".to_string()),
    }
}

/// Posts `body`, retrying transport failures, 429 and 5xx with doubling delays.
fn post(client: &reqwest::blocking::Client, url: &reqwest::Url, body: &[u8], retries: u32, delay: Duration) -> Result<(), String> {
    let mut wait = delay;
    let mut last = String::new();
    for attempt in 0..=retries {
        if attempt > 0 {
            std::thread::sleep(wait);
            wait = wait.saturating_mul(2).min(Duration::from_secs(60));
        }
        match client.post(url.clone()).header("content-type", "application/json").body(body.to_vec()).send() {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => {
                let status = response.status();
                last = format!("the webhook answered {status}");
                if !(status.is_server_error() || status.as_u16() == 429) {
                    return Err(last);
                }
            }
            Err(error) => last = format!("the webhook could not be reached: {}", error.without_url()),
        }
    }
    Err(format!("{last} (after {} attempts)", retries + 1))
}

impl App {
    fn alerts_state_path(&self) -> std::path::PathBuf {
        self.settings.data_dir.join("alerts-state.json")
    }

    fn alerts_state(&self) -> Result<AlertsState, AppError> {
        let path = self.alerts_state_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|error| AppError::Config { path: path.clone(), detail: format!("not an alerts state file: {error}") }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(AlertsState::default()),
            Err(error) => Err(AppError::file("reading", &path, error)),
        }
    }

    /// `config.toml`'s `[[budget]]`s, checked (an error names the file and the budget).
    pub fn budgets(&self) -> Result<Vec<Budget>, AppError> {
        budgets(&self.config()?.budgets, &self.settings.config_path())
    }

    /// Whether `config.toml` asks for any alert (a webhook or a budget).
    pub fn alerts_configured(&self) -> Result<bool, AppError> {
        let config = self.config()?;
        Ok(config.alerts.webhook.is_some() || !config.budgets.is_empty())
    }

    /// The budget and spike events as of the ledger's last day.
    pub fn alert_events(&self) -> Result<(Option<String>, Vec<AlertEvent>), AppError> {
        let config = self.config()?;
        let budgets = budgets(&config.budgets, &self.settings.config_path())?;
        let Some((_, last)) = self.lake()?.usage_span()? else {
            return Ok((None, Vec::new()));
        };
        let month = Period::month_of(last);
        let mut events = Vec::new();
        if !budgets.is_empty() {
            let loaded = self.load_ledger(month)?;
            for budget in &budgets {
                let spent = budget.spent(&loaded.ledger.entries, month);
                for (level, pct, threshold) in budget.thresholds() {
                    if spent < threshold {
                        continue;
                    }
                    let alert = BudgetAlert {
                        scope: budget.scope.clone(),
                        month: month.label(),
                        level: level.to_string(),
                        budget_usd: budget.monthly,
                        threshold_usd: threshold,
                        spent_usd: spent.round_cents(),
                    };
                    let text = format!(
                        "Budget {} for {} {} in {}: spent {} of {} ({}% threshold {} crossed)",
                        level,
                        budget.scope.kind,
                        budget.scope.name,
                        alert.month,
                        alert.spent_usd,
                        budget.monthly,
                        pct.normalize(),
                        threshold
                    );
                    events.push(AlertEvent {
                        id: format!("budget:{}:{}:{}:{}", budget.scope.kind, budget.scope.name, alert.month, level),
                        kind: "budget".into(),
                        text,
                        budget: Some(alert),
                        spike: None,
                    });
                }
            }
        }
        if config.alerts.spikes.unwrap_or(true) {
            let recent = Period::new(last - chrono::Duration::days(SPIKE_ALERT_DAYS - 1), last + chrono::Duration::days(1));
            for spike in self.spikes(recent)?.spikes {
                events.push(AlertEvent {
                    id: spike.event_id(),
                    kind: "spike".into(),
                    text: format!("Spend spike {} to {}: {}", spike.start, spike.end, spike.summary),
                    budget: None,
                    spike: Some(spike),
                });
            }
        }
        Ok((Some(month.label()), events))
    }

    /// Checks budgets and spikes and posts each event not delivered before to the webhook, under
    /// the writer lock (so two checks at once never post one event twice).
    pub fn check_alerts(&self) -> Result<AlertsView, AppError> {
        self.writing(|| self.check_alerts_locked())
    }

    fn check_alerts_locked(&self) -> Result<AlertsView, AppError> {
        let (month, events) = self.alert_events()?;
        let config = &self.config()?.alerts;
        let mut state = self.alerts_state()?;
        let target = match &config.webhook {
            Some(url) => Some(check_webhook(url).map_err(|detail| AppError::Config { path: self.settings.config_path(), detail })?),
            None => None,
        };
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| AppError::invalid(format!("cannot build the webhook client: {}", error.without_url())))?;
        let retries = config.retries.unwrap_or(3);
        let delay = Duration::from_millis(config.retry_delay_ms.unwrap_or(1000));
        let mut view = AlertsView { month, ..AlertsView::default() };
        for event in events {
            let (delivery, error) = match &target {
                _ if state.delivered.contains(&event.id) => (Delivery::AlreadyDelivered, None),
                None => (Delivery::NotSent, None),
                Some(url) => {
                    let body = match config.format {
                        WebhookFormat::Json => serde_json::json!({ "text": event.text, "spendlens": event }),
                        WebhookFormat::Slack => serde_json::json!({ "text": event.text }),
                    };
                    let bytes =
                        serde_json::to_vec(&body).map_err(|error| AppError::invalid(format!("cannot serialise an alert: {error}")))?;
                    match post(&client, url, &bytes, retries, delay) {
                        Ok(()) => {
                            state.delivered.insert(event.id.clone());
                            let bytes = serde_json::to_vec_pretty(&state)
                                .map_err(|error| AppError::invalid(format!("cannot serialise the alerts state: {error}")))?;
                            crate::atomic_write(&self.alerts_state_path(), &bytes)?;
                            view.delivered += 1;
                            (Delivery::Delivered, None)
                        }
                        Err(error) => {
                            view.failed += 1;
                            (Delivery::Failed, Some(error))
                        }
                    }
                }
            };
            view.events.push(AlertStatus { event, delivery, error });
        }
        Ok(view)
    }

    /// After a write (ingest, sync): checks alerts when `config.toml` asks for any, and tells the
    /// face what was posted or what failed. A failure here never fails the write.
    pub(crate) fn alerts_after_write(&self) {
        match self.alerts_configured().and_then(|configured| if configured { self.check_alerts().map(Some) } else { Ok(None) }) {
            Ok(None) => {}
            Ok(Some(view)) => {
                if view.delivered > 0 {
                    (self.notify)(&format!("alerts: posted {} new event(s) to the webhook", view.delivered));
                }
                if view.failed > 0 {
                    (self.notify)(&format!("alerts: {} event(s) could not be posted; the next check retries them", view.failed));
                }
            }
            Err(error) => (self.notify)(&format!("alerts: the check failed: {error}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_must_be_https_or_loopback_and_is_never_echoed() {
        assert!(check_webhook("https://hooks.slack.com/services/T0/B0/secret").is_ok());
        assert!(check_webhook("http://127.0.0.1:9000/hook").is_ok());
        let error = check_webhook("http://hooks.example.com/services/secret-token").unwrap_err();
        assert!(!error.contains("secret-token"), "{error}");
    }

    #[test]
    fn budgets_need_one_scope_and_ordered_thresholds() {
        let file = std::path::Path::new("config.toml");
        let parse = |text: &str| -> Vec<BudgetConfig> {
            #[derive(Deserialize)]
            struct Wrapper {
                budget: Vec<BudgetConfig>,
            }
            toml::from_str::<Wrapper>(text).unwrap().budget
        };
        let good = budgets(&parse("[[budget]]\nteam = \"platform\"\nmonthly_usd = \"1,500.50\"\n"), file).unwrap();
        assert_eq!(good[0].monthly, Money::from_cents(150_050));
        assert_eq!((good[0].soft_pct, good[0].hard_pct), (Decimal::from(80), Decimal::ONE_HUNDRED));
        let both = budgets(&parse("[[budget]]\nteam = \"a\"\nfeature = \"b\"\nmonthly_usd = 1\n"), file).unwrap_err().to_string();
        assert!(both.contains("number 1") && both.contains("exactly one"), "{both}");
        let order = budgets(&parse("[[budget]]\npath = \"api\"\nmonthly_usd = 10\nsoft_pct = 90\nhard_pct = 80\n"), file).unwrap_err();
        assert!(order.to_string().contains("soft_pct"), "{order}");
    }
}

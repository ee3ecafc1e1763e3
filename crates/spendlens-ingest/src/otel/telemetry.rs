//! Claude Code's OpenTelemetry signals turned into spendlens lines. Pure: no clock, no disk.
//!
//! - **Log events** `claude_code.api_request` become one [`UsageLine`] each (source `otel`, path
//!   Claude Code, `requests` 1, the event's `cost_usd` as `reported_cost`). Other events
//!   (`user_prompt`, `tool_result`, `api_error`, `tool_decision`) carry no usage and are ignored.
//! - **Metrics** (counters) `session.count`, `lines_of_code.count`, `commit.count`,
//!   `pull_request.count`, `code_edit_tool.decision` and `active_time.total` become activity
//!   increments per person per UTC day. `token.usage` and `cost.usage` are ignored on purpose: they
//!   are Claude Code's own sums of the very `api_request` events above, so lines made from them
//!   would count every request twice, and they lack the per-request detail (cache split, session,
//!   time) the events have.
//!
//! Attributes are looked up on the record or data point first, then on the resource.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, metric, number_data_point};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use spendlens_model::{Day, Money, Path, Source, TokenCounts, UsageLine};

/// The resource attributes kept per person for later team attribution (`OTEL_RESOURCE_ATTRIBUTES`
/// in Claude Code's managed settings): a team is not a project, so they stay out of the lines.
pub const ATTRIBUTION_KEYS: [&str; 3] = ["team.id", "department", "cost_center"];

/// Resource attributes last seen for one person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenAttributes {
    /// `team.id`, `department`, `cost_center` as sent (only those present).
    pub attributes: BTreeMap<String, String>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// The times telemetry is taken for: Claude Code exports within seconds of the event, so a time
/// far from now is a wrong clock or a crafted request, and is refused (a point from the future
/// would also make [`CounterState::prune`] forget real series, which would then count twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub earliest: DateTime<Utc>,
    pub latest: DateTime<Utc>,
}

impl Window {
    /// From `back` before `now` to `ahead` after it.
    pub fn around(now: DateTime<Utc>, back: chrono::Duration, ahead: chrono::Duration) -> Window {
        Window { earliest: now - back, latest: now + ahead }
    }

    fn check(&self, what: &str, at: DateTime<Utc>) -> Result<(), String> {
        if at < self.earliest || at > self.latest {
            return Err(format!(
                "{what} {} is outside the accepted window {} .. {}",
                at.format("%Y-%m-%dT%H:%M:%SZ"),
                self.earliest.format("%Y-%m-%dT%H:%M:%SZ"),
                self.latest.format("%Y-%m-%dT%H:%M:%SZ")
            ));
        }
        Ok(())
    }
}

/// What one logs request yielded.
#[derive(Debug, Default)]
pub struct Events {
    pub lines: Vec<UsageLine>,
    /// Person (lower-case email) → attribution attributes of the resource their events came from.
    pub attributes: Vec<(String, SeenAttributes)>,
    /// Records that looked like `api_request` events but could not be read, with why.
    pub problems: Vec<String>,
}

/// The `api_request` events of a logs request as usage lines; events timed outside `window` are
/// skipped as problems.
pub fn api_requests(request: &ExportLogsServiceRequest, window: &Window) -> Events {
    let mut events = Events::default();
    for resource_logs in &request.resource_logs {
        let resource: &[KeyValue] = resource_logs.resource.as_ref().map(|resource| resource.attributes.as_slice()).unwrap_or(&[]);
        for scope_logs in &resource_logs.scope_logs {
            for record in &scope_logs.log_records {
                let attributes = Attributes { own: &record.attributes, resource };
                let body = record.body.as_ref().and_then(text);
                let name =
                    Some(record.event_name.clone()).filter(|name| !name.is_empty()).or_else(|| attributes.text("event.name")).or(body);
                if name.as_deref() != Some("claude_code.api_request") && name.as_deref() != Some("api_request") {
                    continue;
                }
                let nanos = [record.time_unix_nano, record.observed_time_unix_nano].into_iter().find(|nanos| *nanos > 0);
                match api_request(&attributes, nanos).and_then(|line| window.check("event time", line.start).map(|()| line)) {
                    Ok(line) => {
                        if let (Some(email), Some(seen)) = (&line.identity.actor_email, attribution(resource, line.start)) {
                            events.attributes.push((email.clone(), seen));
                        }
                        events.lines.push(line);
                    }
                    Err(problem) => events.problems.push(format!("claude_code.api_request skipped: {problem}")),
                }
            }
        }
    }
    events
}

fn api_request(attributes: &Attributes<'_>, nanos: Option<u64>) -> Result<UsageLine, String> {
    let start = match attributes.text("event.timestamp") {
        Some(text) => {
            DateTime::parse_from_rfc3339(&text).map_err(|error| format!("event.timestamp {text:?}: {error}"))?.with_timezone(&Utc)
        }
        None => nanos.map(from_nanos).ok_or("no event.timestamp and no record time")?,
    };
    let model = attributes.text("model").filter(|model| !model.is_empty()).ok_or("no model")?;
    let tokens = TokenCounts {
        input: attributes.count("input_tokens")?,
        // OpenTelemetry does not split cache writes by lifetime; Claude Code writes 5-minute
        // entries unless told otherwise, so they are filed as 5-minute writes.
        cache_write_5m: attributes.count("cache_creation_tokens")?,
        cache_write_1h: 0,
        cache_read: attributes.count("cache_read_tokens")?,
        output: attributes.count("output_tokens")?,
    };
    let cost = match attributes.get("cost_usd") {
        Some(value) => Some(dollars(value).map_err(|error| format!("cost_usd: {error}"))?),
        None => None,
    };
    let mut line = UsageLine::new(start, start, Source::Otel, model);
    line.path = Path::ClaudeCode;
    line.quantities.tokens = tokens;
    line.quantities.requests = Some(1);
    line.reported_cost = cost;
    line.identity.actor_email =
        attributes.text("user.email").map(|email| email.trim().to_ascii_lowercase()).filter(|email| !email.is_empty());
    line.identity.session_id = attributes.text("session.id").filter(|id| !id.is_empty());
    line.identity.request_id = Some(event_key(&line, attributes.text("event.sequence").as_deref()));
    Ok(line)
}

/// The de-duplication key of an `api_request` event, kept as the line's `request_id` (the events
/// carry no Anthropic request id): an exporter's retry resends identical events, and identical
/// keys are stored once, across flushes and restarts alike. Two different requests of one session
/// share a key only if they share the timestamp to the millisecond, the model and all four token
/// counts; `event.sequence`, where Claude Code sends it, separates even those.
pub fn event_key(line: &UsageLine, sequence: Option<&str>) -> String {
    format!(
        "otel:{}|{}|{}|{}|{}/{}/{}/{}",
        line.identity.session_id.as_deref().unwrap_or("-"),
        line.start.format("%Y-%m-%dT%H:%M:%S%.9fZ"),
        sequence.unwrap_or("-"),
        line.model,
        line.quantities.tokens.input,
        line.quantities.tokens.output,
        line.quantities.tokens.cache_read,
        line.quantities.tokens.cache_write_5m,
    )
}

/// An exact dollar amount from an attribute, never through float arithmetic.
///
/// - A string (`"0.0123"`) or an integer is read as the decimal it spells.
/// - A double (what JavaScript's OTLP exporters send for a fractional number) is turned into the
///   shortest decimal text that reads back as the same double (Rust's `Display` for `f64`, the same
///   rule as JavaScript's `Number.prototype.toString`), and that text is parsed as a decimal. So
///   `0.1` arrives as the double nearest 0.1 and is stored as exactly `0.1`, which is what Claude
///   Code wrote, not as `0.1000000000000000055511151231257827`.
///
/// Negative, infinite and NaN values are refused.
pub fn dollars(value: &AnyValue) -> Result<Money, String> {
    let decimal = match &value.value {
        Some(any_value::Value::StringValue(text)) => {
            let text = text.trim();
            Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text)).map_err(|error| format!("{text:?}: {error}"))?
        }
        Some(any_value::Value::IntValue(integer)) => Decimal::from(*integer),
        Some(any_value::Value::DoubleValue(double)) => {
            if !double.is_finite() {
                return Err(format!("{double} is not a number of dollars"));
            }
            let text = double.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&format!("{double:e}")))
                .map_err(|error| format!("{text}: {error}"))?
        }
        other => return Err(format!("{other:?} is not a number")),
    };
    if decimal.is_sign_negative() && !decimal.is_zero() {
        return Err(format!("{decimal} is negative"));
    }
    // Past 10^15 cents is no bill: refused, as a count past 10^15 is (the push reader's bound).
    let most = Money::from_cents_decimal(Decimal::from(crate::wire::MOST_COUNT));
    let money = Money::from_decimal(decimal.normalize());
    if money > most {
        return Err(format!("{decimal} is past {most}"));
    }
    Ok(money)
}

fn attribution(resource: &[KeyValue], seen: DateTime<Utc>) -> Option<SeenAttributes> {
    let attributes: BTreeMap<String, String> = ATTRIBUTION_KEYS
        .iter()
        .filter_map(|key| {
            let value = resource.iter().find(|attribute| attribute.key == *key)?.value.as_ref().and_then(text)?;
            Some((key.to_string(), value))
        })
        .collect();
    (!attributes.is_empty()).then_some(SeenAttributes { attributes, last_seen: Some(seen) })
}

/// A record's or data point's attributes, with its resource's behind them.
struct Attributes<'a> {
    own: &'a [KeyValue],
    resource: &'a [KeyValue],
}

impl Attributes<'_> {
    fn get(&self, key: &str) -> Option<&AnyValue> {
        self.own.iter().chain(self.resource).find(|attribute| attribute.key == key).and_then(|attribute| attribute.value.as_ref())
    }

    fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(text)
    }

    /// A non-negative whole number (a token count): an integer, an integral double or a string.
    fn count(&self, key: &str) -> Result<u64, String> {
        let Some(value) = self.get(key) else { return Ok(0) };
        whole(value)
            .filter(|count| *count <= crate::wire::MOST_COUNT)
            .ok_or_else(|| format!("{key} is not a token count: {:?}", value.value))
    }
}

fn text(value: &AnyValue) -> Option<String> {
    match value.value.as_ref()? {
        any_value::Value::StringValue(text) => Some(text.clone()),
        any_value::Value::IntValue(integer) => Some(integer.to_string()),
        any_value::Value::DoubleValue(double) => Some(double.to_string()),
        any_value::Value::BoolValue(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn whole(value: &AnyValue) -> Option<u64> {
    match value.value.as_ref()? {
        any_value::Value::IntValue(integer) => u64::try_from(*integer).ok(),
        any_value::Value::DoubleValue(double) if double.is_finite() && *double >= 0.0 && double.fract() == 0.0 && *double < 1.8e19 => {
            Some(*double as u64)
        }
        any_value::Value::StringValue(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn from_nanos(nanos: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
}

/// Activity counted for one person (or nobody, when the data carry no `user.email`) on one UTC
/// day, not yet stored. Counts are summed as floats, as the exporters send them (JavaScript
/// counters are doubles), and rounded to whole units when stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityCounts {
    pub terminal_type: Option<String>,
    pub sessions: f64,
    pub lines_added: f64,
    pub lines_removed: f64,
    pub commits: f64,
    pub pull_requests: f64,
    pub tool_accepted: f64,
    pub tool_rejected: f64,
    pub active_seconds: f64,
}

impl ActivityCounts {
    pub fn add(&mut self, other: &ActivityCounts) {
        if other.terminal_type.is_some() {
            self.terminal_type.clone_from(&other.terminal_type);
        }
        self.sessions += other.sessions;
        self.lines_added += other.lines_added;
        self.lines_removed += other.lines_removed;
        self.commits += other.commits;
        self.pull_requests += other.pull_requests;
        self.tool_accepted += other.tool_accepted;
        self.tool_rejected += other.tool_rejected;
        self.active_seconds += other.active_seconds;
    }
}

/// Person (lower-case email, or none) and UTC day.
pub type ActivityKey = (Option<String>, Day);

/// What the counters of earlier requests said, so that cumulative points become increments and
/// resent delta points count once. Persisted by the server between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CounterState {
    /// Cumulative series → the last point seen.
    pub cumulative: HashMap<String, CumulativePoint>,
    /// Delta points already counted (series, start and end time) → their end time, for pruning.
    pub delta_seen: HashMap<String, u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CumulativePoint {
    pub start_nanos: u64,
    pub time_nanos: u64,
    pub value: f64,
}

impl CounterState {
    /// Forgets series and points more than two days older than the newest point seen: exporters
    /// resend a batch within seconds, and a cumulative series quiet for that long has restarted
    /// anyway. Measured against the data, not the clock, so the outcome is reproducible.
    pub fn prune(&mut self) {
        const KEEP_NANOS: u64 = 2 * 24 * 3600 * 1_000_000_000;
        let newest = self.cumulative.values().map(|point| point.time_nanos).chain(self.delta_seen.values().copied()).max().unwrap_or(0);
        let horizon_nanos = newest.saturating_sub(KEEP_NANOS);
        self.cumulative.retain(|_, point| point.time_nanos >= horizon_nanos);
        self.delta_seen.retain(|_, time| *time >= horizon_nanos);
    }
}

/// What one metrics request yielded.
#[derive(Debug, Default)]
pub struct Activity {
    pub counts: BTreeMap<ActivityKey, ActivityCounts>,
    pub attributes: Vec<(String, SeenAttributes)>,
    pub problems: Vec<String>,
}

/// The activity counters of a metrics request as increments, updating `state`.
///
/// Temporality: a delta point is its own increment, counted once per (series, start, end) so a
/// resent batch adds nothing. A cumulative point's increment is its value less the previous value
/// of its series (metric name, point and resource attributes); a series seen for the first time, or
/// whose start time changed, or whose value fell (a restarted process), counts its whole value; a
/// point no later than the last one seen adds nothing. The increment is filed under the UTC day of
/// the point's end time. Points ending outside `window` are skipped as problems, before they touch
/// `state`.
pub fn activity(request: &ExportMetricsServiceRequest, state: &mut CounterState, window: &Window) -> Activity {
    let mut activity = Activity::default();
    for resource_metrics in &request.resource_metrics {
        let resource: &[KeyValue] = resource_metrics.resource.as_ref().map(|resource| resource.attributes.as_slice()).unwrap_or(&[]);
        for scope_metrics in &resource_metrics.scope_metrics {
            for metric in &scope_metrics.metrics {
                let name = metric.name.strip_prefix("claude_code.").unwrap_or(&metric.name);
                if !matches!(
                    name,
                    "session.count"
                        | "lines_of_code.count"
                        | "commit.count"
                        | "pull_request.count"
                        | "code_edit_tool.decision"
                        | "active_time.total"
                ) {
                    continue;
                }
                let Some(metric::Data::Sum(sum)) = &metric.data else {
                    activity.problems.push(format!("{}: not a sum, skipped", metric.name));
                    continue;
                };
                let temporality =
                    AggregationTemporality::try_from(sum.aggregation_temporality).unwrap_or(AggregationTemporality::Unspecified);
                if temporality == AggregationTemporality::Unspecified {
                    activity.problems.push(format!("{}: no aggregation temporality, skipped", metric.name));
                    continue;
                }
                for point in &sum.data_points {
                    let attributes = Attributes { own: &point.attributes, resource };
                    let value = match point.value {
                        Some(number_data_point::Value::AsInt(integer)) => integer as f64,
                        Some(number_data_point::Value::AsDouble(double)) if double.is_finite() => double,
                        _ => continue,
                    };
                    if let Err(problem) = window.check("point time", from_nanos(point.time_unix_nano)) {
                        activity.problems.push(format!("{}: {problem}, skipped", metric.name));
                        continue;
                    }
                    let series = series_key(&metric.name, &point.attributes, resource);
                    let increment = match temporality {
                        AggregationTemporality::Delta => {
                            let seen = format!("{series}@{}-{}", point.start_time_unix_nano, point.time_unix_nano);
                            if state.delta_seen.insert(seen, point.time_unix_nano).is_some() {
                                continue;
                            }
                            value
                        }
                        _ => {
                            let now = CumulativePoint { start_nanos: point.start_time_unix_nano, time_nanos: point.time_unix_nano, value };
                            let increment = match state.cumulative.get(&series) {
                                Some(last) if last.start_nanos == now.start_nanos && now.time_nanos <= last.time_nanos => continue,
                                Some(last) if last.start_nanos == now.start_nanos && now.value >= last.value => now.value - last.value,
                                _ => now.value,
                            };
                            state.cumulative.insert(series, now);
                            increment
                        }
                    };
                    if increment <= 0.0 {
                        continue;
                    }
                    let email =
                        attributes.text("user.email").map(|email| email.trim().to_ascii_lowercase()).filter(|email| !email.is_empty());
                    let day = from_nanos(point.time_unix_nano).date_naive();
                    let counts = activity.counts.entry((email.clone(), day)).or_default();
                    if let Some(terminal) = attributes.text("terminal.type") {
                        counts.terminal_type = Some(terminal);
                    }
                    let kind = attributes.text("type").or_else(|| attributes.text("decision")).unwrap_or_default();
                    match (name, kind.as_str()) {
                        ("session.count", _) => counts.sessions += increment,
                        ("lines_of_code.count", "added") => counts.lines_added += increment,
                        ("lines_of_code.count", "removed") => counts.lines_removed += increment,
                        ("commit.count", _) => counts.commits += increment,
                        ("pull_request.count", _) => counts.pull_requests += increment,
                        ("code_edit_tool.decision", "accept") => counts.tool_accepted += increment,
                        ("code_edit_tool.decision", "reject") => counts.tool_rejected += increment,
                        ("active_time.total", _) => counts.active_seconds += increment,
                        _ => {}
                    }
                    if let (Some(email), Some(seen)) = (email, attribution(resource, from_nanos(point.time_unix_nano))) {
                        activity.attributes.push((email, seen));
                    }
                }
            }
        }
    }
    activity
}

/// The number of data points a metrics request carries (what bounds the activity it can add).
pub fn data_points(request: &ExportMetricsServiceRequest) -> usize {
    let points = |data: &Option<metric::Data>| match data {
        Some(metric::Data::Sum(sum)) => sum.data_points.len(),
        Some(metric::Data::Gauge(gauge)) => gauge.data_points.len(),
        _ => 0,
    };
    request
        .resource_metrics
        .iter()
        .flat_map(|resource| &resource.scope_metrics)
        .flat_map(|scope| &scope.metrics)
        .map(|metric| points(&metric.data))
        .sum()
}

fn series_key(name: &str, own: &[KeyValue], resource: &[KeyValue]) -> String {
    let mut parts: Vec<String> =
        own.iter().map(|attribute| format!("{}={}", attribute.key, attribute.value.as_ref().and_then(text).unwrap_or_default())).collect();
    parts.sort();
    let mut resource_parts: Vec<String> = resource
        .iter()
        .map(|attribute| format!("{}={}", attribute.key, attribute.value.as_ref().and_then(text).unwrap_or_default()))
        .collect();
    resource_parts.sort();
    format!("{name}{{{}}}[{}]", parts.join(","), resource_parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(value: f64) -> AnyValue {
        AnyValue { value: Some(any_value::Value::DoubleValue(value)) }
    }

    #[test]
    fn dollars_are_exact() {
        let rows: [(AnyValue, &str); 5] = [
            (double(0.1), "0.1"),
            (double(0.0123456), "0.0123456"),
            (double(1e-7), "0.0000001"),
            (AnyValue { value: Some(any_value::Value::StringValue("0.30000000000000004".into())) }, "0.30000000000000004"),
            (AnyValue { value: Some(any_value::Value::IntValue(2)) }, "2"),
        ];
        for (value, expected) in rows {
            assert_eq!(dollars(&value).unwrap().to_exact_string(), expected, "{value:?}");
        }
        assert!(dollars(&double(f64::NAN)).is_err());
        assert!(dollars(&double(-1.0)).is_err());
        // Regression (found by the `otlp` fuzz target): an absurd amount is refused, not stored.
        let absurd = AnyValue { value: Some(any_value::Value::StringValue("0000000000000000000014308771156321340985".into())) };
        assert!(dollars(&absurd).unwrap_err().contains("is past"));
        let largest = AnyValue { value: Some(any_value::Value::StringValue("10000000000000".into())) };
        assert_eq!(dollars(&largest).unwrap().to_exact_string(), "10000000000000");
    }

    #[test]
    fn cumulative_series_count_increments() {
        use opentelemetry_proto::tonic::metrics::v1::{Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum};
        let request = |value: i64, time: u64| ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric {
                        name: "claude_code.commit.count".into(),
                        data: Some(metric::Data::Sum(Sum {
                            aggregation_temporality: AggregationTemporality::Cumulative as i32,
                            is_monotonic: true,
                            data_points: vec![NumberDataPoint {
                                attributes: vec![KeyValue {
                                    key: "user.email".into(),
                                    value: Some(AnyValue { value: Some(any_value::Value::StringValue("A@x.io".into())) }),
                                }],
                                start_time_unix_nano: 1_700_000_000_000_000_000,
                                time_unix_nano: time,
                                value: Some(number_data_point::Value::AsInt(value)),
                                ..Default::default()
                            }],
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let mut state = CounterState::default();
        let now = from_nanos(1_700_000_100_000_000_000);
        let window = Window::around(now, chrono::Duration::days(7), chrono::Duration::days(1));
        let commits = |activity: Activity| activity.counts.values().map(|counts| counts.commits).sum::<f64>();
        assert_eq!(commits(activity(&request(3, 1_700_000_060_000_000_000), &mut state, &window)), 3.0);
        assert_eq!(commits(activity(&request(3, 1_700_000_060_000_000_000), &mut state, &window)), 0.0, "a resent point");
        assert_eq!(commits(activity(&request(5, 1_700_000_120_000_000_000), &mut state, &window)), 2.0);
        assert_eq!(commits(activity(&request(1, 1_700_000_180_000_000_000), &mut state, &window)), 1.0, "a reset counter");
    }

    #[test]
    fn regression_a_point_far_from_now_is_refused_and_cannot_make_real_counters_count_twice() {
        use opentelemetry_proto::tonic::metrics::v1::{Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum};
        let request = |name: &str, temporality: AggregationTemporality, value: i64, time: u64| ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric {
                        name: name.into(),
                        data: Some(metric::Data::Sum(Sum {
                            aggregation_temporality: temporality as i32,
                            is_monotonic: true,
                            data_points: vec![NumberDataPoint {
                                start_time_unix_nano: 1_700_000_000_000_000_000,
                                time_unix_nano: time,
                                value: Some(number_data_point::Value::AsInt(value)),
                                ..Default::default()
                            }],
                        })),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let now = from_nanos(1_700_000_100_000_000_000);
        let window = Window::around(now, chrono::Duration::days(7), chrono::Duration::days(1));
        let mut state = CounterState::default();
        let commits = |activity: &Activity| activity.counts.values().map(|counts| counts.commits).sum::<f64>();
        let cumulative = AggregationTemporality::Cumulative;
        assert_eq!(
            commits(&activity(&request("claude_code.commit.count", cumulative, 4, 1_700_000_060_000_000_000), &mut state, &window)),
            4.0
        );
        // A delta point a year ahead: refused, so the prune keeps the real series.
        let year = 365 * 24 * 3600 * 1_000_000_000u64;
        let crafted = activity(
            &request("claude_code.session.count", AggregationTemporality::Delta, 1, 1_700_000_060_000_000_000 + year),
            &mut state,
            &window,
        );
        assert!(crafted.counts.is_empty());
        assert!(crafted.problems[0].contains("outside the accepted window"), "{:?}", crafted.problems);
        state.prune();
        // The real series goes on from 4: one more commit, not five.
        assert_eq!(
            commits(&activity(&request("claude_code.commit.count", cumulative, 5, 1_700_000_120_000_000_000), &mut state, &window)),
            1.0
        );
    }
}

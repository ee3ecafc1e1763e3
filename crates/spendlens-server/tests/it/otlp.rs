//! OTLP/HTTP from the OpenTelemetry SDK's exporters (protobuf and JSON) into the store.

use std::time::{Duration, SystemTime};

use opentelemetry::KeyValue;
use opentelemetry::logs::{LogRecord, Logger, LoggerProvider};
use opentelemetry::metrics::MeterProvider;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue as ProtoKeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric, number_data_point,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use prost::Message;
use spendlens_model::{ActivityLine, Path, Source, UsageLine};

use crate::support::{ALICE, COLLECTOR_TOKEN, TestServer};

fn resource() -> Resource {
    Resource::builder_empty()
        .with_service_name("claude-code")
        .with_attributes([KeyValue::new("team.id", "platform"), KeyValue::new("department", "eng"), KeyValue::new("cost_center", "cc-42")])
        .build()
}

pub fn bearer(token: &str) -> std::collections::HashMap<String, String> {
    [("Authorization".to_string(), format!("Bearer {token}"))].into()
}

fn logger_provider(server: &TestServer, protocol: Protocol) -> SdkLoggerProvider {
    let exporter = opentelemetry_otlp::LogExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .with_endpoint(server.url("/v1/logs"))
        .with_headers(bearer(COLLECTOR_TOKEN))
        .with_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    SdkLoggerProvider::builder().with_resource(resource()).with_simple_exporter(exporter).build()
}

fn meter_provider(server: &TestServer, protocol: Protocol, temporality: Temporality) -> SdkMeterProvider {
    let exporter = opentelemetry_otlp::MetricExporter::builder()
        .with_http()
        .with_protocol(protocol)
        .with_endpoint(server.url("/v1/metrics"))
        .with_headers(bearer(COLLECTOR_TOKEN))
        .with_temporality(temporality)
        .with_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    // A long interval: the test exports with force_flush, so each export is one it chose.
    let reader = PeriodicReader::builder(exporter).with_interval(Duration::from_secs(3600)).build();
    SdkMeterProvider::builder().with_resource(resource()).with_reader(reader).build()
}

/// An `api_request` event as Claude Code emits it: standard attributes plus the request's.
fn emit_api_request(provider: &SdkLoggerProvider, timestamp: &str, cost: f64, output_tokens: i64) {
    let logger = provider.logger("com.anthropic.claude_code.events");
    let mut record = logger.create_log_record();
    record.set_event_name("claude_code.api_request");
    record.set_timestamp(SystemTime::now());
    record.set_body("claude_code.api_request".into());
    record.add_attribute("event.name", "api_request");
    record.add_attribute("event.timestamp", timestamp.to_string());
    record.add_attribute("session.id", "session-1");
    record.add_attribute("user.email", "Alice@Example.com");
    record.add_attribute("user.account_uuid", "acct-1");
    record.add_attribute("organization.id", "org-1");
    record.add_attribute("terminal.type", "vscode");
    record.add_attribute("model", "claude-sonnet-4-5-20250929");
    record.add_attribute("cost_usd", cost);
    record.add_attribute("duration_ms", 1234_i64);
    record.add_attribute("input_tokens", 10_i64);
    record.add_attribute("output_tokens", output_tokens);
    record.add_attribute("cache_read_tokens", 2000_i64);
    record.add_attribute("cache_creation_tokens", 300_i64);
    logger.emit(record);
}

fn emit_prompt(provider: &SdkLoggerProvider) {
    let logger = provider.logger("com.anthropic.claude_code.events");
    let mut record = logger.create_log_record();
    record.set_event_name("claude_code.user_prompt");
    record.add_attribute("user.email", ALICE);
    record.add_attribute("prompt_length", 42_i64);
    logger.emit(record);
}

/// Claude Code's activity counters, once, through the SDK.
fn count_activity(provider: &SdkMeterProvider, commits: u64) {
    let meter = provider.meter("com.anthropic.claude_code");
    let who = [KeyValue::new("user.email", ALICE), KeyValue::new("session.id", "session-1"), KeyValue::new("terminal.type", "vscode")];
    let with = |extra: KeyValue| -> Vec<KeyValue> { who.iter().cloned().chain([extra]).collect() };
    meter.u64_counter("claude_code.session.count").build().add(1, &who);
    let lines = meter.u64_counter("claude_code.lines_of_code.count").build();
    lines.add(10, &with(KeyValue::new("type", "added")));
    lines.add(3, &with(KeyValue::new("type", "removed")));
    meter.u64_counter("claude_code.commit.count").build().add(commits, &who);
    meter.u64_counter("claude_code.pull_request.count").build().add(1, &who);
    let decisions = meter.u64_counter("claude_code.code_edit_tool.decision").build();
    decisions.add(4, &with(KeyValue::new("decision", "accept")));
    decisions.add(1, &with(KeyValue::new("decision", "reject")));
    meter.f64_counter("claude_code.active_time.total").build().add(12.4, &who);
    // Duplicates of the api_request events: must not become usage lines.
    meter.f64_counter("claude_code.cost.usage").build().add(0.5, &with(KeyValue::new("model", "claude-sonnet-4-5")));
    meter.u64_counter("claude_code.token.usage").build().add(100, &with(KeyValue::new("type", "input")));
}

fn otel_usage(server: &TestServer) -> Vec<UsageLine> {
    let mut lines = server.store.usage_lines_of(Source::Otel, None).unwrap();
    lines.sort_by_key(|line| line.start);
    lines
}

fn otel_activity(server: &TestServer) -> Vec<ActivityLine> {
    server.store.activity(None).unwrap().into_iter().filter(|line| line.source == Source::Otel).collect()
}

fn assert_usage(lines: &[UsageLine]) {
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let costs: Vec<String> = lines.iter().map(|line| line.reported_cost.unwrap().to_exact_string()).collect();
    assert_eq!(costs, ["0.0123", "0.1"]);
    for line in lines {
        assert_eq!(line.source, Source::Otel);
        assert_eq!(line.path, Path::ClaudeCode);
        assert_eq!(line.quantities.requests, Some(1));
        assert_eq!(line.model, "claude-sonnet-4-5-20250929");
        assert_eq!(line.identity.actor_email.as_deref(), Some(ALICE));
        assert_eq!(line.identity.session_id.as_deref(), Some("session-1"));
        assert_eq!(line.identity.project, None);
        assert_eq!(
            (line.quantities.tokens.input, line.quantities.tokens.cache_read, line.quantities.tokens.cache_write_5m),
            (10, 2000, 300)
        );
    }
    assert_eq!(lines[0].start.to_rfc3339(), "2026-11-20T10:00:00+00:00");
    assert_eq!(lines[1].quantities.tokens.output, 700);
}

fn assert_activity(lines: &[ActivityLine], commits: u64) {
    let mine: Vec<&ActivityLine> = lines.iter().filter(|line| line.actor_email.as_deref() == Some(ALICE)).collect();
    assert_eq!(mine.len(), lines.len(), "every point names alice: {lines:#?}");
    let sum = |field: fn(&ActivityLine) -> u64| mine.iter().map(|line| field(line)).sum::<u64>();
    assert_eq!(sum(|line| line.sessions), 1);
    assert_eq!(sum(|line| line.lines_added), 10);
    assert_eq!(sum(|line| line.lines_removed), 3);
    assert_eq!(sum(|line| line.commits), commits);
    assert_eq!(sum(|line| line.pull_requests), 1);
    assert_eq!(sum(|line| line.tool_accepted), 4);
    assert_eq!(sum(|line| line.tool_rejected), 1);
    assert_eq!(sum(|line| line.active_seconds.unwrap_or(0)), 12);
    assert!(mine.iter().all(|line| line.terminal_type.as_deref() == Some("vscode")));
}

fn send_telemetry(server: &TestServer, protocol: Protocol, temporality: Temporality) {
    let logs = logger_provider(server, protocol);
    emit_api_request(&logs, "2026-11-20T10:00:00.000Z", 0.0123, 500);
    emit_api_request(&logs, "2026-11-20T10:05:00.000Z", 0.1, 700);
    emit_prompt(&logs);
    logs.force_flush().unwrap();
    logs.shutdown().unwrap();

    let metrics = meter_provider(server, protocol, temporality);
    count_activity(&metrics, 2);
    metrics.force_flush().unwrap();
    // A second export of the same counters: one more commit (delta: 1; cumulative: 3 after 2).
    metrics
        .meter("com.anthropic.claude_code")
        .u64_counter("claude_code.commit.count")
        .build()
        .add(1, &[KeyValue::new("user.email", ALICE), KeyValue::new("session.id", "session-1"), KeyValue::new("terminal.type", "vscode")]);
    metrics.force_flush().unwrap();
    metrics.shutdown().unwrap();
}

#[test]
fn sdk_protobuf_logs_and_delta_metrics_become_usage_and_activity_lines() {
    let mut server = TestServer::start();
    send_telemetry(&server, Protocol::HttpBinary, Temporality::Delta);
    let flushed = server.flush();
    assert_eq!(flushed.usage_lines, 2);
    assert_usage(&otel_usage(&server));
    assert_activity(&otel_activity(&server), 3);
    let attributes: serde_json::Value =
        serde_json::from_slice(&std::fs::read(server.data.path().join("otel-attributes.json")).unwrap()).unwrap();
    assert_eq!(attributes[ALICE]["attributes"]["team.id"], "platform");
    assert_eq!(attributes[ALICE]["attributes"]["cost_center"], "cc-42");
    server.stop();
}

#[test]
fn sdk_json_logs_and_cumulative_metrics_become_the_same_lines() {
    let mut server = TestServer::start();
    send_telemetry(&server, Protocol::HttpJson, Temporality::Cumulative);
    // Stopping flushes what is buffered.
    server.stop();
    assert_usage(&otel_usage(&server));
    assert_activity(&otel_activity(&server), 3);
}

#[test]
fn a_resent_batch_is_counted_once_across_flushes() {
    let mut server = TestServer::start();
    // The same events twice before a flush and once more after it (an exporter's retries).
    for _ in 0..2 {
        let logs = logger_provider(&server, Protocol::HttpBinary);
        emit_api_request(&logs, "2026-11-20T10:00:00.000Z", 0.0123, 500);
        logs.shutdown().unwrap();
    }
    assert_eq!(server.flush().usage_lines, 1);
    let logs = logger_provider(&server, Protocol::HttpJson);
    emit_api_request(&logs, "2026-11-20T10:00:00.000Z", 0.0123, 500);
    logs.shutdown().unwrap();
    assert_eq!(server.flush().usage_lines, 0);
    assert_eq!(otel_usage(&server).len(), 1);

    // A delta metrics batch posted twice, with a flush between.
    let body = delta_commits(2).encode_to_vec();
    let client = reqwest::blocking::Client::new();
    for _ in 0..2 {
        let response = client
            .post(server.url("/v1/metrics"))
            .bearer_auth(COLLECTOR_TOKEN)
            .header("content-type", "application/x-protobuf")
            .body(body.clone())
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/x-protobuf");
        server.flush();
    }
    let commits: u64 = otel_activity(&server).iter().map(|line| line.commits).sum();
    assert_eq!(commits, 2);
    server.stop();
}

#[test]
fn a_malformed_body_gets_400_and_stores_nothing() {
    let mut server = TestServer::start();
    let client = reqwest::blocking::Client::new();
    let post = |path: &str, content_type: &str, body: &[u8]| {
        client
            .post(server.url(path))
            .bearer_auth(COLLECTOR_TOKEN)
            .header("content-type", content_type)
            .body(body.to_vec())
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(post("/v1/logs", "application/x-protobuf", &[0xff, 0xff, 0xff, 0xff]), 400);
    assert_eq!(post("/v1/metrics", "application/x-protobuf", &[0x0a, 0x05, 0x01]), 400);
    assert_eq!(post("/v1/logs", "application/json", b"{\"resourceLogs\": [ {"), 400);
    assert_eq!(post("/v1/metrics", "application/json", b"{\"resourceMetrics\": 7}"), 400);
    assert_eq!(post("/v1/logs", "text/plain", b"{}"), 415);
    assert_eq!(post("/v1/logs", "application/json", b"{}"), 200);
    server.stop();
    assert!(otel_usage(&server).is_empty());
    assert!(otel_activity(&server).is_empty());
}

pub fn delta_commits(count: i64) -> ExportMetricsServiceRequest {
    let text = |key: &str, value: &str| ProtoKeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }),
    };
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "claude_code.commit.count".into(),
                    data: Some(metric::Data::Sum(Sum {
                        aggregation_temporality: AggregationTemporality::Delta as i32,
                        is_monotonic: true,
                        data_points: vec![NumberDataPoint {
                            attributes: vec![text("user.email", ALICE), text("session.id", "session-9")],
                            // 2026-11-20T10:00Z and a minute later.
                            start_time_unix_nano: 1_795_168_800_000_000_000,
                            time_unix_nano: 1_795_168_860_000_000_000,
                            value: Some(number_data_point::Value::AsInt(count)),
                            ..Default::default()
                        }],
                    })),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

//! No one let in: every writing route wants a token before it reads a byte of the body, a person's
//! token speaks only for that person, bodies and buffers are bounded, telemetry timed far from now
//! is refused, and a server-side failure is logged with its cause.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use prost::Message;
use spendlens_model::Source;
use spendlens_server::{PushClient, ServerError, Token};

use crate::otlp::delta_commits;
use crate::support::{ALICE, BOB, BOB_TOKEN, COLLECTOR_TOKEN, TestServer, now};

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }) }
}

fn integer(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::IntValue(value)) }) }
}

/// One `api_request` event naming `email`, at `timestamp`, with `output` output tokens.
fn api_request(email: &str, timestamp: &str, output: i64) -> Vec<u8> {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    event_name: "claude_code.api_request".into(),
                    attributes: vec![
                        text("event.timestamp", timestamp),
                        text("user.email", email),
                        text("session.id", "session-s"),
                        text("model", "claude-sonnet-4-5"),
                        integer("input_tokens", 10),
                        integer("output_tokens", output),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
    .encode_to_vec()
}

fn post(server: &TestServer, path: &str, token: Option<&str>, body: Vec<u8>) -> reqwest::blocking::Response {
    let mut request = reqwest::blocking::Client::new().post(server.url(path)).header("content-type", "application/x-protobuf").body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().unwrap()
}

fn people(server: &TestServer) -> Vec<Option<String>> {
    let mut emails: Vec<Option<String>> =
        server.store.usage_lines_of(Source::Otel, None).unwrap().into_iter().map(|line| line.identity.actor_email).collect();
    emails.sort();
    emails
}

#[test]
fn regression_otlp_without_a_token_is_refused_and_stores_nothing() {
    let mut server = TestServer::start();
    for path in ["/v1/logs", "/v1/metrics"] {
        let body = if path == "/v1/logs" { api_request(ALICE, "2026-11-20T10:00:00Z", 5) } else { delta_commits(3).encode_to_vec() };
        assert_eq!(post(&server, path, None, body.clone()).status(), 401, "{path} without a token");
        assert_eq!(post(&server, path, Some("not-a-token-anyone-holds"), body).status(), 401, "{path} with an unknown token");
    }
    server.stop();
    assert!(people(&server).is_empty());
    assert!(server.store.activity(None).unwrap().is_empty());
}

#[test]
fn regression_a_persons_token_speaks_only_for_that_person() {
    let mut server = TestServer::start();
    // Bob's own token, with events that claim to be Alice's and a stranger's: both are Bob's.
    assert_eq!(post(&server, "/v1/logs", Some(BOB_TOKEN), api_request(ALICE, "2026-11-20T10:00:00Z", 5)).status(), 200);
    assert_eq!(post(&server, "/v1/logs", Some(BOB_TOKEN), api_request("invented@evil.example", "2026-11-20T10:01:00Z", 6)).status(), 200);
    assert_eq!(post(&server, "/v1/metrics", Some(BOB_TOKEN), delta_commits(3).encode_to_vec()).status(), 200);
    // The team collector's token carries whose it is.
    assert_eq!(post(&server, "/v1/logs", Some(COLLECTOR_TOKEN), api_request(ALICE, "2026-11-20T10:02:00Z", 7)).status(), 200);
    server.flush();
    assert_eq!(people(&server), [Some(ALICE.to_string()), Some(BOB.to_string()), Some(BOB.to_string())]);
    let activity = server.store.activity(None).unwrap();
    assert_eq!(activity.iter().map(|line| (line.actor_email.clone(), line.commits)).collect::<Vec<_>>(), [(Some(BOB.to_string()), 3)]);
    // A collector token cannot push lines.
    let collector = PushClient::new(&server.url(""), Token::new(COLLECTOR_TOKEN)).unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:30:00Z").unwrap().with_timezone(&chrono::Utc);
    let refused = collector.push(ALICE, &[spendlens_model::UsageLine::new(at, at, Source::Transcript, "claude-sonnet-4-5")]);
    assert!(matches!(refused, Err(ServerError::PushRefused { status: 403, .. })), "{refused:?}");
    server.stop();
}

/// Sends raw request `head` and returns the status line the server answers within five seconds.
fn status_line(server: &TestServer, head: &str) -> String {
    let mut stream = TcpStream::connect(server.address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = [0u8; 256];
    let read = stream.read(&mut answer).unwrap_or(0);
    String::from_utf8_lossy(&answer[..read]).lines().next().unwrap_or("no answer within five seconds").to_string()
}

#[test]
fn regression_the_token_is_checked_and_the_size_refused_before_the_body_is_read() {
    let mut server = TestServer::start();
    // A body announced at 100 MB, of which nothing is sent: an answer can only come before reading.
    for path in ["/v1/logs", "/v1/metrics", "/v1/push"] {
        let head = |token: &str| {
            format!("POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000000\r\n{token}\r\n")
        };
        assert!(status_line(&server, &head("")).starts_with("HTTP/1.1 401"), "{path}: no token");
        let with_token = format!("Authorization: Bearer {COLLECTOR_TOKEN}\r\n");
        let answer = status_line(&server, &head(&with_token));
        let expected = if path == "/v1/push" { "HTTP/1.1 403" } else { "HTTP/1.1 413" };
        assert!(answer.starts_with(expected), "{path}: {answer}");
    }
    let bob = format!("Authorization: Bearer {BOB_TOKEN}\r\n");
    let answer = status_line(
        &server,
        &format!("POST /v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n{bob}\r\n"),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "push: {answer}");

    // A streamed body with no declared length is cut off at the limit too.
    let big = std::iter::repeat_n(std::io::Cursor::new(vec![0u8; 1 << 20]), 10)
        .fold(Box::new(std::io::empty()) as Box<dyn Read + Send>, |chain, chunk| Box::new(chain.chain(chunk)) as Box<dyn Read + Send>);
    let response = reqwest::blocking::Client::new()
        .post(server.url("/v1/logs"))
        .bearer_auth(COLLECTOR_TOKEN)
        .header("content-type", "application/x-protobuf")
        .body(reqwest::blocking::Body::new(big))
        .send();
    // The server may answer 413 and close before the client has sent everything.
    if let Ok(response) = response {
        assert_eq!(response.status(), 413);
    }
    server.stop();
    assert!(people(&server).is_empty());
}

#[test]
fn regression_telemetry_timed_far_from_now_is_refused() {
    let mut server = TestServer::start_with(|settings| {
        settings.clock = std::sync::Arc::new(now);
        settings.accept_back = chrono::Duration::days(7);
        settings.accept_ahead = chrono::Duration::days(1);
    });
    for (timestamp, output) in
        [("2026-11-20T10:00:00Z", 5), ("2020-01-01T00:00:00Z", 6), ("2027-06-01T00:00:00Z", 7), ("2026-11-12T00:00:00Z", 8)]
    {
        assert_eq!(post(&server, "/v1/logs", Some(COLLECTOR_TOKEN), api_request(ALICE, timestamp, output)).status(), 200);
    }
    server.flush();
    let kept: Vec<u64> =
        server.store.usage_lines_of(Source::Otel, None).unwrap().iter().map(|line| line.quantities.tokens.output).collect();
    assert_eq!(kept, [5], "only the recent event is kept");
    let notices = server.notices.lock().unwrap().clone();
    assert_eq!(notices.iter().filter(|notice| notice.contains("outside the accepted window")).count(), 3, "{notices:?}");
    server.stop();
}

#[test]
fn regression_the_buffer_and_the_requests_at_once_are_bounded() {
    let mut server = TestServer::start_with(|settings| {
        settings.limits = spendlens_server::pending::Limits { lines: 2, keys: 2 };
        settings.max_requests = 1;
    });
    for (minute, expected) in [(0, 200), (1, 200), (2, 503)] {
        let response = post(&server, "/v1/logs", Some(COLLECTOR_TOKEN), api_request(ALICE, &format!("2026-11-20T10:0{minute}:00Z"), 5));
        assert_eq!(response.status(), expected, "event {minute}");
        if expected == 503 {
            assert_eq!(response.headers()["retry-after"], "2");
        }
    }
    // A flush makes room: the exporter's retry goes through.
    server.flush();
    assert_eq!(post(&server, "/v1/logs", Some(COLLECTOR_TOKEN), api_request(ALICE, "2026-11-20T10:02:00Z", 5)).status(), 200);

    // One request held open (its body never comes) takes the only slot: the next one is turned away.
    let mut held = TcpStream::connect(server.address).unwrap();
    held.write_all(
        format!("POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\nAuthorization: Bearer {COLLECTOR_TOKEN}\r\n\r\n")
            .as_bytes(),
    )
    .unwrap();
    let mut busy = 0;
    for _ in 0..50 {
        let status = post(&server, "/v1/logs", Some(COLLECTOR_TOKEN), api_request(ALICE, "2026-11-20T10:03:00Z", 5)).status();
        if status == 503 {
            busy += 1;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(busy, 1, "a second request at once is turned away");
    drop(held);
    server.stop();
}

#[test]
fn regression_a_server_side_failure_is_logged_with_its_cause() {
    let mut server = TestServer::start();
    // A file where the push's partition directory must go: the store write fails.
    let blocked = server.data.path().join("lake").join("usage").join("source=transcript");
    std::fs::create_dir_all(blocked.parent().unwrap()).unwrap();
    std::fs::write(&blocked, b"not a directory").unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:30:00Z").unwrap().with_timezone(&chrono::Utc);
    let mut line = spendlens_model::UsageLine::new(at, at, Source::Transcript, "claude-sonnet-4-5");
    line.identity.request_id = Some("req_1".into());
    let bob = PushClient::new(&server.url(""), Token::new(BOB_TOKEN)).unwrap();
    let refused = bob.push(BOB, &[line]);
    let Err(ServerError::PushRefused { status: 500, body, .. }) = refused else { panic!("{refused:?}") };
    assert_eq!(body, "internal error", "the caller learns nothing of the machine");
    let notices = server.notices.lock().unwrap().clone();
    let logged = notices.iter().find(|notice| notice.starts_with("POST /v1/push failed (500): ")).expect("the 500 is logged");
    assert!(logged.contains("source=transcript"), "with its cause: {logged}");
    server.stop();
}

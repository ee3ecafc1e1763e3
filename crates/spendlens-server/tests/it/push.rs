//! Team push: tokens, ownership, and merging repeated and overlapping pushes.

use chrono::{TimeZone, Utc};
use spendlens_model::{Path, Source, UsageLine};
use spendlens_server::{PushClient, PushReply, ServerError, Token};

use crate::support::{ALICE, ALICE_TOKEN, BOB, BOB_TOKEN, TestServer, files_under};

fn transcript_line(request_id: &str, day: u32, output: u64) -> UsageLine {
    let at = Utc.with_ymd_and_hms(2026, 11, day, 9, 30, 0).unwrap();
    let mut line = UsageLine::new(at, at, Source::Transcript, "claude-opus-4-1-20250805");
    line.path = Path::ClaudeCode;
    line.identity.actor_email = Some(ALICE.into());
    line.identity.session_id = Some("session-a".into());
    line.identity.request_id = Some(request_id.into());
    line.quantities.tokens.input = 100;
    line.quantities.tokens.output = output;
    line.quantities.requests = Some(1);
    line
}

fn stored(server: &TestServer) -> Vec<UsageLine> {
    let mut lines = server.store.usage_lines_of(Source::Transcript, None).unwrap();
    lines.sort_by(|a, b| a.identity.request_id.cmp(&b.identity.request_id));
    lines
}

#[test]
fn overlapping_pushes_count_each_request_once() {
    let mut server = TestServer::start();
    let client = PushClient::new(&server.url(""), Token::new(ALICE_TOKEN)).unwrap();
    let first = client.push(ALICE, &[transcript_line("req_1", 20, 50), transcript_line("req_2", 21, 60)]).unwrap();
    assert_eq!(first, PushReply { accepted: 2, duplicates: 0 });
    // From a second machine: req_2 again, further streamed (more output), and a new req_3.
    let second = client
        .push(ALICE, &[transcript_line("req_1", 20, 50), transcript_line("req_2", 21, 80), transcript_line("req_3", 21, 10)])
        .unwrap();
    assert_eq!(second, PushReply { accepted: 2, duplicates: 1 });
    let again = client.push(ALICE, &[transcript_line("req_2", 21, 60), transcript_line("req_3", 21, 10)]).unwrap();
    assert_eq!(again, PushReply { accepted: 0, duplicates: 2 });

    let lines = stored(&server);
    let ids: Vec<&str> = lines.iter().map(|line| line.identity.request_id.as_deref().unwrap()).collect();
    assert_eq!(ids, ["req_1", "req_2", "req_3"]);
    assert_eq!(lines.iter().map(|line| line.quantities.tokens.output).collect::<Vec<_>>(), [50, 80, 10]);
    assert!(lines.iter().all(|line| line.identity.actor_email.as_deref() == Some(ALICE)));
    server.stop();
}

#[test]
fn a_wrong_token_gets_401_and_another_persons_lines_get_403() {
    let mut server = TestServer::start();
    let wrong = PushClient::new(&server.url(""), Token::new("not-a-real-token-at-all")).unwrap();
    let refused = wrong.push(ALICE, &[transcript_line("req_1", 20, 50)]);
    assert!(matches!(refused, Err(ServerError::PushRefused { status: 401, .. })), "{refused:?}");

    // Bob's token may not push as Alice, nor push lines that name Alice under his own email.
    let bob = PushClient::new(&server.url(""), Token::new(BOB_TOKEN)).unwrap();
    let as_alice = bob.push(ALICE, &[transcript_line("req_1", 20, 50)]);
    assert!(matches!(as_alice, Err(ServerError::PushRefused { status: 403, .. })), "{as_alice:?}");
    let alices_lines = bob.push(BOB, &[transcript_line("req_1", 20, 50)]);
    assert!(matches!(alices_lines, Err(ServerError::PushRefused { status: 403, .. })), "{alices_lines:?}");

    // A bare request without a token at all.
    let status = reqwest::blocking::Client::new()
        .post(server.url("/v1/push"))
        .json(&serde_json::json!({"email": ALICE, "lines": []}))
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 401);
    server.stop();
    assert!(stored(&server).is_empty());
}

#[test]
fn tokens_are_never_logged_or_stored() {
    let mut server = TestServer::start();
    let alice = PushClient::new(&server.url(""), Token::new(ALICE_TOKEN)).unwrap();
    alice.push(ALICE, &[transcript_line("req_1", 20, 50)]).unwrap();
    let _ = PushClient::new(&server.url(""), Token::new(BOB_TOKEN)).unwrap().push(ALICE, &[transcript_line("req_9", 20, 5)]);
    let _ =
        PushClient::new(&server.url(""), Token::new("wrong-token-wrong-token")).unwrap().push(ALICE, &[transcript_line("req_8", 20, 5)]);
    server.stop();
    assert!(format!("{alice:?}").contains("<redacted>"));
    for token in [ALICE_TOKEN, BOB_TOKEN, "wrong-token-wrong-token"] {
        for notice in server.notices.lock().unwrap().iter() {
            assert!(!notice.contains(token), "a notice shows a token: {notice}");
        }
        for (path, bytes) in files_under(server.data.path()) {
            let found = bytes.windows(token.len()).any(|window| window == token.as_bytes());
            assert!(!found, "{} holds a token", path.display());
        }
    }
}

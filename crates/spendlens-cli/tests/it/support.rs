//! Running the binary and making small demo inputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn spendlens(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SPENDLENS_PRICES")
        .env_remove("SPENDLENS_DATA_DIR")
        .output()
        .expect("the spendlens binary runs")
}

/// Runs and insists on success; returns stdout.
pub fn ok(data_dir: &Path, args: &[&str]) -> String {
    let output = spendlens(data_dir, args);
    assert!(output.status.success(), "spendlens {args:?} failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 output")
}

pub fn json(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(data_dir, args)).expect("valid JSON")
}

/// A small demo organisation's source files (not ingested), under `dir/sources`.
pub fn small_demo_sources(dir: &Path) -> PathBuf {
    let sources = dir.join("sources");
    let scratch = dir.join("scratch-data");
    ok(&scratch, &["demo", "--engineers", "16", "--days", "45", "--end", "2026-10-31", "--no-ingest", "--out", sources.to_str().unwrap()]);
    sources
}

/// Every file directly in `dir` with the given extension, sorted.
pub fn files_in(dir: &Path, extension: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == extension))
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

// Processes that never outlive a test, and a `spendlens serve` with a team's traffic (the crash
// loop and the concurrency test).

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The binary on `data_dir`, not yet started, without the caller's spendlens environment.
pub fn spendlens_command(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spendlens"));
    command.arg("--data-dir").arg(data_dir).env_remove("SPENDLENS_PRICES").env_remove("SPENDLENS_DATA_DIR");
    command
}

/// What `status --json` says the ledger holds, without the `data_dir` it names.
pub fn ledger(data_dir: &Path) -> serde_json::Value {
    let mut status = json(data_dir, &["status", "--json"]);
    status.as_object_mut().expect("status is an object").remove("data_dir");
    // The small demo's span, from the day rollups (their summaries, or the lines where a summary
    // is not current): a crash between a usage file and its summary must not change it.
    let report = json(data_dir, &["report", "--since", "2026-09-17", "--until", "2026-10-31", "--json"]);
    serde_json::json!({"status": status, "report": report})
}

/// `ingest admin-usage` arguments for every usage page of a demo.
pub fn admin_usage_ingest(sources: &Path) -> Vec<String> {
    let mut args = vec!["ingest".to_string(), "admin-usage".to_string()];
    args.extend(files_in(&sources.join("admin/usage_report_messages"), "json"));
    args
}

/// `ingest transcripts` arguments for one person's transcript tree in a demo.
pub fn transcripts_ingest(sources: &Path, email: &str) -> Vec<String> {
    let root = sources.join("transcripts").join(email);
    ["ingest", "transcripts", "--email", email, root.to_str().unwrap()].map(String::from).to_vec()
}

/// The people a demo wrote transcript trees for, sorted.
pub fn transcript_people(sources: &Path) -> Vec<String> {
    let mut people: Vec<String> = std::fs::read_dir(sources.join("transcripts"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    people.sort();
    people
}

/// Files under `dir`, at any depth, that a write left behind under a temporary name.
pub fn temporaries_under(dir: &Path) -> Vec<PathBuf> {
    files_under(dir, |path| path.file_name().is_some_and(|name| name.to_string_lossy().contains(".tmp-")))
}

/// Every file under `dir` (at any depth) that `keep` takes; none when `dir` is missing.
pub fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if keep(&path) {
                found.push(path);
            }
        }
    }
    found
}

/// A child process, killed (SIGKILL) and reaped when dropped: a failing test leaves none behind.
pub struct Reaped(pub Child);

impl Reaped {
    pub fn spawn(command: &mut Command) -> Reaped {
        Reaped(command.spawn().expect("the spendlens binary starts"))
    }

    /// Kills it now with SIGKILL and reaps it: `None` when the kill landed while it ran, else how it
    /// had ended on its own.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        let _ = self.0.kill();
        let status = self.0.wait().expect("the child is reaped");
        (status.signal() != Some(9)).then_some(status)
    }

    /// Its exit status, waiting at most `limit` (past that it is killed and the test fails).
    pub fn wait_at_most(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().expect("the child can be waited for") {
                return status;
            }
            if Instant::now() > deadline {
                self.kill();
                panic!("process {} still ran after {limit:?}", self.0.id());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `spendlens serve --listen 127.0.0.1:0 --flush-seconds 1`, its stderr kept.
pub struct Served {
    process: Reaped,
    pub url: String,
    /// When it said it was listening.
    pub ready: Instant,
    log: Arc<Mutex<String>>,
}

impl Served {
    pub fn start(data_dir: &Path) -> Served {
        let mut command = spendlens_command(data_dir);
        command.args(["serve", "--listen", "127.0.0.1:0", "--flush-seconds", "1"]).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut process = Reaped::spawn(&mut command);
        let stderr = process.0.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (address, listening) = mpsc::channel();
        let kept = Arc::clone(&log);
        // Drains stderr for the server's whole life (a full pipe would stall it).
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("spendlens serve: listening on ") {
                    let _ = address.send(url.trim().to_string());
                }
                let mut log = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        match listening.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => Served { process, url, ready: Instant::now(), log },
            Err(_) => panic!("spendlens serve did not start:\n{}", log.lock().unwrap()),
        }
    }

    /// What it wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// `kill -9`; true when it was still running.
    pub fn kill(mut self) -> bool {
        self.process.kill().is_none()
    }

    /// SIGTERM, then a clean exit within 30 s: what was buffered is stored.
    pub fn stop(mut self) {
        let signalled = Command::new("kill").args(["-TERM", &self.process.0.id().to_string()]).status().expect("kill runs");
        assert!(signalled.success(), "kill -TERM failed");
        let status = self.process.wait_at_most(Duration::from_secs(30));
        assert!(status.success(), "spendlens serve exited with {status}:\n{}", self.log());
    }
}

/// A team's traffic for a `spendlens serve`: two people push the transcript lines a laptop holds
/// for them, and `claude_code.api_request` events arrive with a person's token (theirs, whatever
/// `user.email` says), with a collector's naming the person, with a collector's naming no one, and
/// once more as an exporter's retry. Built once, so every server is sent the very same events.
pub struct TeamTraffic {
    pub laptop: PathBuf,
    /// (email, push token) of the two people.
    pub people: Vec<(String, String)>,
    /// (bearer token, OTLP/JSON logs body), in sending order.
    pub telemetry: Vec<(String, String)>,
    /// Distinct events among `telemetry`.
    pub events: usize,
}

const COLLECTOR_TOKEN: &str = "team-collector-token-7f3a91";

impl TeamTraffic {
    /// Ingests the transcripts of `people` (two) into `dir/laptop`.
    pub fn new(dir: &Path, sources: &Path, people: &[String]) -> TeamTraffic {
        let laptop = dir.join("laptop");
        for email in people {
            let args = transcripts_ingest(sources, email);
            ok(&laptop, &args.iter().map(String::as_str).collect::<Vec<_>>());
        }
        let people: Vec<(String, String)> =
            people.iter().enumerate().map(|(index, email)| (email.clone(), format!("person-{index}-push-token-5c2e8d"))).collect();
        // Inside the server's window (the last seven days), fixed now for every server to come.
        let start = chrono::Utc::now() - chrono::Duration::hours(3);
        let record = |email: Option<&str>, session: String, index: i64| {
            let time = (start + chrono::Duration::milliseconds(index * 7_013)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let model = if index % 3 == 0 { "claude-haiku-4-5-20251001" } else { "claude-sonnet-4-5-20250929" };
            let mut attributes = vec![
                serde_json::json!({"key": "event.timestamp", "value": {"stringValue": time}}),
                serde_json::json!({"key": "session.id", "value": {"stringValue": session}}),
                serde_json::json!({"key": "model", "value": {"stringValue": model}}),
                serde_json::json!({"key": "input_tokens", "value": {"intValue": (100 + index).to_string()}}),
                serde_json::json!({"key": "output_tokens", "value": {"intValue": (10 + index % 7).to_string()}}),
                serde_json::json!({"key": "cache_read_tokens", "value": {"intValue": (index * 31).to_string()}}),
            ];
            if let Some(email) = email {
                attributes.push(serde_json::json!({"key": "user.email", "value": {"stringValue": email}}));
            }
            serde_json::json!({"eventName": "claude_code.api_request", "attributes": attributes})
        };
        let body =
            |records: Vec<serde_json::Value>| serde_json::json!({"resourceLogs": [{"scopeLogs": [{"logRecords": records}]}]}).to_string();
        let own = body((0..40).map(|index| record(Some("someone.else@x.example"), format!("laptop-{}", index % 3), index)).collect());
        let named = people[1].0.to_uppercase();
        let collected = body((40..80).map(|index| record(Some(&named), format!("desk-{}", index % 2), index)).collect());
        let anonymous = body((80..100).map(|index| record(None, format!("runner-{}", index % 2), index)).collect());
        let telemetry = vec![
            (people[0].1.clone(), own.clone()),
            (COLLECTOR_TOKEN.to_string(), collected),
            (COLLECTOR_TOKEN.to_string(), anonymous),
            (people[0].1.clone(), own),
        ];
        TeamTraffic { laptop, people, telemetry, events: 100 }
    }

    /// Writes the server's `config.toml` (mode 600) with the people's and the collector's tokens.
    pub fn configure(&self, data_dir: &Path) {
        std::fs::create_dir_all(data_dir).unwrap();
        let mut text = String::from("[serve.tokens]\n");
        for (email, token) in &self.people {
            text.push_str(&format!("\"{email}\" = \"{token}\"\n"));
        }
        text.push_str(&format!("[serve.collector_tokens]\nteam = \"{COLLECTOR_TOKEN}\"\n"));
        let config = data_dir.join("config.toml");
        std::fs::write(&config, text).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// `spendlens push` of person `index`'s lines.
    pub fn push(&self, url: &str, index: usize) -> Result<(), String> {
        let (email, token) = &self.people[index];
        let output = spendlens_command(&self.laptop)
            .args(["push", "--server", url, "--email", email])
            .env("SPENDLENS_PUSH_TOKEN", token)
            .output()
            .expect("the spendlens binary runs");
        if output.status.success() { Ok(()) } else { Err(format!("push for {email}: {}", String::from_utf8_lossy(&output.stderr))) }
    }

    /// Every telemetry request, in order.
    pub fn post_telemetry(&self, url: &str) -> Result<(), String> {
        self.telemetry.iter().try_for_each(|(token, body)| match post_logs(url, token, body)? {
            200 => Ok(()),
            status => Err(format!("POST /v1/logs answered {status}")),
        })
    }

    /// Telemetry, then both pushes; the first failure.
    pub fn send_all(&self, url: &str) -> Result<(), String> {
        self.post_telemetry(url)?;
        (0..self.people.len()).try_for_each(|index| self.push(url, index))
    }
}

/// POSTs an OTLP/JSON logs body to `url` (`http://127.0.0.1:PORT`) over plain HTTP/1.1: the
/// status code, or why there was none.
pub fn post_logs(url: &str, token: &str, body: &str) -> Result<u16, String> {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).map_err(|error| format!("connect {address}: {error}"))?;
    let limit = Some(Duration::from_secs(30));
    stream.set_read_timeout(limit).and_then(|()| stream.set_write_timeout(limit)).map_err(|error| error.to_string())?;
    let request = format!(
        "POST /v1/logs HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|error| format!("send: {error}"))?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).map_err(|error| format!("read: {error}"))?;
    answer.split_whitespace().nth(1).and_then(|code| code.parse().ok()).ok_or_else(|| format!("no HTTP status in {answer:?}"))
}

//! Claude Code transcripts: incremental ingest and the `cc` views, on a tree written here.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const EMAIL: &str = "ana@acme.example";

/// Runs the binary with `config_dir` as `CLAUDE_CONFIG_DIR` and `EMAIL` as the person.
fn run(data_dir: &Path, config_dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_spendlens"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("SPENDLENS_PRICES")
        .env_remove("SPENDLENS_DATA_DIR")
        .env("CLAUDE_CONFIG_DIR", config_dir)
        .env("SPENDLENS_EMAIL", EMAIL)
        // Days are local: pinned to UTC, the zone the expected rows are written in.
        .env("TZ", "UTC")
        .output()
        .expect("the spendlens binary runs");
    assert!(output.status.success(), "spendlens {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn daily(data_dir: &Path, config_dir: &Path) -> (Value, String) {
    let output = run(data_dir, config_dir, &["cc", "daily", "--json"]);
    (serde_json::from_slice(&output.stdout).expect("JSON"), stderr(&output))
}

#[derive(Clone, Copy)]
struct Tokens {
    input: u64,
    write_5m: u64,
    write_1h: u64,
    read: u64,
    output: u64,
}

/// An assistant line, with a content block holding a decoy `usage` object and escapes.
fn assistant(id: &str, request: &str, session: &str, time: &str, model: &str, tokens: Tokens, sidechain: bool) -> String {
    let Tokens { input, write_5m, write_1h, read, output } = tokens;
    format!(
        r#"{{"parentUuid":"p","isSidechain":{sidechain},"cwd":"/home/ana/shop","sessionId":"{session}","type":"assistant","timestamp":"{time}","requestId":"{request}","message":{{"id":"{id}","model":"{model}","content":[{{"type":"tool_use","name":"Write","input":{{"content":"say \"usage\": {{\"input_tokens\": 999999}} \\u00e9","usage":{{"input_tokens":777777,"output_tokens":777777}}}}}}],"usage":{{"input_tokens":{input},"cache_creation_input_tokens":{},"cache_read_input_tokens":{read},"cache_creation":{{"ephemeral_5m_input_tokens":{write_5m},"ephemeral_1h_input_tokens":{write_1h}}},"output_tokens":{output},"service_tier":"standard"}}}},"toolUseResult":{{"usage":{{"input_tokens":555555}}}}}}"#,
        write_5m + write_1h
    )
}

fn user_line(session: &str) -> String {
    format!(
        r#"{{"type":"user","sessionId":"{session}","timestamp":"2026-10-02T09:00:00.000Z","message":{{"role":"user","content":"what is \"usage\"?"}}}}"#
    )
}

const SONNET: &str = "claude-sonnet-4-5-20250929";
const HAIKU: &str = "claude-haiku-4-5-20251001";

/// List prices in $/MTok: input, 5-minute write, 1-hour write, read, output.
fn rates(model: &str) -> [f64; 5] {
    match model {
        SONNET => [3.0, 3.75, 6.0, 0.30, 15.0],
        HAIKU => [1.0, 1.25, 2.0, 0.10, 5.0],
        other => panic!("no rate for {other}"),
    }
}

fn dollars(model: &str, tokens: Tokens) -> f64 {
    let [input, write_5m, write_1h, read, output] = rates(model);
    (tokens.input as f64 * input
        + tokens.write_5m as f64 * write_5m
        + tokens.write_1h as f64 * write_1h
        + tokens.read as f64 * read
        + tokens.output as f64 * output)
        / 1e6
}

const T1: Tokens = Tokens { input: 4, write_5m: 830, write_1h: 1000, read: 24512, output: 3 };
const T1_FINAL: Tokens = Tokens { output: 121, ..T1 };
const T1_LATER: Tokens = Tokens { output: 300, ..T1 };
const T2: Tokens = Tokens { input: 12, write_5m: 0, write_1h: 4000, read: 30000, output: 55 };
const T3: Tokens = Tokens { input: 7, write_5m: 100, write_1h: 0, read: 9000, output: 40 };
const T4: Tokens = Tokens { input: 9, write_5m: 200, write_1h: 0, read: 1000, output: 20 };

/// The first state of the tree: a main session with streamed copies, a decoy user line and a
/// malformed line; a subagent file replaying a parent message; a half-written last line.
fn write_initial(config: &Path) -> (std::path::PathBuf, String) {
    let project = config.join("projects").join("-home-ana-shop");
    std::fs::create_dir_all(project.join("s1").join("subagents")).unwrap();
    let main = [
        user_line("s1"),
        assistant("msg_1", "req_1", "s1", "2026-10-02T09:14:33.512Z", SONNET, T1, false),
        assistant("msg_1", "req_1", "s1", "2026-10-02T09:14:33.512Z", SONNET, T1_FINAL, false),
        r#"{"type":"assistant","usage": oops"#.to_string(),
        assistant("msg_2", "req_2", "s1", "2026-10-03T23:59:59.000Z", SONNET, T2, false),
    ]
    .join("\n")
        + "\n";
    let half = assistant("msg_3", "req_3", "s1", "2026-10-04T10:00:00.000Z", HAIKU, T3, false);
    let cut = half.len() - 30;
    std::fs::write(project.join("s1.jsonl"), format!("{main}{}", &half[..cut])).unwrap();
    let agent = [
        assistant("msg_1", "req_9", "s1", "2026-10-02T09:14:33.512Z", SONNET, T1_FINAL, true),
        assistant("msg_4", "req_4", "s1", "2026-10-02T09:20:00.000Z", HAIKU, T4, true),
    ]
    .join("\n")
        + "\n";
    std::fs::write(project.join("s1").join("subagents").join("agent-a.jsonl"), agent).unwrap();
    (project.join("s1.jsonl"), half[cut..].to_string())
}

/// Appends: completes the half-written line, adds a later streamed copy of msg_1, and writes a
/// resumed session that replays msg_2.
fn append(config: &Path, main: &Path, rest: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(main).unwrap();
    writeln!(file, "{rest}").unwrap();
    writeln!(file, "{}", assistant("msg_1", "req_1", "s1", "2026-10-02T09:14:33.512Z", SONNET, T1_LATER, false)).unwrap();
    let resumed = assistant("msg_2", "req_2", "s2", "2026-10-03T23:59:59.000Z", SONNET, T2, false) + "\n";
    std::fs::write(config.join("projects").join("-home-ana-shop").join("s2.jsonl"), resumed).unwrap();
}

fn close(value: &Value, expected: f64) {
    let actual = value.as_f64().expect("a number");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

fn check_totals(totals: &Value, responses: &[(&str, Tokens)]) {
    let sum = |pick: fn(&Tokens) -> u64| responses.iter().map(|(_, tokens)| pick(tokens)).sum::<u64>();
    assert_eq!(totals["inputTokens"], sum(|t| t.input));
    assert_eq!(totals["outputTokens"], sum(|t| t.output));
    assert_eq!(totals["cacheCreationTokens"], sum(|t| t.write_5m + t.write_1h));
    assert_eq!(totals["cacheReadTokens"], sum(|t| t.read));
    assert_eq!(totals["totalTokens"], sum(|t| t.input + t.output + t.write_5m + t.write_1h + t.read));
    close(&totals["totalCost"], responses.iter().map(|(model, tokens)| dollars(model, *tokens)).sum());
}

#[test]
fn cc_daily_counts_each_response_once_at_list_price() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude");
    write_initial(&config);
    let (report, log) = daily(&dir.path().join("data"), &config);
    // msg_1 once (final copy, main chain), msg_2, msg_4 (subagent); msg_3 is still half-written.
    check_totals(&report["totals"], &[(SONNET, T1_FINAL), (SONNET, T2), (HAIKU, T4)]);
    let days: Vec<&str> = report["daily"].as_array().unwrap().iter().map(|day| day["date"].as_str().unwrap()).collect();
    assert_eq!(days, ["2026-10-02", "2026-10-03"]);
    let first = &report["daily"][0];
    // ccusage's orders: models by first use, breakdowns by cost (most first).
    assert_eq!(first["modelsUsed"], serde_json::json!([SONNET, HAIKU]));
    let breakdowns = first["modelBreakdowns"].as_array().unwrap();
    assert_eq!(breakdowns.len(), 2);
    assert!(breakdowns[0]["cost"].as_f64().unwrap() >= breakdowns[1]["cost"].as_f64().unwrap());
    let sonnet = breakdowns.iter().find(|part| part["modelName"] == SONNET).unwrap();
    close(&sonnet["cost"], dollars(SONNET, T1_FINAL));
    // 1-hour writes are priced at their own rate: a 5-minute price would be less.
    close(&report["daily"][1]["totalCost"], dollars(SONNET, T2));
    assert!(log.contains("s1.jsonl:4: not JSON"), "{log}");
    assert!(log.contains("read 2 of 2 file(s)"), "{log}");
}

#[test]
fn an_incremental_ingest_after_appends_equals_a_cold_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude");
    let (main, rest) = write_initial(&config);
    let warm = dir.path().join("warm");
    let first = run(&warm, &config, &["ingest", "transcripts"]);
    assert!(stderr(&first).contains("3 response(s) stored"), "{}", stderr(&first));
    append(&config, &main, &rest);
    let (incremental, log) = daily(&warm, &config);
    assert!(log.contains("read 2 of 3 file(s)"), "{log}");
    let (cold, _) = daily(&dir.path().join("cold"), &config);
    assert_eq!(incremental, cold);
    check_totals(&cold["totals"], &[(SONNET, T1_LATER), (SONNET, T2), (HAIKU, T3), (HAIKU, T4)]);
    // Nothing changed: nothing is read.
    let again = run(&warm, &config, &["ingest", "transcripts"]);
    assert!(stderr(&again).contains("read 0 of 3 file(s), 0 bytes; 0 response(s)"), "{}", stderr(&again));
    let status = |data: &Path| {
        let output = run(data, &config, &["status", "--json"]);
        let value: Value = serde_json::from_slice(&output.stdout).unwrap();
        value["sources"]["transcript"].clone()
    };
    assert_eq!(status(&warm), status(&dir.path().join("cold")));
}

#[test]
fn regression_a_damaged_transcript_state_is_rebuilt_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude");
    let (main, rest) = write_initial(&config);
    append(&config, &main, &rest);
    let data = dir.path().join("data");
    let (before, _) = daily(&data, &config);
    // A state file cut short (what a crash of a build without the writer lock could leave).
    let state = data.join("transcripts-state.bin");
    let bytes = std::fs::read(&state).unwrap();
    std::fs::write(&state, &bytes[..bytes.len() / 2]).unwrap();
    let (after, log) = daily(&data, &config);
    assert!(log.contains("transcripts-state.bin") && log.contains("read afresh"), "{log}");
    assert_eq!(after, before, "the same lines, read afresh");
    // And the rebuilt state serves the next run: nothing is read again.
    let again = run(&data, &config, &["ingest", "transcripts"]);
    assert!(stderr(&again).contains("read 0 of 3 file(s)"), "{}", stderr(&again));
}

#[test]
fn cc_monthly_and_session_views_keep_ccusage_names() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("claude");
    write_initial(&config);
    let data = dir.path().join("data");
    let monthly: Value = serde_json::from_slice(&run(&data, &config, &["cc", "monthly", "--json"]).stdout).unwrap();
    assert_eq!(monthly["monthly"][0]["month"], "2026-10");
    let sessions: Value =
        serde_json::from_slice(&run(&data, &config, &["cc", "session", "--json", "--since", "20261003", "--until", "2026-10-31"]).stdout)
            .unwrap();
    assert_eq!(sessions["sessions"][0]["sessionId"], "s1");
    // ccusage's projectPath: the project folder, the working directory as Claude Code encodes it.
    assert_eq!(sessions["sessions"][0]["projectPath"], "-home-ana-shop");
    check_totals(&sessions["totals"], &[(SONNET, T2)]);
    let table = String::from_utf8(run(&data, &config, &["cc", "daily", "--breakdown"]).stdout).unwrap();
    assert!(table.contains("└─ claude-haiku-4-5-20251001"), "{table}");
    assert!(table.contains("Cache Create"), "{table}");
}

/// Every file of `from` (relative path, bytes), sorted.
fn files_of(from: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![from.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "jsonl") {
                files.push((path.strip_prefix(from).unwrap().to_path_buf(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// A generated tree (streamed copies, resumed sessions, sidechain replays, malformed lines,
/// half-written tails): `cc daily` finds the generator's truth, cold, and after an incremental
/// ingest of the same files caught half-written (every file cut mid-line, some not there yet).
#[test]
fn cc_daily_on_a_generated_tree_equals_its_truth_cold_and_incrementally() {
    use spendlens_demo::{TreeConfig, write_tree};
    let dir = tempfile::tempdir().unwrap();
    let complete = dir.path().join("complete");
    let config = TreeConfig {
        seed: 11,
        files: 60,
        target_bytes: 8_000_000,
        big_files: 1,
        big_file_bytes: 2_000_000,
        days: 12,
        ..TreeConfig::default()
    };
    let book = spendlens_pricing::PriceBook::embedded().unwrap();
    let truth = write_tree(&config, &book, &complete).unwrap();
    let (cold, _) = daily(&dir.path().join("cold"), &complete);
    let totals = &cold["totals"];
    let tokens = truth.tokens;
    assert_eq!(totals["inputTokens"], tokens.input);
    assert_eq!(totals["outputTokens"], tokens.output);
    assert_eq!(totals["cacheCreationTokens"], tokens.cache_write_5m + tokens.cache_write_1h);
    assert_eq!(totals["cacheReadTokens"], tokens.cache_read);
    close(&totals["totalCost"], truth.cost_usd.to_f64_lossy());
    let days = cold["daily"].as_array().unwrap();
    assert_eq!(days.len(), truth.cost_by_day.len());
    for row in days {
        let day: spendlens_model::Day = row["date"].as_str().unwrap().parse().unwrap();
        assert_eq!(row["outputTokens"], truth.by_day[&day].output, "{day}");
        close(&row["totalCost"], truth.cost_by_day[&day].to_f64_lossy());
    }
    // A first run groups the lines as the ingest writes them; a later one (the kept view gone,
    // nothing new) reads them back from the store: every view is the same either way.
    for view in ["daily", "monthly", "session"] {
        let data = dir.path().join(format!("first-{view}"));
        let first = run(&data, &complete, &["cc", view, "--json"]);
        std::fs::remove_dir_all(data.join("cache")).unwrap();
        let again = run(&data, &complete, &["cc", view, "--json"]);
        assert!(stderr(&again).contains(&format!("read 0 of {} file(s)", truth.files)), "{}", stderr(&again));
        assert_eq!(String::from_utf8_lossy(&again.stdout), String::from_utf8_lossy(&first.stdout), "{view}");
    }

    // The same tree caught mid-write: every other file cut inside a line, every fifth missing.
    let growing = dir.path().join("growing");
    let files = files_of(&complete);
    for (index, (relative, bytes)) in files.iter().enumerate() {
        let target = growing.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        match index % 5 {
            0 => {}
            1 | 3 => std::fs::write(&target, &bytes[..bytes.len() * 2 / 5]).unwrap(),
            _ => std::fs::write(&target, bytes).unwrap(),
        }
    }
    let warm = dir.path().join("warm");
    run(&warm, &growing, &["ingest", "transcripts"]);
    for (relative, bytes) in &files {
        let target = growing.join(relative);
        let written = std::fs::metadata(&target).map_or(0, |metadata| metadata.len() as usize);
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&target).unwrap();
        file.write_all(&bytes[written..]).unwrap();
    }
    let (incremental, log) = daily(&warm, &growing);
    assert!(log.contains(&format!("of {} file(s)", files.len())), "{log}");
    assert_eq!(incremental, cold);

    // Nothing changed: the kept view. One more response: a new view, never the kept one.
    assert!(warm.join("cache").read_dir().unwrap().next().is_some(), "a view is kept");
    assert_eq!(daily(&warm, &growing).0, cold);
    let session = growing.join(&files[1].0);
    let mut file = std::fs::OpenOptions::new().append(true).open(&session).unwrap();
    writeln!(file, "{}", assistant("msg_new", "req_new", "s9", "2026-10-31T12:00:00.000Z", HAIKU, T4, false)).unwrap();
    let (after, _) = daily(&warm, &growing);
    assert_eq!(after["totals"]["outputTokens"], tokens.output + T4.output);
}

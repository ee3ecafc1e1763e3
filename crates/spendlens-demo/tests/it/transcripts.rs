use std::collections::BTreeMap;
use std::path::Path;

use chrono::Duration;
use serde_json::Value;

use crate::support::{buckets, day_of, default_org, number, rendered_default, tree};

/// `(day, model) -> [input, output, cache_read, cache_creation]`, deduplicated the documented way.
type Totals = BTreeMap<(String, String), [u64; 4]>;

struct Scan {
    totals: Totals,
    sidechain_files: usize,
    one_hour_writes: u64,
    synthetic: usize,
    summaries: usize,
    streamed_partials: usize,
}

fn scan(folder: &Path) -> Scan {
    let mut best: BTreeMap<(String, String), (u64, Value)> = BTreeMap::new();
    let mut scan = Scan { totals: Totals::new(), sidechain_files: 0, one_hour_writes: 0, synthetic: 0, summaries: 0, streamed_partials: 0 };
    for (path, bytes) in tree(&folder.join("projects")) {
        let text = String::from_utf8(bytes).unwrap();
        let in_subagents = path.components().any(|part| part.as_os_str() == "subagents");
        if in_subagents {
            scan.sidechain_files += 1;
        }
        for line in text.lines() {
            let value: Value = serde_json::from_str(line).unwrap();
            match value["type"].as_str().unwrap() {
                "summary" => scan.summaries += 1,
                "assistant" => {
                    assert_eq!(value["isSidechain"], Value::Bool(in_subagents), "{}", path.display());
                    if value["message"]["model"] == "<synthetic>" {
                        assert_eq!(value["isApiErrorMessage"], Value::Bool(true));
                        scan.synthetic += 1;
                        continue;
                    }
                    let usage = &value["message"]["usage"];
                    let total = ["input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"]
                        .iter()
                        .map(|field| number(&usage[*field]))
                        .sum::<u64>();
                    let key = (value["message"]["id"].as_str().unwrap().to_string(), value["requestId"].as_str().unwrap().to_string());
                    match best.get(&key) {
                        Some((seen, _)) if *seen >= total => {}
                        Some(_) => {
                            scan.streamed_partials += 1;
                            best.insert(key, (total, value));
                        }
                        None => {
                            best.insert(key, (total, value));
                        }
                    }
                }
                "user" => {}
                other => panic!("unexpected line type {other}"),
            }
        }
    }
    for (_, value) in best.values() {
        let usage = &value["message"]["usage"];
        scan.one_hour_writes += number(&usage["cache_creation"]["ephemeral_1h_input_tokens"]);
        assert_eq!(
            number(&usage["cache_creation_input_tokens"]),
            number(&usage["cache_creation"]["ephemeral_5m_input_tokens"]) + number(&usage["cache_creation"]["ephemeral_1h_input_tokens"])
        );
        let key = (day_of(&value["timestamp"]), value["message"]["model"].as_str().unwrap().to_string());
        let entry = scan.totals.entry(key).or_default();
        entry[0] += number(&usage["input_tokens"]);
        entry[1] += number(&usage["output_tokens"]);
        entry[2] += number(&usage["cache_read_input_tokens"]);
        entry[3] += number(&usage["cache_creation_input_tokens"]);
    }
    scan
}

#[test]
fn transcripts_hold_the_same_tokens_as_claude_code_analytics() {
    let rendered = rendered_default();
    let org = default_org();
    let first_day = (org.end - Duration::days(29)).to_string();
    assert_eq!(rendered.transcript_dirs.len(), 4);
    let records = buckets(&rendered.claude_code_pages);
    let (mut sidechains, mut one_hour, mut synthetic, mut summaries, mut partials) = (0, 0, 0, 0, 0);
    for (email, folder) in &rendered.transcript_dirs {
        let scan = scan(folder);
        let mut expected = Totals::new();
        for record in records.iter().filter(|record| record["actor"]["email_address"] == email.as_str()) {
            assert_eq!(record["customer_type"], "subscription");
            let day = day_of(&record["date"]);
            if day < first_day {
                continue;
            }
            for model in record["model_breakdown"].as_array().unwrap() {
                let tokens = &model["tokens"];
                let entry = expected.entry((day.clone(), model["model"].as_str().unwrap().to_string())).or_default();
                entry[0] += number(&tokens["input"]);
                entry[1] += number(&tokens["output"]);
                entry[2] += number(&tokens["cache_read"]);
                entry[3] += number(&tokens["cache_creation"]);
            }
        }
        let seen: Totals = scan.totals.into_iter().filter(|((day, _), _)| *day >= first_day).collect();
        assert!(!expected.is_empty(), "{email} has recent activity");
        assert_eq!(seen, expected, "{email}");
        sidechains += scan.sidechain_files;
        one_hour += scan.one_hour_writes;
        synthetic += scan.synthetic;
        summaries += scan.summaries;
        partials += scan.streamed_partials;
    }
    assert!(sidechains > 0, "subagent files");
    assert!(summaries > 0, "summary lines");
    assert!(partials > 100, "streamed responses with partial output first");
    assert_eq!(synthetic, 1, "one synthetic error message");
    assert!(one_hour > 0, "some 1-hour cache writes");
}

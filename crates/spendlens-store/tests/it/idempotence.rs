//! Writing the same input twice leaves the same lake, to the byte.

use spendlens_store::Lake;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use spendlens_model::{ActivityLine, Source, UsageLine};
use spendlens_store::Replace;

use crate::support::{activity, cost, fresh_store, usage};

fn lines() -> Vec<UsageLine> {
    let mut lines = Vec::new();
    for (index, hour) in ["01", "05", "09", "13", "17", "21"].iter().enumerate() {
        for day in ["2026-04-01", "2026-04-02", "2026-04-03"] {
            let mut line = usage(Source::AdminUsage, &format!("{day}T{hour}:00:00Z"), 100 * index as u64 + 1, 7);
            line.identity.api_key_id = Some(format!("apikey_{}", index % 2));
            line.identity.session_id = Some(format!("session-{index}"));
            lines.push(line);
        }
    }
    lines
}

fn file_bytes(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn writing_the_same_lines_twice_changes_nothing() {
    let (directory, store) = fresh_store();
    let lines = lines();
    let costs = vec![cost(Source::AdminCost, "2026-04-01", "12.5"), cost(Source::AdminCost, "2026-04-02", "0.000001")];
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &lines).unwrap();
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &costs).unwrap();
    let (totals, rollups, cost_lines) = (store.totals().unwrap(), store.usage_rollup(None).unwrap(), store.cost_lines(None).unwrap());
    let bytes = file_bytes(directory.path());

    // The same input again, in another order.
    let mut reversed = lines.clone();
    reversed.reverse();
    store.replace_usage(Source::AdminUsage, "org", Replace::Days, &reversed).unwrap();
    store.replace_cost(Source::AdminCost, "org", Replace::Days, &[costs[1].clone(), costs[0].clone()]).unwrap();

    assert_eq!(store.totals().unwrap(), totals);
    assert_eq!(store.usage_rollup(None).unwrap(), rollups);
    assert_eq!(store.cost_lines(None).unwrap(), cost_lines);
    assert_eq!(file_bytes(directory.path()), bytes, "the files are byte-for-byte the same");
    assert_eq!(totals.overall.usage_rows, 18);
    assert_eq!(totals.overall.tokens.input, 3 * (1 + 101 + 201 + 301 + 401 + 501));
}

fn activity_lines() -> Vec<ActivityLine> {
    let mut lines = Vec::new();
    for index in 0u64..12 {
        let on = format!("2026-04-0{}", 1 + index % 3);
        let mut line = activity(Source::ClaudeCodeAnalytics, &on, &format!("engineer{}@example.com", index % 4), index);
        line.lines_added = 10 * index;
        line.terminal_type = (index % 2 == 0).then(|| "vscode".to_string());
        line.active_seconds = (index % 3 == 0).then_some(60 * index);
        lines.push(line);
    }
    lines
}

#[test]
fn writing_the_same_activity_twice_changes_nothing() {
    let (directory, store) = fresh_store();
    let lines = activity_lines();
    let summary = store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &lines).unwrap();
    assert_eq!((summary.rows, summary.files_written), (12, 3));
    let (totals, read) = (store.totals().unwrap(), store.activity(None).unwrap());
    let bytes = file_bytes(directory.path());

    let mut reversed = lines.clone();
    reversed.reverse();
    store.replace_activity(Source::ClaudeCodeAnalytics, "org", Replace::Days, &reversed).unwrap();

    assert_eq!(store.totals().unwrap(), totals);
    assert_eq!(store.activity(None).unwrap(), read);
    assert_eq!(file_bytes(directory.path()), bytes, "the files are byte-for-byte the same");
    assert_eq!(totals.overall.activity_rows, 12);
    let mut expected = lines;
    expected.sort_by(|left, right| (left.day, &left.actor_email, left.sessions).cmp(&(right.day, &right.actor_email, right.sessions)));
    assert_eq!(read, expected);
}

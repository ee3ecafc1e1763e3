//! `spendlens init` against the mock Admin API, through the binary: the key check, the directory,
//! the draft org map's names, creators and spend (checked against the vendor JSON the mock serves
//! and the demo generator's ground truth), and re-runs that keep the user's edits byte for byte.
//! Also `spendlens completions` and `spendlens man`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rust_decimal::Decimal;
use serde_json::{Value, json};
use spendlens_mock_anthropic::{MockAdminApi, MockConfig, MockData};

use crate::support::{ok, spendlens_command};

const KEY: &str = "sk-ant-admin01-INIT-SECRET-4c2e77";

/// `spendlens init ARGS` with `stdin` piped in (when given), the base URL from
/// SPENDLENS_ADMIN_BASE_URL and ANTHROPIC_ADMIN_KEY only when `env_key` says.
fn init(data: &Path, base_url: &str, env_key: Option<&str>, stdin: Option<&str>, args: &[&str]) -> Output {
    let mut command = spendlens_command(data);
    command.arg("init").args(["--backoff-ms", "1", "--max-attempts", "2"]).args(args);
    command.env("SPENDLENS_ADMIN_BASE_URL", base_url).env_remove("ANTHROPIC_ADMIN_KEY").env_remove("ANTHROPIC_BASE_URL");
    if let Some(key) = env_key {
        command.env("ANTHROPIC_ADMIN_KEY", key);
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped()).stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    for stream in [&output.stdout, &output.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains("INIT-SECRET") && !text.contains("WRONG-9"), "a key was printed: {text}");
    }
    output
}

fn succeeded(output: &Output) -> Value {
    assert!(output.status.success(), "init failed: {}\n{}", output.status, String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A demo whose window ends on 2026-11-30, so that the 30 days of the draft are exactly the
/// calendar month the ground truth sums (November).
fn november_demo(dir: &Path) -> PathBuf {
    let sources = dir.join("sources");
    ok(
        &dir.join("scratch"),
        &["demo", "--engineers", "16", "--days", "45", "--end", "2026-11-30", "--no-ingest", "--out", sources.to_str().unwrap()],
    );
    sources
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn decimal(value: &Value) -> Decimal {
    value.as_str().unwrap_or_else(|| panic!("not a decimal string: {value}")).parse().unwrap()
}

fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// The vendor's cost report pages summed per workspace (`default` for null) over November, in
/// dollars (the pages write cents).
fn cost_report_by_workspace(sources: &Path) -> BTreeMap<String, Decimal> {
    let mut sums = BTreeMap::new();
    for page in crate::support::files_in(&sources.join("admin/cost_report"), "json") {
        for bucket in read_json(Path::new(&page))["data"].as_array().unwrap() {
            if !bucket["starting_at"].as_str().unwrap().starts_with("2026-11-") {
                continue;
            }
            for result in bucket["results"].as_array().unwrap() {
                let workspace = result["workspace_id"].as_str().unwrap_or("default").to_string();
                *sums.entry(workspace).or_insert(Decimal::ZERO) += decimal(&result["amount"]) / Decimal::from(100);
            }
        }
    }
    sums
}

/// One entry of the draft: its title line, its second line, and the id it names.
#[derive(Debug)]
struct Entry {
    title: String,
    detail: String,
}

/// The draft's entries by id: `# api_keys = ["ID"]` or `# workspaces = ["ID"]`, with the lines above.
fn entries(text: &str, list: &str) -> BTreeMap<String, Entry> {
    let lines: Vec<&str> = text.lines().collect();
    let prefix = format!("# {list} = [\"");
    let mut found = BTreeMap::new();
    for (index, line) in lines.iter().enumerate() {
        if let Some(rest) = line.strip_prefix(&prefix) {
            let id = rest.trim_end_matches("\"]").to_string();
            if lines[index - 2] != "# [[feature]]" {
                continue; // the header's [claude_code] example
            }
            let entry = Entry { title: lines[index - 4].to_string(), detail: lines[index - 3].to_string() };
            assert!(found.insert(id.clone(), entry).is_none(), "{id} listed twice");
        }
    }
    found
}

/// The dollars of a title line: `...: $1,234.56 in the last 30 days`.
fn dollars(title: &str) -> Decimal {
    let amount = title.rsplit_once(": $").unwrap_or_else(|| panic!("no amount in {title:?}")).1;
    amount.trim_end_matches(" in the last 30 days").replace(',', "").parse().unwrap()
}

#[test]
fn init_checks_the_key_syncs_drafts_the_org_map_and_keeps_edits_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let sources = november_demo(dir.path());
    let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
    let data = dir.path().join("data");

    // A refused key: a clear error, one request, and nothing written (not even the folder).
    let refused = init(&data, &mock.base_url(), None, Some("sk-ant-admin01-WRONG-9\n"), &["--admin-key-stdin", "--no-sync"]);
    assert_eq!(refused.status.code(), Some(77));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("the admin key was refused (401)"), "{stderr}");
    assert_eq!(mock.total_requests(), 1);
    assert!(!data.exists(), "a refused key wrote {}", data.display());
    // No key and no terminal to ask on: say how to give one.
    let missing = init(&data, &mock.base_url(), None, None, &["--no-sync"]);
    assert_eq!(missing.status.code(), Some(77));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--admin-key-stdin"), "{}", String::from_utf8_lossy(&missing.stderr));
    // Plain http to another host: refused before any request.
    let plain = init(&data, "http://10.1.2.3:8080", None, Some(KEY), &["--admin-key-stdin", "--no-sync"]);
    assert_eq!(plain.status.code(), Some(64));
    assert_eq!(mock.total_requests(), 1);
    assert!(!data.exists());

    // The key piped in: checked, kept in config.toml (mode 600), the directory and 30 days synced.
    let view = succeeded(&init(
        &data,
        &mock.base_url(),
        None,
        Some(&format!("{KEY}\n")),
        &["--admin-key-stdin", "--no-sync", "--until", "2026-11-30", "--json"],
    ));
    let config_path = data.join("config.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(config.contains(&format!("\nadmin_key = \"{KEY}\"\n")), "{config}");
    assert_eq!(std::fs::metadata(&config_path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(
        (view["config_change"].as_str(), view["key_origin"].as_str(), view["key_saved"].as_bool()),
        (Some("created"), Some("given"), Some(true))
    );
    assert_eq!((view["spend_since"].as_str(), view["spend_until"].as_str()), (Some("2026-11-01"), Some("2026-11-30")));
    let listing = |name: &str| read_json(&sources.join(format!("admin/{name}.json")))["data"].as_array().unwrap().clone();
    let (workspaces, keys, users) = (listing("workspaces"), listing("api_keys"), listing("users"));
    assert_eq!(view["workspaces"].as_u64(), Some(workspaces.len() as u64));
    assert_eq!(view["api_keys"].as_u64(), Some(keys.len() as u64));
    assert_eq!(view["users"].as_u64(), Some(users.len() as u64));
    let status = crate::support::json(&data, &["status", "--json"]);
    assert_eq!(
        status["sources"]["admin_directory"]["directory_rows"].as_u64(),
        Some((workspaces.len() + keys.len() + users.len()) as u64),
        "{status}"
    );
    // The sync's cursors are untouched: the first real sync still reaches a year back.
    assert!(!data.join("sync-state.json").exists());

    // Spend: the cost report as the mock serves it, summed by the test, and the demo's ground truth.
    let by_workspace = cost_report_by_workspace(&sources);
    let truth = read_json(&sources.join("ground_truth.json"));
    let november = truth["months"].as_array().unwrap().iter().find(|month| month["month"] == "2026-11").unwrap().clone();
    assert_eq!(november["window_days"], 30);
    let total: Decimal = by_workspace.values().sum();
    assert_eq!(total, decimal(&november["cost_report_usd"]));
    assert_eq!(decimal(&view["spend_usd"]), total, "{view}");

    let orgmap_path = data.join("orgmap.toml");
    let draft = std::fs::read_to_string(&orgmap_path).unwrap();
    assert!(draft.lines().all(|line| line.is_empty() || line.starts_with('#')), "the draft assigns nothing:\n{draft}");
    assert!(draft.contains("over\n# the 30 days 2026-11-01 to 2026-11-30"), "{draft}");
    let drafted_workspaces = entries(&draft, "workspaces");
    let drafted_keys = entries(&draft, "api_keys");
    // Every workspace, with its name and its cost-report dollars; the Default workspace too.
    let mut expected_workspaces: BTreeSet<String> = workspaces.iter().map(|w| w["id"].as_str().unwrap().to_string()).collect();
    expected_workspaces.insert("default".to_string());
    assert_eq!(drafted_workspaces.keys().cloned().collect::<BTreeSet<_>>(), expected_workspaces);
    for workspace in &workspaces {
        let entry = &drafted_workspaces[workspace["id"].as_str().unwrap()];
        assert!(entry.title.starts_with(&format!("# Workspace \"{}\": $", workspace["name"].as_str().unwrap())), "{entry:?}");
        let expected = by_workspace.get(workspace["id"].as_str().unwrap()).copied().unwrap_or_default();
        assert_eq!(dollars(&entry.title), cents(expected), "{entry:?}");
    }
    assert_eq!(dollars(&drafted_workspaces["default"].title), cents(by_workspace["default"]));
    assert!(by_workspace["default"] > Decimal::ZERO);
    // Every key, with its name, workspace and creator from the listings.
    let user_of: BTreeMap<&str, &Value> = users.iter().map(|user| (user["id"].as_str().unwrap(), user)).collect();
    let workspace_name: BTreeMap<&str, &str> =
        workspaces.iter().map(|w| (w["id"].as_str().unwrap(), w["name"].as_str().unwrap())).collect();
    assert_eq!(drafted_keys.len(), keys.len());
    for key in &keys {
        let entry = &drafted_keys[key["id"].as_str().unwrap()];
        assert!(entry.title.starts_with(&format!("# API key \"{}\": $", key["name"].as_str().unwrap())), "{entry:?}");
        let creator = user_of[key["created_by"]["id"].as_str().unwrap()];
        let place =
            key["workspace_id"].as_str().map_or("the Default workspace".to_string(), |id| format!("workspace \"{}\"", workspace_name[id]));
        assert_eq!(
            entry.detail,
            format!("# {place}, created by {} <{}>", creator["name"].as_str().unwrap(), creator["email"].as_str().unwrap())
        );
    }
    // Each key's dollars against the ground truth: a Claude Code key is its engineer's API-key
    // spend, the unmapped key is the unassigned spend, and a feature's keys sum to the feature.
    let key_dollars = |id: &str| dollars(&drafted_keys[id].title);
    let mut checked = BTreeSet::new();
    for engineer in truth["engineers"].as_array().unwrap() {
        if let Some(id) = engineer["api_key_id"].as_str() {
            let spend = november["engineers"]
                .get(engineer["email"].as_str().unwrap())
                .map_or(Decimal::ZERO, |split| decimal(&split["api_key_usd"]));
            assert_eq!(key_dollars(id), cents(spend), "{}", engineer["email"]);
            checked.insert(id.to_string());
        }
    }
    let unassigned = truth["planted"]["unassigned_key"]["api_key_id"].as_str().unwrap();
    assert_eq!(key_dollars(unassigned), cents(decimal(&november["unassigned_usd"])));
    checked.insert(unassigned.to_string());
    for feature in truth["features"].as_array().unwrap() {
        let ids: Vec<&str> = feature["api_key_ids"].as_array().unwrap().iter().map(|id| id.as_str().unwrap()).collect();
        let drafted: Decimal = ids.iter().map(|id| key_dollars(id)).sum();
        let expected = decimal(&november["features"][feature["name"].as_str().unwrap()]);
        // Each key is rounded to the cent on its own.
        let tolerance = Decimal::new(5, 3) * Decimal::from(ids.len());
        assert!((drafted - expected).abs() <= tolerance, "{}: drafted {drafted}, truth {expected}", feature["name"]);
        if ids.len() == 1 {
            assert_eq!(drafted, cents(expected), "{}", feature["name"]);
        }
        checked.extend(ids.iter().map(|id| id.to_string()));
    }
    assert_eq!(checked.len(), keys.len(), "every key's dollars were checked");
    assert!(keys.iter().any(|key| key_dollars(key["id"].as_str().unwrap()) > Decimal::from(10)));

    // The user edits: the Support workspace becomes a feature, a team is added at the end (no
    // final newline), and the scratch key's entry is deleted.
    let support = workspaces.iter().find(|w| w["name"] == "Support").unwrap()["id"].as_str().unwrap().to_string();
    let block = format!("# [[feature]]\n# name = \"support\"\n# workspaces = [\"{support}\"]\n");
    assert!(draft.contains(&block), "{draft}");
    let mut edited = draft.replace(&block, &block.replace("# ", ""));
    let scratch_title = drafted_keys[unassigned].title.clone();
    let start = edited.find(&scratch_title).unwrap();
    let end = start + edited[start..].find("\n\n").map_or(edited.len() - start, |at| at + 2);
    edited.replace_range(start..end, "");
    assert!(!edited.contains(unassigned));
    edited.push_str("\n[[team]]\nname = \"data\"\nmembers = [\"*@acme.example\"]   # everyone, for now");
    std::fs::write(&orgmap_path, &edited).unwrap();
    let report = crate::support::json(&data, &["report", "--month", "2026-11", "--json"]);
    assert_eq!(decimal(&report["paths"]["api"]["total_usd"]), by_workspace[&support], "the uncommented entry is a working rule");

    // Run again, on an organisation with a new workspace and a new key: the key from config.toml,
    // both files kept byte for byte, and only the two new entries appended.
    let creator = users[0]["id"].as_str().unwrap();
    let grown = MockData::from_demo_dir(&sources)
        .unwrap()
        .with_workspaces([json!({"id": "wrkspc_01NEWresearch", "type": "workspace", "name": "Research", "created_at": "2026-11-20T09:00:00Z", "archived_at": null})])
        .with_api_keys([json!({"id": "apikey_01NEWagent", "type": "api_key", "name": "research-agent", "workspace_id": "wrkspc_01NEWresearch",
            "created_at": "2026-11-21T09:00:00Z", "created_by": {"id": creator, "type": "user"}, "status": "active"})]);
    let grown = MockAdminApi::start(grown, MockConfig::new(KEY)).unwrap();
    let again = succeeded(&init(&data, &grown.base_url(), None, None, &["--no-sync", "--until", "2026-11-30", "--json"]));
    assert_eq!(
        (again["config_change"].as_str(), again["key_origin"].as_str(), again["orgmap_change"].as_str()),
        (Some("unchanged"), Some("config"), Some("extended"))
    );
    assert_eq!(again["orgmap_added_workspaces"], json!(["wrkspc_01NEWresearch"]));
    assert_eq!(again["orgmap_added_api_keys"], json!(["apikey_01NEWagent"]));
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), config);
    let merged = std::fs::read_to_string(&orgmap_path).unwrap();
    assert!(merged.starts_with(&edited), "the user's text is kept byte for byte");
    let added = &merged[edited.len()..];
    assert!(added.starts_with("\n\n# ---- Added by `spendlens init` on "), "{added}");
    assert!(added.lines().all(|line| line.is_empty() || line.starts_with('#')), "{added}");
    assert_eq!(entries(added, "workspaces").keys().collect::<Vec<_>>(), ["wrkspc_01NEWresearch"]);
    let new_key = &entries(added, "api_keys")["apikey_01NEWagent"];
    assert_eq!(new_key.title, "# API key \"research-agent\": $0.00 in the last 30 days");
    assert!(new_key.detail.starts_with("# workspace \"Research\", created by "), "{new_key:?}");
    assert!(!merged.contains(unassigned), "an entry the user deleted is not brought back");
    // A third run with nothing new changes nothing.
    let third = succeeded(&init(&data, &grown.base_url(), None, None, &["--no-sync", "--until", "2026-11-30", "--json"]));
    assert_eq!(third["orgmap_change"], "unchanged");
    assert_eq!(std::fs::read_to_string(&orgmap_path).unwrap(), merged);

    // The first sync, asked for: it runs like `spendlens sync` and keeps its cursors.
    let synced =
        succeeded(&init(&data, &grown.base_url(), None, None, &["--yes", "--since", "2026-11-20", "--until", "2026-11-30", "--json"]));
    assert_eq!(synced["first_sync"]["endpoints"]["cost_report"]["start"], "2026-11-20", "{synced}");
    assert!(synced["first_sync"]["failures"].as_array().unwrap().is_empty(), "{synced}");
    assert!(data.join("sync-state.json").exists());
}

#[test]
fn init_with_the_key_in_the_environment_leaves_it_there() {
    let dir = tempfile::tempdir().unwrap();
    let sources = crate::support::small_demo_sources(dir.path());
    let mock = MockAdminApi::start(MockData::from_demo_dir(&sources).unwrap(), MockConfig::new(KEY)).unwrap();
    let data = dir.path().join("data");
    // A config.toml of the user's, readable by others since it holds no secret yet.
    std::fs::create_dir_all(&data).unwrap();
    let mine = "[push]\nserver = \"https://spendlens.example\"\n";
    std::fs::write(data.join("config.toml"), mine).unwrap();
    std::fs::set_permissions(data.join("config.toml"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let view = succeeded(&init(&data, &mock.base_url(), Some(KEY), None, &["--no-sync", "--until", "2026-10-31", "--json"]));
    assert_eq!(
        (view["key_origin"].as_str(), view["key_saved"].as_bool(), view["config_change"].as_str()),
        (Some("environment"), Some(false), Some("unchanged"))
    );
    assert_eq!(std::fs::read_to_string(data.join("config.toml")).unwrap(), mine);
    assert_eq!(view["orgmap_change"], "created");
    // Piped with --no-save-key: still not written.
    let view = succeeded(&init(
        &data,
        &mock.base_url(),
        None,
        Some(KEY),
        &["--admin-key-stdin", "--no-save-key", "--no-sync", "--until", "2026-10-31", "--json"],
    ));
    assert_eq!((view["key_saved"].as_bool(), view["config_change"].as_str()), (Some(false), Some("unchanged")));
    // Piped and kept: the user's lines stay, the key is added, and the file becomes mode 600.
    let view =
        succeeded(&init(&data, &mock.base_url(), None, Some(KEY), &["--admin-key-stdin", "--no-sync", "--until", "2026-10-31", "--json"]));
    assert_eq!(view["config_change"], "extended");
    let config = std::fs::read_to_string(data.join("config.toml")).unwrap();
    assert_eq!(config, format!("{mine}\n[anthropic]\nadmin_key = \"{KEY}\"\n"));
    assert_eq!(std::fs::metadata(data.join("config.toml")).unwrap().permissions().mode() & 0o777, 0o600);
    // The text output names both files and the spend.
    let text = init(&data, &mock.base_url(), None, None, &["--no-sync", "--until", "2026-10-31"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{}", String::from_utf8_lossy(&text.stderr));
    assert!(stdout.contains("The admin key works.") && stdout.contains("Spend 2026-10-02 to 2026-10-31: $"), "{stdout}");
    assert!(stdout.contains("org map: unchanged: no new workspaces or API keys"), "{stdout}");
    assert!(stdout.contains("`spendlens sync` fetches a year"), "{stdout}");
}

/// The subcommands `spendlens --help` lists.
fn subcommands() -> Vec<String> {
    let help = String::from_utf8(Command::new(env!("CARGO_BIN_EXE_spendlens")).arg("--help").output().unwrap().stdout).unwrap();
    let listed = help.split("Commands:").nth(1).unwrap().split("Options:").next().unwrap();
    let names: Vec<String> = listed
        .lines()
        .filter(|line| line.starts_with("  ") && !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() > 15 && names.iter().any(|name| name == "init") && names.iter().any(|name| name == "completions"), "{names:?}");
    names
}

#[test]
fn completions_name_every_subcommand_and_the_man_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let names = subcommands();
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(dir.path(), &["completions", shell]);
        for name in &names {
            let named = match shell {
                "bash" => script.contains(&format!("spendlens,{name})")),
                "zsh" => script.contains(&format!("'{name}:")) || script.contains(&format!("({name})")),
                _ => script.contains(&format!("-a \"{name}\"")),
            };
            assert!(named, "{shell} completions lack {name}");
        }
    }
    assert!(ok(dir.path(), &["completions", "bash"]).contains("--admin-key-stdin"));
    let page = ok(dir.path(), &["man"]);
    assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH spendlens 1"), "{}", &page[..200.min(page.len())]);
    assert!(page.contains("init"));
    let pages = dir.path().join("man");
    ok(dir.path(), &["man", "--out-dir", pages.to_str().unwrap()]);
    for name in &names {
        assert!(pages.join(format!("spendlens-{name}.1")).exists(), "no page for {name}");
    }
}

//! The draft org map `spendlens init` writes: every workspace and API key of the organisation as a
//! commented-out rule, with its name, its creator and its spend over the last 30 days, so that the
//! user only names features and teams (the format: `spendlens_ingest::orgmap`).
//!
//! Pure: handed the directory, the spend and the file as it stands; returns the new text. A file
//! that exists is never rewritten: entries for workspaces and keys it does not name (and that no
//! earlier draft listed) are appended at its end, commented out, so everything the user wrote stays
//! byte for byte and the file parses to the same rules.

use std::collections::{BTreeMap, BTreeSet};

use spendlens_model::{Day, DirectoryEntry, DirectoryKind, Money, Period};

/// The org map's name for the Default workspace (whose id the API leaves out).
pub const DEFAULT_WORKSPACE: &str = "default";

/// What the draft is made from.
#[derive(Debug, Clone, Copy)]
pub struct DraftInput<'a> {
    /// The Admin API's workspaces, API keys and users.
    pub directory: &'a [DirectoryEntry],
    /// Billed dollars per workspace over `window` (`None`: the Default workspace).
    pub workspace_spend: &'a BTreeMap<Option<String>, Money>,
    /// Billed dollars per API key over `window` (the cost report split over keys by usage).
    pub key_spend: &'a BTreeMap<String, Money>,
    /// The days the spend covers.
    pub window: Period,
    /// The day the draft is written.
    pub today: Day,
}

/// The new text of the org map and what was added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub text: String,
    /// Ids (`wrkspc_...`, or `default`) of workspaces given an entry by this draft.
    pub workspaces: Vec<String>,
    /// Ids of API keys given an entry by this draft.
    pub api_keys: Vec<String>,
}

/// One workspace or key to list.
struct Item {
    id: String,
    name: Option<String>,
    spend: Money,
    status: Option<String>,
}

/// The draft: the whole file when there is none (`existing` is `None`), else `existing` with
/// entries appended for every workspace and key that is neither named in it nor in `drafted` (the
/// ids earlier drafts listed: an entry the user deleted is not brought back).
pub fn draft(existing: Option<&str>, drafted: &BTreeSet<String>, input: &DraftInput<'_>) -> Draft {
    let known = |id: &str| match existing {
        None => false,
        Some(text) => drafted.contains(id) || named_in(text, id),
    };
    let names = Names::new(input.directory);
    let workspaces: Vec<Item> = workspaces(input).into_iter().filter(|item| !known(&item.id)).collect();
    let keys: Vec<Item> = api_keys(input).into_iter().filter(|item| !known(&item.id)).collect();
    let mut text = match existing {
        None => header(input),
        Some(text) => {
            let mut text = text.to_string();
            if workspaces.is_empty() && keys.is_empty() {
                return Draft { text, workspaces: Vec::new(), api_keys: Vec::new() };
            }
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!(
                "\n# ---- Added by `spendlens init` on {}: workspaces and API keys new since the last draft,\n# with their spend over {}.\n",
                input.today,
                window_label(input.window)
            ));
            text
        }
    };
    if !workspaces.is_empty() {
        text.push_str(&format!("\n# ---- Workspaces ({}), largest spend first\n", workspaces.len()));
        for item in &workspaces {
            text.push('\n');
            text.push_str(&workspace_entry(item, &names));
        }
    }
    if !keys.is_empty() {
        text.push_str(&format!("\n# ---- API keys ({}), largest spend first\n", keys.len()));
        for item in &keys {
            text.push('\n');
            text.push_str(&key_entry(item, &names));
        }
    }
    Draft {
        text,
        workspaces: workspaces.into_iter().map(|item| item.id).collect(),
        api_keys: keys.into_iter().map(|item| item.id).collect(),
    }
}

/// Whether the file names `id` anywhere (a rule, or a comment the user kept).
fn named_in(text: &str, id: &str) -> bool {
    if id == DEFAULT_WORKSPACE { text.contains("\"default\"") } else { text.contains(id) }
}

fn window_label(window: Period) -> String {
    format!("the 30 days {} to {}", window.start, window.end - chrono::Duration::days(1))
}

fn header(input: &DraftInput<'_>) -> String {
    format!(
        r#"# spendlens org map: which team each engineer is in, which API keys and workspaces carry which
# feature, and which are Claude Code. Rules are tried in file order; the first match wins.
#
# `spendlens init` drafted this file on {today} from the Admin API. Every workspace and API key is
# listed below as a rule commented out, with its name, who created it and what it cost over
# {window} (the cost report, split over keys by their usage).
# To assign one, remove the `# ` before its [[feature]] lines and name the feature; the keys of one
# feature go in one [[feature]] (api_keys = ["apikey_...", "apikey_..."]), since a name appears
# once. Move Claude Code keys and workspaces under [claude_code] instead. What stays commented out
# is reported as unassigned, with the reason.
# Reports read this file as it is; an error names its line. Running `spendlens init` again adds new
# workspaces and keys at the end and never changes what is written here.

# Claude Code: workspaces and keys whose spend is engineers in the terminal and editor.
# [claude_code]
# workspaces = ["wrkspc_..."]
# api_key_names = ["claude-code-*"]

# Teams: engineers by email or domain glob, for Claude Code spend by team.
# [[team]]
# name = "payments"
# members = ["ana@example.com", "*@payments.example.com"]
"#,
        today = input.today,
        window = window_label(input.window),
    )
}

/// Every workspace: the listing's, the Default workspace when a key or dollar belongs to it, and
/// any workspace billed in the window that the listing lacks. Largest spend first.
fn workspaces(input: &DraftInput<'_>) -> Vec<Item> {
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for entry in input.directory.iter().filter(|entry| entry.kind == DirectoryKind::Workspace) {
        items.insert(
            entry.id.clone(),
            Item { id: entry.id.clone(), name: entry.name.clone(), spend: Money::ZERO, status: entry.status.clone() },
        );
    }
    let default_used = input.directory.iter().any(|entry| entry.kind == DirectoryKind::ApiKey && entry.workspace_id.is_none());
    if default_used || input.workspace_spend.contains_key(&None) {
        items.insert(
            DEFAULT_WORKSPACE.to_string(),
            Item { id: DEFAULT_WORKSPACE.to_string(), name: Some("Default".to_string()), spend: Money::ZERO, status: None },
        );
    }
    for (workspace, spend) in input.workspace_spend {
        let id = workspace.clone().unwrap_or_else(|| DEFAULT_WORKSPACE.to_string());
        items.entry(id.clone()).or_insert(Item { id, name: None, spend: Money::ZERO, status: None }).spend = *spend;
    }
    by_spend(items.into_values().collect())
}

/// Every API key: the listing's, and any key billed in the window that the listing lacks.
fn api_keys(input: &DraftInput<'_>) -> Vec<Item> {
    let mut items: BTreeMap<String, Item> = BTreeMap::new();
    for entry in input.directory.iter().filter(|entry| entry.kind == DirectoryKind::ApiKey) {
        items.insert(
            entry.id.clone(),
            Item { id: entry.id.clone(), name: entry.name.clone(), spend: Money::ZERO, status: entry.status.clone() },
        );
    }
    for (key, spend) in input.key_spend {
        items.entry(key.clone()).or_insert(Item { id: key.clone(), name: None, spend: Money::ZERO, status: None }).spend = *spend;
    }
    by_spend(items.into_values().collect())
}

fn by_spend(mut items: Vec<Item>) -> Vec<Item> {
    items.sort_by(|a, b| b.spend.cmp(&a.spend).then_with(|| a.name.cmp(&b.name)).then_with(|| a.id.cmp(&b.id)));
    items
}

/// Names of workspaces and users, and each workspace's keys, from the directory.
struct Names<'a> {
    workspaces: BTreeMap<&'a str, &'a str>,
    users: BTreeMap<&'a str, &'a DirectoryEntry>,
    keys_of: BTreeMap<&'a str, Vec<&'a str>>,
    key_workspace: BTreeMap<&'a str, Option<&'a str>>,
    key_creator: BTreeMap<&'a str, Option<&'a str>>,
}

impl<'a> Names<'a> {
    fn new(directory: &'a [DirectoryEntry]) -> Names<'a> {
        let mut names = Names {
            workspaces: BTreeMap::new(),
            users: BTreeMap::new(),
            keys_of: BTreeMap::new(),
            key_workspace: BTreeMap::new(),
            key_creator: BTreeMap::new(),
        };
        for entry in directory {
            match entry.kind {
                DirectoryKind::Workspace => {
                    if let Some(name) = &entry.name {
                        names.workspaces.insert(&entry.id, name);
                    }
                }
                DirectoryKind::User => {
                    names.users.insert(&entry.id, entry);
                }
                DirectoryKind::ApiKey => {
                    let workspace = entry.workspace_id.as_deref().unwrap_or(DEFAULT_WORKSPACE);
                    names.keys_of.entry(workspace).or_default().push(entry.name.as_deref().unwrap_or(&entry.id));
                    names.key_workspace.insert(&entry.id, entry.workspace_id.as_deref());
                    names.key_creator.insert(&entry.id, entry.created_by.as_deref());
                }
            }
        }
        names
    }

    fn workspace(&self, id: Option<&str>) -> String {
        match id {
            None | Some(DEFAULT_WORKSPACE) => "the Default workspace".to_string(),
            Some(id) => match self.workspaces.get(id) {
                Some(name) => format!("workspace {}", quoted(name)),
                None => format!("workspace {id}"),
            },
        }
    }

    fn creator(&self, key: &str) -> String {
        match self.key_creator.get(key) {
            None => "not in the API key listing".to_string(),
            Some(None) => "created by a service account or an unknown creator".to_string(),
            Some(Some(user)) => match self.users.get(user) {
                Some(entry) => {
                    let name = entry.name.as_deref().map(comment_safe);
                    match (name, entry.email.as_deref()) {
                        (Some(name), Some(email)) => format!("created by {name} <{}>", comment_safe(email)),
                        (Some(name), None) => format!("created by {name} ({user})"),
                        (None, Some(email)) => format!("created by {}", comment_safe(email)),
                        (None, None) => format!("created by {user}"),
                    }
                }
                None => format!("created by {user} (not in the user listing)"),
            },
        }
    }
}

fn workspace_entry(item: &Item, names: &Names<'_>) -> String {
    let title = if item.id == DEFAULT_WORKSPACE {
        "The Default workspace".to_string()
    } else {
        match &item.name {
            Some(name) => format!("Workspace {}", quoted(name)),
            None => format!("Workspace {} (not in the workspace listing)", item.id),
        }
    };
    let keys = names.keys_of.get(item.id.as_str()).map_or(&[][..], Vec::as_slice);
    let listed = match keys.len() {
        0 => "no API keys".to_string(),
        1 => format!("1 API key: {}", comment_safe(keys[0])),
        count => {
            let shown: Vec<String> = keys.iter().take(5).map(|name| comment_safe(name)).collect();
            let more = if count > 5 { format!(" and {} more", count - 5) } else { String::new() };
            format!("{count} API keys: {}{more}", shown.join(", "))
        }
    };
    format!(
        "# {title}{}: {} in the last 30 days\n# {listed}\n# [[feature]]\n# name = {}\n# workspaces = [{}]\n",
        status_note(item),
        item.spend,
        toml_string(&feature_name(item)),
        toml_string(&item.id),
    )
}

fn key_entry(item: &Item, names: &Names<'_>) -> String {
    let title = match &item.name {
        Some(name) => format!("API key {}", quoted(name)),
        None => format!("API key {}", item.id),
    };
    let workspace = match names.key_workspace.get(item.id.as_str()) {
        Some(workspace) => names.workspace(*workspace),
        None => "workspace unknown".to_string(),
    };
    format!(
        "# {title}{}: {} in the last 30 days\n# {workspace}, {}\n# [[feature]]\n# name = {}\n# api_keys = [{}]\n",
        status_note(item),
        item.spend,
        names.creator(&item.id),
        toml_string(&feature_name(item)),
        toml_string(&item.id),
    )
}

/// ` (archived)`, ` (inactive)`: a status other than active.
fn status_note(item: &Item) -> String {
    match item.status.as_deref() {
        None | Some("active") => String::new(),
        Some(status) => format!(" ({})", comment_safe(status)),
    }
}

/// A suggested feature name: the name in lower case, runs of other characters as one `-`.
fn feature_name(item: &Item) -> String {
    let source = item.name.as_deref().unwrap_or(&item.id);
    let mut name = String::new();
    for character in source.chars() {
        if character.is_alphanumeric() {
            name.extend(character.to_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_string();
    if name.is_empty() { item.id.clone() } else { name }
}

/// Text for a comment line: control characters (a line break above all) become spaces.
fn comment_safe(text: &str) -> String {
    text.chars().map(|character| if character.is_control() { ' ' } else { character }).collect()
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", comment_safe(text))
}

/// A TOML basic string.
pub(crate) fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            other if other.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(other))),
            other => out.push(other),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: DirectoryKind, id: &str, name: &str) -> DirectoryEntry {
        DirectoryEntry {
            kind,
            id: id.into(),
            name: Some(name.into()),
            email: None,
            workspace_id: None,
            created_by: None,
            status: Some("active".into()),
        }
    }

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    fn directory() -> Vec<DirectoryEntry> {
        let mut key = entry(DirectoryKind::ApiKey, "apikey_01bot", "support-bot \"prod\"");
        key.workspace_id = Some("wrkspc_01sup".into());
        key.created_by = Some("user_01ana".into());
        let mut scratch = entry(DirectoryKind::ApiKey, "apikey_01scratch", "scratch");
        scratch.status = Some("inactive".into());
        let mut ana = entry(DirectoryKind::User, "user_01ana", "Ana\nLima");
        ana.email = Some("ana@acme.example".into());
        vec![entry(DirectoryKind::Workspace, "wrkspc_01sup", "Support"), key, scratch, ana]
    }

    fn input<'a>(
        directory: &'a [DirectoryEntry],
        workspaces: &'a BTreeMap<Option<String>, Money>,
        keys: &'a BTreeMap<String, Money>,
    ) -> DraftInput<'a> {
        DraftInput {
            directory,
            workspace_spend: workspaces,
            key_spend: keys,
            window: Period::new(day("2026-10-02"), day("2026-11-01")),
            today: day("2026-11-01"),
        }
    }

    #[test]
    fn a_fresh_draft_lists_everything_commented_and_parses_to_no_rules() {
        let directory = directory();
        let workspaces = BTreeMap::from([(Some("wrkspc_01sup".to_string()), Money::from_cents(123_456)), (None, Money::from_cents(5))]);
        let keys = BTreeMap::from([("apikey_01bot".to_string(), Money::from_cents(100_000))]);
        let draft = draft(None, &BTreeSet::new(), &input(&directory, &workspaces, &keys));
        assert_eq!(draft.workspaces, ["wrkspc_01sup", "default"]);
        assert_eq!(draft.api_keys, ["apikey_01bot", "apikey_01scratch"]);
        let text = &draft.text;
        assert!(text.contains("over\n# the 30 days 2026-10-02 to 2026-10-31"), "{text}");
        assert!(text.contains("# Workspace \"Support\": $1,234.56 in the last 30 days\n# 1 API key: support-bot \"prod\"\n"), "{text}");
        assert!(text.contains("# The Default workspace: $0.05 in the last 30 days\n# 1 API key: scratch\n"), "{text}");
        assert!(text.contains("# workspaces = [\"default\"]"), "{text}");
        assert!(
            text.contains(
                "# API key \"support-bot \"prod\"\": $1,000.00 in the last 30 days\n# workspace \"Support\", created by Ana Lima <ana@acme.example>\n# [[feature]]\n# name = \"support-bot-prod\"\n# api_keys = [\"apikey_01bot\"]\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("# API key \"scratch\" (inactive): $0.00 in the last 30 days\n# the Default workspace, created by a service"),
            "{text}"
        );
        // Every line a comment or blank: the draft assigns nothing until the user says so.
        assert!(text.lines().all(|line| line.is_empty() || line.starts_with('#')), "{text}");
        let map = spendlens_ingest::orgmap::read("orgmap.toml", text).unwrap();
        assert!(map.features.is_empty() && map.teams.is_empty() && map.claude_code.is_none());
        // Uncommented, an entry is a valid rule.
        let block = "# [[feature]]\n# name = \"support\"\n# workspaces = [\"wrkspc_01sup\"]\n";
        assert!(text.contains(block), "{text}");
        let assigned = text.replace(block, &block.replace("# ", ""));
        let map = spendlens_ingest::orgmap::read("orgmap.toml", &assigned).unwrap();
        assert_eq!((map.features[0].name.as_str(), map.features[0].workspaces.as_slice()), ("support", &["wrkspc_01sup".to_string()][..]));
    }

    #[test]
    fn a_merge_keeps_the_file_and_appends_only_what_is_new() {
        let directory = directory();
        let workspaces = BTreeMap::new();
        let keys = BTreeMap::new();
        let edited = "[[feature]]\nname = \"support\"\nworkspaces = [\"wrkspc_01sup\"]   # mine\n# apikey_01bot is the bot";
        let merged = draft(Some(edited), &BTreeSet::from(["default".to_string()]), &input(&directory, &workspaces, &keys));
        assert!(merged.text.starts_with(edited), "{}", merged.text);
        assert_eq!(merged.workspaces, Vec::<String>::new());
        assert_eq!(merged.api_keys, ["apikey_01scratch"]);
        assert!(merged.text[edited.len()..].starts_with("\n\n# ---- Added by `spendlens init` on 2026-11-01"), "{}", merged.text);
        assert_eq!(spendlens_ingest::orgmap::read("orgmap.toml", &merged.text).unwrap().features.len(), 1);
        // Nothing new: the file is returned as it is.
        let drafted = BTreeSet::from(["apikey_01scratch".to_string(), "default".to_string()]);
        let again = draft(Some(edited), &drafted, &input(&directory, &workspaces, &keys));
        assert_eq!((again.text.as_str(), again.api_keys.len()), (edited, 0));
    }

    #[test]
    fn toml_strings_escape_what_toml_needs() {
        assert_eq!(toml_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        let parsed: toml::Table = toml::from_str(&format!("x = {}", toml_string("a\"b\\c\nd\u{1}"))).unwrap();
        assert_eq!(parsed["x"].as_str(), Some("a\"b\\c\nd\u{1}"));
    }
}

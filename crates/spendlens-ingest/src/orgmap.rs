//! The org map file (`orgmap.toml`): teams by member email or domain glob, features by API key,
//! key-name glob or workspace, and what is Claude Code. Parsed once into [`OrgMap`] settings.
//!
//! ```toml
//! [[team]]
//! name = "payments"
//! members = ["ana@example.com", "*@payments.example.com"]
//!
//! [[feature]]
//! name = "support-bot"
//! api_keys = ["apikey_01Ab..."]
//! api_key_names = ["support-*"]
//! workspaces = ["wrkspc_01Cd..."]        # "default" names the Default workspace
//!
//! [claude_code]
//! workspaces = ["wrkspc_01Ef..."]
//! api_key_names = ["claude-code-*"]
//!
//! [[lever]]                              # a decision on an optimiser lever
//! feature = "ticket-classifier"
//! lever = "routing"                      # routing | caching | batch
//! status = "accepted"                    # accepted | rejected | adopted
//! target_model = "claude-haiku-5-5"      # routing only, optional
//! since = "2026-11-03"                   # required for adopted
//! ```

use std::collections::BTreeSet;

use serde::Deserialize;
use spendlens_model::{ClaudeCodeRule, FeatureRule, Glob, Lever, LeverRule, LeverStatus, OrgMap, TeamRule};
use toml::Spanned;

use crate::IngestError;
use crate::error::Location;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrgMap {
    #[serde(default)]
    team: Vec<Spanned<RawTeam>>,
    #[serde(default)]
    feature: Vec<Spanned<RawFeature>>,
    #[serde(default)]
    claude_code: Option<Spanned<RawKeys>>,
    #[serde(default)]
    lever: Vec<Spanned<RawLever>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLever {
    feature: String,
    lever: String,
    status: String,
    target_model: Option<String>,
    since: Option<spendlens_model::Day>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    name: String,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeature {
    name: String,
    #[serde(default)]
    api_keys: Vec<String>,
    #[serde(default)]
    api_key_names: Vec<String>,
    #[serde(default)]
    workspaces: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    #[serde(default)]
    api_keys: Vec<String>,
    #[serde(default)]
    api_key_names: Vec<String>,
    #[serde(default)]
    workspaces: Vec<String>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|byte| **byte == b'\n').count() + 1
}

/// The line of a table's header: the span of an array-of-tables element starts at its first key,
/// so walk back to the `[[...]]` or `[...]` line above it.
fn header_line(text: &str, offset: usize) -> usize {
    let mut line = line_of(text, offset);
    let lines: Vec<&str> = text.lines().collect();
    while line > 1 && !lines.get(line - 1).is_some_and(|l| l.trim_start().starts_with('[')) {
        line -= 1;
    }
    line
}

/// A rule's name must be present and not taken by an earlier rule of the same kind.
fn unique_name(kind: &str, name: &str, seen: &mut BTreeSet<String>) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("a {kind} needs a name"));
    }
    if !seen.insert(name.to_string()) {
        return Err(format!("{kind} {name:?} is defined twice"));
    }
    Ok(())
}

/// Parses an org map. `file` names it in errors and in every rule's explanation.
pub fn read(file: &str, text: &str) -> Result<OrgMap, IngestError> {
    let raw: RawOrgMap = toml::from_str(text).map_err(|error| {
        let line = error.span().map_or(1, |span| line_of(text, span.start));
        IngestError::malformed(file, Location::Line { line, column: None }, error.message().to_string())
    })?;
    let invalid =
        |line: usize, key: &str, detail: String| IngestError::malformed(file, Location::Key { line, key: key.to_string() }, detail);
    let origin = std::path::Path::new(file).file_name().map_or(file.to_string(), |name| name.to_string_lossy().into_owned());
    let mut map = OrgMap { origin, ..OrgMap::default() };

    let mut team_names = BTreeSet::new();
    for spanned in raw.team {
        let line = header_line(text, spanned.span().start);
        let team = spanned.into_inner();
        unique_name("team", &team.name, &mut team_names).map_err(|detail| invalid(line, "team.name", detail))?;
        if let Some(bad) = team.members.iter().find(|member| !member.contains('@')) {
            return Err(invalid(line, "team.members", format!("{bad:?} is neither an email nor a domain glob like \"*@example.com\"")));
        }
        map.teams.push(TeamRule { name: team.name, members: team.members.into_iter().map(Glob::new).collect(), line });
    }
    let mut feature_names = BTreeSet::new();
    for spanned in raw.feature {
        let line = header_line(text, spanned.span().start);
        let feature = spanned.into_inner();
        unique_name("feature", &feature.name, &mut feature_names).map_err(|detail| invalid(line, "feature.name", detail))?;
        if feature.api_keys.is_empty() && feature.api_key_names.is_empty() && feature.workspaces.is_empty() {
            return Err(invalid(
                line,
                "feature",
                format!("feature {:?} matches nothing: give api_keys, api_key_names or workspaces", feature.name),
            ));
        }
        map.features.push(FeatureRule {
            name: feature.name,
            api_keys: feature.api_keys,
            api_key_names: feature.api_key_names.into_iter().map(Glob::new).collect(),
            workspaces: feature.workspaces,
            line,
        });
    }
    for spanned in raw.lever {
        let line = header_line(text, spanned.span().start);
        let raw = spanned.into_inner();
        if !feature_names.contains(&raw.feature) {
            return Err(invalid(line, "lever.feature", format!("{:?} is not a [[feature]] of this map", raw.feature)));
        }
        let lever = Lever::parse(&raw.lever)
            .ok_or_else(|| invalid(line, "lever.lever", format!("{:?} is not one of routing, caching, batch", raw.lever)))?;
        let status = match raw.status.as_str() {
            "accepted" => LeverStatus::Accepted,
            "rejected" => LeverStatus::Rejected,
            "adopted" => LeverStatus::Adopted,
            other => return Err(invalid(line, "lever.status", format!("{other:?} is not one of accepted, rejected, adopted"))),
        };
        if status == LeverStatus::Adopted && raw.since.is_none() {
            return Err(invalid(line, "lever.since", "an adopted lever needs the day it took effect (since = \"YYYY-MM-DD\")".to_string()));
        }
        if raw.target_model.is_some() && lever != Lever::Routing {
            return Err(invalid(line, "lever.target_model", "only a routing decision names a model".to_string()));
        }
        map.levers.push(LeverRule { feature: raw.feature, lever, status, target_model: raw.target_model, since: raw.since, line });
    }
    if let Some(spanned) = raw.claude_code {
        let line = header_line(text, spanned.span().start);
        let keys = spanned.into_inner();
        map.claude_code = Some(ClaudeCodeRule {
            api_keys: keys.api_keys,
            api_key_names: keys.api_key_names.into_iter().map(Glob::new).collect(),
            workspaces: keys.workspaces,
            line,
        });
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use spendlens_model::KeyTarget;

    use super::*;

    const MAP: &str = r#"# Acme
[[team]]
name = "payments"
members = ["ana@acme.example", "*@payments.acme.example"]

[claude_code]
workspaces = ["wrkspc_cc"]
api_key_names = ["claude-code-*"]

[[feature]]
name = "support-bot"
api_key_names = ["support-*"]
workspaces = ["default"]
"#;

    #[test]
    fn rules_keep_their_lines_and_file_order() {
        let map = read("/etc/acme/orgmap.toml", MAP).unwrap();
        assert_eq!(map.teams[0].line, 2);
        assert_eq!(map.claude_code.as_ref().unwrap().line, 6);
        assert_eq!(map.features[0].line, 10);
        let matched = map.classify_key(None, Some("claude-code-ana"), Some("default")).unwrap();
        assert_eq!(matched.target, KeyTarget::ClaudeCode);
        assert!(matched.rule.starts_with("orgmap.toml:6 [claude_code]"), "{}", matched.rule);
        assert_eq!(map.team_of("zed@payments.acme.example").unwrap().0, "payments");
    }

    #[test]
    fn lever_decisions_are_read_and_checked() {
        let with = |lever: &str| format!("{MAP}\n[[lever]]\nfeature = \"support-bot\"\n{lever}\n");
        let map = read("orgmap.toml", &with("lever = \"routing\"\nstatus = \"accepted\"\ntarget_model = \"claude-haiku-5-5\"")).unwrap();
        let rule = map.lever("support-bot", Lever::Routing, Some("claude-haiku-5-5")).unwrap();
        assert_eq!((rule.status, rule.line), (LeverStatus::Accepted, 15));
        assert!(map.lever("support-bot", Lever::Routing, Some("claude-sonnet-5-5")).is_none(), "another model's decision");
        let rows = [
            ("lever = \"caching\"\nstatus = \"adopted\"", "key \"lever.since\": an adopted lever needs the day"),
            ("lever = \"speed\"\nstatus = \"accepted\"", "key \"lever.lever\": \"speed\" is not one of"),
            ("lever = \"batch\"\nstatus = \"maybe\"", "key \"lever.status\": \"maybe\" is not one of"),
            ("lever = \"batch\"\nstatus = \"accepted\"\ntarget_model = \"x\"", "only a routing decision names a model"),
        ];
        for (lever, expected) in rows {
            let error = read("orgmap.toml", &with(lever)).unwrap_err().to_string();
            assert!(error.contains(expected) && error.contains("line 15"), "{error}");
        }
        let unknown = format!("{MAP}\n[[lever]]\nfeature = \"nobody\"\nlever = \"batch\"\nstatus = \"accepted\"\n");
        assert!(read("orgmap.toml", &unknown).unwrap_err().to_string().contains("\"nobody\" is not a [[feature]]"));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let unknown = MAP.replace("api_key_names = [\"support-*\"]", "api_key_nmes = [\"support-*\"]");
        let error = read("orgmap.toml", &unknown).unwrap_err().to_string();
        assert!(error.starts_with("orgmap.toml: line 12") && error.contains("api_key_nmes"), "{error}");
        let twice = format!("{MAP}\n[[team]]\nname = \"payments\"\n");
        assert_eq!(
            read("orgmap.toml", &twice).unwrap_err().to_string(),
            "orgmap.toml: line 15, key \"team.name\": team \"payments\" is defined twice"
        );
        let bad_member = MAP.replace("\"ana@acme.example\"", "\"ana\"");
        assert!(read("orgmap.toml", &bad_member).unwrap_err().to_string().contains("line 2, key \"team.members\""));
    }
}

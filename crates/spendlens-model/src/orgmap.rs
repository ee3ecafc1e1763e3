//! The org map, resolved: which team each engineer belongs to, which API keys and workspaces serve
//! which feature, and which are Claude Code. Parsed from TOML by `spendlens-ingest`; matched here.
//!
//! Rules are kept in file order: the first rule that matches wins, and every match can name the rule
//! (file line) that made it, so a user can ask "why is this Claude Code?".

use serde::{Deserialize, Serialize};

/// A case-insensitive pattern where `*` matches any run of characters and `?` one character.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Glob(String);

impl Glob {
    pub fn new(pattern: impl Into<String>) -> Self {
        Glob(pattern.into().to_ascii_lowercase())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, text: &str) -> bool {
        let text = text.to_ascii_lowercase();
        glob_match(self.0.as_bytes(), text.as_bytes())
    }
}

/// Iterative wildcard match with single-star backtracking: linear in practice, never exponential.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// `[[team]]`: engineers by exact email or domain glob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRule {
    pub name: String,
    pub members: Vec<Glob>,
    /// Line of the rule in its file (1-based), for explanations.
    pub line: usize,
}

/// `[[feature]]`: an API feature and the keys and workspaces that carry its traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureRule {
    pub name: String,
    pub api_keys: Vec<String>,
    pub api_key_names: Vec<Glob>,
    pub workspaces: Vec<String>,
    pub line: usize,
}

/// `[claude_code]`: keys and workspaces whose spend is Claude Code, not API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaudeCodeRule {
    pub api_keys: Vec<String>,
    pub api_key_names: Vec<Glob>,
    pub workspaces: Vec<String>,
    pub line: usize,
}

/// A cost lever of the API optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lever {
    /// Send the traffic to a cheaper model.
    Routing,
    /// Cache a repeated prompt prefix.
    Caching,
    /// Move latency-tolerant traffic to the Message Batches API.
    Batch,
}

impl Lever {
    pub const ALL: [Lever; 3] = [Lever::Routing, Lever::Caching, Lever::Batch];

    pub fn as_str(self) -> &'static str {
        match self {
            Lever::Routing => "routing",
            Lever::Caching => "caching",
            Lever::Batch => "batch",
        }
    }

    pub fn parse(text: &str) -> Option<Lever> {
        Lever::ALL.into_iter().find(|lever| lever.as_str() == text)
    }
}

/// What the organisation decided about a lever for a feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeverStatus {
    /// Planned: the estimate becomes part of the plan, whatever its confidence.
    Accepted,
    /// Not to be done (a quality test failed, a latency need): left out of the plan.
    Rejected,
    /// Done, from `since`: `spendlens savings` measures it against the counterfactual.
    Adopted,
}

impl LeverStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeverStatus::Accepted => "accepted",
            LeverStatus::Rejected => "rejected",
            LeverStatus::Adopted => "adopted",
        }
    }
}

/// `[[lever]]`: a decision on one lever of one feature (a routing decision may name its model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeverRule {
    pub feature: String,
    pub lever: Lever,
    pub status: LeverStatus,
    /// Routing only: the model decided on (`None`: any).
    pub target_model: Option<String>,
    /// The day it took effect (required for `adopted`).
    pub since: Option<crate::Day>,
    pub line: usize,
}

/// Which rule kind matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyTarget {
    ClaudeCode,
    Feature(String),
}

/// The resolved org map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMap {
    /// Where it was read from, for explanations (`orgmap.toml`).
    pub origin: String,
    pub teams: Vec<TeamRule>,
    pub features: Vec<FeatureRule>,
    pub claude_code: Option<ClaudeCodeRule>,
    /// Decisions on the optimiser's levers, in file order.
    #[serde(default)]
    pub levers: Vec<LeverRule>,
}

/// A key-side match: what the key or workspace is, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyMatch {
    pub target: KeyTarget,
    /// e.g. `orgmap.toml:14 [[feature]] "support-bot" api_key_names "support-*"`.
    pub rule: String,
}

impl OrgMap {
    /// The decision on `lever` for `feature` (the last one in the file wins), if any; a routing
    /// decision naming another model than `target_model` does not apply.
    pub fn lever(&self, feature: &str, lever: Lever, target_model: Option<&str>) -> Option<&LeverRule> {
        self.levers.iter().rev().find(|rule| {
            rule.feature == feature
                && rule.lever == lever
                && match (&rule.target_model, target_model) {
                    (Some(decided), Some(target)) => decided == target,
                    _ => true,
                }
        })
    }

    /// The team of an engineer: the first `[[team]]` whose members match the email.
    pub fn team_of(&self, email: &str) -> Option<(&str, String)> {
        self.teams.iter().find_map(|team| {
            team.members.iter().find(|glob| glob.matches(email)).map(|glob| {
                (team.name.as_str(), format!("{}:{} [[team]] {:?} member {:?}", self.origin, team.line, team.name, glob.as_str()))
            })
        })
    }

    /// Classifies an API key / workspace: the first matching rule in file order.
    pub fn classify_key(&self, api_key_id: Option<&str>, api_key_name: Option<&str>, workspace_id: Option<&str>) -> Option<KeyMatch> {
        type Rule<'a> = (usize, KeyTarget, &'a [String], &'a [Glob], &'a [String], String);
        let mut rules: Vec<Rule<'_>> = self
            .features
            .iter()
            .map(|feature| {
                (
                    feature.line,
                    KeyTarget::Feature(feature.name.clone()),
                    feature.api_keys.as_slice(),
                    feature.api_key_names.as_slice(),
                    feature.workspaces.as_slice(),
                    format!("[[feature]] {:?}", feature.name),
                )
            })
            .collect();
        if let Some(cc) = &self.claude_code {
            rules.push((cc.line, KeyTarget::ClaudeCode, &cc.api_keys, &cc.api_key_names, &cc.workspaces, "[claude_code]".to_string()));
        }
        rules.sort_by_key(|rule| rule.0);
        for (line, target, keys, names, workspaces, label) in rules {
            let why = if let Some(id) = api_key_id.filter(|id| keys.iter().any(|key| key == id)) {
                Some(format!("api_keys {id:?}"))
            } else if let Some((name, glob)) =
                api_key_name.and_then(|name| names.iter().find(|glob| glob.matches(name)).map(|glob| (name, glob)))
            {
                Some(format!("api_key_names {:?} matches {name:?}", glob.as_str()))
            } else {
                workspace_id.filter(|id| workspaces.iter().any(|w| w == id)).map(|id| format!("workspaces {id:?}"))
            };
            if let Some(why) = why {
                return Some(KeyMatch { target, rule: format!("{}:{line} {label} {why}", self.origin) });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_shell_patterns() {
        let cases = [
            ("*@payments.example.com", "Ana@Payments.example.com", true),
            ("*@payments.example.com", "ana@example.com", false),
            ("support-*", "support-bot-prod", true),
            ("support-*", "xsupport-bot", false),
            ("a?c", "abc", true),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c", "xxaxxbxxcxxd", false),
            ("exact@example.com", "exact@example.com", true),
        ];
        for (pattern, text, expected) in cases {
            assert_eq!(Glob::new(pattern).matches(text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn first_rule_in_file_order_wins_and_names_itself() {
        let map = OrgMap {
            origin: "orgmap.toml".into(),
            teams: vec![TeamRule { name: "payments".into(), members: vec![Glob::new("*@pay.example.com")], line: 1 }],
            features: vec![FeatureRule {
                name: "support-bot".into(),
                api_keys: vec![],
                api_key_names: vec![],
                workspaces: vec!["wrkspc_shared".into()],
                line: 9,
            }],
            claude_code: Some(ClaudeCodeRule {
                api_keys: vec![],
                api_key_names: vec![Glob::new("claude-code-*")],
                workspaces: vec![],
                line: 4,
            }),
            levers: Vec::new(),
        };
        let cc = map.classify_key(Some("apikey_1"), Some("claude-code-ana"), Some("wrkspc_shared")).unwrap();
        assert_eq!(cc.target, KeyTarget::ClaudeCode);
        assert_eq!(cc.rule, "orgmap.toml:4 [claude_code] api_key_names \"claude-code-*\" matches \"claude-code-ana\"");
        let feature = map.classify_key(Some("apikey_2"), Some("prod"), Some("wrkspc_shared")).unwrap();
        assert_eq!(feature.target, KeyTarget::Feature("support-bot".into()));
        assert!(map.classify_key(Some("apikey_3"), None, Some("other")).is_none());
        assert_eq!(map.team_of("bo@pay.example.com").map(|t| t.0), Some("payments"));
    }
}

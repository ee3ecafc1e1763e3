//! Arbitrary text as an org map (UTF-8 only: the CLI reads the file as a string first): the
//! reader must never panic, a rejection names the file and says why, and every rule it accepts
//! is named once, sits on a line of the file and matches what it lists.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::assert_clear_rejection;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let map = match spendlens_ingest::orgmap::read("fuzz.toml", text) {
        Ok(map) => map,
        Err(error) => return assert_clear_rejection("fuzz.toml", &error),
    };
    assert_eq!(map.origin, "fuzz.toml");
    let lines = text.lines().count().max(1);
    let mut teams = BTreeSet::new();
    for team in &map.teams {
        assert!(!team.name.trim().is_empty() && teams.insert(team.name.as_str()), "team {:?} unnamed or twice", team.name);
        assert!((1..=lines).contains(&team.line), "team {:?} on line {} of {lines}", team.name, team.line);
        for member in &team.members {
            assert!(member.as_str().contains('@'), "member {:?}", member.as_str());
            assert!(member.matches(member.as_str()), "member {:?} does not match itself", member.as_str());
            assert!(map.team_of(member.as_str()).is_some(), "member {:?} has no team", member.as_str());
        }
    }
    let mut features = BTreeSet::new();
    for feature in &map.features {
        assert!(!feature.name.trim().is_empty() && features.insert(feature.name.as_str()), "feature {:?} unnamed or twice", feature.name);
        assert!((1..=lines).contains(&feature.line), "feature {:?} on line {} of {lines}", feature.name, feature.line);
        assert!(!(feature.api_keys.is_empty() && feature.api_key_names.is_empty() && feature.workspaces.is_empty()));
    }
    let key_rules = map
        .features
        .iter()
        .map(|feature| (&feature.api_keys, &feature.api_key_names, &feature.workspaces))
        .chain(map.claude_code.iter().map(|rule| (&rule.api_keys, &rule.api_key_names, &rule.workspaces)));
    for (keys, names, workspaces) in key_rules {
        for key in keys {
            assert!(map.classify_key(Some(key), None, None).is_some(), "api key {key:?} matches no rule");
        }
        for name in names {
            assert!(map.classify_key(None, Some(name.as_str()), None).is_some(), "key name {:?} matches no rule", name.as_str());
        }
        for workspace in workspaces {
            assert!(map.classify_key(None, None, Some(workspace)).is_some(), "workspace {workspace:?} matches no rule");
        }
    }
    if let Some(rule) = &map.claude_code {
        assert!((1..=lines).contains(&rule.line), "[claude_code] on line {} of {lines}", rule.line);
    }
});

//! `spendlens seats` and `spendlens cc insights` through the binary: the JSON contracts, the demo's
//! planted idle seats and keys against its ground truth, the `[seats]` config and the flags.

use crate::support::{json, ok, spendlens};

#[test]
fn seats_and_cc_insights_keep_their_contracts_on_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["demo", "--engineers", "24", "--days", "60"]);
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("demo-sources").join("ground_truth.json")).unwrap()).unwrap();

    let seats = json(&data, &["seats", "--month", "2026-10", "--json"]);
    for key in ["seats_now", "seats_recommended", "monthly_usd_now", "monthly_usd_recommended"] {
        assert!(seats["plan"].get(key).is_some(), "plan lacks {key}: {}", seats["plan"]);
    }
    let recommendations = seats["recommendations"].as_array().unwrap();
    for item in recommendations {
        for key in ["email", "action", "monthly_impact_usd", "evidence"] {
            assert!(item.get(key).is_some(), "a recommendation lacks {key}: {item}");
        }
        assert!(["reclaim", "downgrade", "move_to_api_key", "upgrade", "grant"].contains(&item["action"].as_str().unwrap()));
        assert!(item["monthly_impact_usd"].as_str().unwrap().parse::<rust_decimal::Decimal>().is_ok(), "exact decimal strings");
    }
    let idle = truth["planted"]["idle_seats"].as_array().unwrap();
    assert!(!idle.is_empty());
    let reclaims: Vec<(&str, &str)> = recommendations
        .iter()
        .filter(|item| item["action"] == "reclaim")
        .map(|item| (item["email"].as_str().unwrap(), item["monthly_impact_usd"].as_str().unwrap()))
        .collect();
    let mut expected: Vec<(&str, &str)> =
        idle.iter().map(|seat| (seat["email"].as_str().unwrap(), seat["monthly_usd"].as_str().unwrap())).collect();
    let mut found = reclaims.clone();
    expected.sort();
    found.sort();
    assert_eq!(found, expected, "exactly the planted idle seats, each for its fee");
    assert!(ok(&data, &["seats", "--month", "2026-10"]).contains("Claude Code seats · 2026-10"));

    // The config's [seats] lays fees over the defaults; --idle-days wins over the config's.
    std::fs::write(data.join("config.toml"), "[seats]\nidle_days = 45\n[seats.plans.team_standard]\nmonthly_usd = \"25\"\n").unwrap();
    let configured = json(&data, &["seats", "--month", "2026-10", "--json"]);
    assert_eq!(configured["idle_days"], 45);
    let standard = configured["plans"].as_array().unwrap().iter().find(|plan| plan["name"] == "team_standard").unwrap();
    assert_eq!((standard["monthly_usd"].as_str(), standard["confirmed"].as_bool()), (Some("25"), Some(true)));
    assert_eq!(json(&data, &["seats", "--month", "2026-10", "--idle-days", "7", "--json"])["idle_days"], 7);
    let refused = spendlens(&data, &["seats", "--idle-days", "0"]);
    assert!(!refused.status.success() && String::from_utf8_lossy(&refused.stderr).contains("--idle-days"));
    std::fs::write(data.join("config.toml"), "[seats]\nidle = 3\n").unwrap();
    let bad = spendlens(&data, &["seats"]);
    let said = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && said.contains("config.toml") && said.contains("idle"), "{said}");
    std::fs::remove_file(data.join("config.toml")).unwrap();

    let insights = json(&data, &["cc", "insights", "--month", "2026-10", "--json"]);
    for key in ["engineers", "teams", "outliers", "path_fit"] {
        assert!(insights[key].is_array(), "{key}: {insights}");
    }
    let fits: Vec<(&str, &str)> = insights["path_fit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fit| (fit["api_key_id"].as_str().unwrap(), fit["direction"].as_str().unwrap()))
        .collect();
    let automation = truth["planted"]["claude_code_automation"]["api_key_id"].as_str().unwrap();
    let interactive = truth["planted"]["interactive_api_key"]["api_key_id"].as_str().unwrap();
    assert_eq!(fits.len(), 2, "{fits:?}");
    assert!(fits.contains(&(automation, "to_api")) && fits.contains(&(interactive, "to_claude_code")), "{fits:?}");
    for fit in insights["path_fit"].as_array().unwrap() {
        assert!(fit["monthly_usd"].as_str().unwrap().parse::<rust_decimal::Decimal>().is_ok());
        assert!(fit["evidence"].as_array().is_some_and(|lines| !lines.is_empty()));
    }
    let text = ok(&data, &["cc", "insights", "--month", "2026-10"]);
    assert!(text.contains("Path fit") && text.contains("to_api") && text.contains("to_claude_code"), "{text}");
}

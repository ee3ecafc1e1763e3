use spendlens_demo::{DemoConfig, generate, render};

use crate::support::{book, buckets, read_json};

fn small(engineers: usize, features: usize, days: u32) -> DemoConfig {
    DemoConfig { engineers, features, days, traffic_scale: 0.05, transcript_engineers: 0, ..DemoConfig::default() }
}

#[test]
fn more_engineers_more_roster_lines_and_users() {
    let counts: Vec<(usize, usize)> = [24, 48]
        .iter()
        .map(|&engineers| {
            let dir = tempfile::tempdir().unwrap();
            let rendered = render(&generate(&small(engineers, 2, 30), book()).unwrap(), dir.path()).unwrap();
            let roster = std::fs::read_to_string(&rendered.roster).unwrap().lines().count() - 1;
            let users = read_json(&rendered.users)["data"].as_array().unwrap().len();
            (roster, users)
        })
        .collect();
    assert_eq!(counts[0], (20, 24));
    assert_eq!(counts[1], (40, 48));
}

#[test]
fn more_features_more_keys_and_rules() {
    let rules: Vec<usize> = [3, 6, 8]
        .iter()
        .map(|&features| {
            let org = generate(&small(12, features, 20), book()).unwrap();
            assert_eq!(org.features.len(), features);
            let dir = tempfile::tempdir().unwrap();
            let rendered = render(&org, dir.path()).unwrap();
            std::fs::read_to_string(&rendered.orgmap).unwrap().matches("[[feature]]").count()
        })
        .collect();
    assert_eq!(rules, [3, 6, 8]);
}

#[test]
fn more_days_more_buckets() {
    for days in [30u32, 60] {
        let dir = tempfile::tempdir().unwrap();
        let org = generate(&small(12, 2, days), book()).unwrap();
        let rendered = render(&org, dir.path()).unwrap();
        assert_eq!(buckets(&rendered.usage_pages).len(), days as usize * 24);
        assert_eq!(rendered.usage_pages.len(), (days as usize * 24).div_ceil(168));
        assert_eq!(buckets(&rendered.cost_pages).len(), days as usize);
        assert_eq!(rendered.cost_pages.len(), (days as usize).div_ceil(31));
        assert_eq!(org.end - org.start, chrono::Duration::days(i64::from(days) - 1));
    }
}

#[test]
fn invalid_configurations_are_rejected() {
    for config in [
        DemoConfig { days: 0, ..DemoConfig::default() },
        DemoConfig { teams: 0, ..DemoConfig::default() },
        DemoConfig { traffic_scale: f64::NAN, ..DemoConfig::default() },
    ] {
        assert!(generate(&config, book()).is_err());
    }
    let empty = generate(&DemoConfig { engineers: 0, features: 0, days: 3, ..DemoConfig::default() }, book()).unwrap();
    assert!(empty.engineers.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let rendered = render(&empty, dir.path()).unwrap();
    assert_eq!(rendered.claude_code_pages.len(), 1);
    let hours = buckets(&rendered.usage_pages);
    assert_eq!(hours.len(), 72, "empty hourly buckets are still listed");
    assert!(hours.iter().filter(|bucket| bucket["results"].as_array().unwrap().is_empty()).count() >= 60);
}

//! Claude Code right-sizing on the demo organisation, against the generator's ground truth: the
//! planted idle seats are reclaimed for exactly their fee, no active engineer's seat is, and the
//! planted automation and interactive keys are found on the wrong path while no product feature is.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::Duration;
use spendlens_app::{App, Settings};
use spendlens_demo::{DemoConfig, DemoOrg};
use spendlens_model::{Day, Period};

struct Demo {
    _dir: tempfile::TempDir,
    app: App,
    org: DemoOrg,
}

/// 30 engineers over 100 days to 2026-10-31: large enough for the planted keys and idle seats.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Settings { data_dir: dir.path().join("data"), prices: None });
        let config = DemoConfig {
            engineers: 30,
            days: 100,
            end: "2026-10-31".parse().unwrap(),
            transcript_engineers: 1,
            traffic_scale: 0.1,
            ..DemoConfig::default()
        };
        let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
        app.ingest_demo(&config, &files, &spendlens_app::ingest::Quiet, &mut |_| {}).unwrap();
        let org = spendlens_demo::generate(&config, app.price_book().unwrap()).unwrap();
        Demo { _dir: dir, app, org }
    })
}

fn october() -> Period {
    Period::parse_month("2026-10").unwrap()
}

#[test]
fn the_planted_idle_seats_are_reclaimed_for_their_fee_and_no_active_seat_is() {
    let demo = demo();
    let review = demo.app.seats(october(), None).unwrap();
    let truth = &demo.org.ground_truth;
    assert!(!truth.planted.idle_seats.is_empty(), "the demo plants idle seats");
    assert_eq!((review.as_of, review.idle_days), ("2026-10-31".parse::<Day>().unwrap(), 30));
    let reclaims: Vec<(&str, spendlens_model::Money)> = review
        .recommendations
        .iter()
        .filter(|item| item.action == "reclaim")
        .map(|item| (item.email.as_str(), item.monthly_impact_usd))
        .collect();
    for idle in &truth.planted.idle_seats {
        assert!(
            reclaims.contains(&(idle.email.as_str(), idle.monthly_usd)),
            "{} ({}) not reclaimed: {reclaims:?}",
            idle.email,
            idle.monthly_usd
        );
    }
    // Every engineer: whoever the generator made active in the idle window keeps their seat.
    let window_start = review.as_of - Duration::days(29);
    let active: BTreeSet<&str> = demo
        .org
        .claude_code
        .iter()
        .filter(|record| record.is_active() && window_start <= record.day && record.day <= review.as_of)
        .map(|record| record.email.as_str())
        .collect();
    for engineer in &truth.engineers {
        let reclaimed = reclaims.iter().any(|(email, _)| *email == engineer.email);
        if active.contains(engineer.email.as_str()) {
            assert!(!reclaimed, "{} was active in the window and is recommended for reclaim", engineer.email);
        }
        if reclaimed {
            assert!(engineer.idle, "{} is reclaimed but was not planted idle", engineer.email);
        }
    }
    assert_eq!(reclaims.len(), truth.planted.idle_seats.len());
    // The plan: the idle seats' fees come off.
    let idle_fees: spendlens_model::Money = truth.planted.idle_seats.iter().map(|idle| idle.monthly_usd).sum();
    let impact: spendlens_model::Money = review.recommendations.iter().map(|item| item.monthly_impact_usd).sum();
    assert_eq!(review.plan.monthly_usd_now - review.plan.monthly_usd_recommended, impact);
    assert!(impact >= idle_fees);
    let json = spendlens_app::views::to_json(&review).unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in ["seats_now", "seats_recommended", "monthly_usd_now", "monthly_usd_recommended"] {
        assert!(value["plan"][key].is_number() || value["plan"][key].is_string(), "plan.{key} in {json}");
    }
    for item in value["recommendations"].as_array().unwrap() {
        for key in ["email", "action", "monthly_impact_usd", "evidence"] {
            assert!(!item[key].is_null(), "{key} in {item}");
        }
    }
}

#[test]
fn the_planted_keys_are_found_on_the_wrong_path_and_no_product_feature_is() {
    let demo = demo();
    let insights = demo.app.cc_insights(october()).unwrap();
    let planted = &demo.org.ground_truth.planted;
    let automation = planted.claude_code_automation.as_ref().expect("planted automation key");
    let interactive = planted.interactive_api_key.as_ref().expect("planted interactive key");
    let fits: Vec<(&str, &str)> =
        insights.path_fit.iter().map(|fit| (fit.api_key_id.as_deref().unwrap_or(""), fit.direction.as_str())).collect();
    assert_eq!(fits.len(), 2, "only the two planted keys: {fits:?}");
    assert!(fits.contains(&(automation.api_key_id.as_str(), "to_api")), "{fits:?}");
    assert!(fits.contains(&(interactive.api_key_id.as_str(), "to_claude_code")), "{fits:?}");
    // The automation priced on the API at the batch tier: the generator's own figure for October.
    let october_truth = automation.months.iter().find(|month| month.month == "2026-10").unwrap();
    let to_api = insights.path_fit.iter().find(|fit| fit.direction == "to_api").unwrap();
    assert_eq!(to_api.monthly_usd, october_truth.spend_at_batch_tier_usd.round_cents());
    assert_eq!(to_api.current_monthly_usd, october_truth.spend_usd.round_cents());
    let to_claude_code = insights.path_fit.iter().find(|fit| fit.direction == "to_claude_code").unwrap();
    let spent = interactive.months.iter().find(|month| month.month == "2026-10").unwrap().spend_usd;
    assert_eq!(to_claude_code.current_monthly_usd, spent.round_cents());
    // A month of one person's assistant fits a standard seat ($30 a month by default).
    assert_eq!(to_claude_code.monthly_usd, spendlens_model::Money::from_cents(3_000));
    let json: serde_json::Value = serde_json::from_str(&spendlens_app::views::to_json(&insights).unwrap()).unwrap();
    for key in ["engineers", "teams", "outliers", "path_fit"] {
        assert!(json[key].is_array(), "{key}");
    }
    assert!(json["path_fit"][0]["email"].is_null() && json["path_fit"][0]["api_key_id"].is_string());
    // Every engineer active in October is in the insights, each in a team.
    assert!(insights.engineers.len() >= demo.org.ground_truth.months.last().unwrap().active_engineers as usize);
    assert!(insights.teams.iter().all(|team| !team.intensity.is_empty()));
}

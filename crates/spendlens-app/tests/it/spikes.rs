//! Spikes on the demo organisation against the generator's own ground truth: the planted
//! model-mix week of doc-search found with model mix as its top factor and its change equal to the
//! generator's priced jump; the sprint rhythm of Claude Code (calm week, busy week) and the week
//! after the quiet week of August not flagged though their week-on-week change is large.

use chrono::{Datelike, Duration};
use rust_decimal::Decimal;
use spendlens_analysis::spikes::Grain;
use spendlens_app::{App, Settings};
use spendlens_demo::{DemoConfig, GroundTruth};
use spendlens_model::{Day, Money, Path, Period};

pub struct Demo {
    pub _dir: tempfile::TempDir,
    pub app: App,
    pub truth: GroundTruth,
    pub window: Period,
}

pub fn demo(engineers: usize, days: u32) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(Settings { data_dir: dir.path().join("data"), prices: None });
    let config = DemoConfig { engineers, days, end: "2026-10-31".parse().unwrap(), transcript_engineers: 0, ..DemoConfig::default() };
    let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
    app.ingest_demo(&config, &files, &spendlens_app::ingest::Quiet, &mut |_| {}).unwrap();
    let truth = spendlens_demo::generate(&config, app.price_book().unwrap()).unwrap().ground_truth;
    let window = Period::new(truth.window_start, truth.window_end.succ_opt().unwrap());
    Demo { _dir: dir, app, truth, window }
}

#[test]
fn the_planted_model_mix_spike_is_found_and_explained_by_model_mix() {
    let demo = demo(16, 120);
    let planted = demo.truth.planted.model_mix_spike.clone().unwrap();
    let answer = demo.app.spikes(demo.window).unwrap();
    for spike in &answer.spikes {
        eprintln!("{} {} {:?} {} {}", spike.start, spike.path, spike.driver, spike.change_usd, spike.summary);
    }
    let spike = answer
        .spikes
        .iter()
        .find(|spike| spike.driver.kind == "feature" && spike.driver.name == planted.feature && spike.start == planted.start)
        .unwrap_or_else(|| panic!("no spike of {} on {}: {:#?}", planted.feature, planted.start, answer.spikes));
    assert_eq!((spike.end, spike.path, spike.grain), (planted.end, Path::Api, Grain::Week));
    // The change is the generator's priced week-on-week jump (the cost report is its priced rows).
    assert_eq!(spike.change_usd, planted.jump_usd.round_cents(), "{spike:#?}");
    // Exact: the factors sum to the change to the cent.
    assert_eq!(spike.factors.iter().map(|factor| factor.usd).sum::<Money>(), spike.change_usd);
    // The top factor is the model mix, and it carries about the cost of the switch alone (the
    // truth's spike week priced on Opus minus the same tokens on Sonnet), within 5% of the jump.
    let top = spike.factors.iter().max_by_key(|factor| factor.usd).unwrap();
    assert_eq!(top.factor, "model mix", "{spike:#?}");
    let tolerance = planted.jump_usd.as_decimal().abs() * Decimal::new(5, 2);
    assert!(
        (top.usd.as_decimal() - planted.model_switch_usd.as_decimal()).abs() <= tolerance,
        "{} against {}",
        top.usd,
        planted.model_switch_usd
    );
    assert!(spike.summary.starts_with(&format!("{} +$", planted.feature)), "{}", spike.summary);
    assert!(
        spike.summary.contains("moving from Sonnet 5.5 to Opus 5.5") && spike.summary.contains("check the routing rule"),
        "{}",
        spike.summary
    );
    // The JSON contract, exactly these keys.
    let json: serde_json::Value = serde_json::from_str(&spendlens_app::views::to_json(&answer).unwrap()).unwrap();
    let first = &json["spikes"][0];
    let mut keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["change_usd", "driver", "end", "factors", "path", "start", "summary"]);
    assert!(first["change_usd"].is_string() && first["factors"][0]["usd"].is_string() && first["driver"]["kind"].is_string());
}

/// Claude Code's daily-billed spend per Monday-to-Sunday week.
fn claude_code_weeks(demo: &Demo) -> Vec<(Day, Money)> {
    let loaded = demo.app.load_ledger(demo.window).unwrap();
    let mut monday = demo.window.start;
    while monday.weekday() != chrono::Weekday::Mon {
        monday += Duration::days(1);
    }
    let mut weeks = Vec::new();
    while monday + Duration::days(6) < demo.window.end {
        let week = Period::new(monday, monday + Duration::days(7));
        let spend = loaded
            .ledger
            .entries
            .iter()
            .filter(|entry| entry.path == Path::ClaudeCode && (entry.end - entry.start).num_days() == 1 && week.contains(entry.start))
            .map(|entry| entry.amount)
            .sum();
        weeks.push((monday, spend));
        monday += Duration::days(7);
    }
    weeks
}

#[test]
fn busy_sprint_weeks_and_the_week_after_the_quiet_week_are_not_spikes() {
    let demo = demo(16, 120);
    let weeks = claude_code_weeks(&demo);
    // The rhythm is there: busy weeks at least 15% above the calm week before them.
    let busy: Vec<Day> = weeks
        .windows(2)
        .filter(|pair| pair[0].1 > Money::ZERO && pair[1].1.as_decimal() > pair[0].1.as_decimal() * Decimal::new(115, 2))
        .map(|pair| pair[1].0)
        .collect();
    assert!(busy.len() >= 3, "the demo should have busy weeks: {weeks:?}");
    // The week after the quiet week is far above it.
    let (quiet, _) = demo.truth.calendar.quiet_week.unwrap();
    let after_quiet = quiet + Duration::days(7);
    assert!(busy.contains(&after_quiet), "{after_quiet} in {busy:?}");
    let answer = demo.app.spikes(demo.window).unwrap();
    let claude_code: Vec<_> = answer.spikes.iter().filter(|spike| spike.path == Path::ClaudeCode).collect();
    assert!(claude_code.is_empty(), "no Claude Code spike is planted: {claude_code:#?}");
    assert!(!answer.spikes.iter().any(|spike| spike.start == after_quiet), "{:#?}", answer.spikes);
}

//! Every JSON document a face prints, pinned: a small demo organisation ingested through the use
//! cases, each view serialised with `views::to_json` and compared with its snapshot. A change to a
//! field name, a figure or the order of keys shows here first.

use std::path::Path;
use std::sync::OnceLock;

use spendlens_analysis::PlacementFilter;
use spendlens_app::claude_code::{Transcripts, UsageQuestion, View, cc_json, ccusage_document};
use spendlens_app::ingest::Quiet;
use spendlens_app::ledger::PeriodChoice;
use spendlens_app::questions::PriceQuestion;
use spendlens_app::timezone::ReportZone;
use spendlens_app::views::to_json;
use spendlens_app::{App, Settings};
use spendlens_model::{Path as SpendPath, Period, ServiceTier};

/// One small demo (16 engineers, 45 days to 2026-10-31), ingested once for every test here.
fn demo() -> &'static (tempfile::TempDir, App, spendlens_demo::RenderedDemo) {
    static DEMO: OnceLock<(tempfile::TempDir, App, spendlens_demo::RenderedDemo)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(Settings { data_dir: dir.path().join("data"), prices: None });
        let config = spendlens_demo::DemoConfig {
            engineers: 16,
            days: 45,
            end: "2026-10-31".parse().unwrap(),
            transcript_engineers: 2,
            ..Default::default()
        };
        let files = app.write_demo(&config, &dir.path().join("sources")).unwrap();
        app.ingest_demo(&config, &files, &Quiet, &mut |_| {}).unwrap();
        (dir, app, files)
    })
}

fn october() -> Period {
    Period::parse_month("2026-10").unwrap()
}

/// Paths of this run's temporary directory read as `[dir]`.
fn snapshot(name: &str, text: &str, dir: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[dir]");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

#[test]
fn the_report_document() {
    let (dir, app, _) = demo();
    let period = app.period_with_data(&PeriodChoice::Month("2026-10".into())).unwrap();
    snapshot("report_2026_10", &to_json(&app.report(period).unwrap().summary).unwrap(), dir.path());
    assert_eq!(app.period(&PeriodChoice::Latest).unwrap(), Some(october()), "the latest month with data");
}

#[test]
fn the_status_document() {
    let (dir, app, _) = demo();
    snapshot("status", &to_json(&app.status().unwrap()).unwrap(), dir.path());
}

#[test]
fn the_prices_and_price_documents() {
    let (dir, app, _) = demo();
    snapshot("prices_2026_10_15", &to_json(&app.prices("2026-10-15".parse().unwrap()).unwrap()).unwrap(), dir.path());
    let question = PriceQuestion {
        model: "claude-sonnet-4-5".into(),
        tier: Some(ServiceTier::Batch),
        date: "2026-10-15".parse().unwrap(),
        long_context: false,
        us_only: false,
        source: "argument".into(),
        usage: r#"{"input_tokens":2000,"output_tokens":800,"cache_read_input_tokens":10000,"cache_creation_input_tokens":1500}"#.into(),
    };
    let priced = app.price(&question).unwrap();
    // The reference's worked example: (2000x3 + 800x15 + 10000x0.30 + 1500x3.75) / 1e6, halved.
    assert_eq!(priced.total.to_exact_string(), "0.0133125");
    snapshot("price_worked_example", &to_json(&priced).unwrap(), dir.path());
}

#[test]
fn the_crosscheck_ledger_and_reconcile_documents() {
    let (dir, app, _) = demo();
    let (_, check) = app.crosscheck(october(), false).unwrap();
    snapshot("crosscheck_2026_10", &to_json(&check).unwrap(), dir.path());
    let filter = PlacementFilter { path: Some(SpendPath::ClaudeCode), ..PlacementFilter::default() };
    snapshot("ledger_2026_10_claude_code", &to_json(&app.placements(october(), &filter).unwrap()).unwrap(), dir.path());
    let reconciled = app.reconcile(october(), None).unwrap();
    assert!(reconciled.view.ties_out);
    snapshot("reconcile_2026_10", &to_json(&reconciled.view).unwrap(), dir.path());
}

#[test]
fn the_ccusage_documents() {
    let (dir, app, files) = demo();
    let (email, root) = &files.transcript_dirs[0];
    let whose = Transcripts { email: email.clone(), roots: vec![root.clone()], zone: ReportZone::utc() };
    for (name, view) in [
        ("cc_daily", View::Daily),
        ("cc_weekly", View::Weekly(chrono::Weekday::Sun)),
        ("cc_monthly", View::Monthly),
        ("cc_session", View::Session),
    ] {
        let question =
            UsageQuestion { view, since: None, until: None, project: None, instances: false, order: None, mode: Default::default() };
        let answer = app.claude_code_usage(&whose, &question, &Quiet).unwrap();
        snapshot(name, &cc_json(&ccusage_document(&answer.report, view, false), false).unwrap(), dir.path());
    }
}

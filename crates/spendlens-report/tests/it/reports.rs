//! The text, Markdown, CSV and JSON reports of one hand-made month, pinned by snapshots, with the
//! figures a snapshot would hide checked by hand.

use spendlens_analysis::{Drivers, Summary, summarise_with};
use spendlens_report::{summary_csv, summary_json, summary_markdown, summary_table};

use crate::fixtures::{drivers, ledger_with_september, money, october};

fn summary() -> Summary {
    let (usage, activity) = drivers();
    summarise_with(&ledger_with_september(), october(), Drivers { usage: &usage, activity: &activity, directory: &[] })
}

#[test]
fn the_figures_behind_the_reports() {
    let summary = summary();
    // October as in the plain ledger; September: $120 seat + $40 search.
    assert_eq!(summary.total_usd, money("189.204567890123"));
    let comparison = summary.month_over_month.as_ref().unwrap();
    assert_eq!(comparison.claude_code.previous_usd, money("120"));
    assert_eq!(comparison.claude_code.change_usd, money("31.734567890123"));
    // 31.734567890123 / 120 = 26.45%, shown 26.4% (half away from zero on 26.445...).
    assert_eq!(comparison.claude_code.change_pct, Some("26.4".parse().unwrap()));
    // API 40 → 33.03 (search 30.03 + chat 3): -$6.97, -17.4%.
    assert_eq!(comparison.api.change_usd, money("-6.97"));
    assert_eq!(comparison.api.change_pct, Some("-17.4".parse().unwrap()));
    let units = &summary.unit_economics;
    // Claude Code $151.734567890123 over 1 engineer and 2 engineer-days.
    assert_eq!(units.claude_code.cost_per_active_engineer_usd, Some(money("151.73")));
    assert_eq!(units.claude_code.cost_per_active_engineer_day_usd, Some(money("75.87")));
    // search: $30.03 over 2,500 requests = $12.012 per 1,000.
    let search = units.api.features.iter().find(|unit| unit.feature == "search").unwrap();
    assert_eq!((search.requests, search.cost_per_1000_requests_usd), (Some(2_500), Some(money("12.012"))));
}

#[test]
fn table_report() {
    insta::assert_snapshot!("table", summary_table(&summary(), 10));
}

#[test]
fn markdown_report() {
    let markdown = summary_markdown(&summary(), 10);
    // Cell text that is markup is escaped; the table keeps its columns.
    assert!(markdown.contains("| chat \\<beta\\> | $3.00 |"), "{markdown}");
    insta::assert_snapshot!("markdown", markdown);
}

#[test]
fn csv_report() {
    let csv = summary_csv(&summary());
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let search = rows.iter().find(|row| &row[4] == "search").unwrap();
    assert_eq!((&search[2], &search[3], &search[6], &search[15], &search[16]), ("api", "feature", "30.03", "2500", "12.012"));
    // The driver rows of each path add up to its total row, exactly.
    for path in ["claude_code", "api", "unassigned"] {
        let total: rust_decimal::Decimal = rows.iter().find(|row| &row[2] == path && &row[3] == "total").unwrap()[6].parse().unwrap();
        let kinds: &[&str] = if path == "claude_code" { &["engineer", "api_key"] } else { &["feature", "reason"] };
        let parts: rust_decimal::Decimal = rows
            .iter()
            .filter(|row| &row[2] == path && kinds.contains(&&row[3]))
            .map(|row| row[6].parse::<rust_decimal::Decimal>().unwrap())
            .sum();
        assert_eq!(parts, total, "{path}");
    }
    insta::assert_snapshot!("csv", csv);
}

#[test]
fn json_report() {
    let json = summary_json(&summary());
    assert_eq!(json["total_usd"], "189.204567890123");
    assert_eq!(json["month_over_month"]["api"]["change_pct"], "-17.4");
    assert_eq!(json["unit_economics"]["claude_code"]["active_engineer_days"], 2);
    insta::assert_json_snapshot!("json", json);
}

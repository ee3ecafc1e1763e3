//! The HTML report: self-contained, and every figure it shows is a Summary or daily-ledger figure.

use std::collections::BTreeSet;

use spendlens_analysis::summarise;
use spendlens_model::Money;
use spendlens_report::{CLAUDE_CODE_COLOUR, daily_spend, summary_html};

use crate::fixtures::{day, ledger, money, october};

/// Every `<span class="usd" data-usd="EXACT">SHOWN</span>`, as (exact, shown).
fn dollar_spans(html: &str) -> Vec<(Money, String)> {
    let marker = r#"<span class="usd" data-usd=""#;
    html.split(marker)
        .skip(1)
        .map(|rest| {
            let (exact, rest) = rest.split_once(r#"">"#).unwrap();
            let (shown, _) = rest.split_once("</span>").unwrap();
            (exact.parse().unwrap(), shown.to_string())
        })
        .collect()
}

#[test]
fn daily_spend_splits_one_day_charges_from_seat_fees() {
    let daily = daily_spend(&ledger().entries, october());
    assert_eq!(daily.days.len(), 31);
    let first = daily.days[0].1;
    assert_eq!(daily.days[0].0, day("2026-10-01"));
    assert_eq!((first.claude_code, first.api, first.unassigned), (money("1.734567890123"), money("10.01"), Money::ZERO));
    let second = daily.days[1].1;
    assert_eq!((second.claude_code, second.api, second.unassigned), (Money::ZERO, money("23.02"), money("4.44")));
    assert_eq!(daily.multi_day.claude_code, money("150"));
    let all: Money = daily.days.iter().map(|(_, amounts)| amounts.total()).sum::<Money>() + daily.multi_day.total();
    assert_eq!(all, summarise(&ledger(), october()).total_usd, "days plus multi-day charges make the total");
}

#[test]
fn every_dollar_shown_is_a_summary_or_daily_figure() {
    let ledger = ledger();
    let summary = summarise(&ledger, october());
    let daily = daily_spend(&ledger.entries, october());
    let html = summary_html(&summary, &daily, 10);

    let spans = dollar_spans(&html);
    for (exact, shown) in &spans {
        assert_eq!(shown, &exact.to_string(), "shown amount is the exact amount rounded to the cent");
    }
    let shown: BTreeSet<Money> = spans.iter().map(|(exact, _)| *exact).collect();

    let paths = &summary.paths;
    let mut expected = vec![
        summary.total_usd,
        paths.claude_code.total_usd,
        paths.claude_code.seats_usd,
        paths.claude_code.api_keys_usd,
        paths.api.total_usd,
        paths.unassigned.total_usd,
    ];
    expected.extend(paths.claude_code.teams.iter().map(|t| t.total_usd));
    expected.extend(paths.api.features.iter().map(|f| f.total_usd));
    expected.extend(paths.claude_code.top_engineers.iter().flat_map(|e| [e.seat_usd, e.api_key_usd, e.total_usd]));
    expected.extend(paths.unassigned.lines.iter().map(|u| u.total_usd));
    expected.extend(summary.sources.iter().flat_map(|source| [Some(source.billed_usd), source.estimated_usd]).flatten());
    assert!(summary.month_over_month.is_none() && summary.unit_economics.claude_code.cost_per_active_engineer_usd.is_none());
    let mut from_ledger = expected.clone();
    for (_, amounts) in daily.days.iter().chain([&(day("2026-10-01"), daily.multi_day)]) {
        from_ledger.extend([amounts.claude_code, amounts.api, amounts.unassigned, amounts.total()]);
    }
    for figure in &expected {
        assert!(shown.contains(figure), "{figure} is not shown");
    }
    for figure in &shown {
        assert!(from_ledger.contains(figure), "{figure} is shown but is no Summary or daily figure");
    }

    assert_eq!(summary.total_usd, money("189.204567890123"));
    assert!(html.contains(r#"<p class="total" id="total">Total <span class="usd" data-usd="189.204567890123">$189.20</span>"#), "{html}");
    assert!(html.contains("<td>ada@example.com</td><td>platform</td>"));
    assert!(html.contains("chat &lt;beta&gt;"), "names are escaped");
    assert!(html.contains("no org-map rule matches API key legacy (apikey_3) in workspace prod"));
    assert!(html.contains(&format!(r#"fill="{CLAUDE_CODE_COLOUR}""#)));
    // The paths chart comes first, then the daily chart.
    let paths_chart = html.find(r#"<svg id="chart-paths""#).unwrap();
    assert!(paths_chart < html.find(r#"<svg id="chart-daily""#).unwrap());
}

#[test]
fn the_page_is_self_contained() {
    let ledger = ledger();
    let html = summary_html(&summary_of(&ledger), &daily_spend(&ledger.entries, october()), 10);
    let lower = html.to_ascii_lowercase();
    for forbidden in ["http://", "https://", "<script", "@import", "url(", "<link"] {
        assert!(!lower.contains(forbidden), "the page holds {forbidden:?}");
    }
    assert!(lower.starts_with("<!doctype html>"));
    assert!(lower.contains("<style>") && lower.contains("<svg"));
}

fn summary_of(ledger: &spendlens_analysis::Ledger) -> spendlens_analysis::Summary {
    summarise(ledger, october())
}

#[test]
fn the_page_shows_the_change_on_last_month_and_unit_economics() {
    let (usage, activity) = crate::fixtures::drivers();
    let ledger = crate::fixtures::ledger_with_september();
    let summary = spendlens_analysis::summarise_with(
        &ledger,
        october(),
        spendlens_analysis::Drivers { usage: &usage, activity: &activity, directory: &[] },
    );
    let html = summary_html(&summary, &daily_spend(&ledger.entries, october()), 10);
    let comparison = summary.month_over_month.as_ref().unwrap();
    let shown: BTreeSet<Money> = dollar_spans(&html).into_iter().map(|(exact, _)| exact).collect();
    for change in [&comparison.claude_code, &comparison.api, &comparison.unassigned, &comparison.total] {
        assert!(shown.contains(&change.previous_usd) && shown.contains(&change.current_usd), "{change:?}");
    }
    assert!(html.contains("<td>Claude Code</td>"), "{html}");
    assert!(html.contains("+$31.73 (+26.4%)") && html.contains("-$6.97 (-17.4%)"), "{html}");
    // search $40 → $30.03 in the features table; chat is new.
    assert!(html.contains(r#"<td class="num">-$9.97 (-24.9%)</td><td class="num">2,500</td>"#), "{html}");
    assert!(html.contains(r#"<td class="num">+$3.00 (new)</td>"#), "{html}");
    let per_engineer = summary.unit_economics.claude_code.cost_per_active_engineer_usd.unwrap();
    assert!(shown.contains(&per_engineer) && per_engineer == money("151.73"));
    assert!(html.contains("(1 active)") && html.contains("(2 engineer-days)"), "{html}");
    assert!(html.contains(r#"<td class="num">2,500</td><td class="num">$12.012</td>"#), "{html}");
    assert!(html.contains(r#"<table id="sources">"#) && html.contains("not added"), "{html}");
}

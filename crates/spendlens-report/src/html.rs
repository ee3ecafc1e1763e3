//! The period summary as one self-contained HTML file a finance lead can forward: inline CSS and
//! inline SVG charts, no script, no network, no external fonts.
//!
//! Every figure shown is a [`Summary`] figure or a daily sum of ledger entries ([`daily_spend`]);
//! bar lengths are the only floating-point numbers and never appear as text.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use spendlens_analysis::{LedgerEntry, Summary};
use spendlens_model::{Day, Money, Path, Period};

use crate::summary::{change_text, count, plural, rate, share};

/// Bar colours of the three paths. The browser test looks for [`CLAUDE_CODE_COLOUR`] in the first
/// chart.
pub const CLAUDE_CODE_COLOUR: &str = "#d97757";
pub const API_COLOUR: &str = "#3b6fd4";
pub const UNASSIGNED_COLOUR: &str = "#9a9a9a";

/// Spend of one thing on each path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PathAmounts {
    pub claude_code: Money,
    pub api: Money,
    pub unassigned: Money,
}

impl PathAmounts {
    fn add(&mut self, path: Path, amount: Money) {
        match path {
            Path::ClaudeCode => self.claude_code += amount,
            Path::Api => self.api += amount,
            Path::Unassigned => self.unassigned += amount,
        }
    }

    pub fn total(&self) -> Money {
        self.claude_code + self.api + self.unassigned
    }
}

/// Spend by day per path over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailySpend {
    /// Every day of the period, in order, with the one-day charges that start on it.
    pub days: Vec<(Day, PathAmounts)>,
    /// Charges covering more than one day (seat fees are monthly): not spread over days, shown
    /// beside the chart. Days plus these make the period's total.
    pub multi_day: PathAmounts,
}

/// Sums the entries starting in `period` per day and path; charges longer than a day go to
/// [`DailySpend::multi_day`].
pub fn daily_spend(entries: &[LedgerEntry], period: Period) -> DailySpend {
    let mut days: BTreeMap<Day, PathAmounts> = period.iter_days().map(|day| (day, PathAmounts::default())).collect();
    let mut multi_day = PathAmounts::default();
    for entry in entries.iter().filter(|entry| period.contains(entry.start)) {
        if (entry.end - entry.start).num_days() > 1 {
            multi_day.add(entry.path, entry.amount);
        } else {
            days.entry(entry.start).or_default().add(entry.path, entry.amount);
        }
    }
    DailySpend { days: days.into_iter().collect(), multi_day }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A dollar figure for people, with the exact amount in `data-usd` for machines and tests.
fn usd(amount: Money) -> String {
    format!(r#"<span class="usd" data-usd="{}">{amount}</span>"#, amount.to_exact_string())
}

/// Length of a bar of `amount` against `largest`, in pixels (charts only).
fn bar(amount: Money, largest: Money, full: f64) -> f64 {
    let largest = largest.to_f64_lossy();
    if largest <= 0.0 { 0.0 } else { (amount.to_f64_lossy() / largest * full).max(0.0) }
}

/// Horizontal bars with labels and amounts.
fn horizontal_bars(id: &str, title: &str, rows: &[(String, Money, &str)]) -> String {
    let row_height = 30.0;
    let label_width = 260.0;
    let bar_space = 420.0;
    let width = label_width + bar_space + 140.0;
    let height = row_height * rows.len().max(1) as f64 + 10.0;
    let largest = rows.iter().map(|(_, amount, _)| *amount).max().unwrap_or(Money::ZERO);
    let mut svg = format!(
        r#"<svg id="{id}" role="img" aria-label="{title}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#,
        title = escape(title)
    );
    for (index, (label, amount, colour)) in rows.iter().enumerate() {
        let y = index as f64 * row_height + 5.0;
        let length = bar(*amount, largest, bar_space);
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="label">{label}</text><rect x="{label_width}" y="{y}" width="{length:.1}" height="{h}" fill="{colour}"/><text x="{ax:.1}" y="{ty}" class="amount">{amount}</text>"#,
            lx = label_width - 8.0,
            ty = y + 15.0,
            label = escape(label),
            h = row_height - 8.0,
            ax = label_width + length + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Stacked bars per day: Claude Code at the bottom, then API, then unassigned.
fn daily_chart(daily: &DailySpend) -> String {
    let (left, top, plot_width, plot_height) = (70.0, 10.0, 1080.0, 220.0);
    let width = left + plot_width + 20.0;
    let height = top + plot_height + 40.0;
    let largest = daily.days.iter().map(|(_, amounts)| amounts.total()).max().unwrap_or(Money::ZERO);
    let slot = plot_width / daily.days.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg id="chart-daily" role="img" aria-label="Spend by day per path" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
    );
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="#444"/><text x="{tx}" y="{ty}" text-anchor="end" class="axis">{largest}</text><line x1="{left}" y1="{top}" x2="{right}" y2="{top}" stroke="#ddd"/>"##,
        base = top + plot_height,
        right = left + plot_width,
        tx = left - 6.0,
        ty = top + 4.0,
    );
    for (index, (day, amounts)) in daily.days.iter().enumerate() {
        let x = left + index as f64 * slot + slot * 0.1;
        let mut y = top + plot_height;
        for (amount, colour) in
            [(amounts.claude_code, CLAUDE_CODE_COLOUR), (amounts.api, API_COLOUR), (amounts.unassigned, UNASSIGNED_COLOUR)]
        {
            let length = bar(amount, largest, plot_height);
            y -= length;
            let _ = write!(svg, r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{length:.1}" fill="{colour}"/>"#, w = slot * 0.8);
        }
        let _ = write!(
            svg,
            r#"<title>{day}: Claude Code {}, API {}, unassigned {}</title>"#,
            amounts.claude_code, amounts.api, amounts.unassigned
        );
        if index % 7 == 0 {
            let _ = write!(svg, r#"<text x="{x:.1}" y="{ly}" class="axis">{}</text>"#, day.format("%m-%d"), ly = top + plot_height + 16.0);
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The report as one self-contained HTML page.
pub fn summary_html(summary: &Summary, daily: &DailySpend, top_engineers: usize) -> String {
    let paths = &summary.paths;
    let cc = &paths.claude_code;
    let period = escape(&summary.period.label());
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Claude spend · {period}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px 32px; color: #222; background: #fff; }}
h1 {{ font-size: 24px; margin: 0 0 4px; }} h2 {{ font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
.total {{ font-size: 20px; margin: 4px 0 16px; }}
svg text {{ font-size: 13px; fill: #222; }} svg text.axis {{ font-size: 11px; fill: #555; }}
table {{ border-collapse: collapse; margin: 8px 0; }} th, td {{ padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.legend span.swatch {{ display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: -1px; }}
.note {{ color: #555; font-size: 13px; }}
</style></head>
<body>
<h1>Claude spend · {period}</h1>
<p class="total" id="total">Total {total} · {start} to {end} (end exclusive)</p>
<h2>The two paths</h2>
"#,
        total = usd(summary.total_usd),
        start = summary.period.start,
        end = summary.period.end,
    );
    html += &horizontal_bars(
        "chart-paths",
        "Spend by path",
        &[
            ("Claude Code".to_string(), cc.total_usd, CLAUDE_CODE_COLOUR),
            ("API".to_string(), paths.api.total_usd, API_COLOUR),
            ("Unassigned".to_string(), paths.unassigned.total_usd, UNASSIGNED_COLOUR),
        ],
    );
    let _ = write!(
        html,
        r#"
<table id="paths"><tr><th></th><th class="num">Spend</th><th class="num">Share</th></tr>
<tr><td>Claude Code</td><td class="num">{}</td><td class="num">{}</td></tr>
<tr><td>API</td><td class="num">{}</td><td class="num">{}</td></tr>
<tr><td>Unassigned</td><td class="num">{}</td><td class="num">{}</td></tr></table>
<p class="note">Claude Code: seats {} · API keys {} · {}.</p>
"#,
        usd(cc.total_usd),
        share(cc.total_usd, summary.total_usd),
        usd(paths.api.total_usd),
        share(paths.api.total_usd, summary.total_usd),
        usd(paths.unassigned.total_usd),
        share(paths.unassigned.total_usd, summary.total_usd),
        usd(cc.seats_usd),
        usd(cc.api_keys_usd),
        plural(cc.engineers, "engineer"),
    );
    if let Some(comparison) = &summary.month_over_month {
        let _ = writeln!(
            html,
            r#"<table id="month-over-month"><tr><th>Against {previous}</th><th class="num">{previous}</th><th class="num">{current}</th><th class="num">Change</th></tr>"#,
            previous = escape(&comparison.previous_period.label()),
            current = period,
        );
        for (label, change) in [
            ("Claude Code", &comparison.claude_code),
            ("API", &comparison.api),
            ("Unassigned", &comparison.unassigned),
            ("Total", &comparison.total),
        ] {
            let _ = writeln!(
                html,
                r#"<tr><td>{label}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                usd(change.previous_usd),
                usd(change.current_usd),
                escape(&change_text(change)),
            );
        }
        html += "</table>\n";
        let (before, days) = (comparison.previous_days_with_data, comparison.previous_period.days());
        if (before as i64) < days && before < comparison.days_with_data {
            let _ = writeln!(
                html,
                r#"<p class="note">{} has billed data on {before} of its {days} days: the change overstates growth.</p>"#,
                escape(&comparison.previous_period.label())
            );
        }
    }
    let units = &summary.unit_economics;
    if let (Some(per_engineer), Some(per_day)) =
        (units.claude_code.cost_per_active_engineer_usd, units.claude_code.cost_per_active_engineer_day_usd)
    {
        let _ = writeln!(
            html,
            r#"<p id="claude-code-units">Claude Code: {} per active engineer ({} active) · {} per active engineer-day ({} engineer-days).</p>"#,
            usd(per_engineer),
            units.claude_code.active_engineers,
            usd(per_day),
            count(units.claude_code.active_engineer_days as u64),
        );
    }

    let _ = write!(
        html,
        r#"<h2>Spend by day</h2>
<p class="legend"><span class="swatch" style="background:{CLAUDE_CODE_COLOUR}"></span>Claude Code<span class="swatch" style="background:{API_COLOUR}"></span>API<span class="swatch" style="background:{UNASSIGNED_COLOUR}"></span>Unassigned</p>
"#
    );
    html += &daily_chart(daily);
    html += "\n<table id=\"daily\"><tr><th>Day</th><th class=\"num\">Claude Code</th><th class=\"num\">API</th><th class=\"num\">Unassigned</th><th class=\"num\">Total</th></tr>\n";
    for (day, amounts) in &daily.days {
        let _ = writeln!(
            html,
            r#"<tr><td>{day}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            usd(amounts.claude_code),
            usd(amounts.api),
            usd(amounts.unassigned),
            usd(amounts.total()),
        );
    }
    let _ = writeln!(
        html,
        r#"<tr id="multi-day"><td>Charges over more than a day (seat fees)</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr></table>"#,
        usd(daily.multi_day.claude_code),
        usd(daily.multi_day.api),
        usd(daily.multi_day.unassigned),
        usd(daily.multi_day.total()),
    );

    html += "<h2>Claude Code by team</h2>\n";
    let teams: Vec<(String, Money, &str)> = cc.teams.iter().map(|team| (team.team.clone(), team.total_usd, CLAUDE_CODE_COLOUR)).collect();
    html += &horizontal_bars("chart-teams", "Claude Code by team", &teams);
    // The change on the previous period per team and feature, when there is one.
    let comparison = summary.month_over_month.as_ref();
    let versus = comparison
        .map(|comparison| format!(r#"<th class="num">vs {}</th>"#, escape(&comparison.previous_period.label())))
        .unwrap_or_default();
    let moved = |changes: Option<&std::collections::BTreeMap<String, spendlens_analysis::Change>>, name: &str| -> String {
        match comparison {
            None => String::new(),
            Some(_) => format!(
                r#"<td class="num">{}</td>"#,
                escape(&changes.and_then(|changes| changes.get(name)).map(change_text).unwrap_or_else(|| "-".into()))
            ),
        }
    };
    let _ = writeln!(
        html,
        r#"<table id="teams"><tr><th>Team</th><th class="num">Engineers</th><th class="num">Spend</th><th class="num">Share</th>{versus}</tr>"#
    );
    for team in &cc.teams {
        let _ = writeln!(
            html,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>{}</tr>"#,
            escape(&team.team),
            team.engineers,
            usd(team.total_usd),
            share(team.total_usd, cc.total_usd),
            moved(comparison.map(|comparison| &comparison.teams), &team.team),
        );
    }
    html += "</table>\n";

    html += "<h2>API by feature</h2>\n";
    let features: Vec<(String, Money, &str)> =
        paths.api.features.iter().map(|feature| (feature.feature.clone(), feature.total_usd, API_COLOUR)).collect();
    html += &horizontal_bars("chart-features", "API by feature", &features);
    let _ = writeln!(
        html,
        r#"<table id="features"><tr><th>Feature</th><th class="num">Spend</th><th class="num">Share</th>{versus}<th class="num">Requests</th><th class="num">Per 1k requests</th></tr>"#
    );
    for feature in &paths.api.features {
        let unit = units.api.features.iter().find(|unit| unit.feature == feature.feature);
        let _ = writeln!(
            html,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td>{}<td class="num">{}</td><td class="num">{}</td></tr>"#,
            escape(&feature.feature),
            usd(feature.total_usd),
            share(feature.total_usd, paths.api.total_usd),
            moved(comparison.map(|comparison| &comparison.features), &feature.feature),
            unit.and_then(|unit| unit.requests).map(count).unwrap_or_else(|| "-".into()),
            escape(&unit.and_then(|unit| unit.cost_per_1000_requests_usd).map(rate).unwrap_or_else(|| "-".into())),
        );
    }
    html += "</table>\n";

    html += "<h2>Top engineers</h2>\n";
    html += "<table id=\"engineers\"><tr><th>Engineer</th><th>Team</th><th class=\"num\">Seat</th><th class=\"num\">API keys</th><th class=\"num\">Total</th></tr>\n";
    for engineer in cc.top_engineers.iter().take(top_engineers) {
        let _ = writeln!(
            html,
            r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            escape(&engineer.email),
            escape(engineer.team.as_deref().unwrap_or("-")),
            usd(engineer.seat_usd),
            usd(engineer.api_key_usd),
            usd(engineer.total_usd)
        );
    }
    html += "</table>\n";
    for key in &cc.unowned_keys {
        let _ = writeln!(html, r#"<p class="note unowned">{} Claude Code on {} (owner unknown)</p>"#, usd(key.total_usd), escape(&key.key));
    }

    let _ = write!(html, "<h2>Unassigned</h2>\n<p>Unassigned total {}</p>\n", usd(paths.unassigned.total_usd));
    html += "<table id=\"unassigned\"><tr><th class=\"num\">Spend</th><th>Why it is unassigned</th></tr>\n";
    for line in &paths.unassigned.lines {
        let _ = writeln!(html, r#"<tr><td class="num">{}</td><td>{}</td></tr>"#, usd(line.total_usd), escape(&line.reason));
    }
    html += "</table>\n";
    if !summary.unpriced_models.is_empty() {
        let _ = writeln!(
            html,
            r#"<p class="note">Unpriced models (not in the price book; add them to prices.toml): {}</p>"#,
            escape(&summary.unpriced_models.join(", "))
        );
    }
    for note in &summary.notes {
        let _ = writeln!(html, r#"<p class="note">Note: {}</p>"#, escape(note));
    }
    if !summary.unknown_values.is_empty() {
        html += "<p class=\"note\">Values this build does not know (kept as written; billed where a billing source bills them, never priced by guess):</p>\n<ul id=\"unknown\">\n";
        for value in &summary.unknown_values {
            let _ = writeln!(html, "<li>{}</li>", escape(&crate::summary::unknown_value_text(value)));
        }
        html += "</ul>\n";
    }
    if !summary.sources.is_empty() {
        html += "<h2>Sources</h2>\n<table id=\"sources\"><tr><th>Source</th><th>Role</th><th class=\"num\">Lines</th><th class=\"num\">Billed</th><th class=\"num\">Own estimate</th><th>Why</th></tr>\n";
        for source in &summary.sources {
            let _ = writeln!(
                html,
                r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                source.source,
                source.role.label(),
                count(source.lines as u64),
                usd(source.billed_usd),
                source.estimated_usd.map(usd).unwrap_or_else(|| "-".into()),
                escape(&source.why),
            );
        }
        html += "</table>\n";
    }
    html += "<p class=\"note\">Made by spendlens. Amounts are billed dollars; each appears once.</p>\n</body></html>\n";
    html
}

//! Charts drawn on the server as inline SVG: no script, no library, nothing fetched. Every bar
//! carries its exact values in a `<title>` (the browser shows it on hover, and a screen reader
//! reads it; bars are focusable, so the keyboard reaches them too). The paths are always drawn in
//! the same colours, the report's: Claude Code [`CLAUDE_CODE_COLOUR`], the API [`API_COLOUR`],
//! unassigned [`UNASSIGNED_COLOUR`]. Bar lengths are the only floating-point numbers and never
//! appear as text.

use std::fmt::Write as _;

use spendlens_model::{Money, Path};
pub use spendlens_report::{API_COLOUR, CLAUDE_CODE_COLOUR, UNASSIGNED_COLOUR};

use super::render::escape;

/// The colour of a path, everywhere.
pub fn colour(path: Path) -> &'static str {
    match path {
        Path::ClaudeCode => CLAUDE_CODE_COLOUR,
        Path::Api => API_COLOUR,
        Path::Unassigned => UNASSIGNED_COLOUR,
    }
}

pub fn path_name(path: Path) -> &'static str {
    match path {
        Path::ClaudeCode => "Claude Code",
        Path::Api => "API",
        Path::Unassigned => "unassigned",
    }
}

/// A bucket of a stacked chart: its label and the amount of each path shown.
pub struct Stack {
    pub label: String,
    pub amounts: Vec<(Path, Money)>,
}

fn scaled(amount: Money, largest: Money, full: f64) -> f64 {
    let largest = largest.to_f64_lossy();
    if largest <= 0.0 { 0.0 } else { (amount.to_f64_lossy() / largest * full).clamp(0.0, full) }
}

/// A round axis maximum at or above `largest` (1, 2 or 5 times a power of ten, in dollars).
fn axis_top(largest: Money) -> Money {
    let value = largest.to_f64_lossy();
    if value <= 0.0 {
        return Money::from_cents(100);
    }
    let mut step = 0.01_f64;
    loop {
        for factor in [1.0, 2.0, 5.0] {
            if step * factor >= value {
                let cents = (step * factor * 100.0).round() as i64;
                return Money::from_cents(cents);
            }
        }
        step *= 10.0;
    }
}

/// Stacked bars, one per bucket, with a dollar axis on the left and bucket labels under the bars.
pub fn stacked_bars(id: &str, title: &str, stacks: &[Stack]) -> String {
    let (left, top, plot_width, plot_height) = (90.0, 12.0, 1000.0, 220.0);
    let (width, height) = (left + plot_width + 20.0, top + plot_height + 48.0);
    let largest = stacks
        .iter()
        .map(|stack| stack.amounts.iter().map(|(_, amount)| *amount).filter(|a| *a > Money::ZERO).sum())
        .max()
        .unwrap_or(Money::ZERO);
    let top_value = axis_top(largest);
    let mut svg = format!(
        r#"<svg id="{id}" class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">"#,
        title = escape(title)
    );
    for tick in 0..=4 {
        let fraction = f64::from(tick) / 4.0;
        let y = top + plot_height * (1.0 - fraction);
        let value = top_value.scale(rust_decimal::Decimal::new(i64::from(tick) * 25, 2));
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{left}" y1="{y:.1}" x2="{right}" y2="{y:.1}"/><text class="axis" x="{tx}" y="{ty:.1}" text-anchor="end">{value}</text>"#,
            right = left + plot_width,
            tx = left - 6.0,
            ty = y + 4.0,
        );
    }
    let slot = plot_width / stacks.len().max(1) as f64;
    let every = (stacks.len() / 8).max(1);
    for (index, stack) in stacks.iter().enumerate() {
        let x = left + index as f64 * slot + slot * 0.12;
        let mut y = top + plot_height;
        let described: Vec<String> = stack.amounts.iter().map(|(path, amount)| format!("{} {amount}", path_name(*path))).collect();
        let total: Money = stack.amounts.iter().map(|(_, amount)| *amount).sum();
        let _ =
            write!(svg, r#"<g class="bar" tabindex="0"><title>{}: {} (total {total})</title>"#, escape(&stack.label), described.join(", "));
        // A transparent hit area over the whole slot: hovering anywhere above a bar shows it.
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{top}" width="{slot:.1}" height="{plot_height}" fill="transparent"/>"#,
            left + index as f64 * slot
        );
        for (path, amount) in &stack.amounts {
            let length = scaled(*amount, top_value, plot_height);
            y -= length;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{length:.1}" fill="{}"/>"#,
                colour(*path),
                w = slot * 0.76
            );
        }
        svg.push_str("</g>");
        if index % every == 0 {
            let _ = write!(svg, r#"<text class="axis" x="{x:.1}" y="{ly}">{}</text>"#, escape(&stack.label), ly = top + plot_height + 16.0);
        }
    }
    let _ = write!(
        svg,
        r#"<line class="baseline" x1="{left}" y1="{base}" x2="{right}" y2="{base}"/>"#,
        base = top + plot_height,
        right = left + plot_width
    );
    let mut legend_x = left;
    for path in Path::ALL {
        let _ = write!(
            svg,
            r#"<rect x="{legend_x}" y="{ly}" width="12" height="12" fill="{}"/><text class="axis" x="{tx}" y="{ty}">{}</text>"#,
            colour(*path),
            path_name(*path),
            ly = top + plot_height + 28.0,
            tx = legend_x + 16.0,
            ty = top + plot_height + 38.0,
        );
        legend_x += 130.0;
    }
    svg.push_str("</svg>");
    svg
}

/// One horizontal bar: label, amount, colour, and where clicking it leads.
pub struct Bar {
    pub label: String,
    pub amount: Money,
    pub colour: &'static str,
    pub link: Option<String>,
}

/// Horizontal bars, largest first as given, each a link when it has one.
pub fn horizontal_bars(id: &str, title: &str, bars: &[Bar]) -> String {
    let (row, label_width, space) = (26.0, 240.0, 560.0);
    let width = label_width + space + 150.0;
    let height = row * bars.len().max(1) as f64 + 8.0;
    let largest = bars.iter().map(|bar| bar.amount).max().unwrap_or(Money::ZERO);
    let mut svg = format!(
        r#"<svg id="{id}" class="chart" role="img" aria-label="{title}" viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet">"#,
        title = escape(title)
    );
    for (index, bar) in bars.iter().enumerate() {
        let y = index as f64 * row + 4.0;
        let length = scaled(bar.amount, largest, space);
        let body = format!(
            r#"<title>{label}: {amount}</title><text class="label" x="{lx}" y="{ty}" text-anchor="end">{label}</text><rect x="{label_width}" y="{y}" width="{length:.1}" height="{h}" fill="{colour}"/><text class="axis" x="{ax:.1}" y="{ty}">{amount}</text>"#,
            label = escape(&bar.label),
            amount = bar.amount,
            lx = label_width - 8.0,
            ty = y + 14.0,
            h = row - 8.0,
            colour = bar.colour,
            ax = label_width + length + 6.0,
        );
        match &bar.link {
            Some(link) => {
                let _ = write!(svg, r#"<a class="bar" href="{}">{body}</a>"#, escape(link));
            }
            None => {
                let _ = write!(svg, r#"<g class="bar" tabindex="0">{body}</g>"#);
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_axis_top_is_round_and_covers_the_largest_bar() {
        let rows = [(0, 100), (1, 1), (99, 100), (101, 200), (12_345, 20_000), (4_999_999, 5_000_000), (5_000_001, 10_000_000)];
        for (cents, top) in rows {
            assert_eq!(axis_top(Money::from_cents(cents)), Money::from_cents(top), "{cents}");
        }
    }

    #[test]
    fn bars_carry_their_exact_values_and_the_paths_colours() {
        let stacks = [Stack {
            label: "2026-10-01".into(),
            amounts: vec![(Path::ClaudeCode, Money::from_cents(1234)), (Path::Api, Money::from_cents(66))],
        }];
        let svg = stacked_bars("trend", "Spend", &stacks);
        assert!(svg.contains("<title>2026-10-01: Claude Code $12.34, API $0.66 (total $13.00)</title>"), "{svg}");
        assert!(svg.contains(CLAUDE_CODE_COLOUR) && svg.contains(API_COLOUR));
        let bars = horizontal_bars(
            "f",
            "Features",
            &[Bar { label: "a<b".into(), amount: Money::from_cents(5), colour: API_COLOUR, link: Some("/ledger?driver=a&x".into()) }],
        );
        assert!(bars.contains(r#"href="/ledger?driver=a&amp;x""#) && bars.contains("a&lt;b: $0.05"), "{bars}");
    }
}

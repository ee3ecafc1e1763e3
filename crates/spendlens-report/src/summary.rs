//! The period summary as text tables, Markdown, CSV and JSON.
//!
//! The text and Markdown reports are one document ([`Block`]s) rendered two ways, so they always
//! show the same figures.

use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_analysis::{Change, Summary};
use spendlens_model::Money;

use crate::table::Table;

/// `part` as a percentage of `whole`, one decimal (`42.9%`); `-` when the whole is zero.
pub(crate) fn share(part: Money, whole: Money) -> String {
    if whole.is_zero() {
        return "-".to_string();
    }
    let percent =
        (part.as_decimal() * Decimal::ONE_HUNDRED / whole.as_decimal()).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    format!("{percent:.1}%")
}

/// `+$1,234.56` / `-$3.00` / `$0.00`.
pub(crate) fn signed(amount: Money) -> String {
    if amount.round_cents().is_zero() || amount.as_decimal().is_sign_negative() { amount.to_string() } else { format!("+{amount}") }
}

/// A change as `+$108.71 (+5.2%)`; `(new)` when there was nothing before.
pub(crate) fn change_text(change: &Change) -> String {
    match change.change_pct {
        Some(pct) if pct.is_sign_negative() && !pct.is_zero() => format!("{} ({:.1}%)", signed(change.change_usd), crate::tenths(pct)),
        Some(pct) => format!("{} (+{:.1}%)", signed(change.change_usd), crate::tenths(pct.abs())),
        None if change.current_usd.is_zero() => "-".to_string(),
        None => format!("{} (new)", signed(change.change_usd)),
    }
}

/// Thousands separators for counts.
pub(crate) fn count(value: u64) -> String {
    spendlens_model::thousands(value)
}

/// `1 engineer`, `2 engineers`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun}") } else { format!("{count} {noun}s") }
}

/// Dollars per 1,000 requests to the tenth of a cent (`$1.234`).
pub(crate) fn rate(amount: Money) -> String {
    let rounded = amount.round_dp(3).as_decimal();
    let whole = Money::from_decimal(rounded.trunc()).to_string();
    let integer = whole.strip_suffix(".00").unwrap_or(&whole);
    let fraction = format!("{:.3}", rounded.fract().abs());
    format!("{integer}{}", fraction.trim_start_matches('0'))
}

/// `service tier "flex" in admin_usage: 12 lines, 34,567 tokens`.
pub(crate) fn unknown_value_text(value: &spendlens_model::UnknownValue) -> String {
    let mut text = format!("{} {:?} in {}: {}", value.what, value.value, value.source, plural(value.lines as usize, "line"));
    if value.tokens > 0 {
        text += &format!(", {} tokens", count(value.tokens));
    }
    if !value.amount_usd.is_zero() {
        text += &format!(", {}", value.amount_usd);
    }
    text
}

enum Block {
    /// A title line (level 1) or a section heading (level 2).
    Heading(u8, String),
    Text(String),
    Table(Table),
    /// A list of notes.
    Items(Vec<String>),
}

fn document(summary: &Summary, top_engineers: usize) -> Vec<Block> {
    let paths = &summary.paths;
    let cc = &paths.claude_code;
    let units = &summary.unit_economics;
    let mut blocks = Vec::new();
    let mut title = format!("spendlens report · {} · total {}", summary.period.label(), summary.total_usd);
    if let Some(comparison) = &summary.month_over_month {
        title += &format!(" · {} on {}", change_text(&comparison.total), comparison.previous_period.label());
    }
    blocks.push(Block::Heading(1, title));

    let mut side = Table::new(&["", "Claude Code>", "API>", "Unassigned>"]);
    side.row(vec!["Spend".into(), cc.total_usd.to_string(), paths.api.total_usd.to_string(), paths.unassigned.total_usd.to_string()]);
    side.row(vec![
        "Share".into(),
        share(cc.total_usd, summary.total_usd),
        share(paths.api.total_usd, summary.total_usd),
        share(paths.unassigned.total_usd, summary.total_usd),
    ]);
    if let Some(comparison) = &summary.month_over_month {
        side.row(vec![
            comparison.previous_period.label(),
            comparison.claude_code.previous_usd.to_string(),
            comparison.api.previous_usd.to_string(),
            comparison.unassigned.previous_usd.to_string(),
        ]);
        side.row(vec![
            "Change".into(),
            change_text(&comparison.claude_code),
            change_text(&comparison.api),
            change_text(&comparison.unassigned),
        ]);
    }
    blocks.push(Block::Table(side));
    if let Some(comparison) = &summary.month_over_month {
        let (before, days) = (comparison.previous_days_with_data, comparison.previous_period.days());
        if (before as i64) < days && before < comparison.days_with_data {
            blocks.push(Block::Text(format!(
                "Note: {} has billed data on {before} of its {days} days, {} on {}: the change overstates growth.",
                comparison.previous_period.label(),
                summary.period.label(),
                comparison.days_with_data
            )));
        }
    }

    blocks.push(Block::Heading(
        2,
        format!(
            "Claude Code  {}  (seats {} · API keys {} · {})",
            cc.total_usd,
            cc.seats_usd,
            cc.api_keys_usd,
            plural(cc.engineers, "engineer")
        ),
    ));
    let cu = &units.claude_code;
    blocks.push(Block::Text(match (cu.cost_per_active_engineer_usd, cu.cost_per_active_engineer_day_usd) {
        (Some(per_engineer), Some(per_day)) => format!(
            "{per_engineer} per active engineer ({} active) · {per_day} per active engineer-day ({} engineer-days)",
            cu.active_engineers,
            count(cu.active_engineer_days as u64)
        ),
        _ => "No Claude Code activity in this period: ingest Claude Code Analytics, transcripts or telemetry for cost per active engineer"
            .to_string(),
    }));
    let comparison = summary.month_over_month.as_ref();
    let versus = comparison.map(|comparison| format!("vs {}>", comparison.previous_period.label())).unwrap_or_default();
    let mut team_columns = vec!["Team", "Engineers>", "Spend>", "Share>"];
    let mut feature_columns = vec!["Feature", "Spend>", "Share>"];
    if comparison.is_some() {
        team_columns.push(&versus);
        feature_columns.push(&versus);
    }
    feature_columns.extend(["Requests>", "Per 1k requests>"]);
    let moved = |changes: Option<&std::collections::BTreeMap<String, Change>>, name: &str| -> String {
        changes.and_then(|changes| changes.get(name)).map(change_text).unwrap_or_else(|| "-".into())
    };
    let mut teams = Table::new(&team_columns);
    for team in &cc.teams {
        let mut row = vec![team.team.clone(), team.engineers.to_string(), team.total_usd.to_string(), share(team.total_usd, cc.total_usd)];
        if comparison.is_some() {
            row.push(moved(comparison.map(|comparison| &comparison.teams), &team.team));
        }
        teams.row(row);
    }
    if !teams.is_empty() {
        blocks.push(Block::Table(teams));
    }
    let mut engineers = Table::new(&["Top engineers", "Team", "Seat>", "API keys>", "Total>"]);
    for engineer in cc.top_engineers.iter().take(top_engineers) {
        engineers.row(vec![
            engineer.email.clone(),
            engineer.team.clone().unwrap_or_else(|| "-".into()),
            engineer.seat_usd.to_string(),
            engineer.api_key_usd.to_string(),
            engineer.total_usd.to_string(),
        ]);
    }
    if !engineers.is_empty() {
        blocks.push(Block::Table(engineers));
    }
    if !cc.unowned_keys.is_empty() {
        blocks.push(Block::Items(
            cc.unowned_keys.iter().map(|key| format!("{}  Claude Code on {} (owner unknown)", key.total_usd, key.key)).collect(),
        ));
    }

    blocks.push(Block::Heading(2, format!("API  {}", paths.api.total_usd)));
    let mut features = Table::new(&feature_columns);
    for feature in &paths.api.features {
        let unit = units.api.features.iter().find(|unit| unit.feature == feature.feature);
        let mut row = vec![feature.feature.clone(), feature.total_usd.to_string(), share(feature.total_usd, paths.api.total_usd)];
        if comparison.is_some() {
            row.push(moved(comparison.map(|comparison| &comparison.features), &feature.feature));
        }
        row.push(unit.and_then(|unit| unit.requests).map(count).unwrap_or_else(|| "-".into()));
        row.push(unit.and_then(|unit| unit.cost_per_1000_requests_usd).map(rate).unwrap_or_else(|| "-".into()));
        features.row(row);
    }
    if !features.is_empty() {
        blocks.push(Block::Table(features));
    }
    if units.api.request_sources.is_empty() && !paths.api.features.is_empty() {
        blocks.push(Block::Text(
            "No request counts: sync the Usage Analytics endpoint or route traffic through the gateway for cost per 1,000 requests.".into(),
        ));
    }

    blocks.push(Block::Heading(2, format!("Unassigned  {}", paths.unassigned.total_usd)));
    if !paths.unassigned.lines.is_empty() {
        let mut unassigned = Table::new(&["Spend>", "Why"]);
        for line in &paths.unassigned.lines {
            unassigned.row(vec![line.total_usd.to_string(), line.reason.clone()]);
        }
        blocks.push(Block::Table(unassigned));
    }
    if !summary.unpriced_models.is_empty() {
        blocks.push(Block::Text(format!(
            "Unpriced models (not in the price book; add them to prices.toml): {}",
            summary.unpriced_models.join(", ")
        )));
    }
    for note in &summary.notes {
        blocks.push(Block::Text(format!("Note: {note}")));
    }
    if !summary.unknown_values.is_empty() {
        blocks.push(Block::Text(
            "Values this build does not know (kept as written; billed where a billing source bills them, never priced by guess):"
                .to_string(),
        ));
        blocks.push(Block::Items(summary.unknown_values.iter().map(unknown_value_text).collect()));
    }

    if !summary.sources.is_empty() {
        blocks.push(Block::Heading(2, "Sources".into()));
        let mut sources = Table::new(&["Source", "Role", "Lines>", "Billed>", "Own estimate>"]);
        for source in &summary.sources {
            sources.row(vec![
                source.source.to_string(),
                source.role.label().to_string(),
                count(source.lines as u64),
                source.billed_usd.to_string(),
                source.estimated_usd.map(|usd| usd.to_string()).unwrap_or_else(|| "-".into()),
            ]);
        }
        blocks.push(Block::Table(sources));
        blocks.push(Block::Items(summary.sources.iter().map(|source| format!("{}: {}", source.source, source.why)).collect()));
    }
    blocks
}

/// The report people read in a terminal: the two paths side by side, then each path's drivers.
pub fn summary_table(summary: &Summary, top_engineers: usize) -> String {
    let mut out = String::new();
    let mut after_table = false;
    for block in document(summary, top_engineers) {
        let table = matches!(block, Block::Table(_));
        match block {
            Block::Heading(1, text) => out += &format!("{text}\n\n"),
            Block::Heading(_, text) => out += &format!("\n{text}\n"),
            Block::Text(text) => out += &format!("  {text}\n"),
            Block::Table(table) => {
                if after_table {
                    out += "\n";
                }
                out += &table.render(2);
            }
            Block::Items(items) => items.iter().for_each(|item| out += &format!("  {item}\n")),
        }
        after_table = table;
    }
    out
}

/// The same report in Markdown (GitHub flavour), to paste into a ticket, a wiki or a mail.
pub fn summary_markdown(summary: &Summary, top_engineers: usize) -> String {
    let mut out = String::new();
    for block in document(summary, top_engineers) {
        match block {
            Block::Heading(1, text) => out += &format!("# {text}\n\n"),
            Block::Heading(_, text) => out += &format!("## {text}\n\n"),
            Block::Text(text) => out += &format!("{}\n\n", markdown_escape(&text)),
            Block::Table(table) => out += &(table.render_markdown() + "\n"),
            Block::Items(items) => {
                items.iter().for_each(|item| out += &format!("- {}\n", markdown_escape(item)));
                out += "\n";
            }
        }
    }
    out.trim_end().to_string() + "\n"
}

pub(crate) fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One CSV row per driver with its path and figures (exact decimals, no currency symbols), for a
/// spreadsheet: path totals, teams, engineers, unowned Claude Code keys, features, unassigned
/// reasons.
pub fn summary_csv(summary: &Summary) -> String {
    let columns = [
        "period_start",
        "period_end",
        "path",
        "driver_type",
        "driver",
        "team",
        "spend_usd",
        "share_of_path_pct",
        "previous_usd",
        "change_usd",
        "change_pct",
        "active_engineers",
        "active_engineer_days",
        "cost_per_active_engineer_usd",
        "cost_per_active_engineer_day_usd",
        "requests",
        "cost_per_1000_requests_usd",
    ];
    let mut out = columns.join(",") + "\n";
    let period = &summary.period;
    let pct = |part: Money, whole: Money| -> String {
        if whole.is_zero() {
            return String::new();
        }
        (part.as_decimal() * Decimal::ONE_HUNDRED / whole.as_decimal())
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            .to_string()
    };
    let exact = |amount: Money| amount.to_exact_string();
    let mut row = |path: &str, kind: &str, driver: &str, team: &str, spend: Money, path_total: Money, extra: [String; 9]| {
        let mut cells = vec![
            period.start.to_string(),
            period.end.to_string(),
            path.to_string(),
            kind.to_string(),
            driver.to_string(),
            team.to_string(),
            exact(spend),
            pct(spend, path_total),
        ];
        cells.extend(extra);
        out += &cells.iter().map(|cell| crate::csv::cell(cell)).collect::<Vec<_>>().join(",");
        out += "\n";
    };
    let none = || -> [String; 9] { Default::default() };
    let paths = &summary.paths;
    let cc = &paths.claude_code;
    let units = &summary.unit_economics;
    let change_cells = |change: Option<&Change>| -> [String; 3] {
        match change {
            Some(change) => {
                [exact(change.previous_usd), exact(change.change_usd), change.change_pct.map(|pct| pct.to_string()).unwrap_or_default()]
            }
            None => Default::default(),
        }
    };
    let comparison = summary.month_over_month.as_ref();
    let opt = |amount: Option<Money>| amount.map(exact).unwrap_or_default();
    let [p, c, x] = change_cells(comparison.map(|c| &c.total));
    row(
        "all",
        "total",
        "",
        "",
        summary.total_usd,
        summary.total_usd,
        [p, c, x, String::new(), String::new(), String::new(), String::new(), String::new(), String::new()],
    );
    let [p, c, x] = change_cells(comparison.map(|c| &c.claude_code));
    let cu = &units.claude_code;
    row(
        "claude_code",
        "total",
        "",
        "",
        cc.total_usd,
        cc.total_usd,
        [
            p,
            c,
            x,
            cu.active_engineers.to_string(),
            cu.active_engineer_days.to_string(),
            opt(cu.cost_per_active_engineer_usd),
            opt(cu.cost_per_active_engineer_day_usd),
            String::new(),
            String::new(),
        ],
    );
    let [p, c, x] = change_cells(comparison.map(|c| &c.api));
    let requests: u64 = units.api.features.iter().filter_map(|unit| unit.requests).sum();
    row(
        "api",
        "total",
        "",
        "",
        paths.api.total_usd,
        paths.api.total_usd,
        [
            p,
            c,
            x,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            if requests > 0 { requests.to_string() } else { String::new() },
            String::new(),
        ],
    );
    let [p, c, x] = change_cells(comparison.map(|c| &c.unassigned));
    row(
        "unassigned",
        "total",
        "",
        "",
        paths.unassigned.total_usd,
        paths.unassigned.total_usd,
        [p, c, x, String::new(), String::new(), String::new(), String::new(), String::new(), String::new()],
    );
    let driver_change = |changes: Option<&std::collections::BTreeMap<String, Change>>, name: &str| -> [String; 9] {
        let [p, c, x] = change_cells(changes.and_then(|changes| changes.get(name)));
        [p, c, x, String::new(), String::new(), String::new(), String::new(), String::new(), String::new()]
    };
    for team in &cc.teams {
        row(
            "claude_code",
            "team",
            &team.team,
            &team.team,
            team.total_usd,
            cc.total_usd,
            driver_change(comparison.map(|c| &c.teams), &team.team),
        );
    }
    for engineer in &cc.top_engineers {
        row("claude_code", "engineer", &engineer.email, engineer.team.as_deref().unwrap_or(""), engineer.total_usd, cc.total_usd, none());
    }
    for key in &cc.unowned_keys {
        row("claude_code", "api_key", &key.key, "", key.total_usd, cc.total_usd, none());
    }
    for feature in &paths.api.features {
        let unit = units.api.features.iter().find(|unit| unit.feature == feature.feature);
        let mut extra = driver_change(comparison.map(|c| &c.features), &feature.feature);
        extra[7] = unit.and_then(|unit| unit.requests).map(|count| count.to_string()).unwrap_or_default();
        extra[8] = opt(unit.and_then(|unit| unit.cost_per_1000_requests_usd));
        row("api", "feature", &feature.feature, "", feature.total_usd, paths.api.total_usd, extra);
    }
    for line in &paths.unassigned.lines {
        row("unassigned", "reason", &line.reason, "", line.total_usd, paths.unassigned.total_usd, none());
    }
    out
}

/// The JSON contract: `total_usd` and `paths.{claude_code,api,unassigned}.total_usd`, dollars as
/// exact decimal strings; `month_over_month`, `unit_economics` and `sources` beside.
pub fn summary_json(summary: &Summary) -> serde_json::Value {
    serde_json::to_value(summary).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn shares_round_half_away_from_zero() {
        let cases = [("1", "3", "33.3%"), ("2", "3", "66.7%"), ("1", "8", "12.5%"), ("0", "5", "0.0%"), ("1", "0", "-")];
        for (part, whole, expected) in cases {
            assert_eq!(share(money(part), money(whole)), expected);
        }
    }

    #[test]
    fn changes_read_with_their_sign() {
        assert_eq!(change_text(&Change::new(money("100"), money("105.2"))), "+$5.20 (+5.2%)");
        assert_eq!(change_text(&Change::new(money("100"), money("90"))), "-$10.00 (-10.0%)");
        assert_eq!(change_text(&Change::new(money("100"), money("100"))), "$0.00 (+0.0%)");
        assert_eq!(change_text(&Change::new(money("0"), money("7"))), "+$7.00 (new)");
        assert_eq!(change_text(&Change::new(money("0"), money("0"))), "-");
    }

    #[test]
    fn rates_keep_a_tenth_of_a_cent() {
        assert_eq!(rate(money("1.2345")), "$1.235");
        assert_eq!(rate(money("0.004")), "$0.004");
        assert_eq!(rate(money("1234.5")), "$1,234.500");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(12_345_678), "12,345,678");
    }
}

//! The period summary as a table and as JSON.

use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_analysis::Summary;
use spendlens_model::Money;

use crate::table::Table;

/// `part` as a percentage of `whole`, one decimal (`42.9%`); `-` when the whole is zero.
fn share(part: Money, whole: Money) -> String {
    if whole.is_zero() {
        return "-".to_string();
    }
    let percent =
        (part.as_decimal() * Decimal::ONE_HUNDRED / whole.as_decimal()).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    format!("{percent:.1}%")
}

/// The report people read: the two paths side by side, then each path's drivers.
pub fn summary_table(summary: &Summary, top_engineers: usize) -> String {
    let paths = &summary.paths;
    let mut out = format!("spendlens report · {} · total {}\n\n", summary.period.label(), summary.total_usd);
    let mut side = Table::new(&["", "Claude Code>", "API>", "Unassigned>"]);
    side.row(vec![
        "Spend".into(),
        paths.claude_code.total_usd.to_string(),
        paths.api.total_usd.to_string(),
        paths.unassigned.total_usd.to_string(),
    ]);
    side.row(vec![
        "Share".into(),
        share(paths.claude_code.total_usd, summary.total_usd),
        share(paths.api.total_usd, summary.total_usd),
        share(paths.unassigned.total_usd, summary.total_usd),
    ]);
    out += &side.render(2);

    let cc = &paths.claude_code;
    out +=
        &format!("\nClaude Code  {}  (seats {} · API keys {} · {} engineers)\n", cc.total_usd, cc.seats_usd, cc.api_keys_usd, cc.engineers);
    let mut teams = Table::new(&["Team", "Engineers>", "Spend>", "Share>"]);
    for team in &cc.teams {
        teams.row(vec![team.team.clone(), team.engineers.to_string(), team.total_usd.to_string(), share(team.total_usd, cc.total_usd)]);
    }
    if !teams.is_empty() {
        out += &teams.render(2);
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
        out += "\n";
        out += &engineers.render(2);
    }
    for key in &cc.unowned_keys {
        out += &format!("  {}  Claude Code on {} (owner unknown)\n", key.total_usd, key.key);
    }

    out += &format!("\nAPI  {}\n", paths.api.total_usd);
    let mut features = Table::new(&["Feature", "Spend>", "Share>"]);
    for feature in &paths.api.features {
        features.row(vec![feature.feature.clone(), feature.total_usd.to_string(), share(feature.total_usd, paths.api.total_usd)]);
    }
    if !features.is_empty() {
        out += &features.render(2);
    }

    out += &format!("\nUnassigned  {}\n", paths.unassigned.total_usd);
    for line in &paths.unassigned.lines {
        out += &format!("  {:>12}  {}\n", line.total_usd.to_string(), line.reason);
    }
    if !summary.unpriced_models.is_empty() {
        out += &format!("\nUnpriced models (not in the price book; add them to prices.toml): {}\n", summary.unpriced_models.join(", "));
    }
    out
}

/// The JSON contract: `total_usd` and `paths.{claude_code,api,unassigned}.total_usd`, dollars as
/// exact decimal strings.
pub fn summary_json(summary: &Summary) -> serde_json::Value {
    serde_json::to_value(summary).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::share;

    #[test]
    fn shares_round_half_away_from_zero() {
        let cases = [("1", "3", "33.3%"), ("2", "3", "66.7%"), ("1", "8", "12.5%"), ("0", "5", "0.0%"), ("1", "0", "-")];
        for (part, whole, expected) in cases {
            assert_eq!(share(part.parse().unwrap(), whole.parse().unwrap()), expected);
        }
    }
}

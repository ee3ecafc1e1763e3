//! The `cc` views as tables: rows by day, week, month or session (per project with
//! `--instances`), the billing blocks, and the notes a view prints on stderr (the zone its days are
//! counted in, unpriced models, where costs came from).

use std::collections::BTreeSet;

use spendlens_analysis::ccusage::{CostMode, Counts, Report};
use spendlens_app::claude_code::{BlocksAnswer, View};
use spendlens_app::timezone::ReportZone;

use crate::table::Table;

/// The zone a view's days are in.
pub fn cc_zone_note(zone: &str) -> String {
    format!("cc: days in time zone {zone}; --timezone to choose another\n")
}

/// The notes of a dated or session view: its zone, models the price book cannot price, costs
/// taken from the lines' own `costUSD`.
pub fn cc_notes(unpriced: &BTreeSet<String>, zone: &str, mode: CostMode) -> String {
    let mut out = cc_zone_note(zone);
    if !unpriced.is_empty() && mode != CostMode::Display {
        let names: Vec<&str> = unpriced.iter().map(String::as_str).collect();
        out += &format!("unpriced (not in the price book; their cost is left out): {}\n", names.join(", "));
    }
    if mode == CostMode::Display {
        out += "cc: --mode display: costs are the costUSD older Claude Code versions wrote on each line ($0 where none)\n";
    }
    out
}

fn dollars(counts: &Counts) -> String {
    format!("${:.2}", counts.cost.round_cents().to_f64_lossy())
}

/// A dated or session view as a table; `breakdown` adds a row per model under each row,
/// `costs` false leaves the cost column out.
pub fn cc_table(report: &Report, view: View, breakdown: bool, costs: bool, zone: &str) -> String {
    let first = match view {
        View::Daily => "Date",
        View::Weekly(_) => "Week",
        View::Monthly => "Month",
        View::Session => "Session",
    };
    let per_project = report.rows.iter().any(|row| row.project.is_some());
    let mut columns = vec![first];
    if per_project {
        columns.push("Project");
    }
    columns.extend(["Models", "Input>", "Output>", "Cache Create>", "Cache Read>", "Total Tokens>"]);
    if costs {
        columns.push("Cost (USD)>");
    }
    if view == View::Session {
        columns.push("Last Activity");
    }
    let mut table = Table::new(&columns);
    let cells = |label: String, project: String, models: String, counts: &Counts, last: String| {
        let mut cells = vec![label];
        if per_project {
            cells.push(project);
        }
        cells.extend([
            models,
            counts.input.to_string(),
            counts.output.to_string(),
            counts.cache_creation.to_string(),
            counts.cache_read.to_string(),
            counts.total_tokens().to_string(),
        ]);
        if costs {
            cells.push(dollars(counts));
        }
        if view == View::Session {
            cells.push(last);
        }
        cells
    };
    for row in &report.rows {
        let last = row.last_activity.format("%Y-%m-%d %H:%M UTC").to_string();
        table.row(cells(row.key.clone(), row.project.clone().unwrap_or_default(), row.models_used.join(", "), &row.counts, last));
        if breakdown {
            for part in &row.models {
                let name = if part.unpriced { format!("  └─ {} (unpriced)", part.model) } else { format!("  └─ {}", part.model) };
                table.row(cells(name, String::new(), String::new(), &part.counts, String::new()));
            }
        }
    }
    table.row(cells("Total".into(), String::new(), String::new(), &report.totals, String::new()));
    let title = match view {
        View::Daily => "Claude Code token usage by day".to_string(),
        View::Weekly(start) => format!("Claude Code token usage by week (from {start})"),
        View::Monthly => "Claude Code token usage by month".to_string(),
        View::Session => "Claude Code token usage by session".to_string(),
    };
    format!("{title}, days in {zone} (list price)\n\n{}", table.render(0))
}

/// The blocks as a table: start (in the zone), state, models, tokens, cost; the open block's
/// burn rate and projection below it.
pub fn cc_blocks_table(answer: &BlocksAnswer, breakdown: bool, costs: bool, zone: &ReportZone) -> String {
    let (now, length) = (answer.now, answer.length);
    let mut columns = vec!["Block Start (UTC)", "State", "Models", "Entries>", "Tokens>"];
    if answer.token_limit.is_some() {
        columns.push("% of limit>");
    }
    if costs {
        columns.push("Cost (USD)>");
    }
    let mut table = Table::new(&columns);
    let mut notes = String::new();
    for block in &answer.blocks {
        let state = if block.gap {
            "gap".to_string()
        } else if block.is_active(now, length) {
            let left = (block.end - now).num_minutes().max(0);
            format!("ACTIVE, {}h {}m left", left / 60, left % 60)
        } else {
            String::new()
        };
        let mut cells = vec![
            block.start.format("%Y-%m-%d %H:%M").to_string(),
            state,
            block.models.join(", "),
            block.entries.to_string(),
            block.counts.total_tokens().to_string(),
        ];
        if let Some(limit) = answer.token_limit {
            cells.push(if block.gap || limit == 0 {
                String::new()
            } else {
                format!("{:.1}%", block.counts.total_tokens() as f64 / limit as f64 * 100.0)
            });
        }
        if costs {
            cells.push(if block.gap { String::new() } else { dollars(&block.counts) });
        }
        table.row(cells);
        if breakdown && !block.gap {
            for model in &block.models {
                let unpriced = if block.unpriced.contains(model) { " (unpriced)" } else { "" };
                let mut cells = vec![format!("  └─ {model}{unpriced}"), String::new(), String::new(), String::new(), String::new()];
                cells.extend((0..columns.len() - 5).map(|_| String::new()));
                table.row(cells);
            }
        }
        if let (Some(rate), Some(projection)) = (block.burn_rate(now, length), block.projection(now, length)) {
            notes += &format!(
                "open block: {:.0} tokens/min, {} minutes left, projected {} tokens",
                rate.tokens_per_minute, projection.remaining_minutes, projection.total_tokens
            );
            if costs {
                notes += &format!(", ${:.2}/hour, projected ${:.2}", rate.cost_per_hour, projection.total_cost);
            }
            notes += "\n";
        }
    }
    format!(
        "Claude Code billing blocks of {} h (starts floored to the UTC hour; days filtered in {})\n\n{}{}",
        length.num_minutes() as f64 / 60.0,
        zone.label(),
        table.render(0),
        notes
    )
}

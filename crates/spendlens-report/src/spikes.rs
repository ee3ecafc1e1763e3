//! Spikes and alert checks as text: one row per spike (window, path, driver, change against the
//! window before, the band's expected amount), then each spike's sentence and factors.

use spendlens_analysis::spikes::{Grain, Spikes};
use spendlens_app::alerts::{AlertsView, Delivery};

use crate::table::{Table, printable};

/// `spendlens spikes` as text.
pub fn spikes_text(spikes: &Spikes) -> String {
    if spikes.spikes.is_empty() {
        return "No spikes: every path, team and feature stayed inside its expected band.\n".to_string();
    }
    let mut table = Table::new(&["Window", "Path", "Driver", "Spend>", "Expected>", "Before>", "Change>"]);
    for spike in &spikes.spikes {
        let window = match spike.grain {
            Grain::Week => format!("week {} to {}", spike.start, spike.end),
            Grain::Day => format!("day {}", spike.start),
        };
        table.row(vec![
            window,
            spike.path.as_str().to_string(),
            format!("{} {}", spike.driver.kind, spike.driver.name),
            spike.actual_usd.to_string(),
            spike.expected_usd.to_string(),
            spike.previous_usd.to_string(),
            spike.change_usd.to_string(),
        ]);
    }
    let mut out = format!("Spikes · {} found\n\n{}", spikes.spikes.len(), table.render(0));
    for spike in &spikes.spikes {
        out += &format!("\n{} to {} · {}\n", spike.start, spike.end, printable(spike.summary.clone()));
        for factor in &spike.factors {
            out += &format!("  {:<24} {:>14}\n", factor.factor, factor.usd.to_string());
        }
    }
    out
}

/// `spendlens alerts check` as text.
pub fn alerts_text(view: &AlertsView) -> String {
    let mut out = match &view.month {
        Some(month) => format!("Alerts · budgets for {month} · {} posted, {} failed\n", view.delivered, view.failed),
        None => "Alerts · the ledger is empty\n".to_string(),
    };
    if view.events.is_empty() {
        out += "No budget crossed and no new spike.\n";
        return out;
    }
    let mut table = Table::new(&["Event", "Delivery", "What"]);
    for status in &view.events {
        let delivery = match status.delivery {
            Delivery::Delivered => "posted".to_string(),
            Delivery::AlreadyDelivered => "posted earlier".to_string(),
            Delivery::Failed => format!("failed: {}", status.error.clone().unwrap_or_default()),
            Delivery::NotSent => "no webhook".to_string(),
        };
        table.row(vec![status.event.id.clone(), delivery, status.event.text.clone()]);
    }
    out += "\n";
    out += &table.render(0);
    out
}

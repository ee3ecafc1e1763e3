//! `spendlens reconcile`: an invoice against the ledger, line by line.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use spendlens_analysis::reconcile::{InvoiceLine, reconcile};
use spendlens_model::{CostLine, Money, Period, Source};

use crate::cli::ReconcileArgs;
use crate::commands::{assemble_ledger, open_store};
use crate::settings::Settings;

/// With no invoice file: the month's cost report (grouped as an invoice groups it: model, token
/// type, tier) and its seat fees stand in for the invoice.
fn invoice_from_sources(costs: &[CostLine], period: Period) -> Vec<CostLine> {
    let mut groups: BTreeMap<(u8, Option<String>, String, String, String), CostLine> = BTreeMap::new();
    // The ledger's rule: the Cost Analytics endpoint bills only days the cost report lacks.
    let billing = spendlens_analysis::ConsoleBilling::of(costs);
    for cost in costs.iter().filter(|cost| period.contains(cost.start)) {
        let key = match cost.source {
            Source::Roster => (1, None, String::new(), String::new(), String::new()),
            Source::AdminAnalyticsCost if billing.sets_aside(cost) => continue,
            Source::AdminCost | Source::AdminAnalyticsCost => (
                0,
                cost.model.clone(),
                cost.token_type.map(|t| t.as_str().to_string()).unwrap_or_default(),
                cost.service_tier.map(|t| t.as_str().to_string()).unwrap_or_default(),
                cost.kind.as_str().to_string(),
            ),
            _ => continue,
        };
        let line = groups.entry(key).or_insert_with(|| {
            let mut line = CostLine::new(period.start, period.end, Source::Invoice, Money::ZERO, cost.kind);
            line.model = cost.model.clone();
            line.token_type = cost.token_type;
            line.service_tier = cost.service_tier;
            line.description = match cost.source {
                Source::Roster => "Claude Code seats".to_string(),
                _ => format!(
                    "{} {}{}",
                    cost.model.as_deref().unwrap_or(cost.kind.as_str()),
                    cost.token_type.map_or(String::new(), |t| t.as_str().to_string()),
                    cost.service_tier.map_or(String::new(), |t| format!(" ({t})"))
                ),
            };
            line
        });
        line.amount += cost.amount;
    }
    groups.into_values().collect()
}

pub fn run(settings: &Settings, args: &ReconcileArgs) -> Result<()> {
    let period = Period::parse_month(&args.month).with_context(|| format!("--month {:?} is not YYYY-MM", args.month))?;
    let store = open_store(settings)?;
    let costs = store.cost_lines(Some(period))?;
    let invoice = match &args.invoice {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading the invoice {}", path.display()))?;
            spendlens_ingest::invoice::read(&path.display().to_string(), &bytes, period)?
        }
        None => invoice_from_sources(&costs, period),
    };
    let lines: Vec<InvoiceLine> = invoice.iter().enumerate().map(|(index, line)| InvoiceLine::from_cost(index + 1, line)).collect();
    let settled_through = costs.iter().filter(|cost| cost.source == Source::AdminCost).map(|cost| cost.start).max();
    let ledger = assemble_ledger(settings, &store, period)?;
    let book = settings.price_book()?;
    let result = reconcile(&lines, &ledger, period, settled_through, &book);
    if args.json {
        let mut value = serde_json::to_value(&result)?;
        value["month"] = serde_json::Value::String(period.label());
        value["ties_out"] = serde_json::Value::Bool(result.ties_out());
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    println!(
        "reconcile {} · invoice {} · ledger {} · difference {}",
        period.label(),
        result.invoice_total_usd,
        result.ledger_total_usd,
        result.residual_total_usd
    );
    let mut table = spendlens_report::Table::new(&["#>", "Invoice line", "Billed>", "In ledger>", "Residual>", "Cause"]);
    for line in &lines {
        let mapped: Money =
            result.lines.iter().filter(|l| l.invoice_line == Some(line.number) && l.cause.is_none()).map(|l| l.amount_usd).sum();
        let residual = result.lines.iter().find(|l| l.invoice_line == Some(line.number) && l.cause.is_some());
        table.row(vec![
            line.number.to_string(),
            line.description.clone(),
            line.amount.to_string(),
            mapped.to_string(),
            residual.map_or_else(|| "-".into(), |r| r.amount_usd.to_string()),
            residual.and_then(|r| r.cause).map_or_else(String::new, |cause| cause.explain().to_string()),
        ]);
    }
    print!("{}", table.render(2));
    let mut by_path: BTreeMap<String, Money> = BTreeMap::new();
    for line in result.lines.iter().filter(|l| l.cause.is_none()) {
        *by_path.entry(line.path.as_str().to_string()).or_default() += line.amount_usd;
    }
    println!();
    for (path, amount) in by_path {
        println!("  {path:<12} {amount:>14}");
    }
    for (cause, amount) in &result.residuals {
        println!("  residual {:<24} {amount:>14}  {}", format!("{cause:?}"), cause.explain());
    }
    Ok(())
}

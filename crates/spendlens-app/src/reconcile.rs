//! Invoice reconciliation: an invoice's lines (a CSV the user gives, or, without one, the month's
//! cost report and seat fees grouped as an invoice groups them) matched to the ledger, each line
//! split to its paths and drivers, every difference a residual with its cause.

use std::collections::BTreeMap;
use std::path::Path;

use spendlens_analysis::ConsoleBilling;
use spendlens_analysis::reconcile::{InvoiceLine, reconcile};
use spendlens_model::{CostLine, Money, Period, Source};

use crate::views::ReconcileView;
use crate::{App, AppError};

/// With no invoice file: the month's cost report (grouped as an invoice groups it: model, token
/// type, tier) and its seat fees stand in for the invoice.
fn invoice_from_sources(costs: &[CostLine], period: Period) -> Vec<CostLine> {
    let mut groups: BTreeMap<(u8, Option<String>, String, String, String), CostLine> = BTreeMap::new();
    // The ledger's rule: the Cost Analytics endpoint bills only days the cost report lacks.
    let billing = ConsoleBilling::of(costs);
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

/// A reconciliation and the invoice lines it was made from.
#[derive(Debug, Clone)]
pub struct Reconciled {
    pub lines: Vec<InvoiceLine>,
    pub view: ReconcileView,
}

impl App {
    /// Reconciles the invoice of `period` (a calendar month): from `invoice` (CSV), or the
    /// month's cost report and seat fees.
    pub fn reconcile(&self, period: Period, invoice: Option<&Path>) -> Result<Reconciled, AppError> {
        let costs = self.cost_lines(period)?;
        let invoice_lines = match invoice {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|error| AppError::file("reading the invoice", path, error))?;
                spendlens_ingest::invoice::read(&path.display().to_string(), &bytes, period)?
            }
            None => invoice_from_sources(&costs, period),
        };
        let lines: Vec<InvoiceLine> =
            invoice_lines.iter().enumerate().map(|(index, line)| InvoiceLine::from_cost(index + 1, line)).collect();
        let settled_through = costs.iter().filter(|cost| cost.source == Source::AdminCost).map(|cost| cost.start).max();
        let ledger = self.load_ledger(period)?.ledger;
        let reconciliation = reconcile(&lines, &ledger, period, settled_through, self.price_book()?);
        let ties_out = reconciliation.ties_out();
        let self_check = invoice.is_none();
        Ok(Reconciled { lines, view: ReconcileView { reconciliation, month: period.label(), ties_out, self_check } })
    }
}

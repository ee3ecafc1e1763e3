//! Invoice reconciliation: every invoice line mapped to the ledger entries that make it up (and so
//! to a path and a driver), and every difference named.
//!
//! The ledger's lines (each billed dollar once, with path and driver) are matched to invoice lines:
//! usage lines by model, token type, workspace and tier as far as the invoice names them (the most
//! specific invoice line first), seat lines to roster seat fees. The result's lines are the ledger
//! entries, grouped per invoice line, path and driver, plus residual lines that make up the whole
//! difference between the invoice and the ledger, each with a cause: tax, credit, Priority Tier
//! (absent from the cost report), an unpriced model, data not yet settled, rounding, or a billed
//! amount above or below the ledger. The lines always sum to the invoice total exactly.

use std::collections::BTreeMap;

use serde::Serialize;
use spendlens_model::{CostKind, CostLine, Day, Money, Path, Period, ServiceTier, Source, TokenType};
use spendlens_pricing::{PriceBook, normalise_model_id};

use crate::ledger::{Driver, Ledger, LedgerEntry, in_period};

/// What an invoice line charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    /// Per-token usage (Console API keys), web search, code execution.
    Usage,
    /// Seat fees.
    Seats,
    Tax,
    /// Credits and adjustments in the customer's favour (negative amounts).
    Credit,
    /// Priority Tier capacity (billed by contract, absent from the cost report).
    Priority,
    Other,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    /// 1-based position on the invoice.
    pub number: usize,
    pub description: String,
    pub amount: Money,
    pub kind: InvoiceKind,
    pub model: Option<String>,
    pub token_type: Option<TokenType>,
    pub workspace_id: Option<String>,
    pub service_tier: Option<ServiceTier>,
}

/// Why the invoice and the ledger differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Tax,
    Credit,
    PriorityTier,
    /// The invoice bills a model the price book does not know and the ledger does not hold.
    UnpricedModel,
    /// The ledger's cost data stops before the period ends: the cost report has not settled.
    NotSettled,
    /// Within a cent per invoice line.
    Rounding,
    /// The invoice bills more for this line than the ledger holds: raise it with Anthropic.
    BilledAboveLedger,
    /// The invoice bills less for this line than the ledger holds.
    BilledBelowLedger,
    /// Ledger dollars no invoice line accounts for.
    NotOnInvoice,
    /// An invoice line of no kind the ledger tracks.
    Other,
}

impl Cause {
    pub fn explain(self) -> &'static str {
        match self {
            Cause::Tax => "tax: not usage, not in the ledger",
            Cause::Credit => "credit or adjustment",
            Cause::PriorityTier => "Priority Tier is billed by contract and absent from the cost report",
            Cause::UnpricedModel => "a model the price book does not know and the ledger does not hold",
            Cause::NotSettled => "the ledger's cost data stops before the period ends: not settled yet",
            Cause::Rounding => "rounding (within a cent)",
            Cause::BilledAboveLedger => "billed above the ledger for this line: ask Anthropic",
            Cause::BilledBelowLedger => "billed below the ledger for this line",
            Cause::NotOnInvoice => "in the ledger but on no invoice line",
            Cause::Other => "an invoice line of a kind the ledger does not track",
        }
    }
}

/// One line of the reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileLine {
    /// The invoice line it belongs to, if any.
    pub invoice_line: Option<usize>,
    pub description: String,
    pub amount_usd: Money,
    pub path: Path,
    /// Team, engineer or feature; `None` on residuals.
    pub driver: Option<String>,
    /// The engineer's team, for Claude Code lines.
    pub team: Option<String>,
    /// Set on residual lines only.
    pub cause: Option<Cause>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub period: Period,
    pub invoice_total_usd: Money,
    pub ledger_total_usd: Money,
    pub residual_total_usd: Money,
    pub lines: Vec<ReconcileLine>,
    /// Residuals by cause.
    pub residuals: BTreeMap<Cause, Money>,
}

impl Reconciliation {
    /// True when every dollar of difference has a cause other than "billed above/below".
    pub fn ties_out(&self) -> bool {
        self.lines.iter().map(|line| line.amount_usd).sum::<Money>() == self.invoice_total_usd
    }

    /// Invoice lines whose amount the ledger does not explain.
    pub fn flagged(&self) -> impl Iterator<Item = &ReconcileLine> {
        self.lines
            .iter()
            .filter(|line| matches!(line.cause, Some(Cause::BilledAboveLedger | Cause::BilledBelowLedger | Cause::UnpricedModel)))
    }
}

impl InvoiceLine {
    /// An invoice's cost line (as `spendlens-ingest` reads it), numbered from 1.
    pub fn from_cost(number: usize, line: &CostLine) -> InvoiceLine {
        let kind = match line.kind {
            CostKind::Tax => InvoiceKind::Tax,
            CostKind::Credit => InvoiceKind::Credit,
            CostKind::SeatFee => InvoiceKind::Seats,
            CostKind::Other | CostKind::Commitment => InvoiceKind::Other,
            _ if line.service_tier == Some(ServiceTier::Priority) => InvoiceKind::Priority,
            _ => InvoiceKind::Usage,
        };
        InvoiceLine {
            number,
            description: line.description.clone(),
            amount: line.amount,
            kind,
            model: line.model.clone(),
            token_type: line.token_type,
            workspace_id: line.identity.workspace_id.clone(),
            service_tier: line.service_tier,
        }
    }
}

fn specificity(line: &InvoiceLine) -> usize {
    [line.model.is_some(), line.token_type.is_some(), line.workspace_id.is_some(), line.service_tier.is_some()]
        .iter()
        .filter(|set| **set)
        .count()
}

fn matches(line: &InvoiceLine, entry: &LedgerEntry) -> bool {
    match line.kind {
        InvoiceKind::Seats => entry.kind == CostKind::SeatFee,
        InvoiceKind::Usage => {
            entry.kind != CostKind::SeatFee
                && line
                    .model
                    .as_deref()
                    .is_none_or(|model| entry.model.as_deref().map(normalise_model_id) == Some(normalise_model_id(model)))
                && line.token_type.is_none_or(|wanted| entry.token_type == Some(wanted))
                && line.workspace_id.as_deref().is_none_or(|wanted| entry.workspace_id.as_deref() == Some(wanted))
                && line.service_tier.is_none_or(|wanted| entry.service_tier.unwrap_or_default() == wanted)
        }
        _ => false,
    }
}

fn driver_label(driver: &Driver) -> (Option<String>, Option<String>) {
    match driver {
        Driver::Engineer { email, team } => (Some(email.clone()), team.clone()),
        Driver::ClaudeCodeKey { key } => (Some(format!("key {key}")), None),
        Driver::Feature { name } => (Some(name.clone()), None),
        Driver::Unattributed { reason } => (Some(reason.clone()), None),
    }
}

/// Reconciles `invoice` against the ledger's entries in `period`; `settled_through` is the last
/// day with cost-report data.
pub fn reconcile(
    invoice: &[InvoiceLine],
    ledger: &Ledger,
    period: Period,
    settled_through: Option<Day>,
    book: &PriceBook,
) -> Reconciliation {
    let entries: Vec<(usize, &LedgerEntry)> = ledger.entries.iter().enumerate().filter(|(_, entry)| period.contains(entry.start)).collect();
    let ledger_total: Money = in_period(&ledger.entries, period).map(|entry| entry.amount).sum();
    let mut taken = vec![false; ledger.entries.len()];
    let mut order: Vec<&InvoiceLine> = invoice.iter().collect();
    order.sort_by_key(|line| std::cmp::Reverse(specificity(line)));
    let mut matched: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for line in &order {
        for (index, entry) in &entries {
            if !taken[*index] && matches(line, entry) {
                taken[*index] = true;
                matched.entry(line.number).or_default().push(*index);
            }
        }
    }
    let cent = Money::from_cents(1);
    let unsettled = settled_through.is_none_or(|last| last + chrono::Duration::days(1) < period.end);
    let mut lines = Vec::new();
    for line in invoice {
        let indices = matched.get(&line.number).cloned().unwrap_or_default();
        let mut groups: BTreeMap<(Path, Option<String>, Option<String>), Money> = BTreeMap::new();
        for index in &indices {
            let entry = &ledger.entries[*index];
            let (driver, team) = driver_label(&entry.driver);
            *groups.entry((entry.path, driver, team)).or_default() += entry.amount;
        }
        let mut held = Money::ZERO;
        for ((path, driver, team), amount) in groups {
            held += amount;
            lines.push(ReconcileLine {
                invoice_line: Some(line.number),
                description: line.description.clone(),
                amount_usd: amount,
                path,
                driver,
                team,
                cause: None,
            });
        }
        let difference = line.amount - held;
        if difference.is_zero() {
            continue;
        }
        let cause = match line.kind {
            InvoiceKind::Tax => Cause::Tax,
            InvoiceKind::Credit => Cause::Credit,
            InvoiceKind::Priority => Cause::PriorityTier,
            InvoiceKind::Other => Cause::Other,
            _ if difference.abs() <= cent => Cause::Rounding,
            InvoiceKind::Usage if indices.is_empty() && line.model.as_deref().is_some_and(|model| book.resolve(model).is_none()) => {
                Cause::UnpricedModel
            }
            _ if unsettled && difference > Money::ZERO => Cause::NotSettled,
            _ if difference > Money::ZERO => Cause::BilledAboveLedger,
            _ => Cause::BilledBelowLedger,
        };
        lines.push(ReconcileLine {
            invoice_line: Some(line.number),
            description: line.description.clone(),
            amount_usd: difference,
            path: Path::Unassigned,
            driver: None,
            team: None,
            cause: Some(cause),
        });
    }
    // Ledger dollars no invoice line took: listed as ledger lines, and taken back out as a residual.
    let mut leftovers: BTreeMap<(Path, Option<String>, Option<String>, Source), Money> = BTreeMap::new();
    for (index, entry) in &entries {
        if !taken[*index] {
            let (driver, team) = driver_label(&entry.driver);
            *leftovers.entry((entry.path, driver, team, entry.source)).or_default() += entry.amount;
        }
    }
    let mut not_on_invoice = Money::ZERO;
    for ((path, driver, team, source), amount) in leftovers {
        not_on_invoice += amount;
        lines.push(ReconcileLine {
            invoice_line: None,
            description: format!("{source} in the ledger"),
            amount_usd: amount,
            path,
            driver,
            team,
            cause: None,
        });
    }
    if !not_on_invoice.is_zero() {
        lines.push(ReconcileLine {
            invoice_line: None,
            description: "ledger dollars on no invoice line".into(),
            amount_usd: -not_on_invoice,
            path: Path::Unassigned,
            driver: None,
            team: None,
            cause: Some(Cause::NotOnInvoice),
        });
    }
    let invoice_total: Money = invoice.iter().map(|line| line.amount).sum();
    let mut residuals: BTreeMap<Cause, Money> = BTreeMap::new();
    for line in &lines {
        if let Some(cause) = line.cause {
            *residuals.entry(cause).or_default() += line.amount_usd;
        }
    }
    Reconciliation {
        period,
        invoice_total_usd: invoice_total,
        ledger_total_usd: ledger_total,
        residual_total_usd: invoice_total - ledger_total,
        lines,
        residuals,
    }
}

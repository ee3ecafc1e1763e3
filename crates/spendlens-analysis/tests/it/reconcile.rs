//! Invoice reconciliation on a hand-built ledger: lines mapped to drivers, residuals named.

use spendlens_analysis::reconcile::{Cause, InvoiceLine, reconcile};
use spendlens_analysis::{Driver, Ledger, LedgerEntry};
use spendlens_model::{CostKind, CostLine, Day, Money, Path, Period, ServiceTier, Source, TokenType};
use spendlens_pricing::PriceBook;

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn money(text: &str) -> Money {
    text.parse().unwrap()
}

fn entry(amount: &str, path: Path, driver: Driver, kind: CostKind, model: Option<&str>, token_type: Option<TokenType>) -> LedgerEntry {
    LedgerEntry {
        start: day("2026-10-05"),
        end: day("2026-10-06"),
        amount: money(amount),
        path,
        driver,
        rule: "test".into(),
        source: if kind == CostKind::SeatFee { Source::Roster } else { Source::AdminCost },
        kind,
        model: model.map(str::to_string),
        api_key: None,
        workspace_id: None,
        token_type,
        service_tier: None,
    }
}

fn invoice_line(description: &str, amount: &str, kind: CostKind, model: Option<&str>, token_type: Option<TokenType>) -> CostLine {
    let mut line = CostLine::new(day("2026-10-01"), day("2026-11-01"), Source::Invoice, money(amount), kind);
    line.description = description.into();
    line.model = model.map(str::to_string);
    line.token_type = token_type;
    line
}

fn ledger() -> Ledger {
    let feature = |name: &str| Driver::Feature { name: name.into() };
    let ana = Driver::Engineer { email: "ana@acme.example".into(), team: Some("payments".into()) };
    Ledger {
        entries: vec![
            entry("70", Path::Api, feature("support-bot"), CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Input)),
            entry("30", Path::ClaudeCode, ana.clone(), CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Input)),
            entry("50", Path::Api, feature("support-bot"), CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Output)),
            entry("150", Path::ClaudeCode, ana, CostKind::SeatFee, None, None),
            entry("9.99", Path::Api, feature("doc-search"), CostKind::Tokens, Some("claude-haiku-5-5"), Some(TokenType::Output)),
        ],
        ..Ledger::default()
    }
}

#[test]
fn every_invoice_line_is_mapped_and_the_differences_are_named() {
    let mut priority = invoice_line("Priority Tier capacity", "400", CostKind::Tokens, Some("claude-opus-5-5"), None);
    priority.service_tier = Some(ServiceTier::Priority);
    let invoice = [
        invoice_line("Sonnet 5.5 input", "100.004", CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Input)),
        invoice_line("Sonnet 5.5 output", "75", CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Output)),
        invoice_line("Seats", "150", CostKind::SeatFee, None, None),
        invoice_line("Tax", "31.50", CostKind::Tax, None, None),
        invoice_line("Credit", "-20", CostKind::Credit, None, None),
        priority,
        invoice_line("Mystery model", "5", CostKind::Tokens, Some("claude-zeta-1"), None),
    ];
    let lines: Vec<InvoiceLine> = invoice.iter().enumerate().map(|(i, line)| InvoiceLine::from_cost(i + 1, line)).collect();
    let month = Period::month_of(day("2026-10-01"));
    let book = PriceBook::embedded().unwrap();
    let result = reconcile(&lines, &ledger(), month, Some(day("2026-10-31")), &book);

    assert_eq!(result.invoice_total_usd, money("741.504"));
    assert_eq!(result.ledger_total_usd, money("309.99"));
    assert!(result.ties_out(), "lines sum to the invoice total");
    assert_eq!(result.lines.iter().map(|l| l.amount_usd).sum::<Money>(), result.invoice_total_usd);
    let residual = |cause: Cause| result.residuals.get(&cause).copied().unwrap_or_default();
    assert_eq!(residual(Cause::Rounding), money("0.004"));
    assert_eq!(residual(Cause::BilledAboveLedger), money("25"), "output billed 75 against 50 held");
    assert_eq!(residual(Cause::Tax), money("31.50"));
    assert_eq!(residual(Cause::Credit), money("-20"));
    assert_eq!(residual(Cause::PriorityTier), money("400"));
    assert_eq!(residual(Cause::UnpricedModel), money("5"));
    assert_eq!(residual(Cause::NotOnInvoice), money("-9.99"), "doc-search's Haiku output is on no line");
    // Line 1 is split to its drivers.
    let first: Vec<(Path, Option<String>, String)> = result
        .lines
        .iter()
        .filter(|l| l.invoice_line == Some(1) && l.cause.is_none())
        .map(|l| (l.path, l.driver.clone(), l.amount_usd.to_exact_string()))
        .collect();
    assert_eq!(
        first,
        vec![(Path::ClaudeCode, Some("ana@acme.example".into()), "30".into()), (Path::Api, Some("support-bot".into()), "70".into())]
    );
    let flagged: Vec<usize> = result.flagged().filter_map(|l| l.invoice_line).collect();
    assert_eq!(flagged, vec![2, 7]);
}

#[test]
fn a_month_whose_cost_data_stops_early_is_not_settled() {
    let invoice = [invoice_line("Sonnet 5.5 input", "130", CostKind::Tokens, Some("claude-sonnet-5-5"), Some(TokenType::Input))];
    let lines: Vec<InvoiceLine> = invoice.iter().enumerate().map(|(i, line)| InvoiceLine::from_cost(i + 1, line)).collect();
    let book = PriceBook::embedded().unwrap();
    let result = reconcile(&lines, &ledger(), Period::month_of(day("2026-10-01")), Some(day("2026-10-20")), &book);
    assert_eq!(result.residuals.get(&Cause::NotSettled), Some(&money("30")));
}

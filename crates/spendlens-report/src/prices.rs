//! The price book and a priced usage object, as tables.

use spendlens_model::Day;
use spendlens_pricing::{ComponentKind, PriceBook, Priced};

use crate::table::Table;

/// Every model's card in effect on `date`, USD per million tokens.
pub fn price_book_table(book: &PriceBook, date: Day) -> String {
    let mut table = Table::new(&["Model", "Input>", "5m write>", "1h write>", "Cache read>", "Output>", "Since", "Notes"]);
    let mut models: Vec<_> = book.models().collect();
    models.sort_by(|a, b| a.family.cmp(&b.family).then_with(|| b.id.cmp(&a.id)));
    for model in models {
        let Some((from, card)) = model.card_on(date) else { continue };
        let mut notes = Vec::new();
        if let Some(long) = &model.long_context {
            notes.push(format!("long context > {}k", long.threshold_tokens / 1000));
        }
        if let Some(multiplier) = model.us_residency_multiplier {
            notes.push(format!("US-only x{}", multiplier.normalize()));
        }
        if let Some(multiplier) = model.fast_multiplier {
            notes.push(format!("fast x{}", multiplier.normalize()));
        }
        if model.origin != "embedded" {
            notes.push(format!("from {}", model.origin));
        }
        let rate = |value: rust_decimal::Decimal| format!("${}", value.normalize());
        table.row(vec![
            model.id.clone(),
            rate(card.input),
            rate(card.cache_write_5m),
            rate(card.cache_write_1h),
            rate(card.cache_read),
            rate(card.output),
            if from.to_string() == "2000-01-01" { "-".into() } else { from.to_string() },
            notes.join(", "),
        ]);
    }
    let rules = &book.rules;
    format!(
        "Price book {} · rates on {date} · USD per million tokens\n\n{}\nBatch API x{} · web search ${} per 1,000 · code execution ${} per container-hour\n",
        book.version,
        table.render(0),
        rules.batch_multiplier.normalize(),
        rules.web_search_per_1000.normalize(),
        rules.code_execution_per_hour.normalize()
    )
}

/// One priced usage object, component by component.
pub fn priced_table(priced: &Priced) -> String {
    let mut table = Table::new(&["Component", "Quantity>", "Rate>", "Unit", "Cost>"]);
    for component in &priced.components {
        let unit = match component.kind {
            ComponentKind::Token(_) => "USD/MTok",
            ComponentKind::WebSearch => "USD/1k searches",
            ComponentKind::CodeExecution => "USD/hour",
        };
        table.row(vec![
            component.kind.label().to_string(),
            component.quantity.to_string(),
            format!("${}", component.rate.normalize()),
            unit.to_string(),
            format!("${}", component.amount.as_decimal().normalize()),
        ]);
    }
    let mut out = format!("{} (rates since {})\n\n{}", priced.model, priced.card_from, table.render(0));
    out += &format!("\nTotal: ${} ({})\n", priced.total.as_decimal().normalize(), priced.total);
    if !priced.applied.is_empty() {
        out += &format!("Applied: {}\n", priced.applied.join("; "));
    }
    for note in &priced.notes {
        out += &format!("Note: {note}\n");
    }
    out
}

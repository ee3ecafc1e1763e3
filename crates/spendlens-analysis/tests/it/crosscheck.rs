//! Usage priced by the book against the cost report, with differences named by cause.

use chrono::{TimeZone, Utc};
use spendlens_analysis::{Cause, crosscheck};
use spendlens_model::{CostKind, CostLine, Day, Money, Period, ServiceTier, Source, TokenCounts, TokenType, UsageLine};
use spendlens_pricing::PriceBook;

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn usage(day_of_month: u32, workspace: &str, model: &str, input: u64) -> UsageLine {
    let start = Utc.with_ymd_and_hms(2026, 10, day_of_month, 3, 0, 0).unwrap();
    let mut line = UsageLine::new(start, start + chrono::Duration::hours(1), Source::AdminUsage, model);
    line.identity.workspace_id = Some(workspace.into());
    line.quantities.tokens = TokenCounts { input, ..TokenCounts::default() };
    line
}

fn cost(day_of_month: u32, workspace: &str, model: &str, amount: &str) -> CostLine {
    let start = day(&format!("2026-10-{day_of_month:02}"));
    let mut line = CostLine::new(start, start.succ_opt().unwrap(), Source::AdminCost, amount.parse().unwrap(), CostKind::Tokens);
    line.identity.workspace_id = Some(workspace.into());
    line.model = Some(model.into());
    line.token_type = Some(TokenType::Input);
    line
}

#[test]
fn each_difference_is_named_by_its_cause() {
    let mut priority = usage(5, "w", "claude-haiku-4-5", 1_000_000);
    priority.service_tier = ServiceTier::Priority;
    let usage_lines = vec![
        usage(1, "w", "claude-sonnet-4-5-20250929", 1_000_000), // $3.00 billed $3.004: matched
        usage(2, "w", "claude-sonnet-4-5", 1_000_000),          // $3.00 billed $2.40: rate differs
        usage(3, "w", "claude-mystery-1", 10),                  // unpriced
        usage(4, "w", "claude-haiku-4-5", 1_000_000),           // $1.00 and no cost line
        priority,                                               // priority, no cost line
    ];
    let costs = vec![
        cost(1, "w", "claude-sonnet-4-5", "3.004"),
        cost(2, "w", "claude-sonnet-4-5", "2.40"),
        cost(3, "w", "claude-mystery-1", "0.50"),
        cost(6, "w", "claude-opus-4-6", "7.00"), // no usage
    ];
    let book = PriceBook::embedded().unwrap();
    let check = crosscheck(&usage_lines, &costs, &book, Period::month_of(day("2026-10-01")));
    let causes: Vec<(u32, Cause, String)> =
        check.rows.iter().map(|row| (chrono::Datelike::day(&row.day), row.cause, row.difference_usd.to_exact_string())).collect();
    assert_eq!(
        causes,
        vec![
            (1, Cause::Matched, "0.004".into()),
            (2, Cause::RateDiffers, "-0.6".into()),
            (3, Cause::UnpricedModel, "0.5".into()),
            (4, Cause::NoCostLine, "-1".into()),
            (5, Cause::PriorityTier, "-1".into()),
            (6, Cause::NoUsage, "7".into()),
        ]
    );
    assert!(!check.reconciles());
    assert_eq!(check.by_cause[&Cause::RateDiffers], (1, "-0.6".parse::<Money>().unwrap()));
    assert_eq!(check.billed_usd, "12.904".parse::<Money>().unwrap());
}

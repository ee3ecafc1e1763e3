//! FOCUS rows: every billed dollar once, the FOCUS 1.0 columns, and token quantities.

use rust_decimal::Decimal;
use spendlens_model::Money;
use spendlens_report::{BillingAccount, FOCUS_COLUMNS, FocusInput, focus_csv, focus_rows};

use crate::fixtures::{directory, ledger, money, october, usage_lines};

fn account() -> BillingAccount {
    BillingAccount { id: "org_123".into(), name: Some("Example, Inc.".into()) }
}

fn csv_records(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    (header, reader.records().map(Result::unwrap).collect())
}

#[test]
fn billed_cost_sums_to_the_period_total_exactly() {
    let (ledger, usage, directory, account) = (ledger(), usage_lines(), directory(), account());
    let rows = focus_rows(&ledger.entries, october(), FocusInput { account: &account, usage: &usage, directory: &directory });
    let expected: Money = ledger.entries.iter().filter(|e| october().contains(e.start)).map(|e| e.amount).sum();
    assert_eq!(rows.iter().map(|row| row.billed_cost).sum::<Money>(), expected);
    assert_eq!(expected, money("189.204567890123"));

    let text = focus_csv(&rows, &account);
    let (header, records) = csv_records(&text);
    assert_eq!(header, FOCUS_COLUMNS);
    assert_eq!(records.len(), rows.len());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let billed: Decimal = records.iter().map(|r| r[column("BilledCost")].parse::<Decimal>().unwrap()).sum();
    assert_eq!(billed, expected.as_decimal(), "CSV money is exact decimal text");
    for record in &records {
        for name in ["EffectiveCost", "ListCost", "ContractedCost"] {
            assert_eq!(record[column(name)], record[column("BilledCost")], "{name}");
        }
        assert_eq!(&record[column("BillingCurrency")], "USD");
        assert_eq!(&record[column("BillingAccountName")], "Example, Inc.");
        assert_eq!(&record[column("ProviderName")], "Anthropic");
        assert_eq!(&record[column("ServiceCategory")], "AI and Machine Learning");
        assert_eq!(&record[column("BillingPeriodStart")], "2026-10-01T00:00:00Z");
        assert_eq!(&record[column("BillingPeriodEnd")], "2026-11-01T00:00:00Z");
        assert!(record[column("RegionId")].is_empty() && record[column("AvailabilityZone")].is_empty());
        // The validator's 1.0 rule set checks these under pre-1.0 names (.ci/run skips those
        // checks): FOCUS 1.0 wants them under these names, and a SkuPriceId on usage and purchases.
        for name in ["InvoiceIssuerName", "PublisherName"] {
            assert_eq!(&record[column(name)], "Anthropic", "{name}");
        }
        if ["Usage", "Purchase"].contains(&&record[column("ChargeCategory")]) {
            assert!(!record[column("SkuId")].is_empty() && !record[column("SkuPriceId")].is_empty(), "{record:?}");
            assert!(!record[column("PricingCategory")].is_empty());
        }
        let quantity = &record[column("ConsumedQuantity")];
        assert!(quantity.is_empty() || quantity.parse::<Decimal>().is_ok_and(|q| q.scale() == 1), "{quantity}");
        let tags: serde_json::Value = serde_json::from_str(&record[column("Tags")]).unwrap();
        assert!(tags["path"].is_string() && tags["rule"].is_string(), "{tags}");
    }
}

#[test]
fn rows_group_entries_and_carry_their_charge_and_quantities() {
    let (ledger, usage, directory, account) = (ledger(), usage_lines(), directory(), account());
    let rows = focus_rows(&ledger.entries, october(), FocusInput { account: &account, usage: &usage, directory: &directory });
    // 7 entries in October; the two token types of apikey_1 on 10-01 make one row.
    assert_eq!(rows.len(), 6);

    let seat = rows.iter().find(|row| row.charge_category == "Purchase").unwrap();
    assert_eq!((seat.billed_cost, seat.charge_frequency), (money("150"), "Recurring"));
    assert_eq!(seat.quantity, Some((1, "Seats")));
    assert_eq!((seat.charge_period_start.to_string(), seat.charge_period_end.to_string()), ("2026-10-01".into(), "2026-11-01".into()));
    assert_eq!(seat.service_name, "Claude Code");
    assert_eq!(seat.sub_account_id, None);
    let tags: serde_json::Value = serde_json::from_str(&seat.tags).unwrap();
    assert_eq!(tags["engineer"], "ada@example.com");
    assert_eq!(tags["team"], "platform");
    assert_eq!(tags["path"], "claude_code");

    let claude_code_tokens = rows.iter().find(|row| row.charge_category == "Usage" && row.service_name == "Claude Code").unwrap();
    assert_eq!(claude_code_tokens.billed_cost, money("1.734567890123"));
    assert_eq!(claude_code_tokens.quantity, Some((1_000, "Tokens")), "input tokens counted once for two entries");
    assert_eq!(claude_code_tokens.charge_frequency, "Usage-Based");
    assert_eq!(claude_code_tokens.resource_id.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(claude_code_tokens.sub_account_id.as_deref(), Some("wrkspc_prod"));
    assert_eq!(claude_code_tokens.sub_account_name.as_deref(), Some("prod"));

    let search: Vec<_> = rows.iter().filter(|row| row.tags.contains(r#""feature":"search""#)).collect();
    assert_eq!(search.iter().map(|row| row.quantity).collect::<Vec<_>>(), [Some((5_000, "Tokens")), Some((7_000, "Tokens"))]);
    assert!(search.iter().all(|row| row.service_name == "Claude API"));

    let web_search = rows.iter().find(|row| row.tags.contains("chat <beta>")).unwrap();
    assert_eq!(web_search.quantity, None, "no usage row: the quantity is unknown, not zero");

    let unassigned = rows.iter().find(|row| row.tags.contains(r#""path":"unassigned""#)).unwrap();
    assert_eq!((unassigned.billed_cost, unassigned.quantity), (money("4.44"), Some((2_000, "Tokens"))));
    assert!(unassigned.tags.contains("no org-map rule matches"));
}

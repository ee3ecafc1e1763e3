//! FOCUS rows: every billed dollar once, the FOCUS 1.2 columns (1.0 on request), token quantities,
//! and seat fees as prepaid purchases amortised over their days.

use rust_decimal::Decimal;
use spendlens_analysis::{Driver, LedgerEntry};
use spendlens_model::{CostKind, Money};
use spendlens_report::{
    BillingAccount, FOCUS_1_0_COLUMNS, FOCUS_COLUMNS, FocusInput, FocusRow, FocusVersion, focus_csv, focus_csv_for, focus_rows,
};

use crate::fixtures::{day, directory, ledger, money, october, usage_lines};

fn account() -> BillingAccount {
    BillingAccount { id: "org_123".into(), name: Some("Example, Inc.".into()) }
}

fn csv_records(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    (header, reader.records().map(Result::unwrap).collect())
}

fn october_rows(entries: &[LedgerEntry]) -> Vec<FocusRow> {
    let (usage, directory, account) = (usage_lines(), directory(), account());
    focus_rows(entries, october(), FocusInput { account: &account, usage: &usage, directory: &directory })
}

/// The fixture's seat fee: $150 for ada, 2026-10-01 to 2026-11-01.
fn seat_entry() -> LedgerEntry {
    ledger().entries.into_iter().find(|entry| entry.kind == CostKind::SeatFee).unwrap()
}

#[test]
fn billed_cost_sums_to_the_period_total_exactly() {
    let (ledger, account) = (ledger(), account());
    let rows = october_rows(&ledger.entries);
    let expected: Money = ledger.entries.iter().filter(|e| october().contains(e.start)).map(|e| e.amount).sum();
    assert_eq!(rows.iter().map(|row| row.billed_cost).sum::<Money>(), expected);
    assert_eq!(rows.iter().map(|row| row.effective_cost).sum::<Money>(), expected, "the seat fee is amortised within October");
    assert_eq!(expected, money("189.204567890123"));

    let text = focus_csv(&rows, &account);
    let (header, records) = csv_records(&text);
    assert_eq!(header, FOCUS_COLUMNS);
    assert_eq!(records.len(), rows.len());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let sum = |name: &str| -> Decimal { records.iter().map(|r| r[column(name)].parse::<Decimal>().unwrap()).sum() };
    assert_eq!(sum("BilledCost"), expected.as_decimal(), "CSV money is exact decimal text");
    assert_eq!(sum("EffectiveCost"), expected.as_decimal());
    for record in &records {
        assert_eq!(record[column("ContractedCost")], record[column("ListCost")]);
        let amortisation = &record[column("ChargeCategory")] == "Usage" && &record[column("BilledCost")] == "0";
        match &record[column("ChargeCategory")] {
            "Purchase" => assert_eq!(&record[column("EffectiveCost")], "0", "{record:?}"),
            _ if amortisation => assert_eq!(record[column("EffectiveCost")], record[column("ListCost")], "{record:?}"),
            _ => {
                assert_eq!(record[column("EffectiveCost")], record[column("BilledCost")], "{record:?}");
                assert_eq!(record[column("ListCost")], record[column("BilledCost")], "{record:?}");
            }
        }
        assert_eq!(&record[column("BillingCurrency")], "USD");
        assert_eq!(&record[column("BillingAccountName")], "Example, Inc.");
        assert_eq!(&record[column("ProviderName")], "Anthropic");
        assert_eq!(&record[column("ServiceCategory")], "AI and Machine Learning");
        assert_eq!(&record[column("ServiceSubcategory")], "Generative AI");
        assert_eq!(&record[column("InvoiceId")], "anthropic-org_123-2026-10");
        assert_eq!(&record[column("BillingPeriodStart")], "2026-10-01T00:00:00Z");
        assert_eq!(&record[column("BillingPeriodEnd")], "2026-11-01T00:00:00Z");
        assert!(record[column("RegionId")].is_empty() && record[column("AvailabilityZone")].is_empty());
        for name in ["CommitmentDiscountId", "CommitmentDiscountQuantity", "CommitmentDiscountUnit"] {
            assert!(record[column(name)].is_empty(), "{name}");
        }
        for name in ["InvoiceIssuerName", "PublisherName"] {
            assert_eq!(&record[column(name)], "Anthropic", "{name}");
        }
        assert!(record[column("ChargeDescription")].chars().all(|c| c == ' ' || c.is_ascii_graphic()), "{record:?}");
        if ["Usage", "Purchase"].contains(&&record[column("ChargeCategory")]) {
            assert!(!record[column("SkuId")].is_empty() && !record[column("SkuPriceId")].is_empty(), "{record:?}");
            assert!(!record[column("PricingCategory")].is_empty());
        }
        // FOCUS: ConsumedQuantity "MUST be null when ChargeCategory is not \"Usage\"".
        let quantity = &record[column("ConsumedQuantity")];
        if &record[column("ChargeCategory")] != "Usage" {
            assert!(quantity.is_empty() && record[column("ConsumedUnit")].is_empty(), "{record:?}");
        }
        assert!(quantity.is_empty() || quantity.parse::<Decimal>().is_ok_and(|q| q.scale() == 1), "{quantity}");
        let tags: serde_json::Value = serde_json::from_str(&record[column("Tags")]).unwrap();
        assert!(tags["path"].is_string() && tags["rule"].is_string(), "{tags}");
    }
}

#[test]
fn rows_group_entries_and_carry_their_charge_and_quantities() {
    let rows = october_rows(&ledger().entries);
    // 7 entries in October; the two token types of apikey_1 on 10-01 make one row; the seat fee
    // adds one amortisation row for each of October's 31 days.
    assert_eq!(rows.len(), 6 + 31);
    assert!(rows.windows(2).all(|pair| pair[0].charge_period_start <= pair[1].charge_period_start), "sorted by charge start");

    let seat = rows.iter().find(|row| row.charge_category == "Purchase").unwrap();
    assert_eq!((seat.billed_cost, seat.effective_cost, seat.list_cost), (money("150"), Money::ZERO, money("150")));
    assert_eq!(seat.charge_frequency, "Recurring");
    assert_eq!(seat.quantity, Some((1, "Seats")));
    assert_eq!((seat.charge_period_start.to_string(), seat.charge_period_end.to_string()), ("2026-10-01".into(), "2026-11-01".into()));
    assert_eq!(seat.service_name, "Claude Code");
    assert_eq!(seat.sub_account_id, None);
    assert_eq!(seat.charge_description, "Claude Code seat fee - Claude Code - ada@example.com");
    let tags: serde_json::Value = serde_json::from_str(&seat.tags).unwrap();
    assert_eq!(tags["engineer"], "ada@example.com");
    assert_eq!(tags["team"], "platform");
    assert_eq!(tags["path"], "claude_code");

    let claude_code_tokens =
        rows.iter().find(|row| row.charge_category == "Usage" && row.service_name == "Claude Code" && !row.billed_cost.is_zero()).unwrap();
    assert_eq!(claude_code_tokens.billed_cost, money("1.734567890123"));
    assert_eq!(claude_code_tokens.quantity, Some((1_000, "Tokens")), "input tokens counted once for two entries");
    assert_eq!(claude_code_tokens.charge_frequency, "Usage-Based");
    assert_eq!(claude_code_tokens.resource_id.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(claude_code_tokens.sub_account_id.as_deref(), Some("wrkspc_prod"));
    assert_eq!(claude_code_tokens.sub_account_name.as_deref(), Some("prod"));
    assert_eq!(claude_code_tokens.charge_description, "claude-sonnet-4-5 uncached_input_tokens tokens - Claude Code - ada@example.com");

    let search: Vec<_> = rows.iter().filter(|row| row.tags.contains(r#""feature":"search""#)).collect();
    assert_eq!(search.iter().map(|row| row.quantity).collect::<Vec<_>>(), [Some((5_000, "Tokens")), Some((7_000, "Tokens"))]);
    assert!(search.iter().all(|row| row.service_name == "Claude API"));

    let web_search = rows.iter().find(|row| row.tags.contains("chat <beta>")).unwrap();
    assert_eq!(web_search.quantity, None, "no usage row: the quantity is unknown, not zero");

    let unassigned = rows.iter().find(|row| row.tags.contains(r#""path":"unassigned""#)).unwrap();
    assert_eq!((unassigned.billed_cost, unassigned.quantity), (money("4.44"), Some((2_000, "Tokens"))));
    assert!(unassigned.tags.contains("no org-map rule matches"));
}

#[test]
fn a_seat_fee_is_a_purchase_amortised_over_its_days() {
    let rows = october_rows(&[seat_entry()]);
    assert_eq!(rows.len(), 1 + 31);
    let (purchase, days) = (&rows[0], &rows[1..]);
    assert_eq!((purchase.charge_category, purchase.billed_cost, purchase.effective_cost), ("Purchase", money("150"), Money::ZERO));

    // $150 over 31 days: 150 / 31 = 4.838709677419354..., 4.838709677419 at 12 places; 30 such
    // days make 145.16129032257, so the last day takes the rest, 4.83870967743.
    for (index, row) in days.iter().enumerate() {
        let on = day("2026-10-01") + chrono::Duration::days(index as i64);
        assert_eq!((row.charge_period_start, row.charge_period_end), (on, on + chrono::Duration::days(1)));
        assert_eq!((row.billing_period_start, row.billing_period_end), (day("2026-10-01"), day("2026-11-01")));
        assert_eq!((row.charge_category, row.charge_frequency, row.pricing_category), ("Usage", "Recurring", Some("Standard")));
        assert_eq!(row.billed_cost, Money::ZERO);
        let share = if index == 30 { money("4.83870967743") } else { money("4.838709677419") };
        assert_eq!((row.effective_cost, row.list_cost), (share, share), "day {}", index + 1);
        assert_eq!(row.quantity, Some((1, "Seats")));
        assert_eq!(row.resource_id.as_deref(), Some("seat:ada@example.com"));
        assert_eq!((row.sku_id.as_deref(), row.sku_price_id.as_deref()), (Some("claude-code-seat"), Some("claude-code-seat/monthly")));
        assert_eq!(row.tags, purchase.tags);
    }
    assert_eq!(days[0].charge_description, "Claude Code seat fee, amortised: day 1 of 31 - Claude Code - ada@example.com");
    assert_eq!(days.iter().map(|row| row.effective_cost).sum::<Money>(), money("150"));

    // The CSV: the purchase has a PricingQuantity but no ConsumedQuantity; its days have both.
    let account = account();
    let (header, records) = csv_records(&focus_csv(&rows, &account));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cells = |record: &csv::StringRecord, names: &[&str]| names.iter().map(|name| record[column(name)].to_string()).collect::<Vec<_>>();
    let quantities = ["ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit"];
    let costs = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost"];
    assert_eq!(cells(&records[0], &quantities), ["", "", "1.0", "Seats"]);
    assert_eq!(cells(&records[0], &costs), ["150", "0", "150", "150"]);
    assert_eq!(cells(&records[1], &quantities), ["1.0", "Seats", "1.0", "Seats"]);
    assert_eq!(cells(&records[1], &costs), ["0", "4.838709677419", "4.838709677419", "4.838709677419"]);
    assert_eq!(cells(&records[31], &costs), ["0", "4.83870967743", "4.83870967743", "4.83870967743"]);
}

#[test]
fn a_prorated_seat_is_amortised_over_the_days_it_was_held() {
    // Held 2026-10-22 to the end of October: 10 of 31 days of a $30 seat, $9.68 to the cent;
    // 9.68 / 10 = 0.968 a day, exactly.
    let mut seat = seat_entry();
    (seat.start, seat.amount) = (day("2026-10-22"), money("9.68"));
    let rows = october_rows(&[seat]);
    assert_eq!(rows.len(), 1 + 10);
    assert_eq!((rows[0].billed_cost, rows[0].effective_cost), (money("9.68"), Money::ZERO));
    assert!(rows[1..].iter().all(|row| row.effective_cost == money("0.968") && row.billed_cost == Money::ZERO));
    assert_eq!(rows[10].charge_period_start, day("2026-10-31"));
    assert_eq!(rows[10].charge_description, "Claude Code seat fee, amortised: day 10 of 10 - Claude Code - ada@example.com");
}

#[test]
fn a_free_seat_is_not_amortised() {
    let mut free = seat_entry();
    free.amount = Money::ZERO;
    let rows = october_rows(&[free]);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].charge_category, rows[0].billed_cost, rows[0].effective_cost), ("Purchase", Money::ZERO, Money::ZERO));
}

#[test]
fn a_tax_has_no_sku_price_or_quantity() {
    let mut tax = ledger().entries.into_iter().find(|entry| entry.amount == money("10.01")).unwrap();
    (tax.kind, tax.amount, tax.model, tax.token_type) = (CostKind::Tax, money("1.50"), None, None);
    let rows = october_rows(&[tax]);
    assert_eq!(rows.len(), 1);
    let tax = &rows[0];
    assert_eq!((tax.charge_category, tax.charge_frequency, tax.pricing_category), ("Tax", "One-Time", None));
    assert_eq!((tax.billed_cost, tax.effective_cost, tax.list_cost), (money("1.50"), money("1.50"), money("1.50")));
    assert_eq!((&tax.sku_id, &tax.sku_price_id, &tax.resource_id, tax.quantity), (&None, &None, &None, None));
}

#[test]
fn charge_descriptions_escape_what_is_not_ascii() {
    let mut entry = ledger().entries.into_iter().find(|entry| entry.amount == money("10.01")).unwrap();
    entry.driver = Driver::Feature { name: "caf\u{e9} \u{b7} r\u{e9}sum\u{e9}s".into() };
    let rows = october_rows(&[entry]);
    assert_eq!(rows[0].charge_description, r"claude-sonnet-4-5 uncached_input_tokens tokens - API - caf\u{e9} \u{b7} r\u{e9}sum\u{e9}s");
    assert!(rows[0].tags.contains("caf\u{e9}"), "tags keep the name as it is");
}

#[test]
fn focus_1_0_has_its_own_columns_and_the_same_rows() {
    let account = account();
    let rows = october_rows(&ledger().entries);
    let (header, records) = csv_records(&focus_csv_for(FocusVersion::V1_0, &rows, &account));
    assert_eq!(header, FOCUS_1_0_COLUMNS);
    assert_eq!(records.len(), rows.len());
    for name in ["InvoiceId", "ServiceSubcategory", "CommitmentDiscountQuantity", "CommitmentDiscountUnit"] {
        assert!(!header.iter().any(|h| h == name), "{name}");
    }
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let purchase = records.iter().find(|r| &r[column("ChargeCategory")] == "Purchase").unwrap();
    assert_eq!((&purchase[column("BilledCost")], &purchase[column("EffectiveCost")]), ("150", "0"));
    assert_eq!(rows[0].cells_for(FocusVersion::V1_0, &account).len(), 43);
    assert_eq!(rows[0].cells(&account).len(), 47);
}

#[test]
fn regression_a_name_a_spreadsheet_would_run_is_written_as_text() {
    let (ledger, account) = (ledger(), account());
    let mut rows = october_rows(&ledger.entries);
    for (row, name) in rows.iter_mut().zip(["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "@SUM(1)", "\t=1", "-2+3"]) {
        row.resource_name = Some(name.to_string());
        row.sub_account_name = Some(name.to_string());
    }
    let (header, records) = csv_records(&focus_csv(&rows, &account));
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for record in &records {
        for name in ["ResourceName", "SubAccountName"] {
            let cell = &record[column(name)];
            assert!(!cell.starts_with(['=', '+', '@', '\t', '\r', '-']), "{name}: {cell:?}");
        }
        // Money keeps its sign: a credit is a number, not a formula.
        assert!(record[column("BilledCost")].parse::<Decimal>().is_ok());
    }
}

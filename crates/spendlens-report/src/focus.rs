//! FinOps FOCUS rows from the ledger, and their CSV text: FOCUS 1.2 by default, FOCUS 1.0 on
//! request ([`FocusVersion`]; the rows are the same, only the columns differ).
//!
//! One row per group of ledger entries sharing day span, path, driver, rule, source, cost kind and
//! model: every billed dollar of the ledger lands in exactly one row, so `BilledCost` sums to the
//! report's total. Token and request quantities come from the usage report (the same rows that
//! split the cost report over API keys); they never change a dollar. Parquet is written by the CLI
//! from the same rows.
//!
//! Prepaid purchases (seat fees, commitments) are amortised as FOCUS intends (EffectiveCost: "the
//! Effective Cost of the original prepaid charge is set to 0" and "MUST be 0 when ChargeCategory is
//! \"Purchase\" and the purchase is intended to cover future eligible charges"; the spec's SaaS
//! prepaid example, `saas_spend_agreements_b1`, does the same): the `Purchase` row bills the fee
//! with `EffectiveCost` 0, and one `Usage` row per day of its charge period carries `BilledCost` 0
//! and that day's share of the fee as `EffectiveCost` (`ListCost` and `ContractedCost` too, as in
//! the spec's example). So `EffectiveCost`, like `BilledCost`, sums to the report's total.
//!
//! Otherwise the ledger holds billed amounts only, so `ListCost`, `ContractedCost` and
//! `EffectiveCost` equal `BilledCost` (Anthropic's cost report is at list price).
//!
//! `InvoiceId` (FOCUS 1.2) is a provisional id made here, one per billing account and billing
//! period: `anthropic-<BillingAccountId>-<YYYY-MM>` (FOCUS 1.2 InvoiceId: it "MAY be generated
//! prior to an invoice being issued"). It is stable across exports of the same month; it is not
//! the number printed on Anthropic's invoice, which no source spendlens reads carries.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rust_decimal::Decimal;
use spendlens_analysis::{Driver, LedgerEntry};
use spendlens_model::{
    CostKind, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, ServiceTier, Source, TokenCounts, TokenType, UsageLine,
};
use spendlens_pricing::normalise_model_id;

/// A quantity's identity: (day, API key, model, tier, kind, token type).
type ClaimKey = (Day, Option<String>, String, ServiceTier, CostKind, Option<TokenType>);

/// The FOCUS 1.2 columns written by default, in order (alphabetical, as in the specification's
/// examples). Conditional columns whose condition Anthropic does not meet (capacity reservations,
/// pricing currencies other than the billing currency, several billing or sub account types) are
/// left out; the commitment-discount columns are present and null until commitments are modelled.
pub const FOCUS_COLUMNS: &[&str] = FOCUS_1_2_COLUMNS;

/// FOCUS 1.2: the FOCUS 1.0 columns, plus `CommitmentDiscountQuantity`, `CommitmentDiscountUnit`,
/// `InvoiceId` and `ServiceSubcategory`.
pub const FOCUS_1_2_COLUMNS: &[&str] = &[
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
];

/// The FOCUS 1.0 columns, in order.
pub const FOCUS_1_0_COLUMNS: &[&str] = &[
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "Tags",
];

/// Which FOCUS version's columns are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FocusVersion {
    V1_0,
    #[default]
    V1_2,
}

impl FocusVersion {
    pub const fn as_str(self) -> &'static str {
        match self {
            FocusVersion::V1_0 => "1.0",
            FocusVersion::V1_2 => "1.2",
        }
    }

    /// `1.0` or `1.2`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "1.0" => Some(FocusVersion::V1_0),
            "1.2" => Some(FocusVersion::V1_2),
            _ => None,
        }
    }

    /// The columns written, in order.
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            FocusVersion::V1_0 => FOCUS_1_0_COLUMNS,
            FocusVersion::V1_2 => FOCUS_1_2_COLUMNS,
        }
    }
}

/// The money columns, for writers that type them.
pub const FOCUS_MONEY_COLUMNS: &[&str] = &["BilledCost", "ContractedCost", "EffectiveCost", "ListCost"];
/// The quantity columns.
pub const FOCUS_QUANTITY_COLUMNS: &[&str] = &["CommitmentDiscountQuantity", "ConsumedQuantity", "PricingQuantity"];
/// The date-time columns (UTC).
pub const FOCUS_TIME_COLUMNS: &[&str] = &["BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"];

const ANTHROPIC: &str = "Anthropic";

/// Who is billed: FOCUS's billing account (Anthropic's organisation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingAccount {
    pub id: String,
    pub name: Option<String>,
}

/// What the rows are built from besides the ledger entries.
#[derive(Debug, Clone, Copy)]
pub struct FocusInput<'a> {
    pub account: &'a BillingAccount,
    /// Usage lines; Admin usage-report lines give token and request quantities.
    pub usage: &'a [UsageLine],
    /// Names workspaces.
    pub directory: &'a [DirectoryEntry],
}

/// One FOCUS row. Money and quantities are exact decimals; `None` is a null.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusRow {
    pub billed_cost: Money,
    /// `BilledCost`, except on prepaid purchases (0) and their amortisation rows (a day's share).
    pub effective_cost: Money,
    /// `ListCost` and `ContractedCost` (list prices only): `BilledCost`, except on amortisation
    /// rows, where it is the day's share of the purchase, as `EffectiveCost`.
    pub list_cost: Money,
    pub billing_period_start: Day,
    pub billing_period_end: Day,
    pub charge_period_start: Day,
    pub charge_period_end: Day,
    pub charge_category: &'static str,
    /// Plain ASCII.
    pub charge_description: String,
    pub charge_frequency: &'static str,
    pub pricing_category: Option<&'static str>,
    /// Tokens, requests or seats, with their unit: `PricingQuantity` and `PricingUnit`, and on
    /// `Usage` rows `ConsumedQuantity` and `ConsumedUnit` too (FOCUS: ConsumedQuantity "MUST be null
    /// when ChargeCategory is not \"Usage\"").
    pub quantity: Option<(u64, &'static str)>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub resource_type: Option<&'static str>,
    pub service_name: &'static str,
    pub sku_id: Option<String>,
    /// The SKU at one price point: token type and service tier.
    pub sku_price_id: Option<String>,
    pub sub_account_id: Option<String>,
    pub sub_account_name: Option<String>,
    /// A JSON object.
    pub tags: String,
}

/// FOCUS `ServiceCategory` of every row, and its `ServiceSubcategory` (FOCUS 1.2 allowed values:
/// "Generative AI", under "AI and Machine Learning": "Creation of content like text, images, and
/// music by learning patterns from existing data").
pub const SERVICE_CATEGORY: &str = "AI and Machine Learning";
pub const SERVICE_SUBCATEGORY: &str = "Generative AI";

/// The provisional FOCUS `InvoiceId` of a billing account's billing period:
/// `anthropic-<BillingAccountId>-<YYYY-MM>`.
pub fn invoice_id(account: &BillingAccount, billing_period_start: Day) -> String {
    format!("anthropic-{}-{}", account.id, billing_period_start.format("%Y-%m"))
}

impl FocusRow {
    /// The row's FOCUS 1.2 cells in [`FOCUS_COLUMNS`] order, as text (`None` for null).
    pub fn cells(&self, account: &BillingAccount) -> Vec<Option<String>> {
        self.cells_for(FocusVersion::V1_2, account)
    }

    /// The row's cells in `version`'s column order, as text (`None` for null).
    pub fn cells_for(&self, version: FocusVersion, account: &BillingAccount) -> Vec<Option<String>> {
        version.columns().iter().map(|column| self.cell(column, account)).collect()
    }

    /// One column's cell; `None` for null and for columns this export never fills.
    pub fn cell(&self, column: &str, account: &BillingAccount) -> Option<String> {
        // Written with one decimal place so that CSV readers that type columns by their values
        // (pandas, the FOCUS validator) read a decimal column, as FOCUS defines it.
        let quantity = || self.quantity.map(|(count, _)| format!("{count}.0"));
        let unit = || self.quantity.map(|(_, unit)| unit.to_string());
        let usage = self.charge_category == "Usage";
        match column {
            "BilledCost" => Some(self.billed_cost.to_exact_string()),
            "BillingAccountId" => Some(account.id.clone()),
            "BillingAccountName" => account.name.clone(),
            "BillingCurrency" => Some("USD".into()),
            "BillingPeriodEnd" => Some(timestamp(self.billing_period_end)),
            "BillingPeriodStart" => Some(timestamp(self.billing_period_start)),
            "ChargeCategory" => Some(self.charge_category.into()),
            "ChargeDescription" => Some(self.charge_description.clone()),
            "ChargeFrequency" => Some(self.charge_frequency.into()),
            "ChargePeriodEnd" => Some(timestamp(self.charge_period_end)),
            "ChargePeriodStart" => Some(timestamp(self.charge_period_start)),
            "ConsumedQuantity" if usage => quantity(),
            "ConsumedUnit" if usage => unit(),
            "ContractedCost" | "ListCost" => Some(self.list_cost.to_exact_string()),
            "EffectiveCost" => Some(self.effective_cost.to_exact_string()),
            "InvoiceId" => Some(invoice_id(account, self.billing_period_start)),
            "InvoiceIssuerName" | "ProviderName" | "PublisherName" => Some(ANTHROPIC.into()),
            "PricingCategory" => self.pricing_category.map(str::to_string),
            "PricingQuantity" => quantity(),
            "PricingUnit" => unit(),
            "ResourceId" => self.resource_id.clone(),
            "ResourceName" => self.resource_name.clone(),
            "ResourceType" => self.resource_type.map(str::to_string),
            "ServiceCategory" => Some(SERVICE_CATEGORY.into()),
            "ServiceName" => Some(self.service_name.into()),
            "ServiceSubcategory" => Some(SERVICE_SUBCATEGORY.into()),
            "SkuId" => self.sku_id.clone(),
            "SkuPriceId" => self.sku_price_id.clone(),
            "SubAccountId" => self.sub_account_id.clone(),
            "SubAccountName" => self.sub_account_name.clone(),
            "Tags" => Some(self.tags.clone()),
            // AvailabilityZone, ChargeClass (no corrections), the commitment-discount columns,
            // unit prices, regions.
            _ => None,
        }
    }
}

/// `2026-10-01T00:00:00Z`.
pub fn timestamp(day: Day) -> String {
    format!("{day}T00:00:00Z")
}

fn month_bounds(day: Day) -> (Day, Day) {
    let period = Period::month_of(day);
    (period.start, period.end)
}

/// `(ChargeCategory, ChargeFrequency, PricingCategory)` of a cost kind.
///
/// A commitment's purchase is priced "Standard": FOCUS 1.2 PricingCategory is "Committed" only
/// when "the charge is subject to an existing commitment discount and is not the purchase of the
/// commitment discount".
fn charge_of(kind: CostKind) -> (&'static str, &'static str, Option<&'static str>) {
    match kind {
        // A cost type Anthropic added after this build (the cost report's own words) is usage too.
        CostKind::Tokens | CostKind::WebSearch | CostKind::CodeExecution | CostKind::Unknown(_) => {
            ("Usage", "Usage-Based", Some("Standard"))
        }
        CostKind::SeatFee | CostKind::Commitment => ("Purchase", "Recurring", Some("Standard")),
        CostKind::Tax => ("Tax", "One-Time", None),
        CostKind::Credit => ("Credit", "One-Time", None),
        CostKind::Other => ("Adjustment", "One-Time", None),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    start: Day,
    end: Day,
    path: Path,
    driver: Driver,
    rule: String,
    source: Source,
    kind: CostKind,
    model: Option<String>,
    token_type: Option<TokenType>,
    service_tier: Option<ServiceTier>,
    workspace: Option<String>,
}

#[derive(Debug, Default)]
struct Group {
    amount: Money,
    /// API keys of the group's entries; `None` for entries with no key.
    api_keys: BTreeSet<Option<String>>,
}

/// Quantities per (day, API key, normalised model) from the Admin usage report.
#[derive(Debug, Default, Clone, Copy)]
struct Quantities {
    tokens: TokenCounts,
    web_search_requests: u64,
    code_execution_seconds: u64,
}

/// FOCUS rows for the entries whose start day falls in `period`, sorted by charge start.
pub fn focus_rows(entries: &[LedgerEntry], period: Period, input: FocusInput<'_>) -> Vec<FocusRow> {
    let mut groups: BTreeMap<GroupKey, Group> = BTreeMap::new();
    for entry in entries.iter().filter(|entry| period.contains(entry.start)) {
        let key = GroupKey {
            start: entry.start,
            end: entry.end,
            path: entry.path,
            driver: entry.driver.clone(),
            rule: entry.rule.clone(),
            source: entry.source,
            kind: entry.kind,
            model: entry.model.as_deref().map(normalise_model_id),
            token_type: entry.token_type,
            service_tier: entry.service_tier,
            workspace: entry.workspace_id.clone(),
        };
        let group = groups.entry(key).or_default();
        group.amount += entry.amount;
        group.api_keys.insert(entry.api_key.clone());
    }

    let mut usage: HashMap<(Day, Option<&str>, String, ServiceTier), Quantities> = HashMap::new();
    for line in input.usage.iter().filter(|line| line.source == Source::AdminUsage) {
        let slot =
            usage.entry((line.day(), line.identity.api_key_id.as_deref(), normalise_model_id(&line.model), line.service_tier)).or_default();
        slot.tokens.add(&line.quantities.tokens);
        slot.web_search_requests += line.quantities.web_search_requests;
        slot.code_execution_seconds += line.quantities.code_execution_seconds;
    }
    let workspace_name: HashMap<&str, &str> = input
        .directory
        .iter()
        .filter(|entry| entry.kind == DirectoryKind::Workspace)
        .filter_map(|entry| Some((entry.id.as_str(), entry.name.as_deref()?)))
        .collect();

    // Each (day, key, model, kind) quantity is claimed by the first row that holds it, so no token
    // is counted twice even where keyless entries of one day and model fall in several rows.
    let mut claimed: BTreeSet<ClaimKey> = BTreeSet::new();
    let mut rows = Vec::with_capacity(groups.len());
    for (key, group) in groups {
        let (category, frequency, pricing_category) = charge_of(key.kind);
        let (billing_period_start, billing_period_end) = month_bounds(key.start);
        let mut quantity = None;
        if let Some(model) = &key.model {
            let mut total = 0u64;
            let mut found = false;
            let tier = key.service_tier.unwrap_or_default();
            for api_key in &group.api_keys {
                if !claimed.insert((key.start, api_key.clone(), model.clone(), tier, key.kind, key.token_type)) {
                    continue;
                }
                if let Some(found_quantities) = usage.get(&(key.start, api_key.as_deref(), model.clone(), tier)) {
                    found = true;
                    total += match (key.kind, key.token_type) {
                        (CostKind::Tokens, Some(token_type)) => found_quantities.tokens.get(token_type),
                        (CostKind::Tokens, None) => found_quantities.tokens.total(),
                        (CostKind::WebSearch, _) => found_quantities.web_search_requests,
                        (CostKind::CodeExecution, _) => found_quantities.code_execution_seconds,
                        _ => 0,
                    };
                }
            }
            let unit = match key.kind {
                CostKind::Tokens => Some("Tokens"),
                CostKind::WebSearch => Some("Requests"),
                CostKind::CodeExecution => Some("Seconds"),
                _ => None,
            };
            if let (true, Some(unit)) = (found, unit) {
                quantity = Some((total, unit));
            }
        }
        if key.kind == CostKind::SeatFee {
            quantity = Some((1, "Seats"));
        }
        // Cost-report lines belong to a workspace (none named: the Default workspace); seat fees
        // and invoice lines to none.
        let (sub_account_id, sub_account_name) = match (key.source, &key.workspace) {
            (Source::AdminCost, Some(id)) => (Some(id.clone()), workspace_name.get(id.as_str()).map(|name| name.to_string())),
            (Source::AdminCost, None) => (Some("default".to_string()), Some("Default".to_string())),
            _ => (None, None),
        };
        let (resource_id, resource_name, resource_type, sku_id) = match (key.kind, &key.model, &key.driver) {
            (CostKind::SeatFee, _, Driver::Engineer { email, .. }) => (
                Some(format!("seat:{email}")),
                Some(format!("Claude Code seat of {email}")),
                Some("Seat"),
                Some("claude-code-seat".to_string()),
            ),
            (CostKind::SeatFee, _, _) => (None, None, None, Some("claude-code-seat".to_string())),
            // FOCUS: SkuId and SkuPriceId "MUST be null when ChargeCategory is \"Tax\"".
            (CostKind::Tax, _, _) => (None, None, None, None),
            (kind, Some(model), _) => (Some(model.clone()), Some(model.clone()), Some("Model"), Some(format!("{model}/{}", kind.as_str()))),
            (kind, None, _) => (None, None, None, Some(kind.as_str().to_string())),
        };
        let sku_price_id = match (key.kind, &sku_id) {
            (CostKind::SeatFee, Some(sku)) => Some(format!("{sku}/monthly")),
            (_, Some(sku)) => Some(format!(
                "{sku}{}/{}",
                key.token_type.map(|token_type| format!("/{}", token_type.as_str())).unwrap_or_default(),
                key.service_tier.unwrap_or_default().as_str()
            )),
            (_, None) => None,
        };
        let what = match (&key.model, key.kind) {
            (_, CostKind::SeatFee) => "Claude Code seat fee".to_string(),
            (Some(model), CostKind::Tokens) => match key.token_type {
                Some(token_type) => format!("{model} {} tokens", token_type.as_str()),
                None => format!("{model} tokens"),
            },
            (Some(model), kind) => format!("{model} {}", kind.as_str().replace('_', " ")),
            (None, kind) => kind.as_str().replace('_', " "),
        };
        let described = |detail: &str| ascii_text(&format!("{what}{detail} - {} - {}", service_of_key(&key), key.driver.label()));
        let service_name = match key.path {
            Path::ClaudeCode => "Claude Code",
            Path::Api | Path::Unassigned => "Claude API",
        };
        let row = FocusRow {
            billed_cost: group.amount,
            effective_cost: group.amount,
            list_cost: group.amount,
            billing_period_start,
            billing_period_end,
            charge_period_start: key.start,
            charge_period_end: key.end,
            charge_category: category,
            charge_description: described(""),
            charge_frequency: frequency,
            pricing_category,
            quantity,
            resource_id,
            resource_name,
            resource_type,
            service_name,
            sku_id,
            sku_price_id,
            sub_account_id,
            sub_account_name,
            tags: tags(&key),
        };
        let days = (key.end - key.start).num_days();
        if category == "Purchase" && days > 0 && !group.amount.is_zero() {
            // A prepaid purchase: EffectiveCost 0 here, the fee spread over its days below.
            let shares = group.amount.allocate(&vec![Decimal::ONE; days as usize]);
            let amortised: Vec<FocusRow> = key
                .start
                .iter_days()
                .take(days as usize)
                .zip(shares)
                .enumerate()
                .map(|(index, (day, share))| {
                    let (billing_period_start, billing_period_end) = month_bounds(day);
                    FocusRow {
                        billed_cost: Money::ZERO,
                        effective_cost: share,
                        list_cost: share,
                        billing_period_start,
                        billing_period_end,
                        charge_period_start: day,
                        charge_period_end: day.succ_opt().unwrap_or(day),
                        charge_category: "Usage",
                        charge_description: described(&format!(", amortised: day {} of {days}", index + 1)),
                        charge_frequency: "Recurring",
                        ..row.clone()
                    }
                })
                .collect();
            rows.push(FocusRow { effective_cost: Money::ZERO, ..row });
            rows.extend(amortised);
        } else {
            rows.push(row);
        }
    }
    rows.sort_by_key(|row| row.charge_period_start);
    rows
}

/// `text` in printable ASCII: any other character becomes `\u{…}` with its hex code point (the
/// FOCUS validator reads StringHandling as ASCII only).
fn ascii_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == ' ' || c.is_ascii_graphic() {
            out.push(c);
        } else {
            out += &format!("\\u{{{:x}}}", u32::from(c));
        }
    }
    out
}

fn service_of_key(key: &GroupKey) -> &'static str {
    match key.path {
        Path::ClaudeCode => "Claude Code",
        Path::Api => "API",
        Path::Unassigned => "unassigned",
    }
}

fn tags(key: &GroupKey) -> String {
    let mut tags = serde_json::Map::new();
    tags.insert("path".into(), key.path.as_str().into());
    match &key.driver {
        Driver::Engineer { email, team } => {
            tags.insert("engineer".into(), email.as_str().into());
            if let Some(team) = team {
                tags.insert("team".into(), team.as_str().into());
            }
        }
        Driver::ClaudeCodeKey { key } => {
            tags.insert("api_key".into(), key.as_str().into());
        }
        Driver::Feature { name } => {
            tags.insert("feature".into(), name.as_str().into());
        }
        Driver::Unattributed { reason } => {
            tags.insert("reason".into(), reason.as_str().into());
        }
    }
    tags.insert("rule".into(), key.rule.as_str().into());
    tags.insert("source".into(), key.source.as_str().into());
    serde_json::Value::Object(tags).to_string()
}

/// The rows as FOCUS 1.2 CSV text with a header; nulls are empty fields, money exact decimal
/// strings.
pub fn focus_csv(rows: &[FocusRow], account: &BillingAccount) -> String {
    focus_csv_for(FocusVersion::V1_2, rows, account)
}

/// The rows as CSV text in `version`'s columns.
pub fn focus_csv_for(version: FocusVersion, rows: &[FocusRow], account: &BillingAccount) -> String {
    let mut out = version.columns().join(",");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> =
            row.cells_for(version, account).into_iter().map(|cell| cell.as_deref().map(crate::csv::cell).unwrap_or_default()).collect();
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charge_categories_follow_the_cost_kind() {
        let cases = [
            (CostKind::Tokens, "Usage", "Usage-Based"),
            (CostKind::WebSearch, "Usage", "Usage-Based"),
            (CostKind::SeatFee, "Purchase", "Recurring"),
            (CostKind::Tax, "Tax", "One-Time"),
            (CostKind::Credit, "Credit", "One-Time"),
        ];
        for (kind, category, frequency) in cases {
            let (got_category, got_frequency, _) = charge_of(kind);
            assert_eq!((got_category, got_frequency), (category, frequency), "{kind:?}");
        }
    }

    #[test]
    fn csv_fields_quote_commas_and_quotes() {
        assert_eq!(crate::csv::cell("plain"), "plain");
        assert_eq!(crate::csv::cell(r#"{"a":"b","c":1}"#), r#""{""a"":""b"",""c"":1}""#);
    }

    #[test]
    fn descriptions_are_printable_ascii() {
        assert_eq!(ascii_text("claude-sonnet-4-5 tokens - API - search"), "claude-sonnet-4-5 tokens - API - search");
        assert_eq!(ascii_text("caf\u{e9} \u{b7} \u{1f600}\tx"), "caf\\u{e9} \\u{b7} \\u{1f600}\\u{9}x");
    }

    #[test]
    fn versions_parse_and_name_their_columns() {
        assert_eq!(FocusVersion::default(), FocusVersion::V1_2);
        for version in [FocusVersion::V1_0, FocusVersion::V1_2] {
            assert_eq!(FocusVersion::parse(version.as_str()), Some(version));
            let mut sorted = version.columns().to_vec();
            sorted.sort_unstable();
            assert_eq!(sorted, version.columns(), "columns are written in alphabetical order");
        }
        assert_eq!(FocusVersion::parse("1.1"), None);
        assert_eq!(FOCUS_1_0_COLUMNS.len(), 43);
        assert_eq!(FOCUS_1_2_COLUMNS.len(), 47);
        assert!(FOCUS_1_0_COLUMNS.iter().all(|column| FOCUS_1_2_COLUMNS.contains(column)));
    }
}

//! FinOps FOCUS 1.0 rows from the ledger, and their CSV text.
//!
//! One row per group of ledger entries sharing day span, path, driver, rule, source, cost kind and
//! model: every billed dollar of the ledger lands in exactly one row, so `BilledCost` sums to the
//! report's total. Token and request quantities come from the usage report (the same rows that
//! split the cost report over API keys); they never change a dollar. Parquet is written by the CLI
//! from the same rows.
//!
//! The ledger holds billed amounts only, so `ListCost`, `ContractedCost` and `EffectiveCost` equal
//! `BilledCost` (Anthropic's cost report is at list price; commitments are not amortised here).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use spendlens_analysis::{Driver, LedgerEntry};
use spendlens_model::{
    CostKind, Day, DirectoryEntry, DirectoryKind, Money, Path, Period, ServiceTier, Source, TokenCounts, TokenType, UsageLine,
};
use spendlens_pricing::normalise_model_id;

/// A quantity's identity: (day, API key, model, tier, kind, token type).
type ClaimKey = (Day, Option<String>, String, ServiceTier, CostKind, Option<TokenType>);

/// The FOCUS 1.0 columns written, in order.
pub const FOCUS_COLUMNS: &[&str] = &[
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

/// The money columns, for writers that type them.
pub const FOCUS_MONEY_COLUMNS: &[&str] = &["BilledCost", "ContractedCost", "EffectiveCost", "ListCost"];
/// The quantity columns.
pub const FOCUS_QUANTITY_COLUMNS: &[&str] = &["ConsumedQuantity", "PricingQuantity"];
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
    pub billing_period_start: Day,
    pub billing_period_end: Day,
    pub charge_period_start: Day,
    pub charge_period_end: Day,
    pub charge_category: &'static str,
    pub charge_description: String,
    pub charge_frequency: &'static str,
    pub pricing_category: Option<&'static str>,
    /// Tokens, requests or seats, with their unit.
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

impl FocusRow {
    /// The row's cells in [`FOCUS_COLUMNS`] order, as text (`None` for null).
    pub fn cells(&self, account: &BillingAccount) -> Vec<Option<String>> {
        let money = Some(self.billed_cost.to_exact_string());
        // Written with one decimal place so that CSV readers that type columns by their values
        // (pandas, the FOCUS validator) read a decimal column, as FOCUS defines it.
        let quantity = self.quantity.map(|(count, _)| format!("{count}.0"));
        let unit = self.quantity.map(|(_, unit)| unit.to_string());
        vec![
            None,
            money.clone(),
            Some(account.id.clone()),
            account.name.clone(),
            Some("USD".into()),
            Some(timestamp(self.billing_period_end)),
            Some(timestamp(self.billing_period_start)),
            Some(self.charge_category.into()),
            None,
            Some(self.charge_description.clone()),
            Some(self.charge_frequency.into()),
            Some(timestamp(self.charge_period_end)),
            Some(timestamp(self.charge_period_start)),
            None,
            None,
            None,
            None,
            None,
            quantity.clone(),
            unit.clone(),
            money.clone(),
            None,
            money.clone(),
            Some(ANTHROPIC.into()),
            money,
            None,
            self.pricing_category.map(str::to_string),
            quantity,
            unit,
            Some(ANTHROPIC.into()),
            Some(ANTHROPIC.into()),
            None,
            None,
            self.resource_id.clone(),
            self.resource_name.clone(),
            self.resource_type.map(str::to_string),
            Some("AI and Machine Learning".into()),
            Some(self.service_name.into()),
            self.sku_id.clone(),
            self.sku_price_id.clone(),
            self.sub_account_id.clone(),
            self.sub_account_name.clone(),
            Some(self.tags.clone()),
        ]
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
fn charge_of(kind: CostKind) -> (&'static str, &'static str, Option<&'static str>) {
    match kind {
        CostKind::Tokens | CostKind::WebSearch | CostKind::CodeExecution => ("Usage", "Usage-Based", Some("Standard")),
        CostKind::SeatFee => ("Purchase", "Recurring", Some("Standard")),
        CostKind::Commitment => ("Purchase", "Recurring", Some("Committed")),
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
            (CostKind::SeatFee, _, _) => (None, None, Some("Seat"), Some("claude-code-seat".to_string())),
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
        rows.push(FocusRow {
            billed_cost: group.amount,
            billing_period_start,
            billing_period_end,
            charge_period_start: key.start,
            charge_period_end: key.end,
            charge_category: category,
            charge_description: format!("{what} · {} · {}", service_of_key(&key), key.driver.label()),
            charge_frequency: frequency,
            pricing_category,
            quantity,
            resource_id,
            resource_name,
            resource_type,
            service_name: match key.path {
                Path::ClaudeCode => "Claude Code",
                Path::Api | Path::Unassigned => "Claude API",
            },
            sku_id,
            sku_price_id,
            sub_account_id,
            sub_account_name,
            tags: tags(&key),
        });
    }
    rows
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

/// A CSV field: quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// The rows as CSV text with a header; nulls are empty fields, money exact decimal strings.
pub fn focus_csv(rows: &[FocusRow], account: &BillingAccount) -> String {
    let mut out = FOCUS_COLUMNS.join(",");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.cells(account).into_iter().map(|cell| cell.as_deref().map(csv_field).unwrap_or_default()).collect();
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
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field(r#"{"a":"b","c":1}"#), r#""{""a"":""b"",""c"":1}""#);
    }
}

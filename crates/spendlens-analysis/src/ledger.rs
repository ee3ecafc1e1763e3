//! Ledger assembly: every billed dollar placed exactly once, on a path, with its driver and why.
//!
//! Billing truth comes from cost lines only: the Admin cost report for Console (API-key) spend and
//! roster seat fees for seats. A cost-report row names a day, workspace, model and token type but
//! no API key, so it is split over the API keys the usage report shows for the same day,
//! workspace, model, tier, context window and geography, in proportion to their list-priced usage
//! of the same token type (on days without a cost report, the Cost Analytics endpoint's rows stand in
//! for it, split the same way unless they name their key). Each key is then classified by the org map (first rule in file order),
//! or as Claude Code when Claude Code Analytics names it as an API actor. Usage lines never add a
//! dollar: they only decide the split.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use rust_decimal::Decimal;
use serde::Serialize;
use spendlens_model::{
    ContextWindow, CostKind, CostLine, Day, DirectoryEntry, DirectoryKind, InferenceGeo, KeyTarget, Money, OrgMap, Path, Period,
    ServiceTier, Source, TokenType, UsageLine,
};
use spendlens_pricing::{ComponentKind, PriceBook, normalise_model_id};

/// Who or what drives a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Driver {
    /// A Claude Code engineer, with their team when one is known.
    Engineer { email: String, team: Option<String> },
    /// Claude Code spend on a key whose owner is unknown.
    ClaudeCodeKey { key: String },
    /// An API feature.
    Feature { name: String },
    /// Nothing could be tied to a driver; the reason says why.
    Unattributed { reason: String },
}

impl Driver {
    pub fn label(&self) -> String {
        match self {
            Driver::Engineer { email, .. } => email.clone(),
            Driver::ClaudeCodeKey { key } => format!("key {key}"),
            Driver::Feature { name } => name.clone(),
            Driver::Unattributed { reason } => reason.clone(),
        }
    }
}

/// One placed amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerEntry {
    pub start: Day,
    /// Exclusive.
    pub end: Day,
    pub amount: Money,
    pub path: Path,
    pub driver: Driver,
    /// Why this path: the org-map rule, or the source that says so.
    pub rule: String,
    /// Where the dollars came from.
    pub source: Source,
    pub kind: CostKind,
    pub model: Option<String>,
    /// The API key the amount was split to, if any.
    pub api_key: Option<String>,
    /// The billed line's workspace, token type and tier, as the source gave them.
    pub workspace_id: Option<String>,
    pub token_type: Option<TokenType>,
    pub service_tier: Option<ServiceTier>,
}

/// What assembly is handed.
#[derive(Debug, Clone, Copy)]
pub struct LedgerInput<'a> {
    /// Usage lines (any grain); Admin usage-report lines decide cost splits.
    pub usage: &'a [UsageLine],
    pub costs: &'a [CostLine],
    pub directory: &'a [DirectoryEntry],
    pub orgmap: &'a OrgMap,
    pub book: &'a PriceBook,
}

/// The assembled ledger and what it could not do cleanly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    pub entries: Vec<LedgerEntry>,
    /// Models the price book does not know, with their token counts: their cost lines were split by
    /// tokens instead of dollars.
    pub unpriced_models: BTreeMap<String, u64>,
    /// Billed lines not used because a preferred source bills the same day, per day and source.
    pub set_aside: Vec<SetAside>,
}

/// A day of a billing source's lines left out because another source bills that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetAside {
    pub day: Day,
    pub source: Source,
    pub lines: usize,
    pub amount: Money,
    /// The source that bills the day instead.
    pub because: Source,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SplitKey {
    day: Day,
    workspace: Option<String>,
    model: String,
    tier: ServiceTier,
    window: ContextWindow,
    geo: InferenceGeo,
}

/// The part of a split group one (API key, user account) pair used: usage grouped by
/// `account_id` splits a key's dollars over the people behind it.
type Payer = (Option<String>, Option<String>);

/// A key's (and account's) share of one split group.
#[derive(Debug, Clone)]
struct KeyUsage {
    api_key: Option<String>,
    account: Option<String>,
    /// List-priced dollars per component, or token counts when unpriced.
    weights: BTreeMap<ComponentKind, Decimal>,
}

struct Names<'a> {
    key_names: FxHashMap<&'a str, &'a str>,
    key_owner: FxHashMap<&'a str, &'a str>,
    user_email: FxHashMap<&'a str, &'a str>,
    workspace_names: FxHashMap<&'a str, &'a str>,
    claude_code_actor_keys: BTreeSet<&'a str>,
}

impl<'a> Names<'a> {
    fn new(directory: &'a [DirectoryEntry], usage: &'a [UsageLine]) -> Self {
        let mut names = Names {
            key_names: FxHashMap::default(),
            key_owner: FxHashMap::default(),
            user_email: FxHashMap::default(),
            workspace_names: FxHashMap::default(),
            claude_code_actor_keys: BTreeSet::new(),
        };
        for entry in directory {
            match entry.kind {
                DirectoryKind::ApiKey => {
                    if let Some(name) = &entry.name {
                        names.key_names.insert(&entry.id, name);
                    }
                    if let Some(owner) = &entry.created_by {
                        names.key_owner.insert(&entry.id, owner);
                    }
                }
                DirectoryKind::User => {
                    if let Some(email) = &entry.email {
                        names.user_email.insert(&entry.id, email);
                    }
                }
                DirectoryKind::Workspace => {
                    if let Some(name) = &entry.name {
                        names.workspace_names.insert(&entry.id, name);
                    }
                }
            }
        }
        for line in usage.iter().filter(|line| line.source == Source::ClaudeCodeAnalytics) {
            if let Some(name) = &line.identity.api_key_name {
                names.claude_code_actor_keys.insert(name);
            }
        }
        names
    }

    fn workspace_label(&self, workspace: Option<&str>) -> String {
        match workspace {
            None => "the Default workspace".to_string(),
            Some(id) => match self.workspace_names.get(id) {
                Some(name) => format!("workspace {name} ({id})"),
                None => format!("workspace {id}"),
            },
        }
    }
}

/// Assembles the ledger from every cost line.
pub fn assemble(input: LedgerInput<'_>) -> Ledger {
    let mut entries = Vec::new();
    let mut ledger = assemble_each(input, &mut |entry| entries.push(entry));
    ledger.entries = entries;
    ledger
}

/// Assembles the ledger, handing each entry to `each` as it is placed (in the order
/// [`assemble`] keeps them) instead of keeping it: the ledger returned has no entries. For a
/// reader that keeps a sum of a large organisation's millions of entries, not the entries.
pub fn assemble_each(input: LedgerInput<'_>, each: &mut dyn FnMut(LedgerEntry)) -> Ledger {
    // The roster's team column stands when the org map names no team for an engineer.
    let team_of_seat: FxHashMap<String, String> = input
        .costs
        .iter()
        .filter(|cost| cost.kind == CostKind::SeatFee)
        .filter_map(|cost| Some((cost.identity.actor_email.clone()?, cost.team.clone()?)))
        .collect();
    let team_of_seat = &team_of_seat;
    let names = Names::new(input.directory, input.usage);
    let mut ledger = Ledger::default();
    let groups = split_groups(input, &mut ledger.unpriced_models);
    let mut placing = Placing::new(&groups);
    let billing = ConsoleBilling::of(input.costs);
    let mut set_aside: BTreeMap<(Day, Source), (usize, Money)> = BTreeMap::new();
    for cost in input.costs {
        match cost.source {
            Source::AdminCost => place_cost_report_line(cost, &mut placing, &names, input.orgmap, team_of_seat, each),
            Source::AdminAnalyticsCost if billing.sets_aside(cost) => {
                let slot = set_aside.entry((cost.start, cost.source)).or_default();
                slot.0 += 1;
                slot.1 += cost.amount;
            }
            Source::AdminAnalyticsCost => place_cost_report_line(cost, &mut placing, &names, input.orgmap, team_of_seat, each),
            _ => each(place_direct(cost, input.orgmap, team_of_seat)),
        }
    }
    ledger.set_aside = set_aside
        .into_iter()
        .map(|((day, source), (lines, amount))| SetAside { day, source, lines, amount, because: Source::AdminCost })
        .collect();
    ledger
}

/// One billing source per day for Console spend: the cost report where it has the day (it is the
/// billing record), else the Cost Analytics endpoint. Ledger assembly and invoice reconciliation
/// both ask it.
pub struct ConsoleBilling {
    cost_report_days: BTreeSet<Day>,
}

impl ConsoleBilling {
    pub fn of(costs: &[CostLine]) -> Self {
        ConsoleBilling { cost_report_days: costs.iter().filter(|cost| cost.source == Source::AdminCost).map(|cost| cost.start).collect() }
    }

    /// Whether `cost` is a Cost Analytics line on a day the cost report bills.
    pub fn sets_aside(&self, cost: &CostLine) -> bool {
        cost.source == Source::AdminAnalyticsCost && self.cost_report_days.contains(&cost.start)
    }
}

fn split_groups(input: LedgerInput<'_>, unpriced: &mut BTreeMap<String, u64>) -> FxHashMap<SplitKey, Vec<KeyUsage>> {
    let mut groups: FxHashMap<SplitKey, BTreeMap<Payer, BTreeMap<ComponentKind, Decimal>>> = FxHashMap::default();
    // Tokens per key from the usage report; on days it lacks, from the Usage Analytics endpoint
    // (the same requests: never both for one day).
    let usage_report_days: BTreeSet<Day> =
        input.usage.iter().filter(|line| line.source == Source::AdminUsage).map(UsageLine::day).collect();
    let splits = |line: &&UsageLine| {
        line.source == Source::AdminUsage || (line.source == Source::AdminAnalyticsUsage && !usage_report_days.contains(&line.day()))
    };
    let mut pricer = input.book.pricer();
    for line in input.usage.iter().filter(splits) {
        let key = SplitKey {
            day: line.day(),
            workspace: line.identity.workspace_id.clone(),
            model: normalise_model_id(&line.model),
            tier: line.service_tier,
            window: line.context_window,
            geo: line.inference_geo,
        };
        let payer = (line.identity.api_key_id.clone(), line.identity.account_id.clone());
        let weights = groups.entry(key).or_default().entry(payer).or_default();
        match pricer.line_cost(line) {
            Ok(cost) => {
                for (kind, amount) in cost.components() {
                    *weights.entry(kind).or_default() += amount.as_decimal();
                }
            }
            Err(error) => {
                // A value this build does not know is listed as such (`unknown_values`), not as
                // an unpriced model.
                if !matches!(error, spendlens_pricing::PriceError::UnknownValue { .. }) {
                    *unpriced.entry(line.model.clone()).or_default() += line.quantities.tokens.total();
                }
                for token_type in TokenType::ALL {
                    *weights.entry(ComponentKind::Token(*token_type)).or_default() +=
                        Decimal::from(line.quantities.tokens.get(*token_type));
                }
                *weights.entry(ComponentKind::WebSearch).or_default() += Decimal::from(line.quantities.web_search_requests);
            }
        }
    }
    groups
        .into_iter()
        .map(|(key, by_key)| {
            (key, by_key.into_iter().map(|((api_key, account), weights)| KeyUsage { api_key, account, weights }).collect())
        })
        .collect()
}

fn team_for(email: &str, orgmap: &OrgMap, team_of_seat: &FxHashMap<String, String>) -> Option<String> {
    orgmap.team_of(email).map(|(team, _)| team.to_string()).or_else(|| team_of_seat.get(email).cloned())
}

/// Seat fees and other lines that name their own path and person.
fn place_direct(cost: &CostLine, orgmap: &OrgMap, team_of_seat: &FxHashMap<String, String>) -> LedgerEntry {
    let (path, driver, rule) = match (cost.kind, cost.identity.actor_email.as_deref()) {
        (CostKind::SeatFee, Some(email)) => (
            Path::ClaudeCode,
            Driver::Engineer { email: email.to_string(), team: team_for(email, orgmap, team_of_seat).or_else(|| cost.team.clone()) },
            "seat fee from the roster".to_string(),
        ),
        _ => (
            cost.path,
            Driver::Unattributed { reason: format!("{} line {:?} names no driver", cost.source, cost.description) },
            format!("as stated by {}", cost.source),
        ),
    };
    LedgerEntry {
        start: cost.start,
        end: cost.end,
        amount: cost.amount,
        path,
        driver,
        rule,
        source: cost.source,
        kind: cost.kind,
        model: cost.model.clone(),
        api_key: None,
        workspace_id: cost.identity.workspace_id.clone(),
        token_type: cost.token_type,
        service_tier: cost.service_tier,
    }
}

fn component_of(cost: &CostLine) -> Option<ComponentKind> {
    match cost.kind {
        CostKind::WebSearch => Some(ComponentKind::WebSearch),
        CostKind::CodeExecution => Some(ComponentKind::CodeExecution),
        _ => cost.token_type.map(ComponentKind::Token),
    }
}

/// Who classifies as what, by (API key, account email, workspace).
type Classified = Option<(Path, Driver, String)>;
type Classifying<'g> = (Option<&'g str>, Option<&'g str>, Option<&'g str>);
/// The split groups of each workspace-day.
type WorkspaceDays<'g> = FxHashMap<(Day, Option<&'g str>), Vec<(&'g SplitKey, &'g Vec<KeyUsage>)>>;

/// The split groups with what placing every cost line over them needs at hand: the groups of
/// each workspace-day (the fallback when a line's exact group has no usage), and each payer's
/// classification once worked out (the org map's rules are tried once per payer, not once per
/// line and payer).
struct Placing<'g> {
    groups: &'g FxHashMap<SplitKey, Vec<KeyUsage>>,
    by_workspace_day: WorkspaceDays<'g>,
    classified: FxHashMap<Classifying<'g>, Classified>,
}

impl<'g> Placing<'g> {
    fn new(groups: &'g FxHashMap<SplitKey, Vec<KeyUsage>>) -> Self {
        let mut by_workspace_day: WorkspaceDays<'g> = FxHashMap::default();
        for (key, usage) in groups {
            by_workspace_day.entry((key.day, key.workspace.as_deref())).or_default().push((key, usage));
        }
        Placing { groups, by_workspace_day, classified: FxHashMap::default() }
    }

    fn classify(
        &mut self,
        (api_key, account_email, workspace): Classifying<'g>,
        names: &Names<'_>,
        orgmap: &OrgMap,
        team_of_seat: &FxHashMap<String, String>,
    ) -> &Classified {
        self.classified
            .entry((api_key, account_email, workspace))
            .or_insert_with(|| classify(api_key, account_email, workspace, names, orgmap, team_of_seat))
    }
}

fn place_cost_report_line<'g>(
    cost: &'g CostLine,
    placing: &mut Placing<'g>,
    names: &Names<'g>,
    orgmap: &OrgMap,
    team_of_seat: &FxHashMap<String, String>,
    entries: &mut dyn FnMut(LedgerEntry),
) {
    let workspace = cost.identity.workspace_id.as_deref();
    let model = cost.model.as_deref().map(normalise_model_id);
    let component = component_of(cost);
    let key = model.as_ref().map(|model| SplitKey {
        day: cost.start,
        workspace: cost.identity.workspace_id.clone(),
        model: model.clone(),
        tier: cost.service_tier.unwrap_or_default(),
        window: cost.context_window.unwrap_or_default(),
        geo: cost.inference_geo.unwrap_or_default(),
    });
    // Exact group first; then any tier/window/geo of the same day, workspace and model; then the
    // whole workspace-day (web search rows carry no model).
    let mut candidates: Vec<&KeyUsage> =
        key.as_ref().and_then(|key| placing.groups.get(key)).map(|group| group.iter().collect()).unwrap_or_default();
    if candidates.is_empty() {
        candidates = placing
            .by_workspace_day
            .get(&(cost.start, workspace))
            .into_iter()
            .flatten()
            .filter(|(group, _)| model.as_ref().is_none_or(|model| &group.model == model))
            .flat_map(|(_, usage)| usage.iter())
            .collect();
        candidates.sort_by(|a, b| (&a.api_key, &a.account).cmp(&(&b.api_key, &b.account)));
    }
    // Borrowed payers: a ledger of a large organisation splits millions of lines.
    let mut per_key: BTreeMap<(Option<&'g str>, Option<&'g str>), Decimal> = BTreeMap::new();
    if let Some(key) = &cost.identity.api_key_id {
        // A cost row that names its key (the Cost Analytics endpoint grouped by key) needs no split.
        candidates.clear();
        per_key.insert((Some(key.as_str()), cost.identity.account_id.as_deref()), Decimal::ONE);
    }
    for usage in &candidates {
        let weight = match component {
            Some(component) => usage.weights.get(&component).copied().unwrap_or_default(),
            None => usage.weights.values().copied().sum(),
        };
        *per_key.entry((usage.api_key.as_deref(), usage.account.as_deref())).or_default() += weight;
    }
    if per_key.values().all(|weight| weight.is_zero()) && !per_key.is_empty() {
        // The component has no usage (e.g. a rounding-only row): split by the keys' whole usage.
        for usage in &candidates {
            *per_key.entry((usage.api_key.as_deref(), usage.account.as_deref())).or_default() +=
                usage.weights.values().copied().sum::<Decimal>();
        }
    }
    let base = |amount: Money, path: Path, driver: Driver, rule: String, api_key: Option<String>| LedgerEntry {
        start: cost.start,
        end: cost.end,
        amount,
        path,
        driver,
        rule,
        source: cost.source,
        kind: cost.kind,
        model: cost.model.clone(),
        api_key,
        workspace_id: cost.identity.workspace_id.clone(),
        token_type: cost.token_type,
        service_tier: cost.service_tier,
    };
    if per_key.is_empty() {
        let (path, driver, rule) = placing.classify((None, None, workspace), names, orgmap, team_of_seat).clone().unwrap_or_else(|| {
            (
                Path::Unassigned,
                Driver::Unattributed {
                    reason: format!(
                        "no usage-report rows for {} on {} to split it by API key, and no org-map rule for the workspace",
                        names.workspace_label(workspace),
                        cost.start
                    ),
                },
                "unassigned: nothing matched".to_string(),
            )
        });
        entries(base(cost.amount, path, driver, rule, None));
        return;
    }
    let weights: Vec<Decimal> = per_key.values().copied().collect();
    for ((api_key, account), amount) in per_key.into_keys().zip(cost.amount.allocate(&weights)) {
        if amount.is_zero() && !cost.amount.is_zero() {
            continue;
        }
        let account_email = account.and_then(|user| names.user_email.get(user).copied());
        let classified = placing.classify((api_key, account_email, workspace), names, orgmap, team_of_seat).clone();
        let (path, driver, rule) = classified.unwrap_or_else(|| {
            let key_label = match api_key {
                Some(id) => match names.key_names.get(id) {
                    Some(name) => format!("API key {name} ({id})"),
                    None => format!("API key {id}"),
                },
                None => "usage with no API key".to_string(),
            };
            (
                Path::Unassigned,
                Driver::Unattributed { reason: format!("no org-map rule matches {key_label} in {}", names.workspace_label(workspace)) },
                "unassigned: no rule matched".to_string(),
            )
        });
        entries(base(amount, path, driver, rule, api_key.map(str::to_string)));
    }
}

/// Path, driver and rule of an API key (or a whole workspace when the key is unknown). Claude Code
/// is driven by the user account the usage names (`account_email`, through the users listing),
/// else by the key's creator.
fn classify(
    api_key: Option<&str>,
    account_email: Option<&str>,
    workspace: Option<&str>,
    names: &Names<'_>,
    orgmap: &OrgMap,
    team_of_seat: &FxHashMap<String, String>,
) -> Option<(Path, Driver, String)> {
    let key_name = api_key.and_then(|id| names.key_names.get(id).copied());
    let owner_email =
        account_email.or_else(|| api_key.and_then(|id| names.key_owner.get(id)).and_then(|user| names.user_email.get(user).copied()));
    let claude_code_driver = || match (owner_email, key_name.or(api_key)) {
        (Some(email), _) => Driver::Engineer { email: email.to_string(), team: team_for(email, orgmap, team_of_seat) },
        (None, Some(key)) => Driver::ClaudeCodeKey { key: key.to_string() },
        (None, None) => Driver::ClaudeCodeKey { key: names.workspace_label(workspace) },
    };
    if let Some(matched) = orgmap.classify_key(api_key, key_name, Some(workspace.unwrap_or("default"))) {
        return Some(match matched.target {
            KeyTarget::ClaudeCode => (Path::ClaudeCode, claude_code_driver(), matched.rule),
            KeyTarget::Feature(name) => (Path::Api, Driver::Feature { name }, matched.rule),
        });
    }
    let name = key_name?;
    names
        .claude_code_actor_keys
        .contains(name)
        .then(|| (Path::ClaudeCode, claude_code_driver(), format!("key {name:?} is an API actor in Claude Code Analytics")))
}

/// Entries whose start day falls in `period`.
pub fn in_period(entries: &[LedgerEntry], period: Period) -> impl Iterator<Item = &LedgerEntry> {
    entries.iter().filter(move |entry| period.contains(entry.start))
}

//! The API optimiser: for each feature (or API key no feature claims), what routing to a cheaper
//! model, caching a repeated prefix and moving latency-tolerant work to the Batch API would save,
//! from the organisation's own traffic and the price book; and the plan, the levers applied in
//! sequence without double counting, which gives the optimised baseline forecasts and commitment
//! sizing stand on.
//!
//! Evidence comes from aggregates: the usage report's tokens per key, model and rate dimensions,
//! summed per chunk of the period (a calendar month, cut where a price changes:
//! [`crate::traffic`]), the Usage Analytics API's request counts per key, model and day, and each
//! key's traffic shape over the week ([`TrafficShape`], from its hours of the week month by
//! month). Every dollar is the price book's price of modified quantities (another model, cache
//! reads instead of input, the batch tier) against the same quantities as they ran, chunk by
//! chunk, so price changes inside the period count where they fall;
//! saving estimates are at list price, scaled by what the feature was actually billed against its
//! list price (a discount shrinks a saving alike).
//!
//! Never a claim about quality: a routing opportunity carries a test plan, and becomes a plan only
//! when the org map accepts it (`[[lever]]`).

use spendlens_model::thousands as count;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use spendlens_model::{
    DirectoryEntry, DirectoryKind, Lever, LeverRule, LeverStatus, Money, OrgMap, Path, Period, ServiceTier, Source, TokenCounts, UsageLine,
};
use spendlens_pricing::{PriceBook, PriceError, PriceQuery};

use crate::ledger::{Driver, Ledger, LedgerEntry};
use crate::traffic::{Chunks, TrafficShape, api_traffic_lines};

/// How sure an estimate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The cache lifetime a caching estimate writes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheTtl {
    FiveMinutes,
    OneHour,
}

impl CacheTtl {
    fn minutes(self) -> f64 {
        match self {
            CacheTtl::FiveMinutes => 5.0,
            CacheTtl::OneHour => 60.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CacheTtl::FiveMinutes => "5-minute",
            CacheTtl::OneHour => "1-hour",
        }
    }
}

/// The share of requests that write the cache rather than read it, for requests arriving at
/// `requests_per_hour` (Poisson) with entries living `ttl`: a request writes when no request came
/// within the lifetime before it, `exp(-rate x ttl)`; every read refreshes the entry.
pub fn write_share(requests_per_hour: f64, ttl: CacheTtl) -> f64 {
    if requests_per_hour <= 0.0 || !requests_per_hour.is_finite() {
        return 1.0;
    }
    (-(requests_per_hour / 60.0) * ttl.minutes()).exp()
}

/// The cost of a cached prefix token per request, in units of the input rate, at `write` and
/// `read` multipliers of input (1.25 or 2, and 0.1 for most models).
pub fn prefix_cost(requests_per_hour: f64, ttl: CacheTtl, write: f64, read: f64) -> f64 {
    let share = write_share(requests_per_hour, ttl);
    share * write + (1.0 - share) * read
}

/// The cheaper cache lifetime at `requests_per_hour`, given the 5-minute and 1-hour write
/// multipliers and the read multiplier.
pub fn cheaper_ttl(requests_per_hour: f64, write_5m: f64, write_1h: f64, read: f64) -> CacheTtl {
    // The 1-hour lifetime must beat the default by more than 1%: at high rates both cost a read.
    if prefix_cost(requests_per_hour, CacheTtl::OneHour, write_1h, read)
        < 0.99 * prefix_cost(requests_per_hour, CacheTtl::FiveMinutes, write_5m, read)
    {
        CacheTtl::OneHour
    } else {
        CacheTtl::FiveMinutes
    }
}

/// The share of each request's uncached input the caching estimate assumes to be a stable prefix,
/// and the lower bound of its range (the upper bound is the evidence: the smallest daily average).
pub const ASSUMED_PREFIX_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 1);
pub const LOWEST_PREFIX_SHARE: Decimal = Decimal::from_parts(25, 0, 0, false, 2);

/// What the optimiser is handed.
#[derive(Debug, Clone, Copy)]
pub struct OptimiseInput<'a> {
    pub period: Period,
    /// Usage of the period: the store's day rollups (every source; the optimiser reads the usage
    /// report's and the Usage Analytics API's), or lines already at the optimiser's grain
    /// ([`api_traffic_lines`]): the same answer.
    pub usage: &'a [UsageLine],
    /// The usage report's traffic shapes per key, model and tier ([`TrafficShape::of_profiles`]
    /// of each month's hour profiles, months added).
    pub hours: &'a [TrafficShape],
    /// The period's ledger, as the optimiser reads it: which key is which feature, and what it
    /// billed ([`KeyBilling::of`]).
    pub billing: &'a KeyBilling,
    pub orgmap: &'a OrgMap,
    pub book: &'a PriceBook,
    /// Only this feature (or key label).
    pub feature: Option<&'a str>,
}

/// One opportunity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opportunity {
    pub feature: String,
    pub api_key_ids: Vec<String>,
    pub lever: Lever,
    /// Stand-alone: against today's spend, without the other levers, at a month's volume.
    pub monthly_saving_usd: Money,
    pub confidence: Confidence,
    pub confidence_reason: String,
    /// Routing only.
    pub target_model: Option<String>,
    /// The figures it rests on, in words.
    pub evidence: Vec<String>,
    /// What the estimate assumes, if anything.
    pub assumption: Option<String>,
    /// The range the assumption gives (caching), monthly.
    pub monthly_saving_low_usd: Money,
    pub monthly_saving_high_usd: Money,
    pub action: String,
    /// The org map's decision, if any.
    pub status: Option<LeverStatus>,
    /// Whether the plan applies it (accepted, or high or medium confidence, and not rejected).
    pub planned: bool,
}

/// One feature in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanFeature {
    pub feature: String,
    /// Billed this month (at the month's volume).
    pub spend_usd: Money,
    /// The levers applied, in order.
    pub levers: Vec<Lever>,
    pub saving_usd: Money,
    /// `spend_usd - saving_usd`: the optimised baseline of the feature per month.
    pub optimised_usd: Money,
}

/// The levers applied in sequence (routing, then caching on the routed traffic, then batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub features: Vec<PlanFeature>,
    pub total_saving_usd: Money,
    /// API spend per month (features and API keys no feature claims).
    pub api_spend_usd: Money,
    pub optimised_baseline_usd: Money,
    /// `total_saving_usd / api_spend_usd`.
    pub saving_share: Decimal,
}

/// The optimiser's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Optimisation {
    pub period: Period,
    /// Monthly figures are the period's times this (1 for a calendar month).
    pub month_factor: Decimal,
    pub opportunities: Vec<Opportunity>,
    pub plan: Plan,
    /// Lines the book could not price (an unknown model), left out of every estimate.
    pub unpriced_lines: usize,
}

/// A feature, or an API key no feature claims, with its traffic.
struct Subject<'a> {
    name: String,
    feature: bool,
    keys: BTreeSet<String>,
    /// Token traffic (the usage report's lines, else the Usage Analytics API's).
    lines: Vec<&'a UsageLine>,
    /// Usage Analytics lines: request counts per day and model.
    analytics: Vec<&'a UsageLine>,
    hours: Vec<&'a TrafficShape>,
    billed: Money,
}

/// Prices `line` as it ran, with `change` applied to the query.
fn price_as(book: &PriceBook, line: &UsageLine, change: impl FnOnce(&mut PriceQuery)) -> Result<Money, PriceError> {
    let mut query = PriceQuery::from_line(line);
    // A sum of buckets, never one request.
    query.quantities.requests = None;
    change(&mut query);
    Ok(book.price(&query)?.total)
}

fn list_price(book: &PriceBook, line: &UsageLine) -> Result<Money, PriceError> {
    price_as(book, line, |_| {})
}

/// The monthly factor of `period`: 1 for a calendar month, else an average month over its days.
pub fn month_factor(period: Period) -> Decimal {
    if Period::month_of(period.start) == period {
        Decimal::ONE
    } else {
        // 365.2425 / 12 days.
        Decimal::new(304_366_875, 7) / Decimal::from(period.days().max(1))
    }
}

fn monthly(amount: Money, factor: Decimal) -> Money {
    amount.scale(factor).round_cents()
}

/// A non-negative decimal rounded to a whole number.
fn whole(value: Decimal) -> u64 {
    value.round().to_string().parse().unwrap_or(0)
}

/// What the ledger says of the API keys the optimiser looks at: each key's subject (the feature
/// the ledger placed it under, else a label for the key) and what each subject was billed. Keys on
/// the Claude Code path are not the optimiser's. Made from a period's ledger, or from the ledgers
/// of consecutive parts of it merged in order (the same answer: a ledger places each day's
/// dollars from that day's lines alone), so a long period need not be held as one ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyBilling {
    /// Key id -> (subject, whether the subject is a feature); a key placed under several
    /// subjects keeps the last.
    pub subjects: BTreeMap<String, (String, bool)>,
    /// Subject -> billed dollars.
    pub billed: BTreeMap<String, Money>,
}

impl KeyBilling {
    /// From `ledger`'s entries starting in `period`.
    pub fn of(ledger: &Ledger, period: Period, directory: &[DirectoryEntry]) -> KeyBilling {
        let mut collector = KeyBillingCollector::new(period, directory);
        ledger.entries.iter().for_each(|entry| collector.add(entry));
        collector.finish()
    }

    /// `later` (of the period's next part) merged in: its subjects win, its dollars add.
    pub fn merge(&mut self, later: KeyBilling) {
        self.subjects.extend(later.subjects);
        for (subject, amount) in later.billed {
            *self.billed.entry(subject).or_default() += amount;
        }
    }
}

/// A [`KeyBilling`] made entry by entry, as a ledger is assembled ([`crate::assemble_each`]),
/// so a large organisation's entries need not be kept.
pub struct KeyBillingCollector<'d> {
    period: Period,
    /// The first name the directory gives each key.
    names: rustc_hash::FxHashMap<&'d str, Option<&'d str>>,
    billing: KeyBilling,
}

impl<'d> KeyBillingCollector<'d> {
    /// For entries starting in `period`, keys named by `directory`.
    pub fn new(period: Period, directory: &'d [DirectoryEntry]) -> Self {
        let mut names: rustc_hash::FxHashMap<&str, Option<&str>> = rustc_hash::FxHashMap::default();
        for entry in directory.iter().filter(|entry| entry.kind == DirectoryKind::ApiKey) {
            names.entry(entry.id.as_str()).or_insert(entry.name.as_deref());
        }
        KeyBillingCollector { period, names, billing: KeyBilling::default() }
    }

    /// One ledger entry: its dollars to its key's subject, if it starts in the period and is on
    /// a key the optimiser looks at.
    pub fn add(&mut self, entry: &LedgerEntry) {
        if !self.period.contains(entry.start) {
            return;
        }
        let Some(key) = &entry.api_key else { return };
        // Borrowed where it can be: a large organisation's year places millions of entries.
        let (name, feature): (std::borrow::Cow<'_, str>, bool) = match (&entry.path, &entry.driver) {
            (Path::Api, Driver::Feature { name }) => (name.as_str().into(), true),
            (Path::ClaudeCode, _) => return,
            _ => (format!("key {}", self.names.get(key.as_str()).copied().flatten().unwrap_or(key)).into(), false),
        };
        match self.billing.billed.get_mut(name.as_ref()) {
            Some(billed) => *billed += entry.amount,
            None => {
                self.billing.billed.insert(name.to_string(), entry.amount);
            }
        }
        if self.billing.subjects.get(key).is_none_or(|(known, was_feature)| known != name.as_ref() || *was_feature != feature) {
            self.billing.subjects.insert(key.clone(), (name.into_owned(), feature));
        }
    }

    pub fn finish(self) -> KeyBilling {
        self.billing
    }
}

fn gather<'a>(input: &OptimiseInput<'a>, traffic: &'a [std::borrow::Cow<'a, UsageLine>]) -> Vec<Subject<'a>> {
    let (by_key, billed) = (&input.billing.subjects, &input.billing.billed);
    let mut subjects: BTreeMap<String, Subject<'a>> = BTreeMap::new();
    let subject_of = |key: &Option<String>| key.as_ref().and_then(|key| by_key.get(key).map(|subject| (key.clone(), subject.clone())));
    for line in traffic.iter().map(AsRef::as_ref) {
        if !matches!(line.source, Source::AdminUsage | Source::AdminAnalyticsUsage) {
            continue;
        }
        let Some((key, (name, feature))) = subject_of(&line.identity.api_key_id) else { continue };
        let subject = subjects.entry(name.clone()).or_insert_with(|| Subject {
            name: name.clone(),
            feature,
            keys: BTreeSet::new(),
            lines: Vec::new(),
            analytics: Vec::new(),
            hours: Vec::new(),
            billed: billed.get(&name).copied().unwrap_or_default(),
        });
        subject.keys.insert(key);
        match line.source {
            Source::AdminUsage => subject.lines.push(line),
            _ => subject.analytics.push(line),
        }
    }
    for profile in input.hours {
        if let Some((_, (name, _))) = subject_of(&profile.api_key_id)
            && let Some(subject) = subjects.get_mut(&name)
        {
            subject.hours.push(profile);
        }
    }
    let mut out: Vec<Subject<'a>> = subjects.into_values().collect();
    for subject in &mut out {
        // Without the usage report, the Usage Analytics API's tokens are the traffic.
        if subject.lines.is_empty() {
            subject.lines = subject.analytics.clone();
        }
    }
    out.retain(|subject| input.feature.is_none_or(|wanted| wanted == subject.name));
    out
}

/// Priced traffic of a subject: each line with its list price (unpriced lines left out).
struct Traffic<'a> {
    lines: Vec<(&'a UsageLine, Money)>,
    list: Money,
    unpriced: usize,
}

fn traffic<'a>(book: &PriceBook, lines: &[&'a UsageLine]) -> Traffic<'a> {
    let mut priced = Vec::with_capacity(lines.len());
    let mut unpriced = 0;
    for line in lines {
        match list_price(book, line) {
            Ok(amount) => priced.push((*line, amount)),
            Err(_) => unpriced += 1,
        }
    }
    let list = priced.iter().map(|(_, amount)| *amount).sum();
    Traffic { lines: priced, list, unpriced }
}

/// Requests and their uncached input per day (or per chunk, given `chunks`) and model, from the
/// Usage Analytics lines.
fn requests_by_day(analytics: &[&UsageLine], chunks: Option<&Chunks>) -> BTreeMap<(spendlens_model::Day, String), (u64, u64)> {
    let mut out: BTreeMap<(spendlens_model::Day, String), (u64, u64)> = BTreeMap::new();
    for line in analytics {
        if let Some(requests) = line.quantities.requests {
            let day = chunks.map_or(line.day(), |chunks| chunks.of(line.day()).start);
            let entry = out.entry((day, line.model.clone())).or_default();
            entry.0 += requests;
            entry.1 += line.quantities.tokens.input;
        }
    }
    out
}

/// Runs the optimiser.
pub fn optimise(input: OptimiseInput<'_>) -> Optimisation {
    let factor = month_factor(input.period);
    let mut opportunities = Vec::new();
    let mut plan_features = Vec::new();
    let mut unpriced_lines = 0;
    let mut api_spend = Money::ZERO;
    let chunks = Chunks::new(input.period, input.book);
    let lines = api_traffic_lines(input.usage, &chunks);
    for subject in gather(&input, &lines) {
        let traffic = traffic(input.book, &subject.lines);
        unpriced_lines += traffic.unpriced;
        api_spend += subject.billed;
        if traffic.list.is_zero() {
            continue;
        }
        // Savings at list price, scaled to what the feature was billed.
        let billed_ratio = if subject.billed.is_zero() { Decimal::ONE } else { subject.billed.as_decimal() / traffic.list.as_decimal() };
        let to_billed = |amount: Money| monthly(amount.scale(billed_ratio), factor);
        let context = Context { input: &input, subject: &subject, traffic: &traffic, chunks: &chunks };
        let mut found: Vec<Found> = Vec::new();
        found.extend(context.routing());
        found.extend(context.caching());
        found.extend(context.batch());
        let keys: Vec<String> = subject.keys.iter().cloned().collect();
        for item in &found {
            let status = subject
                .feature
                .then(|| input.orgmap.lever(&subject.name, item.lever, item.target_model.as_deref()))
                .flatten()
                .map(|rule: &LeverRule| rule.status);
            // Caching and batching never change an answer: planned from medium confidence.
            // Routing can: planned only when the evidence is strong or the org map accepts it.
            let planned = match status {
                Some(LeverStatus::Rejected) => false,
                Some(LeverStatus::Accepted | LeverStatus::Adopted) => true,
                None if item.lever == Lever::Routing => item.confidence == Confidence::High,
                None => item.confidence >= Confidence::Medium,
            };
            opportunities.push(Opportunity {
                feature: subject.name.clone(),
                api_key_ids: keys.clone(),
                lever: item.lever,
                monthly_saving_usd: to_billed(item.saving),
                confidence: item.confidence,
                confidence_reason: item.confidence_reason.clone(),
                target_model: item.target_model.clone(),
                evidence: item.evidence.clone(),
                assumption: item.assumption.clone(),
                monthly_saving_low_usd: to_billed(item.low),
                monthly_saving_high_usd: to_billed(item.high),
                action: item.action.clone(),
                status,
                planned,
            });
        }
        let planned: Vec<&Found> = found
            .iter()
            .filter(|item| {
                opportunities
                    .iter()
                    .any(|opportunity| opportunity.feature == subject.name && opportunity.lever == item.lever && opportunity.planned)
            })
            .collect();
        let optimised = context.apply(&planned);
        let saving = to_billed(traffic.list - optimised);
        let spend = monthly(subject.billed, factor);
        plan_features.push(PlanFeature {
            feature: subject.name.clone(),
            spend_usd: spend,
            levers: planned.iter().map(|item| item.lever).collect(),
            saving_usd: saving,
            optimised_usd: spend - saving,
        });
    }
    // Ranked by confidence, then by saving.
    opportunities.sort_by(|left, right| {
        (right.confidence, right.monthly_saving_usd)
            .cmp(&(left.confidence, left.monthly_saving_usd))
            .then_with(|| left.feature.cmp(&right.feature))
            .then(left.lever.cmp(&right.lever))
    });
    let api_spend = monthly(api_spend, factor);
    let total_saving: Money = plan_features.iter().map(|feature| feature.saving_usd).sum();
    let saving_share = if api_spend.is_zero() { Decimal::ZERO } else { (total_saving.as_decimal() / api_spend.as_decimal()).round_dp(4) };
    Optimisation {
        period: input.period,
        month_factor: factor,
        opportunities,
        plan: Plan {
            features: plan_features,
            total_saving_usd: total_saving,
            api_spend_usd: api_spend,
            optimised_baseline_usd: api_spend - total_saving,
            saving_share,
        },
        unpriced_lines,
    }
}

/// An opportunity before it meets the org map: dollars for the period, at list price.
#[derive(Debug, Clone)]
struct Found {
    lever: Lever,
    saving: Money,
    low: Money,
    high: Money,
    confidence: Confidence,
    confidence_reason: String,
    target_model: Option<String>,
    evidence: Vec<String>,
    assumption: Option<String>,
    action: String,
    /// How to apply it in the plan.
    change: Change,
}

#[derive(Debug, Clone)]
enum Change {
    Route {
        to: String,
    },
    /// `prefix` tokens of each request (of `per_request` uncached input on average) read from cache.
    Cache {
        prefix: Decimal,
        per_request: Decimal,
        ttl: CacheTtl,
        write_share: Decimal,
    },
    Batch {
        keys: BTreeSet<(Option<String>, String)>,
    },
}

struct Context<'i, 'a> {
    input: &'i OptimiseInput<'a>,
    subject: &'i Subject<'i>,
    traffic: &'i Traffic<'i>,
    chunks: &'i Chunks,
}

impl Context<'_, '_> {
    fn book(&self) -> &PriceBook {
        self.input.book
    }

    fn requests(&self) -> Option<u64> {
        let requests: u64 = self.subject.analytics.iter().filter_map(|line| line.quantities.requests).sum();
        (requests > 0).then_some(requests)
    }

    fn tokens(&self) -> TokenCounts {
        let mut total = TokenCounts::default();
        for (line, _) in &self.traffic.lines {
            total.add(&line.quantities.tokens);
        }
        total
    }

    fn routing(&self) -> Option<Found> {
        let book = self.book();
        let models: BTreeSet<&str> = self.traffic.lines.iter().map(|(line, _)| line.model.as_str()).collect();
        let current = self.traffic.list;
        // Each routing target, priced on the feature's own tokens, day by day.
        let mut cheaper: Vec<(String, Money)> = Vec::new();
        for target in &book.rules.routing_targets {
            let Some(resolved) = book.resolve(target) else { continue };
            if models.iter().all(|model| book.resolve(model).is_some_and(|own| own.id == resolved.id)) {
                continue;
            }
            let mut total = Money::ZERO;
            for (line, _) in &self.traffic.lines {
                match price_as(book, line, |query| query.model = resolved.id.clone()) {
                    Ok(amount) => total += amount,
                    Err(_) => {
                        total = current;
                        break;
                    }
                }
            }
            if total < current {
                cheaper.push((resolved.id.clone(), total));
            }
        }
        if cheaper.is_empty() {
            return None;
        }
        cheaper.sort_by_key(|item| std::cmp::Reverse(item.1));
        let tokens = self.tokens();
        let requests = self.requests();
        let input_tokens = tokens.input + tokens.cache_read + tokens.cache_write_5m + tokens.cache_write_1h;
        let ratio = if input_tokens == 0 { f64::INFINITY } else { tokens.output as f64 / input_tokens as f64 };
        let output_per_request = requests.map(|requests| tokens.output as f64 / requests as f64);
        let (confidence, reason) = match output_per_request {
            Some(output) if output <= 50.0 && ratio <= 0.1 && requests.unwrap_or(0) >= 1_000 => (
                Confidence::High,
                format!(
                    "short answers ({output:.0} output tokens per request, {:.1}% of input) at volume: a classification or extraction shape a smaller model usually handles",
                    ratio * 100.0
                ),
            ),
            Some(output) if output <= 100.0 && ratio <= 0.1 => {
                (Confidence::Medium, format!("short answers ({output:.0} output tokens per request): worth a shadow test"))
            }
            None if ratio <= 0.05 => {
                (Confidence::Medium, format!("output is {:.1}% of input, but no request counts to judge answer length", ratio * 100.0))
            }
            Some(output) => {
                (Confidence::Low, format!("long answers ({output:.0} output tokens per request): quality may depend on the larger model"))
            }
            None => (Confidence::Low, "no request counts (the Usage Analytics API) to judge the traffic's shape".to_string()),
        };
        // High confidence: the cheapest target; otherwise one step down.
        let (target, on_target) = if confidence == Confidence::High { cheaper.last()? } else { cheaper.first()? }.clone();
        let mut evidence = vec![
            format!("{} on {} cost {current} at list price", self.subject.name, models.iter().copied().collect::<Vec<_>>().join(", ")),
            format!("{} input and {} output tokens", count(input_tokens), count(tokens.output)),
        ];
        if let Some(requests) = requests {
            evidence.push(format!(
                "{} requests: {} input and {} output tokens per request",
                count(requests),
                count((input_tokens as f64 / requests as f64).round() as u64),
                count((tokens.output as f64 / requests as f64).round() as u64)
            ));
        }
        for (model, total) in cheaper.iter().rev() {
            evidence.push(format!("the same tokens on {model}: {total}"));
        }
        Some(Found {
            lever: Lever::Routing,
            saving: current - on_target,
            low: current - on_target,
            high: current - on_target,
            confidence,
            confidence_reason: reason,
            target_model: Some(target.clone()),
            evidence,
            assumption: None,
            action: if self.subject.feature {
                format!(
                    "Shadow a sample (1-5% of requests for a week) on {target} and compare the answers with today's; if they hold, \
                     route the feature there and record it in the org map ([[lever]] feature = {:?}, lever = \"routing\", \
                     target_model = {target:?}, status = \"accepted\")",
                    self.subject.name
                )
            } else {
                format!(
                    "Map this key to the feature it serves (org map [[feature]] api_keys or api_key_names), then shadow a sample (1-5% of requests for a \
                     week) on {target} and compare the answers with today's; if they hold, route it there"
                )
            },
            change: Change::Route { to: target },
        })
    }

    /// Requests per hour when the traffic runs, weighted by requests: each hour of the week's
    /// input over the days it ran (month by month), in requests at `input_per_request`.
    fn requests_per_hour(&self, input_per_request: f64, total_requests: u64, days: i64) -> f64 {
        let (spread, input) =
            self.subject.hours.iter().fold((0.0, 0u64), |(spread, input), shape| (spread + shape.input_spread, input + shape.input_tokens));
        if input > 0 && input_per_request > 0.0 {
            spread / (input_per_request * input as f64)
        } else {
            total_requests as f64 / (days.max(1) as f64 * 24.0)
        }
    }

    fn caching(&self) -> Option<Found> {
        let book = self.book();
        let tokens = self.tokens();
        let requests = self.requests()?;
        let input_side = tokens.input + tokens.cache_read + tokens.cache_write_5m + tokens.cache_write_1h;
        if input_side == 0 || tokens.input == 0 {
            return None;
        }
        let read_share = tokens.cache_read as f64 / input_side as f64;
        let per_request = Decimal::from(tokens.input) / Decimal::from(requests);
        // The evidence's bound: no request's stable prefix is longer than the smallest daily
        // average of uncached input per request (days with at least 50 requests).
        let by_day = requests_by_day(&self.subject.analytics, None);
        let smallest = by_day
            .values()
            .filter(|(requests, _)| *requests >= 50)
            .map(|(requests, input)| Decimal::from(*input) / Decimal::from(*requests))
            .min()
            .unwrap_or(per_request)
            .min(per_request);
        let models: BTreeSet<&str> = self.traffic.lines.iter().map(|(line, _)| line.model.as_str()).collect();
        let min_cacheable = models.iter().map(|model| book.min_cacheable_tokens(model)).max().unwrap_or(book.rules.min_cacheable_tokens);
        if smallest < Decimal::from(min_cacheable) {
            return None;
        }
        let high_share = (smallest / per_request).min(Decimal::ONE);
        let point_share = ASSUMED_PREFIX_SHARE.min(high_share);
        let low_share = if LOWEST_PREFIX_SHARE * per_request >= Decimal::from(min_cacheable) { LOWEST_PREFIX_SHARE } else { Decimal::ZERO };
        let per_request_f = per_request.to_string().parse::<f64>().unwrap_or(0.0);
        let rate = self.requests_per_hour(per_request_f, requests, self.input.period.days());
        let (write_5m, write_1h, read) = self.cache_multipliers();
        let ttl = cheaper_ttl(rate, write_5m, write_1h, read);
        let writes = Decimal::from_f64_retain(write_share(rate, ttl)).unwrap_or(Decimal::ONE).round_dp(6);
        let current = self.traffic.list;
        let saving_at = |share: Decimal| -> Money {
            if share.is_zero() {
                return Money::ZERO;
            }
            let change = Change::Cache { prefix: share * per_request, per_request, ttl, write_share: writes };
            current - self.cost_with(&[&change], None)
        };
        let saving = saving_at(point_share);
        if saving <= Money::ZERO {
            return None;
        }
        let (confidence, reason) = if read_share >= 0.5 {
            (Confidence::Low, format!("{:.0}% of input is already read from cache", read_share * 100.0))
        } else if read_share < 0.05 && per_request >= Decimal::from(4 * min_cacheable) && write_share(rate, ttl) < 0.2 {
            (
                Confidence::Medium,
                format!(
                    "{:.1}% of input read from cache, {} uncached input tokens per request, {rate:.0} requests per hour; from aggregates, \
                     the prefix's length is an assumption (request-level data would make it a measurement)",
                    read_share * 100.0,
                    count(whole(per_request))
                ),
            )
        } else {
            (Confidence::Low, format!("{:.0}% of input read from cache; short prompts or sparse traffic", read_share * 100.0))
        };
        let percent = |share: Decimal| (share * Decimal::ONE_HUNDRED).round_dp(0);
        Some(Found {
            lever: Lever::Caching,
            saving,
            low: saving_at(low_share),
            high: saving_at(high_share),
            confidence,
            confidence_reason: reason,
            target_model: None,
            evidence: vec![
                format!(
                    "{} uncached input tokens, {} read from cache ({:.1}%), {} written to it",
                    count(tokens.input),
                    count(tokens.cache_read),
                    read_share * 100.0,
                    count(tokens.cache_write_5m + tokens.cache_write_1h)
                ),
                format!(
                    "{} requests, {} uncached input tokens per request; the smallest daily average is {}",
                    count(requests),
                    count(whole(per_request)),
                    count(whole(smallest))
                ),
                format!(
                    "minimum cacheable prompt of {}: {} tokens",
                    models.iter().copied().collect::<Vec<_>>().join(", "),
                    count(min_cacheable)
                ),
                format!(
                    "about {rate:.0} requests per hour when it runs: {} writes ({}x input) are cheaper, {:.1}% of requests would write",
                    ttl.label(),
                    match ttl {
                        CacheTtl::FiveMinutes => write_5m,
                        CacheTtl::OneHour => write_1h,
                    },
                    write_share(rate, ttl) * 100.0
                ),
            ],
            assumption: Some(format!(
                "{}% of each request's uncached input ({} tokens) is a stable prefix (system prompt, tools, examples) placed first; the \
                 range runs from {}% to {}% (the smallest daily average per request)",
                percent(point_share),
                (point_share * per_request).round(),
                percent(low_share),
                percent(high_share)
            )),
            action: format!(
                "Put the stable part of the prompt first and mark its end with cache_control ({}); check cache_read_input_tokens in \
                 the usage report the next day",
                match ttl {
                    CacheTtl::FiveMinutes => "the default 5-minute lifetime",
                    CacheTtl::OneHour => "ttl \"1h\"",
                }
            ),
            change: Change::Cache { prefix: point_share * per_request, per_request, ttl, write_share: writes },
        })
    }

    /// The book's cache multipliers of the feature's main model (by spend), as floats for the
    /// break-even.
    fn cache_multipliers(&self) -> (f64, f64, f64) {
        let book = self.book();
        let main = self.traffic.lines.iter().max_by_key(|(_, amount)| *amount).map(|(line, _)| *line);
        let card = main.and_then(|line| book.resolve(&line.model).and_then(|model| model.card_on(line.day())));
        match card {
            Some((_, card)) if !card.input.is_zero() => {
                let ratio = |rate: Decimal| (rate / card.input).to_string().parse::<f64>().unwrap_or(0.0);
                (ratio(card.cache_write_5m), ratio(card.cache_write_1h), ratio(card.cache_read))
            }
            _ => (1.25, 2.0, 0.1),
        }
    }

    fn batch(&self) -> Option<Found> {
        let book = self.book();
        // Per key and model on the standard tier: where in the week the tokens fall.
        let mut shapes =
            TrafficShape::merged(self.subject.hours.iter().copied().filter(|shape| shape.service_tier == ServiceTier::Standard));
        shapes.sort_by(|left, right| (&left.api_key_id, &left.model).cmp(&(&right.api_key_id, &right.model)));
        let mut batchable: BTreeSet<(Option<String>, String)> = BTreeSet::new();
        let mut evidence = Vec::new();
        let mut confidence = Confidence::Low;
        let mut reason = String::new();
        for traffic in &shapes {
            let Some(shape) = Shape::of(&traffic.by_hour, traffic.weekday_tokens, traffic.weekend_tokens) else { continue };
            let key = (traffic.api_key_id.clone(), traffic.model.clone());
            let found = if shape.window_share >= 0.9 && shape.window_hours <= 4 && shape.weekend_ratio >= 0.7 {
                (
                    Confidence::High,
                    format!(
                        "{:.0}% of its tokens arrive between {:02}:00 and {:02}:00 UTC, weekends alike: a scheduled job",
                        shape.window_share * 100.0,
                        shape.window_start,
                        (shape.window_start + shape.window_hours) % 24
                    ),
                )
            } else if shape.flatness <= 1.5 && shape.weekend_ratio >= 0.8 {
                (
                    Confidence::Medium,
                    format!("steady around the clock (busiest hour {:.2}x the quietest), weekends alike: a pipeline", shape.flatness),
                )
            } else {
                continue;
            };
            evidence.push(format!("key {} on {}: {}", key.0.as_deref().unwrap_or("(none)"), key.1, found.1));
            if found.0 > confidence || reason.is_empty() {
                confidence = found.0;
                reason = found.1.clone();
            }
            batchable.insert(key);
        }
        if batchable.is_empty() {
            return None;
        }
        let change = Change::Batch { keys: batchable };
        let current = self.traffic.list;
        let saving = current - self.cost_with(&[&change], None);
        if saving <= Money::ZERO {
            return None;
        }
        evidence.push(format!("at the Batch API's tier ({}x every token) this traffic costs {saving} less", book.rules.batch_multiplier));
        Some(Found {
            lever: Lever::Batch,
            saving,
            low: saving,
            high: saving,
            confidence,
            confidence_reason: reason,
            target_model: None,
            evidence,
            assumption: None,
            action: "Submit this work through the Message Batches API (results within 24 hours, usually far sooner): it is already \
                     asynchronous"
                .to_string(),
            change,
        })
    }

    /// The subject's traffic priced with `changes` applied in order (`route` overrides the model
    /// for caching's minimum and rates through the query).
    fn cost_with(&self, changes: &[&Change], _route: Option<&str>) -> Money {
        let book = self.book();
        let requests = requests_by_day(&self.subject.analytics, Some(self.chunks));
        let mut total = Money::ZERO;
        for (line, list) in &self.traffic.lines {
            let mut query = PriceQuery::from_line(line);
            query.quantities.requests = None;
            for change in changes {
                match change {
                    Change::Route { to } => query.model.clone_from(to),
                    Change::Cache { prefix, per_request, ttl, write_share } => {
                        let tokens = &mut query.quantities.tokens;
                        let chunk = self.chunks.of(line.day()).start;
                        let (day_requests, day_input) = requests.get(&(chunk, line.model.clone())).copied().unwrap_or((0, 0));
                        // Requests behind this line: its share of its chunk's requests, by uncached
                        // input (without the chunk's counts, its input over the average per request).
                        let line_requests = if day_input > 0 && day_requests > 0 {
                            Decimal::from(day_requests) * Decimal::from(tokens.input) / Decimal::from(day_input)
                        } else if per_request.is_zero() {
                            Decimal::ZERO
                        } else {
                            Decimal::from(tokens.input) / *per_request
                        };
                        let whole = |value: Decimal| value.round().to_string().parse::<u64>().unwrap_or(0);
                        let moved = whole(line_requests * *prefix).min(tokens.input);
                        let written = whole(Decimal::from(moved) * *write_share).min(moved);
                        tokens.input -= moved;
                        tokens.cache_read += moved - written;
                        match ttl {
                            CacheTtl::FiveMinutes => tokens.cache_write_5m += written,
                            CacheTtl::OneHour => tokens.cache_write_1h += written,
                        }
                    }
                    Change::Batch { keys } => {
                        if query.service_tier == ServiceTier::Standard
                            && keys.contains(&(line.identity.api_key_id.clone(), line.model.clone()))
                        {
                            query.service_tier = ServiceTier::Batch;
                        }
                    }
                }
            }
            total += book.price(&query).map(|priced| priced.total).unwrap_or(*list);
        }
        total
    }

    /// The traffic priced with the planned levers applied in sequence.
    fn apply(&self, planned: &[&Found]) -> Money {
        let mut ordered: Vec<&Change> = Vec::new();
        for lever in Lever::ALL {
            if let Some(found) = planned.iter().find(|found| found.lever == lever) {
                ordered.push(&found.change);
            }
        }
        if ordered.is_empty() { self.traffic.list } else { self.cost_with(&ordered, None) }
    }
}

/// Where in the week a key's tokens fall.
struct Shape {
    /// The busiest run of at most four consecutive hours of the day (all days together).
    window_start: usize,
    window_hours: usize,
    window_share: f64,
    /// Busiest hour of the day over the quietest (all days together).
    flatness: f64,
    /// Average weekend day over average weekday.
    weekend_ratio: f64,
}

impl Shape {
    /// From tokens by hour of the day (all days together), and of weekdays and weekends.
    fn of(by_hour: &[u64; 24], weekday: u64, weekend: u64) -> Option<Shape> {
        let total: u64 = by_hour.iter().sum();
        if total == 0 {
            return None;
        }
        let mut best = (0, 0, 0u64);
        for hours in 1..=4 {
            for start in 0..24 {
                let sum: u64 = (0..hours).map(|offset| by_hour[(start + offset) % 24]).sum();
                // Fewer hours win a tie: the tightest window holding the traffic.
                if sum > best.2 {
                    best = (start, hours, sum);
                }
            }
        }
        let (quietest, busiest) = (by_hour.iter().min().copied().unwrap_or(0), by_hour.iter().max().copied().unwrap_or(0));
        let flatness = if quietest == 0 { f64::INFINITY } else { busiest as f64 / quietest as f64 };
        let weekend_ratio = if weekday == 0 { f64::INFINITY } else { (weekend as f64 / 2.0) / (weekday as f64 / 5.0) };
        Some(Shape { window_start: best.0, window_hours: best.1, window_share: best.2 as f64 / total as f64, flatness, weekend_ratio })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_shares_and_the_five_minute_against_one_hour_break_even() {
        // Hand-computed: 12 requests an hour is one every 5 minutes on average; a 5-minute entry
        // is missed by exp(-1) = 36.8% of them, a 1-hour entry by exp(-12) ~ 0.0006%.
        assert!((write_share(12.0, CacheTtl::FiveMinutes) - (-1.0f64).exp()).abs() < 1e-12);
        assert!((write_share(12.0, CacheTtl::OneHour) - (-12.0f64).exp()).abs() < 1e-12);
        assert_eq!(write_share(0.0, CacheTtl::FiveMinutes), 1.0);
        // At 1.25x / 2x writes and 0.1x reads, per cached token and request:
        //   1 request/hour:   5m 1.25e^-1/12 + 0.1(1 - e^-1/12) = 1.1581; 1h 2e^-1 + 0.1(1 - e^-1) = 0.7990 -> 1 hour.
        //   12 requests/hour: 5m 0.1 + 1.15e^-1 = 0.5231; 1h 0.1 + 1.9e^-12 = 0.1000 -> 1 hour.
        //   600 requests/hour: both about 0.1; 5m 0.1 + 1.15e^-50 -> equal to 1e-12, 5 minutes kept.
        //   0.01 requests/hour: 5m ~1.2490, 1h 2e^-0.01 + 0.1(1 - e^-0.01) = 1.9811 -> 5 minutes.
        let rows = [
            (1.0, CacheTtl::OneHour, 1.1581, 0.7990),
            (12.0, CacheTtl::OneHour, 0.5231, 0.1000),
            (0.01, CacheTtl::FiveMinutes, 1.2490, 1.9811),
        ];
        for (rate, expected, five, hour) in rows {
            assert!((prefix_cost(rate, CacheTtl::FiveMinutes, 1.25, 0.1) - five).abs() < 5e-4, "{rate}");
            assert!((prefix_cost(rate, CacheTtl::OneHour, 2.0, 0.1) - hour).abs() < 5e-4, "{rate}");
            assert_eq!(cheaper_ttl(rate, 1.25, 2.0, 0.1), expected, "{rate} requests per hour");
        }
        assert_eq!(cheaper_ttl(600.0, 1.25, 2.0, 0.1), CacheTtl::FiveMinutes);
    }

    #[test]
    fn month_factors() {
        assert_eq!(month_factor(Period::parse_month("2026-10").unwrap()), Decimal::ONE);
        let fortnight = Period::new("2026-10-01".parse().unwrap(), "2026-10-15".parse().unwrap());
        assert_eq!(month_factor(fortnight).round_dp(6), Decimal::new(2_174_049, 6));
    }

    /// The shape of tokens per day of the week and hour.
    fn shape_of(cells: &[[u64; 24]; 7]) -> Option<Shape> {
        let mut by_hour = [0u64; 24];
        for day in cells {
            for (hour, tokens) in day.iter().enumerate() {
                by_hour[hour] += tokens;
            }
        }
        let weekday = cells[..5].iter().flatten().sum();
        Shape::of(&by_hour, weekday, cells[5..].iter().flatten().sum())
    }

    #[test]
    fn shapes_find_scheduled_and_steady_work() {
        let mut nightly = [[0u64; 24]; 7];
        for day in &mut nightly {
            day[1] = 100;
            day[2] = 100;
            day[3] = 100;
        }
        let shape = shape_of(&nightly).unwrap();
        assert_eq!((shape.window_start, shape.window_hours), (1, 3));
        assert!((shape.window_share - 1.0).abs() < 1e-12 && (shape.weekend_ratio - 1.0).abs() < 1e-12);
        let steady = [[10u64; 24]; 7];
        let shape = shape_of(&steady).unwrap();
        assert!((shape.flatness - 1.0).abs() < 1e-12);
        let mut office = [[0u64; 24]; 7];
        for day in office.iter_mut().take(5) {
            day[13..22].fill(50);
        }
        let shape = shape_of(&office).unwrap();
        assert_eq!(shape.weekend_ratio, 0.0);
        assert!(shape.flatness.is_infinite());
    }
}

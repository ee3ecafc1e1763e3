//! The API optimiser's use cases: opportunities and the plan (`optimise`), savings realised
//! against their counterfactual (`savings`), and the same history under another price book
//! (`reprice`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path as FilePath;

use serde::{Deserialize, Serialize};
use spendlens_analysis::LedgerEntry;
use spendlens_analysis::optimise::{KeyBilling, KeyBillingCollector, Optimisation, OptimiseInput, optimise};
use spendlens_analysis::reprice::{RepriceInput, Repricing, reprice};
use spendlens_analysis::savings::{Savings, SavingsInput, add_feature_of_key, savings};
use spendlens_analysis::traffic::{Chunks, TrafficShape, api_traffic_lines};
use spendlens_model::{DirectoryEntry, Period, Seat, Source, UsageLine, parallel};

use crate::kept::ViewCache;
use crate::{App, AppError};

/// What the optimiser reads of one calendar month (or the part of one a period holds): the keys'
/// subjects and what each subject was billed (the month's ledger, folded as it is assembled),
/// the month's API traffic at the optimiser's grain ([`api_traffic_lines`]) and its traffic
/// shapes. Months add up to a period's input: billing merged in order, lines one after another,
/// shapes added ([`TrafficShape::merged`]).
#[derive(Debug, Serialize, Deserialize)]
struct ApiMonth {
    billing: KeyBilling,
    #[serde(with = "crate::kept::compact_lines")]
    lines: Vec<UsageLine>,
    shapes: Vec<TrafficShape>,
}

/// The kind of kept answer an [`ApiMonth`] is ([`ViewCache`]).
const API_MONTH: &str = "optimise";

/// The question a kept [`ApiMonth`] answers: the month's.
fn api_month_question(month: Period) -> String {
    format!("api traffic {}", month.label())
}

/// `span` cut at the first of each month.
fn month_parts(span: Period) -> Vec<Period> {
    let mut parts = Vec::new();
    let mut first = span.start;
    while first < span.end {
        let part = Period::new(first, Period::month_of(first).end.min(span.end));
        parts.push(part);
        first = part.end;
    }
    parts
}

impl App {
    /// Routing, caching and batching opportunities per feature, and the plan, for `period`
    /// (`feature`: only that feature, or API key label).
    pub fn optimise(&self, period: Period, feature: Option<&str>) -> Result<Optimisation, AppError> {
        let months = self.api_months(period)?;
        let hours = TrafficShape::merged(months.iter().flat_map(|month| &month.shapes));
        let mut billing = KeyBilling::default();
        let mut usage = Vec::with_capacity(months.iter().map(|month| month.lines.len()).sum());
        for month in months {
            billing.merge(month.billing);
            usage.extend(month.lines);
        }
        let orgmap = self.orgmap()?;
        let book = self.price_book()?;
        Ok(optimise(OptimiseInput { period, usage: &usage, hours: &hours, billing: &billing, orgmap: &orgmap, book, feature }))
    }

    /// What the optimiser reads of `period`, a calendar month (or the part of one in the period)
    /// at a time, two at once ([`ApiMonth`]). A whole month's is kept in `DATA_DIR/cache/`
    /// ([`crate::kept`]) under the key of what it was computed from: this binary, the price book,
    /// the org map and the lake's version of the month's days and of the files read whole (the
    /// directory, the roster); a later run whose key matches reads it, and assembles no ledger.
    /// Writes keep the kept months current ([`App::refresh_api_months`]).
    fn api_months(&self, period: Period) -> Result<Vec<ApiMonth>, AppError> {
        let parts = month_parts(period);
        let caches = self.api_month_caches(&parts)?;
        let kept: Vec<Option<ApiMonth>> = parallel::map_with(2, caches.iter().collect(), |cache: &Option<ViewCache>| {
            cache.as_ref().and_then(ViewCache::read::<ApiMonth>)
        });
        let todo: Vec<usize> = kept.iter().enumerate().filter(|(_, month)| month.is_none()).map(|(at, _)| at).collect();
        let mut months = kept;
        for (at, month) in self.make_api_months(&parts, &caches, todo)? {
            months[at] = Some(month);
        }
        Ok(months.into_iter().flatten().collect())
    }

    /// Remakes each whole month's [`ApiMonth`] kept in the cache that a write made stale (a new
    /// day of usage or cost, the directory, the roster, the org map, the price book), so the next
    /// `optimise` assembles no ledger; a month never asked about is left to be made when it is.
    /// Best effort, after a write: what cannot be made now is made by the next `optimise`.
    /// Returns how many months were remade.
    pub fn refresh_api_months(&self) -> Result<usize, AppError> {
        let Some((first, last)) = self.lake()?.usage_span()? else { return Ok(0) };
        let mut parts = month_parts(Period::new(Period::month_of(first).start, Period::month_of(last).end));
        // Only months kept before: a lake whose months were never asked about pays nothing.
        parts.retain(|part| ViewCache::is_kept(self, API_MONTH, &api_month_question(*part)));
        let caches = self.api_month_caches(&parts)?;
        let todo: Vec<usize> =
            caches.iter().enumerate().filter(|(_, cache)| cache.as_ref().is_some_and(ViewCache::is_stale)).map(|(at, _)| at).collect();
        Ok(self.make_api_months(&parts, &caches, todo)?.len())
    }

    /// The cache of each of `parts` that is a whole month (`None` for a part of one, or when
    /// the lake cannot version its days).
    fn api_month_caches(&self, parts: &[Period]) -> Result<Vec<Option<ViewCache>>, AppError> {
        let book = self.price_book()?;
        let orgmap = format!("{:?}", self.orgmap()?);
        let lake = self.lake()?;
        parallel::map_with(2, parts.to_vec(), |part| -> Result<Option<ViewCache>, AppError> {
            if Period::month_of(part.start) != part {
                return Ok(None);
            }
            let Some(version) = lake.version(Some(part))? else { return Ok(None) };
            let mut stored = std::hash::DefaultHasher::new();
            (version, &orgmap).hash(&mut stored);
            Ok(ViewCache::new(self, API_MONTH, &api_month_question(part), book, stored.finish()))
        })
        .into_iter()
        .collect()
    }

    /// [`App::refresh_api_months`] after a write, a failure told, never returned: the write
    /// itself stands.
    pub(crate) fn keep_api_months_current(&self) {
        if let Err(error) = self.refresh_api_months() {
            (self.notify)(&format!("optimise: the kept months could not be remade ({error}); the next `optimise` remakes them"));
        }
    }

    /// [`ApiMonth`] of each of `parts` named by `todo`, two at once (a ledger's assembly runs on
    /// one core), each kept in its cache.
    fn make_api_months(
        &self,
        parts: &[Period],
        caches: &[Option<ViewCache>],
        todo: Vec<usize>,
    ) -> Result<Vec<(usize, ApiMonth)>, AppError> {
        if todo.is_empty() {
            return Ok(Vec::new());
        }
        let directory = self.lake()?.directory()?;
        let seats = self.roster_seats()?;
        let alone = todo.len() == 1;
        parallel::map_with(2, todo, |at| -> Result<(usize, ApiMonth), AppError> {
            let month = self.api_month(parts[at], &directory, &seats, alone)?;
            if let Some(cache) = &caches[at] {
                cache.write(&month);
            }
            Ok((at, month))
        })
        .into_iter()
        .collect()
    }

    /// [`ApiMonth`] of `part` (one month or less), from its ledger, usage and hour profiles.
    /// `beside`: the hour profiles are read on a thread of their own while the ledger is
    /// assembled on one core (for a month made alone: months made two at once keep both cores
    /// busy, and would hold twice the memory).
    fn api_month(&self, part: Period, directory: &[DirectoryEntry], seats: &[Seat], beside: bool) -> Result<ApiMonth, AppError> {
        let shapes = || -> Result<Vec<TrafficShape>, AppError> {
            Ok(TrafficShape::of_profiles(&self.lake()?.hour_profiles(Source::AdminUsage, Some(part))?))
        };
        let ledger = || -> Result<(KeyBilling, Vec<UsageLine>), AppError> {
            let mut collector = KeyBillingCollector::new(part, directory);
            let (_, usage) = self.ledger_each(part, directory, seats, &mut |entry| collector.add(&entry))?;
            let lines = api_traffic_lines(&usage, &Chunks::new(part, self.price_book()?)).into_iter().map(Cow::into_owned).collect();
            Ok((collector.finish(), lines))
        };
        let (ledger, shapes) = if beside {
            std::thread::scope(|scope| {
                let shapes = scope.spawn(shapes);
                let ledger = ledger();
                (ledger, shapes.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            })
        } else {
            (ledger(), shapes())
        };
        let (billing, lines) = ledger?;
        Ok(ApiMonth { billing, lines, shapes: shapes? })
    }

    /// What `add` keeps of `span`'s ledger, and the span's API traffic (the usage report's and
    /// the Usage Analytics API's day lines), made a calendar month at a time, two months at once:
    /// each part's ledger is assembled and handed to its own `start(part)` entry by entry, never
    /// kept. The same answers as the span's ledger in one piece (a ledger places each day's
    /// dollars from that day's lines alone), in a fraction of the memory and time on a large
    /// organisation. The parts' answers in order.
    fn api_traffic<S: Send>(
        &self,
        span: Period,
        directory: &[DirectoryEntry],
        start: impl Fn(Period) -> S + Sync,
        add: impl Fn(&mut S, LedgerEntry) + Sync,
    ) -> Result<(Vec<S>, Vec<UsageLine>), AppError> {
        let parts = month_parts(span);
        let seats = self.roster_seats()?;
        // Two months at a time: a ledger's assembly runs on one core.
        let made = parallel::map_with(2, parts, |part| -> Result<(S, Vec<UsageLine>), AppError> {
            let mut answer = start(part);
            let (_, usage) = self.ledger_each(part, directory, &seats, &mut |entry| add(&mut answer, entry))?;
            let usage = usage.into_iter().filter(|line| matches!(line.source, Source::AdminUsage | Source::AdminAnalyticsUsage));
            Ok((answer, usage.collect()))
        });
        let mut answers = Vec::with_capacity(made.len());
        let mut usage = Vec::new();
        for part in made {
            let (answer, part_usage) = part?;
            answers.push(answer);
            usage.extend(part_usage);
        }
        Ok((answers, usage))
    }

    /// Savings realised in `period` by the levers adopted (the org map's, or detected in the
    /// traffic), each month beside its counterfactual. The traffic is read from the ledger's first
    /// day, so an adoption before `period` is measured too.
    pub fn savings(&self, period: Period) -> Result<Savings, AppError> {
        let first = self.lake()?.usage_span()?.map_or(period.start, |(first, _)| first.min(period.start));
        let directory = self.lake()?.directory()?;
        let (parts, usage) = self.api_traffic(
            Period::new(first, period.end),
            &directory,
            |_| BTreeMap::new(),
            |features, entry| add_feature_of_key(features, &entry),
        )?;
        let mut features = BTreeMap::new();
        parts.into_iter().for_each(|part| features.extend(part));
        let orgmap = self.orgmap()?;
        Ok(savings(SavingsInput { period, usage: &usage, features: &features, orgmap: &orgmap, book: self.price_book()? }))
    }

    /// `period`'s token usage priced under the book `path` (the `prices.toml` format, laid over the
    /// embedded book as a user file is) beside today's.
    pub fn reprice(&self, period: Period, path: &FilePath) -> Result<Repricing, AppError> {
        let text = std::fs::read_to_string(path).map_err(|error| AppError::file("reading the price book", path, error))?;
        let current = self.price_book()?;
        let other = current.clone().with_overrides(&text, &path.display().to_string())?;
        let loaded = self.load_ledger(period)?;
        Ok(reprice(RepriceInput { period, usage: &loaded.usage, ledger: &loaded.ledger, current, other: &other }))
    }
}

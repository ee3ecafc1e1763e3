//! The API optimiser's use cases: opportunities and the plan (`optimise`), savings realised
//! against their counterfactual (`savings`), and the same history under another price book
//! (`reprice`).

use std::collections::BTreeMap;
use std::path::Path as FilePath;

use spendlens_analysis::LedgerEntry;
use spendlens_analysis::optimise::{KeyBilling, KeyBillingCollector, Optimisation, OptimiseInput, optimise};
use spendlens_analysis::reprice::{RepriceInput, Repricing, reprice};
use spendlens_analysis::savings::{Savings, SavingsInput, add_feature_of_key, savings};
use spendlens_model::{DirectoryEntry, Period, Source, UsageLine, parallel};

use crate::{App, AppError};

impl App {
    /// Routing, caching and batching opportunities per feature, and the plan, for `period`
    /// (`feature`: only that feature, or API key label).
    pub fn optimise(&self, period: Period, feature: Option<&str>) -> Result<Optimisation, AppError> {
        let directory = self.lake()?.directory()?;
        let (parts, usage) = self.api_traffic(
            period,
            &directory,
            |part| KeyBillingCollector::new(part, &directory),
            |collector, entry| collector.add(&entry),
        )?;
        let mut billing = KeyBilling::default();
        parts.into_iter().for_each(|part| billing.merge(part.finish()));
        let hours = self.lake()?.hour_profiles(Source::AdminUsage, Some(period))?;
        let orgmap = self.orgmap()?;
        let book = self.price_book()?;
        Ok(optimise(OptimiseInput { period, usage: &usage, hours: &hours, billing: &billing, orgmap: &orgmap, book, feature }))
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
        let mut parts = Vec::new();
        let mut first = span.start;
        while first < span.end {
            let part = Period::new(first, Period::month_of(first).end.min(span.end));
            parts.push(part);
            first = part.end;
        }
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

//! The API optimiser's use cases: opportunities and the plan (`optimise`), savings realised
//! against their counterfactual (`savings`), and the same history under another price book
//! (`reprice`).

use std::path::Path as FilePath;

use spendlens_analysis::optimise::{Optimisation, OptimiseInput, optimise};
use spendlens_analysis::reprice::{RepriceInput, Repricing, reprice};
use spendlens_analysis::savings::{Savings, SavingsInput, savings};
use spendlens_model::{Period, Source};

use crate::{App, AppError};

impl App {
    /// Routing, caching and batching opportunities per feature, and the plan, for `period`
    /// (`feature`: only that feature, or API key label).
    pub fn optimise(&self, period: Period, feature: Option<&str>) -> Result<Optimisation, AppError> {
        let loaded = self.load_ledger(period)?;
        let hours = self.lake()?.hour_profiles(Source::AdminUsage, Some(period))?;
        let orgmap = self.orgmap()?;
        let book = self.price_book()?;
        Ok(optimise(OptimiseInput {
            period,
            usage: &loaded.usage,
            hours: &hours,
            ledger: &loaded.ledger,
            orgmap: &orgmap,
            directory: &loaded.directory,
            book,
            feature,
        }))
    }

    /// Savings realised in `period` by the levers adopted (the org map's, or detected in the
    /// traffic), each month beside its counterfactual. The traffic is read from the ledger's first
    /// day, so an adoption before `period` is measured too.
    pub fn savings(&self, period: Period) -> Result<Savings, AppError> {
        let first = self.lake()?.usage_span()?.map_or(period.start, |(first, _)| first.min(period.start));
        let loaded = self.load_ledger(Period::new(first, period.end))?;
        let orgmap = self.orgmap()?;
        Ok(savings(SavingsInput { period, usage: &loaded.usage, ledger: &loaded.ledger, orgmap: &orgmap, book: self.price_book()? }))
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

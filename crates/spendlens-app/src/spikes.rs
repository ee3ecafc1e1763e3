//! Spikes as a use case: the ledger of the asked days with the history their expected bands need
//! (eight weeks and a week before), the usage and Claude Code activity beside it, handed to
//! [`spendlens_analysis::spikes`]. The answer is its own view: `{"spikes": [...]}`.

use chrono::Duration;
use spendlens_analysis::spikes::{Spikes, SpikesInput, history_days, spikes};
use spendlens_model::{Day, Period};

use crate::{App, AppError};

impl App {
    /// The days a spikes question is about: `since` and `until` (inclusive), each defaulting to the
    /// first and last day the ledger holds.
    pub fn spikes_period(&self, since: Option<Day>, until: Option<Day>) -> Result<Period, AppError> {
        let span = self.lake()?.usage_span()?;
        let (since, until) = match (since, until, span) {
            (Some(since), Some(until), _) => (since, until),
            (since, until, Some((first, last))) => (since.unwrap_or(first), until.unwrap_or(last)),
            (_, _, None) => {
                return Err(AppError::invalid(format!(
                    "the ledger in {} is empty: run `spendlens demo`, or ingest your sources first",
                    self.settings.data_dir.display()
                )));
            }
        };
        if until < since {
            return Err(AppError::invalid(format!("--until {until} is before --since {since}")));
        }
        Ok(Period::new(since, until + Duration::days(1)))
    }

    /// Weeks and days of `period` in which a path, team or feature spent above its expected band,
    /// each with its change decomposed into factors and a sentence naming the lever.
    pub fn spikes(&self, period: Period) -> Result<Spikes, AppError> {
        let span = Period::new(period.start - Duration::days(history_days()), period.end);
        let loaded = self.load_ledger(span)?;
        let activity = self.activity(span)?;
        Ok(spikes(SpikesInput {
            period,
            entries: &loaded.ledger.entries,
            usage: &loaded.usage,
            activity: &activity,
            directory: &loaded.directory,
            book: self.price_book()?,
        }))
    }
}

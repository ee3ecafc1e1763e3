//! The ledger of a span and the answers drawn from it: the period a question is about, the
//! assembled ledger (every billed dollar placed once), and the report of a period.

use spendlens_analysis::seats::{roster_note, seat_fees};
use spendlens_analysis::{Drivers, Ledger, LedgerEntry, LedgerInput, Summary, assemble_each, summarise_with};
use spendlens_model::{ActivityLine, CostLine, Day, DirectoryEntry, Period, Seat, Source, UsageLine};
use spendlens_store::UsageRollup;

use crate::{App, AppError};

/// Which period a question is about.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PeriodChoice {
    /// The latest calendar month holding data.
    #[default]
    Latest,
    /// A calendar month, `YYYY-MM`.
    Month(String),
    /// Days, both inclusive.
    Days { since: Day, until: Day },
}

impl PeriodChoice {
    /// From a face's optional `--month`, `--since` and `--until`.
    pub fn of(month: Option<&str>, since: Option<Day>, until: Option<Day>) -> PeriodChoice {
        match (month, since, until) {
            (Some(month), _, _) => PeriodChoice::Month(month.to_string()),
            (None, Some(since), Some(until)) => PeriodChoice::Days { since, until },
            _ => PeriodChoice::Latest,
        }
    }
}

/// The ledger of a span with the usage and directory it was assembled from.
#[derive(Debug, Clone)]
pub struct LoadedLedger {
    pub ledger: Ledger,
    pub usage: Vec<UsageLine>,
    pub directory: Vec<DirectoryEntry>,
}

/// A period's report: the summary and the ledger it was drawn from (the ledger spans the period
/// before it too, for month-over-month change).
#[derive(Debug, Clone)]
pub struct Report {
    pub period: Period,
    pub summary: Summary,
    pub loaded: LoadedLedger,
}

/// A rollup row as a day-grain usage line, the shape analyses take.
pub fn rollup_line(row: UsageRollup) -> UsageLine {
    let start = row.day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let mut line = UsageLine::new(start, start + chrono::Duration::days(1), row.source, row.model);
    line.path = row.path;
    line.identity.workspace_id = row.workspace_id;
    line.identity.api_key_id = row.api_key_id;
    line.identity.api_key_name = row.api_key_name;
    line.identity.actor_email = row.actor_email;
    line.identity.account_id = row.account_id;
    line.identity.service_account_id = row.service_account_id;
    line.service_tier = row.service_tier;
    line.context_window = row.context_window;
    line.inference_geo = row.inference_geo;
    line.speed = row.speed;
    line.quantities = row.quantities;
    line.reported_cost = row.reported_cost;
    line
}

impl App {
    /// The period `choice` names: a month, days (inclusive), or the latest month with data
    /// (`None` for an empty ledger).
    pub fn period(&self, choice: &PeriodChoice) -> Result<Option<Period>, AppError> {
        match choice {
            PeriodChoice::Month(month) => {
                Period::parse_month(month).map(Some).ok_or_else(|| AppError::invalid(format!("--month {month:?} is not YYYY-MM")))
            }
            PeriodChoice::Days { since, until } => {
                if until < since {
                    return Err(AppError::invalid(format!("--until {until} is before --since {since}")));
                }
                Ok(Some(Period::new(*since, *until + chrono::Duration::days(1))))
            }
            PeriodChoice::Latest => Ok(self.lake()?.usage_span()?.map(|(_, last)| Period::month_of(last))),
        }
    }

    /// The period `choice` names, or an error that says the ledger is empty.
    pub fn period_with_data(&self, choice: &PeriodChoice) -> Result<Period, AppError> {
        self.period(choice)?.ok_or_else(|| {
            AppError::invalid(format!(
                "the ledger in {} is empty: run `spendlens demo`, or ingest your sources first",
                self.settings.data_dir.display()
            ))
        })
    }

    /// The usage of `span` as day-grain lines (the store's rollup).
    pub fn usage_of(&self, span: Period) -> Result<Vec<UsageLine>, AppError> {
        Ok(self.lake()?.usage_rollup(Some(span))?.into_iter().map(rollup_line).collect())
    }

    /// The ledger of `span`: the store's usage rollups, cost lines and directory, placed by the org
    /// map and priced by the book. Every question about ledger dollars starts here.
    pub fn load_ledger(&self, span: Period) -> Result<LoadedLedger, AppError> {
        let directory = self.lake()?.directory()?;
        let mut entries = Vec::new();
        let (mut ledger, usage) = self.ledger_each(span, &directory, &self.roster_seats()?, &mut |entry| entries.push(entry))?;
        ledger.entries = entries;
        Ok(LoadedLedger { ledger, usage, directory })
    }

    /// The ledger of `span` handed entry by entry to `each` as it is assembled
    /// ([`spendlens_analysis::assemble_each`]: the ledger returned keeps no entries), with the usage
    /// it was assembled from. For a reader that keeps a sum of a large organisation's entries.
    /// The directory and the roster's seats are read once by the caller, for every part of a
    /// long span (`directory`, [`App::roster_seats`]).
    pub fn ledger_each(
        &self,
        span: Period,
        directory: &[DirectoryEntry],
        seats: &[Seat],
        each: &mut dyn FnMut(LedgerEntry),
    ) -> Result<(Ledger, Vec<UsageLine>), AppError> {
        let book = self.price_book()?;
        let orgmap = self.orgmap()?;
        let usage = self.usage_of(span)?;
        let costs = self.cost_lines_with(span, seats)?;
        let ledger = assemble_each(LedgerInput { usage: &usage, costs: &costs, directory, orgmap: &orgmap, book }, each);
        Ok((ledger, usage))
    }

    /// The billed lines of `span`: what the store holds for its days, with the roster's seats as
    /// fee lines prorated for every month the span touches (seat records are filed under their
    /// start day, so the roster is read whole).
    pub fn cost_lines(&self, span: Period) -> Result<Vec<CostLine>, AppError> {
        self.cost_lines_with(span, &self.roster_seats()?)
    }

    /// The stored roster's seats (read whole: seat records are filed under their start day).
    pub fn roster_seats(&self) -> Result<Vec<Seat>, AppError> {
        Ok(self.lake()?.cost_lines_of(Source::Roster, None)?.iter().filter_map(Seat::from_record).map(|(seat, _)| seat).collect())
    }

    /// [`App::cost_lines`] with the roster's `seats` at hand.
    fn cost_lines_with(&self, span: Period, seats: &[Seat]) -> Result<Vec<CostLine>, AppError> {
        let mut costs: Vec<CostLine> =
            self.lake()?.cost_lines(Some(span))?.into_iter().filter(|cost| Seat::from_record(cost).is_none()).collect();
        costs.extend(seat_fees(seats, span));
        Ok(costs)
    }

    /// The day the stored roster was taken, if one is stored.
    pub fn roster_day(&self) -> Result<Option<Day>, AppError> {
        Ok(self.lake()?.cost_lines_of(Source::Roster, None)?.iter().filter_map(Seat::from_record).map(|(_, day)| day).max())
    }

    /// The activity lines of `period` (Claude Code Analytics, OpenTelemetry).
    pub fn activity(&self, period: Period) -> Result<Vec<ActivityLine>, AppError> {
        Ok(self.lake()?.activity(Some(period))?)
    }

    /// The report of `period`: the two paths with their drivers, month-over-month change (the
    /// ledger is assembled over the period and the one before), unit economics and the sources.
    pub fn report(&self, period: Period) -> Result<Report, AppError> {
        let loaded = self.load_ledger(Period::new(period.previous().start, period.end))?;
        let activity = self.activity(period)?;
        let mut summary =
            summarise_with(&loaded.ledger, period, Drivers { usage: &loaded.usage, activity: &activity, directory: &loaded.directory });
        summary.unknown_values = self.lake()?.unknown_values(Some(period))?;
        summary.notes.extend(roster_note(self.roster_day()?, period));
        Ok(Report { period, summary, loaded })
    }
}

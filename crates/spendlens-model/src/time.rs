//! Days and periods. All times are UTC, as Anthropic's reports are.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A UTC calendar day.
pub type Day = NaiveDate;

/// A half-open span of days `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: Day,
    /// Exclusive.
    pub end: Day,
}

impl Period {
    /// `[start, end)`; swapped bounds give an empty period at `start`.
    pub fn new(start: Day, end: Day) -> Self {
        Period { start, end: end.max(start) }
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: Day) -> Self {
        let start = day.with_day(1).unwrap_or(day);
        let end = if start.month() == 12 {
            NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
        }
        .unwrap_or(start);
        Period { start, end }
    }

    /// Parses `YYYY-MM`.
    pub fn parse_month(text: &str) -> Option<Self> {
        let day = NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d").ok()?;
        Some(Self::month_of(day))
    }

    /// The month before this period's first month.
    pub fn previous_month(&self) -> Self {
        Self::month_of(self.start - Duration::days(1))
    }

    /// The period a report compares against: the previous calendar month for a whole month,
    /// otherwise the same number of days just before.
    pub fn previous(&self) -> Self {
        if *self == Self::month_of(self.start) {
            self.previous_month()
        } else {
            Period::new(self.start - Duration::days(self.days()), self.start)
        }
    }

    pub fn contains(&self, day: Day) -> bool {
        self.start <= day && day < self.end
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Iterates the days of the period.
    pub fn iter_days(&self) -> impl Iterator<Item = Day> + use<> {
        let (start, count) = (self.start, self.days());
        (0..count).map(move |offset| start + Duration::days(offset))
    }

    pub fn start_time(&self) -> DateTime<Utc> {
        self.start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    pub fn end_time(&self) -> DateTime<Utc> {
        self.end.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    }

    /// `2026-10` for a whole calendar month, else `2026-10-01..2026-10-15` (end exclusive).
    pub fn label(&self) -> String {
        if *self == Self::month_of(self.start) { self.start.format("%Y-%m").to_string() } else { format!("{}..{}", self.start, self.end) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_period_is_the_month_before_or_as_many_days_before() {
        assert_eq!(Period::parse_month("2026-03").unwrap().previous(), Period::parse_month("2026-02").unwrap());
        assert_eq!(Period::parse_month("2026-01").unwrap().previous(), Period::parse_month("2025-12").unwrap());
        let ten = Period::new(day("2026-10-11"), day("2026-10-21"));
        assert_eq!(ten.previous(), Period::new(day("2026-10-01"), day("2026-10-11")));
    }

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn months_and_their_neighbours() {
        let december = Period::parse_month("2026-12").unwrap();
        assert_eq!((december.start, december.end), (day("2026-12-01"), day("2027-01-01")));
        assert_eq!(december.days(), 31);
        assert_eq!(december.previous_month().label(), "2026-11");
        assert_eq!(Period::new(day("2026-10-01"), day("2026-10-15")).label(), "2026-10-01..2026-10-15");
        assert!(Period::parse_month("2026-13").is_none());
    }
}

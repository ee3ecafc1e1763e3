//! The demo's calendar: the window, weekends, sprints, holidays and the time-of-day shapes that make
//! traffic look like a real company's. Only multipliers live here (floats shaping volume); nothing
//! here is a dollar.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use spendlens_model::Day;

/// US public holidays and company days off in 2026 the demo honours (engineers mostly offline).
const HOLIDAYS: [(i32, u32, u32); 5] = [(2026, 5, 25), (2026, 6, 19), (2026, 7, 3), (2026, 9, 7), (2026, 11, 26)];

/// The quiet last week of August: many people on leave.
const QUIET_WEEK: ((i32, u32, u32), (i32, u32, u32)) = ((2026, 8, 24), (2026, 8, 28));

/// Sprints are two weeks long, counted from this Monday.
const SPRINT_ANCHOR: (i32, u32, u32) = (2026, 1, 5);

fn date((year, month, day): (i32, u32, u32)) -> Option<Day> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The demo window and the rhythm of working life inside it.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// First day, inclusive.
    pub start: Day,
    /// Last day, inclusive.
    pub end: Day,
    pub holidays: Vec<Day>,
    pub quiet: Option<(Day, Day)>,
}

impl Calendar {
    pub fn new(end: Day, days: u32) -> Calendar {
        let start = end - Duration::days(i64::from(days.max(1)) - 1);
        let holidays = HOLIDAYS.iter().filter_map(|parts| date(*parts)).collect();
        let quiet = date(QUIET_WEEK.0).zip(date(QUIET_WEEK.1));
        Calendar { start, end, holidays, quiet }
    }

    pub fn days(&self) -> impl Iterator<Item = Day> + use<> {
        let start = self.start;
        let count = (self.end - self.start).num_days() + 1;
        (0..count).map(move |offset| start + Duration::days(offset))
    }

    pub fn day_count(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// 0.0 on the first day of the window, 1.0 on the last.
    pub fn progress(&self, day: Day) -> f64 {
        let span = (self.end - self.start).num_days().max(1) as f64;
        ((day - self.start).num_days() as f64 / span).clamp(0.0, 1.0)
    }

    pub fn is_holiday(&self, day: Day) -> bool {
        self.holidays.contains(&day)
    }

    pub fn is_quiet(&self, day: Day) -> bool {
        self.quiet.is_some_and(|(from, to)| from <= day && day <= to)
    }

    pub fn is_weekend(day: Day) -> bool {
        matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// How much engineers work on `day`: weekends and holidays low, the quiet week lower, the end of
    /// each sprint busier than its start.
    pub fn engineering_factor(&self, day: Day) -> f64 {
        let base = if self.is_holiday(day) {
            0.04
        } else if Calendar::is_weekend(day) {
            0.07
        } else if self.is_quiet(day) {
            0.35
        } else {
            1.0
        };
        base * self.sprint_factor(day)
    }

    /// Sprint rhythm: the first week of a sprint is calmer than the second, which ends in a push.
    pub fn sprint_factor(&self, day: Day) -> f64 {
        let Some(anchor) = date(SPRINT_ANCHOR) else {
            return 1.0;
        };
        let day_of_sprint = (day - anchor).num_days().rem_euclid(14);
        match day_of_sprint {
            0..=6 => 0.88,
            7..=9 => 1.08,
            _ => 1.22,
        }
    }

    /// How much a business-hours product feature is used on `day` (customers and staff).
    pub fn business_factor(&self, day: Day, weekend: f64) -> f64 {
        if Calendar::is_weekend(day) {
            weekend
        } else if self.is_holiday(day) {
            (weekend * 1.2).min(1.0)
        } else if self.is_quiet(day) {
            0.85
        } else {
            1.0
        }
    }
}

/// Time-of-day traffic shapes, by UTC hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diurnal {
    /// US office hours (Eastern and Pacific), quiet at night.
    UsBusiness,
    /// A customer-facing product: busy through the US day and evening, never silent.
    UsConsumer,
    /// Flat around the clock.
    Flat,
}

impl Diurnal {
    pub fn weight(self, utc_hour: u32) -> f64 {
        // US Eastern in summer is UTC-4; office hours there run 13:00-23:00 UTC, and Pacific adds 3 more.
        let eastern = (utc_hour + 20) % 24;
        match self {
            Diurnal::UsBusiness => match eastern {
                9..=17 => 1.0,
                7 | 8 | 18..=20 => 0.45,
                21..=23 => 0.2,
                _ => 0.08,
            },
            Diurnal::UsConsumer => match eastern {
                8..=21 => 1.0,
                6 | 7 | 22 | 23 => 0.55,
                _ => 0.25,
            },
            Diurnal::Flat => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn default_window_and_rhythm() {
        let calendar = Calendar::new(day("2026-10-31"), 180);
        assert_eq!(calendar.start, day("2026-05-05"));
        assert_eq!(calendar.days().count(), 180);
        let cases = [("2026-07-03", 0.1, "holiday"), ("2026-08-26", 0.5, "quiet week"), ("2026-10-10", 0.1, "Saturday")];
        for (text, at_most, why) in cases {
            assert!(calendar.engineering_factor(day(text)) < at_most, "{why}");
        }
        assert!(calendar.engineering_factor(day("2026-10-14")) > 0.8);
        assert!(Diurnal::UsBusiness.weight(17) > Diurnal::UsBusiness.weight(7));
    }
}

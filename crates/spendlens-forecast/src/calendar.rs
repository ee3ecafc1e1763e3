//! The holidays a forecast honours: the common US company set, observed (a Saturday holiday is
//! taken on the Friday before, a Sunday one on the Monday after). Engineers are mostly offline on
//! these days and business traffic dips; each series learns how much from its own past holidays.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use spendlens_model::Day;

/// The `n`-th (1-based) `weekday` of `month`, or the last one when `n` is 0.
fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u32) -> Option<Day> {
    if n == 0 {
        let next = if month == 12 { NaiveDate::from_ymd_opt(year + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(year, month + 1, 1)? };
        let mut day = next - Duration::days(1);
        while day.weekday() != weekday {
            day -= Duration::days(1);
        }
        return Some(day);
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let shift = (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    Some(first + Duration::days(i64::from(shift + 7 * (n - 1))))
}

/// A fixed-date holiday as observed on a weekday.
fn observed(year: i32, month: u32, day: u32) -> Option<Day> {
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    Some(match date.weekday() {
        Weekday::Sat => date - Duration::days(1),
        Weekday::Sun => date + Duration::days(1),
        _ => date,
    })
}

/// The observed holidays of `year`: New Year's Day, Martin Luther King Jr. Day, Presidents' Day,
/// Memorial Day, Juneteenth, Independence Day, Labor Day, Thanksgiving and Christmas Day.
pub fn holidays_of(year: i32) -> Vec<Day> {
    let mut days: Vec<Day> = [
        observed(year, 1, 1),
        nth_weekday(year, 1, Weekday::Mon, 3),
        nth_weekday(year, 2, Weekday::Mon, 3),
        nth_weekday(year, 5, Weekday::Mon, 0),
        observed(year, 6, 19),
        observed(year, 7, 4),
        nth_weekday(year, 9, Weekday::Mon, 1),
        nth_weekday(year, 11, Weekday::Thu, 4),
        observed(year, 12, 25),
    ]
    .into_iter()
    .flatten()
    .collect();
    days.sort();
    days
}

/// Whether `day` is one of [`holidays_of`] its year (or the next year's New Year's Day observed
/// on 31 December).
pub fn is_holiday(day: Day) -> bool {
    holidays_of(day.year()).contains(&day) || (day.month() == 12 && holidays_of(day.year() + 1).contains(&day))
}

/// The holidays between `from` and `until` (both inclusive).
pub fn holidays_between(from: Day, until: Day) -> Vec<Day> {
    (from.year()..=until.year() + 1).flat_map(holidays_of).filter(|day| from <= *day && *day <= until).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn the_2026_calendar_by_hand() {
        // Looked up on a 2026 calendar: 1 Jan Thu; MLK 19 Jan; Presidents 16 Feb; Memorial 25 May;
        // Juneteenth Fri 19 Jun; 4 July is a Saturday, observed Fri 3 Jul; Labor 7 Sep;
        // Thanksgiving 26 Nov; Christmas Fri 25 Dec.
        let expected =
            ["2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"];
        assert_eq!(holidays_of(2026), expected.iter().map(|text| day(text)).collect::<Vec<_>>());
        // 2027: New Year's Day a Friday; Christmas a Saturday, observed Friday 24 Dec;
        // Independence Day a Sunday, observed Monday 5 July.
        let y2027 = holidays_of(2027);
        assert!(y2027.contains(&day("2027-12-24")) && y2027.contains(&day("2027-07-05")) && y2027.contains(&day("2027-11-25")));
        assert!(is_holiday(day("2026-11-26")) && !is_holiday(day("2026-11-27")));
        assert_eq!(holidays_between(day("2026-11-01"), day("2026-12-31")), vec![day("2026-11-26"), day("2026-12-25")]);
    }
}

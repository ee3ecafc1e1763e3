//! Seat fees, prorated when a period is priced: one billed line per seat per calendar month held,
//! the monthly fee times the days held in the month over the month's days, rounded to the cent.
//! A seat open on its roster is held through every month asked for: the roster's day only says
//! how fresh the knowledge is (see [`roster_note`]).

use chrono::Datelike;
use rust_decimal::Decimal;
use spendlens_model::{CostKind, CostLine, Day, Path, Period, Seat, Source};

/// The fee lines of `seats` for every calendar month that overlaps `span`.
pub fn seat_fees(seats: &[Seat], span: Period) -> Vec<CostLine> {
    let mut lines = Vec::new();
    if span.days() <= 0 {
        return lines;
    }
    // Whole months: a month's fee is its own, whichever of its days the span shows.
    let months = Period::new(Period::month_of(span.start).start, Period::month_of(span.end - chrono::Duration::days(1)).end);
    for seat in seats {
        let held_from = seat.start.max(months.start);
        // Exclusive end of what is held within the months.
        let held_until = seat.end.and_then(|end| end.succ_opt()).map_or(months.end, |end| end.min(months.end));
        if held_until <= held_from {
            continue;
        }
        let mut month = Period::month_of(held_from);
        while month.start < held_until {
            let first_held = held_from.max(month.start);
            let end_held = held_until.min(month.end);
            let held = (end_held - first_held).num_days();
            let fee = seat.monthly.scale(Decimal::from(held) / Decimal::from(month.days())).round_cents();
            let mut line = CostLine::new(first_held, end_held, Source::Roster, fee, CostKind::SeatFee);
            line.description = format!(
                "{} seat {} {}-{:02} ({held}/{} days)",
                seat.seat_type,
                seat.email,
                month.start.year(),
                month.start.month(),
                month.days()
            );
            line.path = Path::ClaudeCode;
            line.identity.actor_email = Some(seat.email.clone());
            line.seat_type = Some(seat.seat_type.clone());
            line.team = seat.team.clone();
            lines.push(line);
            month = Period::month_of(month.end);
        }
    }
    lines
}

/// A word for a report whose period runs past the day its roster was loaded: seats open then are
/// billed as still held, which a newer roster may correct.
pub fn roster_note(roster_day: Option<Day>, period: Period) -> Option<String> {
    let day = roster_day?;
    (period.end > day.succ_opt().unwrap_or(day)).then(|| {
        format!(
            "The seat roster was loaded on {day}; seats open then are billed as held through {} (ingest a newer roster to correct it).",
            period.end - chrono::Duration::days(1)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use spendlens_model::Money;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    fn seat(email: &str, monthly: &str, start: &str, end: Option<&str>) -> Seat {
        Seat {
            email: email.into(),
            name: String::new(),
            team: None,
            seat_type: "team_premium".into(),
            monthly: monthly.parse().unwrap(),
            start: day(start),
            end: end.map(day),
        }
    }

    /// `(email, month start, amount)` of each fee line.
    fn fees(seats: &[Seat], span: Period) -> Vec<(String, Day, Money)> {
        seat_fees(seats, span).into_iter().map(|line| (line.identity.actor_email.unwrap(), line.start, line.amount)).collect()
    }

    #[test]
    fn table_of_prorations_to_the_cent() {
        let october = Period::parse_month("2026-10").unwrap();
        // (seat, span, expected fees): hand-computed as fee x days held / days in month.
        type Row = (Seat, Period, Vec<(&'static str, &'static str)>);
        let rows: Vec<Row> = vec![
            // Held all October: the whole fee, whatever day the roster was loaded.
            (seat("a@x.io", "150", "2026-09-01", None), october, vec![("2026-10-01", "150")]),
            // Joined on the 11th: 21 of 31 days of $30 = 20.322... -> $20.32.
            (seat("b@x.io", "30", "2026-10-11", None), october, vec![("2026-10-11", "20.32")]),
            // Left on the 10th (last day held): 10 of 31 days of $30 = 9.677... -> $9.68.
            (seat("c@x.io", "30", "2026-09-11", Some("2026-10-10")), october, vec![("2026-10-01", "9.68")]),
            // Both in one month: the 5th to the 20th, 16 of 31 days of $150 = 77.419... -> $77.42.
            (seat("d@x.io", "150", "2026-10-05", Some("2026-10-20")), october, vec![("2026-10-05", "77.42")]),
            // A span inside a month bills the whole month's fee once (a monthly fee).
            (seat("e@x.io", "25", "2026-01-01", None), Period::new(day("2026-10-10"), day("2026-10-15")), vec![("2026-10-01", "25")]),
            // Two months: September's 20 of 30 days ($20), then all of October.
            (
                seat("f@x.io", "30", "2026-09-11", None),
                Period::new(day("2026-09-01"), day("2026-11-01")),
                vec![("2026-09-11", "20"), ("2026-10-01", "30")],
            ),
            // Not held in the span: nothing.
            (seat("g@x.io", "30", "2026-11-01", None), october, vec![]),
            (seat("h@x.io", "30", "2026-01-01", Some("2026-09-30")), october, vec![]),
            // February of a leap year: 14 of 29 days of $29 = $14.00.
            (seat("i@x.io", "29", "2028-02-16", None), Period::parse_month("2028-02").unwrap(), vec![("2028-02-16", "14")]),
        ];
        for (seat, span, expected) in rows {
            let expected: Vec<(String, Day, Money)> =
                expected.into_iter().map(|(start, amount)| (seat.email.clone(), day(start), amount.parse().unwrap())).collect();
            assert_eq!(fees(std::slice::from_ref(&seat), span), expected, "{seat:?} over {span:?}");
        }
    }

    #[test]
    fn regression_a_roster_loaded_mid_month_bills_the_whole_month() {
        // A roster loaded on 10 October used to bill 10/31 of each open seat for every later
        // October report. Proration now ignores the roster's day; only the note names it.
        let seats = [seat("a@x.io", "150", "2026-09-01", None)];
        let october = Period::parse_month("2026-10").unwrap();
        assert_eq!(fees(&seats, october), vec![("a@x.io".to_string(), day("2026-10-01"), "150".parse().unwrap())]);
        let note = roster_note(Some(day("2026-10-10")), october).unwrap();
        assert!(note.contains("2026-10-10") && note.contains("2026-10-31"), "{note}");
        assert_eq!(roster_note(Some(day("2026-10-31")), october), None, "loaded on the last day: fresh");
        assert_eq!(roster_note(None, october), None);
    }

    #[test]
    fn a_seat_record_round_trips_through_its_stored_line() {
        let held = seat("a@x.io", "150.5", "2026-09-01", Some("2026-10-10"));
        let open = seat("b@x.io", "30", "2026-09-01", None);
        for seat in [held, open] {
            let line = seat.to_record(day("2026-10-12"));
            assert_eq!(Seat::from_record(&line), Some((seat.clone(), day("2026-10-12"))));
        }
    }
}

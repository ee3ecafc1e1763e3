//! The seat roster: `email,name,team,seat_type,monthly_usd,start,end` (CSV, dates `YYYY-MM-DD`,
//! `end` empty while the seat is held, else the last day held). Seat fees become billed cost lines
//! per seat per month, prorated by day and rounded to the cent.

use chrono::Datelike;
use spendlens_model::{CostKind, CostLine, Day, Money, Path, Period, Source};

use crate::IngestError;
use crate::error::Location;

const HEADER: [&str; 7] = ["email", "name", "team", "seat_type", "monthly_usd", "start", "end"];

/// One seat as the roster lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub email: String,
    pub name: String,
    pub team: Option<String>,
    pub seat_type: String,
    pub monthly: Money,
    pub start: Day,
    /// Last day held, inclusive; `None` while held.
    pub end: Option<Day>,
}

/// Parses a roster CSV. Errors name the row (the header is row 1) and the column.
pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<Seat>, IngestError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
    let cell =
        |row: usize, column: &str, detail: String| IngestError::malformed(file, Location::Cell { row, column: column.to_string() }, detail);
    let header = reader.headers().map_err(|error| cell(1, "", error.to_string()))?.clone();
    let names: Vec<&str> = header.iter().collect();
    if names != HEADER {
        return Err(IngestError::malformed(
            file,
            Location::Line { line: 1, column: None },
            format!("header is {:?}; expected exactly {}", names.join(","), HEADER.join(",")),
        ));
    }
    let mut seats = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = record.map_err(|error| cell(row, "", error.to_string()))?;
        let field = |column: usize| record.get(column).unwrap_or("").to_string();
        let email = field(0).to_ascii_lowercase();
        if !email.contains('@') {
            return Err(cell(row, "email", format!("{email:?} is not an email address")));
        }
        let day = |column: usize| -> Result<Option<Day>, IngestError> {
            let text = field(column);
            if text.is_empty() {
                return Ok(None);
            }
            text.parse::<Day>().map(Some).map_err(|_| cell(row, HEADER[column], format!("{text:?} is not a date (YYYY-MM-DD)")))
        };
        let start = day(5)?.ok_or_else(|| cell(row, "start", "a seat needs a start date".to_string()))?;
        let end = day(6)?;
        if end.is_some_and(|end| end < start) {
            return Err(cell(row, "end", format!("the seat ends ({}) before it starts ({start})", field(6))));
        }
        let monthly: Money = field(4).parse().map_err(|_| cell(row, "monthly_usd", format!("{:?} is not an amount", field(4))))?;
        if monthly < Money::ZERO {
            return Err(cell(row, "monthly_usd", "a seat fee cannot be negative".to_string()));
        }
        let team = field(2);
        seats.push(Seat {
            email,
            name: field(1),
            team: if team.is_empty() { None } else { Some(team) },
            seat_type: field(3),
            monthly,
            start,
            end,
        });
    }
    Ok(seats)
}

/// Seat fees as cost lines, one per seat per calendar month held, up to and including `until`.
pub fn seat_fees(seats: &[Seat], until: Day) -> Vec<CostLine> {
    let mut lines = Vec::new();
    for seat in seats {
        let last = seat.end.map_or(until, |end| end.min(until));
        if last < seat.start {
            continue;
        }
        let mut month = Period::month_of(seat.start);
        while month.start <= last {
            let first_held = seat.start.max(month.start);
            let end_held = (last + chrono::Duration::days(1)).min(month.end);
            let held = (end_held - first_held).num_days();
            let fee = seat.monthly.scale(rust_decimal::Decimal::from(held) / rust_decimal::Decimal::from(month.days())).round_cents();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    const ROSTER: &str = "email,name,team,seat_type,monthly_usd,start,end\n\
        ana@acme.example,Ana Silva,payments,team_premium,150,2026-09-01,\n\
        bo@acme.example,Bo Lee,,team_standard,30.00,2026-09-11,2026-10-10\n";

    #[test]
    fn seat_fees_are_prorated_by_day_to_the_cent() {
        let seats = read("roster.csv", ROSTER.as_bytes()).unwrap();
        assert_eq!(seats[1].team, None);
        let fees = seat_fees(&seats, day("2026-10-31"));
        let amounts: Vec<(String, String)> =
            fees.iter().map(|line| (line.identity.actor_email.clone().unwrap(), line.amount.to_string())).collect();
        // Bo: 20 of 30 September days ($20.00), then 10 of 31 October days (30 x 10/31 = 9.677 -> $9.68).
        assert_eq!(
            amounts,
            vec![
                ("ana@acme.example".into(), "$150.00".into()),
                ("ana@acme.example".into(), "$150.00".into()),
                ("bo@acme.example".into(), "$20.00".into()),
                ("bo@acme.example".into(), "$9.68".into()),
            ]
        );
        assert_eq!((fees[3].start, fees[3].end), (day("2026-10-01"), day("2026-10-11")));
        // Up to mid-month: 15 of 31 October days of Ana's $150 = 72.58.
        let partial = seat_fees(&seats[..1], day("2026-10-15"));
        assert_eq!(partial[1].amount.to_string(), "$72.58");
    }

    #[test]
    fn errors_name_row_and_column() {
        let bad_date = ROSTER.replace("2026-09-11", "11/09/2026");
        assert_eq!(
            read("roster.csv", bad_date.as_bytes()).unwrap_err().to_string(),
            "roster.csv: row 3, column \"start\": \"11/09/2026\" is not a date (YYYY-MM-DD)"
        );
        let bad_fee = ROSTER.replace("30.00", "thirty");
        assert!(read("roster.csv", bad_fee.as_bytes()).unwrap_err().to_string().contains("row 3, column \"monthly_usd\""));
        let bad_header = ROSTER.replace("seat_type", "plan");
        assert!(read("roster.csv", bad_header.as_bytes()).unwrap_err().to_string().contains("line 1"));
    }
}

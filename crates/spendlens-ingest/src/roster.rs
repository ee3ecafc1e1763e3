//! The seat roster: `email,name,team,seat_type,monthly_usd,start,end` (CSV, dates `YYYY-MM-DD`,
//! `end` empty while the seat is held, else the last day held), read into [`Seat`]s. Fees are
//! prorated when a period is priced (`spendlens_analysis::seats`).

use rust_decimal::Decimal;
use spendlens_model::{Day, Money, Seat};

use crate::IngestError;
use crate::error::Location;
use crate::wire::MOST_COUNT;

const HEADER: [&str; 7] = ["email", "name", "team", "seat_type", "monthly_usd", "start", "end"];

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
        // The most one line may bill, as for every other source (10^15 cents): more is a damaged
        // cell, refused here with its row before the store would refuse it with none.
        if monthly > Money::from_cents_decimal(Decimal::from(MOST_COUNT)) {
            return Err(cell(row, "monthly_usd", format!("{:?} is more than any real seat fee", field(4))));
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
    fn seats_are_read_with_their_fields() {
        let seats = read("roster.csv", ROSTER.as_bytes()).unwrap();
        assert_eq!(seats[1].team, None);
        assert_eq!((seats[0].email.as_str(), seats[0].monthly, seats[0].end), ("ana@acme.example", Money::from_cents(15000), None));
        assert_eq!((seats[1].start, seats[1].end), (day("2026-09-11"), Some(day("2026-10-10"))));
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

    #[test]
    fn regression_a_fee_past_any_real_bill_is_refused_naming_its_cell() {
        // Found by fuzzing (fuzz/fuzz_targets/roster_csv.rs): such a fee was read, and storing it
        // then failed with an error from the store naming neither the file nor the row.
        let absurd = ROSTER.replace("30.00", "41633276555247251911250.50");
        assert_eq!(
            read("roster.csv", absurd.as_bytes()).unwrap_err().to_string(),
            "roster.csv: row 3, column \"monthly_usd\": \"41633276555247251911250.50\" is more than any real seat fee"
        );
        let most = ROSTER.replace("30.00", "10000000000000.00");
        assert_eq!(read("roster.csv", most.as_bytes()).unwrap()[1].monthly, Money::from_cents(1_000_000_000_000_000));
    }
}

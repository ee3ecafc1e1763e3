//! Arbitrary bytes as a seat roster: the reader must never panic, a rejection names the file
//! and says why, and every seat it accepts has an email, a fee it can bill and a span.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spendlens_fuzz::{assert_clear_rejection, assert_lower_case, most_money};
use spendlens_model::Money;

fuzz_target!(|data: &[u8]| {
    let seats = match spendlens_ingest::roster::read("fuzz.csv", data) {
        Ok(seats) => seats,
        Err(error) => return assert_clear_rejection("fuzz.csv", &error),
    };
    // One row a line at least, after the header.
    assert!(seats.len() <= data.iter().filter(|byte| **byte == b'\n' || **byte == b'\r').count(), "{} seats", seats.len());
    for seat in &seats {
        assert!(seat.email.contains('@'), "a seat of {:?}", seat.email);
        assert_lower_case("email", Some(&seat.email));
        assert!(seat.monthly >= Money::ZERO && seat.monthly <= most_money(), "a monthly fee of {}", seat.monthly);
        if let Some(end) = seat.end {
            assert!(end >= seat.start, "a seat ending ({end}) before it starts ({})", seat.start);
        }
    }
});

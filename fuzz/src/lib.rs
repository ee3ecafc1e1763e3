//! What every reader promises, checked by the fuzz targets: a rejection is a clear error naming
//! the input, and what is accepted is plausible (counts at most 10^15, dates from 2000 to 2100,
//! amounts at most ten trillion dollars), the bounds `spendlens_ingest` refuses past.

use chrono::{DateTime, NaiveDate, Utc};
use spendlens_ingest::IngestError;
use spendlens_model::{CostLine, Day, Money, UsageLine};

/// The most of anything one line may count.
pub const MOST_COUNT: u64 = 1_000_000_000_000_000;

/// The first day a source may speak of.
pub const EARLIEST: Day = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// The first day past what a source may speak of.
pub const LATEST: Day = match NaiveDate::from_ymd_opt(2100, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// The most one line may bill, either way: 10^15 cents.
pub fn most_money() -> Money {
    Money::from_cents(MOST_COUNT as i64)
}

/// A rejection names `file` first and says what is wrong.
pub fn assert_clear_rejection(file: &str, error: &IngestError) {
    let text = error.to_string();
    assert!(text.starts_with(&format!("{file}: ")), "an error not naming {file}: {text:?}");
    match error {
        IngestError::Malformed { detail, .. } => assert!(!detail.trim().is_empty(), "an error with no detail: {text:?}"),
        IngestError::Io { .. } => panic!("an I/O error from bytes in memory: {text:?}"),
    }
}

/// A day a source may speak of.
pub fn assert_plausible_day(what: &str, day: Day) {
    assert!((EARLIEST..LATEST).contains(&day), "{what} {day} is outside 2000-2100");
}

fn assert_plausible_time(what: &str, time: DateTime<Utc>) {
    assert_plausible_day(what, time.date_naive());
}

/// A count no sum can overflow.
pub fn assert_plausible_count(what: &str, count: u64) {
    assert!(count <= MOST_COUNT, "{what} {count} is past {MOST_COUNT}");
}

/// A usage line: counts bounded, times within 2000-2100, ending no earlier than it starts.
pub fn assert_plausible_usage(line: &UsageLine) {
    let tokens = &line.quantities.tokens;
    for (what, count) in [
        ("input tokens", tokens.input),
        ("5-minute cache writes", tokens.cache_write_5m),
        ("1-hour cache writes", tokens.cache_write_1h),
        ("cache reads", tokens.cache_read),
        ("output tokens", tokens.output),
        ("web searches", line.quantities.web_search_requests),
        ("code execution seconds", line.quantities.code_execution_seconds),
        ("requests", line.quantities.requests.unwrap_or(0)),
    ] {
        assert_plausible_count(what, count);
    }
    assert_plausible_time("start", line.start);
    assert_plausible_time("end", line.end);
    assert!(line.end >= line.start, "a line ending ({}) before it starts ({})", line.end, line.start);
    if let Some(cost) = line.reported_cost {
        assert!(cost.abs() <= most_money(), "a reported cost of {cost}");
    }
}

/// A cost line: an amount bounded either way, whole days within 2000-2100 (its end exclusive).
pub fn assert_plausible_cost(line: &CostLine) {
    assert!(line.amount.abs() <= most_money(), "an amount of {}", line.amount);
    assert_plausible_day("start", line.start);
    assert!(line.start < line.end && line.end <= LATEST, "a cost line over {} .. {}", line.start, line.end);
}

/// No ASCII capital: emails are kept lower-case.
pub fn assert_lower_case(what: &str, text: Option<&str>) {
    if let Some(text) = text {
        assert!(!text.bytes().any(|byte| byte.is_ascii_uppercase()), "{what} {text:?} is not lower-case");
    }
}

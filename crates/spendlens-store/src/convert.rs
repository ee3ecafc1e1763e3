//! Exact conversions between the model's values and their Arrow column encodings.
//!
//! Money is stored as `Decimal128(38, 18)`: a `rust_decimal` amount is rescaled to 18 decimal
//! places (rounded half away from zero only when it carries more than 18) and read back exactly.
//! Nothing here goes through `f64`. Days are `Date32` (days since 1970-01-01) and instants are
//! microseconds since the epoch in UTC (sub-microsecond precision is not kept).

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use spendlens_model::{Day, Money};

/// Precision of the money columns: the widest `Decimal128`.
pub(crate) const MONEY_PRECISION: u8 = 38;
/// Scale of the money columns: enough for sub-micro-cent token prices.
pub(crate) const MONEY_SCALE: i8 = 18;

/// `10^38`: the first magnitude a `Decimal128(38, _)` cannot hold.
const DECIMAL128_LIMIT: u128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// The unscaled `Decimal128(38, 18)` value of `money`, or `None` when it does not fit
/// (more than 10^20 dollars).
pub(crate) fn money_to_decimal128(money: Money) -> Option<i128> {
    let mut decimal = money.as_decimal();
    let target = MONEY_SCALE.unsigned_abs().into();
    if decimal.scale() > target {
        decimal = decimal.round_dp_with_strategy(target, RoundingStrategy::MidpointAwayFromZero);
    }
    let factor = 10i128.checked_pow(target - decimal.scale())?;
    let value = decimal.mantissa().checked_mul(factor)?;
    (value.unsigned_abs() < DECIMAL128_LIMIT).then_some(value)
}

/// The money of an unscaled `Decimal128(_, 18)` value, normalised (no trailing zeros), or `None`
/// when `rust_decimal` cannot represent it exactly.
pub(crate) fn decimal128_to_money(value: i128) -> Option<Money> {
    let mut mantissa = value;
    let mut scale = MONEY_SCALE.unsigned_abs().into();
    // Trailing zeros are dropped first so that large whole amounts still fit in 96 bits.
    while scale > 0 && mantissa % 10 == 0 {
        mantissa /= 10;
        scale -= 1;
    }
    Decimal::try_from_i128_with_scale(mantissa, scale).ok().map(|decimal| Money::from_decimal(decimal.normalize()))
}

/// The epoch day: `Date32` counts days from here.
fn epoch() -> Day {
    DateTime::UNIX_EPOCH.date_naive()
}

/// `Date32` value of a day.
pub(crate) fn day_to_date32(day: Day) -> Option<i32> {
    i32::try_from((day - epoch()).num_days()).ok()
}

/// The day of a `Date32` value.
pub(crate) fn date32_to_day(value: i32) -> Option<Day> {
    epoch().checked_add_signed(chrono::Duration::days(value.into()))
}

/// Microseconds since the epoch of a UTC instant.
pub(crate) fn instant_to_micros(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_micros()
}

/// The UTC instant of microseconds since the epoch.
pub(crate) fn micros_to_instant(value: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(value)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn money_round_trips_exactly_through_decimal128() {
        let cases = [
            ("0", 0i128),
            ("1", 1_000_000_000_000_000_000),
            ("1.234567890123", 1_234_567_890_123_000_000),
            ("-42.5", -42_500_000_000_000_000_000),
            ("0.000000000000000001", 1),
            ("79228162514.264337593543950335", 79_228_162_514_264_337_593_543_950_335),
            ("100000000000000000000", -1), // 10^20 dollars: sentinel, checked below
        ];
        for (text, expected) in cases {
            let value = money(text);
            if expected == -1 {
                assert_eq!(money_to_decimal128(value), None, "{text} does not fit");
                continue;
            }
            let encoded = money_to_decimal128(value).unwrap();
            assert_eq!(encoded, expected, "{text}");
            assert_eq!(decimal128_to_money(encoded).unwrap(), value, "{text}");
        }
    }

    #[test]
    fn more_than_eighteen_places_round_half_away_from_zero() {
        let cases = [
            ("0.0000000000000000015", 2i128),
            ("-0.0000000000000000015", -2),
            ("0.0000000000000000014999", 1),
            ("1.0000000000000000004", 1_000_000_000_000_000_000),
        ];
        for (text, expected) in cases {
            assert_eq!(money_to_decimal128(money(text)), Some(expected), "{text}");
        }
    }

    #[test]
    fn read_back_is_normalised_and_large_wholes_fit() {
        let read = decimal128_to_money(1_500_000_000_000_000_000).unwrap();
        assert_eq!(read.as_decimal().to_string(), "1.5");
        // 10^19 dollars is 10^37 at scale 18: beyond 96 bits until its zeros are dropped.
        let huge = 10i128.pow(37);
        assert_eq!(decimal128_to_money(huge).unwrap(), money("10000000000000000000"));
        // A value with 18 significant places and 20 whole digits cannot be held by rust_decimal.
        assert_eq!(decimal128_to_money(10i128.pow(37) + 1), None);
    }

    #[test]
    fn days_and_instants_round_trip() {
        let day: Day = "2026-03-15".parse().unwrap();
        assert_eq!(date32_to_day(day_to_date32(day).unwrap()), Some(day));
        assert_eq!(day_to_date32("1970-01-02".parse().unwrap()), Some(1));
        let instant = DateTime::parse_from_rfc3339("2026-03-15T10:11:12.123456Z").unwrap().with_timezone(&Utc);
        assert_eq!(micros_to_instant(instant_to_micros(instant)), Some(instant));
    }
}

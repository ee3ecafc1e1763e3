//! Exact money. A dollar amount is a [`rust_decimal::Decimal`] in a newtype; `f64` never holds one.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An exact amount of US dollars.
///
/// Serialised as a decimal string (`"12.3456"`) so that no JSON reader turns it into a float.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub const fn from_decimal(value: Decimal) -> Self {
        Money(value)
    }

    /// Whole cents, e.g. `Money::from_cents(1234)` is $12.34.
    pub fn from_cents(cents: i64) -> Self {
        Money(Decimal::new(cents, 2))
    }

    /// A cent-denominated decimal (Anthropic cost reports give `"123.45"` meaning $1.2345).
    pub fn from_cents_decimal(cents: Decimal) -> Self {
        Money(cents / Decimal::ONE_HUNDRED)
    }

    pub const fn as_decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    pub fn abs(self) -> Self {
        Money(self.0.abs())
    }

    /// Rounded to the cent, half away from zero (how invoices round).
    pub fn round_cents(self) -> Self {
        Money(self.0.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// Rounded to `dp` decimal places, half away from zero.
    pub fn round_dp(self, dp: u32) -> Self {
        Money(self.0.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero))
    }

    /// Multiply by an exact factor (a share, a multiplier).
    pub fn scale(self, factor: Decimal) -> Self {
        Money(self.0 * factor)
    }

    /// The exact decimal with trailing zeros removed, for machine-readable output.
    pub fn to_exact_string(self) -> String {
        self.0.normalize().to_string()
    }

    /// For charts and statistics only: never feed the result back into a ledger amount.
    pub fn to_f64_lossy(self) -> f64 {
        use rust_decimal::prelude::ToPrimitive;
        self.0.to_f64().unwrap_or(0.0)
    }

    /// Split this amount over `weights` so that the parts sum to exactly `self`.
    ///
    /// Parts are proportional to the weights (rounded to 12 decimal places); the rounding
    /// remainder goes to the largest part. All-zero or empty weights split evenly.
    pub fn allocate(self, weights: &[Decimal]) -> Vec<Money> {
        if weights.is_empty() {
            return Vec::new();
        }
        let total: Decimal = weights.iter().copied().sum();
        let mut parts: Vec<Money> = if total.is_zero() {
            let n = Decimal::from(weights.len());
            weights.iter().map(|_| Money((self.0 / n).round_dp(12))).collect()
        } else {
            weights.iter().map(|w| Money((self.0 * *w / total).round_dp(12))).collect()
        };
        let assigned: Money = parts.iter().copied().sum();
        let remainder = self - assigned;
        if !remainder.is_zero() {
            let largest = parts.iter().enumerate().max_by_key(|(_, part)| part.abs()).map(|(index, _)| index).unwrap_or(0);
            parts[largest] += remainder;
        }
        parts
    }
}

impl fmt::Display for Money {
    /// `$1,234.56`: rounded to the cent with thousands separators, for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = self.round_cents().0;
        let negative = rounded.is_sign_negative() && !rounded.is_zero();
        let text = format!("{:.2}", rounded.abs());
        let (whole, cents) = text.split_once('.').unwrap_or((text.as_str(), "00"));
        let grouped = group_digits(whole);
        let sign = if negative { "-" } else { "" };
        let body = format!("{sign}${grouped}.{cents}");
        f.pad(&body)
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    /// Parses `12.34`, `$12.34` or `1,234.56`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let cleaned: String = text.trim().chars().filter(|c| *c != '$' && *c != ',').collect();
        Decimal::from_str_exact(&cleaned).map(Money)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0 - other.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, other: Money) {
        self.0 -= other.0;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

/// `1,234,567`: a count with thousands separators, for people.
pub fn thousands(value: u64) -> String {
    group_digits(&value.to_string())
}

/// ASCII `digits` with a comma before every group of three from the right.
fn group_digits(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn counts_group_their_thousands() {
        let cases = [(0, "0"), (999, "999"), (1_000, "1,000"), (65_432, "65,432"), (1_234_567, "1,234,567")];
        for (value, text) in cases {
            assert_eq!(thousands(value), text);
        }
    }

    #[test]
    fn display_rounds_to_cents_with_separators() {
        let cases = [
            ("0", "$0.00"),
            ("0.005", "$0.01"),
            ("-0.004", "$0.00"),
            ("1234567.891", "$1,234,567.89"),
            ("-1500", "-$1,500.00"),
            ("999.995", "$1,000.00"),
        ];
        for (input, shown) in cases {
            assert_eq!(money(input).to_string(), shown, "{input}");
        }
    }

    #[test]
    fn cost_report_cents_become_dollars() {
        let cents = Decimal::from_str_exact("123.45").unwrap();
        assert_eq!(Money::from_cents_decimal(cents), money("1.2345"));
    }

    #[test]
    fn allocation_sums_exactly_to_the_whole() {
        let whole = money("10.00");
        let parts = whole.allocate(&[Decimal::ONE, Decimal::ONE, Decimal::ONE]);
        assert_eq!(parts.iter().sum::<Money>(), whole);
        assert_eq!(parts[1], money("3.333333333333"));
        let uneven = money("0.07").allocate(&[Decimal::from(3), Decimal::from(1)]);
        assert_eq!(uneven, vec![money("0.0525"), money("0.0175")]);
        let zero_weights = money("1").allocate(&[Decimal::ZERO, Decimal::ZERO]);
        assert_eq!(zero_weights, vec![money("0.5"), money("0.5")]);
    }

    #[test]
    fn parses_dollar_signs_and_commas() {
        assert_eq!(money("$1,234.50"), Money::from_cents(123450));
        assert!("12..3".parse::<Money>().is_err());
    }

    #[test]
    fn serialises_as_a_string() {
        assert_eq!(serde_json::to_string(&money("1.50")).unwrap(), "\"1.50\"");
        assert_eq!(money("1.50").to_exact_string(), "1.5");
    }
}

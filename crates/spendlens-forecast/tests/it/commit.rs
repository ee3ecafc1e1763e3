//! The commitment search against the newsvendor's closed form, hand-computed outcomes, tiers, and
//! the property that a larger discount never lowers the commitment.

use rust_decimal::Decimal;
use spendlens_forecast::{Terms, Tier, level, sensitivity, size};
use spendlens_model::Money;

use crate::Seeded;

fn dollars(text: &str) -> Money {
    text.parse().unwrap()
}

fn decimal(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// $1, $2, ..., $100, equally likely.
fn uniform_100() -> Vec<Money> {
    (1..=100).map(|dollars| Money::from_cents(dollars * 100)).collect()
}

#[test]
fn uniform_spend_matches_the_critical_fractile_and_hand_computed_outcomes() {
    // 20% off, overage at list: commit while P(S > C) > (1 - d) / r = 0.8, i.e. the 20th
    // percentile. On {1..100}: C = 20 (P(S > 20) = 0.8 exactly: 20 and 21 cost the same; the
    // smaller is kept).
    let terms = Terms::flat(decimal("0.2"), Decimal::ONE);
    let sizing = size(&uniform_100(), &terms);
    let recommended = &sizing.recommended;
    assert_eq!(recommended.commitment_usd, dollars("20"));
    // Expected cost 0.8 x 20 + sum_{s=21..100}(s - 20) / 100 = 16 + 3240/100 = 48.40; spend 50.50.
    assert_eq!(recommended.expected_cost_usd, dollars("48.40"));
    assert_eq!(sizing.expected_spend_usd, dollars("50.50"));
    assert_eq!(recommended.expected_saving_usd, dollars("2.10"));
    assert_eq!(recommended.shortfall_probability, decimal("0.8"));
    // Waste sum_{s=1..20}(20 - s) / 100 = 190 / 100.
    assert_eq!(recommended.expected_waste_usd, dollars("1.90"));

    // 10% off, overage at 1.5x list: the best contract is the 1 - 0.9 / 1.5 = 0.4 fractile, $40,
    // but it costs 0.9 x 40 + 1.5 x sum_{41..100}(s - 40) / 100 = 36 + 27.45 = 63.45, more than
    // list (50.50): no contract is recommended.
    let sizing = size(&uniform_100(), &Terms::flat(decimal("0.1"), decimal("1.5")));
    assert_eq!(sizing.best_contract.commitment_usd, dollars("40"));
    assert_eq!(sizing.best_contract.expected_cost_usd, dollars("63.45"));
    assert_eq!(sizing.recommended.commitment_usd, Money::ZERO);
    // No discount: committing can only waste (C + E[(S - C)+] = E[max(S, C)] >= E[S]), so no
    // contract, at list: nothing saved.
    let sizing = size(&uniform_100(), &Terms::flat(Decimal::ZERO, Decimal::ONE));
    assert_eq!(sizing.recommended.commitment_usd, Money::ZERO);
    assert_eq!(sizing.recommended.expected_saving_usd, Money::ZERO);
    assert_eq!(sizing.recommended.shortfall_probability, Decimal::ONE);
}

#[test]
fn exponential_spend_matches_the_closed_form_quantile() {
    // S ~ Exponential(mean 1000), as 2000 equally likely quantiles. The optimum is
    // F^-1(1 - (1 - d) / r) = -1000 ln((1 - d) / r).
    let scenarios: Vec<Money> = (0..2000)
        .map(|j| {
            let p = (j as f64 + 0.5) / 2000.0;
            Money::from_decimal(Decimal::from_f64_retain(-1000.0 * (1.0 - p).ln()).unwrap()).round_cents()
        })
        .collect();
    for (discount, rate) in [(0.2, 1.0), (0.3, 1.0), (0.1, 1.25), (0.25, 2.0)] {
        let terms = Terms::flat(Decimal::from_f64_retain(discount).unwrap(), Decimal::from_f64_retain(rate).unwrap());
        let found = size(&scenarios, &terms).best_contract.commitment_usd.to_f64_lossy();
        let closed = -1000.0 * ((1.0 - discount) / rate).ln();
        // One scenario step near the answer is 1000 / (2000 (1 - p)) dollars, under $2.
        assert!((found - closed).abs() < 2.0, "d {discount} r {rate}: found {found}, closed form {closed}");
    }
}

#[test]
fn a_tier_threshold_can_be_the_answer() {
    // No discount below $50, 30% from $50. Inside the tier the fractile (0.3) is $30, below the
    // threshold, so the best tiered commitment is the threshold: 0.7 x 50 + sum_{51..100}(s - 50)
    // / 100 = 35 + 12.75 = 47.75, against 50.50 with nothing committed.
    let terms = Terms {
        tiers: vec![
            Tier { min_commitment_usd: Money::ZERO, discount: Decimal::ZERO },
            Tier { min_commitment_usd: dollars("50"), discount: decimal("0.3") },
        ],
        overage_rate: Decimal::ONE,
    };
    let sizing = size(&uniform_100(), &terms);
    assert_eq!(sizing.recommended.commitment_usd, dollars("50"));
    assert_eq!(sizing.recommended.expected_cost_usd, dollars("47.75"));
    assert_eq!(sizing.recommended.discount, decimal("0.3"));
    assert_eq!(level(&uniform_100(), &terms, dollars("49")).discount, Decimal::ZERO);
}

#[test]
fn the_sensitivity_table_runs_from_nothing_through_the_deciles_with_the_recommendation() {
    let terms = Terms::flat(decimal("0.2"), Decimal::ONE);
    let table = sensitivity(&uniform_100(), &terms, dollars("20"));
    let levels: Vec<Money> = table.iter().map(|level| level.commitment_usd).collect();
    // Deciles of {1..100}: the 10th, 20th ... 90th sorted scenario is 11, 21, ..., 91.
    let expected: Vec<Money> = ["0", "11", "20", "21", "31", "41", "51", "61", "71", "81", "91"].iter().map(|text| dollars(text)).collect();
    assert_eq!(levels, expected);
    assert!(table.windows(2).all(|pair| pair[0].shortfall_probability >= pair[1].shortfall_probability));
    // The recommended level is the cheapest row.
    let cheapest = table.iter().min_by_key(|level| level.expected_cost_usd).unwrap();
    assert_eq!(cheapest.commitment_usd, dollars("20"));
}

#[test]
fn property_a_larger_discount_never_lowers_the_commitment() {
    let mut random = Seeded::new(15);
    for case in 0..400 {
        let count = 5 + random.below(120) as usize;
        let centre = 1_000.0 + random.unit() * 100_000.0;
        let spread = random.unit() * 0.6;
        let scenarios: Vec<Money> = (0..count)
            .map(|_| {
                let value = centre * (1.0 + spread * (2.0 * random.unit() - 1.0));
                Money::from_decimal(Decimal::from_f64_retain(value).unwrap()).round_cents()
            })
            .collect();
        let rate = Decimal::from(100 + random.below(150)) / Decimal::ONE_HUNDRED;
        let low = Decimal::from(random.below(60)) / Decimal::ONE_HUNDRED;
        let high = low + Decimal::from(random.below(40)) / Decimal::ONE_HUNDRED;
        let flat = |discount| size(&scenarios, &Terms::flat(discount, rate));
        let (at_high, at_low) = (flat(high), flat(low));
        assert!(at_high.recommended.commitment_usd >= at_low.recommended.commitment_usd, "case {case}: {high} against {low}");
        assert!(at_high.best_contract.commitment_usd >= at_low.best_contract.commitment_usd, "case {case}: best contracts");
        // Tiers: every tier's discount raised by the same step.
        let threshold = Money::from_decimal(Decimal::from_f64_retain(centre * random.unit()).unwrap()).round_cents();
        let tiered = |step: Decimal| {
            let tiers = vec![
                Tier { min_commitment_usd: Money::ZERO, discount: low / Decimal::TWO + step },
                Tier { min_commitment_usd: threshold, discount: low + step },
            ];
            size(&scenarios, &Terms { tiers, overage_rate: rate }).recommended.commitment_usd
        };
        let step = high - low;
        assert!(tiered(step) >= tiered(Decimal::ZERO), "case {case}: tiers raised by {step}");
    }
}

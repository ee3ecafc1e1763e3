//! The decomposition behind spikes: factors summing to the change exactly for random windows
//! (a seeded generator, thousands of cases, zeros and missing models included), and hand-computed
//! cases where one factor alone moves.

use rust_decimal::Decimal;
use spendlens_analysis::decompose::{API_COUNTS, CLAUDE_CODE_COUNTS, Cell, Structure, UNIT_KINDS, Window, decompose, to_cents};
use spendlens_model::Money;

/// xorshift64*: reproducible without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn random_window(random: &mut Random, counts: usize) -> Window {
    let mut window = Window::default();
    for _ in 0..counts {
        // A zero count now and then: the chain must drop it and stay exact.
        window.counts.push(Decimal::from(if random.below(6) == 0 { 0 } else { random.below(50_000) + 1 }));
    }
    for model in ["haiku", "sonnet", "opus"] {
        for batch in [false, true] {
            if random.below(3) == 0 {
                continue;
            }
            let mut cell = Cell::default();
            for kind in 0..UNIT_KINDS {
                if random.below(4) == 0 {
                    continue;
                }
                cell.units[kind] = Decimal::from(random.below(5_000_000));
                // Dollars at a rate in millionths of a dollar, to 10 decimal places; sometimes
                // dollars with no units (they must show as unmatched).
                cell.dollars[kind] = cell.units[kind] * Decimal::new(random.below(30_000) as i64 + 1, 10)
                    + if random.below(20) == 0 { Decimal::new(random.below(10_000) as i64, 2) } else { Decimal::ZERO };
            }
            window.cells.insert((model.to_string(), batch), cell);
        }
    }
    if random.below(5) == 0 {
        window.unmatched = Decimal::new(random.below(100_000) as i64, 3);
    }
    window
}

#[test]
fn factors_sum_to_the_change_exactly_for_random_windows() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    for case in 0..3000 {
        let (structure, counts) =
            if case % 2 == 0 { (Structure::Api, &API_COUNTS[..]) } else { (Structure::ClaudeCode, &CLAUDE_CODE_COUNTS[..]) };
        let before = random_window(&mut random, counts.len());
        let after = random_window(&mut random, counts.len());
        let raw = decompose(structure, counts, &before, &after);
        let change = after.dollars() - before.dollars();
        let sum: Decimal = raw.iter().map(|(_, value)| *value).sum();
        assert!((sum - change).abs() < Decimal::new(1, 15), "case {case}: raw sum {sum} against {change}");
        let total = Money::from_decimal(change).round_cents();
        let cents = to_cents(&raw, total);
        assert_eq!(cents.iter().map(|(_, usd)| *usd).sum::<Money>(), total, "case {case}");
        for ((name, exact), (_, rounded)) in raw.iter().zip(&cents) {
            assert!((exact - rounded.as_decimal()).abs() < Decimal::new(1, 2), "case {case}: {name} {exact} rounded to {rounded}");
        }
    }
}

fn cell(units: [u64; UNIT_KINDS], rate_per_million: [i64; UNIT_KINDS]) -> Cell {
    let mut out = Cell::default();
    for kind in 0..UNIT_KINDS {
        out.units[kind] = Decimal::from(units[kind]);
        out.dollars[kind] = Decimal::from(units[kind]) * Decimal::new(rate_per_million[kind], 6);
    }
    out
}

fn factor(raw: &[(String, Decimal)], name: &str) -> Decimal {
    raw.iter().find(|(factor, _)| factor == name).map(|(_, value)| value.round_dp(10)).unwrap_or_else(|| panic!("{name} in {raw:?}"))
}

#[test]
fn cache_reads_replacing_input_are_the_cache_read_share() {
    // 1,000 requests of 10,000 input tokens at $2/M: $20. Then 8,000 of each request's tokens read
    // from cache at $0.20/M: 2M input = $4, 8M cache reads = $1.60, $5.60. Change -$14.40, all of it
    // the cache-read share (requests, tokens per request, mix, batch and price unchanged).
    let rates = [2, 0, 0, 0, 10, 0, 0];
    let before = Window {
        counts: vec![Decimal::from(1000)],
        cells: [(("sonnet".to_string(), false), cell([10_000_000, 0, 0, 0, 0, 0, 0], rates))].into(),
        unmatched: Decimal::ZERO,
    };
    let mut after_cell = cell([2_000_000, 0, 0, 8_000_000, 0, 0, 0], rates);
    after_cell.dollars[3] = Decimal::new(160, 2);
    let after =
        Window { counts: vec![Decimal::from(1000)], cells: [(("sonnet".to_string(), false), after_cell)].into(), unmatched: Decimal::ZERO };
    let raw = decompose(Structure::Api, &API_COUNTS, &before, &after);
    assert_eq!(factor(&raw, "cache-read share"), Decimal::new(-1440, 2));
    for name in ["requests", "tokens per request", "model mix", "batch share", "price"] {
        assert_eq!(factor(&raw, name), Decimal::ZERO, "{name}");
    }
}

#[test]
fn claude_code_engineers_sessions_and_tokens_each_take_their_part() {
    // 10 engineers x 2 sessions x 1M tokens of output at $10/M = $200. Then 20 engineers, same
    // sessions and tokens: $400, all active engineers. Then 20 x 3 sessions: $600, all sessions per
    // engineer. A multiplicative chain of independent factors splits exactly, with no interaction.
    let window = |engineers: u64, sessions: u64| Window {
        counts: vec![Decimal::from(engineers), Decimal::from(sessions)],
        cells: [(("sonnet".to_string(), false), cell([0, 0, 0, 0, sessions * 1_000_000, 0, 0], [2, 0, 0, 0, 10, 0, 0]))].into(),
        unmatched: Decimal::ZERO,
    };
    let raw = decompose(Structure::ClaudeCode, &CLAUDE_CODE_COUNTS, &window(10, 20), &window(20, 40));
    assert_eq!(factor(&raw, "active engineers"), Decimal::from(200));
    assert_eq!(factor(&raw, "sessions per engineer"), Decimal::ZERO);
    assert_eq!(factor(&raw, "tokens per session"), Decimal::ZERO);
    let raw = decompose(Structure::ClaudeCode, &CLAUDE_CODE_COUNTS, &window(20, 40), &window(20, 60));
    assert_eq!(factor(&raw, "sessions per engineer"), Decimal::from(200));
    assert_eq!(factor(&raw, "active engineers"), Decimal::ZERO);
    // Without session counts, the chain says tokens per engineer.
    let raw = decompose(Structure::ClaudeCode, &CLAUDE_CODE_COUNTS, &window(20, 0), &window(20, 0));
    assert!(raw.iter().any(|(name, _)| name == "tokens per engineer"), "{raw:?}");
}

#[test]
fn dollars_without_usage_are_named_unmatched() {
    let before = Window { counts: vec![Decimal::from(10)], cells: Default::default(), unmatched: Decimal::from(5) };
    let after = Window { counts: vec![Decimal::from(10)], cells: Default::default(), unmatched: Decimal::from(12) };
    let raw = decompose(Structure::Api, &API_COUNTS, &before, &after);
    assert_eq!(factor(&raw, "unmatched dollars"), Decimal::from(7));
}

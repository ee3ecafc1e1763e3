//! spendlens-forecast against hand-worked answers: the newsvendor's closed form, and the engine on
//! synthetic histories whose future is known.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod commit;
mod forecast;

/// A seeded generator for property loops (splitmix64): no dependency, the same cases every run.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Seeded {
        Seeded(seed)
    }

    pub fn draw(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.draw() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `low..high`.
    pub fn below(&mut self, high: u64) -> u64 {
        self.draw() % high.max(1)
    }
}

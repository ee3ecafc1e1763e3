//! A small seeded pseudo-random generator (SplitMix64) and the few distributions the demo draws
//! from. It owns no dollars: amounts always come from the price book; the generator only shapes
//! traffic (how many requests, how many tokens, who is active when).
//!
//! Every entity draws from its own stream, derived from the seed and a label, so the same
//! configuration always yields the same organisation, whatever order things are generated in.

/// A SplitMix64 generator: tiny, fast, and good enough for synthetic traffic.
#[derive(Debug, Clone)]
pub struct Random {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

impl Random {
    #[cfg(test)]
    pub fn new(seed: u64) -> Self {
        Random { state: mix(seed ^ GOLDEN_GAMMA) }
    }

    /// An independent stream for one labelled entity (`("engineer", 17)`, `("feature", 2)`).
    pub fn derive(seed: u64, label: &str, index: u64) -> Self {
        // FNV-1a over the label, then mixed with the seed and the index.
        let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
        for byte in label.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        }
        Random { state: mix(seed ^ mix(hash ^ mix(index.wrapping_add(GOLDEN_GAMMA)))) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform integer in `[low, high]`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low {
            return low;
        }
        low + self.next_u64() % (high - low + 1)
    }

    pub fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let first = 1.0 - self.unit();
        let second = self.unit();
        (-2.0 * first.ln()).sqrt() * (std::f64::consts::TAU * second).cos()
    }

    /// Log-normal with the given mean (not median): `sigma` sets the spread.
    pub fn log_normal(&mut self, mean: f64, sigma: f64) -> f64 {
        mean * (sigma * self.normal() - sigma * sigma / 2.0).exp()
    }

    /// A Poisson-distributed count (normal approximation for large means).
    pub fn count(&mut self, mean: f64) -> u64 {
        if mean.is_nan() || mean <= 0.0 {
            return 0;
        }
        if mean > 30.0 {
            let value = mean + mean.sqrt() * self.normal();
            return value.round().max(0.0) as u64;
        }
        let limit = (-mean).exp();
        let mut product = self.unit();
        let mut count = 0;
        while product > limit {
            count += 1;
            product *= self.unit();
        }
        count
    }

    /// One element, or `None` from an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let index = (self.next_u64() % items.len() as u64) as usize;
        items.get(index)
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = (self.next_u64() % (index as u64 + 1)) as usize;
            items.swap(index, other);
        }
    }

    /// `length` characters of `[0-9A-Za-z]`, as Anthropic ids use.
    pub fn base62(&mut self, length: usize) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        (0..length).map(|_| char::from(ALPHABET[(self.next_u64() % 62) as usize])).collect()
    }

    /// A version-4-shaped UUID (`8-4-4-4-12` lowercase hex).
    pub fn uuid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        let high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        format!("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xFFFF, high & 0xFFFF, low >> 48, low & 0xFFFF_FFFF_FFFF)
    }

    /// `length` lowercase hex characters.
    pub fn hex(&mut self, length: usize) -> String {
        (0..length).map(|_| char::from(b"0123456789abcdef"[(self.next_u64() % 16) as usize])).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_labels_are_independent() {
        let mut first = Random::derive(7, "engineer", 3);
        let mut second = Random::derive(7, "engineer", 3);
        let drawn: Vec<u64> = (0..5).map(|_| first.next_u64()).collect();
        assert_eq!(drawn, (0..5).map(|_| second.next_u64()).collect::<Vec<_>>());
        let mut other = Random::derive(7, "engineer", 4);
        assert_ne!(drawn[0], other.next_u64());
        let mut other_label = Random::derive(7, "feature", 3);
        assert_ne!(drawn[0], other_label.next_u64());
    }

    #[test]
    fn distributions_stay_in_their_ranges() {
        let mut random = Random::new(1);
        for _ in 0..1000 {
            let unit = random.unit();
            assert!((0.0..1.0).contains(&unit));
            let value = random.between(3, 5);
            assert!((3..=5).contains(&value));
            assert!(random.log_normal(10.0, 0.5) > 0.0);
        }
        let mean: f64 = (0..4000).map(|_| random.count(4.0) as f64).sum::<f64>() / 4000.0;
        assert!((mean - 4.0).abs() < 0.3, "{mean}");
        assert_eq!(random.count(0.0), 0);
        assert_eq!(random.base62(22).len(), 22);
        let uuid = random.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
    }
}

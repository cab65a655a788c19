//! The seeded generator behind the demo data: SplitMix64 with integer-only helpers
//! (weighted and Zipf choices without floats), so a seed gives the same data on every
//! platform. Not for secrets.

/// A tiny deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct DemoRng(u64);

impl DemoRng {
    /// A generator for `seed`.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// An independent generator for one part of the data (`stream`), so adding draws to
    /// one part does not change the others.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut mixer = Self(seed ^ stream.wrapping_mul(0xA24B_AED4_963E_E407));
        Self(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a collection of `len` items (0 when empty).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// A number in `lo..=hi` (`lo` when the range is empty).
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from(hi - lo).unwrap_or(0).saturating_add(1);
        lo.saturating_add(i64::try_from(self.below(span)).unwrap_or(0))
    }

    /// True `per_mille` times in a thousand.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One of `items`, or `None` when it is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let at = self.index(items.len());
        items.get(at)
    }

    /// An index chosen with probability proportional to its weight (0 when all are 0).
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut target = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return i;
            }
            target -= w;
        }
        0
    }
}

/// Zipf-like (s = 1) choice among `n` ranks: rank `r` (0-based) is chosen in proportion
/// to `1 / (r + 1)`, by binary search over integer cumulative weights.
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<u64>,
}

impl Zipf {
    /// The distribution over `n` ranks.
    pub fn new(n: usize) -> Self {
        let mut total = 0_u64;
        let cumulative = (1..=n as u64)
            .map(|rank| {
                total += 10_000_000 / rank;
                total
            })
            .collect();
        Self { cumulative }
    }

    /// A rank in `0..n` (0 when `n` is 0).
    pub fn sample(&self, rng: &mut DemoRng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let target = rng.below(total);
        self.cumulative.partition_point(|c| *c <= target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_draws_and_streams_differ() {
        let draws = |mut r: DemoRng| (0..8).map(|_| r.next_u64()).collect::<Vec<_>>();
        assert_eq!(draws(DemoRng::new(42)), draws(DemoRng::new(42)));
        assert_ne!(draws(DemoRng::new(42)), draws(DemoRng::new(43)));
        assert_ne!(draws(DemoRng::stream(42, 1)), draws(DemoRng::stream(42, 2)));
    }

    #[test]
    fn helpers_stay_in_range() {
        let mut r = DemoRng::new(7);
        for _ in 0..1000 {
            assert!((3..=9).contains(&r.between(3, 9)));
            assert!(r.below(5) < 5);
            assert_eq!(r.weighted(&[0, 5, 0]), 1);
        }
        assert_eq!(r.between(5, 5), 5);
        assert!(r.pick::<u8>(&[]).is_none());
    }

    #[test]
    fn zipf_favours_the_first_ranks() {
        let zipf = Zipf::new(100);
        let mut r = DemoRng::new(1);
        let mut counts = [0_u32; 100];
        for _ in 0..20_000 {
            counts[zipf.sample(&mut r)] += 1;
        }
        assert!(counts[0] > counts[1] && counts[1] > counts[10] && counts[10] > counts[90]);
        assert!(
            counts[0] > 3000 && counts[0] < 5000,
            "about 1/H(100) = 19%: {}",
            counts[0]
        );
    }
}

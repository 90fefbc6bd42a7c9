//! Exponential backoff with jitter for an unreachable cluster: the wait doubles on each failure up to a cap,
//! and is drawn at random in its upper half so that many clients do not retry in lock-step. A success resets it.

use std::time::Duration;

use rand::Rng;

/// The backoff state of one cluster.
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// A backoff whose first wait is about `base` and that never waits more than `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max: max.max(base),
            failures: 0,
        }
    }

    /// Records a failure and returns how long to wait before the next try: uniformly in
    /// `[d/2, d]` with `d = min(max, base · 2^failures)` ("equal jitter").
    pub fn next_delay(&mut self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.failures.min(16));
        let ceiling = exp.min(self.max);
        self.failures = self.failures.saturating_add(1);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::rng().random_range(0..=spread))
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Forgets the failures after a success.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_their_band_up_to_the_cap_and_reset() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        let bands = [
            (50, 100),
            (100, 200),
            (200, 400),
            (400, 800),
            (500, 1000),
            (500, 1000),
        ];
        for (low, high) in bands {
            let d = b.next_delay().as_millis();
            assert!((low..=high).contains(&d), "{d} not in {low}..={high}");
        }
        assert_eq!(b.failures(), 6);
        b.reset();
        let d = b.next_delay().as_millis();
        assert!((50..=100).contains(&d), "{d}");
    }
}

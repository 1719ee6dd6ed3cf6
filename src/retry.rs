//! The retry policy, as a pure function of what the last failure cost: how long to
//! wait before the next attempt.
//!
//! | cost | failures | first ceiling | growth | cap | floor |
//! |---|---|---|---|---|---|
//! | cheap | connection refused | 25 ms | ×1.02 | 1 s | 5 ms |
//! | costly | a backend was forked: 57P03, 53300, 3D000, standby, closed | 100 ms | ×1.6 | 2 s | 50 ms |
//! | dns | name not found / DNS unavailable | 1 s | ×2 | 8 s | 500 ms |
//! | slow | connect or handshake timed out | 250 ms | ×2 | 2 s | 100 ms |
//!
//! Each delay is drawn uniformly between the floor and the current ceiling ("full
//! jitter" above a floor), so 200 gates restarted together spread out instead of
//! marching in step, and the floor bounds the load a down server or DNS sees. The
//! cheap pace grows slowly: about 50 ms between attempts for the first seconds of a
//! wait (a server that was just started is noticed within tens of ms), about 0.5 s
//! after 20 s, so a gate waiting on a server that stays down costs little CPU.
//! backon generates the capped exponential ceilings; its own jitter only adds
//! (`d + d·rand`), which is not full jitter, so the draw is done here.

use std::collections::HashMap;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};

use crate::class::Cost;

/// The shape of the delays for one cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// No delay is shorter than this.
    pub floor: Duration,
    /// The first ceiling.
    pub first: Duration,
    /// Growth of the ceiling per retry.
    pub factor: f32,
    /// The largest ceiling.
    pub cap: Duration,
}

/// The documented pace for each cost.
pub fn pace(cost: Cost) -> Pace {
    let ms = Duration::from_millis;
    match cost {
        Cost::Cheap => Pace {
            floor: ms(5),
            first: ms(25),
            factor: 1.02,
            cap: ms(1000),
        },
        Cost::Costly => Pace {
            floor: ms(50),
            first: ms(100),
            factor: 1.6,
            cap: ms(2000),
        },
        Cost::Dns => Pace {
            floor: ms(500),
            first: ms(1000),
            factor: 2.0,
            cap: ms(8000),
        },
        Cost::Slow => Pace {
            floor: ms(100),
            first: ms(250),
            factor: 2.0,
            cap: ms(2000),
        },
    }
}

/// Per-target retry state: one growing ceiling per cost, so a server that moves
/// from "refused" to "starting" begins the costly schedule at its start.
#[derive(Debug)]
pub struct Backoff {
    ceilings: HashMap<Cost, ExponentialBackoff>,
    rng: fastrand::Rng,
}

impl Backoff {
    /// Fresh state with a random seed.
    pub fn new() -> Self {
        Self::with_seed(fastrand::u64(..))
    }

    /// Fresh state with a fixed seed (tests).
    pub fn with_seed(seed: u64) -> Self {
        Backoff {
            ceilings: HashMap::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The delay before the next attempt after a failure of this cost.
    pub fn next_delay(&mut self, cost: Cost) -> Duration {
        let p = pace(cost);
        let ceiling = self
            .ceilings
            .entry(cost)
            .or_insert_with(|| {
                ExponentialBuilder::new()
                    .with_min_delay(p.first)
                    .with_factor(p.factor)
                    .with_max_delay(p.cap)
                    .without_max_times()
                    .build()
            })
            .next()
            .unwrap_or(p.cap)
            .max(p.floor);
        let span = (ceiling - p.floor).as_micros() as u64;
        p.floor + Duration::from_micros(self.rng.u64(0..=span))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_between_floor_and_cap() {
        for cost in [Cost::Cheap, Cost::Costly, Cost::Dns, Cost::Slow] {
            let p = pace(cost);
            let mut b = Backoff::with_seed(7);
            for _ in 0..200 {
                let d = b.next_delay(cost);
                assert!(d >= p.floor && d <= p.cap, "{cost:?}: {d:?}");
            }
        }
    }

    #[test]
    fn ceilings_grow_then_cap() {
        let mut b = Backoff::with_seed(1);
        let early: Duration = (0..3).map(|_| b.next_delay(Cost::Costly)).max().unwrap();
        assert!(early <= Duration::from_millis(384), "{early:?}");
        for _ in 0..20 {
            b.next_delay(Cost::Costly);
        }
        let late: Duration = (0..50).map(|_| b.next_delay(Cost::Costly)).max().unwrap();
        assert!(late > Duration::from_millis(1000), "{late:?}");
    }

    #[test]
    fn full_jitter_spreads_a_herd() {
        let firsts: std::collections::HashSet<u128> = (0..200)
            .map(|seed| {
                Backoff::with_seed(seed)
                    .next_delay(Cost::Costly)
                    .as_micros()
            })
            .collect();
        assert!(
            firsts.len() > 150,
            "only {} distinct first delays",
            firsts.len()
        );
    }

    #[test]
    fn mean_rates_respect_the_budgets() {
        // A down server sees at most 10 backend forks per second from one gate, the
        // DNS at most 2 lookups per second.
        for (cost, max_per_second) in [(Cost::Costly, 10.0), (Cost::Dns, 2.0)] {
            let mut b = Backoff::with_seed(3);
            let total: Duration = (0..1000).map(|_| b.next_delay(cost)).sum();
            let rate = 1000.0 / total.as_secs_f64();
            assert!(rate <= max_per_second, "{cost:?}: {rate:.1}/s");
        }
    }
}

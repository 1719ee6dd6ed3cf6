//! The retry policy, as a pure function of what the failures so far cost: how long
//! to wait before the next attempt.
//!
//! | cost | failures | delay drawn from | for | then | budget |
//! |---|---|---|---|---|---|
//! | cheap | connection refused | 20–60 ms | the first 1 500 (~60 s) | ceiling ×1.01 per retry, to 1 s | – |
//! | starting | 57P03 (starting, recovering) | ⅔–1 × a ceiling of 15, 30, 60, then 120 ms | always | – | ≤ 10 attempts in any second |
//! | costly | a backend was forked: 3D000, standby, closed | 50 ms – a ceiling of 100 ms ×1.6 per retry, to 2 s | – | – | – |
//! | crowded | no slot free: 53300 | 100 ms – a ceiling of 1 s ×1.5 per retry, to 5 s | – | – | – |
//! | dns | name not found / DNS unavailable | 500 ms – a ceiling of 1 s ×2, to 8 s | – | – | – |
//! | slow | connect or handshake timed out | 100 ms – a ceiling of 250 ms ×2, to 2 s | – | – | – |
//!
//! Each delay is drawn uniformly between a floor and the current ceiling ("full
//! jitter" above a floor), so 200 gates restarted together spread out instead of
//! marching in step, and the floor bounds the load a down server or DNS sees.
//! A refusal costs the server nothing, so the cheap pace holds ~40 ms apart for the
//! first minute (a server that starts at any moment of it is noticed within tens of
//! ms) and only then slows, so a gate left waiting on a server that stays down
//! costs little. Every 57P03 answer forks a backend, so the starting pace keeps to
//! ten a second, with its first retries quick (a clean start answers 57P03 for only
//! tens of ms) and then steady ~100 ms apart, so a long recovery is noticed ~50 ms
//! after it ends. A 53300 means the slots are taken, often by the app the gate
//! guards: gates rejected together spread their retries over a second and more
//! rather than take the slots back from it. The ceiling is one expression, so no
//! backoff crate is needed: the one used before could not hold a ceiling, and its
//! jitter only added.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use crate::class::Cost;

/// The shape of the delays for one cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// No delay is shorter than this.
    pub floor: Duration,
    /// Nor shorter than this share of the current ceiling below it (1: down to the
    /// floor; ⅓: from ⅔ of the ceiling).
    pub spread: f64,
    /// The first ceiling.
    pub first: Duration,
    /// Retries at the first ceiling before it grows.
    pub hold: u32,
    /// Growth of the ceiling per retry after the hold.
    pub factor: f64,
    /// The largest ceiling.
    pub cap: Duration,
    /// At most this many attempts in any span of this length, however the draws
    /// fall.
    pub budget: Option<(usize, Duration)>,
}

impl Pace {
    /// The ceiling for retry `n` (0: the first retry of this cost).
    pub fn ceiling(&self, n: u32) -> Duration {
        let grown = n.saturating_sub(self.hold).min(100_000) as i32;
        let secs = self.first.as_secs_f64() * self.factor.powi(grown);
        Duration::from_secs_f64(secs.min(self.cap.as_secs_f64()))
    }

    /// The shortest delay drawn under `ceiling`.
    pub fn lowest(&self, ceiling: Duration) -> Duration {
        self.floor
            .max(ceiling.mul_f64(1.0 - self.spread))
            .min(ceiling)
    }
}

/// The documented pace for each cost.
pub fn pace(cost: Cost) -> Pace {
    let ms = Duration::from_millis;
    let plain = |floor, first, factor, cap| Pace {
        floor: ms(floor),
        spread: 1.0,
        first: ms(first),
        hold: 0,
        factor,
        cap: ms(cap),
        budget: None,
    };
    match cost {
        Cost::Cheap => Pace {
            hold: 1500,
            ..plain(20, 60, 1.01, 1000)
        },
        Cost::Starting => Pace {
            spread: 1.0 / 3.0,
            budget: Some((10, ms(1000))),
            ..plain(10, 15, 2.0, 120)
        },
        Cost::Costly => plain(50, 100, 1.6, 2000),
        Cost::Crowded => plain(100, 1000, 1.5, 5000),
        Cost::Dns => plain(500, 1000, 2.0, 8000),
        Cost::Slow => plain(100, 250, 2.0, 2000),
    }
}

/// Per-target retry state: per cost, the retries so far and the latest delays, so
/// a server that moves from "refused" to "starting" begins the starting schedule
/// at its start.
#[derive(Debug)]
pub struct Backoff {
    costs: HashMap<Cost, Track>,
    rng: fastrand::Rng,
}

/// One cost's history.
#[derive(Debug, Default)]
struct Track {
    retries: u32,
    recent: VecDeque<Duration>,
}

impl Backoff {
    /// Fresh state with a random seed.
    pub fn new() -> Self {
        Self::with_seed(fastrand::u64(..))
    }

    /// Fresh state with a fixed seed (tests, the herd simulation).
    pub fn with_seed(seed: u64) -> Self {
        Backoff {
            costs: HashMap::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The delay before the next attempt after a failure of this cost.
    pub fn next_delay(&mut self, cost: Cost) -> Duration {
        let p = pace(cost);
        let track = self.costs.entry(cost).or_default();
        let ceiling = p.ceiling(track.retries);
        track.retries = track.retries.saturating_add(1);
        let lowest = p.lowest(ceiling);
        let span = (ceiling - lowest).as_micros() as u64;
        let mut delay = lowest + Duration::from_micros(self.rng.u64(0..=span));
        if let Some((attempts, window)) = p.budget {
            // `attempts` + 1 attempts are `attempts` gaps apart, each at least its delay.
            if track.recent.len() + 1 == attempts {
                let earlier: Duration = track.recent.iter().sum();
                delay = delay.max(window.saturating_sub(earlier));
            }
            track.recent.push_back(delay);
            if track.recent.len() >= attempts {
                track.recent.pop_front();
            }
        }
        delay
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

    const ALL: [Cost; 6] = [
        Cost::Cheap,
        Cost::Starting,
        Cost::Costly,
        Cost::Crowded,
        Cost::Dns,
        Cost::Slow,
    ];

    #[test]
    fn delays_stay_between_floor_and_cap() {
        for cost in ALL {
            let p = pace(cost);
            let mut b = Backoff::with_seed(7);
            for n in 0..3000 {
                let d = b.next_delay(cost);
                let top = match p.budget {
                    Some((_, window)) => window,
                    None => p.ceiling(n),
                };
                assert!(d >= p.floor && d <= top, "{cost:?} {n}: {d:?}");
            }
        }
    }

    #[test]
    fn gates_rejected_together_spread_their_retries_over_a_second() {
        let first: Vec<Duration> = (0..200)
            .map(|seed| Backoff::with_seed(seed).next_delay(Cost::Crowded))
            .collect();
        let ms = Duration::from_millis;
        assert!(first.iter().all(|d| *d >= ms(100) && *d <= ms(1000)));
        // 200 draws over 900 ms: ~22 in each 100 ms; none much above that.
        for start in (100..1000).step_by(100) {
            let window = first
                .iter()
                .filter(|d| **d >= ms(start) && **d < ms(start + 100))
                .count();
            assert!((8..=40).contains(&window), "{start} ms: {window}");
        }
    }

    #[test]
    fn the_cheap_pace_holds_then_slows_to_its_cap() {
        let p = pace(Cost::Cheap);
        assert_eq!(p.ceiling(0), p.first);
        assert_eq!(p.ceiling(p.hold), p.first);
        assert!(p.ceiling(p.hold + 100) > p.first.mul_f64(2.5));
        assert_eq!(p.ceiling(p.hold + 400), p.cap);
        assert_eq!(p.ceiling(u32::MAX), p.cap);
        let mut b = Backoff::with_seed(2);
        let first_minute: Duration = (0..p.hold).map(|_| b.next_delay(Cost::Cheap)).sum();
        assert!(
            first_minute > Duration::from_secs(50) && first_minute < Duration::from_secs(70),
            "{first_minute:?}"
        );
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

    /// Where the next attempt falls after `ready`, for a schedule of `delays` that
    /// starts at 0 (attempts take no time).
    fn lag(delays: impl Iterator<Item = Duration>, ready: Duration) -> Duration {
        let mut t = Duration::ZERO;
        for d in delays {
            if t >= ready {
                return t - ready;
            }
            t += d;
        }
        unreachable!("the schedule is endless")
    }

    fn median(mut v: Vec<Duration>) -> Duration {
        v.sort();
        v[v.len() / 2]
    }

    #[test]
    fn the_end_of_a_phase_is_noticed_within_its_budget() {
        // Over 400 gates (seeds) and moments, the next attempt after the server gets
        // ready: the cheap pace at 2, 10, 30 and 60 s of refusals, the starting pace
        // after 10 s of 57P03.
        let ms = Duration::from_millis;
        for (cost, at, p50, p95) in [
            (Cost::Cheap, 2_000, 30, 60),
            (Cost::Cheap, 10_000, 30, 60),
            (Cost::Cheap, 30_000, 30, 60),
            (Cost::Cheap, 59_000, 30, 60),
            (Cost::Starting, 10_000, 60, 120),
        ] {
            let lags: Vec<Duration> = (0..400)
                .map(|seed| {
                    let mut b = Backoff::with_seed(seed);
                    let ready = ms(at) + ms(seed % 97);
                    lag(std::iter::repeat_with(|| b.next_delay(cost)), ready)
                })
                .collect();
            let mut sorted = lags.clone();
            sorted.sort();
            let (m, top) = (median(lags), sorted[sorted.len() * 95 / 100]);
            assert!(
                m <= ms(p50) && top <= ms(p95),
                "{cost:?} at {at} ms: p50 {m:?}, p95 {top:?}"
            );
        }
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
        for (cost, max_per_second) in [
            (Cost::Starting, 10.0),
            (Cost::Costly, 10.0),
            (Cost::Dns, 2.0),
        ] {
            let mut b = Backoff::with_seed(3);
            let total: Duration = (0..1000).map(|_| b.next_delay(cost)).sum();
            let rate = 1000.0 / total.as_secs_f64();
            assert!(rate <= max_per_second, "{cost:?}: {rate:.1}/s");
        }
    }
}

//! `watch`: one attempt per target every interval, for as long as the process runs
//! (a Kubernetes native sidecar's main process, whose probes run `pgready check`).
//! Only a round whose classes differ from the round before is reported, so the log
//! is the database's history: lost, why, back.

use std::future::Future;
use std::time::Duration;

use tokio::time::{interval, MissedTickBehavior};

use super::{interrupt, run_with, Live, Progress, RunOutcome, Source, TargetState};
use crate::class::Class;
use crate::probe::Prober;
use crate::settings::targets::Target;
use crate::settings::Settings;

/// Watches real servers until SIGINT or SIGTERM; returns the signal's number.
pub async fn run(
    settings: &Settings,
    targets: &[Target],
    progress: &dyn Progress,
    every: Duration,
    on_change: impl FnMut(&RunOutcome),
) -> i32 {
    let live = Live {
        settings,
        prober: Prober::default(),
    };
    run_rounds(
        settings,
        targets,
        progress,
        &live,
        interrupt(),
        every,
        on_change,
    )
    .await
}

/// Rounds of one attempt per target, a round every `every` (a round that takes
/// longer delays the next, it never overlaps it), until `interrupted` yields.
pub async fn run_rounds(
    settings: &Settings,
    targets: &[Target],
    progress: &dyn Progress,
    source: &impl Source,
    interrupted: impl Future<Output = i32>,
    every: Duration,
    mut on_change: impl FnMut(&RunOutcome),
) -> i32 {
    let mut interrupted = Box::pin(interrupted);
    let mut rounds = interval(every.max(Duration::from_millis(1)));
    rounds.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last: Option<Vec<Option<Class>>> = None;
    loop {
        tokio::select! {
            biased;
            signal = &mut interrupted => return signal,
            _ = rounds.tick() => {}
        }
        let outcome = run_with(settings, targets, progress, source, &mut interrupted).await;
        if let Some(signal) = outcome.interrupted {
            return signal;
        }
        let classes: Vec<Option<Class>> = outcome.states.iter().map(TargetState::class).collect();
        if last.as_ref() != Some(&classes) {
            on_change(&outcome);
            last = Some(classes);
        }
    }
}

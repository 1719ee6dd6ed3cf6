//! Every target concurrently, under one hard deadline: attempt, classify, back off,
//! repeat while the failure is retried; `check` stops after one attempt. SIGINT and
//! SIGTERM end the run at once with each target's last state.
//!
//! The loop is written against [`Source`] (who makes attempts) and an interrupt
//! future, so its timing — the deadline, the retry pace, a permanent class ending
//! the wait, a signal — is tested on tokio's paused clock (`wait/tests.rs`); the
//! live source is the prober.

#[cfg(test)]
mod tests;
pub mod watch;

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::Instant;

use crate::checks::gates::GateCheck;
use crate::checks::migrations::MigrationCheck;
use crate::checks::pooler::PoolerCheck;
use crate::class::Class;
use crate::outcome::{Attempt, Failure, Stage};
use crate::probe::Prober;
use crate::retry::Backoff;
use crate::settings::role::Role;
use crate::settings::spec::ConnSpec;
use crate::settings::targets::Target;
use crate::settings::Settings;

/// What is known about one target so far.
#[derive(Clone, Debug, Default)]
pub struct TargetState {
    /// Attempts made.
    pub attempts: u32,
    /// The latest attempt that counts (a cut-short attempt does not replace a
    /// more telling earlier failure).
    pub last: Option<Attempt>,
    /// Time from the start of the run to the latest result.
    pub elapsed: Duration,
    /// No more attempts will be made.
    pub done: bool,
    /// What pgready changed for this target (e.g. a database it created).
    pub actions: Vec<String>,
}

impl TargetState {
    /// The current class: ready, the last failure's, or `None` before any result.
    pub fn class(&self) -> Option<Class> {
        self.last.as_ref().map(|a| match &a.result {
            Ok(_) => Class::Ready,
            Err(f) => f.class,
        })
    }

    /// The last failure, if the last result was one.
    pub fn failure(&self) -> Option<&Failure> {
        self.last.as_ref().and_then(|a| a.result.as_ref().err())
    }
}

/// Receives state changes, to show progress.
pub trait Progress {
    /// Target `index` has a new state.
    fn changed(&self, index: usize, target: &Target, state: &TargetState);
    /// Called periodically while waiting (for a live status line).
    fn tick(&self, _states: &[RefCell<TargetState>], _left: Duration) {}
    /// Whether [`Progress::tick`] does anything (else no timer wakes the process).
    fn ticks(&self) -> bool {
        false
    }
}

/// How the run ended.
#[derive(Debug)]
pub struct RunOutcome {
    /// Final state per target, in source order.
    pub states: Vec<TargetState>,
    /// The signal that ended the run, if one did.
    pub interrupted: Option<i32>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Makes the attempts a run drives: the prober against real servers, or a scripted
/// stand-in in the timing tests.
#[allow(async_fn_in_trait)] // pgready runs on one thread; no Send bound is needed
pub trait Source {
    /// One attempt against `target`, finished by `deadline`.
    async fn attempt(&self, target: &Target, spec: &ConnSpec, deadline: Instant) -> Attempt;
    /// `--create-database`: creates the missing database, or says why not.
    async fn create_database(&self, spec: &ConnSpec, deadline: Instant) -> Result<String, Failure>;
}

/// The live source: the prober, with the gates and the migration history inspected
/// when any is asked for.
struct Live<'a> {
    settings: &'a Settings,
    prober: Prober,
}

impl Source for Live<'_> {
    async fn attempt(&self, target: &Target, spec: &ConnSpec, deadline: Instant) -> Attempt {
        let gates = &self.settings.gates;
        let writable = target.requires_writable() || gates.require_writable;
        let plan = &self.settings.migrations;
        let pooler = PoolerCheck::new(target.role == Role::Direct);
        let mut attempt = match (gates.inspects(), plan.is_empty()) {
            (false, true) => self.prober.attempt(spec, writable, deadline, &pooler).await,
            (true, true) => {
                let checks = (GateCheck { gates }, &pooler);
                self.prober.attempt(spec, writable, deadline, &checks).await
            }
            (_, false) => {
                let migrations = MigrationCheck::new(plan);
                let checks = ((GateCheck { gates }, &migrations), &pooler);
                let mut attempt = self.prober.attempt(spec, writable, deadline, &checks).await;
                attempt.migrations = migrations.take();
                attempt
            }
        };
        attempt.cautions.extend(pooler.take());
        attempt
    }

    async fn create_database(&self, spec: &ConnSpec, deadline: Instant) -> Result<String, Failure> {
        crate::checks::create::create(&self.prober, spec, deadline).await
    }
}

/// Runs every target to a final state against real servers, or until SIGINT or
/// SIGTERM. The signal handlers are installed before the first attempt, so a signal
/// that comes at any moment of the run is reported, never the default action.
pub async fn run(settings: &Settings, targets: &[Target], progress: &dyn Progress) -> RunOutcome {
    let live = Live {
        settings,
        prober: Prober::default(),
    };
    run_with(settings, targets, progress, &live, interrupt()).await
}

/// Runs every target to a final state with attempts from `source`, until
/// `interrupted` yields a signal number.
pub async fn run_with(
    settings: &Settings,
    targets: &[Target],
    progress: &dyn Progress,
    source: &impl Source,
    interrupted: impl Future<Output = i32>,
) -> RunOutcome {
    let started = Instant::now();
    let deadline = started + settings.timeout;
    let states: Vec<RefCell<TargetState>> = targets.iter().map(|_| RefCell::default()).collect();
    let drivers = targets.iter().enumerate().map(|(i, t)| {
        let ctx = Driver {
            settings,
            target: t,
            index: i,
            state: &states[i],
            source,
            progress,
            started,
            deadline,
        };
        ctx.drive()
    });
    let interrupted = tokio::select! {
        // A signal that is already there wins over an attempt that also finished.
        biased;
        sig = interrupted => Some(sig),
        _ = join_all(drivers) => None,
        _ = ticker(&states, progress, deadline) => None,
    };
    let mut states: Vec<TargetState> = states.into_iter().map(RefCell::into_inner).collect();
    if settings.gates.same_database && interrupted.is_none() {
        mark_mismatches(targets, &mut states);
    }
    RunOutcome {
        states,
        interrupted,
        elapsed: started.elapsed(),
    }
}

/// `targets_mismatch` for every ready target that reaches another cluster or
/// database than the first ready one.
fn mark_mismatches(targets: &[Target], states: &mut [TargetState]) {
    let identity = |s: &TargetState| {
        s.last
            .as_ref()
            .and_then(|a| a.result.as_ref().ok())
            .and_then(|f| f.identity.clone())
    };
    let Some((first, reference)) = states
        .iter()
        .enumerate()
        .find_map(|(i, s)| identity(s).map(|id| (i, id)))
    else {
        return;
    };
    for (i, state) in states.iter_mut().enumerate().skip(first + 1) {
        let Some(id) = identity(state) else { continue };
        let verdict = crate::checks::gates::same_database_verdict(
            &label(targets, i),
            &id,
            &label(targets, first),
            &reference,
        );
        if let (Err(failure), Some(attempt)) = (verdict, state.last.as_mut()) {
            attempt.result = Err(failure);
        }
    }
}

/// A target's name in a message: its source, with its position when another
/// target has the same source (two `--url`s).
fn label(targets: &[Target], i: usize) -> String {
    let source = &targets[i].source;
    if targets.iter().filter(|t| t.source == *source).count() > 1 {
        format!("{source} #{}", i + 1)
    } else {
        source.clone()
    }
}

/// Installs the SIGINT and SIGTERM handlers now, and returns a future that waits
/// for either and yields its number.
fn interrupt() -> impl Future<Output = i32> {
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        let (Ok(mut term), Ok(mut int)) = handlers else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => libc::SIGTERM,
            _ = int.recv() => libc::SIGINT,
        }
    }
}

/// Calls [`Progress::tick`] every 200 ms; never finishes by itself.
async fn ticker(states: &[RefCell<TargetState>], progress: &dyn Progress, deadline: Instant) {
    if !progress.ticks() {
        return std::future::pending().await;
    }
    let mut interval = tokio::time::interval(Duration::from_millis(200));
    loop {
        interval.tick().await;
        progress.tick(states, deadline.saturating_duration_since(Instant::now()));
    }
}

/// One target's loop.
struct Driver<'a, S> {
    settings: &'a Settings,
    target: &'a Target,
    index: usize,
    state: &'a RefCell<TargetState>,
    source: &'a S,
    progress: &'a dyn Progress,
    started: Instant,
    deadline: Instant,
}

impl<S: Source> Driver<'_, S> {
    async fn drive(self) {
        let spec = match &self.target.spec {
            Ok(spec) => spec,
            Err(failure) => {
                let attempt = Attempt::of(Err(failure.clone()));
                self.record(attempt, false, true);
                return;
            }
        };
        let mut backoff = Backoff::new();
        let mut may_create = self.settings.gates.create_database;
        loop {
            let attempt_deadline = self
                .deadline
                .min(Instant::now() + self.settings.attempt_timeout);
            let mut attempt = self
                .source
                .attempt(self.target, spec, attempt_deadline)
                .await;
            if may_create && is_class(&attempt, Class::DatabaseMissing) {
                may_create = false;
                match self.source.create_database(spec, attempt_deadline).await {
                    Ok(action) => {
                        tracing::info!(target_source = %self.target.source, "{action}");
                        self.state.borrow_mut().actions.push(action);
                        continue;
                    }
                    Err(failure) => attempt.result = Err(failure),
                }
            }
            let cut_short = attempt_deadline == self.deadline && is_timeout(&attempt);
            let retry = match &attempt.result {
                Ok(_) => None,
                Err(f) if self.settings.mode.one_attempt() || !self.settings.retries(f.class) => {
                    None
                }
                Err(f) => Some(f.class),
            };
            let Some(class) = retry else {
                self.record(attempt, cut_short, true);
                return;
            };
            self.record(attempt, cut_short, false);
            let delay = backoff.next_delay(class.retry_cost_when_forced());
            tokio::time::sleep_until(self.deadline.min(Instant::now() + delay)).await;
            if Instant::now() >= self.deadline {
                self.state.borrow_mut().done = true;
                return;
            }
        }
    }

    /// Records an attempt. An attempt cut short by the run's deadline does not
    /// replace an earlier, more telling failure (say `server_starting` by a
    /// "timed out after 3 ms").
    fn record(&self, attempt: Attempt, cut_short: bool, done: bool) {
        let mut state = self.state.borrow_mut();
        state.attempts += 1;
        state.done = done;
        if cut_short && state.last.is_some() {
            return;
        }
        let changed = state.class() != Some(class_of(&attempt));
        state.last = Some(attempt);
        state.elapsed = self.started.elapsed();
        // The final state is the summary's to tell; progress shows the way there.
        if changed && !done {
            self.progress.changed(self.index, self.target, &state);
        }
    }
}

fn class_of(attempt: &Attempt) -> Class {
    attempt
        .result
        .as_ref()
        .map_or_else(|f| f.class, |_| Class::Ready)
}

fn is_class(attempt: &Attempt, class: Class) -> bool {
    matches!(&attempt.result, Err(f) if f.class == class)
}

fn is_timeout(attempt: &Attempt) -> bool {
    matches!(&attempt.result, Err(f) if matches!(f.class, Class::ConnectTimeout | Class::HandshakeTimeout)
        || (f.class == Class::DnsUnavailable && f.stage == Stage::Resolve))
}

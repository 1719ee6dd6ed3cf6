//! The run loop's timing, proven on tokio's paused clock: time only moves when every
//! task waits, so each bound below is exact, whatever the machine is doing. The
//! attempts come from a scripted [`Source`]; the real prober is tested against real
//! servers in `tests/`.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use clap::Parser;
use tokio::time::{sleep, sleep_until, Instant};

use super::*;
use crate::class::Cost;
use crate::cli::{Cli, ExitCodes};
use crate::outcome::ServerFacts;
use crate::retry::pace;
use crate::settings::env::Env;
use crate::settings::Mode;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// One scripted attempt: how long it takes, and what it ends with (`None`: ready).
#[derive(Clone, Copy)]
struct Step(Duration, Option<Class>);

/// Plays a script, one per target; the last step repeats for ever. Honours the
/// attempt's deadline as the prober does: an attempt cut short is a timeout.
struct Script {
    steps: Vec<Vec<Step>>,
    /// When each attempt started, per target, from the start of the test.
    starts: RefCell<Vec<Vec<Duration>>>,
    creates: Cell<u32>,
    t0: Instant,
}

impl Script {
    fn new(steps: Vec<Vec<Step>>) -> Self {
        let n = steps.len();
        Script {
            steps,
            starts: RefCell::new(vec![Vec::new(); n]),
            creates: Cell::new(0),
            t0: Instant::now(),
        }
    }

    fn starts(&self, target: usize) -> Vec<Duration> {
        self.starts.borrow()[target].clone()
    }
}

impl Source for Script {
    async fn attempt(&self, target: &Target, _spec: &ConnSpec, deadline: Instant) -> Attempt {
        let index: usize = target.display.parse().expect("scripted target");
        let n = {
            let mut starts = self.starts.borrow_mut();
            starts[index].push(self.t0.elapsed());
            starts[index].len() - 1
        };
        let script = &self.steps[index];
        let Step(cost, class) = script[n.min(script.len() - 1)];
        let end = Instant::now() + cost;
        sleep_until(end.min(deadline)).await;
        let result = if end > deadline {
            Err(Failure::new(Class::HandshakeTimeout, Stage::Auth, "cut"))
        } else {
            match class {
                None => Ok(ServerFacts::default()),
                Some(class) => Err(Failure::new(class, Stage::Auth, class.to_string())),
            }
        };
        Attempt::of(result)
    }

    async fn create_database(
        &self,
        _spec: &ConnSpec,
        _deadline: Instant,
    ) -> Result<String, Failure> {
        self.creates.set(self.creates.get() + 1);
        Ok("database created".to_string())
    }
}

struct Silent;

impl Progress for Silent {
    fn changed(&self, _index: usize, _target: &Target, _state: &TargetState) {}
}

/// Settings from command-line words, one URL per script; each target's display is
/// set to its index so the script knows which one is asked.
fn setup(words: &[&str], scripts: usize) -> (Settings, Vec<Target>) {
    let mut argv = vec!["pgready"];
    argv.extend_from_slice(words);
    for _ in 0..scripts {
        argv.extend(["--url", "postgresql://app@db.invalid/appdb"]);
    }
    let settings = Settings::from_cli(Cli::parse_from(argv), &Env::from_pairs([]));
    let mut targets = settings.targets.clone();
    for (i, t) in targets.iter_mut().enumerate() {
        t.display = i.to_string();
    }
    (settings, targets)
}

async fn play(words: &[&str], script: &Script) -> RunOutcome {
    play_until(words, script, std::future::pending()).await
}

async fn play_until(
    words: &[&str],
    script: &Script,
    interrupt: impl Future<Output = i32>,
) -> RunOutcome {
    let (settings, targets) = setup(words, script.steps.len());
    run_with(&settings, &targets, &Silent, script, interrupt).await
}

fn refused() -> Step {
    Step(Duration::ZERO, Some(Class::ConnectionRefused))
}

fn exit_code(words: &[&str], outcome: &RunOutcome) -> i32 {
    let (_, targets) = setup(words, outcome.states.len());
    let verdicts = crate::report::verdicts(&targets, outcome);
    crate::report::exit_code(&verdicts, outcome.interrupted, ExitCodes::Full)
}

#[tokio::test(start_paused = true)]
async fn the_deadline_is_exact_on_a_server_that_never_answers() {
    let script = Script::new(vec![vec![refused()]]);
    let outcome = play(&["wait", "--timeout", "10s"], &script).await;
    assert_eq!(outcome.elapsed, Duration::from_secs(10));
    let state = &outcome.states[0];
    assert_eq!(state.class(), Some(Class::ConnectionRefused));
    assert!(state.done);
    assert_eq!(state.attempts as usize, script.starts(0).len());
    assert!(script
        .starts(0)
        .iter()
        .all(|t| *t < Duration::from_secs(10)));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_cut_by_the_deadline_keeps_the_earlier_failure() {
    // Each attempt takes 700 ms: the second one is cut at the 1 s deadline.
    let starting = Step(MS(700), Some(Class::ServerStarting));
    let script = Script::new(vec![vec![starting]]);
    let outcome = play(&["wait", "--timeout", "1s"], &script).await;
    assert_eq!(outcome.elapsed, Duration::from_secs(1));
    assert_eq!(script.starts(0).len(), 2);
    assert_eq!(outcome.states[0].class(), Some(Class::ServerStarting));
    assert_eq!(outcome.states[0].attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn a_first_attempt_cut_short_is_reported_as_a_timeout() {
    // By the run's deadline, and by the attempt timeout.
    for (words, bound) in [
        (["wait", "--timeout", "1s"], 1),
        (["check", "--attempt-timeout", "2s"], 2),
    ] {
        let script = Script::new(vec![vec![Step(Duration::from_secs(3), None)]]);
        let outcome = play(&words, &script).await;
        assert_eq!(outcome.elapsed, Duration::from_secs(bound), "{words:?}");
        assert_eq!(outcome.states[0].class(), Some(Class::HandshakeTimeout));
    }
}

#[tokio::test(start_paused = true)]
async fn a_permanent_class_ends_the_wait_at_once() {
    let auth = Step(MS(30), Some(Class::AuthFailed));
    let script = Script::new(vec![vec![auth]]);
    let outcome = play(&["wait", "--timeout", "60s"], &script).await;
    assert_eq!(outcome.elapsed, MS(30));
    assert_eq!(outcome.states[0].attempts, 1);
    assert_eq!(outcome.states[0].class(), Some(Class::AuthFailed));
}

#[tokio::test(start_paused = true)]
async fn retry_on_makes_a_permanent_class_retried_until_the_deadline() {
    let auth = Step(MS(30), Some(Class::AuthFailed));
    let script = Script::new(vec![vec![auth]]);
    let words = ["wait", "--timeout", "5s", "--retry-on", "auth_failed"];
    let outcome = play(&words, &script).await;
    assert_eq!(outcome.elapsed, Duration::from_secs(5));
    assert!(outcome.states[0].attempts > 1);
    assert_eq!(outcome.states[0].class(), Some(Class::AuthFailed));
}

#[tokio::test(start_paused = true)]
async fn check_makes_one_attempt_even_for_a_retried_class() {
    let script = Script::new(vec![vec![refused()]]);
    let outcome = play(&["check"], &script).await;
    assert_eq!(outcome.elapsed, Duration::ZERO);
    assert_eq!(outcome.states[0].attempts, 1);
    assert_eq!(outcome.states[0].class(), Some(Class::ConnectionRefused));
}

/// Gaps between attempt starts (attempts take no time here).
fn gaps(starts: &[Duration]) -> Vec<Duration> {
    starts.windows(2).map(|w| w[1] - w[0]).collect()
}

#[tokio::test(start_paused = true)]
async fn the_cheap_pace_holds_tens_of_ms_apart_for_the_first_minute() {
    let script = Script::new(vec![vec![refused()]]);
    play(&["wait", "--timeout", "60s"], &script).await;
    let p = pace(Cost::Cheap);
    let gaps = gaps(&script.starts(0));
    // The last gap is cut by the deadline.
    for (i, gap) in gaps.iter().enumerate().take(gaps.len() - 1) {
        assert!(*gap >= p.floor && *gap <= p.first, "gap {i}: {gap:?}");
    }
    // Every second of the minute, late ones too, has its ~25 attempts.
    let starts = script.starts(0);
    for second in [0, 10, 30, 58] {
        let n = starts.iter().filter(|t| t.as_secs() == second).count();
        assert!((16..=50).contains(&n), "{n} attempts in second {second}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_starting_server_sees_at_most_ten_attempts_in_any_second() {
    // Refused for 5 attempts, then 57P03 (each answer forks a backend).
    let mut steps = vec![refused(); 5];
    steps.push(Step(MS(2), Some(Class::ServerStarting)));
    let script = Script::new(vec![steps]);
    play(&["wait", "--timeout", "30s"], &script).await;
    let starts = script.starts(0);
    let starting = &starts[5..];
    let p = pace(Cost::Starting);
    // The starting schedule begins at its start: the first retry is quick.
    let first_gap = starting[1] - starting[0];
    assert!(first_gap <= p.first + MS(2), "{first_gap:?}");
    for (i, from) in starting.iter().enumerate() {
        let within = starting[i..]
            .iter()
            .take_while(|t| **t < *from + Duration::from_secs(1))
            .count();
        assert!(
            within <= 10,
            "{within} attempts in the second from {from:?}"
        );
    }
    // Steady once ramped up: ~100 ms apart; a gap above the cap only where the
    // quick first retries or short draws left the last second short (the longest
    // once, after the ramp: 1 s − 15 − 30 − 60 − 6 × 80 ms).
    let steady = gaps(&starting[5..]);
    for gap in steady.iter().rev().skip(1) {
        assert!(*gap >= MS(80) && *gap <= MS(415 + 2), "{gap:?}");
    }
    let over = steady.iter().filter(|g| **g > p.cap + MS(2)).count();
    assert!(
        over * 10 < steady.len(),
        "{over} of {} gaps over the cap",
        steady.len()
    );
}

#[tokio::test(start_paused = true)]
async fn ready_after_starting_ends_at_the_ready_attempt() {
    let starting = Step(MS(5), Some(Class::ServerStarting));
    let ready = Step(MS(5), None);
    let script = Script::new(vec![vec![starting, starting, starting, ready]]);
    let outcome = play(&["wait", "--timeout", "60s"], &script).await;
    let starts = script.starts(0);
    assert_eq!(starts.len(), 4);
    assert_eq!(outcome.elapsed, starts[3] + MS(5));
    assert_eq!(outcome.states[0].class(), Some(Class::Ready));
    assert_eq!(exit_code(&["wait"], &outcome), 0);
}

#[tokio::test(start_paused = true)]
async fn the_run_ends_when_the_slowest_target_is_ready() {
    let a = vec![Step(MS(10), None)];
    let b = vec![refused(), refused(), Step(MS(10), None)];
    let script = Script::new(vec![a, b]);
    let outcome = play(&["wait", "--timeout", "60s"], &script).await;
    let b_starts = script.starts(1);
    assert_eq!(outcome.elapsed, b_starts[2] + MS(10));
    assert!(outcome
        .states
        .iter()
        .all(|s| s.class() == Some(Class::Ready)));
}

#[tokio::test(start_paused = true)]
async fn sigterm_ends_the_run_at_once_with_the_last_state() {
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let script = Script::new(vec![vec![refused()]]);
        let words = ["wait", "--timeout", "60s"];
        let interrupt = async move {
            sleep(MS(2500)).await;
            signal
        };
        let outcome = play_until(&words, &script, interrupt).await;
        assert_eq!(outcome.elapsed, MS(2500));
        assert_eq!(outcome.interrupted, Some(signal));
        assert_eq!(outcome.states[0].class(), Some(Class::ConnectionRefused));
        assert_eq!(exit_code(&words, &outcome), code);
    }
}

#[tokio::test(start_paused = true)]
async fn a_signal_does_not_wait_for_an_attempt_under_way() {
    let slow = Step(Duration::from_secs(4), None);
    let script = Script::new(vec![vec![slow]]);
    let interrupt = async {
        sleep(Duration::from_secs(1)).await;
        libc::SIGTERM
    };
    let outcome = play_until(&["wait"], &script, interrupt).await;
    assert_eq!(outcome.elapsed, Duration::from_secs(1));
    assert_eq!(outcome.states[0].class(), None, "no attempt finished");
    assert_eq!(exit_code(&["wait"], &outcome), 143);
}

#[tokio::test(start_paused = true)]
async fn a_signal_already_there_wins_over_a_finished_attempt() {
    let script = Script::new(vec![vec![Step(Duration::ZERO, None)]]);
    let outcome = play_until(&["wait"], &script, std::future::ready(libc::SIGTERM)).await;
    assert_eq!(outcome.interrupted, Some(libc::SIGTERM));
    assert_eq!(outcome.elapsed, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_missing_database_is_created_once_then_retried_at_once() {
    let missing = Step(MS(5), Some(Class::DatabaseMissing));
    let script = Script::new(vec![vec![missing, Step(MS(5), None)]]);
    let outcome = play(&["wait", "--create-database"], &script).await;
    assert_eq!(script.creates.get(), 1);
    assert_eq!(
        script.starts(0),
        vec![Duration::ZERO, MS(5)],
        "no delay after creating"
    );
    assert_eq!(outcome.states[0].class(), Some(Class::Ready));
    assert_eq!(
        outcome.states[0].actions,
        vec!["database created".to_string()]
    );

    // Still missing after creating: no second CREATE, retried until the deadline.
    let script = Script::new(vec![vec![missing]]);
    let outcome = play(&["wait", "--timeout", "3s", "--create-database"], &script).await;
    assert_eq!(script.creates.get(), 1);
    assert_eq!(outcome.elapsed, Duration::from_secs(3));
    assert_eq!(outcome.states[0].class(), Some(Class::DatabaseMissing));
}

#[tokio::test(start_paused = true)]
async fn watch_attempts_once_per_interval_and_reports_only_changes() {
    let ready = Step(MS(3), None);
    let auth = Step(MS(3), Some(Class::AuthFailed));
    let script = Script::new(vec![vec![refused(), refused(), ready, ready, auth, ready]]);
    let (settings, targets) = setup(&["watch", "--interval", "10s"], 1);
    let mut changes = Vec::new();
    let stop = async {
        sleep(Duration::from_millis(65_000)).await;
        libc::SIGTERM
    };
    let signal = watch::run_rounds(
        &settings,
        &targets,
        &Silent,
        &script,
        stop,
        settings_interval(&settings),
        |o: &RunOutcome| changes.push((o.states[0].class(), o.states[0].attempts)),
    )
    .await;
    assert_eq!(signal, libc::SIGTERM);
    let secs: Vec<u64> = script.starts(0).iter().map(Duration::as_secs).collect();
    assert_eq!(
        secs,
        [0, 10, 20, 30, 40, 50, 60],
        "one attempt a round, no retries"
    );
    let classes: Vec<Option<Class>> = changes.iter().map(|c| c.0).collect();
    assert_eq!(
        classes,
        [
            Some(Class::ConnectionRefused),
            Some(Class::Ready),
            Some(Class::AuthFailed),
            Some(Class::Ready),
        ],
        "the first round, then each change of class, once"
    );
    assert!(changes.iter().all(|c| c.1 == 1));
}

#[tokio::test(start_paused = true)]
async fn watch_stops_at_a_signal_within_a_round() {
    // An attempt that would take 4 s is cut by the signal at 1 s.
    let script = Script::new(vec![vec![Step(Duration::from_secs(4), None)]]);
    let (settings, targets) = setup(&["watch", "--interval", "10s"], 1);
    let t0 = Instant::now();
    let stop = async {
        sleep(Duration::from_secs(1)).await;
        libc::SIGINT
    };
    let signal = watch::run_rounds(
        &settings,
        &targets,
        &Silent,
        &script,
        stop,
        MS(10_000),
        |_: &RunOutcome| panic!("no round finished"),
    )
    .await;
    assert_eq!(signal, libc::SIGINT);
    assert_eq!(t0.elapsed(), Duration::from_secs(1));
}

fn settings_interval(settings: &Settings) -> Duration {
    match settings.mode {
        Mode::Watch { interval } => interval,
        _ => panic!("not a watch"),
    }
}

//! `bench/herd-sim`: a discrete-event simulation of a fleet of pgready gates
//! restarted together against one PostgreSQL server, each gate paced by the real
//! retry policy ([`pgready::retry::Backoff`]). Nothing sleeps: time is simulated in
//! microseconds, and a run is deterministic for a given `--seed`.
//!
//! # The model
//! - The fleet: N gates, each making its first attempt at a uniformly random moment
//!   in [0, `--spread-ms`], each with its own `Backoff` seeded from `--seed` and its
//!   index.
//! - The server refuses connections until `--start-ms`, answers 57P03 for
//!   `--starting-ms`, then is ready. It has `--max-connections` slots, of which
//!   `--reserved` are for superusers, so the gates and the app share the rest.
//! - A gate's attempt takes no time on its side and:
//!   - while the server is down, is refused: it costs the server nothing and is
//!     counted as a refused attempt, not a fork;
//!   - while it is starting, forks a backend that answers 57P03 (a fork);
//!   - once it is ready, forks a backend (a fork). With a slot free the gate logs
//!     in, holds the slot for the login and is then ready; otherwise it gets 53300
//!     (a rejection, refused at backend start, so it holds no slot).
//!
//!   After a failure the gate waits `next_delay` of its class's cost, taken as
//!   `wait` takes it (`Class::retry_cost_when_forced`): today Cheap, Starting and
//!   Crowded.
//! - CPU, simply: every fork costs `--fork-ms` of server CPU at once. A login costs
//!   `--login-ms` of CPU; with n gate logins in progress (this one included) on
//!   `--cores` cores it holds its slot for login-ms × max(1, n / cores), fixed when
//!   it starts, its CPU spread evenly over that time. The busy share of a 100 ms
//!   window (aligned to t = 0) is the CPU charged to it over cores × 100 ms; above
//!   100 % the forks alone ask for more than the cores have, because fork CPU is not
//!   fed back into login times (the model is then optimistic).
//! - The app is already running: from t = 0 it opens a connection every
//!   `--app-every-ms`. Once the server is ready each one forks a backend (fork-ms of
//!   CPU, not counted among the gates' forks) and holds a slot for `--app-hold-ms`
//!   if one is free; if none is, it is an app rejection (53300).
//! - A run ends when the last gate is ready (or at `--max-sim-s` of simulated time);
//!   "during the herd" is from the server's ready moment until then.
//!
//! # Left out
//! The kernel's accept backlog (SYN and accept queue overflow), TLS, DNS, PgBouncer
//! or any other pooler, network latency, the time an attempt takes on the gate's
//! side, the postmaster serialising its forks, memory, failed authentication, and
//! anything the gates do once ready.
//!
//! `bench/herd-sim --help` lists the flags.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use pgready::class::Class;
use pgready::retry::Backoff;

/// Microseconds per millisecond.
const MS: u64 = 1_000;
/// Microseconds per second.
const SECOND: u64 = 1_000_000;
/// The window of the 100 ms peaks and of the CPU share.
const WINDOW: u64 = 100 * MS;

/// The server, the app and the run; every field is a flag.
#[derive(clap::Args, Clone, Debug)]
struct Model {
    /// Gates start within [0, MS]
    #[arg(long, value_name = "MS", default_value_t = 1000.0)]
    spread_ms: f64,
    /// The server refuses until MS
    #[arg(long, value_name = "MS", default_value_t = 2000.0)]
    start_ms: f64,
    /// Then answers 57P03 for MS
    #[arg(long, value_name = "MS", default_value_t = 100.0)]
    starting_ms: f64,
    /// The server's max_connections
    #[arg(long, default_value_t = 20)]
    max_connections: u32,
    /// superuser_reserved_connections
    #[arg(long, default_value_t = 3)]
    reserved: u32,
    /// Server CPU per login (calibrated from bench/run goal 4)
    #[arg(long, value_name = "MS", default_value_t = 8.0)]
    login_ms: f64,
    /// Server CPU per backend fork (calibrated from bench/run goal 4)
    #[arg(long, value_name = "MS", default_value_t = 1.0)]
    fork_ms: f64,
    /// The server's cores
    #[arg(long, default_value_t = 2.0)]
    cores: f64,
    /// The app connects every MS (as bench/run goal 4's app)
    #[arg(long, value_name = "MS", default_value_t = 20.0)]
    app_every_ms: f64,
    /// Each app connection holds a slot for MS
    #[arg(long, value_name = "MS", default_value_t = 5.0)]
    app_hold_ms: f64,
    /// Stop after S simulated seconds
    #[arg(long, value_name = "S", default_value_t = 600.0)]
    max_sim_s: f64,
    /// The run's seed
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

impl Default for Model {
    fn default() -> Self {
        Args::parse_from(["herd-sim"]).model
    }
}

impl Model {
    /// The connection slots the gates and the app share.
    fn slots(&self) -> u32 {
        self.max_connections.saturating_sub(self.reserved)
    }

    /// The moment the server answers logins.
    fn ready_at(&self) -> u64 {
        us(self.start_ms + self.starting_ms)
    }

    fn check(&self) -> Result<(), String> {
        let times = [
            self.spread_ms,
            self.start_ms,
            self.starting_ms,
            self.login_ms,
            self.fork_ms,
            self.app_hold_ms,
            self.max_sim_s,
        ];
        if times.iter().any(|t| !t.is_finite() || *t < 0.0) {
            return Err("times must be finite and not negative".into());
        }
        if self.slots() == 0 {
            return Err("--max-connections must be more than --reserved".into());
        }
        if !self.cores.is_finite() || self.cores <= 0.0 {
            return Err("--cores must be more than 0".into());
        }
        if !self.app_every_ms.is_finite() || us(self.app_every_ms) == 0 {
            return Err("--app-every-ms must be at least 0.001".into());
        }
        Ok(())
    }

    /// The one line stating the parameters.
    fn describe(&self) -> String {
        format!(
            "model: gates start within {} ms; the server refuses until {} ms, answers 57P03 \
             for {} ms, then has {} max_connections - {} reserved = {} slots; login {} ms and \
             fork {} ms of CPU on {} cores; the app connects every {} ms holding {} ms; seed {}",
            self.spread_ms,
            self.start_ms,
            self.starting_ms,
            self.max_connections,
            self.reserved,
            self.slots(),
            self.login_ms,
            self.fork_ms,
            self.cores,
            self.app_every_ms,
            self.app_hold_ms,
            self.seed
        )
    }
}

/// Milliseconds to whole microseconds.
fn us(ms: f64) -> u64 {
    (ms * MS as f64).round() as u64
}

/// Simulates N pgready gates restarted together against one PostgreSQL server,
/// with the real retry policy; one row per fleet size.
#[derive(Parser, Debug)]
#[command(name = "bench/herd-sim")]
struct Args {
    #[command(flatten)]
    model: Model,
    /// Fleet sizes, one row each
    #[arg(long, value_name = "N,...", value_delimiter = ',', default_values_t = [1000, 10000],
          value_parser = clap::value_parser!(u32).range(1..))]
    gates: Vec<u32>,
    /// A JSON array on stdout (the parameters go to stderr)
    #[arg(long)]
    json: bool,
}

/// What happens at a moment. The order of the variants only breaks ties the
/// sequence number already broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    /// This gate attempts.
    Gate(usize),
    /// The app opens a connection.
    App,
    /// A gate's login ends: its slot is free and it is ready.
    GateReady,
    /// An app connection closes.
    AppClose,
}

/// The server's state at a moment.
enum Phase {
    Down,
    Starting,
    Ready,
}

/// One run: the state, and what was counted.
struct Sim {
    m: Model,
    now: u64,
    /// Events by time, then by the order they were scheduled in.
    queue: BinaryHeap<Reverse<(u64, u64, Event)>>,
    scheduled: u64,
    backoffs: Vec<Backoff>,
    /// Occupied slots, the app's included.
    occupied: u32,
    /// Gate logins in progress (what contends for the CPU).
    logins: u32,
    ready: usize,
    last_ready: u64,
    /// When each gate's fork happened, in order.
    forks: Vec<u64>,
    /// When each refused gate attempt happened, in order.
    refused: Vec<u64>,
    rejections: u64,
    app_attempts: u64,
    app_rejections: u64,
    /// CPU µs charged to each 100 ms window.
    cpu: Vec<f64>,
}

/// Runs `gates` gates against the model until all are ready (or the time limit).
fn run(m: &Model, gates: usize) -> Sim {
    let mut sim = Sim::new(m, gates);
    let limit = us(m.max_sim_s * 1000.0);
    while sim.ready < gates {
        let Reverse((t, _, event)) = sim.queue.pop().expect("the app's events never end");
        if t > limit {
            break;
        }
        sim.now = t;
        match event {
            Event::Gate(g) => sim.gate_attempt(g),
            Event::App => sim.app_attempt(),
            Event::GateReady => sim.gate_ready(),
            Event::AppClose => sim.occupied -= 1,
        }
    }
    sim
}

impl Sim {
    fn new(m: &Model, gates: usize) -> Self {
        let mut sim = Sim {
            m: m.clone(),
            now: 0,
            queue: BinaryHeap::new(),
            scheduled: 0,
            backoffs: (0..gates)
                .map(|g| Backoff::with_seed(gate_seed(m.seed, g)))
                .collect(),
            occupied: 0,
            logins: 0,
            ready: 0,
            last_ready: 0,
            forks: Vec::new(),
            refused: Vec::new(),
            rejections: 0,
            app_attempts: 0,
            app_rejections: 0,
            cpu: Vec::new(),
        };
        let mut rng = fastrand::Rng::with_seed(m.seed);
        for g in 0..gates {
            sim.at(rng.u64(0..=us(m.spread_ms)), Event::Gate(g));
        }
        sim.at(0, Event::App);
        sim
    }

    fn at(&mut self, t: u64, event: Event) {
        self.scheduled += 1;
        self.queue.push(Reverse((t, self.scheduled, event)));
    }

    fn phase(&self) -> Phase {
        if self.now < us(self.m.start_ms) {
            Phase::Down
        } else if self.now < self.m.ready_at() {
            Phase::Starting
        } else {
            Phase::Ready
        }
    }

    /// A gate's attempt; a failure is paced as `wait` paces its class.
    fn gate_attempt(&mut self, g: usize) {
        let failure = match self.phase() {
            Phase::Down => {
                self.refused.push(self.now);
                Class::ConnectionRefused
            }
            Phase::Starting => {
                self.gate_fork();
                Class::ServerStarting
            }
            Phase::Ready => {
                self.gate_fork();
                if self.take_slot() {
                    self.login();
                    return;
                }
                self.rejections += 1;
                Class::TooManyConnections
            }
        };
        let delay = self.backoffs[g].next_delay(failure.retry_cost_when_forced());
        self.at(self.now + micros(delay), Event::Gate(g));
    }

    fn app_attempt(&mut self) {
        match self.phase() {
            Phase::Down => {}
            Phase::Starting => self.fork_cpu(),
            Phase::Ready => {
                self.fork_cpu();
                self.app_attempts += 1;
                if self.take_slot() {
                    self.at(self.now + us(self.m.app_hold_ms), Event::AppClose);
                } else {
                    self.app_rejections += 1;
                }
            }
        }
        self.at(self.now + us(self.m.app_every_ms), Event::App);
    }

    fn gate_fork(&mut self) {
        self.forks.push(self.now);
        self.fork_cpu();
    }

    fn fork_cpu(&mut self) {
        let fork = us(self.m.fork_ms);
        self.charge_cpu(self.now, fork, fork as f64);
    }

    fn take_slot(&mut self) -> bool {
        let free = self.occupied < self.m.slots();
        if free {
            self.occupied += 1;
        }
        free
    }

    /// A login on a slot already taken: slower the more logins share the cores.
    fn login(&mut self) {
        self.logins += 1;
        let login = us(self.m.login_ms) as f64;
        let contention = (f64::from(self.logins) / self.m.cores).max(1.0);
        let hold = (login * contention).round() as u64;
        self.charge_cpu(self.now, hold, login);
        self.at(self.now + hold, Event::GateReady);
    }

    fn gate_ready(&mut self) {
        self.occupied -= 1;
        self.logins -= 1;
        self.ready += 1;
        self.last_ready = self.now;
    }

    /// Charges `cpu` µs spread evenly over [start, start + wall) to its windows.
    fn charge_cpu(&mut self, start: u64, wall: u64, cpu: f64) {
        let end = start + wall.max(1);
        let rate = cpu / (end - start) as f64;
        let mut t = start;
        while t < end {
            let w = (t / WINDOW) as usize;
            let edge = ((w as u64 + 1) * WINDOW).min(end);
            if self.cpu.len() <= w {
                self.cpu.resize(w + 1, 0.0);
            }
            self.cpu[w] += rate * (edge - t) as f64;
            t = edge;
        }
    }

    fn row(&self) -> Row {
        let gates = self.backoffs.len();
        let all_ready = self.ready == gates;
        let capacity = self.m.cores * WINDOW as f64;
        let peak_cpu = self.cpu.iter().copied().fold(0.0, f64::max);
        Row {
            gates,
            all_ready,
            all_ready_ms: all_ready.then(|| ms(self.last_ready.saturating_sub(self.m.ready_at()))),
            peak_forks_per_s: peak_in(&self.forks, SECOND),
            peak_forks_per_s_100ms: 10 * peak_in(&self.forks, WINDOW),
            forks: self.forks.len(),
            gate_rejections: self.rejections,
            app_attempts: self.app_attempts,
            app_rejected: self.app_rejections,
            app_rejected_pct: 100.0 * self.app_rejections as f64 / self.app_attempts.max(1) as f64,
            peak_cpu_pct: 100.0 * peak_cpu / capacity,
            peak_refused_per_s: peak_in(&self.refused, SECOND),
        }
    }
}

/// Each gate's own seed: the run's seed mixed with the gate's index.
fn gate_seed(seed: u64, gate: usize) -> u64 {
    seed ^ (gate as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn micros(d: Duration) -> u64 {
    d.as_micros() as u64
}

fn ms(t: u64) -> f64 {
    t as f64 / MS as f64
}

/// The most of the sorted `times` in any span [t, t + window).
fn peak_in(times: &[u64], window: u64) -> usize {
    let mut first = 0;
    let mut peak = 0;
    for (last, &t) in times.iter().enumerate() {
        while t - times[first] >= window {
            first += 1;
        }
        peak = peak.max(last + 1 - first);
    }
    peak
}

/// One fleet size's figures.
#[derive(Debug, PartialEq)]
struct Row {
    gates: usize,
    all_ready: bool,
    /// From the server's ready moment to the last gate's; `None` if some never were.
    all_ready_ms: Option<f64>,
    peak_forks_per_s: usize,
    peak_forks_per_s_100ms: usize,
    forks: usize,
    gate_rejections: u64,
    app_attempts: u64,
    app_rejected: u64,
    app_rejected_pct: f64,
    peak_cpu_pct: f64,
    peak_refused_per_s: usize,
}

impl Row {
    /// (JSON name, table heading, value as text) for each field, in order.
    fn fields(&self) -> [(&'static str, &'static str, String); 12] {
        let ready_ms = match self.all_ready_ms {
            Some(t) => format!("{t:.1}"),
            None => "null".into(),
        };
        [
            ("gates", "gates", self.gates.to_string()),
            ("all_ready", "all ready", self.all_ready.to_string()),
            ("all_ready_ms", "all ready after ms", ready_ms),
            (
                "peak_forks_per_s",
                "forks peak 1 s",
                self.peak_forks_per_s.to_string(),
            ),
            (
                "peak_forks_per_s_100ms",
                "forks/s peak 100 ms",
                self.peak_forks_per_s_100ms.to_string(),
            ),
            ("forks", "forks", self.forks.to_string()),
            (
                "gate_rejections",
                "gate 53300",
                self.gate_rejections.to_string(),
            ),
            ("app_attempts", "app in herd", self.app_attempts.to_string()),
            ("app_rejected", "app 53300", self.app_rejected.to_string()),
            (
                "app_rejected_pct",
                "app 53300 %",
                format!("{:.2}", self.app_rejected_pct),
            ),
            (
                "peak_cpu_pct",
                "CPU peak %",
                format!("{:.1}", self.peak_cpu_pct),
            ),
            (
                "peak_refused_per_s",
                "refused/s peak",
                self.peak_refused_per_s.to_string(),
            ),
        ]
    }
}

/// The rows as right-aligned columns under their headings.
fn table(rows: &[Row]) -> String {
    let cells: Vec<_> = rows.iter().map(Row::fields).collect();
    let Some(first) = cells.first() else {
        return String::new();
    };
    let widths: Vec<usize> = (0..first.len())
        .map(|i| {
            cells
                .iter()
                .map(|r| r[i].2.len())
                .chain([first[i].1.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |texts: Vec<&str>| {
        let padded: Vec<String> = texts
            .iter()
            .zip(&widths)
            .map(|(t, w)| format!("{t:>w$}"))
            .collect();
        padded.join("  ") + "\n"
    };
    let mut out = line(first.iter().map(|f| f.1).collect());
    for r in &cells {
        out += &line(
            r.iter()
                .map(|f| if f.2 == "null" { "never" } else { &f.2 })
                .collect(),
        );
    }
    out
}

/// The rows as a JSON array of objects (every value is a number, a bool or null).
fn json(rows: &[Row]) -> String {
    let objects: Vec<String> = rows
        .iter()
        .map(|r| {
            let pairs: Vec<String> = r
                .fields()
                .iter()
                .map(|(k, _, v)| format!("\"{k}\": {v}"))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        })
        .collect();
    format!("[{}]", objects.join(",\n "))
}

fn main() {
    let args = Args::parse();
    if let Err(e) = args.model.check() {
        Args::command()
            .error(clap::error::ErrorKind::ValueValidation, e)
            .exit();
    }
    let rows: Vec<Row> = args
        .gates
        .iter()
        .map(|&n| run(&args.model, n as usize).row())
        .collect();
    if args.json {
        eprintln!("{}", args.model.describe());
        println!("{}", json(&rows));
    } else {
        println!("{}", args.model.describe());
        print!("{}", table(&rows));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server ready from t = 0 and every gate starting then.
    fn ready_at_once() -> Model {
        Model {
            spread_ms: 0.0,
            start_ms: 0.0,
            starting_ms: 0.0,
            ..Model::default()
        }
    }

    #[test]
    fn one_gate_on_a_ready_server_is_ready_after_one_attempt() {
        let sim = run(&ready_at_once(), 1);
        let row = sim.row();
        assert_eq!(
            (row.forks, row.gate_rejections, sim.refused.len()),
            (1, 0, 0)
        );
        assert_eq!(row.all_ready_ms, Some(ready_at_once().login_ms));
    }

    #[test]
    fn without_a_connection_limit_nobody_is_rejected() {
        let m = Model {
            max_connections: 1_000_000,
            ..Model::default()
        };
        let row = run(&m, 1000).row();
        assert!(row.all_ready);
        assert_eq!((row.gate_rejections, row.app_rejected), (0, 0));
    }

    #[test]
    fn the_same_seed_gives_the_same_run() {
        let seeded = |seed| Model {
            seed,
            ..Model::default()
        };
        assert_eq!(run(&seeded(7), 300).row(), run(&seeded(7), 300).row());
        assert_ne!(run(&seeded(7), 300).row(), run(&seeded(8), 300).row());
    }

    #[test]
    fn every_gate_ends_ready_after_the_server_is() {
        let m = Model::default();
        let sim = run(&m, 1000);
        assert!(sim.row().all_ready);
        assert!(sim.last_ready > m.ready_at());
        assert!(sim.refused.iter().all(|&t| t < us(m.start_ms)));
        assert!(sim.rejections > 0, "1000 gates on 17 slots");
        assert_eq!(sim.logins, 0);
        assert!(sim.occupied <= 1, "only the app's connection may be open");
    }

    #[test]
    fn a_run_stops_at_its_time_limit() {
        let m = Model {
            start_ms: 10_000.0,
            max_sim_s: 5.0,
            ..Model::default()
        };
        let row = run(&m, 10).row();
        assert_eq!(
            (row.all_ready, row.all_ready_ms, row.forks),
            (false, None, 0)
        );
    }

    #[test]
    fn peaks_count_the_busiest_half_open_window() {
        assert_eq!(peak_in(&[], SECOND), 0);
        assert_eq!(peak_in(&[0, 1, 2, SECOND], SECOND), 3);
        assert_eq!(peak_in(&[0, SECOND - 1, SECOND, SECOND + 5], SECOND), 3);
    }

    #[test]
    fn flags_parse_with_or_without_equals() {
        let args =
            |s: &str| Args::try_parse_from(std::iter::once("herd-sim").chain(s.split_whitespace()));
        let a = args("--gates 200,1000 --cores=4 --json").unwrap();
        assert_eq!(
            (a.gates, a.model.cores, a.json),
            (vec![200, 1000], 4.0, true)
        );
        assert!(args("--reserved 20").unwrap().model.check().is_err());
        assert!(args("--gates").is_err());
        assert!(args("--gates 0").is_err());
    }
}

//! `wait` over time: a server that starts late, connections that free up, the hard
//! deadline, signals, and exec.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn wait_succeeds_when_the_server_starts_late() {
    let mut pg = Pg::prepare(&[]);
    let mut gate = Background::start(&["wait", "--json", "--timeout", "60s", "--url", &pg.url("")]);
    gate.wait_for("connection_refused");
    pg.launch();
    let run = gate.finish();
    run.assert_class("ready", 0);
    assert!(run.target()["attempts"].as_u64().unwrap() >= 2, "{run:?}");
    assert!(
        run.stderr.contains("connection_refused"),
        "the progress line shows the refused state: {}",
        run.stderr
    );
}

#[test]
fn wait_succeeds_when_connections_are_freed() {
    let pg = Pg::start_with(&["max_connections=5", "superuser_reserved_connections=2"]);
    let held = pg.hold_connections(3);
    let mut gate = Background::start(&["wait", "--json", "--timeout", "60s", "--url", &pg.url("")]);
    gate.wait_for("too_many_connections");
    drop(held);
    let run = gate.finish();
    run.assert_class("ready", 0);
    assert!(
        run.stderr.contains("too_many_connections"),
        "{}",
        run.stderr
    );
}

#[test]
fn database_created_during_the_wait() {
    let pg = Pg::start();
    let url = pg.url_for("app", APP_PASSWORD_URL, "latedb", "");
    let mut gate = Background::start(&["wait", "--json", "--timeout", "60s", "--url", &url]);
    gate.wait_for("database_missing");
    pg.sql("CREATE DATABASE latedb OWNER app");
    gate.finish().assert_class("ready", 0);
}

#[test]
fn the_deadline_is_hard_and_reports_the_last_failure() {
    let port = free_port();
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb");
    let run = run_args(&["wait", "--json", "--timeout", "3s", "--url", &url]);
    run.assert_class("connection_refused", 12);
    assert!(run.target()["attempts"].as_u64().unwrap() > 5, "{run:?}");
    // A loose bound (10x): the exact one is proven on a paused clock in
    // src/wait/tests.rs and measured in bench/.
    assert!(run.elapsed < Duration::from_secs(30), "{:?}", run.elapsed);
}

#[test]
fn retry_on_makes_a_permanent_class_retried() {
    let pg = Pg::start();
    let url = pg.url_for("app", WRONG_PASSWORD, "appdb", "");
    let run = run_args(&[
        "wait",
        "--json",
        "--timeout",
        "5s",
        "--retry-on",
        "auth_failed",
        "--url",
        &url,
    ]);
    run.assert_class("auth_failed", 30);
    assert!(run.target()["attempts"].as_u64().unwrap() > 1, "{run:?}");
}

fn signal_run(signal: i32, expected: i32) {
    let port = free_port();
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("termination-log");
    let log_arg = log.display().to_string();
    let mut gate = Background::start(&[
        "wait",
        "--json",
        "--timeout",
        "60s",
        "--termination-log",
        &log_arg,
        "--url",
        &url,
    ]);
    // The handlers are installed before the first attempt: once it is reported, the
    // signal is pgready's to handle.
    gate.wait_for("connection_refused");
    gate.signal(signal);
    let run = gate.finish();
    assert_eq!(run.code, expected, "{run:?}");
    let t = run.target();
    assert_eq!(t["class"], "interrupted");
    // Every rendering says the code the process exits with (143 for SIGTERM).
    assert_eq!(t["exit_code"], expected, "{t}");
    assert_eq!(run.json()["exit_code"], expected);
    assert!(
        run.stderr.contains(&format!("(exit {expected}")),
        "{}",
        run.stderr
    );
    let termination = std::fs::read_to_string(&log).unwrap();
    assert!(
        termination.contains(&format!("(exit {expected})")),
        "{termination}"
    );
    assert!(
        t["message"]
            .as_str()
            .unwrap()
            .contains("connection_refused"),
        "reports the last state: {t}"
    );
    assert!(run.elapsed < Duration::from_secs(10), "{:?}", run.elapsed);
}

#[test]
fn sigterm_ends_the_wait_with_143() {
    signal_run(libc::SIGTERM, 143);
}

#[test]
fn sigint_ends_the_wait_with_130() {
    signal_run(libc::SIGINT, 130);
}

#[test]
fn exec_replaces_pgready_once_ready() {
    let pg = Pg::start_with(&["log_min_messages=debug1"]);
    let (child, _) = spawn_pgready(&[
        "wait",
        "-q",
        "--url",
        &pg.url("application_name=pgready-exec"),
        "--",
        "sh",
        "-c",
        "echo pid=$$; exit 7",
    ]);
    let pid = child.id();
    let run = wait_child(child, Instant::now());
    assert_eq!(run.code, 7, "the command's exit code: {run:?}");
    assert_eq!(
        run.stdout.trim(),
        format!("pid={pid}"),
        "same PID: exec, not a child"
    );
    assert!(run.stderr.is_empty(), "quiet: {}", run.stderr);
    pg.assert_no_session_left("pgready-exec");
}

#[test]
fn wait_is_the_default_command_with_a_command_to_exec() {
    // The usage line's `pgready [wait] [OPTIONS] [-- CMD]`: no `wait` needed.
    let pg = Pg::start();
    let run = run_args(&[
        "-q",
        "--url",
        &pg.url(""),
        "--",
        "sh",
        "-c",
        "echo ran; exit 7",
    ]);
    assert_eq!(run.code, 7, "{run:?}");
    assert_eq!(run.stdout.trim(), "ran");
}

#[test]
fn exec_does_not_run_when_not_ready() {
    let port = free_port();
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb");
    let run = run_args(&[
        "wait",
        "--timeout",
        "3s",
        "--url",
        &url,
        "--",
        "sh",
        "-c",
        "echo ran",
    ]);
    assert_eq!(run.code, 12, "{run:?}");
    assert!(!run.stdout.contains("ran"));
}

#[test]
fn exec_of_a_missing_command_is_127() {
    let pg = Pg::start();
    let run = run_args(&["wait", "-q", "--url", &pg.url(""), "--", "/nonexistent/app"]);
    assert_eq!(run.code, 127, "{run:?}");
    assert!(
        run.stderr.contains("cannot run /nonexistent/app"),
        "{}",
        run.stderr
    );
}

#[test]
fn exec_with_a_signal_handling_child() {
    // After exec, SIGTERM reaches the app itself: the shell traps it and exits 42.
    let pg = Pg::start();
    let (child, _) = spawn_pgready(&[
        "wait",
        "-q",
        "--url",
        &pg.url(""),
        "--",
        "sh",
        "-c",
        "trap 'exit 42' TERM; echo up; while :; do sleep 0.05; done",
    ]);
    let mut child = child;
    let pid = child.id() as i32;
    let start = Instant::now();
    let mut stdout = child.stdout.take().unwrap();
    let mut buf = [0u8; 3];
    std::io::Read::read_exact(&mut stdout, &mut buf).unwrap();
    assert_eq!(&buf, b"up\n");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 42,
        "status {status}"
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn watch_reports_the_database_lost_and_back_and_exits_0_when_stopped() {
    let mut pg = Pg::start();
    // 100 ms between rounds: each state below lasts until the test has seen it.
    let mut watch = Background::start(&["watch", "--interval", "100ms", "--url", &pg.url("")]);
    watch.wait_for("✓");
    pg.stop_fast();
    watch.wait_for("connection_refused (exit 12");
    pg.launch();
    watch.wait_for_nth("✓", 2);
    watch.signal(libc::SIGTERM);
    let run = watch.finish();
    assert_eq!(run.code, 0, "a watch ends when it is stopped: {run:?}");
    // Verdict lines in order: ready first, then lost (refused; a stop or a restart
    // may also show 57P03 on the way), ready last — and never the same class twice
    // in a row: a line per change, not per round.
    let classes: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("pgready: "))
        .map(|l| match l.starts_with('✓') {
            true => "ready",
            false => l
                .split(": ")
                .nth(1)
                .and_then(|c| c.split(' ').next())
                .unwrap_or("?"),
        })
        .collect();
    assert_eq!(classes.first(), Some(&"ready"), "{}", run.stderr);
    assert_eq!(classes.last(), Some(&"ready"), "{}", run.stderr);
    assert!(classes.contains(&"connection_refused"), "{}", run.stderr);
    assert!(
        classes.windows(2).all(|w| w[0] != w[1]),
        "a line per change: {classes:?}"
    );
    assert!(classes.len() <= 6, "no line per round: {classes:?}");
}

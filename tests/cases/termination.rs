//! The Kubernetes termination message: written on failure, short, no password.

use crate::support::*;

#[test]
fn termination_message_names_the_class_target_and_fix() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("termination-log");
    let url = pg.url_for("app", WRONG_PASSWORD, "appdb", "");
    let run = run_args(&[
        "wait",
        "--termination-log",
        log.to_str().unwrap(),
        "--url",
        &url,
    ]);
    assert_eq!(run.code, 30);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("pgready: auth_failed (exit 30): --url postgresql://app:****@127.0.0.1:"),
        "{text}"
    );
    assert!(text.contains("\nhint: "), "{text}");
    assert!(text.len() <= 4096);
    assert_no_secret(&[&text]);
    // Ready: nothing is written.
    let ok = dir.path().join("ok-log");
    run_args(&[
        "check",
        "--termination-log",
        ok.to_str().unwrap(),
        "--url",
        &pg.url(""),
    ])
    .assert_class("ready", 0);
    assert!(!ok.exists());
}

#[test]
fn termination_message_is_cut_at_4096_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("termination-log");
    let mut cmd = pgready();
    cmd.args(["check", "--termination-log", log.to_str().unwrap()]);
    for i in 0..60 {
        cmd.args(["--url", &format!("postgresql://app:{WRONG_PASSWORD}@no-such-host-{i}-with-a-long-name.invalid:5432/appdb")]);
    }
    let run = run_cmd(&mut cmd);
    assert_eq!(run.code, 10);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.len() <= 4096 && text.len() > 3000, "{}", text.len());
    assert_no_secret(&[&text]);
}

/// doctor honours --termination-log too: each ❌ with its evidence and fix, so a
/// Job that runs doctor says why in `kubectl describe`.
#[test]
fn doctor_writes_its_failures_to_the_termination_log() {
    let pg = Pg::start();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("termination-log");
    let url = pg.url_for("app", WRONG_PASSWORD, "appdb", "");
    let run = run_args(&[
        "doctor",
        "--termination-log",
        log.to_str().unwrap(),
        "--url",
        &url,
    ]);
    assert_eq!(run.code, 30, "{run:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("pgready doctor: --url: authentication: auth_failed:"),
        "{text}"
    );
    assert!(text.contains("\nfix: "), "{text}");
    assert_no_secret(&[&text]);
    let ok = dir.path().join("ok-log");
    let run = run_args(&[
        "doctor",
        "--termination-log",
        ok.to_str().unwrap(),
        "--url",
        &pg.url(""),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!ok.exists());
}

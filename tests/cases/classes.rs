//! Every class one machine can produce, each against a real server or a real
//! faulty peer.

use crate::support::faults::{Behaviour, FakePeer};
use crate::support::*;

#[test]
fn ready_check_prints_the_documented_json() {
    let pg = Pg::start();
    let run = run_args(&["check", "--json", "--url", &pg.url("")]);
    run.assert_class("ready", 0);
    let doc = run.json();
    assert_eq!(doc["ready"], true);
    assert_eq!(doc["exit_code"], 0);
    assert!(doc["elapsed_ms"].is_u64());
    let t = run.target();
    assert_eq!(t["source"], "--url");
    assert_eq!(
        t["url"],
        format!("postgresql://app:****@127.0.0.1:{}/appdb", pg.port)
    );
    assert_eq!(t["ready"], true);
    assert_eq!(t["exit_code"], 0);
    assert!(t["prisma_code"].is_null());
    assert!(
        t["server_version"]
            .as_str()
            .unwrap()
            .starts_with(char::is_numeric),
        "{t}"
    );
    assert_eq!(t["attempts"], 1);
    for stage in ["resolve", "connect", "tls", "auth", "query"] {
        assert!(t["stages_ms"][stage].is_number(), "{stage}: {t}");
    }
    assert!(t["hints"].is_array() && t["message"].is_string());
    for ready_null in ["stage", "check", "sqlstate"] {
        assert!(t[ready_null].is_null(), "{ready_null}: {t}");
    }
}

#[test]
fn ready_ends_the_session_with_terminate() {
    let pg = Pg::start_with(&["log_min_messages=debug1"]);
    run_args(&[
        "check",
        "--url",
        &pg.url("application_name=pgready-leak-check"),
    ])
    .assert_class("ready", 0);
    pg.assert_no_session_left("pgready-leak-check");
}

#[test]
fn dns_not_found() {
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        "postgresql://app:Wr0ng-Passw0rd-zz@no-such-host.invalid:5432/appdb",
    ]);
    run.assert_class("dns_not_found", 10);
    assert_eq!(run.target()["prisma_code"], "P1001");
    assert_eq!(run.target()["check"], "host_resolves");
    assert!(run.target()["sqlstate"].is_null());
    // The URL already names a service: "use the service's name" is no advice.
    let hints = run.target()["hints"].to_string();
    assert!(!hints.contains("e.g. `postgres`"), "{hints}");
    assert!(hints.contains("same network"), "{hints}");
}

#[test]
fn connection_refused() {
    let port = free_port();
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb");
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("connection_refused", 12);
    assert!(
        run.stderr.contains("hint: is the database running?"),
        "{}",
        run.stderr
    );
}

#[test]
fn handshake_timeout_on_a_silent_peer() {
    let peer = FakePeer::start(Behaviour::Silent);
    let url = format!(
        "postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{}/appdb",
        peer.port
    );
    let run = run_args(&[
        "check",
        "--json",
        // The peer accepts and never answers: any bound ends in handshake_timeout;
        // 2 s leaves the TCP connect itself ample time on a loaded machine.
        "--attempt-timeout",
        "2s",
        "--url",
        &url,
    ]);
    run.assert_class("handshake_timeout", 14);
    assert_eq!(run.target()["prisma_code"], "P1002");
}

#[test]
fn connection_closed_mid_handshake() {
    let peer = FakePeer::start(Behaviour::CloseAfterFirstPacket);
    for mode in ["disable", "prefer", "require"] {
        let url = format!(
            "postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{}/appdb?sslmode={mode}",
            peer.port
        );
        let run = run_args(&["check", "--json", "--url", &url]);
        run.assert_class("connection_closed", 15);
    }
}

#[test]
fn http_peer_is_classified_not_a_panic() {
    let peer = FakePeer::start(Behaviour::Http);
    for mode in ["disable", "prefer"] {
        let url = format!(
            "postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{}/appdb?sslmode={mode}",
            peer.port
        );
        let run = run_args(&["check", "--json", "--url", &url]);
        run.assert_class("connection_closed", 15);
        assert!(
            run.message()
                .contains("does not speak the PostgreSQL protocol"),
            "{run:?}"
        );
    }
}

#[test]
fn auth_failed_wrong_password() {
    let pg = Pg::start();
    let url = pg.url_for("app", WRONG_PASSWORD, "appdb", "");
    let run = run_args(&["wait", "--json", "--url", &url]);
    run.assert_class("auth_failed", 30);
    let t = run.target();
    assert_eq!(t["prisma_code"], "P1000");
    assert_eq!(
        (&t["check"], &t["sqlstate"]),
        (&"authentication".into(), &"28P01".into())
    );
    assert_eq!(t["attempts"], 1, "auth_failed is not retried");
    assert!(t["message"].as_str().unwrap().contains("28P01"), "{t}");
    // One hint per cause: the password reset once, the encoding at most once.
    let hints: Vec<String> = t["hints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    assert!(hints.len() <= 3, "{hints:?}");
    let about = |needle: &str| hints.iter().filter(|h| h.contains(needle)).count();
    assert_eq!(about("POSTGRES_PASSWORD"), 1, "{hints:?}");
    assert!(about("percent-encode") <= 1, "{hints:?}");
    // A password with special characters also draws the lint's finding: still one.
    let url = format!("postgresql://app:Wr0ng#pw-zz@127.0.0.1:{}/appdb", pg.port);
    let run = run_args(&["check", "--json", "--url", &url]);
    let hints = run.target()["hints"].to_string();
    assert_eq!(hints.matches("percent-encode").count(), 1, "{hints}");
}

#[test]
fn auth_failed_without_a_password() {
    let pg = Pg::start();
    let url = format!("postgresql://app@127.0.0.1:{}/appdb", pg.port);
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("auth_failed", 30);
    assert!(run.message().contains("none was given"), "{run:?}");
}

#[test]
fn access_rejected_by_pg_hba_nologin_and_connect() {
    let pg = Pg::start();
    let blocked = pg.url_for("blocked", OTHER_PASSWORD, "appdb", "");
    let run = run_args(&["check", "--json", "--url", &blocked]);
    run.assert_class("access_rejected", 31);
    assert!(run.stderr.contains("pg_hba.conf"), "{}", run.stderr);
    let nologin = pg.url_for("nologin", OTHER_PASSWORD, "appdb", "");
    let run = run_args(&["check", "--json", "--url", &nologin]);
    run.assert_class("access_rejected", 31);
    assert!(
        run.stderr.contains("ALTER ROLE \"nologin\" LOGIN"),
        "{}",
        run.stderr
    );
    pg.sql(
        "REVOKE CONNECT ON DATABASE appdb FROM PUBLIC; REVOKE CONNECT ON DATABASE appdb FROM app;",
    );
    pg.sql("ALTER DATABASE appdb OWNER TO postgres");
    let run = run_args(&["check", "--json", "--url", &pg.url("")]);
    run.assert_class("access_rejected", 31);
    assert!(run.stderr.contains("GRANT CONNECT"), "{}", run.stderr);
}

#[test]
fn database_missing() {
    let pg = Pg::start();
    let url = pg.url_for("app", APP_PASSWORD_URL, "nosuchdb", "");
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("database_missing", 32);
    assert_eq!(run.target()["prisma_code"], "P1003");
    assert_eq!(run.target()["check"], "database_exists");
    assert_eq!(run.target()["sqlstate"], "3D000");
    assert!(
        run.stderr.contains("CREATE DATABASE \"nosuchdb\""),
        "{}",
        run.stderr
    );
}

#[test]
fn standby_without_hot_standby_is_server_starting_and_with_it_read_only() {
    let primary = Pg::start();
    let mut standby = primary.standby(&["hot_standby=off"]);
    standby.launch();
    let url = standby.url("");
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("server_starting", 40);
    standby.stop_fast();

    let mut hot = primary.standby(&["hot_standby=on"]);
    hot.launch();
    run_args(&["check", "--url", &hot.url("")]).assert_class("ready", 0);
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &hot.url("target_session_attrs=read-write"),
    ]);
    run.assert_class("read_only", 42);
    assert!(run.message().contains("standby"), "{run:?}");
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_WRITE_URL", hot.url("")),
    );
    run.assert_class("read_only", 42);
    assert_eq!(run.target()["source"], "DATABASE_WRITE_URL");
    run_cmd(
        pgready()
            .args(["check"])
            .env("DATABASE_READ_URL", hot.url("")),
    )
    .assert_class("ready", 0);
}

#[test]
fn too_many_connections() {
    let pg = Pg::start_with(&["max_connections=5", "superuser_reserved_connections=2"]);
    let _held = pg.hold_connections(3);
    let run = run_args(&["check", "--json", "--url", &pg.url("")]);
    run.assert_class("too_many_connections", 41);
    assert!(run.message().contains("53300"), "{run:?}");
}

#[test]
fn binary_exit_codes_for_healthchecks() {
    let port = free_port();
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb");
    let run = run_args(&["check", "--exit-codes", "binary", "--json", "--url", &url]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.target()["exit_code"],
        12,
        "the JSON keeps the class's own code"
    );
    // Under binary no path exits 2 (Docker reserves it): command-line errors,
    // whether binary came from the flag or the variable, doctor and explain.
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let refusals: [Case<'_>; 6] = [
        (
            &["check", "--exit-codes", "binary", "--timeout", "abc"],
            &[],
        ),
        (&["check", "--exit-codes=binary", "--no-such-flag"], &[]),
        (
            &["check", "--timeout", "abc"],
            &[("PGREADY_EXIT_CODES", "binary")],
        ),
        (&["doctor", "--exit-codes", "binary", "--url", &url], &[]),
        (
            &["doctor", "--url", &url],
            &[("PGREADY_EXIT_CODES", "binary")],
        ),
        (
            &[
                "explain",
                "--exit-codes",
                "binary",
                "--url",
                "postgresql://h:99999/d",
            ],
            &[],
        ),
    ];
    for (args, env) in refusals {
        let run = run_cmd(pgready().args(args).envs(env.iter().copied()));
        assert_eq!(run.code, 1, "{args:?} {env:?}: {run:?}");
    }
    // Without it, a command-line error is invalid_config's 2.
    assert_eq!(run_args(&["check", "--timeout", "abc"]).code, 2);
}

#[test]
fn help_lists_every_exit_code_from_the_class_table() {
    let run = run_args(&["--help"]);
    assert_eq!(run.code, 0);
    let help = run.stdout.replace('\u{a0}', " ");
    for class in pgready::class::Class::ALL {
        let code = match class {
            pgready::class::Class::Interrupted => "130/143".to_string(),
            c => c.exit_code().to_string(),
        };
        let entry = format!("{code} {}", class.name());
        assert!(help.contains(&entry), "--help lacks `{entry}`:\n{help}");
    }
}

//! Where targets come from, and configurations that can never work
//! (`invalid_config`, exit 2, never retried).

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

#[test]
fn nothing_configured_names_what_was_looked_for() {
    let run = run_args(&["wait", "--json"]);
    run.assert_class("invalid_config", 2);
    assert!(
        run.stderr
            .contains("DATABASE_URL, DATABASE_DIRECT_URL, DATABASE_READ_URL, DATABASE_WRITE_URL"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("at run time"), "{}", run.stderr);
    let run = run_cmd(pgready().args(["check", "--json"]).env("DATABASE_URL", ""));
    run.assert_class("invalid_config", 2);
    assert!(
        run.stderr.contains("DATABASE_URL set but empty"),
        "{}",
        run.stderr
    );
}

#[test]
fn unusable_urls_fail_at_once_without_retrying() {
    let cases = [
        ("calcom:Wr0ng-Passw0rd-zz@postgres:5432/calcom", "no scheme"),
        ("mysql://app:Wr0ng-Passw0rd-zz@db/app", "unsupported scheme"),
        (
            "postgresql://app:Wr0ng-Passw0rd-zz%@db/app",
            "percent-encoded",
        ),
        (
            "postgresql://app:Wr0ng-Passw0rd-zz@db:99999/app",
            "invalid port",
        ),
        (
            "postgresql://app:Wr0ng-Passw0rd-zz@db:5432/app?sslmode=verify",
            "invalid sslmode",
        ),
        (
            "postgresql://app:Wr0ng-Passw0rd-zz@db:5432/app?connect_timeout=x",
            "connect_timeout",
        ),
    ];
    for (url, expect) in cases {
        let run = run_cmd(
            pgready()
                .args(["wait", "--json", "--timeout", "30s"])
                .env("DATABASE_URL", url),
        );
        run.assert_class("invalid_config", 2);
        let t = run.target();
        assert_eq!(t["attempts"], 1, "{url}");
        assert_eq!(t["prisma_code"], "P1013");
        assert!(
            t["message"].as_str().unwrap().contains(expect),
            "{url}: {t}"
        );
        assert!(
            t["message"].as_str().unwrap().contains("DATABASE_URL"),
            "names the source: {t}"
        );
    }
}

#[test]
fn bad_flags_are_invalid_config() {
    let run = run_args(&["wait", "--timeout", "soon"]);
    assert_eq!(run.code, 2, "{run:?}");
    let run = run_args(&["check", "--retry-on", "everything"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("auth_failed"),
        "lists the classes: {}",
        run.stderr
    );
}

#[test]
fn every_url_variable_is_a_target_and_the_first_failure_decides_the_exit_code() {
    let pg = Pg::start();
    let missing = pg.url_for("app", APP_PASSWORD_URL, "nosuchdb", "");
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_URL", pg.url(""))
            .env("DATABASE_DIRECT_URL", &missing)
            .env(
                "DATABASE_READ_URL",
                pg.url_for("app", WRONG_PASSWORD, "appdb", ""),
            ),
    );
    assert_eq!(
        run.code, 32,
        "DATABASE_DIRECT_URL fails first in source order: {run:?}"
    );
    let doc = run.json();
    let sources: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        ["DATABASE_URL", "DATABASE_DIRECT_URL", "DATABASE_READ_URL"]
    );
    let classes: Vec<&str> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["class"].as_str().unwrap())
        .collect();
    assert_eq!(classes, ["ready", "database_missing", "auth_failed"]);
    assert_eq!(doc["ready"], false);
}

#[test]
fn url_env_adds_other_variables() {
    let pg = Pg::start();
    let run = run_cmd(
        pgready()
            .args(["check", "--json", "--url-env", "INSIGHTS_DATABASE_URL"])
            .env("INSIGHTS_DATABASE_URL", pg.url(""))
            .env("DATABASE_URL", "postgresql://ignored@127.0.0.1:1/x"),
    );
    run.assert_class("ready", 0);
    assert_eq!(run.target()["source"], "INSIGHTS_DATABASE_URL");
}

#[test]
fn libpq_environment_and_password_file() {
    let pg = Pg::start();
    let base = |cmd: &mut std::process::Command| {
        cmd.args(["check", "--json"])
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", pg.port.to_string())
            .env("PGUSER", "app")
            .env("PGDATABASE", "appdb");
    };
    let mut cmd = pgready();
    base(&mut cmd);
    let run = run_cmd(cmd.env("PGPASSWORD", APP_PASSWORD));
    run.assert_class("ready", 0);
    assert_eq!(run.target()["source"], "PG* environment");

    let dir = tempfile::tempdir().unwrap();
    let passfile = dir.path().join("pgpass");
    let escaped = APP_PASSWORD.replace('\\', "\\\\").replace(':', "\\:");
    std::fs::write(
        &passfile,
        format!("127.0.0.1:{}:appdb:app:{escaped}\n", pg.port),
    )
    .unwrap();
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = pgready();
    base(&mut cmd);
    run_cmd(cmd.env("PGPASSFILE", &passfile)).assert_class("ready", 0);

    // A URL without a password takes it from the password file too, as libpq does.
    let url = format!("postgresql://app@127.0.0.1:{}/appdb", pg.port);
    run_cmd(
        pgready()
            .args(["check", "--url", &url])
            .env("PGPASSFILE", &passfile),
    )
    .assert_class("ready", 0);
    // HOME/.pgpass is the default file.
    std::fs::copy(&passfile, dir.path().join(".pgpass")).unwrap();
    std::fs::set_permissions(
        dir.path().join(".pgpass"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    run_cmd(
        pgready()
            .args(["check", "--url", &url])
            .env("HOME", dir.path()),
    )
    .assert_class("ready", 0);
    // A file others can read is ignored, as libpq ignores it — and said so, with
    // the chmod, in wait's hints and doctor's password item.
    std::fs::set_permissions(&passfile, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = run_cmd(
        pgready()
            .args(["check", "--json", "--url", &url])
            .env("PGPASSFILE", &passfile),
    );
    run.assert_class("auth_failed", 30);
    let hints = run.target()["hints"].to_string();
    assert!(
        hints.contains("permissions are 0644") && hints.contains("chmod 600"),
        "{hints}"
    );
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json", "--url", &url])
            .env("PGPASSFILE", &passfile),
    );
    let items = run.json()["targets"][0]["items"].to_string();
    assert!(items.contains("chmod 600"), "{items}");
}

#[test]
fn prisma_parameters_are_understood() {
    let pg = Pg::start();
    // libpq refuses Prisma's parameters, so without --client the URL is Prisma's.
    let url = pg.url("schema=public&connection_limit=5&pool_timeout=10&pgbouncer=true&socket_timeout=5&statement_cache_size=0&sslaccept=accept_invalid_certs&sslmode=prefer");
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("ready", 0);
    assert_eq!(run.target()["client"], "prisma");
    let hints = run.target()["hints"].to_string();
    assert!(!hints.contains("is ignored by"), "{hints}");
    // A typo: libpq refuses the whole URL (so does psql); Prisma ignores it.
    let typo = pg.url("sslmod=disable");
    let run = run_args(&["check", "--json", "--url", &typo]);
    run.assert_class("invalid_config", 2);
    assert!(run.message().contains("`sslmod`"), "{run:?}");
    let run = run_args(&["check", "--json", "--client", "prisma", "--url", &typo]);
    run.assert_class("ready", 0);
    assert!(
        run.target()["hints"]
            .to_string()
            .contains("`sslmod` is ignored by prisma"),
        "{run:?}"
    );
}

#[test]
fn unencoded_password_is_refused_by_every_client() {
    let pg = Pg::start();
    // The raw password holds # / @ ?: libpq ends the user info at the `/`, Node's
    // and the url crate's WHATWG parsers at the `#`; no client reads this URL the
    // way it was meant, so neither does pgready.
    let url = format!(
        "postgresql://app:{APP_PASSWORD}@127.0.0.1:{}/appdb",
        pg.port
    );
    for client in ["libpq", "prisma", "node-postgres"] {
        let run = run_args(&["check", "--json", "--client", client, "--url", &url]);
        assert_ne!(run.code, 0, "{client}: {run:?}");
        let said = format!("{} {}", run.message(), run.target()["hints"]);
        assert!(said.contains("percent-encod"), "{client}: {said}");
    }
    let encoded = format!(
        "postgresql://app:{}@127.0.0.1:{}/appdb",
        APP_PASSWORD_URL, pg.port
    );
    run_args(&["check", "--url", &encoded]).assert_class("ready", 0);
}

#[test]
fn boolean_variables_take_what_people_write() {
    let url = format!("postgresql://app@127.0.0.1:{}/appdb", free_port());
    for (value, json) in [
        ("1", true),
        ("yes", true),
        ("on", true),
        ("true", true),
        ("0", false),
        ("no", false),
        ("off", false),
    ] {
        let run = run_cmd(
            pgready()
                .env("PGREADY_JSON", value)
                .args(["check", "--url", &url]),
        );
        assert_eq!(
            run.stdout.trim_start().starts_with('{'),
            json,
            "PGREADY_JSON={value}: {run:?}"
        );
        assert_eq!(run.code, 12, "{run:?}");
    }
    // `yes` is read (not refused as before), and means what the flag means.
    let flag = run_cmd(pgready().args(["check", "--quiet", "--url", &url]));
    let var = run_cmd(
        pgready()
            .env("PGREADY_QUIET", "yes")
            .args(["check", "--url", &url]),
    );
    assert_eq!(
        var.stderr.lines().count(),
        flag.stderr.lines().count(),
        "{var:?} vs {flag:?}"
    );
    assert_eq!(var.code, 12, "{var:?}");
    let bad = run_cmd(
        pgready()
            .env("PGREADY_QUIET", "maybe")
            .args(["check", "--url", &url]),
    );
    assert_eq!(bad.code, 2, "{bad:?}");
    // The value came from the variable: the message names the variable.
    assert!(
        bad.stderr
            .contains("PGREADY_QUIET=\"maybe\" is not a valid value for --quiet"),
        "{}",
        bad.stderr
    );
    let bad = run_cmd(
        pgready()
            .env("PGREADY_TIMEOUT", "abc")
            .args(["check", "--url", &url]),
    );
    assert!(
        bad.stderr.contains("PGREADY_TIMEOUT=\"abc\""),
        "{}",
        bad.stderr
    );
    // A URL pasted into the wrong variable is not echoed (no password is known yet).
    let pasted = format!("postgresql://app:{WRONG_PASSWORD}@db/appdb");
    let bad = run_cmd(
        pgready()
            .env("PGREADY_TIMEOUT", &pasted)
            .args(["check", "--url", &url]),
    );
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(
        bad.stderr.contains("PGREADY_TIMEOUT=(a value not shown"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains(WRONG_PASSWORD), "{}", bad.stderr);
    // Typed on the command line, the flag is named as before.
    let typed = run_cmd(pgready().args(["check", "--timeout", "abc", "--url", &url]));
    assert!(
        typed.stderr.contains("'--timeout <DURATION>'")
            && !typed.stderr.contains("PGREADY_TIMEOUT"),
        "{}",
        typed.stderr
    );
}

/// A configuration error that is not about a URL names its flag and its own fix,
/// never "fix the connection string".
#[test]
fn flag_errors_name_the_flag_not_the_url() {
    let url = "postgresql://app@127.0.0.1:1/appdb";
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("prisma/migrations/20240101_init")).unwrap();
    std::fs::write(
        dir.path()
            .join("prisma/migrations/20240101_init/migration.sql"),
        "SELECT 1;",
    )
    .unwrap();
    let parent = format!("prisma={}", dir.path().display());
    let cases: [(&[&str], &str); 4] = [
        (
            &["--migrations", "prizma"],
            "unknown migration tool `prizma`",
        ),
        (
            &["--migrations", "prisma=/nonexistent/m"],
            "mount the app's migrations directory",
        ),
        (&["--expect-migration", "20240101_init"], "add --migrations"),
        // The parent of the migrations folder holds none: say where they are.
        (&["--migrations", &parent], "did you mean"),
    ];
    for (flags, says) in cases {
        let run = run_cmd(pgready().args(["check", "--url", url]).args(flags));
        assert_eq!(run.code, 2, "{flags:?}: {run:?}");
        assert!(run.stderr.contains(says), "{says}: {}", run.stderr);
        assert!(run.stderr.contains("✗ --migrations"), "{}", run.stderr);
        assert!(
            !run.stderr.contains("fix the connection string"),
            "{}",
            run.stderr
        );
    }
    // A typo in --expect-migration, when the shipped migrations are known, ends
    // at once instead of waiting out the deadline as migrations_pending.
    let dir_flag = format!("prisma={}/prisma/migrations", dir.path().display());
    let run = run_cmd(pgready().args([
        "wait",
        "--timeout",
        "60s",
        "--url",
        url,
        "--migrations",
        &dir_flag,
        "--expect-migration",
        "20240101_inti",
    ]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("no migration of that name"),
        "{}",
        run.stderr
    );
    assert!(run.elapsed < std::time::Duration::from_secs(30), "{run:?}");
    let run = run_args(&["check", "--client", "all", "--url", url]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("✗ --client")
            && run
                .stderr
                .contains("--client libpq, prisma or node-postgres"),
        "{}",
        run.stderr
    );
}

/// The typos people make, each told apart: `&` for `?` in front of parameters,
/// two URLs in one variable, a bad port in a URL whose `@` is there, a socket.
#[test]
fn typos_get_their_own_fix() {
    let pg = Pg::start();
    let typo = format!(
        "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{}/appdb&schema=other",
        pg.port
    );
    let run = run_args(&[
        "wait",
        "--json",
        "--timeout",
        "60s",
        "--create-database",
        "--url",
        &typo,
    ]);
    run.assert_class("invalid_config", 2);
    let hints = run.target()["hints"].to_string();
    assert!(hints.contains("/appdb?schema=other"), "{hints}");
    let created = pg.sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'appdb&%'");
    assert_eq!(created.trim(), "0", "no database named after the typo");

    let joined = format!("{},{}", pg.url(""), pg.url("application_name=second"));
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("PGREADY_URL", &joined),
    );
    run.assert_class("ready", 0);
    assert_eq!(
        run.json()["targets"].as_array().unwrap().len(),
        2,
        "{}",
        run.stdout
    );

    let port = run_args(&[
        "check",
        "--url",
        "postgresql://app:Sec-ret-77@db:54a2/appdb",
    ]);
    assert_eq!(port.code, 2, "{port:?}");
    assert!(
        !port.stderr.contains("`@` before the host is missing"),
        "{}",
        port.stderr
    );
    let socket = run_args(&[
        "check",
        "--url",
        "postgresql://app@/appdb?host=/nonexistent-dir",
    ]);
    assert_eq!(socket.code, 12, "{socket:?}");
    assert!(
        socket.stderr.contains("unix_socket_directories"),
        "{}",
        socket.stderr
    );
    for tcp_only in ["listen_addresses", "published host port"] {
        assert!(
            !socket.stderr.contains(tcp_only),
            "{tcp_only}: {}",
            socket.stderr
        );
    }
}

/// With `--log-format json` every line on stderr is JSON: the progress lines and
/// one verdict object per target (class, exit code, hints), ready or not.
#[test]
fn json_logs_are_json_to_the_last_line() {
    let pg = Pg::start();
    // A wrong password is permanent: the wait ends on it at once, long before the
    // generous deadline, with one target ready and one failed.
    let refused = pg.url_for("app", WRONG_PASSWORD, "appdb", "");
    let run = run_args(&[
        "wait",
        "--timeout",
        "60s",
        "--log-format",
        "json",
        "--url",
        &pg.url(""),
        "--url",
        &refused,
    ]);
    assert_eq!(run.code, 30, "{run:?}");
    let lines: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let verdicts: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["fields"]["verdict"].is_string())
        .collect();
    assert_eq!(verdicts.len(), 2, "{}", run.stderr);
    assert_eq!(verdicts[0]["fields"]["class"], "ready");
    let failed = &verdicts[1]["fields"];
    assert_eq!(
        (&failed["class"], &failed["exit_code"]),
        (&"auth_failed".into(), &30.into())
    );
    assert!(!failed["hints"].as_array().unwrap().is_empty(), "{failed}");
    assert_eq!(verdicts[1]["level"], "ERROR");
    assert!(!run.stderr.contains(WRONG_PASSWORD));
}

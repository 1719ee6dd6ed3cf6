//! Gates beyond readiness, each against a real server (and a real PgBouncer).

use crate::support::pgbouncer::PgBouncer;
use crate::support::*;

#[test]
fn min_server_version() {
    let pg = Pg::start();
    let run = run_args(&[
        "check",
        "--json",
        "--min-server-version",
        "99",
        "--url",
        &pg.url(""),
    ]);
    run.assert_class("version_unsupported", 43);
    assert!(run.message().contains("at least 99"), "{run:?}");
    // A minor release asked for is printed as asked, not rounded to the major.
    let major = pg.sql("SHOW server_version");
    let wanted = format!("{}.99", major.split('.').next().unwrap().trim());
    let run = run_args(&[
        "check",
        "--json",
        "--min-server-version",
        &wanted,
        "--url",
        &pg.url(""),
    ]);
    run.assert_class("version_unsupported", 43);
    assert!(
        run.message()
            .contains(&format!("at least {wanted} is required")),
        "{run:?}"
    );
    run_args(&["check", "--min-server-version", "13", "--url", &pg.url("")])
        .assert_class("ready", 0);
    run_args(&["wait", "--min-server-version", "9.6", "--url", &pg.url("")])
        .assert_class("ready", 0);
}

#[test]
fn schema_privilege_the_postgresql_15_trap() {
    let pg = Pg::start();
    pg.sql(&format!(
        "CREATE ROLE viewer LOGIN PASSWORD '{OTHER_PASSWORD}'"
    ));
    let viewer = pg.url_for("viewer", OTHER_PASSWORD, "appdb", "");
    let create = [
        "check",
        "--json",
        "--require-schema-privilege",
        "create",
        "--url",
        &viewer,
    ];
    if server_major() < 15 {
        // 13/14: PUBLIC may create in public, so the role may; the trap needs a REVOKE.
        run_args(&create).assert_class("ready", 0);
        pg.sql_in("appdb", "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    }
    let run = run_args(&create);
    run.assert_class("schema_permission_denied", 44);
    assert!(run.message().contains("lacks CREATE"), "{run:?}");
    assert!(
        run.stderr
            .contains("GRANT USAGE, CREATE ON SCHEMA \"public\" TO \"viewer\""),
        "{}",
        run.stderr
    );
    // The owner-only story (and its ALTER DATABASE … OWNER fix) is 15+'s alone.
    assert_eq!(
        run.stderr.contains("ALTER DATABASE"),
        server_major() >= 15,
        "{}",
        run.stderr
    );
    if server_major() < 15 {
        // Back to 13/14's default, where the database owner creates in public too.
        pg.sql_in("appdb", "GRANT CREATE ON SCHEMA public TO PUBLIC");
    }
    run_args(&[
        "check",
        "--require-schema-privilege",
        "usage",
        "--url",
        &viewer,
    ])
    .assert_class("ready", 0);
    // The database owner has CREATE on public.
    run_args(&[
        "check",
        "--require-schema-privilege",
        "create",
        "--url",
        &pg.url(""),
    ])
    .assert_class("ready", 0);
    // Prisma's schema= names the schema; a missing one is reported as such.
    let run = run_args(&[
        "check",
        "--json",
        "--require-schema-privilege",
        "usage",
        "--url",
        &pg.url("schema=app"),
    ]);
    run.assert_class("schema_permission_denied", 44);
    assert!(run.message().contains("does not exist"), "{run:?}");
}

#[test]
fn table_appears_during_the_wait() {
    let pg = Pg::start();
    let url = pg.url("");
    // Retried until the deadline: 5 s is far more than a few attempts need (the
    // exact deadline is proven on a paused clock in src/wait/tests.rs).
    let run = run_args(&[
        "wait",
        "--json",
        "--timeout",
        "5s",
        "--require-table",
        "public.users",
        "--url",
        &url,
    ]);
    run.assert_class("table_missing", 45);
    assert!(
        run.target()["attempts"].as_u64().unwrap() > 1,
        "retried: {run:?}"
    );
    let mut gate = Background::start(&[
        "wait",
        "--json",
        "--timeout",
        "60s",
        "--require-table",
        "users,public.accounts",
        "--url",
        &url,
    ]);
    gate.wait_for("table_missing");
    pg.sql_in("appdb", "CREATE TABLE public.users (id int)");
    pg.sql_in("appdb", "CREATE TABLE public.accounts (id int)");
    gate.finish().assert_class("ready", 0);
}

#[test]
fn extension_appears_during_the_wait() {
    let pg = Pg::start();
    let url = pg.url("");
    let run = run_args(&[
        "check",
        "--json",
        "--require-extension",
        "no_such_ext",
        "--url",
        &url,
    ]);
    run.assert_class("extension_missing", 46);
    assert!(run.stderr.contains("not even installed"), "{}", run.stderr);
    let mut gate = Background::start(&[
        "wait",
        "--json",
        "--timeout",
        "60s",
        "--require-extension",
        "pg_trgm",
        "--url",
        &url,
    ]);
    gate.wait_for("extension_missing");
    pg.sql_in("appdb", "CREATE EXTENSION pg_trgm");
    gate.finish().assert_class("ready", 0);
}

#[test]
fn require_writable_gate() {
    let primary = Pg::start();
    let mut standby = primary.standby(&["hot_standby=on"]);
    standby.launch();
    run_args(&[
        "check",
        "--json",
        "--require-writable",
        "--url",
        &standby.url(""),
    ])
    .assert_class("read_only", 42);
    run_args(&["check", "--require-writable", "--url", &primary.url("")]).assert_class("ready", 0);
}

#[test]
fn same_database_across_url_variables() {
    let one = Pg::start();
    // Copies of one template share a system identifier (as a primary and its
    // standbys do); another cluster needs an initdb of its own.
    let two = Pg::start_independent();
    let bouncer = PgBouncer::start(&one);
    let pooled = bouncer.url();
    // Pooled and direct URLs on the same cluster, through PgBouncer: a match.
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_URL", &pooled)
            .env("DATABASE_DIRECT_URL", one.url("")),
    );
    run.assert_class("ready", 0);
    // Direct URL on another cluster: a mismatch, on by default with several variables.
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_URL", &pooled)
            .env("DATABASE_DIRECT_URL", two.url("")),
    );
    assert_eq!(run.code, 60, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["targets"][1]["class"], "targets_mismatch");
    assert!(
        doc["targets"][1]["message"]
            .as_str()
            .unwrap()
            .contains("DATABASE_URL"),
        "{doc}"
    );
    // Same cluster, another database: a mismatch too.
    one.sql("CREATE DATABASE otherdb OWNER app");
    let other = one.url_for("app", APP_PASSWORD_URL, "otherdb", "");
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_URL", one.url(""))
            .env("DATABASE_DIRECT_URL", &other),
    );
    assert_eq!(run.code, 60, "{run:?}");
    // The message names both databases and their cluster, not bare oids.
    let message = run.json()["targets"][1]["message"].to_string();
    assert!(
        message.contains("database otherdb (oid") && message.contains("database appdb (oid"),
        "{message}"
    );
    assert!(message.contains("of cluster"), "{message}");
    // Two --url targets are told apart by position.
    let run = run_args(&[
        "check",
        "--json",
        "--require-same-database",
        "--url",
        &one.url(""),
        "--url",
        &other,
    ]);
    assert_eq!(run.code, 60, "{run:?}");
    let message = run.json()["targets"][1]["message"].to_string();
    assert!(
        message.contains("--url #2 reaches") && message.contains("but --url #1 reaches"),
        "{message}"
    );
    // Off on request, and off by default for --url targets.
    let run = run_cmd(
        pgready()
            .args(["check", "--require-same-database", "false"])
            .env("DATABASE_URL", &pooled)
            .env("DATABASE_DIRECT_URL", two.url("")),
    );
    run.assert_class("ready", 0);
    run_args(&["check", "--url", &pooled, "--url", &two.url("")]).assert_class("ready", 0);
}

#[test]
fn checks_work_through_pgbouncer_in_transaction_mode() {
    let pg = Pg::start();
    let bouncer = PgBouncer::start(&pg);
    let url = bouncer.url();
    let run = run_args(&[
        "check",
        "--json",
        "--require-table",
        "pg_catalog.pg_class",
        "--min-server-version",
        "13",
        "--url",
        &url,
    ]);
    run.assert_class("ready", 0);
    let missing = format!(
        "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{}/nosuchdb?pgbouncer=true",
        bouncer.port
    );
    run_args(&["check", "--json", "--url", &missing]).assert_class("database_missing", 32);
}

#[test]
fn twenty_gates_create_the_database_once() {
    let pg = Pg::start();
    pg.sql("ALTER ROLE app CREATEDB");
    let url = pg.url_for("app", APP_PASSWORD_URL, "created_db", "");
    let gates: Vec<_> = (0..20)
        .map(|_| {
            spawn_pgready(&[
                "wait",
                "--json",
                "--timeout",
                "60s",
                "--create-database",
                "--url",
                &url,
            ])
        })
        .collect();
    let runs: Vec<Run> = gates.into_iter().map(|(c, s)| wait_child(c, s)).collect();
    let mut created = 0;
    for run in &runs {
        run.assert_class("ready", 0);
        let actions = run.target()["actions"].to_string();
        if actions.contains("database \\\"created_db\\\" created") {
            created += 1;
        }
    }
    assert_eq!(
        created,
        1,
        "exactly one gate creates it: {:?}",
        runs.iter()
            .map(|r| r.target()["actions"].clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        pg.sql("SELECT count(*) FROM pg_database WHERE datname = 'created_db'"),
        "1"
    );
}

#[test]
fn create_database_needs_the_privilege() {
    let pg = Pg::start();
    let url = pg.url_for("app", APP_PASSWORD_URL, "never_db", "");
    // One attempt: the answer does not depend on how long a login takes.
    let run = run_args(&["check", "--json", "--create-database", "--url", &url]);
    run.assert_class("database_missing", 32);
    assert!(
        run.stderr.contains("may not create databases"),
        "{}",
        run.stderr
    );
    assert_eq!(
        pg.sql("SELECT count(*) FROM pg_database WHERE datname = 'never_db'"),
        "0"
    );
}

/// A required table in a schema the role may not use is the schema's privilege
/// (with the GRANT), not a pg_hba-style access rejection.
#[test]
fn a_table_behind_a_schema_without_usage_names_the_grant() {
    let pg = Pg::start();
    pg.sql_in("appdb", "CREATE SCHEMA billing; CREATE TABLE billing.invoices (id int); REVOKE ALL ON SCHEMA billing FROM PUBLIC");
    let run = run_args(&[
        "check",
        "--json",
        "--require-table",
        "billing.invoices",
        "--url",
        &pg.url(""),
    ]);
    run.assert_class("schema_permission_denied", 44);
    let hints = run.target()["hints"].to_string();
    assert!(
        hints.contains("GRANT USAGE ON SCHEMA \\\"billing\\\" TO \\\"app\\\""),
        "{hints}"
    );
    pg.sql_in("appdb", "GRANT USAGE ON SCHEMA billing TO app");
    run_args(&[
        "check",
        "--require-table",
        "billing.invoices",
        "--url",
        &pg.url(""),
    ])
    .assert_class("ready", 0);
    run_args(&[
        "check",
        "--require-table",
        "billing.nothing",
        "--url",
        &pg.url(""),
    ])
    .assert_class("table_missing", 45);
}

//! `pgready doctor`: each checklist item against a real server (and PgBouncer),
//! plus snapshots of the human checklist for fixed cases.

use serde_json::Value;

use crate::support::pgbouncer::PgBouncer;
use crate::support::*;

/// The items of the first target, by id → (status, evidence).
fn items(run: &Run) -> Vec<(String, String, String)> {
    run.json()["targets"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().to_string(),
                i["status"].as_str().unwrap().to_string(),
                i["evidence"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn item(run: &Run, id: &str) -> (String, String) {
    items(run)
        .into_iter()
        .find(|(i, _, _)| i == id)
        .map(|(_, s, e)| (s, e))
        .unwrap_or_else(|| panic!("no item {id}: {}", run.stdout))
}

/// The item ids the README's Doctor section lists, in backticks.
fn readme_doctor_ids() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Doctor").unwrap()..];
    let section = &section[..section.find("`--json` prints").unwrap()];
    section
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn doctor(args: &[&str]) -> Run {
    let mut all = vec!["doctor", "--json"];
    all.extend_from_slice(args);
    run_args(&all)
}

#[test]
fn healthy_database_is_all_green() {
    let pg = Pg::start();
    let run = doctor(&["--url", &pg.url("sslmode=disable")]);
    assert_eq!(run.code, 0, "{run:?}");
    for id in [
        "url_parses",
        "scheme",
        "database_name",
        "password_encoding",
        "host_resolves",
        "tcp_reachable",
        "server_responds",
        "tls",
        "authentication",
        "database_exists",
        "connect_privilege",
        "server_version",
        "writable",
        "connection_headroom",
        "schema_privileges",
        "pooler",
    ] {
        assert_eq!(item(&run, id).0, "ok", "{id}: {}", run.stdout);
    }
    let doc = run.json();
    assert_eq!(doc["ok"], true);
    let schema: &Value = &doc["targets"][0]["items"][0];
    for key in ["id", "status", "title", "evidence", "fix"] {
        assert!(schema.get(key).is_some(), "item field {key}: {schema}");
    }
}

#[test]
fn postgres_15_schema_trap_and_revoked_connect() {
    let pg = Pg::start();
    pg.sql(&format!(
        "CREATE ROLE viewer LOGIN PASSWORD '{OTHER_PASSWORD}'"
    ));
    let viewer = pg.url_for("viewer", OTHER_PASSWORD, "appdb", "");
    let run = doctor(&["--url", &viewer]);
    let (status, evidence) = item(&run, "schema_privileges");
    if server_major() >= 15 {
        // 15+: CREATE on public belongs to the database owner only.
        assert_eq!(status, "warn", "{evidence}");
        assert!(
            evidence.contains("lacks CREATE") && evidence.contains("PostgreSQL 15+"),
            "{evidence}"
        );
    } else {
        // 13/14: every role may create in public; no trap to report...
        assert_eq!(status, "ok", "{evidence}");
        // ...unless CREATE was revoked, which is reported without the 15+ story.
        pg.sql_in("appdb", "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        let run = doctor(&["--url", &viewer]);
        let (status, evidence) = item(&run, "schema_privileges");
        assert_eq!(status, "warn", "{evidence}");
        assert!(
            evidence.contains("lacks CREATE") && !evidence.contains("15+"),
            "{evidence}"
        );
    }
    pg.sql("REVOKE CONNECT ON DATABASE appdb FROM PUBLIC");
    let run = doctor(&["--url", &viewer]);
    assert_eq!(item(&run, "connect_privilege").0, "fail", "{}", run.stdout);
    assert_eq!(run.code, 31);
}

#[test]
fn connection_math_with_replicas() {
    let pg = Pg::start_with(&["max_connections=10", "superuser_reserved_connections=2"]);
    let _held = pg.hold_connections(3);
    let url = pg.url("connection_limit=5");
    let run = doctor(&["--url", &url]);
    let (status, evidence) = item(&run, "connection_headroom");
    assert!(evidence.contains("max_connections 10"), "{evidence}");
    assert_eq!(status, "ok", "{evidence}");
    let run = doctor(&["--replicas", "3", "--url", &url]);
    let (status, evidence) = item(&run, "connection_headroom");
    assert_eq!(status, "fail", "3 × 5 > free slots: {evidence}");
    assert!(evidence.contains("3 replicas × 5"), "{evidence}");
    assert_eq!(run.code, 41);
}

#[test]
fn standby_is_flagged_and_fails_for_a_write_url() {
    let primary = Pg::start();
    let mut standby = primary.standby(&["hot_standby=on"]);
    standby.launch();
    let run = doctor(&["--url", &standby.url("")]);
    assert_eq!(item(&run, "writable").0, "warn", "{}", run.stdout);
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json"])
            .env("DATABASE_WRITE_URL", standby.url("")),
    );
    assert_eq!(item(&run, "writable").0, "fail", "{}", run.stdout);
    assert_eq!(run.code, 42);
}

#[test]
fn pooler_detection_through_pgbouncer() {
    let pg = Pg::start();
    let bouncer = PgBouncer::start(&pg);
    let pooled = |query: &str| {
        format!(
            "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{}/appdb?{query}",
            bouncer.port
        )
    };
    let run = doctor(&["--client", "prisma", "--url", &pooled("pgbouncer=true")]);
    let (status, evidence) = item(&run, "pooler");
    assert_eq!(status, "ok", "{evidence}");
    assert!(evidence.contains("pooler or proxy"), "{evidence}");
    let run = doctor(&["--client", "prisma", "--url", &pooled("sslmode=disable")]);
    assert_eq!(item(&run, "pooler").0, "warn", "{}", run.stdout);
    // The direct URL must not go through the pooler.
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json", "--client", "prisma"])
            .env("DATABASE_URL", pooled("pgbouncer=true"))
            .env("DATABASE_DIRECT_URL", pooled("pgbouncer=true")),
    );
    let direct = &run.json()["targets"][1]["items"];
    let pooler = direct
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "pooler")
        .unwrap();
    assert_eq!(pooler["status"], "fail", "{pooler}");
    // A configuration error, not pgready's own (exit 1 was internal_error).
    assert_eq!(pooler["class"], "invalid_config", "{pooler}");
    assert_eq!(run.code, 2, "{}", run.stdout);
    // pgbouncer=true on a direct connection is noted.
    let run = doctor(&["--url", &pg.url("pgbouncer=true")]);
    assert_eq!(item(&run, "pooler").0, "warn", "{}", run.stdout);
    // wait and check see the same finding: a warning on the ready direct URL (a
    // session-mode pooler may serve migrations, so it does not fail the gate),
    // and nothing for a direct URL that reaches PostgreSQL itself.
    for command in ["check", "wait"] {
        let run = run_cmd(
            pgready()
                .args([
                    command,
                    "--json",
                    "--client",
                    "prisma",
                    "--require-same-database",
                    "false",
                ])
                .env("DATABASE_URL", pooled("pgbouncer=true"))
                .env("DATABASE_DIRECT_URL", pooled("pgbouncer=true")),
        );
        assert_eq!(run.code, 0, "{run:?}");
        let hints = run.json()["targets"][1]["hints"].to_string();
        assert!(
            hints.contains("goes through a pooler or proxy"),
            "{command}: {hints}"
        );
        assert!(
            run.stderr.contains("goes through a pooler or proxy"),
            "{}",
            run.stderr
        );
    }
    let run = run_cmd(
        pgready()
            .args(["check", "--json"])
            .env("DATABASE_URL", pooled("pgbouncer=true"))
            .env("DATABASE_DIRECT_URL", pg.url("")),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !run.stdout.contains("goes through a pooler"),
        "{}",
        run.stdout
    );
}

#[test]
fn same_database_item_across_urls() {
    let one = Pg::start();
    let two = Pg::start_independent();
    let bouncer = PgBouncer::start(&one);
    let pooled = bouncer.url();
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json"])
            .env("DATABASE_URL", &pooled)
            .env("DATABASE_DIRECT_URL", one.url("")),
    );
    let doc = run.json();
    for t in doc["targets"].as_array().unwrap() {
        let same = t["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "same_database")
            .unwrap();
        assert_eq!(same["status"], "ok", "{same}");
    }
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json"])
            .env("DATABASE_URL", &pooled)
            .env("DATABASE_DIRECT_URL", two.url("")),
    );
    assert_eq!(run.code, 60, "{}", run.stdout);
}

#[test]
fn failures_stop_the_checklist_where_they_happen() {
    let pg = Pg::start();
    let run = doctor(&["--url", &pg.url_for("app", WRONG_PASSWORD, "appdb", "")]);
    assert_eq!(item(&run, "authentication").0, "fail");
    assert_eq!(run.code, 30);
    let run = doctor(&[
        "--url",
        &pg.url_for("app", APP_PASSWORD_URL, "nosuchdb", ""),
    ]);
    assert_eq!(item(&run, "database_exists").0, "fail");
    // What the server checks before the database still shows as passed, and every
    // later item is skipped under its own id (the README's list), none collapsed.
    assert_eq!(item(&run, "authentication").0, "ok", "{}", run.stdout);
    let documented = readme_doctor_ids();
    for (id, status, _) in items(&run) {
        assert!(documented.contains(&id), "{id} is not in the README's list");
        if id == "server_version" || id == "schema_privileges" {
            assert_eq!(status, "skip", "{id}");
        }
    }
    let port = free_port();
    let run = doctor(&[
        "--url",
        &format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{port}/appdb"),
    ]);
    assert_eq!(item(&run, "tcp_reachable").0, "fail");
    assert_eq!(run.code, 12);
}

/// The human checklist for fixed cases, compared with `tests/snapshots/`
/// (`PGREADY_UPDATE_SNAPSHOTS=1` rewrites them).
#[test]
fn checklist_snapshots() {
    let cases = [
        (
            "doctor-no-scheme.txt",
            "calcom:myPassword123@postgres:5432/calcom",
        ),
        (
            "doctor-unknown-host.txt",
            "postgres://calcom:myPassword123@postgres.invalid:5432",
        ),
        (
            "doctor-bad-escape.txt",
            "postgresql://app:100%@db.invalid:5432/app?sslmode=require",
        ),
    ];
    for (file, url) in cases {
        let run = run_cmd(
            pgready()
                .args(["doctor"])
                .env("DATABASE_URL", url)
                .env("NO_COLOR", "1"),
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(file);
        if std::env::var_os("PGREADY_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &run.stdout).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            run.stdout, expected,
            "{file} differs; rerun with PGREADY_UPDATE_SNAPSHOTS=1 if intended"
        );
        assert!(!run.stdout.contains("myPassword123"));
    }
}

/// Without --migrations, doctor looks for every known tool's history table where
/// the tool keeps it; a failed migration (the guides' P3009) is a finding.
#[test]
fn migration_history_item() {
    let pg = Pg::start();
    let url = pg.url("");
    let run = doctor(&["--url", &url]);
    assert_eq!(run.code, 0, "{run:?}");
    let (status, evidence) = item(&run, "migrations");
    assert_eq!(status, "skip");
    assert!(
        evidence.contains("no history table of a known tool"),
        "{evidence}"
    );

    pg.sql_in("appdb", "CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch int, migration_time timestamptz); \
        CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, is_locked int); INSERT INTO knex_migrations_lock (is_locked) VALUES (0); \
        INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20240101_init.js', 1, now()); \
        CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, finished_at TIMESTAMPTZ, \
        migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, started_at TIMESTAMPTZ NOT NULL DEFAULT now(), \
        applied_steps_count INTEGER NOT NULL DEFAULT 0); \
        INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('1', 'x', '20240101_init', 'ERROR: type \"citext\" does not exist'); \
        GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
    let run = doctor(&["--url", &url]);
    assert_eq!(run.code, 52, "{run:?}");
    let found: Vec<(String, String, String)> = items(&run)
        .into_iter()
        .filter(|(id, _, _)| id == "migrations")
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].1, "fail");
    assert!(
        found[0].2.contains("migration 20240101_init failed") && found[0].2.contains("citext"),
        "{found:?}"
    );
    assert_eq!(found[1].1, "ok");
    assert!(
        found[1]
            .2
            .starts_with("knex (public.knex_migrations): 1 applied"),
        "{found:?}"
    );

    // With --migrations, exactly the tools named, judged as `wait` would.
    let run = doctor(&[
        "--url",
        &url,
        "--migrations",
        "knex",
        "--expect-migration",
        "20240102_next",
    ]);
    assert_eq!(run.code, 51, "{run:?}");
    assert!(
        item(&run, "migrations").1.contains("20240102_next"),
        "{}",
        run.stdout
    );
}

/// doctor honours the table and extension gates it offers: judged as `wait` judges
/// them, one finding each, and the other items still run.
#[test]
fn table_and_extension_gates_are_findings() {
    let pg = Pg::start();
    let url = pg.url("");
    let run = doctor(&[
        "--url",
        &url,
        "--require-table",
        "users",
        "--require-extension",
        "plpgsql",
    ]);
    let (status, evidence) = item(&run, "tables");
    assert_eq!(status, "fail", "{evidence}");
    assert!(evidence.contains("users"), "{evidence}");
    assert_eq!(item(&run, "extensions").0, "ok", "{}", run.stdout);
    assert_eq!(item(&run, "connection_headroom").0, "ok", "{}", run.stdout);
    assert_eq!(run.code, 45, "table_missing: {run:?}");
    pg.sql_in(
        "appdb",
        "CREATE TABLE users (id int); GRANT SELECT ON users TO app",
    );
    let run = doctor(&["--url", &url, "--require-table", "users"]);
    assert_eq!(item(&run, "tables").0, "ok", "{}", run.stdout);
    assert_eq!(run.code, 0, "{run:?}");
}

//! The migration gate for tools whose CLI cannot run here (Prisma needs engine
//! binaries from the network; golang-migrate and Flyway come from GitHub and
//! Maven, which this machine does not reach): their history tables are built with
//! each tool's own DDL, and rows written as the tool writes them, checksums
//! computed by independent programs (`sha256sum`, Python's `zlib.crc32`).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::support::pgbouncer::PgBouncer;
use crate::support::*;

/// `_prisma_migrations` exactly as prisma-engines creates it (postgres flavour).
pub(super) const PRISMA_DDL: &str = "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, \
    finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, \
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0)";

/// golang-migrate's postgres driver.
pub(super) const GOLANG_MIGRATE_DDL: &str =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)";

/// Flyway's `PostgreSQLDatabase.getRawCreateScript`.
const FLYWAY_DDL: &str = "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL, version VARCHAR(50), \
    description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INTEGER, \
    installed_by VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INTEGER NOT NULL, \
    success BOOLEAN NOT NULL, CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank))";

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_string()
}

/// Runs a migration the way Prisma's engine does: the script, then its row.
fn prisma_apply(pg: &Pg, dir: &Path, name: &str) {
    let file = dir.join(name).join("migration.sql");
    let script = std::fs::read_to_string(&file).unwrap();
    pg.sql_in("appdb", &script);
    pg.sql_in(
        "appdb",
        &format!(
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) \
             VALUES (gen_random_uuid(), '{}', now(), '{name}', 1)",
            sha256sum(&file)
        ),
    );
}

#[test]
fn prisma_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("prisma/migrations");
    let spec = format!("prisma={}", dir.display());
    write_file(
        &dir.join("migration_lock.toml"),
        "provider = \"postgresql\"\n",
    );
    write_file(
        &dir.join("20240101000000_init/migration.sql"),
        "CREATE TABLE \"User\" (id serial PRIMARY KEY);\n",
    );
    write_file(
        &dir.join("20240102000000_posts/migration.sql"),
        "CREATE TABLE \"Post\" (id serial PRIMARY KEY);\n",
    );

    // Never migrated: the app waits (retried); the deploy job may go.
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_missing", 50);
    assert!(
        run.message().contains("public._prisma_migrations"),
        "{run:?}"
    );
    assert_eq!(report(&run)["present"], false);
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);

    pg.sql_in("appdb", PRISMA_DDL);
    pg.sql_in("appdb", "ALTER TABLE _prisma_migrations OWNER TO app");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["20240101000000_init", "20240102000000_posts"]
    );

    prisma_apply(&pg, &dir, "20240101000000_init");
    prisma_apply(&pg, &dir, "20240102000000_posts");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    let r = report(&run);
    assert_eq!(
        names(&r["applied"]),
        ["20240101000000_init", "20240102000000_posts"]
    );
    assert_eq!(r["last_applied"], "20240102000000_posts");
    assert!(r["last_applied_at"].as_str().is_some(), "{r}");
    assert_eq!(r["table"], "public._prisma_migrations");
    assert!(
        run.stderr
            .contains("migrations: prisma (public._prisma_migrations): 2 applied"),
        "{}",
        run.stderr
    );

    // One pending: the release ships a third migration.
    write_file(
        &dir.join("20240103000000_tags/migration.sql"),
        "CREATE TABLE \"Tag\" (id serial PRIMARY KEY);\n",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert!(run.message().contains("20240103000000_tags"), "{run:?}");
    assert!(
        run.stderr.contains("npx prisma migrate deploy"),
        "{}",
        run.stderr
    );
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);

    // It fails half-way: P3009 blocks every later deploy.
    pg.sql_in("appdb", &format!(
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count) VALUES \
         (gen_random_uuid(), '{}', '20240103000000_tags', \
         E'Database error code: 42P07\\n\\nDatabase error:\\nERROR: relation \"Tag\" already exists\\n\\nPosition:\\n  0\\n', 0)",
        sha256sum(&dir.join("20240103000000_tags/migration.sql"))
    ));
    for requirement in ["applied", "deployable"] {
        let run = gate(
            &url,
            &["--migrations", &spec, "--require-migrations", requirement],
        );
        run.assert_class("migrations_failed", 52);
        assert_eq!(run.target()["prisma_code"], "P3009");
        let message = run.message();
        assert!(message.contains("20240103000000_tags failed"), "{message}");
        assert!(message.contains("Database error code: 42P07 ⏎ Database error: ⏎ ERROR: relation \"Tag\" already exists"), "{message}");
        assert!(
            run.stderr
                .contains("npx prisma migrate resolve --rolled-back \"20240103000000_tags\""),
            "{}",
            run.stderr
        );
        assert_eq!(names(&report(&run)["failed"]), ["20240103000000_tags"]);
    }
    // Not retried: wait ends at once with the same class.
    let run = run_args(&[
        "wait",
        "--timeout",
        "60s",
        "--url",
        &url,
        "--migrations",
        &spec,
    ]);
    run.assert_class("migrations_failed", 52);
    assert!(run.stderr.contains("after 1 attempt"), "{run:?}");

    // `migrate resolve --rolled-back`, then a successful deploy.
    pg.sql_in(
        "appdb",
        "UPDATE _prisma_migrations SET rolled_back_at = now() WHERE finished_at IS NULL",
    );
    prisma_apply(&pg, &dir, "20240103000000_tags");
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);

    // A line-ending change is not a modification (Prisma accepts CRLF↔LF).
    let posts = dir.join("20240102000000_posts/migration.sql");
    std::fs::write(&posts, "CREATE TABLE \"Post\" (id serial PRIMARY KEY);\r\n").unwrap();
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // An edit is.
    std::fs::write(
        &posts,
        "CREATE TABLE \"Post\" (id bigserial PRIMARY KEY);\n",
    )
    .unwrap();
    let recorded = pg.sql_in(
        "appdb",
        "SELECT checksum FROM _prisma_migrations WHERE migration_name = '20240102000000_posts'",
    );
    for requirement in ["applied", "deployable"] {
        let run = gate(
            &url,
            &["--migrations", &spec, "--require-migrations", requirement],
        );
        run.assert_class("migrations_modified", 53);
        let message = run.message();
        assert!(
            message.contains(&sha256sum(&posts)) && message.contains(&recorded),
            "{message}"
        );
        assert!(
            message.contains("20240102000000_posts/migration.sql"),
            "{message}"
        );
    }
    std::fs::write(&posts, "CREATE TABLE \"Post\" (id serial PRIMARY KEY);\n").unwrap();

    // Old rows hold the digest without zero-padding; still the same script.
    pg.sql_in("appdb", &format!(
        "UPDATE _prisma_migrations SET checksum = '{}' WHERE migration_name = '20240102000000_posts'",
        unpadded(&sha256sum(&posts))
    ));
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);

    // Unknown: the image ships fewer migrations than the database has seen.
    std::fs::remove_dir_all(dir.join("20240103000000_tags")).unwrap();
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_unknown", 54);
    assert_eq!(names(&report(&run)["unknown"]), ["20240103000000_tags"]);
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);

    // Without files: the table alone, and the newest migration the release needs.
    gate(
        &url,
        &[
            "--migrations",
            "prisma",
            "--expect-migration",
            "20240103000000_tags",
        ],
    )
    .assert_class("ready", 0);
    let run = gate(
        &url,
        &[
            "--migrations",
            "prisma",
            "--expect-migration",
            "20240104000000_next",
        ],
    );
    run.assert_class("migrations_pending", 51);
    assert!(run.message().contains("20240104000000_next"), "{run:?}");
    assert_eq!(report(&run)["dir"], Value::Null);
}

/// Each byte in hex without its leading zero, as old Prisma versions stored it.
fn unpadded(hex: &str) -> String {
    (0..hex.len())
        .step_by(2)
        .map(|i| format!("{:x}", u8::from_str_radix(&hex[i..i + 2], 16).unwrap()))
        .collect()
}

#[test]
fn prisma_schema_parameter_and_a_waiting_app() {
    let pg = Pg::start();
    pg.sql_in("appdb", "CREATE SCHEMA app AUTHORIZATION app");
    let url = pg.url("schema=app");
    // The app waits for the migration job, which runs once the app has looked.
    let mut app = Background::start(&[
        "wait",
        "--json",
        "--timeout",
        "60s",
        "--url",
        &url,
        "--migrations",
        "prisma",
        "--expect-migration",
        "20240101000000_init",
    ]);
    app.wait_for("migrations_missing");
    // One transaction, as the migration job commits it: a poll between CREATE and
    // GRANT would otherwise see "permission denied" (access_rejected, not retried).
    pg.sql_in(
        "appdb",
        &format!(
            "SET search_path = app; {PRISMA_DDL}; \
             GRANT SELECT ON app._prisma_migrations TO app; \
             INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) \
             VALUES ('1', 'x', now(), '20240101000000_init')"
        ),
    );
    let run = app.finish();
    run.assert_class("ready", 0);
    assert_eq!(report(&run)["table"], "app._prisma_migrations");
    assert!(run.target()["attempts"].as_u64().unwrap() > 1, "{run:?}");
    // The table in public is not the app's: Prisma reads the URL's schema.
    pg.sql_in("appdb", PRISMA_DDL);
    let run = gate(&pg.url("schema=other"), &["--migrations", "prisma"]);
    run.assert_class("migrations_missing", 50);
    assert!(
        run.message().contains("other._prisma_migrations"),
        "{run:?}"
    );
}

#[test]
fn through_pgbouncer_and_with_a_role_that_can_only_read() {
    let pg = Pg::start();
    pg.sql_in("appdb", PRISMA_DDL);
    pg.sql_in("appdb", "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', 'x', now(), 'a'), ('2', 'y', NULL, 'b')");
    pg.sql_in("appdb", "GRANT SELECT ON _prisma_migrations TO app");
    let bouncer = PgBouncer::start(&pg);
    let pooled = format!(
        "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{}/appdb?pgbouncer=true",
        bouncer.port
    );
    let run = gate(&pooled, &["--migrations", "prisma"]);
    run.assert_class("migrations_failed", 52);
    assert_eq!(names(&report(&run)["applied"]), ["a"]);

    pg.sql(&format!(
        "CREATE ROLE reader LOGIN PASSWORD '{OTHER_PASSWORD}'"
    ));
    pg.sql_in("appdb", "GRANT SELECT ON _prisma_migrations TO reader; ALTER ROLE reader SET default_transaction_read_only = on");
    let reader = pg.url_for("reader", OTHER_PASSWORD, "appdb", "");
    let run = gate(&reader, &["--migrations", "prisma"]);
    run.assert_class("migrations_failed", 52);
    // pgready read, and wrote nothing: the role could not have.
    assert_eq!(
        pg.sql_in("appdb", "SELECT count(*) FROM _prisma_migrations"),
        "2"
    );
    // Without SELECT the server's own words name the table.
    pg.sql_in("appdb", "REVOKE SELECT ON _prisma_migrations FROM reader");
    let run = gate(&reader, &["--migrations", "prisma"]);
    run.assert_class("access_rejected", 31);
    assert!(
        run.message()
            .contains("permission denied for table _prisma_migrations"),
        "{run:?}"
    );
    assert!(
        run.stderr
            .contains("GRANT SELECT ON public._prisma_migrations TO \"reader\";"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("GRANT CONNECT"), "{}", run.stderr);
}

#[test]
fn golang_migrate_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    for (v, t) in [(1, "users"), (2, "posts"), (3, "tags")] {
        write_file(
            &dir.join(format!("00000{v}_{t}.up.sql")),
            &format!("CREATE TABLE {t} (id int);"),
        );
        write_file(
            &dir.join(format!("00000{v}_{t}.down.sql")),
            &format!("DROP TABLE {t};"),
        );
    }
    let spec = format!("golang-migrate={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", GOLANG_MIGRATE_DDL);
    pg.sql_in("appdb", "ALTER TABLE schema_migrations OWNER TO app");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_pending", 51);
    pg.sql_in("appdb", "INSERT INTO schema_migrations VALUES (2, false)");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(
        names(&report(&run)["applied"]),
        ["000001_users.up.sql", "000002_posts.up.sql"]
    );
    assert_eq!(names(&report(&run)["pending"]), ["000003_tags.up.sql"]);
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "golang-migrate", "--expect-migration", "2"],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "golang-migrate",
            "--expect-migration",
            "000003_tags.up.sql",
        ],
    )
    .assert_class("migrations_pending", 51);
    // `up` crashed in the middle of 3: dirty.
    pg.sql_in(
        "appdb",
        "TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (3, true)",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_failed", 52);
    assert!(run.stderr.contains("force VERSION"), "{}", run.stderr);
    assert_eq!(names(&report(&run)["failed"]), ["000003_tags.up.sql"]);
    pg.sql_in(
        "appdb",
        "TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (3, false)",
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // A newer release migrated to 4.
    pg.sql_in(
        "appdb",
        "TRUNCATE schema_migrations; INSERT INTO schema_migrations VALUES (4, false)",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_unknown", 54);
    // `migrate up` refuses too ("no migration found for version 4"), so even the
    // deploy gate stops.
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("migrations_unknown", 54);
    // dbmate's reader refuses golang-migrate's table of the same name.
    let run = gate(&url, &["--migrations", "dbmate"]);
    run.assert_class("invalid_config", 2);
    assert!(
        run.message().contains("is not dbmate's history table"),
        "{run:?}"
    );
}

/// Flyway's checksum, computed by Python's zlib: CRC-32 of the lines without
/// their line breaks, as a signed 32-bit integer.
fn flyway_checksum(path: &Path) -> String {
    let out = Command::new("python3")
        .args(["-c", "import sys, zlib; d = open(sys.argv[1], 'rb').read().replace(b'\\r', b'').replace(b'\\n', b''); c = zlib.crc32(d); print(c - 2**32 if c >= 2**31 else c)"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn flyway_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("sql");
    write_file(
        &dir.join("V1__create_users.sql"),
        "CREATE TABLE users (id int);\nCREATE INDEX ON users (id);\n",
    );
    write_file(
        &dir.join("V1_1__add_posts.sql"),
        "CREATE TABLE posts (id int);\n",
    );
    write_file(
        &dir.join("views/R__user_view.sql"),
        "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    );
    let spec = format!("flyway={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", FLYWAY_DDL);
    pg.sql_in("appdb", "ALTER TABLE flyway_schema_history OWNER TO app");
    let row = |rank: u32, version: &str, description: &str, file: &str, success: bool| {
        let version = if version.is_empty() {
            "NULL".to_string()
        } else {
            format!("'{version}'")
        };
        pg.sql_in("appdb", &format!(
            "INSERT INTO flyway_schema_history VALUES ({rank}, {version}, '{description}', 'SQL', '{file}', {}, 'app', now(), 5, {success})",
            flyway_checksum(&dir.join(file))
        ));
    };
    row(1, "1", "create users", "V1__create_users.sql", true);
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["V1_1__add_posts", "R__user_view"]
    );
    row(2, "1.1", "add posts", "V1_1__add_posts.sql", true);
    row(3, "", "user view", "views/R__user_view.sql", true);
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // CRLF does not change Flyway's checksum.
    std::fs::write(
        dir.join("V1__create_users.sql"),
        "CREATE TABLE users (id int);\r\nCREATE INDEX ON users (id);\r\n",
    )
    .unwrap();
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // A changed repeatable migration is pending (Flyway re-runs it), not modified.
    std::fs::write(
        dir.join("views/R__user_view.sql"),
        "CREATE OR REPLACE VIEW v AS SELECT 2;\n",
    )
    .unwrap();
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["R__user_view"]);
    // A changed versioned one is modified.
    std::fs::write(
        dir.join("V1_1__add_posts.sql"),
        "CREATE TABLE posts (id bigint);\n",
    )
    .unwrap();
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("migrations_modified", 53);
    assert!(
        run.message()
            .contains(&flyway_checksum(&dir.join("V1_1__add_posts.sql"))),
        "{run:?}"
    );
    std::fs::write(
        dir.join("V1_1__add_posts.sql"),
        "CREATE TABLE posts (id int);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("views/R__user_view.sql"),
        "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
    )
    .unwrap();
    // A non-transactional migration failed.
    write_file(
        &dir.join("V2__concurrent_index.sql"),
        "CREATE INDEX CONCURRENTLY ON posts (id);\n",
    );
    row(
        4,
        "2",
        "concurrent index",
        "V2__concurrent_index.sql",
        false,
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_failed", 52);
    assert!(run.stderr.contains("flyway repair"), "{}", run.stderr);
    // `flyway repair` removed the row; a newer release's V3 is in the table.
    pg.sql_in(
        "appdb",
        "DELETE FROM flyway_schema_history WHERE NOT success",
    );
    row(5, "2", "concurrent index", "V2__concurrent_index.sql", true);
    pg.sql_in("appdb", "INSERT INTO flyway_schema_history VALUES (6, '3', 'later', 'SQL', 'V3__later.sql', 1, 'app', now(), 5, true)");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_unknown", 54);
    assert_eq!(names(&report(&run)["unknown"]), ["3"]);
    gate(
        &url,
        &[
            "--migrations",
            "flyway",
            "--expect-migration",
            "V3__later.sql",
        ],
    )
    .assert_class("ready", 0);
}

#[test]
fn a_flyway_baseline_stands_for_the_versions_below_it() {
    let pg = Pg::start();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    write_file(&dir.join("V1__old.sql"), "SELECT 1;\n");
    write_file(&dir.join("V2__old.sql"), "SELECT 2;\n");
    write_file(&dir.join("V3__new.sql"), "SELECT 3;\n");
    pg.sql_in("appdb", FLYWAY_DDL);
    pg.sql_in("appdb", "GRANT SELECT ON flyway_schema_history TO app; \
        INSERT INTO flyway_schema_history VALUES (1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'app', now(), 0, true)");
    let spec = format!("flyway={}", dir.display());
    let run = gate(&pg.url(""), &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["applied"]), ["V1__old", "V2__old"]);
    assert_eq!(names(&report(&run)["pending"]), ["V3__new"]);
}

#[test]
fn flags_through_the_environment_and_configuration_errors() {
    let pg = Pg::start();
    pg.sql_in("appdb", GOLANG_MIGRATE_DDL);
    pg.sql_in(
        "appdb",
        "INSERT INTO schema_migrations VALUES (3, false); GRANT SELECT ON schema_migrations TO app",
    );
    let env_run = |vars: &[(&str, &str)]| {
        let mut cmd = pgready();
        cmd.args(["check", "--json", "--url", &pg.url("")]);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        run_cmd(&mut cmd)
    };
    env_run(&[
        ("PGREADY_MIGRATIONS", "golang-migrate"),
        ("PGREADY_EXPECT_MIGRATION", "3"),
    ])
    .assert_class("ready", 0);
    env_run(&[
        ("PGREADY_MIGRATIONS", "golang-migrate"),
        ("PGREADY_EXPECT_MIGRATION", "4"),
    ])
    .assert_class("migrations_pending", 51);
    env_run(&[
        ("PGREADY_MIGRATIONS", "golang-migrate"),
        ("PGREADY_EXPECT_MIGRATION", "4"),
        ("PGREADY_REQUIRE_MIGRATIONS", "deployable"),
    ])
    .assert_class("ready", 0);
    env_run(&[
        ("PGREADY_MIGRATIONS", "golang-migrate,drizzle"),
        (
            "PGREADY_MIGRATIONS_TABLE",
            "drizzle=public.schema_migrations",
        ),
    ])
    .assert_class("invalid_config", 2);

    // Configuration that cannot work fails at once, before any connection.
    for (args, says) in [
        (
            vec!["--migrations", "mongoose"],
            "unknown migration tool `mongoose`",
        ),
        (
            vec!["--migrations", "prisma=/nonexistent/migrations"],
            "cannot read the migrations directory",
        ),
        (vec!["--expect-migration", "x"], "add --migrations"),
        (
            vec!["--require-migrations", "deployable"],
            "--require-migrations needs --migrations",
        ),
        (vec!["--migrations", "drizzle=/tmp"], "meta/_journal.json"),
    ] {
        let run = run_args(&[&["check", "--url", &pg.url("")], &args[..]].concat());
        run.assert_class("invalid_config", 2);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    // A URL given by mistake (its password is no target's) is never echoed: the
    // runner greps every output for the test passwords.
    let stray = format!("postgresql://app:{WRONG_PASSWORD}@h/db?sslmode=require");
    for args in [
        vec!["--migrations".to_string(), stray.clone()],
        vec!["--migrations".to_string(), format!("prisma={stray}")],
        vec![
            "--migrations".into(),
            "prisma".into(),
            "--expect-migration".into(),
            stray.clone(),
        ],
        vec![
            "--migrations".into(),
            "prisma".into(),
            "--migrations-table".into(),
            format!("prisma={stray}"),
        ],
    ] {
        let mut all: Vec<String> = vec!["check".into(), "--url".into(), pg.url("")];
        all.extend(args);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        run_args(&all).assert_class("invalid_config", 2);
    }
    let run = run_args(&[
        "check",
        "--url",
        &pg.url(""),
        "--require-migrations",
        "sometimes",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
}

//! The migration gate for tools followed from their source (no CLI of theirs runs
//! here): each history table is built with the DDL the tool's own code creates, and
//! rows written as the tool writes them. The commit each follows is named in the
//! reader's module (`src/migrations/`).

use std::io::Write;
use std::time::{Duration, Instant};

use crate::support::*;

/// ecto_sql's `SchemaMigration.ensure_schema_migrations_table!` on PostgreSQL.
const ECTO_DDL: &str = "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" bigint, \"inserted_at\" timestamp(0), PRIMARY KEY (\"version\"))";

/// EF Core's history table as Npgsql creates it (NpgsqlHistoryRepositoryTest).
const EF_CORE_DDL: &str = "CREATE TABLE IF NOT EXISTS \"__EFMigrationsHistory\" (\"MigrationId\" character varying(150) NOT NULL, \
    \"ProductVersion\" character varying(32) NOT NULL, CONSTRAINT \"PK___EFMigrationsHistory\" PRIMARY KEY (\"MigrationId\"))";

/// Doctrine's `TableMetadataStorage::getExpectedTable()` through DBAL 4's PostgreSQL platform.
const DOCTRINE_DDL: &str = "CREATE TABLE doctrine_migration_versions (version VARCHAR(191) NOT NULL, \
    executed_at TIMESTAMP(0) WITHOUT TIME ZONE DEFAULT NULL, execution_time INT DEFAULT NULL, PRIMARY KEY(version))";

fn deployable(spec: &str) -> [&str; 4] {
    ["--migrations", spec, "--require-migrations", "deployable"]
}

#[test]
fn ecto_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    write_file(
        &dir.join("20240101000000_create_users.exs"),
        "defmodule A do\nend\n",
    );
    write_file(
        &dir.join("20240102000000_create_posts.exs"),
        "defmodule B do\nend\n",
    );
    write_file(&dir.join(".formatter.exs"), "[]\n");
    let spec = format!("ecto={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", ECTO_DDL);
    pg.sql_in("appdb", "ALTER TABLE schema_migrations OWNER TO app");
    pg.sql_in(
        "appdb",
        "INSERT INTO schema_migrations (version, inserted_at) VALUES (20240101000000, now())",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(
        names(&report(&run)["applied"]),
        ["20240101000000_create_users"]
    );
    assert_eq!(
        names(&report(&run)["pending"]),
        ["20240102000000_create_posts"]
    );
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "ecto",
            "--expect-migration",
            "20240102000000_create_posts.exs",
        ],
    )
    .assert_class("migrations_pending", 51);
    pg.sql_in(
        "appdb",
        "INSERT INTO schema_migrations (version, inserted_at) VALUES (20240102000000, now())",
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "ecto",
            "--expect-migration",
            "20240102000000_create_posts.exs",
        ],
    )
    .assert_class("ready", 0);
    // A newer release's migration: `mix ecto.migrate` goes on ("** FILE NOT FOUND **").
    pg.sql_in(
        "appdb",
        "INSERT INTO schema_migrations (version, inserted_at) VALUES (20240103000000, now())",
    );
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    // golang-migrate's and dbmate's readers refuse Ecto's table of the same name.
    for other in ["golang-migrate", "dbmate"] {
        let run = gate(&url, &["--migrations", other]);
        run.assert_class("invalid_config", 2);
        assert!(
            run.message()
                .contains(&format!("is not {other}'s history table")),
            "{run:?}"
        );
    }
}

#[test]
fn ecto_refuses_golang_migrates_table() {
    let pg = Pg::start();
    pg.sql_in("appdb", "CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)");
    pg.sql_in("appdb", "ALTER TABLE schema_migrations OWNER TO app");
    let run = gate(&pg.url(""), &["--migrations", "ecto"]);
    run.assert_class("invalid_config", 2);
    assert!(
        run.message().contains("is not ecto's history table"),
        "{run:?}"
    );
}

#[test]
fn ef_core_every_state_and_its_lock() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    for id in ["20240601120000_AddBookings", "20240602120000_AddRooms"] {
        write_file(&dir.join(format!("{id}.cs")), "partial class M {}\n");
        write_file(
            &dir.join(format!("{id}.Designer.cs")),
            "partial class M {}\n",
        );
    }
    write_file(&dir.join("AppDbContextModelSnapshot.cs"), "class S {}\n");
    let spec = format!("ef-core={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", EF_CORE_DDL);
    pg.sql_in(
        "appdb",
        "ALTER TABLE \"__EFMigrationsHistory\" OWNER TO app",
    );
    pg.sql_in(
        "appdb",
        "INSERT INTO \"__EFMigrationsHistory\" VALUES ('20240601120000_AddBookings', '9.0.0')",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["20240602120000_AddRooms"]);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    // EF Core compares ids case-insensitively.
    pg.sql_in(
        "appdb",
        "INSERT INTO \"__EFMigrationsHistory\" VALUES ('20240602120000_addrooms', '9.0.0')",
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "ef-core",
            "--expect-migration",
            "20240602120000_AddRooms",
        ],
    )
    .assert_class("ready", 0);
    // An id this release does not ship: Migrate() ignores it.
    pg.sql_in(
        "appdb",
        "INSERT INTO \"__EFMigrationsHistory\" VALUES ('20240603120000_AddTags', '9.0.0')",
    );
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);

    // A migration in progress holds ACCESS EXCLUSIVE on the table, which would block
    // any read of it: the gate sees the lock instead, at once.
    let mut session = pg.session_in("appdb");
    let stdin = session.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "BEGIN; LOCK TABLE \"__EFMigrationsHistory\" IN ACCESS EXCLUSIVE MODE;"
    )
    .unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while pg.sql_in("appdb", "SELECT count(*) FROM pg_locks WHERE relation = '\"__EFMigrationsHistory\"'::regclass AND mode = 'AccessExclusiveLock' AND granted") != "1" {
        assert!(start.elapsed() < Duration::from_secs(30), "the lock was not taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = gate(&url, &["--migrations", &spec, "--attempt-timeout", "20s"]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(report(&run)["locked"], true, "{run:?}");
    assert!(
        run.elapsed < Duration::from_secs(20),
        "answered without waiting for the lock: {run:?}"
    );
    session.kill().unwrap();
    session.wait().unwrap();
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
}

#[test]
fn doctrine_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    for v in ["Version20240601120000", "Version20240602120000"] {
        write_file(&dir.join(format!("{v}.php")), "<?php\n");
    }
    let spec = format!("doctrine={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", DOCTRINE_DDL);
    pg.sql_in(
        "appdb",
        "ALTER TABLE doctrine_migration_versions OWNER TO app",
    );
    pg.sql_in("appdb", "INSERT INTO doctrine_migration_versions VALUES ('DoctrineMigrations\\Version20240601120000', now(), 153)");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["applied"]), ["Version20240601120000"]);
    assert_eq!(names(&report(&run)["pending"]), ["Version20240602120000"]);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "doctrine",
            "--expect-migration",
            "Version20240601120000.php",
        ],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "doctrine",
            "--expect-migration",
            "DoctrineMigrations\\Version20240602120000",
        ],
    )
    .assert_class("migrations_pending", 51);
    pg.sql_in("appdb", "INSERT INTO doctrine_migration_versions VALUES ('DoctrineMigrations\\Version20240602120000', now(), 20)");
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // "previously executed migrations ... not registered": a warning, and a
    // non-interactive migrate goes on.
    pg.sql_in("appdb", "INSERT INTO doctrine_migration_versions VALUES ('DoctrineMigrations\\Version20240603120000', now(), 20)");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
}

/// drizzle-orm's PostgreSQL migrator (`pg-core/dialect.ts`).
const DRIZZLE_DDL: &str = "CREATE SCHEMA IF NOT EXISTS \"drizzle\"; CREATE TABLE IF NOT EXISTS \"drizzle\".\"__drizzle_migrations\" \
    (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)";

#[test]
fn auto_finds_prisma_and_drizzle_together() {
    let pg = Pg::start();
    let url = pg.url("");
    // Never migrated: nothing to find.
    let run = gate(&url, &["--migrations", "auto"]);
    run.assert_class("migrations_missing", 50);
    assert!(
        run.message()
            .contains("--migrations auto: no migration tool's history table"),
        "{run:?}"
    );
    gate(
        &url,
        &["--migrations", "auto", "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
    // The Changemaker layout: Prisma and Drizzle on one database.
    pg.sql_in("appdb", super::migrations_ddl::PRISMA_DDL);
    pg.sql_in("appdb", DRIZZLE_DDL);
    pg.sql_in("appdb", "GRANT USAGE ON SCHEMA drizzle TO app; GRANT SELECT ON ALL TABLES IN SCHEMA drizzle, public TO app");
    pg.sql_in(
        "appdb",
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) \
         VALUES (gen_random_uuid(), 'abc', now(), '20240101000000_init', 1); \
         INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('h1', 1717200000000)",
    );
    let run = gate(&url, &["--migrations", "auto"]);
    run.assert_class("ready", 0);
    let reports = run.target()["migrations"].as_array().unwrap().clone();
    let tools: Vec<&str> = reports
        .iter()
        .map(|r| r["tool"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["prisma", "drizzle"], "{run:?}");
    let evidence = reports[0]["detected"].as_str().unwrap();
    assert!(
        evidence.starts_with("public._prisma_migrations (id character varying(36)"),
        "{evidence}"
    );
    assert_eq!(
        reports[1]["detected"].as_str().unwrap().split(' ').next(),
        Some("drizzle.__drizzle_migrations")
    );
    // A failed Prisma migration (P3009) stops the gate, found without naming Prisma.
    pg.sql_in(
        "appdb",
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, applied_steps_count) \
         VALUES (gen_random_uuid(), 'def', '20240102000000_posts', 'syntax error', 0)",
    );
    let run = gate(
        &url,
        &["--migrations", "auto", "--require-migrations", "deployable"],
    );
    run.assert_class("migrations_failed", 52);
    assert!(
        run.stderr.contains("20240102000000_posts"),
        "{}",
        run.stderr
    );
    // A tool named explicitly is checked once, with its files; auto adds the rest.
    let run = gate(&url, &["--migrations", "auto", "--migrations", "drizzle"]);
    let tools: Vec<String> = run.target()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tool"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tools, ["drizzle", "prisma"], "{run:?}");
    assert!(
        run.target()["migrations"][0].get("detected").is_none(),
        "{run:?}"
    );
}

#[test]
fn auto_tells_the_schema_migrations_family_apart() {
    for (ddl, found) in [
        (super::migrations_ddl::GOLANG_MIGRATE_DDL.to_string(), Some("golang-migrate")),
        ("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)".to_string(), Some("dbmate")),
        (ECTO_DDL.to_string(), Some("ecto")),
        // Rails: varchar versions beside ar_internal_metadata; not dbmate's.
        (
            "CREATE TABLE schema_migrations (version character varying NOT NULL PRIMARY KEY); \
             CREATE TABLE ar_internal_metadata (key character varying NOT NULL PRIMARY KEY, value character varying, \
             created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL)"
                .to_string(),
            None,
        ),
    ] {
        let pg = Pg::start();
        pg.sql_in("appdb", &ddl);
        pg.sql_in("appdb", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO app");
        let run = gate(&pg.url(""), &["--migrations", "auto", "--require-migrations", "deployable"]);
        run.assert_class("ready", 0);
        let tools: Vec<String> = run.target()["migrations"].as_array().unwrap().iter().map(|r| r["tool"].as_str().unwrap().to_string()).collect();
        assert_eq!(tools, found.into_iter().collect::<Vec<_>>(), "{ddl}: {run:?}");
    }
}

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
            Some("rails"),
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

/// goose's `internal/dialects/postgres.go` (v3.27.3), with the version-0 row it writes.
const GOOSE_DDL: &str = "CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, \
    version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now()); \
    INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)";

/// goose's table lock (`lock/internal/store/postgres.go`).
const GOOSE_LOCK_DDL: &str = "CREATE TABLE goose_lock (lock_id bigint NOT NULL PRIMARY KEY, locked boolean NOT NULL DEFAULT false, \
    locked_at timestamptz NULL, locked_by text NULL, lease_expires_at timestamptz NULL, updated_at timestamptz NULL)";

#[test]
fn goose_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    for f in ["00001_users.sql", "00002_posts.sql", "00003_tags.go"] {
        write_file(&dir.join(f), "-- +goose Up\n");
    }
    write_file(&dir.join("main_test.go"), "package main\n");
    let spec = format!("goose={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", GOOSE_DDL);
    pg.sql_in("appdb", "GRANT SELECT ON goose_db_version TO app");
    // The version-0 row alone: nothing applied.
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["applied"]), Vec::<String>::new());
    pg.sql_in(
        "appdb",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (1, true), (3, true)",
    );
    // 2 is older than the current version 3: `goose up` refuses it without -allow-missing.
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_out_of_order", 55);
    assert_eq!(names(&report(&run)["pending"]), ["00002_posts.sql"]);
    assert!(run.stderr.contains("-allow-missing"), "{}", run.stderr);
    gate(&url, &deployable(&spec)).assert_class("migrations_out_of_order", 55);
    pg.sql_in(
        "appdb",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (2, true)",
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "goose",
            "--expect-migration",
            "00003_tags.go",
        ],
    )
    .assert_class("ready", 0);
    // A release before v3 rolled 3 back with an is_applied = false row: the latest row wins.
    pg.sql_in(
        "appdb",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (3, false)",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["00003_tags.go"]);
    pg.sql_in(
        "appdb",
        "INSERT INTO goose_db_version (version_id, is_applied) VALUES (3, true), (4, true)",
    );
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    // A run holding goose's table lock (lease not expired).
    pg.sql_in("appdb", GOOSE_LOCK_DDL);
    pg.sql_in("appdb", "GRANT SELECT ON goose_lock TO app");
    pg.sql_in("appdb", "INSERT INTO goose_lock VALUES (1, true, now(), 'host-1', now() + interval '30 seconds', now())");
    let run = gate(&url, &["--migrations", "goose"]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(report(&run)["locked"], true, "{run:?}");
    pg.sql_in(
        "appdb",
        "UPDATE goose_lock SET lease_expires_at = now() - interval '1 minute'",
    );
    gate(&url, &["--migrations", "goose"]).assert_class("ready", 0);
}

/// Liquibase's `CreateDatabaseChangeLogTableGenerator` and lock table on PostgreSQL.
const LIQUIBASE_DDL: &str = "CREATE TABLE databasechangelog (id VARCHAR(255) NOT NULL, author VARCHAR(255) NOT NULL, \
    filename VARCHAR(255) NOT NULL, dateexecuted TIMESTAMP WITHOUT TIME ZONE NOT NULL, orderexecuted INTEGER NOT NULL, \
    exectype VARCHAR(10) NOT NULL, md5sum VARCHAR(35), description VARCHAR(255), comments VARCHAR(255), tag VARCHAR(255), \
    liquibase VARCHAR(20), contexts VARCHAR(255), labels VARCHAR(255), deployment_id VARCHAR(10)); \
    CREATE TABLE databasechangeloglock (id INTEGER NOT NULL, locked BOOLEAN NOT NULL, lockgranted TIMESTAMP WITHOUT TIME ZONE, \
    lockedby VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (id)); \
    DELETE FROM databasechangeloglock; INSERT INTO databasechangeloglock (id, locked) VALUES (1, false)";

fn liquibase_ran(pg: &Pg, id: &str, author: &str, order: u32) {
    pg.sql_in(
        "appdb",
        &format!(
            "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum, liquibase, deployment_id) \
             VALUES ('{id}', '{author}', 'db/changelog/001-init.sql', now(), {order}, 'EXECUTED', '9:0f', '4.29.2', '1234567890')"
        ),
    );
}

#[test]
fn liquibase_every_state_and_its_lock() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    write_file(
        &dir.join("001-init.sql"),
        "--liquibase formatted sql\n\n--changeset alice:1\nCREATE TABLE a (id int);\n\n--changeset Bob:2 runOnChange:true\nCREATE TABLE b (id int);\n",
    );
    write_file(&dir.join("notes.sql"), "-- not a changelog\n");
    let spec = format!("liquibase={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", LIQUIBASE_DDL);
    pg.sql_in(
        "appdb",
        "GRANT SELECT ON databasechangelog, databasechangeloglock TO app",
    );
    liquibase_ran(&pg, "1", "alice", 1);
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["001-init.sql::2::Bob"]);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    // Liquibase compares id and author case-insensitively.
    liquibase_ran(&pg, "2", "bob", 2);
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "liquibase", "--expect-migration", "2::bob"],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "liquibase", "--expect-migration", "3::bob"],
    )
    .assert_class("migrations_pending", 51);
    // A changeset of another release: `update` ignores it.
    liquibase_ran(&pg, "3", "carol", 3);
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    gate(&url, &deployable(&spec)).assert_class("ready", 0);
    // An update in progress (or killed) holds the lock.
    pg.sql_in("appdb", "UPDATE databasechangeloglock SET locked = true, lockgranted = now(), lockedby = 'host (10.0.0.5)' WHERE id = 1");
    let run = gate(&url, &["--migrations", "liquibase"]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(report(&run)["locked"], true, "{run:?}");
    assert!(
        run.stderr.contains("liquibase release-locks"),
        "{}",
        run.stderr
    );
}

/// Atlas's revisions table as its ent schema defines it (`ent/schema/revision.go`).
const ATLAS_DDL: &str = "CREATE SCHEMA atlas_schema_revisions; CREATE TABLE atlas_schema_revisions.atlas_schema_revisions \
    (version character varying NOT NULL, description character varying NOT NULL, type bigint NOT NULL DEFAULT 2, \
    applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0, executed_at timestamp with time zone NOT NULL, \
    execution_time bigint NOT NULL, error text NULL, error_stmt text NULL, hash character varying NOT NULL, \
    partial_hashes jsonb NULL, operator_version character varying NOT NULL, PRIMARY KEY (version))";

fn atlas_row(pg: &Pg, version: &str, applied: u32, total: u32, error: &str) {
    let error = if error.is_empty() {
        "NULL, NULL".to_string()
    } else {
        format!("'{error}', 'ALTER TABLE b ADD c int'")
    };
    pg.sql_in(
        "appdb",
        &format!(
            "INSERT INTO atlas_schema_revisions.atlas_schema_revisions VALUES ('{version}', 'x', 2, {applied}, {total}, now(), 1000, {error}, 'h1:x', NULL, 'Atlas CLI v1.2.3')"
        ),
    );
}

#[test]
fn atlas_every_state() {
    let pg = Pg::start();
    let url = pg.url("");
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    for f in ["20240101000000_init.sql", "20240102000000_posts.sql"] {
        write_file(&dir.join(f), "CREATE TABLE x (id int);\n");
    }
    write_file(&dir.join("atlas.sum"), "h1:abc=\n");
    let spec = format!("atlas={}", dir.display());
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    pg.sql_in("appdb", ATLAS_DDL);
    pg.sql_in("appdb", "GRANT USAGE ON SCHEMA atlas_schema_revisions TO app; GRANT SELECT ON ALL TABLES IN SCHEMA atlas_schema_revisions TO app");
    pg.sql_in(
        "appdb",
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions VALUES ('.atlas_cloud_identifier', 'x', 0, 0, 0, now(), 0, NULL, NULL, '', NULL, '')",
    );
    atlas_row(&pg, "20240101000000", 1, 1, "");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["applied"]), ["20240101000000_init"]);
    assert_eq!(names(&report(&run)["pending"]), ["20240102000000_posts"]);
    // The second file's second statement failed: applied 1 of 2, the error kept.
    atlas_row(&pg, "20240102000000", 1, 2, "pq: column c already exists");
    let run = gate(&url, &deployable(&spec));
    run.assert_class("migrations_failed", 52);
    assert!(
        run.stderr.contains("column c already exists")
            && run.stderr.contains("atlas migrate set 20240102000000"),
        "{}",
        run.stderr
    );
    // `atlas migrate set` resolved it (type bit 4).
    pg.sql_in("appdb", "UPDATE atlas_schema_revisions.atlas_schema_revisions SET type = 6 WHERE version = '20240102000000'");
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "atlas",
            "--expect-migration",
            "20240102000000_posts.sql",
        ],
    )
    .assert_class("ready", 0);
    atlas_row(&pg, "20240103000000", 1, 1, "");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
}

//! The migration gate against the real tools: each CLI (installed by
//! `scripts/migration-tools`) applies, fails or is refused, and pgready reads the
//! table the tool left. Where the tool itself has a verdict (a modified or a dirty
//! migration), the test checks that the tool and pgready agree.

use std::path::Path;
use std::process::Command;

use crate::support::tools::{self, fails, ok, succeeds};
use crate::support::*;

/// A throwaway project directory with a `migrations` folder.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        Project {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, relative: &str, text: &str) {
        write_file(&self.path().join(relative), text);
    }

    fn remove(&self, relative: &str) {
        let path = self.path().join(relative);
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }

    /// `--migrations TOOL=<project>/RELATIVE`.
    fn spec(&self, tool: &str, relative: &str) -> String {
        format!("{tool}={}", self.path().join(relative).display())
    }
}

/// The states every tool has: never migrated, all applied, one pending (and
/// `deployable` passes it), one unknown. `apply` runs the tool's own deploy and
/// says whether it succeeded; with an unknown migration in the database, the tool
/// either goes on or refuses (`refuses_unknown`), and `deployable` must agree.
fn common_states(
    url: &str,
    spec: &str,
    refuses_unknown: bool,
    apply: &dyn Fn() -> bool,
    add: &dyn Fn(),
    drop: &dyn Fn(),
) {
    let deployable = |expected: (&str, i32)| {
        gate(
            url,
            &["--migrations", spec, "--require-migrations", "deployable"],
        )
        .assert_class(expected.0, expected.1);
    };
    gate(url, &["--migrations", spec]).assert_class("migrations_missing", 50);
    deployable(("ready", 0));
    assert!(apply(), "the first deploy");
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["applied"]).len(), 2, "{run:?}");
    add();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]).len(), 1, "{run:?}");
    deployable(("ready", 0));
    assert!(apply(), "the second deploy");
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["applied"]).len(), 3, "{run:?}");
    drop();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("migrations_unknown", 54);
    assert_eq!(names(&report(&run)["unknown"]).len(), 1, "{run:?}");
    let deployed = apply();
    assert_eq!(
        deployed, !refuses_unknown,
        "the tool's own deploy over an unknown migration"
    );
    deployable(if deployed {
        ("ready", 0)
    } else {
        ("migrations_unknown", 54)
    });
}

fn sqlx(project: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = tools::command("cargo/bin/sqlx", project.path());
    cmd.args(args)
        .args(["--source", "migrations", "--database-url", url]);
    cmd
}

#[test]
fn sqlx_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write(
        "migrations/20240101000000_create_users.sql",
        "CREATE TABLE users (id bigint PRIMARY KEY);\n",
    );
    p.write(
        "migrations/20240102000000_add_email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    let spec = p.spec("sqlx", "migrations");
    let apply = || succeeds(&mut sqlx(&p, &url, &["migrate", "run"]));
    common_states(
        &url,
        &spec,
        true, // the tool refuses to deploy over an unknown migration
        &apply,
        &|| {
            p.write(
                "migrations/20240103000000_add_posts.sql",
                "CREATE TABLE posts (id bigint);\n",
            )
        },
        &|| p.remove("migrations/20240103000000_add_posts.sql"),
    );
    p.write(
        "migrations/20240103000000_add_posts.sql",
        "CREATE TABLE posts (id bigint);\n",
    );

    // Edited after it was applied: sqlx refuses, and so does the gate.
    p.write(
        "migrations/20240102000000_add_email.sql",
        "ALTER TABLE users ADD COLUMN email varchar(200);\n",
    );
    let said = fails(&mut sqlx(&p, &url, &["migrate", "run"]));
    assert!(
        said.contains("previously applied but has been modified"),
        "{said}"
    );
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("migrations_modified", 53);
    let local = Command::new("sha384sum")
        .arg(p.path().join("migrations/20240102000000_add_email.sql"))
        .output()
        .unwrap();
    assert!(
        run.message()
            .contains(&String::from_utf8_lossy(&local.stdout)[..96]),
        "{run:?}"
    );
    p.write(
        "migrations/20240102000000_add_email.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );

    // On PostgreSQL sqlx never writes success = false itself (a failed migration
    // leaves no row); a row from elsewhere still blocks it, and the gate says so.
    p.write(
        "migrations/20240104000000_broken.sql",
        "-- no-transaction\nSELECT 1/0;\n",
    );
    let said = fails(&mut sqlx(&p, &url, &["migrate", "run"]));
    assert!(said.contains("division by zero"), "{said}");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_pending", 51);
    pg.sql_in(
        "appdb",
        "INSERT INTO _sqlx_migrations VALUES (20240104000000, 'broken', now(), false, '\\x00', -1)",
    );
    let said = fails(&mut sqlx(&p, &url, &["migrate", "run"]));
    assert!(said.contains("partially applied"), "{said}");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_failed", 52);
    assert_eq!(names(&report(&run)["failed"]), ["20240104000000_broken"]);

    // Without files: the version, or the file name, of the newest migration needed.
    pg.sql_in("appdb", "DELETE FROM _sqlx_migrations WHERE NOT success");
    gate(
        &url,
        &[
            "--migrations",
            "sqlx",
            "--expect-migration",
            "20240103000000_add_posts.sql",
        ],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "sqlx",
            "--expect-migration",
            "20240104000000",
        ],
    )
    .assert_class("migrations_pending", 51);
}

fn diesel(project: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = tools::command("cargo/bin/diesel", project.path());
    cmd.args(args)
        .args(["--migration-dir", "migrations", "--database-url", url]);
    cmd
}

#[test]
fn diesel_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write(
        "migrations/2024-01-01-000000_create_users/up.sql",
        "CREATE TABLE users (id int);\n",
    );
    p.write(
        "migrations/2024-01-01-000000_create_users/down.sql",
        "DROP TABLE users;\n",
    );
    p.write(
        "migrations/2024-01-02-000000_add_email/up.sql",
        "ALTER TABLE users ADD COLUMN email text;\n",
    );
    p.write(
        "migrations/2024-01-02-000000_add_email/down.sql",
        "ALTER TABLE users DROP COLUMN email;\n",
    );
    let spec = p.spec("diesel", "migrations");
    // The third migration comes from `diesel migration generate` (2.3 names it
    // YYYY-MM-DD-HHMMSS-0000_name, stored as 18 digits).
    let added = std::cell::RefCell::new(String::new());
    common_states(
        &url,
        &spec,
        false,
        &|| succeeds(&mut diesel(&p, &url, &["migration", "run"])),
        &|| {
            ok(&mut diesel(
                &p,
                &url,
                &["migration", "generate", "add_posts"],
            ));
            let name = std::fs::read_dir(p.path().join("migrations"))
                .unwrap()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .find(|n| n.ends_with("_add_posts"))
                .unwrap();
            p.write(
                &format!("migrations/{name}/up.sql"),
                "CREATE TABLE posts (id int);\n",
            );
            *added.borrow_mut() = name;
        },
        &|| p.remove(&format!("migrations/{}", added.borrow())),
    );
    let run = gate(&url, &["--migrations", &spec]);
    assert_eq!(names(&report(&run)["unknown"])[0].len(), 18, "{run:?}");
    // A migration that fails leaves no row (each runs in a transaction): still
    // pending, nothing failed.
    p.write(
        "migrations/2024-01-05-000000_broken/up.sql",
        "CREATE TABLE t (id int);\nSELECT 1/0;\n",
    );
    p.write("migrations/2024-01-05-000000_broken/down.sql", "");
    let said = fails(&mut diesel(&p, &url, &["migration", "run"]));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["2024-01-05-000000_broken"]
    );
    assert!(names(&report(&run)["failed"]).is_empty());
    gate(
        &url,
        &[
            "--migrations",
            "diesel",
            "--expect-migration",
            "2024-01-02-000000_add_email",
        ],
    )
    .assert_class("ready", 0);
}

fn dbmate(project: &Project, url: &str) -> Command {
    let mut cmd = tools::command("node/node_modules/.bin/dbmate", project.path());
    // dbmate's driver (lib/pq) asks for TLS unless told otherwise.
    cmd.env("DATABASE_URL", format!("{url}?sslmode=disable"))
        .args([
            "--no-dump-schema",
            "--migrations-dir",
            "db/migrations",
            "migrate",
        ]);
    cmd
}

#[test]
fn dbmate_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    let migration = |sql: &str| format!("-- migrate:up\n{sql}\n\n-- migrate:down\n");
    p.write(
        "db/migrations/20240101000000_create_users.sql",
        &migration("CREATE TABLE users (id int);"),
    );
    p.write(
        "db/migrations/20240102000000_add_email.sql",
        &migration("ALTER TABLE users ADD COLUMN email text;"),
    );
    let spec = p.spec("dbmate", "db/migrations");
    common_states(
        &url,
        &spec,
        false,
        &|| succeeds(&mut dbmate(&p, &url)),
        &|| {
            p.write(
                "db/migrations/20240103000000_add_posts.sql",
                &migration("CREATE TABLE posts (id int);"),
            )
        },
        &|| p.remove("db/migrations/20240103000000_add_posts.sql"),
    );
    p.write(
        "db/migrations/20240105000000_broken.sql",
        &migration("CREATE TABLE t (id int); SELECT 1/0;"),
    );
    let said = fails(&mut dbmate(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["20240105000000_broken"]);
    gate(
        &url,
        &[
            "--migrations",
            "dbmate",
            "--expect-migration",
            "20240103000000_add_posts.sql",
        ],
    )
    .assert_class("ready", 0);
    // golang-migrate's reader refuses dbmate's table of the same name.
    gate(&url, &["--migrations", "golang-migrate"]).assert_class("invalid_config", 2);
}

/// The node tools' command with their modules findable from the project (Knex
/// loads the knexfile's `require`s relative to the project, not to itself).
fn node_tool(project: &Project, bin: &str, url: &str) -> Command {
    let mut cmd = tools::command(&format!("node/node_modules/.bin/{bin}"), project.path());
    cmd.env("NODE_PATH", tools::dir().join("node/node_modules"))
        .env("DATABASE_URL", url);
    cmd
}

const DRIZZLE_CONFIG: &str = "module.exports = { dialect: 'postgresql', schema: './schema.js', out: './drizzle', \
    dbCredentials: { url: process.env.DATABASE_URL }, migrations: { schema: process.env.MIGRATIONS_SCHEMA || 'drizzle' } };\n";

/// A Drizzle project whose migrations `drizzle-kit generate` writes.
fn drizzle_project() -> Project {
    let p = Project::new();
    p.write("drizzle.config.js", DRIZZLE_CONFIG);
    drizzle_schema(&p, &["users"]);
    p
}

fn drizzle_schema(p: &Project, tables: &[&str]) {
    let defs: Vec<String> = tables
        .iter()
        .map(|t| format!("exports.{t} = pgTable('{t}', {{ id: bigserial('id', {{ mode: 'number' }}).primaryKey(), name: text('name') }});"))
        .collect();
    p.write(
        "schema.js",
        &format!(
            "const {{ pgTable, bigserial, text }} = require('drizzle-orm/pg-core');\n{}\n",
            defs.join("\n")
        ),
    );
}

fn drizzle_generate(p: &Project, url: &str, name: &str) {
    ok(node_tool(p, "drizzle-kit", url).args(["generate", "--name", name]));
}

fn drizzle_migrate(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "drizzle-kit", url);
    cmd.arg("migrate");
    cmd
}

#[test]
fn drizzle_kit() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    drizzle_generate(&p, &url, "create_users");
    drizzle_schema(&p, &["users", "posts"]);
    drizzle_generate(&p, &url, "add_posts");
    let spec = p.spec("drizzle", "drizzle");
    let journal = p.path().join("drizzle/meta/_journal.json");
    let saved = std::cell::RefCell::new(String::new());
    common_states(
        &url,
        &spec,
        false,
        &|| succeeds(&mut drizzle_migrate(&p, &url)),
        &|| {
            drizzle_schema(&p, &["users", "posts", "tags"]);
            drizzle_generate(&p, &url, "add_tags");
            *saved.borrow_mut() = std::fs::read_to_string(&journal).unwrap();
        },
        &|| {
            // The image of the previous release: its journal ends one entry earlier.
            let mut doc: serde_json::Value = serde_json::from_str(&saved.borrow()).unwrap();
            doc["entries"].as_array_mut().unwrap().pop();
            std::fs::write(&journal, doc.to_string()).unwrap();
        },
    );
    // An unknown row has no file to name it: its `when` stands for it.
    let run = gate(&url, &["--migrations", &spec]);
    let unknown = names(&report(&run)["unknown"]);
    assert!(
        unknown[0].len() == 13 && unknown[0].bytes().all(|b| b.is_ascii_digit()),
        "{run:?}"
    );
    std::fs::write(&journal, saved.borrow().as_str()).unwrap();
    // Rows hold no names and no times: the journal maps them.
    let r = report(&gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    ));
    assert_eq!(
        names(&r["applied"]),
        ["0000_create_users", "0001_add_posts", "0002_add_tags"]
    );
    assert_eq!(r["last_applied_at"], serde_json::Value::Null);

    // Edited after it was applied. Drizzle itself never compares the hash; the
    // gate does, since the database no longer matches what the file says.
    let first = p.path().join("drizzle/0000_create_users.sql");
    let original = std::fs::read_to_string(&first).unwrap();
    std::fs::write(
        &first,
        original.replace("\"name\" text", "\"name\" varchar(10)"),
    )
    .unwrap();
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("migrations_modified", 53);
    let sum = Command::new("sha256sum").arg(&first).output().unwrap();
    assert!(
        run.message()
            .contains(&String::from_utf8_lossy(&sum.stdout)[..64]),
        "{run:?}"
    );
    // A CRLF checkout of the same file is not an edit.
    std::fs::write(&first, original.replace('\n', "\r\n")).unwrap();
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);

    // Without the journal: the `when` of the newest migration the release needs.
    let whens: serde_json::Value = serde_json::from_str(&saved.borrow()).unwrap();
    let last_when = whens["entries"][2]["when"].to_string();
    gate(
        &url,
        &["--migrations", "drizzle", "--expect-migration", &last_when],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "drizzle",
            "--expect-migration",
            "99999999999999",
        ],
    )
    .assert_class("migrations_pending", 51);
}

#[test]
fn drizzle_kit_with_its_table_elsewhere_and_a_failing_batch() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    drizzle_generate(&p, &url, "create_users");
    ok(drizzle_migrate(&p, &url).env("MIGRATIONS_SCHEMA", "public"));
    let spec = p.spec("drizzle", "drizzle");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    gate(
        &url,
        &[
            "--migrations",
            &spec,
            "--migrations-table",
            "drizzle=public.__drizzle_migrations",
        ],
    )
    .assert_class("ready", 0);
    // A failing migration rolls the whole batch back: pending, never failed.
    ok(node_tool(&p, "drizzle-kit", &url).args(["generate", "--custom", "--name", "broken"]));
    p.write(
        "drizzle/0001_broken.sql",
        "CREATE TABLE t (id int);\nSELECT 1/0;\n",
    );
    fails(drizzle_migrate(&p, &url).env("MIGRATIONS_SCHEMA", "public"));
    let run = gate(
        &url,
        &[
            "--migrations",
            &spec,
            "--migrations-table",
            "drizzle=public.__drizzle_migrations",
        ],
    );
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["0001_broken"]);
}

/// The guides' own stack: Prisma and Drizzle on one database, each with its own
/// table (Prisma's built with its DDL: its CLI cannot run here).
#[test]
fn prisma_and_drizzle_on_one_database() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    drizzle_generate(&p, &url, "create_users");
    p.write(
        "prisma/migrations/20240101000000_init/migration.sql",
        "CREATE TABLE \"Booking\" (id serial);\n",
    );
    let prisma = p.spec("prisma", "prisma/migrations");
    let drizzle = p.spec("drizzle", "drizzle");
    let both = [
        "--migrations",
        prisma.as_str(),
        "--migrations",
        drizzle.as_str(),
    ];
    let run = gate(&url, &both);
    run.assert_class("migrations_missing", 50);
    assert_eq!(run.target()["migrations"].as_array().unwrap().len(), 2);

    ok(&mut drizzle_migrate(&p, &url));
    pg.sql_in("appdb", "CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY NOT NULL, checksum VARCHAR(64) NOT NULL, \
        finished_at TIMESTAMPTZ, migration_name VARCHAR(255) NOT NULL, logs TEXT, rolled_back_at TIMESTAMPTZ, \
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(), applied_steps_count INTEGER NOT NULL DEFAULT 0); \
        GRANT SELECT ON _prisma_migrations TO app");
    let run = gate(&url, &both);
    run.assert_class("migrations_pending", 51);
    let tools: Vec<(String, String)> = run.target()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["tool"].as_str().unwrap().into(),
                m["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        tools,
        [
            ("prisma".into(), "migrations_pending".into()),
            ("drizzle".into(), "ok".into())
        ]
    );
    assert!(run.message().starts_with("prisma: "), "{run:?}");

    // Prisma's migration failed: the worst finding wins, whichever tool has it.
    pg.sql_in("appdb", "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ('1', 'x', '20240101000000_init', 'ERROR: boom')");
    let run = gate(
        &url,
        &[
            "--migrations",
            drizzle.as_str(),
            "--migrations",
            prisma.as_str(),
        ],
    );
    run.assert_class("migrations_failed", 52);
    assert!(
        run.message().contains("20240101000000_init failed"),
        "{run:?}"
    );
    // --expect-migration needs the tool's name when two are checked.
    let run = gate(&url, &[&both[..], &["--expect-migration", "x"]].concat());
    run.assert_class("invalid_config", 2);
}

const KNEXFILE: &str = "module.exports = { client: 'pg', connection: process.env.DATABASE_URL, \
    migrations: { directory: './migrations' } };\n";

fn knex(p: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = node_tool(p, "knex", url);
    cmd.args(["--knexfile", "knexfile.js"]).args(args);
    cmd
}

fn knex_migration(up: &str) -> String {
    format!("exports.up = (knex) => knex.raw(\"{up}\");\nexports.down = () => Promise.resolve();\n")
}

#[test]
fn knex_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("knexfile.js", KNEXFILE);
    p.write(
        "migrations/20240101000000_create_users.js",
        &knex_migration("CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/20240102000000_add_email.js",
        &knex_migration("ALTER TABLE users ADD COLUMN email text"),
    );
    let spec = p.spec("knex", "migrations");
    common_states(
        &url,
        &spec,
        true, // the tool refuses to deploy over an unknown migration
        &|| succeeds(&mut knex(&p, &url, &["migrate:latest"])),
        &|| {
            p.write(
                "migrations/20240103000000_add_posts.js",
                &knex_migration("CREATE TABLE posts (id int)"),
            )
        },
        &|| p.remove("migrations/20240103000000_add_posts.js"),
    );
    gate(
        &url,
        &[
            "--migrations",
            "knex",
            "--expect-migration",
            "20240103000000_add_posts",
        ],
    )
    .assert_class("ready", 0);
    p.write(
        "migrations/20240103000000_add_posts.js",
        &knex_migration("CREATE TABLE posts (id int)"),
    );

    // A migration run without transactions killed mid-way leaves the lock held:
    // knex refuses to run, and the gate waits (a run may be in progress).
    p.write(
        "migrations/20240104000000_slow.js",
        &format!(
            "exports.config = {{ transaction: false }};\n{}",
            knex_migration("SELECT pg_sleep(60)")
        ),
    );
    let mut child = knex(&p, &url, &["migrate:latest"]).spawn().unwrap();
    let started = std::time::Instant::now();
    while pg.sql_in(
        "appdb",
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'",
    ) != "1"
    {
        assert!(
            started.elapsed().as_secs() < 30,
            "the slow migration never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    pg.sql_in("appdb", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'");
    let said = fails(&mut knex(&p, &url, &["migrate:latest"]));
    assert!(said.contains("Migration table is already locked"), "{said}");
    for requirement in ["applied", "deployable"] {
        let run = gate(
            &url,
            &["--migrations", &spec, "--require-migrations", requirement],
        );
        run.assert_class("migrations_pending", 51);
        assert!(run.message().contains("lock"), "{run:?}");
        assert_eq!(report(&run)["locked"], true);
        assert!(
            run.stderr.contains("npx knex migrate:unlock"),
            "{}",
            run.stderr
        );
    }
    ok(&mut knex(&p, &url, &["migrate:unlock"]));
    p.write(
        "migrations/20240104000000_slow.js",
        &knex_migration("SELECT 1"),
    );
    ok(&mut knex(&p, &url, &["migrate:latest"]));
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
}

fn alembic(p: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = tools::command("venv/bin/alembic", p.path());
    // SQLAlchemy's psycopg 3 dialect; it decodes the percent-encoded password.
    cmd.env(
        "DATABASE_URL",
        url.replace("postgresql://", "postgresql+psycopg://"),
    )
    .args(args);
    cmd
}

const ALEMBIC_ENV: &str = "import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n\
engine = create_engine(os.environ['DATABASE_URL'])\nwith engine.connect() as connection:\n    \
context.configure(connection=connection, target_metadata=None)\n    with context.begin_transaction():\n        \
context.run_migrations()\n";

/// A revision file in the style of Alembic ≥ 1.16 (typed assignments).
fn alembic_revision(revision: &str, down: &str, sql: &str) -> String {
    format!(
        "\"\"\"{revision}\n\nRevision ID: {revision}\nRevises: {down}\n\"\"\"\nfrom typing import Sequence, Union\nfrom alembic import op\n\n\
revision: str = \"{revision}\"\ndown_revision: Union[str, Sequence[str], None] = {down}\n\n\
def upgrade() -> None:\n    op.execute(\"{sql}\")\n\n\ndef downgrade() -> None:\n    pass\n"
    )
}

#[test]
fn alembic_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write(
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    );
    p.write("migrations/env.py", ALEMBIC_ENV);
    p.write(
        "migrations/versions/a1_create_users.py",
        &alembic_revision("a1", "None", "CREATE TABLE users (id int)"),
    );
    // The old, untyped style.
    p.write("migrations/versions/b2_add_email.py", "revision = 'b2'\ndown_revision = 'a1'\nfrom alembic import op\n\ndef upgrade():\n    op.execute('ALTER TABLE users ADD COLUMN email text')\n");
    let spec = p.spec("alembic", "migrations");
    common_states(
        &url,
        &spec,
        true, // the tool refuses to deploy over an unknown migration
        &|| succeeds(&mut alembic(&p, &url, &["upgrade", "heads"])),
        &|| {
            p.write(
                "migrations/versions/c3_add_posts.py",
                &alembic_revision("c3", "\"b2\"", "CREATE TABLE posts (id int)"),
            )
        },
        &|| p.remove("migrations/versions/c3_add_posts.py"),
    );
    p.write(
        "migrations/versions/c3_add_posts.py",
        &alembic_revision("c3", "\"b2\"", "CREATE TABLE posts (id int)"),
    );
    // Two branches and a merge: the table holds the heads, the files the graph.
    p.write(
        "migrations/versions/d4_tags.py",
        &alembic_revision("d4", "\"c3\"", "CREATE TABLE tags (id int)"),
    );
    p.write(
        "migrations/versions/e5_likes.py",
        &alembic_revision("e5", "\"c3\"", "CREATE TABLE likes (id int)"),
    );
    ok(&mut alembic(&p, &url, &["upgrade", "heads"]));
    assert_eq!(
        pg.sql_in(
            "appdb",
            "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"
        ),
        "d4,e5"
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["applied"]),
        ["a1", "b2", "c3", "d4", "e5"]
    );
    p.write(
        "migrations/versions/f6_merge.py",
        &alembic_revision("f6", "(\"d4\", \"e5\")", "SELECT 1"),
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["f6"]);
    ok(&mut alembic(&p, &url, &["upgrade", "heads"]));
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // A failing revision rolls back with the version update: still pending.
    p.write(
        "migrations/versions/g7_broken.py",
        &alembic_revision("g7", "\"f6\"", "SELECT 1/0"),
    );
    let said = fails(&mut alembic(&p, &url, &["upgrade", "heads"]));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]), ["g7"]);
    // Without files, the head the release needs.
    gate(
        &url,
        &["--migrations", "alembic", "--expect-migration", "f6"],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "alembic", "--expect-migration", "g7"],
    )
    .assert_class("migrations_pending", 51);
}

fn django(p: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = tools::command("venv/bin/django-admin", p.path());
    cmd.env("DJANGO_SETTINGS_MODULE", "settings")
        .env("PYTHONPATH", p.path())
        .env(
            "DATABASE_PORT",
            url.rsplit(':').next().unwrap().split('/').next().unwrap(),
        )
        .env("DATABASE_PASSWORD", APP_PASSWORD)
        .args(args);
    cmd
}

const DJANGO_SETTINGS: &str = "import os\nSECRET_KEY = 'test'\nUSE_TZ = True\n\
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n\
INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', 'shop']\n\
DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'appdb', 'USER': 'app', \
'PASSWORD': os.environ['DATABASE_PASSWORD'], 'HOST': '127.0.0.1', 'PORT': os.environ['DATABASE_PORT']}}\n";

fn django_models(p: &Project, fields: &[&str]) {
    let body: Vec<String> = fields
        .iter()
        .map(|f| format!("    {f} = models.TextField(null=True)"))
        .collect();
    p.write(
        "shop/models.py",
        &format!(
            "from django.db import models\n\nclass Customer(models.Model):\n{}\n",
            body.join("\n")
        ),
    );
}

#[test]
fn django_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("settings.py", DJANGO_SETTINGS);
    p.write("shop/__init__.py", "");
    p.write("shop/migrations/__init__.py", "");
    django_models(&p, &["name"]);
    ok(&mut django(&p, &url, &["makemigrations", "shop"]));
    django_models(&p, &["name", "email"]);
    ok(&mut django(
        &p,
        &url,
        &["makemigrations", "shop", "--name", "add_email"],
    ));
    let spec = format!("django={}", p.path().display());
    common_states(
        &url,
        &spec,
        false,
        &|| succeeds(&mut django(&p, &url, &["migrate", "--noinput"])),
        &|| {
            django_models(&p, &["name", "email", "phone"]);
            ok(&mut django(
                &p,
                &url,
                &["makemigrations", "shop", "--name", "add_phone"],
            ));
        },
        &|| p.remove("shop/migrations/0003_add_phone.py"),
    );
    // The table also lists contrib apps, whose migrations the project does not ship.
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    let applied = names(&report(&run)["applied"]);
    assert!(
        applied.iter().all(|a| a.starts_with("shop.")),
        "{applied:?}"
    );
    assert_eq!(names(&report(&run)["unknown"]), ["shop.0003_add_phone"]);
    assert!(
        pg.sql_in(
            "appdb",
            "SELECT count(*) FROM django_migrations WHERE app = 'auth'"
        )
        .parse::<u32>()
        .unwrap()
            > 5
    );

    // Squashed, and the originals removed later: the squash stands for them.
    pg.sql_in("appdb", "DELETE FROM django_migrations WHERE name = '0003_add_phone'; ALTER TABLE shop_customer DROP COLUMN phone");
    ok(&mut django(
        &p,
        &url,
        &["squashmigrations", "shop", "0002", "--noinput"],
    ));
    p.remove("shop/migrations/0001_initial.py");
    p.remove("shop/migrations/0002_add_email.py");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["applied"]),
        ["shop.0001_squashed_0002_add_email"]
    );
    let said = ok(&mut django(&p, &url, &["migrate", "--check"]));
    assert!(!said.contains("Error"), "{said}");

    // Without files: the newest migration the release needs, app.name.
    gate(
        &url,
        &[
            "--migrations",
            "django",
            "--expect-migration",
            "shop.0002_add_email",
        ],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &[
            "--migrations",
            "django",
            "--expect-migration",
            "shop.0004_next",
        ],
    )
    .assert_class("migrations_pending", 51);
}

/// A migration merged from another branch, generated before the newest applied
/// one: `drizzle-kit migrate` skips it for ever, and the gate says so.
#[test]
fn drizzle_kit_skips_an_older_migration_and_the_gate_says_why() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    drizzle_generate(&p, &url, "create_users");
    drizzle_schema(&p, &["users", "posts"]);
    drizzle_generate(&p, &url, "add_posts");
    ok(&mut drizzle_migrate(&p, &url));
    let journal = p.path().join("drizzle/meta/_journal.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    let first_when = doc["entries"][0]["when"].as_i64().unwrap();
    let mut late = doc["entries"][1].clone();
    late["idx"] = 2.into();
    late["when"] = (first_when + 1).into();
    late["tag"] = "0002_from_a_branch".into();
    doc["entries"].as_array_mut().unwrap().push(late);
    std::fs::write(&journal, doc.to_string()).unwrap();
    p.write(
        "drizzle/0002_from_a_branch.sql",
        "CREATE TABLE tags (id int);\n",
    );
    ok(&mut drizzle_migrate(&p, &url));
    assert_eq!(
        pg.sql_in("appdb", "SELECT count(*) FROM drizzle.__drizzle_migrations"),
        "2"
    );
    // Waiting cannot help: the app's gate stops at once; the deploy gate passes,
    // as `drizzle-kit migrate` itself does (it skips the file).
    let run = gate(&url, &["--migrations", &p.spec("drizzle", "drizzle")]);
    run.assert_class("migrations_out_of_order", 55);
    assert_eq!(names(&report(&run)["pending"]), ["0002_from_a_branch"]);
    let message = run.message();
    assert!(
        message.contains("0002_from_a_branch (`when`") && message.contains("will never run"),
        "{message}"
    );
    gate(
        &url,
        &[
            "--migrations",
            &p.spec("drizzle", "drizzle"),
            "--require-migrations",
            "deployable",
        ],
    )
    .assert_class("ready", 0);
}

/// An applied migration edited afterwards, for a tool that keeps no checksum: its
/// own deploy goes on, and so does the deploy gate. The file is restored after.
fn edited_goes_on(url: &str, spec: &str, file: &Path, apply: &dyn Fn() -> bool) {
    let original = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, format!("{original}\n\n")).unwrap();
    assert!(apply(), "the tool's deploy over an edited migration");
    gate(
        url,
        &["--migrations", spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
    std::fs::write(file, original).unwrap();
}

fn node_pg_migrate(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "node-pg-migrate", url);
    cmd.args(["up", "-m", "migrations"]);
    cmd
}

fn npm_migration(sql: &str) -> String {
    format!("exports.up = (pgm) => {{ pgm.sql(\"{sql}\"); }};\nexports.down = false;\n")
}

#[test]
fn node_pg_migrate_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("package.json", "{\"type\": \"commonjs\"}\n");
    p.write(
        "migrations/1717200000000_add-users.js",
        &npm_migration("CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/1717200001000_add-posts.sql",
        "-- Up Migration\nCREATE TABLE posts (id int);\n",
    );
    let spec = p.spec("node-pg-migrate", "migrations");
    common_states(
        &url,
        &spec,
        false, // "No migrations to run!" over a row without a file
        &|| succeeds(&mut node_pg_migrate(&p, &url)),
        &|| {
            p.write(
                "migrations/1717200002000_add-tags.js",
                &npm_migration("CREATE TABLE tags (id int)"),
            )
        },
        &|| p.remove("migrations/1717200002000_add-tags.js"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("migrations/1717200000000_add-users.js"),
        &|| succeeds(&mut node_pg_migrate(&p, &url)),
    );
    // A newer file after that unknown row: node-pg-migrate's order check refuses,
    // and the gate says why.
    p.write(
        "migrations/1717200003000_add-likes.js",
        &npm_migration("CREATE TABLE likes (id int)"),
    );
    let said = fails(&mut node_pg_migrate(&p, &url));
    assert!(
        said.contains("is preceding already run migration"),
        "{said}"
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_out_of_order", 55);
    assert!(run.stderr.contains("--no-check-order"), "{}", run.stderr);
    // The deploy gate agrees with node-pg-migrate's refusal.
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("migrations_out_of_order", 55);
    succeeds(node_pg_migrate(&p, &url).arg("--no-check-order"));
    p.write(
        "migrations/1717200002000_add-tags.js",
        &npm_migration("CREATE TABLE tags (id int)"),
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // A failing migration: the run's transaction rolls back, no row.
    p.write(
        "migrations/1717200004000_broken.js",
        &npm_migration("SELECT 1/0"),
    );
    let said = fails(&mut node_pg_migrate(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["1717200004000_broken"]);
    gate(
        &url,
        &[
            "--migrations",
            "node-pg-migrate",
            "--expect-migration",
            "1717200003000_add-likes.js",
        ],
    )
    .assert_class("ready", 0);
}

fn sequelize(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "sequelize-cli", url);
    cmd.args([
        "db:migrate",
        "--url",
        url,
        "--migrations-path",
        "migrations",
    ]);
    cmd
}

fn sequelize_migration(sql: &str) -> String {
    format!(
        "module.exports = {{ up: (q) => q.sequelize.query(\"{sql}\"), down: async () => {{}} }};\n"
    )
}

#[test]
fn sequelize_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write(
        "migrations/20240601000000-add-users.js",
        &sequelize_migration("CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/20240601000100-add-posts.js",
        &sequelize_migration("CREATE TABLE posts (id int)"),
    );
    let spec = p.spec("sequelize", "migrations");
    common_states(
        &url,
        &spec,
        false, // "database schema was already up to date" over a row without a file
        &|| succeeds(&mut sequelize(&p, &url)),
        &|| {
            p.write(
                "migrations/20240601000200-add-tags.js",
                &sequelize_migration("CREATE TABLE tags (id int)"),
            )
        },
        &|| p.remove("migrations/20240601000200-add-tags.js"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("migrations/20240601000000-add-users.js"),
        &|| succeeds(&mut sequelize(&p, &url)),
    );
    p.write(
        "migrations/20240601000200-add-tags.js",
        &sequelize_migration("CREATE TABLE tags (id int)"),
    );
    // No transaction: a failing migration leaves no row (and may leave its DDL).
    p.write(
        "migrations/20240601000300-broken.js",
        &sequelize_migration("SELECT 1/0"),
    );
    let said = fails(&mut sequelize(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["20240601000300-broken.js"]
    );
    gate(
        &url,
        &[
            "--migrations",
            "sequelize",
            "--expect-migration",
            "20240601000200-add-tags",
        ],
    )
    .assert_class("ready", 0);
}

const TYPEORM_DATASOURCE: &str = "const { DataSource } = require('typeorm');\n\
    module.exports = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL, migrations: [__dirname + '/migrations/*.js'] });\n";

fn typeorm(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "typeorm", url);
    cmd.args(["migration:run", "-d", "./datasource.js"]);
    cmd
}

fn typeorm_migration(class: &str, sql: &str) -> String {
    format!("module.exports = class {class} {{ async up(q) {{ await q.query(\"{sql}\"); }} async down() {{}} }};\n")
}

#[test]
fn typeorm_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("datasource.js", TYPEORM_DATASOURCE);
    p.write(
        "migrations/1717200000000-AddUsers.js",
        &typeorm_migration("AddUsers1717200000000", "CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/1717200001000-AddPosts.js",
        &typeorm_migration("AddPosts1717200001000", "CREATE TABLE posts (id int)"),
    );
    let spec = p.spec("typeorm", "migrations");
    common_states(
        &url,
        &spec,
        false, // "No migrations are pending" over a row without a class
        &|| succeeds(&mut typeorm(&p, &url)),
        &|| {
            p.write(
                "migrations/1717200002000-AddTags.js",
                &typeorm_migration("AddTags1717200002000", "CREATE TABLE tags (id int)"),
            )
        },
        &|| p.remove("migrations/1717200002000-AddTags.js"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("migrations/1717200000000-AddUsers.js"),
        &|| succeeds(&mut typeorm(&p, &url)),
    );
    p.write(
        "migrations/1717200002000-AddTags.js",
        &typeorm_migration("AddTags1717200002000", "CREATE TABLE tags (id int)"),
    );
    // The file name does not count, the class name does.
    std::fs::rename(
        p.path().join("migrations/1717200001000-AddPosts.js"),
        p.path().join("migrations/renamed.js"),
    )
    .unwrap();
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    p.write(
        "migrations/1717200003000-Broken.js",
        &typeorm_migration("Broken1717200003000", "SELECT 1/0"),
    );
    let said = fails(&mut typeorm(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["Broken1717200003000"]);
    gate(
        &url,
        &[
            "--migrations",
            "typeorm",
            "--expect-migration",
            "1717200002000-AddTags.js",
        ],
    )
    .assert_class("ready", 0);
    // --migrations auto finds TypeORM's `migrations` by its columns.
    let run = gate(
        &url,
        &["--migrations", "auto", "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(run.target()["migrations"][0]["tool"], "typeorm", "{run:?}");
}

/// Drizzle Kit 1.0 (release candidate), installed beside 0.x.
fn drizzle1(p: &Project, url: &str, args: &[&str]) -> Command {
    let mut cmd = tools::command("node-drizzle1/node_modules/.bin/drizzle-kit", p.path());
    cmd.env("NODE_PATH", tools::dir().join("node-drizzle1/node_modules"))
        .env("DATABASE_URL", url)
        .args(args);
    cmd
}

/// The folders `drizzle-kit` 1.0 wrote under `drizzle/`, oldest first.
fn drizzle1_folders(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("drizzle"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("migration.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn drizzle_kit_1_folders_by_name() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    ok(&mut drizzle1(
        &p,
        &url,
        &["generate", "--name", "create_users"],
    ));
    drizzle_schema(&p, &["users", "posts"]);
    ok(&mut drizzle1(
        &p,
        &url,
        &["generate", "--name", "add_posts"],
    ));
    assert!(
        !p.path().join("drizzle/meta/_journal.json").exists(),
        "1.0 keeps no journal"
    );
    let spec = p.spec("drizzle", "drizzle");
    let folders = drizzle1_folders(&p);
    assert_eq!(folders.len(), 2, "{folders:?}");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_missing", 50);
    assert!(succeeds(&mut drizzle1(&p, &url, &["migrate"])));
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["applied"]),
        folders,
        "rows are named after their folders"
    );
    assert!(
        report(&run)["last_applied_at"].is_string(),
        "1.0 records when: {run:?}"
    );
    // A folder older than the newest applied (another branch's): 1.0 applies it.
    p.write(
        "drizzle/20000101000000_from_a_branch/migration.sql",
        "CREATE TABLE branch (id int);",
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["20000101000000_from_a_branch"]
    );
    assert!(
        !run.stderr.contains("will never run"),
        "1.0 runs older folders: {}",
        run.stderr
    );
    assert!(succeeds(&mut drizzle1(&p, &url, &["migrate"])));
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "drizzle", "--expect-migration", &folders[1]],
    )
    .assert_class("ready", 0);
    // An applied folder's SQL edited: 1.0 never compares its hash and goes on; the
    // gate calls it modified, as it does for 0.x (README: deliberate differences).
    let edited = p
        .path()
        .join("drizzle")
        .join(&folders[0])
        .join("migration.sql");
    let original = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{original}\n-- edited\n")).unwrap();
    assert!(succeeds(&mut drizzle1(&p, &url, &["migrate"])));
    gate(&url, &["--migrations", &spec]).assert_class("migrations_modified", 53);
    std::fs::write(&edited, original).unwrap();
    // An applied folder the release no longer ships: 1.0 goes on.
    p.remove("drizzle/20000101000000_from_a_branch");
    gate(&url, &["--migrations", &spec]).assert_class("migrations_unknown", 54);
    assert!(succeeds(&mut drizzle1(&p, &url, &["migrate"])));
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
}

#[test]
fn drizzle_0x_database_read_with_1_0_folders_before_and_after_the_upgrade() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = drizzle_project();
    drizzle_generate(&p, &url, "create_users");
    drizzle_schema(&p, &["users", "posts"]);
    drizzle_generate(&p, &url, "add_posts");
    // `drizzle-kit up` names folders after each entry's `when` and wants them a
    // second apart at least; two generates may fall in the same second.
    let journal = p.path().join("drizzle/meta/_journal.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&journal).unwrap()).unwrap();
    for (i, entry) in doc["entries"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        entry["when"] = serde_json::json!(1_717_200_000_000_i64 + 60_000 * i as i64);
    }
    std::fs::write(&journal, doc.to_string()).unwrap();
    assert!(
        succeeds(&mut drizzle_migrate(&p, &url)),
        "0.x applies its journal"
    );
    // The app upgrades to 1.0: `drizzle-kit up` turns the journal into folders; the
    // database's rows have no name until 1.0's first migrate adds it.
    ok(&mut drizzle1(&p, &url, &["up"]));
    let folders = drizzle1_folders(&p);
    assert_eq!(folders.len(), 2, "{folders:?}");
    let spec = p.spec("drizzle", "drizzle");
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["applied"]),
        folders,
        "matched by hash: {run:?}"
    );
    assert!(
        succeeds(&mut drizzle1(&p, &url, &["migrate"])),
        "1.0 upgrades the table"
    );
    assert_eq!(
        pg.sql_in(
            "appdb",
            "SELECT count(name) FROM drizzle.__drizzle_migrations"
        ),
        "2"
    );
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["applied"]), folders);
}

/// The app's migrate step for Kysely: its Migrator over a migrations folder.
const KYSELY_MIGRATE: &str = "const path = require('path'); const fs = require('fs/promises');\n\
const { Kysely, PostgresDialect, Migrator, FileMigrationProvider } = require('kysely');\n\
const { Pool } = require('pg');\n\
(async () => {\n\
  const db = new Kysely({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: process.env.DATABASE_URL }) }) });\n\
  const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder: path.join(__dirname, 'migrations') }) });\n\
  const { error } = await migrator.migrateToLatest();\n\
  await db.destroy();\n\
  if (error) { console.error(String((error && error.message) || error)); process.exit(1); }\n\
})();\n";

fn kysely(p: &Project, url: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.current_dir(p.path())
        .env("NODE_PATH", tools::dir().join("node/node_modules"))
        .env("DATABASE_URL", url)
        .arg("migrate.js");
    cmd
}

fn kysely_migration(sql: &str) -> String {
    format!("const {{ sql }} = require('kysely');\nexports.up = async (db) => {{ await sql.raw(\"{sql}\").execute(db); }};\n")
}

#[test]
fn kysely_migrator() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("migrate.js", KYSELY_MIGRATE);
    p.write(
        "migrations/2024_01_01_create_users.js",
        &kysely_migration("CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/2024_01_02_add_email.js",
        &kysely_migration("ALTER TABLE users ADD COLUMN email text"),
    );
    let spec = p.spec("kysely", "migrations");
    common_states(
        &url,
        &spec,
        true, // "corrupted migrations: previously executed migration … is missing"
        &|| succeeds(&mut kysely(&p, &url)),
        &|| {
            p.write(
                "migrations/2024_01_03_add_posts.js",
                &kysely_migration("CREATE TABLE posts (id int)"),
            )
        },
        &|| p.remove("migrations/2024_01_03_add_posts.js"),
    );
    p.write(
        "migrations/2024_01_03_add_posts.js",
        &kysely_migration("CREATE TABLE posts (id int)"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("migrations/2024_01_01_create_users.js"),
        &|| succeeds(&mut kysely(&p, &url)),
    );
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    // A migration that sorts before the last executed one: Kysely refuses it.
    p.write(
        "migrations/2024_01_02_zz_between.js",
        &kysely_migration("CREATE TABLE between_t (id int)"),
    );
    let said = fails(&mut kysely(&p, &url));
    assert!(said.contains("corrupted migrations"), "{said}");
    gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    )
    .assert_class("migrations_out_of_order", 55);
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("migrations_out_of_order", 55);
    assert!(
        run.stderr.contains("allowUnorderedMigrations"),
        "{}",
        run.stderr
    );
    p.remove("migrations/2024_01_02_zz_between.js");
    // A failing migration: one transaction, no row.
    p.write(
        "migrations/2024_01_04_broken.js",
        &kysely_migration("SELECT 1/0"),
    );
    let said = fails(&mut kysely(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["2024_01_04_broken"]);
    gate(
        &url,
        &[
            "--migrations",
            "kysely",
            "--expect-migration",
            "2024_01_03_add_posts.js",
        ],
    )
    .assert_class("ready", 0);
}

const MIKRO_ORM_CONFIG: &str = "const { defineConfig } = require('@mikro-orm/postgresql');\n\
const { Migrator } = require('@mikro-orm/migrations');\n\
module.exports = defineConfig({ clientUrl: process.env.DATABASE_URL, entities: [], discovery: { warnWhenNoEntities: false },\n\
  extensions: [Migrator], migrations: { path: './migrations', emit: 'js', snapshot: false } });\n";

fn mikro_orm(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "mikro-orm", url);
    // Its CLI wants itself in the project's package.json; the tools dir is not.
    cmd.env("MIKRO_ORM_ALLOW_GLOBAL_CLI", "1").args([
        "migration:up",
        "--config",
        "./mikro-orm.config.js",
    ]);
    cmd
}

fn mikro_orm_migration(class: &str, sql: &str) -> String {
    format!(
        "const {{ Migration }} = require('@mikro-orm/migrations');\n\
         class {class} extends Migration {{ async up() {{ this.addSql('{sql}'); }} }}\nexports.{class} = {class};\n"
    )
}

#[test]
fn mikro_orm_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("mikro-orm.config.js", MIKRO_ORM_CONFIG);
    p.write(
        "migrations/Migration20240101000000_init.js",
        &mikro_orm_migration(
            "Migration20240101000000_init",
            "create table users (id int);",
        ),
    );
    p.write(
        "migrations/Migration20240102000000_email.js",
        &mikro_orm_migration(
            "Migration20240102000000_email",
            "alter table users add column email text;",
        ),
    );
    let spec = p.spec("mikro-orm", "migrations");
    common_states(
        &url,
        &spec,
        false, // migration:up ignores a row without a file
        &|| succeeds(&mut mikro_orm(&p, &url)),
        &|| {
            p.write(
                "migrations/Migration20240103000000_posts.js",
                &mikro_orm_migration(
                    "Migration20240103000000_posts",
                    "create table posts (id int);",
                ),
            )
        },
        &|| p.remove("migrations/Migration20240103000000_posts.js"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("migrations/Migration20240101000000_init.js"),
        &|| succeeds(&mut mikro_orm(&p, &url)),
    );
    p.write(
        "migrations/Migration20240103000000_posts.js",
        &mikro_orm_migration(
            "Migration20240103000000_posts",
            "create table posts (id int);",
        ),
    );
    p.write(
        "migrations/Migration20240104000000_broken.js",
        &mikro_orm_migration("Migration20240104000000_broken", "select 1/0;"),
    );
    let said = fails(&mut mikro_orm(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["Migration20240104000000_broken"]
    );
    gate(
        &url,
        &[
            "--migrations",
            "mikro-orm",
            "--expect-migration",
            "Migration20240103000000_posts.js",
        ],
    )
    .assert_class("ready", 0);
}

/// A committed graphile-migrate file after `prev`'s hash, with its hash as the tool
/// computes it — sha1(((previous || "") + "\n" + body.trim()).trim() + "\n") —
/// here by `sha1sum`, an independent program.
fn graphile_file(prev: Option<&str>, body: &str) -> (String, String) {
    let input = format!("{}\n{}", prev.unwrap_or(""), body.trim())
        .trim()
        .to_string()
        + "\n";
    let mut child = Command::new("sha1sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let hash = format!("sha1:{}", &String::from_utf8_lossy(&out.stdout)[..40]);
    let text = format!(
        "--! Previous: {}\n--! Hash: {hash}\n\n{}\n",
        prev.unwrap_or("-"),
        body.trim()
    );
    (text, hash)
}

fn graphile(p: &Project, url: &str) -> Command {
    let mut cmd = node_tool(p, "graphile-migrate", url);
    cmd.arg("migrate");
    cmd
}

#[test]
fn graphile_migrate_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write(".gmrc", "{ \"migrationsFolder\": \"./migrations\" }\n");
    let (one, h1) = graphile_file(None, "create table users (id int);");
    let (two, h2) = graphile_file(Some(&h1), "create table posts (id int);");
    let (three, h3) = graphile_file(Some(&h2), "create table tags (id int);");
    p.write("migrations/committed/000001-users.sql", &one);
    p.write("migrations/committed/000002-posts.sql", &two);
    let spec = p.spec("graphile-migrate", "migrations");
    common_states(
        &url,
        &spec,
        false, // "Already up to date" over a row without a file
        &|| succeeds(&mut graphile(&p, &url)),
        &|| p.write("migrations/committed/000003-tags.sql", &three),
        &|| p.remove("migrations/committed/000003-tags.sql"),
    );
    p.write("migrations/committed/000003-tags.sql", &three);
    let run = gate(&url, &["--migrations", &spec]);
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["applied"]),
        ["000001-users.sql", "000002-posts.sql", "000003-tags.sql"]
    );
    gate(
        &url,
        &[
            "--migrations",
            "graphile-migrate",
            "--expect-migration",
            "000003",
        ],
    )
    .assert_class("ready", 0);
    // An applied file re-committed differently: graphile-migrate goes on; the gate says modified.
    let (other, _) = graphile_file(Some(&h2), "create table tags (id bigint);");
    p.write("migrations/committed/000003-tags.sql", &other);
    assert!(succeeds(&mut graphile(&p, &url)));
    gate(&url, &["--migrations", &spec]).assert_class("migrations_modified", 53);
    p.write("migrations/committed/000003-tags.sql", &three);
    // A failing migration leaves no row.
    let (broken, _) = graphile_file(Some(&h3), "select 1/0;");
    p.write("migrations/committed/000004-broken.sql", &broken);
    let said = fails(&mut graphile(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["000004-broken.sql"]);
}

/// A Rails app's `db:migrate`, without the app: Active Record's MigrationContext.
const RAILS_MIGRATE: &str = "require 'active_record'\n\
ActiveRecord::Base.establish_connection(ENV.fetch('DATABASE_URL'))\n\
ActiveRecord::MigrationContext.new('db/migrate', ActiveRecord::SchemaMigration).migrate\n";

fn rails(p: &Project, url: &str) -> Command {
    let mut cmd = Command::new("ruby");
    cmd.current_dir(p.path())
        .env("DATABASE_URL", url)
        .arg("migrate.rb");
    cmd
}

fn rails_migration(class: &str, sql: &str) -> String {
    format!("class {class} < ActiveRecord::Migration[6.1]\n  def up\n    execute \"{sql}\"\n  end\nend\n")
}

#[test]
fn rails_active_record() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("migrate.rb", RAILS_MIGRATE);
    p.write(
        "db/migrate/20240101000000_create_users.rb",
        &rails_migration("CreateUsers", "CREATE TABLE users (id int)"),
    );
    p.write(
        "db/migrate/20240102000000_add_email.rb",
        &rails_migration("AddEmail", "ALTER TABLE users ADD COLUMN email text"),
    );
    let spec = p.spec("rails", "db/migrate");
    common_states(
        &url,
        &spec,
        false, // db:migrate goes on over "NO FILE"
        &|| succeeds(&mut rails(&p, &url)),
        &|| {
            p.write(
                "db/migrate/20240103000000_create_posts.rb",
                &rails_migration("CreatePosts", "CREATE TABLE posts (id int)"),
            )
        },
        &|| p.remove("db/migrate/20240103000000_create_posts.rb"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path().join("db/migrate/20240101000000_create_users.rb"),
        &|| succeeds(&mut rails(&p, &url)),
    );
    p.write(
        "db/migrate/20240103000000_create_posts.rb",
        &rails_migration("CreatePosts", "CREATE TABLE posts (id int)"),
    );
    // Each migration in its own transaction: a failing one leaves no row.
    p.write(
        "db/migrate/20240104000000_broken.rb",
        &rails_migration("Broken", "SELECT 1/0"),
    );
    let said = fails(&mut rails(&p, &url));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["20240104000000_broken"]);
    gate(
        &url,
        &[
            "--migrations",
            "rails",
            "--expect-migration",
            "20240103000000_create_posts.rb",
        ],
    )
    .assert_class("ready", 0);
    // auto tells Rails' schema_migrations from dbmate's by ar_internal_metadata.
    let run = gate(
        &url,
        &["--migrations", "auto", "--require-migrations", "deployable"],
    );
    assert_eq!(run.target()["migrations"][0]["tool"], "rails", "{run:?}");
    // Rails' advisory lock, as a concurrent run sees it.
    p.remove("db/migrate/20240104000000_broken.rb");
    p.write(
        "db/migrate/20240105000000_slow.rb",
        "class Slow < ActiveRecord::Migration[6.1]\n  disable_ddl_transaction!\n  def up\n    execute 'SELECT pg_sleep(60)'\n  end\nend\n",
    );
    let mut child = rails(&p, &url).spawn().unwrap();
    let started = std::time::Instant::now();
    while pg.sql_in(
        "appdb",
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'",
    ) != "1"
    {
        assert!(
            started.elapsed().as_secs() < 30,
            "the slow migration never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run = gate(&url, &["--migrations", "rails"]);
    let _ = child.kill();
    let _ = child.wait();
    run.assert_class("migrations_pending", 51);
    assert_eq!(report(&run)["locked"], true, "{run:?}");
}

/// A Laravel app's `artisan migrate`, without the app: Illuminate's Migrator.
const LARAVEL_MIGRATE: &str = "<?php\n\
require_once 'Illuminate/Database/autoload.php';\n\
require_once 'Illuminate/Filesystem/autoload.php';\n\
use Illuminate\\Database\\Capsule\\Manager as Capsule;\n\
use Illuminate\\Database\\Migrations\\DatabaseMigrationRepository;\n\
use Illuminate\\Database\\Migrations\\Migrator;\n\
use Illuminate\\Filesystem\\Filesystem;\n\
$capsule = new Capsule;\n\
$capsule->addConnection(['driver' => 'pgsql', 'url' => getenv('DATABASE_URL'), 'charset' => 'utf8', 'prefix' => '', 'schema' => 'public']);\n\
$capsule->setAsGlobal();\n\
$resolver = $capsule->getDatabaseManager();\n\
$repo = new DatabaseMigrationRepository($resolver, 'migrations');\n\
if (!$repo->repositoryExists()) { $repo->createRepository(); }\n\
$migrator = new Migrator($repo, $resolver, new Filesystem);\n\
$migrator->run([__DIR__ . '/migrations']);\n";

fn laravel(p: &Project, url: &str) -> Command {
    let mut cmd = Command::new("php");
    // Laravel's pgsql `url` takes the postgres scheme.
    cmd.current_dir(p.path())
        .env("DATABASE_URL", url.replacen("postgresql://", "pgsql://", 1))
        .arg("migrate.php");
    cmd
}

fn laravel_migration(sql: &str) -> String {
    format!(
        "<?php\nuse Illuminate\\Database\\Migrations\\Migration;\nuse Illuminate\\Database\\Capsule\\Manager as Capsule;\n\
         return new class extends Migration {{ public function up() {{ Capsule::connection()->statement(\"{sql}\"); }} }};\n"
    )
}

#[test]
fn laravel_migrator() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    p.write("migrate.php", LARAVEL_MIGRATE);
    p.write(
        "migrations/2024_01_01_000000_create_users_table.php",
        &laravel_migration("CREATE TABLE users (id int)"),
    );
    p.write(
        "migrations/2024_01_02_000000_add_email_to_users_table.php",
        &laravel_migration("ALTER TABLE users ADD COLUMN email text"),
    );
    let spec = p.spec("laravel", "migrations");
    common_states(
        &url,
        &spec,
        false, // migrate ignores a row without a file
        &|| succeeds(&mut laravel(&p, &url)),
        &|| {
            p.write(
                "migrations/2024_01_03_000000_create_posts_table.php",
                &laravel_migration("CREATE TABLE posts (id int)"),
            )
        },
        &|| p.remove("migrations/2024_01_03_000000_create_posts_table.php"),
    );
    edited_goes_on(
        &url,
        &spec,
        &p.path()
            .join("migrations/2024_01_01_000000_create_users_table.php"),
        &|| succeeds(&mut laravel(&p, &url)),
    );
    p.write(
        "migrations/2024_01_03_000000_create_posts_table.php",
        &laravel_migration("CREATE TABLE posts (id int)"),
    );
    p.write(
        "migrations/2024_01_04_000000_broken.php",
        &laravel_migration("SELECT 1/0"),
    );
    let said = fails(&mut laravel(&p, &url));
    assert!(
        said.contains("Division by zero") || said.contains("division by zero"),
        "{said}"
    );
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(
        names(&report(&run)["pending"]),
        ["2024_01_04_000000_broken"]
    );
    gate(
        &url,
        &[
            "--migrations",
            "laravel",
            "--expect-migration",
            "2024_01_03_000000_create_posts_table.php",
        ],
    )
    .assert_class("ready", 0);
    // auto tells Laravel's `migrations` from TypeORM's by its columns.
    let run = gate(
        &url,
        &["--migrations", "auto", "--require-migrations", "deployable"],
    );
    assert_eq!(run.target()["migrations"][0]["tool"], "laravel", "{run:?}");
    // TypeORM's reader refuses Laravel's table of the same name.
    gate(&url, &["--migrations", "typeorm"]).assert_class("invalid_config", 2);
}

fn sqitch(p: &Project, pg: &Pg, args: &[&str]) -> Command {
    let mut cmd = Command::new("sqitch");
    cmd.current_dir(p.path())
        .env("HOME", p.path())
        .env("SQITCH_FULLNAME", "CI Bot")
        .env("SQITCH_EMAIL", "ci@example.com")
        .env("SQITCH_PASSWORD", APP_PASSWORD)
        .env_remove("PGPASSWORD")
        .args(args);
    if args.first() == Some(&"deploy") {
        cmd.arg(format!("db:pg://app@127.0.0.1:{}/appdb", pg.port));
    }
    cmd
}

/// `sqitch add NAME`, then the deploy script's SQL.
fn sqitch_add(p: &Project, pg: &Pg, name: &str, sql: &str) {
    ok(&mut sqitch(p, pg, &["add", name, "-n", name]));
    p.write(
        &format!("deploy/{name}.sql"),
        &format!("BEGIN;\n{sql}\nCOMMIT;\n"),
    );
}

#[test]
fn sqitch_cli() {
    let pg = Pg::start();
    let url = pg.url("");
    let p = Project::new();
    ok(&mut sqitch(&p, &pg, &["init", "flipr", "--engine", "pg"]));
    sqitch_add(&p, &pg, "users", "CREATE TABLE users (id int);");
    sqitch_add(&p, &pg, "posts", "CREATE TABLE posts (id int);");
    let spec = format!("sqitch={}", p.path().display());
    let plan = p.path().join("sqitch.plan");
    let without = std::cell::RefCell::new(String::new());
    let with = std::cell::RefCell::new(String::new());
    common_states(
        &url,
        &spec,
        true, // "Cannot find change … in sqitch.plan"
        &|| succeeds(&mut sqitch(&p, &pg, &["deploy"])),
        &|| {
            *without.borrow_mut() = std::fs::read_to_string(&plan).unwrap();
            sqitch_add(&p, &pg, "tags", "CREATE TABLE tags (id int);");
        },
        &|| {
            // The release without `tags`: its plan as it was.
            *with.borrow_mut() = std::fs::read_to_string(&plan).unwrap();
            std::fs::write(&plan, without.borrow().as_str()).unwrap();
        },
    );
    let said = fails(&mut sqitch(&p, &pg, &["deploy"]));
    assert!(said.contains("Cannot find change"), "{said}");
    // Back to the plan that has it (Sqitch knows a change by an id over its plan
    // entry, so the same entry, not a new `sqitch add tags`).
    std::fs::write(&plan, with.borrow().as_str()).unwrap();
    assert!(succeeds(&mut sqitch(&p, &pg, &["deploy"])));
    edited_goes_on(&url, &spec, &p.path().join("deploy/users.sql"), &|| {
        succeeds(&mut sqitch(&p, &pg, &["deploy"]))
    });
    gate(&url, &["--migrations", &spec]).assert_class("ready", 0);
    sqitch_add(&p, &pg, "broken", "SELECT 1/0;");
    let said = fails(&mut sqitch(&p, &pg, &["deploy"]));
    assert!(said.contains("division by zero"), "{said}");
    let run = gate(
        &url,
        &["--migrations", &spec, "--require-migrations", "deployable"],
    );
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["pending"]), ["broken"]);
    gate(
        &url,
        &["--migrations", "sqitch", "--expect-migration", "tags"],
    )
    .assert_class("ready", 0);
    gate(
        &url,
        &["--migrations", "sqitch", "--expect-migration", "broken"],
    )
    .assert_class("migrations_pending", 51);
    // Another deploy holds Sqitch's lock.
    let mut session = pg.session_in("appdb");
    std::io::Write::write_all(
        session.stdin.as_mut().unwrap(),
        b"SELECT pg_advisory_lock(75474063);\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    while pg.sql_in("appdb", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 75474063 AND granted") != "1" {
        assert!(started.elapsed().as_secs() < 30, "the lock was not taken");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let run = gate(&url, &["--migrations", &spec]);
    session.kill().unwrap();
    session.wait().unwrap();
    run.assert_class("migrations_pending", 51);
    assert_eq!(report(&run)["locked"], true, "{run:?}");
}

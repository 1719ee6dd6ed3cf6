//! The migration gate against the real tools: each CLI (installed by
//! `scripts/migration-tools`) applies, fails or is refused, and pgready reads the
//! table the tool left. Where the tool itself has a verdict (a modified or a dirty
//! migration), the test checks that the tool and pgready agree.

use std::path::Path;
use std::process::Command;

use crate::support::tools::{self, fails, ok};
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
/// `deployable` passes it), one unknown.
fn common_states(url: &str, spec: &str, apply: &dyn Fn(), add: &dyn Fn(), drop: &dyn Fn()) {
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("migrations_missing", 50);
    gate(
        url,
        &["--migrations", spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
    apply();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["applied"]).len(), 2, "{run:?}");
    add();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("migrations_pending", 51);
    assert_eq!(names(&report(&run)["pending"]).len(), 1, "{run:?}");
    gate(
        url,
        &["--migrations", spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
    apply();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("ready", 0);
    assert_eq!(names(&report(&run)["applied"]).len(), 3, "{run:?}");
    drop();
    let run = gate(url, &["--migrations", spec]);
    run.assert_class("migrations_unknown", 54);
    assert_eq!(names(&report(&run)["unknown"]).len(), 1, "{run:?}");
    gate(
        url,
        &["--migrations", spec, "--require-migrations", "deployable"],
    )
    .assert_class("ready", 0);
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
    let apply = || {
        ok(&mut sqlx(&p, &url, &["migrate", "run"]));
    };
    common_states(
        &url,
        &spec,
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
        &|| {
            ok(&mut diesel(&p, &url, &["migration", "run"]));
        },
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
        &|| {
            ok(&mut dbmate(&p, &url));
        },
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

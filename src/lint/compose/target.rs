//! What a URL must agree with on the service it reaches: a database's user,
//! password and database, a pooler's role.

use super::{subject, suggestion, Kind};
use crate::deploy::compose::{Project, Service};
use crate::finding::Status;
use crate::lint::url::Found;
use crate::lint::{Item, Options};
use crate::settings::role::Role;

/// What the URL must agree with on the service it reaches: a database's
/// credentials, a pooler's role.
pub(super) fn through(
    project: &Project,
    app: &Service,
    target: &Service,
    found: &Found,
    opts: &Options,
) -> Vec<Item> {
    match super::kind(target) {
        Kind::Database => credentials(app, target, found),
        Kind::Pooler => pooler(project, app, target, found, opts),
        _ => Vec::new(),
    }
}

fn pooler(
    project: &Project,
    app: &Service,
    target: &Service,
    found: &Found,
    opts: &Options,
) -> Vec<Item> {
    let item = |id, status| Item::new(id, status, &found.at, &subject(app)).about(&found.name);
    let mut items = Vec::new();
    if found.role == Role::Direct {
        items.push(item("direct_url_pooler", Status::Fail).says(
            format!("{} is the direct URL, but `{}` is a connection pooler: migrations and advisory locks need a session on the server itself", found.name, target.name),
            format!("point {} at {} (port 5432)", found.name, suggestion(project)),
        ));
    } else if uses_prisma(app, opts) && found.param("pgbouncer") != Some("true") {
        items.push(item("prisma_pgbouncer", Status::Warn).says(
            format!("{} goes through the pooler `{}` without `pgbouncer=true`: Prisma's prepared statements fail in transaction pooling (\"prepared statement already exists\")", found.name, target.name),
            "add `?pgbouncer=true` to the URL (and a direct URL to the server for `prisma migrate`)",
        ));
    }
    items
}

/// Whether the app reads its URL with Prisma: `--client prisma`, or the
/// `DATABASE_DIRECT_URL`/`DIRECT_URL` or `PRISMA_*` variables Prisma apps carry.
fn uses_prisma(app: &Service, opts: &Options) -> bool {
    opts.context.client_chosen && opts.context.reading.client == crate::vocab::Client::Prisma
        || app.environment.iter().any(|v| {
            v.name.starts_with("PRISMA_")
                || v.name == "DIRECT_URL"
                || v.name == "DATABASE_DIRECT_URL"
        })
}

/// The official image's user, password and database (its defaults applied), or
/// Bitnami's names for them.
fn image_credentials(db: &Service) -> (String, Option<&str>, String, bool) {
    let user = ["POSTGRES_USER", "POSTGRESQL_USERNAME"]
        .iter()
        .find_map(|k| db.env(k).filter(|v| !v.is_empty()))
        .unwrap_or("postgres")
        .to_string();
    let password = ["POSTGRES_PASSWORD", "POSTGRESQL_PASSWORD"]
        .iter()
        .find_map(|k| db.env(k));
    let database = ["POSTGRES_DB", "POSTGRESQL_DATABASE"]
        .iter()
        .find_map(|k| db.env(k).filter(|v| !v.is_empty()))
        .map_or_else(|| user.clone(), str::to_string);
    let init_scripts = db
        .mounts
        .iter()
        .any(|(t, _)| t.starts_with("/docker-entrypoint-initdb.d"));
    (user, password, database, init_scripts)
}

fn credentials(app: &Service, db: &Service, found: &Found) -> Vec<Item> {
    let Some(spec) = &found.spec else {
        return Vec::new();
    };
    let (user, password, database, init_scripts) = image_credentials(db);
    // Init scripts may create other roles and databases.
    let status = if init_scripts {
        Status::Warn
    } else {
        Status::Fail
    };
    let item = |id, status| Item::new(id, status, &found.at, &subject(app)).about(&found.name);
    let mut items = Vec::new();
    let initialised = "(the image creates them only when it initialises an empty data volume)";
    if spec.user != user {
        items.push(item("user_mismatch", status).says(
            format!("{} connects as user `{}`, but service `{}` creates the user `{user}` (POSTGRES_USER)", found.name, spec.user, db.name),
            format!("use the user `{user}` in the URL, or set POSTGRES_USER={} {initialised}", spec.user),
        ));
    } else if db.env("POSTGRES_PASSWORD_FILE").is_some() {
        items.push(item("password_unchecked", Status::Warn).says(
            format!("service `{}` reads its password from POSTGRES_PASSWORD_FILE, a secret file: the password in {} cannot be compared", db.name, found.name),
            "make sure the URL's password is the secret file's content (percent-encoded)",
        ));
    } else if db.env("POSTGRES_HOST_AUTH_METHOD") == Some("trust") {
    } else {
        let given = spec.password.as_ref().map(|p| p.expose());
        match (given, password) {
            (_, None) => {}
            (None, Some(_)) => items.push(item("password_mismatch", Status::Fail).says(
                format!(
                    "{} has no password, but service `{}` sets POSTGRES_PASSWORD",
                    found.name, db.name
                ),
                "put the password in the URL: postgresql://USER:PASSWORD@HOST:5432/DATABASE",
            )),
            (Some(g), Some(p)) if g != p => {
                items.push(item("password_mismatch", Status::Fail).says(
                    format!(
                        "the password in {} differs from POSTGRES_PASSWORD of service `{}`",
                        found.name, db.name
                    ),
                    format!(
                        "use the same password in both (percent-encoded in the URL) {initialised}"
                    ),
                ))
            }
            _ => {}
        }
    }
    if spec.dbname_given && spec.dbname != database {
        items.push(item("database_mismatch", status).says(
            format!(
                "{} names the database `{}`, but service `{}` creates `{database}` (POSTGRES_DB)",
                found.name, spec.dbname, db.name
            ),
            format!(
                "use `/{database}` in the URL, or set POSTGRES_DB={} {initialised}",
                spec.dbname
            ),
        ));
    }
    items
}

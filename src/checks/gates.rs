//! Evaluates [`Gates`] on a ready session: each unmet gate is a failure of its own
//! class, with the evidence and the exact fix.

use crate::class::Class;
use crate::outcome::{Failure, Stage};
use crate::probe::{Inspect, Ready};
use crate::settings::gates::Gates;
use crate::vocab::names::{SchemaPrivilege, TableName, Version};

use super::sql::app_schema;
use crate::vocab::sql::{ident, literal, qualified};

/// The gates as an inspection.
pub struct GateCheck<'a> {
    /// What to require.
    pub gates: &'a Gates,
}

impl Inspect for GateCheck<'_> {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        let g = self.gates;
        if let Some(min) = g.min_server_version {
            version(ready, min)?;
        }
        if let Some(privilege) = g.schema_privilege {
            schema(ready, privilege).await?;
        }
        if !g.tables.is_empty() {
            tables(ready, g).await?;
        }
        if !g.extensions.is_empty() {
            extensions(ready, &g.extensions).await?;
        }
        if g.same_database {
            return identity(ready).await.map(Some);
        }
        Ok(None)
    }
}

fn fail(class: Class, message: String) -> Failure {
    Failure::new(class, Stage::Query, message)
}

/// A query error during a gate: classified like any session error.
pub fn query_failed(ready: &Ready<'_>, e: &tokio_postgres::Error) -> Failure {
    let ctx = crate::classify::SessionContext {
        endpoint: &ready.facts.endpoint,
        user: &ready.spec.user,
        dbname: &ready.spec.dbname,
        password_source: ready.spec.password_source.as_deref(),
        sslmode: ready.spec.tls.mode,
        client: ready.spec.client,
    };
    crate::classify::session(e, Stage::Query, &ctx)
}

fn version(ready: &Ready<'_>, min: Version) -> Result<(), Failure> {
    version_verdict(&ready.facts.endpoint, ready.facts.version.as_deref(), min)
}

/// The same-database gate: the target `source` reached `id` (cluster and
/// database), the first target `first` reached `reference`. Doctor judges with it
/// too.
pub fn same_database_verdict(
    source: &str,
    id: &str,
    first: &str,
    reference: &str,
) -> Result<(), Failure> {
    if id == reference {
        return Ok(());
    }
    Err(fail(
        Class::TargetsMismatch,
        format!("{source} reaches {id}, but {first} reaches {reference}: they are not the same database"),
    )
    .with_hint(format!("point {source} at the same database as {first} (the same host's cluster and database name), or drop --require-same-database if they are meant to differ")))
}

/// The version gate on what the server reported (doctor judges with it too).
pub fn version_verdict(
    endpoint: &str,
    reported: Option<&str>,
    min: Version,
) -> Result<(), Failure> {
    let reported = reported.unwrap_or("unknown");
    match Version::from_server(reported) {
        Some(v) if v >= min => Ok(()),
        _ => Err(fail(
            Class::VersionUnsupported,
            format!("{endpoint} runs PostgreSQL {reported}; at least {min} is required"),
        )
        .with_hint("upgrade the server, or point the URL at one that is new enough")),
    }
}

async fn schema(ready: &Ready<'_>, privilege: SchemaPrivilege) -> Result<(), Failure> {
    let name = app_schema(ready.spec);
    let sql = format!(
        "SELECT n.oid IS NOT NULL, pg_catalog.has_schema_privilege(n.oid, 'USAGE'), pg_catalog.has_schema_privilege(n.oid, 'CREATE') \
         FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = {}",
        literal(&name)
    );
    let row = ready.row(&sql).await.map_err(|e| query_failed(ready, &e))?;
    let yes = |i: usize| row.get(i).and_then(|v| v.as_deref()) == Some("t");
    let server = ready
        .facts
        .version
        .as_deref()
        .and_then(Version::from_server);
    schema_verdict(ready.spec, (yes(0), yes(1), yes(2)), privilege, server)
}

/// Whether `schema` is `public` on a server (15+) that gives CREATE on it only to
/// the database owner — the trap the guides describe.
pub fn owner_only_public(schema: &str, server: Option<Version>) -> bool {
    schema == "public" && server.is_some_and(|v| v.major >= 15)
}

/// The schema-privilege gate on what the server said about the app's schema:
/// (exists, USAGE, CREATE). Doctor judges with it too.
pub fn schema_verdict(
    spec: &crate::settings::spec::ConnSpec,
    (exists, usage, create): (bool, bool, bool),
    privilege: SchemaPrivilege,
    server: Option<Version>,
) -> Result<(), Failure> {
    let name = app_schema(spec);
    let user = &spec.user;
    let db = &spec.dbname;
    let missing = match (exists, usage, create, privilege) {
        (false, ..) => {
            return Err(fail(
                Class::SchemaPermissionDenied,
                format!("schema \"{name}\" does not exist in database \"{db}\""),
            )
            .with_hint(format!(
                "create it: CREATE SCHEMA {} AUTHORIZATION {}; (or fix `schema=` in the URL)",
                ident(&name),
                ident(user)
            )))
        }
        (_, false, _, _) => "USAGE",
        (_, true, false, SchemaPrivilege::Create) => "CREATE",
        _ => return Ok(()),
    };
    let grant = format!(
        "GRANT USAGE, CREATE ON SCHEMA {} TO {};",
        ident(&name),
        ident(user)
    );
    let hint = if owner_only_public(&name, server) {
        format!(
            "as the database owner or a superuser: {grant} (PostgreSQL 15+ grants CREATE on public only to the database owner: ALTER DATABASE {} OWNER TO {}; also works)",
            ident(db),
            ident(user)
        )
    } else {
        format!("as the schema's owner or a superuser: {grant}")
    };
    Err(fail(
        Class::SchemaPermissionDenied,
        format!("permission denied for schema {name}: role \"{user}\" lacks {missing} on it in database \"{db}\""),
    )
    .with_hint(hint))
}

/// `--require-table`: every table exists (in the app's schema unless qualified).
pub async fn tables(ready: &Ready<'_>, gates: &Gates) -> Result<(), Failure> {
    let default_schema = app_schema(ready.spec);
    let names: Vec<TableName> = gates
        .tables
        .iter()
        .map(|t| TableName {
            schema: t.schema.clone().or_else(|| Some(default_schema.clone())),
            name: t.name.clone(),
        })
        .collect();
    // A schema the role may not use hides its tables (and to_regclass would fail
    // with permission denied): told apart, so the fix is the GRANT.
    let columns: Vec<String> = names
        .iter()
        .map(|t| {
            format!(
                "(SELECT CASE WHEN NOT pg_catalog.has_schema_privilege(n.oid, 'USAGE') THEN 'denied' \
                 WHEN pg_catalog.to_regclass({}) IS NOT NULL THEN 'ok' END \
                 FROM pg_catalog.pg_namespace n WHERE n.nspname = {})",
                literal(&qualified(t)),
                literal(t.schema.as_deref().unwrap_or_default())
            )
        })
        .collect();
    let row = ready
        .row(&format!("SELECT {}", columns.join(", ")))
        .await
        .map_err(|e| query_failed(ready, &e))?;
    let state = |i: usize| row.get(i).and_then(|v| v.as_deref());
    let denied: Vec<&TableName> = (0..names.len())
        .filter(|i| state(*i) == Some("denied"))
        .map(|i| &names[i])
        .collect();
    if let Some(table) = denied.first() {
        let schema = table.schema.as_deref().unwrap_or_default();
        return Err(fail(
            Class::SchemaPermissionDenied,
            format!(
                "role \"{}\" may not use schema \"{schema}\" in database \"{}\", so table {table} cannot be seen",
                ready.spec.user, ready.spec.dbname
            ),
        )
        .with_hint(format!(
            "as the schema's owner or a superuser: GRANT USAGE ON SCHEMA {} TO {};",
            ident(schema),
            ident(&ready.spec.user)
        )));
    }
    let missing: Vec<String> = (0..names.len())
        .filter(|i| state(*i) != Some("ok"))
        .map(|i| names[i].to_string())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(fail(
        Class::TableMissing,
        format!(
            "table {} does not exist in database \"{}\" (yet)",
            missing.join(", "),
            ready.spec.dbname
        ),
    ))
}

/// `--require-extension`: every extension is created in the database.
pub async fn extensions(ready: &Ready<'_>, wanted: &[String]) -> Result<(), Failure> {
    let list: Vec<String> = wanted.iter().map(|e| literal(e)).collect();
    let sql = format!(
        "SELECT w.name, e.extname IS NOT NULL, a.name IS NOT NULL FROM unnest(ARRAY[{}]) AS w(name) \
         LEFT JOIN pg_catalog.pg_extension e ON e.extname = w.name \
         LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = w.name",
        list.join(", ")
    );
    let rows = ready
        .rows(&sql)
        .await
        .map_err(|e| query_failed(ready, &e))?;
    let missing: Vec<(String, bool)> = rows
        .iter()
        .filter(|r| r.get(1).and_then(|v| v.as_deref()) != Some("t"))
        .map(|r| {
            (
                r.first().cloned().flatten().unwrap_or_default(),
                r.get(2).and_then(|v| v.as_deref()) == Some("t"),
            )
        })
        .collect();
    let Some((name, available)) = missing.first() else {
        return Ok(());
    };
    let hint = if *available {
        format!("create it (as a superuser, or a role allowed to for trusted extensions): CREATE EXTENSION IF NOT EXISTS {};", ident(name))
    } else {
        format!("the extension `{name}` is not even installed on the server: install its package (e.g. postgresql-contrib or the extension's own) or use an image that ships it")
    };
    let names: Vec<&str> = missing.iter().map(|(n, _)| n.as_str()).collect();
    Err(fail(
        Class::ExtensionMissing,
        format!(
            "extension {} is not installed in database \"{}\"",
            names.join(", "),
            ready.spec.dbname
        ),
    )
    .with_hint(hint))
}

/// What identifies the cluster and the database: the cluster's system identifier
/// and the database's oid (a pooler in front of the same cluster shows the same;
/// where `pg_control_system()` is not allowed, the postmaster's start time stands
/// in for the identifier).
pub async fn identity(ready: &Ready<'_>) -> Result<String, Failure> {
    const DB: &str =
        "(SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())";
    let precise = format!("SELECT 'database ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' (oid ' || {DB} || ') of cluster ' || system_identifier FROM pg_catalog.pg_control_system()");
    let rows = match ready.rows(&precise).await {
        Ok(rows) => rows,
        Err(_) => {
            let fallback = format!("SELECT 'database ' || pg_catalog.quote_ident(pg_catalog.current_database()) || ' (oid ' || {DB} || ') of the cluster started ' || pg_catalog.pg_postmaster_start_time()");
            ready
                .rows(&fallback)
                .await
                .map_err(|e| query_failed(ready, &e))?
        }
    };
    Ok(rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .unwrap_or_default())
}

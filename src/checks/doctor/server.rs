//! The findings about the server once a session is up: TLS, version, writability,
//! connection headroom, schema privileges, poolers, migrations, same database. Each
//! is a function of what the session saw, so the tests feed it facts as data.

use super::facts::{col, Facts};
use super::Checklist;
use crate::checks::sql::app_schema;
use crate::class::Class;
use crate::finding::{Check, Finding, Status};
use crate::outcome::{Failure, ServerFacts};
use crate::settings::client::{Client, TlsPlan};
use crate::settings::role::Role;
use crate::settings::spec::ConnSpec;
use crate::settings::spec::SessionAttrs;
use crate::settings::targets::Target;
use crate::settings::Settings;
use crate::vocab::auth::Method;
use crate::vocab::migrations::Report;
use crate::vocab::names::{SchemaPrivilege, Version};
use crate::vocab::sql;

pub(super) fn session_items(
    list: &mut Checklist,
    settings: &Settings,
    target: &Target,
    spec: &ConnSpec,
    server: &ServerFacts,
    facts: &Facts,
    replicas: Option<u32>,
) {
    let answered = format!("{} answered", server.endpoint);
    list.add(Finding::ok(Check::ServerResponds, answered));
    list.add(tls_item(spec, server));
    let version = server.version.as_deref().and_then(Version::from_server);
    list.add(auth_item(spec, server, version));
    list.add(Finding::ok(
        Check::DatabaseExists,
        format!("\"{}\"", spec.dbname),
    ));
    let connect = facts.yes(col::CONNECT);
    let status = if connect { Status::Ok } else { Status::Warn };
    list.add(Finding::new(
        Check::ConnectPrivilege,
        status,
        format!("has CONNECT: {connect}"),
    ));
    list.add(version_item(settings, server));
    let must_write = target.requires_writable() || settings.gates.require_writable;
    list.add(writable_item(must_write, spec, facts));
    list.add(headroom_item(spec, facts, replicas));
    list.add(schema_item(spec, facts, version));
    list.add(pooler_item(target.role, spec, server, facts));
}

/// The login, and the method the server asked for: an MD5 password is deprecated
/// from PostgreSQL 18 (its support will be removed), so there it is a warning.
pub(super) fn auth_item(
    spec: &ConnSpec,
    server: &ServerFacts,
    version: Option<Version>,
) -> Finding {
    let method = server
        .auth
        .map_or(String::new(), |m| format!(" ({})", m.name()));
    let evidence = format!("logged in as \"{}\"{method}", spec.user);
    if server.auth != Some(Method::Md5) {
        return Finding::ok(Check::Authentication, evidence);
    }
    if version.is_some_and(|v| v.major >= 18) {
        let evidence = format!(
            "{evidence}: an MD5-stored password, deprecated in PostgreSQL 18 and to be removed"
        );
        let fix = format!(
            "store the password as SCRAM: as the role or a superuser, `SET password_encryption = 'scram-sha-256'; ALTER ROLE {} PASSWORD '…'` with the same password (an md5 line in pg_hba.conf then does SCRAM; make it scram-sha-256 once every role is converted)",
            sql::ident(&spec.user)
        );
        return Finding::warn(Check::Authentication, evidence, Some(fix));
    }
    let evidence = format!("{evidence}: an MD5-stored password (PostgreSQL 18 deprecates it)");
    Finding::ok(Check::Authentication, evidence)
}

pub(super) fn tls_item(spec: &ConnSpec, server: &ServerFacts) -> Finding {
    let crosses_network = !spec.endpoints.iter().all(|e| e.is_local());
    if server.tls {
        let protocol = server.tls_protocol.unwrap_or("TLS");
        let (mode, rules) = (spec.tls.mode, spec.client.name());
        if server.tls_verified {
            let evidence =
                format!("{protocol}, certificate verified (sslmode={mode}, {rules} rules)");
            return Finding::ok(Check::Tls, evidence);
        }
        let evidence =
            format!("{protocol}, certificate NOT verified (sslmode={mode}, {rules} rules)");
        let fix = "verify the server: sslmode=verify-full&sslrootcert=/path/ca.pem (libpq), sslaccept=strict (Prisma)";
        return Finding::warn(Check::Tls, evidence, Some(fix.into()));
    }
    if crosses_network && spec.password.is_some() {
        let evidence = format!(
            "no TLS (sslmode={}): the password crosses a non-loopback network in clear",
            spec.tls.mode
        );
        let fix = "enable TLS on the server and use sslmode=require (or verify-full)";
        return Finding::warn(Check::Tls, evidence, Some(fix.into()));
    }
    let why = if spec.tls.plans == [TlsPlan::Off] {
        "disabled by sslmode"
    } else {
        "the server offers none"
    };
    Finding::ok(
        Check::Tls,
        format!("no TLS ({why}; loopback or socket only)"),
    )
}

pub(super) fn version_item(settings: &Settings, server: &ServerFacts) -> Finding {
    let reported = server.version.as_deref();
    let verdict = settings.gates.min_server_version.map_or(Ok(()), |min| {
        crate::checks::gates::version_verdict(&server.endpoint, reported, min)
    });
    match verdict {
        Err(failure) => Finding::failed(Check::ServerVersion, &failure),
        Ok(()) => Finding::ok(
            Check::ServerVersion,
            format!("PostgreSQL {}", reported.unwrap_or("unknown")),
        ),
    }
}

pub(super) fn writable_item(must_write: bool, spec: &ConnSpec, facts: &Facts) -> Finding {
    let standby = facts.yes(col::IN_RECOVERY);
    let read_only = facts.text(col::READ_ONLY) == Some("on");
    let attrs = if must_write {
        SessionAttrs::ReadWrite
    } else {
        spec.session_attrs
    };
    let label = spec
        .endpoints
        .first()
        .map(|e| e.label())
        .unwrap_or_default();
    // The session's own verdict on the server's kind; a read-only server nobody
    // asked to write to is worth a warning.
    match crate::probe::session::kind_verdict(&label, attrs, standby, read_only) {
        Err(failure) => Finding::failed(Check::Writable, &failure),
        Ok(()) if standby || read_only => Finding::warn(
            Check::Writable,
            crate::probe::session::describe_kind(standby, read_only),
            Some("point write/migration URLs at the primary".to_string()),
        ),
        Ok(()) => Finding::ok(
            Check::Writable,
            crate::probe::session::describe_kind(standby, read_only),
        ),
    }
}

/// Prisma's default pool size: 2 × physical CPUs + 1 (this machine's CPUs stand in
/// for the app's).
pub(super) fn prisma_default_pool() -> i64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    cpus * 2 + 1
}

pub(super) fn headroom_item(spec: &ConnSpec, facts: &Facts, replicas: Option<u32>) -> Finding {
    let (Some(max), Some(reserved), Some(in_use)) = (
        facts.number(col::MAX_CONNECTIONS),
        facts.number(col::RESERVED),
        facts.number(col::IN_USE),
    ) else {
        return Finding::skip(
            Check::ConnectionHeadroom,
            "the server's connection settings could not be read",
        );
    };
    let superuser = facts.yes(col::SUPERUSER);
    let free = max - in_use - if superuser { 0 } else { reserved };
    let role_limit = facts.number(col::ROLE_LIMIT).filter(|l| *l >= 0);
    let role_in_use = facts.number(col::ROLE_IN_USE).unwrap_or(0);
    let role_free = role_limit.map(|l| l - role_in_use);
    let available = role_free.map_or(free, |r| r.min(free));
    let mut evidence = format!("max_connections {max}, in use {in_use}, reserved for superusers {reserved}, free for this role {available}");
    if let Some(limit) = role_limit {
        evidence.push_str(&format!(" (role limit {limit}, role uses {role_in_use})"));
    }
    let mut status = if available <= 0 {
        Status::Fail
    } else if available * 10 < max {
        Status::Warn
    } else {
        Status::Ok
    };
    let mut fix = None;
    if let Some(n) = replicas {
        let (per_replica, origin) = match spec
            .opt("connection_limit")
            .and_then(|v| v.parse::<i64>().ok())
        {
            Some(l) => (l, "connection_limit in the URL".to_string()),
            None => (
                prisma_default_pool(),
                "Prisma's default 2 × CPUs + 1 on this machine".to_string(),
            ),
        };
        let demand = i64::from(n) * per_replica;
        evidence.push_str(&format!(
            "; {n} replicas × {per_replica} ({origin}) = {demand}"
        ));
        if demand > available {
            status = Status::Fail;
            fix = Some(format!("lower connection_limit to at most {} per replica, put PgBouncer in front, or raise max_connections", (available / i64::from(n.max(1))).max(1)));
        }
    }
    if status != Status::Ok && fix.is_none() {
        fix = Some("free connections: lower the app's pool (connection_limit), add PgBouncer, or raise max_connections".into());
    }
    let finding = Finding::new(Check::ConnectionHeadroom, status, evidence).with_fix(fix);
    if status == Status::Fail {
        return finding.failing_as(Class::TooManyConnections);
    }
    finding
}

pub(super) fn schema_item(spec: &ConnSpec, facts: &Facts, server: Option<Version>) -> Finding {
    let seen = (
        facts.yes(col::SCHEMA_EXISTS),
        facts.yes(col::USAGE),
        facts.yes(col::CREATE),
    );
    // The gate's own verdict, asking for CREATE: migrations need it.
    match crate::checks::gates::schema_verdict(spec, seen, SchemaPrivilege::Create, server) {
        Ok(()) => Finding::ok(
            Check::SchemaPrivileges,
            format!("USAGE and CREATE on schema \"{}\"", app_schema(spec)),
        ),
        // Usable, so the app runs; only its migrations will fail.
        Err(f) if seen.0 && seen.1 => {
            let why = if crate::checks::gates::owner_only_public(&app_schema(spec), server) {
                " (PostgreSQL 15+ gives CREATE on public only to the database owner)"
            } else {
                ""
            };
            Finding::warn(
                Check::SchemaPrivileges,
                format!("{}: migrations will fail{why}", f.message),
                f.hints.first().cloned(),
            )
        }
        Err(f) => Finding::failed(Check::SchemaPrivileges, &f),
    }
}

/// A pooler or proxy shows as a mismatch between the port we dialled and the
/// server's own, or between our socket's port and the client port the server sees.
pub(super) fn pooler_item(
    role: Role,
    spec: &ConnSpec,
    server: &ServerFacts,
    facts: &Facts,
) -> Finding {
    let between = crate::checks::pooler::between(
        crate::checks::pooler::dialled_port(&server.endpoint),
        facts.number(col::SERVER_PORT),
        facts.number(col::SEEN_CLIENT_PORT),
        server.local_port,
    );
    let pgbouncer = spec.opt("pgbouncer") == Some("true");
    let direct = role == Role::Direct;
    let (status, evidence, fix) = match (&between, direct, pgbouncer) {
        (Some(what), true, _) => (Status::Fail, format!("a pooler or proxy sits in between ({what}) on the direct URL"), Some("point DATABASE_DIRECT_URL at PostgreSQL itself (migrations need a session, not a pooled transaction)".to_string())),
        (Some(what), false, false) if spec.client != Client::Libpq || spec.opt("schema").is_some() => (Status::Warn, format!("a pooler or proxy sits in between ({what}) and the URL lacks pgbouncer=true"), Some("add pgbouncer=true so Prisma does not use prepared statements through transaction pooling".to_string())),
        (Some(what), _, _) => (Status::Ok, format!("a pooler or proxy sits in between ({what}){}", if pgbouncer { ", and the URL says pgbouncer=true" } else { "" }), None),
        (None, _, true) => (Status::Warn, "direct connection to PostgreSQL, yet the URL says pgbouncer=true".to_string(), Some("drop pgbouncer=true for a direct connection (it disables prepared statements for nothing)".to_string())),
        (None, _, false) => (Status::Ok, "direct connection to PostgreSQL (no pooler in between)".to_string(), None),
    };
    let finding = Finding::new(Check::Pooler, status, evidence).with_fix(fix);
    if status == Status::Fail {
        // A direct URL through a pooler is a configuration error, not pgready's.
        return finding.failing_as(Class::InvalidConfig);
    }
    finding
}

/// One finding per migration tool: what its history holds, or why it blocks.
pub(super) fn migration_items(
    list: &mut Checklist,
    found: &[(Report, Option<Failure>)],
    searching: bool,
) {
    if found.is_empty() && searching {
        let names = crate::migrations::tool_names().join(", ");
        list.add(Finding::skip(
            Check::Migrations,
            &format!("no history table of a known tool ({names}) where the tools keep it; pass --migrations TOOL[=DIR] to check one"),
        ));
    }
    for (report, failure) in found {
        list.add(match failure {
            Some(failure) => Finding::failed(Check::Migrations, failure),
            None => Finding::ok(Check::Migrations, report.summary()),
        });
    }
}

pub(super) fn same_database(lists: &mut [Checklist], identities: &[(String, String)]) {
    let first = identities.first();
    for list in lists.iter_mut() {
        let mine = identities
            .iter()
            .find(|(s, _)| *s == list.source)
            .map(|(_, id)| id);
        let finding = match (first, mine) {
            (Some((first_source, reference)), Some(id)) => {
                match crate::checks::gates::same_database_verdict(
                    &list.source,
                    id,
                    first_source,
                    reference,
                ) {
                    Ok(()) => Finding::ok(Check::SameDatabase, format!("{id} (as {first_source})")),
                    Err(failure) => Finding::failed(Check::SameDatabase, &failure),
                }
            }
            _ => Finding::skip(Check::SameDatabase, "no session"),
        };
        list.add(finding);
    }
}

//! The items about the server once a session is up: TLS, version, writability,
//! connection headroom, schema privileges, poolers, migrations, same database.

use super::facts::{col, Facts};
use super::{Checklist, Status};
use crate::checks::sql::app_schema;
use crate::class::Class;
use crate::migrations::Report;
use crate::outcome::{Failure, ServerFacts};
use crate::settings::client::{Client, TlsPlan};
use crate::settings::gates::SchemaPrivilege;
use crate::settings::spec::ConnSpec;
use crate::settings::spec::SessionAttrs;
use crate::settings::targets::Target;
use crate::settings::Settings;

pub(super) fn session_items(
    list: &mut Checklist,
    settings: &Settings,
    target: &Target,
    spec: &ConnSpec,
    server: &ServerFacts,
    facts: &Facts,
    replicas: Option<u32>,
) {
    list.push(
        "server_responds",
        "server answers as PostgreSQL",
        Status::Ok,
        format!("{} answered", server.endpoint),
        None,
    );
    tls_item(list, spec, server);
    list.push(
        "authentication",
        "authentication",
        Status::Ok,
        format!("logged in as \"{}\"", spec.user),
        None,
    );
    list.push(
        "database_exists",
        "database exists",
        Status::Ok,
        format!("\"{}\"", spec.dbname),
        None,
    );
    list.push(
        "connect_privilege",
        "CONNECT on the database",
        if facts.yes(col::CONNECT) {
            Status::Ok
        } else {
            Status::Warn
        },
        format!("has CONNECT: {}", facts.yes(col::CONNECT)),
        None,
    );
    version_item(list, settings, server);
    writable_item(list, settings, target, facts);
    headroom_item(list, spec, facts, replicas);
    schema_item(list, spec, facts);
    pooler_item(list, target, spec, server, facts);
}

pub(super) fn tls_item(list: &mut Checklist, spec: &ConnSpec, server: &ServerFacts) {
    let crosses_network = !spec.endpoints.iter().all(|e| e.is_local());
    if server.tls {
        let (status, verified) = if server.tls_verified {
            (Status::Ok, "certificate verified")
        } else {
            (Status::Warn, "certificate NOT verified")
        };
        let fix = (status == Status::Warn).then(|| "verify the server: sslmode=verify-full&sslrootcert=/path/ca.pem (libpq), sslaccept=strict (Prisma)".to_string());
        list.push(
            "tls",
            "TLS as configured",
            status,
            format!(
                "{}, {verified} (sslmode={}, {} rules)",
                server.tls_protocol.unwrap_or("TLS"),
                spec.tls.mode,
                spec.client.name()
            ),
            fix,
        );
    } else if crosses_network && spec.password.is_some() {
        list.push(
            "tls",
            "TLS as configured",
            Status::Warn,
            format!(
                "no TLS (sslmode={}): the password crosses a non-loopback network in clear",
                spec.tls.mode
            ),
            Some("enable TLS on the server and use sslmode=require (or verify-full)".into()),
        );
    } else {
        let why = if spec.tls.plans == [TlsPlan::Off] {
            "disabled by sslmode"
        } else {
            "the server offers none"
        };
        list.push(
            "tls",
            "TLS as configured",
            Status::Ok,
            format!("no TLS ({why}; loopback or socket only)"),
            None,
        );
    }
}

pub(super) fn version_item(list: &mut Checklist, settings: &Settings, server: &ServerFacts) {
    let reported = server.version.as_deref();
    let verdict = settings.gates.min_server_version.map_or(Ok(()), |min| {
        crate::checks::gates::version_verdict(&server.endpoint, reported, min)
    });
    match verdict {
        Err(failure) => list.fail("server_version", "server version", &failure),
        Ok(()) => list.push(
            "server_version",
            "server version",
            Status::Ok,
            format!("PostgreSQL {}", reported.unwrap_or("unknown")),
            None,
        ),
    }
}

pub(super) fn writable_item(
    list: &mut Checklist,
    settings: &Settings,
    target: &Target,
    facts: &Facts,
) {
    let standby = facts.yes(col::IN_RECOVERY);
    let read_only = facts.text(col::READ_ONLY) == Some("on");
    let must_write = target.requires_writable() || settings.gates.require_writable;
    let attrs = if must_write {
        SessionAttrs::ReadWrite
    } else {
        target
            .spec
            .as_ref()
            .map_or(SessionAttrs::Any, |s| s.session_attrs)
    };
    let label = target.spec.as_ref().map_or(String::new(), |s| {
        s.endpoints.first().map(|e| e.label()).unwrap_or_default()
    });
    // The session's own verdict on the server's kind; a read-only server nobody
    // asked to write to is worth a warning.
    match crate::probe::session::kind_verdict(&label, attrs, standby, read_only) {
        Err(failure) => list.fail("writable", "writable or standby", &failure),
        Ok(()) => list.push(
            "writable",
            "writable or standby",
            if standby || read_only {
                Status::Warn
            } else {
                Status::Ok
            },
            crate::probe::session::describe_kind(standby, read_only),
            (standby || read_only).then(|| "point write/migration URLs at the primary".to_string()),
        ),
    }
}

/// Prisma's default pool size: 2 × physical CPUs + 1 (this machine's CPUs stand in
/// for the app's).
pub(super) fn prisma_default_pool() -> i64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    cpus * 2 + 1
}

pub(super) fn headroom_item(
    list: &mut Checklist,
    spec: &ConnSpec,
    facts: &Facts,
    replicas: Option<u32>,
) {
    let (Some(max), Some(reserved), Some(in_use)) = (
        facts.number(col::MAX_CONNECTIONS),
        facts.number(col::RESERVED),
        facts.number(col::IN_USE),
    ) else {
        list.skip(
            "connection_headroom",
            "connection headroom",
            "the server's connection settings could not be read",
        );
        return;
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
    list.push(
        "connection_headroom",
        "connection headroom",
        status,
        evidence,
        fix,
    );
    if status == Status::Fail {
        if let Some(item) = list.items.last_mut() {
            item.class = Some(Class::TooManyConnections);
        }
    }
}

pub(super) fn schema_item(list: &mut Checklist, spec: &ConnSpec, facts: &Facts) {
    const ID: &str = "schema_privileges";
    const TITLE: &str = "USAGE/CREATE on the app's schema";
    let seen = (
        facts.yes(col::SCHEMA_EXISTS),
        facts.yes(col::USAGE),
        facts.yes(col::CREATE),
    );
    // The gate's own verdict, asking for CREATE: migrations need it.
    match crate::checks::gates::schema_verdict(spec, seen, SchemaPrivilege::Create) {
        Ok(()) => list.push(
            ID,
            TITLE,
            Status::Ok,
            format!("USAGE and CREATE on schema \"{}\"", app_schema(spec)),
            None,
        ),
        // Usable, so the app runs; only its migrations will fail.
        Err(f) if seen.0 && seen.1 => list.push(
            ID,
            TITLE,
            Status::Warn,
            format!("{}: migrations will fail (PostgreSQL 15+ gives CREATE on public only to the database owner)", f.message),
            f.hints.first().cloned(),
        ),
        Err(f) => list.fail(ID, TITLE, &f),
    }
}

/// A pooler or proxy shows as a mismatch between the port we dialled and the
/// server's own, or between our socket's port and the client port the server sees.
pub(super) fn pooler_item(
    list: &mut Checklist,
    target: &Target,
    spec: &ConnSpec,
    server: &ServerFacts,
    facts: &Facts,
) {
    let dialled: Option<u16> = server
        .endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok());
    let server_port = facts.number(col::SERVER_PORT);
    let seen = facts.number(col::SEEN_CLIENT_PORT);
    let ours = server.local_port.map(i64::from);
    let between = match (dialled, server_port, seen, ours) {
        (Some(d), Some(s), _, _) if i64::from(d) != s => {
            Some(format!("dialled port {d}, the server listens on {s}"))
        }
        (_, _, Some(seen), Some(ours)) if seen != ours => Some(format!(
            "our port {ours}, the server sees client port {seen}"
        )),
        _ => None,
    };
    let pgbouncer = spec.opt("pgbouncer") == Some("true");
    let direct = target.role == crate::settings::role::Role::Direct;
    let (status, evidence, fix) = match (&between, direct, pgbouncer) {
        (Some(what), true, _) => (Status::Fail, format!("a pooler or proxy sits in between ({what}) on the direct URL"), Some("point DATABASE_DIRECT_URL at PostgreSQL itself (migrations need a session, not a pooled transaction)".to_string())),
        (Some(what), false, false) if spec.client != Client::Libpq || spec.opt("schema").is_some() => (Status::Warn, format!("a pooler or proxy sits in between ({what}) and the URL lacks pgbouncer=true"), Some("add pgbouncer=true so Prisma does not use prepared statements through transaction pooling".to_string())),
        (Some(what), _, _) => (Status::Ok, format!("a pooler or proxy sits in between ({what}){}", if pgbouncer { ", and the URL says pgbouncer=true" } else { "" }), None),
        (None, _, true) => (Status::Warn, "direct connection to PostgreSQL, yet the URL says pgbouncer=true".to_string(), Some("drop pgbouncer=true for a direct connection (it disables prepared statements for nothing)".to_string())),
        (None, _, false) => (Status::Ok, "direct connection to PostgreSQL (no pooler in between)".to_string(), None),
    };
    list.push(
        "pooler",
        "pooler between client and server",
        status,
        evidence,
        fix,
    );
}

/// One item per migration tool: what its history holds, or why it blocks.
pub(super) fn migration_items(
    list: &mut Checklist,
    found: &[(Report, Option<Failure>)],
    searching: bool,
) {
    const TITLE: &str = "migration history";
    if found.is_empty() && searching {
        let names = crate::migrations::tool_names().join(", ");
        list.skip(
            "migrations",
            TITLE,
            &format!("no history table of a known tool ({names}) where the tools keep it; pass --migrations TOOL[=DIR] to check one"),
        );
    }
    for (report, failure) in found {
        match failure {
            Some(failure) => list.fail("migrations", TITLE, failure),
            None => list.push("migrations", TITLE, Status::Ok, report.summary(), None),
        }
    }
}

pub(super) fn same_database(lists: &mut [Checklist], identities: &[(String, String)]) {
    let Some((first_source, reference)) = identities.first() else {
        for list in lists.iter_mut() {
            list.skip(
                "same_database",
                "URLs reach the same database",
                "no session",
            );
        }
        return;
    };
    for list in lists.iter_mut() {
        let mine = identities
            .iter()
            .find(|(s, _)| *s == list.source)
            .map(|(_, id)| id);
        match mine {
            None => list.skip(
                "same_database",
                "URLs reach the same database",
                "no session",
            ),
            Some(id) => match crate::checks::gates::same_database_verdict(
                &list.source,
                id,
                first_source,
                reference,
            ) {
                Ok(()) => list.push(
                    "same_database",
                    "URLs reach the same database",
                    Status::Ok,
                    format!("{id} (as {first_source})"),
                    None,
                ),
                Err(failure) => {
                    list.fail("same_database", "URLs reach the same database", &failure)
                }
            },
        }
    }
}

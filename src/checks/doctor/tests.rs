//! Doctor's items fed with facts as data (the integration tests keep the real
//! servers): what each item concludes from what the server said.

use super::config::linted;
use super::facts::{col, Facts};
use super::network::{failed_session, route_findings};
use super::server::{auth_item, headroom_item, pooler_item, schema_item, tls_item, writable_item};
use super::{session_checks, Checklist};
use crate::class::Class;
use crate::finding::{Check, Finding, Status};
use crate::outcome::{Cause, Failure, ServerFacts, Stage, Step};
use crate::settings::conninfo::{parse, Client, Reading};
use crate::settings::env::Env;
use crate::settings::lint::Lint;
use crate::settings::role::Role;
use crate::settings::spec::{build, ConnSpec};
use crate::vocab::resolve::ResolveError;

fn spec(url: &str) -> ConnSpec {
    let reading = Reading::of(Client::Prisma);
    build(
        parse(url, reading).unwrap().opts,
        &Env::default(),
        "me",
        reading,
    )
    .unwrap()
}

/// A facts row with these columns set (`t`/`f` for booleans).
fn facts(cols: &[(usize, &str)]) -> Facts {
    let mut row = vec![None; col::SEEN_CLIENT_PORT + 1];
    for (i, v) in cols {
        row[*i] = Some(v.to_string());
    }
    Facts {
        row,
        identity: None,
    }
}

fn connections<'a>(max: &'a str, reserved: &'a str, in_use: &'a str) -> Vec<(usize, &'a str)> {
    vec![
        (col::MAX_CONNECTIONS, max),
        (col::RESERVED, reserved),
        (col::IN_USE, in_use),
        (col::SUPERUSER, "f"),
    ]
}

#[test]
fn headroom_counts_what_this_role_may_use() {
    let s = spec("postgresql://app:pw@db:5432/app?connection_limit=10");
    let item = headroom_item(&s, &facts(&connections("100", "3", "20")), None);
    assert_eq!(item.status, Status::Ok);
    assert!(
        item.evidence.contains("free for this role 77"),
        "{}",
        item.evidence
    );

    let item = headroom_item(&s, &facts(&connections("100", "3", "20")), Some(8));
    assert_eq!(item.status, Status::Fail, "8 × 10 > 77");
    assert_eq!(item.class, Some(Class::TooManyConnections));
    assert!(
        item.fix
            .as_deref()
            .unwrap()
            .contains("at most 9 per replica"),
        "{:?}",
        item.fix
    );

    assert_eq!(
        headroom_item(&s, &facts(&connections("50", "3", "46")), None).status,
        Status::Warn,
        "1 free of 50"
    );

    let mut with_limit = connections("100", "3", "20");
    with_limit.extend([(col::ROLE_LIMIT, "5"), (col::ROLE_IN_USE, "5")]);
    assert_eq!(
        headroom_item(&s, &facts(&with_limit), None).status,
        Status::Fail,
        "the role's own limit is used up"
    );

    assert_eq!(headroom_item(&s, &facts(&[]), None).status, Status::Skip);
}

#[test]
fn schema_privileges_from_usage_and_create() {
    let s = spec("postgresql://app:pw@db:5432/app?schema=billing");
    let cases = [
        ("f", "f", "f", Status::Fail, "does not exist"),
        ("t", "f", "f", Status::Fail, "lacks USAGE"),
        ("t", "t", "f", Status::Warn, "lacks CREATE"),
        ("t", "t", "t", Status::Ok, "USAGE and CREATE"),
    ];
    for (exists, usage, create, status, says) in cases {
        let f = facts(&[
            (col::SCHEMA_EXISTS, exists),
            (col::USAGE, usage),
            (col::CREATE, create),
        ]);
        let item = schema_item(&s, &f, "15".parse().ok());
        assert_eq!(item.status, status, "{exists}{usage}{create}");
        assert!(item.evidence.contains(says), "{}", item.evidence);
        assert!(item.evidence.contains("billing"), "{}", item.evidence);
        assert_eq!(item.fix.is_some(), status != Status::Ok);
    }
}

fn refused(to: &str) -> Step {
    let err = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
    Step::Dialled {
        to: to.into(),
        result: Err(crate::classify::connect(to, &err, false)),
    }
}

fn accepted(to: &str) -> Step {
    Step::Dialled {
        to: to.into(),
        result: Ok(()),
    }
}

fn resolved(name: &str, ips: &[&str]) -> Step {
    Step::Resolved {
        name: name.into(),
        result: Ok(ips.iter().map(|ip| ip.parse().unwrap()).collect()),
    }
}

fn statuses(found: &[Finding]) -> Vec<(&'static str, Status)> {
    found.iter().map(|f| (f.check.id(), f.status)).collect()
}

#[test]
fn the_route_says_what_resolved_and_what_accepted() {
    let route = [
        resolved("db", &["10.0.0.2", "10.0.0.3"]),
        refused("10.0.0.2:5432"),
        accepted("10.0.0.3:5432"),
        // The plaintext retry after a TLS refusal dials again: shown once.
        accepted("10.0.0.3:5432"),
    ];
    let found = route_findings(&route, None);
    assert_eq!(
        statuses(&found),
        [("host_resolves", Status::Ok), ("tcp_reachable", Status::Ok)]
    );
    assert_eq!(found[0].evidence, "db → 10.0.0.2, 10.0.0.3");
    assert_eq!(
        found[1].evidence,
        "10.0.0.2:5432: refused (nothing listens); 10.0.0.3:5432: accepts"
    );
}

#[test]
fn a_refused_route_fails_with_the_class_and_the_io_cause() {
    let found = route_findings(
        &[resolved("db", &["10.0.0.2"]), refused("10.0.0.2:6543")],
        None,
    );
    let tcp = &found[1];
    assert_eq!(tcp.status, Status::Fail);
    assert_eq!(tcp.class, Some(Class::ConnectionRefused));
    assert_eq!(
        tcp.cause,
        Some(Cause::Io(std::io::ErrorKind::ConnectionRefused))
    );
    assert_eq!(
        tcp.evidence,
        "connection_refused: 10.0.0.2:6543: refused (nothing listens)"
    );
    assert!(tcp.fix.is_some());
}

#[test]
fn an_unknown_name_fails_resolution_and_skips_tcp() {
    let failure = crate::classify::resolve("postgress", &ResolveError::NotFound);
    let route = [Step::Resolved {
        name: "postgress".into(),
        result: Err(failure.clone()),
    }];
    let found = route_findings(&route, Some(&failure));
    assert_eq!(
        statuses(&found),
        [
            ("host_resolves", Status::Fail),
            ("tcp_reachable", Status::Skip)
        ]
    );
    assert_eq!(found[0].class, Some(Class::DnsNotFound));
}

fn checklist() -> Checklist {
    Checklist {
        source: "DATABASE_URL".into(),
        url: String::new(),
        client: "prisma",
        items: Vec::new(),
    }
}

#[test]
fn a_missing_database_keeps_authentication_and_skips_by_id() {
    let mut list = checklist();
    let failure = Failure::new(
        Class::DatabaseMissing,
        Stage::Auth,
        "database \"app\" does not exist",
    )
    .with_cause(Cause::Sqlstate("3D000".into()));
    failed_session(&mut list, &failure);
    let seen = statuses(&list.items);
    assert_eq!(
        &seen[..4],
        [
            ("server_responds", Status::Ok),
            ("tls", Status::Ok),
            ("authentication", Status::Ok),
            ("database_exists", Status::Fail),
        ]
    );
    assert_eq!(
        list.items[3].cause.as_ref().and_then(Cause::sqlstate),
        Some("3D000")
    );
    let skipped: Vec<&str> = seen[4..]
        .iter()
        .map(|(id, s)| {
            assert_eq!(*s, Status::Skip, "{id}");
            *id
        })
        .collect();
    assert_eq!(
        skipped,
        [
            "connect_privilege",
            "server_version",
            "writable",
            "connection_headroom",
            "schema_privileges",
            "pooler",
            "migrations"
        ]
    );
    for id in ["session", "server_facts"] {
        assert!(seen.iter().all(|(i, _)| *i != id), "no stand-in id {id}");
    }
}

#[test]
fn a_starting_server_passes_nothing_before_it() {
    let mut list = checklist();
    let failure = Failure::new(Class::ServerStarting, Stage::Auth, "starting up");
    failed_session(&mut list, &failure);
    assert_eq!(statuses(&list.items)[0], ("server_responds", Status::Fail));
    assert_eq!(list.items.len(), session_checks().len());
}

fn server(endpoint: &str) -> ServerFacts {
    ServerFacts {
        endpoint: endpoint.into(),
        ..ServerFacts::default()
    }
}

#[test]
fn tls_warns_on_an_unverified_certificate_and_on_clear_text_over_a_network() {
    let remote = spec("postgresql://app:pw@db.example:5432/app");
    let mut tls = server("db.example:5432");
    tls.tls = true;
    tls.tls_protocol = Some("TLSv1.3");
    let found = tls_item(&remote, &tls);
    assert_eq!(found.status, Status::Warn);
    assert!(
        found.evidence.contains("NOT verified"),
        "{}",
        found.evidence
    );
    tls.tls_verified = true;
    assert_eq!(tls_item(&remote, &tls).status, Status::Ok);
    let clear = tls_item(&remote, &server("db.example:5432"));
    assert_eq!(clear.status, Status::Warn);
    assert!(clear.evidence.contains("in clear"), "{}", clear.evidence);
    let local = spec("postgresql://app:pw@127.0.0.1:5432/app");
    assert_eq!(
        tls_item(&local, &server("127.0.0.1:5432")).status,
        Status::Ok
    );
}

#[test]
fn an_md5_login_warns_where_postgresql_deprecates_it() {
    let s = spec("postgresql://app:pw@db:5432/app");
    let mut md5 = server("db:5432");
    md5.auth = Some(crate::vocab::auth::Method::Md5);
    let at = |major: &str| auth_item(&s, &md5, crate::vocab::names::Version::from_server(major));
    let warned = at("18.4");
    assert_eq!(warned.status, Status::Warn);
    assert!(warned.fix.unwrap().contains("ALTER ROLE \"app\" PASSWORD"));
    let older = at("17.10");
    assert_eq!(older.status, Status::Ok);
    assert!(older.evidence.contains("(md5)"), "{}", older.evidence);
    let mut scram = server("db:5432");
    scram.auth = Some(crate::vocab::auth::Method::Scram);
    let v18 = crate::vocab::names::Version::from_server("18.4");
    assert_eq!(auth_item(&s, &scram, v18).status, Status::Ok);
}

#[test]
fn writable_follows_the_sessions_own_verdict() {
    let s = spec("postgresql://app:pw@db:5432/app");
    let standby = facts(&[(col::IN_RECOVERY, "t"), (col::READ_ONLY, "on")]);
    assert_eq!(writable_item(false, &s, &standby).status, Status::Warn);
    let must = writable_item(true, &s, &standby);
    assert_eq!(must.status, Status::Fail);
    assert_eq!(must.class, Some(Class::ReadOnly));
    let primary = facts(&[(col::IN_RECOVERY, "f"), (col::READ_ONLY, "off")]);
    assert_eq!(writable_item(true, &s, &primary).status, Status::Ok);
}

#[test]
fn a_pooler_on_the_direct_url_is_a_configuration_error() {
    let s = spec("postgresql://app:pw@db:6432/app");
    let mut through = server("db:6432");
    through.local_port = Some(40000);
    let pooled = facts(&[(col::SERVER_PORT, "5432"), (col::SEEN_CLIENT_PORT, "41000")]);
    let direct = pooler_item(Role::Direct, &s, &through, &pooled);
    assert_eq!(direct.status, Status::Fail);
    assert_eq!(direct.class, Some(Class::InvalidConfig));
    let app = pooler_item(Role::Pooled, &s, &through, &pooled);
    assert_eq!(app.status, Status::Warn, "prisma without pgbouncer=true");
    let bouncer = spec("postgresql://app:pw@db:6432/app?pgbouncer=true");
    assert_eq!(
        pooler_item(Role::Pooled, &bouncer, &through, &pooled).status,
        Status::Ok
    );
    let straight = facts(&[(col::SERVER_PORT, "6432"), (col::SEEN_CLIENT_PORT, "40000")]);
    assert_eq!(
        pooler_item(Role::Pooled, &bouncer, &through, &straight).status,
        Status::Warn
    );
    assert_eq!(
        pooler_item(Role::Direct, &s, &through, &straight).status,
        Status::Ok
    );
}

#[test]
fn lint_findings_become_warnings_of_their_check() {
    let lint = [Lint {
        id: "database_name",
        message: "no database name".into(),
    }];
    let found = linted(&lint, Check::DatabaseName, "\"app\"");
    assert_eq!(
        (found.status, found.evidence.as_str()),
        (Status::Warn, "no database name")
    );
    assert_eq!(
        linted(&[], Check::DatabaseName, "\"app\"").status,
        Status::Ok
    );
}

#[test]
fn the_public_schema_trap_is_named_only_where_it_exists() {
    let s = spec("postgresql://app:pw@db:5432/app");
    let lacks_create = facts(&[
        (col::SCHEMA_EXISTS, "t"),
        (col::USAGE, "t"),
        (col::CREATE, "f"),
    ]);
    let on_15 = schema_item(&s, &lacks_create, "15".parse().ok());
    assert!(
        on_15.evidence.contains("PostgreSQL 15+"),
        "{}",
        on_15.evidence
    );
    assert!(
        on_15.fix.as_deref().unwrap().contains("ALTER DATABASE"),
        "{:?}",
        on_15.fix
    );
    // On 14 every role may create in public unless someone revoked it: no 15+ story.
    let on_14 = schema_item(&s, &lacks_create, "14".parse().ok());
    assert_eq!(on_14.status, Status::Warn);
    assert!(!on_14.evidence.contains("15+"), "{}", on_14.evidence);
    assert!(
        !on_14.fix.as_deref().unwrap().contains("ALTER DATABASE"),
        "{:?}",
        on_14.fix
    );
}

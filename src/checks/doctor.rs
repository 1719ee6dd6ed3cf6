//! `pgready doctor`: the troubleshooting guides' checklist, evaluated. One pass per
//! target, no retries, nothing changed: each item says ✅/⚠️/❌ with the evidence it
//! saw and the fix, in the order the guides check causes.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;
use tokio::time::Instant;

use super::sql::{app_schema, literal};
use crate::class::Class;
use crate::migrations::Report;
use crate::outcome::{Failure, ServerFacts, Stage};
use crate::probe::resolve::ResolveError;
use crate::probe::{Inspect, Prober, Ready};
use crate::settings::client::{Client, TlsPlan};
use crate::settings::gates::Version;
use crate::settings::lint::Finding;
use crate::settings::migrations::MigrationPlan;
use crate::settings::spec::{ConnSpec, Host};
use crate::settings::targets::Target;
use crate::settings::Settings;

/// An item's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but likely to bite.
    Warn,
    /// Broken.
    Fail,
    /// Not checked (an earlier item failed, or it does not apply).
    Skip,
}

impl Status {
    /// The symbol shown in the checklist.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✅",
            Status::Warn => "⚠️",
            Status::Fail => "❌",
            Status::Skip => "➖",
        }
    }
}

/// One checklist item.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Stable id.
    pub id: &'static str,
    /// Verdict.
    pub status: Status,
    /// What it checks, in a few words.
    pub title: &'static str,
    /// What pgready saw.
    pub evidence: String,
    /// What to do (for ⚠️ and ❌).
    pub fix: Option<String>,
    /// The contract class a failure corresponds to (exit code).
    #[serde(skip)]
    pub class: Option<Class>,
}

/// The checklist of one target.
#[derive(Clone, Debug, Serialize)]
pub struct Checklist {
    /// Where the URL came from.
    pub source: String,
    /// The URL, password masked.
    pub url: String,
    /// Whose rules read it.
    pub client: &'static str,
    /// The items, in checking order.
    pub items: Vec<Item>,
}

impl Checklist {
    fn push(
        &mut self,
        id: &'static str,
        title: &'static str,
        status: Status,
        evidence: impl Into<String>,
        fix: Option<String>,
    ) {
        self.items.push(Item {
            id,
            status,
            title,
            evidence: evidence.into(),
            fix,
            class: None,
        });
    }

    fn fail(&mut self, id: &'static str, title: &'static str, failure: &Failure) {
        let fix = failure
            .hints
            .first()
            .cloned()
            .or_else(|| failure.class.generic_hints().first().map(|h| h.to_string()));
        self.items.push(Item {
            id,
            status: Status::Fail,
            title,
            evidence: format!("{}: {}", failure.class, failure.message),
            fix,
            class: Some(failure.class),
        });
    }

    fn skip(&mut self, id: &'static str, title: &'static str, why: &str) {
        self.push(id, title, Status::Skip, format!("not checked: {why}"), None);
    }

    fn finding(
        &mut self,
        lint: &[Finding],
        id: &'static str,
        title: &'static str,
        ok: impl Into<String>,
    ) {
        let found: Vec<&str> = lint
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.message.as_str())
            .collect();
        if found.is_empty() {
            self.push(id, title, Status::Ok, ok, None);
        } else {
            self.push(id, title, Status::Warn, found.join("; "), None);
        }
    }
}

/// What doctor asks the server in one query.
#[derive(Clone, Debug, Default)]
struct Facts {
    row: Vec<Option<String>>,
    identity: Option<String>,
}

impl Facts {
    fn text(&self, i: usize) -> Option<&str> {
        self.row.get(i).and_then(|v| v.as_deref())
    }

    fn number(&self, i: usize) -> Option<i64> {
        self.text(i).and_then(|v| v.parse().ok())
    }

    fn yes(&self, i: usize) -> bool {
        self.text(i) == Some("t")
    }
}

/// Column order of [`FACTS_SQL`].
mod col {
    pub const MAX_CONNECTIONS: usize = 0;
    pub const RESERVED: usize = 1;
    pub const IN_USE: usize = 2;
    pub const ROLE_LIMIT: usize = 3;
    pub const ROLE_IN_USE: usize = 4;
    pub const SUPERUSER: usize = 5;
    pub const CONNECT: usize = 6;
    pub const SCHEMA_EXISTS: usize = 7;
    pub const USAGE: usize = 8;
    pub const CREATE: usize = 9;
    pub const IN_RECOVERY: usize = 10;
    pub const READ_ONLY: usize = 11;
    pub const SERVER_PORT: usize = 12;
    pub const SEEN_CLIENT_PORT: usize = 13;
}

const FACTS_SQL: &str = "SELECT pg_catalog.current_setting('max_connections'), \
    pg_catalog.current_setting('superuser_reserved_connections'), \
    (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'), \
    (SELECT rolconnlimit FROM pg_catalog.pg_roles WHERE rolname = current_user), \
    (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = current_user AND backend_type = 'client backend'), \
    (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), \
    pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CONNECT'), \
    n.oid IS NOT NULL, pg_catalog.has_schema_privilege(n.oid, 'USAGE'), pg_catalog.has_schema_privilege(n.oid, 'CREATE'), \
    pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('transaction_read_only'), \
    pg_catalog.inet_server_port(), \
    (SELECT client_port FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid()) \
    FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = ";

/// Collects [`Facts`] and the migration history on the ready session.
struct Collector<'a> {
    facts: RefCell<Facts>,
    /// The `--migrations` plan, or every tool at its default table.
    plan: &'a MigrationPlan,
    /// Whether the plan is doctor's own search for any known history table.
    searching: bool,
    migrations: RefCell<Vec<(Report, Option<Failure>)>>,
}

impl Inspect for Collector<'_> {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        for check in &self.plan.tools {
            let read = super::migrations::read(ready, check, self.plan.requirement).await;
            match read {
                Ok((report, _)) if self.searching && !report.present => {}
                Ok(found) => self.migrations.borrow_mut().push(found),
                // Searching, a table of that name may be another tool's.
                Err(_) if self.searching => {}
                Err(failure) => {
                    let report = Report {
                        tool: check.tool.name(),
                        ..Report::default()
                    };
                    self.migrations.borrow_mut().push((report, Some(failure)));
                }
            }
        }
        let sql = format!("{FACTS_SQL}{}", literal(&app_schema(ready.spec)));
        let row = ready
            .rows(&sql)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .unwrap_or_default();
        let identity = super::gates::identity(ready).await.ok();
        *self.facts.borrow_mut() = Facts {
            row,
            identity: identity.clone(),
        };
        Ok(identity)
    }
}

/// Runs the checklist over every target.
pub async fn run(settings: &Settings, targets: &[Target], replicas: Option<u32>) -> Vec<Checklist> {
    let prober = Prober::default();
    let mut lists = Vec::new();
    let mut identities: Vec<(String, String)> = Vec::new();
    for target in targets {
        let (list, identity) = one(settings, target, replicas, &prober).await;
        if let Some(id) = identity {
            identities.push((target.source.clone(), id));
        }
        lists.push(list);
    }
    if targets.len() > 1 {
        same_database(&mut lists, &identities);
    }
    lists
}

async fn one(
    settings: &Settings,
    target: &Target,
    replicas: Option<u32>,
    prober: &Prober,
) -> (Checklist, Option<String>) {
    let mut list = Checklist {
        source: target.source.clone(),
        url: target.display.clone(),
        client: target.spec.as_ref().map_or("libpq", |s| s.client.name()),
        items: Vec::new(),
    };
    let spec = match &target.spec {
        Ok(spec) => spec,
        Err(failure) => {
            let id = if failure.cause == Some(crate::outcome::Cause::UrlScheme) {
                "scheme"
            } else {
                "url_parses"
            };
            list.fail(id, "connection string", failure);
            return (list, None);
        }
    };
    config_items(&mut list, target, spec);
    let deadline = Instant::now() + settings.attempt_timeout;
    if !network_items(&mut list, spec, prober, deadline).await {
        list.skip(
            "session",
            "PostgreSQL session",
            "the server cannot be reached",
        );
        return (list, None);
    }
    let searching = settings.migrations.is_empty();
    let every_tool = MigrationPlan::every_tool();
    let collector = Collector {
        facts: RefCell::default(),
        plan: if searching {
            &every_tool
        } else {
            &settings.migrations
        },
        searching,
        migrations: RefCell::default(),
    };
    let attempt = prober
        .attempt(
            spec,
            false,
            Instant::now() + settings.attempt_timeout,
            &collector,
        )
        .await;
    let facts = collector.facts.into_inner();
    match &attempt.result {
        Ok(server) => {
            session_items(&mut list, settings, target, spec, server, &facts, replicas);
            migration_items(&mut list, &collector.migrations.into_inner(), searching);
        }
        Err(failure) => failed_session(&mut list, failure),
    }
    (list, facts.identity)
}

fn config_items(list: &mut Checklist, target: &Target, spec: &ConnSpec) {
    let scheme = target
        .display
        .split("://")
        .next()
        .filter(|_| target.display.contains("://"))
        .unwrap_or("key=value");
    list.push(
        "url_parses",
        "connection string",
        Status::Ok,
        format!("{} host(s), user \"{}\"", spec.endpoints.len(), spec.user),
        None,
    );
    list.push("scheme", "scheme", Status::Ok, scheme, None);
    let plan = crate::settings::plan::plan(target, &spec.reading.label());
    list.push(
        "connection_plan",
        "connection plan",
        Status::Ok,
        format!("as {} reads it: {}", plan.client, plan.one_line()),
        None,
    );
    list.finding(
        &target.lint,
        "libpq_version",
        "meaning under each libpq major",
        "the same under libpq 15 to 18",
    );
    list.finding(
        &target.lint,
        "database_name",
        "database name",
        format!("\"{}\"", spec.dbname),
    );
    list.finding(
        &target.lint,
        "password_encoding",
        "password encoding",
        match &spec.password {
            Some(_) => format!(
                "password from {}, no unencoded special characters",
                spec.password_source.as_deref().unwrap_or("the URL")
            ),
            None => "no password given (the server may not ask for one)".to_string(),
        },
    );
    let tls = spec.tls.summary();
    let mut semantics: Vec<&Finding> = target
        .lint
        .iter()
        .filter(|f| f.id == "client_semantics" || f.id == "prisma_url")
        .collect();
    semantics.dedup();
    if semantics.is_empty() {
        list.push(
            "client_semantics",
            "meaning under each client",
            Status::Ok,
            format!("{}: {tls}", spec.client.name()),
            None,
        );
    } else {
        let text: Vec<&str> = semantics.iter().map(|f| f.message.as_str()).collect();
        list.push("client_semantics", "meaning under each client", Status::Warn, text.join("; "), Some("run pgready with the app's own client (--client) and make the URL mean the same to every client that reads it".into()));
    }
    list.finding(
        &target.lint,
        "localhost_in_container",
        "host inside a container",
        "not a loopback host, or not in a container",
    );
    list.finding(
        &target.lint,
        "pooler_url",
        "pooled vs direct URL (by the URL)",
        "no pooler port or host in the URL",
    );
}

/// Resolution and TCP reachability of every address; false when none answers.
async fn network_items(
    list: &mut Checklist,
    spec: &ConnSpec,
    prober: &Prober,
    deadline: Instant,
) -> bool {
    let mut resolved = Vec::new();
    let mut reachable = false;
    let mut evidence = Vec::new();
    for e in &spec.endpoints {
        match &e.host {
            Host::Unix(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", e.port));
                let ok = tokio::net::UnixStream::connect(&path).await.is_ok();
                reachable |= ok;
                evidence.push(format!(
                    "{}: {}",
                    path.display(),
                    if ok { "accepts" } else { "no server socket" }
                ));
            }
            Host::Tcp(name) => match prober.resolve(name).await {
                Ok(addrs) => {
                    resolved.push(format!(
                        "{name} → {}",
                        addrs
                            .iter()
                            .map(IpAddr::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    for ip in addrs {
                        let ok = tcp(SocketAddr::new(ip, e.port), deadline).await;
                        reachable |= ok.is_ok();
                        evidence.push(format!(
                            "{}: {}",
                            SocketAddr::new(ip, e.port),
                            ok.unwrap_or_else(|e| e)
                        ));
                    }
                }
                Err(err) => {
                    let failure = crate::classify::resolve(name, &err);
                    list.fail("host_resolves", "host name resolves", &failure);
                    if matches!(err, ResolveError::NotFound) {
                        evidence.push(format!("{name}: no address"));
                    }
                }
            },
        }
    }
    if !resolved.is_empty() && !list.items.iter().any(|i| i.id == "host_resolves") {
        list.push(
            "host_resolves",
            "host name resolves",
            Status::Ok,
            resolved.join("; "),
            None,
        );
    }
    let addressed = evidence.iter().any(|e| !e.ends_with(": no address"));
    if reachable {
        list.push(
            "tcp_reachable",
            "TCP reachable",
            Status::Ok,
            evidence.join("; "),
            None,
        );
    } else if !addressed {
        list.skip("tcp_reachable", "TCP reachable", "no address to connect to");
    } else {
        let failure = Failure::new(
            Class::ConnectionRefused,
            Stage::Connect,
            evidence.join("; "),
        );
        list.fail("tcp_reachable", "TCP reachable", &failure);
    }
    reachable
}

async fn tcp(addr: SocketAddr, deadline: Instant) -> Result<String, String> {
    match tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok("accepts".into()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err("refused (nothing listens)".into())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer (timed out)".into()),
    }
}

/// Where a failed session stopped: that item fails, the later ones are skipped.
fn failed_session(list: &mut Checklist, failure: &Failure) {
    let item = match failure.class {
        Class::TlsUnsupported | Class::TlsUntrusted | Class::TlsError => {
            ("tls", "TLS as configured")
        }
        Class::AuthFailed => ("authentication", "authentication"),
        Class::AccessRejected if failure.sqlstate() == Some("42501") => {
            ("connect_privilege", "CONNECT on the database")
        }
        Class::AccessRejected => ("authentication", "authentication"),
        Class::DatabaseMissing => ("database_exists", "database exists"),
        Class::InvalidConfig => ("tls", "TLS as configured"),
        _ => ("server_responds", "server answers as PostgreSQL"),
    };
    list.fail(item.0, item.1, failure);
    list.skip(
        "server_facts",
        "server version, role, privileges, headroom",
        "no session",
    );
}

fn session_items(
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

fn tls_item(list: &mut Checklist, spec: &ConnSpec, server: &ServerFacts) {
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

fn version_item(list: &mut Checklist, settings: &Settings, server: &ServerFacts) {
    let reported = server.version.clone().unwrap_or_else(|| "unknown".into());
    let version = Version::from_server(&reported);
    match (settings.gates.min_server_version, version) {
        (Some(min), Some(v)) if v < min => list.push(
            "server_version",
            "server version",
            Status::Fail,
            format!("PostgreSQL {reported}; at least {min} is required"),
            Some("upgrade the server".into()),
        ),
        _ => list.push(
            "server_version",
            "server version",
            Status::Ok,
            format!("PostgreSQL {reported}"),
            None,
        ),
    }
    if let Some(item) = list.items.last_mut().filter(|i| i.status == Status::Fail) {
        item.class = Some(Class::VersionUnsupported);
    }
}

fn writable_item(list: &mut Checklist, settings: &Settings, target: &Target, facts: &Facts) {
    let standby = facts.yes(col::IN_RECOVERY);
    let read_only = facts.text(col::READ_ONLY) == Some("on");
    let must_write = target.requires_writable() || settings.gates.require_writable;
    let evidence = match (standby, read_only) {
        (true, _) => "a standby (in recovery): read-only",
        (false, true) => "a primary, but sessions are read-only (default_transaction_read_only)",
        (false, false) => "a writable primary",
    };
    let status = match (standby || read_only, must_write) {
        (false, _) => Status::Ok,
        (true, true) => Status::Fail,
        (true, false) => Status::Warn,
    };
    let fix =
        (status != Status::Ok).then(|| "point write/migration URLs at the primary".to_string());
    list.push("writable", "writable or standby", status, evidence, fix);
    if status == Status::Fail {
        if let Some(item) = list.items.last_mut() {
            item.class = Some(Class::ReadOnly);
        }
    }
}

/// Prisma's default pool size: 2 × physical CPUs + 1 (this machine's CPUs stand in
/// for the app's).
fn prisma_default_pool() -> i64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
    cpus * 2 + 1
}

fn headroom_item(list: &mut Checklist, spec: &ConnSpec, facts: &Facts, replicas: Option<u32>) {
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

fn schema_item(list: &mut Checklist, spec: &ConnSpec, facts: &Facts) {
    let schema = app_schema(spec);
    let user = &spec.user;
    let grant = format!("GRANT USAGE, CREATE ON SCHEMA \"{schema}\" TO \"{user}\"; (or make \"{user}\" own the database: ALTER DATABASE \"{}\" OWNER TO \"{user}\")", spec.dbname);
    let (status, evidence, fix) = match (facts.yes(col::SCHEMA_EXISTS), facts.yes(col::USAGE), facts.yes(col::CREATE)) {
        (false, ..) => (Status::Fail, format!("schema \"{schema}\" does not exist"), Some(format!("CREATE SCHEMA \"{schema}\" AUTHORIZATION \"{user}\";"))),
        (true, false, _) => (Status::Fail, format!("no USAGE on schema \"{schema}\""), Some(grant)),
        (true, true, false) => (Status::Warn, format!("USAGE but no CREATE on schema \"{schema}\": migrations will fail with `permission denied for schema {schema}` (PostgreSQL 15+ default for non-owners)"), Some(grant)),
        (true, true, true) => (Status::Ok, format!("USAGE and CREATE on schema \"{schema}\""), None),
    };
    list.push(
        "schema_privileges",
        "USAGE/CREATE on the app's schema",
        status,
        evidence,
        fix,
    );
    if status == Status::Fail {
        if let Some(item) = list.items.last_mut() {
            item.class = Some(Class::SchemaPermissionDenied);
        }
    }
}

/// A pooler or proxy shows as a mismatch between the port we dialled and the
/// server's own, or between our socket's port and the client port the server sees.
fn pooler_item(
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
fn migration_items(list: &mut Checklist, found: &[(Report, Option<Failure>)], searching: bool) {
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

fn same_database(lists: &mut [Checklist], identities: &[(String, String)]) {
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
            Some(id) if id == reference => list.push(
                "same_database",
                "URLs reach the same database",
                Status::Ok,
                format!("{id} (as {first_source})"),
                None,
            ),
            Some(id) => {
                let failure = Failure::new(
                    Class::TargetsMismatch,
                    Stage::Query,
                    format!(
                        "{} reaches {id}, {first_source} reaches {reference}",
                        list.source
                    ),
                );
                list.fail("same_database", "URLs reach the same database", &failure);
            }
        }
    }
}

/// The exit code: 0 without ❌, else the class code of the first ❌ (1 without one).
pub fn exit_code(lists: &[Checklist]) -> i32 {
    lists
        .iter()
        .flat_map(|l| &l.items)
        .find(|i| i.status == Status::Fail)
        .map_or(0, |i| i.class.map_or(1, Class::exit_code))
}

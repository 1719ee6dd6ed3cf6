//! The Compose findings: for every service with a URL, where its host, port,
//! network, credentials and start order lead, judged against the service it names;
//! then each database service's data volume.

use super::images::{self, Kind};
use super::url::{self, Found};
use super::{Item, Options};
use crate::deploy::compose::{Project, Service};
use crate::finding::Status;
use crate::settings::role::Role;

/// Every finding of one project.
pub fn judge(project: &Project, opts: &Options) -> Vec<Item> {
    let mut items = Vec::new();
    for service in &project.services {
        for var in service.environment.iter().chain(&service.build_args) {
            if let Some(v) = &var.value {
                url::guard(&var.name, v);
            }
        }
    }
    for service in &project.services {
        if kind(service) == Kind::Database {
            items.extend(data_volume(service));
            continue;
        }
        items.extend(app(
            project,
            service,
            &url::for_command(opts, &service.command),
        ));
    }
    items
}

fn kind(service: &Service) -> Kind {
    let by_image = service
        .image
        .as_deref()
        .map(|i| images::kind_of(i, &service.command))
        .unwrap_or(Kind::Other);
    if by_image != Kind::Other {
        return by_image;
    }
    if service.command.iter().any(|w| w.ends_with("pgready")) {
        return Kind::Gate;
    }
    // A locally built server: by its variables or its port.
    let ports: Vec<u16> = service
        .ports
        .iter()
        .map(|p| p.target)
        .chain(service.expose.iter().copied())
        .collect();
    if service.env("POSTGRES_PASSWORD").is_some() || ports.contains(&5432) {
        Kind::Database
    } else if ports.contains(&6432) {
        Kind::Pooler
    } else {
        Kind::Other
    }
}

fn subject(service: &Service) -> String {
    format!("service `{}`", service.name)
}

fn databases(project: &Project) -> Vec<&Service> {
    project
        .services
        .iter()
        .filter(|s| kind(s) == Kind::Database)
        .collect()
}

/// "the database service `db`" or "one of the database services `a`, `b`".
fn suggestion(project: &Project) -> String {
    let names: Vec<String> = databases(project)
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect();
    match names.len() {
        0 => "the database service's name".to_string(),
        1 => format!("the database service's name {}", names[0]),
        _ => format!("a database service's name ({})", names.join(", ")),
    }
}

fn app(project: &Project, service: &Service, opts: &Options) -> Vec<Item> {
    let mut items = Vec::new();
    let env: Vec<(String, String)> = service
        .environment
        .iter()
        .filter_map(|v| Some((v.name.clone(), v.value.clone()?)))
        .collect();
    let who = subject(service);
    let mut reached: Vec<&Service> = Vec::new();
    for var in &service.environment {
        if !url::is_url_variable(&var.name, var.value.as_deref(), opts) {
            continue;
        }
        if service.var(&var.name) != Some(var) {
            continue; // overridden by a later definition
        }
        let item = |id, status| Item::new(id, status, &var.at, &who).about(&var.name);
        for unset in &var.unset {
            items.push(item("unset_variable", Status::Warn).says(
                format!("{} uses ${{{unset}}}, which is set neither in the environment nor in .env: Compose makes it blank", var.name),
                format!("set {unset} in .env beside the Compose file (or give a default: ${{{unset}:-…}})"),
            ));
        }
        if var.value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            items.push(item("no_url", Status::Fail).says(
                format!("{} is empty in the container", var.name),
                "give it a value: postgresql://USER:PASSWORD@HOST:5432/DATABASE",
            ));
            continue;
        }
        let (found, url_items) = url::read(&var.name, &var.at, &who, &env, opts);
        items.extend(url_items);
        for (host, port) in found.hosts() {
            let (target_items, target) = host_and_port(project, service, &found, &host, port);
            items.extend(target_items);
            if let Some(t) = target.filter(|t| !reached.iter().any(|r| r.name == t.name)) {
                reached.push(t);
            }
            if let Some(t) = target {
                items.extend(through(project, service, t, &found, opts));
            }
        }
    }
    items.extend(build_only(service, opts));
    if kind(service) != Kind::Gate {
        for target in reached {
            items.extend(start_order(project, service, target));
        }
    }
    items
}

/// The URL is only a build argument.
fn build_only(service: &Service, opts: &Options) -> Vec<Item> {
    service
        .build_args
        .iter()
        .filter(|a| url::configured(opts).contains(&a.name) && service.var(&a.name).is_none())
        .map(|a| {
            Item::new("url_build_only", Status::Fail, &a.at, &subject(service)).about(&a.name).says(
                format!("{} is only a build argument: it is not in the running container's environment", a.name),
                format!("add {} under `environment:` of service `{}` (build arguments do not reach the running container)", a.name, service.name),
            )
        })
        .collect()
}

/// Where a host leads: the service it names, or why it names none.
fn host_and_port<'p>(
    project: &'p Project,
    app: &Service,
    found: &Found,
    host: &str,
    port: u16,
) -> (Vec<Item>, Option<&'p Service>) {
    let item = |id, status| Item::new(id, status, &found.at, &subject(app)).about(&found.name);
    let host_network = app.network_mode.as_deref() == Some("host");
    if url::is_loopback(host) {
        if host_network
            || app
                .network_mode
                .as_deref()
                .is_some_and(|m| m.starts_with("service:") || m.starts_with("container:"))
        {
            return (Vec::new(), None);
        }
        let item = item("localhost", Status::Fail).says(
            format!(
                "the host `{host}` in {} is the app's own container, not the database",
                found.name
            ),
            format!("use {} as the host", suggestion(project)),
        );
        return (vec![item], None);
    }
    let Some(target) = project.services.iter().find(|s| s.names().contains(&host)) else {
        // A name with dots may well be outside the project (a managed database).
        if host.contains('.')
            || host == "host.docker.internal"
            || host.parse::<std::net::IpAddr>().is_ok()
        {
            return (Vec::new(), None);
        }
        let item = item("unknown_host", Status::Fail).says(
            format!(
                "the host `{host}` in {} is no service, alias or container_name of this project",
                found.name
            ),
            format!("use {} as the host", suggestion(project)),
        );
        return (vec![item], None);
    };
    let mut items = Vec::new();
    if host_network {
        items.push(item("no_common_network", Status::Fail).says(
            format!("service `{}` uses network_mode: host, where the service name `{host}` does not resolve", app.name),
            "remove network_mode: host, or connect to the database's published port on localhost",
        ));
        return (items, Some(target));
    }
    let shared = app
        .network_names()
        .iter()
        .any(|n| target.network_names().contains(n));
    if !shared {
        items.push(item("no_common_network", Status::Fail).says(
            format!(
                "service `{}` (networks: {}) and service `{}` (networks: {}) share no network, so `{host}` does not resolve",
                app.name,
                app.network_names().join(", "),
                target.name,
                target.network_names().join(", ")
            ),
            format!("put both services on one network (add `{}` to the networks of service `{}`)", target.network_names()[0], app.name),
        ));
    }
    items.extend(
        port_check(target, port)
            .map(|(id, message, fix)| item(id, Status::Fail).says(message, fix)),
    );
    (items, Some(target))
}

/// The ports a service listens on inside its container.
fn container_ports(service: &Service) -> Vec<u16> {
    let mut ports: Vec<u16> = service.ports.iter().map(|p| p.target).collect();
    ports.extend(&service.expose);
    match kind(service) {
        Kind::Database => ports.push(5432),
        Kind::Pooler => ports.extend([6432, 5432]),
        _ => {}
    }
    ports
}

fn port_check(target: &Service, port: u16) -> Option<(&'static str, String, String)> {
    let listening = container_ports(target);
    if listening.contains(&port) {
        return None;
    }
    if let Some(p) = target.ports.iter().find(|p| p.published == Some(port)) {
        return Some((
            "published_port",
            format!(
                "port {port} is the host port service `{}` publishes; containers reach it on {}",
                target.name, p.target
            ),
            format!(
                "use port {} between containers (`{}` maps host {port} to container {})",
                p.target, target.name, p.target
            ),
        ));
    }
    let expected = listening.first().copied().unwrap_or(5432);
    Some((
        "wrong_port",
        format!(
            "service `{}` listens on {}, not on port {port}",
            target.name,
            list(&listening)
        ),
        format!("use port {expected}"),
    ))
}

fn list(ports: &[u16]) -> String {
    let mut ports = ports.to_vec();
    ports.sort_unstable();
    ports.dedup();
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the URL must agree with on the service it reaches: a database's
/// credentials, a pooler's role.
fn through(
    project: &Project,
    app: &Service,
    target: &Service,
    found: &Found,
    opts: &Options,
) -> Vec<Item> {
    match kind(target) {
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

/// The app must start after the database is ready, not merely started.
fn start_order(project: &Project, app: &Service, target: &Service) -> Vec<Item> {
    if app.command.iter().any(|w| w.ends_with("pgready")) {
        return Vec::new(); // `pgready wait -- app` gates it itself
    }
    let who = subject(app);
    let mut items = Vec::new();
    let mut gated = false;
    for dep in &app.depends_on {
        let Some(other) = project.services.iter().find(|s| s.name == dep.service) else {
            continue;
        };
        let item = |id, status| Item::new(id, status, &dep.at, &who);
        let condition = dep.condition.as_deref().unwrap_or("service_started");
        if kind(other) == Kind::Gate {
            gated = true;
            if condition != "service_completed_successfully" {
                items.push(item("depends_on_condition", Status::Warn).says(
                    format!("service `{}` depends on the pgready service `{}` with {condition}: the app starts before the check ends", app.name, other.name),
                    format!("depends_on: {{{}: {{condition: service_completed_successfully}}}}", other.name),
                ));
            }
        } else if other.name == target.name {
            gated = true;
            if condition == "service_healthy" && other.healthcheck != Some(true) {
                items.push(item("no_healthcheck", Status::Fail).says(
                    format!("service `{}` waits for service `{}` to be healthy, but `{}` has no healthcheck: Compose refuses to start the app", app.name, other.name, other.name),
                    format!("give service `{}` a healthcheck (test: [\"CMD\", \"pgready\", \"check\"], or pg_isready)", other.name),
                ));
            } else if condition == "service_started" {
                items.push(item("depends_on_condition", Status::Warn).says(
                    format!("service `{}` depends on service `{}` without a condition: it starts once the container starts, before PostgreSQL accepts connections", app.name, other.name),
                    format!("depends_on: {{{}: {{condition: service_healthy}}}} with a healthcheck on `{}`, or a pgready one-shot service", other.name, other.name),
                ));
            }
        }
    }
    if !gated && !reaches(project, app, target, &mut Vec::new()) {
        items.push(Item::new("no_depends_on", Status::Warn, &app.at, &who).says(
            format!("service `{}` connects to service `{}` but does not depend on it: Compose may start them in any order", app.name, target.name),
            format!("depends_on: {{{}: {{condition: service_healthy}}}} with a healthcheck on `{}`, or wrap the command: pgready wait -- CMD", target.name, target.name),
        ));
    }
    items
}

/// Whether `from` starts after `target` or a pgready service through a chain of
/// `depends_on` (the app after the migration after the gate).
fn reaches<'p>(
    project: &'p Project,
    from: &'p Service,
    target: &Service,
    seen: &mut Vec<&'p str>,
) -> bool {
    for dep in &from.depends_on {
        let Some(next) = project.services.iter().find(|s| s.name == dep.service) else {
            continue;
        };
        if seen.contains(&next.name.as_str()) {
            continue;
        }
        seen.push(&next.name);
        if next.name == target.name
            || kind(next) == Kind::Gate
            || reaches(project, next, target, seen)
        {
            return true;
        }
    }
    false
}

/// The official image keeps its data where its major says; a mount elsewhere does
/// not keep it (18+ refuses to start with one at the old place).
fn data_volume(db: &Service) -> Vec<Item> {
    let Some(major) = db.image.as_deref().and_then(images::official_major) else {
        return Vec::new();
    };
    if db.env("PGDATA").is_some() {
        return Vec::new();
    }
    let keeps = images::data_mount(major);
    let mut items = Vec::new();
    for (target, at) in &db.mounts {
        if !target.starts_with("/var/lib/postgresql") || target == keeps {
            continue;
        }
        let (status, what) = if major >= 18 && target == "/var/lib/postgresql/data" {
            (Status::Fail, "PostgreSQL 18+ images keep their data in /var/lib/postgresql/18/docker and refuse to start with a mount at /var/lib/postgresql/data")
        } else {
            (
                Status::Warn,
                "the data is not kept in this mount (the image's own anonymous volume holds it)",
            )
        };
        items.push(Item::new("data_volume", status, at, &subject(db)).says(
            format!(
                "service `{}` (PostgreSQL {major}) mounts a volume at {target}: {what}",
                db.name
            ),
            format!("mount the volume at {keeps}"),
        ));
    }
    items
}

//! The Compose findings: for every service with a URL, where its host, port,
//! network, credentials and start order lead, judged against the service it names;
//! then each database service's data volume.

mod order;
mod target;
mod volume;

use super::images::{self, Kind};
use super::url::{self, Found};
use super::{Item, Options};
use crate::deploy::compose::{Project, Service};
use crate::finding::Status;

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
            items.extend(volume::data_volume(service));
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

pub(super) fn kind(service: &Service) -> Kind {
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

pub(super) fn subject(service: &Service) -> String {
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
pub(super) fn suggestion(project: &Project) -> String {
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
                items.extend(target::through(project, service, t, &found, opts));
            }
        }
    }
    items.extend(build_only(service, opts));
    if kind(service) != Kind::Gate {
        for target in reached {
            items.extend(order::start_order(project, service, target));
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

//! A URL found in a deployment file, read exactly as `wait` would read it in that
//! container: the same reader (`settings::targets`) over the container's whole
//! environment, the same pre-connection lint, its findings as lint items.

use super::{Item, Options};
use crate::deploy::Place;
use crate::finding::Status;
use crate::settings::conninfo::Reading;
use crate::settings::env::Env;
use crate::settings::lint::Lint;
use crate::settings::role::Role;
use crate::settings::spec::{ConnSpec, Host};
use crate::settings::targets::{self, DEFAULT_URL_VARS};
use crate::vocab::Client;

/// A URL variable of a container and how it reads.
pub struct Found {
    /// The variable.
    pub name: String,
    /// Its place.
    pub at: Place,
    /// What it is for, by its name.
    pub role: Role,
    /// The spec, when it parses.
    pub spec: Option<ConnSpec>,
}

/// Whether `name` is a URL variable: one `wait` reads, or any whose value is a
/// `postgres://` URL (`DIRECT_URL`, `POSTGRES_PRISMA_URL`, …).
pub fn is_url_variable(name: &str, value: Option<&str>, opts: &Options) -> bool {
    configured(opts).iter().any(|n| n == name)
        || value.is_some_and(|v| {
            let v = v.trim_start();
            v.starts_with("postgres://") || v.starts_with("postgresql://")
        })
}

/// The variables `wait` reads (`--url-env`, else its defaults).
pub fn configured(opts: &Options) -> Vec<String> {
    if opts.url_env.is_empty() {
        DEFAULT_URL_VARS.iter().map(|s| s.to_string()).collect()
    } else {
        opts.url_env.clone()
    }
}

/// Registers what looks secret in an environment, so no output can show it.
pub fn guard(name: &str, value: &str) {
    let upper = name.to_ascii_uppercase();
    if ["PASSWORD", "SECRET", "TOKEN", "PASS"]
        .iter()
        .any(|w| upper.contains(w))
    {
        crate::secret::register(value);
    }
}

/// The options for a container whose command runs pgready: its own `--client`
/// decides how it reads its URLs.
pub fn for_command(opts: &Options, command: &[String]) -> Options {
    let mut words = command.iter().skip_while(|w| !w.ends_with("pgready"));
    let mut client = None;
    while let Some(w) = words.next() {
        if w == "--" {
            break;
        }
        let value = match w.strip_prefix("--client") {
            Some("") => words.next().map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        client = value
            .and_then(|v| match v {
                "libpq" => Some(Client::Libpq),
                "prisma" => Some(Client::Prisma),
                "node-postgres" => Some(Client::NodePostgres),
                _ => None,
            })
            .or(client);
    }
    let mut opts = opts.clone();
    if let Some(c) = client {
        opts.context.reading = Reading::of(c);
        opts.context.client_chosen = true;
    }
    opts
}

/// Reads `name` from `env` (the container's environment), as `wait` would.
pub fn read(
    name: &str,
    at: &Place,
    subject: &str,
    env: &[(String, String)],
    opts: &Options,
) -> (Found, Vec<Item>) {
    let pairs = env.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    let env = Env::from_pairs(pairs);
    let mut ctx = opts.context.clone();
    // Loopback hosts are judged against the project's services instead.
    ctx.in_container = false;
    let target = targets::collect(&[], &[name.to_string()], &env, &ctx)
        .into_iter()
        .next();
    let mut found = Found {
        name: name.to_string(),
        at: at.clone(),
        role: Role::of_variable(name),
        spec: None,
    };
    let Some(target) = target else {
        return (found, Vec::new());
    };
    let item = |id, status| Item::new(id, status, at, subject).about(name);
    let mut items = Vec::new();
    match target.spec {
        Ok(spec) => {
            for lint in &target.lint {
                if let Some(i) = from_lint(lint, &item) {
                    items.push(i);
                }
            }
            found.spec = Some(spec);
        }
        Err(failure) => {
            let fix = failure.hints.first().cloned().unwrap_or_else(|| {
                "write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE".into()
            });
            items.push(
                item("url_parses", Status::Fail)
                    .says(format!("{name} does not parse: {}", failure.message), fix),
            );
        }
    }
    (found, items)
}

/// The pre-connection lint as lint items: a password that reads differently than
/// meant is an error, the rest may still work.
fn from_lint(lint: &Lint, item: &dyn Fn(&'static str, Status) -> Item) -> Option<Item> {
    let status = match lint.id {
        // The project's services judge these (by host, not by port).
        "localhost_in_container" | "pooler_url" => return None,
        "password_encoding" => Status::Fail,
        _ => Status::Warn,
    };
    let (message, fix) = match lint.message.split_once("; ") {
        Some((m, f)) => (m.to_string(), f.to_string()),
        None => (lint.message.clone(), String::new()),
    };
    Some(item(lint.id, status).says(message, fix))
}

impl Found {
    /// The TCP hosts with their ports, in order.
    pub fn hosts(&self) -> Vec<(String, u16)> {
        let Some(spec) = &self.spec else {
            return Vec::new();
        };
        spec.endpoints
            .iter()
            .filter_map(|e| match &e.host {
                Host::Tcp(h) => Some((h.clone(), e.port)),
                Host::Unix(_) => None,
            })
            .collect()
    }

    /// A URL parameter's value (`pgbouncer`, …).
    pub fn param(&self, key: &str) -> Option<&str> {
        self.spec
            .as_ref()?
            .opts
            .iter()
            .rev()
            .find(|o| o.key == key)
            .map(|o| o.value.as_str())
    }
}

/// Whether a host is the container itself.
pub fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

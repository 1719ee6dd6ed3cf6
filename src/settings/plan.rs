//! The connection plan of one target under one client's rules, as data: where it
//! connects, as whom, with which password source and what TLS means, and what the
//! client does with each parameter. Built once from a [`Target`]; `explain`
//! renders it as text or JSON, and `--client all` compares plans.

use serde::Serialize;

use super::client::{Client, Identity, Roots, TlsPlan, Verify};
use super::spec::{ConnSpec, Host};
use super::targets::Target;
use crate::vocab::{self, Effect};

/// One target's plan under one client.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Plan {
    /// Whose rules (`libpq 18`, `prisma`, `node-postgres`).
    pub client: String,
    /// Where the target came from (`--url`, a variable name).
    pub source: String,
    /// The connection string, passwords masked.
    pub url: String,
    /// Why the client refuses the string (`invalid_config`), if it does.
    pub refused: Option<Refusal>,
    /// Hosts in the order tried.
    pub hosts: Vec<HostPlan>,
    /// Database name.
    pub dbname: Option<String>,
    /// Whether the database name is a default rather than given.
    pub dbname_default: bool,
    /// Role name.
    pub user: Option<String>,
    /// Where the password comes from (never the password).
    pub password: Option<String>,
    /// What TLS means.
    pub tls: Option<TlsView>,
    /// `channel_binding`.
    pub channel_binding: Option<String>,
    /// `target_session_attrs`.
    pub target_session_attrs: Option<String>,
    /// Seconds per host, if bounded.
    pub connect_timeout_s: Option<u64>,
    /// Each parameter given and what the client does with it.
    pub parameters: Vec<Parameter>,
    /// What would differ under another libpq major, or other reading notes.
    pub notes: Vec<String>,
}

/// The client's refusal of the string.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong.
    pub message: String,
    /// The fix.
    pub hint: Option<String>,
}

/// One host of the list.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct HostPlan {
    /// Host name or address (TCP), absent for a socket.
    pub host: Option<String>,
    /// libpq's `hostaddr`: dialled without resolving `host`.
    pub hostaddr: Option<String>,
    /// Port.
    pub port: u16,
    /// The socket file, for a Unix-socket connection.
    pub socket: Option<String>,
}

/// TLS under this client.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct TlsView {
    /// The sslmode as the client reads it.
    pub sslmode: String,
    /// One line.
    pub summary: String,
    /// Whether the connection fails without TLS.
    pub required: bool,
    /// `none`, `chain` or `full` (chain and host name).
    pub verify: &'static str,
    /// Which roots verify the chain.
    pub roots: String,
    /// Whether the client retries in plaintext when TLS fails or is refused.
    pub plaintext_fallback: bool,
    /// TLS at once, without SSLRequest (`sslnegotiation=direct`).
    pub direct: bool,
    /// The client certificate presented, if any.
    pub client_certificate: Option<String>,
}

/// One parameter and its fate.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Parameter {
    /// The key.
    pub key: String,
    /// The value (`****` for secrets).
    pub value: String,
    /// `used`, `ignored` or `unknown` (kept but unused by the client).
    pub status: &'static str,
    /// What the client does with it.
    pub meaning: String,
}

impl Plan {
    /// The plan in one line: where, as whom, with which password and TLS.
    pub fn one_line(&self) -> String {
        if let Some(r) = &self.refused {
            return format!("refused: {}", r.message);
        }
        let hosts: Vec<String> = self
            .hosts
            .iter()
            .map(|h| match (&h.socket, &h.host, &h.hostaddr) {
                (Some(s), _, _) => s.clone(),
                (None, Some(host), Some(addr)) => format!("{addr}:{} (for {host})", h.port),
                (None, Some(host), None) => format!("{host}:{}", h.port),
                (None, None, _) => format!(":{}", h.port),
            })
            .collect();
        format!(
            "{} → database {}{}, user {}, password from {}, {}",
            hosts.join(", "),
            self.dbname.as_deref().unwrap_or(""),
            if self.dbname_default {
                " (default)"
            } else {
                ""
            },
            self.user.as_deref().unwrap_or(""),
            self.password.as_deref().unwrap_or("none"),
            self.tls
                .as_ref()
                .map_or(String::new(), |t| t.summary.clone())
        )
    }
}

/// The plan of `target` (already read by one client's rules).
pub fn plan(target: &Target, client_label: &str) -> Plan {
    let mut plan = Plan {
        client: client_label.to_string(),
        source: target.source.clone(),
        url: target.display.clone(),
        refused: None,
        hosts: Vec::new(),
        dbname: None,
        dbname_default: false,
        user: None,
        password: None,
        tls: None,
        channel_binding: None,
        target_session_attrs: None,
        connect_timeout_s: None,
        parameters: Vec::new(),
        notes: Vec::new(),
    };
    match &target.spec {
        Err(f) => {
            plan.refused = Some(Refusal {
                message: f.message.clone(),
                hint: f.hints.first().cloned(),
            })
        }
        Ok(spec) => fill(&mut plan, spec),
    }
    plan
}

fn fill(plan: &mut Plan, spec: &ConnSpec) {
    plan.hosts = spec
        .endpoints
        .iter()
        .map(|e| match &e.host {
            Host::Tcp(h) => HostPlan {
                host: Some(h.clone()),
                hostaddr: e.addr.map(|a| a.to_string()),
                port: e.port,
                socket: None,
            },
            Host::Unix(_) => HostPlan {
                host: None,
                hostaddr: e.addr.map(|a| a.to_string()),
                port: e.port,
                socket: Some(e.label()),
            },
        })
        .collect();
    plan.dbname = Some(spec.dbname.clone());
    plan.dbname_default = !spec.dbname_given;
    plan.user = Some(spec.user.clone());
    plan.password = Some(
        spec.password_source
            .clone()
            .unwrap_or_else(|| "none".to_string()),
    );
    plan.tls = Some(tls_view(spec));
    plan.channel_binding = spec.channel_binding.clone();
    plan.target_session_attrs = Some(spec.session_attrs.name().to_string());
    plan.connect_timeout_s = spec.connect_timeout.map(|d| d.as_secs());
    plan.parameters = parameters(spec);
    plan.notes = libpq_version_notes(spec, false);
}

fn tls_view(spec: &ConnSpec) -> TlsView {
    let tls = &spec.tls;
    let strongest = tls
        .plans
        .iter()
        .filter_map(|p| match p {
            TlsPlan::Off => None,
            TlsPlan::Prefer(v) | TlsPlan::Require(v) => Some(*v),
        })
        .next();
    TlsView {
        sslmode: tls.mode.name().to_string(),
        summary: tls.summary(),
        required: !tls.plans.contains(&TlsPlan::Off)
            && tls.plans.iter().all(|p| matches!(p, TlsPlan::Require(_))),
        verify: match strongest {
            None | Some(Verify::None) => "none",
            Some(Verify::Chain) => "chain",
            Some(Verify::Full) => "full",
        },
        roots: match &tls.roots {
            Roots::File(f) if f.exists() => format!("the CA file {}", f.display()),
            Roots::File(f) => format!("the CA file {} (not found here)", f.display()),
            Roots::System => "the system's trusted CAs".to_string(),
            Roots::SystemAnd(f) => format!("the system's trusted CAs and {}", f.display()),
            Roots::Mozilla => "Node.js's bundled Mozilla CAs".to_string(),
            Roots::Missing => "none configured".to_string(),
        },
        plaintext_fallback: tls.plans.len() > 1 && tls.plans.contains(&TlsPlan::Off),
        direct: tls.direct,
        client_certificate: match &tls.identity {
            Identity::None => None,
            Identity::Pem { cert, .. } => Some(cert.display().to_string()),
            Identity::Pkcs12 { file, .. } => Some(file.display().to_string()),
        },
    }
}

/// Each parameter written, the last value of each key, in the order written.
fn parameters(spec: &ConnSpec) -> Vec<Parameter> {
    let table = match spec.client {
        Client::Libpq => vocab::libpq::KEYS,
        Client::Prisma => vocab::prisma::KEYS,
        Client::NodePostgres => vocab::node_postgres::KEYS,
    };
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    // The URL's parts are shown as hosts, database, user and password source.
    let parts = [
        "host", "hostaddr", "port", "user", "password", "dbname", "database",
    ];
    for opt in spec.opts.iter().rev() {
        if seen.contains(&opt.key.as_str()) || parts.contains(&opt.key.as_str()) {
            continue;
        }
        seen.push(&opt.key);
        let key = vocab::find(table, &opt.key);
        let (status, meaning) = match key {
            None => (
                "unknown",
                format!("{} keeps it but never uses it", spec.client.name()),
            ),
            Some(k) => match k.effect {
                Effect::Applied | Effect::Unsupported(_) => ("used", k.meaning.to_string()),
                Effect::Inert => (
                    "ignored",
                    format!("{} (no effect on connecting)", k.meaning),
                ),
            },
        };
        let secret = key.is_some_and(|k| k.secret) || super::conninfo::is_secret_key(&opt.key);
        out.push(Parameter {
            key: opt.key.clone(),
            value: if secret {
                crate::secret::MASK.to_string()
            } else {
                opt.value.clone()
            },
            status,
            meaning,
        });
    }
    out.reverse();
    out
}

/// What another libpq major would read differently in this string.
pub fn libpq_version_notes(spec: &ConnSpec, spaces: bool) -> Vec<String> {
    if spec.client != Client::Libpq {
        return Vec::new();
    }
    vocab::libpq::version_notes(
        spec.opts.iter().map(|o| (o.key.as_str(), o.value.as_str())),
        spaces,
    )
}

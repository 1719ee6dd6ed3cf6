//! libpq options → a typed, validated [`ConnSpec`]: defaults from the `PG*`
//! environment as libpq applies them, ports matched to hosts, values checked.

mod hosts;
mod password;
mod values;

use std::path::PathBuf;
use std::time::Duration;

use super::client::{self, Client, TlsOptions, TlsPolicy};
use super::conninfo::{shown_value, Opt, ParseError, Reading};
use super::env::Env;
use crate::secret::Password;
use crate::vocab;
use hosts::{add_hostaddrs, endpoints};
use password::password;
use values::{channel_binding, check_libpq_ints, check_libpq_values, connect_timeout, unsupported};

/// libpq's compiled-in socket directory on Debian, Ubuntu and the official images.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";
/// PostgreSQL's default port.
pub const DEFAULT_PORT: u16 = 5432;

/// Where to connect: a TCP host name or address, or a Unix socket directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A name or an IP literal (IPv6 without brackets).
    Tcp(String),
    /// A directory holding `.s.PGSQL.<port>`.
    Unix(PathBuf),
}

/// One entry of the host list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Host or socket directory.
    pub host: Host,
    /// libpq's `hostaddr`: the address dialled without resolving `host` (which
    /// still names the server for TLS and the password file).
    pub addr: Option<std::net::IpAddr>,
    /// Port (for sockets, the number in the socket file name).
    pub port: u16,
}

impl Endpoint {
    /// `host:port`, `[v6]:port`, or the socket path, for messages.
    pub fn label(&self) -> String {
        match &self.host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]:{}", self.port),
            Host::Tcp(h) => format!("{h}:{}", self.port),
            Host::Unix(dir) => format!("{}/.s.PGSQL.{}", dir.display(), self.port),
        }
    }

    /// Whether the host is this machine (loopback name or address, or a socket).
    pub fn is_local(&self) -> bool {
        match &self.host {
            Host::Unix(_) => true,
            Host::Tcp(h) => {
                h.eq_ignore_ascii_case("localhost")
                    || h.parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
        }
    }
}

/// `target_session_attrs`: which kind of server a session must land on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionAttrs {
    /// Any server.
    Any,
    /// A session that accepts writes.
    ReadWrite,
    /// A read-only session.
    ReadOnly,
    /// A primary (not in recovery).
    Primary,
    /// A standby (in recovery).
    Standby,
    /// A standby if one answers, else any.
    PreferStandby,
}

impl SessionAttrs {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "any" => SessionAttrs::Any,
            "read-write" => SessionAttrs::ReadWrite,
            "read-only" => SessionAttrs::ReadOnly,
            "primary" => SessionAttrs::Primary,
            "standby" => SessionAttrs::Standby,
            "prefer-standby" => SessionAttrs::PreferStandby,
            _ => return None,
        })
    }

    /// The name as written in URLs.
    pub fn name(self) -> &'static str {
        match self {
            SessionAttrs::Any => "any",
            SessionAttrs::ReadWrite => "read-write",
            SessionAttrs::ReadOnly => "read-only",
            SessionAttrs::Primary => "primary",
            SessionAttrs::Standby => "standby",
            SessionAttrs::PreferStandby => "prefer-standby",
        }
    }
}

/// Everything needed to connect to one target, typed and validated.
#[derive(Clone, Debug)]
pub struct ConnSpec {
    /// Hosts in the order libpq tries them.
    pub endpoints: Vec<Endpoint>,
    /// Role name.
    pub user: String,
    /// Password, from the URL, `PGPASSWORD` or the password file.
    pub password: Option<Password>,
    /// Where the password came from, for messages (the URL, `PGPASSWORD`, or
    /// the password file and line; never the password).
    pub password_source: Option<String>,
    /// A password file the client passed over (group or world readable), said so.
    pub password_file_ignored: Option<String>,
    /// Database name.
    pub dbname: String,
    /// Whether a database name was given (else libpq uses the user name).
    pub dbname_given: bool,
    /// Whose rules the URL is read by.
    pub client: Client,
    /// Whose rules, with the libpq major.
    pub reading: Reading,
    /// What TLS means for this target under those rules.
    pub tls: TlsPolicy,
    /// libpq's `connect_timeout` (per host; at least 2 s).
    pub connect_timeout: Option<Duration>,
    /// `application_name` sent to the server.
    pub application_name: String,
    /// `options` (command-line options for the backend).
    pub options: Option<String>,
    /// `target_session_attrs`.
    pub session_attrs: SessionAttrs,
    /// `channel_binding`.
    pub channel_binding: Option<String>,
    /// libpq's `require_auth` (16+): the authentication requests accepted.
    pub require_auth: Option<std::sync::Arc<super::require_auth::RequireAuth>>,
    /// Every option as given (for Prisma parameters and the lint).
    pub opts: Vec<Opt>,
}

impl ConnSpec {
    /// The last value given for `key`.
    pub fn opt(&self, key: &str) -> Option<&str> {
        super::conninfo::last(&self.opts, key)
    }
}

/// The variable that supplies `key`'s default under `reading`, if any.
fn env_var(reading: Reading, key: &str) -> Option<&'static str> {
    match reading.client {
        Client::Libpq => vocab::libpq::lookup(key, reading.libpq_major)?.env,
        Client::NodePostgres => vocab::find(vocab::node_postgres::KEYS, key)?.env,
        Client::Prisma => None,
    }
}

/// Whether the client reads the variable `var` at all.
fn reads_var(reading: Reading, var: &str) -> bool {
    let table = match reading.client {
        Client::Libpq => vocab::libpq::KEYS,
        Client::NodePostgres => vocab::node_postgres::KEYS,
        Client::Prisma => return false,
    };
    table
        .iter()
        .any(|k| k.env == Some(var) && k.since <= reading.libpq_major)
}

/// Builds a spec from parsed options and the environment, read by `reading`'s
/// rules. `os_user` is the default role name (libpq uses the operating-system user).
pub fn build(
    opts: Vec<Opt>,
    env: &Env,
    os_user: &str,
    reading: Reading,
) -> Result<ConnSpec, ParseError> {
    let client = reading.client;
    // node-postgres: `config[key] || env || default`, so an empty value is absent.
    let given = |key: &str| {
        opts.iter()
            .rev()
            .find(|o| o.key == key)
            .map(|o| o.value.clone())
            .filter(|v| client != Client::NodePostgres || !v.is_empty())
    };
    // node-postgres reads PGSSLMODE only when the URL says nothing about TLS.
    let url_sets_tls = ["ssl", "sslmode", "sslcert", "sslkey", "sslrootcert"]
        .iter()
        .any(|k| given(k).is_some())
        || given("sslnegotiation").as_deref() == Some("direct");
    let env_value = |var: &str| {
        if !reads_var(reading, var)
            || (client == Client::NodePostgres && var == "PGSSLMODE" && url_sets_tls)
        {
            return None;
        }
        env.nonempty(var)
    };
    let value = |key: &str| given(key).or_else(|| env_var(reading, key).and_then(env_value));
    unsupported(reading, &value)?;
    let user = value("user")
        .filter(|u| client != Client::Prisma || !u.is_empty())
        .or_else(|| (client != Client::Prisma).then(|| os_user.to_string()))
        .ok_or_else(|| {
            ParseError::new(
                "the URL has no user name: Prisma sends none and the server refuses the connection",
            )
            .hint("write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE")
        })?;
    let db_key = if client == Client::NodePostgres {
        "database"
    } else {
        "dbname"
    };
    let dbname = value(db_key).filter(|d| !d.is_empty());
    let password_given = value("password").is_some();
    let mut endpoints = endpoints(value("host"), value("port"), client, password_given)?;
    if client == Client::Libpq {
        check_libpq_values(reading, &value)?;
        if endpoints.iter().any(|e| matches!(e.host, Host::Tcp(_))) || value("hostaddr").is_some() {
            check_libpq_ints(&value)?;
        }
        add_hostaddrs(&mut endpoints, value("hostaddr"), value("host").is_some())?;
        if value("load_balance_hosts").as_deref() == Some("random") {
            fastrand::shuffle(&mut endpoints);
        }
    }
    let home = env.nonempty("HOME").map(PathBuf::from);
    let mut tls_opts = TlsOptions::from_opts(&opts, &|var| env_value(var), home);
    tls_opts.libpq_major = reading.libpq_major;
    if let Some(v) = value("sslnegotiation") {
        tls_opts.negotiation = Some(v);
    }
    let mut tls = client::policy(client, &tls_opts)?;
    if client == Client::Libpq && value("sslcertmode").as_deref() == Some("disable") {
        // libpq 16+: never send the client certificate.
        tls.identity = client::Identity::None;
    }
    let session_attrs = match value("target_session_attrs") {
        None => SessionAttrs::Any,
        Some(v) => SessionAttrs::parse(&v).ok_or_else(|| {
            ParseError::new(format!("invalid target_session_attrs {}", shown_value(&v)))
                .hint("use one of any, read-write, read-only, primary, standby, prefer-standby")
        })?,
    };
    let connect_timeout = match client {
        // pg's own client ignores connect_timeout (it reads connectionTimeoutMillis).
        Client::NodePostgres => None,
        _ => connect_timeout(value("connect_timeout"))?,
    };
    let password = match client {
        Client::Prisma => password::Found {
            password: given("password").map(Password::new),
            source: given("password").map(|_| "the URL".to_string()),
            file_ignored: None,
        },
        _ => password(
            &given("password"),
            env,
            &value("passfile"),
            &endpoints,
            &dbname,
            &user,
            client,
        ),
    };
    let default_db = match (client, value(db_key)) {
        (Client::Prisma, None) => "postgres".to_string(),
        _ => user.clone(),
    };
    Ok(ConnSpec {
        dbname: dbname.clone().unwrap_or(default_db),
        dbname_given: dbname.is_some(),
        endpoints,
        password: password.password,
        password_source: password.source,
        password_file_ignored: password.file_ignored,
        client,
        reading,
        tls,
        connect_timeout,
        application_name: value("application_name").unwrap_or_else(|| "pgready".to_string()),
        options: value("options"),
        session_attrs,
        channel_binding: channel_binding(client, value("channel_binding"))?,
        require_auth: match value("require_auth")
            .filter(|v| !v.is_empty() && client == Client::Libpq)
        {
            Some(v) => Some(std::sync::Arc::new(
                super::require_auth::RequireAuth::parse(&v, reading.libpq_major)?,
            )),
            None => None,
        },
        user,
        opts,
    })
}

#[cfg(test)]
mod tests;

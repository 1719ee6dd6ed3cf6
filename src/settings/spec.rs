//! libpq options → a typed, validated [`ConnSpec`]: defaults from the `PG*`
//! environment as libpq applies them, ports matched to hosts, values checked.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::client::{self, Client, TlsOptions, TlsPolicy};
use super::conninfo::{shown_value, Opt, ParseError, Reading};
use super::env::Env;
use super::pgpass;
use super::vocab::{self, Effect};
use crate::secret::Password;

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

/// The keys whose values pgready cannot reproduce, checked against `value`.
fn unsupported(reading: Reading, value: &dyn Fn(&str) -> Option<String>) -> Result<(), ParseError> {
    let table = match reading.client {
        Client::Libpq => vocab::libpq::KEYS,
        Client::NodePostgres => vocab::node_postgres::KEYS,
        Client::Prisma => vocab::prisma::KEYS,
    };
    for key in table.iter().filter(|k| k.since <= reading.libpq_major) {
        let Effect::Unsupported(harmless) = key.effect else {
            continue;
        };
        let Some(v) = value(key.name) else { continue };
        if !harmless.contains(&v.as_str()) {
            let shown = if key.secret {
                String::new()
            } else {
                format!(" = {}", shown_value(&v))
            };
            return Err(ParseError::new(format!(
                "pgready cannot check `{}`{shown} the way {} does ({})",
                key.name,
                reading.label(),
                key.meaning
            ))
            .hint(format!("remove `{}` from what pgready reads (or set it to its default), and tell us you need it", key.name)));
        }
    }
    Ok(())
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
    let mut endpoints = endpoints(value("host"), value("port"), client)?;
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
        Client::Prisma => (
            given("password").map(Password::new),
            given("password").map(|_| "the URL".to_string()),
        ),
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
        password: password.0,
        password_source: password.1,
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

/// `channel_binding` as the client reads it: libpq refuses an unknown value,
/// Prisma keeps its default (prefer), node-postgres never reads it.
fn channel_binding(client: Client, value: Option<String>) -> Result<Option<String>, ParseError> {
    let known = |v: &str| matches!(v, "disable" | "prefer" | "require");
    match (client, value) {
        (_, None) | (Client::NodePostgres, _) => Ok(None),
        (Client::Prisma, Some(v)) => Ok(known(&v).then_some(v)),
        (Client::Libpq, Some(v)) if known(&v) => Ok(Some(v)),
        (Client::Libpq, Some(v)) => Err(ParseError::new(format!(
            "invalid channel_binding value {}",
            shown_value(&v)
        ))
        .hint("use disable, prefer or require")),
    }
}

/// libpq's `hostaddr`: one address per host (an empty entry resolves that host);
/// with no `host`, the addresses are the hosts.
fn add_hostaddrs(
    endpoints: &mut Vec<Endpoint>,
    hostaddr: Option<String>,
    host_given: bool,
) -> Result<(), ParseError> {
    let Some(list) = hostaddr.filter(|h| !h.is_empty()) else {
        return Ok(());
    };
    let addrs: Vec<&str> = list.split(',').collect();
    if !host_given {
        let port = endpoints[0].port;
        *endpoints = addrs
            .iter()
            .map(|a| Endpoint {
                host: Host::Tcp(a.to_string()),
                addr: None,
                port,
            })
            .collect();
    } else if addrs.len() != endpoints.len() {
        return Err(ParseError::new(format!(
            "could not match {} host names to {} hostaddr values",
            endpoints.len(),
            addrs.len()
        )));
    }
    for (endpoint, a) in endpoints.iter_mut().zip(&addrs) {
        if a.is_empty() {
            continue;
        }
        let ip = a.parse().map_err(|_| {
            ParseError::new(format!(
                "could not parse network address {} in hostaddr",
                shown_value(a)
            ))
            .hint("hostaddr takes IP addresses; put names in host")
        })?;
        endpoint.addr = Some(ip);
    }
    Ok(())
}

/// The password as libpq finds it: the option, then `PGPASSWORD`, then the password
/// file (matched against the first host; libpq matches per host, the same for the
/// usual single host).
fn password(
    given: &Option<String>,
    env: &Env,
    passfile: &Option<String>,
    endpoints: &[Endpoint],
    dbname: &Option<String>,
    user: &str,
    client: Client,
) -> (Option<Password>, Option<String>) {
    if let Some(p) = given {
        return (Some(Password::new(p.clone())), Some("the URL".to_string()));
    }
    if let Some(p) = env.nonempty("PGPASSWORD") {
        return (Some(Password::new(p)), Some("PGPASSWORD".to_string()));
    }
    let file = passfile.clone().map(PathBuf::from).or_else(|| {
        env.nonempty("HOME")
            .map(|h| PathBuf::from(h).join(".pgpass"))
    });
    let (Some(file), Some(first)) = (file, endpoints.first()) else {
        return (None, None);
    };
    // libpq matches `localhost` for the default socket directory and any other
    // directory by its path; node-postgres (the `pgpass` package) always by the
    // host string as given.
    let host = match &first.host {
        Host::Tcp(h) => h.clone(),
        Host::Unix(dir) if client == Client::Libpq && dir == Path::new(DEFAULT_SOCKET_DIR) => {
            "localhost".to_string()
        }
        Host::Unix(dir) => dir.display().to_string(),
    };
    let db = dbname.clone().unwrap_or_else(|| user.to_string());
    let rule = if client == Client::Libpq {
        pgpass::Rule::Libpq
    } else {
        pgpass::Rule::NodePgpass
    };
    match pgpass::lookup(&file, &host, first.port, &db, user, rule) {
        Some((p, line)) => (
            Some(Password::new(p)),
            Some(format!("the password file {}, line {line}", file.display())),
        ),
        None => (None, None),
    }
}

fn connect_timeout(value: Option<String>) -> Result<Option<Duration>, ParseError> {
    let Some(v) = value else { return Ok(None) };
    let secs: i64 = v.trim().parse().map_err(|_| {
        ParseError::new(format!(
            "invalid connect_timeout {}: whole seconds expected",
            shown_value(&v)
        ))
    })?;
    // libpq: zero or negative waits forever; below 2 seconds counts as 2.
    Ok((secs > 0).then(|| Duration::from_secs(secs.max(2) as u64)))
}

fn endpoints(
    host: Option<String>,
    port: Option<String>,
    client: Client,
) -> Result<Vec<Endpoint>, ParseError> {
    let hosts: Vec<String> = match host {
        Some(h) => h.split(',').map(str::to_string).collect(),
        // libpq's default is the local socket; Prisma and node-postgres use TCP.
        None if client == Client::Libpq => vec![String::new()],
        None => vec!["localhost".to_string()],
    };
    // Prisma and node-postgres take `h1,h2` for one host name, which no DNS
    // answers: refuse it here, with the reason.
    if client != Client::Libpq && hosts.len() > 1 {
        return Err(ParseError::new(format!(
            "{} reads one host per URL; this URL lists several",
            client.name()
        ))
        .hint("give the app's client a single host (or a pooler/proxy in front of the cluster)"));
    }
    const MAX_HOSTS: usize = 64;
    if hosts.len() > MAX_HOSTS {
        return Err(ParseError::new(format!(
            "the connection string lists {} hosts; pgready accepts at most {MAX_HOSTS}",
            hosts.len()
        )));
    }
    let ports: Vec<u16> = match port {
        None => vec![DEFAULT_PORT],
        // pg reads its port with parseInt: leading digits, the rest ignored.
        Some(p) if client == Client::NodePostgres => vec![parse_port(&parse_int_prefix(&p))?],
        Some(p) => p.split(',').map(parse_port).collect::<Result<_, _>>()?,
    };
    if ports.len() != 1 && ports.len() != hosts.len() {
        return Err(ParseError::new(format!(
            "{} ports for {} hosts: give one port, or one per host",
            ports.len(),
            hosts.len()
        )));
    }
    Ok(hosts
        .into_iter()
        .enumerate()
        .map(|(i, h)| Endpoint {
            host: to_host(h),
            addr: None,
            port: if ports.len() == 1 { ports[0] } else { ports[i] },
        })
        .collect())
}

fn to_host(h: String) -> Host {
    if h.is_empty() {
        Host::Unix(PathBuf::from(DEFAULT_SOCKET_DIR))
    } else if h.starts_with('/') || h.starts_with('@') {
        Host::Unix(PathBuf::from(h))
    } else {
        Host::Tcp(h)
    }
}

/// JavaScript's `parseInt(text, 10)` as digits: leading space and sign, then
/// the leading digits ("" when there are none, which `parse_port` refuses).
fn parse_int_prefix(text: &str) -> String {
    let t = text.trim_start();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        "NaN".to_string()
    } else {
        format!("{sign}{digits}")
    }
}

/// libpq's closed-set options hold one of their values.
fn check_libpq_values(
    reading: Reading,
    value: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ParseError> {
    for (key, allowed) in vocab::libpq::VALUES {
        if vocab::libpq::lookup(key, reading.libpq_major).is_none() {
            continue;
        }
        if let Some(v) = value(key).filter(|v| !allowed.contains(&v.as_str())) {
            return Err(
                ParseError::new(format!("invalid {key} value {}", shown_value(&v))).hint(format!(
                    "use one of: {}",
                    allowed
                        .iter()
                        .filter(|a| !a.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    Ok(())
}

/// libpq's integer options (`parse_int_param`): a whole number, spaces around.
fn check_libpq_ints(value: &dyn Fn(&str) -> Option<String>) -> Result<(), ParseError> {
    for key in [
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
    ] {
        if let Some(v) = value(key) {
            if v.trim().parse::<i32>().is_err() {
                return Err(ParseError::new(format!(
                    "invalid integer value {} for connection option `{key}`",
                    shown_value(&v)
                )));
            }
        }
    }
    Ok(())
}

fn parse_port(p: &str) -> Result<u16, ParseError> {
    if p.is_empty() {
        return Ok(DEFAULT_PORT);
    }
    match p.trim().parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        // Quote only a number: anything else may be a password, as in
        // `postgresql://user:password/db` with the `@` forgotten.
        _ if p.len() <= 12 && p.trim().trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) => Err(
            ParseError::new(format!("invalid port `{}`: a number from 1 to 65535 expected", p.trim())),
        ),
        _ => Err(ParseError::new("invalid port: a number from 1 to 65535 expected")
            .hint("if the URL reads postgresql://user:password/db, the `@` before the host is missing")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::conninfo::{parse, Reading};

    fn spec(url: &str, env: &[(&str, &str)]) -> Result<ConnSpec, ParseError> {
        build(
            parse(url, Reading::LIBPQ)?.opts,
            &Env::from_pairs(env.iter().copied()),
            "osuser",
            Reading::LIBPQ,
        )
    }

    #[test]
    fn defaults_follow_libpq() {
        let s = spec("postgres://db", &[]).unwrap();
        assert_eq!(s.user, "osuser");
        assert_eq!(s.dbname, "osuser");
        assert!(!s.dbname_given);
        assert_eq!(s.tls.mode, "prefer");
        assert_eq!(s.endpoints[0].port, 5432);
        let s = spec("postgresql:///", &[]).unwrap();
        assert_eq!(s.endpoints[0].host, Host::Unix(DEFAULT_SOCKET_DIR.into()));
    }

    #[test]
    fn environment_fills_what_the_url_leaves_out() {
        let env = [
            ("PGUSER", "envuser"),
            ("PGPORT", "6000"),
            ("PGDATABASE", "envdb"),
            ("PGSSLMODE", "disable"),
            ("PGPASSWORD", "envpass"),
        ];
        let s = spec("postgres://db", &env).unwrap();
        assert_eq!(
            (s.user.as_str(), s.dbname.as_str(), s.endpoints[0].port),
            ("envuser", "envdb", 6000)
        );
        assert_eq!(s.tls.mode, "disable");
        assert_eq!(s.password.unwrap().expose(), "envpass");
        let s = spec("postgres://u:urlpass@db:5433/d?sslmode=require", &env).unwrap();
        assert_eq!(
            (s.user.as_str(), s.dbname.as_str(), s.endpoints[0].port),
            ("u", "d", 5433)
        );
        assert_eq!(s.tls.mode, "require");
        assert_eq!(s.password.unwrap().expose(), "urlpass");
    }

    #[test]
    fn prisma_reads_only_the_url() {
        let env = Env::from_pairs([
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpass"),
            ("PGSSLMODE", "disable"),
        ]);
        let prisma = Reading::of(Client::Prisma);
        let spec = |url: &str| build(parse(url, prisma).unwrap().opts, &env, "osuser", prisma);
        assert!(
            spec("postgres://db").is_err(),
            "no user name: Prisma sends none"
        );
        let s = spec("postgres://u@db").unwrap();
        assert_eq!((s.user.as_str(), s.dbname.as_str()), ("u", "postgres"));
        assert!(s.password.is_none());
        assert_eq!(s.tls.mode, "prefer");
        let p = parse("postgres:///d?user=x", prisma).unwrap();
        assert_eq!(
            (p.get("host"), p.get("user")),
            (Some("localhost"), Some(""))
        );
        assert!(spec("postgres://h1,h2/d").is_err());
    }

    #[test]
    fn ports_match_hosts() {
        let s = spec("postgres://h1:5432,h2:5433,h3/d", &[]).unwrap();
        let ports: Vec<u16> = s.endpoints.iter().map(|e| e.port).collect();
        assert_eq!(ports, vec![5432, 5433, 5432]);
        let s = spec("postgres:///d?host=h1,h2&port=7000", &[]).unwrap();
        assert!(s.endpoints.iter().all(|e| e.port == 7000));
        assert!(spec("postgres:///d?host=h1,h2,h3&port=1,2", &[]).is_err());
    }

    #[test]
    fn invalid_values() {
        for url in [
            "postgres://h:0/d",
            "postgres://h:65536/d",
            "postgres://h:abc/d",
            "postgres://h/d?sslmode=verify",
            "postgres://h/d?target_session_attrs=writer",
            "postgres://h/d?connect_timeout=soon",
        ] {
            assert!(spec(url, &[]).is_err(), "{url}");
        }
    }

    #[test]
    fn connect_timeout_like_libpq() {
        assert_eq!(
            spec("postgres://h/d?connect_timeout=1", &[])
                .unwrap()
                .connect_timeout,
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            spec("postgres://h/d?connect_timeout=0", &[])
                .unwrap()
                .connect_timeout,
            None
        );
        assert_eq!(
            spec("postgres://h/d?connect_timeout=7", &[])
                .unwrap()
                .connect_timeout,
            Some(Duration::from_secs(7))
        );
    }
}

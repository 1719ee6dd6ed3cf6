//! Whose rules a URL is judged by. libpq, Prisma's engine and node-postgres read the
//! same URL differently — above all its TLS parameters — and a gate must connect
//! exactly where the app's own client would. This module turns a client's reading
//! of the options into a [`TlsPolicy`]: which TLS attempts, verified how, against
//! which roots, with which client identity. No I/O beyond checking that default
//! files exist.

use std::path::{Path, PathBuf};

use super::conninfo::{shown_value, Opt, ParseError};
pub use super::vocab::Client;
use crate::secret::Password;

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Nothing: encryption only.
    None,
    /// The chain up to a trusted root, not the host name (libpq `verify-ca`).
    Chain,
    /// The chain and the host name (libpq `verify-full`).
    Full,
}

/// One way of negotiating TLS on a fresh connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsPlan {
    /// Plaintext.
    Off,
    /// TLS if the server offers it (plaintext if it says no), verified as given.
    Prefer(Verify),
    /// TLS or fail, verified as given.
    Require(Verify),
}

/// Which certificates a verifying connection trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Roots {
    /// The CA file(s) named.
    File(PathBuf),
    /// The system store (`SSL_CERT_FILE` or the distribution bundle), else the
    /// bundled Mozilla roots.
    System,
    /// The system store plus a CA file (Prisma's `sslcert`).
    SystemAnd(PathBuf),
    /// The bundled Mozilla roots (what Node.js ships).
    Mozilla,
    /// No roots configured: verification cannot succeed (libpq refuses to start).
    Missing,
}

/// The client certificate to present, if any.
#[derive(Clone, Debug)]
pub enum Identity {
    /// None.
    None,
    /// PEM certificate and key files (libpq `sslcert`/`sslkey`).
    Pem {
        /// Certificate chain file.
        cert: PathBuf,
        /// Private key file.
        key: PathBuf,
    },
    /// A PKCS#12 bundle (Prisma `sslidentity` + `sslpassword`).
    Pkcs12 {
        /// The bundle.
        file: PathBuf,
        /// Its password.
        password: Option<Password>,
    },
}

/// What TLS means for one target under one client's rules.
#[derive(Clone, Debug)]
pub struct TlsPolicy {
    /// The client whose rules these are.
    pub client: Client,
    /// Attempts in order; the next runs only when the previous may fall back.
    pub plans: Vec<TlsPlan>,
    /// Trusted roots for verifying plans.
    pub roots: Roots,
    /// Client certificate.
    pub identity: Identity,
    /// The sslmode as this client understood it, for messages.
    pub mode: String,
    /// `sslnegotiation=direct`: TLS at once, without asking (PostgreSQL 17+).
    pub direct: bool,
}

impl TlsPolicy {
    /// One line saying what the policy does, to compare clients.
    pub fn summary(&self) -> String {
        let verify = |v: Verify| match v {
            Verify::None => "certificate not verified",
            Verify::Chain => "CA verified, host name not checked",
            Verify::Full => "CA and host name verified",
        };
        match self.plans.as_slice() {
            [TlsPlan::Off] => "no TLS".to_string(),
            [TlsPlan::Off, TlsPlan::Require(v)] => format!(
                "plaintext first, TLS if the server insists ({})",
                verify(*v)
            ),
            [TlsPlan::Prefer(v), TlsPlan::Off] => {
                format!("TLS if offered ({}), plaintext if TLS fails", verify(*v))
            }
            [TlsPlan::Prefer(v)] => format!(
                "TLS if offered ({}), no plaintext fallback if it fails",
                verify(*v)
            ),
            [TlsPlan::Require(v)] => format!("TLS required ({})", verify(*v)),
            other => format!("{other:?}"),
        }
    }

    /// Whether any plan verifies the certificate.
    pub fn verifies(&self) -> bool {
        self.plans
            .iter()
            .any(|p| matches!(p, TlsPlan::Prefer(v) | TlsPlan::Require(v) if *v != Verify::None))
    }
}

/// The option values a policy depends on (already merged with the environment
/// where the client reads it).
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// `sslmode`.
    pub sslmode: Option<String>,
    /// `sslrootcert`.
    pub rootcert: Option<String>,
    /// `sslcert`.
    pub cert: Option<String>,
    /// `sslkey`.
    pub key: Option<String>,
    /// Prisma `sslaccept`.
    pub sslaccept: Option<String>,
    /// Prisma `sslidentity`.
    pub identity: Option<String>,
    /// Prisma `sslpassword`.
    pub identity_password: Option<String>,
    /// node-postgres `ssl`.
    pub ssl: Option<String>,
    /// node-postgres `uselibpqcompat`.
    pub libpq_compat: bool,
    /// The home directory (libpq's `~/.postgresql/` defaults).
    pub home: Option<PathBuf>,
    /// The libpq major whose rules apply (libpq only).
    pub libpq_major: u8,
    /// Whether `sslmode` came from the environment, not the string.
    pub env_sslmode: bool,
    /// `sslnegotiation`, from the string or the environment.
    pub negotiation: Option<String>,
}

impl TlsOptions {
    /// Reads the TLS options from URL options; `env` gives the value of a variable
    /// when the client reads the environment.
    pub fn from_opts(
        opts: &[Opt],
        env_value: &dyn Fn(&str) -> Option<String>,
        home: Option<PathBuf>,
    ) -> Self {
        let given = |key: &str| {
            opts.iter()
                .rev()
                .find(|o| o.key == key)
                .map(|o| o.value.clone())
        };
        let either = |key: &str, var: &str| given(key).or_else(|| env_value(var));
        TlsOptions {
            sslmode: either("sslmode", "PGSSLMODE"),
            rootcert: either("sslrootcert", "PGSSLROOTCERT"),
            cert: either("sslcert", "PGSSLCERT"),
            key: either("sslkey", "PGSSLKEY"),
            sslaccept: given("sslaccept"),
            identity: given("sslidentity"),
            identity_password: given("sslpassword"),
            ssl: given("ssl"),
            libpq_compat: given("uselibpqcompat").is_some_and(|v| v == "true"),
            home,
            libpq_major: crate::settings::vocab::libpq::DEFAULT_MAJOR,
            env_sslmode: given("sslmode").is_none() && env_value("PGSSLMODE").is_some(),
            negotiation: None,
        }
    }
}

/// The policy of `client` for these options.
pub fn policy(client: Client, o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    match client {
        Client::Libpq => libpq(o),
        Client::Prisma => Ok(prisma(o)),
        Client::NodePostgres => node_postgres(o),
    }
}

/// libpq: six modes; `require` verifies the chain when a root file is present;
/// `sslrootcert=system` (PostgreSQL 16+) demands verify-full; client certificates
/// from `sslcert`/`sslkey` or `~/.postgresql/postgresql.{crt,key}`.
fn libpq(o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    // libpq 15 reads `system` as a file name.
    let system = o.rootcert.as_deref() == Some("system") && o.libpq_major >= 16;
    let mode = o
        .sslmode
        .clone()
        .unwrap_or_else(|| if system { "verify-full" } else { "prefer" }.to_string());
    let default_dir = o.home.as_ref().map(|h| h.join(".postgresql"));
    let root_file = match &o.rootcert {
        Some(_) if system => None,
        Some(f) => Some(PathBuf::from(f)),
        None => default_dir
            .as_ref()
            .map(|d| d.join("root.crt"))
            .filter(|p| p.exists()),
    };
    // With a root certificate present libpq checks the chain in every TLS mode
    // (OpenSSL's SSL_VERIFY_PEER), which makes `require` behave as `verify-ca`;
    // a named file that does not exist is skipped in those modes.
    let weak = if system || root_file.as_ref().is_some_and(|f| f.exists()) {
        Verify::Chain
    } else {
        Verify::None
    };
    let plans = match mode.as_str() {
        "disable" => vec![TlsPlan::Off],
        "allow" => vec![TlsPlan::Off, TlsPlan::Require(weak)],
        "prefer" => vec![TlsPlan::Prefer(weak), TlsPlan::Off],
        "require" => vec![TlsPlan::Require(weak)],
        "verify-ca" => vec![TlsPlan::Require(Verify::Chain)],
        "verify-full" => vec![TlsPlan::Require(Verify::Full)],
        other => {
            return Err(ParseError::new(format!("invalid sslmode {}", shown_value(other)))
                .hint("libpq knows disable, allow, prefer, require, verify-ca, verify-full (no-verify is node-postgres's)"))
        }
    };
    if system && mode != "verify-full" {
        return Err(ParseError::new(format!(
            "weak sslmode `{mode}` may not be used with sslrootcert=system"
        ))
        .hint("use sslmode=verify-full with sslrootcert=system (PostgreSQL 16+ libpq rule)"));
    }
    let direct = direct(o, &mode, &["require", "verify-ca", "verify-full"])?;
    let roots = match (system, root_file) {
        (true, _) => Roots::System,
        (false, Some(f)) => Roots::File(f),
        (false, None) => Roots::Missing,
    };
    let identity = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => pem_identity(PathBuf::from(c), PathBuf::from(k)),
        (Some(c), None) => pem_identity(
            PathBuf::from(c),
            default_dir.map_or_else(
                || PathBuf::from("postgresql.key"),
                |d| d.join("postgresql.key"),
            ),
        ),
        _ => default_dir
            .map(|d| pem_identity(d.join("postgresql.crt"), d.join("postgresql.key")))
            .unwrap_or(Identity::None),
    };
    Ok(TlsPolicy {
        client: Client::Libpq,
        plans,
        roots,
        identity,
        mode,
        direct,
    })
}

/// `sslnegotiation`: `direct` starts TLS at once, which needs a mode that never
/// goes without it (libpq: require or stronger; node-postgres: TLS on).
fn direct(o: &TlsOptions, mode: &str, strong: &[&str]) -> Result<bool, ParseError> {
    match o.negotiation.as_deref() {
        None | Some("postgres") => Ok(false),
        Some("direct") if strong.contains(&mode) => Ok(true),
        Some("direct") => Err(ParseError::new(format!(
            "weak sslmode `{mode}` may not be used with sslnegotiation=direct"
        ))
        .hint("use sslmode=require, verify-ca or verify-full with sslnegotiation=direct")),
        Some(other) => Err(ParseError::new(format!(
            "invalid sslnegotiation value {}",
            shown_value(other)
        ))
        .hint("use postgres (the default) or direct")),
    }
}

/// A PEM identity when the certificate file exists (libpq skips a missing one).
fn pem_identity(cert: PathBuf, key: PathBuf) -> Identity {
    if Path::new(&cert).exists() {
        Identity::Pem { cert, key }
    } else {
        Identity::None
    }
}

/// Prisma's engine (quaint): `sslmode` disable/prefer/require, anything else is
/// `prefer`; verification only with `sslaccept=strict` (the default is
/// `accept_invalid_certs`; an unknown value is `strict`); `sslcert` is the server's
/// CA, added to the system store; `prefer` has no plaintext fallback once a
/// handshake fails (tokio-postgres).
fn prisma(o: &TlsOptions) -> TlsPolicy {
    let verify = match o.sslaccept.as_deref() {
        None | Some("accept_invalid_certs") => Verify::None,
        Some(_) => Verify::Full,
    };
    let mode = match o.sslmode.as_deref() {
        Some("disable") => "disable",
        Some("require") => "require",
        _ => "prefer",
    };
    let plans = match mode {
        "disable" => vec![TlsPlan::Off],
        "require" => vec![TlsPlan::Require(verify)],
        _ => vec![TlsPlan::Prefer(verify)],
    };
    let roots = match &o.cert {
        Some(ca) => Roots::SystemAnd(PathBuf::from(ca)),
        None => Roots::System,
    };
    let identity = match &o.identity {
        Some(file) => Identity::Pkcs12 {
            file: PathBuf::from(file),
            password: o.identity_password.clone().map(Password::new),
        },
        None => Identity::None,
    };
    TlsPolicy {
        client: Client::Prisma,
        plans,
        roots,
        identity,
        mode: mode.to_string(),
        direct: false,
    }
}

/// node-postgres 8.23 (`pg-connection-string` 2.14 and `ConnectionParameters`):
/// no TLS unless the URL asks (`ssl`, `sslmode`, a certificate parameter,
/// `sslnegotiation=direct`) or, when it says nothing about TLS, `PGSSLMODE` does;
/// then TLS is required and `prefer`, `require`, `verify-ca` all verify like
/// `verify-full`, against Node's bundled Mozilla roots or only the `sslrootcert`
/// CA; `no-verify` skips verification. `uselibpqcompat=true` switches to libpq's
/// meanings (still without plaintext fallback).
fn node_postgres(o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    let mode = o.sslmode.clone().unwrap_or_default();
    let verify = if o.env_sslmode {
        match mode.as_str() {
            "prefer" | "require" | "verify-ca" | "verify-full" => Some(Verify::Full),
            "no-verify" => Some(Verify::None),
            _ => None,
        }
    } else {
        node_url_tls(o, &mode)?
    };
    let direct = match o.negotiation.as_deref() {
        None | Some("postgres") => false,
        Some("direct") if verify.is_some() => true,
        Some("direct") => {
            return Err(ParseError::new(
                "sslnegotiation=direct requires SSL to be enabled (node-postgres)",
            )
            .hint("add sslmode=verify-full (or ssl=true) to the URL"))
        }
        Some(other) => {
            return Err(ParseError::new(format!(
                "invalid sslnegotiation value {}: node-postgres knows postgres and direct",
                shown_value(other)
            )))
        }
    };
    let plans = match verify {
        None => vec![TlsPlan::Off],
        Some(v) => vec![TlsPlan::Require(v)],
    };
    let roots = match &o.rootcert {
        Some(ca) => Roots::File(PathBuf::from(ca)),
        None => Roots::Mozilla,
    };
    let identity = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Identity::Pem {
            cert: PathBuf::from(c),
            key: PathBuf::from(k),
        },
        _ => Identity::None,
    };
    let shown = match (verify, mode.is_empty()) {
        (None, _) => "disable".to_string(),
        (Some(_), true) => "verify-full".to_string(),
        (Some(_), false) => mode,
    };
    Ok(TlsPolicy {
        client: Client::NodePostgres,
        plans,
        roots,
        identity,
        mode: shown,
        direct,
    })
}

/// The verification node-postgres ends up with from the URL's own TLS
/// parameters (`None`: no TLS).
fn node_url_tls(o: &TlsOptions, mode: &str) -> Result<Option<Verify>, ParseError> {
    // `ssl`: true/1 on, 0 off, no-verify unverified, any other text is truthy.
    let mut verify = match o.ssl.as_deref() {
        None => None,
        Some("0") => None,
        Some("no-verify") => Some(Verify::None),
        Some(_) => Some(Verify::Full),
    };
    let has_ssl_object =
        o.cert.is_some() || o.key.is_some() || o.rootcert.is_some() || o.sslmode.is_some();
    if has_ssl_object {
        verify = Some(Verify::Full);
    }
    if o.ssl.is_none() && !has_ssl_object && o.negotiation.as_deref() == Some("direct") {
        verify = Some(Verify::Full);
    }
    if o.libpq_compat {
        return Ok(match mode {
            "disable" => None,
            "prefer" => Some(Verify::None),
            "require" if o.rootcert.is_some() => Some(Verify::Chain),
            "require" => Some(Verify::None),
            "verify-ca" if o.rootcert.is_none() => {
                return Err(ParseError::new(
                    "sslmode=verify-ca with uselibpqcompat=true needs sslrootcert",
                )
                .hint("give the CA with sslrootcert=/path/ca.pem, or use sslmode=verify-full"))
            }
            "verify-ca" => Some(Verify::Chain),
            _ => verify,
        });
    }
    Ok(match mode {
        "disable" => None,
        "no-verify" => Some(Verify::None),
        _ => verify,
    })
}

/// Parameters only node-postgres reads.
pub const NODE_POSTGRES_ONLY: &[&str] = &["ssl", "uselibpqcompat"];

/// Parameters only Prisma reads.
pub const PRISMA_ONLY: &[&str] = &[
    "schema",
    "connection_limit",
    "pool_timeout",
    "pgbouncer",
    "sslaccept",
    "sslidentity",
    "socket_timeout",
    "statement_cache_size",
    "max_connection_lifetime",
    "max_idle_connection_lifetime",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> TlsOptions {
        let opts: Vec<Opt> = pairs
            .iter()
            .map(|(k, v)| Opt {
                key: k.to_string(),
                value: v.to_string(),
            })
            .collect();
        TlsOptions::from_opts(&opts, &|_| None, None)
    }

    fn plans(client: Client, pairs: &[(&str, &str)]) -> Vec<TlsPlan> {
        policy(client, &opts(pairs)).unwrap().plans
    }

    #[test]
    fn libpq_modes() {
        use TlsPlan::*;
        use Verify::*;
        assert_eq!(plans(Client::Libpq, &[]), [Prefer(None), Off]);
        assert_eq!(plans(Client::Libpq, &[("sslmode", "disable")]), [Off]);
        assert_eq!(
            plans(Client::Libpq, &[("sslmode", "allow")]),
            [Off, Require(None)]
        );
        assert_eq!(
            plans(Client::Libpq, &[("sslmode", "require")]),
            [Require(None)]
        );
        let ca = tempfile::NamedTempFile::new().unwrap();
        let ca = ca.path().to_str().unwrap();
        assert_eq!(
            plans(
                Client::Libpq,
                &[("sslmode", "require"), ("sslrootcert", ca)]
            ),
            [Require(Chain)]
        );
        assert_eq!(
            plans(
                Client::Libpq,
                &[
                    ("sslmode", "require"),
                    ("sslrootcert", "/nonexistent/ca.pem")
                ]
            ),
            [Require(None)],
            "a root file that does not exist is skipped under require"
        );
        assert_eq!(
            plans(Client::Libpq, &[("sslmode", "verify-ca")]),
            [Require(Chain)]
        );
        assert_eq!(
            plans(Client::Libpq, &[("sslmode", "verify-full")]),
            [Require(Full)]
        );
        assert_eq!(
            plans(Client::Libpq, &[("sslrootcert", "system")]),
            [Require(Full)]
        );
        assert!(policy(
            Client::Libpq,
            &opts(&[("sslmode", "require"), ("sslrootcert", "system")])
        )
        .is_err());
        assert!(policy(Client::Libpq, &opts(&[("sslmode", "no-verify")])).is_err());
        assert_eq!(
            policy(Client::Libpq, &opts(&[("sslmode", "verify-full")]))
                .unwrap()
                .roots,
            Roots::Missing
        );
    }

    #[test]
    fn prisma_reads_fewer_modes_and_sslaccept() {
        use TlsPlan::*;
        use Verify::*;
        assert_eq!(plans(Client::Prisma, &[]), [Prefer(None)]);
        assert_eq!(
            plans(Client::Prisma, &[("sslmode", "verify-full")]),
            [Prefer(None)],
            "unknown → prefer"
        );
        assert_eq!(
            plans(Client::Prisma, &[("sslmode", "require")]),
            [Require(None)]
        );
        assert_eq!(
            plans(
                Client::Prisma,
                &[("sslmode", "require"), ("sslaccept", "strict")]
            ),
            [Require(Full)]
        );
        assert_eq!(
            plans(Client::Prisma, &[("sslaccept", "bogus")]),
            [Prefer(Full)],
            "unknown sslaccept → strict"
        );
        assert_eq!(plans(Client::Prisma, &[("sslmode", "disable")]), [Off]);
        let p = policy(Client::Prisma, &opts(&[("sslcert", "/ca.pem")])).unwrap();
        assert_eq!(p.roots, Roots::SystemAnd("/ca.pem".into()));
    }

    #[test]
    fn node_postgres_verifies_whenever_tls_is_asked_for() {
        use TlsPlan::*;
        use Verify::*;
        assert_eq!(plans(Client::NodePostgres, &[]), [Off]);
        for mode in ["prefer", "require", "verify-ca", "verify-full"] {
            assert_eq!(
                plans(Client::NodePostgres, &[("sslmode", mode)]),
                [Require(Full)],
                "{mode}"
            );
        }
        assert_eq!(
            plans(Client::NodePostgres, &[("sslmode", "no-verify")]),
            [Require(None)]
        );
        assert_eq!(
            plans(Client::NodePostgres, &[("ssl", "true")]),
            [Require(Full)]
        );
        assert_eq!(
            plans(
                Client::NodePostgres,
                &[("sslmode", "require"), ("uselibpqcompat", "true")]
            ),
            [Require(None)]
        );
        assert_eq!(
            policy(Client::NodePostgres, &opts(&[("sslmode", "require")]))
                .unwrap()
                .roots,
            Roots::Mozilla
        );
    }

    #[test]
    fn summaries_tell_the_clients_apart() {
        let o = opts(&[("sslmode", "require")]);
        let libpq = policy(Client::Libpq, &o).unwrap().summary();
        let node = policy(Client::NodePostgres, &o).unwrap().summary();
        assert_eq!(libpq, "TLS required (certificate not verified)");
        assert_eq!(node, "TLS required (CA and host name verified)");
    }
}

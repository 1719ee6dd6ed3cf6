//! Whose rules a URL is judged by. libpq, Prisma's engine and node-postgres read the
//! same URL differently — above all its TLS parameters — and a gate must connect
//! exactly where the app's own client would. This module turns a client's reading
//! of the options into a [`TlsPolicy`]: which TLS attempts, verified how, against
//! which roots, with which client identity. No I/O beyond checking that default
//! files exist.

mod libpq;
mod node_postgres;
mod prisma;

use std::path::PathBuf;

use super::conninfo::{Opt, ParseError};
use crate::secret::Password;
pub use crate::vocab::{Client, SslMode};

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
    pub mode: SslMode,
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
            libpq_major: crate::vocab::libpq::DEFAULT_MAJOR,
            env_sslmode: given("sslmode").is_none() && env_value("PGSSLMODE").is_some(),
            negotiation: None,
        }
    }
}

/// The policy of `client` for these options.
pub fn policy(client: Client, o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    match client {
        Client::Libpq => libpq::libpq(o),
        Client::Prisma => Ok(prisma::prisma(o)),
        Client::NodePostgres => node_postgres::node_postgres(o),
    }
}

#[cfg(test)]
mod tests;

//! What one attempt against one target produced: readiness with server facts, or a
//! classified failure with its message and fixes. Reports render these; nothing here
//! does I/O.

use std::time::Duration;

use serde::Serialize;

use crate::class::{Class, Topic};

/// A stage of one attempt, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reading the configuration, before any I/O.
    Config,
    /// Turning a host name into addresses.
    Resolve,
    /// The TCP (or Unix socket) connect.
    Connect,
    /// TLS negotiation and handshake.
    Tls,
    /// Startup packet and authentication.
    Auth,
    /// `SELECT 1` and the session checks.
    Query,
}

impl Stage {
    /// The stage's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Config => "config",
            Stage::Resolve => "resolve",
            Stage::Connect => "connect",
            Stage::Tls => "tls",
            Stage::Auth => "auth",
            Stage::Query => "query",
        }
    }
}

/// Time spent in each stage of an attempt; `None` for a stage not reached.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stages {
    /// Name resolution.
    pub resolve: Option<Duration>,
    /// TCP or socket connect.
    pub connect: Option<Duration>,
    /// TLS request and handshake (zero when TLS was not used).
    pub tls: Option<Duration>,
    /// Startup and authentication.
    pub auth: Option<Duration>,
    /// The readiness query.
    pub query: Option<Duration>,
}

impl Stages {
    /// Records `elapsed` for `stage`, adding to what the stage already took (several
    /// hosts or addresses may be tried in one attempt).
    pub fn add(&mut self, stage: Stage, elapsed: Duration) {
        let slot = match stage {
            Stage::Resolve => &mut self.resolve,
            Stage::Connect => &mut self.connect,
            Stage::Tls => &mut self.tls,
            Stage::Auth => &mut self.auth,
            Stage::Query => &mut self.query,
            Stage::Config => return,
        };
        *slot = Some(slot.unwrap_or_default() + elapsed);
    }
}

/// What the server said about itself on a successful attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerFacts {
    /// `server_version` as reported at startup, e.g. `15.18 (Debian 15.18-0+deb12u1)`.
    pub version: Option<String>,
    /// Which host of the list answered, as `host:port` or the socket path.
    pub endpoint: String,
    /// Whether the session is read-only (a standby, or `default_transaction_read_only`).
    pub read_only: Option<bool>,
    /// Whether the session went over TLS.
    pub tls: bool,
    /// The negotiated TLS version, when TLS was used.
    pub tls_protocol: Option<&'static str>,
    /// Whether the server certificate was verified.
    pub tls_verified: bool,
    /// What identifies the cluster and database (when a check asked for it).
    pub identity: Option<String>,
    /// Our side's TCP port (to see whether the server sees the same one).
    pub local_port: Option<u16>,
    /// The authentication method the server asked for.
    pub auth: Option<crate::vocab::auth::Method>,
}

/// A classified failure: what went wrong, where, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The contract class.
    pub class: Class,
    /// The stage that failed.
    pub stage: Stage,
    /// One line naming the cause, never the password.
    pub message: String,
    /// Fixes specific to this failure, most likely first (generic ones are added by
    /// the report).
    pub hints: Vec<String>,
    /// What it came from, as data (so nothing later reads the message).
    pub cause: Option<Cause>,
    /// The topics its specific hints already cover.
    pub covers: Vec<Topic>,
}

/// The evidence a failure came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The server's (or PgBouncer's) SQLSTATE.
    Sqlstate(String),
    /// The connection string's scheme: missing, or not one the client reads.
    UrlScheme,
    /// The operating system's error for a connect.
    Io(std::io::ErrorKind),
}

impl Cause {
    /// The SQLSTATE, when the cause is one.
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Cause::Sqlstate(code) => Some(code),
            _ => None,
        }
    }
}

impl Failure {
    /// A failure with no specific hints.
    pub fn new(class: Class, stage: Stage, message: impl Into<String>) -> Self {
        Failure {
            class,
            stage,
            message: message.into(),
            hints: Vec::new(),
            cause: None,
            covers: Vec::new(),
        }
    }

    /// Adds a specific hint that covers `topic` (its generic hint is then left out).
    pub fn with_hint_on(mut self, topic: Topic, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self.covers.push(topic);
        self
    }

    /// Records what the failure came from.
    pub fn with_cause(mut self, cause: Cause) -> Self {
        self.cause = Some(cause);
        self
    }

    /// The SQLSTATE it came from, if the server sent one.
    pub fn sqlstate(&self) -> Option<&str> {
        self.cause.as_ref().and_then(Cause::sqlstate)
    }

    /// Adds a specific hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }
}

/// The result of one attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Attempt {
    /// Ready with facts, or a failure.
    pub result: Result<ServerFacts, Failure>,
    /// Stage timings of this attempt.
    pub stages: Stages,
    /// What pgready changed on the way (e.g. a database it created).
    pub actions: Vec<String>,
    /// What each migration tool's history showed (when checked and reached).
    pub migrations: Vec<crate::vocab::migrations::Report>,
    /// The names resolved and addresses dialled, in order.
    pub route: Vec<Step>,
    /// What a ready session showed that may still bite (a direct URL through a
    /// pooler), as hints.
    pub cautions: Vec<String>,
}

impl Attempt {
    /// An attempt with this result and nothing else recorded.
    pub fn of(result: Result<ServerFacts, Failure>) -> Self {
        Attempt {
            result,
            stages: Stages::default(),
            actions: Vec::new(),
            migrations: Vec::new(),
            route: Vec::new(),
            cautions: Vec::new(),
        }
    }
}

/// One step on the way to a server, as an attempt walked it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A host name and the addresses it resolved to.
    Resolved {
        /// The name.
        name: String,
        /// Its addresses, or why there are none.
        result: Result<Vec<std::net::IpAddr>, Failure>,
    },
    /// An address (`ip:port`) or socket path dialled.
    Dialled {
        /// Where.
        to: String,
        /// Whether it accepted.
        result: Result<(), Failure>,
    },
}

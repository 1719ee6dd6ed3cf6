//! The contract: every outcome class, its exit code, its Prisma error code, whether
//! `wait` retries it and at what cost, and the generic fix. One table; the README's
//! table is checked against it by a test.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How a retried failure is paced (see `retry`): by what one more attempt costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cost {
    /// Nothing listens: retrying costs the server nothing, so retry within tens of ms.
    Cheap,
    /// The server is starting or recovering (57P03): each answer forks a backend, so
    /// at most ten a second, steadily, to notice the end of a long recovery.
    Starting,
    /// The server forked a backend (a login, a missing database): back off
    /// exponentially.
    Costly,
    /// No connection slot was free (53300): each attempt takes a slot the app could
    /// have had, so step well back and spread widely.
    Crowded,
    /// A DNS lookup failed: back off, the cluster's DNS is shared.
    Dns,
    /// The attempt itself already waited out a timeout.
    Slow,
}

/// What a hint is about, so the report gives one hint per cause: a specific hint
/// (or a lint finding) on a topic replaces the generic one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    /// The password is not the role's (and how to reset it).
    Password,
    /// Special characters in the password must be percent-encoded.
    PercentEncoding,
    /// The host name: a container's `localhost`, the database service's name.
    HostName,
    /// The TCP side of reaching a server: published ports, `listen_addresses`.
    Network,
}

/// The outcome of one target, as a stable class name (the contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Class {
    /// Reachable, logged in, database present, `SELECT 1` answered.
    Ready,
    /// A bug in pgready, or an unexpected local failure.
    InternalError,
    /// The configuration cannot work: no URL, a URL that does not parse, a bad option.
    InvalidConfig,
    /// The host name does not exist (NXDOMAIN or no address records).
    DnsNotFound,
    /// No DNS server answered, or it failed (SERVFAIL, timeout).
    DnsUnavailable,
    /// Nothing listens on the port (or socket).
    ConnectionRefused,
    /// The TCP connect did not complete in time (host down, packets dropped).
    ConnectTimeout,
    /// Connected, but the server said nothing in time.
    HandshakeTimeout,
    /// The peer closed or reset the connection mid-handshake, or is not PostgreSQL.
    ConnectionClosed,
    /// TLS is required, the server offers none.
    TlsUnsupported,
    /// The server's certificate or host name could not be verified.
    TlsUntrusted,
    /// Any other TLS failure.
    TlsError,
    /// Wrong password (28P01), or the server asked for a password and none was given.
    AuthFailed,
    /// pg_hba rejected the connection, the role is missing or cannot log in, or CONNECT
    /// is not granted.
    AccessRejected,
    /// The database does not exist (3D000).
    DatabaseMissing,
    /// The server is starting, shutting down or in recovery (57P03).
    ServerStarting,
    /// No connection slots left (53300), including slots reserved for superusers.
    TooManyConnections,
    /// A read-write session was required and only a standby (or read-only) answered.
    ReadOnly,
    /// The server is older than `--min-server-version`.
    VersionUnsupported,
    /// The role lacks USAGE or CREATE on the app's schema (or it does not exist).
    SchemaPermissionDenied,
    /// A `--require-table` table does not exist (yet).
    TableMissing,
    /// A `--require-extension` extension is not installed in the database.
    ExtensionMissing,
    /// A migration tool's history table does not exist (its migrations never ran).
    MigrationsMissing,
    /// Shipped or expected migrations are not applied yet (or a run holds the lock).
    MigrationsPending,
    /// A migration is recorded as failed or dirty: the tool refuses to go on.
    MigrationsFailed,
    /// An applied migration's shipped file no longer matches its recorded checksum.
    MigrationsModified,
    /// The database has applied migrations this release does not ship.
    MigrationsUnknown,
    /// A shipped migration sorts before one already applied, and the tool refuses
    /// to run it or will never run it.
    MigrationsOutOfOrder,
    /// The URLs reach different clusters or databases.
    TargetsMismatch,
    /// Stopped by SIGINT or SIGTERM.
    Interrupted,
}

impl Class {
    /// Every class, in contract order.
    pub const ALL: [Class; 30] = [
        Class::Ready,
        Class::InternalError,
        Class::InvalidConfig,
        Class::DnsNotFound,
        Class::DnsUnavailable,
        Class::ConnectionRefused,
        Class::ConnectTimeout,
        Class::HandshakeTimeout,
        Class::ConnectionClosed,
        Class::TlsUnsupported,
        Class::TlsUntrusted,
        Class::TlsError,
        Class::AuthFailed,
        Class::AccessRejected,
        Class::DatabaseMissing,
        Class::ServerStarting,
        Class::TooManyConnections,
        Class::ReadOnly,
        Class::VersionUnsupported,
        Class::SchemaPermissionDenied,
        Class::TableMissing,
        Class::ExtensionMissing,
        Class::MigrationsMissing,
        Class::MigrationsPending,
        Class::MigrationsFailed,
        Class::MigrationsModified,
        Class::MigrationsUnknown,
        Class::MigrationsOutOfOrder,
        Class::TargetsMismatch,
        Class::Interrupted,
    ];

    /// The stable name, as in JSON and the README.
    pub fn name(self) -> &'static str {
        match self {
            Class::Ready => "ready",
            Class::InternalError => "internal_error",
            Class::InvalidConfig => "invalid_config",
            Class::DnsNotFound => "dns_not_found",
            Class::DnsUnavailable => "dns_unavailable",
            Class::ConnectionRefused => "connection_refused",
            Class::ConnectTimeout => "connect_timeout",
            Class::HandshakeTimeout => "handshake_timeout",
            Class::ConnectionClosed => "connection_closed",
            Class::TlsUnsupported => "tls_unsupported",
            Class::TlsUntrusted => "tls_untrusted",
            Class::TlsError => "tls_error",
            Class::AuthFailed => "auth_failed",
            Class::AccessRejected => "access_rejected",
            Class::DatabaseMissing => "database_missing",
            Class::ServerStarting => "server_starting",
            Class::TooManyConnections => "too_many_connections",
            Class::ReadOnly => "read_only",
            Class::VersionUnsupported => "version_unsupported",
            Class::SchemaPermissionDenied => "schema_permission_denied",
            Class::TableMissing => "table_missing",
            Class::ExtensionMissing => "extension_missing",
            Class::MigrationsMissing => "migrations_missing",
            Class::MigrationsPending => "migrations_pending",
            Class::MigrationsFailed => "migrations_failed",
            Class::MigrationsModified => "migrations_modified",
            Class::MigrationsUnknown => "migrations_unknown",
            Class::MigrationsOutOfOrder => "migrations_out_of_order",
            Class::TargetsMismatch => "targets_mismatch",
            Class::Interrupted => "interrupted",
        }
    }

    /// The process exit code. `Interrupted` is 130 (SIGINT); SIGTERM gives 143, see
    /// [`Class::interrupted_exit_code`].
    pub fn exit_code(self) -> i32 {
        match self {
            Class::Ready => 0,
            Class::InternalError => 1,
            Class::InvalidConfig => 2,
            Class::DnsNotFound => 10,
            Class::DnsUnavailable => 11,
            Class::ConnectionRefused => 12,
            Class::ConnectTimeout => 13,
            Class::HandshakeTimeout => 14,
            Class::ConnectionClosed => 15,
            Class::TlsUnsupported => 20,
            Class::TlsUntrusted => 21,
            Class::TlsError => 22,
            Class::AuthFailed => 30,
            Class::AccessRejected => 31,
            Class::DatabaseMissing => 32,
            Class::ServerStarting => 40,
            Class::TooManyConnections => 41,
            Class::ReadOnly => 42,
            Class::VersionUnsupported => 43,
            Class::SchemaPermissionDenied => 44,
            Class::TableMissing => 45,
            Class::ExtensionMissing => 46,
            Class::MigrationsMissing => 50,
            Class::MigrationsPending => 51,
            Class::MigrationsFailed => 52,
            Class::MigrationsModified => 53,
            Class::MigrationsUnknown => 54,
            Class::MigrationsOutOfOrder => 55,
            Class::TargetsMismatch => 60,
            Class::Interrupted => 130,
        }
    }

    /// Every class with its exit code, one `code name` pair each, for `--help`
    /// (generated here so it cannot drift from the table).
    pub fn exit_code_summary() -> String {
        Class::ALL
            .iter()
            .map(|c| match c {
                // A no-break space keeps a code on its name's line when wrapped.
                Class::Interrupted => format!(
                    "{}/{}\u{a0}{}",
                    c.exit_code(),
                    Class::interrupted_exit_code(15),
                    c.name()
                ),
                _ => format!("{}\u{a0}{}", c.exit_code(), c.name()),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// 128 + the signal number, as shells report a process ended by that signal.
    pub fn interrupted_exit_code(signal: i32) -> i32 {
        128 + signal
    }

    /// The Prisma error code an app would print for the same cause.
    pub fn prisma_code(self) -> Option<&'static str> {
        match self {
            Class::InvalidConfig => Some("P1013"),
            Class::DnsNotFound
            | Class::DnsUnavailable
            | Class::ConnectionRefused
            | Class::ConnectTimeout => Some("P1001"),
            Class::HandshakeTimeout => Some("P1002"),
            Class::ConnectionClosed => Some("P1017"),
            Class::TlsUnsupported | Class::TlsUntrusted | Class::TlsError => Some("P1011"),
            Class::AuthFailed => Some("P1000"),
            Class::AccessRejected => Some("P1010"),
            Class::DatabaseMissing => Some("P1003"),
            Class::MigrationsFailed => Some("P3009"),
            _ => None,
        }
    }

    /// How `wait` paces a retry of this class by default; `None`: it ends the wait.
    pub fn default_retry(self) -> Option<Cost> {
        match self {
            Class::ConnectionRefused => Some(Cost::Cheap),
            Class::ServerStarting => Some(Cost::Starting),
            Class::DnsNotFound | Class::DnsUnavailable => Some(Cost::Dns),
            Class::ConnectTimeout | Class::HandshakeTimeout => Some(Cost::Slow),
            Class::TooManyConnections => Some(Cost::Crowded),
            Class::ConnectionClosed
            | Class::DatabaseMissing
            | Class::ReadOnly
            | Class::TableMissing
            | Class::ExtensionMissing
            | Class::MigrationsMissing
            | Class::MigrationsPending => Some(Cost::Costly),
            _ => None,
        }
    }

    /// Whether this failure cannot heal by running again: a Kubernetes Job's
    /// `podFailurePolicy` fails the Job at once on its exit code (the chart's list is
    /// generated from this). A bug, a signal and every retried class may pass.
    pub fn ends_a_job(self) -> bool {
        self.default_retry().is_none()
            && !matches!(
                self,
                Class::Ready | Class::InternalError | Class::Interrupted
            )
    }

    /// The pacing used when `--retry-on` adds a class that is not retried by default.
    pub fn retry_cost_when_forced(self) -> Cost {
        self.default_retry().unwrap_or(Cost::Costly)
    }

    /// Whether a failure's own hints already say all the generic ones would.
    pub fn specific_hints_suffice(self) -> bool {
        matches!(
            self,
            Class::InvalidConfig
                | Class::DatabaseMissing
                | Class::AccessRejected
                | Class::TlsUnsupported
                | Class::TlsUntrusted
                | Class::TargetsMismatch
                | Class::SchemaPermissionDenied
                | Class::MigrationsMissing
                | Class::MigrationsPending
                | Class::MigrationsFailed
                | Class::MigrationsModified
                | Class::MigrationsUnknown
                | Class::MigrationsOutOfOrder
        )
    }

    /// What each of [`Class::generic_hints`] is about, in the same order, where it
    /// has a topic that a specific hint or a lint finding may cover.
    pub fn generic_hint_topics(self) -> &'static [Option<Topic>] {
        match self {
            Class::InvalidConfig => &[Some(Topic::PercentEncoding)],
            Class::DnsNotFound => &[Some(Topic::HostName), None],
            Class::AuthFailed => &[Some(Topic::Password), Some(Topic::PercentEncoding)],
            Class::ConnectionRefused => &[None, Some(Topic::Network), Some(Topic::Network)],
            _ => &[],
        }
    }

    /// The generic fix, in the order the troubleshooting guides check causes.
    pub fn generic_hints(self) -> &'static [&'static str] {
        match self {
            Class::Ready | Class::Interrupted => &[],
            Class::InternalError => &["this is a bug in pgready: please report it with the output above (the password is masked)"],
            Class::InvalidConfig => &["fix the connection string: postgresql://USER:PASSWORD@HOST:5432/DATABASE (percent-encode special characters in the password)"],
            Class::DnsNotFound => &[
                "check the host name: inside Docker Compose or Kubernetes it is the database service's name (e.g. `postgres`), not `localhost`",
                "check that the database service exists and is on the same network as this container (`docker network inspect`, `kubectl get svc`)",
            ],
            Class::DnsUnavailable => &["no DNS server answered: check /etc/resolv.conf and the cluster DNS (CoreDNS pods, `nslookup HOST`)"],
            Class::ConnectionRefused => &[
                "is the database running? `docker compose ps` / `kubectl get pods`; its log should say \"database system is ready to accept connections\"",
                "check the port: 5432 inside the Docker network; a published host port (e.g. 5433) is only for connections from the host",
                "check that PostgreSQL listens on the network (`listen_addresses = '*'`), not only on localhost",
            ],
            Class::ConnectTimeout => &["nothing answered the TCP connect: check the host/IP, firewalls and security groups, and that both containers share a network"],
            Class::HandshakeTimeout => &["something accepted the connection but never spoke PostgreSQL: check the port belongs to PostgreSQL (or PgBouncer) and the server is not overloaded"],
            Class::ConnectionClosed => &["the peer closed the connection: check the port is PostgreSQL's (not an HTTP proxy), and the server log for a crash or restart"],
            Class::TlsUnsupported => &["the server has no TLS: use `sslmode=prefer` or `sslmode=disable` on trusted networks, or enable `ssl = on` on the server"],
            Class::TlsUntrusted => &["give the server's CA with `sslrootcert=/path/ca.pem`, or use `sslmode=require` to encrypt without verifying"],
            Class::TlsError => &["check the server's TLS set-up and the `sslmode` parameter (managed databases usually need `sslmode=require`)"],
            Class::AuthFailed => &[
                "check the user and password in the URL against the database's (POSTGRES_PASSWORD only applies when the data volume is first created)",
                "percent-encode special characters in the password (@ → %40, # → %23, / → %2F, ? → %3F, % → %25)",
            ],
            Class::AccessRejected => &["check pg_hba.conf allows this user, database and address (and whether TLS is required), that the role exists with LOGIN, and that it has CONNECT on the database"],
            Class::DatabaseMissing => &["create the database (`createdb -h HOST -U USER DBNAME` or `CREATE DATABASE ...`), or fix the name in the URL"],
            Class::ServerStarting => &["the server is starting, shutting down or in recovery: wait, or check its log if this lasts"],
            Class::TooManyConnections => &["connections are exhausted: lower the app's pool (`connection_limit` in Prisma URLs), add PgBouncer, or raise `max_connections`; see `SELECT count(*) FROM pg_stat_activity`"],
            Class::ReadOnly => &["a standby (read-only) server answered where a writable primary is required: point the write URL at the primary, or check for a failover"],
            Class::VersionUnsupported => &["upgrade PostgreSQL (or point the URL at a newer server); check the app's documented minimum"],
            Class::SchemaPermissionDenied => &["since PostgreSQL 15 only the database owner may create in schema public: make the app's role own the database (ALTER DATABASE ... OWNER TO ...) or GRANT USAGE, CREATE ON SCHEMA ... TO ..."],
            Class::TableMissing => &["the app's tables are not there yet: run its migrations (e.g. `npx prisma migrate deploy`), or wait for the migration job"],
            Class::ExtensionMissing => &["create the extension as a superuser: CREATE EXTENSION IF NOT EXISTS ...; (managed databases list the extensions they allow)"],
            Class::MigrationsMissing => &["the app's migrations never ran on this database: run them (a migration job, or `pgready wait -- <migrate command>`); `wait` keeps checking until they do"],
            Class::MigrationsPending => &["run the app's migrations (e.g. `npx prisma migrate deploy`), or let the migration job finish; `wait` keeps checking"],
            Class::MigrationsFailed => &["a failed migration blocks every later deploy: repair what it left half-done, mark it resolved with the tool's own command, then deploy again"],
            Class::MigrationsModified => &["a migration file was edited after it was applied: ship it exactly as applied and put the change in a new migration"],
            Class::MigrationsUnknown => &["the database is ahead of (or diverged from) this release: deploy the matching release or image"],
            Class::MigrationsOutOfOrder => &["a migration merged from another branch sorts before one already applied: rename (renumber) it to sort after the newest applied one, or run the tool with its out-of-order option"],
            Class::TargetsMismatch => &["make DATABASE_URL, DATABASE_DIRECT_URL and the read/write URLs point at the same database (a pooler in front of the same cluster is fine)"],
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Class {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Class::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<_> = Class::ALL.iter().map(|c| c.name()).collect();
                format!("unknown class `{s}` (one of: {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests;

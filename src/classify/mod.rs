//! Every upstream error → a [`Failure`] with its contract class, a one-line message
//! and specific fixes. All matching on error codes and strings lives here.
//!
//! Order of evidence: the SQLSTATE of a server error, then the io error kind, then
//! the rustls error inside an io error, then tokio-postgres' top-level Display
//! strings (pinned by tests, since upstream changed them in 0.7.15).

mod server;
mod tls;

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use crate::class::{Class, Topic};
use crate::outcome::{Cause, Failure, Stage};
use crate::secret::scrub;
use crate::settings::require_auth::Refused;
use crate::vocab::auth::OauthRequested;
use crate::vocab::resolve::ResolveError;
use crate::vocab::{Client, SslMode};

/// What the classifier needs to know about the session that failed.
#[derive(Clone, Debug)]
pub struct SessionContext<'a> {
    /// `host:port` or socket path.
    pub endpoint: &'a str,
    /// Role name.
    pub user: &'a str,
    /// Database name.
    pub dbname: &'a str,
    /// Where the password came from, if one was given.
    pub password_source: Option<&'a str>,
    /// The sslmode in force, by name.
    pub sslmode: SslMode,
    /// Whose rules read the URL: TLS fixes are worded in its parameters.
    pub client: Client,
}

/// A failed DNS lookup.
pub fn resolve(host: &str, err: &ResolveError) -> Failure {
    match err {
        ResolveError::NotFound => Failure::new(
            Class::DnsNotFound,
            Stage::Resolve,
            format!("host name `{host}` does not exist (DNS has no address for it)"),
        ),
        ResolveError::Unavailable(detail) => Failure::new(
            Class::DnsUnavailable,
            Stage::Resolve,
            format!("could not resolve `{host}`: {}", scrub(detail)),
        ),
    }
}

/// A stage that did not finish before its deadline.
pub fn timeout(stage: Stage, what: &str, after: Duration) -> Failure {
    let after = format!("{} ms", after.as_millis());
    match stage {
        Stage::Resolve => Failure::new(
            Class::DnsUnavailable,
            stage,
            format!("DNS lookup of `{what}` got no answer within {after}"),
        ),
        Stage::Connect | Stage::Config => Failure::new(
            Class::ConnectTimeout,
            Stage::Connect,
            format!("TCP connect to {what} did not complete within {after} (no answer: host down, or packets dropped by a firewall)"),
        ),
        Stage::Tls | Stage::Auth | Stage::Query => Failure::new(
            Class::HandshakeTimeout,
            stage,
            format!("{what} accepted the connection but did not answer within {after} (during {})", stage.name()),
        ),
    }
}

/// A failed TCP or Unix-socket connect.
pub fn connect(endpoint: &str, err: &io::Error, unix: bool) -> Failure {
    use io::ErrorKind as K;
    let (class, message) = match err.kind() {
        K::ConnectionRefused => (Class::ConnectionRefused, format!("connection refused by {endpoint}: nothing listens there")),
        K::NotFound if unix => (Class::ConnectionRefused, format!("no server socket at {endpoint}: is the server running locally and accepting connections on that socket?")),
        K::TimedOut => (Class::ConnectTimeout, format!("TCP connect to {endpoint} timed out")),
        K::HostUnreachable | K::NetworkUnreachable => (Class::ConnectTimeout, format!("{endpoint} is unreachable: {err}")),
        K::PermissionDenied if unix => (Class::AccessRejected, format!("no permission to open the socket {endpoint}")),
        _ => (Class::ConnectionRefused, format!("cannot connect to {endpoint}: {err}")),
    };
    let failure =
        Failure::new(class, Stage::Connect, scrub(&message)).with_cause(Cause::Io(err.kind()));
    if unix {
        // Ports and listen_addresses are TCP's; a socket has its own causes.
        return failure.with_hint_on(Topic::Network, "check the server's unix_socket_directories and port (the socket file is named after the port), and that this container shares the socket directory (a volume); or connect over TCP with the server's host name");
    }
    failure
}

/// A TLS set-up error (files, roots) before any connection.
pub fn tls_setup(detail: &str) -> Failure {
    Failure::new(Class::InvalidConfig, Stage::Tls, scrub(detail)).with_hint(
        "a certificate file the URL names (sslrootcert, sslcert, sslkey) cannot be used in this container: mount it (a Secret or volume) at that path, or fix the path in the URL",
    )
}

/// A failed startup, authentication, TLS negotiation or query.
pub fn session(err: &tokio_postgres::Error, stage: Stage, ctx: &SessionContext<'_>) -> Failure {
    if scanned::<OauthRequested>(err).is_some() {
        return oauth(ctx);
    }
    if let Some(refused) = scanned::<Refused>(err) {
        return Failure::new(
            Class::AuthFailed,
            Stage::Auth,
            format!("{}: {refused}", ctx.endpoint),
        )
        .with_hint(format!(
            "the server's pg_hba.conf asks for {} for user \"{}\"; change that method, or require_auth in the URL",
            refused.requested.name(),
            ctx.user
        ));
    }
    if let Some(db) = err.as_db_error() {
        return db_error(db, stage, ctx);
    }
    if err.is_closed() {
        return closed(stage, ctx);
    }
    let top = err.to_string();
    let chain = chain(err);
    match top.as_str() {
        "error performing TLS handshake" => tls(err, &chain, ctx),
        "invalid configuration" if chain.contains("password missing") => Failure::new(
            Class::AuthFailed,
            Stage::Auth,
            format!("{} asked for a password for user \"{}\" and none was given", ctx.endpoint, ctx.user),
        )
        .with_hint("put the password in the URL (postgresql://USER:PASSWORD@HOST/DB), PGPASSWORD, or ~/.pgpass"),
        "authentication error" => Failure::new(Class::AccessRejected, Stage::Auth, format!("authentication with {} failed: {chain}", ctx.endpoint))
            .with_hint("check the server's authentication method for this user in pg_hba.conf and the URL's channel_binding"),
        "unexpected message from server" | "error parsing response from server" => not_postgres(stage, ctx, None),
        "error communicating with the server" => io_failure(err, stage, ctx, &chain),
        _ => Failure::new(Class::InternalError, stage, format!("unexpected failure talking to {}: {chain}", ctx.endpoint)),
    }
}

/// The scanner's verdict of type `T` (a `require_auth` refusal, an OAuth request)
/// inside an error's chain, if that is what ended the session.
fn scanned<T: StdError + 'static>(err: &tokio_postgres::Error) -> Option<&T> {
    let mut source: Option<&(dyn StdError + 'static)> = StdError::source(err);
    while let Some(s) = source {
        if let Some(found) = s
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<T>())
        {
            return Some(found);
        }
        source = s.source();
    }
    None
}

/// The whole error chain on one line, secrets removed.
pub fn chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    scrub(&parts.join(": "))
}

/// The server's pg_hba.conf says `oauth` for this role (PostgreSQL 18).
fn oauth(ctx: &SessionContext<'_>) -> Failure {
    Failure::new(
        Class::AccessRejected,
        Stage::Auth,
        format!(
            "{} asks user \"{}\" to authenticate with OAuth (pg_hba.conf method `oauth`, SASL OAUTHBEARER), which pgready does not support yet",
            ctx.endpoint, ctx.user
        ),
    )
    .with_hint("no pgready flag skips authentication (ready means the role logs in): give pgready a role whose pg_hba.conf line uses scram-sha-256, e.g. `host all pgready 0.0.0.0/0 scram-sha-256` above the oauth line, with CONNECT on the database; the app itself keeps its OAuth login")
}

fn closed(stage: Stage, ctx: &SessionContext<'_>) -> Failure {
    Failure::new(
        Class::ConnectionClosed,
        stage,
        format!(
            "{} closed the connection during {}",
            ctx.endpoint,
            stage.name()
        ),
    )
}

fn not_postgres(stage: Stage, ctx: &SessionContext<'_>, detail: Option<String>) -> Failure {
    let detail = detail.map_or(String::new(), |d| format!(" ({d})"));
    Failure::new(
        Class::ConnectionClosed,
        stage,
        format!(
            "the peer at {} does not speak the PostgreSQL protocol{detail}",
            ctx.endpoint
        ),
    )
    .with_hint(
        "the port belongs to another service (an HTTP server or proxy?): check the port in the URL",
    )
}

fn io_failure(
    err: &tokio_postgres::Error,
    stage: Stage,
    ctx: &SessionContext<'_>,
    chain: &str,
) -> Failure {
    let io = find_cause::<io::Error>(err);
    // `InvalidData` comes from the first-byte check (probe::sniff); tokio-postgres'
    // codec says "bytes remaining on stream" when a peer hangs up mid-message.
    match io.map(io::Error::kind) {
        Some(io::ErrorKind::InvalidData) => {
            not_postgres(stage, ctx, io.map(|e| scrub(&e.to_string())))
        }
        _ if chain.contains("bytes remaining on stream") => not_postgres(stage, ctx, None),
        _ => Failure::new(
            Class::ConnectionClosed,
            stage,
            format!(
                "the connection to {} broke during {}: {chain}",
                ctx.endpoint,
                stage.name()
            ),
        ),
    }
}

/// The first cause of type `T` in the chain.
fn find_cause<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut source: Option<&'a (dyn StdError + 'static)> = Some(err);
    while let Some(s) = source {
        if let Some(found) = s.downcast_ref::<T>() {
            return Some(found);
        }
        source = s.source();
    }
    None
}

use server::db_error;
pub use server::{history_error, lost_the_race, HistoryError};
use tls::tls;

#[cfg(test)]
mod tests {
    use super::server::pgbouncer_error;
    use super::*;

    /// The 28000 texts every major wrote (collected by `tests/cases/majors.rs` on
    /// 13 to 18), and the fix each one gets.
    #[test]
    fn access_rejections_in_every_majors_words() {
        let ctx = SessionContext {
            endpoint: "db:5432",
            user: "app",
            dbname: "appdb",
            password_source: None,
            sslmode: SslMode::Prefer,
            client: Client::Libpq,
        };
        let hint = |m: &str| server::access_hint(m, &ctx).unwrap_or_default();
        let no_entry =
            "no pg_hba.conf entry for host \"127.0.0.1\", user \"app\", database \"appdb\"";
        for without_tls in ["SSL off", "no encryption"] {
            let said = format!("{no_entry}, {without_tls}");
            assert!(hint(&said).contains("only over TLS"), "{said}");
        }
        assert!(hint(&format!("{no_entry}, SSL encryption")).contains("add a pg_hba.conf line"));
        assert!(hint("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"blocked\", database \"appdb\", SSL off").contains("reject"));
        assert!(hint("role \"nologin\" is not permitted to log in").contains("LOGIN"));
    }

    #[test]
    fn pgbouncer_messages() {
        assert_eq!(
            pgbouncer_error("pgbouncer cannot connect to server"),
            Some(Class::ConnectionRefused)
        );
        assert_eq!(
            pgbouncer_error("no such database: nope"),
            Some(Class::DatabaseMissing)
        );
        assert_eq!(
            pgbouncer_error("no more connections allowed (max_client_conn)"),
            Some(Class::TooManyConnections)
        );
        assert_eq!(
            pgbouncer_error("database \"x\" does not exist"),
            Some(Class::DatabaseMissing)
        );
        assert_eq!(
            pgbouncer_error("password authentication failed for user \"app\""),
            Some(Class::AuthFailed)
        );
        assert_eq!(pgbouncer_error("server conn crashed?"), None);
        // What PgBouncer relays of 53300, in each major's words (13-15, 16+).
        for full in [
            "remaining connection slots are reserved for non-replication superuser connections",
            "remaining connection slots are reserved for roles with the SUPERUSER attribute",
            "remaining connection slots are reserved for roles with privileges of the \"pg_use_reserved_connections\" role",
        ] {
            assert_eq!(pgbouncer_error(full), Some(Class::TooManyConnections), "{full}");
        }
    }

    #[test]
    fn connect_errors() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            connect("h:1", &refused, false).class,
            Class::ConnectionRefused
        );
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(
            connect("/s", &missing, true).class,
            Class::ConnectionRefused
        );
        let unreachable = io::Error::from(io::ErrorKind::HostUnreachable);
        assert_eq!(
            connect("h:1", &unreachable, false).class,
            Class::ConnectTimeout
        );
    }

    #[test]
    fn timeouts_by_stage() {
        let d = Duration::from_millis(5);
        assert_eq!(timeout(Stage::Resolve, "h", d).class, Class::DnsUnavailable);
        assert_eq!(timeout(Stage::Connect, "h", d).class, Class::ConnectTimeout);
        assert_eq!(timeout(Stage::Auth, "h", d).class, Class::HandshakeTimeout);
        assert_eq!(timeout(Stage::Query, "h", d).class, Class::HandshakeTimeout);
    }
}

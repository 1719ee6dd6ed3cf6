//! The server's own errors (SQLSTATEs, and PgBouncer's messages under 08P01)
//! as classes, with the fixes their cause calls for.

use tokio_postgres::error::SqlState;

use super::SessionContext;
use crate::class::Class;
use crate::class::Topic;
use crate::outcome::{Cause, Failure, Stage};
use crate::secret::scrub;
use crate::vocab::{Client, SslMode};

/// Whether a `CREATE DATABASE` failed because another gate created it between
/// our check and our CREATE.
pub fn lost_the_race(e: &tokio_postgres::Error) -> bool {
    matches!(e.code(), Some(c) if *c == SqlState::DUPLICATE_DATABASE || *c == SqlState::UNIQUE_VIOLATION)
}

/// What a failed read of a migration history table says about the table.
pub enum HistoryError {
    /// A missing column or function: the table has another tool's shape (the
    /// server's message).
    Shape(String),
    /// The role may not read it.
    Privilege,
}

/// Reads a history query's SQLSTATE (`None`: an ordinary session error).
pub fn history_error(e: &tokio_postgres::Error) -> Option<HistoryError> {
    let db = e.as_db_error()?;
    let code = db.code();
    if *code == SqlState::UNDEFINED_COLUMN || *code == SqlState::UNDEFINED_FUNCTION {
        Some(HistoryError::Shape(scrub(db.message())))
    } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
        Some(HistoryError::Privilege)
    } else {
        None
    }
}

pub(super) fn db_error(
    db: &tokio_postgres::error::DbError,
    stage: Stage,
    ctx: &SessionContext<'_>,
) -> Failure {
    let code = db.code();
    let server = scrub(db.message());
    let said = format!("{} said: {server} (SQLSTATE {})", ctx.endpoint, code.code());
    let stage = if stage == Stage::Tls {
        Stage::Auth
    } else {
        stage
    };
    let relayed = (code.code() == "08P01")
        .then(|| pgbouncer_error(&server))
        .flatten();
    if let Some(class) = relayed {
        return Failure::new(class, stage, format!("{said} — this is PgBouncer speaking"))
            .with_cause(Cause::Sqlstate(code.code().to_string()));
    }
    let (class, hint) = match code {
        c if *c == SqlState::INVALID_PASSWORD => (Class::AuthFailed, password_hint(ctx)),
        c if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => (Class::AccessRejected, access_hint(&server, ctx)),
        c if *c == SqlState::INSUFFICIENT_PRIVILEGE => (
            Class::AccessRejected,
            // At login it is CONNECT; later, a check's query was refused.
            (stage == Stage::Auth).then(|| format!("grant it: GRANT CONNECT ON DATABASE \"{}\" TO \"{}\";", ctx.dbname, ctx.user)),
        ),
        c if *c == SqlState::INVALID_CATALOG_NAME => (
            Class::DatabaseMissing,
            Some(format!("create it: CREATE DATABASE \"{}\" OWNER \"{}\"; (or createdb), or fix the database name in the URL", ctx.dbname, ctx.user)),
        ),
        c if *c == SqlState::CANNOT_CONNECT_NOW => (Class::ServerStarting, None),
        c if *c == SqlState::TOO_MANY_CONNECTIONS => (Class::TooManyConnections, None),
        c if c.code().starts_with("57P") => (Class::ServerStarting, None),
        c if c.code().starts_with("53") => (Class::TooManyConnections, None),
        c if c.code().starts_with("28") => (Class::AccessRejected, access_hint(&server, ctx)),
        _ => (Class::AccessRejected, None),
    };
    let mut failure =
        Failure::new(class, stage, said).with_cause(Cause::Sqlstate(code.code().to_string()));
    if class == Class::AuthFailed && hint.is_some() {
        failure.covers.push(Topic::Password);
    }
    failure.hints.extend(hint);
    failure
}

/// PgBouncer reports its own failures, and relays the server's login errors, with
/// SQLSTATE 08P01 and only a message.
pub(super) fn pgbouncer_error(message: &str) -> Option<Class> {
    let m = message.to_ascii_lowercase();
    type Matcher = fn(&str) -> bool;
    let patterns: [(Matcher, Class); 8] = [
        (
            |m| m.starts_with("database \"") && m.ends_with("does not exist"),
            Class::DatabaseMissing,
        ),
        (
            |m| m.starts_with("no such database"),
            Class::DatabaseMissing,
        ),
        (
            |m| m.starts_with("password authentication failed"),
            Class::AuthFailed,
        ),
        (|m| m.starts_with("no such user"), Class::AccessRejected),
        (
            |m| m.contains("the database system is"),
            Class::ServerStarting,
        ),
        (
            |m| m.contains("too many clients") || m.contains("remaining connection slots"),
            Class::TooManyConnections,
        ),
        (
            |m| m.contains("no more connections allowed"),
            Class::TooManyConnections,
        ),
        (
            |m| {
                m.contains("pgbouncer cannot connect to server")
                    || m.contains("server login has been failing")
            },
            Class::ConnectionRefused,
        ),
    ];
    patterns
        .iter()
        .find(|(matches, _)| matches(&m))
        .map(|(_, class)| *class)
}

pub(super) fn password_hint(ctx: &SessionContext<'_>) -> Option<String> {
    Some(match ctx.password_source {
        Some("the URL") | None => format!(
            "the password in the URL is not the password of role \"{}\" on this server (the official image sets POSTGRES_PASSWORD only when the data volume is first created: reset it with ALTER ROLE \"{}\" PASSWORD '...')",
            ctx.user, ctx.user
        ),
        Some(source) => format!("the password came from {source}: check it is the password of role \"{}\"", ctx.user),
    })
}

pub(super) fn access_hint(server: &str, ctx: &SessionContext<'_>) -> Option<String> {
    // 28000 is shared by every pg_hba and login refusal, so the text decides;
    // a connection without TLS is "SSL off" on 13, "no encryption" from 14 on.
    let without_tls = server.ends_with("SSL off") || server.contains("no encryption");
    if server.contains("no pg_hba.conf entry") && without_tls && ctx.sslmode != SslMode::Require {
        Some(match ctx.client {
            Client::NodePostgres => "the server accepts this user only over TLS: add sslmode=verify-full (with sslrootcert=/path/ca.pem for a private CA) or sslmode=no-verify to the URL".to_string(),
            _ => "the server accepts this user only over TLS: add sslmode=require to the URL".to_string(),
        })
    } else if server.contains("no pg_hba.conf entry") {
        Some(format!("add a pg_hba.conf line allowing user \"{}\" to database \"{}\" from this address, then reload the server", ctx.user, ctx.dbname))
    } else if server.contains("rejects connection") {
        Some("a pg_hba.conf `reject` line matches this connection: allow this user, database and address".to_string())
    } else if server.contains("not permitted to log in") {
        Some(format!("allow it: ALTER ROLE \"{}\" LOGIN;", ctx.user))
    } else if server.contains("does not exist") {
        Some(format!("create the role: CREATE ROLE \"{}\" LOGIN PASSWORD '...'; or fix the user name in the URL", ctx.user))
    } else {
        None
    }
}

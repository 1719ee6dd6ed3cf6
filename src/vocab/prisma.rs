//! The parameters Prisma's engine reads from a PostgreSQL URL (quaint's
//! `PostgresUrl::parse_query_params`, prisma/prisma-engines
//! `quaint/src/connector/postgres/url.rs`). quaint reads no environment variable;
//! unknown parameters are ignored.

use super::Effect::{Applied, Inert};
use super::{key, secret, Key};

/// Every parameter quaint recognises, and the URL parts it reads.
#[rustfmt::skip]
pub const KEYS: &[Key] = &[
    key("host", None, 0, "localhost", Applied, "host name or socket directory (wins over the URL's host)"),
    key("port", None, 0, "5432", Applied, "the URL's port"),
    key("user", None, 0, "", Applied, "the URL's user name (no default: the server refuses none)"),
    secret("password", None, 0, Applied, "the URL's password"),
    key("dbname", None, 0, "postgres", Applied, "the first path segment, as written"),
    key("sslmode", None, 0, "prefer", Applied, "disable, prefer, require (anything else: prefer)"),
    key("sslaccept", None, 0, "accept_invalid_certs", Applied, "strict verifies the chain and host name; anything else but accept_invalid_certs is strict"),
    key("sslcert", None, 0, "", Applied, "a CA file added to the system's trusted CAs"),
    key("sslidentity", None, 0, "", Applied, "a PKCS#12 client identity"),
    secret("sslpassword", None, 0, Applied, "the identity's password"),
    key("schema", None, 0, "public", Inert, "search_path for the app's queries"),
    key("connection_limit", None, 0, "", Inert, "pool size (default: 2 × physical CPUs + 1)"),
    key("pool_timeout", None, 0, "10", Inert, "seconds to wait for a pooled connection"),
    key("socket_timeout", None, 0, "", Inert, "seconds per query read"),
    key("connect_timeout", None, 0, "5", Applied, "seconds to connect (0: no limit)"),
    key("max_connection_lifetime", None, 0, "", Inert, "seconds a pooled connection lives"),
    key("max_idle_connection_lifetime", None, 0, "300", Inert, "seconds an idle pooled connection lives"),
    key("pgbouncer", None, 0, "false", Inert, "PgBouncer transaction-mode compatibility (no prepared statements)"),
    key("statement_cache_size", None, 0, "100", Inert, "prepared statements cached per connection"),
    key("application_name", None, 0, "", Applied, "application_name sent at startup"),
    key("channel_binding", None, 0, "prefer", Applied, "disable, prefer, require (anything else: unchanged)"),
    key("options", None, 0, "", Applied, "server options sent at startup"),
];

/// How quaint parses a parameter's value (a value that does not parse fails the URL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// Whole seconds (`u64`).
    Seconds,
    /// A count (`usize`).
    Count,
    /// `true` or `false` exactly.
    Bool,
}

impl Kind {
    /// What a value of this kind looks like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Seconds => "whole seconds",
            Kind::Count => "a whole number",
            Kind::Bool => "true or false",
        }
    }
}

/// The kind of a recognised parameter's value.
pub fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "socket_timeout"
        | "connect_timeout"
        | "pool_timeout"
        | "max_connection_lifetime"
        | "max_idle_connection_lifetime" => Kind::Seconds,
        "connection_limit" | "statement_cache_size" => Kind::Count,
        "pgbouncer" => Kind::Bool,
        other => {
            super::find(KEYS, other)?;
            Kind::Text
        }
    })
}

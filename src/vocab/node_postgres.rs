//! What node-postgres 8.23 reads from a connection string and the environment
//! (`pg-connection-string` 2.14 `parse()`, `pg/lib/connection-parameters.js`).
//! Every query parameter is kept; the keys below are the ones `pg` uses. An
//! empty value counts as absent (`config[key] || env || default`).

use super::Effect::{Applied, Inert, Unsupported};
use super::{key, secret, Key};

/// The keys `pg` uses, with the variable `ConnectionParameters` falls back to.
#[rustfmt::skip]
pub const KEYS: &[Key] = &[
    key("host", Some("PGHOST"), 0, "localhost", Applied, "host name, or a socket directory when it starts with /"),
    key("port", Some("PGPORT"), 0, "5432", Applied, "port (parseInt: leading digits)"),
    key("user", Some("PGUSER"), 0, "$USER", Applied, "role name"),
    secret("password", Some("PGPASSWORD"), 0, Applied, "password (else ~/.pgpass, when the server asks)"),
    key("database", Some("PGDATABASE"), 0, "", Applied, "the URL's path, decodeURI'd (%2F stays); default: the user name"),
    key("ssl", None, 0, "", Applied, "true/1 (verified TLS), 0 (none), no-verify"),
    key("sslmode", Some("PGSSLMODE"), 0, "disable", Applied, "disable; prefer/require/verify-ca/verify-full all verify; no-verify (PGSSLMODE only when the URL has no TLS parameter)"),
    key("sslrootcert", None, 0, "", Applied, "the only CA trusted (instead of Node's bundled roots)"),
    key("sslcert", None, 0, "", Applied, "client certificate file"),
    key("sslkey", None, 0, "", Applied, "client key file"),
    key("uselibpqcompat", None, 0, "", Applied, "true: libpq's sslmode meanings (still no plaintext fallback)"),
    key("sslnegotiation", Some("PGSSLNEGOTIATION"), 0, "postgres", Applied, "postgres or direct (TLS at once, ALPN postgresql; pg 8.22+)"),
    key("application_name", Some("PGAPPNAME"), 0, "", Applied, "application_name sent at startup"),
    key("fallback_application_name", None, 0, "", Inert, "application_name when none is given"),
    key("options", Some("PGOPTIONS"), 0, "", Applied, "server options sent at startup"),
    key("client_encoding", Some("PGCLIENT_ENCODING"), 0, "", Inert, "read, never sent"),
    key("replication", Some("PGREPLICATION"), 0, "", Unsupported(&[""]), "a replication connection"),
    key("statement_timeout", None, 0, "", Inert, "sent at startup; limits queries, not connecting"),
    key("lock_timeout", None, 0, "", Inert, "sent at startup"),
    key("idle_in_transaction_session_timeout", None, 0, "", Inert, "sent at startup"),
    key("query_timeout", None, 0, "", Inert, "client-side query timeout"),
    key("connect_timeout", Some("PGCONNECT_TIMEOUT"), 0, "", Inert, "read only by pg-native; pg itself uses connectionTimeoutMillis"),
    key("keepalives", None, 0, "", Inert, "ignored by pg (keepAlive comes from code)"),
    key("keepalives_idle", None, 0, "", Inert, "ignored by pg"),
];

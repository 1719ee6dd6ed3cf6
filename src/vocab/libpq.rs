//! libpq's connection options, in libpq's own order (`PQconninfoOptions` in
//! `fe-connect.c`; the test `libpq_vocabulary_is_libpqs` holds this table equal to
//! what `PQconndefaults()` of libpq 15, 16, 17 and 18 lists).

use super::Effect::{Applied, Inert, Unsupported};
use super::{key, secret, Key};

/// The libpq majors pgready can read connection strings as.
pub const MAJORS: std::ops::RangeInclusive<u8> = 15..=18;
/// The major read when none is chosen (what current images and wheels ship).
pub const DEFAULT_MAJOR: u8 = 18;

/// Every option libpq 15–18 knows; `since` is the first major that knows it.
#[rustfmt::skip]
pub const KEYS: &[Key] = &[
    key("service", Some("PGSERVICE"), 15, "", Unsupported(&[]), "a section of pg_service.conf to read options from"),
    key("user", Some("PGUSER"), 15, "", Applied, "role name (default: the operating-system user)"),
    secret("password", Some("PGPASSWORD"), 15, Applied, "password"),
    key("passfile", Some("PGPASSFILE"), 15, "~/.pgpass", Applied, "password file"),
    key("channel_binding", Some("PGCHANNELBINDING"), 15, "prefer", Applied, "SCRAM channel binding: disable, prefer, require"),
    key("connect_timeout", Some("PGCONNECT_TIMEOUT"), 15, "", Applied, "seconds per host (below 2 counts as 2; 0 waits forever)"),
    key("dbname", Some("PGDATABASE"), 15, "", Applied, "database (default: the user name)"),
    key("host", Some("PGHOST"), 15, "/var/run/postgresql", Applied, "host names, addresses or socket directories, comma-separated"),
    key("hostaddr", Some("PGHOSTADDR"), 15, "", Applied, "IP addresses dialled instead of resolving host"),
    key("port", Some("PGPORT"), 15, "5432", Applied, "ports, one or one per host"),
    key("client_encoding", Some("PGCLIENTENCODING"), 15, "", Inert, "client character set (pgready speaks UTF8)"),
    key("options", Some("PGOPTIONS"), 15, "", Applied, "server options sent at startup (-c name=value)"),
    key("application_name", Some("PGAPPNAME"), 15, "", Applied, "application_name sent at startup"),
    key("fallback_application_name", None, 15, "", Inert, "application_name when none is given"),
    key("keepalives", None, 15, "1", Inert, "TCP keepalives on or off"),
    key("keepalives_idle", None, 15, "", Inert, "TCP keepalive idle seconds"),
    key("keepalives_interval", None, 15, "", Inert, "TCP keepalive interval seconds"),
    key("keepalives_count", None, 15, "", Inert, "TCP keepalive probes"),
    key("tcp_user_timeout", None, 15, "", Inert, "TCP user timeout, milliseconds"),
    key("sslmode", Some("PGSSLMODE"), 15, "prefer", Applied, "disable, allow, prefer, require, verify-ca, verify-full"),
    key("sslnegotiation", Some("PGSSLNEGOTIATION"), 17, "postgres", Applied, "postgres (SSLRequest first) or direct (TLS at once; PostgreSQL 17+ servers)"),
    key("sslcompression", Some("PGSSLCOMPRESSION"), 15, "0", Inert, "TLS compression (no longer offered by OpenSSL)"),
    key("sslcert", Some("PGSSLCERT"), 15, "~/.postgresql/postgresql.crt", Applied, "client certificate file"),
    key("sslkey", Some("PGSSLKEY"), 15, "~/.postgresql/postgresql.key", Applied, "client key file"),
    key("sslcertmode", Some("PGSSLCERTMODE"), 16, "allow", Unsupported(&["allow", "disable"]), "disable, allow, require: whether to send the client certificate"),
    secret("sslpassword", None, 15, Applied, "password of an encrypted client key"),
    key("sslrootcert", Some("PGSSLROOTCERT"), 15, "~/.postgresql/root.crt", Applied, "trusted CA file (16+: `system` for the system store)"),
    key("sslcrl", Some("PGSSLCRL"), 15, "", Unsupported(&[""]), "certificate revocation list file"),
    key("sslcrldir", Some("PGSSLCRLDIR"), 15, "", Unsupported(&[""]), "certificate revocation list directory"),
    key("sslsni", Some("PGSSLSNI"), 15, "1", Unsupported(&["1"]), "send the host name in TLS SNI"),
    key("requirepeer", Some("PGREQUIREPEER"), 15, "", Unsupported(&[""]), "operating-system user the socket server must run as"),
    key("require_auth", Some("PGREQUIREAUTH"), 16, "", Applied, "authentication methods the server may ask for"),
    key("min_protocol_version", Some("PGMINPROTOCOLVERSION"), 18, "3.0", Unsupported(&["3.0", ""]), "lowest wire-protocol version accepted"),
    key("max_protocol_version", Some("PGMAXPROTOCOLVERSION"), 18, "", Unsupported(&["3.0", "3.2", "latest", ""]), "highest wire-protocol version requested (pgready speaks 3.0, which every server accepts)"),
    key("ssl_min_protocol_version", Some("PGSSLMINPROTOCOLVERSION"), 15, "TLSv1.2", Unsupported(&["TLSv1", "TLSv1.1", "TLSv1.2", ""]), "lowest TLS version"),
    key("ssl_max_protocol_version", Some("PGSSLMAXPROTOCOLVERSION"), 15, "", Unsupported(&["TLSv1.3", ""]), "highest TLS version"),
    key("gssencmode", Some("PGGSSENCMODE"), 15, "prefer", Unsupported(&["disable", "prefer"]), "GSSAPI encryption: disable, prefer, require"),
    key("krbsrvname", Some("PGKRBSRVNAME"), 15, "postgres", Inert, "Kerberos service name"),
    key("gsslib", Some("PGGSSLIB"), 15, "", Inert, "GSS library (Windows)"),
    key("gssdelegation", Some("PGGSSDELEGATION"), 16, "0", Inert, "delegate GSS credentials"),
    key("replication", None, 15, "", Unsupported(&["", "0", "false", "off", "no"]), "a replication connection"),
    key("target_session_attrs", Some("PGTARGETSESSIONATTRS"), 15, "any", Applied, "any, read-write, read-only, primary, standby, prefer-standby"),
    key("load_balance_hosts", Some("PGLOADBALANCEHOSTS"), 16, "disable", Applied, "disable (hosts in order) or random"),
    secret("scram_client_key", None, 18, Unsupported(&[""]), "SCRAM client key (instead of a password)"),
    secret("scram_server_key", None, 18, Unsupported(&[""]), "SCRAM server key"),
    key("oauth_issuer", None, 18, "", Unsupported(&[""]), "OAuth issuer URL"),
    key("oauth_client_id", None, 18, "", Unsupported(&[""]), "OAuth client id"),
    secret("oauth_client_secret", None, 18, Unsupported(&[""]), "OAuth client secret"),
    key("oauth_scope", None, 18, "", Unsupported(&[""]), "OAuth scope"),
    key("sslkeylogfile", None, 18, "", Inert, "file to log TLS key material to"),
];

/// The values libpq accepts for its closed-set options (checked when it
/// connects, before dialling; `sslmode`, `channel_binding`,
/// `target_session_attrs` and `sslnegotiation` are checked where they are read).
pub const VALUES: &[(&str, &[&str])] = &[
    ("load_balance_hosts", &["disable", "random"]),
    ("sslcertmode", &["disable", "allow", "require"]),
    ("gssencmode", &["disable", "prefer", "require"]),
    (
        "ssl_min_protocol_version",
        &["", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    ),
    (
        "ssl_max_protocol_version",
        &["", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
    ),
    ("min_protocol_version", &["3.0", "3.2", "latest"]),
    ("max_protocol_version", &["3.0", "3.2", "latest"]),
];

/// The option `name` as libpq `major` knows it (`None`: libpq refuses the key).
pub fn lookup(name: &str, major: u8) -> Option<&'static Key> {
    super::find(KEYS, name).filter(|k| k.since <= major)
}

/// What another libpq major reads differently in these options (key, value),
/// given whether the URL held unencoded spaces.
pub fn version_notes<'a>(
    opts: impl Iterator<Item = (&'a str, &'a str)>,
    spaces: bool,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (key, value) in opts {
        if let Some(k) = super::find(KEYS, key).filter(|k| k.since > *MAJORS.start()) {
            notes.push(format!("libpq < {} refuses `{key}`", k.since));
        }
        if key == "sslrootcert" && value == "system" {
            notes.push("libpq < 16 reads sslrootcert=system as a file name".to_string());
        }
    }
    if spaces {
        notes.push("libpq 18 refuses the unencoded spaces in this URL (write %20)".to_string());
    }
    notes.sort();
    notes.dedup();
    notes
}

/// The meaning of a URL or variable that changed between the majors, for
/// `explain` and the lint: (first major with the new meaning, what changed).
pub const CHANGES: &[(u8, &str)] = &[
    (16, "sslrootcert=system uses the system's trusted CAs and implies sslmode=verify-full (libpq 15 reads `system` as a file name)"),
    (16, "require_auth, sslcertmode and load_balance_hosts are known (libpq 15 refuses them)"),
    (17, "sslnegotiation is known (libpq 16 and older refuse it); direct starts TLS without asking"),
    (18, "unencoded spaces in a URL are refused (libpq 17 and older keep them)"),
    (18, "min_protocol_version, max_protocol_version, scram_client_key, oauth_* and sslkeylogfile are known"),
];

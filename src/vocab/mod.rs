//! The shared vocabulary, the bottom layer: it imports nothing of pgready's, and
//! every stage may import it. Here: what each client's connection strings may say
//! (one table per client of the keys it reads, the environment variable that
//! supplies each default, and what pgready does with it — the parsers and the spec
//! builder read these tables; `explain` and the README render them), and the
//! [`auth`] methods, [`names`], [`migrations`] reports, [`resolve`] errors and [`sql`] quoting that
//! several stages share.

pub mod auth;
pub mod libpq;
pub mod migrations;
pub mod names;
pub mod node_postgres;
pub mod prisma;
pub mod resolve;
pub mod sql;

use clap::ValueEnum;

/// The client library whose semantics apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
pub enum Client {
    /// libpq (psql, pg_dump, psycopg, most drivers that wrap it).
    Libpq,
    /// Prisma's Rust engine (quaint): `prisma migrate`, Prisma ≤ 6 query engine.
    Prisma,
    /// node-postgres (`pg`), also behind Prisma 7's `@prisma/adapter-pg` and Drizzle.
    NodePostgres,
}

impl Client {
    /// The name as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Client::Libpq => "libpq",
            Client::Prisma => "prisma",
            Client::NodePostgres => "node-postgres",
        }
    }

    /// Every client, for comparisons.
    pub const ALL: [Client; 3] = [Client::Libpq, Client::Prisma, Client::NodePostgres];
}

/// An `sslmode`, as the client understood it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// Plaintext first, TLS if the server refuses it (libpq).
    Allow,
    /// TLS if offered.
    Prefer,
    /// TLS or fail.
    Require,
    /// TLS, the chain verified.
    VerifyCa,
    /// TLS, chain and host name verified.
    VerifyFull,
    /// TLS, nothing verified (node-postgres).
    NoVerify,
}

impl SslMode {
    /// Every mode.
    pub const ALL: [SslMode; 7] = [
        SslMode::Disable,
        SslMode::Allow,
        SslMode::Prefer,
        SslMode::Require,
        SslMode::VerifyCa,
        SslMode::VerifyFull,
        SslMode::NoVerify,
    ];

    /// The name as written in URLs.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
            SslMode::NoVerify => "no-verify",
        }
    }

    /// The mode named `text`.
    pub fn parse(text: &str) -> Option<SslMode> {
        SslMode::ALL.into_iter().find(|m| m.name() == text)
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What pgready does with a key the client reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// pgready reads it exactly as the client does.
    Applied,
    /// The client reads it, but it cannot change whether or where the client
    /// connects (keepalives, a fallback application name): accepted, shown, unused.
    Inert,
    /// It can change the outcome in a way pgready does not reproduce: any value but
    /// these is `invalid_config` naming the key, never a silently different reading.
    Unsupported(&'static [&'static str]),
}

/// One key of a client's vocabulary.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    /// The name as written in the connection string.
    pub name: &'static str,
    /// The environment variable that supplies the default, if the client reads one.
    pub env: Option<&'static str>,
    /// The first libpq major that knows the key (libpq's table only; 0 elsewhere).
    pub since: u8,
    /// The value when neither the string nor the environment gives one ("" none).
    pub default: &'static str,
    /// Whether the value is a secret (never shown).
    pub secret: bool,
    /// What pgready does with it.
    pub effect: Effect,
    /// What the client does with it, in a few words.
    pub meaning: &'static str,
}

/// Looks a key up in a table.
pub fn find(table: &'static [Key], name: &str) -> Option<&'static Key> {
    table.iter().find(|k| k.name == name)
}

/// A table entry, for the tables' own terse construction.
pub(crate) const fn key(
    name: &'static str,
    env: Option<&'static str>,
    since: u8,
    default: &'static str,
    effect: Effect,
    meaning: &'static str,
) -> Key {
    Key {
        name,
        env,
        since,
        default,
        secret: false,
        effect,
        meaning,
    }
}

/// A secret table entry.
pub(crate) const fn secret(
    name: &'static str,
    env: Option<&'static str>,
    since: u8,
    effect: Effect,
    meaning: &'static str,
) -> Key {
    Key {
        secret: true,
        ..key(name, env, since, "", effect, meaning)
    }
}

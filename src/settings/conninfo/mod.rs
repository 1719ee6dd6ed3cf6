//! Connection strings as each client reads them: libpq (URLs and `key=value`
//! strings, per major), node-postgres and Prisma. Each reader turns the string
//! into options named by its own vocabulary (`crate::vocab`), a redacted copy
//! and notes for the lint; `spec` applies defaults and validates values.
//!
//! tokio-postgres' own parser rejects libpq's TLS parameters and every Prisma
//! parameter, and reads URLs like none of the three clients, so pgready ports
//! each client's parser instead.

pub mod libpq;
pub mod node_postgres;
pub mod prisma;
mod redact;

#[cfg(test)]
mod fuzz;

use std::ops::Range;

pub use crate::vocab::Client;
pub use redact::redact_url_like;

/// Whose rules read the string, and for libpq which major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The client.
    pub client: Client,
    /// The libpq major (15–18) when the client is libpq.
    pub libpq_major: u8,
}

impl Reading {
    /// libpq of the default major.
    pub const LIBPQ: Reading = Reading {
        client: Client::Libpq,
        libpq_major: crate::vocab::libpq::DEFAULT_MAJOR,
    };

    /// `client` with the default libpq major.
    pub fn of(client: Client) -> Reading {
        Reading {
            client,
            ..Reading::LIBPQ
        }
    }

    /// "libpq 18", "prisma", "node-postgres".
    pub fn label(self) -> String {
        match self.client {
            Client::Libpq => format!("libpq {}", self.libpq_major),
            other => other.name().to_string(),
        }
    }
}

/// One `key=value` option, with the key as the client names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opt {
    /// The keyword, e.g. `sslmode`.
    pub key: String,
    /// The decoded value.
    pub value: String,
}

/// What the parser noticed about how the string was written, for the lint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// Whether the string was a URL (rather than `key=value` pairs).
    pub is_url: bool,
    /// Characters that stood unencoded in the URL's password and should have been
    /// percent-encoded (`@ # / ?`).
    pub unencoded_in_password: Vec<char>,
    /// The URL had a database path component.
    pub has_path_dbname: bool,
    /// The URL held unencoded spaces (libpq 18 refuses them).
    pub unencoded_spaces: bool,
}

/// The string split into options, its redacted form, and notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// Options in the order written; later ones override earlier ones.
    pub opts: Vec<Opt>,
    /// The input with every password replaced by `****`.
    pub redacted: String,
    /// Observations for the lint.
    pub notes: Notes,
}

impl Parsed {
    /// The last value given for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        last(&self.opts, key)
    }
}

/// The last value given for `key` (later options override earlier ones).
pub fn last<'a>(opts: &'a [Opt], key: &str) -> Option<&'a str> {
    opts.iter()
        .rev()
        .find(|o| o.key == key)
        .map(|o| o.value.as_str())
}

/// Why a connection string cannot be read. The text never holds the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// The string's scheme is the problem (missing, or not the client's).
    pub scheme: bool,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            hint: None,
            scheme: false,
        }
    }

    /// Marks the error as about the scheme.
    pub(crate) fn about_scheme(mut self) -> Self {
        self.scheme = true;
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Parses a connection string as `reading` says.
pub fn parse(input: &str, reading: Reading) -> Result<Parsed, ParseError> {
    // Not trimmed: a stray newline is part of what the client reads, too.
    if input.trim().is_empty() {
        return Err(ParseError::new("the connection string is empty"));
    }
    if input.contains('\0') {
        return Err(ParseError::new("the connection string contains a NUL byte"));
    }
    match reading.client {
        Client::Libpq => libpq::parse(input, reading.libpq_major),
        Client::NodePostgres => node_postgres::parse(input),
        Client::Prisma => prisma::parse(input),
    }
}

/// Parameters whose value is a secret, for every client.
pub fn is_secret_key(key: &str) -> bool {
    matches!(
        key,
        "password"
            | "sslpassword"
            | "scram_client_key"
            | "scram_server_key"
            | "oauth_client_secret"
    )
}

/// A value for a message: quoted when it reads as a keyword or number (short,
/// letters, digits and `-._`), else described, since a misplaced value may be a
/// password.
pub(crate) fn shown_value(value: &str) -> String {
    let plain = value.len() <= 24
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    if plain {
        format!("`{value}`")
    } else {
        "(a value that is not a keyword or number)".to_string()
    }
}

/// `input` with each secret span replaced by the mask.
fn mask(input: &str, secrets: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for span in secrets {
        out.push_str(&input[at..span.start]);
        out.push_str(crate::secret::MASK);
        at = span.end;
    }
    out.push_str(&input[at..]);
    out
}

/// Characters in a raw password that a URL parser may take for delimiters.
fn unencoded_chars(raw: &str) -> Vec<char> {
    let mut found: Vec<char> = raw.chars().filter(|c| "@#/?".contains(*c)).collect();
    found.sort_unstable();
    found.dedup();
    found
}

#[cfg(test)]
mod tests;

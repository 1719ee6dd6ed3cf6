//! Connection strings exactly as libpq reads them (`fe-connect.c`:
//! `conninfo_uri_parse_options`, `conninfo_uri_parse_params`, `conninfo_uri_decode`
//! and `conninfo_parse`), for one libpq major. The ported test table of
//! `t/001_uri.pl` and the differential against real libpq 15–18 hold it so.
//!
//! Where libpq's message quotes the text it could not read, this one quotes it
//! only when it cannot be a password.

mod keyvalue;

use super::{Notes, Opt, ParseError, Parsed};
use crate::vocab::libpq::lookup;
use keyvalue::conninfo;

const URI_PREFIXES: [&str; 2] = ["postgresql://", "postgres://"];

/// Parses `input` as libpq `major` does.
pub fn parse(input: &str, major: u8) -> Result<Parsed, ParseError> {
    if input.contains('\0') {
        return Err(ParseError::new("the connection string contains a NUL byte"));
    }
    match URI_PREFIXES.iter().find(|p| input.starts_with(*p)) {
        Some(prefix) => {
            let mut parsed = Uri::new(input, prefix.len(), major).parse()?;
            // For the lint: would libpq 18 refuse this URL's spaces?
            parsed.notes.unencoded_spaces = major < 18
                && input.contains(' ')
                && Uri::new(input, prefix.len(), 18).parse().is_err();
            Ok(parsed)
        }
        None => conninfo(input, major),
    }
}

/// One URI being read: the options found so far.
struct Uri<'a> {
    input: &'a str,
    start: usize,
    major: u8,
    opts: Vec<Opt>,
    notes: Notes,
}

impl<'a> Uri<'a> {
    fn new(input: &'a str, start: usize, major: u8) -> Self {
        Uri {
            input,
            start,
            major,
            opts: Vec::new(),
            notes: Notes {
                is_url: true,
                ..Notes::default()
            },
        }
    }

    fn parse(mut self) -> Result<Parsed, ParseError> {
        let s = self.input;
        let mut p = self.userinfo()?;
        let (hosts, ports, end) = self.hosts(p)?;
        if !hosts.is_empty() {
            self.store("host", &hosts, Part::Host)?;
            if hosts.contains('@') {
                // libpq ends the password at the first `@`; the rest became the host.
                self.notes.unencoded_in_password.push('@');
            }
        }
        if !ports.is_empty() {
            self.store("port", &ports, Part::Port)?;
        }
        p = end;
        if p < s.len() && s.as_bytes()[p] != b'?' {
            let db_start = p + 1;
            let db_end = s[db_start..].find('?').map_or(s.len(), |i| db_start + i);
            let dbname = &s[db_start..db_end];
            if !dbname.is_empty() {
                self.notes.has_path_dbname = true;
                self.store("dbname", dbname, Part::Database)?;
            }
            p = db_end;
        }
        if p < s.len() {
            self.params(p + 1)?;
        }
        Ok(Parsed {
            opts: self.opts,
            redacted: super::redact_url_like(s),
            notes: self.notes,
        })
    }

    /// `user[:password]@`, when an `@` comes before the first `/`. Returns where
    /// the host list starts.
    fn userinfo(&mut self) -> Result<usize, ParseError> {
        let s = self.input;
        let rest = &s[self.start..];
        let Some(at) = rest
            .find(['@', '/'])
            .filter(|&i| rest.as_bytes()[i] == b'@')
        else {
            return Ok(self.start);
        };
        let info = &rest[..at];
        let (user, password) = match info.find(':') {
            Some(c) => (&info[..c], Some(&info[c + 1..])),
            None => (info, None),
        };
        if !user.is_empty() {
            self.store("user", user, Part::User)?;
        }
        if let Some(password) = password {
            crate::secret::register(password);
            self.notes.unencoded_in_password = super::unencoded_chars(password);
            if !password.is_empty() {
                self.store("password", password, Part::Password)?;
            }
        }
        Ok(self.start + at + 1)
    }

    /// The host list from `p`: `(hosts, ports, end)`, joined with commas as libpq
    /// stores them, and where the list ended (at `/`, `?` or the end).
    fn hosts(&self, mut p: usize) -> Result<(String, String, usize), ParseError> {
        let s = self.input;
        let b = s.as_bytes();
        let (mut hosts, mut ports) = (String::new(), String::new());
        loop {
            let host;
            if b.get(p) == Some(&b'[') {
                let open = p + 1;
                let close = s[open..].find(']').map(|i| open + i).ok_or_else(|| {
                    ParseError::new("unclosed `[` in an IPv6 host address: end of string reached before its `]`")
                        .hint("write the address in brackets, e.g. postgresql://[::1]:5432/db")
                })?;
                if close == open {
                    return Err(ParseError::new(
                        "the IPv6 host address in the URL is empty (`[]`)",
                    ));
                }
                host = &s[open..close];
                p = close + 1;
                if let Some(&c) = b.get(p).filter(|c| !b":/?,".contains(c)) {
                    return Err(ParseError::new(format!(
                        "unexpected character {} at position {} in the URL (expected `:` or `/` after an IPv6 address)",
                        quote_char(c), p + 1
                    )));
                }
            } else {
                let end = s[p..].find([':', '/', '?', ',']).map_or(s.len(), |i| p + i);
                host = &s[p..end];
                p = end;
            }
            hosts.push_str(host);
            let mut stop = b.get(p).copied();
            if stop == Some(b':') {
                let port_start = p + 1;
                let end = s[port_start..]
                    .find(['/', '?', ','])
                    .map_or(s.len(), |i| port_start + i);
                ports.push_str(&s[port_start..end]);
                p = end;
                stop = b.get(p).copied();
            }
            if stop != Some(b',') {
                return Ok((hosts, ports, p));
            }
            p += 1;
            hosts.push(',');
            ports.push(',');
        }
    }

    /// `key=value&…` from `p`: every key must be one libpq knows.
    fn params(&mut self, p: usize) -> Result<(), ParseError> {
        let s = self.input;
        let mut pos = p;
        while pos < s.len() {
            let end = s[pos..].find('&').map_or(s.len(), |i| pos + i);
            let pair = &s[pos..end];
            let next = if end < s.len() { end + 1 } else { end };
            let Some(eq) = pair.find('=') else {
                return Err(ParseError::new(format!(
                    "missing key/value separator `=` in URL parameter {}",
                    name_of(pair)
                )));
            };
            let (raw_key, raw_value) = (&pair[..eq], &pair[eq + 1..]);
            if raw_value.contains('=') {
                return Err(ParseError::new(format!(
                    "extra key/value separator `=` in URL parameter {}",
                    name_of(raw_key)
                ))
                .hint("percent-encode `=` inside a value as %3D"));
            }
            let mut key = decode(raw_key, self.major, Part::ParamName)?;
            let secret = lookup(&key, self.major).is_some_and(|k| k.secret);
            if secret {
                crate::secret::register(raw_value);
            }
            let part = if secret { Part::Password } else { Part::Param };
            let mut value = decode(raw_value, self.major, part)?;
            if secret {
                crate::secret::register(&value);
            }
            // libpq's JDBC compatibility: `ssl=true` means `sslmode=require`.
            if key == "ssl" && value == "true" {
                (key, value) = ("sslmode".into(), "require".into());
            }
            store_checked(&mut self.opts, &key, value, self.major).map_err(|_| {
                ParseError::new(format!("invalid URL parameter {}", name_of(&key)))
                    .hint(unknown_key_hint(&key, self.major))
            })?;
            pos = next;
        }
        Ok(())
    }

    /// Decodes a URL component and stores it as `key`.
    fn store(&mut self, key: &str, raw: &str, part: Part) -> Result<(), ParseError> {
        let value = decode(raw, self.major, part)?;
        if part == Part::Password {
            crate::secret::register(&value);
        }
        self.opts.push(Opt {
            key: key.to_string(),
            value,
        });
        Ok(())
    }
}

/// Stores `key=value` when libpq `major` knows the key (with libpq's old
/// `requiressl` spelling translated); `Err` when it does not.
fn store_checked(opts: &mut Vec<Opt>, key: &str, value: String, major: u8) -> Result<(), ()> {
    let (key, value) = match key {
        "requiressl" if value.starts_with('1') => ("sslmode", "require".to_string()),
        "requiressl" => ("sslmode", "prefer".to_string()),
        other => (other, value),
    };
    lookup(key, major).ok_or(())?;
    opts.push(Opt {
        key: key.to_string(),
        value,
    });
    Ok(())
}

/// Which part of a URL a value came from, for messages that may not quote it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    User,
    Password,
    Host,
    Port,
    Database,
    ParamName,
    Param,
}

impl Part {
    fn describe(self) -> &'static str {
        match self {
            Part::User => "user name",
            Part::Password => "password",
            Part::Host => "host",
            Part::Port => "port",
            Part::Database => "database name",
            Part::ParamName => "parameter name",
            Part::Param => "parameter value",
        }
    }
}

/// libpq's `conninfo_uri_decode`, plus libpq 18's refusal of unencoded spaces.
fn decode(raw: &str, major: u8, part: Part) -> Result<String, ParseError> {
    let what = part.describe();
    // libpq 18 trims spaces around a component and refuses one inside it.
    let raw = if major >= 18 {
        raw.trim_matches(' ')
    } else {
        raw
    };
    if major >= 18 && raw.contains(' ') {
        return Err(ParseError::new(format!(
            "unexpected spaces in the URL's {what}: libpq 18 wants spaces percent-encoded (%20)"
        ))
        .hint("write a space as %20 (libpq 17 and older read a bare space)"));
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .ok_or_else(|| {
                ParseError::new(format!(
                    "invalid percent-encoded token in the {what}: a `%` not followed by two hex digits"
                ))
                .hint(if part == Part::Password {
                    "percent-encode special characters in the password: % → %25, @ → %40, # → %23, / → %2F, ? → %3F"
                } else {
                    "percent-encode a literal % as %25"
                })
            })?;
        let byte = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("00"), 16).unwrap_or(0);
        if byte == 0 {
            return Err(ParseError::new(format!(
                "forbidden value %00 in the percent-encoded {what}"
            )));
        }
        out.push(byte);
        i += 3;
    }
    String::from_utf8(out)
        .map_err(|_| ParseError::new(format!("the {what} is not valid UTF-8 once decoded")))
}

/// Why libpq `major` refuses a key, and what to do.
fn unknown_key_hint(key: &str, major: u8) -> String {
    if let Some(k) = crate::vocab::find(crate::vocab::libpq::KEYS, key) {
        return format!(
            "`{key}` is known from libpq {} on; this URL is read as libpq {major} (--libpq-version)",
            k.since
        );
    }
    for (client, table) in [
        ("Prisma", crate::vocab::prisma::KEYS),
        ("node-postgres", crate::vocab::node_postgres::KEYS),
    ] {
        if crate::vocab::find(table, key).is_some() {
            return format!("`{key}` is {client}'s parameter: libpq (psql, psycopg, …) refuses the whole URL; if {client} reads it, say --client {}", if client == "Prisma" { "prisma" } else { "node-postgres" });
        }
    }
    "libpq refuses the whole connection string over one unknown parameter: remove it or fix its spelling".to_string()
}

/// A parameter's name for a message: quoted when it reads as a keyword.
fn name_of(key: &str) -> String {
    if !key.is_empty()
        && key.len() <= 32
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        format!("`{key}`")
    } else if key.is_empty() {
        "(an empty name)".to_string()
    } else {
        "(a name that is not a keyword)".to_string()
    }
}

fn quote_char(c: u8) -> String {
    if c.is_ascii_graphic() {
        format!("`{}`", c as char)
    } else {
        format!("0x{c:02x}")
    }
}

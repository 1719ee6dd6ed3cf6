//! Connection strings exactly as node-postgres 8.23 reads them
//! (`pg-connection-string` 2.14.1 `parse()`): a WHATWG URL relative to
//! `postgres://base`, read with the `url` crate (the same standard Node's `URL`
//! implements). The ported test table of `test/parse.ts` and the differential
//! against real node-postgres hold it so. Defaults from the environment are the
//! spec builder's (`pg`'s `ConnectionParameters`). The database is `database`, as
//! pg names it (a `dbname` parameter is kept and unused, as in pg).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use super::{Notes, Opt, ParseError, Parsed};

/// What `encodeURI` leaves alone: letters, digits and `;,/?:@&=+$-_.!~*'()#`.
const ENCODE_URI: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'#');

/// Parses `input` as node-postgres does.
pub fn parse(input: &str) -> Result<Parsed, ParseError> {
    if input.starts_with('/') {
        // A bare socket path, optionally followed by a space and a database name.
        let mut words = input.split(' ');
        let mut opts = vec![opt("host", words.next().unwrap_or(""))];
        if let Some(db) = words.next() {
            opts.push(opt("database", db));
        }
        return Ok(Parsed {
            opts,
            redacted: input.to_string(),
            notes: Notes::default(),
        });
    }
    let prepared = prepare(input);
    let (url, dummy_host) = match Url::options().base_url(Some(&base())).parse(&prepared) {
        Ok(u) => (u, false),
        Err(_) => match Url::options()
            .base_url(Some(&base()))
            .parse(&prepared.replacen("@/", "@___DUMMY___/", 1))
        {
            Ok(u) => (u, true),
            Err(e) => {
                return Err(ParseError::new(format!(
                    "node-postgres cannot read the connection string: Invalid URL ({e})"
                ))
                .hint("percent-encode special characters in the user name and password (# → %23, @ → %40, / → %2F)"))
            }
        },
    };
    read(input, &url, dummy_host)
}

fn base() -> Url {
    Url::parse("postgres://base").expect("a valid base URL")
}

/// `parse()`'s repair of unencoded spaces and stray `%`: the whole string through
/// `encodeURI`, then `%25` before two digits back to `%`.
fn prepare(input: &str) -> String {
    let b = input.as_bytes();
    // The regex / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i: a `%` at the very end passes.
    let not_hex = |i: usize| b.get(i).is_some_and(|c| !c.is_ascii_hexdigit());
    let stray_percent = b.iter().enumerate().any(|(i, &c)| {
        c == b'%'
            && (not_hex(i + 1)
                || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && not_hex(i + 2)))
    });
    if !input.contains(' ') && !stray_percent {
        return input.to_string();
    }
    let encoded = utf8_percent_encode(input, ENCODE_URI).to_string();
    let mut out = String::with_capacity(encoded.len());
    let mut rest = encoded.as_str();
    while let Some(i) = rest.find("%25") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        if after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
            out.push('%');
        } else {
            out.push_str("%25");
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn read(input: &str, url: &Url, dummy_host: bool) -> Result<Parsed, ParseError> {
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url.query_pairs() {
        params.retain(|(key, _)| *key != k);
        params.push((k.into_owned(), v.into_owned()));
    }
    let param = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut opts: Vec<Opt> = Vec::new();
    let user = param("user")
        .filter(|u| !u.is_empty())
        .map_or_else(|| component(url.username(), "user name"), Ok)?;
    let password = match param("password").filter(|p| !p.is_empty()) {
        Some(p) => p,
        None => component(url.password().unwrap_or(""), "password")?,
    };
    if !password.is_empty() {
        crate::secret::register(&password);
    }
    if let Some(raw) = url.password() {
        crate::secret::register(raw);
    }
    opts.push(opt("user", &user));
    opts.push(opt("password", &password));
    if url.scheme() == "socket" {
        opts.push(opt("host", &decode_uri(url.path())));
        if let Some(db) = param("db") {
            opts.push(opt("database", &db));
        }
        if let Some(enc) = param("encoding") {
            opts.push(opt("client_encoding", &enc));
        }
        let taken = [
            "user",
            "password",
            "host",
            "database",
            "client_encoding",
            "db",
            "encoding",
        ];
        return Ok(finish(input, opts, &params, &taken));
    }
    let hostname = if dummy_host {
        ""
    } else {
        url.host_str().unwrap_or("")
    };
    let hostname = hostname
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .filter(|h| !h.is_empty())
        .unwrap_or(hostname);
    let mut path = url.path().to_string();
    match param("host").filter(|h| !h.is_empty()) {
        None => opts.push(opt("host", &component(hostname, "host")?)),
        Some(h) => {
            opts.push(opt("host", &h));
            if hostname.len() >= 3 && hostname[..3].eq_ignore_ascii_case("%2f") {
                // `result.pathname = hostname + result.pathname`: the URL's own
                // path setter, which puts the `/` back in front.
                let mut moved = url.clone();
                moved.set_path(&format!("{hostname}{path}"));
                path = moved.path().to_string();
            }
        }
    }
    let port = param("port")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| url.port().map(|p| p.to_string()).unwrap_or_default());
    opts.push(opt("port", &port));
    let db = path.get(1..).unwrap_or("");
    if !db.is_empty() {
        opts.push(opt("database", &decode_uri(db)));
    }
    Ok(finish(
        input,
        opts,
        &params,
        &["user", "password", "host", "port", "database"],
    ))
}

/// The options so far plus every other query parameter (pg keeps them all).
fn finish(input: &str, mut opts: Vec<Opt>, params: &[(String, String)], taken: &[&str]) -> Parsed {
    for (k, v) in params.iter().filter(|(k, _)| !taken.contains(&k.as_str())) {
        opts.push(opt(k, v));
    }
    Parsed {
        opts,
        redacted: super::redact_url_like(input),
        notes: Notes {
            is_url: true,
            ..Notes::default()
        },
    }
}

/// `decodeURIComponent` of a URL component; a malformed escape throws in pg.
fn component(raw: &str, what: &str) -> Result<String, ParseError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            ParseError::new(format!(
                "node-postgres cannot decode the {what}: URI malformed (a percent-escape that is not UTF-8)"
            ))
        })
}

/// `decodeURI`: like `decodeURIComponent`, but escapes of `; / ? : @ & = + $ , #`
/// stay as written (so `%2F` in a database name is kept).
fn decode_uri(raw: &str) -> String {
    let b = raw.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) if !b";/?:@&=+$,#".contains(&byte) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_string())
}

fn opt(key: &str, value: &str) -> Opt {
    Opt {
        key: key.to_string(),
        value: value.to_string(),
    }
}

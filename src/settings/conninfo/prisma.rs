//! Connection strings exactly as Prisma's engine reads them (quaint's
//! `PostgresUrl`, `quaint/src/connector/postgres/url.rs`): a WHATWG URL read with
//! the `url` crate, as quaint does; one host; the database is the first path
//! segment, as written; unknown parameters are ignored; a recognised parameter
//! that does not parse is an error. The ported test table holds it so.

use url::Url;

use super::{Notes, Opt, ParseError, Parsed};
use crate::vocab::prisma::{kind, Kind};

/// Parses `input` as Prisma does.
pub fn parse(input: &str) -> Result<Parsed, ParseError> {
    let url = Url::parse(input).map_err(|e| {
        ParseError::new(format!("Prisma cannot read the connection string: {e}"))
            .hint("write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE, percent-encoding special characters")
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        let scheme = url.scheme();
        let shown = if scheme.len() <= 16 {
            scheme
        } else {
            "(a long scheme)"
        };
        return Err(ParseError::new(format!(
            "`{shown}` is not a PostgreSQL URL scheme for Prisma"
        ))
        .hint("start the URL with postgresql:// (or postgres://)")
        .about_scheme());
    }
    let decode = |raw: &str| {
        percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .map_or_else(|_| raw.to_string(), |s| s.into_owned())
    };
    let password = url.password().map(decode);
    if let Some(p) = &password {
        crate::secret::register(p);
    }
    if let Some(raw) = url.password() {
        crate::secret::register(raw);
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url.query_pairs() {
        params.retain(|(key, _)| *key != k);
        params.push((k.into_owned(), v.into_owned()));
    }
    let host = match params.iter().find(|(k, _)| k == "host") {
        Some((_, h)) => h.clone(),
        None => match url.host_str().unwrap_or("") {
            "" => "localhost".to_string(),
            h => h
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(h)
                .to_string(),
        },
    };
    // quaint takes user, password, port and database from the URL's parts only:
    // query parameters of those names are ignored, so the parts come last (the
    // last value wins).
    let mut opts = Vec::new();
    for (k, v) in params.iter().filter(|(k, _)| k != "host") {
        check_value(k, v)?;
        opts.push(opt(k, v));
    }
    opts.push(opt("host", &host));
    opts.push(opt("port", &url.port().unwrap_or(5432).to_string()));
    opts.push(opt("user", &decode(url.username())));
    if let Some(p) = password {
        opts.push(opt("password", &p));
    }
    if let Some(db) = url.path_segments().and_then(|mut s| s.next()) {
        opts.push(opt("dbname", db));
    }
    Ok(Parsed {
        opts,
        redacted: super::redact_url_like(input),
        notes: Notes {
            is_url: true,
            has_path_dbname: url
                .path_segments()
                .and_then(|mut s| s.next())
                .is_some_and(|d| !d.is_empty()),
            ..Notes::default()
        },
    })
}

/// quaint's typed parameters fail the whole URL when they do not parse.
fn check_value(key: &str, value: &str) -> Result<(), ParseError> {
    let Some(k) = kind(key) else {
        return Ok(());
    };
    let ok = match k {
        Kind::Text => true,
        Kind::Seconds | Kind::Count => value.parse::<u64>().is_ok(),
        Kind::Bool => matches!(value, "true" | "false"),
    };
    if ok {
        Ok(())
    } else {
        Err(ParseError::new(format!(
            "Prisma cannot read `{key}` = {}: {} expected",
            super::shown_value(value),
            k.expected()
        )))
    }
}

fn opt(key: &str, value: &str) -> Opt {
    Opt {
        key: key.to_string(),
        value: value.to_string(),
    }
}

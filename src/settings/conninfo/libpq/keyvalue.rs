//! libpq's `key=value key='quoted value'` form (`conninfo_parse` in
//! fe-connect.c), and what its "missing `=`" error usually means.

use super::super::{mask, Notes, ParseError, Parsed};
use super::{lookup, name_of, store_checked, unknown_key_hint, URI_PREFIXES};

/// libpq's `key=value key='quoted value'` form (`conninfo_parse`).
pub(super) fn conninfo(input: &str, major: u8) -> Result<Parsed, ParseError> {
    let mut opts = Vec::new();
    let mut secrets = Vec::new();
    let b = input.as_bytes();
    let mut p = 0;
    let space = |c: u8| c.is_ascii_whitespace();
    while p < b.len() {
        if space(b[p]) {
            p += 1;
            continue;
        }
        let name_start = p;
        while p < b.len() && b[p] != b'=' && !space(b[p]) {
            p += 1;
        }
        let name = &input[name_start..p];
        while p < b.len() && space(b[p]) {
            p += 1;
        }
        if b.get(p) != Some(&b'=') {
            return Err(missing_equals(name, input, major));
        }
        p += 1;
        while p < b.len() && space(b[p]) {
            p += 1;
        }
        let value_start = p;
        let (value, end) = conninfo_value(input, p)?;
        p = end;
        let secret = lookup(name, major).is_some_and(|k| k.secret);
        if secret {
            secrets.push(value_start..p);
            crate::secret::register(&value);
        }
        store_checked(&mut opts, name, value, major).map_err(|_| {
            ParseError::new(format!("invalid connection option {}", name_of(name)))
                .hint(unknown_key_hint(name, major))
        })?;
    }
    Ok(Parsed {
        redacted: mask(input, &secrets),
        opts,
        notes: Notes::default(),
    })
}

/// A value from `p`: quoted (`'…'`, with `\` escapes) or up to the next space.
/// Returns the value and where reading stopped.
fn conninfo_value(input: &str, mut p: usize) -> Result<(String, usize), ParseError> {
    let b = input.as_bytes();
    let mut value = Vec::new();
    if b.get(p) == Some(&b'\'') {
        p += 1;
        loop {
            match b.get(p) {
                None => {
                    return Err(ParseError::new(
                        "unterminated quoted string in the connection string",
                    ))
                }
                Some(b'\\') => {
                    if let Some(&c) = b.get(p + 1) {
                        value.push(c);
                        p += 2;
                    } else {
                        p += 1;
                    }
                }
                Some(b'\'') => return Ok((lossless(value)?, p + 1)),
                Some(&c) => {
                    value.push(c);
                    p += 1;
                }
            }
        }
    }
    while let Some(&c) = b.get(p) {
        if c.is_ascii_whitespace() {
            break;
        }
        if c == b'\\' {
            p += 1;
            if let Some(&e) = b.get(p) {
                value.push(e);
                p += 1;
            }
        } else {
            value.push(c);
            p += 1;
        }
    }
    Ok((lossless(value)?, p))
}

fn lossless(bytes: Vec<u8>) -> Result<String, ParseError> {
    String::from_utf8(bytes)
        .map_err(|_| ParseError::new("a value in the connection string is not valid UTF-8"))
}

/// libpq's "missing `=` after …", said the way the mistake usually happened: a
/// URL without a scheme, a scheme libpq does not read, or a stray word (quoted
/// only when it is a keyword: a stray word may be a password).
fn missing_equals(name: &str, input: &str, major: u8) -> ParseError {
    if let Some(pos) = input.find("://") {
        let scheme = &input[..pos];
        let is_scheme = !scheme.is_empty()
            && scheme.len() <= 16
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if is_scheme {
            let lowered = format!("{}://", scheme.to_ascii_lowercase());
            let hint = if URI_PREFIXES.contains(&lowered.as_str()) {
                "write the scheme in lowercase: libpq reads only postgresql:// and postgres://"
            } else {
                "start the URL with postgresql:// (or postgres://)"
            };
            return ParseError::new(format!(
                "unsupported scheme `{scheme}://`: libpq reads postgresql:// and postgres:// URLs and takes anything else for key=value pairs"
            ))
            .hint(hint)
            .about_scheme();
        }
    }
    if !input.contains('=') {
        return ParseError::new(
            "the connection string has no scheme: it must start with postgresql:// (or postgres://), else libpq reads it as key=value pairs",
        )
        .hint("write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE")
        .about_scheme();
    }
    let word = if lookup(name, major).is_some() {
        format!("`{name}`")
    } else {
        "a word that is not a keyword".to_string()
    };
    ParseError::new(format!("missing `=` after {word} in the connection string")).hint(
        "write key=value pairs separated by spaces, quoting values with spaces: dbname='my db'",
    )
}

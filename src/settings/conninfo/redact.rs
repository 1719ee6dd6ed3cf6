//! A URL's secrets masked where they stand, however a reader could take them: the password in the
//! user info (up to the last `@` before the query, so an unencoded `@` in a
//! password stays hidden) and the values of secret query parameters.

use super::is_secret_key;
use crate::secret::MASK;

/// `input` with the user-info password and secret parameter values masked.
pub fn redact_url_like(input: &str) -> String {
    let Some(scheme_end) = input.find("://").map(|i| i + 3) else {
        return crate::secret::scrub(input);
    };
    let rest = &input[scheme_end..];
    let query_start = first_query_mark(rest);
    let mut out = input[..scheme_end].to_string();
    let before_query = &rest[..query_start];
    let after_user = match before_query.rfind('@') {
        Some(at) => {
            let info = &rest[..at];
            match info.find(':') {
                Some(c) => {
                    // Whatever a reader takes for the password, this is what the
                    // user wrote as one: keep it out of every message too.
                    crate::secret::register(&info[c + 1..]);
                    out.push_str(&info[..c + 1]);
                    out.push_str(MASK);
                }
                None => out.push_str(info),
            }
            out.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    match after_user.find('?') {
        Some(q) => {
            out.push_str(&after_user[..=q]);
            out.push_str(&mask_query(&after_user[q + 1..]));
        }
        None => out.push_str(after_user),
    }
    // Not scrubbed here: a password that turns out to equal the user name is no
    // secret (the lint says so), and every output scrubs what it prints.
    out
}

/// Where the query starts. A `?` before the last `@` belongs to the password unless
/// the text between them reads as `key=value` (a query value holding an `@`).
fn first_query_mark(rest: &str) -> usize {
    let Some(q) = rest.find('?') else {
        return rest.len();
    };
    match rest.rfind('@') {
        Some(at) if at > q && !rest[q..at].contains('=') => {
            rest[at..].find('?').map_or(rest.len(), |i| at + i)
        }
        _ => q,
    }
}

fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_key(&decode(k)) => format!("{k}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_password_however_written() {
        for (input, shown) in [
            (
                "postgres://u:s3cret@h/d?password=two&sslmode=require",
                "postgres://u:****@h/d?password=****&sslmode=require",
            ),
            (
                "postgres://u:p@ss#w@db:5432/app",
                "postgres://u:****@db:5432/app",
            ),
            (
                "postgres://u:pa?ss@db/app?sslmode=disable",
                "postgres://u:****@db/app?sslmode=disable",
            ),
            ("postgres://u@h/d?email=a@b", "postgres://u@h/d?email=a@b"),
            (
                "postgres://h/d?pass%77ord=x",
                "postgres://h/d?pass%77ord=****",
            ),
        ] {
            assert_eq!(redact_url_like(input), shown, "{input}");
        }
    }
}

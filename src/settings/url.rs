//! Connection strings as libpq reads them: `postgresql://` / `postgres://` URLs and
//! `key=value` strings, turned into a list of libpq options.
//!
//! tokio-postgres' own parser rejects libpq's TLS parameters and every Prisma
//! parameter, so pgready parses the string itself. This module only splits and
//! decodes; `spec` applies defaults and validates values.

use percent_encoding::percent_decode_str;

/// One `key=value` option, with the key as libpq names it.
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

/// Why a connection string cannot be read. The text never holds the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

const SCHEMES: [&str; 2] = ["postgresql://", "postgres://"];

/// Parses a URL or a `key=value` connection string.
pub fn parse(input: &str) -> Result<Parsed, ParseError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(ParseError::new("the connection string is empty"));
    }
    if trimmed.contains('\0') {
        return Err(ParseError::new("the connection string contains a NUL byte"));
    }
    if let Some(rest) = SCHEMES.iter().find_map(|s| strip_prefix_ci(trimmed, s)) {
        let scheme_len = trimmed.len() - rest.len();
        return parse_url(&trimmed[..scheme_len], rest);
    }
    // Quote a scheme only when it is one (RFC 3986: a letter, then letters, digits,
    // `+ - .`): any other text before `://` may hold a password.
    let scheme = trimmed.find("://").map(|pos| &trimmed[..pos]).filter(|s| {
        s.len() <= 16
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if let Some(scheme) = scheme {
        return Err(ParseError::new(format!(
            "unsupported scheme `{scheme}://`: pgready reads PostgreSQL URLs"
        ))
        .hint("start the URL with postgresql:// (or postgres://)"));
    }
    if looks_like_conninfo(trimmed) {
        return parse_conninfo(trimmed);
    }
    Err(ParseError::new(
        "the connection string has no scheme: it must start with postgresql:// (or postgres://)",
    )
    .hint("write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE"))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A `key=value` string starts with a keyword followed by `=`.
fn looks_like_conninfo(s: &str) -> bool {
    let key: String = s
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '=')
        .collect();
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s[key.len()..].trim_start().starts_with('=')
}

/// The byte ranges of a URL's parts: `scheme://[userinfo@]hosts[/path][?query]`.
struct UrlParts<'a> {
    userinfo: Option<&'a str>,
    hosts: &'a str,
    path: Option<&'a str>,
    query: Option<&'a str>,
}

fn split_url(rest: &str) -> UrlParts<'_> {
    // The userinfo ends at the last `@` before the query: a password with an
    // unencoded `@` then still reads as the user meant (Prisma and node-postgres
    // read it so; libpq stops at the first `@`, and the lint says so).
    let query_start = first_query_mark(rest);
    let before_query = &rest[..query_start];
    let (userinfo, after_user) = match before_query.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (location, query) = match after_user.find('?') {
        Some(q) => (&after_user[..q], Some(&after_user[q + 1..])),
        None => (after_user, None),
    };
    let (hosts, path) = match location.find('/') {
        Some(slash) => (&location[..slash], Some(&location[slash + 1..])),
        None => (location, None),
    };
    UrlParts {
        userinfo,
        hosts,
        path,
        query,
    }
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

fn parse_url(scheme: &str, rest: &str) -> Result<Parsed, ParseError> {
    let parts = split_url(rest);
    let mut opts = Vec::new();
    let mut notes = Notes {
        is_url: true,
        ..Notes::default()
    };
    let mut redacted = scheme.to_string();
    if let Some(userinfo) = parts.userinfo {
        let (user, password) = match userinfo.find(':') {
            Some(c) => (&userinfo[..c], Some(&userinfo[c + 1..])),
            None => (userinfo, None),
        };
        let user = decode(user, "user name")?;
        if !user.is_empty() {
            opts.push(opt("user", user));
        }
        redacted.push_str(parts.userinfo.map_or("", |_| user_part(userinfo)));
        if let Some(raw_password) = password {
            notes.unencoded_in_password = unencoded_chars(raw_password);
            let password = decode(raw_password, "password").map_err(|e| {
                e.hint("percent-encode special characters in the password: % → %25, @ → %40, # → %23, / → %2F, ? → %3F")
            })?;
            crate::secret::register(raw_password);
            crate::secret::register(&password);
            opts.push(opt("password", password));
            redacted.push(':');
            redacted.push_str(crate::secret::MASK);
        }
        redacted.push('@');
    }
    redacted.push_str(parts.hosts);
    parse_hosts(parts.hosts, &mut opts)?;
    if let Some(path) = parts.path {
        redacted.push('/');
        redacted.push_str(path);
        let dbname = decode(path, "database name")?;
        if !dbname.is_empty() {
            notes.has_path_dbname = true;
            opts.push(opt("dbname", dbname));
        }
    }
    if let Some(query) = parts.query {
        redacted.push('?');
        redacted.push_str(&parse_query(query, &mut opts)?);
    }
    Ok(Parsed {
        opts,
        redacted,
        notes,
    })
}

fn user_part(userinfo: &str) -> &str {
    userinfo.split(':').next().unwrap_or("")
}

fn opt(key: &str, value: impl Into<String>) -> Opt {
    Opt {
        key: key.to_string(),
        value: value.into(),
    }
}

/// Characters in a raw password that a URL parser may take for delimiters.
fn unencoded_chars(raw: &str) -> Vec<char> {
    let mut found: Vec<char> = raw.chars().filter(|c| "@#/?".contains(*c)).collect();
    found.dedup();
    found.sort_unstable();
    found.dedup();
    found
}

/// Percent-decodes a URL component; `%00`, a bad escape or invalid UTF-8 is an error.
fn decode(raw: &str, what: &str) -> Result<String, ParseError> {
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            let valid = hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !valid {
                return Err(ParseError::new(format!(
                    "the {what} has an invalid percent-escape (a `%` not followed by two hex digits)"
                )));
            }
            if hex == Some(b"00") {
                return Err(ParseError::new(format!(
                    "the {what} contains %00 (a NUL byte)"
                )));
            }
        }
    }
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| ParseError::new(format!("the {what} is not valid UTF-8 once decoded")))
}

/// `h1:5432,[::1]:5433,%2Fvar%2Frun%2Fpostgresql` → `host` and `port` options.
fn parse_hosts(list: &str, opts: &mut Vec<Opt>) -> Result<(), ParseError> {
    if list.is_empty() {
        return Ok(());
    }
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for entry in split_host_list(list)? {
        let (host, port) = split_host_port(entry)?;
        hosts.push(decode(host, "host")?);
        ports.push(port.to_string());
    }
    opts.push(opt("host", hosts.join(",")));
    if ports.iter().any(|p| !p.is_empty()) {
        opts.push(opt("port", ports.join(",")));
    }
    Ok(())
}

fn split_host_list(list: &str) -> Result<Vec<&str>, ParseError> {
    const MAX_HOSTS: usize = 64;
    let entries: Vec<&str> = list.split(',').collect();
    if entries.len() > MAX_HOSTS {
        return Err(ParseError::new(format!(
            "the URL lists {} hosts; pgready accepts at most {MAX_HOSTS}",
            entries.len()
        )));
    }
    Ok(entries)
}

/// `host:port`, `[v6]:port`, `host` → (host, port or "").
fn split_host_port(entry: &str) -> Result<(&str, &str), ParseError> {
    if let Some(v6) = entry.strip_prefix('[') {
        let close = v6
            .find(']')
            .ok_or_else(|| ParseError::new("unclosed `[` in an IPv6 host (write [::1]:5432)"))?;
        let after = &v6[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => p,
            None if after.is_empty() => "",
            None => {
                return Err(ParseError::new(
                    "unexpected text after `]` in an IPv6 host (write [::1]:5432)",
                ))
            }
        };
        return Ok((&v6[..close], port));
    }
    match entry.rfind(':') {
        Some(c) => Ok((&entry[..c], &entry[c + 1..])),
        None => Ok((entry, "")),
    }
}

/// Parses `k=v&k=v` into options and returns the query with passwords masked.
fn parse_query(query: &str, opts: &mut Vec<Opt>) -> Result<String, ParseError> {
    let mut redacted = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            ParseError::new(format!(
                "URL parameter {} has no value (write key=value)",
                name_of(pair)
            ))
        })?;
        let key = decode(key, "parameter name")?;
        if is_secret_key(&key) {
            crate::secret::register(value);
            let value = decode(value, &key)?;
            crate::secret::register(&value);
            redacted.push(format!("{key}={}", crate::secret::MASK));
            opts.push(opt(&key, value));
        } else {
            let decoded = decode(value, &format!("value of {}", name_of(&key)))?;
            redacted.push(pair.to_string());
            opts.push(opt(&key, decoded));
        }
    }
    Ok(redacted.join("&"))
}

/// A parameter's name for a message: quoted when it reads as a keyword, else
/// described (a stray word in a query may be a password).
fn name_of(key: &str) -> String {
    if key.len() <= 32 && !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    {
        format!("`{key}`")
    } else {
        "(a name that is not a keyword)".to_string()
    }
}

/// Parameters whose value is a secret.
pub fn is_secret_key(key: &str) -> bool {
    matches!(key, "password" | "sslpassword")
}

/// libpq's `key=value key='quoted value'` form.
fn parse_conninfo(input: &str) -> Result<Parsed, ParseError> {
    let mut opts = Vec::new();
    let mut redacted = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            break;
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && !c.is_whitespace())).collect();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next() != Some('=') {
            // Name the word only when it is a keyword: a stray word may be a password
            // written as `password secret`.
            let known = crate::settings::spec::LIBPQ_KEYS.contains(&key.as_str());
            let word = if known {
                format!("`{key}`")
            } else {
                "a word that is not a keyword".to_string()
            };
            return Err(ParseError::new(format!(
                "missing `=` after {word} in the connection string"
            )));
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let value = conninfo_value(&mut chars)?;
        if is_secret_key(&key) {
            crate::secret::register(&value);
            redacted.push(format!("{key}={}", crate::secret::MASK));
        } else {
            redacted.push(format!("{key}={}", quote_conninfo(&value)));
        }
        opts.push(Opt { key, value });
    }
    Ok(Parsed {
        opts,
        redacted: redacted.join(" "),
        notes: Notes::default(),
    })
}

fn conninfo_value(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
) -> Result<String, ParseError> {
    let mut value = String::new();
    if chars.peek() == Some(&'\'') {
        chars.next();
        loop {
            match chars.next() {
                None => {
                    return Err(ParseError::new(
                        "unterminated quoted value in the connection string",
                    ))
                }
                Some('\'') => return Ok(value),
                Some('\\') => value.extend(chars.next()),
                Some(c) => value.push(c),
            }
        }
    }
    while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
        if c == '\\' {
            value.extend(chars.next());
        } else {
            value.push(c);
        }
    }
    Ok(value)
}

fn quote_conninfo(value: &str) -> String {
    if !value.is_empty() && !value.contains([' ', '\'', '\\']) {
        return value.to_string();
    }
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(p: &'a Parsed, key: &str) -> Option<&'a str> {
        p.opts
            .iter()
            .rev()
            .find(|o| o.key == key)
            .map(|o| o.value.as_str())
    }

    #[test]
    fn url_table() {
        // (input, user, password, host, port, dbname)
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: &[Row<'_>] = &[
            (
                "postgresql://calcom:myPassword123@postgres:5432/calcom",
                Some("calcom"),
                Some("myPassword123"),
                Some("postgres"),
                Some("5432"),
                Some("calcom"),
            ),
            (
                "postgres://calcom:myPassword123@postgres:5432",
                Some("calcom"),
                Some("myPassword123"),
                Some("postgres"),
                Some("5432"),
                None,
            ),
            (
                "postgres://u:p%40ss%23w@db/app",
                Some("u"),
                Some("p@ss#w"),
                Some("db"),
                None,
                Some("app"),
            ),
            (
                "postgres://u:p@ss#w@db:5432/app",
                Some("u"),
                Some("p@ss#w"),
                Some("db"),
                Some("5432"),
                Some("app"),
            ),
            (
                "postgres://u:pa/ss@db/app",
                Some("u"),
                Some("pa/ss"),
                Some("db"),
                None,
                Some("app"),
            ),
            (
                "postgres://u:pa?ss@db/app?sslmode=disable",
                Some("u"),
                Some("pa?ss"),
                Some("db"),
                None,
                Some("app"),
            ),
            (
                "postgres://u@[::1]:5433/app",
                Some("u"),
                None,
                Some("::1"),
                Some("5433"),
                Some("app"),
            ),
            (
                "postgres://h1:5432,h2:5433/app",
                None,
                None,
                Some("h1,h2"),
                Some("5432,5433"),
                Some("app"),
            ),
            (
                "postgres://%2Fvar%2Frun%2Fpostgresql/app",
                None,
                None,
                Some("/var/run/postgresql"),
                None,
                Some("app"),
            ),
            (
                "postgresql:///app?host=/tmp&port=5999",
                None,
                None,
                Some("/tmp"),
                Some("5999"),
                Some("app"),
            ),
            (
                "POSTGRESQL://u:p@h/d",
                Some("u"),
                Some("p"),
                Some("h"),
                None,
                Some("d"),
            ),
            (
                "postgres://u:p@h/d?user=other&password=q",
                Some("other"),
                Some("q"),
                Some("h"),
                None,
                Some("d"),
            ),
            (
                "postgres://h/my%20db",
                None,
                None,
                Some("h"),
                None,
                Some("my db"),
            ),
            (
                "postgres://u:p@h/d?options=-c%20search_path%3Dx&email=a@b",
                Some("u"),
                Some("p"),
                Some("h"),
                None,
                Some("d"),
            ),
        ];
        for (input, user, password, host, port, db) in cases {
            let p = parse(input).unwrap_or_else(|e| panic!("{input}: {e:?}"));
            assert_eq!(get(&p, "user"), *user, "{input}");
            assert_eq!(get(&p, "password"), *password, "{input}");
            assert_eq!(get(&p, "host"), *host, "{input}");
            assert_eq!(get(&p, "port"), *port, "{input}");
            assert_eq!(get(&p, "dbname"), *db, "{input}");
        }
    }

    #[test]
    fn invalid_table() {
        let cases = [
            ("", "empty"),
            ("calcom:myPassword123@postgres:5432/calcom", "no scheme"),
            ("mysql://u:p@h/d", "unsupported scheme"),
            ("postgres://u:100%@h/d", "invalid percent-escape"),
            ("postgres://u:p@h/d%00x", "%00"),
            ("postgres://u:p@[::1/d", "unclosed"),
            ("postgres://u:p@h/d?sslmode", "has no value"),
            ("host=h password='unterminated", "unterminated"),
            ("postgres://u:p@h/%ff", "UTF-8"),
        ];
        for (input, expect) in cases {
            let err = parse(input).expect_err(input);
            assert!(err.message.contains(expect), "{input}: {}", err.message);
        }
    }

    #[test]
    fn conninfo_form() {
        let p = parse("host=db port=5433 user=app password='it''s' dbname = 'my db'").unwrap_err();
        assert!(p.message.contains("missing `=`"), "{}", p.message);
        let p = parse(r"host=db port=5433 user=app password='it\'s x' dbname='my db'").unwrap();
        assert_eq!(get(&p, "password"), Some("it's x"));
        assert_eq!(get(&p, "dbname"), Some("my db"));
        assert_eq!(
            p.redacted,
            "host=db port=5433 user=app password=**** dbname='my db'"
        );
    }

    #[test]
    fn redaction_masks_every_password() {
        let p = parse("postgres://u:s3cret-one@h/d?password=s3cret-two&sslmode=require").unwrap();
        assert_eq!(
            p.redacted,
            "postgres://u:****@h/d?password=****&sslmode=require"
        );
        let p = parse("postgres://u:p@ss#w@db:5432/app").unwrap();
        assert_eq!(p.redacted, "postgres://u:****@db:5432/app");
        assert_eq!(p.notes.unencoded_in_password, vec!['#', '@']);
    }
}

/// Random inputs against the parser and the lint: no panic, no hang, and no error
/// message that repeats the password. `PGREADY_FUZZ_ITERATIONS` makes it a long run
/// (bench/fuzz.sh); cargo fuzz itself needs a nightly toolchain, which this machine
/// cannot install.
#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::settings::env::Env;
    use crate::settings::{client::Client, lint, spec};

    const PIECES: &[&str] = &[
        "postgresql://",
        "postgres://",
        "u",
        ":",
        "@",
        "/",
        "?",
        "#",
        "%",
        "%25",
        "%00",
        "%ff",
        "[",
        "]",
        "::1",
        ",",
        "h",
        "5432",
        "99999",
        "-1",
        "=",
        "&",
        "sslmode=",
        "verify-full",
        "host=",
        "port=",
        "dbname",
        "'",
        "\\",
        " ",
        "\u{0}",
        "é",
        "\u{202e}",
        "password=",
        "target_session_attrs=",
        "connect_timeout=",
        "x",
    ];
    const SECRET: &str = "Fuzz-S3cret-PW";

    /// Random pieces; the password only where a password goes (after `:` or
    /// `password=`), so any echo of it in a message is a leak.
    fn input(rng: &mut fastrand::Rng) -> String {
        let mut s = String::new();
        for _ in 0..rng.usize(0..24) {
            if (s.ends_with(':') || s.ends_with("password=")) && rng.bool() {
                s.push_str(SECRET);
            } else {
                s.push_str(PIECES[rng.usize(..PIECES.len())]);
            }
        }
        s
    }

    #[test]
    fn random_connection_strings_never_panic_or_leak() {
        let iterations = std::env::var("PGREADY_FUZZ_ITERATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let seed = fastrand::u64(..);
        let mut rng = fastrand::Rng::with_seed(seed);
        let env = Env::default();
        for _ in 0..iterations {
            let text = input(&mut rng);
            match parse(&text) {
                Ok(parsed) => {
                    let shown = crate::secret::scrub(&parsed.redacted);
                    for pw in parsed
                        .opts
                        .iter()
                        .filter(|o| is_secret_key(&o.key) && o.value.chars().count() >= 3)
                    {
                        assert!(
                            !shown.contains(&pw.value),
                            "seed {seed}: {text:?} shows {shown:?}"
                        );
                    }
                    for client in Client::ALL {
                        if let Ok(spec) = spec::build(parsed.opts.clone(), &env, "me", client) {
                            let _ = lint::lint(
                                &spec,
                                &parsed.notes,
                                "DATABASE_URL",
                                &lint::Context::default(),
                            );
                        }
                    }
                }
                Err(e) => {
                    assert!(
                        !e.message.contains(SECRET),
                        "seed {seed}: {text:?} → {}",
                        e.message
                    );
                    assert!(e.message.len() < 400, "seed {seed}: {}", e.message);
                }
            }
        }
    }
}

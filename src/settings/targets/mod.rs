//! Which targets to check: `--url` flags, else the URL variables, else libpq's
//! `PG*` environment. Each target keeps its source name for the report.

use super::conninfo::{self, Client, Notes, Opt, ParseError, Parsed, Reading};
use super::env::Env;
use super::lint::{self, Context};
use super::role::Role;
use super::spec::{self, ConnSpec, Host};
use crate::class::Class;
use crate::outcome::{Failure, Stage};
use crate::vocab;

/// The URL variables read when neither `--url` nor `--url-env` is given.
pub const DEFAULT_URL_VARS: [&str; 4] = [
    "DATABASE_URL",
    "DATABASE_DIRECT_URL",
    "DATABASE_READ_URL",
    "DATABASE_WRITE_URL",
];

/// The source name of a target built from libpq's environment alone.
pub const LIBPQ_ENV_SOURCE: &str = "PG* environment";

/// One database endpoint list to check, or why it cannot be checked.
#[derive(Clone, Debug)]
pub struct Target {
    /// Where it came from: `--url`, a variable name, or [`LIBPQ_ENV_SOURCE`].
    pub source: String,
    /// The connection string with passwords masked.
    pub display: String,
    /// The spec, or an `invalid_config` failure.
    pub spec: Result<ConnSpec, Failure>,
    /// Lint findings (hints shown with the outcome).
    pub lint: Vec<lint::Lint>,
    /// What the target is for (by its variable's name).
    pub role: Role,
    /// Whether it came from a URL variable (not `--url` or `PG*`).
    pub from_variable: bool,
}

/// The source name of a [`Target::refused`].
const REFUSED_SOURCE: &str = "environment";

impl Target {
    /// The one target of a run the configuration as a whole refuses (no URL at all,
    /// a migration plan that cannot work): reported like a URL that does not parse.
    pub fn refused(failure: Failure) -> Target {
        Target::refused_by(REFUSED_SOURCE, failure)
    }

    /// A refused run whose cause is the flag (or its variable) `source` names.
    pub fn refused_by(source: &str, failure: Failure) -> Target {
        Target {
            source: source.to_string(),
            display: String::new(),
            spec: Err(failure),
            lint: Vec::new(),
            role: Role::Other,
            from_variable: false,
        }
    }

    /// Whether this is a [`Target::refused`].
    pub fn is_refused(&self) -> bool {
        self.display.is_empty() && self.spec.is_err()
    }

    /// Whether a writable primary is required (the write URL).
    pub fn requires_writable(&self) -> bool {
        self.role.requires_writable()
    }
}

/// Builds every target, in source order; with nothing to check at all, one
/// [`Target::refused`] that says what was looked for.
pub fn collect(urls: &[String], url_env: &[String], env: &Env, ctx: &Context) -> Vec<Target> {
    let os_user = os_user(env);
    if !urls.is_empty() {
        return urls
            .iter()
            .flat_map(|u| split_joined(u))
            .map(|u| from_string(Origin::Flag, u, env, ctx, &os_user))
            .collect();
    }
    let names: Vec<&str> = if url_env.is_empty() {
        DEFAULT_URL_VARS.to_vec()
    } else {
        url_env.iter().map(String::as_str).collect()
    };
    let mut targets = Vec::new();
    for name in &names {
        match env.text(name) {
            Ok(Some(v)) if !v.trim().is_empty() => {
                targets.push(from_string(Origin::Variable(name), &v, env, ctx, &os_user))
            }
            Ok(_) => {}
            Err(_) => targets.push(invalid(
                Origin::Variable(name),
                "(not UTF-8)",
                ParseError::new(format!("{name} is not valid UTF-8")),
            )),
        }
    }
    if targets.is_empty() && has_libpq_env(env) {
        targets.push(from_libpq_env(env, ctx, &os_user));
    }
    if targets.is_empty() {
        return vec![Target::refused(nothing_configured(&names, env))];
    }
    targets
}

/// `PGREADY_URL=A,B` (or `--url A,B`): several URLs joined by commas. A comma
/// also separates libpq's hosts (`postgresql://h1,h2/db`), so the text is split
/// only where a comma is followed by a scheme.
fn split_joined(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in text.match_indices(',') {
        let next = text[i + 1..].trim_start();
        if next.starts_with("postgresql://") || next.starts_with("postgres://") {
            parts.push(text[start..i].trim());
            start = i + 1;
        }
    }
    parts.push(text[start..].trim());
    parts
}

fn has_libpq_env(env: &Env) -> bool {
    [
        "PGHOST",
        "PGHOSTADDR",
        "PGPORT",
        "PGUSER",
        "PGDATABASE",
        "PGSERVICE",
    ]
    .iter()
    .any(|v| env.nonempty(v).is_some())
}

fn nothing_configured(names: &[&str], env: &Env) -> Failure {
    let empty: Vec<&str> = names.iter().copied().filter(|n| env.is_set(n)).collect();
    let mut message = format!(
        "no database configured: looked for --url, {} and libpq's PGHOST/PGPORT/PGUSER/PGDATABASE",
        names.join(", ")
    );
    if !empty.is_empty() {
        message.push_str(&format!(" ({} set but empty)", empty.join(", ")));
    }
    Failure::new(Class::InvalidConfig, Stage::Config, message)
        .with_hint("set DATABASE_URL=postgresql://USER:PASSWORD@HOST:5432/DATABASE in the container's environment at run time (a build-time ARG or a variable only in .env for the build does not reach the running container)")
}

/// Where a target came from; its source name and role follow from it.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Flag,
    Variable(&'a str),
    LibpqEnv,
}

impl Origin<'_> {
    fn source(self) -> &'static str {
        match self {
            Origin::Flag => "--url",
            Origin::LibpqEnv => LIBPQ_ENV_SOURCE,
            Origin::Variable(_) => "",
        }
    }

    fn name(self) -> String {
        match self {
            Origin::Variable(name) => name.to_string(),
            other => other.source().to_string(),
        }
    }

    fn role(self) -> Role {
        match self {
            Origin::Variable(name) => Role::of_variable(name),
            _ => Role::Other,
        }
    }
}

fn from_string(origin: Origin<'_>, raw: &str, env: &Env, ctx: &Context, os_user: &str) -> Target {
    match read(raw, ctx) {
        Ok((parsed, reading)) => finish(
            origin,
            parsed.redacted,
            parsed.opts,
            &parsed.notes,
            env,
            &Context {
                reading,
                ..ctx.clone()
            },
            os_user,
        ),
        Err(e) => invalid(origin, &redact_unparsable(raw), e),
    }
}

/// Reads `raw` as the chosen client does. With no `--client`, a string libpq
/// refuses over a parameter only Prisma or only node-postgres knows is that
/// client's: no libpq-based app could use it.
fn read(raw: &str, ctx: &Context) -> Result<(Parsed, Reading), ParseError> {
    let t = raw.trim();
    let quoted = t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')));
    if quoted {
        // Every client reads the quotes as part of the string, and refuses it.
        return Err(ParseError::new(
            "the connection string is wrapped in quotes (copied from a .env file?): the client reads them as part of it",
        )
        .hint("remove the quotes around the value"));
    }
    let err = match conninfo::parse(raw, ctx.reading) {
        Ok(parsed) => return Ok((parsed, ctx.reading)),
        Err(e) => e,
    };
    if ctx.client_chosen {
        return Err(err);
    }
    for (client, table) in [
        (Client::Prisma, vocab::prisma::KEYS),
        (Client::NodePostgres, vocab::node_postgres::KEYS),
    ] {
        let reading = Reading::of(client);
        let Ok(parsed) = conninfo::parse(raw, reading) else {
            continue;
        };
        // The URL's own parts (a database is `database` to pg) are no evidence.
        let parts = ["host", "port", "user", "password", "dbname", "database"];
        let foreign = parsed.opts.iter().any(|o| {
            !parts.contains(&o.key.as_str())
                && vocab::find(table, &o.key).is_some()
                && vocab::find(vocab::libpq::KEYS, &o.key).is_none()
        });
        if foreign {
            return Ok((parsed, reading));
        }
    }
    Err(err)
}

/// A string that does not parse may still hold a password: show only its start
/// when it has no `@`, else the part after the last `@`.
fn redact_unparsable(raw: &str) -> String {
    let shown = match raw.rfind('@') {
        Some(at) => format!("{}@{}", crate::secret::MASK, &raw[at + 1..]),
        None if raw.contains("password") => crate::secret::MASK.to_string(),
        None => raw.to_string(),
    };
    let shown: String = crate::secret::scrub(&shown).chars().take(200).collect();
    shown.escape_debug().to_string()
}

fn from_libpq_env(env: &Env, ctx: &Context, os_user: &str) -> Target {
    finish(
        Origin::LibpqEnv,
        String::new(),
        Vec::new(),
        &Notes::default(),
        env,
        ctx,
        os_user,
    )
}

fn finish(
    origin: Origin<'_>,
    display: String,
    opts: Vec<Opt>,
    notes: &Notes,
    env: &Env,
    ctx: &Context,
    os_user: &str,
) -> Target {
    let source = origin.name();
    match spec::build(opts, env, os_user, ctx.reading) {
        Ok(spec) => {
            if let Some(pw) = spec.password.as_ref().filter(|p| lint::guessable(&spec, p)) {
                // Printed as the user or database name anyway; masking it would
                // mask that name in every message.
                crate::secret::declassify(pw.expose());
            }
            Target {
                display: if display.is_empty() {
                    describe(&spec)
                } else {
                    display
                },
                lint: lint::lint(&spec, notes, &source, origin.role(), ctx),
                role: origin.role(),
                from_variable: matches!(origin, Origin::Variable(_)),
                source,
                spec: Ok(spec),
            }
        }
        Err(e) => invalid(origin, &display, e),
    }
}

/// A URL-like description of a spec built from the environment (password masked).
pub fn describe(spec: &ConnSpec) -> String {
    let hosts: Vec<String> = spec
        .endpoints
        .iter()
        .map(|e| match &e.host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]:{}", e.port),
            Host::Tcp(h) => format!("{h}:{}", e.port),
            Host::Unix(d) => format!("{}:{}", d.display(), e.port),
        })
        .collect();
    let password = if spec.password.is_some() { ":****" } else { "" };
    format!(
        "postgresql://{}{password}@{}/{}",
        spec.user,
        hosts.join(","),
        spec.dbname
    )
}

fn invalid(origin: Origin<'_>, display: &str, e: ParseError) -> Target {
    let source = origin.name();
    let mut failure = Failure::new(
        Class::InvalidConfig,
        Stage::Config,
        format!("{source}: {}", e.message),
    );
    failure.hints.extend(e.hint);
    if e.scheme {
        failure.cause = Some(crate::outcome::Cause::UrlScheme);
    }
    Target {
        source,
        display: display.to_string(),
        spec: Err(failure),
        lint: Vec::new(),
        role: origin.role(),
        from_variable: matches!(origin, Origin::Variable(_)),
    }
}

/// libpq's default role: the operating-system user. `USER` first, then the
/// password database entry of the effective uid (no NSS needed).
fn os_user(env: &Env) -> String {
    if let Some(u) = env.nonempty("USER") {
        return u;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
            })
        })
        .unwrap_or_else(|| "postgres".to_string())
}

#[cfg(test)]
mod tests;

//! Findings about a connection string before any connection is made: the mistakes
//! the troubleshooting guides find by hand. Each finding is a hint on the target.

use super::client::{self, Client, TlsOptions};
use super::conninfo::{Notes, Reading};
use super::role::Role;
use super::spec::{ConnSpec, Endpoint, Host};
use crate::vocab;

/// Where pgready runs and whose rules apply, as far as reading URLs cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// Inside a container (`/.dockerenv` exists or `KUBERNETES_SERVICE_HOST` is set).
    pub in_container: bool,
    /// Whose rules a URL is judged by (and which libpq major).
    pub reading: Reading,
    /// Whether the client was chosen (`--client`) rather than defaulted.
    pub client_chosen: bool,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            in_container: false,
            reading: Reading::LIBPQ,
            client_chosen: false,
        }
    }
}

/// Ports that PgBouncer and Supabase's pooler listen on by convention.
const POOLER_PORTS: [u16; 2] = [6432, 6543];

/// One lint finding: a stable id (doctor items use it) and the hint text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Stable id: `password_encoding`, `guessable_password`, `password_file`, `localhost_in_container`, `database_name`,
    /// `pooler_url`, `unknown_parameter`, `prisma_url`, `client_semantics`,
    /// `libpq_version`.
    pub id: &'static str,
    /// The hint.
    pub message: String,
}

fn tagged(id: &'static str) -> impl Fn(String) -> Lint {
    move |message| Lint { id, message }
}

/// All findings for one target, most important first.
pub fn lint(spec: &ConnSpec, notes: &Notes, source: &str, role: Role, ctx: &Context) -> Vec<Lint> {
    let mut found = Vec::new();
    found.extend(unencoded_password(notes).map(tagged("password_encoding")));
    found.extend(guessable_password(spec).map(tagged("guessable_password")));
    found.extend(
        spec.password_file_ignored
            .clone()
            .map(tagged("password_file")),
    );
    if ctx.in_container {
        found.extend(
            spec.endpoints
                .iter()
                .filter_map(localhost_in_container)
                .map(tagged("localhost_in_container")),
        );
    }
    found.extend(query_in_the_name(&spec.dbname).map(tagged("database_name")));
    if !spec.dbname_given {
        found.push(tagged("database_name")(format!(
            "no database name given: {} then connects to the database `{}`; add `/DBNAME` to the URL",
            spec.client.name(),
            spec.dbname
        )));
    }
    found.extend(pooler(spec, source, role).map(tagged("pooler_url")));
    found.extend(
        unknown_params(spec)
            .into_iter()
            .map(tagged("unknown_parameter")),
    );
    found.extend(looks_like_prisma(spec, ctx).map(tagged("prisma_url")));
    found.extend(libpq_major(spec, notes).map(tagged("libpq_version")));
    found.extend(migrate_reads_it(spec, source, role).map(tagged("client_semantics")));
    found.extend(
        client_differences(spec)
            .into_iter()
            .map(tagged("client_semantics")),
    );
    found
}

/// `/appdb&schema=x`: parameters joined with `&` but no `?` before them end up in
/// the database name (every client reads it so).
pub fn query_in_the_name(dbname: &str) -> Option<String> {
    let (name, rest) = dbname.split_once('&')?;
    if !rest.contains('=') {
        return None;
    }
    // A secret parameter's value (`&password=…`) is not repeated.
    let params: Vec<String> = rest
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if crate::settings::conninfo::is_secret_key(k) => format!("{k}=****"),
            _ => p.to_string(),
        })
        .collect();
    Some(format!("the database name `{name}` runs into parameters joined with `&`: the first needs a `?` instead — write /{name}?{}", params.join("&")))
}

/// Whether `password` equals the user or the database name: no secret, since it
/// is printed as that name anyway.
pub fn guessable(spec: &ConnSpec, password: &crate::secret::Password) -> bool {
    let pw = password.expose();
    !pw.is_empty() && (pw == spec.user || pw == spec.dbname)
}

fn guessable_password(spec: &ConnSpec) -> Option<String> {
    let password = spec.password.as_ref().filter(|p| guessable(spec, p))?;
    let what = if password.expose() == spec.user {
        "user name"
    } else {
        "database name"
    };
    Some(format!("the password equals the {what}: anyone can guess it (and pgready does not mask it, it is printed as the {what} anyway); outside a throw-away setup, set a strong one: ALTER ROLE \"{}\" PASSWORD '…'; and the same in the URL", spec.user))
}

/// A URL read as Prisma's or node-postgres's without an explicit `--client`,
/// because libpq refuses one of that client's parameters: say so.
fn looks_like_prisma(spec: &ConnSpec, ctx: &Context) -> Option<String> {
    if ctx.client_chosen || spec.client == Client::Libpq {
        return None;
    }
    let table = match spec.client {
        Client::Prisma => vocab::prisma::KEYS,
        _ => vocab::node_postgres::KEYS,
    };
    let mut found: Vec<&str> = spec
        .opts
        .iter()
        .map(|o| o.key.as_str())
        .filter(|k| vocab::find(table, k).is_some() && vocab::find(vocab::libpq::KEYS, k).is_none())
        .collect();
    found.dedup();
    Some(format!(
        "read as {} reads it: it carries {} ({}), which libpq refuses; say --client {} to make that explicit{}",
        spec.client.name(),
        if spec.client == Client::Prisma { "Prisma parameters" } else { "node-postgres parameters" },
        found.join(", "),
        spec.client.name(),
        if spec.client == Client::Prisma { " (Prisma ignores PG* variables, defaults the database to `postgres`, and reads sslmode/sslcert differently)" } else { "" }
    ))
}

/// A URL whose meaning depends on the libpq major: name what differs, since the
/// app's image may ship another libpq than pgready was told.
fn libpq_major(spec: &ConnSpec, notes: &Notes) -> Option<String> {
    if spec.client != Client::Libpq {
        return None;
    }
    let spaces = notes.unencoded_spaces;
    let differs = vocab::libpq::version_notes(
        spec.opts.iter().map(|o| (o.key.as_str(), o.value.as_str())),
        spaces,
    );
    (!differs.is_empty()).then(|| {
        format!(
            "this URL means different things to different libpq majors ({}); it was read as libpq {}: set --libpq-version to the app's libpq",
            differs.join("; "),
            spec.reading.libpq_major
        )
    })
}

/// `DATABASE_DIRECT_URL` is what `prisma migrate` reads (Prisma's engine), even
/// when the app reads its own URL with another client: say where they part.
fn migrate_reads_it(spec: &ConnSpec, source: &str, role: Role) -> Option<String> {
    if role != Role::Direct || spec.client == Client::Prisma {
        return None;
    }
    let mut options = TlsOptions::from_opts(&spec.opts, &|_| None, None);
    options.libpq_major = spec.reading.libpq_major;
    let prisma = client::policy(Client::Prisma, &options).ok()?.summary();
    let mine = spec.tls.summary();
    (prisma != mine).then(|| {
        format!(
            "{source} is also read by `prisma migrate` (Prisma's engine): there it means {prisma}; under {} it means {mine}",
            spec.client.name()
        )
    })
}

/// Parameters that say something about TLS.
const TLS_KEYS: [&str; 6] = [
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslaccept",
    "sslidentity",
    "ssl",
];

/// When the URL's TLS parameters mean something else to another client, say so:
/// that is the "works in psql, fails in the app" trap. (Without TLS parameters
/// each client's default applies; that is no finding about the URL.)
fn client_differences(spec: &ConnSpec) -> Vec<String> {
    if !spec.opts.iter().any(|o| TLS_KEYS.contains(&o.key.as_str())) {
        return Vec::new();
    }
    let mine = spec.tls.summary();
    let options = TlsOptions::from_opts(&spec.opts, &|_| None, None);
    Client::ALL
        .into_iter()
        .filter(|c| *c != spec.client)
        .filter_map(|other| {
            let theirs = client::policy(other, &options).ok()?.summary();
            (theirs != mine).then(|| {
                format!(
                    "TLS differs between clients: under {} (used here) this URL means {mine}; under {} it means {theirs}",
                    spec.client.name(),
                    other.name()
                )
            })
        })
        .collect()
}

fn unencoded_password(notes: &Notes) -> Option<String> {
    if notes.unencoded_in_password.is_empty() {
        return None;
    }
    let chars: Vec<String> = notes
        .unencoded_in_password
        .iter()
        .map(|c| format!("`{c}` → `%{:02X}`", *c as u32))
        .collect();
    Some(format!(
        "the password holds unencoded special characters; percent-encode them ({}): libpq (psql) and some drivers read this URL differently than Prisma does",
        chars.join(", ")
    ))
}

fn localhost_in_container(endpoint: &Endpoint) -> Option<String> {
    match &endpoint.host {
        Host::Tcp(_) if endpoint.is_local() => Some(format!(
            "the host is `{}` while running inside a container: that is this container itself; unless the database runs in this very container, use the database service's name (e.g. `postgres`) as the host",
            endpoint.label()
        )),
        _ => None,
    }
}

fn looks_pooled(e: &Endpoint) -> bool {
    POOLER_PORTS.contains(&e.port) || matches!(&e.host, Host::Tcp(h) if h.contains("pooler"))
}

fn pooler(spec: &ConnSpec, source: &str, role: Role) -> Option<String> {
    let pooled = spec.endpoints.iter().find(|e| looks_pooled(e))?;
    if role == Role::Direct {
        return Some(format!(
            "{source} points at a connection pooler ({}): migrations need a direct connection to PostgreSQL (usually port 5432, not the pooler)",
            pooled.label()
        ));
    }
    let pgbouncer = spec.opt("pgbouncer").is_some_and(|v| v == "true");
    (POOLER_PORTS.contains(&pooled.port) && !pgbouncer).then(|| {
        format!(
            "{} looks like a PgBouncer port but the URL lacks `pgbouncer=true`: Prisma then uses prepared statements that fail in transaction pooling (`prepared statement \"s0\" already exists`)",
            pooled.label()
        )
    })
}

/// Parameters the client keeps but never uses (libpq refuses unknown ones
/// outright, so this is about Prisma and node-postgres).
fn unknown_params(spec: &ConnSpec) -> Vec<String> {
    let table = match spec.client {
        Client::Libpq => return Vec::new(),
        Client::Prisma => vocab::prisma::KEYS,
        Client::NodePostgres => vocab::node_postgres::KEYS,
    };
    let mut seen: Vec<&str> = Vec::new();
    spec.opts
        .iter()
        .map(|o| o.key.as_str())
        .filter(|k| vocab::find(table, k).is_none())
        .filter(|k| {
            let new = !seen.contains(k);
            seen.push(k);
            new
        })
        .map(|k| {
            let known = vocab::find(vocab::libpq::KEYS, k).is_some();
            format!(
                "URL parameter `{}` is ignored by {}{}",
                if k.len() <= 32 { k } else { "(long name)" },
                spec.client.name(),
                if known {
                    " (it is libpq's)"
                } else {
                    " (a typo?)"
                }
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;

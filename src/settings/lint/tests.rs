//! The lint's findings, URL by URL.

use super::*;
use crate::settings::conninfo::parse;
use crate::settings::env::Env;
use crate::settings::spec::build;

fn findings(url: &str, source: &str, in_container: bool) -> Vec<String> {
    let reading = if url.contains("schema=") || url.contains("pgbouncer") {
        Reading::of(Client::Prisma)
    } else {
        Reading::LIBPQ
    };
    let parsed = parse(url, reading).unwrap();
    let spec = build(parsed.opts, &Env::default(), "me", reading).unwrap();
    let ctx = Context {
        in_container,
        client_chosen: true,
        ..Context::default()
    };
    lint(
        &spec,
        &parsed.notes,
        source,
        Role::of_variable(source),
        &ctx,
    )
    .into_iter()
    .map(|f| f.message)
    .collect()
}

fn has(found: &[String], needle: &str) -> bool {
    found.iter().any(|f| f.contains(needle))
}

#[test]
fn the_default_database_is_the_clients() {
    for (client, db) in [
        (Client::Libpq, "me"),
        (Client::Prisma, "postgres"),
        (Client::NodePostgres, "me"),
    ] {
        let reading = Reading::of(client);
        let parsed = parse("postgres://me:pw@db:5432", reading).unwrap();
        let spec = build(parsed.opts, &Env::default(), "me", reading).unwrap();
        let ctx = Context {
            reading,
            client_chosen: true,
            ..Context::default()
        };
        let found = lint(&spec, &parsed.notes, "DATABASE_URL", Role::Pooled, &ctx);
        let text = format!("{found:?}");
        assert!(
            text.contains(&format!(
                "{} then connects to the database `{db}`",
                client.name()
            )),
            "{text}"
        );
    }
}

#[test]
fn lint_table() {
    // (url, source, in container, expected substring or "" for no finding)
    let cases = [
        (
            "postgres://calcom:myPassword123@postgres:5432",
            "DATABASE_URL",
            true,
            "no database name given",
        ),
        (
            "postgres://u:p@localhost:5432/d",
            "DATABASE_URL",
            true,
            "inside a container",
        ),
        (
            "postgres://u:p@127.0.0.1:5432/d",
            "DATABASE_URL",
            true,
            "inside a container",
        ),
        (
            "postgres://u:p@localhost:5432/d?sslmode=disable",
            "DATABASE_URL",
            false,
            "",
        ),
        (
            "postgres://u:p@ss#w@db:5432/d",
            "DATABASE_URL",
            false,
            "`@` → `%40`",
        ),
        (
            "postgres://u:p@db:6543/d",
            "DATABASE_DIRECT_URL",
            false,
            "direct connection",
        ),
        (
            "postgres://u:p@aws-0-eu.pooler.supabase.com:5432/d",
            "DATABASE_DIRECT_URL",
            false,
            "direct connection",
        ),
        (
            "postgres://u:p@db:6432/d",
            "DATABASE_URL",
            false,
            "pgbouncer=true",
        ),
        (
            "postgres://u:p@db:6432/d?pgbouncer=true",
            "DATABASE_URL",
            false,
            "",
        ),
        (
            "postgres://u:p@db:5432/d?pgbouncer=true&sslmod=require",
            "DATABASE_URL",
            false,
            "`sslmod` is ignored by prisma",
        ),
        (
            "postgres://u:p@db:5432/d?schema=app&connection_limit=5",
            "DATABASE_URL",
            false,
            "",
        ),
    ];
    for (url, source, inside, expected) in cases {
        let found = findings(url, source, inside);
        if expected.is_empty() {
            assert!(found.is_empty(), "{url}: {found:?}");
        } else {
            assert!(has(&found, expected), "{url}: {found:?}");
        }
    }
}

#[test]
fn a_typo_joined_query_repeats_no_secret() {
    let hint =
        crate::settings::lint::query_in_the_name("appdb&schema=x&password=Sec-ret-9").unwrap();
    assert!(hint.contains("/appdb?schema=x&password=****"), "{hint}");
    assert!(!hint.contains("Sec-ret-9"), "{hint}");
}

//! The readers side by side on the cases where they part ways. The clients' own
//! suites are in `tests/cases/conninfo.rs` (ported tables) and the differentials
//! against the real clients next to them.

use super::*;

fn libpq(input: &str) -> Result<Parsed, ParseError> {
    parse(input, Reading::LIBPQ)
}

fn at(input: &str, major: u8) -> Result<Parsed, ParseError> {
    parse(
        input,
        Reading {
            client: Client::Libpq,
            libpq_major: major,
        },
    )
}

#[test]
fn libpq_splits_userinfo_at_the_first_at_sign() {
    let p = libpq("postgresql://u:p@ss#w@db:5432/app").unwrap();
    assert_eq!(p.get("password"), Some("p"));
    assert_eq!(p.get("host"), Some("ss#w@db"));
    assert_eq!(p.notes.unencoded_in_password, vec!['@']);
    assert_eq!(p.redacted, "postgresql://u:****@db:5432/app");
    let p = libpq("postgresql://u:p#w@h/d").unwrap();
    assert_eq!(
        p.get("password"),
        Some("p#w"),
        "libpq keeps # in a password"
    );
    let p = libpq("postgresql://u:pa/ss@h/d").unwrap();
    assert_eq!((p.get("host"), p.get("port")), (Some("u"), Some("pa")));
}

#[test]
fn libpq_refuses_what_it_does_not_know() {
    for (input, needle) in [
        ("postgresql://h/d?uzer=x", "invalid URL parameter `uzer`"),
        ("postgresql://h/d?schema=public", "Prisma's parameter"),
        ("postgresql://h?key=key=value", "extra key/value separator"),
        ("postgresql://h?zzz", "missing key/value separator"),
        ("postgres://[]", "empty"),
        (
            "postgres://[::1]z",
            "unexpected character `z` at position 17",
        ),
        ("postgres://[::1", "unclosed `[`"),
        ("POSTGRESQL://h/d", "write the scheme in lowercase"),
        ("postgre://", "unsupported scheme `postgre://`"),
        ("host=h bogus=1", "invalid connection option `bogus`"),
        ("host=h dbname", "missing `=` after `dbname`"),
        ("postgresql://%zz", "invalid percent-encoded token"),
        ("postgresql://a%00b", "forbidden value %00"),
    ] {
        let e = libpq(input).expect_err(input);
        let text = format!("{} {}", e.message, e.hint.unwrap_or_default());
        assert!(text.contains(needle), "{input}: {text}");
    }
}

#[test]
fn libpq_majors_differ() {
    assert!(at("postgresql://h/d?sslnegotiation=direct", 16).is_err());
    assert!(at("postgresql://h/d?sslnegotiation=direct", 17).is_ok());
    assert!(at("postgresql://h/d?require_auth=md5", 15).is_err());
    assert!(at("postgresql://h/d?require_auth=md5", 16).is_ok());
    assert!(at("postgresql://h/d?max_protocol_version=3.2", 17).is_err());
    assert_eq!(
        at("postgresql://h/x y", 17).unwrap().get("dbname"),
        Some("x y")
    );
    assert!(at("postgresql://h/x y", 18).is_err());
    assert_eq!(
        at("postgresql://h/ x ", 18).unwrap().get("dbname"),
        Some("x")
    );
}

#[test]
fn libpq_conninfo_form() {
    let p = libpq(r"host=db port=5433 user=app password='it\'s x' dbname='my db'").unwrap();
    assert_eq!(p.get("password"), Some("it's x"));
    assert_eq!(p.get("dbname"), Some("my db"));
    assert_eq!(
        p.redacted,
        "host=db port=5433 user=app password=**** dbname='my db'"
    );
    let p = libpq("password=s3cret host=h").unwrap();
    assert_eq!(p.redacted, "password=**** host=h");
    assert_eq!(
        libpq("requiressl=1").unwrap().get("sslmode"),
        Some("require")
    );
    assert_eq!(
        libpq("postgresql://h?ssl=true").unwrap().get("sslmode"),
        Some("require")
    );
}

#[test]
fn node_postgres_reads_what_libpq_refuses() {
    let node = |s: &str| parse(s, Reading::of(Client::NodePostgres));
    let p = node("pg://u:p@h:5433/%2Fdbname").unwrap();
    assert_eq!((p.get("host"), p.get("port")), (Some("h"), Some("5433")));
    assert_eq!(p.get("database"), Some("%2Fdbname"), "decodeURI keeps %2F");
    assert_eq!(
        node("/var/run/pg mydb").unwrap().get("database"),
        Some("mydb")
    );
    let p = node("socket:/run/pg?db=app&encoding=utf8").unwrap();
    assert_eq!(
        (p.get("host"), p.get("database")),
        (Some("/run/pg"), Some("app"))
    );
    assert_eq!(
        node("postgres://u:pa%ss@h/d").unwrap().get("password"),
        Some("pa%ss")
    );
    let e = node("postgres://u:p#w@h/d").unwrap_err();
    assert!(e.message.contains("Invalid URL"), "{}", e.message);
}

#[test]
fn prisma_reads_one_host_and_the_first_path_segment() {
    let prisma = |s: &str| parse(s, Reading::of(Client::Prisma));
    let p = prisma("postgresql:///localhost:5432/foo").unwrap();
    assert_eq!(
        (p.get("host"), p.get("dbname")),
        (Some("localhost"), Some("localhost:5432"))
    );
    let p = prisma("postgres://u:p%40ss@[::1]:5433/db?schema=app&connection_limit=3").unwrap();
    assert_eq!(
        (p.get("host"), p.get("port"), p.get("password")),
        (Some("::1"), Some("5433"), Some("p@ss"))
    );
    assert!(prisma("postgres://h/d?connection_limit=many").is_err());
    assert!(prisma("mysql://h/d").is_err());
    assert_eq!(
        prisma("postgres://h/d?whatever=1").unwrap().get("whatever"),
        Some("1")
    );
}

#[test]
fn invalid_input_never_echoes_the_password() {
    for input in [
        "postgresql://u:S3cretPW%zz@h/d",
        "postgresql://u:S3cretPW%00@h/d",
        "postgres://u:S3cretPW@h:99999999/d",
        "POSTGRESQL://u:S3cretPW@h/d",
        "host=h password=S3cretPW bogus=x",
        "postgresql://u@h/d?password=S3cretPW%zz",
    ] {
        for reading in [
            Reading::LIBPQ,
            Reading::of(Client::Prisma),
            Reading::of(Client::NodePostgres),
        ] {
            if let Err(e) = parse(input, reading) {
                let text = format!("{} {}", e.message, e.hint.unwrap_or_default());
                assert!(!text.contains("S3cretPW"), "{input} ({reading:?}): {text}");
            }
        }
    }
}

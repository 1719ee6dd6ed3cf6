//! The spec builder on libpq's and Prisma's defaults.

use super::*;
use crate::settings::conninfo::{parse, Reading};
use crate::vocab::SslMode;

fn spec(url: &str, env: &[(&str, &str)]) -> Result<ConnSpec, ParseError> {
    build(
        parse(url, Reading::LIBPQ)?.opts,
        &Env::from_pairs(env.iter().copied()),
        "osuser",
        Reading::LIBPQ,
    )
}

#[test]
fn defaults_follow_libpq() {
    let s = spec("postgres://db", &[]).unwrap();
    assert_eq!(s.user, "osuser");
    assert_eq!(s.dbname, "osuser");
    assert!(!s.dbname_given);
    assert_eq!(s.tls.mode, SslMode::Prefer);
    assert_eq!(s.endpoints[0].port, 5432);
    let s = spec("postgresql:///", &[]).unwrap();
    assert_eq!(s.endpoints[0].host, Host::Unix(DEFAULT_SOCKET_DIR.into()));
}

#[test]
fn environment_fills_what_the_url_leaves_out() {
    let env = [
        ("PGUSER", "envuser"),
        ("PGPORT", "6000"),
        ("PGDATABASE", "envdb"),
        ("PGSSLMODE", "disable"),
        ("PGPASSWORD", "envpass"),
    ];
    let s = spec("postgres://db", &env).unwrap();
    assert_eq!(
        (s.user.as_str(), s.dbname.as_str(), s.endpoints[0].port),
        ("envuser", "envdb", 6000)
    );
    assert_eq!(s.tls.mode, SslMode::Disable);
    assert_eq!(s.password.unwrap().expose(), "envpass");
    let s = spec("postgres://u:urlpass@db:5433/d?sslmode=require", &env).unwrap();
    assert_eq!(
        (s.user.as_str(), s.dbname.as_str(), s.endpoints[0].port),
        ("u", "d", 5433)
    );
    assert_eq!(s.tls.mode, SslMode::Require);
    assert_eq!(s.password.unwrap().expose(), "urlpass");
}

#[test]
fn prisma_reads_only_the_url() {
    let env = Env::from_pairs([
        ("PGUSER", "envuser"),
        ("PGPASSWORD", "envpass"),
        ("PGSSLMODE", "disable"),
    ]);
    let prisma = Reading::of(Client::Prisma);
    let spec = |url: &str| build(parse(url, prisma).unwrap().opts, &env, "osuser", prisma);
    assert!(
        spec("postgres://db").is_err(),
        "no user name: Prisma sends none"
    );
    let s = spec("postgres://u@db").unwrap();
    assert_eq!((s.user.as_str(), s.dbname.as_str()), ("u", "postgres"));
    assert!(s.password.is_none());
    assert_eq!(s.tls.mode, SslMode::Prefer);
    let p = parse("postgres:///d?user=x", prisma).unwrap();
    assert_eq!(
        (p.get("host"), p.get("user")),
        (Some("localhost"), Some(""))
    );
    assert!(spec("postgres://h1,h2/d").is_err());
}

#[test]
fn ports_match_hosts() {
    let s = spec("postgres://h1:5432,h2:5433,h3/d", &[]).unwrap();
    let ports: Vec<u16> = s.endpoints.iter().map(|e| e.port).collect();
    assert_eq!(ports, vec![5432, 5433, 5432]);
    let s = spec("postgres:///d?host=h1,h2&port=7000", &[]).unwrap();
    assert!(s.endpoints.iter().all(|e| e.port == 7000));
    assert!(spec("postgres:///d?host=h1,h2,h3&port=1,2", &[]).is_err());
}

#[test]
fn invalid_values() {
    for url in [
        "postgres://h:0/d",
        "postgres://h:65536/d",
        "postgres://h:abc/d",
        "postgres://h/d?sslmode=verify",
        "postgres://h/d?target_session_attrs=writer",
        "postgres://h/d?connect_timeout=soon",
    ] {
        assert!(spec(url, &[]).is_err(), "{url}");
    }
}

#[test]
fn connect_timeout_like_libpq() {
    assert_eq!(
        spec("postgres://h/d?connect_timeout=1", &[])
            .unwrap()
            .connect_timeout,
        Some(Duration::from_secs(2))
    );
    assert_eq!(
        spec("postgres://h/d?connect_timeout=0", &[])
            .unwrap()
            .connect_timeout,
        None
    );
    assert_eq!(
        spec("postgres://h/d?connect_timeout=7", &[])
            .unwrap()
            .connect_timeout,
        Some(Duration::from_secs(7))
    );
}

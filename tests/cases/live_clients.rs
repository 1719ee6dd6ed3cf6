//! Live differentials: the real clients connect or refuse, and pgready, told the
//! same client (and libpq major), says ready exactly when they connect. libpq 15
//! (Debian's psql) and libpq 18 (the same psql on libpq 18), node-postgres 8.23,
//! against real servers: hostaddr, host lists with target_session_attrs, the
//! password file, PG* variables, pg_hba rejections under allow/prefer, root and
//! key files, and certificates that name the host only in their subject CN.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::tls::tls_server;
use crate::support::certs::pki;
use crate::support::oracles::{self, libpq_connects, node_connects, pgready_check};
use crate::support::*;

/// One case: a connection string (empty: PG* variables only) and variables.
struct Case {
    what: &'static str,
    conninfo: String,
    env: Vec<(String, String)>,
}

fn case(what: &'static str, conninfo: impl Into<String>, env: &[(&str, String)]) -> Case {
    Case {
        what,
        conninfo: conninfo.into(),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

/// libpq 15 and 18 against pgready told the same major: connect ⇔ ready, and
/// each case's expected outcome (so a case cannot pass by both sides breaking).
fn agree_libpq(cases: &[(Case, bool)]) {
    let per_major: Vec<(&Case, [bool; 2])> = cases.iter().map(|(c, e)| (c, [*e, *e])).collect();
    agree_per_major(&per_major);
}

/// The same with an expected outcome per major: `[libpq 15, libpq 18]`.
fn agree_per_major(cases: &[(&Case, [bool; 2])]) {
    let mut wrong = Vec::new();
    for (i, major) in [15, 18].into_iter().enumerate() {
        for (c, expect) in cases {
            let env: Vec<(&str, &str)> = c
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let libpq = libpq_connects(major, &c.conninfo, &env);
            let run = pgready_check("libpq", major, &c.conninfo, &env);
            if libpq != (run.code == 0) || libpq != expect[i] {
                wrong.push(format!(
                    "libpq {major}: {}: libpq {libpq}, pgready {} ({}), expected {}",
                    c.what,
                    run.code,
                    run.target()["message"],
                    expect[i]
                ));
            }
        }
    }
    eprintln!("live-libpq: {} cases × 2 majors", cases.len());
    assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
}

fn kv(pg: &Pg, extra: &str) -> String {
    format!(
        "user=app password='{APP_PASSWORD}' dbname=appdb port={} {extra}",
        pg.port
    )
}

#[test]
fn hostaddr_and_host_lists() {
    let pg = Pg::start();
    let closed = free_port();
    let cases = vec![
        (case("hostaddr alone", kv(&pg, "hostaddr=127.0.0.1"), &[]), true),
        (
            case("hostaddr dialled, host never resolved", kv(&pg, "host=no-such-host.invalid hostaddr=127.0.0.1"), &[]),
            true,
        ),
        (case("host without hostaddr does not resolve", kv(&pg, "host=no-such-host.invalid"), &[]), false),
        (case("hostaddr count mismatch", kv(&pg, "host=a,b hostaddr=127.0.0.1"), &[]), false),
        (
            case(
                "first host refused, second ready",
                format!(
                    "user=app password='{APP_PASSWORD}' dbname=appdb host=127.0.0.1,127.0.0.1 port={closed},{}",
                    pg.port
                ),
                &[],
            ),
            true,
        ),
        (case("primary for read-write", kv(&pg, "host=127.0.0.1 target_session_attrs=read-write"), &[]), true),
        (case("primary is no standby", kv(&pg, "host=127.0.0.1 target_session_attrs=standby"), &[]), false),
        (case("prefer-standby takes the primary", kv(&pg, "host=127.0.0.1 target_session_attrs=prefer-standby"), &[]), true),
        (
            case(
                "URL with hostaddr and an unresolvable host",
                format!(
                    "postgresql://app:{APP_PASSWORD_URL}@no-such-host.invalid:{}/appdb?hostaddr=127.0.0.1",
                    pg.port
                ),
                &[],
            ),
            true,
        ),
    ];
    agree_libpq(&cases);
}

/// A HOME holding `.pgpass` with `lines`, at `mode`.
fn home_with_pgpass(lines: &str, mode: u32) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join(".pgpass");
    std::fs::write(&file, lines).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    home
}

fn home_env(home: &Path) -> (&'static str, String) {
    ("HOME", home.display().to_string())
}

#[test]
fn password_file_forms() {
    // Sockets authenticate with a password too, so the file decides.
    let mut pg = Pg::prepare(&[]);
    let hba = std::fs::read_to_string(pg.data.join("pg_hba.conf")).unwrap();
    std::fs::write(
        pg.data.join("pg_hba.conf"),
        format!("local all app scram-sha-256\n{hba}"),
    )
    .unwrap();
    pg.launch();
    pg.sql("CREATE ROLE colon LOGIN PASSWORD 'a:b\\c'; GRANT CONNECT ON DATABASE appdb TO colon");
    let port = pg.port;
    let sock = pg.socket_dir.display().to_string();
    let pw = APP_PASSWORD;
    let tcp = format!("host=127.0.0.1 port={port} user=app dbname=appdb");
    let socket = format!("host={sock} port={port} user=app dbname=appdb");
    let homes = [
        (
            "exact host",
            format!("127.0.0.1:{port}:appdb:app:{pw}\n"),
            0o600,
            tcp.clone(),
            true,
        ),
        (
            "localhost does not match 127.0.0.1",
            format!("localhost:{port}:appdb:app:{pw}\n"),
            0o600,
            tcp.clone(),
            false,
        ),
        (
            "wildcards",
            format!("*:*:*:app:{pw}\n"),
            0o600,
            tcp.clone(),
            true,
        ),
        (
            "first match wins",
            format!("*:*:*:app:wrong\n*:*:*:app:{pw}\n"),
            0o600,
            tcp.clone(),
            false,
        ),
        (
            "comment and blank lines",
            format!("# note\n\n127.0.0.1:{port}:*:app:{pw}\n"),
            0o600,
            tcp.clone(),
            true,
        ),
        (
            "world-readable file is ignored",
            format!("*:*:*:app:{pw}\n"),
            0o644,
            tcp.clone(),
            false,
        ),
        (
            "escaped colon and backslash",
            "*:*:*:colon:a\\:b\\\\c\n".to_string(),
            0o600,
            format!("host=127.0.0.1 port={port} user=colon dbname=appdb"),
            true,
        ),
        (
            "socket directory by its path",
            format!("{sock}:{port}:appdb:app:{pw}\n"),
            0o600,
            socket.clone(),
            true,
        ),
        (
            "localhost means only the default socket directory",
            format!("localhost:{port}:appdb:app:{pw}\n"),
            0o600,
            socket.clone(),
            false,
        ),
    ];
    let dirs: Vec<tempfile::TempDir> = homes.iter().map(|h| home_with_pgpass(&h.1, h.2)).collect();
    let cases: Vec<(Case, bool)> = homes
        .iter()
        .zip(&dirs)
        .map(|(h, dir)| (case(h.0, h.3.clone(), &[home_env(dir.path())]), h.4))
        .collect();
    agree_libpq(&cases);
}

#[test]
fn pg_variables() {
    let pg = Pg::start();
    let port = pg.port.to_string();
    let all = [
        ("PGHOST", "127.0.0.1".to_string()),
        ("PGPORT", port.clone()),
        ("PGUSER", "app".to_string()),
        ("PGPASSWORD", APP_PASSWORD.to_string()),
        ("PGDATABASE", "appdb".to_string()),
    ];
    let cases = vec![
        (case("PG* only", "", &all), true),
        (case("empty URL takes PG*", "postgresql://", &all), true),
        (
            case(
                "URL database wins over PGDATABASE",
                "postgresql:///nosuchdb",
                &all,
            ),
            false,
        ),
        (
            case(
                "PGSSLMODE=require against a server without TLS",
                "",
                &[
                    all.clone().as_slice(),
                    &[("PGSSLMODE", "require".to_string())],
                ]
                .concat(),
            ),
            false,
        ),
        (
            case(
                "PGTARGETSESSIONATTRS=standby",
                "",
                &[
                    all.clone().as_slice(),
                    &[("PGTARGETSESSIONATTRS", "standby".to_string())],
                ]
                .concat(),
            ),
            false,
        ),
        (
            case(
                "PGHOSTADDR with an unresolvable PGHOST",
                "",
                &[
                    ("PGHOST", "no-such-host.invalid".to_string()),
                    ("PGHOSTADDR", "127.0.0.1".to_string()),
                    ("PGPORT", port.clone()),
                    ("PGUSER", "app".to_string()),
                    ("PGPASSWORD", APP_PASSWORD.to_string()),
                    ("PGDATABASE", "appdb".to_string()),
                ],
            ),
            true,
        ),
    ];
    agree_libpq(&cases);
}

/// A TLS server whose pg_hba rejects the role `app` over TLS (`hostssl … reject`).
fn tls_server_rejecting_tls_for_app() -> Pg {
    let p = pki();
    let settings = [
        "ssl=on".to_string(),
        format!("ssl_cert_file={}", p.good.cert.display()),
        format!("ssl_key_file={}", p.good.key.display()),
    ];
    let refs: Vec<&str> = settings.iter().map(String::as_str).collect();
    let mut pg = Pg::prepare(&refs);
    let hba = std::fs::read_to_string(pg.data.join("pg_hba.conf")).unwrap();
    std::fs::write(
        pg.data.join("pg_hba.conf"),
        format!("hostssl all app 127.0.0.1/32 reject\n{hba}"),
    )
    .unwrap();
    pg.launch();
    pg
}

#[test]
fn pg_hba_rejections_under_allow_and_prefer() {
    let no_tls_for_app = tls_server_rejecting_tls_for_app();
    let tls = tls_server(&pki().good);
    let app = |pg: &Pg, mode: &str| pg.url(&format!("sslmode={mode}"));
    let tlsonly = |pg: &Pg, mode: &str| {
        format!(
            "postgresql://tlsonly:{OTHER_PASSWORD}@127.0.0.1:{}/appdb?sslmode={mode}",
            pg.port
        )
    };
    let cases = vec![
        (
            case(
                "prefer: TLS rejected by pg_hba, plaintext retried",
                app(&no_tls_for_app, "prefer"),
                &[],
            ),
            true,
        ),
        (
            case(
                "require: TLS rejected by pg_hba",
                app(&no_tls_for_app, "require"),
                &[],
            ),
            false,
        ),
        (
            case(
                "allow: plaintext accepted",
                app(&no_tls_for_app, "allow"),
                &[],
            ),
            true,
        ),
        (
            case(
                "allow: plaintext rejected, TLS retried",
                tlsonly(&tls, "allow"),
                &[],
            ),
            true,
        ),
        (
            case("disable: plaintext rejected", tlsonly(&tls, "disable"), &[]),
            false,
        ),
        (
            case("prefer: TLS accepted", tlsonly(&tls, "prefer"), &[]),
            true,
        ),
    ];
    agree_libpq(&cases);
}

#[test]
fn root_and_key_files() {
    let tls = tls_server(&pki().good);
    let p = pki();
    let ca = p.ca.display().to_string();
    // A client key owned by this user (the tests run as root or as the owner).
    let keys = tempfile::tempdir().unwrap();
    let key_at = |mode: u32| {
        let path = keys.path().join(format!("client-{mode:o}.key"));
        std::fs::copy(&p.client.key, &path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path.display().to_string()
    };
    let cert = p.client.cert.display().to_string();
    let certuser = |key: &str| {
        format!(
            "postgresql://certuser@localhost:{}/appdb?sslmode=verify-full&sslrootcert={ca}&sslcert={cert}&sslkey={key}",
            tls.port
        )
    };
    let cases = vec![
        (
            case(
                "require with a root file that does not exist",
                tls.url("sslmode=require&sslrootcert=/nonexistent/root.crt"),
                &[],
            ),
            true,
        ),
        (
            case(
                "verify-ca with a root file that does not exist",
                tls.url("sslmode=verify-ca&sslrootcert=/nonexistent/root.crt"),
                &[],
            ),
            false,
        ),
        (
            case(
                "require with a trusted root file",
                tls.url(&format!("sslmode=require&sslrootcert={ca}")),
                &[],
            ),
            true,
        ),
        (
            case(
                "require with another CA's root file",
                tls.url(&format!(
                    "sslmode=require&sslrootcert={}",
                    p.other_ca.display()
                )),
                &[],
            ),
            false,
        ),
        (case("client key 0600", certuser(&key_at(0o600)), &[]), true),
        (
            case(
                "client key 0644 (libpq refuses it)",
                certuser(&key_at(0o644)),
                &[],
            ),
            false,
        ),
        (
            case(
                "client key missing",
                certuser("/nonexistent/client.key"),
                &[],
            ),
            false,
        ),
        (
            case(
                "sslcertmode=disable withholds the certificate (libpq 15: unknown)",
                format!("{}&sslcertmode=disable", certuser(&key_at(0o600))),
                &[],
            ),
            false,
        ),
    ];
    agree_libpq(&cases);
}

/// `require_auth` (libpq 16+) against SCRAM, md5 and trust, in plaintext and TLS.
/// libpq 15 refuses the option itself; pgready told 15 does too.
#[test]
fn require_auth_against_real_methods() {
    let mut md5 = Pg::prepare(&["password_encryption=md5"]);
    let hba = std::fs::read_to_string(md5.data.join("pg_hba.conf")).unwrap();
    std::fs::write(
        md5.data.join("pg_hba.conf"),
        format!("host all md5user 127.0.0.1/32 md5\nhost all trusted 127.0.0.1/32 trust\n{hba}"),
    )
    .unwrap();
    md5.launch();
    md5.sql(&format!(
        "CREATE ROLE md5user LOGIN PASSWORD '{OTHER_PASSWORD}'; CREATE ROLE trusted LOGIN; \
         GRANT CONNECT ON DATABASE appdb TO md5user, trusted"
    ));
    let tls = tls_server(&pki().good);
    let scram = |pg: &Pg, q: &str| pg.url(q);
    let md5_url = |q: &str| {
        format!(
            "postgresql://md5user:{OTHER_PASSWORD}@127.0.0.1:{}/appdb?{q}",
            md5.port
        )
    };
    let trusted = |q: &str| format!("postgresql://trusted@127.0.0.1:{}/appdb?{q}", md5.port);
    let rows: Vec<(&str, String, bool)> = vec![
        (
            "scram allowed",
            scram(&md5, "require_auth=scram-sha-256"),
            true,
        ),
        (
            "scram refused by a list without it",
            scram(&md5, "require_auth=md5,password"),
            false,
        ),
        (
            "scram refused by negation",
            scram(&md5, "require_auth=!scram-sha-256"),
            false,
        ),
        ("md5 allowed", md5_url("require_auth=md5"), true),
        ("md5 refused", md5_url("require_auth=scram-sha-256"), false),
        (
            "md5 allowed by negation",
            md5_url("require_auth=!password"),
            true,
        ),
        (
            "trust needs none",
            trusted("require_auth=scram-sha-256"),
            false,
        ),
        (
            "trust with none",
            trusted("require_auth=scram-sha-256,none"),
            true,
        ),
        (
            "scram inside TLS allowed",
            scram(&tls, "sslmode=require&require_auth=scram-sha-256"),
            true,
        ),
        (
            "scram inside TLS refused",
            scram(&tls, "sslmode=require&require_auth=md5"),
            false,
        ),
        (
            "prefer: TLS then scram refused",
            scram(&tls, "sslmode=prefer&require_auth=md5"),
            false,
        ),
    ];
    // libpq 15 refuses the option itself.
    let cases: Vec<(Case, [bool; 2])> = rows
        .into_iter()
        .map(|(what, url, allowed)| (case(what, url, &[]), [false, allowed]))
        .collect();
    agree_per_major(&cases.iter().map(|(c, e)| (c, *e)).collect::<Vec<_>>());
}

/// `sslnegotiation=direct` (libpq 17+, pg 8.22+): TLS without asking, which a
/// PostgreSQL 18 server accepts and a 15 server does not understand.
#[test]
fn direct_tls_against_postgresql_18_and_15() {
    let p = pki();
    let tls_settings = [
        "ssl=on".to_string(),
        format!("ssl_cert_file={}", p.good.cert.display()),
        format!("ssl_key_file={}", p.good.key.display()),
    ];
    let refs: Vec<&str> = tls_settings.iter().map(String::as_str).collect();
    let pg18 = Pg::start_major(&oracles::dir().join("libpq/18/bin"), &refs);
    let pg15 = tls_server(&p.good);
    let ca = p.ca.display().to_string();
    let url = |pg: &Pg, q: &str| pg.url(q).replace("127.0.0.1", "localhost");
    let direct = format!("sslnegotiation=direct&sslmode=verify-full&sslrootcert={ca}");
    let rows: Vec<(&str, String, [bool; 2])> = vec![
        // (what, URL, [libpq 15 connects, libpq 18 connects])
        (
            "direct to PostgreSQL 18",
            url(&pg18, &direct),
            [false, true],
        ),
        (
            "direct to PostgreSQL 15",
            url(&pg15, &direct),
            [false, false],
        ),
        (
            "direct with a weak sslmode",
            url(&pg18, "sslnegotiation=direct&sslmode=prefer"),
            [false, false],
        ),
        (
            "postgres negotiation to PostgreSQL 18",
            url(
                &pg18,
                &format!("sslnegotiation=postgres&sslmode=verify-full&sslrootcert={ca}"),
            ),
            [false, true],
        ),
        (
            "no sslnegotiation to PostgreSQL 18",
            url(&pg18, &format!("sslmode=verify-full&sslrootcert={ca}")),
            [true, true],
        ),
    ];
    let cases: Vec<(Case, [bool; 2])> = rows
        .into_iter()
        .map(|(what, url, expect)| (case(what, url, &[]), expect))
        .collect();
    agree_per_major(&cases.iter().map(|(c, e)| (c, *e)).collect::<Vec<_>>());
    let mut wrong = Vec::new();
    for (what, pg, expect) in [
        ("node direct to 18", &pg18, true),
        ("node direct to 15", &pg15, false),
    ] {
        let u = url(pg, &format!("sslnegotiation=direct&sslrootcert={ca}"));
        let node = node_connects(&u, &[]);
        let run = pgready_check("node-postgres", 18, &u, &[]);
        if node != (run.code == 0) || node != expect {
            wrong.push(format!(
                "{what}: node {node}, pgready {} ({})",
                run.code,
                run.target()["message"]
            ));
        }
    }
    assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
}

#[test]
fn names_only_in_the_subject_cn() {
    let p = pki();
    let ca = p.ca.display().to_string();
    let servers = [
        ("CN localhost, no SAN", tls_server(&p.cn_only_name)),
        ("CN 127.0.0.1, no SAN", tls_server(&p.cn_only_ip)),
        (
            "SAN DNS localhost, CN 127.0.0.1",
            tls_server(&p.dns_san_ip_cn),
        ),
        ("SAN localhost and 127.0.0.1", tls_server(&p.good)),
        ("SAN db.example.com", tls_server(&p.wrong_name)),
    ];
    let expected = [
        // (localhost, 127.0.0.1) under verify-full, as libpq decides
        (true, false),
        (false, true),
        (true, true),
        (true, true),
        (false, false),
    ];
    let mut cases = Vec::new();
    for ((what, pg), (by_name, by_ip)) in servers.iter().zip(expected) {
        for (host, expect) in [("localhost", by_name), ("127.0.0.1", by_ip)] {
            let url = format!(
                "postgresql://app:{APP_PASSWORD_URL}@{host}:{}/appdb?sslmode=verify-full&sslrootcert={ca}",
                pg.port
            );
            cases.push((case(what, url, &[]), expect));
        }
    }
    agree_libpq(&cases);
}

/// (what, URL, variables, whether node-postgres connects).
type NodeCase<'a> = (&'a str, String, Vec<(&'a str, String)>, bool);

#[test]
fn node_postgres_connects_where_pgready_says_ready() {
    let plain = Pg::start();
    let tls = tls_server(&pki().good);
    let ca = pki().ca.display().to_string();
    let port = plain.port.to_string();
    let home = home_with_pgpass(
        &format!("127.0.0.1:{port}:appdb:app:{APP_PASSWORD}\n"),
        0o600,
    );
    let home_var = home.path().display().to_string();
    let no_password = format!("postgresql://app@127.0.0.1:{port}/appdb");
    let cases: Vec<NodeCase<'_>> = vec![
        ("plain URL", plain.url(""), vec![], true),
        (
            "PGSSLMODE=require, no TLS server",
            plain.url(""),
            vec![("PGSSLMODE", "require".into())],
            false,
        ),
        (
            "URL sslmode=disable beats PGSSLMODE=require",
            plain.url("sslmode=disable"),
            vec![("PGSSLMODE", "require".into())],
            true,
        ),
        (
            "sslmode=prefer means verified TLS",
            plain.url("sslmode=prefer"),
            vec![],
            false,
        ),
        (
            "verified TLS with the CA",
            tls.url(&format!("sslmode=require&sslrootcert={ca}"))
                .replace("127.0.0.1", "localhost"),
            vec![],
            true,
        ),
        ("no-verify", tls.url("sslmode=no-verify"), vec![], true),
        (
            "require against an untrusted server",
            tls.url("sslmode=require"),
            vec![],
            false,
        ),
        (
            "uselibpqcompat require",
            tls.url("sslmode=require&uselibpqcompat=true"),
            vec![],
            true,
        ),
        (
            "password from ~/.pgpass",
            no_password.clone(),
            vec![("HOME", home_var.clone())],
            true,
        ),
        (
            "PGPASSWORD",
            no_password.clone(),
            vec![("PGPASSWORD", APP_PASSWORD.into())],
            true,
        ),
        (
            "PG* fill the URL",
            "postgresql:///appdb".to_string(),
            vec![
                ("PGHOST", "127.0.0.1".into()),
                ("PGPORT", port.clone()),
                ("PGUSER", "app".into()),
                ("PGPASSWORD", APP_PASSWORD.into()),
            ],
            true,
        ),
        (
            "%64 in the database name is decoded",
            format!("postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{port}/app%64b"),
            vec![],
            true,
        ),
        (
            "%2F in the database name is kept as written",
            format!("postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{port}/appdb%2F"),
            vec![],
            false,
        ),
    ];
    let mut wrong = Vec::new();
    for (what, url, env, expect) in &cases {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let node = node_connects(url, &env);
        let run = pgready_check("node-postgres", 18, url, &env);
        if node != (run.code == 0) || node != *expect {
            wrong.push(format!(
                "{what}: node {node}, pgready {} ({}), expected {expect}",
                run.code,
                run.target()["message"]
            ));
        }
    }
    assert!(wrong.is_empty(), "disagreements:\n{}", wrong.join("\n"));
    let _ = oracles::dir();
}

//! TLS against real servers with certificates made by the tests: every sslmode per
//! client, a differential test against libpq (psql), the README's table checked
//! against behaviour, client certificates, and the environment fallbacks.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::certs::{pki, CertFiles, P12_PASSWORD};
use crate::support::oracles;
use crate::support::*;

/// A server with `ssl = on` and this certificate (client certificates checked
/// against the trusted CA).
pub(crate) fn tls_server(cert: &CertFiles) -> Pg {
    let settings = [
        "ssl=on".to_string(),
        format!("ssl_cert_file={}", cert.cert.display()),
        format!("ssl_key_file={}", cert.key.display()),
        format!("ssl_ca_file={}", pki().ca.display()),
    ];
    let refs: Vec<&str> = settings.iter().map(String::as_str).collect();
    Pg::start_with(&refs)
}

/// One server per column of the README's TLS table.
struct Servers {
    columns: Vec<(&'static str, Pg)>,
}

impl Servers {
    fn start() -> Servers {
        let p = pki();
        Servers {
            columns: vec![
                ("TLS server", tls_server(&p.good)),
                ("no TLS", Pg::start()),
                ("untrusted cert", tls_server(&p.untrusted)),
                ("name mismatch", tls_server(&p.wrong_name)),
                ("expired cert", tls_server(&p.expired)),
            ],
        }
    }
}

fn url(user: &str, password: &str, host: &str, port: u16, query: &str) -> String {
    format!("postgresql://{user}:{password}@{host}:{port}/appdb?{query}")
}

/// Does libpq connect? `psql` with a clean environment (no ~/.postgresql).
fn psql_connects(url: &str) -> bool {
    let out = std::process::Command::new(system_pg_bin().join("psql"))
        .env_clear()
        .env("HOME", "/nonexistent")
        .env("PGCONNECT_TIMEOUT", "5")
        .args(["-X", "-A", "-t", "-w", "-c", "select 1", url])
        .output()
        .unwrap();
    assert_no_secret(&[
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    ]);
    out.status.success()
}

fn check(client: &str, url: &str) -> Run {
    run_args(&["check", "--json", "--client", client, "--url", url])
}

#[test]
fn libpq_and_pgready_agree_on_connect_or_refuse() {
    let servers = Servers::start();
    let ca = pki().ca.display().to_string();
    let mut cases = Vec::new();
    for (column, pg) in &servers.columns {
        for host in ["localhost", "127.0.0.1"] {
            for mode in [
                "disable",
                "allow",
                "prefer",
                "require",
                "verify-ca",
                "verify-full",
            ] {
                for root in ["", "&sslrootcert="] {
                    let root = if root.is_empty() {
                        String::new()
                    } else {
                        format!("{root}{ca}")
                    };
                    let q = format!("sslmode={mode}{root}");
                    cases.push((*column, url("app", APP_PASSWORD_URL, host, pg.port, &q)));
                }
            }
        }
        // A role that pg_hba admits only over TLS: allow must upgrade, disable fails.
        for mode in ["disable", "allow", "prefer", "require"] {
            cases.push((
                *column,
                url(
                    "tlsonly",
                    OTHER_PASSWORD,
                    "127.0.0.1",
                    pg.port,
                    &format!("sslmode={mode}"),
                ),
            ));
        }
    }
    let mut disagreements = Vec::new();
    for major in [15, 18] {
        for (column, url) in &cases {
            let libpq = oracles::libpq_connects(major, url, &[]);
            let ours = oracles::pgready_check("libpq", major, url, &[]);
            if libpq != (ours.code == 0) {
                disagreements.push(format!(
                    "libpq {major}: {column}: {url}: psql {libpq}, pgready {} ({})",
                    ours.code,
                    ours.target()["message"]
                ));
            }
        }
    }
    eprintln!(
        "libpq agreement (15 and 18): {}/{} URLs",
        2 * cases.len() - disagreements.len(),
        2 * cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "pgready and libpq disagree:\n{}",
        disagreements.join("\n")
    );
}

/// A refused login costs the server as many tries as libpq makes: `prefer` retries
/// in plaintext only after a TLS session was refused (a server without TLS already
/// had the plaintext try), `allow` retries with TLS after a plaintext refusal.
#[test]
fn a_refused_login_is_tried_as_often_as_libpq_tries_it() {
    let p = pki();
    let servers = [("TLS server", tls_server(&p.good)), ("no TLS", Pg::start())];
    let failures = |pg: &Pg| pg.log().matches("password authentication failed").count();
    let mut differences = Vec::new();
    for (column, pg) in &servers {
        for mode in ["allow", "prefer"] {
            let url = url(
                "app",
                WRONG_PASSWORD,
                "127.0.0.1",
                pg.port,
                &format!("sslmode={mode}"),
            );
            let before = failures(pg);
            assert!(!oracles::libpq_connects(18, &url, &[]));
            let libpq = failures(pg) - before;
            check("libpq", &url).assert_class("auth_failed", 30);
            let ours = failures(pg) - before - libpq;
            if ours != libpq {
                differences.push(format!(
                    "{column}, sslmode={mode}: libpq {libpq}, pgready {ours}"
                ));
            }
        }
    }
    assert!(differences.is_empty(), "{differences:?}");
}

/// What a cell of the README table says, and what a run shows.
fn outcome(run: &Run) -> String {
    let t = run.target();
    if run.code != 0 {
        return format!("✗ {}", t["class"].as_str().unwrap());
    }
    match t["tls"]["verified"].as_bool() {
        None => "plain".to_string(),
        Some(true) => "TLS ✓".to_string(),
        Some(false) => "TLS".to_string(),
    }
}

/// The README's "TLS by client" table: (client, URL parameters) → outcome per column.
fn readme_table() -> Vec<(String, String, Vec<String>)> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- tls-table -->")
        .expect("README has the TLS table");
    let end = readme.find("<!-- /tls-table -->").unwrap();
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| client") && !l.starts_with("|--"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2..].to_vec())
        })
        .collect()
}

#[test]
fn the_readme_tls_table_matches_behaviour() {
    let servers = Servers::start();
    let rows = readme_table();
    assert!(rows.len() >= 15, "{rows:?}");
    let ca = pki().ca.display().to_string();
    let mut wrong = Vec::new();
    for (client, params, expected) in &rows {
        assert_eq!(expected.len(), servers.columns.len(), "{client} {params}");
        for ((column, pg), want) in servers.columns.iter().zip(expected) {
            let q = if params == "(none)" {
                String::new()
            } else {
                params.replace("CA", &ca)
            };
            let run = check(
                client,
                &url("app", APP_PASSWORD_URL, "localhost", pg.port, &q),
            );
            let got = outcome(&run);
            if &got != want {
                wrong.push(format!(
                    "{client} `{params}` × {column}: README says {want}, observed {got}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn verify_full_by_name_and_ip_verify_ca_ignores_the_name() {
    let p = pki();
    let good = tls_server(&p.good);
    let ca = p.ca.display();
    for host in ["localhost", "127.0.0.1"] {
        let run = check(
            "libpq",
            &url(
                "app",
                APP_PASSWORD_URL,
                host,
                good.port,
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
        );
        run.assert_class("ready", 0);
        let tls = &run.target()["tls"];
        assert_eq!(tls["verified"], true, "{tls}");
        assert!(
            tls["protocol"].as_str().unwrap().starts_with("TLSv1."),
            "{tls}"
        );
        assert_eq!(tls["client"], "libpq");
    }
    let wrong = tls_server(&p.wrong_name);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            wrong.port,
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
    );
    run.assert_class("tls_untrusted", 21);
    let message = run.message().to_string();
    assert!(
        message.contains("db.example.com"),
        "names the certificate's names: {message}"
    );
    assert!(
        run.stderr.contains("verify-ca"),
        "hints verify-ca: {}",
        run.stderr
    );
    check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "127.0.0.1",
            wrong.port,
            &format!("sslmode=verify-ca&sslrootcert={ca}"),
        ),
    )
    .assert_class("ready", 0);
}

#[test]
fn untrusted_and_expired_certificates_say_why() {
    let p = pki();
    let ca = p.ca.display();
    let untrusted = tls_server(&p.untrusted);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            untrusted.port,
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ),
    );
    run.assert_class("tls_untrusted", 21);
    assert!(
        run.message().contains("not issued by a trusted CA"),
        "{run:?}"
    );
    assert!(run.stderr.contains("sslrootcert="), "{}", run.stderr);
    let expired = tls_server(&p.expired);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            expired.port,
            &format!("sslmode=verify-ca&sslrootcert={ca}"),
        ),
    );
    run.assert_class("tls_untrusted", 21);
    assert!(run.message().contains("expired"), "{run:?}");
    // The other CA does not make the trusted server trusted.
    let good = tls_server(&p.good);
    let other = p.other_ca.display();
    check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            good.port,
            &format!("sslmode=verify-full&sslrootcert={other}"),
        ),
    )
    .assert_class("tls_untrusted", 21);
}

#[test]
fn tls_required_by_a_server_without_tls() {
    let plain = Pg::start();
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            plain.port,
            "sslmode=require",
        ),
    );
    run.assert_class("tls_unsupported", 20);
    assert_eq!(run.target()["prisma_code"], "P1011");
    check(
        "node-postgres",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            plain.port,
            "sslmode=no-verify",
        ),
    )
    .assert_class("tls_unsupported", 20);
}

#[test]
fn verification_without_roots_is_invalid_config() {
    let good = tls_server(&pki().good);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            good.port,
            "sslmode=verify-full",
        ),
    );
    run.assert_class("invalid_config", 2);
    assert!(run.message().contains("sslrootcert"), "{run:?}");
}

#[test]
fn client_certificates() {
    let p = pki();
    let good = tls_server(&p.good);
    let ca = p.ca.display();
    let with_cert = format!(
        "postgresql://certuser@localhost:{}/appdb?sslmode=verify-full&sslrootcert={ca}&sslcert={}&sslkey={}",
        good.port,
        p.client.cert.display(),
        p.client.key.display()
    );
    check("libpq", &with_cert).assert_class("ready", 0);
    assert!(psql_connects(&with_cert), "libpq agrees");
    let without = format!(
        "postgresql://certuser@localhost:{}/appdb?sslmode=verify-full&sslrootcert={ca}",
        good.port
    );
    let run = check("libpq", &without);
    run.assert_class("access_rejected", 31);
    // Prisma: sslcert is the server's CA, the identity is PKCS#12.
    let prisma = format!(
        "postgresql://certuser@localhost:{}/appdb?sslmode=require&sslaccept=strict&sslcert={ca}&sslidentity={}&sslpassword={P12_PASSWORD}",
        good.port,
        p.client_p12.display()
    );
    let run = check("prisma", &prisma);
    run.assert_class("ready", 0);
    assert!(
        !run.stdout.contains(P12_PASSWORD) && !run.stderr.contains(P12_PASSWORD),
        "sslpassword leaked: {run:?}"
    );
    let bad_password = prisma.replace(P12_PASSWORD, "wrong-p12-pass");
    check("prisma", &bad_password).assert_class("invalid_config", 2);
}

#[test]
fn environment_fallbacks() {
    let p = pki();
    let good = tls_server(&p.good);
    let plain = Pg::start();
    let base = |pg: &Pg| url("app", APP_PASSWORD_URL, "localhost", pg.port, "");
    let run = run_cmd(
        pgready()
            .args(["check", "--json", "--url", &base(&good)])
            .env("PGSSLMODE", "verify-full")
            .env("PGSSLROOTCERT", &p.ca),
    );
    run.assert_class("ready", 0);
    assert_eq!(run.target()["tls"]["verified"], true);
    run_cmd(
        pgready()
            .args(["check", "--json", "--url", &base(&plain)])
            .env("PGSSLMODE", "require"),
    )
    .assert_class("tls_unsupported", 20);
    let client_env = pgready()
        .args(["check", "--json", "--url"])
        .arg(format!(
            "postgresql://certuser@localhost:{}/appdb",
            good.port
        ))
        .env("PGSSLMODE", "verify-ca")
        .env("PGSSLROOTCERT", &p.ca)
        .env("PGSSLCERT", &p.client.cert)
        .env("PGSSLKEY", &p.client.key)
        .output()
        .unwrap();
    assert!(
        client_env.status.success(),
        "{}",
        String::from_utf8_lossy(&client_env.stderr)
    );
    // node-postgres reads PGSSLMODE (no-verify included) but not PGSSLROOTCERT.
    let run = run_cmd(
        pgready()
            .args([
                "check",
                "--json",
                "--client",
                "node-postgres",
                "--url",
                &base(&good),
            ])
            .env("PGSSLMODE", "no-verify"),
    );
    run.assert_class("ready", 0);
    assert_eq!(run.target()["tls"]["verified"], false);
    // Prisma reads no PG* variable at all.
    let run = run_cmd(
        pgready()
            .args([
                "check",
                "--json",
                "--client",
                "prisma",
                "--url",
                &base(&plain),
            ])
            .env("PGSSLMODE", "require"),
    );
    run.assert_class("ready", 0);
}

#[test]
fn channel_binding() {
    let good = tls_server(&pki().good);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            good.port,
            "sslmode=require&channel_binding=require",
        ),
    );
    run.assert_class("ready", 0);
    let plain = Pg::start();
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            plain.port,
            "sslmode=disable&channel_binding=require",
        ),
    );
    assert_ne!(run.code, 0, "{run:?}");
    assert!(run.message().contains("channel binding"), "{run:?}");
}

#[test]
fn prisma_looking_url_is_flagged_when_no_client_is_chosen() {
    let plain = Pg::start();
    let u = url(
        "app",
        APP_PASSWORD_URL,
        "localhost",
        plain.port,
        "schema=public&connection_limit=3&sslmode=prefer",
    );
    let run = run_args(&["check", "--json", "--url", &u]);
    run.assert_class("ready", 0);
    let hints = run.target()["hints"].to_string();
    assert!(hints.contains("--client prisma"), "{hints}");
    let run = check("prisma", &u);
    assert!(!run.target()["hints"]
        .to_string()
        .contains("--client prisma"));
    let mut seen = BTreeMap::new();
    seen.insert("client", run.target()["client"].clone());
    assert_eq!(seen["client"], "prisma");
}

/// Each client's TLS fixes are worded in that client's own parameters: node-postgres
/// encrypts without verifying with `no-verify` (its `require` verifies), Prisma takes
/// the server's CA from `sslcert` and skips verification with `sslaccept`.
#[test]
fn tls_hints_speak_the_clients_parameters() {
    let p = pki();
    let untrusted = tls_server(&p.untrusted);
    let hints = |client: &str, query: &str| {
        let run = check(
            client,
            &url("app", APP_PASSWORD_URL, "localhost", untrusted.port, query),
        );
        run.assert_class("tls_untrusted", 21);
        run.target()["hints"].to_string()
    };
    let libpq = hints(
        "libpq",
        &format!("sslmode=verify-full&sslrootcert={}", p.ca.display()),
    );
    assert!(
        libpq.contains("sslrootcert=") && libpq.contains("sslmode=require"),
        "{libpq}"
    );
    let node = hints("node-postgres", "sslmode=require");
    assert!(node.contains("sslmode=no-verify"), "{node}");
    assert!(!node.contains("sslmode=require to encrypt"), "{node}");
    let prisma = hints("prisma", "sslmode=require&sslaccept=strict");
    assert!(
        prisma.contains("sslcert=") && prisma.contains("sslaccept=accept_invalid_certs"),
        "{prisma}"
    );
    assert!(!prisma.contains("sslrootcert"), "{prisma}");

    let plain = Pg::start();
    let node = check(
        "node-postgres",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            plain.port,
            "sslmode=no-verify",
        ),
    );
    node.assert_class("tls_unsupported", 20);
    let said = node.target()["hints"].to_string();
    assert!(said.contains("drop sslmode"), "{said}");
    assert!(!said.contains("sslmode=prefer"), "{said}");
}

/// A certificate file the URL names but the container lacks is a configuration
/// error with its own fix, not "fix the connection string".
#[test]
fn a_missing_certificate_file_says_mount_it() {
    let good = tls_server(&pki().good);
    let run = check(
        "libpq",
        &url(
            "app",
            APP_PASSWORD_URL,
            "localhost",
            good.port,
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        ),
    );
    run.assert_class("invalid_config", 2);
    let hints = run.target()["hints"].to_string();
    assert!(hints.contains("mount it"), "{hints}");
    assert!(!hints.contains("fix the connection string"), "{hints}");
}

//! What each PostgreSQL major says and does differently, against the major the
//! suite runs on (`scripts/server-matrix` runs it on 13, 14, 16, 17 and 18 as well
//! as the system's 15): every server message classification and hints rest on,
//! printed (`MESSAGE` lines, collected by the matrix) and judged by SQLSTATE first;
//! md5-stored roles; 16's reserved_connections; 17's direct TLS.

use crate::support::certs::pki;
use crate::support::oracles;
use crate::support::*;

/// One failure a server produces: its class, the SQLSTATE, and the message the
/// server wrote, printed for the matrix's collection.
fn said(what: &str, run: &Run, class: &str, code: i32) -> String {
    run.assert_class(class, code);
    let message = run.message();
    println!("MESSAGE major={} {what} {class}: {message}", server_major());
    assert_no_secret(&[&run.stdout, &run.stderr]);
    message
}

#[test]
fn every_server_message_is_classified_on_every_major() {
    let pg = Pg::start_with(&["max_connections=6", "superuser_reserved_connections=2"]);
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("app", WRONG_PASSWORD, "appdb", ""),
    ]);
    assert!(said("wrong password", &run, "auth_failed", 30).contains("28P01"));
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("app", APP_PASSWORD_URL, "nosuchdb", ""),
    ]);
    assert!(said("missing database", &run, "database_missing", 32).contains("3D000"));
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("nologin", OTHER_PASSWORD, "appdb", ""),
    ]);
    assert!(said("NOLOGIN", &run, "access_rejected", 31).contains("28000"));
    let hints = run.target()["hints"].to_string();
    assert!(
        hints.contains("ALTER ROLE \\\"nologin\\\" LOGIN"),
        "{hints}"
    );
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("blocked", OTHER_PASSWORD, "appdb", ""),
    ]);
    said("pg_hba reject", &run, "access_rejected", 31);
    assert!(
        run.target()["hints"].to_string().contains("reject"),
        "{}",
        run.stdout
    );
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("nobody", OTHER_PASSWORD, "appdb", ""),
    ]);
    said("unknown role", &run, "auth_failed", 30);
    pg.sql("CREATE ROLE viewer LOGIN PASSWORD 'Viewer-Pw-42'; REVOKE CONNECT ON DATABASE appdb FROM PUBLIC");
    let run = run_args(&[
        "check",
        "--json",
        "--url",
        &pg.url_for("viewer", "Viewer-Pw-42", "appdb", ""),
    ]);
    said("no CONNECT", &run, "access_rejected", 31);
    assert!(
        run.target()["hints"].to_string().contains("GRANT CONNECT"),
        "{}",
        run.stdout
    );
    // The slots left are the superusers': a plain role is refused (53300).
    let _held = pg.hold_connections(4);
    let run = run_args(&["check", "--json", "--url", &pg.url("")]);
    assert!(said("superuser-reserved slots", &run, "too_many_connections", 41).contains("53300"));
}

/// A server whose pg_hba.conf has only `hostssl` lines, reached without TLS: the
/// rejection (worded "SSL off" on some majors, "no encryption" on others) is told
/// apart and answered with the sslmode fix on every major.
#[test]
fn a_tls_only_server_reached_without_tls_says_use_tls() {
    let p = pki();
    let dir = pg_tempdir();
    let hba = dir.path().join("pg_hba.conf");
    std::fs::write(
        &hba,
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    chown_to_pg(&hba);
    let pg = Pg::start_with(&[
        "ssl=on",
        &format!("ssl_cert_file={}", p.good.cert.display()),
        &format!("ssl_key_file={}", p.good.key.display()),
        &format!("hba_file={}", hba.display()),
    ]);
    let run = run_args(&["check", "--json", "--url", &pg.url("sslmode=disable")]);
    said("hostssl only, no TLS", &run, "access_rejected", 31);
    let hints = run.target()["hints"].to_string();
    assert!(
        hints.contains("only over TLS") && hints.contains("sslmode=require"),
        "{hints}"
    );
    run_args(&["check", "--url", &pg.url("sslmode=require")]).assert_class("ready", 0);
}

/// A server with its own pg_hba.conf (the other settings as given).
fn with_hba(hba: &str, settings: &[&str]) -> (Pg, tempfile::TempDir) {
    let dir = pg_tempdir();
    let file = dir.path().join("pg_hba.conf");
    std::fs::write(&file, hba).unwrap();
    chown_to_pg(&file);
    let mut all: Vec<String> = settings.iter().map(|s| s.to_string()).collect();
    all.push(format!("hba_file={}", file.display()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    (Pg::start_with(&refs), dir)
}

/// The older password methods: `md5` (with a role whose password is stored as
/// md5, as before SCRAM became the default in 14; 18 deprecates it) and `password`
/// (clear text) log in, and a wrong password is auth_failed under each.
#[test]
fn md5_and_password_methods_log_in() {
    let hba = "local all all trust\nhost all plain 127.0.0.1/32 password\nhost all all 127.0.0.1/32 md5\n";
    let (pg, _dir) = with_hba(hba, &["password_encryption=md5"]);
    pg.sql("CREATE ROLE legacy LOGIN PASSWORD 'Legacy-Md5-Pw-7'; CREATE ROLE plain LOGIN PASSWORD 'Plain-Text-Pw-7'");
    let stored = pg.sql("SELECT left(rolpassword, 3) FROM pg_authid WHERE rolname = 'legacy'");
    assert_eq!(stored, "md5");
    for (user, password) in [("legacy", "Legacy-Md5-Pw-7"), ("plain", "Plain-Text-Pw-7")] {
        let run = run_args(&[
            "check",
            "--json",
            "--url",
            &pg.url_for(user, password, "appdb", ""),
        ]);
        run.assert_class("ready", 0);
        let run = run_args(&[
            "check",
            "--json",
            "--url",
            &pg.url_for(user, "Wrong-Pw-7-zz", "appdb", ""),
        ]);
        said(&format!("{user} wrong password"), &run, "auth_failed", 30);
    }
    // doctor names the method the server asked for; an MD5-stored password is a
    // warning where PostgreSQL deprecates it (18+), with the SCRAM fix.
    let url = pg.url_for("legacy", "Legacy-Md5-Pw-7", "appdb", "");
    let (status, evidence, fix) = auth_finding(&url);
    assert!(evidence.contains("(md5)"), "{evidence}");
    if server_major() >= 18 {
        assert_eq!(status, "warn", "{evidence}");
        assert!(
            fix.contains("password_encryption = 'scram-sha-256'")
                && fix.contains("ALTER ROLE \"legacy\""),
            "{fix}"
        );
    } else {
        assert_eq!(status, "ok", "{evidence}");
    }
    let url = pg.url_for("plain", "Plain-Text-Pw-7", "appdb", "");
    assert!(auth_finding(&url).1.contains("(password)"));
    pg.sql(
        "SET password_encryption = 'scram-sha-256'; ALTER ROLE legacy PASSWORD 'Legacy-Md5-Pw-7'",
    );
    let url = pg.url_for("legacy", "Legacy-Md5-Pw-7", "appdb", "");
    let (status, evidence, _) = auth_finding(&url);
    assert_eq!(status, "ok", "{evidence}");
    assert!(evidence.contains("(scram-sha-256)"), "{evidence}");
}

/// doctor's authentication finding for `url`: status, evidence, fix.
fn auth_finding(url: &str) -> (String, String, String) {
    let run = run_args(&["doctor", "--json", "--url", url]);
    assert_no_secret(&[&run.stdout, &run.stderr]);
    let items = run.json()["targets"][0]["items"].clone();
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "authentication")
        .unwrap_or_else(|| panic!("{}", run.stdout))
        .clone();
    let text = |k: &str| item[k].as_str().unwrap_or_default().to_string();
    (text("status"), text("evidence"), text("fix"))
}

/// 18's `oauth` pg_hba method: the server asks for SASL OAUTHBEARER, which pgready
/// cannot answer — a classified refusal that says so, never a hang or an
/// internal_error; `require_auth` without oauth refuses it as libpq does.
#[test]
fn oauth_asked_by_the_server_is_a_classified_refusal() {
    if server_major() < 18 {
        return println!(
            "SKIP oauth: PostgreSQL {} has no oauth method",
            server_major()
        );
    }
    let hba = "local all all trust\nhost all bearer 127.0.0.1/32 oauth issuer=https://issuer.example scope=openid\nhost all all 127.0.0.1/32 scram-sha-256\n";
    // The validator library is loaded only once a client answers OAUTHBEARER.
    let (pg, _dir) = with_hba(hba, &["oauth_validator_libraries=pgready_test_validator"]);
    pg.sql("CREATE ROLE bearer LOGIN; GRANT CONNECT ON DATABASE appdb TO bearer");
    let url = pg.url_for("bearer", OTHER_PASSWORD, "appdb", "");
    let run = run_args(&["check", "--json", "--url", &url]);
    let message = said("oauth asked", &run, "access_rejected", 31);
    assert!(
        message.contains("OAuth") && message.contains("does not support"),
        "{message}"
    );
    assert!(run.target()["hints"]
        .to_string()
        .contains("no pgready flag skips authentication"));
    let (status, evidence, _) = auth_finding(&url);
    assert_eq!(status, "fail", "{evidence}");
    assert!(evidence.contains("OAuth"), "{evidence}");
    let refused = pg.url_for(
        "bearer",
        OTHER_PASSWORD,
        "appdb",
        "require_auth=scram-sha-256",
    );
    let run = run_args(&["check", "--json", "--url", &refused]);
    assert!(said("oauth under require_auth", &run, "auth_failed", 30).contains("oauth"));
    // Every other role still logs in with SCRAM.
    run_args(&["check", "--url", &pg.url("")]).assert_class("ready", 0);
}

/// 16's reserved_connections: slots kept for roles with pg_use_reserved_connections;
/// a plain role refused there is too_many_connections with 16's own wording.
#[test]
fn reserved_connections_on_16_and_later() {
    if server_major() < 16 {
        return println!(
            "SKIP reserved_connections: PostgreSQL {} has none",
            server_major()
        );
    }
    let pg = Pg::start_with(&[
        "max_connections=6",
        "superuser_reserved_connections=1",
        "reserved_connections=2",
    ]);
    let _held = pg.hold_connections(3);
    let run = run_args(&["check", "--json", "--url", &pg.url("")]);
    said(
        "reserved_connections slots",
        &run,
        "too_many_connections",
        41,
    );
    pg.sql("GRANT pg_use_reserved_connections TO app");
    run_args(&["check", "--url", &pg.url("")]).assert_class("ready", 0);
}

/// 17+ accepts TLS without the SSLRequest (`sslnegotiation=direct`).
#[test]
fn direct_tls_where_the_server_takes_it() {
    let p = pki();
    let pg = crate::cases::tls::tls_server(&p.good);
    let url = format!(
        "postgresql://app:{APP_PASSWORD_URL}@localhost:{}/appdb?sslmode=verify-full&sslrootcert={}&sslnegotiation=direct",
        pg.port,
        p.ca.display()
    );
    let run = run_args(&["check", "--json", "--url", &url]);
    if server_major() >= 17 {
        run.assert_class("ready", 0);
    } else {
        // An older server answers a direct TLS hello as a broken startup packet.
        assert_ne!(run.code, 0, "{run:?}");
        let hints = run.target()["hints"].to_string();
        assert!(hints.contains("needs PostgreSQL 17"), "{hints}");
        println!(
            "MESSAGE major={} direct TLS refused {}: {}",
            server_major(),
            run.target()["class"],
            run.message()
        );
    }
}

/// 18's protocol 3.2: libpq 18 asks for it with `max_protocol_version=3.2` or
/// `latest` and settles for 3.0 on an older server (or pooler); pgready speaks
/// 3.0, which every server takes, so both connect on every major. A
/// `min_protocol_version=3.2` that libpq 18 enforces (it refuses a server below 18)
/// is one pgready cannot check: invalid_config naming the key, never a guess.
#[test]
fn protocol_3_2_requests_connect_on_every_major() {
    let pg = Pg::start();
    for query in ["max_protocol_version=3.2", "max_protocol_version=latest"] {
        let url = pg.url(query);
        assert!(oracles::libpq_connects(18, &url, &[]), "libpq 18: {query}");
        oracles::pgready_check("libpq", 18, &url, &[]).assert_class("ready", 0);
    }
    let url = pg.url("min_protocol_version=3.2");
    assert_eq!(oracles::libpq_connects(18, &url, &[]), server_major() >= 18);
    let run = oracles::pgready_check("libpq", 18, &url, &[]);
    run.assert_class("invalid_config", 2);
    assert!(
        run.message().contains("min_protocol_version"),
        "{}",
        run.message()
    );
}

/// A server in its startup (recovery before it accepts sessions) answers every
/// login with 57P03: `check` says server_starting, and `wait` keeps waiting
/// through it and reports ready once recovery ends. The startup is held by a
/// `restore_command` that blocks until the test releases it, so no timing is
/// involved: the order is observed in the server's log.
#[test]
fn a_starting_server_is_waited_for_through_57p03() {
    let gate_dir = pg_tempdir();
    let gate = gate_dir.path().join("release");
    let restore = format!(
        "restore_command=while [ ! -e {} ]; do sleep 0.05; done; false",
        gate.display()
    );
    let mut pg = Pg::prepare(&[&restore]);
    std::fs::write(pg.data.join("recovery.signal"), "").unwrap();
    chown_to_pg(&pg.data.join("recovery.signal"));
    pg.spawn();
    let url = pg.url("");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let run = loop {
        let run = run_args(&["check", "--json", "--url", &url]);
        if run.code != 12 || std::time::Instant::now() > deadline {
            break run; // 12: connection_refused until the postmaster listens
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(said("starting up", &run, "server_starting", 40).contains("57P03"));
    let refusals =
        |pg: &Pg| pg.log().matches("57P03").count() + pg.log().matches("starting up").count();
    let seen = refusals(&pg);
    let (child, start) = spawn_pgready(&["wait", "--timeout", "120s", "--url", &url]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while refusals(&pg) == seen && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(refusals(&pg) > seen, "wait made no attempt: {}", pg.log());
    std::fs::write(&gate, "").unwrap();
    let run = wait_child(child, start);
    assert_eq!(run.code, 0, "{run:?}");
    pg.wait_until_running();
}

//! Connection strings as the clients read them: the clients' own parser suites,
//! ported as data (`tests/suites/*.json`, each naming its source file and
//! commit), and differentials against the real clients — libpq 15, 16, 17 and
//! 18 (`PQconninfoParse`, `PQconndefaults`, `PQconnectdb`) and node-postgres 8.23
//! (`parse()`, `ConnectionParameters`). Every case agrees, or is one of the
//! deliberate differences below, which the README lists with their reasons.

use std::collections::BTreeMap;
use std::net::TcpListener;

use pgready::settings::client::{TlsPlan, Verify};
use pgready::settings::conninfo::{self, Client, Parsed, Reading};
use pgready::settings::env::Env;
use pgready::settings::spec::{self, ConnSpec, Host};
use pgready::vocab;
use serde_json::{json, Value};

use crate::support::oracles;

const OS_USER: &str = "osuser";
const MAJORS: [u8; 4] = [15, 16, 17, 18];

fn libpq_at(major: u8) -> Reading {
    Reading {
        client: Client::Libpq,
        libpq_major: major,
    }
}

fn env_of(case: &Value) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = case["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    env.push(("HOME".into(), "/nonexistent-home".into()));
    env.push(("USER".into(), OS_USER.into()));
    env
}

/// pgready's reading: the parse, then the spec (defaults and values checked).
fn read(
    input: &str,
    env: &[(String, String)],
    reading: Reading,
) -> Result<(Parsed, ConnSpec), String> {
    let parsed = conninfo::parse(input, reading).map_err(|e| e.message)?;
    let env = Env::from_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let spec = spec::build(parsed.opts.clone(), &env, OS_USER, reading).map_err(|e| e.message)?;
    Ok((parsed, spec))
}

/// The last value of each key, as libpq stores options.
fn resolved(parsed: &Parsed) -> BTreeMap<String, String> {
    parsed
        .opts
        .iter()
        .map(|o| (o.key.clone(), o.value.clone()))
        .collect()
}

// ---------------------------------------------------------------- libpq suite

/// `libpq_uri_regress`'s output for a parse: every option set, in libpq's
/// order, skipping values equal to `PQconndefaults()`'s, then `(inet)` or
/// `(local)`. The defaults are libpq 18's compiled ones in the suite's
/// environment (no `PG*` variable), with `PGSSLROOTCERT=system` making
/// `sslrootcert` and `sslmode` default to `system` and `verify-full`.
fn uri_regress(parsed: &Parsed, env: &[(String, String)]) -> String {
    let mut defaults: BTreeMap<&str, &str> = [
        ("channel_binding", "prefer"),
        ("port", "5432"),
        ("options", ""),
        ("sslmode", "prefer"),
        ("sslnegotiation", "postgres"),
        ("sslcompression", "0"),
        ("sslsni", "1"),
        ("ssl_min_protocol_version", "TLSv1.2"),
        ("krbsrvname", "postgres"),
        ("target_session_attrs", "any"),
        ("load_balance_hosts", "disable"),
    ]
    .into_iter()
    .collect();
    if env
        .iter()
        .any(|(k, v)| k == "PGSSLROOTCERT" && v == "system")
    {
        defaults.insert("sslrootcert", "system");
        defaults.insert("sslmode", "verify-full");
    }
    let values = resolved(parsed);
    let mut out = String::new();
    for key in vocab::libpq::KEYS {
        if let Some(v) = values.get(key.name) {
            if defaults.get(key.name) != Some(&v.as_str()) {
                out.push_str(&format!("{}='{v}' ", key.name));
            }
        }
    }
    let tcp = |k: &str, socket_ok: bool| {
        values
            .get(k)
            .is_some_and(|v| !v.is_empty() && (socket_ok || !v.starts_with('/')))
    };
    out.push_str(if tcp("hostaddr", true) || tcp("host", false) {
        "(inet)"
    } else {
        "(local)"
    });
    out
}

#[test]
fn libpq_001_uri_suite() {
    let suite = oracles::suite("libpq_uri");
    let cases = suite["cases"].as_array().unwrap();
    assert!(cases.len() >= 60, "{}", suite["source"]);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        let env = env_of(case);
        let got = conninfo::parse(input, libpq_at(18));
        match (case["stderr"].as_str().unwrap(), got) {
            ("", Ok(parsed)) => assert_eq!(
                uri_regress(&parsed, &env),
                case["stdout"].as_str().unwrap(),
                "{input}"
            ),
            ("", Err(e)) => panic!("{input}: libpq reads it, pgready says {}", e.message),
            (libpq_says, Ok(parsed)) => panic!(
                "{input}: libpq says {libpq_says}, pgready read {:?}",
                parsed.opts
            ),
            (_, Err(e)) => assert!(!e.message.is_empty(), "{input}"),
        }
    }
}

// ------------------------------------------------------- libpq differentials

/// Cases beyond the suite, for the parse differential: everything the issue
/// and the guides name, in URL and key=value form.
const LIBPQ_CASES: &[&str] = &[
    "postgresql://u:p@h/d?uzer=x",
    "postgresql://u:p@h/d?requiressl=1",
    "requiressl=0 host=h",
    "postgresql://h/d?ssl=true",
    "postgresql://h/d?ssl=1",
    "postgresql://u:p#w@h/d",
    "postgresql://u:p@ss@h/d",
    "postgresql://u:pa/ss@h/d",
    "postgresql://u:pa?ss@h/d",
    "postgresql://u:p:q@h/d",
    "postgresql://host?user=a@b",
    "POSTGRESQL://h/d",
    "Postgres://h/d",
    "postgresql://h?a=1&&port=2",
    "postgresql://h?port=2&",
    "postgresql://h?&port=2",
    "postgresql://h d/x",
    "postgresql://h/x y",
    "postgresql://h/ x ",
    "postgresql://u s:p@h/x",
    "postgresql://h/d?sslmode=re quire",
    "postgresql://h/d#frag",
    "postgresql://h,[::1]:5,g:6/d",
    "postgresql://h1:1,h2/d",
    "postgresql://[::1],[::2]:5/d",
    "postgresql://h/d?host=a&host=b",
    "postgresql://h/%2Fdb",
    "postgresql://h:5432:1/d",
    "postgresql://h/d?dbname=postgresql://x/y",
    "postgresql://%2Fvar%2Frun%2Fpostgresql:5433/d",
    "postgresql://h%2Ch2/d",
    "postgresql://h/d?hostaddr=10.0.0.1",
    "postgresql:///d?hostaddr=10.0.0.1,10.0.0.2&port=1,2",
    "postgresql://h/d?sslnegotiation=direct&sslmode=require",
    "postgresql://h/d?require_auth=scram-sha-256",
    "postgresql://h/d?sslcertmode=disable",
    "postgresql://h/d?load_balance_hosts=random",
    "postgresql://h/d?max_protocol_version=3.2",
    "postgresql://h/d?min_protocol_version=3.0",
    "postgresql://h/d?sslkeylogfile=/tmp/k",
    "postgresql://h/d?gssdelegation=1",
    "postgresql://h/d?sslrootcert=system",
    "postgresql://h/d?schema=public",
    "postgresql://h/d?pgbouncer=true",
    "postgresql://h/d?options=-c%20search_path%3Dapp",
    "postgresql://h/d?application_name=a%26b",
    "postgresql://u%3Ax:p%40y@h/d",
    "postgresql://h/d?password=a%3Db",
    "host=h dbname='my db' user=u password='it\\'s'",
    "host=h port=5432 dbname=d sslmode=verify-full sslrootcert=/ca.pem",
    "  host=h   dbname = 'x y' ",
    "host='a'port=5",
    "host=h dbname",
    "=x",
    "host=h bogus=1",
    "host=h dbname=\\ spaced",
    "host=h password='unterminated",
    "service=myservice",
    "host=h sslnegotiation=direct",
    "host=h require_auth=md5",
    "host=h min_protocol_version=3.2",
    "",
    "postgresql://",
    "postgres://[]",
];

#[test]
fn libpq_vocabulary_is_libpqs() {
    for major in MAJORS {
        let answers = oracles::libpq(major, &json!([{ "input": "" }]));
        let theirs: Vec<(String, Option<String>)> = answers[0]["keywords"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k[0].as_str().unwrap().to_string(),
                    k[1].as_str().map(str::to_string),
                )
            })
            .collect();
        let ours: Vec<(String, Option<String>)> = vocab::libpq::KEYS
            .iter()
            .filter(|k| k.since <= major)
            .map(|k| (k.name.to_string(), k.env.map(str::to_string)))
            .collect();
        assert_eq!(
            ours, theirs,
            "libpq {major}'s keywords and variables, in order"
        );
        let version = answers[0]["version"].as_u64().unwrap();
        assert_eq!(
            version / 10000,
            u64::from(major),
            "the oracle for {major} is libpq {version}"
        );
    }
}

#[test]
fn libpq_parses_as_real_libpq_at_every_major() {
    let suite = oracles::suite("libpq_uri");
    let mut cases: Vec<Value> = suite["cases"].as_array().unwrap().clone();
    cases.extend(LIBPQ_CASES.iter().map(|i| json!({ "input": i })));
    let mut compared = 0;
    for major in MAJORS {
        let answers = oracles::libpq(major, &Value::Array(cases.clone()));
        for (case, answer) in cases.iter().zip(&answers) {
            let input = case["input"].as_str().unwrap();
            let ours = conninfo::parse(input, libpq_at(major));
            match (&answer["parsed"], ours) {
                (Value::Null, Ok(p)) => panic!(
                    "libpq {major} refuses {input:?} ({}); pgready reads {:?}",
                    answer["parse_error"], p.opts
                ),
                (Value::Null, Err(_)) => {}
                (parsed, Err(e)) if input.trim().is_empty() => {
                    // libpq reads an empty string as no options; pgready
                    // refuses it (there is nothing to check): deliberate.
                    assert_eq!(parsed.as_array().map(Vec::len), Some(0), "{e:?}");
                }
                (parsed, Err(e)) => panic!(
                    "libpq {major} reads {input:?} as {parsed}; pgready refuses it: {}",
                    e.message
                ),
                (parsed, Ok(p)) => {
                    let theirs: BTreeMap<String, String> = parsed
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|kv| {
                            (
                                kv[0].as_str().unwrap().into(),
                                kv[1].as_str().unwrap().into(),
                            )
                        })
                        .collect();
                    assert_eq!(resolved(&p), theirs, "libpq {major}: {input:?}");
                }
            }
            compared += 1;
        }
    }
    eprintln!("conninfo-libpq-parse: {compared} cases compared");
}

/// A value libpq checks when it connects, not when it parses. `{DIAL}` stands
/// for a server that accepts and closes, so a dial never fails first.
const LIBPQ_VALUES: &[(&str, Option<&str>)] = &[
    ("{DIAL} sslmode=bogus", None),
    ("{DIAL} sslmode=verify-full", None),
    ("{DIAL} channel_binding=bogus", None),
    ("{DIAL} channel_binding=require", None),
    ("{DIAL} target_session_attrs=bogus", None),
    ("{DIAL} target_session_attrs=prefer-standby", None),
    ("{DIAL} connect_timeout=abc", None),
    ("{DIAL} connect_timeout=10", None),
    ("{DIAL} port=0", None),
    ("{DIAL} port=70000", None),
    ("host=a,b hostaddr=127.0.0.1", None),
    ("{DIAL} hostaddr=notanip", None),
    ("{DIAL} keepalives=abc", None),
    ("{DIAL} client_encoding=bogus", None),
    ("{DIAL} sslnegotiation=bogus", None),
    ("{DIAL} sslnegotiation=direct sslmode=prefer", None),
    ("{DIAL} sslnegotiation=direct sslmode=require", None),
    ("{DIAL} sslrootcert=system sslmode=require", None),
    ("{DIAL} sslrootcert=system", None),
    ("{DIAL} load_balance_hosts=bogus", None),
    ("{DIAL} load_balance_hosts=random", None),
    ("{DIAL} sslcertmode=bogus", None),
    ("{DIAL} sslcertmode=disable", None),
    ("{DIAL} ssl_min_protocol_version=bogus", None),
    ("{DIAL} ssl_max_protocol_version=TLSv1.3", None),
    ("{DIAL} max_protocol_version=bogus", None),
    ("{DIAL} max_protocol_version=3.2", None),
    ("{DIAL} service=nosuchservice", None),
    ("{DIAL} gssencmode=disable", None),
    ("{DIAL} require_auth=scram-sha-256", None),
    ("{DIAL} require_auth=!md5,!password", None),
    ("{DIAL} require_auth=bogus", None),
    ("{DIAL} require_auth=!md5,scram-sha-256", None),
    ("{DIAL} require_auth=md5,md5", None),
    // pgready cannot reproduce these, so it refuses them rather than read them
    // differently (the README's deliberate differences).
    ("{DIAL} sslcertmode=require", Some("sslcertmode")),
    ("{DIAL} sslcrl=/etc/crl.pem", Some("sslcrl")),
    ("{DIAL} sslsni=0", Some("sslsni")),
    ("{DIAL} requirepeer=postgres", Some("requirepeer")),
    ("{DIAL} replication=database", Some("replication")),
    (
        "{DIAL} min_protocol_version=3.2",
        Some("min_protocol_version"),
    ),
    (
        "{DIAL} ssl_min_protocol_version=TLSv1.3",
        Some("ssl_min_protocol_version"),
    ),
    (
        "{DIAL} ssl_max_protocol_version=TLSv1.2",
        Some("ssl_max_protocol_version"),
    ),
];

/// A TCP server that accepts and closes every connection, until dropped.
struct Closer {
    port: u16,
}

impl Closer {
    fn start() -> Closer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                drop(stream);
            }
        });
        Closer { port }
    }
}

#[test]
fn libpq_checks_values_as_real_libpq_at_every_major() {
    let closer = Closer::start();
    let dial = format!("hostaddr=127.0.0.1 port={}", closer.port);
    let inputs: Vec<String> = LIBPQ_VALUES
        .iter()
        .map(|(i, _)| i.replace("{DIAL}", &dial))
        .collect();
    let cases: Vec<Value> = inputs
        .iter()
        .map(|i| json!({ "input": i, "connect": true, "env": { "HOME": "/nonexistent-home" } }))
        .collect();
    let mut compared = 0;
    for major in MAJORS {
        let answers = oracles::libpq(major, &Value::Array(cases.clone()));
        for ((input, (_, deliberate)), answer) in inputs.iter().zip(LIBPQ_VALUES).zip(&answers) {
            let libpq_refuses =
                !answer["parse_error"].is_null() || !answer["options_error"].is_null();
            let ours = read(input, &env_of(&json!({})), libpq_at(major));
            match (deliberate, libpq_refuses, &ours) {
                (None, l, o) if l == o.is_err() => {}
                (None, l, o) => panic!(
                    "libpq {major} {} {input:?} ({} {}); pgready: {:?}",
                    if l { "refuses" } else { "accepts" },
                    answer["parse_error"],
                    answer["options_error"],
                    o.as_ref().map(|_| "accepts")
                ),
                // A key this major does not know: both refuse.
                (Some(_), true, Err(_)) => {}
                (Some(key), false, Err(e)) => assert!(e.contains(key), "{input}: {e}"),
                (Some(_), _, Ok(_)) => panic!("libpq {major}: {input:?}: pgready was to refuse it"),
            }
            compared += 1;
        }
    }
    eprintln!("conninfo-libpq-values: {compared} cases compared");
}

// -------------------------------------------------------------- node-postgres

/// node-postgres's TLS as the oracle summarises it, from pgready's policy.
fn node_ssl(spec: &ConnSpec) -> &'static str {
    match spec.tls.plans.as_slice() {
        [TlsPlan::Off] => "off",
        [TlsPlan::Require(Verify::None)] => "no-verify",
        [TlsPlan::Require(Verify::Chain)] => "no-name-check",
        _ => "verify",
    }
}

fn oracle_ssl(v: &Value) -> &'static str {
    match v {
        Value::Bool(false) | Value::Null => "off",
        Value::String(s) if s == "no-verify" => "no-verify",
        Value::String(s) if s == "no-name-check" => "no-name-check",
        _ => "verify",
    }
}

/// Cases beyond the suite for the node-postgres differential.
const NODE_CASES: &[(&str, &[(&str, &str)])] = &[
    ("postgres://u:p@h:5433/%2Fdbname", &[]),
    ("postgres://u:p#w@h/d", &[]),
    ("postgres://u:p%@h/d", &[]),
    ("postgres://u%:p@h/d", &[]),
    (
        "postgres://u:p@h/d?sslmode=require",
        &[("PGSSLMODE", "disable")],
    ),
    ("postgres://u:p@h/d", &[("PGSSLMODE", "require")]),
    ("postgres://u:p@h/d", &[("PGSSLMODE", "no-verify")]),
    ("postgres://u:p@h/d", &[("PGSSLMODE", "bogus")]),
    (
        "postgres://h/d",
        &[
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpw"),
            ("PGPORT", "6000"),
        ],
    ),
    ("postgres://h", &[("PGDATABASE", "envdb")]),
    ("postgres:///d?host=/var/run/postgresql", &[]),
    ("pg://h/d", &[]),
    ("mysql://h/d", &[]),
    ("socket:/var/run/postgresql?db=app", &[]),
    ("/var/run/postgresql app", &[]),
    ("appdb", &[]),
    ("postgres://h/d?ssl=false", &[]),
    ("postgres://h/d?ssl=0&sslmode=require", &[]),
    ("postgres://h/d?sslnegotiation=direct", &[]),
    ("postgres://h/d?sslnegotiation=direct&sslmode=disable", &[]),
    ("postgres://h/d?sslnegotiation=bogus", &[]),
    (
        "postgres://h/d?sslmode=require&uselibpqcompat=true&sslrootcert=/etc/hostname",
        &[],
    ),
    ("postgres://h:99999/d", &[]),
    ("postgres://h/d?port=70000", &[]),
    ("postgres://h/d?port=12abc", &[]),
    ("postgres://h/d?port=abc", &[]),
    ("postgres://[::1]:5433/d", &[]),
    ("postgres://h1,h2/d", &[]),
    ("postgres://u:p@h/my db", &[]),
    ("postgres://h/d?application_name=x&options=-c%20a%3Db", &[]),
];

/// A difference pgready keeps on purpose (README: deliberate differences).
fn node_deliberate(input: &str) -> Option<&'static str> {
    if input.contains("h1,h2") {
        return Some("several hosts: node-postgres asks DNS for `h1,h2`; pgready refuses the URL");
    }
    None
}

#[test]
fn node_postgres_suite() {
    let suite = oracles::suite("node_postgres");
    let mut checked = 0;
    for case in suite["cases"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        if case.get("options").is_some() {
            // `useLibpqCompat` is set in code, which pgready cannot see (README).
            continue;
        }
        let ours = conninfo::parse(input, Reading::of(Client::NodePostgres));
        let spec = ours.as_ref().ok().map(|p| {
            spec::build(
                p.opts.clone(),
                &Env::default(),
                OS_USER,
                Reading::of(Client::NodePostgres),
            )
        });
        if let Some(expected) = case.get("error") {
            let refused = ours.is_err() || matches!(spec, Some(Err(_)));
            assert!(refused, "{input}: node-postgres throws {expected}");
            checked += 1;
            continue;
        }
        let parsed = ours.unwrap_or_else(|e| panic!("{input}: {}", e.message));
        for (key, want) in case["expect"].as_object().unwrap() {
            if key == "ssl" {
                let spec = spec.as_ref().unwrap().as_ref().unwrap();
                let want = match want {
                    Value::Object(o) if o.is_empty() => "verify",
                    Value::Object(o) if o.get("rejectUnauthorized") == Some(&json!(false)) => {
                        "no-verify"
                    }
                    Value::Bool(true) => "verify",
                    _ => "off",
                };
                assert_eq!(node_ssl(spec), want, "{input}: ssl");
                continue;
            }
            let got = parsed.get(key).map(|v| json!(v)).unwrap_or(Value::Null);
            assert_eq!(&got, want, "{input}: {key}");
        }
        checked += 1;
    }
    eprintln!("conninfo-node-suite: {checked} cases checked");
    assert!(checked >= 50);
}

#[test]
fn node_postgres_reads_as_real_node_postgres() {
    let suite = oracles::suite("node_postgres");
    let mut cases: Vec<(String, Vec<(String, String)>)> = suite["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("options").is_none())
        .map(|c| (c["input"].as_str().unwrap().to_string(), Vec::new()))
        .collect();
    cases.extend(NODE_CASES.iter().map(|(i, env)| {
        (
            i.to_string(),
            env.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }));
    let request: Vec<Value> = cases
        .iter()
        .map(|(i, env)| json!({ "input": i, "env": env.iter().cloned().collect::<BTreeMap<_, _>>() }))
        .collect();
    let answers = oracles::node_postgres(&Value::Array(request));
    let reading = Reading::of(Client::NodePostgres);
    for ((input, env), answer) in cases.iter().zip(&answers) {
        let mut env = env.clone();
        env.push(("USER".into(), OS_USER.into()));
        let ours = read(input, &env, reading);
        let params = &answer["params"];
        let port_ok = params["port"]
            .as_u64()
            .is_some_and(|p| (1..=65535).contains(&p));
        let node_refuses = !answer["error"].is_null() || !port_ok;
        if let Some(why) = node_deliberate(input) {
            assert!(ours.is_err() && !node_refuses, "{input}: {why}");
            continue;
        }
        match (node_refuses, ours) {
            (true, Err(_)) => {}
            (true, Ok(_)) => panic!("node-postgres refuses {input:?} ({answer}); pgready reads it"),
            (false, Err(e)) => panic!("node-postgres reads {input:?} as {params}; pgready: {e}"),
            (false, Ok((_, spec))) => {
                let host = match &spec.endpoints[0].host {
                    Host::Tcp(h) => h.clone(),
                    Host::Unix(d) => d.display().to_string(),
                };
                let ours = json!({
                    "host": host,
                    "port": spec.endpoints[0].port,
                    "user": spec.user,
                    "database": spec.dbname,
                    "password": spec.password.is_some(),
                    "ssl": node_ssl(&spec),
                    "direct": spec.tls.direct,
                });
                let theirs = json!({
                    "host": params["host"],
                    "port": params["port"],
                    "user": params["user"],
                    "database": params["database"],
                    "password": params["password"],
                    "ssl": oracle_ssl(&params["ssl"]),
                    "direct": params["sslnegotiation"] == "direct",
                });
                assert_eq!(ours, theirs, "{input} {env:?}");
            }
        }
    }
    eprintln!("conninfo-node-postgres: {} cases compared", cases.len());
}

// ---------------------------------------------------------------------- Prisma

#[test]
fn prisma_quaint_suite() {
    let suite = oracles::suite("prisma_quaint");
    let reading = Reading::of(Client::Prisma);
    for case in suite["cases"].as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        let parsed =
            conninfo::parse(input, reading).unwrap_or_else(|e| panic!("{input}: {}", e.message));
        for (key, want) in case["expect"].as_object().unwrap() {
            let got = match key.as_str() {
                "statement_cache_capacity" => {
                    let size: u64 = parsed
                        .get("statement_cache_size")
                        .map_or(100, |v| v.parse().unwrap());
                    json!(if parsed.get("pgbouncer") == Some("true") {
                        0
                    } else {
                        size
                    })
                }
                "channel_binding" => {
                    // quaint keeps its default for a value it does not know.
                    let v = parsed.get("channel_binding").unwrap_or("prefer");
                    json!(if ["disable", "prefer", "require"].contains(&v) {
                        v
                    } else {
                        "prefer"
                    })
                }
                other => parsed.get(other).map(|v| json!(v)).unwrap_or(Value::Null),
            };
            assert_eq!(&got, want, "{input}: {key}");
        }
    }
}

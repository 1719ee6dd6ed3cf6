//! The real clients as oracles: libpq of each major (through
//! `tests/oracles/libpq.py`, ctypes on that major's `libpq.so.5`) and
//! node-postgres (through `tests/oracles/node-postgres.js`), installed by
//! `scripts/client-oracles` (which `scripts/test` runs).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Where `scripts/client-oracles` put the clients.
pub fn dir() -> PathBuf {
    let dir = std::env::var_os("PGREADY_ORACLES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tools/oracles"),
        PathBuf::from,
    );
    assert!(
        dir.join("libpq/18/lib/libpq.so.5").exists() && dir.join("node/node_modules/pg").exists(),
        "the client oracles are not installed in {}: run scripts/client-oracles",
        dir.display()
    );
    dir
}

/// The folder holding libpq `major`'s `libpq.so.5` (for LD_LIBRARY_PATH too).
pub fn libpq_lib(major: u8) -> PathBuf {
    dir().join(format!("libpq/{major}/lib"))
}

fn run(mut cmd: Command, cases: &Value) -> Vec<Value> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start an oracle");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cases.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).expect("oracle output")
}

/// libpq `major`'s answers to `cases` (see `tests/oracles/libpq.py`).
pub fn libpq(major: u8, cases: &Value) -> Vec<Value> {
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/libpq.py"
    ))
    .arg(libpq_lib(major));
    run(cmd, cases)
}

/// node-postgres's answers to `cases` (see `tests/oracles/node-postgres.js`).
pub fn node_postgres(cases: &Value) -> Vec<Value> {
    let mut cmd = Command::new("node");
    cmd.arg("--no-warnings")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/node-postgres.js"
        ))
        .env("NODE_PATH", dir().join("node/node_modules"))
        // pg reads its default user from USER when it loads.
        .env("USER", "osuser");
    run(cmd, cases)
}

/// A ported suite: `tests/suites/NAME.json`.
pub fn suite(name: &str) -> Value {
    let path = format!("{}/tests/suites/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Does real libpq `major` connect? Debian's psql on that major's libpq, with a
/// clean environment plus `env` (HOME defaults to a directory that does not
/// exist, so no ~/.pgpass or ~/.postgresql applies unless given).
pub fn libpq_connects(major: u8, conninfo: &str, env: &[(&str, &str)]) -> bool {
    let mut cmd = Command::new(crate::support::system_pg_bin().join("psql"));
    cmd.env_clear()
        .env("HOME", "/nonexistent")
        .env("PGCONNECT_TIMEOUT", "5");
    if major != 15 {
        cmd.env("LD_LIBRARY_PATH", libpq_lib(major));
    }
    cmd.envs(env.iter().copied())
        .args(["-X", "-A", "-t", "-w", "-c", "select 1"]);
    if !conninfo.is_empty() {
        cmd.args(["-d", conninfo]);
    }
    let out = cmd.output().unwrap();
    crate::support::assert_no_secret(&[
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    ]);
    out.status.success()
}

/// Does real node-postgres connect (`new Client(url).connect()`, `SELECT 1`)?
pub fn node_connects(url: &str, env: &[(&str, &str)]) -> bool {
    let script = "const {Client}=require('pg');const c=new Client(process.argv[1]);\
        c.connect().then(()=>c.query('select 1')).then(()=>{c.end();process.exit(0)},\
        (e)=>{console.error(String(e&&e.message));process.exit(1)});";
    let out = Command::new("node")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("USER", "tester")
        .env("NODE_PATH", dir().join("node/node_modules"))
        .envs(env.iter().copied())
        .args(["--no-warnings", "-e", script, url])
        .output()
        .unwrap();
    crate::support::assert_no_secret(&[
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    ]);
    out.status.success()
}

/// `pgready check --json --client C [--libpq-version M] --url URL` with `env`
/// (no `--url` when `url` is empty: the PG* variables).
pub fn pgready_check(
    client: &str,
    major: u8,
    url: &str,
    env: &[(&str, &str)],
) -> crate::support::Run {
    let major = major.to_string();
    let mut args = vec![
        "check",
        "--json",
        "--client",
        client,
        "--libpq-version",
        &major,
    ];
    if !url.is_empty() {
        args.extend(["--url", url]);
    }
    crate::support::run_cmd(
        crate::support::pgready()
            .envs(env.iter().copied())
            .args(&args),
    )
}

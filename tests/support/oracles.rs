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
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracles/libpq.py"))
        .arg(libpq_lib(major));
    run(cmd, cases)
}

/// node-postgres's answers to `cases` (see `tests/oracles/node-postgres.js`).
pub fn node_postgres(cases: &Value) -> Vec<Value> {
    let mut cmd = Command::new("node");
    cmd.arg("--no-warnings")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracles/node-postgres.js"))
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

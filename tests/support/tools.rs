//! The real migration CLIs (Drizzle Kit, Knex, dbmate from npm; Alembic and
//! Django from PyPI; sqlx-cli and diesel_cli from crates.io), installed once per
//! machine into one cache directory by `scripts/migration-tools`, which later
//! runs reuse.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The cache directory, installing the tools on first use.
pub fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("bash")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/migration-tools"
            ))
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/migration-tools");
        assert!(out.status.success(), "scripts/migration-tools failed");
        let stdout = String::from_utf8_lossy(&out.stdout);
        PathBuf::from(stdout.lines().last().expect("the cache directory").trim())
    })
}

/// A tool's command (`relative` to the cache directory), run in `cwd`, with no
/// telemetry and no update checks.
pub fn command(relative: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(dir().join(relative));
    cmd.current_dir(cwd)
        .env("DO_NOT_TRACK", "1")
        .env("NO_COLOR", "1")
        .env("npm_config_update_notifier", "false")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    cmd
}

/// Runs a tool and returns its output, which must be a success.
pub fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a migration tool");
    assert!(out.status.success(), "{cmd:?} failed: {}", text(&out));
    text(&out)
}

/// Runs a tool and says whether it succeeded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.output().expect("run a migration tool").status.success()
}

/// Runs a tool that must fail, and returns its output.
pub fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run a migration tool");
    assert!(
        !out.status.success(),
        "{cmd:?} should have failed: {}",
        text(&out)
    );
    text(&out)
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

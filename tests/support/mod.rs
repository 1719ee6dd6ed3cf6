//! Test support: real PostgreSQL clusters started from Debian's `postgresql`
//! package (initdb once into a template, a copy per test, a free port, the socket in
//! a temp dir, torn down on drop even when the test panics), small real TCP servers
//! that play faulty peers, and a runner for the built `pgready` binary that checks
//! every output for leaked passwords.

#![allow(dead_code)]

pub mod certs;
pub mod faults;
pub mod oracles;
pub mod pgbouncer;
pub mod tools;

use std::io::Read;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The app role's password: distinctive, with characters that need encoding.
pub const APP_PASSWORD: &str = "Ap#p-S3cr3t/pw@x?1";
/// The same, percent-encoded for URLs.
pub const APP_PASSWORD_URL: &str = "Ap%23p-S3cr3t%2Fpw%40x%3F1";
/// A wrong password, also never to be printed.
pub const WRONG_PASSWORD: &str = "Wr0ng-Passw0rd-zz";
/// The password of the NOLOGIN and rejected roles.
pub const OTHER_PASSWORD: &str = "0ther-Passw0rd-qq";
/// Every secret the tests use: no output may contain any of them.
pub const SECRETS: [&str; 4] = [
    APP_PASSWORD,
    APP_PASSWORD_URL,
    WRONG_PASSWORD,
    OTHER_PASSWORD,
];

/// The PostgreSQL binaries: `PGREADY_TEST_PGBIN`, else the newest
/// `/usr/lib/postgresql/*/bin`.
pub fn pg_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("PGREADY_TEST_PGBIN") {
        return PathBuf::from(dir);
    }
    system_pg_bin()
}

/// The operating system's PostgreSQL binaries (Debian's): the client programs
/// (psql, pg_basebackup) every test uses, whatever major the servers are.
pub fn system_pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed: run scripts/test, which installs it")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("postgres").exists())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions
        .pop()
        .expect("no /usr/lib/postgresql/*/bin/postgres")
}

/// The uid/gid PostgreSQL runs as: `postgres` when the tests run as root.
pub fn run_as() -> Option<(u32, u32)> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.first() == Some(&"postgres")).then(|| (f[2].parse().ok(), f[3].parse().ok()))
        })
        .and_then(|(u, g)| Some((u?, g?)))
}

/// A command that runs as the PostgreSQL owner.
pub fn pg_command(program: &str) -> Command {
    pg_command_in(&pg_bin(), program)
}

/// A server program from `bin` (another major's, with its libraries in
/// `bin/../lib`), run as the PostgreSQL owner.
pub fn pg_command_in(bin: &Path, program: &str) -> Command {
    let mut cmd = Command::new(bin.join(program));
    if bin != system_pg_bin() {
        cmd.env("LD_LIBRARY_PATH", bin.join("../lib"));
    }
    if let Some((uid, gid)) = run_as() {
        cmd.uid(uid).gid(gid);
    }
    cmd.env_remove("PGPASSWORD").env("LC_ALL", "C");
    cmd
}

/// Gives `path` to the PostgreSQL user (when the tests run as root).
pub fn chown_to_pg(path: &Path) {
    if let Some((uid, gid)) = run_as() {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
    }
}

/// A directory PostgreSQL may use: world-traversable, owned by its user.
pub fn pg_tempdir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("pgready-test-")
        .tempdir()
        .expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    chown_to_pg(dir.path());
    dir
}

fn check(output: Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{what} failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A free TCP port on 127.0.0.1 for a server a test starts, below the kernel's
/// ephemeral range (32768–60999): a port the kernel hands out (`bind(0)`) is
/// released before the server binds it, and any outgoing connection of the busy
/// test run may take it meanwhile (seen in CI: "could not bind … Address already in
/// use"). Below the range no outgoing connection takes it; each process walks its
/// own stretch, from its pid, and skips ports in use.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const LOW: u32 = 20_000;
    const SPAN: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(97) % SPAN;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        assert!(n < SPAN, "no free port below the ephemeral range");
        let port = (LOW + (start + n) % SPAN) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// initdb into `root/data` and create the test roles and database; returns the
/// running cluster.
fn init_cluster(root: &Path) -> Pg {
    init_cluster_in(root, &pg_bin())
}

fn init_cluster_in(root: &Path, bin: &Path) -> Pg {
    let data = root.join("data");
    check(
        pg_command_in(bin, "initdb")
            .args([
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .output()
            .unwrap(),
        "initdb",
    );
    let mut pg = Pg::with_root(root.to_path_buf(), data.clone(), &[]);
    pg.bin = bin.to_path_buf();
    pg.launch();
    pg.sql(&format!(
        "CREATE ROLE app LOGIN PASSWORD '{}'",
        APP_PASSWORD.replace('\'', "''")
    ));
    pg.sql("CREATE DATABASE appdb OWNER app");
    pg.sql(&format!(
        "CREATE ROLE nologin NOLOGIN PASSWORD '{OTHER_PASSWORD}'; \
         CREATE ROLE blocked LOGIN PASSWORD '{OTHER_PASSWORD}'; \
         CREATE ROLE tlsonly LOGIN PASSWORD '{OTHER_PASSWORD}'; \
         CREATE ROLE certuser LOGIN; \
         GRANT CONNECT ON DATABASE appdb TO nologin, blocked;"
    ));
    pg
}

/// The initialised template cluster, made once per test run: roles `app`
/// (password), `nologin` (NOLOGIN), `blocked` (rejected by pg_hba), database `appdb`.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        // One template per server major (the matrix runs the suite per major).
        let major = server_major();
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pg-template-{major}"));
        let data = root.join("data");
        if std::fs::read_to_string(root.join("complete")).is_ok_and(|v| v == TEMPLATE_VERSION) {
            return data;
        }
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        chown_to_pg(&root);
        let mut pg = init_cluster(&root);
        pg.stop_fast(); // a clean shutdown: copies then start without recovery
        std::fs::write(root.join("complete"), TEMPLATE_VERSION).unwrap();
        data
    })
}

/// The major of the servers the tests start (`PGREADY_TEST_PGBIN`'s, else the
/// system's).
pub fn server_major() -> u32 {
    static MAJOR: OnceLock<u32> = OnceLock::new();
    *MAJOR.get_or_init(|| major_of(&pg_bin()))
}

/// The system's own major (its client programs').
pub fn system_major() -> u32 {
    static MAJOR: OnceLock<u32> = OnceLock::new();
    *MAJOR.get_or_init(|| major_of(&system_pg_bin()))
}

/// The major of the `postgres` in `bin` (`postgres --version`).
pub fn major_of(bin: &Path) -> u32 {
    let out = pg_command_in(bin, "postgres")
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // "postgres (PostgreSQL) 15.18 (Debian …)"
    text.split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("postgres --version: {text}"))
}

/// Bumped whenever the template's roles or databases change.
const TEMPLATE_VERSION: &str = "2";

const HBA: &str = "\
local all all trust
local replication all trust
host all blocked 127.0.0.1/32 reject
host all blocked ::1/128 reject
hostnossl all tlsonly 127.0.0.1/32 reject
hostssl all certuser 127.0.0.1/32 cert
host replication all 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
";

/// A running PostgreSQL cluster of its own.
pub struct Pg {
    /// TCP port on 127.0.0.1.
    pub port: u16,
    /// The data directory.
    pub data: PathBuf,
    /// The socket directory.
    pub socket_dir: PathBuf,
    root: PathBuf,
    /// The server binaries (another major's for [`Pg::start_major`]).
    bin: PathBuf,
    _tempdir: Option<tempfile::TempDir>,
    child: Option<Child>,
    settings: Vec<String>,
}

impl Pg {
    /// A fresh cluster copied from the template, started, with `settings`
    /// (`name=value`) on the command line.
    pub fn start_with(settings: &[&str]) -> Pg {
        let mut pg = Pg::prepare(settings);
        pg.launch();
        pg
    }

    /// A cluster initialised on its own (not copied from the template), so its
    /// system identifier differs from every other test cluster's.
    pub fn start_independent() -> Pg {
        let dir = pg_tempdir();
        let mut pg = init_cluster(dir.path());
        pg._tempdir = Some(dir);
        pg
    }

    /// A cluster of its own from another major's server binaries in `bin` (e.g.
    /// `scripts/client-oracles`' `libpq/18/bin`), with the template's roles and
    /// `settings`.
    pub fn start_major(bin: &Path, settings: &[&str]) -> Pg {
        let dir = pg_tempdir();
        let mut pg = init_cluster_in(dir.path(), bin);
        pg._tempdir = Some(dir);
        if !settings.is_empty() {
            pg.stop_fast();
            pg.settings = settings.iter().map(|s| s.to_string()).collect();
            std::fs::write(pg.data.join("pg_hba.conf"), HBA).unwrap();
            chown_to_pg(&pg.data.join("pg_hba.conf"));
            pg.launch();
        }
        pg
    }

    /// A fresh cluster with default settings.
    pub fn start() -> Pg {
        Pg::start_with(&[])
    }

    /// A cluster copied and configured but not started (see [`Pg::launch`]).
    pub fn prepare(settings: &[&str]) -> Pg {
        let dir = pg_tempdir();
        let data = dir.path().join("data");
        check(
            Command::new("cp")
                .arg("-a")
                .arg(template())
                .arg(&data)
                .output()
                .unwrap(),
            "cp template",
        );
        std::fs::write(data.join("pg_hba.conf"), HBA).unwrap();
        chown_to_pg(&data.join("pg_hba.conf"));
        let _ = std::fs::remove_file(data.join("postmaster.pid"));
        let mut pg = Pg::with_root(dir.path().to_path_buf(), data, settings);
        pg._tempdir = Some(dir);
        pg
    }

    fn with_root(root: PathBuf, data: PathBuf, settings: &[&str]) -> Pg {
        Pg {
            port: free_port(),
            data,
            socket_dir: root.clone(),
            root,
            bin: pg_bin(),
            _tempdir: None,
            child: None,
            settings: settings.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn from_data(root: PathBuf, data: PathBuf, settings: &[&str]) -> Pg {
        let mut pg = Pg::with_root(root, data, settings);
        pg.launch();
        pg
    }

    /// A standby of this cluster, prepared with `settings` but not started:
    /// `pg_basebackup -R` (Debian's, which serves servers up to its own major), or
    /// for a newer server a file-level copy taken between `pg_backup_start` and
    /// `pg_backup_stop`, with `standby.signal` and `primary_conninfo`.
    pub fn standby(&self, settings: &[&str]) -> Pg {
        let dir = pg_tempdir();
        let data = dir.path().join("data");
        if self.major() <= system_major() {
            self.base_backup(&data);
        } else {
            self.copy_backup(&data);
        }
        let mut pg = Pg::with_root(dir.path().to_path_buf(), data, settings);
        pg._tempdir = Some(dir);
        pg
    }

    fn base_backup(&self, data: &Path) {
        check(
            pg_command_in(&system_pg_bin(), "pg_basebackup")
                .args(["-h"])
                .arg(&self.socket_dir)
                .args([
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    "-R",
                    "-X",
                    "stream",
                    "--no-sync",
                    "-D",
                ])
                .arg(data)
                .output()
                .unwrap(),
            "pg_basebackup",
        );
    }

    fn copy_backup(&self, data: &Path) {
        let (src, dst) = (self.data.display(), data.display());
        // One session: the non-exclusive backup lives as long as it does.
        let script = format!(
            "SELECT pg_backup_start('pgready-test', true);\n\
             \\! cp -a {src} {dst} && rm -f {dst}/postmaster.pid {dst}/postmaster.opts\n\
             \\o {dst}/backup_label\n\
             SELECT labelfile FROM pg_backup_stop(false);\n\
             \\o\n\
             \\! cp -a {src}/pg_wal/. {dst}/pg_wal/\n"
        );
        let mut child = self
            .psql("postgres", "postgres")
            .args(["-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        check(child.wait_with_output().unwrap(), "file-level base backup");
        std::fs::write(data.join("standby.signal"), "").unwrap();
        let conninfo = format!(
            "\nprimary_conninfo = 'host={} port={} user=postgres'\n",
            self.socket_dir.display(),
            self.port
        );
        let auto = data.join("postgresql.auto.conf");
        let mut text = std::fs::read_to_string(&auto).unwrap_or_default();
        text.push_str(&conninfo);
        std::fs::write(&auto, text).unwrap();
        for file in ["standby.signal", "postgresql.auto.conf"] {
            chown_to_pg(&data.join(file));
        }
    }

    /// This cluster's server major.
    pub fn major(&self) -> u32 {
        major_of(&self.bin)
    }

    /// Starts the postmaster and waits until it accepts connections.
    pub fn launch(&mut self) {
        self.spawn();
        self.wait_until_running();
    }

    /// Starts the postmaster without waiting.
    pub fn spawn(&mut self) {
        let log = std::fs::File::create(self.root.join("postgres.log")).unwrap();
        chown_to_pg(&self.root.join("postgres.log"));
        let mut cmd = pg_command_in(&self.bin, "postgres");
        cmd.arg("-D")
            .arg(&self.data)
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                self.socket_dir.display()
            ))
            .args([
                "-c",
                "fsync=off",
                "-c",
                "shared_buffers=16MB",
                "-c",
                "max_wal_senders=4",
            ]);
        for s in &self.settings {
            cmd.arg("-c").arg(s);
        }
        cmd.stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        self.child = Some(cmd.spawn().expect("start postgres"));
    }

    /// Waits until `postmaster.pid` says the server is ready (or standby-ready).
    pub fn wait_until_running(&mut self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            let pid = std::fs::read_to_string(self.data.join("postmaster.pid")).unwrap_or_default();
            let status = pid.lines().nth(7).unwrap_or("").trim().to_string();
            if status == "ready" || status == "standby" {
                return;
            }
            if let Some(Ok(Some(exit))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("postgres exited with {exit}: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("postgres did not start in 60 s: {}", self.log());
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("postgres.log")).unwrap_or_default()
    }

    /// Runs SQL as the superuser over the socket; returns psql's unaligned output.
    pub fn sql(&self, sql: &str) -> String {
        self.sql_in("postgres", sql)
    }

    /// `psql` over this cluster's socket as `user` in `db`.
    fn psql(&self, user: &str, db: &str) -> Command {
        psql(&self.socket_dir, self.port, user, db)
    }

    /// Runs SQL in `db` as the superuser.
    pub fn sql_in(&self, db: &str, sql: &str) -> String {
        let out = self
            .psql("postgres", db)
            .args(["-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        check(out, &format!("psql {sql}")).trim().to_string()
    }

    /// A psql session as the superuser in `db` that runs what is written to its
    /// standard input and stays open (a transaction holding a lock) until killed.
    pub fn session_in(&self, db: &str) -> Child {
        self.psql("postgres", db)
            .args(["-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start psql")
    }

    /// Holds `n` connections as `app` until the returned guard drops. A holder that
    /// lost a race for a slot (with the superuser query that counts them, whose
    /// backend may linger a moment) is started again.
    pub fn hold_connections(&self, n: usize) -> Holders {
        let mut holders = Holders {
            children: Vec::new(),
            socket_dir: self.socket_dir.clone(),
            port: self.port,
        };
        let start = Instant::now();
        while self.sql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'")
            != n.to_string()
        {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "holders did not connect: {}",
                self.log()
            );
            holders
                .children
                .retain_mut(|c| matches!(c.try_wait(), Ok(None)));
            while holders.children.len() < n {
                holders.children.push(self.holder());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        holders
    }

    fn holder(&self) -> Child {
        self.psql("app", "appdb")
            .args(["-c", "SELECT pg_sleep(120)"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Asserts that sessions named `application_name` are gone and ended with a
    /// Terminate message: with `log_min_messages=debug1` PostgreSQL logs
    /// "unexpected EOF on client connection" for a client that just dropped the
    /// socket.
    pub fn assert_no_session_left(&self, application_name: &str) {
        let sql = format!(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{application_name}'"
        );
        let start = Instant::now();
        while self.sql(&sql) != "0" {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "a session of {application_name} is still open"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !self.log().contains("unexpected EOF on client connection"),
            "{}",
            self.log()
        );
    }

    /// `postgresql://app:<password>@127.0.0.1:<port>/appdb` plus `query`.
    pub fn url(&self, query: &str) -> String {
        self.url_for("app", APP_PASSWORD_URL, "appdb", query)
    }

    /// A URL with the given parts (the password as written in the URL).
    pub fn url_for(&self, user: &str, password: &str, db: &str, query: &str) -> String {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!(
            "postgresql://{user}:{password}@127.0.0.1:{}/{db}{q}",
            self.port
        )
    }

    /// Stops the server at once (SIGQUIT: immediate shutdown).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: signalling our own child process.
            unsafe { libc::kill(child.id() as i32, libc::SIGQUIT) };
            let _ = child.wait();
        }
    }

    /// Stops the server cleanly (SIGINT: fast shutdown), so it can restart.
    pub fn stop_fast(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SAFETY: signalling our own child process.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            let _ = child.wait();
        }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `psql` over the socket in `socket_dir` as `user` in `db`, without ~/.psqlrc.
fn psql(socket_dir: &Path, port: u16, user: &str, db: &str) -> Command {
    let mut cmd = pg_command_in(&system_pg_bin(), "psql");
    cmd.arg("-h")
        .arg(socket_dir)
        .args(["-p", &port.to_string(), "-U", user, "-d", db, "-X"]);
    cmd
}

/// Connections held open by `psql` processes; closed on drop (the backends are
/// terminated too: a backend in `pg_sleep` does not notice its client is gone).
pub struct Holders {
    children: Vec<Child>,
    socket_dir: PathBuf,
    port: u16,
}

impl Drop for Holders {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = psql(&self.socket_dir, self.port, "postgres", "postgres")
            .arg("-c")
            .arg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'")
            .output();
    }
}

/// One run of the pgready binary.
#[derive(Debug)]
pub struct Run {
    /// Exit code (signals as 128 + n).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// How long it ran.
    pub elapsed: Duration,
}

impl Run {
    /// The `--json` document.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The first target of the JSON document.
    pub fn target(&self) -> Value {
        self.json()["targets"][0].clone()
    }

    /// The first target's message.
    pub fn message(&self) -> String {
        self.target()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Asserts the exit code and (with --json) the first target's class.
    pub fn assert_class(&self, class: &str, code: i32) -> &Self {
        assert_eq!(self.code, code, "expected {class} ({code}): {self:#?}");
        if self.stdout.trim_start().starts_with('{') {
            assert_eq!(self.target()["class"], class, "{self:#?}");
        }
        self
    }
}

/// Asserts that no secret appears in any output text.
pub fn assert_no_secret(texts: &[&str]) {
    for text in texts {
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "a password leaked into the output:\n{text}"
            );
        }
    }
}

/// A pgready command with a clean environment (no DATABASE_*, no PG*, a HOME
/// without .pgpass).
pub fn pgready() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgready"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("USER", "tester")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` to completion and checks every output for secrets.
pub fn run_cmd(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let out = cmd.output().expect("run pgready");
    finish(out, start)
}

/// Starts pgready with `args` in the background (outputs captured); finish it
/// with [`wait_child`].
pub fn spawn_pgready(args: &[&str]) -> (Child, Instant) {
    let child = pgready()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pgready");
    (child, Instant::now())
}

/// Runs pgready with `args`.
pub fn run_args(args: &[&str]) -> Run {
    run_cmd(pgready().args(args))
}

fn finish(out: Output, start: Instant) -> Run {
    use std::os::unix::process::ExitStatusExt;
    let code = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    let run = Run {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        elapsed: start.elapsed(),
    };
    assert_no_secret(&[&run.stdout, &run.stderr]);
    assert_ne!(run.code, 101, "pgready panicked: {run:#?}");
    run
}

/// Waits for a spawned pgready and checks its outputs.
pub fn wait_child(child: Child, start: Instant) -> Run {
    let out = child.wait_with_output().expect("wait pgready");
    finish(out, start)
}

/// Reads what is available without blocking forever (for spawned processes).
pub fn read_all(mut r: impl Read) -> String {
    let mut s = String::new();
    let _ = r.read_to_string(&mut s);
    s
}

/// `pgready check --json --url URL ARGS...`.
pub fn gate(url: &str, args: &[&str]) -> Run {
    let mut all = vec!["check", "--json", "--url", url];
    all.extend_from_slice(args);
    run_args(&all)
}

/// The first target's report for its first tool.
pub fn report(run: &Run) -> Value {
    run.target()["migrations"][0].clone()
}

/// A JSON array of strings as a vector.
pub fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Writes `text` to `path`, creating its directory.
pub fn write_file(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// pgready running in the background with its stderr in a file, so a test can wait
/// for a progress line (a fact of the run, not a guess at how long it takes) before
/// it changes the world or sends a signal.
pub struct Background {
    child: Child,
    start: Instant,
    stderr: tempfile::NamedTempFile,
}

impl Background {
    /// Starts pgready with `args` (a clean environment, as [`pgready`]), stdout
    /// piped and stderr in a file.
    pub fn start(args: &[&str]) -> Self {
        let stderr = tempfile::NamedTempFile::new().expect("stderr file");
        let child = pgready()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr.reopen().expect("stderr file"))
            .spawn()
            .expect("start pgready");
        Background {
            child,
            start: Instant::now(),
            stderr,
        }
    }

    /// What pgready has written to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr.path()).unwrap_or_default()
    }

    /// Waits until stderr contains `needle` (a progress line: the run has reached that
    /// state). Bounded by 60 s, far beyond any state a test waits for.
    pub fn wait_for(&mut self, needle: &str) {
        self.wait_for_nth(needle, 1);
    }

    /// Waits until stderr contains `needle` `n` times (a state reached again).
    pub fn wait_for_nth(&mut self, needle: &str, n: usize) {
        let waited = Instant::now();
        while self.stderr().matches(needle).count() < n {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "pgready ended ({status}) before `{needle}`: {}",
                    self.stderr()
                );
            }
            assert!(
                waited.elapsed() < Duration::from_secs(60),
                "no `{needle}` in 60 s: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` to pgready.
    pub fn signal(&self, signal: i32) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Whether pgready has ended.
    pub fn ended(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for pgready to end and checks every output for secrets.
    pub fn finish(self) -> Run {
        let out = self.child.wait_with_output().expect("wait pgready");
        let stderr = std::fs::read(self.stderr.path()).unwrap_or_default();
        finish(Output { stderr, ..out }, self.start)
    }
}

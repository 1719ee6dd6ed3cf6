//! A real PgBouncer (Debian's package) in transaction pooling mode in front of a
//! test cluster, run as the PostgreSQL user, stopped on drop.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{chown_to_pg, free_port, pg_tempdir, Pg, APP_PASSWORD};

/// The pgbouncer binary.
pub fn binary() -> PathBuf {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("pgbouncer is not installed: run scripts/test, which installs it")
}

/// A running PgBouncer.
pub struct PgBouncer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl PgBouncer {
    /// Pools every database of `pg` for the role `app`.
    pub fn start(pg: &Pg) -> PgBouncer {
        let dir = pg_tempdir();
        let port = free_port();
        let userlist = dir.path().join("userlist.txt");
        std::fs::write(
            &userlist,
            format!("\"app\" \"{}\"\n", APP_PASSWORD.replace('"', "\"\"")),
        )
        .unwrap();
        let ini = dir.path().join("pgbouncer.ini");
        std::fs::write(
            &ini,
            format!(
                "[databases]\n* = host=127.0.0.1 port={}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
                 auth_type = scram-sha-256\nauth_file = {}\npool_mode = transaction\nmax_client_conn = 200\ndefault_pool_size = 5\n\
                 logfile = {}\nignore_startup_parameters = extra_float_digits,options\n",
                pg.port,
                userlist.display(),
                dir.path().join("pgbouncer.log").display()
            ),
        )
        .unwrap();
        for f in [&userlist, &ini] {
            chown_to_pg(f);
        }
        let mut cmd = Command::new(binary());
        cmd.arg(&ini)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = super::run_as() {
            cmd.uid(uid).gid(gid);
        }
        let child = cmd.spawn().expect("start pgbouncer");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "pgbouncer did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        PgBouncer {
            port,
            child,
            _dir: dir,
        }
    }
}

impl PgBouncer {
    /// `postgresql://app:…@127.0.0.1:<pooler port>/appdb?pgbouncer=true`.
    pub fn url(&self) -> String {
        format!(
            "postgresql://app:{}@127.0.0.1:{}/appdb?pgbouncer=true",
            super::APP_PASSWORD_URL,
            self.port
        )
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Where the password comes from: the string, `PGPASSWORD`, then the password
//! file, as the client looks.

use std::path::{Path, PathBuf};

use super::{Client, Endpoint, Host, DEFAULT_SOCKET_DIR};
use crate::secret::Password;
use crate::settings::env::Env;
use crate::settings::pgpass;

/// Where the password was found (never the password itself), and a password file
/// the client passed over.
#[derive(Default)]
pub(super) struct Found {
    pub(super) password: Option<Password>,
    pub(super) source: Option<String>,
    pub(super) file_ignored: Option<String>,
}

fn from(password: String, source: String) -> Found {
    Found {
        password: Some(Password::new(password)),
        source: Some(source),
        file_ignored: None,
    }
}

/// The password as libpq finds it: the option, then `PGPASSWORD`, then the password
/// file (matched against the first host; libpq matches per host, the same for the
/// usual single host).
pub(super) fn password(
    given: &Option<String>,
    env: &Env,
    passfile: &Option<String>,
    endpoints: &[Endpoint],
    dbname: &Option<String>,
    user: &str,
    client: Client,
) -> Found {
    if let Some(p) = given {
        return from(p.clone(), "the URL".to_string());
    }
    if let Some(p) = env.nonempty("PGPASSWORD") {
        return from(p, "PGPASSWORD".to_string());
    }
    let file = passfile.clone().map(PathBuf::from).or_else(|| {
        env.nonempty("HOME")
            .map(|h| PathBuf::from(h).join(".pgpass"))
    });
    let (Some(file), Some(first)) = (file, endpoints.first()) else {
        return Found::default();
    };
    // libpq matches `localhost` for the default socket directory and any other
    // directory by its path; node-postgres (the `pgpass` package) always by the
    // host string as given.
    let host = match &first.host {
        Host::Tcp(h) => h.clone(),
        Host::Unix(dir) if client == Client::Libpq && dir == Path::new(DEFAULT_SOCKET_DIR) => {
            "localhost".to_string()
        }
        Host::Unix(dir) => dir.display().to_string(),
    };
    let db = dbname.clone().unwrap_or_else(|| user.to_string());
    let rule = if client == Client::Libpq {
        pgpass::Rule::Libpq
    } else {
        pgpass::Rule::NodePgpass
    };
    match pgpass::lookup(&file, &host, first.port, &db, user, rule) {
        pgpass::Lookup::Found(p, line) => from(p, format!("the password file {}, line {line}", file.display())),
        pgpass::Lookup::Ignored(mode) => Found {
            file_ignored: Some(format!(
                "the password file {f} is ignored: its permissions are {mode:04o}, and the client reads it only when private: chmod 600 {f}",
                f = file.display()
            )),
            ..Found::default()
        },
        pgpass::Lookup::Missing => Found::default(),
    }
}

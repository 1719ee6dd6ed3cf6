//! Whether a pooler or proxy sits between the client and PostgreSQL: the port we
//! dialled against the server's own, and our socket's port against the client
//! port the server sees. Doctor judges every target with it; `wait` and `check`
//! warn when a direct URL (migrations) goes through one.

use std::cell::RefCell;

use crate::outcome::Failure;
use crate::probe::{Inspect, Ready};

/// The server's own port and the client port it sees for this session.
pub const SQL: &str = "SELECT pg_catalog.inet_server_port(), \
    (SELECT client_port FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid())";

/// What shows a pooler or proxy in between, if anything does.
pub fn between(
    dialled: Option<u16>,
    server_port: Option<i64>,
    seen_port: Option<i64>,
    our_port: Option<u16>,
) -> Option<String> {
    match (dialled, server_port, seen_port, our_port.map(i64::from)) {
        (Some(d), Some(s), _, _) if i64::from(d) != s => {
            Some(format!("dialled port {d}, the server listens on {s}"))
        }
        (_, _, Some(seen), Some(ours)) if seen != ours => Some(format!(
            "our port {ours}, the server sees client port {seen}"
        )),
        _ => None,
    }
}

/// The port of `endpoint` (`host:port`), when it has one.
pub fn dialled_port(endpoint: &str) -> Option<u16> {
    endpoint.rsplit(':').next().and_then(|p| p.parse().ok())
}

/// The check on a direct URL's session: the warning it earned, if any (never a
/// failure: a session-mode pooler may serve migrations well enough).
#[derive(Default)]
pub struct PoolerCheck {
    /// Whether to look at all (the target is a direct URL).
    enabled: bool,
    found: RefCell<Option<String>>,
}

impl PoolerCheck {
    /// A check that looks when `enabled`.
    pub fn new(enabled: bool) -> Self {
        PoolerCheck {
            enabled,
            found: RefCell::default(),
        }
    }

    /// The warning of the latest session, if it earned one.
    pub fn take(&self) -> Option<String> {
        self.found.borrow_mut().take()
    }
}

impl Inspect for PoolerCheck {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        if !self.enabled {
            return Ok(None);
        }
        let row = ready.row(SQL).await.unwrap_or_default();
        let number = |i: usize| row.get(i).cloned().flatten().and_then(|v| v.parse().ok());
        let what = between(
            dialled_port(&ready.facts.endpoint),
            number(0),
            number(1),
            ready.facts.local_port,
        );
        *self.found.borrow_mut() = what.map(|w| {
            format!("this direct URL goes through a pooler or proxy ({w}): migrations need a session with PostgreSQL itself; point it at the server (usually port 5432)")
        });
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_tell_a_pooler() {
        assert_eq!(
            between(Some(5432), Some(5432), Some(40000), Some(40000)),
            None
        );
        assert!(between(Some(6432), Some(5432), None, None)
            .unwrap()
            .contains("dialled port 6432"));
        assert!(between(Some(5432), Some(5432), Some(41000), Some(40000))
            .unwrap()
            .contains("client port 41000"));
        assert_eq!(dialled_port("db:6543"), Some(6543));
        assert_eq!(dialled_port("/tmp/.s.PGSQL.5432"), None);
    }
}

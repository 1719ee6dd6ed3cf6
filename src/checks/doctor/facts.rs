//! What doctor asks the server in one query, and the session inspection that
//! collects it with the migration history.

use std::cell::RefCell;

use crate::checks::sql::app_schema;
use crate::finding::{Check, Finding};
use crate::outcome::Failure;
use crate::probe::{Inspect, Ready};
use crate::settings::gates::Gates;
use crate::settings::migrations::MigrationPlan;
use crate::vocab::migrations::Report;
use crate::vocab::sql::literal;

/// What doctor asks the server in one query.
#[derive(Clone, Debug, Default)]
pub(super) struct Facts {
    pub(super) row: Vec<Option<String>>,
    pub(super) identity: Option<String>,
}

impl Facts {
    pub(super) fn text(&self, i: usize) -> Option<&str> {
        self.row.get(i).and_then(|v| v.as_deref())
    }

    pub(super) fn number(&self, i: usize) -> Option<i64> {
        self.text(i).and_then(|v| v.parse().ok())
    }

    pub(super) fn yes(&self, i: usize) -> bool {
        self.text(i) == Some("t")
    }
}

/// Column order of [`FACTS_SQL`].
pub(super) mod col {
    pub const MAX_CONNECTIONS: usize = 0;
    pub const RESERVED: usize = 1;
    pub const IN_USE: usize = 2;
    pub const ROLE_LIMIT: usize = 3;
    pub const ROLE_IN_USE: usize = 4;
    pub const SUPERUSER: usize = 5;
    pub const CONNECT: usize = 6;
    pub const SCHEMA_EXISTS: usize = 7;
    pub const USAGE: usize = 8;
    pub const CREATE: usize = 9;
    pub const IN_RECOVERY: usize = 10;
    pub const READ_ONLY: usize = 11;
    pub const SERVER_PORT: usize = 12;
    pub const SEEN_CLIENT_PORT: usize = 13;
}

pub(super) const FACTS_SQL: &str = "SELECT pg_catalog.current_setting('max_connections'), \
    pg_catalog.current_setting('superuser_reserved_connections'), \
    (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'), \
    (SELECT rolconnlimit FROM pg_catalog.pg_roles WHERE rolname = current_user), \
    (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = current_user AND backend_type = 'client backend'), \
    (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), \
    pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CONNECT'), \
    n.oid IS NOT NULL, pg_catalog.has_schema_privilege(n.oid, 'USAGE'), pg_catalog.has_schema_privilege(n.oid, 'CREATE'), \
    pg_catalog.pg_is_in_recovery(), pg_catalog.current_setting('transaction_read_only'), \
    pg_catalog.inet_server_port(), \
    (SELECT client_port FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid()) \
    FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = ";

/// Collects [`Facts`] and the migration history on the ready session.
pub(super) struct Collector<'a> {
    pub(super) facts: RefCell<Facts>,
    /// The `--migrations` plan, or `auto` (every tool whose table is there).
    pub(super) plan: &'a MigrationPlan,
    /// Whether the plan is doctor's own search for any known history table.
    pub(super) searching: bool,
    pub(super) migrations: RefCell<Vec<(Report, Option<Failure>)>>,
    /// The table and extension gates asked for, judged as `wait` judges them.
    pub(super) gates: &'a Gates,
    pub(super) gate_findings: RefCell<Vec<Finding>>,
}

impl Inspect for Collector<'_> {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        for check in &self.plan.tools {
            let read = crate::checks::migrations::read(ready, check, self.plan.requirement).await;
            match read {
                Ok((report, _)) if self.searching && !report.present => {}
                Ok(found) => self.migrations.borrow_mut().push(found),
                // Searching, a table of that name may be another tool's.
                Err(_) if self.searching => {}
                Err(failure) => {
                    let report = Report {
                        tool: check.tool.name(),
                        ..Report::default()
                    };
                    self.migrations.borrow_mut().push((report, Some(failure)));
                }
            }
        }
        if self.plan.auto {
            // One query finds every tool whose table is there; each is read as named.
            let found = crate::checks::migrations::auto::detect(ready, &self.plan.tools).await;
            for found in found.unwrap_or_default() {
                let read =
                    crate::checks::migrations::read(ready, &found.check, self.plan.requirement)
                        .await;
                let entry = match read {
                    Ok((report, failure)) => (
                        Report {
                            detected: Some(found.evidence),
                            ..report
                        },
                        failure,
                    ),
                    Err(failure) => (
                        Report {
                            tool: found.check.tool.name(),
                            detected: Some(found.evidence),
                            ..Report::default()
                        },
                        Some(failure),
                    ),
                };
                self.migrations.borrow_mut().push(entry);
            }
        }
        self.judge_gates(ready).await;
        let sql = format!("{FACTS_SQL}{}", literal(&app_schema(ready.spec)));
        let row = ready
            .rows(&sql)
            .await
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .unwrap_or_default();
        let identity = crate::checks::gates::identity(ready).await.ok();
        *self.facts.borrow_mut() = Facts {
            row,
            identity: identity.clone(),
        };
        Ok(identity)
    }
}

impl Collector<'_> {
    /// The gates doctor shares with `wait`: a failure is a finding, not the end of
    /// the session.
    async fn judge_gates(&self, ready: &Ready<'_>) {
        let mut found = self.gates_found(ready).await;
        self.gate_findings.borrow_mut().append(&mut found);
    }

    async fn gates_found(&self, ready: &Ready<'_>) -> Vec<Finding> {
        let g = self.gates;
        let mut found = Vec::new();
        if !g.tables.is_empty() {
            let names: Vec<String> = g.tables.iter().map(ToString::to_string).collect();
            found.push(match crate::checks::gates::tables(ready, g).await {
                Ok(()) => Finding::ok(Check::Tables, names.join(", ")),
                Err(f) => Finding::failed(Check::Tables, &f),
            });
        }
        if !g.extensions.is_empty() {
            found.push(
                match crate::checks::gates::extensions(ready, &g.extensions).await {
                    Ok(()) => Finding::ok(Check::Extensions, g.extensions.join(", ")),
                    Err(f) => Finding::failed(Check::Extensions, &f),
                },
            );
        }
        found
    }
}

//! The migration gate: reads each tool's history table on the ready session
//! (simple-protocol `SELECT`s only, so it works through PgBouncer and for a role
//! that can only read), compares it with what the app ships or expects, and
//! fails with the class `--require-migrations` makes of the worst finding.

use std::cell::RefCell;

pub mod auto;
mod judge;
use judge::Judge;

use super::gates::query_failed;
use super::sql::app_schema;
use crate::class::Class;
use crate::migrations::{Local, Record, Status, Tool};
use crate::outcome::{Failure, Stage};
use crate::probe::{Inspect, Ready};
use crate::settings::migrations::{MigrationPlan, ToolCheck};
use crate::vocab::migrations::Report;
use crate::vocab::migrations::Requirement;
use crate::vocab::names::TableName;
use crate::vocab::sql::{ident, literal, qualified};

/// The migration gate as an inspection; keeps what the latest attempt read.
pub struct MigrationCheck<'a> {
    plan: &'a MigrationPlan,
    observed: RefCell<Vec<Report>>,
}

impl<'a> MigrationCheck<'a> {
    /// A check of `plan`.
    pub fn new(plan: &'a MigrationPlan) -> Self {
        MigrationCheck {
            plan,
            observed: RefCell::default(),
        }
    }

    /// What the latest attempt read (empty if it did not get that far).
    pub fn take(&self) -> Vec<Report> {
        self.observed.take()
    }
}

impl Inspect for MigrationCheck<'_> {
    async fn inspect(&self, ready: &Ready<'_>) -> Result<Option<String>, Failure> {
        let mut reports = Vec::new();
        let mut failures = Vec::new();
        for check in &self.plan.tools {
            let (report, failure) = read(ready, check, self.plan.requirement).await?;
            reports.push(report);
            failures.extend(failure);
        }
        if self.plan.auto {
            let found = auto::detect(ready, &self.plan.tools).await?;
            if found.is_empty() && self.plan.tools.is_empty() {
                failures.extend(nothing_found(ready, self.plan.requirement));
            }
            for found in found {
                let (report, failure) = read(ready, &found.check, self.plan.requirement).await?;
                reports.push(Report {
                    detected: Some(found.evidence),
                    ..report
                });
                failures.extend(failure);
            }
        }
        *self.observed.borrow_mut() = reports;
        match failures.into_iter().min_by_key(|f| severity(f.class)) {
            Some(failure) => Err(failure),
            None => Ok(None),
        }
    }
}

/// `--migrations auto` found no tool's table: for the app's gate, migrations never
/// ran (yet); the deploy gate goes on (the deploy creates the table).
fn nothing_found(ready: &Ready<'_>, requirement: Requirement) -> Option<Failure> {
    if requirement == Requirement::Deployable {
        return None;
    }
    let tables: Vec<String> = crate::migrations::TOOLS
        .iter()
        .map(|t| t.default_table(&app_schema(ready.spec)).to_string())
        .collect();
    Some(
        Failure::new(
            Class::MigrationsMissing,
            Stage::Query,
            format!(
                "--migrations auto: no migration tool's history table in database \"{}\" (looked for {})",
                ready.spec.dbname,
                tables.join(", ")
            ),
        )
        .with_hint("run the app's migrations, or name the tool and its table: --migrations TOOL, --migrations-table TOOL=SCHEMA.TABLE"),
    )
}

/// Which finding a run reports when tools disagree: those `wait` will not outwait
/// first.
fn severity(class: Class) -> u8 {
    match class {
        Class::MigrationsFailed => 0,
        Class::MigrationsModified => 1,
        Class::MigrationsUnknown => 2,
        Class::MigrationsOutOfOrder => 3,
        Class::MigrationsMissing => 4,
        _ => 5,
    }
}

/// Reads one tool's history and judges it.
pub async fn read(
    ready: &Ready<'_>,
    check: &ToolCheck,
    requirement: Requirement,
) -> Result<(Report, Option<Failure>), Failure> {
    let tool = check.tool;
    let wanted = check
        .table
        .clone()
        .unwrap_or_else(|| tool.default_table(&app_schema(ready.spec)));
    let (table, present) = locate(ready, &wanted).await?;
    let report = Report {
        tool: tool.name(),
        table: table.to_string(),
        present,
        dir: check.dir.as_ref().map(|d| d.display().to_string()),
        expected: check.expect.clone(),
        ..Report::default()
    };
    let judge = Judge {
        ready,
        check,
        requirement,
        table: &report.table,
    };
    if !present {
        let failure = judge.missing();
        let report = Report {
            pending: local_names(check.local.as_deref()),
            ..report
        };
        return Ok(judged(report, failure));
    }
    let locked = match tool.lock_sql(&table) {
        // A lock table that cannot be read is no evidence of a lock.
        Some(sql) => ready
            .row(&sql)
            .await
            .is_ok_and(|row| row.first().and_then(|v| v.as_deref()) == Some("t")),
        None => false,
    };
    if locked && tool.lock_blocks_reads() {
        let status = Status {
            locked,
            pending: local_names(check.local.as_deref()),
            ..Status::default()
        };
        let failure = judge.verdict(&status, false);
        return Ok(judged(report.with(status), failure));
    }
    let records = history(ready, &tool.history_sql(&qualified(&table)))
        .await
        .map_err(|e| not_the_tools_table(ready, &e, tool, &report.table))?;
    let mut status = tool.compare(&records, check.local.as_deref());
    status.locked = locked;
    let expected_missing = check
        .expect
        .as_deref()
        .filter(|e| !expected_applied(tool, e, &records, check.local.as_deref(), &status));
    if let Some(expected) = expected_missing {
        if !status.pending.iter().any(|p| p == expected) {
            status.pending.push(expected.to_string());
        }
    }
    let nothing_to_compare = check.local.is_none() && check.expect.is_none();
    let failure = judge.verdict(&status, nothing_to_compare);
    Ok(judged(report.with(status), failure))
}

/// The report with its verdict, and the failure.
fn judged(report: Report, failure: Option<Failure>) -> (Report, Option<Failure>) {
    let state = failure.as_ref().map_or("ok", |f| f.class.name());
    (Report { state, ..report }, failure)
}

/// Finds the table (a bare name through the session's `search_path`) and
/// returns it schema-qualified, with whether it exists.
async fn locate(ready: &Ready<'_>, wanted: &TableName) -> Result<(TableName, bool), Failure> {
    let name = qualified(wanted);
    let fallback = match &wanted.schema {
        Some(schema) => literal(schema),
        None => "pg_catalog.current_schema()".to_string(),
    };
    let sql = format!(
        "SELECT COALESCE(n.nspname, {fallback}), c.oid IS NOT NULL \
         FROM (SELECT pg_catalog.to_regclass({}) AS oid) r \
         LEFT JOIN pg_catalog.pg_class c ON c.oid = r.oid \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
        literal(&name)
    );
    let row = ready.row(&sql).await.map_err(|e| query_failed(ready, &e))?;
    let schema = row
        .first()
        .cloned()
        .flatten()
        .unwrap_or_else(|| "public".into());
    let present = row.get(1).and_then(|v| v.as_deref()) == Some("t");
    Ok((
        TableName {
            schema: Some(schema),
            name: wanted.name.clone(),
        },
        present,
    ))
}

async fn history(ready: &Ready<'_>, sql: &str) -> Result<Vec<Record>, tokio_postgres::Error> {
    let rows = ready.rows(sql).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let text = |i: usize| row.get(i).cloned().flatten();
            Record {
                key: text(0).unwrap_or_default(),
                checksum: text(1),
                failed: text(2).as_deref() == Some("t"),
                at: text(3),
                log: text(4),
            }
        })
        .collect())
}

/// A history query that fails on the table's shape (a missing column, a wrong
/// type) means the table is not this tool's: a configuration error, not the
/// server's. `classify` reads the SQLSTATE.
fn not_the_tools_table(
    ready: &Ready<'_>,
    e: &tokio_postgres::Error,
    tool: &dyn Tool,
    table: &str,
) -> Failure {
    use crate::classify::HistoryError;
    match crate::classify::history_error(e) {
        Some(HistoryError::Shape(message)) => Failure::new(
            Class::InvalidConfig,
            Stage::Query,
            format!(
                "{table} is not {}'s history table ({message}): is it another tool's?",
                tool.name()
            ),
        )
        .with_hint(format!(
            "check --migrations (golang-migrate and dbmate both use `schema_migrations`), or name {}'s table with --migrations-table {}=SCHEMA.TABLE",
            tool.name(),
            tool.name()
        )),
        Some(HistoryError::Privilege) => query_failed(ready, e).with_hint(format!(
            "let the role read the history (reading is all pgready does): GRANT SELECT ON {table} TO {};",
            ident(&ready.spec.user)
        )),
        None => query_failed(ready, e),
    }
}

/// Whether the expected migration is applied: by the shipped list when it ships
/// there, else by the table alone.
fn expected_applied(
    tool: &dyn Tool,
    expected: &str,
    records: &[Record],
    local: Option<&[Local]>,
    status: &Status,
) -> bool {
    let shipped = local
        .unwrap_or_default()
        .iter()
        .find(|l| l.name == expected || l.key == expected);
    if let Some(l) = shipped {
        return status.applied.contains(&l.name);
    }
    let key = tool.expected_key(expected);
    let applied = status.applied.iter().any(|a| a == expected || *a == key);
    applied || records.iter().any(|r| !r.failed && tool.satisfies(r, &key))
}

fn local_names(local: Option<&[Local]>) -> Vec<String> {
    local
        .unwrap_or_default()
        .iter()
        .map(|l| l.name.clone())
        .collect()
}

#[cfg(test)]
mod tests;

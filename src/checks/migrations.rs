//! The migration gate: reads each tool's history table on the ready session
//! (simple-protocol `SELECT`s only, so it works through PgBouncer and for a role
//! that can only read), compares it with what the app ships or expects, and
//! fails with the class `--require-migrations` makes of the worst finding.

use std::cell::RefCell;

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

/// How many names a message lists before it says "and N more".
const NAMES_SHOWN: usize = 3;

/// How many lines of a failed migration's log a message quotes.
const LOG_LINES: usize = 3;

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
        *self.observed.borrow_mut() = reports;
        match failures.into_iter().min_by_key(|f| severity(f.class)) {
            Some(failure) => Err(failure),
            None => Ok(None),
        }
    }
}

/// Which finding a run reports when tools disagree: those `wait` will not outwait
/// first.
fn severity(class: Class) -> u8 {
    match class {
        Class::MigrationsFailed => 0,
        Class::MigrationsModified => 1,
        Class::MigrationsUnknown => 2,
        Class::MigrationsMissing => 3,
        _ => 4,
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
    let records = history(ready, &tool.history_sql(&qualified(&table)))
        .await
        .map_err(|e| not_the_tools_table(ready, &e, tool, &report.table))?;
    let mut status = tool.compare(&records, check.local.as_deref());
    if let Some(sql) = tool.lock_sql(&table) {
        // A lock table that cannot be read is no evidence of a lock.
        status.locked = ready
            .row(&sql)
            .await
            .is_ok_and(|row| row.first().and_then(|v| v.as_deref()) == Some("t"));
    }
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

/// Turns a status into the failure `--require-migrations` makes of it.
struct Judge<'a> {
    ready: &'a Ready<'a>,
    check: &'a ToolCheck,
    requirement: Requirement,
    table: &'a str,
}

impl Judge<'_> {
    fn fail(&self, class: Class, message: String, hint: String) -> Option<Failure> {
        let tool = self.check.tool.name();
        Some(Failure::new(class, Stage::Query, format!("{tool}: {message}")).with_hint(hint))
    }

    fn deploy(&self) -> String {
        format!(
            "run `{}` (or let the migration job finish; `wait` keeps checking)",
            self.check.tool.deploy_command()
        )
    }

    fn missing(&self) -> Option<Failure> {
        if self.requirement == Requirement::Deployable {
            return None;
        }
        self.fail(
            Class::MigrationsMissing,
            format!(
                "no migration history table {} in database \"{}\": migrations never ran here (yet)",
                self.table, self.ready.spec.dbname
            ),
            format!(
                "{}; if the tool keeps its table elsewhere, say where with --migrations-table {}=SCHEMA.TABLE",
                self.deploy(),
                self.check.tool.name()
            ),
        )
    }

    /// The worst finding first: what waiting cannot fix, then what it can.
    fn verdict(&self, status: &Status, nothing_to_compare: bool) -> Option<Failure> {
        let deployable = self.requirement == Requirement::Deployable;
        self.failed(status)
            .or_else(|| self.modified(status))
            .or_else(|| self.locked(status))
            .or_else(|| self.unknown(status, deployable))
            .or_else(|| {
                (!deployable)
                    .then(|| self.pending(status, nothing_to_compare))
                    .flatten()
            })
    }

    fn failed(&self, status: &Status) -> Option<Failure> {
        let tool = self.check.tool;
        let failed = status.failed.first()?;
        let at = failed
            .at
            .as_deref()
            .map(|t| format!(" (started {t})"))
            .unwrap_or_default();
        let p3009 = if tool.name() == "prisma" {
            " (Prisma P3009)"
        } else {
            ""
        };
        let log = failed
            .log
            .as_deref()
            .map(|l| format!("; its log: {}", first_lines(l)))
            .unwrap_or_default();
        self.fail(
            Class::MigrationsFailed,
            format!(
                "migration {} failed{at} and blocks every later `{}`{p3009}{log}",
                failed.name,
                tool.deploy_command()
            ),
            tool.resolve_failed(&failed.name),
        )
    }

    fn modified(&self, status: &Status) -> Option<Failure> {
        let m = status.modified.first()?;
        self.fail(
            Class::MigrationsModified,
            format!(
                "migration {} was changed after it was applied: {} has checksum {}, {} recorded {}",
                m.name, m.file, m.local, self.table, m.recorded
            ),
            "ship the migration exactly as it was applied (e.g. `git checkout` the file); a change belongs in a new migration".into(),
        )
    }

    fn locked(&self, status: &Status) -> Option<Failure> {
        if !status.locked {
            return None;
        }
        self.fail(
            Class::MigrationsPending,
            format!(
                "the migration lock of {} is held: a migration run is in progress, or one crashed",
                self.table
            ),
            format!(
                "if no migration is running, release it: `{}`",
                self.check.tool.unlock_command()
            ),
        )
    }

    /// Unknown migrations stop the app; they stop a deploy only where the tool
    /// itself would refuse to run over them.
    fn unknown(&self, status: &Status, deployable: bool) -> Option<Failure> {
        let tool = self.check.tool;
        if status.unknown.is_empty() || (deployable && !tool.deploy_refuses_unknown()) {
            return None;
        }
        let refuses = if tool.deploy_refuses_unknown() {
            format!(" (`{}` refuses to run over them)", tool.deploy_command())
        } else {
            String::new()
        };
        self.fail(
            Class::MigrationsUnknown,
            format!(
                "the database has {} that this release does not ship: {}{refuses}",
                count(status.unknown.len()),
                names(&status.unknown)
            ),
            format!(
                "a newer release (or another branch) migrated this database, or this is the wrong image: deploy the release whose migrations match, or compare {} with the migrations directory",
                self.table
            ),
        )
    }

    fn pending(&self, status: &Status, nothing_to_compare: bool) -> Option<Failure> {
        if status.pending.is_empty() {
            if nothing_to_compare && status.applied.is_empty() {
                return self.fail(
                    Class::MigrationsPending,
                    format!("{} is empty: no migration applied yet", self.table),
                    self.deploy(),
                );
            }
            return None;
        }
        let last = status
            .last_applied
            .as_ref()
            .map_or("none".to_string(), |(n, _)| n.clone());
        let mut failure = self.fail(
            Class::MigrationsPending,
            format!(
                "{} not applied yet: {} (last applied: {last})",
                count(status.pending.len()),
                names(&status.pending)
            ),
            self.deploy(),
        )?;
        // Where the tool would skip one, waiting for it is futile: say so first.
        failure.hints.splice(0..0, status.stranded.iter().cloned());
        Some(failure)
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 migration".into()
    } else {
        format!("{n} migrations")
    }
}

fn names(list: &[String]) -> String {
    let shown = list
        .iter()
        .take(NAMES_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match list.len().saturating_sub(NAMES_SHOWN) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

fn first_lines(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(LOG_LINES)
        .collect();
    lines.join(" ⏎ ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_logs_are_shortened() {
        let list: Vec<String> = (1..=5).map(|i| i.to_string()).collect();
        assert_eq!(names(&list), "1, 2, 3 and 2 more");
        assert_eq!(first_lines("a\n\n b \nc\nd"), "a ⏎ b ⏎ c");
        assert!(severity(Class::MigrationsFailed) < severity(Class::MigrationsPending));
    }
}

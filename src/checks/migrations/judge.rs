//! Judging one tool's history as `--require-migrations` asks: the class and the
//! message, with the names shortened and a failed migration's log quoted.

use crate::class::Class;
use crate::migrations::Status;
use crate::outcome::{Failure, Stage};
use crate::probe::Ready;
use crate::settings::migrations::ToolCheck;
use crate::vocab::migrations::Requirement;

/// How many lines of a failed migration's log a message quotes.
const LOG_LINES: usize = 3;

/// How many names a message lists before it says "and N more".
const NAMES_SHOWN: usize = 3;

/// Turns a status into the failure `--require-migrations` makes of it.
pub(super) struct Judge<'a> {
    pub(super) ready: &'a Ready<'a>,
    pub(super) check: &'a ToolCheck,
    pub(super) requirement: Requirement,
    pub(super) table: &'a str,
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

    pub(super) fn missing(&self) -> Option<Failure> {
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
    pub(super) fn verdict(&self, status: &Status, nothing_to_compare: bool) -> Option<Failure> {
        let deployable = self.requirement == Requirement::Deployable;
        let blocked = self
            .failed(status)
            .or_else(|| self.modified(status))
            .or_else(|| self.locked(status));
        if blocked.is_some() {
            return blocked;
        }
        // The tool's own first complaint (node-pg-migrate: "Not run migration X is
        // preceding already run migration Y", Y perhaps unknown) before unknown.
        self.out_of_order(status, deployable)
            .or_else(|| self.unknown(status, deployable))
            .or_else(|| {
                (!deployable)
                    .then(|| self.pending(status, nothing_to_compare))
                    .flatten()
            })
    }

    /// A pending migration the tool will never run (or refuses to run): waiting
    /// cannot help the app; the deploy fails on it where the tool refuses it.
    fn out_of_order(&self, status: &Status, deployable: bool) -> Option<Failure> {
        let tool = self.check.tool;
        let first = status.stranded.first()?;
        if deployable && !tool.deploy_refuses_stranded() {
            return None;
        }
        let mut failure = self.fail(
            Class::MigrationsOutOfOrder,
            first.clone(),
            "rename (renumber) it to sort after the newest applied migration, or apply it with the tool's out-of-order option".into(),
        )?;
        failure
            .hints
            .splice(0..0, status.stranded.iter().skip(1).cloned());
        Some(failure)
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
        self.fail(
            Class::MigrationsPending,
            format!(
                "{} not applied yet: {} (last applied: {last})",
                count(status.pending.len()),
                names(&status.pending)
            ),
            self.deploy(),
        )
    }
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 migration".into()
    } else {
        format!("{n} migrations")
    }
}

pub(super) fn names(list: &[String]) -> String {
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

pub(super) fn first_lines(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(LOG_LINES)
        .collect();
    lines.join(" ⏎ ")
}

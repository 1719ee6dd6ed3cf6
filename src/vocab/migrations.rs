//! What `--require-migrations` asks of a tool's history, and what one tool's
//! history showed (the JSON `migrations` array).

use clap::ValueEnum;
use serde::Serialize;

/// What `--require-migrations` asks of the history.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Requirement {
    /// Every shipped (or expected) migration applied, none failed, modified or
    /// unknown: the app's gate.
    #[default]
    Applied,
    /// Nothing failed or modified; pending is fine: the gate in front of the
    /// migration command itself.
    Deployable,
}

/// What one tool's history showed, as the JSON `migrations` array has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The tool (`prisma`, `drizzle`, …).
    pub tool: &'static str,
    /// The history table, `schema.table`.
    pub table: String,
    /// Whether the table exists.
    pub present: bool,
    /// The migrations directory compared with, if any.
    pub dir: Option<String>,
    /// `--expect-migration`, if given.
    pub expected: Option<String>,
    /// Applied migrations, oldest first.
    pub applied: Vec<String>,
    /// Shipped (or expected) migrations not applied yet.
    pub pending: Vec<String>,
    /// Migrations recorded as failed (or dirty).
    pub failed: Vec<String>,
    /// Applied migrations whose shipped file changed since.
    pub modified: Vec<String>,
    /// Applied migrations this release does not ship.
    pub unknown: Vec<String>,
    /// The newest applied migration.
    pub last_applied: Option<String>,
    /// When it was applied, as the server printed it (`null` where the tool keeps
    /// no time).
    pub last_applied_at: Option<String>,
    /// Whether the tool's migration lock is held (Knex).
    pub locked: bool,
    /// Why `--migrations auto` chose this tool: its table and columns (absent
    /// for a tool named with `--migrations TOOL`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<String>,
    /// This tool's verdict: `ok` or a class name.
    pub state: &'static str,
}

impl Report {
    /// One line: the table and what it holds, e.g. `prisma (public._prisma_migrations):
    /// 3 applied, last 20240102_add_posts at 2026-11-23 10:00:00+00`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} applied", self.applied.len())];
        for (count, what) in [
            (self.pending.len(), "pending"),
            (self.unknown.len(), "unknown"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        }
        let last = match (&self.last_applied, &self.last_applied_at) {
            (Some(name), Some(at)) => format!(", last {name} at {at}"),
            (Some(name), None) => format!(", last {name}"),
            _ => String::new(),
        };
        format!("{} ({}): {}{last}", self.tool, self.table, parts.join(", "))
    }
}

//! Kysely's Migrator: `kysely_migration(name varchar(255) PRIMARY KEY, "timestamp"
//! varchar(255))` (an ISO time as text) in the default schema, one row per
//! executed migration named by its file without the extension; all pending
//! migrations run in one transaction (a failure leaves no row).
//! `migrateToLatest()` refuses a row without a migration ("corrupted migrations:
//! previously executed migration X is missing") and a new migration that sorts
//! before the last executed one unless `allowUnorderedMigrations`. On PostgreSQL
//! the lock is `pg_advisory_lock(3853314791062309107)` (`kysely_migration_lock`
//! is never set). Checked against kysely 0.28.19 (scripts/migration-tools).

use std::path::Path;

use super::{Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// Kysely's advisory lock key (`ADVISORY_LOCK_ID` in its PostgreSQL adapter).
const LOCK_ID: i64 = 3_853_314_791_062_309_107;

/// Kysely (`migrator.migrateToLatest()`).
pub struct Kysely;

impl Tool for Kysely {
    fn name(&self) -> &'static str {
        "kysely"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("kysely_migration")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT name, NULL, false, \"timestamp\", NULL FROM {table} ORDER BY \"timestamp\", name")
    }

    /// FileMigrationProvider's files: `.js`, `.mjs`, `.ts` and `.mts` (no `.d.*`).
    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        super::by_stem(dir, &[".js", ".mjs", ".ts", ".mts"])
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let last = records.iter().map(|r| r.key.as_str()).max();
        if let Some(last) = last {
            for name in status.pending.iter().filter(|p| p.as_str() < last) {
                status.stranded.push(format!(
                    "Kysely's migrateToLatest() refuses {name}: it sorts before the last executed migration {last} (\"corrupted migrations\"); rename it to sort after, or migrate with allowUnorderedMigrations: true"
                ));
            }
        }
        status
    }

    /// "corrupted migrations: previously executed migration X is missing".
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        Some(super::advisory_lock_sql(LOCK_ID))
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the advisory lock ends with the migrating session"
    }

    fn deploy_refuses_stranded(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "the app's Kysely migrator (migrator.migrateToLatest())"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Kysely runs migrations in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        [".js", ".mjs", ".ts", ".mts"]
            .iter()
            .find_map(|e| expected.strip_suffix(e))
            .unwrap_or(expected)
            .to_string()
    }
}

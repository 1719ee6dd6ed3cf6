//! MikroORM: `mikro_orm_migrations(id serial, name varchar(255), executed_at
//! timestamptz)`, one row per executed migration named by its file without
//! `.js`/`.ts` (older releases kept the extension; both read the same). All
//! pending migrations run in one transaction by default (a failure leaves no
//! row). `migration:up` applies every file without a row, older ones too, and
//! ignores rows without a file; no lock. Files: `Migration<timestamp>[_name]`
//! `.js`, `.ts` or `.cjs` (not `.d.ts`). Checked against MikroORM 6.6.16
//! (scripts/migration-tools; 7.x behaves the same and needs Node 22).

use std::path::Path;

use super::{Local, Tool};
use crate::vocab::names::TableName;

/// MikroORM (`npx mikro-orm migration:up`).
pub struct MikroOrm;

const EXTENSIONS: [&str; 3] = [".js", ".ts", ".cjs"];

impl Tool for MikroOrm {
    fn name(&self) -> &'static str {
        "mikro-orm"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("mikro_orm_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT regexp_replace(name, '\\.(js|ts)$', ''), NULL, false, executed_at::text, NULL FROM {table} ORDER BY id"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        super::by_stem(dir, &EXTENSIONS)
    }

    fn deploy_command(&self) -> &'static str {
        "npx mikro-orm migration:up"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "MikroORM runs migrations in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        EXTENSIONS
            .iter()
            .find_map(|e| expected.strip_suffix(e))
            .unwrap_or(expected)
            .to_string()
    }
}

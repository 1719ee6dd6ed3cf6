//! Knex: `knex_migrations(id, name, batch, migration_time)`, `name` being the
//! migration's file name, and `knex_migrations_lock(index, is_locked)`: a lock
//! left at 1 (a run in progress, or one that crashed) makes `migrate:latest` fail.

use std::path::Path;

use super::{files, Local, Record, Tool};
use crate::vocab::names::TableName;
use crate::vocab::sql::qualified;

/// The file extensions Knex loads migrations from by default.
const EXTENSIONS: &[&str] = &[
    ".js",
    ".cjs",
    ".mjs",
    ".ts",
    ".cts",
    ".mts",
    ".coffee",
    ".litcoffee",
    ".ls",
    ".eg",
    ".iced",
];

/// Knex (`knex migrate:latest`).
pub struct Knex;

impl Tool for Knex {
    fn name(&self) -> &'static str {
        "knex"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("knex_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT name, NULL, false, migration_time::text, NULL FROM {table} ORDER BY id")
    }

    fn lock_sql(&self, table: &TableName) -> Option<String> {
        let lock = TableName {
            schema: table.schema.clone(),
            name: format!("{}_lock", table.name),
        };
        let name = qualified(&lock);
        Some(format!(
            "SELECT COALESCE(bool_or(is_locked = 1), false) FROM {name}"
        ))
    }

    fn unlock_command(&self) -> &'static str {
        "npx knex migrate:unlock"
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        Ok(files::entries(dir)?
            .into_iter()
            .filter(|(name, path)| {
                path.is_file()
                    && EXTENSIONS.iter().any(|e| name.ends_with(e))
                    && !name.ends_with(".d.ts")
            })
            .map(|(name, file)| Local {
                key: name.clone(),
                name,
                file,
                ..Local::default()
            })
            .collect())
    }

    /// Knex: "The migration directory is corrupt, the following files are missing".
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "npx knex migrate:latest"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Knex runs migrations in a transaction and records no failures".into()
    }

    /// A migration may be named with or without its extension.
    fn satisfies(&self, record: &Record, key: &str) -> bool {
        record.key == key
            || record
                .key
                .rsplit_once('.')
                .is_some_and(|(stem, _)| stem == key)
    }
}

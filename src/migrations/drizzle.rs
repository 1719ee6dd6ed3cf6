//! Drizzle Kit: `drizzle.__drizzle_migrations(id, hash, created_at)` (schema and
//! table configurable); `meta/_journal.json` lists the migrations, each
//! `<tag>.sql` beside it. A row holds the SHA-256 of the file and the journal
//! entry's `when` as `created_at` — no name and no apply time — so rows are
//! matched to files by `when`.

use std::path::Path;

use serde::Deserialize;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// Drizzle Kit (`drizzle-kit migrate`, or drizzle-orm's `migrate()`).
pub struct Drizzle;

#[derive(Deserialize)]
struct Journal {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    when: i64,
    tag: String,
}

impl Tool for Drizzle {
    fn name(&self) -> &'static str {
        "drizzle"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::in_schema("drizzle", "__drizzle_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT created_at::text, hash, false, NULL, NULL FROM {table} ORDER BY created_at, id"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let journal_file = dir.join("meta").join("_journal.json");
        let journal: Journal = serde_json::from_str(&files::read_text(&journal_file)?)
            .map_err(|e| format!("{} is not a Drizzle journal: {e}", journal_file.display()))?;
        journal
            .entries
            .into_iter()
            .map(|entry| {
                let file = dir.join(format!("{}.sql", entry.tag));
                let sql = files::read(&file)?;
                let checksums = files::line_ending_variants(&sql)
                    .iter()
                    .map(|v| files::sha256_hex(v))
                    .collect();
                Ok(Local {
                    key: entry.when.to_string(),
                    name: entry.tag,
                    checksums,
                    file,
                    ..Local::default()
                })
            })
            .collect()
    }

    fn deploy_command(&self) -> &'static str {
        "npx drizzle-kit migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Drizzle applies migrations in one transaction and records no failures".into()
    }

    /// Drizzle applies only journal entries newer than its newest row: an older
    /// one (merged from another branch) stays pending for ever.
    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let Some((newest, behind)) = super::pending_behind(records, local, &status) else {
            return status;
        };
        status.stranded = behind
            .into_iter()
            .map(|l| format!(
                "{} (`when` {}) is older than the newest applied migration (`when` {newest}): `drizzle-kit migrate` applies only newer ones, so it will never run; regenerate it after the newest (or apply its SQL by hand and record it)",
                l.name, l.key
            ))
            .collect();
        status
    }

    /// Without the journal, a migration is known by its `when` or its hash.
    fn satisfies(&self, record: &Record, key: &str) -> bool {
        record.key == key || record.checksum.as_deref() == Some(key)
    }
}

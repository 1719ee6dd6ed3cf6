//! Drizzle Kit: `drizzle.__drizzle_migrations(id, hash, created_at)` (schema and
//! table configurable), in two layouts:
//! - 0.x: `meta/_journal.json` lists the migrations, each `<tag>.sql` beside it.
//!   A row holds the SHA-256 of the file and the journal entry's `when` as
//!   `created_at` — no name and no apply time — so rows are matched to files by
//!   `when`, and only entries newer than the newest row are ever applied.
//! - 1.0 (release candidates, checked against drizzle-kit 1.0.0-rc.5): one folder
//!   per migration, `<YYYYMMDDHHMMSS>_<name>/migration.sql`, no journal; the
//!   table gains `name` (the folder) and `applied_at`, and every folder whose
//!   name has no row is applied, older ones too. Rows of a 0.x table that the
//!   first 1.0 run has not upgraded yet have no name: they are matched by hash,
//!   as that upgrade does when the time does not decide.

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

    /// Either table shape: `name` and `applied_at` where 1.0 added them.
    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT COALESCE(pg_catalog.to_jsonb(m) ->> 'name', m.created_at::text), m.hash, false, \
             pg_catalog.to_jsonb(m) ->> 'applied_at', NULL FROM {table} m ORDER BY m.created_at, m.id"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let journal_file = dir.join("meta").join("_journal.json");
        if !journal_file.exists() {
            let folders = folders(dir)?;
            if !folders.is_empty() {
                return Ok(folders);
            }
        }
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
        // 1.0 folders are keyed by name, 0.x journal entries by their numeric `when`.
        if local.is_some_and(|l| l.iter().any(|m| !is_number(&m.key))) {
            return super::compare(&by_name(records, local.unwrap_or_default()), local);
        }
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

fn is_number(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// The 1.0 layout: `<14 digits>_<name>/migration.sql` folders, by name.
fn folders(dir: &Path) -> Result<Vec<Local>, String> {
    let mut found = Vec::new();
    for (name, path) in files::entries(dir)? {
        let stamped = name.len() > 15
            && name.as_bytes()[14] == b'_'
            && name.as_bytes()[..14].iter().all(u8::is_ascii_digit);
        let file = path.join("migration.sql");
        if !stamped || !file.is_file() {
            continue;
        }
        let sql = files::read(&file)?;
        found.push(Local {
            key: name.clone(),
            checksums: files::line_ending_variants(&sql)
                .iter()
                .map(|v| files::sha256_hex(v))
                .collect(),
            name,
            file,
            ..Local::default()
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Rows of a 0.x table not upgraded yet (keyed by `created_at`) named after the
/// folder with their hash.
fn by_name(records: &[Record], local: &[Local]) -> Vec<Record> {
    records
        .iter()
        .map(|r| {
            let folder = local.iter().find(|l| {
                is_number(&r.key) && r.checksum.as_ref().is_some_and(|c| l.checksums.contains(c))
            });
            match folder {
                Some(l) => Record {
                    key: l.key.clone(),
                    ..r.clone()
                },
                None => r.clone(),
            }
        })
        .collect()
}

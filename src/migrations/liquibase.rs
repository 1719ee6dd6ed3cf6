//! Liquibase: `databasechangelog(id, author, filename, dateexecuted, orderexecuted,
//! exectype, md5sum, …)`, one row per changeset run (no primary key; a rerun
//! changeset's row is updated), identified by `filename::id::author` with id and
//! author compared case-insensitively. pgready matches `id::author` only: the
//! filename Liquibase records is the path the changelog was included by
//! (`db/changelog/…`, `classpath:…`), which a directory on disk does not know. A failure rolls back and writes no row
//! (EXECTYPE FAILED is never written). `update` ignores rows the changelog does
//! not have. `databasechangeloglock(id, locked, lockgranted, lockedby)` holds the
//! lock (`liquibase release-locks`). Shipped changesets are read from formatted
//! SQL changelogs (`--changeset author:id` in `*.sql` files, the file path as
//! written relative to DIR); XML, YAML and JSON changelogs are not read yet: use
//! `--expect-migration` with them. Checksums (MD5SUM) are not compared.
//! Followed: liquibase/liquibase@cdbdec7f: CreateDatabaseChangeLogTableGenerator,
//! CreateDatabaseChangeLogLockTableGenerator, RanChangeSet, MarkChangeSetRanGenerator.

use std::path::Path;

use super::{files, Local, Record, Tool};
use crate::vocab::names::TableName;
use crate::vocab::sql::qualified;

/// Liquibase (`liquibase update`).
pub struct Liquibase;

impl Tool for Liquibase {
    fn name(&self) -> &'static str {
        "liquibase"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("databasechangelog")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT lower(id) || '::' || lower(author), NULL, false, dateexecuted::text, NULL \
             FROM {table} ORDER BY dateexecuted, orderexecuted"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local = Vec::new();
        for (name, file) in files::entries(dir)? {
            if !name.ends_with(".sql") {
                continue;
            }
            let text = files::read_text(&file)?;
            if !text
                .trim_start()
                .to_lowercase()
                .starts_with("--liquibase formatted sql")
            {
                continue;
            }
            for line in text.lines() {
                let Some(rest) = line.trim().strip_prefix("--changeset ") else {
                    continue;
                };
                let Some((author, id)) = rest
                    .split_whitespace()
                    .next()
                    .and_then(|s| s.split_once(':'))
                else {
                    continue;
                };
                local.push(Local {
                    key: format!("{}::{}", id.to_lowercase(), author.to_lowercase()),
                    name: format!("{name}::{id}::{author}"),
                    file: file.clone(),
                    ..Local::default()
                });
            }
        }
        Ok(local)
    }

    fn lock_sql(&self, table: &TableName) -> Option<String> {
        let lock = TableName {
            schema: table.schema.clone(),
            name: format!("{}lock", table.name),
        };
        Some(format!(
            "SELECT COALESCE(bool_or(locked), false) FROM {}",
            qualified(&lock)
        ))
    }

    fn unlock_command(&self) -> &'static str {
        "liquibase release-locks"
    }

    fn deploy_command(&self) -> &'static str {
        "liquibase update"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Liquibase rolls a failed changeset back and records no failures".into()
    }

    /// `id::author` (a leading `filename::` dropped), or the changeset id alone.
    fn expected_key(&self, expected: &str) -> String {
        let parts: Vec<&str> = expected.split("::").collect();
        let start = parts.len().saturating_sub(2);
        parts[start..].join("::").to_lowercase()
    }

    fn satisfies(&self, record: &Record, key: &str) -> bool {
        record.key == key || record.key.split("::").next() == Some(key)
    }
}

//! graphile-migrate: `graphile_migrate.migrations(hash PRIMARY KEY, previous_hash,
//! filename, date)`, one row per committed migration (`000001.sql`, the message
//! slug of `000001-add-users.sql` dropped), each in its own transaction (a failure
//! leaves no row). Files are `migrations/committed/NNNNNN[-slug].sql`, each headed
//! by `--! Hash: sha1:…`, a chain over the previous hash. `migrate` runs only the
//! files after the newest applied filename: a lower one without a row is never
//! run; it ignores rows without a file and edits of applied files (the gate calls
//! an applied file whose header hash differs from the row's modified). A run holds
//! `pg_advisory_lock(4727445306447283)`.
//! Checked against graphile-migrate 1.4.1 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// graphile-migrate's advisory lock key.
const LOCK_ID: i64 = 4_727_445_306_447_283;

/// graphile-migrate (`npx graphile-migrate migrate`).
pub struct GraphileMigrate;

impl Tool for GraphileMigrate {
    fn name(&self) -> &'static str {
        "graphile-migrate"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::in_schema("graphile_migrate", "migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT filename, hash, false, date::text, NULL FROM {table} ORDER BY filename")
    }

    /// DIR is the migrations folder (its `committed/` is read) or `committed/` itself.
    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let committed = dir.join("committed");
        let dir = if committed.is_dir() {
            committed.as_path()
        } else {
            dir
        };
        let mut local = Vec::new();
        for (name, file) in files::entries(dir)? {
            let Some(number) = name
                .strip_suffix(".sql")
                .map(|s| s.split('-').next().unwrap_or(s))
            else {
                continue;
            };
            if number.len() != 6 || !number.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let text = files::read_text(&file)?;
            let hash = text
                .lines()
                .find_map(|l| l.strip_prefix("--! Hash: "))
                .map(|h| h.trim().to_string());
            local.push(Local {
                key: format!("{number}.sql"),
                name,
                checksums: hash.into_iter().collect(),
                file,
                ..Local::default()
            });
        }
        local.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(local)
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let Some(newest) = records.iter().map(|r| r.key.as_str()).max() else {
            return status;
        };
        for l in local
            .unwrap_or_default()
            .iter()
            .filter(|l| status.pending.contains(&l.name) && l.key.as_str() < newest)
        {
            status.stranded.push(format!(
                "`graphile-migrate migrate` never runs {}: it runs only files after the newest applied, {newest}; renumber it after that",
                l.name
            ));
        }
        status
    }

    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        Some(super::advisory_lock_sql(LOCK_ID))
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the advisory lock ends with the migrating session"
    }

    fn deploy_command(&self) -> &'static str {
        "npx graphile-migrate migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "graphile-migrate runs each migration in a transaction and records no failures".into()
    }

    /// `000003.sql`, `000003-add-tags.sql` or `000003`.
    fn expected_key(&self, expected: &str) -> String {
        let number = expected
            .trim_end_matches(".sql")
            .split('-')
            .next()
            .unwrap_or(expected);
        format!("{number}.sql")
    }
}

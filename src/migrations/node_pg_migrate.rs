//! node-pg-migrate: `pgmigrations(id serial, name varchar(255), run_on timestamp)`
//! in the search_path, one row per applied migration named by its file without
//! the extension (`1717200000000_add-users`), written in the run's transaction
//! (one for the whole run by default: a failure leaves no row). Files are
//! `<number>_<name>.js|.cjs|.mjs|.ts|.sql`, ordered by their number. `up` refuses
//! when a file not run sorts before one that ran ("Not run migration X is
//! preceding already run migration Y") unless `--no-check-order`; rows without
//! a file alone are no error. A run holds `pg_advisory_lock(7241865325823964)`.
//! Checked against node-pg-migrate 8.0.4 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// The advisory lock key of a running `node-pg-migrate up` (PG_MIGRATE_LOCK_ID).
const LOCK_ID: i64 = 7_241_865_325_823_964;

/// node-pg-migrate (`node-pg-migrate up`).
pub struct NodePgMigrate;

const EXTENSIONS: [&str; 5] = [".js", ".cjs", ".mjs", ".ts", ".sql"];

impl Tool for NodePgMigrate {
    fn name(&self) -> &'static str {
        "node-pg-migrate"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("pgmigrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT name, NULL, false, run_on::text, NULL FROM {table} ORDER BY run_on, id")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<(u64, Local)> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| {
                EXTENSIONS.iter().any(|e| name.ends_with(e)) && !name.ends_with(".d.ts")
            })
            .filter_map(|(name, file)| {
                let number = files::leading_digits(&name)?.parse::<u64>().ok()?;
                let stem = name
                    .rsplit_once('.')
                    .map_or(name.as_str(), |(s, _)| s)
                    .to_string();
                Some((
                    number,
                    Local {
                        key: stem.clone(),
                        name: stem,
                        file,
                        ..Local::default()
                    },
                ))
            })
            .collect();
        local.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
        Ok(local.into_iter().map(|(_, l)| l).collect())
    }

    /// The order check: a pending file that sorts before the newest applied row
    /// stops `up`.
    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let Some(shipped) = local else { return status };
        let position = |key: &str| shipped.iter().position(|l| l.key == key);
        let last_applied = records.iter().filter_map(|r| position(&r.key)).max();
        let newest_row = records.last().map(|r| r.key.clone());
        for l in shipped.iter().filter(|l| status.pending.contains(&l.name)) {
            let behind_file = last_applied.is_some_and(|i| position(&l.key).is_some_and(|p| p < i));
            let behind_unknown = !status.unknown.is_empty();
            if behind_file || behind_unknown {
                status.stranded.push(format!(
                    "`node-pg-migrate up` refuses {}: \"Not run migration {} is preceding already run migration {}\"; run it with --no-check-order, or renumber it after the newest",
                    l.name,
                    l.name,
                    newest_row.as_deref().unwrap_or("?")
                ));
            }
        }
        status
    }

    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        Some(super::advisory_lock_sql(LOCK_ID))
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the advisory lock ends with the migrating session (find it: SELECT pid, query FROM pg_stat_activity JOIN pg_locks USING (pid) WHERE locktype = 'advisory')"
    }

    fn deploy_refuses_stranded(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "npx node-pg-migrate up"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "node-pg-migrate runs migrations in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        EXTENSIONS
            .iter()
            .find_map(|e| expected.strip_suffix(e))
            .unwrap_or(expected)
            .to_string()
    }
}

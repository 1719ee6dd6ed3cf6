//! Rails' Active Record migrations: `schema_migrations(version varchar PRIMARY KEY)`
//! beside `ar_internal_metadata` (which tells it from dbmate's table of the same
//! shape), one row per applied migration holding its version as an integer's text.
//! Files are `db/migrate/<version>_<name>.rb`. `db:migrate` applies every version
//! without a row, older ones too, each in its own transaction (a failure leaves no
//! row), and goes on over rows without a file ("NO FILE" in `db:migrate:status`).
//! A run holds `pg_try_advisory_lock(2053462845 * crc32(database name))`.
//! Checked against Debian's ruby-activerecord 6.1.7.10 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// `ActiveRecord::Migrator::MIGRATOR_SALT`: the lock key is it times a crc32.
const MIGRATOR_SALT: i64 = 2_053_462_845;

/// Rails (`bin/rails db:migrate`).
pub struct Rails;

impl Tool for Rails {
    fn name(&self) -> &'static str {
        "rails"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("schema_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        // `lower()` fails on golang-migrate's and Ecto's bigint `version`.
        format!("SELECT lower(version), NULL, false, NULL, NULL FROM {table} ORDER BY version")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("version character varying") && shape.rails_metadata
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(".rb"))
            .filter_map(|(name, file)| {
                files::leading_digits(&name)?;
                Some(Local {
                    key: files::version_number(&name),
                    name: name.trim_end_matches(".rb").to_string(),
                    file,
                    ..Local::default()
                })
            })
            .collect();
        local.sort_by_key(|l| l.key.parse::<u64>().unwrap_or_default());
        Ok(local)
    }

    /// The key is the salt times the database name's crc32, which SQL cannot
    /// compute: any advisory lock that is a multiple of the salt below 2^32 times
    /// it is Rails'.
    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        Some(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) \
             AND ((classid::bigint << 32) | objid::bigint) % {MIGRATOR_SALT} = 0 \
             AND ((classid::bigint << 32) | objid::bigint) / {MIGRATOR_SALT} BETWEEN 1 AND 4294967295)"
        ))
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the advisory lock ends with the migrating process (ActiveRecord::ConcurrentMigrationError while it runs)"
    }

    fn deploy_command(&self) -> &'static str {
        "bin/rails db:migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Rails runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        files::version_number(expected)
    }
}

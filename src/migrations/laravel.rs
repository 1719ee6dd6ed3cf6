//! Laravel's migrator: `migrations(id serial, migration varchar(255), batch int)`,
//! one row per applied migration named by its file without `.php`
//! (`2024_01_01_000000_create_users_table`), logged after the migration's
//! transaction commits (a failure leaves no row). `migrate` applies every file
//! without a row, older ones too, and ignores rows without a file. Without
//! `--isolated` it takes no lock, so two runs may both apply a migration: a name
//! may have two rows. TypeORM's table of the same name has other columns, so one
//! reader never takes the other's.
//! Checked against Debian's php-illuminate-database 8.83.26 (scripts/migration-tools).

use std::path::Path;

use super::{Local, Tool};
use crate::vocab::names::TableName;

/// Laravel (`php artisan migrate --force`).
pub struct Laravel;

impl Tool for Laravel {
    fn name(&self) -> &'static str {
        "laravel"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT migration, NULL, false, NULL, NULL FROM {table} ORDER BY batch, id")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("migration character varying")
            && shape.columns.contains("batch integer")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        super::by_stem(dir, &[".php"])
    }

    fn deploy_command(&self) -> &'static str {
        "php artisan migrate --force"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Laravel runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        expected.trim_end_matches(".php").to_string()
    }
}

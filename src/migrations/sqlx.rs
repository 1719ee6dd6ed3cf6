//! SQLx: `_sqlx_migrations(version, description, installed_on, success, checksum,
//! execution_time)`; files `<version>_<description>.sql` (or `.up.sql` and
//! `.down.sql`). The checksum is the SHA-384 of the file as shipped; a row with
//! `success = false` is a dirty migration that blocks `sqlx migrate run`.

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// SQLx (`sqlx migrate run`, or `sqlx::migrate!()` in the app).
pub struct Sqlx;

impl Tool for Sqlx {
    fn name(&self) -> &'static str {
        "sqlx"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("_sqlx_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT version::text, encode(checksum, 'hex'), NOT success, installed_on::text, NULL \
             FROM {table} ORDER BY version"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut shipped = Vec::new();
        for (name, file) in files::entries(dir)? {
            if !name.ends_with(".sql") || name.ends_with(".down.sql") {
                continue;
            }
            let Some(version) = files::leading_digits(&name) else {
                continue;
            };
            let sql = files::read(&file)?;
            shipped.push(Local {
                key: files::version_number(version),
                name: name
                    .trim_end_matches(".sql")
                    .trim_end_matches(".up")
                    .to_string(),
                checksums: vec![files::sha384_hex(&sql)],
                file,
                ..Local::default()
            });
        }
        Ok(shipped)
    }

    /// sqlx: "migration N was previously applied but is missing in the resolved migrations".
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "sqlx migrate run"
    }

    fn resolve_failed(&self, name: &str) -> String {
        format!("fix what migration {name} left half-done, delete its row (`DELETE FROM _sqlx_migrations WHERE success = false;`) and run `sqlx migrate run` again")
    }

    fn expected_key(&self, expected: &str) -> String {
        files::version_number(expected)
    }
}

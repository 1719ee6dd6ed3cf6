//! Diesel: `__diesel_schema_migrations(version varchar(50), run_on timestamp)`;
//! one directory per migration, `<version>_<name>/up.sql`, the version being the
//! part before the first `_` without its dashes
//! (`2024-01-31-120000_create_users` → `20240131120000`).

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// Diesel (`diesel migration run`, or `embed_migrations!` in the app).
pub struct Diesel;

impl Tool for Diesel {
    fn name(&self) -> &'static str {
        "diesel"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("__diesel_schema_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT version, NULL, false, run_on::text, NULL FROM {table} ORDER BY version")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        Ok(files::entries(dir)?
            .into_iter()
            .filter(|(_, path)| path.join("up.sql").is_file())
            .map(|(name, path)| Local {
                key: self.expected_key(&name),
                name,
                file: path.join("up.sql"),
                ..Local::default()
            })
            .collect())
    }

    fn deploy_command(&self) -> &'static str {
        "diesel migration run"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Diesel runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        let version = expected.split('_').next().unwrap_or(expected);
        version.replace('-', "")
    }
}

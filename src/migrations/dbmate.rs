//! dbmate: `schema_migrations(version varchar)` in the session's current schema;
//! files `<version>_<name>.sql` (default directory `db/migrations`), the version
//! being the leading digits, stored as written.

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// dbmate (`dbmate up`).
pub struct Dbmate;

impl Tool for Dbmate {
    fn name(&self) -> &'static str {
        "dbmate"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("schema_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        // `lower()` fails on golang-migrate's bigint `version` in a table of the same
        // name, so the two tools' tables are not mistaken for each other.
        format!("SELECT lower(version), NULL, false, NULL, NULL FROM {table} ORDER BY version")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("version character varying") && !shape.rails_metadata
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        Ok(files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(".sql"))
            .filter_map(|(name, file)| {
                Some(Local {
                    key: files::leading_digits(&name)?.to_string(),
                    name: name.trim_end_matches(".sql").to_string(),
                    file,
                    ..Local::default()
                })
            })
            .collect())
    }

    fn deploy_command(&self) -> &'static str {
        "dbmate up"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "dbmate runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        files::leading_digits(expected)
            .unwrap_or(expected)
            .to_string()
    }
}

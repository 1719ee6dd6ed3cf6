//! Sequelize (sequelize-cli, umzug's SequelizeStorage): `"SequelizeMeta"(name
//! varchar(255) PRIMARY KEY)` in the search_path, one row per applied migration
//! holding its file name with the extension (`20240601000000-add-users.js`).
//! Migrations run without a transaction: a failure writes no row but may leave
//! part of its DDL. `db:migrate` applies every file without a row, older ones
//! too, and ignores rows without a file. Files: `*.js|.cjs|.ts|.cts` (not `.d.ts`).
//! Checked against sequelize-cli 6.6.5 with sequelize 6.37.8 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// Sequelize (`npx sequelize-cli db:migrate`).
pub struct Sequelize;

impl Tool for Sequelize {
    fn name(&self) -> &'static str {
        "sequelize"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("SequelizeMeta")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT name, NULL, false, NULL, NULL FROM {table} ORDER BY name")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| {
                [".js", ".cjs", ".ts", ".cts"]
                    .iter()
                    .any(|e| name.ends_with(e))
                    && !name.ends_with(".d.ts")
            })
            .map(|(name, file)| Local {
                key: name.clone(),
                name,
                file,
                ..Local::default()
            })
            .collect();
        local.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(local)
    }

    fn deploy_command(&self) -> &'static str {
        "npx sequelize-cli db:migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "sequelize-cli records no failures (and runs migrations without a transaction: check what a failed one left)".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        if expected.contains('.') {
            expected.to_string()
        } else {
            format!("{expected}.js")
        }
    }
}

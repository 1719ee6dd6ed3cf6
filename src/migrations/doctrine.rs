//! Doctrine Migrations: `doctrine_migration_versions(version varchar(191) PRIMARY
//! KEY, executed_at timestamp(0), execution_time int)`, one row per executed
//! migration holding its class name (`DoctrineMigrations\Version20240601120000`),
//! written only after the migration succeeded (a failure leaves no row). Files are
//! `Version<YmdHis>.php`. `doctrine:migrations:migrate` runs every class without a
//! row, older ones too; rows without a class draw a warning, and a
//! `--no-interaction` run goes on.
//! Followed: doctrine/migrations@a3af2318 (TableMetadataStorage.php,
//! MigrateCommand.php, DbalExecutor.php).

use std::path::Path;

use super::{files, Local, Record, Tool};
use crate::vocab::names::TableName;

/// Doctrine Migrations (`doctrine:migrations:migrate`).
pub struct Doctrine;

impl Tool for Doctrine {
    fn name(&self) -> &'static str {
        "doctrine"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("doctrine_migration_versions")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT version, NULL, false, executed_at::text, NULL FROM {table} ORDER BY version"
        )
    }

    /// The key is the class's short name (`Version20240601120000`): the shipped
    /// files do not say their namespace, which is the application's configuration.
    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.starts_with("Version") && name.ends_with(".php"))
            .map(|(name, file)| {
                let class = name.trim_end_matches(".php").to_string();
                Local {
                    key: class.clone(),
                    name: class,
                    file,
                    ..Local::default()
                }
            })
            .collect();
        local.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(local)
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> super::Status {
        let short: Vec<Record> = records
            .iter()
            .map(|r| Record {
                key: short_name(&r.key).to_string(),
                ..r.clone()
            })
            .collect();
        super::compare(&short, local)
    }

    fn satisfies(&self, record: &Record, key: &str) -> bool {
        short_name(&record.key) == key
    }

    fn expected_key(&self, expected: &str) -> String {
        short_name(expected.trim_end_matches(".php")).to_string()
    }

    fn deploy_command(&self) -> &'static str {
        "bin/console doctrine:migrations:migrate --no-interaction"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Doctrine runs each migration in a transaction and records no failures".into()
    }
}

/// A class name without its namespace.
fn short_name(class: &str) -> &str {
    class.rsplit('\\').next().unwrap_or(class)
}

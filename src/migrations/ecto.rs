//! Ecto (ecto_sql): `schema_migrations(version bigint PRIMARY KEY, inserted_at
//! timestamp(0))` — golang-migrate's and dbmate's table name, told apart by
//! `inserted_at`. One row per applied migration, written in the migration's own
//! transaction, so a failure leaves no row. Files are
//! `priv/repo/migrations/<version>_<name>.exs`, the version the leading integer.
//! `mix ecto.migrate` applies every file whose version has no row, older ones too,
//! and ignores rows without a file (`mix ecto.migrations`: "** FILE NOT FOUND **").
//! Followed: elixir-ecto/ecto_sql@5e45b435, lib/ecto/migration/schema_migration.ex
//! and lib/ecto/migrator.ex.

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// Ecto (`mix ecto.migrate`).
pub struct Ecto;

impl Tool for Ecto {
    fn name(&self) -> &'static str {
        "ecto"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("schema_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        // `inserted_at` fails on golang-migrate's and dbmate's tables of this name.
        format!("SELECT version::text, NULL, false, inserted_at::text, NULL FROM {table} ORDER BY version")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("inserted_at")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        Ok(files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(".exs"))
            .filter_map(|(name, file)| {
                let version = files::leading_digits(&name)?.parse::<i64>().ok()?;
                Some(Local {
                    key: version.to_string(),
                    name: name.trim_end_matches(".exs").to_string(),
                    file,
                    ..Local::default()
                })
            })
            .collect())
    }

    fn deploy_command(&self) -> &'static str {
        "mix ecto.migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Ecto runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        files::version_number(expected)
    }
}

//! Atlas: `atlas_schema_revisions(version, description, type, applied, total,
//! executed_at, execution_time, error, error_stmt, hash, partial_hashes,
//! operator_version)`, by default in the schema `atlas_schema_revisions`. A row is
//! written before a file's first statement (`applied = 0`), counted up per
//! statement, and left with `applied < total` and `error` set when one fails;
//! `atlas migrate set` marks it resolved (type bit 4). Files are
//! `<version>_<name>.sql`, versions compared as text; the `.atlas_cloud_identifier`
//! row is no migration. Checksums (`atlas.sum`) are not compared.
//! Followed: ariga/atlas@a5e0aecc (v1.2.3): cmd/atlas/internal/migrate/ent/schema/revision.go,
//! sql/migrate/migrate.go, cmd/atlas/internal/cmdapi/migrate.go.

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// Atlas (`atlas migrate apply`).
pub struct Atlas;

impl Tool for Atlas {
    fn name(&self) -> &'static str {
        "atlas"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::in_schema("atlas_schema_revisions", "atlas_schema_revisions")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT version, NULL, applied < total AND type & 4 = 0, executed_at::text, \
             CASE WHEN error IS NOT NULL THEN error || COALESCE(' (statement: ' || error_stmt || ')', '') END \
             FROM {table} WHERE version <> '.atlas_cloud_identifier' ORDER BY version"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(".sql"))
            .filter_map(|(name, file)| {
                let version = name.trim_end_matches(".sql").split('_').next()?.to_string();
                Some(Local {
                    key: version,
                    name: name.trim_end_matches(".sql").to_string(),
                    file,
                    ..Local::default()
                })
            })
            .collect();
        local.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(local)
    }

    fn deploy_command(&self) -> &'static str {
        "atlas migrate apply --url \"$DATABASE_URL\""
    }

    fn resolve_failed(&self, name: &str) -> String {
        let version = name.split('_').next().unwrap_or(name);
        format!("fix what {name} left half-done, then `atlas migrate set {version} --url \"$DATABASE_URL\"` (or the last version fully applied) and apply again")
    }

    fn expected_key(&self, expected: &str) -> String {
        expected
            .trim_end_matches(".sql")
            .split('_')
            .next()
            .unwrap_or(expected)
            .to_string()
    }
}

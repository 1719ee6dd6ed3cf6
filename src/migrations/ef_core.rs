//! EF Core (with Npgsql): `"__EFMigrationsHistory"("MigrationId" varchar(150)
//! PRIMARY KEY, "ProductVersion" varchar(32))`, one row per applied migration,
//! inserted as the migration's last command in its transaction (a failure leaves no
//! row). Ids are `<yyyyMMddHHmmss>_<Name>`, the migration's `<id>.cs` file beside
//! its `<id>.Designer.cs`. `dotnet ef database update` applies every id without a
//! row (compared case-insensitively, in ordinal order) and ignores rows it does not
//! ship. While it migrates it holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE`, which
//! would block a read of the table: the lock is looked for first.
//! Followed: dotnet/efcore@ecd0ba4c (Migrator.cs, HistoryRepository.cs) and
//! npgsql/efcore.pg@c715cff1 (NpgsqlHistoryRepository.cs).

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;
use crate::vocab::sql::{literal, qualified};

/// EF Core (`dotnet ef database update`, `Database.Migrate()`).
pub struct EfCore;

impl Tool for EfCore {
    fn name(&self) -> &'static str {
        "ef-core"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("__EFMigrationsHistory")
    }

    fn history_sql(&self, table: &str) -> String {
        // Ids match case-insensitively (OrdinalIgnoreCase): the key is lower case.
        format!("SELECT lower(\"MigrationId\"), NULL, false, NULL, NULL FROM {table} ORDER BY \"MigrationId\"")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.ends_with(".cs") && !name.ends_with(".Designer.cs"))
            .filter_map(|(name, file)| {
                let id = name.trim_end_matches(".cs");
                let (stamp, rest) = id.split_once('_')?;
                (stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty())
                    .then(|| Local {
                        key: id.to_lowercase(),
                        name: id.to_string(),
                        file,
                        ..Local::default()
                    })
            })
            .collect();
        local.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(local)
    }

    fn lock_sql(&self, table: &TableName) -> Option<String> {
        Some(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE relation = pg_catalog.to_regclass({}) \
             AND mode = 'AccessExclusiveLock' AND granted)",
            literal(&qualified(table))
        ))
    }

    fn lock_blocks_reads(&self) -> bool {
        true
    }

    fn unlock_command(&self) -> &'static str {
        "nothing to unlock: the lock ends with the migrating transaction (find it: SELECT pid, state, query FROM pg_stat_activity WHERE query ILIKE '%__EFMigrationsHistory%')"
    }

    fn deploy_command(&self) -> &'static str {
        "dotnet ef database update"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "EF Core runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        expected.trim_end_matches(".cs").to_lowercase()
    }
}

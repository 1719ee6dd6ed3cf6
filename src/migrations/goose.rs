//! goose: `goose_db_version(id identity, version_id bigint, is_applied boolean,
//! tstamp timestamp)`, a version-0 row written with the table, one row per applied
//! migration (a rollback deletes it; releases before v3 wrote `is_applied = false`
//! rows, so the latest row per version wins). Files are `<version>_<name>.sql|.go`.
//! A failure leaves no row. `goose up` refuses a file older than the newest
//! applied version ("found N missing migrations before current version") unless
//! `-allow-missing`. The library's optional table lock is `goose_lock`.
//! Followed: pressly/goose@520411a1 (v3.27.3): internal/dialects/postgres.go,
//! migrate.go, internal/gooseutil/resolve.go, lock/internal/store/postgres.go.

use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;
use crate::vocab::sql::qualified;

/// goose (`goose postgres "$DATABASE_URL" up`).
pub struct Goose;

impl Tool for Goose {
    fn name(&self) -> &'static str {
        "goose"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("goose_db_version")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT version_id::text, NULL, false, tstamp::text, NULL FROM \
             (SELECT DISTINCT ON (version_id) id, version_id, is_applied, tstamp FROM {table} ORDER BY version_id, id DESC) latest \
             WHERE is_applied AND version_id <> 0 ORDER BY id"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local: Vec<Local> = files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| {
                name.ends_with(".sql") || (name.ends_with(".go") && !name.ends_with("_test.go"))
            })
            .filter_map(|(name, file)| {
                let (version, _) = name.split_once('_')?;
                let version = version.parse::<i64>().ok().filter(|v| *v >= 1)?;
                Some(Local {
                    key: version.to_string(),
                    name,
                    file,
                    ..Local::default()
                })
            })
            .collect();
        local.sort_by_key(|l| l.key.parse::<i64>().unwrap_or_default());
        Ok(local)
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let mut status = super::compare(records, local);
        let Some((newest, behind)) = super::pending_behind(records, local, &status) else {
            return status;
        };
        if !behind.is_empty() {
            let names: Vec<&str> = behind.iter().map(|l| l.name.as_str()).collect();
            status.stranded.push(format!(
                "`goose up` refuses {} older than the current version {newest} (\"found {} missing migrations before current version\"): run `goose -allow-missing postgres \"$DATABASE_URL\" up`, or renumber them (`goose fix`)",
                names.join(", "),
                behind.len()
            ));
        }
        status
    }

    fn lock_sql(&self, table: &TableName) -> Option<String> {
        let lock = TableName {
            schema: table.schema.clone(),
            name: "goose_lock".into(),
        };
        Some(format!(
            "SELECT COALESCE(bool_or(locked AND lease_expires_at >= now()), false) FROM {}",
            qualified(&lock)
        ))
    }

    fn unlock_command(&self) -> &'static str {
        "goose has no unlock command: a lock's lease ends 30 s after its holder stops renewing it; a live holder is still migrating"
    }

    fn deploy_refuses_stranded(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "goose postgres \"$DATABASE_URL\" up"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "goose runs each migration in a transaction and records no failures".into()
    }

    fn expected_key(&self, expected: &str) -> String {
        files::version_number(expected)
    }
}

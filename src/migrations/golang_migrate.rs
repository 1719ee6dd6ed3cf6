//! golang-migrate: `schema_migrations(version bigint, dirty boolean)` in the
//! session's current schema, one row: the version reached, and whether the run
//! that reached it failed half-way (dirty). Files are
//! `<version>_<title>.up.<ext>` (and `.down.`).

use std::path::Path;

use super::{files, FailedMigration, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// golang-migrate (`migrate -path DIR -database URL up`).
pub struct GolangMigrate;

impl Tool for GolangMigrate {
    fn name(&self) -> &'static str {
        "golang-migrate"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("schema_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT version::text, NULL, dirty, NULL, NULL FROM {table}")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("dirty boolean")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        Ok(files::entries(dir)?
            .into_iter()
            .filter(|(name, _)| name.contains(".up."))
            .filter_map(|(name, file)| {
                let version = files::leading_digits(&name)?.parse::<u64>().ok()?;
                Some(Local {
                    key: version.to_string(),
                    name,
                    file,
                    ..Local::default()
                })
            })
            .collect())
    }

    /// golang-migrate: "no migration found for version N" (`versionExists` in migrate.go).
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "migrate -path DIR -database \"$DATABASE_URL\" up"
    }

    fn resolve_failed(&self, name: &str) -> String {
        format!("fix what migration {name} left half-done, then `migrate -path DIR -database \"$DATABASE_URL\" force VERSION` with the last version that is fully applied, and run `up` again")
    }

    fn expected_key(&self, expected: &str) -> String {
        files::version_number(expected)
    }

    /// One version is recorded: every migration up to it is applied.
    fn satisfies(&self, record: &Record, key: &str) -> bool {
        match (record.key.parse::<u64>(), key.parse::<u64>()) {
            (Ok(have), Ok(want)) => have >= want,
            _ => false,
        }
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        up_to_version(records.first(), local)
    }
}

/// The state of a tool that records only the version it reached (and whether that
/// run failed): shipped migrations up to it are applied, later ones pending.
fn up_to_version(record: Option<&Record>, local: Option<&[Local]>) -> Status {
    let mut status = Status::default();
    let Some(record) = record else {
        status.pending = local
            .unwrap_or_default()
            .iter()
            .map(|l| l.name.clone())
            .collect();
        return status;
    };
    let reached: u64 = record.key.parse().unwrap_or(0);
    let version = |l: &Local| l.key.parse::<u64>().unwrap_or(0);
    let shipped = local.unwrap_or_default();
    let name = shipped
        .iter()
        .find(|l| l.key == record.key)
        .map_or(record.key.clone(), |l| l.name.clone());
    for l in shipped {
        if version(l) > reached {
            status.pending.push(l.name.clone());
        } else if !(record.failed && l.key == record.key) {
            status.applied.push(l.name.clone());
        }
    }
    if record.failed {
        status.failed.push(FailedMigration {
            name,
            at: None,
            log: None,
        });
        return status;
    }
    if local.is_some() && !shipped.iter().any(|l| l.key == record.key) {
        status.unknown.push(name.clone());
    }
    if local.is_none() {
        status.applied.push(name.clone());
    }
    status.last_applied = Some((name, None));
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(versions: &[u64]) -> Vec<Local> {
        versions
            .iter()
            .map(|v| Local {
                key: v.to_string(),
                name: format!("{v}_m.up.sql"),
                ..Local::default()
            })
            .collect()
    }

    #[test]
    fn versions_up_to_the_recorded_one_are_applied() {
        let local = shipped(&[1, 2, 3]);
        let at = |v: &str, dirty: bool| Record {
            key: v.into(),
            failed: dirty,
            ..Record::default()
        };
        let s = up_to_version(Some(&at("2", false)), Some(&local));
        assert_eq!((s.applied.len(), s.pending.len()), (2, 1));
        let s = up_to_version(Some(&at("2", true)), Some(&local));
        assert_eq!(s.failed[0].name, "2_m.up.sql");
        assert_eq!(s.applied, ["1_m.up.sql"]);
        let s = up_to_version(Some(&at("7", false)), Some(&local));
        assert_eq!(s.unknown, ["7"]);
        assert_eq!(files::version_number("0003_x.up.sql"), "3");
        assert!(GolangMigrate.satisfies(&at("3", false), "2"));
        assert!(!GolangMigrate.satisfies(&at("1", false), "2"));
    }
}

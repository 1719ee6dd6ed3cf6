//! Migration history: what each migration tool recorded in its own table, compared
//! with the migrations the app ships (a directory) or with the newest one it needs
//! (`--expect-migration`). One [`Tool`] per module; [`TOOLS`] is the registry.
//!
//! Reading is split from judging: a tool turns its table's rows into [`Record`]s
//! and its directory into [`Local`]s, [`compare`] (or the tool's own override)
//! turns both into a [`Status`], and `checks::migrations` decides what the caller's
//! `--require-migrations` makes of it.

pub mod alembic;
pub mod atlas;
pub mod dbmate;
pub mod diesel;
pub mod django;
pub mod doctrine;
pub mod drizzle;
pub mod ecto;
pub mod ef_core;
pub mod files;
pub mod flyway;
pub mod golang_migrate;
pub mod goose;
pub mod graphile_migrate;
pub mod knex;
pub mod kysely;
pub mod laravel;
pub mod liquibase;
pub mod mikro_orm;
pub mod node_pg_migrate;
pub mod prisma;
pub mod rails;
pub mod sequelize;
pub mod sqitch;
pub mod sqlx;
pub mod typeorm;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::vocab::migrations::Report;

use crate::vocab::names::TableName;

/// Every supported tool, by its command-line name.
pub static TOOLS: &[&dyn Tool] = &[
    &prisma::Prisma,
    &drizzle::Drizzle,
    &golang_migrate::GolangMigrate,
    &sqlx::Sqlx,
    &diesel::Diesel,
    &alembic::Alembic,
    &django::Django,
    &flyway::Flyway,
    &knex::Knex,
    &dbmate::Dbmate,
    &ecto::Ecto,
    &ef_core::EfCore,
    &doctrine::Doctrine,
    &goose::Goose,
    &liquibase::Liquibase,
    &atlas::Atlas,
    &node_pg_migrate::NodePgMigrate,
    &sequelize::Sequelize,
    &typeorm::Typeorm,
    &kysely::Kysely,
    &mikro_orm::MikroOrm,
    &graphile_migrate::GraphileMigrate,
    &rails::Rails,
    &laravel::Laravel,
    &sqitch::Sqitch,
];

/// Finds a tool by its command-line name.
pub fn tool(name: &str) -> Option<&'static dyn Tool> {
    TOOLS.iter().copied().find(|t| t.name() == name)
}

/// The names of every tool, for help and errors.
pub fn tool_names() -> Vec<&'static str> {
    TOOLS.iter().map(|t| t.name()).collect()
}

/// One row of a history table, as the tool means it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// What identifies the migration in the table (a name, a version, a timestamp).
    pub key: String,
    /// The checksum the tool stored, in the form [`Local::checksums`] uses.
    pub checksum: Option<String>,
    /// The tool recorded it as failed (or dirty): later runs are blocked.
    pub failed: bool,
    /// When it was applied (or started), as the server prints the time.
    pub at: Option<String>,
    /// What the tool logged about it (Prisma keeps the error of a failed one).
    pub log: Option<String>,
}

/// A migration the app ships.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Local {
    /// What the table will hold for it once applied (see [`Record::key`]).
    pub key: String,
    /// The name people know it by (a file or directory name).
    pub name: String,
    /// Every checksum the tool accepts as "unchanged" (empty: the tool keeps none).
    pub checksums: Vec<String>,
    /// The file the checksum is of.
    pub file: PathBuf,
    /// Re-applied whenever it changes (Flyway's `R__` migrations): a new checksum
    /// makes it pending, not modified.
    pub repeatable: bool,
    /// The keys it follows (an Alembic revision's parents) or stands for (the
    /// migrations a Django squash replaces).
    pub parents: Vec<String>,
}

/// A migration whose file no longer matches what was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Modified {
    /// Its name.
    pub name: String,
    /// The file as shipped.
    pub file: String,
    /// The checksum recorded when it was applied.
    pub recorded: String,
    /// The checksum of the file as shipped.
    pub local: String,
}

/// A failed migration and what the tool logged about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedMigration {
    /// Its name.
    pub name: String,
    /// When it started, if recorded.
    pub at: Option<String>,
    /// The tool's log of it, if any.
    pub log: Option<String>,
}

/// What the history says, compared with what the app ships or expects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// Applied successfully, in the order the table gives.
    pub applied: Vec<String>,
    /// Shipped (or expected) but not applied yet.
    pub pending: Vec<String>,
    /// Recorded as failed or dirty.
    pub failed: Vec<FailedMigration>,
    /// Applied, but the shipped file differs.
    pub modified: Vec<Modified>,
    /// Applied, but not shipped: another release, or drift.
    pub unknown: Vec<String>,
    /// The newest applied migration and when.
    pub last_applied: Option<(String, Option<String>)>,
    /// A migration run holds the tool's lock (Knex).
    pub locked: bool,
    /// Pending migrations the tool's next run will not apply, and why: each a
    /// sentence naming one (Drizzle 0.x skips those older than its newest applied
    /// one; goose refuses them).
    pub stranded: Vec<String>,
}

impl Report {
    /// The report with what `status` found.
    pub fn with(self, status: Status) -> Report {
        Report {
            failed: status.failed.into_iter().map(|f| f.name).collect(),
            modified: status.modified.into_iter().map(|m| m.name).collect(),
            last_applied_at: status.last_applied.as_ref().and_then(|(_, at)| at.clone()),
            last_applied: status.last_applied.map(|(name, _)| name),
            applied: status.applied,
            pending: status.pending,
            unknown: status.unknown,
            locked: status.locked,
            ..self
        }
    }
}

/// What `--migrations auto` saw of a tool's default table: its columns as
/// `name type, …` (in `format_type` spelling), and whether Rails'
/// `ar_internal_metadata` is beside it.
pub struct Shape<'a> {
    /// The table's columns, `version bigint, dirty boolean`.
    pub columns: &'a str,
    /// `ar_internal_metadata` exists: a varchar `schema_migrations` is Rails'.
    pub rails_metadata: bool,
}

/// A migration tool: where it keeps its history, how to read it, how it names the
/// migrations it ships. Adding a tool is one module implementing this and one line
/// in [`TOOLS`].
pub trait Tool: Sync {
    /// The name on the command line (`--migrations NAME`).
    fn name(&self) -> &'static str;

    /// The history table where the tool keeps it by default. A table without a
    /// schema is found through the session's `search_path`, as the tool does.
    fn default_table(&self, app_schema: &str) -> TableName;

    /// A `SELECT` on `table` (already quoted) returning `key, checksum, failed,
    /// at, log` as text, oldest first. Simple query protocol: no parameters.
    fn history_sql(&self, table: &str) -> String;

    /// The shipped migrations in `dir`, in the tool's order.
    fn local(&self, dir: &Path) -> Result<Vec<Local>, String>;

    /// The command that applies pending migrations.
    fn deploy_command(&self) -> &'static str;

    /// How to clear a failed (dirty) migration so deploys can run again.
    fn resolve_failed(&self, name: &str) -> String;

    /// A second `SELECT` answering whether the tool's lock is held (Knex).
    fn lock_sql(&self, _table: &TableName) -> Option<String> {
        None
    }

    /// Whether a table of this tool's default name and this shape is the tool's
    /// (several tools name theirs `schema_migrations`).
    fn recognises(&self, _shape: &Shape<'_>) -> bool {
        true
    }

    /// Whether a held lock blocks reading the history (EF Core's ACCESS EXCLUSIVE
    /// table lock): then the lock is looked for first, and the table is not read
    /// while it is held.
    fn lock_blocks_reads(&self) -> bool {
        false
    }

    /// The command that releases a stale lock.
    fn unlock_command(&self) -> &'static str {
        ""
    }

    /// Whether the tool's own deploy fails when the database has applied
    /// migrations it does not ship: then `deployable` fails on them too.
    fn deploy_refuses_unknown(&self) -> bool {
        false
    }

    /// Whether the tool's own deploy fails on a [`Status::stranded`] migration
    /// (goose, node-pg-migrate, Kysely) rather than skipping it for ever (Drizzle
    /// 0.x, graphile-migrate, Sqitch): then `deployable` fails on it too.
    fn deploy_refuses_stranded(&self) -> bool {
        false
    }

    /// `--expect-migration` text as a [`Record::key`] (e.g. a file name reduced to
    /// its version).
    fn expected_key(&self, expected: &str) -> String {
        expected.to_string()
    }

    /// Whether `record` is (or comes after) the expected migration `key`.
    fn satisfies(&self, record: &Record, key: &str) -> bool {
        record.key == key
    }

    /// Compares the history with the shipped migrations (`None`: no directory was
    /// given, the table alone decides).
    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        compare(records, local)
    }
}

/// The files in `dir` ending in one of `extensions` (no `.d.ts`-style
/// declarations), each a migration known by its name without the extension, in
/// name order: how Kysely, MikroORM and Laravel name theirs.
pub fn by_stem(dir: &Path, extensions: &[&str]) -> Result<Vec<Local>, String> {
    let mut local: Vec<Local> = files::entries(dir)?
        .into_iter()
        .filter_map(|(name, file)| {
            let stem = extensions.iter().find_map(|e| name.strip_suffix(e))?;
            (!stem.ends_with(".d")).then(|| Local {
                key: stem.to_string(),
                name: stem.to_string(),
                file,
                ..Local::default()
            })
        })
        .collect();
    local.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(local)
}

/// Whether a session holds the advisory lock `key` in this database (a bigint key
/// shows in `pg_locks` as its high and low 32 bits, `objsubid` 1).
pub fn advisory_lock_sql(key: i64) -> String {
    format!(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted \
         AND classid = {} AND objid = {} AND objsubid = 1 AND database = \
         (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))",
        key >> 32,
        key & 0xffff_ffff
    )
}

/// The newest applied numeric key, and the pending shipped migrations whose key is
/// not above it: what tools that apply only newer migrations (Drizzle; goose
/// without `-allow-missing`) will skip.
pub fn pending_behind<'a>(
    records: &[Record],
    local: Option<&'a [Local]>,
    status: &Status,
) -> Option<(i64, Vec<&'a Local>)> {
    let newest = records
        .iter()
        .filter_map(|r| r.key.parse::<i64>().ok())
        .max()?;
    let behind: Vec<&Local> = local
        .unwrap_or_default()
        .iter()
        .filter(|l| status.pending.contains(&l.name))
        .filter(|l| l.key.parse::<i64>().is_ok_and(|k| k <= newest))
        .collect();
    Some((newest, behind))
}

/// The comparison for tools that keep one row per applied migration: the latest
/// row for a key counts; applied keys not shipped are unknown; shipped keys not
/// applied are pending; a checksum outside the shipped file's accepted ones is a
/// modification (for a repeatable migration: pending again).
pub fn compare(records: &[Record], local: Option<&[Local]>) -> Status {
    let mut latest: Vec<&Record> = Vec::new();
    let mut position: HashMap<&str, usize> = HashMap::new();
    for record in records {
        match position.get(record.key.as_str()) {
            Some(&i) => latest[i] = record,
            None => {
                position.insert(&record.key, latest.len());
                latest.push(record);
            }
        }
    }
    let shipped: HashMap<&str, &Local> = local
        .unwrap_or_default()
        .iter()
        .map(|l| (l.key.as_str(), l))
        .collect();
    let name_of = |key: &str| shipped.get(key).map_or(key.to_string(), |l| l.name.clone());
    let mut status = Status::default();
    let mut done: HashSet<&str> = HashSet::new();
    for record in &latest {
        let name = name_of(&record.key);
        if record.failed {
            status.failed.push(FailedMigration {
                name,
                at: record.at.clone(),
                log: record.log.clone(),
            });
            continue;
        }
        done.insert(&record.key);
        match (local.is_some(), shipped.get(record.key.as_str())) {
            (true, None) => status.unknown.push(name.clone()),
            (_, Some(l)) if changed(record, l) && l.repeatable => status.pending.push(name.clone()),
            (_, Some(l)) if changed(record, l) => status.modified.push(Modified {
                name: name.clone(),
                file: l.file.display().to_string(),
                recorded: record.checksum.clone().unwrap_or_default(),
                local: l.checksums.first().cloned().unwrap_or_default(),
            }),
            _ => {}
        }
        status.last_applied = Some((name.clone(), record.at.clone()));
        status.applied.push(name);
    }
    let failed: HashSet<&str> = latest
        .iter()
        .filter(|r| r.failed)
        .map(|r| r.key.as_str())
        .collect();
    status.pending.extend(
        local
            .unwrap_or_default()
            .iter()
            .filter(|l| !done.contains(l.key.as_str()) && !failed.contains(l.key.as_str()))
            .map(|l| l.name.clone()),
    );
    status
}

fn changed(record: &Record, local: &Local) -> bool {
    match &record.checksum {
        Some(sum) if !local.checksums.is_empty() => !local.checksums.contains(sum),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, checksum: Option<&str>, failed: bool) -> Record {
        Record {
            key: key.into(),
            checksum: checksum.map(str::to_string),
            failed,
            ..Record::default()
        }
    }

    fn local(key: &str, checksum: &str) -> Local {
        Local {
            key: key.into(),
            name: format!("{key}_name"),
            checksums: vec![checksum.into()],
            file: PathBuf::from(format!("m/{key}.sql")),
            ..Local::default()
        }
    }

    #[test]
    fn every_state_at_once() {
        let records = [
            record("1", Some("a"), false),
            record("2", Some("x"), false),
            record("3", None, true),
            record("9", None, false),
        ];
        let shipped = [
            local("1", "a"),
            local("2", "b"),
            local("3", "c"),
            local("4", "d"),
        ];
        let status = compare(&records, Some(&shipped));
        assert_eq!(status.applied, ["1_name", "2_name", "9"]);
        assert_eq!(status.modified.len(), 1);
        assert_eq!(status.modified[0].name, "2_name");
        assert_eq!(status.modified[0].recorded, "x");
        assert_eq!(status.failed[0].name, "3_name");
        assert_eq!(status.unknown, ["9"]);
        assert_eq!(status.pending, ["4_name"]);
        assert_eq!(status.last_applied, Some(("9".into(), None)));
    }

    #[test]
    fn the_latest_row_of_a_key_counts_and_no_files_means_no_unknowns() {
        let records = [record("1", None, true), record("1", None, false)];
        let status = compare(&records, None);
        assert!(status.failed.is_empty());
        assert_eq!(status.applied, ["1"]);
        assert!(status.unknown.is_empty() && status.pending.is_empty());
    }

    #[test]
    fn a_changed_repeatable_migration_is_pending() {
        let mut repeatable = local("R:views", "new");
        repeatable.repeatable = true;
        let status = compare(
            &[record("R:views", Some("old"), false)],
            Some(&[repeatable]),
        );
        assert!(status.modified.is_empty());
        assert_eq!(status.pending, ["R:views_name"]);
    }

    #[test]
    fn registry_names_are_unique() {
        let names = tool_names();
        let unique: HashSet<_> = names.iter().collect();
        assert_eq!(names.len(), unique.len());
        assert!(tool("prisma").is_some() && tool("nope").is_none());
    }
}

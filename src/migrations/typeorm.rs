//! TypeORM: `migrations(id serial, "timestamp" bigint, name varchar)` (the
//! DataSource's `migrationsTableName`, default `migrations`, in its schema), one
//! row per applied migration holding its class name, which ends in its
//! 13-digit JavaScript timestamp (`AddUsers1717200000000`); the file name does not
//! count. One transaction for the whole run by default: a failure leaves no row.
//! `migration:run` applies every class without a row, older ones too, and ignores
//! rows without a class. The class names are read from the migration files
//! (`class AddUsers1717200000000`, `.js` or `.ts`). Laravel's table of the same
//! name has no `name` column, so one reader never takes the other's.
//! Checked against typeorm 0.3.31 (scripts/migration-tools).

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// TypeORM (`npx typeorm migration:run -d DATASOURCE`).
pub struct Typeorm;

impl Tool for Typeorm {
    fn name(&self) -> &'static str {
        "typeorm"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT name, NULL, false, NULL, NULL FROM {table} WHERE \"timestamp\" IS NOT NULL ORDER BY id")
    }

    fn recognises(&self, shape: &super::Shape<'_>) -> bool {
        shape.columns.contains("timestamp bigint")
            && shape.columns.contains("name character varying")
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut local = Vec::new();
        for (name, file) in files::entries(dir)? {
            if !(name.ends_with(".js") || name.ends_with(".ts")) || name.ends_with(".d.ts") {
                continue;
            }
            let text = files::read_text(&file)?;
            for class in classes(&text) {
                local.push(Local {
                    key: class.clone(),
                    name: class,
                    file: file.clone(),
                    ..Local::default()
                });
            }
        }
        local.sort_by_key(|l| timestamp(&l.key));
        Ok(local)
    }

    fn deploy_command(&self) -> &'static str {
        "npx typeorm migration:run -d DATASOURCE"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "TypeORM runs migrations in a transaction and records no failures".into()
    }

    /// A class name, or a file name (`1717200000000-AddUsers.ts` → `AddUsers1717200000000`).
    fn expected_key(&self, expected: &str) -> String {
        let stem = expected
            .rsplit_once('.')
            .filter(|(_, e)| *e == "js" || *e == "ts")
            .map_or(expected, |(s, _)| s);
        match stem.split_once('-') {
            Some((stamp, name))
                if stamp.len() == 13 && stamp.bytes().all(|b| b.is_ascii_digit()) =>
            {
                format!("{name}{stamp}")
            }
            _ => stem.to_string(),
        }
    }
}

/// The migration classes a file declares: `class NAME` whose name ends in a
/// 13-digit timestamp.
fn classes(text: &str) -> Vec<String> {
    text.split("class ")
        .skip(1)
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            (timestamp(&name).is_some()).then_some(name)
        })
        .collect()
}

/// The 13-digit timestamp a migration class name ends in.
fn timestamp(class: &str) -> Option<u64> {
    let digits = class.get(class.len().checked_sub(13)?..)?;
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse().ok())
        .flatten()
}

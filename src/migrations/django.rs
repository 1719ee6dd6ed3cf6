//! Django: `django_migrations(id, app, name, applied)`; each app ships
//! `<app>/migrations/<name>.py`. The table also lists apps installed from
//! packages (`auth`, `contenttypes`, …) whose migrations are not in the project:
//! with a project directory, only apps found in it are compared.

use std::collections::HashSet;
use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::settings::gates::TableName;

/// Directories that hold no app of the project's own.
const SKIP: &[&str] = &[
    "node_modules",
    "site-packages",
    "__pycache__",
    "venv",
    ".venv",
    "env",
];

/// How deep below the project directory apps are looked for.
const MAX_DEPTH: usize = 5;

/// Django (`python manage.py migrate`).
pub struct Django;

impl Tool for Django {
    fn name(&self) -> &'static str {
        "django"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName {
            schema: None,
            name: "django_migrations".into(),
        }
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT app || '.' || name, NULL, false, applied::text, NULL FROM {table} ORDER BY id"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut shipped = Vec::new();
        collect_apps(dir, 0, &mut shipped)?;
        if shipped.is_empty() {
            return Err(format!(
                "no Django app with a migrations package under {}",
                dir.display()
            ));
        }
        Ok(shipped)
    }

    fn deploy_command(&self) -> &'static str {
        "python manage.py migrate"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Django records a migration only once it succeeded".into()
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let Some(local) = local else {
            return super::compare(records, None);
        };
        let apps: HashSet<&str> = local.iter().map(|l| app_of(&l.key)).collect();
        let own: Vec<Record> = records
            .iter()
            .filter(|r| apps.contains(app_of(&r.key)))
            .cloned()
            .collect();
        super::compare(&own, Some(local))
    }
}

fn app_of(key: &str) -> &str {
    key.split_once('.').map_or(key, |(app, _)| app)
}

/// Finds `<app>/migrations/__init__.py` below `dir` and lists each migration module.
fn collect_apps(dir: &Path, depth: usize, shipped: &mut Vec<Local>) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    for (name, path) in files::entries(dir)? {
        if !path.is_dir() || SKIP.contains(&name.as_str()) {
            continue;
        }
        let package = path.join("migrations");
        if package.join("__init__.py").is_file() {
            for (module, file) in files::entries(&package)? {
                let Some(stem) = module.strip_suffix(".py") else {
                    continue;
                };
                if stem.starts_with('_') || stem.starts_with('~') {
                    continue;
                }
                shipped.push(Local {
                    key: format!("{name}.{stem}"),
                    name: format!("{name}.{stem}"),
                    file,
                    ..Local::default()
                });
            }
        }
        if name != "migrations" {
            collect_apps(&path, depth + 1, shipped)?;
        }
    }
    Ok(())
}

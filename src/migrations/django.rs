//! Django: `django_migrations(id, app, name, applied)`; each app ships
//! `<app>/migrations/<name>.py`. The table also lists apps installed from
//! packages (`auth`, `contenttypes`, …) whose migrations are not in the project:
//! with a project directory, only apps found in it are compared. A squashed
//! migration (`replaces = [...]`) stands for the ones it replaces, which the
//! project may no longer ship.

use std::collections::HashSet;
use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

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
        TableName::bare("django_migrations")
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
        let applied: HashSet<&str> = records.iter().map(|r| r.key.as_str()).collect();
        let shipped: HashSet<&str> = local.iter().map(|l| l.key.as_str()).collect();
        let replaced: HashSet<&str> = local
            .iter()
            .flat_map(|l| l.parents.iter().map(String::as_str))
            .collect();
        let mut own: Vec<Record> = records
            .iter()
            .filter(|r| apps.contains(app_of(&r.key)))
            .filter(|r| shipped.contains(r.key.as_str()) || !replaced.contains(r.key.as_str()))
            .cloned()
            .collect();
        // Django counts a squash as applied once everything it replaces is.
        own.extend(
            local
                .iter()
                .filter(|l| !l.parents.is_empty() && !applied.contains(l.key.as_str()))
                .filter(|l| l.parents.iter().all(|p| applied.contains(p.as_str())))
                .map(|l| Record {
                    key: l.key.clone(),
                    ..Record::default()
                }),
        );
        super::compare(&own, Some(local))
    }
}

fn app_of(key: &str) -> &str {
    key.split_once('.').map_or(key, |(app, _)| app)
}

/// The `app.name` keys a squashed migration's `replaces = [(app, name), ...]`
/// lists (none for an ordinary migration).
fn replaced(source: &str) -> Vec<String> {
    let Some(start) = source.find("replaces") else {
        return Vec::new();
    };
    let rest = &source[start..];
    let Some(open) = rest.find('[') else {
        return Vec::new();
    };
    let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
    files::python_strings(&rest[open..close])
        .chunks(2)
        .filter(|pair| pair.len() == 2)
        .map(|pair| format!("{}.{}", pair[0], pair[1]))
        .collect()
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
                let replaces = replaced(&files::read_text(&file)?);
                shipped.push(Local {
                    key: format!("{name}.{stem}"),
                    name: format!("{name}.{stem}"),
                    file,
                    parents: replaces,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_squash_stands_for_what_it_replaces() {
        let source = "class Migration(migrations.Migration):\n    replaces = [\n        (\"shop\", \"0001_initial\"),\n        ('shop', '0002_add_email'),\n    ]\n";
        assert_eq!(
            replaced(source),
            ["shop.0001_initial", "shop.0002_add_email"]
        );
        let squash = Local {
            key: "shop.0001_squashed_0002_add_email".into(),
            name: "shop.0001_squashed_0002_add_email".into(),
            parents: replaced(source),
            ..Local::default()
        };
        let row = |k: &str| Record {
            key: k.into(),
            ..Record::default()
        };
        // An old database: the originals are recorded, the project ships the squash only.
        let s = Django.compare(
            &[
                row("auth.0001_initial"),
                row("shop.0001_initial"),
                row("shop.0002_add_email"),
            ],
            Some(std::slice::from_ref(&squash)),
        );
        assert!(s.unknown.is_empty() && s.pending.is_empty(), "{s:?}");
        assert_eq!(s.applied, ["shop.0001_squashed_0002_add_email"]);
        let s = Django.compare(&[row("shop.0001_initial")], Some(&[squash]));
        assert_eq!(s.pending, ["shop.0001_squashed_0002_add_email"]);
    }
}

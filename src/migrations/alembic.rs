//! Alembic: `alembic_version(version_num)` holds the current head revision(s)
//! only; the revision graph is in `versions/*.py` (`revision` and
//! `down_revision`, a tuple after a merge). Applied = every ancestor of a
//! recorded head.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// Alembic (`alembic upgrade head`).
pub struct Alembic;

impl Tool for Alembic {
    fn name(&self) -> &'static str {
        "alembic"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("alembic_version")
    }

    fn history_sql(&self, table: &str) -> String {
        format!("SELECT version_num, NULL, false, NULL, NULL FROM {table} ORDER BY version_num")
    }

    /// `dir` is the script location (holding `versions/`) or `versions/` itself.
    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let versions = dir.join("versions");
        let dir = if versions.is_dir() { &versions } else { dir };
        let mut shipped = Vec::new();
        for (name, file) in files::entries(dir)? {
            if !name.ends_with(".py") {
                continue;
            }
            let source = files::read_text(&file)?;
            let Some(revision) =
                assignment(&source, "revision").and_then(|v| files::python_strings(v).pop())
            else {
                continue;
            };
            shipped.push(Local {
                key: revision.clone(),
                name: revision,
                file,
                parents: assignment(&source, "down_revision")
                    .map(files::python_strings)
                    .unwrap_or_default(),
                ..Local::default()
            });
        }
        Ok(shipped)
    }

    /// Alembic: "Can't locate revision identified by ...".
    fn deploy_refuses_unknown(&self) -> bool {
        true
    }

    fn deploy_command(&self) -> &'static str {
        "alembic upgrade head"
    }

    fn resolve_failed(&self, _name: &str) -> String {
        "Alembic records a revision only once it succeeded".into()
    }

    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let heads: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
        let mut status = Status {
            last_applied: heads.first().map(|h| (h.to_string(), None)),
            ..Status::default()
        };
        let Some(local) = local else {
            status.applied = heads.iter().map(|h| h.to_string()).collect();
            return status;
        };
        let graph: HashMap<&str, &Local> = local.iter().map(|l| (l.key.as_str(), l)).collect();
        let mut applied: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = Vec::new();
        for head in &heads {
            if graph.contains_key(head) {
                stack.push(head);
            } else {
                status.unknown.push(head.to_string());
            }
        }
        while let Some(revision) = stack.pop() {
            if !applied.insert(revision) {
                continue;
            }
            if let Some(l) = graph.get(revision) {
                stack.extend(l.parents.iter().map(String::as_str));
            }
        }
        for l in local {
            if applied.contains(l.key.as_str()) {
                status.applied.push(l.name.clone());
            } else {
                status.pending.push(l.name.clone());
            }
        }
        status
    }
}

/// The value text of a top-level `NAME = ...` or `NAME: type = ...` line.
fn assignment<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    source.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        let rest = match rest.trim_start() {
            r if r.starts_with('=') => r,
            r if r.starts_with(':') => &r[r.find('=')?..],
            _ => return None,
        };
        Some(rest[1..].trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_old_and_typed_assignments() {
        let old = "\"\"\"add\n\nRevision ID: b2\nRevises: a1\n\"\"\"\nrevision = 'b2'\ndown_revision = 'a1'\n";
        assert_eq!(
            assignment(old, "revision").map(files::python_strings),
            Some(vec!["b2".into()])
        );
        assert_eq!(
            assignment(old, "down_revision").map(files::python_strings),
            Some(vec!["a1".into()])
        );
        let typed = "revision: str = \"m3\"\ndown_revision: Union[str, Sequence[str], None] = (\"b2\", \"c2\")\n";
        assert_eq!(
            assignment(typed, "revision").map(files::python_strings),
            Some(vec!["m3".into()])
        );
        assert_eq!(
            assignment(typed, "down_revision").map(files::python_strings),
            Some(vec!["b2".into(), "c2".into()])
        );
        assert_eq!(
            assignment("down_revision = None", "down_revision").map(files::python_strings),
            Some(vec![])
        );
    }

    #[test]
    fn ancestors_of_the_head_are_applied() {
        let rev = |k: &str, parents: &[&str]| Local {
            key: k.into(),
            name: k.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            ..Local::default()
        };
        let local = [
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["a"]),
            rev("m", &["b", "c"]),
            rev("n", &["m"]),
        ];
        let head = |k: &str| Record {
            key: k.into(),
            ..Record::default()
        };
        let s = Alembic.compare(&[head("m")], Some(&local));
        assert_eq!(s.applied, ["a", "b", "c", "m"]);
        assert_eq!(s.pending, ["n"]);
        let s = Alembic.compare(&[head("zz")], Some(&local));
        assert_eq!(s.unknown, ["zz"]);
    }
}

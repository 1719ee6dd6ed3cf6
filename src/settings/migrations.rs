//! `--migrations`, `--migrations-table`, `--expect-migration` and
//! `--require-migrations`, validated, with the shipped migrations read once
//! from their directories (they do not change while pgready waits).

use std::path::PathBuf;

use crate::migrations::{self, Local, Tool};
use crate::vocab::migrations::Requirement;
use crate::vocab::names::TableName;

/// One tool to check.
#[derive(Clone)]
pub struct ToolCheck {
    /// The tool.
    pub tool: &'static dyn Tool,
    /// Its migrations directory, if given.
    pub dir: Option<PathBuf>,
    /// The migrations shipped there.
    pub local: Option<Vec<Local>>,
    /// `--migrations-table`, else the tool's default.
    pub table: Option<TableName>,
    /// `--expect-migration`: the newest migration the app needs.
    pub expect: Option<String>,
}

impl std::fmt::Debug for ToolCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolCheck")
            .field("tool", &self.tool.name())
            .field("dir", &self.dir)
            .field("table", &self.table)
            .field("expect", &self.expect)
            .finish()
    }
}

/// Everything to check about migrations; empty when `--migrations` is not given.
#[derive(Clone, Debug, Default)]
pub struct MigrationPlan {
    /// One entry per `--migrations`.
    pub tools: Vec<ToolCheck>,
    /// What the history must show.
    pub requirement: Requirement,
    /// `--migrations auto`: also every tool whose table the database holds.
    pub auto: bool,
}

impl MigrationPlan {
    /// Builds the plan from the raw flags, reading each directory.
    pub fn build(
        specs: &[String],
        tables: &[String],
        expected: &[String],
        requirement: Option<Requirement>,
    ) -> Result<MigrationPlan, String> {
        let mut tools: Vec<ToolCheck> = Vec::new();
        let mut auto = false;
        for spec in specs {
            if spec == "auto" {
                auto = true;
                continue;
            }
            if spec.starts_with("auto=") {
                return Err("--migrations auto takes no DIR: it finds each tool's table; give --migrations TOOL=DIR for a tool whose files should be compared".into());
            }
            let (name, dir) = match spec.split_once('=') {
                Some((name, dir)) => (name, Some(PathBuf::from(dir))),
                None => (spec.as_str(), None),
            };
            let tool = known_tool(name)?;
            if dir
                .as_deref()
                .is_some_and(|d| d.to_string_lossy().contains("://"))
            {
                return Err(format!("--migrations {name}=DIR: DIR is a URL, not the migrations directory (the database URL comes from --url or DATABASE_URL)"));
            }
            if tools.iter().any(|t| t.tool.name() == tool.name()) {
                return Err(format!("--migrations names `{name}` twice"));
            }
            let local = dir
                .as_deref()
                .map(|d| tool.local(d))
                .transpose()
                .map_err(|e| format!("--migrations {name}: {e}: mount the app's migrations directory into this container and give its path"))?;
            if let (Some(found), Some(dir)) = (&local, &dir) {
                if found.is_empty() {
                    return Err(no_migrations(name, dir));
                }
            }
            tools.push(ToolCheck {
                tool,
                dir,
                local,
                table: None,
                expect: None,
            });
        }
        for text in tables {
            let (name, table) = text
                .split_once('=')
                .ok_or("--migrations-table: write TOOL=[SCHEMA.]TABLE")?;
            assign(&mut tools, "--migrations-table", Some(name))?.table = Some(table_name(table)?);
        }
        for text in expected {
            if text.contains("://") {
                return Err("--expect-migration: the value is a URL, not a migration name".into());
            }
            let (name, migration) = match text.split_once('=') {
                Some((name, m)) if migrations::tool(name).is_some() => (Some(name), m),
                _ => (None, text.as_str()),
            };
            let check = assign(&mut tools, "--expect-migration", name)?;
            if let (Some(local), Some(dir)) = (&check.local, &check.dir) {
                let key = check.tool.expected_key(migration);
                if !local
                    .iter()
                    .any(|l| l.name == migration || l.key == migration || l.key == key)
                {
                    // Waiting could not help: the release does not ship it.
                    return Err(format!(
                        "--expect-migration {}: no migration of that name in {} ({} shipped, the newest {}): check the name",
                        shown(migration),
                        dir.display(),
                        local.len(),
                        local.last().map_or("none".to_string(), |l| shown(&l.name))
                    ));
                }
            }
            check.expect = Some(migration.to_string());
        }
        if tools.is_empty() && !auto && requirement.is_some() {
            return Err("--require-migrations needs --migrations TOOL[=DIR]".into());
        }
        Ok(MigrationPlan {
            tools,
            requirement: requirement.unwrap_or_default(),
            auto,
        })
    }

    /// `--migrations auto` with nothing shipped or expected: what doctor looks for
    /// when `--migrations` is not given (only failures and edits count then).
    pub fn every_tool() -> MigrationPlan {
        MigrationPlan {
            tools: Vec::new(),
            requirement: Requirement::Deployable,
            auto: true,
        }
    }

    /// Whether any migration history is checked.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty() && !self.auto
    }
}

/// A directory that holds none of the tool's migrations (the parent folder, an
/// empty one) would make every applied migration "unknown" and pass a deploy
/// gate silently: refuse it, and point at the folder below that has them.
fn no_migrations(name: &str, dir: &std::path::Path) -> String {
    let below = [
        "migrations",
        "prisma/migrations",
        "drizzle",
        "db/migrations",
    ]
    .iter()
    .map(|sub| dir.join(sub))
    .find(|d| d.is_dir());
    let guess = below.map_or(String::new(), |d| {
        format!(" (did you mean {}?)", d.display())
    });
    format!(
        "--migrations {name}={}: no {name} migrations found in that directory{guess}",
        dir.display()
    )
}

fn known_tool(name: &str) -> Result<&'static dyn Tool, String> {
    migrations::tool(name).ok_or_else(|| {
        format!(
            "unknown migration tool {} (one of: {})",
            shown(name),
            migrations::tool_names().join(", ")
        )
    })
}

/// `[SCHEMA.]TABLE` made of plain identifiers, as the tools name their tables.
fn table_name(text: &str) -> Result<TableName, String> {
    let identifier = |part: &str| {
        part.len() <= 63
            && part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    };
    let parts: Vec<&str> = text.split('.').collect();
    match parts.as_slice() {
        [name] if identifier(name) => Ok(TableName::bare(name)),
        [schema, name] if identifier(schema) && identifier(name) => {
            Ok(TableName::in_schema(schema, name))
        }
        _ => Err(format!(
            "--migrations-table: {} is not [SCHEMA.]TABLE",
            shown(text)
        )),
    }
}

/// User text for an error message: a plain word as written; anything else is
/// described, never echoed (a URL given by mistake may carry a password).
fn shown(text: &str) -> String {
    let word = !text.is_empty()
        && text.len() <= 40
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if word {
        format!("`{text}`")
    } else {
        "(not shown: not a plain name)".to_string()
    }
}

/// The `--migrations` entry a per-tool flag is about: the named one, or the only one.
fn assign<'a>(
    tools: &'a mut [ToolCheck],
    flag: &str,
    name: Option<&str>,
) -> Result<&'a mut ToolCheck, String> {
    let only = tools.len() == 1;
    let index = match name {
        Some(name) => {
            known_tool(name)?;
            tools.iter().position(|t| t.tool.name() == name)
        }
        None if only => Some(0),
        None if tools.is_empty() => None,
        None => {
            return Err(format!(
                "{flag}: several tools are checked; write TOOL=VALUE"
            ))
        }
    };
    let index = index.ok_or_else(|| {
        format!(
            "{flag}{}: add --migrations {} too",
            name.map(|n| format!(" {n}")).unwrap_or_default(),
            name.unwrap_or("TOOL[=DIR]")
        )
    })?;
    Ok(&mut tools[index])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_validated() {
        let plan = MigrationPlan::build(
            &strings(&["prisma", "drizzle"]),
            &strings(&["drizzle=public.migs"]),
            &strings(&["prisma=20240101_init", "drizzle=1700000000000"]),
            None,
        )
        .unwrap();
        assert_eq!(plan.tools.len(), 2);
        assert_eq!(plan.tools[1].table.as_ref().unwrap().name, "migs");
        assert_eq!(plan.tools[0].expect.as_deref(), Some("20240101_init"));
        assert_eq!(plan.requirement, Requirement::Applied);

        let one =
            MigrationPlan::build(&strings(&["sqlx"]), &[], &strings(&["3_add"]), None).unwrap();
        assert_eq!(one.tools[0].expect.as_deref(), Some("3_add"));

        let bad = |specs: &[&str], tables: &[&str], expected: &[&str]| {
            MigrationPlan::build(&strings(specs), &strings(tables), &strings(expected), None)
                .unwrap_err()
        };
        assert!(bad(&["mongoose"], &[], &[]).contains("unknown migration tool"));
        assert!(bad(&["auto=db"], &[], &[]).contains("auto takes no DIR"));
        assert!(bad(&["prisma", "prisma"], &[], &[]).contains("twice"));
        assert!(bad(&["prisma", "knex"], &[], &["x"]).contains("several tools"));
        assert!(bad(&["prisma"], &["knex=t"], &[]).contains("add --migrations knex"));
        assert!(bad(&[], &[], &["x"]).contains("add --migrations"));
        assert!(bad(&["prisma=/nonexistent/dir"], &[], &[]).contains("cannot read"));
        assert!(MigrationPlan::build(&[], &[], &[], Some(Requirement::Deployable)).is_err());
        assert!(bad(&["prisma"], &["prisma=a.b.c"], &[]).contains("not [SCHEMA.]TABLE"));
    }

    #[test]
    fn a_url_given_by_mistake_is_never_echoed() {
        let url = "postgresql://u:S3cr3t-pw@h/db?sslmode=require";
        let errors = [
            MigrationPlan::build(&strings(&[url]), &[], &[], None),
            MigrationPlan::build(&strings(&[&format!("prisma={url}")]), &[], &[], None),
            MigrationPlan::build(
                &strings(&["prisma"]),
                &strings(&[&format!("prisma={url}")]),
                &[],
                None,
            ),
            MigrationPlan::build(&strings(&["prisma"]), &strings(&[url]), &[], None),
            MigrationPlan::build(&strings(&["prisma"]), &[], &strings(&[url]), None),
        ];
        for error in errors {
            let error = error.unwrap_err();
            assert!(!error.contains("S3cr3t"), "{error}");
        }
        assert_eq!(
            table_name("drizzle.__drizzle_migrations")
                .unwrap()
                .to_string(),
            "drizzle.__drizzle_migrations"
        );
    }
}

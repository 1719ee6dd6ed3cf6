//! `--migrations auto`: which tools' history tables the database holds, found in
//! one query over every tool's default table (through the session's search_path,
//! as the tools find them), each told apart by its columns where tools share a
//! name (`schema_migrations`: golang-migrate's `dirty boolean`, dbmate's varchar
//! `version` without Rails' `ar_internal_metadata`, Ecto's `inserted_at`).

use super::app_schema;
use crate::migrations::{Shape, Tool, TOOLS};
use crate::outcome::Failure;
use crate::probe::Ready;
use crate::settings::migrations::ToolCheck;
use crate::vocab::sql::{literal, qualified};

/// A tool found, with why: the table and the columns that made it this tool's.
pub struct Found {
    /// The check to run, at the tool's default table.
    pub check: ToolCheck,
    /// `public.schema_migrations (version bigint, dirty boolean)`.
    pub evidence: String,
}

/// The tools whose tables exist, in registry order, skipping those in `explicit`.
pub async fn detect(ready: &Ready<'_>, explicit: &[ToolCheck]) -> Result<Vec<Found>, Failure> {
    let schema = app_schema(ready.spec);
    let candidates: Vec<&'static dyn Tool> = TOOLS
        .iter()
        .copied()
        .filter(|t| explicit.iter().all(|e| e.tool.name() != t.name()))
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<String> = candidates
        .iter()
        .map(|t| literal(&qualified(&t.default_table(&schema))))
        .collect();
    let sql = format!(
        "SELECT n.nspname || '.' || c.relname, \
         (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) \
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), \
         pg_catalog.to_regclass('ar_internal_metadata') IS NOT NULL \
         FROM pg_catalog.unnest(ARRAY[{}]::text[]) WITH ORDINALITY t(name, i) \
         LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name) \
         LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY t.i",
        values.join(", ")
    );
    let rows = ready
        .rows(&sql)
        .await
        .map_err(|e| super::query_failed(ready, &e))?;
    Ok(candidates
        .into_iter()
        .zip(rows)
        .filter_map(|(tool, row)| {
            let table = row.first().cloned().flatten()?;
            let columns = row.get(1).cloned().flatten().unwrap_or_default();
            let shape = Shape {
                columns: &columns,
                rails_metadata: row.get(2).and_then(|v| v.as_deref()) == Some("t"),
            };
            tool.recognises(&shape).then(|| Found {
                check: ToolCheck {
                    tool,
                    dir: None,
                    local: None,
                    table: None,
                    expect: None,
                },
                evidence: format!("{table} ({columns})"),
            })
        })
        .collect())
}

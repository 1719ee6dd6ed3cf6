//! Prisma Migrate: `_prisma_migrations` in the URL's `schema` (default `public`);
//! `migrations/<name>/migration.sql`. The checksum is the SHA-256 of the script;
//! like Prisma's engine (`schema-connector/src/checksum.rs`) a script still
//! matches after a CRLF↔LF change, and old rows may hold the hex digits without
//! zero-padding. A row not finished and not rolled back is a failed migration
//! (P3009); rolled-back rows do not count.

use std::path::Path;

use super::{files, Local, Tool};
use crate::vocab::names::TableName;

/// Prisma Migrate.
pub struct Prisma;

impl Tool for Prisma {
    fn name(&self) -> &'static str {
        "prisma"
    }

    fn default_table(&self, app_schema: &str) -> TableName {
        TableName::in_schema(app_schema, "_prisma_migrations")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT migration_name, checksum, finished_at IS NULL, COALESCE(finished_at, started_at)::text, logs \
             FROM {table} WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut shipped = Vec::new();
        for (name, path) in files::entries(dir)? {
            let file = path.join("migration.sql");
            if !path.is_dir() || !file.is_file() {
                continue;
            }
            let script = files::read(&file)?;
            shipped.push(Local {
                key: name.clone(),
                name,
                checksums: checksums(&script),
                file,
                ..Local::default()
            });
        }
        Ok(shipped)
    }

    fn deploy_command(&self) -> &'static str {
        "npx prisma migrate deploy"
    }

    fn resolve_failed(&self, name: &str) -> String {
        format!(
            "undo what the failed migration left half-done, then `npx prisma migrate resolve --rolled-back \"{name}\"` and deploy again (or `--applied \"{name}\"` if you completed it by hand)"
        )
    }
}

/// Every checksum Prisma accepts for this script (`script_matches_checksum`): the
/// SHA-256 of the script as read, with CRLF replaced by LF, and with LF replaced
/// by CRLF, each also in the legacy unpadded form.
pub fn checksums(script: &[u8]) -> Vec<String> {
    let variants = [
        script.to_vec(),
        files::replace(script, b"\r\n", b"\n"),
        files::replace(script, b"\n", b"\r\n"),
    ];
    let mut sums = Vec::new();
    for variant in variants {
        let digest = files::sha256_hex(&variant);
        let legacy = unpadded(&digest);
        for sum in [digest, legacy] {
            if !sums.contains(&sum) {
                sums.push(sum);
            }
        }
    }
    sums
}

/// Each byte as hex without its leading zero (`0a` → `a`), as Prisma once wrote it.
fn unpadded(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).unwrap_or_default();
            s.strip_prefix('0')
                .filter(|r| !r.is_empty())
                .unwrap_or(s)
                .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_accept_line_ending_changes_and_the_legacy_form() {
        let lf = checksums(b"CREATE TABLE a();\n");
        let crlf = checksums(b"CREATE TABLE a();\r\n");
        assert_eq!(lf[0], files::sha256_hex(b"CREATE TABLE a();\n"));
        assert!(
            crlf.contains(&lf[0]),
            "a CRLF checkout matches the LF checksum"
        );
        assert!(
            lf.contains(&crlf[0]),
            "an LF checkout matches the CRLF checksum"
        );
        assert_eq!(unpadded("0a00ff10"), "a0ff10");
    }
}

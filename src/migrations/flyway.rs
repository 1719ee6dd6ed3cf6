//! Flyway: `flyway_schema_history(installed_rank, version, description, type,
//! script, checksum, installed_by, installed_on, execution_time, success)` in the
//! default schema; files `V<version>__<description>.sql` (`_` in the version is
//! `.`) and repeatable `R__<description>.sql`, found in subdirectories too. The
//! checksum is Flyway's: a CRC-32 of the file's lines without their line breaks
//! (and without a byte-order mark), stored as a signed 32-bit integer. A row with
//! `success = false` blocks `flyway migrate` until `flyway repair`.

use std::cmp::Ordering;
use std::path::Path;

use super::{files, Local, Record, Status, Tool};
use crate::vocab::names::TableName;

/// How deep below the location Flyway's recursive scan is followed.
const MAX_DEPTH: usize = 5;

/// Flyway (`flyway migrate`).
pub struct Flyway;

impl Tool for Flyway {
    fn name(&self) -> &'static str {
        "flyway"
    }

    fn default_table(&self, _app_schema: &str) -> TableName {
        TableName::bare("flyway_schema_history")
    }

    fn history_sql(&self, table: &str) -> String {
        format!(
            "SELECT CASE WHEN type = 'BASELINE' THEN 'B:' || version WHEN version IS NULL THEN 'R:' || description ELSE version END, \
             checksum::text, NOT success, installed_on::text, NULL \
             FROM {table} WHERE type NOT IN ('SCHEMA', 'DELETE', 'UNDO_SQL', 'UNDO_JDBC', 'UNDO_SCRIPT') ORDER BY installed_rank"
        )
    }

    fn local(&self, dir: &Path) -> Result<Vec<Local>, String> {
        let mut shipped = Vec::new();
        collect(dir, 0, &mut shipped)?;
        shipped.sort_by(|a, b| match (a.repeatable, b.repeatable) {
            (false, false) => compare_versions(&a.key, &b.key),
            (a_rep, b_rep) => a_rep.cmp(&b_rep).then_with(|| a.key.cmp(&b.key)),
        });
        Ok(shipped)
    }

    fn deploy_command(&self) -> &'static str {
        "flyway migrate"
    }

    fn resolve_failed(&self, name: &str) -> String {
        format!("undo what migration {name} left half-done, then `flyway repair` (it removes the failed row) and `flyway migrate` again")
    }

    fn expected_key(&self, expected: &str) -> String {
        parse_name(expected).map_or_else(|| expected.to_string(), |(key, _)| key)
    }

    /// A baseline row stands for every version up to its own.
    fn compare(&self, records: &[Record], local: Option<&[Local]>) -> Status {
        let baseline = records.iter().find_map(|r| {
            r.key
                .strip_prefix("B:")
                .map(|v| (v.to_string(), r.at.clone()))
        });
        let mut rows: Vec<Record> = Vec::new();
        if let (Some((version, at)), Some(local)) = (&baseline, local) {
            rows.extend(
                local
                    .iter()
                    .filter(|l| !l.repeatable && compare_versions(&l.key, version).is_le())
                    .map(|l| Record {
                        key: l.key.clone(),
                        at: at.clone(),
                        ..Record::default()
                    }),
            );
        }
        rows.extend(records.iter().filter(|r| !r.key.starts_with("B:")).cloned());
        super::compare(&rows, local)
    }
}

fn collect(dir: &Path, depth: usize, shipped: &mut Vec<Local>) -> Result<(), String> {
    for (name, path) in files::entries(dir)? {
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect(&path, depth + 1, shipped)?;
            }
            continue;
        }
        let Some((key, repeatable)) = parse_name(&name) else {
            continue;
        };
        let text = files::read(&path)?;
        shipped.push(Local {
            key,
            name: name.trim_end_matches(".sql").to_string(),
            checksums: vec![checksum(&text).to_string()],
            file: path,
            repeatable,
            parents: Vec::new(),
        });
    }
    Ok(())
}

/// `V1_1__add_users.sql` → (`1.1`, false); `R__views.sql` → (`R:views`, true).
fn parse_name(name: &str) -> Option<(String, bool)> {
    let stem = name.strip_suffix(".sql").unwrap_or(name);
    if let Some(description) = stem.strip_prefix("R__") {
        return Some((format!("R:{}", description.replace('_', " ")), true));
    }
    let (version, _) = stem.strip_prefix('V')?.split_once("__")?;
    Some((version.replace('_', "."), false))
}

/// Flyway's version order: dot-separated numbers, compared part by part.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u128> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let (a, b) = (parts(a), parts(b));
    let len = a.len().max(b.len());
    let at = |v: &[u128], i: usize| v.get(i).copied().unwrap_or(0);
    (0..len)
        .map(|i| at(&a, i).cmp(&at(&b, i)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Flyway's checksum: CRC-32 over the lines' UTF-8 bytes without line breaks and
/// without a leading byte-order mark, as a signed 32-bit integer.
pub fn checksum(text: &[u8]) -> i32 {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut crc = !0u32;
    for &byte in text.iter().filter(|b| **b != b'\n' && **b != b'\r') {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            // The reflected CRC-32 polynomial of zlib and java.util.zip.CRC32.
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_crc32_of_the_lines() {
        // CRC-32("123456789") = 0xCBF43926, the standard check value.
        assert_eq!(checksum(b"123456789") as u32, 0xCBF4_3926);
        assert_eq!(checksum(b"12345\r\n6789\n"), checksum(b"123456789"));
        assert_eq!(checksum(b"\xEF\xBB\xBF123456789"), checksum(b"123456789"));
    }

    #[test]
    fn names_and_versions() {
        assert_eq!(
            parse_name("V1_1__add_users.sql"),
            Some(("1.1".into(), false))
        );
        assert_eq!(
            parse_name("R__all_views.sql"),
            Some(("R:all views".into(), true))
        );
        assert_eq!(parse_name("U1__undo.sql"), None);
        assert!(compare_versions("1.10", "1.9").is_gt());
        assert!(compare_versions("2", "2.0").is_eq());
    }
}

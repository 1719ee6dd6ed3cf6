//! Reading a migrations directory: sorted entries, file contents, and the digests
//! the tools store.

use std::path::{Path, PathBuf};

use sha2::Digest;

/// The entries of `dir` (files and directories), sorted by name as the tools sort
/// them; hidden entries are skipped.
pub fn entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let read = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read the migrations directory {}: {e}",
            dir.display()
        )
    })?;
    let mut entries: Vec<(String, PathBuf)> = read
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            (!name.starts_with('.')).then(|| (name, e.path()))
        })
        .collect();
    entries.sort();
    Ok(entries)
}

/// A file's bytes, with an error naming the file.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A file's text, with an error naming the file.
pub fn read_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read(path)?).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Lowercase hex SHA-384.
pub fn sha384_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha384::digest(bytes))
}

/// The text as shipped, with CRLF turned into LF, and with LF turned into CRLF:
/// the same migration checked out on another system.
pub fn line_ending_variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let lf = replace(bytes, b"\r\n", b"\n");
    let crlf = replace(&lf, b"\n", b"\r\n");
    let mut variants = vec![bytes.to_vec()];
    for v in [lf, crlf] {
        if !variants.contains(&v) {
            variants.push(v);
        }
    }
    variants
}

/// `bytes` with every `from` replaced by `to`.
pub fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The leading ASCII digits of `name` (a version prefix), if any.
pub fn leading_digits(name: &str) -> Option<&str> {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

/// The quoted strings in a Python value, in order: `'a'` → `a`,
/// `("a", "b")` → `a`, `b`, `None` → nothing.
pub fn python_strings(value: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find(['\'', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('"');
        let after = &rest[start + 1..];
        let Some(end) = after.find(quote) else { break };
        found.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    found
}

/// The leading number of a file name or version text, without leading zeros
/// (`0003_x.up.sql` → `3`); other text as it is.
pub fn version_number(text: &str) -> String {
    leading_digits(text)
        .and_then(|d| d.parse::<u64>().ok())
        .map_or_else(|| text.to_string(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_cover_both_line_endings() {
        let v = line_ending_variants(b"a\r\nb\n");
        assert_eq!(
            v,
            [
                b"a\r\nb\n".to_vec(),
                b"a\nb\n".to_vec(),
                b"a\r\nb\r\n".to_vec()
            ]
        );
        assert_eq!(line_ending_variants(b"x").len(), 1);
    }

    #[test]
    fn digests_and_versions() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(leading_digits("20240101_init.sql"), Some("20240101"));
        assert_eq!(leading_digits("init.sql"), None);
    }
}

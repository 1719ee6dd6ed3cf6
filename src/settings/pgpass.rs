//! The libpq password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`):
//! `hostname:port:database:username:password`, `*` matches anything, `\` escapes
//! `:` and `\`. Like libpq, a file readable by group or others is ignored.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The password for the first matching line, if the file exists and is private.
pub fn lookup(file: &Path, host: &str, port: u16, dbname: &str, user: &str) -> Option<String> {
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            file = %file.display(),
            "password file has group or world access; ignored as libpq does (chmod 0600 it)"
        );
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let port = port.to_string();
    let wanted = [host, port.as_str(), dbname, user];
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .find_map(|line| {
            let fields = split_fields(line);
            (fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f == "*" || f == w))
            .then(|| fields[4].clone())
        })
}

/// Splits on unescaped `:`; the last field keeps any further colons.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields
                .last_mut()
                .into_iter()
                .for_each(|f| f.extend(chars.next())),
            ':' if fields.len() < 5 => fields.push(String::new()),
            _ => fields.last_mut().into_iter().for_each(|f| f.push(c)),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_libpq() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:*:no\ndb:5432:app:u:first\n*:*:*:u:wild\\:card:x\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            lookup(&file, "db", 5432, "app", "u").as_deref(),
            Some("first")
        );
        assert_eq!(
            lookup(&file, "db", 5433, "app", "u").as_deref(),
            Some("wild:card:x")
        );
        assert_eq!(lookup(&file, "db", 5432, "app", "v"), None);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(lookup(&file, "db", 5432, "app", "u"), None);
    }
}

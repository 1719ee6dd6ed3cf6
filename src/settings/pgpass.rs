//! The libpq password file (`~/.pgpass`, `PGPASSFILE`, `passfile=`):
//! `hostname:port:database:username:password`, `*` matches anything, `\` escapes
//! `:` and `\`. Like libpq, a file readable by group or others is ignored.
//! libpq ends the password at the next unescaped `:` and takes `#` in the first
//! column for a comment; node-postgres's `pgpass` package keeps the rest of the
//! line as the password.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Whose reading of the file applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// libpq (`passwordFromFile`).
    Libpq,
    /// node-postgres (the `pgpass` package).
    NodePgpass,
}

/// A private password file's answer, or why the file was passed over.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The password and the 1-based line number of the first matching line.
    Found(String, usize),
    /// No file, or no line matches.
    Missing,
    /// The file is readable by group or others, so the client ignores it (libpq
    /// and node-postgres's `pgpass` both do); the mode bits.
    Ignored(u32),
}

/// The password and 1-based line number of the first matching line, if the file
/// exists and is private.
pub fn lookup(file: &Path, host: &str, port: u16, dbname: &str, user: &str, rule: Rule) -> Lookup {
    let Ok(meta) = std::fs::metadata(file) else {
        return Lookup::Missing;
    };
    if !meta.is_file() {
        return Lookup::Missing;
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Lookup::Ignored(mode);
    }
    find(file, host, port, dbname, user, rule).map_or(Lookup::Missing, |(p, n)| Lookup::Found(p, n))
}

fn find(
    file: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
    rule: Rule,
) -> Option<(String, usize)> {
    let text = std::fs::read_to_string(file).ok()?;
    let port = port.to_string();
    let wanted = [host, port.as_str(), dbname, user];
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .find_map(|(n, line)| {
            let fields = split_fields(line, rule);
            (fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(wanted)
                    .all(|(f, w)| f == "*" || f == w))
            .then(|| (fields[4].clone(), n + 1))
        })
}

/// Splits on unescaped `:`. libpq's password ends at the next unescaped `:`;
/// the `pgpass` package's keeps any further colons.
fn split_fields(line: &str, rule: Rule) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields
                .last_mut()
                .into_iter()
                .for_each(|f| f.extend(chars.next())),
            ':' if fields.len() < 5 => fields.push(String::new()),
            ':' if rule == Rule::Libpq => break,
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
        let get = |port, user, rule| lookup(&file, "db", port, "app", user, rule);
        assert_eq!(
            get(5432, "u", Rule::Libpq),
            Lookup::Found("first".into(), 3)
        );
        assert_eq!(
            get(5433, "u", Rule::Libpq),
            Lookup::Found("wild:card".into(), 4)
        );
        assert_eq!(
            get(5433, "u", Rule::NodePgpass),
            Lookup::Found("wild:card:x".into(), 4)
        );
        assert_eq!(get(5432, "v", Rule::Libpq), Lookup::Missing);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(get(5432, "u", Rule::Libpq), Lookup::Ignored(0o644));
    }
}

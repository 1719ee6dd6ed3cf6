//! `.env` and `env_file:` files as Compose reads them (compose-go's dotenv, checked
//! against `docker compose config` v2.40.3): `#` lines and blank lines skipped, an
//! optional `export `, `'single'` quotes literal, `"double"` quotes with `\n`-style
//! escapes and interpolation, unquoted values cut at ` #` and trimmed, then
//! interpolated from the variables above them and the environment.

use super::interpolate::{interpolate, Required};

/// One `NAME=value` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The variable.
    pub name: String,
    /// Its value, interpolated.
    pub value: String,
    /// Its line (1-based).
    pub line: usize,
}

/// Every variable of a `.env` text, in order; `outer` is the environment that
/// interpolation falls back to.
pub fn parse(text: &str, outer: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Entry>, Required> {
    let mut entries: Vec<Entry> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let line = lines[i].trim_start();
        i += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((name, raw)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim().to_string();
        let raw = raw.trim_start();
        let lookup = |n: &str| {
            entries
                .iter()
                .rev()
                .find(|e| e.name == n)
                .map(|e| e.value.clone())
                .or_else(|| outer(n))
        };
        let value = match raw.chars().next() {
            Some(q @ ('\'' | '"')) => {
                let mut body = raw[1..].to_string();
                while closing_quote(&body, q).is_none() && i < lines.len() {
                    body.push('\n');
                    body.push_str(lines[i]);
                    i += 1;
                }
                let end = closing_quote(&body, q).unwrap_or(body.len());
                let body = &body[..end];
                if q == '\'' {
                    body.to_string()
                } else {
                    interpolate(&unescape(body), &lookup)?.text
                }
            }
            _ => interpolate(uncomment(raw).trim_end(), &lookup)?.text,
        };
        entries.push(Entry {
            name,
            value,
            line: start + 1,
        });
    }
    Ok(entries)
}

fn closing_quote(body: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if q == '"' && !escaped => escaped = true,
            c if c == q && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// An unquoted value ends where whitespace and `#` begin a comment.
fn uncomment(raw: &str) -> &str {
    let bytes = raw.as_bytes();
    (1..bytes.len())
        .find(|&i| bytes[i] == b'#' && bytes[i - 1].is_ascii_whitespace())
        .map_or(raw, |i| &raw[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rules_compose_applies() {
        // The values `docker compose config` (v2.40.3) gave for this file.
        let text = "FOO=one\nEMPTY=\nexport EXP=1\nQ1='a $FOO b'\nQ2=\"x\\ny $FOO\"\n\
                    Q3=plain # comment\nQ4=plain#nocomment\nQ5=${FOO}-z\n# c\n\nML=\"a\nb\"\n";
        let got = parse(text, &|_| None).unwrap();
        let pairs: Vec<(&str, &str, usize)> = got
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            pairs,
            [
                ("FOO", "one", 1),
                ("EMPTY", "", 2),
                ("EXP", "1", 3),
                ("Q1", "a $FOO b", 4),
                ("Q2", "x\ny one", 5),
                ("Q3", "plain", 6),
                ("Q4", "plain#nocomment", 7),
                ("Q5", "one-z", 8),
                ("ML", "a\nb", 11),
            ]
        );
    }

    #[test]
    fn falls_back_to_the_environment() {
        let got = parse("A=${HOME_X}/x\n", &|n| (n == "HOME_X").then(|| "/h".into())).unwrap();
        assert_eq!(got[0].value, "/h/x");
    }
}

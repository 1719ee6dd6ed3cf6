//! Compose's variable interpolation, as its specification and `docker compose
//! config` (v2.40) apply it: `$$` is a `$`; `$VAR` and `${VAR}` (unset: blank, with
//! a warning); `${VAR:-d}`/`${VAR-d}` default when unset-or-empty/unset;
//! `${VAR:?e}`/`${VAR?e}` refuse; `${VAR:+r}`/`${VAR+r}` replace when set; defaults
//! nest (`${A:-${B}}`); a `$` that starts none of these stays as it is.

/// What a text became, and which variables it used that are not set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Interpolated {
    /// The text after interpolation.
    pub text: String,
    /// Variables read while unset (each once), which became blank.
    pub unset: Vec<String>,
}

/// A `${VAR?message}` whose variable has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Required {
    /// The variable.
    pub variable: String,
    /// Its message.
    pub message: String,
}

/// Interpolates `text`, reading variables with `lookup`.
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, Required> {
    let mut out = Interpolated::default();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.text.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.text.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = closing_brace(inner) else {
                out.text.push_str(&rest[at..]);
                return Ok(out);
            };
            braced(&inner[..end], lookup, &mut out)?;
            rest = &inner[end + 1..];
        } else {
            let len = name_len(after);
            if len == 0 {
                out.text.push('$');
            } else {
                substitute(&after[..len], lookup, &mut out);
            }
            rest = &after[len..];
        }
    }
    out.text.push_str(rest);
    Ok(out)
}

fn name_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(*c == '_' || c.is_ascii_alphanumeric()))
        .map_or(text.len(), |(i, _)| i)
}

/// The `}` that closes a `${`, past nested `${…}`.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn substitute(name: &str, lookup: &dyn Fn(&str) -> Option<String>, out: &mut Interpolated) {
    match lookup(name) {
        Some(v) => out.text.push_str(&v),
        None => note_unset(name, out),
    }
}

fn note_unset(name: &str, out: &mut Interpolated) {
    if !out.unset.iter().any(|n| n == name) {
        out.unset.push(name.to_string());
    }
}

fn braced(
    inner: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
) -> Result<(), Required> {
    let len = name_len(inner);
    let (name, op) = inner.split_at(len);
    let value = lookup(name);
    let empty = value.as_deref().is_none_or(str::is_empty);
    let nested = |text: &str, out: &mut Interpolated| -> Result<(), Required> {
        let done = interpolate(text, lookup)?;
        out.text.push_str(&done.text);
        for n in done.unset {
            note_unset(&n, out);
        }
        Ok(())
    };
    let refuse = |message: &str| Required {
        variable: name.to_string(),
        message: message.to_string(),
    };
    match op {
        "" => substitute(name, lookup, out),
        _ if op.starts_with(":-") && empty => nested(&op[2..], out)?,
        _ if op.starts_with('-') && value.is_none() => nested(&op[1..], out)?,
        _ if op.starts_with(":?") && empty => return Err(refuse(&op[2..])),
        _ if op.starts_with('?') && value.is_none() => return Err(refuse(&op[1..])),
        _ if op.starts_with(":+") => {
            if !empty {
                nested(&op[2..], out)?
            }
        }
        _ if op.starts_with('+') => {
            if value.is_some() {
                nested(&op[1..], out)?
            }
        }
        _ if [":-", "-", ":?", "?"].iter().any(|p| op.starts_with(p)) => {
            out.text.push_str(value.as_deref().unwrap_or_default())
        }
        // Not a form Compose knows: kept as written.
        _ => out.text.push_str(&format!("${{{inner}}}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Interpolated, Required> {
        let vars = [("FOO", "one"), ("EMPTY", "")];
        interpolate(text, &|n| {
            vars.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        })
    }

    fn text(t: &str) -> String {
        run(t).unwrap().text
    }

    #[test]
    fn the_forms_compose_documents() {
        // Each expected value is what `docker compose config` (v2.40.3) printed.
        assert_eq!(text("${FOO:-${BAR:-nested}}"), "one");
        assert_eq!(text("${BAR:-${BAZ:-nested}}"), "nested");
        assert_eq!(text("cost $ 5"), "cost $ 5");
        assert_eq!(text("$${FOO}"), "${FOO}");
        assert_eq!(text("${EMPTY:+yes}"), "");
        assert_eq!(text("${FOO:+yes}"), "yes");
        assert_eq!(text("$FOO.x"), "one.x");
        assert_eq!(text("${EMPTY:-d}${EMPTY-e}"), "d");
        assert_eq!(text("a$"), "a$");
        assert_eq!(text("${EMPTY+set}"), "set");
    }

    #[test]
    fn unset_variables_are_blank_and_named() {
        let done = run("x${UNSET}y$UNSET").unwrap();
        assert_eq!(done.text, "xy");
        assert_eq!(done.unset, ["UNSET"]);
    }

    #[test]
    fn required_variables_refuse() {
        let e = run("${Z:?need Z}").unwrap_err();
        assert_eq!((e.variable.as_str(), e.message.as_str()), ("Z", "need Z"));
        assert!(run("${EMPTY?set is enough}").is_ok());
        assert!(run("${EMPTY:?empty is not}").is_err());
    }
}

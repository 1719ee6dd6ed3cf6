//! Quoting for the few SQL texts pgready sends over the simple query protocol
//! (no parameters there, so values are quoted here).

/// A string literal: `'it''s'` (`E'...'` when it holds a backslash).
pub fn literal(value: &str) -> String {
    let quoted = value.replace('\'', "''");
    if quoted.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// An identifier: `"My ""Table"""`.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name as SQL: `"schema"."table"`, or `"table"` to be found through the
/// `search_path`.
pub fn qualified(table: &crate::vocab::names::TableName) -> String {
    match &table.schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(&table.name)),
        None => ident(&table.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal(r"a\b"), r"E'a\\b'");
        assert_eq!(ident(r#"My "T""#), r#""My ""T""""#);
    }
}

//! YAML documents as `lint` needs them: every scalar as the text it was written
//! (Compose reads `5432` and `true` in `environment:` as strings), every node with
//! its line, anchors resolved by the parser and `<<` merge keys applied.

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};

/// A node and the line (1-based) it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Where it starts.
    pub line: usize,
    /// What it is.
    pub kind: Kind,
}

/// A node's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `~`, `null` or nothing.
    Null,
    /// A scalar's text as written.
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order; keys are scalars' text.
    Map(Vec<(String, Node)>),
}

/// A file that is not YAML, with the line the parser stopped at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// Where.
    pub line: usize,
    /// The parser's message.
    pub message: String,
}

/// Every document of a (multi-document) YAML text.
pub fn load(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut loader: YamlLoader<'_, MarkedYaml<'_>> = YamlLoader::default();
    loader.early_parse(false);
    let mut parser = saphyr_parser_of(text);
    parser.load(&mut loader, true).map_err(|e| YamlError {
        line: e.marker().line(),
        message: e.info().to_string(),
    })?;
    if let Some(e) = loader.error() {
        return Err(YamlError {
            line: e.marker().line(),
            message: e.info().to_string(),
        });
    }
    Ok(loader.into_documents().iter().map(convert).collect())
}

fn saphyr_parser_of(text: &str) -> saphyr_parser::Parser<'_, saphyr_parser::StrInput<'_>> {
    saphyr_parser::Parser::new_from_str(text)
}

fn convert(node: &MarkedYaml<'_>) -> Node {
    let line = node.span.start.line();
    let kind = match &node.data {
        YamlData::Representation(text, _, _) => scalar_text(text),
        YamlData::Value(Scalar::Null) => Kind::Null,
        YamlData::Value(Scalar::String(s)) => Kind::Scalar(s.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Kind::Scalar(b.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Kind::Scalar(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Kind::Scalar(f.to_string()),
        YamlData::Sequence(items) => Kind::Seq(items.iter().map(convert).collect()),
        YamlData::Mapping(map) => Kind::Map(merged(map.iter().map(|(k, v)| (key(k), convert(v))))),
        YamlData::Tagged(_, inner) => return convert(inner),
        YamlData::Alias(_) | YamlData::BadValue => Kind::Null,
    };
    Node { line, kind }
}

fn scalar_text(text: &str) -> Kind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Kind::Null,
        _ => Kind::Scalar(text.to_string()),
    }
}

fn key(node: &MarkedYaml<'_>) -> String {
    match convert(node).kind {
        Kind::Scalar(s) => s,
        _ => String::new(),
    }
}

/// YAML 1.1's merge key, which Compose files use for shared blocks (`<<: *common`):
/// the merged mappings' keys first, then the mapping's own, which win.
fn merged(entries: impl Iterator<Item = (String, Node)>) -> Vec<(String, Node)> {
    let mut own = Vec::new();
    let mut inherited: Vec<(String, Node)> = Vec::new();
    for (k, v) in entries {
        if k != "<<" {
            own.push((k, v));
            continue;
        }
        let sources = match v.kind {
            Kind::Seq(items) => items,
            other => vec![Node {
                line: v.line,
                kind: other,
            }],
        };
        for source in sources {
            if let Kind::Map(pairs) = source.kind {
                for (k, v) in pairs {
                    if !inherited.iter().any(|(seen, _)| *seen == k) {
                        inherited.push((k, v));
                    }
                }
            }
        }
    }
    inherited.retain(|(k, _)| !own.iter().any(|(o, _)| o == k));
    inherited.extend(own);
    inherited
}

impl Node {
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// A mapping's entries (none for anything else).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(pairs) => pairs,
            _ => &[],
        }
    }

    /// A sequence's items (none for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// A scalar's text.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The text at a path of mapping keys.
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        path.iter()
            .try_fold(self, |node, key| node.get(key))
            .and_then(Node::text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_text_and_lines() {
        let docs = load("a:\n  port: 5432\n  on: true\n  q: \"007\"\n  n: ~\n").unwrap();
        let a = docs[0].get("a").unwrap();
        assert_eq!(a.line, 2);
        assert_eq!(a.text_at(&["port"]), Some("5432"));
        assert_eq!(a.text_at(&["on"]), Some("true"));
        assert_eq!(a.text_at(&["q"]), Some("007"));
        assert_eq!(a.get("n").unwrap().kind, Kind::Null);
        assert_eq!(a.get("q").unwrap().line, 4);
    }

    #[test]
    fn several_documents() {
        let docs = load("kind: A\n---\nkind: B\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].text_at(&["kind"]), Some("B"));
        assert_eq!(docs[1].line, 3);
    }

    #[test]
    fn merge_keys_and_anchors() {
        let text = "x: &common\n  A: '1'\n  B: '2'\ns:\n  <<: *common\n  B: '3'\n";
        let docs = load(text).unwrap();
        let s = docs[0].get("s").unwrap();
        let keys: Vec<_> = s
            .entries()
            .iter()
            .map(|(k, v)| (k.as_str(), v.text()))
            .collect();
        assert_eq!(keys, [("A", Some("1")), ("B", Some("3"))]);
    }

    #[test]
    fn an_error_names_its_line() {
        let e = load("a: 1\nb: [\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
    }
}

//! The layering `docs/architecture.md` describes, held: the bottom layer imports
//! only what sits below it, so every import points down.

use std::path::Path;

/// Each bottom-layer module and the modules of ours it may import.
const BOTTOM: [(&str, &[&str]); 6] = [
    ("vocab", &[]),
    ("deploy", &[]),
    ("secret", &[]),
    ("class", &[]),
    ("outcome", &["class", "vocab"]),
    ("finding", &["class", "outcome"]),
];

fn sources(path: &Path, out: &mut Vec<(String, String)>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            sources(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
        // Test files may import what the module's tests need.
        let text = std::fs::read_to_string(path).unwrap();
        out.push((path.display().to_string(), text));
    }
}

/// The top-level modules a file names as `crate::NAME`, outside its tests.
fn imports(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.match_indices("crate::")
        .map(|(i, _)| {
            code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn the_bottom_layer_imports_only_what_is_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (module, allowed) in BOTTOM {
        let mut files = Vec::new();
        let dir = src.join(module);
        let file = src.join(format!("{module}.rs"));
        sources(if dir.is_dir() { &dir } else { &file }, &mut files);
        assert!(!files.is_empty(), "{module}");
        for (file, text) in &files {
            for import in imports(text) {
                assert!(
                    import == module || allowed.contains(&import.as_str()),
                    "{file} imports crate::{import}: the bottom layer's {module} may import only {allowed:?}"
                );
            }
        }
    }
}

#[test]
fn the_command_line_and_the_migration_readers_import_only_the_bottom_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bottom: Vec<&str> = BOTTOM.iter().map(|(m, _)| *m).collect();
    let mut files = Vec::new();
    sources(&src.join("cli"), &mut files);
    sources(&src.join("migrations"), &mut files);
    for (file, text) in &files {
        for import in imports(text) {
            assert!(
                import == "migrations" || bottom.contains(&import.as_str()),
                "{file} imports crate::{import}, which sits above it"
            );
        }
    }
}

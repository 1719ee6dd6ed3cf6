//! The Kubernetes termination message: on failure, a short reason (class, target
//! without password, message, first hint) in the file the kubelet reads, so
//! `kubectl describe pod` shows why the init container failed. The kubelet keeps at
//! most 4096 bytes.

use std::io::Write;
use std::path::Path;

use super::{clean, Verdict};
use crate::class::Class;

/// What the kubelet keeps of the file.
pub const LIMIT: usize = 4096;

/// The message for a failed run: one paragraph per failing target, cut to
/// [`LIMIT`] bytes on a character boundary.
pub fn message(verdicts: &[Verdict<'_>]) -> String {
    let mut text = String::new();
    for v in verdicts.iter().filter(|v| v.class != Class::Ready) {
        let target = if v.target.display.is_empty() {
            v.target.source.clone()
        } else {
            format!("{} {}", v.target.source, v.target.display)
        };
        text.push_str(&format!(
            "pgready: {} (exit {}): {target}: {}\n",
            v.class,
            v.exit_code,
            v.message()
        ));
        if let Some(hint) = v.hints.first() {
            text.push_str(&format!("hint: {hint}\n"));
        }
    }
    let mut text = clean(&text);
    if text.len() > LIMIT {
        let mut end = LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Writes the message; a file that cannot be written is reported, not fatal.
pub fn write(path: &Path, verdicts: &[Verdict<'_>]) {
    let result =
        std::fs::File::create(path).and_then(|mut f| f.write_all(message(verdicts).as_bytes()));
    if let Err(e) = result {
        eprintln!(
            "pgready: cannot write the termination message to {}: {e}",
            path.display()
        );
    }
}

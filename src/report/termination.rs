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
    cut(&text)
}

/// Doctor's message: each ❌ with its target, evidence and fix.
pub fn doctor_message(lists: &[crate::checks::doctor::Checklist]) -> String {
    let mut text = String::new();
    for list in lists {
        for f in list
            .items
            .iter()
            .filter(|f| f.status == crate::finding::Status::Fail)
        {
            text.push_str(&format!(
                "pgready doctor: {}: {}: {}\n",
                list.source,
                f.check.title(),
                f.evidence
            ));
            if let Some(fix) = &f.fix {
                text.push_str(&format!("fix: {fix}\n"));
            }
        }
    }
    cut(&text)
}

/// `text` made safe and cut to [`LIMIT`] bytes on a character boundary.
fn cut(text: &str) -> String {
    let mut text = clean(text);
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
    write_text(path, &message(verdicts));
}

/// Writes `text` (already cut) as the termination message.
pub fn write_text(path: &Path, text: &str) {
    let result = std::fs::File::create(path).and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = result {
        eprintln!(
            "pgready: cannot write the termination message to {}: {e}",
            path.display()
        );
    }
}

//! `lint`'s findings for a terminal or a log (✅ ⚠️ ❌, `file:line`, the fix), or as
//! one JSON document.

use serde::Serialize;

use super::clean;
use crate::finding::Status;
use crate::lint::{Item, Report};

/// One line per finding and its fix, then the counts.
pub fn human(report: &Report, colour: bool) -> String {
    let mut out = String::new();
    let files = if report.files.is_empty() {
        "nothing to read".to_string()
    } else {
        report.files.join(", ")
    };
    out.push_str(&clean(&format!("pgready lint: {files}\n")));
    for item in &report.findings {
        out.push_str(&line(item, colour));
    }
    let (errors, warnings) = report.counts();
    if errors + warnings == 0 {
        out.push_str("  ✅ no mistakes found\n");
    }
    out.push_str(&format!(
        "pgready lint: {} error{}, {} warning{}\n",
        errors,
        plural(errors),
        warnings,
        plural(warnings)
    ));
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn line(item: &Item, colour: bool) -> String {
    let (on, off) = match (colour, item.status) {
        (true, Status::Fail) => ("\x1b[31m", "\x1b[0m"),
        (true, Status::Warn) => ("\x1b[33m", "\x1b[0m"),
        _ => ("", ""),
    };
    let about = match &item.variable {
        Some(v) => format!("{} {v}", item.subject),
        None => item.subject.clone(),
    };
    let mut out = format!(
        "  {} {on}{}{off} {}: {}\n",
        item.status.symbol(),
        clean(&item.place()),
        clean(&about),
        clean(&item.message)
    );
    if !item.fix.is_empty() {
        out.push_str(&format!("       fix: {}\n", clean(&item.fix)));
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    ok: bool,
    exit_code: i32,
    errors: usize,
    warnings: usize,
    files: &'a [String],
    findings: &'a [Item],
}

/// The findings as one JSON document.
pub fn json(report: &Report, exit_code: i32) -> String {
    let (errors, warnings) = report.counts();
    let doc = Document {
        ok: errors == 0,
        exit_code,
        errors,
        warnings,
        files: &report.files,
        findings: &report.findings,
    };
    crate::secret::scrub(&serde_json::to_string(&doc).unwrap_or_default())
}

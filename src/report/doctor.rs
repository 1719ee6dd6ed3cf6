//! Doctor's checklist as a human reads it (✅ ⚠️ ❌, coloured as `--color` says:
//! by default on a terminal without `NO_COLOR`) or as JSON.

use serde::Serialize;

use super::clean;
use crate::checks::doctor::Checklist;
use crate::finding::Status;

/// The checklist for a terminal or a log.
pub fn human(lists: &[Checklist], colour: bool) -> String {
    let mut out = String::new();
    for list in lists {
        let what = if list.url.is_empty() {
            list.source.clone()
        } else {
            format!("{} {}", list.source, list.url)
        };
        out.push_str(&clean(&format!(
            "pgready doctor: {what} ({} rules)\n",
            list.client
        )));
        let mut items = list.items.iter().peekable();
        while let Some(item) = items.next() {
            if item.status == Status::Skip {
                // A run of checks skipped for one reason reads as one line.
                let mut titles = vec![item.check.title()];
                while let Some(next) =
                    items.next_if(|n| n.status == Status::Skip && n.evidence == item.evidence)
                {
                    titles.push(next.check.title());
                }
                let (on, off) = if colour {
                    ("\x1b[2m", "\x1b[0m")
                } else {
                    ("", "")
                };
                out.push_str(&format!(
                    "  {} {on}{}{off}: {}\n",
                    item.status.symbol(),
                    titles.join(", "),
                    clean(&item.evidence)
                ));
                continue;
            }
            let (on, off) = match (colour, item.status) {
                (true, Status::Fail) => ("\x1b[31m", "\x1b[0m"),
                (true, Status::Warn) => ("\x1b[33m", "\x1b[0m"),
                _ => ("", ""),
            };
            out.push_str(&format!(
                "  {} {on}{}{off}: {}\n",
                item.status.symbol(),
                item.check.title(),
                clean(&item.evidence)
            ));
            if let Some(fix) = item
                .fix
                .as_ref()
                .filter(|_| matches!(item.status, Status::Warn | Status::Fail))
            {
                out.push_str(&format!("       fix: {}\n", clean(fix)));
            }
        }
    }
    // Each text from outside is cleaned on its own, so the colour codes survive.
    out
}

#[derive(Serialize)]
struct Document<'a> {
    ok: bool,
    exit_code: i32,
    targets: &'a [Checklist],
}

/// The checklist as one JSON document.
pub fn json(lists: &[Checklist], exit_code: i32) -> String {
    let doc = Document {
        ok: exit_code == 0,
        exit_code,
        targets: lists,
    };
    crate::secret::scrub(&serde_json::to_string(&doc).unwrap_or_default())
}

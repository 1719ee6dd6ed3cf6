//! The findings about the connection string, before any connection: the lint's,
//! each as the check it belongs to.

use super::Checklist;
use crate::finding::{Check, Finding};
use crate::settings::lint::Lint;
use crate::settings::spec::ConnSpec;
use crate::settings::targets::Target;

pub(super) fn config_items(list: &mut Checklist, target: &Target, spec: &ConnSpec) {
    let scheme = target
        .display
        .split("://")
        .next()
        .filter(|_| target.display.contains("://"))
        .unwrap_or("key=value");
    list.add(Finding::ok(
        Check::UrlParses,
        format!("{} host(s), user \"{}\"", spec.endpoints.len(), spec.user),
    ));
    list.add(Finding::ok(Check::Scheme, scheme));
    let plan = crate::settings::plan::plan(target, &spec.reading.label());
    list.add(Finding::ok(
        Check::ConnectionPlan,
        format!("as {} reads it: {}", plan.client, plan.one_line()),
    ));
    let lint = &target.lint;
    list.add(linted(
        lint,
        Check::LibpqVersion,
        "the same under libpq 15 to 18",
    ));
    list.add(linted(
        lint,
        Check::DatabaseName,
        format!("\"{}\"", spec.dbname),
    ));
    let password = match &spec.password {
        Some(_) => format!(
            "password from {}, no unencoded special characters",
            spec.password_source.as_deref().unwrap_or("the URL")
        ),
        None => "no password given (the server may not ask for one)".to_string(),
    };
    let guessable = linted(lint, Check::PasswordEncoding, password);
    list.add(guessable_too(lint, guessable));
    list.add(semantics(lint, spec));
    list.add(linted(
        lint,
        Check::LocalhostInContainer,
        "not a loopback host, or not in a container",
    ));
    list.add(linted(
        lint,
        Check::PoolerUrl,
        "no pooler port or host in the URL",
    ));
}

/// ✅ with `ok`, or ⚠️ with what the lint found for `check`.
pub(super) fn linted(lint: &[Lint], check: Check, ok: impl Into<String>) -> Finding {
    let found: Vec<&str> = lint
        .iter()
        .filter(|l| l.id == check.id())
        .map(|l| l.message.as_str())
        .collect();
    if found.is_empty() {
        Finding::ok(check, ok)
    } else {
        Finding::warn(check, found.join("; "), None)
    }
}

/// The URL's meaning under the selected client vs the others.
pub(super) fn semantics(lint: &[Lint], spec: &ConnSpec) -> Finding {
    let mut found: Vec<&str> = lint
        .iter()
        .filter(|l| l.id == "client_semantics" || l.id == "prisma_url")
        .map(|l| l.message.as_str())
        .collect();
    found.dedup();
    if found.is_empty() {
        let tls = spec.tls.summary();
        return Finding::ok(
            Check::ClientSemantics,
            format!("{}: {tls}", spec.client.name()),
        );
    }
    Finding::warn(
        Check::ClientSemantics,
        found.join("; "),
        Some("run pgready with the app's own client (--client) and make the URL mean the same to every client that reads it".into()),
    )
}

/// The password item also warns of a password anyone can guess and of a password
/// file the client ignores.
fn guessable_too(lint: &[Lint], mut finding: Finding) -> Finding {
    let about = ["guessable_password", "password_file"];
    for found in lint.iter().filter(|l| about.contains(&l.id)) {
        if finding.status == crate::finding::Status::Ok {
            finding = Finding::warn(finding.check, found.message.clone(), None);
        } else {
            finding.evidence = format!("{}; {}", finding.evidence, found.message);
        }
    }
    finding
}

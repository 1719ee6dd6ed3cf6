//! The items about the connection string, before any connection.

use super::{Checklist, Status};
use crate::settings::lint::Finding;
use crate::settings::spec::ConnSpec;
use crate::settings::targets::Target;

pub(super) fn config_items(list: &mut Checklist, target: &Target, spec: &ConnSpec) {
    let scheme = target
        .display
        .split("://")
        .next()
        .filter(|_| target.display.contains("://"))
        .unwrap_or("key=value");
    list.push(
        "url_parses",
        "connection string",
        Status::Ok,
        format!("{} host(s), user \"{}\"", spec.endpoints.len(), spec.user),
        None,
    );
    list.push("scheme", "scheme", Status::Ok, scheme, None);
    let plan = crate::settings::plan::plan(target, &spec.reading.label());
    list.push(
        "connection_plan",
        "connection plan",
        Status::Ok,
        format!("as {} reads it: {}", plan.client, plan.one_line()),
        None,
    );
    list.finding(
        &target.lint,
        "libpq_version",
        "meaning under each libpq major",
        "the same under libpq 15 to 18",
    );
    list.finding(
        &target.lint,
        "database_name",
        "database name",
        format!("\"{}\"", spec.dbname),
    );
    list.finding(
        &target.lint,
        "password_encoding",
        "password encoding",
        match &spec.password {
            Some(_) => format!(
                "password from {}, no unencoded special characters",
                spec.password_source.as_deref().unwrap_or("the URL")
            ),
            None => "no password given (the server may not ask for one)".to_string(),
        },
    );
    let tls = spec.tls.summary();
    let mut semantics: Vec<&Finding> = target
        .lint
        .iter()
        .filter(|f| f.id == "client_semantics" || f.id == "prisma_url")
        .collect();
    semantics.dedup();
    if semantics.is_empty() {
        list.push(
            "client_semantics",
            "meaning under each client",
            Status::Ok,
            format!("{}: {tls}", spec.client.name()),
            None,
        );
    } else {
        let text: Vec<&str> = semantics.iter().map(|f| f.message.as_str()).collect();
        list.push("client_semantics", "meaning under each client", Status::Warn, text.join("; "), Some("run pgready with the app's own client (--client) and make the URL mean the same to every client that reads it".into()));
    }
    list.finding(
        &target.lint,
        "localhost_in_container",
        "host inside a container",
        "not a loopback host, or not in a container",
    );
    list.finding(
        &target.lint,
        "pooler_url",
        "pooled vs direct URL (by the URL)",
        "no pooler port or host in the URL",
    );
}

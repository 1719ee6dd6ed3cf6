//! The findings about reaching the server, read from the route the attempt took
//! (the names it resolved, the addresses it dialled, in the client's order), and
//! where a failed session stopped.

use std::net::IpAddr;

use super::{session_checks, Checklist};
use crate::class::Class;
use crate::finding::{Check, Finding};
use crate::outcome::{Cause, Failure, Step};

/// `host_resolves` (when a name was resolved) and `tcp_reachable` (when an address
/// or socket was dialled, or resolution left none to dial).
pub(super) fn route_findings(route: &[Step], failure: Option<&Failure>) -> Vec<Finding> {
    let mut found = Vec::new();
    let mut names = Vec::new();
    let mut unresolved = None;
    let mut dials: Vec<(&str, &Result<(), Failure>)> = Vec::new();
    for step in route {
        match step {
            Step::Resolved { name, result } => match result {
                Ok(addrs) => {
                    let addrs: Vec<String> = addrs.iter().map(IpAddr::to_string).collect();
                    names.push(format!("{name} → {}", addrs.join(", ")));
                }
                Err(f) => unresolved = unresolved.or(Some(f)),
            },
            // A TLS fallback or a second pass dials the same address again.
            Step::Dialled { to, result } if !dials.iter().any(|(t, _)| t == to) => {
                dials.push((to, result))
            }
            Step::Dialled { .. } => {}
        }
    }
    match unresolved {
        Some(f) => found.push(Finding::failed(Check::HostResolves, f)),
        None if !names.is_empty() => found.push(Finding::ok(Check::HostResolves, names.join("; "))),
        None => {}
    }
    let evidence: Vec<String> = dials
        .iter()
        .map(|(to, r)| format!("{to}: {}", r.as_ref().map_or_else(said, |()| "accepts")))
        .collect();
    let accepted = dials.iter().any(|(_, r)| r.is_ok());
    let refusal = dials.iter().rev().find_map(|(_, r)| r.as_ref().err());
    if accepted {
        found.push(Finding::ok(Check::TcpReachable, evidence.join("; ")));
    } else if let Some(f) = refusal {
        let mut finding = Finding::failed(Check::TcpReachable, f);
        finding.evidence = format!("{}: {}", f.class, evidence.join("; "));
        found.push(finding);
    } else if unresolved.is_some() {
        found.push(Finding::skip(
            Check::TcpReachable,
            "no address to connect to",
        ));
    } else if let Some(f) = failure.filter(|f| f.class == Class::DnsUnavailable) {
        // The deadline ended the lookup before a step was recorded.
        found.push(Finding::failed(Check::HostResolves, f));
    }
    found
}

/// What a refused or unanswered dial says, in a few words.
fn said(f: &Failure) -> &str {
    match (&f.cause, f.class) {
        (Some(Cause::Io(std::io::ErrorKind::ConnectionRefused)), _) => "refused (nothing listens)",
        (Some(Cause::Io(std::io::ErrorKind::NotFound)), _) => "no server socket",
        (_, Class::ConnectTimeout) => "no answer (timed out)",
        _ => &f.message,
    }
}

/// The checks a session failing at `check` has certainly passed: what the server
/// does before it.
fn passed_before(check: Check) -> &'static [Check] {
    use Check::*;
    match check {
        Tls => &[ServerResponds],
        // "too many clients" can come before authentication.
        ConnectionHeadroom => &[ServerResponds, Tls],
        Authentication => &[ServerResponds, Tls],
        DatabaseExists => &[ServerResponds, Tls, Authentication],
        ConnectPrivilege => &[ServerResponds, Tls, Authentication, DatabaseExists],
        Writable => &[
            ServerResponds,
            Tls,
            Authentication,
            DatabaseExists,
            ConnectPrivilege,
        ],
        _ => &[],
    }
}

/// Where a failed session stopped: the checks the server does before it passed, it
/// failed, and the other session checks are skipped by their own ids.
pub(super) fn failed_session(list: &mut Checklist, failure: &Failure) {
    let check = Check::of(failure);
    for &before in passed_before(check) {
        list.add(Finding::ok(
            before,
            format!("passed: the session got as far as {}", check.title()),
        ));
    }
    list.add(Finding::failed(check, failure));
    let why = format!("the session failed at {}", check.title());
    list.skip_rest(&session_checks(), &why);
}

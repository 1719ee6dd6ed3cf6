//! Everything pgready prints: the per-target verdicts (human on stderr, JSON on
//! stdout) and the overall exit code. All text passes through [`crate::secret::scrub`]
//! on its way out.

pub mod doctor;
pub mod explain;
pub mod human;
pub mod json;
pub mod lint;
pub mod termination;

use crate::class::Class;
use crate::class::Topic;
use crate::cli::ExitCodes;
use crate::outcome::{Failure, ServerFacts, Stages};
use crate::settings::lint::Lint;
use crate::settings::spec::Host;
use crate::settings::targets::Target;
use crate::wait::{RunOutcome, TargetState};

/// The final verdict on one target, ready to render.
#[derive(Clone, Debug)]
pub struct Verdict<'a> {
    /// The target.
    pub target: &'a Target,
    /// Its class (`interrupted` when a signal came first).
    pub class: Class,
    /// Its exit code: the class's, or 128 + the signal's number when interrupted
    /// (143 for SIGTERM, 130 for SIGINT).
    pub exit_code: i32,
    /// Facts when ready.
    pub facts: Option<&'a ServerFacts>,
    /// The failure, when not ready.
    pub failure: Option<&'a Failure>,
    /// Hints: the failure's own, then the lint's, then the class's generic ones.
    pub hints: Vec<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Time from the start until the last result, in ms.
    pub elapsed_ms: u128,
    /// Stage timings of the last attempt.
    pub stages: Stages,
    /// What pgready changed (e.g. a database it created).
    pub actions: &'a [String],
    /// What each migration tool's history showed on the last attempt.
    pub migrations: &'a [crate::vocab::migrations::Report],
}

impl Verdict<'_> {
    /// One line naming the outcome.
    pub fn message(&self) -> String {
        match (self.facts, self.failure) {
            (Some(facts), _) => format!(
                "ready: {} ({})",
                facts.endpoint,
                facts
                    .version
                    .as_deref()
                    .map_or("PostgreSQL".to_string(), |v| format!("PostgreSQL {v}"))
            ),
            (_, Some(f)) if self.class == Class::Interrupted => {
                format!("interrupted; last state: {}: {}", f.class, f.message)
            }
            (_, Some(f)) => f.message.clone(),
            (None, None) if self.class == Class::Interrupted => {
                "interrupted before the first attempt finished".to_string()
            }
            (None, None) => "no attempt finished".to_string(),
        }
    }
}

/// Builds the verdicts of a run, in source order.
pub fn verdicts<'a>(targets: &'a [Target], outcome: &'a RunOutcome) -> Vec<Verdict<'a>> {
    targets
        .iter()
        .zip(&outcome.states)
        .map(|(target, state)| verdict(target, state, outcome.interrupted))
        .collect()
}

/// At most this many hints per target.
const MAX_HINTS: usize = 3;

/// The hints of one target, one per cause, most likely first: the failure's own,
/// then the lint's findings that bear on this failure, then the class's generic
/// fixes on topics neither covered, then the other findings; none twice, none
/// suggesting what the URL already does, at most three.
fn hints(target: &Target, failure: Option<&Failure>) -> Vec<String> {
    let mut covered: Vec<Topic> = failure.map(|f| f.covers.clone()).unwrap_or_default();
    let mut hints: Vec<String> = failure.map(|f| f.hints.clone()).unwrap_or_default();
    let class = failure.map(|f| f.class);
    let (relevant, other): (Vec<_>, Vec<_>) = target
        .lint
        .iter()
        .partition(|f| class.is_some_and(|c| bears_on(f.id, c)));
    push_findings(&mut hints, &mut covered, &relevant);
    if let Some(f) = failure.filter(|f| f.hints.is_empty() || !f.class.specific_hints_suffice()) {
        let topics = f.class.generic_hint_topics();
        for (i, hint) in f.class.generic_hints().iter().enumerate() {
            match topics.get(i).copied().flatten() {
                Some(t) if covered.contains(&t) => continue,
                Some(Topic::HostName) if names_a_service(target) => continue,
                Some(t) => covered.push(t),
                None => {}
            }
            hints.push(hint.to_string());
        }
    }
    push_findings(&mut hints, &mut covered, &other);
    let mut seen = Vec::new();
    hints.retain(|h| {
        let new = !seen.contains(h);
        seen.push(h.clone());
        new
    });
    hints.truncate(MAX_HINTS);
    hints
}

/// Appends the findings whose topic no earlier hint covered.
fn push_findings(hints: &mut Vec<String>, covered: &mut Vec<Topic>, findings: &[&Lint]) {
    for finding in findings {
        if let Some(topic) = lint_topic(finding.id) {
            if covered.contains(&topic) {
                continue;
            }
            covered.push(topic);
        }
        hints.push(finding.message.clone());
    }
}

/// Whether a lint finding is a likely cause of a failure of `class`.
fn bears_on(id: &str, class: Class) -> bool {
    match id {
        "password_encoding" => matches!(class, Class::AuthFailed | Class::InvalidConfig),
        "password_file" => class == Class::AuthFailed,
        "localhost_in_container" => matches!(
            class,
            Class::DnsNotFound | Class::ConnectionRefused | Class::ConnectTimeout
        ),
        "database_name" => matches!(class, Class::DatabaseMissing | Class::AccessRejected),
        "client_semantics" | "prisma_url" | "libpq_version" => matches!(
            class,
            Class::TlsUnsupported | Class::TlsUntrusted | Class::TlsError | Class::InvalidConfig
        ),
        "pooler_url" => matches!(class, Class::TooManyConnections | Class::ConnectionClosed),
        _ => false,
    }
}

/// The lint finding's topic, where a generic hint says the same.
fn lint_topic(id: &str) -> Option<Topic> {
    match id {
        "password_encoding" => Some(Topic::PercentEncoding),
        "localhost_in_container" => Some(Topic::HostName),
        _ => None,
    }
}

/// Whether the URL already names a service (not a loopback name or address):
/// then "use the service's name" is no advice.
fn names_a_service(target: &Target) -> bool {
    target.spec.as_ref().is_ok_and(|s| {
        s.endpoints
            .iter()
            .all(|e| matches!(&e.host, Host::Tcp(_)) && !e.is_local())
    })
}

fn verdict<'a>(
    target: &'a Target,
    state: &'a TargetState,
    interrupted: Option<i32>,
) -> Verdict<'a> {
    let last = state.last.as_ref();
    let facts = last.and_then(|a| a.result.as_ref().ok());
    let failure = last.and_then(|a| a.result.as_ref().err());
    let class = match (state.class(), interrupted) {
        (Some(Class::Ready), _) => Class::Ready,
        (_, Some(_)) => Class::Interrupted,
        (Some(c), None) => c,
        (None, None) => Class::InternalError,
    };
    let exit_code = match (class, interrupted) {
        (Class::Interrupted, Some(signal)) => Class::interrupted_exit_code(signal),
        (c, _) => c.exit_code(),
    };
    let mut hints = hints(target, failure);
    if facts.is_some() {
        // What the ready session itself showed comes before the URL's lint.
        let cautions = last.map(|a| a.cautions.clone()).unwrap_or_default();
        hints.splice(0..0, cautions);
        hints.truncate(MAX_HINTS);
    }
    Verdict {
        target,
        class,
        exit_code,
        facts,
        failure,
        hints,
        attempts: state.attempts,
        elapsed_ms: state.elapsed.as_millis(),
        stages: last.map(|a| a.stages).unwrap_or_default(),
        actions: &state.actions,
        migrations: last.map_or(&[], |a| a.migrations.as_slice()),
    }
}

/// The process exit code: 0 when all are ready, else the first failing target's
/// code in source order; a signal gives 128 + its number.
pub fn exit_code(verdicts: &[Verdict<'_>], interrupted: Option<i32>, style: ExitCodes) -> i32 {
    if let Some(signal) = interrupted {
        return Class::interrupted_exit_code(signal);
    }
    let code = verdicts
        .iter()
        .map(|v| v.exit_code)
        .find(|c| *c != 0)
        .unwrap_or(0);
    style.apply(code)
}

/// Makes text from servers and inputs safe for a terminal: control and
/// bidirectional-override characters become `?`.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
            if (c.is_control() && c != '\n') || bidi {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Scrubs secrets and sanitizes: the last step of every human output.
pub fn clean(text: &str) -> String {
    sanitize(&crate::secret::scrub(text))
}

//! The `--json` document: exactly one object on stdout when the run ends.

use std::time::Duration;

use serde::Serialize;

use super::Verdict;
use crate::finding::Check;
use crate::secret::scrub;

/// The whole run.
#[derive(Debug, Serialize)]
pub struct Document {
    /// Every target ready.
    pub ready: bool,
    /// Wall time of the run.
    pub elapsed_ms: u128,
    /// The process exit code.
    pub exit_code: i32,
    /// One entry per target, in source order.
    pub targets: Vec<TargetJson>,
}

/// One target.
#[derive(Debug, Serialize)]
pub struct TargetJson {
    /// `DATABASE_URL`, `--url`, …
    pub source: String,
    /// The URL with the password replaced by `****`.
    pub url: String,
    /// Ready or not.
    pub ready: bool,
    /// The contract class.
    pub class: &'static str,
    /// The class's exit code.
    pub exit_code: i32,
    /// The Prisma error code for the same cause.
    pub prisma_code: Option<&'static str>,
    /// One line naming the outcome.
    pub message: String,
    /// Fixes, most likely first.
    pub hints: Vec<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Time until the last result.
    pub elapsed_ms: u128,
    /// `server_version` when ready.
    pub server_version: Option<String>,
    /// The stage that failed, when not ready.
    pub stage: Option<&'static str>,
    /// The check that failed, when not ready: the id `doctor` gives the same finding.
    pub check: Option<Check>,
    /// The server's SQLSTATE the failure came from, when it sent one.
    pub sqlstate: Option<String>,
    /// Whose rules the URL was read by (`libpq`, `prisma`, `node-postgres`).
    pub client: Option<&'static str>,
    /// TLS facts of the ready session (`null` without TLS).
    pub tls: Option<TlsJson>,
    /// What pgready changed on the way (e.g. `database "app" created`).
    pub actions: Vec<String>,
    /// Milliseconds per stage of the last attempt (`null`: not reached).
    pub stages_ms: StagesJson,
    /// One object per `--migrations` tool, as the last attempt read it (empty when
    /// not asked for, or when the attempt did not get that far).
    pub migrations: Vec<crate::vocab::migrations::Report>,
}

/// TLS facts.
#[derive(Debug, Serialize)]
pub struct TlsJson {
    /// `TLSv1.3` / `TLSv1.2`.
    pub protocol: Option<&'static str>,
    /// Whether the certificate was verified.
    pub verified: bool,
    /// The sslmode as the client read it.
    pub sslmode: String,
    /// Whose rules decided.
    pub client: &'static str,
}

/// Stage timings in milliseconds.
#[derive(Debug, Serialize)]
pub struct StagesJson {
    /// Name resolution.
    pub resolve: Option<f64>,
    /// TCP / socket connect.
    pub connect: Option<f64>,
    /// TLS negotiation.
    pub tls: Option<f64>,
    /// Startup and authentication.
    pub auth: Option<f64>,
    /// The readiness query.
    pub query: Option<f64>,
}

fn ms(d: Option<Duration>) -> Option<f64> {
    d.map(|d| (d.as_secs_f64() * 1e5).round() / 100.0)
}

impl From<&Verdict<'_>> for TargetJson {
    fn from(v: &Verdict<'_>) -> Self {
        TargetJson {
            source: v.target.source.clone(),
            url: scrub(&v.target.display),
            ready: v.facts.is_some(),
            class: v.class.name(),
            exit_code: v.exit_code,
            prisma_code: v.class.prisma_code(),
            message: scrub(&v.message()),
            hints: v.hints.iter().map(|h| scrub(h)).collect(),
            attempts: v.attempts,
            elapsed_ms: v.elapsed_ms,
            server_version: v.facts.and_then(|f| f.version.clone()),
            stage: v.failure.map(|f| f.stage.name()),
            check: v.failure.map(Check::of),
            sqlstate: v.failure.and_then(|f| f.sqlstate().map(str::to_string)),
            client: v.target.spec.as_ref().ok().map(|s| s.client.name()),
            tls: v
                .facts
                .filter(|f| f.tls)
                .zip(v.target.spec.as_ref().ok())
                .map(|(f, s)| TlsJson {
                    protocol: f.tls_protocol,
                    verified: f.tls_verified,
                    sslmode: s.tls.mode.name().to_string(),
                    client: s.client.name(),
                }),
            actions: v.actions.to_vec(),
            stages_ms: StagesJson {
                resolve: ms(v.stages.resolve),
                connect: ms(v.stages.connect),
                tls: ms(v.stages.tls),
                auth: ms(v.stages.auth),
                query: ms(v.stages.query),
            },
            migrations: v.migrations.to_vec(),
        }
    }
}

/// Renders the document as one line of JSON.
pub fn render(verdicts: &[Verdict<'_>], elapsed: Duration, exit_code: i32) -> String {
    let doc = Document {
        ready: !verdicts.is_empty() && verdicts.iter().all(|v| v.facts.is_some()),
        elapsed_ms: elapsed.as_millis(),
        exit_code,
        targets: verdicts.iter().map(TargetJson::from).collect(),
    };
    serde_json::to_string(&doc).unwrap_or_else(|e| format!("{{\"ready\":false,\"error\":\"{e}\"}}"))
}

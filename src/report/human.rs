//! Human output on stderr: a live status line on a terminal, one log line per state
//! change otherwise, then a verdict per target with its hints.

use std::cell::RefCell;
use std::io::Write;
use std::time::Duration;

use super::{clean, Verdict};
use crate::class::Class;
use crate::cli::LogFormat;
use crate::settings::targets::Target;
use crate::wait::{Progress, TargetState};

/// How progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Nothing but the final errors.
    Quiet,
    /// One redrawn status line (stderr is a terminal).
    Live,
    /// One log line per state change (tracing).
    Lines,
}

/// Shows progress in the chosen style.
pub struct Reporter {
    style: Style,
    sources: Vec<String>,
}

impl Reporter {
    /// A reporter for these targets.
    pub fn new(style: Style, targets: &[Target]) -> Self {
        Reporter {
            style,
            sources: targets.iter().map(|t| t.source.clone()).collect(),
        }
    }

    /// Clears the live line before the summary.
    pub fn finish(&self) {
        if self.style == Style::Live {
            eprint!("\r\x1b[2K");
        }
    }

    fn status_line(&self, states: &[RefCell<TargetState>], left: Duration) -> String {
        let parts: Vec<String> = self
            .sources
            .iter()
            .zip(states)
            .map(|(source, s)| {
                let s = s.borrow();
                let class = s.class().map_or("connecting", Class::name);
                format!("{source}: {class} (attempt {})", s.attempts.max(1))
            })
            .collect();
        format!(
            "pgready: waiting — {} — {}s left",
            parts.join("; "),
            left.as_secs()
        )
    }
}

impl Progress for Reporter {
    fn changed(&self, _index: usize, target: &Target, state: &TargetState) {
        if self.style != Style::Lines {
            return;
        }
        let class = state.class().map_or("none", Class::name);
        match state.failure() {
            Some(f) => tracing::info!(
                target_source = %target.source,
                class,
                attempt = state.attempts,
                "{}",
                clean(&f.message)
            ),
            None => {
                tracing::info!(target_source = %target.source, class, attempt = state.attempts, "ready")
            }
        }
    }

    fn ticks(&self) -> bool {
        self.style == Style::Live
    }

    fn tick(&self, states: &[RefCell<TargetState>], left: Duration) {
        if self.style == Style::Live {
            let line = clean(&self.status_line(states, left));
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
        }
    }
}

/// The summary of one verdict, as lines.
pub fn summary(v: &Verdict<'_>) -> Vec<String> {
    let t = v.target;
    let what = if t.display.is_empty() {
        t.source.clone()
    } else {
        format!("{} {}", t.source, t.display)
    };
    let attempts = if v.attempts == 1 {
        "1 attempt".to_string()
    } else {
        format!("{} attempts", v.attempts)
    };
    let mut lines = Vec::new();
    lines.extend(v.actions.iter().map(|a| format!("pgready: {what}: {a}")));
    if v.class == Class::Ready {
        lines.push(format!(
            "pgready: ✓ {what}: {} in {} ms ({attempts})",
            v.message(),
            v.elapsed_ms
        ));
        lines.extend(
            v.migrations
                .iter()
                .map(|m| format!("    migrations: {}", m.summary())),
        );
        lines.extend(v.hints.iter().map(|h| format!("    warning: {h}")));
        return lines.into_iter().map(|l| clean(&l)).collect();
    }
    let prisma = v
        .class
        .prisma_code()
        .map_or(String::new(), |p| format!(", Prisma {p}"));
    lines.push(format!(
        "pgready: ✗ {what}: {} (exit {}{prisma}) after {attempts}, {} ms",
        v.class, v.exit_code, v.elapsed_ms
    ));
    lines.push(format!("    {}", v.message()));
    lines.extend(v.hints.iter().map(|h| format!("    hint: {h}")));
    lines.into_iter().map(|l| clean(&l)).collect()
}

/// Prints every verdict (only failures when quiet).
pub fn print_summary(verdicts: &[Verdict<'_>], quiet: bool, format: LogFormat) {
    let mut err = std::io::stderr().lock();
    for v in verdicts
        .iter()
        .filter(|v| !quiet || v.class != Class::Ready)
    {
        if format == LogFormat::Json {
            let _ = writeln!(err, "{}", verdict_line(v));
            continue;
        }
        for line in summary(v) {
            let _ = writeln!(err, "{line}");
        }
    }
}

/// One verdict as a JSON log line, shaped like the progress lines
/// (`timestamp`, `level`, `fields`), so every line on stderr is JSON.
pub fn verdict_line(v: &Verdict<'_>) -> String {
    use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
    let mut timestamp = String::new();
    let _ = SystemTime.format_time(&mut tracing_subscriber::fmt::format::Writer::new(
        &mut timestamp,
    ));
    let ready = v.class == Class::Ready;
    let line = serde_json::json!({
        "timestamp": timestamp,
        "level": if ready { "INFO" } else { "ERROR" },
        "fields": {
            "message": if ready { "ready".to_string() } else { v.message() },
            "verdict": if ready { "ready" } else { "failed" },
            "target_source": v.target.source,
            "url": v.target.display,
            "class": v.class.name(),
            "exit_code": v.exit_code,
            "prisma_code": v.class.prisma_code(),
            "attempts": v.attempts,
            "elapsed_ms": v.elapsed_ms,
            "actions": v.actions,
            "hints": v.hints,
        }
    });
    // serde_json escapes control characters; the scrubber masks what it must.
    crate::secret::scrub(&line.to_string())
}

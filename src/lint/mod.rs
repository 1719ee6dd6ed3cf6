//! `pgready lint`: the guides' configuration mistakes found in deployment files
//! before anything runs — Compose projects ([`compose`]) and Kubernetes manifests
//! ([`kube`]). Every URL is read by the same reader and lint as `wait` reads it
//! ([`url`]); each finding names its file and line, its cause and its fix.

mod compose;
mod images;
mod kube;
mod url;

use serde::Serialize;

use crate::deploy::{Inputs, Place, Problem};
use crate::finding::{Check, Finding, Status};
use crate::settings::lint::Context;

/// One finding: a stable id, ❌ (the app will not connect as configured) or ⚠️
/// (may still work), where, about what, and the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    /// Stable id (see the README's table).
    pub id: &'static str,
    /// `fail` or `warn`.
    pub status: Status,
    /// The file.
    pub file: String,
    /// The line (0: the file as a whole).
    pub line: usize,
    /// What it is about: ``service `app` `` or `Deployment/app container web`.
    pub subject: String,
    /// The variable, when the finding is about one.
    pub variable: Option<String>,
    /// What was found (never a password).
    pub message: String,
    /// What to do.
    pub fix: String,
}

impl Item {
    fn new(id: &'static str, status: Status, at: &Place, subject: &str) -> Item {
        Item {
            id,
            status,
            file: at.file.clone(),
            line: at.line,
            subject: subject.to_string(),
            variable: None,
            message: String::new(),
            fix: String::new(),
        }
    }

    fn about(mut self, variable: &str) -> Item {
        self.variable = Some(variable.to_string());
        self
    }

    fn says(mut self, message: impl Into<String>, fix: impl Into<String>) -> Item {
        self.message = message.into();
        self.fix = fix.into();
        self
    }

    /// `file:line`.
    pub fn place(&self) -> String {
        match self.line {
            0 => self.file.clone(),
            n => format!("{}:{n}", self.file),
        }
    }
}

/// What `lint` was asked to judge by.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The URL variables (`--url-env`; empty: `wait`'s defaults).
    pub url_env: Vec<String>,
    /// How URLs are read (`--client`).
    pub context: Context,
}

/// Everything found, errors first, each group in file order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// The files read.
    pub files: Vec<String>,
    /// The findings.
    pub findings: Vec<Item>,
}

impl Report {
    /// The number of ❌ and ⚠️.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self
            .findings
            .iter()
            .filter(|i| i.status == Status::Fail)
            .count();
        (errors, self.findings.len() - errors)
    }

    /// `doctor --compose`: the findings about `variable` as checklist rows (❌ as
    /// `invalid_config`), or one ✅ when there are none.
    pub fn findings_for(&self, variable: &str) -> Vec<Finding> {
        let rows: Vec<Finding> = self
            .findings
            .iter()
            .filter(|i| i.variable.as_deref() == Some(variable) || i.id == "unreadable")
            .map(|i| {
                let evidence = format!("{} {}: {}", i.place(), i.id, i.message);
                let row = Finding::new(Check::DeploymentFiles, i.status, evidence)
                    .with_fix(Some(i.fix.clone()).filter(|f| !f.is_empty()));
                match i.status {
                    Status::Fail => row.failing_as(crate::class::Class::InvalidConfig),
                    _ => row,
                }
            })
            .collect();
        if rows.is_empty() {
            let files = self.files.join(", ");
            return vec![Finding::ok(
                Check::DeploymentFiles,
                format!("{files}: nothing found about {variable}"),
            )];
        }
        rows
    }
}

/// Judges everything read.
pub fn run(inputs: &Inputs, opts: &Options) -> Report {
    let mut report = Report::default();
    for problem in &inputs.problems {
        report.findings.push(unreadable(problem));
    }
    for project in &inputs.projects {
        report
            .files
            .extend(project.files.iter().map(|f| f.display().to_string()));
        for problem in &project.problems {
            report.findings.push(unreadable(problem));
        }
        report.findings.extend(compose::judge(project, opts));
    }
    report.files.extend(inputs.manifests.files.iter().cloned());
    for problem in &inputs.manifests.problems {
        report.findings.push(unreadable(problem));
    }
    report.findings.extend(kube::judge(&inputs.manifests, opts));
    // Errors first; a stable order within each.
    report
        .findings
        .sort_by_key(|i| (i.status != Status::Fail, i.file.clone(), i.line));
    report
}

fn unreadable(problem: &Problem) -> Item {
    if let Some(var) = &problem.required {
        return Item::new("required_variable", Status::Fail, &problem.at, "file")
            .about(var)
            .says(
                &problem.message,
                format!("set {var} in the environment or in .env beside the Compose file"),
            );
    }
    Item::new("unreadable", Status::Fail, &problem.at, "file").says(
        &problem.message,
        "give lint a Compose file, a directory holding one (or Kubernetes manifests), or `-`; fix what the parser names",
    )
}

/// The exit code of a report: 0 without ❌, else `invalid_config`'s.
pub fn exit_code(report: &Report) -> i32 {
    match report.counts().0 {
        0 => 0,
        _ => crate::class::Class::InvalidConfig.exit_code(),
    }
}

//! `pgready doctor`: the troubleshooting guides' checklist, evaluated. One pass per
//! target, no retries, nothing changed: each item says ✅/⚠️/❌ with the evidence it
//! saw and the fix, in the order the guides check causes.

mod config;
mod facts;
mod network;
mod server;

use config::config_items;
use facts::Collector;
use network::{failed_session, network_items};
use server::{migration_items, same_database, session_items};

use std::cell::RefCell;

use serde::Serialize;
use tokio::time::Instant;

use crate::class::Class;
use crate::outcome::Failure;
use crate::probe::Prober;
use crate::settings::lint::Finding;
use crate::settings::migrations::MigrationPlan;
use crate::settings::targets::Target;
use crate::settings::Settings;

/// An item's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but likely to bite.
    Warn,
    /// Broken.
    Fail,
    /// Not checked (an earlier item failed, or it does not apply).
    Skip,
}

impl Status {
    /// The symbol shown in the checklist.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✅",
            Status::Warn => "⚠️",
            Status::Fail => "❌",
            Status::Skip => "➖",
        }
    }
}

/// One checklist item.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// Stable id.
    pub id: &'static str,
    /// Verdict.
    pub status: Status,
    /// What it checks, in a few words.
    pub title: &'static str,
    /// What pgready saw.
    pub evidence: String,
    /// What to do (for ⚠️ and ❌).
    pub fix: Option<String>,
    /// The contract class a failure corresponds to (exit code).
    #[serde(skip)]
    pub class: Option<Class>,
}

/// The checklist of one target.
#[derive(Clone, Debug, Serialize)]
pub struct Checklist {
    /// Where the URL came from.
    pub source: String,
    /// The URL, password masked.
    pub url: String,
    /// Whose rules read it.
    pub client: &'static str,
    /// The items, in checking order.
    pub items: Vec<Item>,
}

impl Checklist {
    pub(super) fn push(
        &mut self,
        id: &'static str,
        title: &'static str,
        status: Status,
        evidence: impl Into<String>,
        fix: Option<String>,
    ) {
        self.items.push(Item {
            id,
            status,
            title,
            evidence: evidence.into(),
            fix,
            class: None,
        });
    }

    pub(super) fn fail(&mut self, id: &'static str, title: &'static str, failure: &Failure) {
        let fix = failure
            .hints
            .first()
            .cloned()
            .or_else(|| failure.class.generic_hints().first().map(|h| h.to_string()));
        self.items.push(Item {
            id,
            status: Status::Fail,
            title,
            evidence: format!("{}: {}", failure.class, failure.message),
            fix,
            class: Some(failure.class),
        });
    }

    fn skip(&mut self, id: &'static str, title: &'static str, why: &str) {
        self.push(id, title, Status::Skip, format!("not checked: {why}"), None);
    }

    fn finding(
        &mut self,
        lint: &[Finding],
        id: &'static str,
        title: &'static str,
        ok: impl Into<String>,
    ) {
        let found: Vec<&str> = lint
            .iter()
            .filter(|f| f.id == id)
            .map(|f| f.message.as_str())
            .collect();
        if found.is_empty() {
            self.push(id, title, Status::Ok, ok, None);
        } else {
            self.push(id, title, Status::Warn, found.join("; "), None);
        }
    }
}

/// Runs the checklist over every target.
pub async fn run(settings: &Settings, targets: &[Target], replicas: Option<u32>) -> Vec<Checklist> {
    let prober = Prober::default();
    let mut lists = Vec::new();
    let mut identities: Vec<(String, String)> = Vec::new();
    for target in targets {
        let (list, identity) = one(settings, target, replicas, &prober).await;
        if let Some(id) = identity {
            identities.push((target.source.clone(), id));
        }
        lists.push(list);
    }
    if targets.len() > 1 {
        same_database(&mut lists, &identities);
    }
    lists
}

async fn one(
    settings: &Settings,
    target: &Target,
    replicas: Option<u32>,
    prober: &Prober,
) -> (Checklist, Option<String>) {
    let mut list = Checklist {
        source: target.source.clone(),
        url: target.display.clone(),
        client: target.spec.as_ref().map_or("libpq", |s| s.client.name()),
        items: Vec::new(),
    };
    let spec = match &target.spec {
        Ok(spec) => spec,
        Err(failure) => {
            let id = if failure.cause == Some(crate::outcome::Cause::UrlScheme) {
                "scheme"
            } else {
                "url_parses"
            };
            list.fail(id, "connection string", failure);
            return (list, None);
        }
    };
    config_items(&mut list, target, spec);
    let deadline = Instant::now() + settings.attempt_timeout;
    if !network_items(&mut list, spec, prober, deadline).await {
        list.skip(
            "session",
            "PostgreSQL session",
            "the server cannot be reached",
        );
        return (list, None);
    }
    let searching = settings.migrations.is_empty();
    let every_tool = MigrationPlan::every_tool();
    let collector = Collector {
        facts: RefCell::default(),
        plan: if searching {
            &every_tool
        } else {
            &settings.migrations
        },
        searching,
        migrations: RefCell::default(),
    };
    let attempt = prober
        .attempt(
            spec,
            false,
            Instant::now() + settings.attempt_timeout,
            &collector,
        )
        .await;
    let facts = collector.facts.into_inner();
    match &attempt.result {
        Ok(server) => {
            session_items(&mut list, settings, target, spec, server, &facts, replicas);
            migration_items(&mut list, &collector.migrations.into_inner(), searching);
        }
        Err(failure) => failed_session(&mut list, failure),
    }
    (list, facts.identity)
}

/// The exit code: 0 without ❌, else the class code of the first ❌ (1 without one).
pub fn exit_code(lists: &[Checklist]) -> i32 {
    lists
        .iter()
        .flat_map(|l| &l.items)
        .find(|i| i.status == Status::Fail)
        .map_or(0, |i| i.class.map_or(1, Class::exit_code))
}

#[cfg(test)]
mod tests;

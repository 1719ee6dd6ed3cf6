//! `pgready doctor`: the troubleshooting guides' checklist, evaluated. One pass per
//! target, no retries, nothing changed: each check is a [`Finding`] (✅/⚠️/❌ with
//! the evidence it saw and the fix), in the order the guides check causes. Every
//! finding after the connection comes from the one attempt the probe makes, as
//! `wait` would make it: its route, its failure, or the facts its session read.

mod config;
mod facts;
mod network;
mod server;

use config::config_items;
use facts::Collector;
use network::{failed_session, route_findings};
use server::{migration_items, same_database, session_items};

use std::cell::RefCell;

use serde::Serialize;
use tokio::time::Instant;

use crate::class::Class;
use crate::finding::{Check, Finding, Status};
use crate::probe::Prober;
use crate::settings::migrations::MigrationPlan;
use crate::settings::targets::Target;
use crate::settings::Settings;

/// The checks a session answers, in order: skipped by their own ids when there is
/// no session to answer them (the table and extension gates only when asked for).
fn session_checks() -> Vec<Check> {
    let session = Check::ServerResponds..=Check::Migrations;
    Check::ALL
        .into_iter()
        .filter(|c| session.contains(c) && !matches!(c, Check::Tables | Check::Extensions))
        .collect()
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
    /// The findings, in checking order.
    pub items: Vec<Finding>,
}

impl Checklist {
    fn add(&mut self, finding: Finding) {
        self.items.push(finding);
    }

    fn has(&self, check: Check) -> bool {
        self.items.iter().any(|f| f.check == check)
    }

    /// Skips each of `checks` not yet on the list.
    fn skip_rest(&mut self, checks: &[Check], why: &str) {
        for &check in checks {
            if !self.has(check) {
                self.add(Finding::skip(check, why));
            }
        }
    }
}

/// Runs the checklist over every target.
pub async fn run(settings: &Settings, targets: &[Target], replicas: Option<u32>) -> Vec<Checklist> {
    let prober = Prober::recording_routes();
    let deadline = Instant::now() + settings.timeout;
    let mut lists = Vec::new();
    let mut identities: Vec<(String, String)> = Vec::new();
    for target in targets {
        let (list, identity) = one(settings, target, replicas, &prober, deadline).await;
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
    deadline: Instant,
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
            list.add(Finding::failed(Check::of(failure), failure));
            return (list, None);
        }
    };
    config_items(&mut list, target, spec);
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
        gates: &settings.gates,
        gate_findings: RefCell::default(),
    };
    let attempt = prober
        .attempt(
            spec,
            false,
            deadline.min(Instant::now() + settings.attempt_timeout),
            &collector,
        )
        .await;
    let reached = route_findings(&attempt.route, attempt.result.as_ref().err());
    let connected = reached.iter().all(|f| f.status != Status::Fail);
    reached.into_iter().for_each(|f| list.add(f));
    let facts = collector.facts.into_inner();
    match &attempt.result {
        Ok(server) => {
            session_items(&mut list, settings, target, spec, server, &facts, replicas);
            let gates = collector.gate_findings.take();
            gates.into_iter().for_each(|f| list.add(f));
            migration_items(
                &mut list,
                &collector.migrations.into_inner(),
                collector.plan.auto,
            );
        }
        Err(_) if !connected => {
            list.skip_rest(&session_checks(), "the server cannot be reached");
        }
        Err(failure) => failed_session(&mut list, failure),
    }
    list.items.sort_by_key(|f| f.check);
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

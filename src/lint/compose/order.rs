//! Start order: the app must start after the database is ready, not merely
//! started.

use super::{kind, subject, Kind};
use crate::deploy::compose::{Project, Service};
use crate::finding::Status;
use crate::lint::Item;

/// The app must start after the database is ready, not merely started.
pub(super) fn start_order(project: &Project, app: &Service, target: &Service) -> Vec<Item> {
    if app.command.iter().any(|w| w.ends_with("pgready")) {
        return Vec::new(); // `pgready wait -- app` gates it itself
    }
    let who = subject(app);
    let mut items = Vec::new();
    let mut gated = false;
    for dep in &app.depends_on {
        let Some(other) = project.services.iter().find(|s| s.name == dep.service) else {
            continue;
        };
        let item = |id, status| Item::new(id, status, &dep.at, &who);
        let condition = dep.condition.as_deref().unwrap_or("service_started");
        if kind(other) == Kind::Gate {
            gated = true;
            if condition != "service_completed_successfully" {
                items.push(item("depends_on_condition", Status::Warn).says(
                    format!("service `{}` depends on the pgready service `{}` with {condition}: the app starts before the check ends", app.name, other.name),
                    format!("depends_on: {{{}: {{condition: service_completed_successfully}}}}", other.name),
                ));
            }
        } else if other.name == target.name {
            gated = true;
            if condition == "service_healthy" && other.healthcheck != Some(true) {
                items.push(item("no_healthcheck", Status::Fail).says(
                    format!("service `{}` waits for service `{}` to be healthy, but `{}` has no healthcheck: Compose refuses to start the app", app.name, other.name, other.name),
                    format!("give service `{}` a healthcheck (test: [\"CMD\", \"pgready\", \"check\"], or pg_isready)", other.name),
                ));
            } else if condition == "service_started" {
                items.push(item("depends_on_condition", Status::Warn).says(
                    format!("service `{}` depends on service `{}` without a condition: it starts once the container starts, before PostgreSQL accepts connections", app.name, other.name),
                    format!("depends_on: {{{}: {{condition: service_healthy}}}} with a healthcheck on `{}`, or a pgready one-shot service", other.name, other.name),
                ));
            }
        }
    }
    if !gated && !reaches(project, app, target, &mut Vec::new()) {
        items.push(Item::new("no_depends_on", Status::Warn, &app.at, &who).says(
            format!("service `{}` connects to service `{}` but does not depend on it: Compose may start them in any order", app.name, target.name),
            format!("depends_on: {{{}: {{condition: service_healthy}}}} with a healthcheck on `{}`, or wrap the command: pgready wait -- CMD", target.name, target.name),
        ));
    }
    items
}

/// Whether `from` starts after `target` or a pgready service through a chain of
/// `depends_on` (the app after the migration after the gate).
fn reaches<'p>(
    project: &'p Project,
    from: &'p Service,
    target: &Service,
    seen: &mut Vec<&'p str>,
) -> bool {
    for dep in &from.depends_on {
        let Some(next) = project.services.iter().find(|s| s.name == dep.service) else {
            continue;
        };
        if seen.contains(&next.name.as_str()) {
            continue;
        }
        seen.push(&next.name);
        if next.name == target.name
            || kind(next) == Kind::Gate
            || reaches(project, next, target, seen)
        {
            return true;
        }
    }
    false
}

//! `pgready explain`: each target's connection plan under one client, or under
//! every client side by side with what differs, as text or JSON. No network.

use serde::Serialize;

use crate::settings::plan::{self, Plan};
use crate::settings::targets::Target;

/// One target's plans (one per client read) and where they differ.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    /// Where the target came from.
    pub source: String,
    /// One plan per client.
    pub plans: Vec<Plan>,
    /// Where the clients read the string differently (empty for one client).
    pub differences: Vec<String>,
}

/// The plans of every target under each reading (`(label, targets)` per client,
/// the targets of each reading in the same order).
pub fn explain(readings: &[(String, Vec<Target>)]) -> Vec<Explained> {
    let Some((_, first)) = readings.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|i| {
            let plans: Vec<Plan> = readings
                .iter()
                .filter_map(|(label, targets)| {
                    targets.get(i).map(|t| plan::plan(t, &label_of(label, t)))
                })
                .collect();
            Explained {
                source: first[i].source.clone(),
                differences: differences(&plans),
                plans,
            }
        })
        .collect()
}

/// A reading's label, or (for the chosen client, unlabelled) the target's own.
fn label_of(label: &str, target: &Target) -> String {
    match (&target.spec, label) {
        (_, l) if !l.is_empty() => l.to_string(),
        (Ok(spec), _) => spec.reading.label(),
        (Err(_), _) => "the chosen client".to_string(),
    }
}

/// 0 when every client can read every target, else invalid_config's code.
pub fn exit_code(explained: &[Explained]) -> i32 {
    let refused = explained
        .iter()
        .flat_map(|e| &e.plans)
        .any(|p| p.refused.is_some());
    if refused {
        crate::class::Class::InvalidConfig.exit_code()
    } else {
        0
    }
}

/// One fact of a plan, as text to compare.
type Fact = fn(&Plan) -> String;

/// What differs between the plans, one line per fact.
fn differences(plans: &[Plan]) -> Vec<String> {
    if plans.len() < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let facts: [(&str, Fact); 6] = [
        ("accepts the string", |p| match &p.refused {
            None => "yes".to_string(),
            Some(r) => format!("no ({})", r.message),
        }),
        ("hosts", |p| {
            p.hosts
                .iter()
                .map(|h| match (&h.host, &h.socket) {
                    (_, Some(s)) => s.clone(),
                    (Some(h2), None) => format!("{h2}:{}", h.port),
                    (None, None) => format!(":{}", h.port),
                })
                .collect::<Vec<_>>()
                .join(",")
        }),
        ("database", |p| p.dbname.clone().unwrap_or_default()),
        ("user", |p| p.user.clone().unwrap_or_default()),
        ("password from", |p| p.password.clone().unwrap_or_default()),
        ("TLS", |p| {
            p.tls
                .as_ref()
                .map(|t| t.summary.clone())
                .unwrap_or_default()
        }),
    ];
    for (what, fact) in facts {
        let values: Vec<String> = plans.iter().map(fact).collect();
        if values.iter().any(|v| *v != values[0]) {
            let each: Vec<String> = plans
                .iter()
                .zip(&values)
                .map(|(p, v)| format!("{}: {v}", p.client))
                .collect();
            out.push(format!("{what} differs — {}", each.join("; ")));
        }
    }
    out.extend(parameter_differences(plans));
    out
}

/// A parameter one client uses and another ignores.
fn parameter_differences(plans: &[Plan]) -> Vec<String> {
    let mut out = Vec::new();
    let mut keys: Vec<&str> = plans
        .iter()
        .flat_map(|p| p.parameters.iter().map(|x| x.key.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        let status = |p: &Plan| {
            p.parameters
                .iter()
                .find(|x| x.key == key)
                .map_or("not read", |x| x.status)
        };
        let users: Vec<&str> = plans
            .iter()
            .filter(|p| status(p) == "used")
            .map(|p| p.client.as_str())
            .collect();
        let others: Vec<String> = plans
            .iter()
            .filter(|p| p.refused.is_none() && status(p) != "used")
            .map(|p| format!("{} ({})", p.client, status(p)))
            .collect();
        if !users.is_empty() && !others.is_empty() {
            out.push(format!(
                "`{key}`: used by {}; not by {}",
                users.join(", "),
                others.join(", ")
            ));
        }
    }
    out
}

/// The plans as JSON (one object, documented in the README).
pub fn json(explained: &[Explained], code: i32) -> String {
    let doc = serde_json::json!({ "targets": explained, "exit_code": code });
    crate::secret::scrub(&doc.to_string())
}

/// The plans as text.
pub fn human(explained: &[Explained]) -> String {
    let mut out = String::new();
    for e in explained {
        for p in &e.plans {
            render_plan(&mut out, p);
        }
        for d in &e.differences {
            out.push_str(&format!("  ≠ {d}\n"));
        }
    }
    crate::secret::scrub(&out)
}

fn render_plan(out: &mut String, p: &Plan) {
    out.push_str(&format!("{} {} — read as {}\n", p.source, p.url, p.client));
    if let Some(r) = &p.refused {
        out.push_str(&format!("  refused: {}\n", r.message));
        if let Some(h) = &r.hint {
            out.push_str(&format!("  hint: {h}\n"));
        }
        return;
    }
    for (i, h) in p.hosts.iter().enumerate() {
        let place = match (&h.socket, &h.host, &h.hostaddr) {
            (Some(s), _, _) => format!("socket {s}"),
            (None, Some(host), Some(addr)) => format!(
                "{addr}:{} (hostaddr; {host} names the server for TLS and the password file)",
                h.port
            ),
            (None, Some(host), None) => format!("{host}:{}", h.port),
            (None, None, _) => format!(":{}", h.port),
        };
        out.push_str(&format!("  host {}: {place}\n", i + 1));
    }
    let line = |label: &str, v: &Option<String>| {
        v.as_ref()
            .map(|v| format!("  {label}: {v}\n"))
            .unwrap_or_default()
    };
    out.push_str(&line(
        "database",
        &p.dbname.as_ref().map(|d| {
            if p.dbname_default {
                format!("{d} (default)")
            } else {
                d.clone()
            }
        }),
    ));
    out.push_str(&line("user", &p.user));
    out.push_str(&line("password from", &p.password));
    if let Some(t) = &p.tls {
        out.push_str(&format!(
            "  TLS: sslmode={}: {}; roots: {}\n",
            t.sslmode, t.summary, t.roots
        ));
    }
    out.push_str(&line("channel binding", &p.channel_binding));
    out.push_str(&line("target_session_attrs", &p.target_session_attrs));
    out.push_str(&line(
        "connect_timeout",
        &p.connect_timeout_s.map(|s| format!("{s}s per host")),
    ));
    for x in &p.parameters {
        out.push_str(&format!(
            "  {}={}: {} — {}\n",
            x.key, x.value, x.status, x.meaning
        ));
    }
    for n in &p.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
}

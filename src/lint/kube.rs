//! The Kubernetes findings: each container's URL variables, their Secret and
//! ConfigMap references, the Service their host names with its port, and whether a
//! pgready init container checks what the app will use.

use super::images::{self, Kind};
use super::url;
use super::{Item, Options};
use crate::deploy::kube::{Container, KVar, Manifests, Source, Workload};
use crate::finding::Status;

/// Every finding of the manifests.
pub fn judge(m: &Manifests, opts: &Options) -> Vec<Item> {
    for d in &m.data {
        for (k, v) in &d.entries {
            if let Some(v) = v {
                url::guard(k, v);
            }
        }
    }
    let mut items = Vec::new();
    for w in &m.workloads {
        for c in &w.containers {
            items.extend(container(m, w, c, &url::for_command(opts, &c.command)));
        }
        items.extend(gate(w, opts));
    }
    items
}

fn subject(w: &Workload, c: &Container) -> String {
    format!("{} container `{}`", w.id, c.name)
}

/// A variable's value as the kubelet gives it, with `$(VAR)` expanded from the
/// variables before it; `None` when it comes from outside the manifests.
fn value(
    m: &Manifests,
    w: &Workload,
    c: &Container,
    var: &KVar,
    items: &mut Vec<Item>,
) -> Option<String> {
    let raw = match &var.source {
        Source::Value(v) => v.clone(),
        Source::Ref(kind, name, key, optional) => {
            let item = |id, status| Item::new(id, status, &var.at, &subject(w, c)).about(&var.name);
            let Some(data) = m.data(kind, name, &w.namespace) else {
                if !optional {
                    items.push(item("missing_secret", Status::Warn).says(
                        format!("{} comes from the {kind} `{name}`, which is not in these manifests", var.name),
                        format!("create the {kind} `{name}` in namespace `{}` with the key `{key}` (or lint the manifests that define it too)", w.namespace),
                    ));
                }
                return None;
            };
            let Some((_, v)) = data.entries.iter().find(|(k, _)| k == key) else {
                if !optional {
                    items.push(item("missing_secret_key", Status::Fail).says(
                        format!("{} comes from the key `{key}` of the {kind} `{name}`, which has no such key", var.name),
                        format!("add `{key}` to the {kind} `{name}`, or use one of its keys: {}", data.entries.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")),
                    ));
                }
                return None;
            };
            v.clone()?
        }
        Source::Other => return None,
    };
    Some(expand(&raw, |name| {
        let before = c.env.iter().take_while(|v| !std::ptr::eq(*v, var));
        let earlier = before.filter(|v| v.name == name).last()?;
        value(m, w, c, earlier, &mut Vec::new())
    }))
}

/// The kubelet's `$(VAR)` expansion: `$$` is a `$`, unknown names stay as written.
fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after.strip_prefix('(').and_then(|s| s.split_once(')')) {
            match lookup(name) {
                Some(v) => out.push_str(&v),
                None => out.push_str(&format!("$({name})")),
            }
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn container(m: &Manifests, w: &Workload, c: &Container, opts: &Options) -> Vec<Item> {
    let mut items = Vec::new();
    let mut env = Vec::new();
    for var in &c.env {
        if let Some(v) = value(m, w, c, var, &mut items) {
            url::guard(&var.name, &v);
            env.push((var.name.clone(), v));
        }
    }
    let who = subject(w, c);
    for var in &c.env {
        let Some((_, v)) = env.iter().rev().find(|(n, _)| *n == var.name) else {
            continue;
        };
        if !url::is_url_variable(&var.name, Some(v), opts) {
            continue;
        }
        let (found, url_items) = url::read(&var.name, &var.at, &who, &env, opts);
        items.extend(url_items);
        for (host, port) in found.hosts() {
            let item = |id, status| Item::new(id, status, &var.at, &who).about(&var.name);
            if url::is_loopback(&host) {
                if !w.containers.iter().any(|o| {
                    o.name != c.name
                        && (images::kind_of(&o.image, &o.command) != Kind::Other
                            || o.image.contains("proxy"))
                }) {
                    items.push(item("localhost", Status::Fail).says(
                        format!("the host `{host}` in {} is the pod itself, and no container of the pod is a database or a proxy", var.name),
                        "use the database Service's name (NAME or NAME.NAMESPACE) as the host",
                    ));
                }
                continue;
            }
            items.extend(
                service(m, w, &host, port)
                    .map(|(id, message, fix)| item(id, Status::Fail).says(message, fix)),
            );
        }
    }
    items
}

/// The Service a cluster host name points at, and whether it has the port.
fn service(
    m: &Manifests,
    w: &Workload,
    host: &str,
    port: u16,
) -> Option<(&'static str, String, String)> {
    let labels: Vec<&str> = host.trim_end_matches('.').split('.').collect();
    let namespaces: Vec<&str> = m
        .services
        .iter()
        .map(|s| s.namespace.as_str())
        .chain(m.workloads.iter().map(|w| w.namespace.as_str()))
        .collect();
    let (name, namespace) = match labels.as_slice() {
        [name] => (*name, w.namespace.as_str()),
        [name, ns] if namespaces.contains(ns) => (*name, *ns),
        [name, ns, "svc"] | [name, ns, "svc", "cluster", "local"] => (*name, *ns),
        _ => return None, // outside the cluster, or not ours to know
    };
    if m.services.is_empty() {
        return None; // only workloads given: the Services live elsewhere
    }
    let Some(s) = m
        .services
        .iter()
        .find(|s| s.name == name && s.namespace == namespace)
    else {
        return Some((
            "unknown_service",
            format!("the host `{host}` names the Service `{name}` in namespace `{namespace}`, which is not in these manifests"),
            format!("use the database Service's name; these manifests define {}", m.services.iter().map(|s| format!("`{}.{}`", s.name, s.namespace)).collect::<Vec<_>>().join(", ")),
        ));
    };
    if s.ports.contains(&port) {
        return None;
    }
    Some((
        "wrong_port",
        format!(
            "the Service `{name}` serves port {}, not {port}",
            s.ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        format!(
            "use port {} (the Service's `port`, not its `targetPort`)",
            s.ports.first().copied().unwrap_or(5432)
        ),
    ))
}

/// A pgready init container should check the variables the app will use, from the
/// same sources.
fn gate(w: &Workload, opts: &Options) -> Vec<Item> {
    let is_gate = |c: &&Container| c.init && images::kind_of(&c.image, &c.command) == Kind::Gate;
    let gates: Vec<&Container> = w.containers.iter().filter(is_gate).collect();
    let mut items = Vec::new();
    // A container that runs `pgready wait -- CMD` gates itself.
    let gated_itself = |c: &&Container| images::kind_of(&c.image, &c.command) == Kind::Gate;
    for app in w.containers.iter().filter(|c| !c.init && !gated_itself(c)) {
        let urls: Vec<&KVar> = app
            .env
            .iter()
            .filter(|v| {
                let literal = match &v.source {
                    Source::Value(s) => Some(s.as_str()),
                    _ => None,
                };
                url::configured(opts).contains(&v.name)
                    || url::is_url_variable(&v.name, literal, opts)
            })
            .collect();
        if urls.is_empty() {
            continue;
        }
        let who = subject(w, app);
        let Some(g) = gates.first() else {
            items.push(Item::new("no_gate", Status::Warn, &app.at, &who).says(
                format!("{} starts without waiting for its database: no init container runs pgready", w.id),
                "add an init container running `pgready wait` with the same variables (the chart's pgready.initContainer)",
            ));
            continue;
        };
        for var in urls {
            let same = g.env.iter().find(|v| v.name == var.name);
            let item = |id, status| Item::new(id, status, &var.at, &who).about(&var.name);
            match same {
                None => items.push(item("gate_differs", Status::Warn).says(
                    format!("the init container `{}` does not check {}, which the app uses", g.name, var.name),
                    format!("give `{}` the same {} (from the same source)", g.name, var.name),
                )),
                Some(v) if v.source != var.source => items.push(item("gate_differs", Status::Fail).says(
                    format!("the init container `{}` checks {} from another source than the app's: it may say ready for a database the app does not use", g.name, var.name),
                    format!("take {} for `{}` from the same value or secretKeyRef as the app", var.name, g.name),
                )),
                _ => {}
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn dependent_variables() {
        let lookup = |n: &str| (n == "PW").then(|| "s3".to_string());
        assert_eq!(
            expand("postgresql://u:$(PW)@db/x", lookup),
            "postgresql://u:s3@db/x"
        );
        assert_eq!(expand("a$(NOPE)b$$c", lookup), "a$(NOPE)b$c");
    }
}

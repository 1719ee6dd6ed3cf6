//! One Compose file's services, every value interpolated as it is read.

use std::path::Path;

use super::{required, Dependency, Port, Service, Var};
use crate::deploy::dotenv;
use crate::deploy::interpolate::interpolate;
use crate::deploy::yaml::{Kind, Node};
use crate::deploy::{Place, Problem};

pub(super) struct Reader<'a> {
    pub(super) path: &'a Path,
    pub(super) lookup: &'a dyn Fn(&str) -> Option<String>,
    pub(super) problems: &'a mut Vec<Problem>,
}

impl Reader<'_> {
    fn place(&self, node: &Node) -> Place {
        Place::new(self.path, node.line)
    }

    /// A scalar's text, interpolated, with the variables it read unset.
    fn value(&mut self, node: &Node) -> Option<(String, Vec<String>)> {
        let text = node.text()?;
        match interpolate(text, self.lookup) {
            Ok(done) => Some((done.text, done.unset)),
            Err(e) => {
                let problem = required(self.path, node.line, e);
                self.problems.push(problem);
                None
            }
        }
    }

    fn text(&mut self, node: Option<&Node>) -> Option<String> {
        node.and_then(|n| self.value(n)).map(|(t, _)| t)
    }

    pub(super) fn service(&mut self, name: &str, node: &Node) -> Service {
        let mut service = Service {
            name: name.to_string(),
            at: self.place(node),
            image: self.text(node.get("image")),
            ..Service::default()
        };
        for key in ["container_name", "hostname"] {
            service.other_names.extend(self.text(node.get(key)));
        }
        for file in self.list(node.get("env_file")) {
            service.environment.extend(self.env_file(&file, node));
        }
        service
            .environment
            .extend(self.vars(node.get("environment")));
        service.build_args = self.vars(node.get("build").and_then(|b| b.get("args")));
        service.ports = node
            .get("ports")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| self.port(p))
            .collect();
        service.expose = self
            .list(node.get("expose"))
            .iter()
            .filter_map(|p| p.split('/').next()?.parse().ok())
            .collect();
        service.networks = node.get("networks").map(|n| self.networks(n));
        service.network_mode = self.text(node.get("network_mode"));
        service.depends_on = self.dependencies(node.get("depends_on"));
        service.healthcheck = node.get("healthcheck").map(|h| {
            let disabled = h.text_at(&["disable"]) == Some("true")
                || h.get("test")
                    .and_then(|t| t.items().first())
                    .and_then(Node::text)
                    == Some("NONE");
            !disabled
        });
        service.mounts = node
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| self.mount(v))
            .collect();
        for key in ["entrypoint", "command"] {
            service.command.extend(self.list(node.get(key)));
        }
        service
    }

    /// A scalar or a list of scalars, interpolated.
    fn list(&mut self, node: Option<&Node>) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|i| {
                    // `env_file: [{path: x}]`, Compose 2.24's long form.
                    let item = i.get("path").unwrap_or(i);
                    self.value(item).map(|(t, _)| t)
                })
                .collect(),
            Kind::Scalar(_) => self.value(node).map(|(t, _)| t).into_iter().collect(),
            _ => Vec::new(),
        }
    }

    /// `environment:`/`args:` as a map or as a list of `NAME=value`.
    fn vars(&mut self, node: Option<&Node>) -> Vec<Var> {
        let Some(node) = node else { return Vec::new() };
        let mut out = Vec::new();
        for (name, value) in node.entries() {
            let (value, unset) = match value.kind {
                Kind::Null => ((self.lookup)(name), Vec::new()),
                _ => match self.value(value) {
                    Some((v, unset)) => (Some(v), unset),
                    None => continue,
                },
            };
            out.push(Var {
                name: name.clone(),
                value,
                at: self.place(value_or(node, name)),
                unset,
            });
        }
        for item in node.items() {
            let Some((text, unset)) = self.value(item) else {
                continue;
            };
            let (name, value) = match text.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (text.clone(), (self.lookup)(&text)),
            };
            out.push(Var {
                name,
                value,
                at: self.place(item),
                unset,
            });
        }
        out
    }

    fn env_file(&mut self, file: &str, service: &Node) -> Vec<Var> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let path = dir.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            self.problems.push(Problem {
                at: self.place(service.get("env_file").unwrap_or(service)),
                message: format!("env_file {file} cannot be read"),
                required: None,
            });
            return Vec::new();
        };
        match dotenv::parse(&text, self.lookup) {
            Ok(entries) => entries
                .into_iter()
                .map(|e| Var {
                    name: e.name,
                    value: Some(e.value),
                    at: Place::new(&path, e.line),
                    unset: Vec::new(),
                })
                .collect(),
            Err(e) => {
                self.problems.push(required(&path, 1, e));
                Vec::new()
            }
        }
    }

    fn port(&mut self, node: &Node) -> Option<Port> {
        if let Kind::Map(_) = node.kind {
            let target = self.text(node.get("target"))?.parse().ok()?;
            let published = self
                .text(node.get("published"))
                .and_then(|p| p.split('-').next()?.parse().ok());
            return Some(Port { published, target });
        }
        let text = self.value(node)?.0;
        let text = text.split('/').next()?;
        // [HOST_IP:][PUBLISHED:]TARGET; an IPv6 host is bracketed.
        let parts: Vec<&str> = text.rsplitn(3, ':').collect();
        let target = parts.first()?.split('-').next()?.parse().ok()?;
        let published = parts.get(1).and_then(|p| p.split('-').next()?.parse().ok());
        Some(Port { published, target })
    }

    fn networks(&mut self, node: &Node) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = node
            .items()
            .iter()
            .filter_map(|n| self.value(n).map(|(t, _)| (t, Vec::new())))
            .collect();
        for (name, config) in node.entries() {
            let aliases = self.list(config.get("aliases"));
            out.push((name.clone(), aliases));
        }
        out
    }

    fn dependencies(&mut self, node: Option<&Node>) -> Vec<Dependency> {
        let Some(node) = node else { return Vec::new() };
        let mut out = Vec::new();
        for item in node.items() {
            if let Some((service, _)) = self.value(item) {
                out.push(Dependency {
                    service,
                    condition: None,
                    at: self.place(item),
                });
            }
        }
        for (service, config) in node.entries() {
            out.push(Dependency {
                service: service.clone(),
                condition: self.text(config.get("condition")),
                at: self.place(config),
            });
        }
        out
    }

    fn mount(&mut self, node: &Node) -> Option<(String, Place)> {
        let target = match node.kind {
            Kind::Map(_) => self.text(node.get("target"))?,
            _ => {
                let text = self.value(node)?.0;
                let parts: Vec<&str> = text.split(':').collect();
                match parts.len() {
                    1 => parts[0].to_string(),
                    _ => parts[1].to_string(),
                }
            }
        };
        Some((target.trim_end_matches('/').to_string(), self.place(node)))
    }
}

/// The node of `name`'s value in a mapping, for its line (its key's line when it
/// has no value).
fn value_or<'a>(map: &'a Node, name: &str) -> &'a Node {
    match map.get(name) {
        Some(v) if v.kind != Kind::Null => v,
        _ => map,
    }
}

//! Kubernetes manifests (one or many YAML documents, e.g. `helm template` output):
//! the Services, Secrets and ConfigMaps they define and the containers of every
//! workload, with each container's environment as written.

use std::path::Path;

use base64::Engine;

use super::yaml::{self, Node};
use super::{Place, Problem};

/// A Service: where `name.namespace` answers and on which ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KService {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace` (`default` when absent).
    pub namespace: String,
    /// `spec.ports[].port`.
    pub ports: Vec<u16>,
    /// Where.
    pub at: Place,
}

/// A Secret or ConfigMap: its keys, and the values of those it states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KData {
    /// `Secret` or `ConfigMap`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// Keys and values (`data` decoded from base64, `stringData` as written).
    pub entries: Vec<(String, Option<String>)>,
}

/// Where an environment variable's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `value:`, with `$(VAR)` still in it.
    Value(String),
    /// `valueFrom.secretKeyRef` / `configMapKeyRef`: kind, name, key, optional.
    Ref(String, String, String, bool),
    /// Anything else (`fieldRef`, …).
    Other,
}

/// One `env:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KVar {
    /// Its name.
    pub name: String,
    /// Its source.
    pub source: Source,
    /// Where.
    pub at: Place,
}

/// A container of a workload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// `name:`.
    pub name: String,
    /// `image:`.
    pub image: String,
    /// `command:` and `args:` words.
    pub command: Vec<String>,
    /// `env:`.
    pub env: Vec<KVar>,
    /// An init container (`restartPolicy: Always` on one makes it a native sidecar).
    pub init: bool,
    /// Where.
    pub at: Place,
}

/// A workload: Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    /// `Deployment/app`.
    pub id: String,
    /// Its namespace.
    pub namespace: String,
    /// Every container, init containers first.
    pub containers: Vec<Container>,
}

/// Everything the manifests define.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    /// The files read.
    pub files: Vec<String>,
    /// Services.
    pub services: Vec<KService>,
    /// Secrets and ConfigMaps.
    pub data: Vec<KData>,
    /// Workloads.
    pub workloads: Vec<Workload>,
    /// Documents that could not be read.
    pub problems: Vec<Problem>,
}

/// Whether a YAML text is Kubernetes manifests rather than a Compose file.
pub fn looks_like(docs: &[Node]) -> bool {
    docs.iter()
        .any(|d| d.get("apiVersion").is_some() && d.get("kind").is_some())
}

/// Adds the documents of one file.
pub fn read(into: &mut Manifests, path: &Path, text: &str) {
    into.files.push(path.display().to_string());
    let docs = match yaml::load(text) {
        Ok(docs) => docs,
        Err(e) => {
            into.problems.push(Problem {
                at: Place::new(path, e.line),
                message: format!("not YAML: {}", e.message),
                required: None,
            });
            return;
        }
    };
    for doc in &docs {
        let items = match doc.text_at(&["kind"]) {
            Some("List") => doc
                .get("items")
                .map(Node::items)
                .unwrap_or_default()
                .to_vec(),
            _ => vec![doc.clone()],
        };
        for item in &items {
            document(into, path, item);
        }
    }
}

fn document(into: &mut Manifests, path: &Path, doc: &Node) {
    let kind = doc.text_at(&["kind"]).unwrap_or_default();
    let name = doc
        .text_at(&["metadata", "name"])
        .unwrap_or_default()
        .to_string();
    let namespace = doc
        .text_at(&["metadata", "namespace"])
        .unwrap_or("default")
        .to_string();
    let at = Place::new(path, doc.line);
    match kind {
        "Service" => into.services.push(KService {
            ports: doc
                .get("spec")
                .and_then(|s| s.get("ports"))
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.text_at(&["port"])?.parse().ok())
                .collect(),
            name,
            namespace,
            at,
        }),
        "Secret" | "ConfigMap" => into.data.push(KData {
            kind: kind.to_string(),
            name,
            namespace,
            entries: data_entries(doc, kind == "Secret"),
        }),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob" | "Pod" => {
            let spec = pod_spec(doc, kind);
            let mut containers = Vec::new();
            for (key, init) in [("initContainers", true), ("containers", false)] {
                for c in spec
                    .and_then(|s| s.get(key))
                    .map(Node::items)
                    .unwrap_or_default()
                {
                    containers.push(container(path, c, init));
                }
            }
            into.workloads.push(Workload {
                id: format!("{kind}/{name}"),
                namespace,
                containers,
            });
        }
        _ => {}
    }
}

fn pod_spec<'a>(doc: &'a Node, kind: &str) -> Option<&'a Node> {
    let spec = doc.get("spec")?;
    match kind {
        "Pod" => Some(spec),
        "CronJob" => spec
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => spec.get("template")?.get("spec"),
    }
}

fn data_entries(doc: &Node, secret: bool) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for (k, v) in doc.get("data").map(Node::entries).unwrap_or_default() {
        let value = match (secret, v.text()) {
            (true, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok()),
            (false, t) => t.map(str::to_string),
            _ => None,
        };
        out.push((k.clone(), value));
    }
    for (k, v) in doc.get("stringData").map(Node::entries).unwrap_or_default() {
        out.push((k.clone(), v.text().map(str::to_string)));
    }
    out
}

fn container(path: &Path, node: &Node, init: bool) -> Container {
    let words = |key: &str| -> Vec<String> {
        node.get(key)
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .filter_map(|w| w.text().map(str::to_string))
            .collect()
    };
    let mut command = words("command");
    command.extend(words("args"));
    Container {
        name: node.text_at(&["name"]).unwrap_or_default().to_string(),
        image: node.text_at(&["image"]).unwrap_or_default().to_string(),
        command,
        env: node
            .get("env")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|e| env_var(path, e))
            .collect(),
        init,
        at: Place::new(path, node.line),
    }
}

fn env_var(path: &Path, node: &Node) -> KVar {
    let reference = |kind: &str, key: &str| {
        let r = node.get("valueFrom")?.get(key)?;
        Some(Source::Ref(
            kind.to_string(),
            r.text_at(&["name"])?.to_string(),
            r.text_at(&["key"])?.to_string(),
            r.text_at(&["optional"]) == Some("true"),
        ))
    };
    let source = match node.text_at(&["value"]) {
        Some(v) => Source::Value(v.to_string()),
        None => reference("Secret", "secretKeyRef")
            .or_else(|| reference("ConfigMap", "configMapKeyRef"))
            .unwrap_or(if node.get("valueFrom").is_some() {
                Source::Other
            } else {
                Source::Value(String::new())
            }),
    };
    KVar {
        name: node.text_at(&["name"]).unwrap_or_default().to_string(),
        source,
        at: Place::new(path, node.line),
    }
}

impl Manifests {
    /// The Secret or ConfigMap `name` in `namespace`.
    pub fn data(&self, kind: &str, name: &str, namespace: &str) -> Option<&KData> {
        self.data
            .iter()
            .find(|d| d.kind == kind && d.name == name && d.namespace == namespace)
    }
}

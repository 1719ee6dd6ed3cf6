//! A Compose project as Compose itself assembles it: the files found as it finds
//! them (`compose.yaml` … and the override beside it), `.env` in the project
//! directory under the process environment, every value interpolated, `env_file:`
//! under `environment:`, later files merged over earlier ones. Each fact keeps the
//! file and line it came from.

use std::path::{Path, PathBuf};

mod read;

use super::dotenv;
use super::interpolate::Required;
use super::yaml::{self, Node};
use super::{Place, Problem};
use read::Reader;

/// The file names Compose looks for in a directory, in its order.
pub const FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A variable of a service's environment or build arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Var {
    /// Its name.
    pub name: String,
    /// Its value (`None`: listed without one, taken from an unset variable).
    pub value: Option<String>,
    /// Where it is set.
    pub at: Place,
    /// Variables its interpolation read while unset.
    pub unset: Vec<String>,
}

/// A port of a service: `"5433:5432"` is published 5433, target 5432.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The host port, if published.
    pub published: Option<u16>,
    /// The container port.
    pub target: u16,
}

/// One `depends_on` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    /// The service depended on.
    pub service: String,
    /// Its condition (`None`: the short form, `service_started`).
    pub condition: Option<String>,
    /// Where.
    pub at: Place,
}

/// A service, as far as connecting to PostgreSQL cares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    /// Its key under `services:`.
    pub name: String,
    /// Where it is defined.
    pub at: Place,
    /// `image:`.
    pub image: Option<String>,
    /// `container_name:` and `hostname:`, names other containers may use.
    pub other_names: Vec<String>,
    /// The runtime environment (`env_file:` then `environment:`).
    pub environment: Vec<Var>,
    /// `build.args`.
    pub build_args: Vec<Var>,
    /// `ports:`.
    pub ports: Vec<Port>,
    /// `expose:`.
    pub expose: Vec<u16>,
    /// `networks:` with each network's aliases (`None`: the default network only).
    pub networks: Option<Vec<(String, Vec<String>)>>,
    /// `network_mode:`.
    pub network_mode: Option<String>,
    /// `depends_on:`.
    pub depends_on: Vec<Dependency>,
    /// `healthcheck:` (true when present and not disabled).
    pub healthcheck: Option<bool>,
    /// `volumes:` targets inside the container, with their places.
    pub mounts: Vec<(String, Place)>,
    /// `entrypoint:` and `command:` words.
    pub command: Vec<String>,
}

/// A whole project.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// The files read, in order.
    pub files: Vec<PathBuf>,
    /// The services, in the first file's order.
    pub services: Vec<Service>,
    /// What could not be read or interpolated.
    pub problems: Vec<Problem>,
}

impl Service {
    /// The value of a runtime variable.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.var(name).and_then(|v| v.value.as_deref())
    }

    /// A runtime variable.
    pub fn var(&self, name: &str) -> Option<&Var> {
        self.environment.iter().rev().find(|v| v.name == name)
    }

    /// The networks it is on (`default` when none is named).
    pub fn network_names(&self) -> Vec<&str> {
        match &self.networks {
            None => vec!["default"],
            Some(list) => list.iter().map(|(n, _)| n.as_str()).collect(),
        }
    }

    /// Every name another container on a shared network reaches it by.
    pub fn names(&self) -> Vec<&str> {
        let mut names = vec![self.name.as_str()];
        names.extend(self.other_names.iter().map(String::as_str));
        for (_, aliases) in self.networks.iter().flatten() {
            names.extend(aliases.iter().map(String::as_str));
        }
        names
    }
}

/// The Compose files of a directory: the first of [`FILE_NAMES`] and its override.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Some(main) = FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()) else {
        return Vec::new();
    };
    let mut files = vec![main.clone()];
    let stem = main
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    for ext in ["yaml", "yml"] {
        let over = dir.join(format!("{stem}.override.{ext}"));
        if over.is_file() {
            files.push(over);
            break;
        }
    }
    files
}

/// Reads the project made of `files` (texts given), with `.env` from `dir` and the
/// process environment `outer` (which wins over `.env`, as in Compose).
pub fn load(
    files: &[(PathBuf, String)],
    dot_env: Option<(PathBuf, String)>,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Project {
    let mut project = Project {
        files: files.iter().map(|(p, _)| p.clone()).collect(),
        ..Project::default()
    };
    let mut vars: Vec<(String, String)> = Vec::new();
    if let Some((path, text)) = dot_env {
        match dotenv::parse(&text, outer) {
            Ok(entries) => vars.extend(entries.into_iter().map(|e| (e.name, e.value))),
            Err(e) => project.problems.push(required(&path, 1, e)),
        }
    }
    let lookup = |name: &str| {
        outer(name).or_else(|| {
            vars.iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        })
    };
    for (path, text) in files {
        let docs = match yaml::load(text) {
            Ok(docs) => docs,
            Err(e) => {
                project.problems.push(Problem {
                    at: Place::new(path, e.line),
                    message: format!("not YAML: {}", e.message),
                    required: None,
                });
                continue;
            }
        };
        let Some(root) = docs.first() else { continue };
        let mut reader = Reader {
            path,
            lookup: &lookup,
            problems: &mut project.problems,
        };
        for (name, node) in root.get("services").map(Node::entries).unwrap_or_default() {
            let service = reader.service(name, node);
            match project.services.iter_mut().find(|s| s.name == *name) {
                Some(base) => merge(base, service),
                None => project.services.push(service),
            }
        }
    }
    project
}

pub(super) fn required(path: &Path, line: usize, e: Required) -> Problem {
    Problem {
        at: Place::new(path, line),
        message: format!(
            "Compose refuses the file: the required variable {} has no value ({})",
            e.variable, e.message
        ),
        required: Some(e.variable),
    }
}

/// Later files win: lists of ports and mounts add up, the environment merges by
/// name, everything else is replaced when given.
fn merge(base: &mut Service, over: Service) {
    base.environment.extend(over.environment);
    base.build_args.extend(over.build_args);
    base.ports.extend(over.ports);
    base.expose.extend(over.expose);
    base.mounts.extend(over.mounts);
    base.depends_on.extend(over.depends_on);
    base.other_names.extend(over.other_names);
    if over.image.is_some() {
        base.image = over.image;
    }
    if over.networks.is_some() {
        base.networks = over.networks;
    }
    if over.network_mode.is_some() {
        base.network_mode = over.network_mode;
    }
    if over.healthcheck.is_some() {
        base.healthcheck = over.healthcheck;
    }
    if !over.command.is_empty() {
        base.command = over.command;
    }
}

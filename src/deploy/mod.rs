//! Deployment files as `pgready lint` reads them, before anything runs: Compose
//! projects ([`compose`]) and Kubernetes manifests ([`kube`]), every fact with the
//! file and line it came from. Reading only; the findings are `checks::lint`'s.

pub mod compose;
pub mod dotenv;
pub mod interpolate;
pub mod kube;
pub mod yaml;

use std::path::{Path, PathBuf};

/// A file and a line (1-based).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// The file, as given or found.
    pub file: String,
    /// The line.
    pub line: usize,
}

impl Place {
    /// `file:line`.
    pub fn new(file: &Path, line: usize) -> Place {
        Place {
            file: file.display().to_string(),
            line,
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A file that could not be read as what it should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub at: Place,
    /// What.
    pub message: String,
    /// A `${VAR?message}` without a value (Compose refuses the file), not a file
    /// that cannot be read.
    pub required: Option<String>,
}

/// What the paths given to `lint` hold.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Compose projects, one per directory or Compose file given.
    pub projects: Vec<compose::Project>,
    /// All the Kubernetes manifests given, read as one set.
    pub manifests: kube::Manifests,
    /// Paths that hold neither, and why.
    pub problems: Vec<Problem>,
}

/// Reads every path (`-` is standard input, whose text is `stdin`); a directory is
/// a Compose project, a file is a Compose file or manifests by its content.
pub fn read(
    paths: &[PathBuf],
    stdin: Option<String>,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Inputs {
    let mut inputs = Inputs::default();
    let mut compose_files: Vec<(PathBuf, String)> = Vec::new();
    for path in paths {
        if path.is_dir() {
            let files = compose::files_in(path);
            if files.is_empty() {
                manifests_in(path, &mut inputs);
                continue;
            }
            inputs
                .projects
                .push(project(&files, outer, &mut inputs.problems));
            continue;
        }
        let text = if path.as_os_str() == "-" {
            stdin.clone().unwrap_or_default()
        } else {
            match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => {
                    inputs
                        .problems
                        .push(missing(path, &format!("cannot be read: {e}")));
                    continue;
                }
            }
        };
        let is_manifests = yaml::load(&text).is_ok_and(|docs| kube::looks_like(&docs));
        if is_manifests {
            kube::read(&mut inputs.manifests, path, &text);
        } else {
            compose_files.push((path.clone(), text));
        }
    }
    if !compose_files.is_empty() {
        let dot_env = dot_env_beside(&compose_files[0].0);
        inputs
            .projects
            .push(compose::load(&compose_files, dot_env, outer));
    }
    inputs
}

/// A directory without a Compose file: its YAML files as manifests, as `kubectl
/// apply -f DIR` reads them.
fn manifests_in(dir: &Path, inputs: &mut Inputs) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let before = inputs.manifests.files.len();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            if yaml::load(&text).is_ok_and(|docs| kube::looks_like(&docs)) {
                kube::read(&mut inputs.manifests, &f, &text);
            }
        }
    }
    if inputs.manifests.files.len() == before {
        inputs.problems.push(missing(dir, "no compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml and no Kubernetes manifests in this directory"));
    }
}

fn missing(path: &Path, why: &str) -> Problem {
    Problem {
        at: Place::new(path, 0),
        message: why.to_string(),
        required: None,
    }
}

fn project(
    files: &[PathBuf],
    outer: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> compose::Project {
    let mut texts = Vec::new();
    for f in files {
        match std::fs::read_to_string(f) {
            Ok(t) => texts.push((f.clone(), t)),
            Err(e) => problems.push(missing(f, &format!("cannot be read: {e}"))),
        }
    }
    compose::load(&texts, dot_env_beside(&files[0]), outer)
}

/// The project's `.env`: beside its first Compose file, as Compose looks for it.
fn dot_env_beside(file: &Path) -> Option<(PathBuf, String)> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let path = dir.join(".env");
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

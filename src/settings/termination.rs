//! Where the Kubernetes termination message goes: `--termination-log`, else the
//! kubelet's default file when it is there to be written.

use std::path::{Path, PathBuf};

/// Kubernetes' default `terminationMessagePath`.
pub const DEFAULT_PATH: &str = "/dev/termination-log";

/// The file to write: the one given, else the default when it exists and is
/// writable (inside a Kubernetes container), else none.
pub fn path(given: Option<PathBuf>) -> Option<PathBuf> {
    given.or_else(|| {
        let default = Path::new(DEFAULT_PATH);
        std::fs::OpenOptions::new()
            .append(true)
            .open(default)
            .ok()
            .map(|_| default.to_path_buf())
    })
}

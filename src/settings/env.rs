//! A snapshot of the process environment, so settings are built without touching
//! global state and tests can pass their own.

use std::collections::HashMap;
use std::ffi::OsString;

/// Environment variables by name; values may be non-UTF-8.
#[derive(Clone, Debug, Default)]
pub struct Env {
    vars: HashMap<String, OsString>,
}

/// A variable that is set but is not valid UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotUnicode(pub String);

impl Env {
    /// The current process environment.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| k.into_string().ok().map(|k| (k, v)))
            .collect();
        Env { vars }
    }

    /// An environment from pairs, for tests.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let vars = pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Env { vars }
    }

    /// The variable as text: `Ok(None)` when unset, an error when not UTF-8.
    pub fn text(&self, name: &str) -> Result<Option<String>, NotUnicode> {
        match self.vars.get(name) {
            None => Ok(None),
            Some(v) => v
                .clone()
                .into_string()
                .map(Some)
                .map_err(|_| NotUnicode(name.to_string())),
        }
    }

    /// The variable when set, non-empty and UTF-8; anything else is `None`.
    pub fn nonempty(&self, name: &str) -> Option<String> {
        self.text(name).ok().flatten().filter(|v| !v.is_empty())
    }

    /// Whether the variable is set at all (even empty).
    pub fn is_set(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }
}

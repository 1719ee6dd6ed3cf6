//! The server gates `wait` and `check` can require beyond "ready": a minimum
//! version, a writable primary, privileges on the app's schema, tables and
//! extensions that must exist, all URLs on one database, and creating a missing
//! database. Typed and validated here; `checks::gates` evaluates them.

use crate::vocab::names::{SchemaPrivilege, TableName, Version};

/// Gates on top of readiness.
#[derive(Clone, Debug, Default)]
pub struct Gates {
    /// `--min-server-version`.
    pub min_server_version: Option<Version>,
    /// `--require-writable`: every target must reach a writable primary.
    pub require_writable: bool,
    /// `--require-schema-privilege`.
    pub schema_privilege: Option<SchemaPrivilege>,
    /// `--require-table`.
    pub tables: Vec<TableName>,
    /// `--require-extension`.
    pub extensions: Vec<String>,
    /// `--require-same-database` (on by default with several URL variables).
    pub same_database: bool,
    /// `--create-database`.
    pub create_database: bool,
}

impl Gates {
    /// Whether anything must be checked on a ready session.
    pub fn inspects(&self) -> bool {
        self.min_server_version.is_some()
            || self.schema_privilege.is_some()
            || !self.tables.is_empty()
            || !self.extensions.is_empty()
            || self.same_database
    }
}

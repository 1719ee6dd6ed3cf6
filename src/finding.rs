//! A finding: one fact pgready evaluated, as data — what was checked, its status,
//! the class and stage it maps to, the cause it came from (SQLSTATE, I/O error
//! kind, URL scheme), the evidence and the fix. `doctor` renders findings as rows;
//! `wait` and `check` name the finding a failure is ([`Check::of`]) in their verdict
//! and JSON; the exit code comes from the finding's class.

use serde::Serialize;

use crate::class::Class;
use crate::outcome::{Cause, Failure, Stage};

/// A finding's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Fine.
    Ok,
    /// Works, but likely to bite.
    Warn,
    /// Broken.
    Fail,
    /// Not checked (an earlier item failed, or it does not apply).
    Skip,
}

impl Status {
    /// The symbol shown in the checklist.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Ok => "✅",
            Status::Warn => "⚠️",
            Status::Fail => "❌",
            Status::Skip => "➖",
        }
    }
}

/// What was checked: the checklist's items, in the guides' order. The id is part of
/// the contract (doctor's JSON, `wait`'s and `check`'s `check` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The connection string parses.
    UrlParses,
    /// Its scheme is one the client reads.
    Scheme,
    /// How the client reads it, in one line.
    ConnectionPlan,
    /// The same meaning under every libpq major.
    LibpqVersion,
    /// A database name is given.
    DatabaseName,
    /// Special characters in the password are percent-encoded.
    PasswordEncoding,
    /// The same meaning under every client.
    ClientSemantics,
    /// No loopback host inside a container.
    LocalhostInContainer,
    /// The direct URL is not a pooler's (by the URL).
    PoolerUrl,
    /// Each host name resolves.
    HostResolves,
    /// An address accepts TCP (or the socket exists).
    TcpReachable,
    /// What answers speaks PostgreSQL and is accepting sessions.
    ServerResponds,
    /// TLS as the client asks for it.
    Tls,
    /// The password (or other method) is accepted and pg_hba lets the role in.
    Authentication,
    /// The database exists.
    DatabaseExists,
    /// The role may connect to it.
    ConnectPrivilege,
    /// The server is new enough.
    ServerVersion,
    /// Writable primary or standby, as the target needs.
    Writable,
    /// Free connections for the role (and the app's replicas).
    ConnectionHeadroom,
    /// USAGE and CREATE on the app's schema.
    SchemaPrivileges,
    /// A required table exists.
    Tables,
    /// A required extension is installed.
    Extensions,
    /// A pooler between client and server, as the URL expects.
    Pooler,
    /// A migration tool's history.
    Migrations,
    /// Every URL reaches the same database.
    SameDatabase,
    /// `doctor --compose`: what `lint` finds in the deployment files about the URL.
    DeploymentFiles,
}

impl Check {
    /// Every check, in the checklist's order.
    pub const ALL: [Check; 26] = [
        Check::UrlParses,
        Check::Scheme,
        Check::ConnectionPlan,
        Check::LibpqVersion,
        Check::DatabaseName,
        Check::PasswordEncoding,
        Check::ClientSemantics,
        Check::LocalhostInContainer,
        Check::PoolerUrl,
        Check::HostResolves,
        Check::TcpReachable,
        Check::ServerResponds,
        Check::Tls,
        Check::Authentication,
        Check::DatabaseExists,
        Check::ConnectPrivilege,
        Check::ServerVersion,
        Check::Writable,
        Check::ConnectionHeadroom,
        Check::SchemaPrivileges,
        Check::Tables,
        Check::Extensions,
        Check::Pooler,
        Check::Migrations,
        Check::SameDatabase,
        Check::DeploymentFiles,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        self.row().0
    }

    /// What it checks, in a few words.
    pub fn title(self) -> &'static str {
        self.row().1
    }

    #[rustfmt::skip]
    fn row(self) -> (&'static str, &'static str) {
        match self {
            Check::UrlParses => ("url_parses", "connection string"),
            Check::Scheme => ("scheme", "scheme"),
            Check::ConnectionPlan => ("connection_plan", "connection plan"),
            Check::LibpqVersion => ("libpq_version", "meaning under each libpq major"),
            Check::DatabaseName => ("database_name", "database name"),
            Check::PasswordEncoding => ("password_encoding", "password encoding"),
            Check::ClientSemantics => ("client_semantics", "meaning under each client"),
            Check::LocalhostInContainer => ("localhost_in_container", "host inside a container"),
            Check::PoolerUrl => ("pooler_url", "pooled vs direct URL (by the URL)"),
            Check::HostResolves => ("host_resolves", "host name resolves"),
            Check::TcpReachable => ("tcp_reachable", "TCP reachable"),
            Check::ServerResponds => ("server_responds", "server answers as PostgreSQL"),
            Check::Tls => ("tls", "TLS as configured"),
            Check::Authentication => ("authentication", "authentication"),
            Check::DatabaseExists => ("database_exists", "database exists"),
            Check::ConnectPrivilege => ("connect_privilege", "CONNECT on the database"),
            Check::ServerVersion => ("server_version", "server version"),
            Check::Writable => ("writable", "writable or standby"),
            Check::ConnectionHeadroom => ("connection_headroom", "connection headroom"),
            Check::SchemaPrivileges => ("schema_privileges", "USAGE/CREATE on the app's schema"),
            Check::Tables => ("tables", "required tables"),
            Check::Extensions => ("extensions", "required extensions"),
            Check::Pooler => ("pooler", "pooler between client and server"),
            Check::Migrations => ("migrations", "migration history"),
            Check::SameDatabase => ("same_database", "URLs reach the same database"),
            Check::DeploymentFiles => ("deployment_files", "deployment files (lint)"),
        }
    }

    /// The check a failure of `wait`, `check` or a session is the verdict of.
    pub fn of(failure: &Failure) -> Check {
        match failure.class {
            Class::InvalidConfig if failure.stage == Stage::Config => {
                if failure.cause == Some(Cause::UrlScheme) {
                    Check::Scheme
                } else {
                    Check::UrlParses
                }
            }
            Class::InvalidConfig => Check::Tls,
            Class::DnsNotFound | Class::DnsUnavailable => Check::HostResolves,
            Class::ConnectionRefused | Class::ConnectTimeout => Check::TcpReachable,
            Class::TlsUnsupported | Class::TlsUntrusted | Class::TlsError => Check::Tls,
            Class::AccessRejected if failure.sqlstate() == Some("42501") => Check::ConnectPrivilege,
            Class::AuthFailed | Class::AccessRejected => Check::Authentication,
            Class::DatabaseMissing => Check::DatabaseExists,
            Class::TooManyConnections => Check::ConnectionHeadroom,
            Class::ReadOnly => Check::Writable,
            Class::VersionUnsupported => Check::ServerVersion,
            Class::SchemaPermissionDenied => Check::SchemaPrivileges,
            Class::TableMissing => Check::Tables,
            Class::ExtensionMissing => Check::Extensions,
            Class::MigrationsMissing
            | Class::MigrationsPending
            | Class::MigrationsFailed
            | Class::MigrationsModified
            | Class::MigrationsUnknown
            | Class::MigrationsOutOfOrder => Check::Migrations,
            Class::TargetsMismatch => Check::SameDatabase,
            Class::Ready
            | Class::InternalError
            | Class::HandshakeTimeout
            | Class::ConnectionClosed
            | Class::ServerStarting
            | Class::Interrupted => Check::ServerResponds,
        }
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One evaluated fact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What was checked.
    pub check: Check,
    /// Its verdict.
    pub status: Status,
    /// What pgready saw.
    pub evidence: String,
    /// What to do (for ⚠️ and ❌).
    pub fix: Option<String>,
    /// The contract class of a ❌ (its exit code).
    pub class: Option<Class>,
    /// The stage a ❌ came from.
    pub stage: Option<Stage>,
    /// What a ❌ came from, as data.
    pub cause: Option<Cause>,
}

impl Finding {
    /// A finding that is not a failure.
    pub fn new(check: Check, status: Status, evidence: impl Into<String>) -> Self {
        Finding {
            check,
            status,
            evidence: evidence.into(),
            fix: None,
            class: None,
            stage: None,
            cause: None,
        }
    }

    /// A ✅.
    pub fn ok(check: Check, evidence: impl Into<String>) -> Self {
        Self::new(check, Status::Ok, evidence)
    }

    /// A ⚠️ with its fix.
    pub fn warn(check: Check, evidence: impl Into<String>, fix: Option<String>) -> Self {
        Self::new(check, Status::Warn, evidence).with_fix(fix)
    }

    /// Not checked, and why.
    pub fn skip(check: Check, why: &str) -> Self {
        Self::new(check, Status::Skip, format!("not checked: {why}"))
    }

    /// A ❌ from a classified failure: its class, stage, cause, message and first fix.
    pub fn failed(check: Check, failure: &Failure) -> Self {
        let fix = failure
            .hints
            .first()
            .cloned()
            .or_else(|| failure.class.generic_hints().first().map(|h| h.to_string()));
        Finding {
            check,
            status: Status::Fail,
            evidence: format!("{}: {}", failure.class, failure.message),
            fix,
            class: Some(failure.class),
            stage: Some(failure.stage),
            cause: failure.cause.clone(),
        }
    }

    /// The same finding with a fix.
    pub fn with_fix(mut self, fix: Option<String>) -> Self {
        self.fix = fix;
        self
    }

    /// The same finding, failed with `class` (a fact judged by doctor alone, such as
    /// connection headroom for N replicas).
    pub fn failing_as(mut self, class: Class) -> Self {
        self.status = Status::Fail;
        self.class = Some(class);
        self
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Finding", 7)?;
        st.serialize_field("id", self.check.id())?;
        st.serialize_field("status", &self.status)?;
        st.serialize_field("title", self.check.title())?;
        st.serialize_field("evidence", &self.evidence)?;
        st.serialize_field("fix", &self.fix)?;
        st.serialize_field("class", &self.class.map(|c| c.name()))?;
        st.serialize_field("sqlstate", &self.cause.as_ref().and_then(Cause::sqlstate))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_in_order() {
        let mut ids: Vec<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        assert!(Check::ALL.windows(2).all(|w| w[0] < w[1]));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Check::ALL.len());
    }

    #[test]
    fn every_failure_class_names_a_check() {
        let f = |class, stage| Failure::new(class, stage, "x");
        assert_eq!(
            Check::of(&f(Class::AuthFailed, Stage::Auth)),
            Check::Authentication
        );
        assert_eq!(
            Check::of(&f(Class::InvalidConfig, Stage::Config).with_cause(Cause::UrlScheme)),
            Check::Scheme
        );
        assert_eq!(
            Check::of(&f(Class::InvalidConfig, Stage::Config)),
            Check::UrlParses
        );
        assert_eq!(Check::of(&f(Class::InvalidConfig, Stage::Tls)), Check::Tls);
        let no_connect =
            f(Class::AccessRejected, Stage::Auth).with_cause(Cause::Sqlstate("42501".into()));
        assert_eq!(Check::of(&no_connect), Check::ConnectPrivilege);
        assert_eq!(
            Check::of(&f(Class::TooManyConnections, Stage::Auth)),
            Check::ConnectionHeadroom
        );
    }
}

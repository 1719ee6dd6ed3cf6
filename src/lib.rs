//! pgready: is this PostgreSQL database really ready for this app? If not, exactly
//! why, and what to do about it.
//!
//! # Layout
//! The pipeline, one module per stage:
//! - [`cli`]: clap flags, their `PGREADY_*` variables and help text, nothing else.
//! - [`settings`]: typed settings from flags and the environment — which targets
//!   ([`settings::targets`]), each client's vocabulary ([`vocab`]) and
//!   parser ([`settings::conninfo`]), defaults and validation
//!   ([`settings::spec`]), the password file ([`settings::pgpass`]), the
//!   pre-connection lint ([`settings::lint`]), the connection plan
//!   ([`settings::plan`]). See `docs/architecture.md`.
//! - `probe`: one attempt against one target — resolve, connect, TLS, startup
//!   and authentication, `SELECT 1`, Terminate.
//! - `classify`: every upstream error → a contract [`class::Class`] with a
//!   message and fixes; [`class`] is the contract table itself.
//! - [`checks`]: work on a ready session — the gates (version, schema privilege,
//!   tables, extensions, same database), the migration gate, `--create-database`,
//!   doctor's facts.
//! - `migrations`: each migration tool's history table and shipped migrations
//!   (one module per tool, one registry), compared into applied / pending /
//!   failed / modified / unknown.
//! - [`retry`]: the pure retry policy (how long to wait after which failure).
//! - [`wait`]: all targets concurrently under one hard deadline, signals included;
//!   `wait::watch` repeats one-attempt rounds until stopped.
//! - [`report`]: human, JSON and log output, all redacted.
//! - [`exec`]: hand the process over to the app's command.
//! - [`secret`]: the redacting password type and the last-line scrubber.
//! - [`vocab`]: the bottom layer's shared vocabulary — each client's keys, table
//!   names and versions, migration reports, resolve errors, SQL quoting.
//! - [`deploy`]: deployment files read as their tools read them — Compose projects
//!   (interpolation, `.env`, overrides) and Kubernetes manifests — every fact with
//!   its file and line; imports nothing of ours.
//! - [`lint`]: `pgready lint`'s findings on those files, each URL read by
//!   [`settings`] exactly as `wait` reads it.
//! - [`finding`]: one evaluated fact as data (check, status, class, stage, cause,
//!   evidence, fix) — what doctor renders and what a failure is the verdict of.

#![warn(missing_docs, rust_2018_idioms)]

// The modules the binary, the tests, the fuzz target and the examples use are
// public; the stages only the library itself drives are not.

pub mod checks;
pub mod class;
mod classify;
pub mod cli;
pub mod deploy;
pub mod exec;
pub mod finding;
pub mod lint;
mod migrations;
pub mod outcome;
mod probe;
pub mod report;
pub mod retry;
pub mod secret;
pub mod settings;
pub mod vocab;
pub mod wait;

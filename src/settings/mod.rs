//! Typed, validated settings built from the command line and the environment, with
//! no network I/O: which targets, which deadlines, which retries, which output.

pub mod client;
pub mod conninfo;
pub mod env;
pub mod gates;
pub mod lint;
pub mod migrations;
pub mod pgpass;
pub mod plan;
pub mod require_auth;
pub mod role;
pub mod spec;
pub mod targets;
pub mod termination;

use std::collections::HashSet;
use std::time::Duration;

use crate::class::Class;
use crate::cli::{Cli, ClientChoice, ColorChoice, Command, ExitCodes, LogFormat};
use crate::outcome::{Failure, Stage};
use env::Env;
use targets::Target;

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Retry until ready or the deadline; then exec the command, if any.
    Wait {
        /// Program and arguments to exec once ready (empty: just exit 0).
        exec: Vec<std::ffi::OsString>,
    },
    /// One attempt per target.
    Check,
    /// One attempt per target every `interval`, until stopped.
    Watch {
        /// Time from one round's start to the next's.
        interval: Duration,
    },
    /// The checklist.
    Doctor {
        /// App replicas, for the connection math.
        replicas: Option<u32>,
        /// A Compose project whose lint findings join the checklist.
        compose: Option<std::path::PathBuf>,
    },
    /// Deployment files' findings, no network.
    Lint {
        /// What to read (`-`: standard input).
        paths: Vec<std::path::PathBuf>,
    },
    /// The connection plan, no network.
    Explain {
        /// Every client side by side (`--client all`).
        all: bool,
    },
    /// The completion script for a shell.
    Completions {
        /// Which shell.
        shell: clap_complete::Shell,
    },
}

impl Mode {
    /// Whether each round makes one attempt per target and never retries.
    pub fn one_attempt(&self) -> bool {
        matches!(self, Mode::Check | Mode::Watch { .. })
    }
}

/// Everything a run needs.
#[derive(Debug)]
pub struct Settings {
    /// Wait or check.
    pub mode: Mode,
    /// Targets in source order (one [`Target::refused`] when the configuration as a
    /// whole is refused).
    pub targets: Vec<Target>,
    /// Hard deadline for the whole run.
    pub timeout: Duration,
    /// Bound on one attempt against one host.
    pub attempt_timeout: Duration,
    /// Classes retried on top of the default set.
    pub retry_on: HashSet<Class>,
    /// Exit-code style.
    pub exit_codes: ExitCodes,
    /// JSON on stdout.
    pub json: bool,
    /// Log format for non-terminal stderr.
    pub log_format: LogFormat,
    /// Errors only.
    pub quiet: bool,
    /// When to colour.
    pub color: ColorChoice,
    /// Gates beyond readiness.
    pub gates: gates::Gates,
    /// Migration history to check (empty: none).
    pub migrations: migrations::MigrationPlan,
    /// Where the Kubernetes termination message goes, if anywhere.
    pub termination_log: Option<std::path::PathBuf>,
    /// For `explain`: the targets as each client reads them (label, targets).
    pub explain: Vec<(String, Vec<targets::Target>)>,
    /// The URL variables asked for (`--url-env`; empty: the defaults).
    pub url_env: Vec<String>,
    /// How URLs are read, and where pgready runs.
    pub context: lint::Context,
}

impl Settings {
    /// Builds settings from parsed flags and an environment snapshot.
    pub fn from_cli(cli: Cli, env: &Env) -> Settings {
        let opts = cli.opts;
        let chosen = opts.client.and_then(ClientChoice::single);
        let ctx = lint::Context {
            in_container: std::path::Path::new("/.dockerenv").exists()
                || env.is_set("KUBERNETES_SERVICE_HOST"),
            reading: conninfo::Reading {
                client: chosen.unwrap_or(client::Client::Libpq),
                libpq_major: opts.libpq_version,
            },
            client_chosen: chosen.is_some(),
        };
        let mut targets = targets::collect(&opts.urls, &opts.url_env, env, &ctx);
        let explain_mode = matches!(cli.command, Some(Command::Explain));
        let mut explain = match explain_mode {
            true if opts.client == Some(ClientChoice::All) => {
                let mut readings = vec![(ctx.reading.label(), targets.clone())];
                for client in [client::Client::Prisma, client::Client::NodePostgres] {
                    let c = lint::Context {
                        reading: conninfo::Reading::of(client),
                        client_chosen: true,
                        ..ctx.clone()
                    };
                    let t = targets::collect(&opts.urls, &opts.url_env, env, &c);
                    readings.push((client.name().to_string(), t));
                }
                readings
            }
            true => vec![(String::new(), targets.clone())],
            false => Vec::new(),
        };
        if opts.client == Some(ClientChoice::All) && !explain_mode {
            let failure = Failure::new(
                Class::InvalidConfig,
                Stage::Config,
                "--client all compares the clients in `pgready explain`; wait, check and doctor need one client",
            )
            .with_hint("name the app's own client: --client libpq, prisma or node-postgres (PGREADY_CLIENT)");
            targets = vec![Target::refused_by("--client", failure)];
        }
        let migrations = migrations::MigrationPlan::build(
            &opts.migrations,
            &opts.migrations_table,
            &opts.expect_migration,
            opts.require_migrations,
        )
        .unwrap_or_else(|message| {
            // A plan that cannot work is the configuration's failure, like a bad URL.
            let failure = Failure::new(Class::InvalidConfig, Stage::Config, message).with_hint(
                "fix the migration flag named above (or its PGREADY_MIGRATIONS… variable): the connection string is not involved",
            );
            targets = vec![Target::refused_by("--migrations", failure)];
            migrations::MigrationPlan::default()
        });
        if explain_mode && targets.first().is_some_and(Target::is_refused) {
            explain = vec![(String::new(), targets.clone())];
        }
        let from_variables = targets.iter().filter(|t| t.from_variable).count();
        let gates = gates::Gates {
            min_server_version: opts.min_server_version,
            require_writable: opts.require_writable,
            schema_privilege: opts.require_schema_privilege,
            tables: opts.require_table,
            extensions: opts.require_extension,
            same_database: opts.require_same_database.unwrap_or(from_variables > 1),
            create_database: opts.create_database,
        };
        Settings {
            mode: match cli.command {
                None => Mode::Wait { exec: cli.exec },
                Some(Command::Wait { exec }) => Mode::Wait { exec },
                Some(Command::Check) => Mode::Check,
                Some(Command::Watch { interval }) => Mode::Watch { interval },
                Some(Command::Doctor { replicas, compose }) => Mode::Doctor { replicas, compose },
                Some(Command::Lint { paths }) => Mode::Lint {
                    paths: if paths.is_empty() {
                        vec![".".into()]
                    } else {
                        paths
                    },
                },
                Some(Command::Explain) => Mode::Explain {
                    all: opts.client == Some(ClientChoice::All),
                },
                Some(Command::Completions { shell }) => Mode::Completions { shell },
            },
            targets,
            gates,
            migrations,
            termination_log: termination::path(opts.termination_log),
            explain,
            url_env: opts.url_env,
            context: ctx,
            timeout: opts.timeout,
            attempt_timeout: opts.attempt_timeout.max(Duration::from_millis(1)),
            retry_on: opts.retry_on.into_iter().collect(),
            exit_codes: opts.exit_codes,
            json: opts.json,
            log_format: opts.log_format,
            quiet: opts.quiet,
            color: opts.color,
        }
    }

    /// Whether `wait` retries `class`.
    pub fn retries(&self, class: Class) -> bool {
        class.default_retry().is_some() || self.retry_on.contains(&class)
    }
}

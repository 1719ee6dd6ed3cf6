//! The command line as clap sees it: raw flags, their environment variables and help
//! text, nothing else. `settings` turns this into typed settings.

use std::ffi::OsString;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::class::Class;
use crate::vocab::migrations::Requirement;
use crate::vocab::names::{SchemaPrivilege, TableName, Version};
use crate::vocab::{libpq, Client};

const TARGETS_HELP: &str = "\
Targets: every --url, else each set, non-empty variable of --url-env (default
DATABASE_URL, DATABASE_DIRECT_URL, DATABASE_READ_URL, DATABASE_WRITE_URL), else
libpq's PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...).";

/// `--version`: the version, the commit it was built from and the target.
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PGREADY_COMMIT"),
    ", ",
    env!("PGREADY_TARGET"),
    ")"
);

/// The text after the options: targets, then every exit code from the class
/// table itself.
fn after_help() -> String {
    format!(
        "{TARGETS_HELP}\n\nExit codes: {}.\nWith `wait -- CMD`, CMD replaces pgready once ready (126/127 if it cannot run).",
        Class::exit_code_summary()
    )
}

/// Is this PostgreSQL database really ready for this app? Wait for it, and say
/// exactly why not.
#[derive(Debug, Parser)]
#[command(name = "pgready", version, long_version = LONG_VERSION, after_help = after_help())]
pub struct Cli {
    /// What to do (default: wait).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options shared by every command.
    #[command(flatten)]
    pub opts: Options,
    /// With no command, `wait`'s: the command to exec once every target is ready.
    #[arg(last = true, value_name = "CMD")]
    pub exec: Vec<OsString>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Retry every target until all are ready or --timeout passes (the default).
    /// With `-- CMD ARGS...`, exec CMD in place of pgready once ready.
    Wait {
        /// The command to exec once every target is ready.
        #[arg(last = true, value_name = "CMD")]
        exec: Vec<OsString>,
    },
    /// One attempt per target, no retries: for Docker HEALTHCHECK and exec probes.
    Check,
    /// One attempt per target every --interval until SIGTERM/SIGINT (then exit 0),
    /// printing each change of class: a Kubernetes native sidecar's main process,
    /// whose startup and readiness probes run `pgready check`.
    Watch {
        /// Time from one round's start to the next's.
        #[arg(long, value_name = "DURATION", default_value = "10s", env = "PGREADY_INTERVAL", value_parser = parse_duration)]
        interval: Duration,
    },
    /// The troubleshooting checklist, evaluated: one pass per target, no retries,
    /// nothing changed; each item ✅/⚠️/❌ with its evidence and fix.
    Doctor {
        /// How many app replicas will connect (for the connection math).
        #[arg(long, value_name = "N", env = "PGREADY_REPLICAS")]
        replicas: Option<u32>,
        /// Also lint this Compose project (a directory or file, as for `lint`) and
        /// list its findings about the target's variable.
        #[arg(long, value_name = "PATH")]
        compose: Option<std::path::PathBuf>,
    },
    /// Find configuration mistakes in Compose files (with their .env) and Kubernetes
    /// manifests before anything runs, without connecting: each ❌/⚠️ with its
    /// file:line and fix. Exit 0 without ❌, else 2 (invalid_config).
    Lint {
        /// A Compose file, a directory (its compose.yaml and override, as Compose
        /// finds them), a Kubernetes manifest (multi-document YAML), or `-` for
        /// standard input (default: the current directory).
        #[arg(value_name = "PATH")]
        paths: Vec<std::path::PathBuf>,
    },
    /// The connection plan of every target exactly as the client reads it, without
    /// connecting: hosts in order, database, user, where the password comes from,
    /// what TLS means, and each parameter used, ignored or refused. `--client all`
    /// puts libpq, Prisma and node-postgres side by side.
    Explain,
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish,
    /// powershell) on stdout, e.g. `pgready completions bash > /etc/bash_completion.d/pgready`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Whose rules read the URLs; `all` (for `explain`) compares the three.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ClientChoice {
    /// libpq (psql, psycopg, most drivers that wrap it).
    Libpq,
    /// Prisma's Rust engine (quaint): `prisma migrate`, Prisma ≤ 6 query engine.
    Prisma,
    /// node-postgres (`pg`), also behind Prisma 7's `@prisma/adapter-pg` and Drizzle.
    NodePostgres,
    /// Every client side by side (`explain` only).
    All,
}

impl ClientChoice {
    /// The one client chosen (`None` for `all`).
    pub fn single(self) -> Option<Client> {
        match self {
            ClientChoice::Libpq => Some(Client::Libpq),
            ClientChoice::Prisma => Some(Client::Prisma),
            ClientChoice::NodePostgres => Some(Client::NodePostgres),
            ClientChoice::All => None,
        }
    }
}

/// Exit-code style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExitCodes {
    /// One documented code per failure class.
    Full,
    /// 0 ready, 1 anything else (Docker reserves HEALTHCHECK exit code 2).
    Binary,
}

impl ExitCodes {
    /// The code the process exits with for a run whose class code is `code`.
    pub fn apply(self, code: i32) -> i32 {
        match self {
            ExitCodes::Binary if code != 0 => 1,
            _ => code,
        }
    }

    /// The style asked for on a command line clap refused: the last
    /// `--exit-codes X` before `--`, else `PGREADY_EXIT_CODES`, else `full` — so a
    /// typo in another flag still exits as the user asked (never 2 under `binary`).
    pub fn requested(args: &[std::ffi::OsString], var: Option<&str>) -> ExitCodes {
        let args: Vec<&str> = args
            .iter()
            .skip(1)
            .map_while(|a| a.to_str())
            .take_while(|a| *a != "--")
            .collect();
        let mut given = var.map(str::to_string);
        for (i, arg) in args.iter().enumerate() {
            if let Some(v) = arg.strip_prefix("--exit-codes=") {
                given = Some(v.to_string());
            } else if *arg == "--exit-codes" {
                given = args.get(i + 1).map(|v| v.to_string());
            }
        }
        given
            .and_then(|v| ExitCodes::from_str(v.trim(), true).ok())
            .unwrap_or(ExitCodes::Full)
    }
}

/// Log line format when stderr is not a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Options shared by every command; each has a PGREADY_* variable.
#[derive(Debug, Args)]
pub struct Options {
    /// A connection URL to check (repeatable). Replaces the environment variables.
    #[arg(long = "url", value_name = "URL", env = "PGREADY_URL", global = true)]
    pub urls: Vec<String>,

    /// Environment variable that holds a URL (repeatable; comma-separated in the
    /// variable). Replaces the default list.
    #[arg(
        long = "url-env",
        value_name = "NAME",
        env = "PGREADY_URL_ENV",
        value_delimiter = ',',
        global = true
    )]
    pub url_env: Vec<String>,

    /// Give up after this long (e.g. 60s, 2m, 500ms). The deadline is hard, for
    /// doctor's whole checklist too.
    #[arg(long, value_name = "DURATION", default_value = "60s", env = "PGREADY_TIMEOUT", value_parser = parse_duration, global = true)]
    pub timeout: Duration,

    /// Bound on one attempt against one host, every stage included.
    #[arg(long, value_name = "DURATION", default_value = "5s", env = "PGREADY_ATTEMPT_TIMEOUT", value_parser = parse_duration, global = true)]
    pub attempt_timeout: Duration,

    /// Also retry these classes (comma-separated), e.g. auth_failed while a password
    /// is being rotated. wait only: check and doctor make one attempt.
    #[arg(
        long,
        value_name = "CLASS,...",
        value_delimiter = ',',
        env = "PGREADY_RETRY_ON",
        global = true
    )]
    pub retry_on: Vec<Class>,

    /// `full`: one code per class; `binary`: 0 or 1 (for Docker HEALTHCHECK), on
    /// every path.
    #[arg(
        long,
        value_enum,
        default_value = "full",
        env = "PGREADY_EXIT_CODES",
        global = true
    )]
    pub exit_codes: ExitCodes,

    /// Whose rules the URLs are read by: libpq (psql and most drivers), prisma
    /// (Prisma's engine: `prisma migrate`, Prisma ≤ 6), node-postgres (`pg`, also
    /// behind Prisma 7's adapter and Drizzle). Decides TLS, defaults and PG* use.
    #[arg(
        long,
        value_enum,
        value_name = "CLIENT",
        env = "PGREADY_CLIENT",
        global = true
    )]
    pub client: Option<ClientChoice>,

    /// The libpq major whose rules read URLs, PG* variables and files with
    /// --client libpq: 15, 16, 17 or 18 (what the app's image ships).
    #[arg(
        long,
        value_name = "MAJOR",
        default_value_t = libpq::DEFAULT_MAJOR,
        env = "PGREADY_LIBPQ_VERSION",
        value_parser = parse_libpq_major,
        global = true
    )]
    pub libpq_version: u8,

    /// Gate: the server must be at least this version (e.g. 13, Cal.com's minimum).
    #[arg(
        long,
        value_name = "VERSION",
        env = "PGREADY_MIN_SERVER_VERSION",
        global = true
    )]
    pub min_server_version: Option<Version>,

    /// Gate: every target must reach a writable primary (not a standby).
    #[arg(long, env = "PGREADY_REQUIRE_WRITABLE", value_parser = BoolishValueParser::new(), global = true)]
    pub require_writable: bool,

    /// Gate: the role needs this privilege on the app's schema (Prisma `schema=`,
    /// default public): `usage`, or `create` for migrations (the PostgreSQL 15 trap).
    #[arg(
        long,
        value_enum,
        value_name = "PRIVILEGE",
        env = "PGREADY_REQUIRE_SCHEMA_PRIVILEGE",
        global = true
    )]
    pub require_schema_privilege: Option<SchemaPrivilege>,

    /// Gate: this table must exist (repeatable; SCHEMA.NAME, or NAME in the app's
    /// schema). Retried: a migration job may create it.
    #[arg(
        long,
        value_name = "SCHEMA.NAME",
        env = "PGREADY_REQUIRE_TABLE",
        value_delimiter = ',',
        global = true
    )]
    pub require_table: Vec<TableName>,

    /// Gate: this extension must be installed in the database (repeatable).
    #[arg(
        long,
        value_name = "NAME",
        env = "PGREADY_REQUIRE_EXTENSION",
        value_delimiter = ',',
        global = true
    )]
    pub require_extension: Vec<String>,

    /// Gate: all URLs must reach the same cluster and database (default: on when
    /// several URL variables are set).
    #[arg(long, value_name = "BOOL", env = "PGREADY_REQUIRE_SAME_DATABASE", num_args = 0..=1, default_missing_value = "true", value_parser = BoolishValueParser::new(), global = true)]
    pub require_same_database: Option<bool>,

    /// Create the database when it is missing and the role may create it (once,
    /// safe against many gates doing the same at once). wait and check only:
    /// doctor changes nothing and reports the missing database.
    #[arg(long, env = "PGREADY_CREATE_DATABASE", value_parser = BoolishValueParser::new(), global = true)]
    pub create_database: bool,

    /// Gate on a migration tool's history table (repeatable): prisma, drizzle,
    /// golang-migrate, sqlx, diesel, alembic, django, flyway, knex, dbmate, ecto,
    /// ef-core, doctrine, goose, liquibase, atlas, node-pg-migrate, sequelize,
    /// typeorm, kysely, mikro-orm, graphile-migrate, rails, laravel, sqitch; or
    /// auto (every tool whose
    /// table the database holds). With
    /// `=DIR`, compare it with the migrations the app ships in DIR.
    #[arg(
        long = "migrations",
        value_name = "TOOL[=DIR]",
        env = "PGREADY_MIGRATIONS",
        value_delimiter = ',',
        global = true
    )]
    pub migrations: Vec<String>,

    /// Where a tool keeps its history table, if not where it does by default
    /// (repeatable), e.g. drizzle=public.__drizzle_migrations.
    #[arg(
        long = "migrations-table",
        value_name = "TOOL=[SCHEMA.]TABLE",
        env = "PGREADY_MIGRATIONS_TABLE",
        value_delimiter = ',',
        global = true
    )]
    pub migrations_table: Vec<String>,

    /// The newest migration this release needs must be applied (repeatable;
    /// TOOL=NAME when several tools are checked). Works without DIR.
    #[arg(
        long = "expect-migration",
        value_name = "[TOOL=]NAME",
        env = "PGREADY_EXPECT_MIGRATION",
        value_delimiter = ',',
        global = true
    )]
    pub expect_migration: Vec<String>,

    /// `applied` (default): every shipped or expected migration applied, none
    /// failed, modified or unknown — the app's gate. `deployable`: none failed or
    /// modified, pending is fine — the gate in front of the migration command.
    #[arg(
        long,
        value_enum,
        value_name = "STATE",
        env = "PGREADY_REQUIRE_MIGRATIONS",
        global = true
    )]
    pub require_migrations: Option<Requirement>,

    /// On failure, write a short reason here for Kubernetes (default:
    /// /dev/termination-log when it exists and is writable).
    #[arg(
        long,
        value_name = "PATH",
        env = "PGREADY_TERMINATION_LOG",
        global = true
    )]
    pub termination_log: Option<std::path::PathBuf>,

    /// Print one JSON document on stdout when done.
    #[arg(long, env = "PGREADY_JSON", value_parser = BoolishValueParser::new(), global = true)]
    pub json: bool,

    /// Progress lines on a non-terminal stderr: text or json.
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "PGREADY_LOG_FORMAT",
        global = true
    )]
    pub log_format: LogFormat,

    /// Print nothing but errors.
    #[arg(short, long, env = "PGREADY_QUIET", value_parser = BoolishValueParser::new(), global = true)]
    pub quiet: bool,

    /// Colour: `auto` (on a terminal, unless NO_COLOR is set), `always` or `never`.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        env = "PGREADY_COLOR",
        global = true
    )]
    pub color: ColorChoice,
}

/// When output is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (to anything but empty).
    Auto,
    /// Always, even into a pipe or file.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour a stream that is (or is not) a `terminal`, given
    /// `NO_COLOR`'s value.
    pub fn colours(self, terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && no_color.is_none_or(|v| v.is_empty()),
        }
    }
}

/// Parses a libpq major pgready knows (15 to 18). Errors never repeat the text:
/// clap names the value beside them, and a URL given by mistake may hold a password.
pub fn parse_libpq_major(text: &str) -> Result<u8, String> {
    text.trim()
        .parse::<u8>()
        .ok()
        .filter(|m| libpq::MAJORS.contains(m))
        .ok_or_else(|| {
            format!(
                "not a libpq major pgready reads: use {} to {}",
                libpq::MAJORS.start(),
                libpq::MAJORS.end()
            )
        })
}

/// Parses `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds (errors, as
/// above, without the text).
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| "not a duration (e.g. 500ms, 5s, 2m)".to_string())?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err("an unknown unit (use ms, s, m or h)".to_string()),
    };
    Duration::try_from_secs_f64(value * scale).map_err(|_| "out of range".to_string())
}

#[cfg(test)]
mod tests;

//! pgready's entry point: parse, run, report, exit (or exec). The only place that
//! ends the process.

use std::io::IsTerminal;

use clap::Parser;

use pgready::class::Class;
use pgready::cli::{Cli, ExitCodes, LogFormat};
use pgready::report::{self, human};
use pgready::settings::env::Env;
use pgready::settings::targets::Target;
use pgready::settings::{Mode, Settings};

fn main() {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
                let var = std::env::var("PGREADY_EXIT_CODES").ok();
                ExitCodes::requested(&args, var.as_deref()).apply(Class::InvalidConfig.exit_code())
            } else {
                0
            };
            match from_environment(&e) {
                Some(message) => eprintln!("{message}"),
                None => {
                    let _ = e.print();
                }
            }
            std::process::exit(code);
        }
    };
    let settings = Settings::from_cli(cli, &Env::from_process());
    init_logging(&settings);
    std::process::exit(run(settings));
}

/// A bad value that came from a `PGREADY_*` variable, not the command line, is
/// named by its variable: the user never typed the flag clap would name.
fn from_environment(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    let arg = match e.get(ContextKind::InvalidArg)? {
        ContextValue::String(s) => s.clone(),
        _ => return None,
    };
    let long = arg
        .split_whitespace()
        .next()?
        .strip_prefix("--")?
        .to_string();
    let command = <Cli as clap::CommandFactory>::command();
    let var = command
        .get_arguments()
        .find(|a| a.get_long() == Some(long.as_str()))?
        .get_env()?
        .to_str()?
        .to_string();
    let typed =
        std::env::args().any(|a| a == format!("--{long}") || a.starts_with(&format!("--{long}=")));
    let value = std::env::var(&var).ok().filter(|_| !typed)?;
    let reason = e.to_string();
    let reason = reason.lines().next().unwrap_or_default();
    let reason = reason.rsplit_once(": ").map_or(reason, |(_, r)| r);
    // No password is registered yet: echo only a plain word (a URL pasted into the
    // wrong variable may carry one).
    let plain = value.len() <= 40
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    let shown = if plain {
        format!("{value:?}")
    } else {
        "(a value not shown: not a plain word)".to_string()
    };
    Some(format!(
        "error: {var}={shown} is not a valid value for --{long}: {reason}"
    ))
}

fn run(settings: Settings) -> i32 {
    if let Mode::Explain { .. } = settings.mode {
        return explain(&settings);
    }
    if let Mode::Completions { shell } = settings.mode {
        let mut command = <Cli as clap::CommandFactory>::command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "pgready", &mut script);
        // A closed pipe (`| head`) is not an error worth a message.
        let _ = std::io::Write::write_all(&mut std::io::stdout(), &script);
        return 0;
    }
    if let Mode::Lint { .. } = settings.mode {
        return lint(&settings);
    }
    let targets = &settings.targets;
    let style = if settings.quiet {
        human::Style::Quiet
    } else if std::io::stderr().is_terminal() && settings.log_format == LogFormat::Text {
        human::Style::Live
    } else {
        human::Style::Lines
    };
    let reporter = human::Reporter::new(style, targets);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pgready: internal_error: cannot start the async runtime: {e}");
            return Class::InternalError.exit_code();
        }
    };
    if let Mode::Doctor { replicas, compose } = &settings.mode {
        return doctor(&runtime, &settings, targets, *replicas, compose.as_deref());
    }
    if let Mode::Watch { interval } = settings.mode {
        return watch(&runtime, &settings, &reporter, interval);
    }
    let outcome = runtime.block_on(pgready::wait::run(&settings, targets, &reporter));
    reporter.finish();
    let verdicts = report::verdicts(targets, &outcome);
    let code = report::exit_code(&verdicts, outcome.interrupted, settings.exit_codes);
    human::print_summary(&verdicts, settings.quiet, settings.log_format);
    if let Some(path) = settings.termination_log.as_deref().filter(|_| code != 0) {
        report::termination::write(path, &verdicts);
    }
    if settings.json {
        println!("{}", report::json::render(&verdicts, outcome.elapsed, code));
    }
    drop(runtime);
    match settings.mode {
        Mode::Wait { exec } if code == 0 && !exec.is_empty() => pgready::exec::exec(&exec),
        _ => code,
    }
}

/// Runs doctor and prints its checklist on stdout.
fn doctor(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    targets: &[Target],
    replicas: Option<u32>,
    compose: Option<&std::path::Path>,
) -> i32 {
    let mut lists = runtime.block_on(pgready::checks::doctor::run(settings, targets, replicas));
    if let Some(path) = compose {
        let report = lint_report(&[path.to_path_buf()], settings);
        for list in &mut lists {
            list.items.extend(report.findings_for(&list.source));
        }
    }
    let code = settings
        .exit_codes
        .apply(pgready::checks::doctor::exit_code(&lists));
    if let Some(path) = settings.termination_log.as_deref().filter(|_| code != 0) {
        report::termination::write_text(path, &report::termination::doctor_message(&lists));
    }
    if settings.json {
        println!("{}", report::doctor::json(&lists, code));
    } else {
        let colour = colours(settings, std::io::stdout().is_terminal());
        print!("{}", report::doctor::human(&lists, colour));
    }
    code
}

/// Watches until stopped, printing each round that changed a class; being
/// stopped is how a watch ends, so it exits 0.
fn watch(
    runtime: &tokio::runtime::Runtime,
    settings: &Settings,
    reporter: &human::Reporter,
    interval: std::time::Duration,
) -> i32 {
    let targets = &settings.targets;
    let print = |outcome: &pgready::wait::RunOutcome| {
        let verdicts = report::verdicts(targets, outcome);
        let code = report::exit_code(&verdicts, None, settings.exit_codes);
        human::print_summary(&verdicts, settings.quiet, settings.log_format);
        if settings.json {
            println!("{}", report::json::render(&verdicts, outcome.elapsed, code));
        }
    };
    runtime.block_on(pgready::wait::watch::run(
        settings, targets, reporter, interval, print,
    ));
    0
}

/// Reads and judges deployment files (standard input for `-`).
fn lint_report(paths: &[std::path::PathBuf], settings: &Settings) -> pgready::lint::Report {
    let stdin = paths.iter().any(|p| p.as_os_str() == "-").then(|| {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text);
        text
    });
    let outer = |name: &str| std::env::var(name).ok();
    let inputs = pgready::deploy::read(paths, stdin, &outer);
    let opts = pgready::lint::Options {
        url_env: settings.url_env.clone(),
        context: settings.context.clone(),
    };
    pgready::lint::run(&inputs, &opts)
}

/// Lints deployment files and prints the findings on stdout; no network.
fn lint(settings: &Settings) -> i32 {
    let Mode::Lint { paths, .. } = &settings.mode else {
        return 0;
    };
    let report = lint_report(paths, settings);
    let code = settings.exit_codes.apply(pgready::lint::exit_code(&report));
    if settings.json {
        println!("{}", report::lint::json(&report, code));
    } else {
        let colour = colours(settings, std::io::stdout().is_terminal());
        print!("{}", report::lint::human(&report, colour));
    }
    code
}

/// Prints each target's connection plan; no network.
fn explain(settings: &Settings) -> i32 {
    let explained = report::explain::explain(&settings.explain);
    let code = settings
        .exit_codes
        .apply(report::explain::exit_code(&explained));
    if settings.json {
        println!("{}", report::explain::json(&explained, code));
    } else {
        print!("{}", report::explain::human(&explained));
    }
    code
}

/// Whether a stream that is (or is not) a terminal gets colour.
fn colours(settings: &Settings, terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR");
    settings.color.colours(terminal, no_color.as_deref())
}

fn init_logging(settings: &Settings) {
    let level = if settings.quiet {
        tracing::Level::ERROR
    } else {
        tracing::Level::INFO
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(colours(settings, std::io::stderr().is_terminal()));
    let _ = match settings.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// A panic is a bug: say so in one line, without anything a secret could hide in
/// unscrubbed, and exit 101.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "pgready: internal error (a bug, please report it){location}: {}",
            report::clean(&message)
        );
        // The release build aborts on panic; exit 101 keeps "101 is a bug" true.
        std::process::exit(101);
    }));
}

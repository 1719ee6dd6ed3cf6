//! The command-line conventions users and packagers expect: `--version` names the
//! version, commit and target; completions for every shell clap knows and the man
//! page come from the same definition the binary parses with; colour follows
//! `--color` and `NO_COLOR`.

use clap::CommandFactory;

use crate::support::*;

#[test]
fn version_names_the_version_the_commit_and_the_target() {
    let run = run_args(&["--version"]);
    assert_eq!(run.code, 0, "{run:?}");
    let line = run.stdout.trim();
    let expected = format!("pgready {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&expected), "{line}");
    let inside = &line[expected.len()..line.len() - 1];
    let (commit, target) = inside.split_once(", ").unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
    assert!(target.contains("-linux-"), "{target}");
}

#[test]
fn completions_for_every_shell_cover_every_command_and_flag() {
    let flags: Vec<String> = pgready::cli::Cli::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = run_args(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        for word in ["doctor", "explain", "completions"] {
            assert!(run.stdout.contains(word), "{shell}: no {word}");
        }
        for flag in &flags {
            let bare = flag.trim_start_matches('-');
            assert!(run.stdout.contains(bare), "{shell}: no {flag}");
        }
    }
    // The bash script is valid bash.
    let script = run_args(&["completions", "bash"]).stdout;
    let out = std::process::Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run_args(&["completions", "tcsh"]).assert_class("invalid_config", 2);
}

#[test]
fn the_man_page_documents_every_flag_and_command() {
    let dir = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(pgready::cli::Cli::command(), dir.path()).unwrap();
    let page = std::fs::read_to_string(dir.path().join("pgready.1")).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH pgready 1"),
        "{page}"
    );
    for arg in pgready::cli::Cli::command().get_arguments() {
        if let Some(long) = arg.get_long() {
            // roff escapes the dashes: \-\-url
            assert!(
                page.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
                "no --{long}"
            );
        }
    }
    for command in ["wait", "check", "doctor", "explain", "completions"] {
        assert!(
            dir.path().join(format!("pgready-{command}.1")).exists(),
            "{command}"
        );
    }
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    // Nothing listens on port 1: a failing checklist, with red in it when coloured.
    let url = "postgresql://app@127.0.0.1:1/appdb";
    let doctor = |extra: &[&str], no_color: Option<&str>| {
        let mut cmd = pgready();
        cmd.args(["doctor", "--url", url]).args(extra);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let run = run_cmd(&mut cmd);
        run.stdout.contains("\x1b[")
    };
    assert!(!doctor(&[], None), "auto into a pipe: no colour");
    assert!(doctor(&["--color", "always"], None));
    assert!(
        doctor(&["--color", "always"], Some("1")),
        "always wins over NO_COLOR"
    );
    assert!(!doctor(&["--color", "never"], None));
    let mut cmd = pgready();
    cmd.env("PGREADY_COLOR", "always")
        .args(["doctor", "--url", url]);
    assert!(run_cmd(&mut cmd).stdout.contains("\x1b["));
}

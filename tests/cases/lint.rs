//! `pgready lint` on the corpus under tests/lint: one Compose project per finding
//! (the guides' own layouts among them), a clean one, Kubernetes manifests, and the
//! project's examples, which must lint clean. Interpolation and `.env` reading are
//! compared with Compose v2 itself (`docker compose config`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::*;

/// Every password the corpus holds: none may appear in any output.
const SECRETS: [&str; 4] = [
    "Lint-S3cret-pw",
    "Lint-S3cret-other",
    "x-Lint-S3cret",
    "Lint#S3cret",
];

fn corpus(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lint")
        .join(case)
}

fn lint(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = pgready();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("lint")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = run_cmd(&mut cmd);
    for secret in SECRETS {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a password leaked:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// The (id, status, line) of every finding, from `--json`.
fn findings(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<(String, String, u64)>) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = lint(&all, env);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    assert_eq!(doc["exit_code"], run.code, "{doc}");
    assert_eq!(doc["ok"], run.code == 0, "{doc}");
    let mut out: Vec<(String, String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            for key in ["file", "subject", "message", "fix"] {
                assert!(f[key].is_string(), "{key} in {f}");
            }
            (
                f["id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    (run.code, out)
}

fn expect(case: &str, want: &[(&str, &str, u64)]) {
    let path = corpus(case);
    let (code, got) = findings(&[path.to_str().unwrap()], &[]);
    let mut want: Vec<(String, String, u64)> = want
        .iter()
        .map(|(i, s, l)| (i.to_string(), s.to_string(), *l))
        .collect();
    want.sort();
    assert_eq!(got, want, "{case}");
    let fails = want.iter().any(|(_, s, _)| s == "fail");
    assert_eq!(code, if fails { 2 } else { 0 }, "{case}");
}

#[test]
fn each_mistake_is_found_at_its_line() {
    expect("clean", &[]);
    expect("interpolation", &[]);
    expect("localhost", &[("localhost", "fail", 10)]);
    expect("unknown_host", &[("unknown_host", "fail", 15)]);
    expect("published_port", &[("published_port", "fail", 15)]);
    expect(
        "credentials",
        &[
            ("password_mismatch", "fail", 12),
            ("user_mismatch", "fail", 13),
            ("database_mismatch", "fail", 13),
        ],
    );
    expect("password_file", &[("password_unchecked", "warn", 11)]);
    expect("build_only", &[("url_build_only", "fail", 11)]);
    expect("networks", &[("no_common_network", "fail", 14)]);
    expect(
        "pgbouncer",
        &[
            ("direct_url_pooler", "fail", 19),
            ("prisma_pgbouncer", "warn", 18),
            ("client_semantics", "warn", 19),
            ("depends_on_condition", "warn", 20),
        ],
    );
    expect(
        "url_shapes",
        &[
            ("password_encoding", "fail", 10),
            ("database_name", "warn", 15),
            ("url_parses", "fail", 20),
        ],
    );
    expect(
        "start_order",
        &[
            ("no_healthcheck", "fail", 22),
            ("depends_on_condition", "warn", 15),
            ("no_depends_on", "warn", 24),
            ("depends_on_condition", "warn", 33),
        ],
    );
    expect(
        "data_volume",
        &[("data_volume", "fail", 5), ("data_volume", "warn", 10)],
    );
    expect(
        "variables",
        &[
            ("required_variable", "fail", 5),
            ("unset_variable", "warn", 10),
        ],
    );
}

#[test]
fn kubernetes_manifests_from_a_file_and_from_standard_input() {
    let (code, got) = findings(&[corpus("kubernetes/clean.yaml").to_str().unwrap()], &[]);
    assert_eq!((code, got), (0, vec![]));
    let broken = corpus("kubernetes/broken.yaml");
    let (code, got) = findings(&[broken.to_str().unwrap()], &[]);
    let ids: Vec<(&str, &str, u64)> = got
        .iter()
        .map(|(i, s, l)| (i.as_str(), s.as_str(), *l))
        .collect();
    assert_eq!(code, 2);
    assert_eq!(
        ids,
        [
            ("gate_differs", "fail", 31),
            ("gate_differs", "warn", 33),
            ("gate_differs", "warn", 35),
            ("gate_differs", "warn", 37),
            ("localhost", "fail", 52),
            ("missing_secret", "warn", 37),
            ("missing_secret_key", "fail", 35),
            ("no_gate", "warn", 49),
            ("unknown_service", "fail", 31),
            ("wrong_port", "fail", 33),
        ]
    );
    // The same text on standard input (`helm template … | pgready lint -`).
    let text = std::fs::read_to_string(&broken).unwrap();
    let mut cmd = pgready();
    cmd.args(["lint", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        doc["findings"].as_array().unwrap().len(),
        ids.len(),
        "{doc}"
    );
    assert_eq!(doc["files"][0], "-");
}

#[test]
fn the_text_names_file_line_and_fix_and_never_a_password() {
    let run = lint(&[corpus("credentials").to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stdout.contains("compose.yaml:12 service `web` DATABASE_URL: the password in DATABASE_URL differs from POSTGRES_PASSWORD of service `db`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("       fix: "), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("pgready lint: 3 errors, 0 warnings\n"),
        "{}",
        run.stdout
    );
    let clean = lint(&[corpus("clean").to_str().unwrap()], &[]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(
        clean.stdout.contains("✅ no mistakes found"),
        "{}",
        clean.stdout
    );
    // Binary exit codes, as everywhere.
    let binary = lint(
        &[
            "--exit-codes",
            "binary",
            corpus("localhost").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(binary.code, 1);
}

#[test]
fn no_path_is_the_current_directory_and_a_missing_one_is_an_error() {
    let mut cmd = pgready();
    cmd.current_dir(corpus("localhost"))
        .args(["lint", "--json"]);
    let run = run_cmd(&mut cmd);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("\"localhost\""), "{}", run.stdout);
    let empty = tempfile::tempdir().unwrap();
    let none = lint(&["--json", empty.path().to_str().unwrap()], &[]);
    assert_eq!(none.code, 2, "{none:?}");
    assert!(none.stdout.contains("unreadable"), "{}", none.stdout);
    let not_yaml = empty.path().join("compose.yaml");
    std::fs::write(&not_yaml, "services: [\n").unwrap();
    let bad = lint(&["--json", not_yaml.to_str().unwrap()], &[]);
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stdout.contains("not YAML"), "{}", bad.stdout);
}

#[test]
fn the_environment_wins_over_dot_env_as_in_compose() {
    // .env says the wrong password; the shell's value is the right one.
    let path = corpus("credentials");
    let (_, got) = findings(
        &[path.to_str().unwrap()],
        &[("APP_DB_PASSWORD", "Lint-S3cret-pw")],
    );
    assert!(
        !got.iter().any(|(id, _, _)| id == "password_mismatch"),
        "{got:?}"
    );
}

#[test]
fn url_env_and_client_are_read_as_for_wait() {
    // With --url-env, a variable of another name is checked too; its value is not
    // a URL, so only --url-env makes it one.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  db:\n    image: postgres:16\n    environment: {POSTGRES_PASSWORD: Lint-S3cret-pw}\n    healthcheck: {test: [CMD, pg_isready]}\n  app:\n    image: app\n    environment:\n      APP_DB: \"postgresql://postgres:Lint-S3cret-pw@localhost/postgres\"\n    depends_on: {db: {condition: service_healthy}}\n",
    )
    .unwrap();
    let (code, got) = findings(&[dir.path().to_str().unwrap()], &[]);
    // A postgres:// value is a URL variable by its value alone.
    assert_eq!(code, 2, "{got:?}");
    assert_eq!(got, [("localhost".to_string(), "fail".to_string(), 9)]);
    let (_, got) = findings(&["--url-env", "OTHER", dir.path().to_str().unwrap()], &[]);
    assert_eq!(got.len(), 1, "{got:?}");
}

#[test]
fn the_examples_lint_clean() {
    // As their own comments say to run them: the Compose stack with its password in
    // the environment, the app read as Prisma reads it.
    for path in ["examples", "examples/kubernetes"] {
        let run = lint(
            &["--client", "prisma", path],
            &[("POSTGRES_PASSWORD", "Lint-S3cret-pw")],
        );
        assert_eq!(run.code, 0, "{path}: {}", run.stdout);
        assert!(
            run.stdout.contains("0 errors, 0 warnings"),
            "{path}: {}",
            run.stdout
        );
    }
}

#[test]
fn doctor_includes_the_findings_about_its_target() {
    // Nothing listens: doctor's session items fail, the deployment row is there.
    let url = format!(
        "postgresql://postgres:Lint-S3cret-pw@127.0.0.1:{}/postgres",
        free_port()
    );
    let run = run_cmd(
        pgready()
            .args(["doctor", "--json", "--compose"])
            .arg(corpus("localhost"))
            .env("DATABASE_URL", &url),
    );
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let items = doc["targets"][0]["items"].as_array().unwrap();
    let row = items
        .iter()
        .find(|i| i["id"] == "deployment_files")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(row["status"], "fail", "{row}");
    assert!(
        row["evidence"]
            .as_str()
            .unwrap()
            .contains("compose.yaml:10 localhost"),
        "{row}"
    );
    assert!(!run.stdout.contains("Lint-S3cret-pw"));
}

/// Compose v2's binary, installed by scripts/client-oracles.
fn compose_v2() -> PathBuf {
    let bin = crate::support::oracles::dir().join("compose/docker-compose");
    assert!(
        bin.is_file(),
        "{} is missing: run scripts/client-oracles",
        bin.display()
    );
    bin
}

#[test]
fn interpolation_and_dot_env_agree_with_docker_compose_config() {
    let outer = |name: &str| (name == "PGSSLMODE").then(|| "require".to_string());
    for case in ["interpolation", "clean", "credentials", "pgbouncer"] {
        let dir = corpus(case);
        let out = Command::new(compose_v2())
            .arg("--project-directory")
            .arg(&dir)
            .args(["config", "--format", "json"])
            .env_clear()
            .env("PGSSLMODE", "require")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let inputs = pgready::deploy::read(std::slice::from_ref(&dir), None, &outer);
        let project = &inputs.projects[0];
        assert!(
            project.problems.is_empty(),
            "{case}: {:?}",
            project.problems
        );
        for service in &project.services {
            let theirs = &doc["services"][&service.name]["environment"];
            let mut ours: Vec<(String, String)> = Vec::new();
            for var in &service.environment {
                let value = var.value.clone().unwrap_or_default();
                ours.retain(|(n, _)| *n != var.name);
                ours.push((var.name.clone(), value));
            }
            let theirs: Vec<(String, String)> = theirs
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (k.clone(), v.as_str().unwrap_or_default().replace("$$", "$"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            ours.sort();
            let mut theirs = theirs;
            theirs.sort();
            assert_eq!(ours, theirs, "{case}: service {}", service.name);
        }
    }
}

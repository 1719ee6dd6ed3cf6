//! The examples, run through pgready itself: every pgready invocation they show,
//! with the URLs they give it, reads clean — no lint finding, no client
//! confusion — so a user copying them starts from a configuration pgready agrees
//! with.

use std::path::Path;

use crate::support::*;

fn read(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

/// The JSON-array value of the first `key: [...]` line that mentions `marker`.
fn array(text: &str, key: &str, marker: &str) -> Vec<String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{key}: [")) && l.contains(marker))
        .unwrap_or_else(|| panic!("no {key} with {marker}"));
    serde_json::from_str(&line[key.len() + 2..]).unwrap()
}

/// The value of `key: VALUE` in a YAML file (first match).
fn value(text: &str, key: &str) -> String {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key}"))
        .trim()
        .to_string()
}

/// doctor with the example's own options (no command after `--`), from `dir`;
/// the findings about the connection string must all be ✅.
fn reads_clean(what: &str, args: &[String], env: &[(&str, String)], dir: &Path) {
    let mut args: Vec<String> = args.to_vec();
    if let Some(end) = args.iter().position(|a| a == "--") {
        args.truncate(end);
    }
    args.retain(|a| a != "pgready" && a != "/pgready");
    assert!(
        matches!(
            args.first().map(String::as_str),
            Some("wait" | "watch" | "check")
        ),
        "{what}: {args:?}"
    );
    args[0] = "doctor".into();
    // watch's own pace is no option of doctor's.
    args.retain(|a| !a.starts_with("--interval="));
    args.push("--json".into());
    let run = run_cmd(
        pgready()
            .args(&args)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .current_dir(dir),
    );
    let doc = run.json();
    for target in doc["targets"].as_array().unwrap() {
        for item in target["items"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let before_connecting = [
                "url_parses",
                "scheme",
                "connection_plan",
                "libpq_version",
                "database_name",
                "password_encoding",
                "client_semantics",
                "pooler_url",
            ];
            if before_connecting.contains(&id) {
                assert_eq!(item["status"], "ok", "{what}: {id}: {item}");
            }
        }
    }
}

#[test]
fn the_examples_read_clean() {
    let dir = tempfile::tempdir().unwrap();
    let migration = dir
        .path()
        .join("prisma/migrations/20240601000000_add_booking_fields");
    std::fs::create_dir_all(&migration).unwrap();
    std::fs::write(migration.join("migration.sql"), "SELECT 1;").unwrap();

    let compose = read("examples/docker-compose.yml");
    let compose_url =
        value(&compose, "DATABASE_URL").replace("${POSTGRES_PASSWORD}", "Compose-Pw-1");
    reads_clean(
        "docker-compose.yml db-ready",
        &array(&compose, "command", "wait"),
        &[("DATABASE_URL", compose_url)],
        dir.path(),
    );

    let secret = read("examples/kubernetes/secret.yaml");
    let (url, direct) = (value(&secret, "url"), value(&secret, "direct-url"));
    let app = read("examples/kubernetes/app.yaml");
    reads_clean(
        "kubernetes/app.yaml init container",
        &array(&app, "args", "wait"),
        &[
            ("DATABASE_URL", url.clone()),
            (
                "PGREADY_EXPECT_MIGRATION",
                "20240601000000_add_booking_fields".into(),
            ),
        ],
        dir.path(),
    );
    let sidecar = read("examples/kubernetes/app-sidecar.yaml");
    for (what, key, marker) in [
        ("kubernetes/app-sidecar.yaml watch", "args", "watch"),
        ("kubernetes/app-sidecar.yaml probe", "command", "check"),
    ] {
        reads_clean(
            what,
            &array(&sidecar, key, marker),
            &[("DATABASE_URL", url.clone())],
            dir.path(),
        );
    }
    let job = read("examples/kubernetes/migrate-job.yaml");
    reads_clean(
        "kubernetes/migrate-job.yaml",
        &array(&job, "command", "pgready"),
        &[("DATABASE_DIRECT_URL", direct)],
        dir.path(),
    );
}

/// The chart README's values table names every key of `values.yaml` (a key, or a
/// map documented as a whole).
#[test]
fn the_chart_readme_lists_every_value() {
    let readme = read("charts/pgready/README.md");
    let documented: Vec<String> = readme
        .lines()
        .filter(|l| l.starts_with("| `"))
        .flat_map(|l| {
            let first = l.split('|').nth(1).unwrap_or_default().to_string();
            first
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let values = read("charts/pgready/values.yaml");
    let mut path: Vec<(usize, String)> = Vec::new();
    for line in values.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with('-') || !trimmed.contains(':') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let key = trimmed.split(':').next().unwrap().to_string();
        path.retain(|(i, _)| *i < indent);
        path.push((indent, key));
        if trimmed.trim_end().ends_with(':') {
            continue; // a map: its keys are checked
        }
        let full: Vec<&str> = path.iter().map(|(_, k)| k.as_str()).collect();
        let known = (1..=full.len()).any(|n| documented.contains(&full[..n].join(".")));
        assert!(
            known,
            "values.yaml `{}` is not in the chart README's table",
            full.join(".")
        );
    }
}

/// The chart's permanent exit codes (the hook Job's `podFailurePolicy`), as the
/// class table has them. `PGREADY_BLESS=1 cargo test --test tests exit_codes` writes
/// the file from the table.
#[test]
fn the_charts_permanent_exit_codes_are_the_class_tables() {
    use pgready::class::Class;
    let permanent: Vec<Class> = Class::ALL.into_iter().filter(|c| c.ends_a_job()).collect();
    let codes: Vec<String> = permanent
        .iter()
        .map(|c| c.exit_code().to_string())
        .collect();
    let names: Vec<&str> = permanent.iter().map(|c| c.name()).collect();
    let expected = format!(
        "{{{{- /* Generated from pgready's class table (Class::ends_a_job): do not edit; \
`PGREADY_BLESS=1 cargo test --test tests exit_codes` rewrites it.\n{} */ -}}}}\n\
{{{{- define \"pgready.permanentExitCodes\" -}}}}\n[{}]\n{{{{- end }}}}\n",
        names.join(", "),
        codes.join(", ")
    );
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("charts/pgready/templates/_exit_codes.tpl");
    if std::env::var_os("PGREADY_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "run PGREADY_BLESS=1 cargo test --test tests exit_codes"
    );
    // The ones a user would be surprised to see retried, by name.
    for name in [
        "invalid_config",
        "auth_failed",
        "access_rejected",
        "tls_untrusted",
        "migrations_failed",
    ] {
        assert!(names.contains(&name), "{name} ends a Job");
    }
    for name in [
        "connection_refused",
        "server_starting",
        "database_missing",
        "migrations_pending",
        "interrupted",
    ] {
        assert!(!names.contains(&name), "{name} is retried");
    }
}

/// The chart's `migrations.tool` accepts exactly the tools pgready reads.
#[test]
fn the_chart_accepts_every_migration_tool() {
    let schema: serde_json::Value =
        serde_json::from_str(&read("charts/pgready/values.schema.json")).unwrap();
    let listed: Vec<&str> = schema["properties"]["migrations"]["properties"]["tool"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|t| !t.is_empty() && *t != "auto")
        .collect();
    // pgready's own list, as its error for an unknown tool gives it.
    let run = run_args(&[
        "check",
        "--migrations",
        "nope",
        "--url",
        "postgresql://a@db.invalid/x",
    ]);
    let known = run
        .stderr
        .split("(one of: ")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or_default();
    assert_eq!(listed.join(", "), known, "{run:?}");
}

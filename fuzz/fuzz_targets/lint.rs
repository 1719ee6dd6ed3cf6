//! libFuzzer target: any text as a Compose file or Kubernetes manifests (standard
//! input to `pgready lint -`), with a `.env`-like environment that holds a secret.
//! Reading and judging must never panic, and no password the files hold — a
//! `*PASSWORD*` variable's value or a URL's password — may show in the text or
//! JSON report.
#![no_main]

mod shown;

use libfuzzer_sys::fuzz_target;
use pgready::deploy::{self, kube};
use pgready::settings::conninfo::{self, Reading};
use shown::{as_token, checkable};

const ENV_SECRET: &str = "Fuzz-Env-S3cret";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let outer = |name: &str| (name == "DB_PASSWORD").then(|| ENV_SECRET.to_string());
    let inputs = deploy::read(&["-".into()], Some(text.to_string()), &outer);
    let report = pgready::lint::run(&inputs, &pgready::lint::Options::default());
    let shown = format!(
        "{}{}",
        pgready::report::lint::human(&report, false),
        pgready::report::lint::json(&report, pgready::lint::exit_code(&report))
    );
    for pw in secrets(&inputs) {
        assert!(!as_token(&shown, &pw), "password {pw:?} shown in {shown}");
    }
});

/// Every password the inputs hold, as the files give them.
fn secrets(inputs: &deploy::Inputs) -> Vec<String> {
    let mut values: Vec<(String, String)> = Vec::new();
    for p in &inputs.projects {
        for s in &p.services {
            for v in s.environment.iter().chain(&s.build_args) {
                values.extend(v.value.clone().map(|x| (v.name.clone(), x)));
            }
        }
    }
    for d in &inputs.manifests.data {
        values.extend(
            d.entries
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.clone()?))),
        );
    }
    for w in &inputs.manifests.workloads {
        for c in &w.containers {
            for v in &c.env {
                if let kube::Source::Value(x) = &v.source {
                    values.push((v.name.clone(), x.clone()));
                }
            }
        }
    }
    let mut out = vec![ENV_SECRET.to_string()];
    // A password equal to a URL's user or database name is printed as that name
    // (the lint says it can be guessed): no secret.
    let mut names: Vec<String> = Vec::new();
    for (name, value) in values {
        if ["USER", "PGUSER", "PGDATABASE"].contains(&name.as_str()) {
            names.push(value.clone());
        }
        if name.to_ascii_uppercase().contains("PASSWORD") && checkable(&value) {
            out.push(value.clone());
        }
        if let Ok(parsed) = conninfo::parse(&value, Reading::LIBPQ) {
            for o in parsed.opts {
                if o.key == "user" || o.key == "dbname" {
                    names.push(o.value);
                } else if conninfo::is_secret_key(&o.key) && checkable(&o.value) {
                    out.push(o.value);
                }
            }
        }
    }
    out.retain(|pw| !names.contains(pw));
    out
}

//! libFuzzer target: any text as a connection string, read by every client's rules
//! (libpq at every major), linted and explained. It must never panic, a password
//! it parsed must never show in the redacted form, and no error or plan may hold
//! it (a letters-only password may stand inside a longer word: `lim` in `limited`).
#![no_main]

mod shown;

use libfuzzer_sys::fuzz_target;
use pgready::settings::conninfo::{self, Client, Reading};
use pgready::settings::env::Env;
use pgready::settings::lint::Context;
use pgready::settings::{plan, targets};
use pgready::vocab;
use shown::{as_token, checkable};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut readings: Vec<Reading> = vocab::libpq::MAJORS
        .map(|libpq_major| Reading {
            client: Client::Libpq,
            libpq_major,
        })
        .collect();
    readings.extend([
        Reading::of(Client::Prisma),
        Reading::of(Client::NodePostgres),
    ]);
    for reading in readings {
        let Ok(parsed) = conninfo::parse(text, reading) else {
            continue;
        };
        let shown = pgready::secret::scrub(&parsed.redacted);
        let secrets: Vec<&str> = parsed
            .opts
            .iter()
            .filter(|o| conninfo::is_secret_key(&o.key) && checkable(&o.value))
            .map(|o| o.value.as_str())
            .collect();
        for pw in &secrets {
            assert!(!as_token(&shown, pw), "password shown in {shown:?}");
        }
        let ctx = Context {
            reading,
            client_chosen: true,
            ..Context::default()
        };
        let env = Env::from_pairs([("DATABASE_URL", text)]);
        for t in &targets::collect(&[], &[], &env, &ctx) {
            let rendered = format!("{:?}", plan::plan(t, "fuzz"));
            let rendered = pgready::secret::scrub(&rendered);
            // A password equal to the user or database name is no secret (the
            // lint says it can be guessed) and is printed as that name.
            let named = |pw: &str| {
                t.spec
                    .as_ref()
                    .is_ok_and(|s| s.user == pw || s.dbname == pw)
            };
            for pw in secrets.iter().filter(|pw| !named(pw)) {
                assert!(
                    !as_token(&rendered, pw),
                    "password in the plan: {rendered:?}"
                );
            }
        }
    }
});

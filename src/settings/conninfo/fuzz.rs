//! Random inputs against every reader and the lint: no panic, no hang, and no error
//! message that repeats the password. `PGREADY_FUZZ_ITERATIONS` makes it a long run
//! (bench/fuzz.sh); cargo fuzz itself needs a nightly toolchain, which this machine
//! cannot install.
use super::*;
use crate::settings::env::Env;
use crate::settings::{lint, spec};

const PIECES: &[&str] = &[
    "postgresql://",
    "postgres://",
    "u",
    ":",
    "@",
    "/",
    "?",
    "#",
    "%",
    "%25",
    "%00",
    "%ff",
    "[",
    "]",
    "::1",
    ",",
    "h",
    "5432",
    "99999",
    "-1",
    "=",
    "&",
    "sslmode=",
    "verify-full",
    "host=",
    "port=",
    "dbname",
    "'",
    "\\",
    " ",
    "\u{0}",
    "é",
    "\u{202e}",
    "password=",
    "target_session_attrs=",
    "connect_timeout=",
    "x",
];
const SECRET: &str = "Fuzz-S3cret-PW";

/// Random pieces; the password only where a password goes (after `:` or
/// `password=`), so any echo of it in a message is a leak.
fn input(rng: &mut fastrand::Rng) -> String {
    let mut s = String::new();
    for _ in 0..rng.usize(0..24) {
        if (s.ends_with(':') || s.ends_with("password=")) && rng.bool() {
            s.push_str(SECRET);
        } else {
            s.push_str(PIECES[rng.usize(..PIECES.len())]);
        }
    }
    s
}

/// Whether `text` shows `secret` as the scrubber's contract forbids: anywhere, or,
/// for a letters-only secret, as a whole word (`lim` may stand inside `limited`).
fn shows(text: &str, secret: &str) -> bool {
    if !secret.chars().all(|c| c.is_ascii_alphabetic()) {
        return text.contains(secret);
    }
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|word| word == secret)
}

#[test]
fn random_connection_strings_never_panic_or_leak() {
    let iterations = std::env::var("PGREADY_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4_000);
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let env = Env::default();
    for _ in 0..iterations {
        let text = input(&mut rng);
        for reading in readings() {
            check_one(&text, reading, &env, seed);
        }
    }
}

/// Every client, and libpq at every major.
fn readings() -> Vec<Reading> {
    let mut all: Vec<Reading> = crate::vocab::libpq::MAJORS
        .map(|libpq_major| Reading {
            client: Client::Libpq,
            libpq_major,
        })
        .collect();
    all.push(Reading::of(Client::Prisma));
    all.push(Reading::of(Client::NodePostgres));
    all
}

fn check_one(text: &str, reading: Reading, env: &Env, seed: u64) {
    match parse(text, reading) {
        Ok(parsed) => {
            let shown = crate::secret::scrub(&parsed.redacted);
            for pw in parsed
                .opts
                .iter()
                .filter(|o| is_secret_key(&o.key) && o.value.chars().count() >= 3)
            {
                // A value that also stands elsewhere in the input (`password=5432`
                // beside a port 5432) may stay there: it must lose at least its
                // own occurrence.
                let elsewhere = text.matches(pw.value.as_str()).count() > 1;
                let leaked = if elsewhere {
                    shown.matches(pw.value.as_str()).count()
                        >= text.matches(pw.value.as_str()).count()
                } else {
                    shows(&shown, &pw.value)
                };
                assert!(!leaked, "seed {seed}: {text:?} shows {shown:?}");
            }
            match spec::build(parsed.opts.clone(), env, "me", reading) {
                Ok(spec) => {
                    let _ = lint::lint(
                        &spec,
                        &parsed.notes,
                        "DATABASE_URL",
                        crate::settings::role::Role::Pooled,
                        &lint::Context::default(),
                    );
                }
                Err(e) => no_secret(&e, text, seed),
            }
        }
        Err(e) => no_secret(&e, text, seed),
    }
}

fn no_secret(e: &ParseError, text: &str, seed: u64) {
    let hint = e.hint.as_deref().unwrap_or("");
    assert!(
        !e.message.contains(SECRET) && !hint.contains(SECRET),
        "seed {seed}: {text:?} → {} / {hint}",
        e.message
    );
    assert!(e.message.len() < 400, "seed {seed}: {}", e.message);
}

/// Seed 8776127749520989427 (a stress-test run): the password `5432` also stands in
/// the rest of the string, which may keep it; its own occurrence is masked.
#[test]
fn a_password_that_also_stands_elsewhere_is_still_masked() {
    let text = "postgres://postgresql://5432postgres://connect_timeout=-1x=/?=host=%&password=5432";
    for reading in readings() {
        check_one(text, reading, &Env::default(), 8_776_127_749_520_989_427);
    }
    let parsed = readings().into_iter().find_map(|r| parse(text, r).ok());
    let shown = crate::secret::scrub(&parsed.expect("a client reads it").redacted);
    assert!(shown.ends_with("password=****"), "{shown}");
}

//! libFuzzer target: any text as a connection string, read by every client's rules
//! and linted. It must never panic, and a password it parsed must never show in the
//! redacted form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pgready::settings::client::Client;
use pgready::settings::env::Env;
use pgready::settings::{lint, spec, url};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = url::parse(text) else {
        return;
    };
    let shown = pgready::secret::scrub(&parsed.redacted);
    // A password made of the mask's own `*`s cannot be told from the mask.
    let checkable = |v: &str| v.chars().count() >= 3 && !v.contains("**");
    for pw in parsed.opts.iter().filter(|o| url::is_secret_key(&o.key) && checkable(&o.value)) {
        assert!(!shown.contains(&pw.value), "password shown in {shown:?}");
    }
    for client in Client::ALL {
        if let Ok(spec) = spec::build(parsed.opts.clone(), &Env::default(), "me", client) {
            let _ = lint::lint(&spec, &parsed.notes, "DATABASE_URL", &lint::Context::default());
        }
    }
});

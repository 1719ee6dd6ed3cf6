//! The command line, as clap reads it.

use super::*;
use clap::CommandFactory;

#[test]
fn clap_definition_is_valid() {
    Cli::command().debug_assert();
}

#[test]
fn durations() {
    let ok = [
        ("500ms", 500),
        ("5s", 5000),
        ("5", 5000),
        ("1.5s", 1500),
        ("2m", 120_000),
        (" 1h ", 3_600_000),
    ];
    for (text, ms) in ok {
        assert_eq!(
            parse_duration(text).unwrap(),
            Duration::from_millis(ms),
            "{text}"
        );
    }
    for bad in ["", "s", "5 days", "-1s", "1e400s", "abc"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

//! `pgready explain`, run as a user runs it: no network, the plan of every target,
//! exit 2 whenever the configuration is refused, never the password.

use crate::support::*;

const SECRET: &str = "Expl41n-S3cret-zz";

fn explain(args: &[&str], url: Option<&str>) -> Run {
    let mut cmd = pgready();
    cmd.arg("explain").args(args);
    if let Some(url) = url {
        cmd.env("DATABASE_URL", url);
    }
    run_cmd(&mut cmd)
}

#[test]
fn a_readable_url_is_planned_without_connecting() {
    // Nothing listens on the port: explain never dials.
    let url = format!(
        "postgresql://app:{SECRET}@127.0.0.1:{}/appdb?sslmode=require",
        free_port()
    );
    let run = explain(&[], Some(&url));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("database: appdb"), "{}", run.stdout);
    assert!(run.stdout.contains("sslmode=require"), "{}", run.stdout);
    let all = explain(&["--client", "all"], Some(&url));
    assert_eq!(all.code, 0, "{all:?}");
    for client in ["prisma", "node-postgres"] {
        assert!(all.stdout.contains(client), "{client}: {}", all.stdout);
    }
    for run in [&run, &all] {
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
    }
}

#[test]
fn every_refusal_exits_invalid_config() {
    let bad_url = format!("postgresql://app:{SECRET}@db:99999/appdb");
    let good_url = format!("postgresql://app:{SECRET}@db/appdb");
    let cases: [(&[&str], Option<&str>, &str); 3] = [
        (&[], None, "no database configured"),
        (&[], Some(&bad_url), "port"),
        (
            &["--migrations", "bogus"],
            Some(&good_url),
            "unknown migration tool",
        ),
    ];
    for (args, url, says) in cases {
        let run = explain(args, url);
        assert_eq!(run.code, 2, "{args:?} {url:?}: {run:?}");
        assert!(run.stdout.contains(says), "{says}: {}", run.stdout);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET));
        let json = explain(&[args, &["--json"]].concat(), url);
        assert_eq!(json.code, 2, "{json:?}");
        assert!(!json.stdout.contains(SECRET));
    }
}

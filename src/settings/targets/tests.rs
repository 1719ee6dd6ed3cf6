//! Which targets a run has, and where each came from.

use super::*;

fn ctx() -> Context {
    Context::default()
}

#[test]
fn urls_win_over_environment() {
    let env = Env::from_pairs([("DATABASE_URL", "postgres://a/b")]);
    let t = collect(&["postgres://x/y".into()], &[], &env, &ctx());
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].source, "--url");
}

#[test]
fn every_set_variable_is_a_target() {
    let env = Env::from_pairs([
        (
            "DATABASE_URL",
            "postgres://u:pw1@pool:6543/app?pgbouncer=true",
        ),
        ("DATABASE_DIRECT_URL", "postgres://u:pw1@db:5432/app"),
        ("DATABASE_READ_URL", ""),
        ("DATABASE_WRITE_URL", "postgres://u:pw1@db:5432/app"),
    ]);
    let t = collect(&[], &[], &env, &ctx());
    let sources: Vec<&str> = t.iter().map(|t| t.source.as_str()).collect();
    assert_eq!(
        sources,
        ["DATABASE_URL", "DATABASE_DIRECT_URL", "DATABASE_WRITE_URL"]
    );
    assert!(t[2].requires_writable() && !t[0].requires_writable());
    assert_eq!(
        t[0].display,
        "postgres://u:****@pool:6543/app?pgbouncer=true"
    );
}

#[test]
fn url_env_replaces_the_default_list() {
    let env = Env::from_pairs([
        ("DATABASE_URL", "postgres://a/b"),
        ("INSIGHTS_DATABASE_URL", "postgres://c/d"),
    ]);
    let t = collect(&[], &["INSIGHTS_DATABASE_URL".into()], &env, &ctx());
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].source, "INSIGHTS_DATABASE_URL");
}

#[test]
fn libpq_environment_is_the_fallback() {
    let env = Env::from_pairs([
        ("PGHOST", "db"),
        ("PGUSER", "app"),
        ("PGPASSWORD", "pw-env-123"),
        ("PGDATABASE", "appdb"),
    ]);
    let t = collect(&[], &[], &env, &ctx());
    assert_eq!(t[0].source, LIBPQ_ENV_SOURCE);
    assert_eq!(t[0].display, "postgresql://app:****@db:5432/appdb");
}

#[test]
fn nothing_set_says_what_was_looked_for() {
    let env = Env::from_pairs([("DATABASE_URL", "")]);
    let t = collect(&[], &[], &env, &ctx());
    assert_eq!((t.len(), t[0].source.as_str()), (1, "environment"));
    let f = t[0].spec.as_ref().unwrap_err();
    assert_eq!(f.class, Class::InvalidConfig);
    assert!(
        f.message.contains("DATABASE_URL, DATABASE_DIRECT_URL"),
        "{}",
        f.message
    );
    assert!(f.message.contains("set but empty"), "{}", f.message);
    assert!(f.hints[0].contains("run time"), "{:?}", f.hints);
}

#[test]
fn a_quoted_url_says_remove_the_quotes() {
    let env = Env::from_pairs([("DATABASE_URL", "\"postgresql://u:Sup3rSecret@db/app\"")]);
    let t = collect(&[], &[], &env, &ctx());
    let failure = t[0].spec.as_ref().unwrap_err();
    assert!(
        failure.message.contains("wrapped in quotes"),
        "{}",
        failure.message
    );
    assert!(
        failure.hints[0].contains("remove the quotes"),
        "{:?}",
        failure.hints
    );
    assert!(!t[0].display.contains("Sup3rSecret"), "{}", t[0].display);
}

#[test]
fn unparsable_url_is_invalid_config_without_password() {
    let env = Env::from_pairs([("DATABASE_URL", "calcom:Sup3rSecret@postgres:5432/calcom")]);
    let t = collect(&[], &[], &env, &ctx());
    let failure = t[0].spec.as_ref().unwrap_err();
    assert_eq!(failure.class, Class::InvalidConfig);
    assert!(!t[0].display.contains("Sup3rSecret"), "{}", t[0].display);
    assert!(!failure.message.contains("Sup3rSecret"));
}

#[test]
fn urls_joined_by_commas_are_several_targets_but_hosts_are_not() {
    let env = Env::default();
    let joined = "postgresql://a:pw-one-1@h1/d, postgres://b@h2:5433/e".to_string();
    let t = collect(&[joined], &[], &env, &ctx());
    let hosts: Vec<&str> = t.iter().map(|t| t.display.as_str()).collect();
    assert_eq!(
        hosts,
        ["postgresql://a:****@h1/d", "postgres://b@h2:5433/e"]
    );
    let multi = collect(
        &["postgresql://h1,h2:5433/d".to_string()],
        &[],
        &env,
        &ctx(),
    );
    assert_eq!(multi.len(), 1);
    assert_eq!(multi[0].spec.as_ref().unwrap().endpoints.len(), 2);
}

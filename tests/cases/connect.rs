//! Where pgready connects: Unix sockets, several hosts in order, IPv6 literals.

use crate::support::*;

#[test]
fn unix_socket_by_encoded_host_and_by_host_parameter() {
    let pg = Pg::start();
    let dir = pg.socket_dir.display().to_string();
    let encoded = dir.replace('/', "%2F");
    for url in [
        format!("postgresql://app@{encoded}:{}/appdb", pg.port),
        format!("postgresql:///appdb?host={dir}&port={}&user=app", pg.port),
        format!("host={dir} port={} user=app dbname=appdb", pg.port),
    ] {
        let run = run_args(&["check", "--json", "--url", &url]);
        run.assert_class("ready", 0);
        assert!(run.message().contains(".s.PGSQL."), "{run:?}");
    }
    let missing = format!(
        "postgresql:///appdb?host={dir}&port={}&user=app",
        free_port()
    );
    run_args(&["check", "--json", "--url", &missing]).assert_class("connection_refused", 12);
}

#[test]
fn several_hosts_are_tried_in_order() {
    let pg = Pg::start();
    let down = free_port();
    let url = format!(
        "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{down},127.0.0.1:{}/appdb",
        pg.port
    );
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("ready", 0);
    assert!(run.message().contains(&format!("127.0.0.1:{}", pg.port)));
    let down2 = free_port();
    let url = format!(
        "postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{down},127.0.0.1:{}/appdb",
        pg.port
    );
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("auth_failed", 30);
    assert!(run.message().contains("other hosts"), "{run:?}");
    let url = format!("postgresql://app:{WRONG_PASSWORD}@127.0.0.1:{down},127.0.0.1:{down2}/appdb");
    run_args(&["check", "--json", "--url", &url]).assert_class("connection_refused", 12);
}

#[test]
fn target_session_attrs_pick_the_primary() {
    let primary = Pg::start();
    let mut standby = primary.standby(&["hot_standby=on"]);
    standby.launch();
    let url = format!(
        "postgresql://app:{APP_PASSWORD_URL}@127.0.0.1:{},127.0.0.1:{}/appdb?target_session_attrs=read-write",
        standby.port, primary.port
    );
    let run = run_args(&["check", "--json", "--url", &url]);
    run.assert_class("ready", 0);
    assert!(run.message().contains(&primary.port.to_string()));
}

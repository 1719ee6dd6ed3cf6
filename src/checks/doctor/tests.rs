//! Doctor's items fed with facts as data (the integration tests keep the real
//! servers): what each item concludes from what the server said.

use super::facts::{col, Facts};
use super::server::{headroom_item, schema_item};
use super::{Checklist, Item, Status};
use crate::class::Class;
use crate::settings::conninfo::{parse, Client, Reading};
use crate::settings::env::Env;
use crate::settings::spec::{build, ConnSpec};

fn spec(url: &str) -> ConnSpec {
    let reading = Reading::of(Client::Prisma);
    build(
        parse(url, reading).unwrap().opts,
        &Env::default(),
        "me",
        reading,
    )
    .unwrap()
}

fn list() -> Checklist {
    Checklist {
        source: "DATABASE_URL".into(),
        url: String::new(),
        client: "prisma",
        items: Vec::new(),
    }
}

/// A facts row with these columns set (`t`/`f` for booleans).
fn facts(cols: &[(usize, &str)]) -> Facts {
    let mut row = vec![None; col::SEEN_CLIENT_PORT + 1];
    for (i, v) in cols {
        row[*i] = Some(v.to_string());
    }
    Facts {
        row,
        identity: None,
    }
}

fn only(list: &Checklist) -> &Item {
    assert_eq!(list.items.len(), 1, "{:?}", list.items);
    &list.items[0]
}

fn connections<'a>(max: &'a str, reserved: &'a str, in_use: &'a str) -> Vec<(usize, &'a str)> {
    vec![
        (col::MAX_CONNECTIONS, max),
        (col::RESERVED, reserved),
        (col::IN_USE, in_use),
        (col::SUPERUSER, "f"),
    ]
}

#[test]
fn headroom_counts_what_this_role_may_use() {
    let s = spec("postgresql://app:pw@db:5432/app?connection_limit=10");
    let mut l = list();
    headroom_item(&mut l, &s, &facts(&connections("100", "3", "20")), None);
    let item = only(&l);
    assert_eq!(item.status, Status::Ok);
    assert!(
        item.evidence.contains("free for this role 77"),
        "{}",
        item.evidence
    );

    let mut l = list();
    headroom_item(&mut l, &s, &facts(&connections("100", "3", "20")), Some(8));
    let item = only(&l);
    assert_eq!(item.status, Status::Fail, "8 × 10 > 77");
    assert_eq!(item.class, Some(Class::TooManyConnections));
    assert!(
        item.fix
            .as_deref()
            .unwrap()
            .contains("at most 9 per replica"),
        "{:?}",
        item.fix
    );

    let mut l = list();
    headroom_item(&mut l, &s, &facts(&connections("50", "3", "46")), None);
    assert_eq!(only(&l).status, Status::Warn, "1 free of 50");

    let mut with_limit = connections("100", "3", "20");
    with_limit.extend([(col::ROLE_LIMIT, "5"), (col::ROLE_IN_USE, "5")]);
    let mut l = list();
    headroom_item(&mut l, &s, &facts(&with_limit), None);
    assert_eq!(
        only(&l).status,
        Status::Fail,
        "the role's own limit is used up"
    );

    let mut l = list();
    headroom_item(&mut l, &s, &facts(&[]), None);
    assert_eq!(only(&l).status, Status::Skip);
}

#[test]
fn schema_privileges_from_usage_and_create() {
    let s = spec("postgresql://app:pw@db:5432/app?schema=billing");
    let cases = [
        ("f", "f", "f", Status::Fail, "does not exist"),
        ("t", "f", "f", Status::Fail, "lacks USAGE"),
        ("t", "t", "f", Status::Warn, "lacks CREATE"),
        ("t", "t", "t", Status::Ok, "USAGE and CREATE"),
    ];
    for (exists, usage, create, status, says) in cases {
        let mut l = list();
        let f = facts(&[
            (col::SCHEMA_EXISTS, exists),
            (col::USAGE, usage),
            (col::CREATE, create),
        ]);
        schema_item(&mut l, &s, &f);
        let item = only(&l);
        assert_eq!(item.status, status, "{exists}{usage}{create}");
        assert!(item.evidence.contains(says), "{}", item.evidence);
        assert!(item.evidence.contains("billing"), "{}", item.evidence);
        assert_eq!(item.fix.is_some(), status != Status::Ok);
    }
}

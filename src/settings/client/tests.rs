//! Each client's TLS policy for the same options.

use super::*;

fn opts(pairs: &[(&str, &str)]) -> TlsOptions {
    let opts: Vec<Opt> = pairs
        .iter()
        .map(|(k, v)| Opt {
            key: k.to_string(),
            value: v.to_string(),
        })
        .collect();
    TlsOptions::from_opts(&opts, &|_| None, None)
}

fn plans(client: Client, pairs: &[(&str, &str)]) -> Vec<TlsPlan> {
    policy(client, &opts(pairs)).unwrap().plans
}

#[test]
fn libpq_modes() {
    use TlsPlan::*;
    use Verify::*;
    assert_eq!(plans(Client::Libpq, &[]), [Prefer(None), Off]);
    assert_eq!(plans(Client::Libpq, &[("sslmode", "disable")]), [Off]);
    assert_eq!(
        plans(Client::Libpq, &[("sslmode", "allow")]),
        [Off, Require(None)]
    );
    assert_eq!(
        plans(Client::Libpq, &[("sslmode", "require")]),
        [Require(None)]
    );
    let ca = tempfile::NamedTempFile::new().unwrap();
    let ca = ca.path().to_str().unwrap();
    assert_eq!(
        plans(
            Client::Libpq,
            &[("sslmode", "require"), ("sslrootcert", ca)]
        ),
        [Require(Chain)]
    );
    assert_eq!(
        plans(
            Client::Libpq,
            &[
                ("sslmode", "require"),
                ("sslrootcert", "/nonexistent/ca.pem")
            ]
        ),
        [Require(None)],
        "a root file that does not exist is skipped under require"
    );
    assert_eq!(
        plans(Client::Libpq, &[("sslmode", "verify-ca")]),
        [Require(Chain)]
    );
    assert_eq!(
        plans(Client::Libpq, &[("sslmode", "verify-full")]),
        [Require(Full)]
    );
    assert_eq!(
        plans(Client::Libpq, &[("sslrootcert", "system")]),
        [Require(Full)]
    );
    assert!(policy(
        Client::Libpq,
        &opts(&[("sslmode", "require"), ("sslrootcert", "system")])
    )
    .is_err());
    assert!(policy(Client::Libpq, &opts(&[("sslmode", "no-verify")])).is_err());
    assert_eq!(
        policy(Client::Libpq, &opts(&[("sslmode", "verify-full")]))
            .unwrap()
            .roots,
        Roots::Missing
    );
}

#[test]
fn prisma_reads_fewer_modes_and_sslaccept() {
    use TlsPlan::*;
    use Verify::*;
    assert_eq!(plans(Client::Prisma, &[]), [Prefer(None)]);
    assert_eq!(
        plans(Client::Prisma, &[("sslmode", "verify-full")]),
        [Prefer(None)],
        "unknown → prefer"
    );
    assert_eq!(
        plans(Client::Prisma, &[("sslmode", "require")]),
        [Require(None)]
    );
    assert_eq!(
        plans(
            Client::Prisma,
            &[("sslmode", "require"), ("sslaccept", "strict")]
        ),
        [Require(Full)]
    );
    assert_eq!(
        plans(Client::Prisma, &[("sslaccept", "bogus")]),
        [Prefer(Full)],
        "unknown sslaccept → strict"
    );
    assert_eq!(plans(Client::Prisma, &[("sslmode", "disable")]), [Off]);
    let p = policy(Client::Prisma, &opts(&[("sslcert", "/ca.pem")])).unwrap();
    assert_eq!(p.roots, Roots::SystemAnd("/ca.pem".into()));
}

#[test]
fn node_postgres_verifies_whenever_tls_is_asked_for() {
    use TlsPlan::*;
    use Verify::*;
    assert_eq!(plans(Client::NodePostgres, &[]), [Off]);
    for mode in ["prefer", "require", "verify-ca", "verify-full"] {
        assert_eq!(
            plans(Client::NodePostgres, &[("sslmode", mode)]),
            [Require(Full)],
            "{mode}"
        );
    }
    assert_eq!(
        plans(Client::NodePostgres, &[("sslmode", "no-verify")]),
        [Require(None)]
    );
    assert_eq!(
        plans(Client::NodePostgres, &[("ssl", "true")]),
        [Require(Full)]
    );
    assert_eq!(
        plans(
            Client::NodePostgres,
            &[("sslmode", "require"), ("uselibpqcompat", "true")]
        ),
        [Require(None)]
    );
    assert_eq!(
        policy(Client::NodePostgres, &opts(&[("sslmode", "require")]))
            .unwrap()
            .roots,
        Roots::Mozilla
    );
}

#[test]
fn summaries_tell_the_clients_apart() {
    let o = opts(&[("sslmode", "require")]);
    let libpq = policy(Client::Libpq, &o).unwrap().summary();
    let node = policy(Client::NodePostgres, &o).unwrap().summary();
    assert_eq!(libpq, "TLS required (certificate not verified)");
    assert_eq!(node, "TLS required (CA and host name verified)");
}

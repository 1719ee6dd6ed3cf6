//! The items about reaching the server: resolution, TCP, the first answer, and
//! where a failed session stopped.

use std::net::{IpAddr, SocketAddr};

use tokio::time::Instant;

use super::{Checklist, Status};
use crate::class::Class;
use crate::outcome::{Failure, Stage};
use crate::probe::resolve::ResolveError;
use crate::probe::Prober;
use crate::settings::spec::{ConnSpec, Host};

/// Resolution and TCP reachability of every address; false when none answers.
pub(super) async fn network_items(
    list: &mut Checklist,
    spec: &ConnSpec,
    prober: &Prober,
    deadline: Instant,
) -> bool {
    let mut resolved = Vec::new();
    let mut reachable = false;
    let mut evidence = Vec::new();
    for e in &spec.endpoints {
        match &e.host {
            Host::Unix(dir) => {
                let path = dir.join(format!(".s.PGSQL.{}", e.port));
                let ok = tokio::net::UnixStream::connect(&path).await.is_ok();
                reachable |= ok;
                evidence.push(format!(
                    "{}: {}",
                    path.display(),
                    if ok { "accepts" } else { "no server socket" }
                ));
            }
            Host::Tcp(name) => match prober.resolve(name).await {
                Ok(addrs) => {
                    resolved.push(format!(
                        "{name} → {}",
                        addrs
                            .iter()
                            .map(IpAddr::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    for ip in addrs {
                        let ok = tcp(SocketAddr::new(ip, e.port), deadline).await;
                        reachable |= ok.is_ok();
                        evidence.push(format!(
                            "{}: {}",
                            SocketAddr::new(ip, e.port),
                            ok.unwrap_or_else(|e| e)
                        ));
                    }
                }
                Err(err) => {
                    let failure = crate::classify::resolve(name, &err);
                    list.fail("host_resolves", "host name resolves", &failure);
                    if matches!(err, ResolveError::NotFound) {
                        evidence.push(format!("{name}: no address"));
                    }
                }
            },
        }
    }
    if !resolved.is_empty() && !list.items.iter().any(|i| i.id == "host_resolves") {
        list.push(
            "host_resolves",
            "host name resolves",
            Status::Ok,
            resolved.join("; "),
            None,
        );
    }
    let addressed = evidence.iter().any(|e| !e.ends_with(": no address"));
    if reachable {
        list.push(
            "tcp_reachable",
            "TCP reachable",
            Status::Ok,
            evidence.join("; "),
            None,
        );
    } else if !addressed {
        list.skip("tcp_reachable", "TCP reachable", "no address to connect to");
    } else {
        let failure = Failure::new(
            Class::ConnectionRefused,
            Stage::Connect,
            evidence.join("; "),
        );
        list.fail("tcp_reachable", "TCP reachable", &failure);
    }
    reachable
}

pub(super) async fn tcp(addr: SocketAddr, deadline: Instant) -> Result<String, String> {
    match tokio::time::timeout_at(deadline, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => Ok("accepts".into()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            Err("refused (nothing listens)".into())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer (timed out)".into()),
    }
}

/// Where a failed session stopped: that item fails, the later ones are skipped.
pub(super) fn failed_session(list: &mut Checklist, failure: &Failure) {
    let item = match failure.class {
        Class::TlsUnsupported | Class::TlsUntrusted | Class::TlsError => {
            ("tls", "TLS as configured")
        }
        Class::AuthFailed => ("authentication", "authentication"),
        Class::AccessRejected if failure.sqlstate() == Some("42501") => {
            ("connect_privilege", "CONNECT on the database")
        }
        Class::AccessRejected => ("authentication", "authentication"),
        Class::DatabaseMissing => ("database_exists", "database exists"),
        Class::InvalidConfig => ("tls", "TLS as configured"),
        _ => ("server_responds", "server answers as PostgreSQL"),
    };
    list.fail(item.0, item.1, failure);
    list.skip(
        "server_facts",
        "server version, role, privileges, headroom",
        "no session",
    );
}

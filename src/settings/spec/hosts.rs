//! The host list: hosts matched with ports, libpq's `hostaddr`, socket
//! directories, and each client's reading of a port.

use std::path::PathBuf;

use super::{Client, Endpoint, Host, DEFAULT_PORT, DEFAULT_SOCKET_DIR};
use crate::settings::conninfo::{shown_value, ParseError};

/// The hosts and ports; `password_given` says the URL's user info parsed (so a bad
/// port is not a password left of a forgotten `@`).
pub(super) fn endpoints(
    host: Option<String>,
    port: Option<String>,
    client: Client,
    password_given: bool,
) -> Result<Vec<Endpoint>, ParseError> {
    let parse_port = |p: &str| parse_port(p, password_given);
    let hosts: Vec<String> = match host {
        Some(h) => h.split(',').map(str::to_string).collect(),
        // libpq's default is the local socket; Prisma and node-postgres use TCP.
        None if client == Client::Libpq => vec![String::new()],
        None => vec!["localhost".to_string()],
    };
    // Prisma and node-postgres take `h1,h2` for one host name, which no DNS
    // answers: refuse it here, with the reason.
    if client != Client::Libpq && hosts.len() > 1 {
        return Err(ParseError::new(format!(
            "{} reads one host per URL; this URL lists several",
            client.name()
        ))
        .hint("give the app's client a single host (or a pooler/proxy in front of the cluster)"));
    }
    const MAX_HOSTS: usize = 64;
    if hosts.len() > MAX_HOSTS {
        return Err(ParseError::new(format!(
            "the connection string lists {} hosts; pgready accepts at most {MAX_HOSTS}",
            hosts.len()
        )));
    }
    let ports: Vec<u16> = match port {
        None => vec![DEFAULT_PORT],
        // pg reads its port with parseInt: leading digits, the rest ignored.
        Some(p) if client == Client::NodePostgres => vec![parse_port(&parse_int_prefix(&p))?],
        Some(p) => p.split(',').map(parse_port).collect::<Result<_, _>>()?,
    };
    if ports.len() != 1 && ports.len() != hosts.len() {
        return Err(ParseError::new(format!(
            "{} ports for {} hosts: give one port, or one per host",
            ports.len(),
            hosts.len()
        )));
    }
    Ok(hosts
        .into_iter()
        .enumerate()
        .map(|(i, h)| Endpoint {
            host: to_host(h),
            addr: None,
            port: if ports.len() == 1 { ports[0] } else { ports[i] },
        })
        .collect())
}

/// libpq's `hostaddr`: one address per host (an empty entry resolves that host);
/// with no `host`, the addresses are the hosts.
pub(super) fn add_hostaddrs(
    endpoints: &mut Vec<Endpoint>,
    hostaddr: Option<String>,
    host_given: bool,
) -> Result<(), ParseError> {
    let Some(list) = hostaddr.filter(|h| !h.is_empty()) else {
        return Ok(());
    };
    let addrs: Vec<&str> = list.split(',').collect();
    if !host_given {
        let port = endpoints[0].port;
        *endpoints = addrs
            .iter()
            .map(|a| Endpoint {
                host: Host::Tcp(a.to_string()),
                addr: None,
                port,
            })
            .collect();
    } else if addrs.len() != endpoints.len() {
        return Err(ParseError::new(format!(
            "could not match {} host names to {} hostaddr values",
            endpoints.len(),
            addrs.len()
        )));
    }
    for (endpoint, a) in endpoints.iter_mut().zip(&addrs) {
        if a.is_empty() {
            continue;
        }
        let ip = a.parse().map_err(|_| {
            ParseError::new(format!(
                "could not parse network address {} in hostaddr",
                shown_value(a)
            ))
            .hint("hostaddr takes IP addresses; put names in host")
        })?;
        endpoint.addr = Some(ip);
    }
    Ok(())
}

pub(super) fn to_host(h: String) -> Host {
    if h.is_empty() {
        Host::Unix(PathBuf::from(DEFAULT_SOCKET_DIR))
    } else if h.starts_with('/') || h.starts_with('@') {
        Host::Unix(PathBuf::from(h))
    } else {
        Host::Tcp(h)
    }
}

/// JavaScript's `parseInt(text, 10)` as digits: leading space and sign, then
/// the leading digits ("" when there are none, which `parse_port` refuses).
pub(super) fn parse_int_prefix(text: &str) -> String {
    let t = text.trim_start();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        "NaN".to_string()
    } else {
        format!("{sign}{digits}")
    }
}

pub(super) fn parse_port(p: &str, password_given: bool) -> Result<u16, ParseError> {
    if p.is_empty() {
        return Ok(DEFAULT_PORT);
    }
    match p.trim().parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        // Quote only a number: anything else may be a password, as in
        // `postgresql://user:password/db` with the `@` forgotten.
        _ if p.len() <= 12 && p.trim().trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) => Err(
            ParseError::new(format!("invalid port `{}`: a number from 1 to 65535 expected", p.trim())),
        ),
        _ if password_given => Err(ParseError::new("invalid port: a number from 1 to 65535 expected")
            .hint("write the port in digits after the host's `:` (5432 unless the server says otherwise)")),
        _ => Err(ParseError::new("invalid port: a number from 1 to 65535 expected")
            .hint("if the URL reads postgresql://user:password/db, the `@` before the host is missing")),
    }
}

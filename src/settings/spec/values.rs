//! The checks of option values that libpq makes when it connects (and the other
//! clients' equivalents), and the options pgready cannot reproduce.

use std::time::Duration;

use super::Client;
use crate::settings::conninfo::{shown_value, ParseError, Reading};
use crate::vocab::{self, Effect};

/// The keys whose values pgready cannot reproduce, checked against `value`.
pub(super) fn unsupported(
    reading: Reading,
    value: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ParseError> {
    let table = match reading.client {
        Client::Libpq => vocab::libpq::KEYS,
        Client::NodePostgres => vocab::node_postgres::KEYS,
        Client::Prisma => vocab::prisma::KEYS,
    };
    for key in table.iter().filter(|k| k.since <= reading.libpq_major) {
        let Effect::Unsupported(harmless) = key.effect else {
            continue;
        };
        let Some(v) = value(key.name) else { continue };
        if !harmless.contains(&v.as_str()) {
            let shown = if key.secret {
                String::new()
            } else {
                format!(" = {}", shown_value(&v))
            };
            return Err(ParseError::new(format!(
                "pgready cannot check `{}`{shown} the way {} does ({})",
                key.name,
                reading.label(),
                key.meaning
            ))
            .hint(format!("remove `{}` from what pgready reads (or set it to its default), and tell us you need it", key.name)));
        }
    }
    Ok(())
}

/// `channel_binding` as the client reads it: libpq refuses an unknown value,
/// Prisma keeps its default (prefer), node-postgres never reads it.
pub(super) fn channel_binding(
    client: Client,
    value: Option<String>,
) -> Result<Option<String>, ParseError> {
    let known = |v: &str| matches!(v, "disable" | "prefer" | "require");
    match (client, value) {
        (_, None) | (Client::NodePostgres, _) => Ok(None),
        (Client::Prisma, Some(v)) => Ok(known(&v).then_some(v)),
        (Client::Libpq, Some(v)) if known(&v) => Ok(Some(v)),
        (Client::Libpq, Some(v)) => Err(ParseError::new(format!(
            "invalid channel_binding value {}",
            shown_value(&v)
        ))
        .hint("use disable, prefer or require")),
    }
}

pub(super) fn connect_timeout(value: Option<String>) -> Result<Option<Duration>, ParseError> {
    let Some(v) = value else { return Ok(None) };
    let secs: i64 = v.trim().parse().map_err(|_| {
        ParseError::new(format!(
            "invalid connect_timeout {}: whole seconds expected",
            shown_value(&v)
        ))
    })?;
    // libpq: zero or negative waits forever; below 2 seconds counts as 2.
    Ok((secs > 0).then(|| Duration::from_secs(secs.max(2) as u64)))
}

/// libpq's closed-set options hold one of their values.
pub(super) fn check_libpq_values(
    reading: Reading,
    value: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ParseError> {
    for (key, allowed) in vocab::libpq::VALUES {
        if vocab::libpq::lookup(key, reading.libpq_major).is_none() {
            continue;
        }
        if let Some(v) = value(key).filter(|v| !allowed.contains(&v.as_str())) {
            return Err(
                ParseError::new(format!("invalid {key} value {}", shown_value(&v))).hint(format!(
                    "use one of: {}",
                    allowed
                        .iter()
                        .filter(|a| !a.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    Ok(())
}

/// libpq's integer options (`parse_int_param`): a whole number, spaces around.
pub(super) fn check_libpq_ints(value: &dyn Fn(&str) -> Option<String>) -> Result<(), ParseError> {
    for key in [
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "tcp_user_timeout",
    ] {
        if let Some(v) = value(key) {
            if v.trim().parse::<i32>().is_err() {
                return Err(ParseError::new(format!(
                    "invalid integer value {} for connection option `{key}`",
                    shown_value(&v)
                )));
            }
        }
    }
    Ok(())
}

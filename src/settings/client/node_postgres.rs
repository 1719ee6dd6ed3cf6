//! node-postgres: TLS only when asked, then verified unless `no-verify`.

use std::path::PathBuf;

use super::{Identity, Roots, TlsOptions, TlsPlan, TlsPolicy, Verify};
use crate::settings::conninfo::{shown_value, ParseError};
use crate::vocab::{Client, SslMode};

/// node-postgres 8.23 (`pg-connection-string` 2.14 and `ConnectionParameters`):
/// no TLS unless the URL asks (`ssl`, `sslmode`, a certificate parameter,
/// `sslnegotiation=direct`) or, when it says nothing about TLS, `PGSSLMODE` does;
/// then TLS is required and `prefer`, `require`, `verify-ca` all verify like
/// `verify-full`, against Node's bundled Mozilla roots or only the `sslrootcert`
/// CA; `no-verify` skips verification. `uselibpqcompat=true` switches to libpq's
/// meanings (still without plaintext fallback).
pub(super) fn node_postgres(o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    let mode = o.sslmode.clone().unwrap_or_default();
    let verify = if o.env_sslmode {
        match mode.as_str() {
            "prefer" | "require" | "verify-ca" | "verify-full" => Some(Verify::Full),
            "no-verify" => Some(Verify::None),
            _ => None,
        }
    } else {
        node_url_tls(o, &mode)?
    };
    let direct = match o.negotiation.as_deref() {
        None | Some("postgres") => false,
        Some("direct") if verify.is_some() => true,
        Some("direct") => {
            return Err(ParseError::new(
                "sslnegotiation=direct requires SSL to be enabled (node-postgres)",
            )
            .hint("add sslmode=verify-full (or ssl=true) to the URL"))
        }
        Some(other) => {
            return Err(ParseError::new(format!(
                "invalid sslnegotiation value {}: node-postgres knows postgres and direct",
                shown_value(other)
            )))
        }
    };
    let plans = match verify {
        None => vec![TlsPlan::Off],
        Some(v) => vec![TlsPlan::Require(v)],
    };
    let roots = match &o.rootcert {
        Some(ca) => Roots::File(PathBuf::from(ca)),
        None => Roots::Mozilla,
    };
    let identity = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Identity::Pem {
            cert: PathBuf::from(c),
            key: PathBuf::from(k),
        },
        _ => Identity::None,
    };
    // What the mode amounts to: off, or the mode named (an unknown one verifies).
    let shown = match verify {
        None => SslMode::Disable,
        Some(_) => SslMode::parse(&mode).unwrap_or(SslMode::VerifyFull),
    };
    Ok(TlsPolicy {
        client: Client::NodePostgres,
        plans,
        roots,
        identity,
        mode: shown,
        direct,
    })
}

/// The verification node-postgres ends up with from the URL's own TLS
/// parameters (`None`: no TLS).
fn node_url_tls(o: &TlsOptions, mode: &str) -> Result<Option<Verify>, ParseError> {
    // `ssl`: true/1 on, 0 off, no-verify unverified, any other text is truthy.
    let mut verify = match o.ssl.as_deref() {
        None => None,
        Some("0") => None,
        Some("no-verify") => Some(Verify::None),
        Some(_) => Some(Verify::Full),
    };
    let has_ssl_object =
        o.cert.is_some() || o.key.is_some() || o.rootcert.is_some() || o.sslmode.is_some();
    if has_ssl_object {
        verify = Some(Verify::Full);
    }
    if o.ssl.is_none() && !has_ssl_object && o.negotiation.as_deref() == Some("direct") {
        verify = Some(Verify::Full);
    }
    if o.libpq_compat {
        return Ok(match mode {
            "disable" => None,
            "prefer" => Some(Verify::None),
            "require" if o.rootcert.is_some() => Some(Verify::Chain),
            "require" => Some(Verify::None),
            "verify-ca" if o.rootcert.is_none() => {
                return Err(ParseError::new(
                    "sslmode=verify-ca with uselibpqcompat=true needs sslrootcert",
                )
                .hint("give the CA with sslrootcert=/path/ca.pem, or use sslmode=verify-full"))
            }
            "verify-ca" => Some(Verify::Chain),
            _ => verify,
        });
    }
    Ok(match mode {
        "disable" => None,
        "no-verify" => Some(Verify::None),
        _ => verify,
    })
}

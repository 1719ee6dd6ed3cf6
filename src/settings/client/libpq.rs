//! libpq's TLS: six modes; a root file makes every TLS mode check the chain;
//! `sslrootcert=system` (16+) demands verify-full; `sslnegotiation=direct` (17+).

use std::path::{Path, PathBuf};

use super::{Identity, Roots, TlsOptions, TlsPlan, TlsPolicy, Verify};
use crate::settings::conninfo::{shown_value, ParseError};
use crate::vocab::{Client, SslMode};

/// libpq: six modes; `require` verifies the chain when a root file is present;
/// `sslrootcert=system` (PostgreSQL 16+) demands verify-full; client certificates
/// from `sslcert`/`sslkey` or `~/.postgresql/postgresql.{crt,key}`.
pub(super) fn libpq(o: &TlsOptions) -> Result<TlsPolicy, ParseError> {
    // libpq 15 reads `system` as a file name.
    let system = o.rootcert.as_deref() == Some("system") && o.libpq_major >= 16;
    let mode = match o.sslmode.as_deref() {
        None if system => SslMode::VerifyFull,
        None => SslMode::Prefer,
        Some(text) => SslMode::parse(text).filter(|m| *m != SslMode::NoVerify).ok_or_else(|| {
            ParseError::new(format!("invalid sslmode {}", shown_value(text)))
                .hint("libpq knows disable, allow, prefer, require, verify-ca, verify-full (no-verify is node-postgres's)")
        })?,
    };
    let default_dir = o.home.as_ref().map(|h| h.join(".postgresql"));
    let root_file = match &o.rootcert {
        Some(_) if system => None,
        Some(f) => Some(PathBuf::from(f)),
        None => default_dir
            .as_ref()
            .map(|d| d.join("root.crt"))
            .filter(|p| p.exists()),
    };
    // With a root certificate present libpq checks the chain in every TLS mode
    // (OpenSSL's SSL_VERIFY_PEER), which makes `require` behave as `verify-ca`;
    // a named file that does not exist is skipped in those modes.
    let weak = if system || root_file.as_ref().is_some_and(|f| f.exists()) {
        Verify::Chain
    } else {
        Verify::None
    };
    let plans = match mode {
        SslMode::Disable => vec![TlsPlan::Off],
        SslMode::Allow => vec![TlsPlan::Off, TlsPlan::Require(weak)],
        SslMode::Prefer => vec![TlsPlan::Prefer(weak), TlsPlan::Off],
        SslMode::Require | SslMode::NoVerify => vec![TlsPlan::Require(weak)],
        SslMode::VerifyCa => vec![TlsPlan::Require(Verify::Chain)],
        SslMode::VerifyFull => vec![TlsPlan::Require(Verify::Full)],
    };
    if system && mode != SslMode::VerifyFull {
        return Err(ParseError::new(format!(
            "weak sslmode `{mode}` may not be used with sslrootcert=system"
        ))
        .hint("use sslmode=verify-full with sslrootcert=system (PostgreSQL 16+ libpq rule)"));
    }
    let direct = direct(o, mode)?;
    let roots = match (system, root_file) {
        (true, _) => Roots::System,
        (false, Some(f)) => Roots::File(f),
        (false, None) => Roots::Missing,
    };
    let identity = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => pem_identity(PathBuf::from(c), PathBuf::from(k)),
        (Some(c), None) => pem_identity(
            PathBuf::from(c),
            default_dir.map_or_else(
                || PathBuf::from("postgresql.key"),
                |d| d.join("postgresql.key"),
            ),
        ),
        _ => default_dir
            .map(|d| pem_identity(d.join("postgresql.crt"), d.join("postgresql.key")))
            .unwrap_or(Identity::None),
    };
    Ok(TlsPolicy {
        client: Client::Libpq,
        plans,
        roots,
        identity,
        mode,
        direct,
    })
}

/// `sslnegotiation`: `direct` starts TLS at once, which needs a mode that never
/// goes without it (libpq: require or stronger; node-postgres: TLS on).
fn direct(o: &TlsOptions, mode: SslMode) -> Result<bool, ParseError> {
    let strong = [SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull];
    match o.negotiation.as_deref() {
        None | Some("postgres") => Ok(false),
        Some("direct") if strong.contains(&mode) => Ok(true),
        Some("direct") => Err(ParseError::new(format!(
            "weak sslmode `{mode}` may not be used with sslnegotiation=direct"
        ))
        .hint("use sslmode=require, verify-ca or verify-full with sslnegotiation=direct")),
        Some(other) => Err(ParseError::new(format!(
            "invalid sslnegotiation value {}",
            shown_value(other)
        ))
        .hint("use postgres (the default) or direct")),
    }
}

/// A PEM identity when the certificate file exists (libpq skips a missing one).
fn pem_identity(cert: PathBuf, key: PathBuf) -> Identity {
    if Path::new(&cert).exists() {
        Identity::Pem { cert, key }
    } else {
        Identity::None
    }
}

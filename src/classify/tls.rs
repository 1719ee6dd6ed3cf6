//! TLS handshake failures: no TLS on the server, an untrusted or misnamed
//! certificate, or another handshake error.

use std::error::Error as StdError;
use std::io;

use super::{closed, find_cause, SessionContext};
use crate::class::Class;
use crate::outcome::{Failure, Stage};
use crate::vocab::Client;

pub(super) fn tls(err: &tokio_postgres::Error, chain: &str, ctx: &SessionContext<'_>) -> Failure {
    if chain.contains("server does not support TLS") {
        return Failure::new(
            Class::TlsUnsupported,
            Stage::Tls,
            format!(
                "{} does not offer TLS, and sslmode={} requires it",
                ctx.endpoint, ctx.sslmode
            ),
        )
        .with_hint(format!(
            "the server has no TLS: enable `ssl = on` on the server, or on a trusted network {}",
            Words::of(ctx.client).plaintext
        ));
    }
    match rustls_cause(err) {
        Some(rustls::Error::InvalidCertificate(cert)) => untrusted(cert, ctx),
        Some(other) => Failure::new(
            Class::TlsError,
            Stage::Tls,
            format!("TLS handshake with {} failed: {other}", ctx.endpoint),
        ),
        None => match find_cause::<io::Error>(err).map(io::Error::kind) {
            Some(io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset) => {
                closed(Stage::Tls, ctx)
            }
            _ => Failure::new(
                Class::TlsError,
                Stage::Tls,
                format!("TLS handshake with {} failed: {chain}", ctx.endpoint),
            ),
        },
    }
}

/// A client's own words for the TLS fixes.
pub(super) struct Words {
    /// Trust the server's CA.
    ca: &'static str,
    /// Encrypt without verifying.
    unverified: &'static str,
    /// Check the chain but not the host name, where the client can.
    chain_only: Option<&'static str>,
    /// Connect without TLS when the server has none.
    pub(super) plaintext: &'static str,
}

impl Words {
    pub(super) fn of(client: Client) -> Words {
        match client {
            Client::Libpq => Words {
                ca: "give the server's CA with sslrootcert=/path/ca.pem (managed databases publish theirs)",
                unverified: "sslmode=require to encrypt without verifying",
                chain_only: Some("sslmode=verify-ca to check the chain only"),
                plaintext: "use sslmode=prefer (or disable)",
            },
            Client::NodePostgres => Words {
                ca: "give the server's CA with sslrootcert=/path/ca.pem (node-postgres reads the file; managed databases publish theirs)",
                unverified: "sslmode=no-verify to encrypt without verifying (node-postgres verifies for sslmode=require)",
                chain_only: None,
                plaintext: "drop sslmode and ssl from the URL (node-postgres then connects without TLS)",
            },
            Client::Prisma => Words {
                ca: "give the server's CA with sslcert=/path/ca.pem and sslaccept=strict (Prisma reads the CA from sslcert, relative to the schema file)",
                unverified: "sslaccept=accept_invalid_certs to encrypt without verifying",
                chain_only: None,
                plaintext: "use sslmode=prefer (or disable)",
            },
        }
    }

    fn name_fix(&self) -> String {
        match self.chain_only {
            Some(chain) => {
                format!("connect with a host name the certificate names, or use {chain}")
            }
            None => format!(
                "connect with a host name the certificate names, or {}",
                self.unverified
            ),
        }
    }
}

pub(super) fn untrusted(cert: &rustls::CertificateError, ctx: &SessionContext<'_>) -> Failure {
    use rustls::CertificateError as C;
    let words = Words::of(ctx.client);
    let (reason, hint) = match cert {
        C::NotValidForNameContext {
            expected,
            presented,
        } => (
            format!(
                "the certificate is not valid for `{expected:?}`; it was issued for {}",
                presented.join(", ")
            ),
            words.name_fix(),
        ),
        C::NotValidForName => (
            "the certificate is not valid for this host name".to_string(),
            words.name_fix(),
        ),
        C::UnknownIssuer => (
            "the certificate was not issued by a trusted CA".to_string(),
            format!("{}, or {}", words.ca, words.unverified),
        ),
        C::Expired | C::ExpiredContext { .. } => (
            format!("the certificate has expired ({cert:?})"),
            "renew the server's certificate".to_string(),
        ),
        C::NotValidYet | C::NotValidYetContext { .. } => (
            format!("the certificate is not valid yet ({cert:?})"),
            "check the clocks of this machine and the server".to_string(),
        ),
        other => (
            format!("the certificate was rejected: {other}"),
            "check the server's certificate chain".to_string(),
        ),
    };
    Failure::new(
        Class::TlsUntrusted,
        Stage::Tls,
        format!("{}: {reason} (sslmode={})", ctx.endpoint, ctx.sslmode),
    )
    .with_hint(hint)
}

/// rustls errors hide inside an `io::Error` whose `source()` skips them.
fn rustls_cause<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    find_cause::<rustls::Error>(err).or_else(|| {
        find_cause::<io::Error>(err)
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    })
}

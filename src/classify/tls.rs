//! TLS handshake failures: no TLS on the server, an untrusted or misnamed
//! certificate, or another handshake error.

use std::error::Error as StdError;
use std::io;

use super::{closed, find_cause, SessionContext};
use crate::class::Class;
use crate::outcome::{Failure, Stage};

pub(super) fn tls(err: &tokio_postgres::Error, chain: &str, ctx: &SessionContext<'_>) -> Failure {
    if chain.contains("server does not support TLS") {
        return Failure::new(
            Class::TlsUnsupported,
            Stage::Tls,
            format!(
                "{} does not offer TLS, and sslmode={} requires it",
                ctx.endpoint, ctx.sslmode
            ),
        );
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

pub(super) fn untrusted(cert: &rustls::CertificateError, ctx: &SessionContext<'_>) -> Failure {
    use rustls::CertificateError as C;
    let (reason, hint) = match cert {
        C::NotValidForNameContext { expected, presented } => (
            format!("the certificate is not valid for `{expected:?}`; it was issued for {}", presented.join(", ")),
            "connect with a host name the certificate names, or use sslmode=verify-ca to check the chain only".to_string(),
        ),
        C::NotValidForName => (
            "the certificate is not valid for this host name".to_string(),
            "connect with a host name the certificate names, or use sslmode=verify-ca to check the chain only".to_string(),
        ),
        C::UnknownIssuer => (
            "the certificate was not issued by a trusted CA".to_string(),
            "give the server's CA with sslrootcert=/path/ca.pem (managed databases publish theirs), or sslmode=require to encrypt without verifying".to_string(),
        ),
        C::Expired | C::ExpiredContext { .. } => (
            format!("the certificate has expired ({cert:?})"),
            "renew the server's certificate".to_string(),
        ),
        C::NotValidYet | C::NotValidYetContext { .. } => (
            format!("the certificate is not valid yet ({cert:?})"),
            "check the clocks of this machine and the server".to_string(),
        ),
        other => (format!("the certificate was rejected: {other}"), "check the server's certificate chain".to_string()),
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

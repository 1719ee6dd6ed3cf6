//! Prisma's engine (quaint): three modes, verification only with `sslaccept`.

use std::path::PathBuf;

use super::{Identity, Roots, TlsOptions, TlsPlan, TlsPolicy, Verify};
use crate::secret::Password;
use crate::vocab::{Client, SslMode};

/// Prisma's engine (quaint): `sslmode` disable/prefer/require, anything else is
/// `prefer`; verification only with `sslaccept=strict` (the default is
/// `accept_invalid_certs`; an unknown value is `strict`); `sslcert` is the server's
/// CA, added to the system store; `prefer` has no plaintext fallback once a
/// handshake fails (tokio-postgres).
pub(super) fn prisma(o: &TlsOptions) -> TlsPolicy {
    let verify = match o.sslaccept.as_deref() {
        None | Some("accept_invalid_certs") => Verify::None,
        Some(_) => Verify::Full,
    };
    let mode = match o.sslmode.as_deref() {
        Some("disable") => SslMode::Disable,
        Some("require") => SslMode::Require,
        _ => SslMode::Prefer,
    };
    let plans = match mode {
        SslMode::Disable => vec![TlsPlan::Off],
        SslMode::Require => vec![TlsPlan::Require(verify)],
        _ => vec![TlsPlan::Prefer(verify)],
    };
    let roots = match &o.cert {
        Some(ca) => Roots::SystemAnd(PathBuf::from(ca)),
        None => Roots::System,
    };
    let identity = match &o.identity {
        Some(file) => Identity::Pkcs12 {
            file: PathBuf::from(file),
            password: o.identity_password.clone().map(Password::new),
        },
        None => Identity::None,
    };
    TlsPolicy {
        client: Client::Prisma,
        plans,
        roots,
        identity,
        mode,
        direct: false,
    }
}

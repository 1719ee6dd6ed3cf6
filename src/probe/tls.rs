//! The TLS connector for one plan of a [`TlsPolicy`](crate::settings::client::TlsPolicy):
//! which certificate checks run, against which roots, with which client identity,
//! and what the handshake negotiated. tokio-postgres only knows
//! disable/prefer/require and leaves verification to the connector, so the
//! verifier here checks what the plan asks for and records what it saw.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::tls::TlsConnect;

use crate::settings::client::{Client, Identity, Roots, TlsPolicy, Verify};

/// What the TLS handshake showed, for the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsFacts {
    /// `TLSv1.3` or `TLSv1.2`, once a handshake signature was checked.
    pub protocol: Option<&'static str>,
    /// Whether the certificate was verified (chain, and name for `Full`).
    pub verified: bool,
    /// When the handshake finished.
    pub done_at: Option<Instant>,
}

/// Shared record of one handshake.
pub type Observed = Arc<Mutex<TlsFacts>>;

/// A TLS set-up that cannot be built from the configured files.
#[derive(Debug)]
pub struct SetupError(pub String);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls client configuration for one target.
pub fn client_config(
    policy: &TlsPolicy,
    verify: Verify,
    observed: Observed,
) -> Result<ClientConfig, SetupError> {
    let (roots, identity) = (&policy.roots, &policy.identity);
    let provider = provider();
    let inner = match verify {
        Verify::None => None,
        Verify::Chain | Verify::Full => {
            let roots = root_store(roots)?;
            let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| SetupError(format!("cannot use the root certificates: {e}")))?;
            Some(v)
        }
    };
    let verifier = Arc::new(PgVerifier {
        verify,
        // libpq falls back to the subject CN when the certificate has no SAN of
        // the host's kind (fe-secure-openssl.c); rustls never reads the CN.
        cn_fallback: policy.client == Client::Libpq,
        inner,
        provider: provider.clone(),
        observed,
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    if policy.client == Client::Libpq {
        if let Identity::Pem { key, .. } = identity {
            libpq_key_permissions(key)?;
        }
    }
    match client_identity(identity)? {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| SetupError(format!("cannot use the client certificate: {e}"))),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The certificates a verifying plan trusts.
fn root_store(roots: &Roots) -> Result<RootCertStore, SetupError> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::System => add_system(&mut store),
        Roots::Mozilla => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Roots::File(file) => add_file(&mut store, file)?,
        Roots::SystemAnd(file) => {
            add_system(&mut store);
            add_file(&mut store, file)?;
        }
        Roots::Missing => {
            return Err(SetupError(
                "certificate verification needs a root certificate, and ~/.postgresql/root.crt does not exist: give sslrootcert=/path/ca.pem, or sslrootcert=system for the system's trusted roots, or use sslmode=require to skip verification".into(),
            ))
        }
    }
    Ok(store)
}

/// The system store (`SSL_CERT_FILE` or the distribution bundle); where there is
/// none (a FROM-scratch image), the bundled Mozilla roots.
fn add_system(store: &mut RootCertStore) {
    let bundle = std::env::var("SSL_CERT_FILE")
        .unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
    let loaded = load_certs(Path::new(&bundle)).unwrap_or_default();
    if loaded.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    } else {
        store.add_parsable_certificates(loaded);
    }
}

fn add_file(store: &mut RootCertStore, file: &Path) -> Result<(), SetupError> {
    let certs = load_certs(file).map_err(|e| {
        SetupError(format!(
            "cannot read the root certificate file {}: {e}",
            file.display()
        ))
    })?;
    let (added, _) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err(SetupError(format!(
            "no certificate found in the root certificate file {}",
            file.display()
        )));
    }
    Ok(())
}

fn load_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_file_iter(path)
        .map_err(|e| io::Error::other(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io::Error::other(e.to_string()))
}

type Chain = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// libpq refuses a client key that others may read: 0600 or less when the
/// current user owns it, 0640 or less when root does (fe-secure-openssl.c).
fn libpq_key_permissions(key: &Path) -> Result<(), SetupError> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(key) else {
        return Ok(()); // reading it fails with its own message
    };
    let mode = meta.mode();
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    let too_open =
        (meta.uid() == me && mode & 0o077 != 0) || (meta.uid() == 0 && mode & 0o037 != 0);
    if too_open {
        return Err(SetupError(format!(
            "private key file {} has group or world access ({:o}); libpq refuses it: chmod 0600 (or 0640 if owned by root)",
            key.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

fn client_identity(identity: &Identity) -> Result<Option<Chain>, SetupError> {
    match identity {
        Identity::None => Ok(None),
        Identity::Pem { cert, key } => {
            let certs = load_certs(cert).map_err(|e| {
                SetupError(format!(
                    "cannot read the client certificate {}: {e}",
                    cert.display()
                ))
            })?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                SetupError(format!("cannot read the client key {}: {e}", key.display()))
            })?;
            Ok(Some((certs, key)))
        }
        Identity::Pkcs12 { file, password } => {
            pkcs12(file, password.as_ref().map_or("", |p| p.expose())).map(Some)
        }
    }
}

/// A PKCS#12 bundle's first key and its certificate chain.
fn pkcs12(file: &Path, password: &str) -> Result<Chain, SetupError> {
    let data = std::fs::read(file).map_err(|e| {
        SetupError(format!(
            "cannot read the identity file {}: {e}",
            file.display()
        ))
    })?;
    let store = p12_keystore::KeyStore::from_pkcs12(
        &data,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|e| {
        SetupError(format!(
            "cannot open the PKCS#12 identity {} (wrong sslpassword?): {e}",
            file.display()
        ))
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| {
        SetupError(format!(
            "no private key in the PKCS#12 identity {}",
            file.display()
        ))
    })?;
    let certs = chain
        .certs()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    let key = PrivateKeyDer::try_from(chain.key().as_der().to_vec()).map_err(|e| {
        SetupError(format!(
            "unusable key in the PKCS#12 identity {}: {e}",
            file.display()
        ))
    })?;
    Ok((certs, key))
}

/// Checks what the mode asks for and records the outcome.
#[derive(Debug)]
struct PgVerifier {
    verify: Verify,
    cn_fallback: bool,
    inner: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    observed: Observed,
}

impl PgVerifier {
    fn record(&self, update: impl FnOnce(&mut TlsFacts)) {
        if let Ok(mut facts) = self.observed.lock() {
            update(&mut facts);
        }
    }
}

impl ServerCertVerifier for PgVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Ok(ok) => {
                self.record(|f| f.verified = true);
                Ok(ok)
            }
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if self.verify == Verify::Chain
                || (self.cn_fallback && super::cn::matches(end_entity, server_name)) =>
            {
                // webpki checks the name only after the chain verified.
                self.record(|f| f.verified = true);
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(|f| f.protocol = Some("TLSv1.2"));
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(|f| f.protocol = Some("TLSv1.3"));
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Wraps a connector to note when the handshake finished, so the report can split
/// TLS time from authentication time, and to scan for `require_auth` inside TLS.
pub struct Timed<T> {
    /// The real connector.
    pub inner: T,
    /// Where the finish time goes.
    pub observed: Observed,
    /// The `require_auth` scanner for the server's messages inside TLS.
    pub scan: Option<super::watch::AuthScan>,
}

impl<S, T> TlsConnect<S> for Timed<T>
where
    T: TlsConnect<S>,
    T::Future: Send + 'static,
    T::Stream: Unpin,
{
    type Stream = super::watch::Watched<T::Stream>;
    type Error = T::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Stream, T::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let observed = self.observed;
        let scan = self.scan;
        Box::pin(async move {
            let result = handshake.await;
            if let Ok(mut facts) = observed.lock() {
                facts.done_at = Some(Instant::now());
            }
            result.map(|s| super::watch::Watched::new(s, scan))
        })
    }
}

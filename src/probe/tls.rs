//! TLS as libpq means each `sslmode`: which certificate checks run, with which root
//! store, and what the handshake negotiated. tokio-postgres only knows
//! disable/prefer/require and leaves verification to the connector, so the
//! verifier here decides per mode and records what it saw.

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
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_postgres::tls::TlsConnect;

use crate::settings::spec::{SslMode, TlsFiles};

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verify {
    /// Nothing (libpq `prefer`/`require`): encryption only.
    None,
    /// The chain up to a trusted root (libpq `verify-ca`).
    Chain,
    /// The chain and the host name (libpq `verify-full`).
    Full,
}

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

/// The verification a libpq `sslmode` asks for, given whether a root certificate
/// file is configured (`require` + root certificate behaves as `verify-ca`).
pub fn verify_for(mode: SslMode, has_root_cert: bool) -> Verify {
    match mode {
        SslMode::VerifyFull => Verify::Full,
        SslMode::VerifyCa => Verify::Chain,
        SslMode::Require if has_root_cert => Verify::Chain,
        _ => Verify::None,
    }
}

/// A TLS set-up that cannot be built from the configured files.
#[derive(Debug)]
pub struct SetupError(pub String);

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls client configuration for one target.
pub fn client_config(
    verify: Verify,
    files: &TlsFiles,
    observed: Observed,
) -> Result<ClientConfig, SetupError> {
    let provider = provider();
    let inner = match verify {
        Verify::None => None,
        Verify::Chain | Verify::Full => {
            let roots = root_store(files.root_cert.as_deref())?;
            let v = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| SetupError(format!("cannot use the root certificates: {e}")))?;
            Some(v)
        }
    };
    let verifier = Arc::new(PgVerifier {
        verify,
        inner,
        provider: provider.clone(),
        observed,
    });
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SetupError(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match client_identity(files)? {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| SetupError(format!("cannot use the client certificate: {e}"))),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The roots to verify against: the `sslrootcert` file, or with `system` the
/// system store (`SSL_CERT_FILE` or the distribution bundle), else the bundled
/// Mozilla roots so a FROM-scratch image still verifies public CAs.
fn root_store(root_cert: Option<&str>) -> Result<RootCertStore, SetupError> {
    let mut store = RootCertStore::empty();
    match root_cert {
        Some("system") => {
            let bundle = std::env::var("SSL_CERT_FILE").unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
            let loaded = load_certs(Path::new(&bundle)).unwrap_or_default();
            if loaded.is_empty() {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            } else {
                store.add_parsable_certificates(loaded);
            }
        }
        Some(file) => {
            let certs = load_certs(Path::new(file))
                .map_err(|e| SetupError(format!("cannot read the root certificate file {file}: {e}")))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(SetupError(format!("no certificate found in the root certificate file {file}")));
            }
        }
        None => {
            return Err(SetupError(
                "certificate verification needs a root certificate: give sslrootcert=/path/ca.pem, or sslrootcert=system for the system's trusted roots, or use sslmode=require to skip verification".into(),
            ))
        }
    }
    Ok(store)
}

fn load_certs(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    CertificateDer::pem_file_iter(path)
        .map_err(|e| io::Error::other(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io::Error::other(e.to_string()))
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_identity(files: &TlsFiles) -> Result<Option<Identity>, SetupError> {
    let (Some(cert), Some(key)) = (&files.cert, &files.key) else {
        return Ok(None);
    };
    if !Path::new(cert).exists() {
        return Ok(None); // libpq ignores a missing client certificate
    }
    let certs = load_certs(Path::new(cert))
        .map_err(|e| SetupError(format!("cannot read the client certificate {cert}: {e}")))?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| SetupError(format!("cannot read the client key {key}: {e}")))?;
    Ok(Some((certs, key)))
}

/// Checks what the mode asks for and records the outcome.
#[derive(Debug)]
struct PgVerifier {
    verify: Verify,
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
            )) if self.verify == Verify::Chain => {
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
/// TLS time from authentication time.
pub struct Timed<T> {
    /// The real connector.
    pub inner: T,
    /// Where the finish time goes.
    pub observed: Observed,
}

impl<S, T> TlsConnect<S> for Timed<T>
where
    T: TlsConnect<S>,
    T::Future: Send + 'static,
{
    type Stream = T::Stream;
    type Error = T::Error;
    type Future = Pin<Box<dyn Future<Output = Result<T::Stream, T::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let handshake = self.inner.connect(stream);
        let observed = self.observed;
        Box::pin(async move {
            let result = handshake.await;
            if let Ok(mut facts) = observed.lock() {
                facts.done_at = Some(Instant::now());
            }
            result
        })
    }
}

/// Streams the TLS connector accepts.
pub trait Socket: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Socket for S {}

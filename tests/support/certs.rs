//! Certificates made by the tests (rcgen): two CAs, server certificates for
//! `localhost` + 127.0.0.1 (good, expired, signed by the other CA) and for a wrong
//! name, and a client certificate (PEM and PKCS#12 via the openssl CLI).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A certificate and its key, as files.
#[derive(Clone, Debug)]
pub struct CertFiles {
    /// PEM certificate.
    pub cert: PathBuf,
    /// PEM private key (0600, owned by the PostgreSQL user).
    pub key: PathBuf,
}

/// Every file the TLS tests use.
#[derive(Debug)]
pub struct Pki {
    /// The trusted CA.
    pub ca: PathBuf,
    /// Another CA, trusted by nobody.
    pub other_ca: PathBuf,
    /// localhost + 127.0.0.1, by the trusted CA.
    pub good: CertFiles,
    /// The same names, expired.
    pub expired: CertFiles,
    /// localhost + 127.0.0.1, by the other CA.
    pub untrusted: CertFiles,
    /// Only `db.example.com`, by the trusted CA.
    pub wrong_name: CertFiles,
    /// No SAN, subject CN `localhost`, by the trusted CA.
    pub cn_only_name: CertFiles,
    /// No SAN, subject CN `127.0.0.1`, by the trusted CA.
    pub cn_only_ip: CertFiles,
    /// SAN DNS `localhost` only, subject CN `127.0.0.1`, by the trusted CA.
    pub dns_san_ip_cn: CertFiles,
    /// A client certificate for the role `certuser`.
    pub client: CertFiles,
    /// The client certificate as PKCS#12, password [`P12_PASSWORD`].
    pub client_p12: PathBuf,
    _dir: tempfile::TempDir,
}

/// The PKCS#12 bundle's password.
pub const P12_PASSWORD: &str = "p12-Passw0rd-kk";

struct Ca {
    params: CertificateParams,
    key: KeyPair,
}

fn ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca {
        params,
        key: KeyPair::generate().unwrap(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn leaf(dir: &Path, name: &str, names: &[&str], by: &Ca, expired: bool) -> CertFiles {
    leaf_with_cn(dir, name, names[0], names, by, expired)
}

/// A leaf with subject CN `cn` and SANs `sans` (possibly none).
fn leaf_with_cn(
    dir: &Path,
    name: &str,
    cn: &str,
    sans: &[&str],
    by: &Ca,
    expired: bool,
) -> CertFiles {
    let mut params =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let issuer = Issuer::from_params(&by.params, &by.key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    let files = CertFiles {
        cert: write(dir, &format!("{name}.crt"), &cert.pem()),
        key: write(dir, &format!("{name}.key"), &key.serialize_pem()),
    };
    std::fs::set_permissions(&files.key, std::fs::Permissions::from_mode(0o600)).unwrap();
    super::chown_to_pg(&files.key);
    files
}

/// The certificates, made once per test run.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = super::pg_tempdir();
        let d = dir.path();
        let trusted = ca("pgready test CA");
        let other = ca("pgready untrusted CA");
        let ca_path = write(
            d,
            "ca.crt",
            &trusted.params.self_signed(&trusted.key).unwrap().pem(),
        );
        let other_path = write(
            d,
            "other-ca.crt",
            &other.params.self_signed(&other.key).unwrap().pem(),
        );
        let names = ["localhost", "127.0.0.1"];
        let client = leaf(d, "client", &["certuser"], &trusted, false);
        let client_p12 = d.join("client.p12");
        let out = std::process::Command::new("openssl")
            .args(["pkcs12", "-export", "-passout"])
            .arg(format!("pass:{P12_PASSWORD}"))
            .arg("-in")
            .arg(&client.cert)
            .arg("-inkey")
            .arg(&client.key)
            .arg("-out")
            .arg(&client_p12)
            .output()
            .expect("openssl (scripts/test installs it)");
        assert!(
            out.status.success(),
            "openssl pkcs12: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Pki {
            good: leaf(d, "good", &names, &trusted, false),
            expired: leaf(d, "expired", &names, &trusted, true),
            untrusted: leaf(d, "untrusted", &names, &other, false),
            wrong_name: leaf(d, "wrong-name", &["db.example.com"], &trusted, false),
            cn_only_name: leaf_with_cn(d, "cn-name", "localhost", &[], &trusted, false),
            cn_only_ip: leaf_with_cn(d, "cn-ip", "127.0.0.1", &[], &trusted, false),
            dns_san_ip_cn: leaf_with_cn(
                d,
                "dns-san-ip-cn",
                "127.0.0.1",
                &["localhost"],
                &trusted,
                false,
            ),
            client,
            client_p12,
            ca: ca_path,
            other_ca: other_path,
            _dir: dir,
        }
    })
}

//! libpq's host-name check beyond SANs: when a certificate names no host of the
//! connection's kind (no DNS SAN for a name, no IP SAN for an address), libpq
//! compares the host with the subject's common name, `*.` wildcards covering one
//! label (fe-secure-common.c, fe-secure-openssl.c). Only called after webpki
//! verified the chain and found no SAN match.

use rustls::pki_types::{CertificateDer, ServerName};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Whether libpq would accept `server_name` for this certificate by its CN.
pub fn matches(cert: &CertificateDer<'_>, server_name: &ServerName<'_>) -> bool {
    let Ok((_, cert)) = X509Certificate::from_der(cert.as_ref()) else {
        return false;
    };
    let sans: Vec<GeneralName<'_>> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|ext| ext.value.general_names.clone())
        .unwrap_or_default();
    let (host, is_ip) = match server_name {
        ServerName::DnsName(d) => (d.as_ref().to_string(), false),
        ServerName::IpAddress(ip) => (std::net::IpAddr::from(*ip).to_string(), true),
        _ => return false,
    };
    let has_own_kind = sans.iter().any(|n| match n {
        GeneralName::DNSName(_) => !is_ip,
        GeneralName::IPAddress(_) => is_ip,
        _ => false,
    });
    if has_own_kind {
        return false;
    }
    let matched = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .any(|cn| name_matches(cn, &host));
    matched
}

/// libpq's `pq_verify_peer_name_matches_certificate_name`: case-insensitive,
/// a leading `*.` matching exactly one label.
fn name_matches(pattern: &str, host: &str) -> bool {
    if pattern.eq_ignore_ascii_case(host) {
        return true;
    }
    match (pattern.strip_prefix("*."), host.split_once('.')) {
        (Some(rest), Some((label, host_rest))) => {
            !label.is_empty() && rest.eq_ignore_ascii_case(host_rest)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_matches("db.example.com", "DB.example.com"));
        assert!(name_matches("*.example.com", "db.example.com"));
        assert!(!name_matches("*.example.com", "a.db.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("127.0.0.1", "127.0.0.1"));
    }
}

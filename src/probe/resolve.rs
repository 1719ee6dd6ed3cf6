//! Host name → addresses with a pure-Rust resolver (hickory), so a static binary
//! needs no NSS. It reads /etc/resolv.conf (search domains, ndots) and /etc/hosts,
//! caches answers for their TTL across attempts, and tells "no such name" apart
//! from "no DNS server answered".

use std::net::IpAddr;

use hickory_resolver::net::NetError;
use hickory_resolver::TokioResolver;

use crate::vocab::resolve::ResolveError;

/// A resolver built on first use and kept for the process, so its cache lives
/// across attempts.
#[derive(Default)]
pub struct Resolver {
    inner: tokio::sync::OnceCell<Result<TokioResolver, String>>,
}

impl Resolver {
    /// Addresses for `host`. An IP literal is returned as is, without any lookup.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, ResolveError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let resolver = self
            .inner
            .get_or_init(|| async { build() })
            .await
            .as_ref()
            .map_err(|e| ResolveError::Unavailable(e.clone()))?;
        match resolver.lookup_ip(host).await {
            Ok(lookup) => {
                let addrs: Vec<IpAddr> = lookup.iter().collect();
                if addrs.is_empty() {
                    Err(ResolveError::NotFound)
                } else {
                    Ok(addrs)
                }
            }
            Err(e) => Err(classify(&e)),
        }
    }
}

fn build() -> Result<TokioResolver, String> {
    TokioResolver::builder_tokio()
        .and_then(|b| b.build())
        .map_err(|e| format!("cannot set up DNS from /etc/resolv.conf: {e}"))
}

fn classify(e: &NetError) -> ResolveError {
    if e.is_nx_domain() || e.is_no_records_found() {
        ResolveError::NotFound
    } else {
        ResolveError::Unavailable(e.to_string())
    }
}

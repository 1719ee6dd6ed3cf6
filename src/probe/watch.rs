//! The server's bytes as pgready reads them: on a fresh connection the first
//! byte must be PostgreSQL's (`sniff`), and with `require_auth` each
//! authentication request is judged as it arrives (in plaintext below TLS, or
//! inside the TLS stream), failing the read when the server asks for a method
//! the requirement refuses, before the client answers it, as libpq does
//! (`check_expected_areq` in fe-auth.c).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::sniff::FirstByte;
use crate::settings::require_auth::{Method, Refused, RequireAuth};

/// The message scanner: where in the server's byte stream it is.
#[derive(Debug)]
pub struct AuthScan {
    rule: Arc<RequireAuth>,
    /// A one-byte TLS answer (`S`/`N`) comes first.
    ssl_answer: bool,
    header: Vec<u8>,
    skip: usize,
    asked: bool,
    done: bool,
}

impl AuthScan {
    /// A scanner for `rule`; `ssl_answer` when an SSLRequest was sent first.
    pub fn new(rule: Arc<RequireAuth>, ssl_answer: bool) -> Self {
        AuthScan {
            rule,
            ssl_answer,
            header: Vec::with_capacity(9),
            skip: 0,
            asked: false,
            done: false,
        }
    }

    /// Reads `bytes`; `Err` when the server asked for a refused method.
    fn feed(&mut self, mut bytes: &[u8]) -> Result<(), Refused> {
        while !bytes.is_empty() && !self.done {
            if self.ssl_answer {
                self.ssl_answer = false;
                match bytes[0] {
                    // TLS follows, and the scanner inside it takes over.
                    b'S' => self.done = true,
                    b'N' => bytes = &bytes[1..],
                    _ => {} // an old server's error: a message like any other
                }
                continue;
            }
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            // Five header bytes; for `R`, four more: the request's code.
            let full = if self.header.first() == Some(&b'R') {
                9
            } else {
                5
            };
            let want = if self.header.len() < 5 { 5 } else { full } - self.header.len();
            let n = want.min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            let full = if self.header.first() == Some(&b'R') {
                9
            } else {
                5
            };
            if self.header.len() == full {
                self.message_done()?;
            }
        }
        Ok(())
    }

    /// A message's header (and for `R` its code) is in: judge it, skip the rest.
    fn message_done(&mut self) -> Result<(), Refused> {
        let len = u32::from_be_bytes([
            self.header[1],
            self.header[2],
            self.header[3],
            self.header[4],
        ]) as usize;
        let read_of_body = self.header.len() - 5;
        self.skip = len.saturating_sub(4).saturating_sub(read_of_body);
        let kind = self.header[0];
        let code = (self.header.len() >= 9).then(|| {
            u32::from_be_bytes([
                self.header[5],
                self.header[6],
                self.header[7],
                self.header[8],
            ])
        });
        self.header.clear();
        match (kind, code) {
            (b'R', Some(0)) => {
                self.done = true;
                if !self.asked && !self.rule.allows(Method::None) {
                    return Err(self.refuse(Method::None));
                }
            }
            (b'R', Some(code)) => {
                let method = match code {
                    3 => Method::Password,
                    5 => Method::Md5,
                    7 | 8 => Method::Gss,
                    9 => Method::Sspi,
                    10..=12 => Method::Scram,
                    _ => return Ok(()),
                };
                // SASL continue/final messages belong to the exchange already allowed.
                if !matches!(code, 8 | 11 | 12) && !self.rule.allows(method) {
                    return Err(self.refuse(method));
                }
                self.asked = true;
            }
            (b'E', _) | (b'Z', _) => self.done = true,
            _ => {}
        }
        Ok(())
    }

    fn refuse(&self, requested: Method) -> Refused {
        Refused {
            requested,
            required: self.rule.text.clone(),
        }
    }
}

/// A stream whose reads pass the server's bytes through the first-byte check (on
/// a fresh connection) and the `require_auth` scanner (when set).
#[derive(Debug)]
pub struct Watched<S> {
    inner: S,
    first: Option<FirstByte>,
    scan: Option<AuthScan>,
}

impl<S> Watched<S> {
    /// A fresh connection: its first byte must be PostgreSQL's.
    pub fn connection(inner: S) -> Self {
        Watched {
            inner,
            first: Some(FirstByte::default()),
            scan: None,
        }
    }

    /// A stream inside TLS, scanned when `scan` is given.
    pub fn new(inner: S, scan: Option<AuthScan>) -> Self {
        Watched {
            inner,
            first: None,
            scan,
        }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The server will answer with TLS at once (`sslnegotiation=direct`).
    pub fn expect_direct_tls(&mut self) {
        if let Some(first) = self.first.as_mut() {
            first.expect_direct_tls();
        }
    }

    /// Starts scanning with `scan`.
    pub fn watch(&mut self, scan: Option<AuthScan>) {
        self.scan = scan;
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = buf.filled()[before..].to_vec();
            if let Some(first) = self.first.as_mut() {
                first.check(&new)?;
            }
            if let Some(scan) = self.scan.as_mut() {
                if let Err(refused) = scan.feed(&new) {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::PermissionDenied,
                        refused,
                    )));
                }
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: tokio_postgres::tls::TlsStream + Unpin> tokio_postgres::tls::TlsStream for Watched<S> {
    fn channel_binding(&self) -> tokio_postgres::tls::ChannelBinding {
        self.inner.channel_binding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(rule: &str, ssl: bool) -> AuthScan {
        AuthScan::new(Arc::new(RequireAuth::parse(rule, 18).unwrap()), ssl)
    }

    fn auth(code: u32, extra: &[u8]) -> Vec<u8> {
        let mut m = vec![b'R'];
        m.extend(((8 + extra.len()) as u32).to_be_bytes());
        m.extend(code.to_be_bytes());
        m.extend(extra);
        m
    }

    #[test]
    fn refuses_what_the_rule_refuses_even_split_across_reads() {
        let md5 = auth(5, b"salt");
        let mut s = scan("scram-sha-256", false);
        let err = md5.iter().try_for_each(|b| s.feed(&[*b])).unwrap_err();
        assert_eq!(err.requested, Method::Md5);
        let mut s = scan("md5", true);
        let mut bytes = vec![b'N'];
        bytes.extend(auth(5, b"salt"));
        bytes.extend(auth(0, b""));
        assert!(s.feed(&bytes).is_ok());
    }

    #[test]
    fn none_means_the_server_may_skip_authentication() {
        let ok = auth(0, b"");
        assert_eq!(
            scan("md5", false).feed(&ok).unwrap_err().requested,
            Method::None
        );
        assert!(scan("md5,none", false).feed(&ok).is_ok());
        assert!(scan("!password", false).feed(&ok).is_ok());
        let mut sasl = auth(10, b"SCRAM-SHA-256\0\0");
        sasl.extend(auth(11, b"data"));
        sasl.extend(auth(12, b"data"));
        sasl.extend(auth(0, b""));
        assert!(scan("scram-sha-256", false).feed(&sasl).is_ok());
        assert_eq!(
            scan("!scram-sha-256", false)
                .feed(&sasl)
                .unwrap_err()
                .requested,
            Method::Scram
        );
    }

    #[test]
    fn stops_below_tls() {
        let mut s = scan("md5", true);
        assert!(s.feed(b"S\x16\x03\x01garbage").is_ok());
    }
}

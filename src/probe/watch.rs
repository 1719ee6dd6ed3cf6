//! The server's bytes as pgready reads them: on a fresh connection the first
//! byte must be PostgreSQL's (`sniff`), and each authentication request is noted
//! as it arrives (in plaintext below TLS, or inside the TLS stream) — the method
//! the server asked for is a fact doctor reports — and judged: the read fails when
//! the server asks for a method `require_auth` refuses, before the client answers
//! it, as libpq does (`check_expected_areq` in fe-auth.c), or for OAuth, which
//! pgready cannot answer.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::sniff::FirstByte;
use crate::settings::require_auth::{Refused, RequireAuth};
use crate::vocab::auth::{Method, OauthRequested};

/// The method the server asked for first, once it has.
pub type Asked = Arc<OnceLock<Method>>;

/// The longest SASL mechanism list read (PostgreSQL's is two or three names).
const SASL_LIST_MAX: usize = 256;

/// The message scanner: where in the server's byte stream it is.
#[derive(Debug)]
pub struct AuthScan {
    rule: Option<Arc<RequireAuth>>,
    asked: Asked,
    /// A one-byte TLS answer (`S`/`N`) comes first.
    ssl_answer: bool,
    header: Vec<u8>,
    skip: usize,
    /// The body of `AuthenticationSASL` being read: its mechanism list.
    sasl: Option<Vec<u8>>,
    done: bool,
}

impl AuthScan {
    /// A scanner judging by `rule` (if any) and noting the method in `asked`;
    /// `ssl_answer` when an SSLRequest was sent first.
    pub fn new(rule: Option<Arc<RequireAuth>>, asked: Asked, ssl_answer: bool) -> Self {
        AuthScan {
            rule,
            asked,
            ssl_answer,
            header: Vec::with_capacity(9),
            skip: 0,
            sasl: None,
            done: false,
        }
    }

    /// Reads `bytes`; `Err` when the server asked for a method the client must
    /// not (or cannot) answer.
    fn feed(&mut self, mut bytes: &[u8]) -> io::Result<()> {
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
                if let Some(list) = self.sasl.as_mut() {
                    let room = SASL_LIST_MAX.saturating_sub(list.len()).min(n);
                    list.extend_from_slice(&bytes[..room]);
                }
                bytes = &bytes[n..];
                if self.skip == 0 {
                    if let Some(list) = self.sasl.take() {
                        self.asks(Method::of_sasl(&list))?;
                    }
                }
                continue;
            }
            // Five header bytes; for `R`, four more: the request's code.
            let want = self.header_len() - self.header.len();
            let n = want.min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() == self.header_len() {
                self.message_done()?;
            }
        }
        Ok(())
    }

    fn header_len(&self) -> usize {
        if self.header.len() >= 5 && self.header[0] == b'R' {
            9
        } else {
            5
        }
    }

    /// A message's header (and for `R` its code) is in: judge it, skip the rest
    /// (reading SASL's mechanism list).
    fn message_done(&mut self) -> io::Result<()> {
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
        match (kind, code.map(Method::of_request)) {
            (b'R', Some(Some(Method::None))) => {
                self.done = true;
                if self.asked.get().is_none() {
                    self.asks(Method::None)?;
                }
            }
            (b'R', Some(Some(Method::Scram))) if self.skip > 0 => {
                self.sasl = Some(Vec::with_capacity(32));
            }
            (b'R', Some(Some(method))) => self.asks(method)?,
            // SASL continue/final and GSS continue belong to the exchange already judged.
            (b'E', _) | (b'Z', _) => self.done = true,
            _ => {}
        }
        Ok(())
    }

    /// The server asks for `method`: note it, and refuse it if the client would.
    fn asks(&mut self, method: Method) -> io::Result<()> {
        let _ = self.asked.set(method);
        if let Some(rule) = &self.rule {
            if !rule.allows(method) {
                let refused = Refused {
                    requested: method,
                    required: rule.text.clone(),
                };
                return Err(io::Error::new(io::ErrorKind::PermissionDenied, refused));
            }
        }
        if method == Method::Oauth {
            return Err(io::Error::new(io::ErrorKind::Unsupported, OauthRequested));
        }
        Ok(())
    }
}

/// A stream whose reads pass the server's bytes through the first-byte check (on
/// a fresh connection) and the authentication scanner (when set).
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
                scan.feed(&new)?;
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
        let rule = (!rule.is_empty()).then(|| Arc::new(RequireAuth::parse(rule, 18).unwrap()));
        AuthScan::new(rule, Asked::default(), ssl)
    }

    fn auth(code: u32, extra: &[u8]) -> Vec<u8> {
        let mut m = vec![b'R'];
        m.extend(((8 + extra.len()) as u32).to_be_bytes());
        m.extend(code.to_be_bytes());
        m.extend(extra);
        m
    }

    /// The method a refusal names.
    fn refused(err: io::Error) -> Method {
        err.get_ref()
            .and_then(|e| e.downcast_ref::<Refused>())
            .map(|r| r.requested)
            .unwrap()
    }

    fn sasl(list: &[u8]) -> Vec<u8> {
        let mut bytes = auth(10, list);
        bytes.extend(auth(11, b"data"));
        bytes.extend(auth(12, b"data"));
        bytes.extend(auth(0, b""));
        bytes
    }

    #[test]
    fn refuses_what_the_rule_refuses_even_split_across_reads() {
        let md5 = auth(5, b"salt");
        let mut s = scan("scram-sha-256", false);
        let err = md5.iter().try_for_each(|b| s.feed(&[*b])).unwrap_err();
        assert_eq!(refused(err), Method::Md5);
        let mut s = scan("md5", true);
        let mut bytes = vec![b'N'];
        bytes.extend(auth(5, b"salt"));
        bytes.extend(auth(0, b""));
        assert!(s.feed(&bytes).is_ok());
        assert_eq!(s.asked.get(), Some(&Method::Md5));
    }

    #[test]
    fn none_means_the_server_may_skip_authentication() {
        let ok = auth(0, b"");
        assert_eq!(
            refused(scan("md5", false).feed(&ok).unwrap_err()),
            Method::None
        );
        assert!(scan("md5,none", false).feed(&ok).is_ok());
        assert!(scan("!password", false).feed(&ok).is_ok());
        let exchange = sasl(b"SCRAM-SHA-256\0\0");
        let mut s = scan("scram-sha-256", false);
        assert!(s.feed(&exchange).is_ok());
        assert_eq!(s.asked.get(), Some(&Method::Scram));
        assert_eq!(
            refused(scan("!scram-sha-256", false).feed(&exchange).unwrap_err()),
            Method::Scram
        );
    }

    #[test]
    fn notes_the_method_without_a_rule() {
        for (bytes, method) in [
            (auth(0, b""), Method::None),
            (auth(3, b""), Method::Password),
            (auth(5, b"salt"), Method::Md5),
            (
                sasl(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"),
                Method::Scram,
            ),
        ] {
            let mut s = scan("", false);
            bytes.iter().try_for_each(|b| s.feed(&[*b])).unwrap();
            assert_eq!(s.asked.get(), Some(&method));
        }
    }

    #[test]
    fn oauth_ends_the_read_whatever_the_rule() {
        for rule in ["", "oauth", "scram-sha-256,oauth"] {
            let mut s = scan(rule, false);
            let bytes = auth(10, b"OAUTHBEARER\0\0");
            let err = bytes.iter().try_for_each(|b| s.feed(&[*b])).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::Unsupported, "{rule}");
            assert_eq!(s.asked.get(), Some(&Method::Oauth));
        }
        let err = scan("scram-sha-256", false)
            .feed(&auth(10, b"OAUTHBEARER\0\0"))
            .unwrap_err();
        assert_eq!(refused(err), Method::Oauth);
    }

    #[test]
    fn stops_below_tls() {
        let mut s = scan("md5", true);
        assert!(s.feed(b"S\x16\x03\x01garbage").is_ok());
    }
}

//! Tells a PostgreSQL server from another service on the port by the first byte it
//! sends. A PostgreSQL server's first byte is always one of `S`/`N` (answer to the
//! TLS request), `E` (error), `R` (authentication request) or `v` (protocol
//! negotiation); an HTTP server answers `H`. Without this check a keep-alive HTTP
//! server makes the client wait for a message "length" read from `TTP/` until the
//! attempt times out.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// First bytes a PostgreSQL server can send.
const POSTGRES_FIRST_BYTES: &[u8] = b"SNERv";

/// A stream that fails with `InvalidData` when the peer's first byte cannot come
/// from PostgreSQL.
#[derive(Debug)]
pub struct Sniffed<S> {
    inner: S,
    checked: bool,
    direct_tls: bool,
}

impl<S> Sniffed<S> {
    /// Wraps a freshly connected stream.
    pub fn new(inner: S) -> Self {
        Sniffed {
            inner,
            checked: false,
            direct_tls: false,
        }
    }

    /// Direct TLS (`sslnegotiation=direct`): the server's first byte is a TLS
    /// record (0x16), not a PostgreSQL message.
    pub fn expect_direct_tls(&mut self) {
        self.direct_tls = true;
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// The error for a peer whose first bytes are not PostgreSQL's.
fn not_postgres(first: &[u8]) -> io::Error {
    let shown: String = first
        .iter()
        .take(24)
        .map(|b| {
            if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            }
        })
        .collect();
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("the peer answered \"{shown}\", which is not PostgreSQL"),
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniffed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &buf.filled()[before..];
            if !self.checked && !new.is_empty() {
                self.checked = true;
                let tls_record = self.direct_tls && new[0] == 0x16;
                if !tls_record && !POSTGRES_FIRST_BYTES.contains(&new[0]) {
                    return Poll::Ready(Err(not_postgres(new)));
                }
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniffed<S> {
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

//! Tells a PostgreSQL server from another service on the port by the first byte it
//! sends. A PostgreSQL server's first byte is always one of `S`/`N` (answer to the
//! TLS request), `E` (error), `R` (authentication request) or `v` (protocol
//! negotiation); an HTTP server answers `H`. Without this check a keep-alive HTTP
//! server makes the client wait for a message "length" read from `TTP/` until the
//! attempt times out.

use std::io;

/// First bytes a PostgreSQL server can send.
const POSTGRES_FIRST_BYTES: &[u8] = b"SNERv";

/// The check of a fresh connection's first byte.
#[derive(Debug, Default)]
pub struct FirstByte {
    checked: bool,
    direct_tls: bool,
}

impl FirstByte {
    /// Direct TLS (`sslnegotiation=direct`): the server's first byte is a TLS
    /// record (0x16), not a PostgreSQL message.
    pub fn expect_direct_tls(&mut self) {
        self.direct_tls = true;
    }

    /// Checks the first bytes read (later reads pass).
    pub fn check(&mut self, new: &[u8]) -> io::Result<()> {
        if self.checked || new.is_empty() {
            return Ok(());
        }
        self.checked = true;
        let tls_record = self.direct_tls && new[0] == 0x16;
        if !tls_record && !POSTGRES_FIRST_BYTES.contains(&new[0]) {
            return Err(not_postgres(new));
        }
        Ok(())
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

//! Small real TCP servers that play faulty peers: one that accepts and never
//! speaks, one that closes mid-handshake, one that answers HTTP. Each listens on a
//! free loopback port and stops when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// How the fake peer behaves once a client connects.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Accept, read, never answer.
    Silent,
    /// Read the first packet (SSLRequest or startup), then close.
    CloseAfterFirstPacket,
    /// Answer with an HTTP error page and keep the connection (a keep-alive HTTP
    /// server), so the client reads the page rather than a reset.
    Http,
}

/// A fake peer on 127.0.0.1.
pub struct FakePeer {
    /// Its port.
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakePeer {
    /// Starts a peer with `behaviour`.
    pub fn start(behaviour: Behaviour) -> FakePeer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || serve(listener, behaviour, flag));
        FakePeer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FakePeer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: TcpListener, behaviour: Behaviour, stop: Arc<AtomicBool>) {
    let mut held: Vec<TcpStream> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((mut stream, _)) => {
                let _ = stream.set_nonblocking(false);
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                match behaviour {
                    Behaviour::Silent => held.push(stream),
                    Behaviour::CloseAfterFirstPacket => {
                        let mut buf = [0u8; 512];
                        let _ = stream.read(&mut buf);
                    }
                    Behaviour::Http => {
                        let mut buf = [0u8; 512];
                        let _ = stream.read(&mut buf);
                        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 11\r\n\r\nBad Request");
                        held.push(stream);
                    }
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

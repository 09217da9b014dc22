//! A TCP proxy on 127.0.0.1 between devices and the hub: counts the bytes on the wire in each
//! direction (headers included) and can cut a response after a number of bytes, as a weak
//! link does. Shared by the tests and the sync benchmark.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default)]
pub struct Counters {
    pub up: AtomicU64,
    pub down: AtomicU64,
    pub connections: AtomicU64,
    /// Cut the next response after this many bytes (0: never).
    pub cut_after: AtomicU64,
}

pub struct Proxy {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
}

impl Proxy {
    pub fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                // The proxy only counts: it must not hold small writes back (Nagle's algorithm)
                // where the two ends would not.
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                c.connections.fetch_add(1, Ordering::SeqCst);
                let cut = c.cut_after.swap(0, Ordering::SeqCst);
                let (c1, c2) = (c.clone(), c.clone());
                let (mut cr, mut sw) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(&mut cr, &mut sw, &c1.up, 0));
                let (mut sr, mut cw) = (server, client);
                std::thread::spawn(move || pump(&mut sr, &mut cw, &c2.down, cut));
            }
        });
        Proxy { addr, counters }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn take(&self) -> (u64, u64) {
        (
            self.counters.up.swap(0, Ordering::SeqCst),
            self.counters.down.swap(0, Ordering::SeqCst),
        )
    }

    pub fn cut_next_response_after(&self, bytes: u64) {
        self.counters.cut_after.store(bytes, Ordering::SeqCst);
    }
}

fn pump(from: &mut TcpStream, to: &mut TcpStream, count: &AtomicU64, cut: u64) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let n = if cut > 0 && sent + n as u64 >= cut {
            (cut - sent) as usize
        } else {
            n
        };
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::SeqCst);
        sent += n as u64;
        if cut > 0 && sent >= cut {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

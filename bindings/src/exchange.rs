//! Phone to phone, with no network (`fieldcase_core::sync::peer`).
//!
//! Over a socket (Android's local-only hotspot, or any shared Wi-Fi): the phone that shows its
//! code calls `FieldStore.listenForColleague(address, hotspot)`, shows `code().text` as a QR
//! code and awaits `accept()`; the other scans it and awaits `FieldStore.exchangeWith(text)`.
//! Over any other byte stream (Network.framework between iPhones): `FieldStore.peerExchange`
//! gives the session itself; pass it what arrives (`receive`) and send what it gives
//! (`output`) until `finished()`. Every call is cancellable; what arrived before a cancel or a
//! cut stays, and the next exchange sends the rest.

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fieldcase_core::model::Kind;
use fieldcase_core::sync::client::RefusedRecord;
use fieldcase_core::sync::peer::{self, PeerCode, PeerSession};
use fieldcase_core::Store;

use crate::background::run_stoppable;
use crate::error::FieldError;
use crate::store::{FieldStore, Notifier};

/// How long a stream may stay silent mid-session before the exchange gives up.
const QUIET: Duration = Duration::from_secs(60);

/// What the listening phone shows as a QR code, read back.
#[derive(uniffi::Record, Debug, Clone, PartialEq)]
pub struct ExchangeCode {
    /// The QR code's text.
    pub text: String,
    /// `host:port` to connect to.
    pub address: String,
    /// The local-only hotspot to join first, if the listening phone opened one.
    pub network_name: Option<String>,
    pub network_password: Option<String>,
}

impl From<&PeerCode> for ExchangeCode {
    fn from(c: &PeerCode) -> Self {
        ExchangeCode {
            text: c.text(),
            address: c.address.clone(),
            network_name: c.network.as_ref().map(|n| n.0.clone()),
            network_password: c.network.as_ref().map(|n| n.1.clone()),
        }
    }
}

/// Reads the text of a scanned exchange code; anything else is `InvalidFields` in words.
#[uniffi::export]
pub fn read_exchange_code(text: String) -> Result<ExchangeCode, FieldError> {
    Ok(ExchangeCode::from(&PeerCode::parse(&text)?))
}

/// How many records of one kind.
#[derive(uniffi::Record, Debug, Clone, PartialEq)]
pub struct KindCount {
    pub kind: Kind,
    pub count: i64,
}

/// What an exchange did, to show on both phones afterwards.
#[derive(uniffi::Record, Debug, Clone, PartialEq)]
pub struct ExchangeReport {
    /// The colleague's phone and name, as the hub's registry has them.
    pub peer_device: String,
    pub peer_user: String,
    pub sent: Vec<KindCount>,
    pub received: Vec<KindCount>,
    pub unchanged: i64,
    /// What came and was not taken, and why.
    pub refused: Vec<RefusedRecord>,
    pub bytes_sent: i64,
    pub bytes_received: i64,
    pub complete: bool,
    /// The whole of it in one sentence, as both phones show it (the core's words).
    pub said: String,
}

fn counts(m: &std::collections::BTreeMap<String, u64>) -> Vec<KindCount> {
    m.iter()
        .filter_map(|(k, n)| k.parse::<Kind>().ok().map(|kind| KindCount { kind, count: *n as i64 }))
        .collect()
}

impl From<&peer::ExchangeSummary> for ExchangeReport {
    fn from(s: &peer::ExchangeSummary) -> Self {
        ExchangeReport {
            peer_device: s.peer_device.clone(),
            peer_user: s.peer_user.clone(),
            sent: counts(&s.sent),
            received: counts(&s.received),
            unchanged: s.unchanged as i64,
            refused: s
                .refused
                .iter()
                .map(|r| RefusedRecord {
                    id: r.id.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
            bytes_sent: s.bytes_sent as i64,
            bytes_received: s.bytes_received as i64,
            complete: s.complete,
            said: s.in_chinese(),
        }
    }
}

fn network(e: impl std::fmt::Display) -> FieldError {
    FieldError::Network {
        detail: format!("the connection to the other phone failed ({e})"),
    }
}

/// Runs a session over a TCP stream, looking at `stop` whenever the stream is quiet.
fn over_tcp(
    session: PeerSession<Arc<Store>>,
    mut stream: TcpStream,
    stop: &AtomicBool,
) -> Result<peer::ExchangeSummary, FieldError> {
    stream.set_nodelay(true).map_err(network)?;
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .map_err(network)?;
    let mut watched = Watched {
        stream: &mut stream,
        stop,
        quiet: Duration::ZERO,
    };
    Ok(peer::exchange(session, &mut watched)?)
}

/// A stream whose reads give up when the flag is set or nothing came for `QUIET`.
struct Watched<'a> {
    stream: &'a mut TcpStream,
    stop: &'a AtomicBool,
    quiet: Duration,
}

impl std::io::Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "the exchange was stopped",
                ));
            }
            match self.stream.read(buf) {
                Ok(n) => {
                    self.quiet = Duration::ZERO;
                    return Ok(n);
                }
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    self.quiet += Duration::from_millis(200);
                    if self.quiet >= QUIET {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the other phone said nothing for a minute",
                        ));
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl std::io::Write for Watched<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

fn cancelled() -> FieldError {
    FieldError::from(fieldcase_core::Error::Cancelled)
}

fn stopped(stop: &AtomicBool, e: FieldError) -> FieldError {
    if stop.load(Ordering::Relaxed) {
        cancelled()
    } else {
        e
    }
}

/// A phone waiting for one colleague, with the code it shows.
#[derive(uniffi::Object)]
pub struct ExchangeListener {
    store: Arc<Store>,
    socket: Mutex<Option<TcpListener>>,
    code: PeerCode,
    owner: Notifier,
}

#[uniffi::export]
impl ExchangeListener {
    /// The code to show as a QR code (and its parts).
    pub fn code(&self) -> ExchangeCode {
        ExchangeCode::from(&self.code)
    }

    /// Waits for the colleague who scanned the code and runs the exchange with them. Once:
    /// the code is spent whatever happens; show a new one for the next colleague.
    pub async fn accept(&self) -> Result<ExchangeReport, FieldError> {
        let socket = self
            .socket
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| FieldError::invalid("code", "peer_code", "this code was used already: show a new one"))?;
        let store = self.store.clone();
        let key = self.code.key;
        let summary = run_stoppable(move |stop| {
            socket.set_nonblocking(true).map_err(network)?;
            let stream = loop {
                if stop.load(Ordering::Relaxed) {
                    return Err(cancelled());
                }
                match socket.accept() {
                    Ok((s, _)) => break s,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(50))
                    }
                    Err(e) => return Err(network(e)),
                }
            };
            stream.set_nonblocking(false).map_err(network)?;
            let session = PeerSession::listen(store, key)?;
            over_tcp(session, stream, stop).map_err(|e| stopped(stop, e))
        })
        .await;
        self.owner.notify(vec![]);
        Ok(ExchangeReport::from(&summary?))
    }
}

/// One side of an exchange over a byte stream the app carries (Network.framework).
#[derive(uniffi::Object)]
pub struct PeerExchange {
    session: Arc<Mutex<PeerSession<Arc<Store>>>>,
    owner: Notifier,
}

#[uniffi::export]
impl PeerExchange {
    /// Bytes to send to the other phone now (empty: wait for what it sends).
    pub fn output(&self) -> Vec<u8> {
        self.session.lock().unwrap_or_else(|e| e.into_inner()).take_output()
    }

    /// Takes bytes from the other phone (records are applied as they come). After an error,
    /// `output()` holds the words that tell the other phone why; send them, then close.
    pub async fn receive(&self, bytes: Vec<u8>) -> Result<(), FieldError> {
        let session = self.session.clone();
        let r = run_stoppable(move |_| Ok(session.lock().unwrap_or_else(|e| e.into_inner()).receive(&bytes)?)).await;
        self.owner.notify(vec![]);
        r
    }

    /// Whether the exchange is over on this side.
    pub fn finished(&self) -> bool {
        self.session.lock().unwrap_or_else(|e| e.into_inner()).finished()
    }

    /// What came and went so far.
    pub fn report(&self) -> ExchangeReport {
        ExchangeReport::from(self.session.lock().unwrap_or_else(|e| e.into_inner()).summary())
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens a socket at `address` (`0.0.0.0:0` on the hotspot: any free port) for one
    /// colleague, with a fresh one-time code; `shown_address` is the host the other phone
    /// dials (the hotspot's address) when it is not the one bound; `hotspot_name` and
    /// `hotspot_password` go in the code when this phone opened a local-only hotspot for it.
    #[uniffi::method(default(shown_address = None, hotspot_name = None, hotspot_password = None))]
    pub fn listen_for_colleague(
        &self,
        address: String,
        shown_address: Option<String>,
        hotspot_name: Option<String>,
        hotspot_password: Option<String>,
    ) -> Result<Arc<ExchangeListener>, FieldError> {
        let socket = TcpListener::bind(&address)
            .map_err(|e| FieldError::invalid("address", "connection", format!("cannot listen on {address}: {e}")))?;
        let bound = socket.local_addr().map_err(network)?;
        // What the other phone dials: the address given to show (the hotspot's), on the port bound.
        let dial = match shown_address {
            Some(host) => format!("{host}:{}", bound.port()),
            None => bound.to_string(),
        };
        let hotspot = match (hotspot_name, hotspot_password) {
            (Some(n), Some(p)) => Some((n, p)),
            _ => None,
        };
        Ok(Arc::new(ExchangeListener {
            store: self.inner.clone(),
            socket: Mutex::new(Some(socket)),
            code: PeerCode::new(&dial, hotspot)?,
            owner: self.notifier(),
        }))
    }

    /// Runs the exchange with the colleague whose code was scanned (the phone must already be
    /// on the network the code names).
    pub async fn exchange_with(&self, code: String) -> Result<ExchangeReport, FieldError> {
        let code = PeerCode::parse(&code)?;
        let store = self.inner.clone();
        let summary = run_stoppable(move |stop| {
            let addr = code.address.clone();
            let stream = std::net::ToSocketAddrs::to_socket_addrs(&addr)
                .map_err(network)?
                .next()
                .ok_or_else(|| network(format!("{addr} is not an address")))
                .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(10)).map_err(network))?;
            let session = PeerSession::connect(store, code.key)?;
            over_tcp(session, stream, stop).map_err(|e| stopped(stop, e))
        })
        .await;
        self.notify(vec![]);
        Ok(ExchangeReport::from(&summary?))
    }

    /// The session itself, for a stream the app carries: `listening` for the phone that showed
    /// `code` (from `newExchangeCode`), else the phone that scanned it.
    pub fn peer_exchange(&self, code: String, listening: bool) -> Result<Arc<PeerExchange>, FieldError> {
        let code = PeerCode::parse(&code)?;
        let store = self.inner.clone();
        let session = if listening {
            PeerSession::listen(store, code.key)?
        } else {
            PeerSession::connect(store, code.key)?
        };
        Ok(Arc::new(PeerExchange {
            session: Arc::new(Mutex::new(session)),
            owner: self.notifier(),
        }))
    }
}

/// A fresh one-time code for a phone that carries the stream itself (Network.framework): what
/// to show, naming the service's address as the app advertises it.
#[uniffi::export]
pub fn new_exchange_code(address: String) -> Result<ExchangeCode, FieldError> {
    Ok(ExchangeCode::from(&PeerCode::new(&address, None)?))
}

//! fieldcase-hub: the township office's sync server. It is an ordinary Fieldcase store with an
//! HTTP front (axum) that speaks HTTPS with its own pinned certificate (`tls`), or plain HTTP
//! on this machine only. What each request means and does is in the core
//! (`fieldcase_core::sync::hub::routes`); here is what makes it safe to put on a network:
//!
//! - the device credential is checked before a body is read, and each request's body has a
//!   limit, checked as it arrives;
//! - at most `MAX_SESSIONS` sync sessions run at once (others wait their turn), at most
//!   `MAX_DECODING` request bodies are decompressed at once, and a device has one session at a
//!   time (a new request from it stops its last one), so a stalled or hostile device never
//!   delays others by more than its own share;
//! - answers stream from a read snapshot, one frame at a time, never holding the writer;
//! - store work runs on blocking threads; a panic there is a 500 with nothing applied.
//!
//! `client` is how the command line and the tests reach a hub. The protocol is in
//! `PROTOCOL.md`.

pub mod client;
pub mod documents;
pub mod office;
pub mod postgres;
pub mod sheets;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method as HttpMethod, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use fieldcase_core::sync::hub::{handle, status_of, Device, Reply, Route};
use fieldcase_core::sync::wire::SyncRequest;
use fieldcase_core::sync::Method;
use fieldcase_core::{Error, Store};
use tokio::sync::Semaphore;

pub use client::HttpTransport;
pub use tls::TlsIdentity;

/// Sync sessions served at once; more wait (up to `QUEUE_WAIT`) for a turn.
pub const MAX_SESSIONS: usize = 16;
/// Request bodies decompressed at once (each may expand to 32 MiB).
pub const MAX_DECODING: usize = 4;
/// An answer with more records than this is a bulk answer (a first sync, a device long away):
/// it gives back its session turn and streams in the bulk lane, one per two cores, so that the
/// many small sessions of a township are not queued behind a few large ones.
pub const BULK_RECORDS: usize = 200;
/// How long a session waits for a turn before the device is told to come back.
const QUEUE_WAIT: Duration = Duration::from_secs(30);
/// Compressed answer chunks buffered per session before the hub waits for the device.
const STREAM_BUFFER: usize = 4;

struct Hub_ {
    store: Arc<Store>,
    sessions: Arc<Semaphore>,
    decoding: Arc<Semaphore>,
    bulk: Arc<Semaphore>,
    /// The device in session, with the flag that stops its answer.
    busy: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// Told whenever a session ends, so a device's next request goes ahead at once.
    ended: tokio::sync::Notify,
}

type Shared = Arc<Hub_>;

/// An error as the device sees it: a status and one line of text.
fn error_response(e: &Error) -> Response {
    let status = StatusCode::from_u16(status_of(e)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!("{e}");
    }
    (status, e.to_string()).into_response()
}

fn plain(status: StatusCode, text: impl Into<String>) -> Response {
    (status, text.into()).into_response()
}

/// Runs store work off the async threads; a panic there becomes an error, never a crash.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(Error::Internal("internal error; nothing was applied".into())))
}

fn token(headers: &HeaderMap) -> Result<String, Error> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| Error::Unauthorised("no device credential (Authorization: Bearer ...)".into()))
}

/// Marks a device as in session until dropped.
struct InSession {
    hub: Shared,
    device: String,
    stop: Arc<AtomicBool>,
}

impl Drop for InSession {
    fn drop(&mut self) {
        let mut busy = self.hub.busy.lock().unwrap_or_else(|e| e.into_inner());
        if busy.get(&self.device).is_some_and(|s| Arc::ptr_eq(s, &self.stop)) {
            busy.remove(&self.device);
        }
        drop(busy);
        self.hub.ended.notify_waiters();
    }
}

/// How long a device's new request waits for its last session to stop.
const TAKE_OVER_WAIT: Duration = Duration::from_secs(5);

/// A device has one session at a time. A new request from it means its last connection is
/// gone (a phone that lost its link retries): the old session is stopped at its next frame
/// and the new one goes ahead.
async fn begin_session(hub: &Shared, device: &str) -> Option<InSession> {
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = tokio::time::Instant::now() + TAKE_OVER_WAIT;
    loop {
        // Listening before looking, so an end that comes in between is not missed.
        let ended = hub.ended.notified();
        {
            let mut busy = hub.busy.lock().unwrap_or_else(|e| e.into_inner());
            match busy.get(device) {
                Some(old) => old.store(true, Ordering::SeqCst),
                None => {
                    busy.insert(device.to_string(), stop.clone());
                    return Some(InSession {
                        hub: hub.clone(),
                        device: device.to_string(),
                        stop,
                    });
                }
            }
        }
        if tokio::time::timeout_at(deadline, ended).await.is_err() {
            return None;
        }
    }
}

async fn any(State(hub): State<Shared>, method: HttpMethod, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    let method = match method {
        HttpMethod::GET => Method::Get,
        HttpMethod::POST => Method::Post,
        HttpMethod::PUT => Method::Put,
        _ => return plain(StatusCode::METHOD_NOT_ALLOWED, "GET, POST or PUT"),
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
    let route = match Route::parse(method, &path) {
        Ok(r) => r,
        Err(e) => return error_response(&e),
    };
    // The credential before the body: a stranger's bytes are never read.
    let device = if route.needs_device() {
        let store = hub.store.clone();
        let checked = match token(&headers) {
            Ok(t) => blocking(move || store.hub().authenticate(&t)).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(d) => Some(d),
            Err(e) => return error_response(&e),
        }
    } else {
        None
    };
    let limit = route.max_body();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return plain(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is larger than this request may be ({limit} bytes)"),
            )
        }
    };
    match route {
        Route::Sync => sync(hub, device, bytes).await,
        route => {
            let store = hub.store.clone();
            let reply = blocking(move || match handle(store, &route, device.as_ref(), &bytes)? {
                Reply::Text(t) => Ok(([(header::CONTENT_TYPE, "text/plain")], t.to_string()).into_response()),
                Reply::Json(j) => Ok(([(header::CONTENT_TYPE, "application/json")], j).into_response()),
                Reply::Bytes(b) => Ok(([(header::CONTENT_TYPE, "application/octet-stream")], b).into_response()),
                Reply::Stream(_) => Err(Error::Internal("a stream where none was expected".into())),
            })
            .await;
            reply.unwrap_or_else(|e| error_response(&e))
        }
    }
}

/// One sync session: a turn among `MAX_SESSIONS`, one session per device, the body decoded
/// under `MAX_DECODING`, uploads applied, then the answer streamed.
async fn sync(hub: Shared, device: Option<Device>, body: axum::body::Bytes) -> Response {
    let Some(device) = device else {
        return error_response(&Error::Unauthorised("no device credential".into()));
    };
    let Some(in_session) = begin_session(&hub, &device.id).await else {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            "a sync of this device is already running; try again when it ends",
        );
    };
    let turn = match tokio::time::timeout(QUEUE_WAIT, hub.sessions.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "the hub is busy; try again in a minute",
            )
        }
    };
    let decoding = match hub.decoding.clone().acquire_owned().await {
        Ok(p) => p,
        Err(_) => return plain(StatusCode::SERVICE_UNAVAILABLE, "the hub is stopping"),
    };
    let req = match blocking(move || SyncRequest::decode(&body)).await {
        Ok(r) => r,
        Err(e) => return error_response(&e),
    };
    drop(decoding);
    // The answer's first chunk, or why there is none (`None`: no bulk turn came in time).
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<Result<Vec<u8>, Option<Error>>>();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(STREAM_BUFFER);
    let store = hub.store.clone();
    let bulk = hub.bulk.clone();
    let runtime = tokio::runtime::Handle::current();
    let worker = tokio::task::spawn_blocking(move || {
        // The turn and the session mark last as long as the answer streams. A bulk answer
        // trades its turn for one in the bulk lane before it holds a snapshot.
        let mut turn = Some(turn);
        let _in_session = in_session;
        let bulky = store
            .hub()
            .feed_rows_after(req.cursor)
            .is_ok_and(|n| n > BULK_RECORDS as u64);
        let _bulk_turn = if bulky {
            turn = None;
            match runtime.block_on(tokio::time::timeout(QUEUE_WAIT, bulk.acquire_owned())) {
                Ok(Ok(p)) => Some(p),
                _ => {
                    let _ = first_tx.send(Err(None));
                    return;
                }
            }
        } else {
            None
        };
        let _turn = turn;
        let mut answer = match fieldcase_core::sync::hub::serve_sync(store, &device, &req) {
            Ok(a) => a,
            Err(e) => {
                let _ = first_tx.send(Err(Some(e)));
                return;
            }
        };

        match answer.next() {
            Some(Ok(chunk)) => {
                if first_tx.send(Ok(chunk)).is_err() {
                    return;
                }
            }
            Some(Err(e)) => {
                let _ = first_tx.send(Err(Some(e)));
                return;
            }
            None => return,
        }
        for chunk in answer {
            if _in_session.stop.load(Ordering::SeqCst) {
                return;
            }
            let item = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let stop = item.is_err();
            if tx.blocking_send(item).is_err() || stop {
                return;
            }
        }
    });
    match first_rx.await {
        Ok(Ok(first)) => {
            let rest = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
            let stream = futures_util::StreamExt::chain(futures_util::stream::once(async move { Ok(first) }), rest);
            (
                [(header::CONTENT_TYPE, "application/x-fieldcase-sync")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        Ok(Err(Some(e))) => error_response(&e),
        Ok(Err(None)) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "the hub is busy; try again in a minute",
        ),
        Err(_) => {
            // The worker ended without a word: it panicked.
            let _ = worker.await;
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error; nothing was applied")
        }
    }
}

/// The hub's routes over `store`.
pub fn router(store: Arc<Store>) -> Router {
    let hub = Arc::new(Hub_ {
        store,
        sessions: Arc::new(Semaphore::new(MAX_SESSIONS)),
        decoding: Arc::new(Semaphore::new(MAX_DECODING)),
        bulk: Arc::new(Semaphore::new(
            (std::thread::available_parallelism().map_or(1, |n| n.get()) / 2).max(1),
        )),
        busy: Mutex::new(HashMap::new()),
        ended: tokio::sync::Notify::new(),
    });
    Router::new().fallback(any).with_state(hub)
}

/// Everything the hub serves: the phones' sync and the office's pages.
pub fn app(store: Arc<Store>, secure: bool) -> Router {
    office::router(store.clone(), secure).merge(router(store))
}

/// A hub started by a program that blocks signals (its children inherit the mask) must still
/// stop on SIGTERM and Ctrl-C: unblock them before the runtime's threads start.
fn accept_stop_signals() {
    #[cfg(unix)]
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

/// How long requests under way may take to finish once the hub is told to stop.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Why the hub cannot take its address, and what to do about it.
fn cannot_listen(listen: SocketAddr, e: std::io::Error) -> Error {
    let why = match e.kind() {
        std::io::ErrorKind::AddrInUse => "the address is already in use (is another hub running?)".to_string(),
        std::io::ErrorKind::PermissionDenied => "not allowed (ports below 1024 need root)".to_string(),
        std::io::ErrorKind::AddrNotAvailable => "this machine has no such address".to_string(),
        _ => e.to_string(),
    };
    Error::Network(format!(
        "cannot listen on {listen}: {why}; choose another address with --listen (scripts/hub: HUB_LISTEN=127.0.0.1:8444)"
    ))
}

/// Plain HTTP is only for this machine: anything else is served over TLS.
pub fn check_listen(addr: &SocketAddr, tls: bool) -> Result<(), Error> {
    if tls || addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(Error::invalid(
            "listen",
            "loopback_only",
            format!("{addr} is not a loopback address; plain HTTP is served only on 127.0.0.1 (serve with TLS, the default for other addresses)"),
        ))
    }
}

/// Serves `app` on `listener` until `stop` resolves: plain HTTP, or TLS with `tls`.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    tls: Option<TlsIdentity>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let Some(tls) = tls else {
        // Answers go out as soon as they are written: a small answer must not wait for the
        // phone's delayed acknowledgement of the one before (Nagle's algorithm).
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        // Requests under way get a few seconds to finish; a client that holds its connection
        // open (or stopped reading) does not keep the hub from stopping.
        let (stopped, on_stop) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            stop.await;
            let _ = stopped.send(true);
        });
        let mut graceful = on_stop.clone();
        let mut deadline = on_stop;
        tokio::select! {
            served = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = graceful.wait_for(|s| *s).await;
            }) => served?,
            _ = async move {
                let _ = deadline.wait_for(|s| *s).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {}
        }
        return Ok(());
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config()?);
    let service = hyper_util::service::TowerToHyperService::new(app);
    tokio::pin!(stop);
    loop {
        let (tcp, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept: {e}");
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = service.clone();
        tokio::spawn(async move {
            // A handshake that does not finish in time is dropped.
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(20), acceptor.accept(tcp)).await else {
                return;
            };
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(io, service)
                .await;
        });
    }
}

/// A hub running on its own thread, for tests, benchmarks and embedding; stops when dropped.
pub struct Hub {
    pub addr: SocketAddr,
    /// The certificate's fingerprint when serving TLS.
    pub pin: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hub {
    /// Plain HTTP on a loopback address.
    pub fn start(store: Store, listen: SocketAddr) -> Result<Hub, Error> {
        Hub::start_with(store, listen, None)
    }

    pub fn start_with(store: Store, listen: SocketAddr, tls: Option<TlsIdentity>) -> Result<Hub, Error> {
        check_listen(&listen, tls.is_some())?;
        store.hub().register()?;
        let pin = tls.as_ref().map(|t| t.fingerprint());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(Error::Io(e)));
                    return;
                }
            };
            rt.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(listen).await {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(cannot_listen(listen, e)));
                        return;
                    }
                };
                let _ = ready_tx.send(listener.local_addr().map_err(Error::Io));
                let stop = async {
                    let _ = stopped.await;
                };
                let secure = tls.is_some();
                if let Err(e) = serve(listener, app(Arc::new(store), secure), tls, stop).await {
                    tracing::error!("the hub stopped: {e}");
                }
            });
        });
        let addr = ready_rx
            .recv()
            .map_err(|_| Error::Internal("the hub thread stopped".into()))??;
        Ok(Hub {
            addr,
            pin,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        match self.pin {
            Some(_) => format!("https://{}/", self.addr),
            None => format!("http://{}/", self.addr),
        }
    }

    /// Stops serving and waits until the store is closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Serves until the process is stopped (Ctrl-C or SIGTERM). Calls `ready` with the bound
/// address once it accepts connections (port 0 picks a free port).
pub fn run(
    store: Store,
    listen: SocketAddr,
    tls: Option<TlsIdentity>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), Error> {
    check_listen(&listen, tls.is_some())?;
    store.hub().register()?;
    accept_stop_signals();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| cannot_listen(listen, e))?;
        ready(listener.local_addr()?);
        let stop = async {
            let term = async {
                #[cfg(unix)]
                if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    s.recv().await;
                    return;
                }
                std::future::pending::<()>().await
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term => {},
            }
        };
        let secure = tls.is_some();
        serve(listener, app(Arc::new(store), secure), tls, stop).await
    })
}

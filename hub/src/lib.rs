//! fieldcase-hub: the township office's sync server. It is an ordinary Fieldcase store with
//! an HTTP front (axum) and an authoriser: every request but `join` carries a device
//! credential, checked on each request so that a revoked device is refused at once. The
//! protocol is in `PROTOCOL.md`; the store work runs on blocking threads.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldcase_core::sync::wire::SyncRequest;
use fieldcase_core::sync::Device;
use fieldcase_core::{Error, ErrorKind, Store};
use serde::Deserialize;

/// Largest sync request body (compressed).
pub const MAX_SYNC_BODY: usize = 64 << 20;
/// Largest attachment chunk.
pub const MAX_CHUNK_BODY: usize = 1 << 20;

type Shared = Arc<Store>;

/// An error as the device sees it: a status and one line of text.
struct HubError(StatusCode, String);

impl From<Error> for HubError {
    fn from(e: Error) -> Self {
        let status = match e.kind() {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Refused => StatusCode::CONFLICT,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Unauthorised => StatusCode::UNAUTHORIZED,
            ErrorKind::Network | ErrorKind::Failed => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{e}");
        }
        HubError(status, e.to_string())
    }
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

/// Runs store work off the async threads; a panic there becomes a 500, never a crash.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, HubError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(HubError::from),
        Err(_) => Err(HubError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; nothing was applied".into(),
        )),
    }
}

fn token(headers: &HeaderMap) -> Result<String, HubError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .ok_or_else(|| {
            HubError(
                StatusCode::UNAUTHORIZED,
                "no device credential (Authorization: Bearer ...)".into(),
            )
        })
}

fn device(store: &Store, headers: &HeaderMap) -> Result<Device, HubError> {
    let t = token(headers)?;
    store.authenticate(&t).map_err(HubError::from)
}

#[derive(Deserialize)]
struct JoinBody {
    code: String,
}

async fn join(State(store): State<Shared>, body: Bytes) -> Result<Response, HubError> {
    let req: JoinBody =
        serde_json::from_slice(&body).map_err(|e| HubError(StatusCode::BAD_REQUEST, format!("join body: {e}")))?;
    let joined = blocking(move || store.redeem(&req.code)).await?;
    Ok(Json(joined).into_response())
}

async fn sync(State(store): State<Shared>, headers: HeaderMap, body: Bytes) -> Result<Response, HubError> {
    let out = blocking(move || {
        let device = device(&store, &headers).map_err(|e| Error::Unauthorised(e.1))?;
        let req = SyncRequest::decode(&body)?;
        store.serve_sync(&device, &req)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/x-fieldcase-sync")], out).into_response())
}

/// Checks that the device may see attachment `sha` (some record in its scope refers to it).
fn visible(store: &Store, device: &Device, sha: &str) -> Result<(), Error> {
    let township = (device.role != fieldcase_core::Role::Office).then_some(device.township.as_str());
    if store.attachment_visible(sha, township)? {
        Ok(())
    } else {
        Err(Error::NotFound {
            what: "attachment in this device's records",
            id: sha.into(),
        })
    }
}

async fn attachment_state(
    State(store): State<Shared>,
    headers: HeaderMap,
    Path(sha): Path<String>,
) -> Result<Response, HubError> {
    let state = blocking(move || {
        let d = device(&store, &headers).map_err(|e| Error::Unauthorised(e.1))?;
        visible(&store, &d, &sha)?;
        store.attachment_received(&sha)
    })
    .await?;
    Ok(Json(state).into_response())
}

#[derive(Deserialize)]
struct ChunkAt {
    offset: u64,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    len: Option<u64>,
}

async fn attachment_put(
    State(store): State<Shared>,
    headers: HeaderMap,
    Path(sha): Path<String>,
    Query(at): Query<ChunkAt>,
    body: Bytes,
) -> Result<Response, HubError> {
    let state = blocking(move || {
        let d = device(&store, &headers).map_err(|e| Error::Unauthorised(e.1))?;
        visible(&store, &d, &sha)?;
        store.attachment_chunk(&sha, at.size, at.offset, &body)
    })
    .await?;
    Ok(Json(state).into_response())
}

async fn attachment_data(
    State(store): State<Shared>,
    headers: HeaderMap,
    Path(sha): Path<String>,
    Query(at): Query<ChunkAt>,
) -> Result<Response, HubError> {
    let bytes = blocking(move || {
        let d = device(&store, &headers).map_err(|e| Error::Unauthorised(e.1))?;
        visible(&store, &d, &sha)?;
        store.attachment_range(
            &sha,
            at.offset,
            at.len.unwrap_or(MAX_CHUNK_BODY as u64).min(MAX_CHUNK_BODY as u64),
        )
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}

async fn health() -> &'static str {
    "fieldcase hub\n"
}

/// The hub's routes over `store`.
pub fn router(store: Shared) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/join", post(join).layer(DefaultBodyLimit::max(4096)))
        .route("/v1/sync", post(sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY)))
        .route(
            "/v1/attachments/{sha}",
            get(attachment_state)
                .put(attachment_put)
                .layer(DefaultBodyLimit::max(MAX_CHUNK_BODY)),
        )
        .route("/v1/attachments/{sha}/data", get(attachment_data))
        .with_state(store)
}

/// Plain HTTP is only for this machine: devices elsewhere must reach the hub over TLS.
pub fn check_listen(addr: &SocketAddr) -> Result<(), Error> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(Error::invalid(
            "listen",
            "loopback_only",
            format!("{addr} is not a loopback address; plain HTTP is served only on 127.0.0.1 (put a TLS front such as a reverse proxy before a public address)"),
        ))
    }
}

/// A hub running on its own thread, for tests, benchmarks and embedding; stops when dropped.
pub struct Hub {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hub {
    pub fn start(store: Store, listen: SocketAddr) -> Result<Hub, Error> {
        check_listen(&listen)?;
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
                        let _ = ready_tx.send(Err(Error::Io(e)));
                        return;
                    }
                };
                let _ = ready_tx.send(listener.local_addr().map_err(Error::Io));
                let _ = axum::serve(listener, router(Arc::new(store)))
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let addr = ready_rx
            .recv()
            .map_err(|_| Error::Internal("the hub thread stopped".into()))??;
        Ok(Hub {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
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
pub fn run(store: Store, listen: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<(), Error> {
    check_listen(&listen)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, router(Arc::new(store)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}

//! Joining a hub and syncing with it, over the app's transport: progress as it goes, and a
//! cancel that stops at once (an apply in progress rolls back whole; what was applied before
//! it stays).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use fieldcase_core::sync::{HubLink, JoinLink, Progress, SyncOptions, SyncPhase, SyncReport, SyncStatus};
use fieldcase_core::Store;

use crate::background::run;
use crate::error::FieldError;
use crate::store::{FieldStore, Folder, KeyProvider};
use crate::transport::{Foreign, HubTransport};

/// Told how a sync is going: records first, then attachments, `done` of `total`.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    fn progress(&self, phase: SyncPhase, done: i64, total: i64);
}

/// Cancels a running sync: it stops at once and ends with `Cancelled`; what arrived before
/// is kept, and the next sync goes on from there.
#[derive(uniffi::Object, Default)]
pub struct CancelToken {
    flag: AtomicBool,
    store: Mutex<Option<Weak<Store>>>,
}

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        let store = self.store.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(s) = store.and_then(|w| w.upgrade()) {
            s.sync().interrupt();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

/// The hub a store has joined, as the app may know it (no secret).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct JoinedHub {
    pub url: String,
    pub device: String,
    /// SHA-256 (hex) of the hub's TLS certificate the transport accepts.
    pub pin: Option<String>,
}

/// Cancels its token when dropped before `disarm`: the call that holds it was abandoned (a
/// cancelled coroutine or task dropped its future), so its work on the library's threads stops.
struct CancelOnDrop(Option<Arc<CancelToken>>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

/// What a join link (the office's QR code) holds.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct JoinLinkInfo {
    pub hub: String,
    pub code: String,
    /// SHA-256 of the hub's certificate, which the transport must pin.
    pub pin: Option<String>,
}

/// Reads a join link `fieldcase://join?hub=…&code=…&pin=…`; a malformed one is `InvalidFields`.
#[uniffi::export]
pub fn parse_join_link(link: String) -> Result<JoinLinkInfo, FieldError> {
    let l = JoinLink::parse(&link)?;
    Ok(JoinLinkInfo {
        hub: l.hub,
        code: l.code,
        pin: l.pin,
    })
}

/// Makes a new store in `dir` by joining the hub of `link`: the township, user and role are
/// the ones the office enrolled. If joining fails, nothing is left in `dir`.
#[uniffi::export]
pub async fn join_new_store(
    dir: Folder,
    keys: Arc<dyn KeyProvider>,
    link: String,
    transport: Arc<dyn HubTransport>,
) -> Result<Arc<FieldStore>, FieldError> {
    let key: [u8; 32] = keys
        .store_key()
        .try_into()
        .map_err(|_| FieldError::invalid("key", "key_32_bytes", "the store key must be 32 bytes"))?;
    run(move || {
        let (l, t) = joining(&link, transport)?;
        let (store, _) = Store::create_by_joining(&dir.0, &key, &t, &l.hub, l.pin.as_deref(), &l.code)?;
        Ok(FieldStore::wrap(store))
    })
    .await
}

/// The join link read, and the app's transport bound to the hub it names (and its pin).
fn joining(link: &str, transport: Arc<dyn HubTransport>) -> fieldcase_core::Result<(JoinLink, Foreign)> {
    let l = JoinLink::parse(link)?;
    let t = Foreign {
        transport,
        hub: l.hub.clone(),
        pin: l.pin.clone(),
    };
    Ok((l, t))
}

#[uniffi::export]
impl FieldStore {
    /// Joins the hub of `link` with this store (of the same township).
    pub async fn join(&self, link: String, transport: Arc<dyn HubTransport>) -> Result<(), FieldError> {
        let store = self.inner.clone();
        run(move || {
            let (l, t) = joining(&link, transport)?;
            store.sync().join(&t, &l.hub, l.pin.as_deref(), &l.code)?;
            Ok(())
        })
        .await
    }

    /// Where this phone stands with its hub: last sync, what waits to go, open conflicts.
    pub async fn sync_status(&self) -> Result<SyncStatus, FieldError> {
        let store = self.inner.clone();
        run(move || Ok(store.sync().status()?)).await
    }

    /// The hub this store syncs with, once joined: where it is, this device's id there, and the
    /// certificate it is pinned to. The device's secret stays inside the library: the requests
    /// the transport is handed are already authorised.
    pub async fn hub_link(&self) -> Result<Option<JoinedHub>, FieldError> {
        let store = self.inner.clone();
        run(move || {
            Ok(store.sync().link()?.map(|l: HubLink| JoinedHub {
                url: l.url,
                device: l.device,
                pin: l.pin,
            }))
        })
        .await
    }

    /// One sync session with the hub over the app's transport: sends what the hub lacks,
    /// takes what this phone lacks (applied frame by frame as it arrives), then attachments.
    ///
    /// It stops when `cancel` is cancelled and also when the call itself is abandoned (a
    /// cancelled Kotlin coroutine drops it): what arrived before is kept either way.
    #[uniffi::method(default(progress = None, cancel = None))]
    pub async fn sync(
        &self,
        transport: Arc<dyn HubTransport>,
        progress: Option<Arc<dyn SyncProgress>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncReport, FieldError> {
        let store = self.inner.clone();
        let cancel = cancel.unwrap_or_default();
        *cancel.store.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::downgrade(&store));
        let abandoned = CancelOnDrop(Some(cancel.clone()));
        let cancel = Some(cancel);
        let report = run(move || {
            let link = store
                .sync()
                .link()?
                .ok_or_else(|| FieldError::invalid("hub", "joined", "this store has not joined a hub"))?;
            let report_progress = |p: &Progress| {
                if let Some(cb) = &progress {
                    cb.progress(p.phase, p.done, p.total);
                }
            };
            let opts = SyncOptions {
                progress: Some(&report_progress),
                cancel: cancel.as_ref().map(|c| &c.flag),
            };
            let t = Foreign {
                transport,
                hub: link.url.clone(),
                pin: link.pin.clone(),
            };
            Ok(store.sync().run(&t, &opts)?)
        })
        .await;
        abandoned.disarm();
        let report = report?;
        if report.records_received > 0 {
            self.notify(vec![]);
        }
        Ok(report)
    }
}

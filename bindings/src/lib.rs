//! fieldcase-ffi: the phone API, generated for Kotlin and Swift by uniffi. It only maps:
//! every rule lives in fieldcase-core. Records cross as typed records (the core model derives
//! the uniffi traits), instants as `Instant` / `Date`, money as integer fen.
//!
//! Threads: every object may be used from any thread. Calls that touch the store or the
//! network **block** (marked "Blocking" below): phones call them off the main thread.
//! Nothing panics across the boundary: a panic inside becomes `FieldError.Storage`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fieldcase_core::model::{self, AttachmentRef};
use fieldcase_core::store::{HistoryEntry, Identity, LedgerQuery, LedgerRow, Saved, SealStatus};
use fieldcase_core::sync::{HubRequest, SyncOptions, SyncReport};
use fieldcase_core::{ErrorKind, ImportReport, Role, Store};

uniffi::setup_scaffolding!();

/// What went wrong, in terms a phone can act on.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum FieldError {
    /// A value breaks a rule: show `reason` next to `field`.
    #[error("{field}: {reason} ({rule})")]
    InvalidField {
        field: String,
        rule: String,
        reason: String,
    },
    /// The record is signed and sealed: offer to record a correction instead.
    #[error("record {id} is sealed")]
    Sealed { id: String },
    #[error("{detail}")]
    NotFound { detail: String },
    /// The store could not be opened or written (wrong key, full disk, damage).
    #[error("{detail}")]
    Storage { detail: String },
    /// The hub could not be reached, the link dropped or the sync was cancelled: try again.
    #[error("{detail}")]
    Network { detail: String },
    /// This device is not enrolled at the hub, or was revoked.
    #[error("{detail}")]
    Unauthorised { detail: String },
}

impl From<fieldcase_core::Error> for FieldError {
    fn from(e: fieldcase_core::Error) -> Self {
        if let fieldcase_core::Error::Sealed { id } = &e {
            return FieldError::Sealed { id: id.clone() };
        }
        if let Some(p) = e.problems().first() {
            return FieldError::InvalidField {
                field: p.field.clone(),
                rule: p.rule.clone(),
                reason: p.message.clone(),
            };
        }
        let detail = e.to_string();
        match e.kind() {
            ErrorKind::Invalid | ErrorKind::Refused => FieldError::InvalidField {
                field: String::new(),
                rule: "refused".into(),
                reason: detail,
            },
            ErrorKind::NotFound => FieldError::NotFound { detail },
            ErrorKind::Unauthorised => FieldError::Unauthorised { detail },
            ErrorKind::Network => FieldError::Network { detail },
            ErrorKind::Failed => FieldError::Storage { detail },
        }
    }
}

/// Runs `f`, turning a panic into an error so that it never reaches the app.
fn guard<T>(f: impl FnOnce() -> Result<T, FieldError>) -> Result<T, FieldError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let what = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(FieldError::Storage {
            detail: format!("internal error ({what}); nothing was saved"),
        })
    })
}

/// Supplies the store's 32-byte key: from the Android Keystore or the iOS Keychain.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    fn store_key(&self) -> Vec<u8>;
}

/// Told when records change, so lists can refresh. An empty list means "many changed".
#[uniffi::export(with_foreign)]
pub trait RecordListener: Send + Sync {
    fn records_changed(&self, ids: Vec<String>);
}

/// Told how a sync is going.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    fn progress(&self, phase: String, done: u64, total: u64);
}

/// How the app reaches the hub: OkHttp on Android, URLSession on iOS. `send` sends the
/// request to the hub's address + `request.path` (with its headers and body), over HTTPS with
/// the hub's certificate pinned, and hands the answer to `response`: `status` first, then the
/// body in pieces as they arrive. When `data` throws, stop reading and return.
#[uniffi::export(with_foreign)]
pub trait HubTransport: Send + Sync {
    fn send(&self, request: HubRequest, response: Arc<HubResponse>) -> Result<(), FieldError>;
}

/// Where the app's transport puts the hub's answer.
#[derive(uniffi::Object)]
pub struct HubResponse {
    tx: std::sync::mpsc::SyncSender<Part>,
}

enum Part {
    Status(u16),
    Data(Vec<u8>),
}

#[uniffi::export]
impl HubResponse {
    pub fn status(&self, code: u16) -> Result<(), FieldError> {
        self.tx.send(Part::Status(code)).map_err(|_| stopped())
    }

    /// A piece of the body. Throws when the session stopped (cancelled, or the answer was
    /// damaged): stop reading then.
    pub fn data(&self, bytes: Vec<u8>) -> Result<(), FieldError> {
        self.tx.send(Part::Data(bytes)).map_err(|_| stopped())
    }
}

fn stopped() -> FieldError {
    FieldError::Network {
        detail: "the sync session stopped reading".into(),
    }
}

/// The app's transport as the core sees it: the app's `send` runs on a thread of its own and
/// its pieces are read here as they come (at most a few in flight).
struct Foreign(Arc<dyn HubTransport>);

impl fieldcase_core::sync::HubTransport for Foreign {
    fn send(
        &self,
        request: &fieldcase_core::sync::HubRequest,
        response: &mut dyn fieldcase_core::sync::ResponseSink,
    ) -> Result<(), fieldcase_core::Error> {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let transport = self.0.clone();
        let request = request.clone();
        let sending = std::thread::spawn(move || {
            catch_unwind(AssertUnwindSafe(|| {
                transport.send(request, Arc::new(HubResponse { tx }))
            }))
            .unwrap_or_else(|_| Err(stopped()))
        });
        let mut failed = None;
        for part in rx {
            let r = match part {
                Part::Status(code) => response.status(code),
                Part::Data(bytes) => response.data(&bytes),
            };
            if let Err(e) = r {
                // Dropping the receiver makes the app's next `data` throw.
                failed = Some(e);
                break;
            }
        }
        let sent = sending.join().unwrap_or_else(|_| Err(stopped()));
        if let Some(e) = failed {
            return Err(e);
        }
        sent.map_err(|e| fieldcase_core::Error::Network(e.to_string()))
    }
}

/// Cancels a running sync at its next frame or chunk; what arrived is kept.
#[derive(uniffi::Object, Default)]
pub struct CancelToken {
    flag: AtomicBool,
}

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
    }
}

/// A record of any kind.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum FieldRecord {
    Employer { value: model::Employer },
    Project { value: model::Project },
    Case { value: model::Case },
    Inspection { value: model::Inspection },
    Interview { value: model::Interview },
    Incident { value: model::Incident },
    Mediation { value: model::Mediation },
    Calendar { value: model::WorkCalendar },
}

impl From<FieldRecord> for model::Record {
    fn from(r: FieldRecord) -> Self {
        match r {
            FieldRecord::Employer { value } => model::Record::Employer(value),
            FieldRecord::Project { value } => model::Record::Project(value),
            FieldRecord::Case { value } => model::Record::Case(value),
            FieldRecord::Inspection { value } => model::Record::Inspection(value),
            FieldRecord::Interview { value } => model::Record::Interview(value),
            FieldRecord::Incident { value } => model::Record::Incident(value),
            FieldRecord::Mediation { value } => model::Record::Mediation(value),
            FieldRecord::Calendar { value } => model::Record::Calendar(value),
        }
    }
}

impl From<model::Record> for FieldRecord {
    fn from(r: model::Record) -> Self {
        match r {
            model::Record::Employer(value) => FieldRecord::Employer { value },
            model::Record::Project(value) => FieldRecord::Project { value },
            model::Record::Case(value) => FieldRecord::Case { value },
            model::Record::Inspection(value) => FieldRecord::Inspection { value },
            model::Record::Interview(value) => FieldRecord::Interview { value },
            model::Record::Incident(value) => FieldRecord::Incident { value },
            model::Record::Mediation(value) => FieldRecord::Mediation { value },
            model::Record::Calendar(value) => FieldRecord::Calendar { value },
        }
    }
}

/// Two or more values two devices set for the same field (`rule` empty), or a rule the
/// merged record breaks (`rule` and `message` say which); `values` are shown as text.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FieldConflict {
    pub id: String,
    pub path: String,
    pub values: Vec<String>,
    pub rule: Option<String>,
    pub message: Option<String>,
}

/// A record as stored, with what the store knows about it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct StoredRecord {
    pub id: String,
    pub record: FieldRecord,
    pub seal: Option<SealStatus>,
    pub conflicts: Vec<FieldConflict>,
    pub deadline: Option<std::time::SystemTime>,
    pub deadline_rule: Option<String>,
}

/// The listeners of one store, each with the id its handle removes it by.
type Listeners = Arc<Mutex<Vec<(u64, Arc<dyn RecordListener>)>>>;

/// Stops a listener when dropped (or when `stop` is called).
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    id: u64,
    listeners: Listeners,
}

#[uniffi::export]
impl ListenerHandle {
    pub fn stop(&self) {
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(i, _)| *i != self.id);
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The record store on the phone.
#[derive(uniffi::Object)]
pub struct FieldStore {
    inner: Arc<Store>,
    listeners: Listeners,
    next_listener: AtomicU64,
}

fn key_of(keys: &Arc<dyn KeyProvider>) -> Result<[u8; 32], FieldError> {
    keys.store_key().try_into().map_err(|_| FieldError::InvalidField {
        field: "key".into(),
        rule: "key_32_bytes".into(),
        reason: "the store key must be 32 bytes".into(),
    })
}

impl FieldStore {
    fn wrap(store: Store) -> Arc<Self> {
        Arc::new(FieldStore {
            inner: Arc::new(store),
            listeners: Arc::default(),
            next_listener: AtomicU64::new(1),
        })
    }

    fn notify(&self, ids: Vec<String>) {
        let listeners: Vec<_> = self
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(_, l)| l.clone())
            .collect();
        for l in listeners {
            l.records_changed(ids.clone());
        }
    }
}

#[uniffi::export]
impl FieldStore {
    /// Blocking. Makes a new store in `dir` for one user on this device.
    #[uniffi::constructor]
    pub fn create(
        dir: String,
        keys: Arc<dyn KeyProvider>,
        township: String,
        user: String,
        role: Role,
    ) -> Result<Arc<Self>, FieldError> {
        guard(|| {
            Ok(Self::wrap(Store::create(
                &PathBuf::from(dir),
                &key_of(&keys)?,
                &township,
                &user,
                role,
            )?))
        })
    }

    /// Blocking. Opens the store in `dir`, upgrading its layout if needed.
    #[uniffi::constructor]
    pub fn open(dir: String, keys: Arc<dyn KeyProvider>) -> Result<Arc<Self>, FieldError> {
        guard(|| Ok(Self::wrap(Store::open(&PathBuf::from(dir), &key_of(&keys)?)?)))
    }

    pub fn identity(&self) -> Identity {
        self.inner.identity().clone()
    }

    /// Blocking. Saves a new record (a draft may be incomplete); warnings never block.
    pub fn create_record(&self, record: FieldRecord) -> Result<Saved, FieldError> {
        let saved = guard(|| Ok(self.inner.create_record(record.into())?))?;
        self.notify(vec![saved.id.clone()]);
        Ok(saved)
    }

    /// Blocking. Saves the record's new content; only what changed is written.
    pub fn update_record(&self, id: String, record: FieldRecord) -> Result<Saved, FieldError> {
        let saved = guard(|| Ok(self.inner.update(&id, record.into())?))?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// Blocking.
    pub fn get(&self, id: String) -> Result<StoredRecord, FieldError> {
        guard(|| {
            let r = self.inner.get(&id)?;
            Ok(StoredRecord {
                id: r.id,
                record: r.record.into(),
                seal: r.seal,
                conflicts: r.conflicts.into_iter().map(conflict).collect(),
                deadline: r.deadline.as_ref().map(|d| d.at.into()),
                deadline_rule: r.deadline.map(|d| d.rule.to_string()),
            })
        })
    }

    /// Blocking. The ledger, sorted by deadline; reads only the index.
    pub fn list(&self, query: LedgerQuery) -> Result<Vec<LedgerRow>, FieldError> {
        guard(|| Ok(self.inner.list(&query)?))
    }

    /// Blocking. Records by names, company names, ID or phone numbers (two characters up).
    pub fn search(&self, text: String, limit: u32) -> Result<Vec<LedgerRow>, FieldError> {
        guard(|| Ok(self.inner.search(&text, limit as usize)?))
    }

    /// Blocking. Signs the record: checks it fully and freezes it.
    pub fn seal(&self, id: String) -> Result<SealStatus, FieldError> {
        let s = guard(|| Ok(self.inner.seal(&id)?))?;
        self.notify(vec![id]);
        Ok(s)
    }

    /// Blocking.
    pub fn history(&self, id: String) -> Result<Vec<HistoryEntry>, FieldError> {
        guard(|| Ok(self.inner.history(&id)?))
    }

    /// Blocking. Every open conflict.
    pub fn conflicts(&self) -> Result<Vec<FieldConflict>, FieldError> {
        guard(|| Ok(self.inner.conflicts()?.into_iter().map(conflict).collect()))
    }

    /// Blocking. Keeps value number `choice` of a conflict (keep mine / keep theirs).
    pub fn resolve(&self, id: String, path: String, choice: u32) -> Result<(), FieldError> {
        guard(|| {
            let c = self
                .inner
                .get(&id)?
                .conflicts
                .into_iter()
                .find(|c| c.path == path)
                .ok_or_else(|| FieldError::NotFound {
                    detail: format!("record {id} has no conflict at {path}"),
                })?;
            let value = c
                .values
                .get(choice as usize)
                .cloned()
                .ok_or_else(|| FieldError::InvalidField {
                    field: "choice".into(),
                    rule: "conflict_choice".into(),
                    reason: format!("the conflict has {} values", c.values.len()),
                })?;
            Ok(self.inner.resolve(&id, &path, value)?)
        })?;
        self.notify(vec![id]);
        Ok(())
    }

    /// Blocking. Keeps a photo, audio or scan with the record; the size limit is checked here.
    pub fn attach(
        &self,
        id: String,
        bytes: Vec<u8>,
        name: String,
        mime: String,
        purpose: Option<String>,
    ) -> Result<AttachmentRef, FieldError> {
        let r = guard(|| Ok(self.inner.attach(&id, &bytes, &name, &mime, purpose.as_deref())?))?;
        self.notify(vec![id]);
        Ok(r)
    }

    /// Blocking.
    pub fn attachment(&self, sha256: String) -> Result<Vec<u8>, FieldError> {
        guard(|| Ok(self.inner.attachment(&sha256)?))
    }

    /// Blocking. A bundle file for a place with no network (all, or what device `to` lacks),
    /// encrypted with `passphrase`; the app writes it readable by itself alone.
    pub fn export_bundle(&self, to: Option<String>, passphrase: String) -> Result<Vec<u8>, FieldError> {
        guard(|| Ok(self.inner.export_bundle(to.as_deref(), &passphrase)?.0))
    }

    /// Blocking. Imports a bundle whole or not at all.
    pub fn import_bundle(&self, bytes: Vec<u8>, passphrase: String) -> Result<ImportReport, FieldError> {
        let r = guard(|| Ok(self.inner.import_bundle(&bytes, &passphrase)?))?;
        self.notify(vec![]);
        Ok(r)
    }

    /// Blocking (network). Joins the hub with the office's one-time code, over the app's
    /// transport (which pins the hub's certificate from the join link).
    pub fn join_hub(
        &self,
        url: String,
        pin: Option<String>,
        code: String,
        transport: Arc<dyn HubTransport>,
    ) -> Result<(), FieldError> {
        guard(|| {
            let t = Foreign(transport);
            self.inner.join_with(&t, &url, pin.as_deref(), &code)?;
            Ok(())
        })
    }

    /// Blocking (network). One sync session with the hub over the app's transport; reports
    /// progress and stops at the next frame or chunk when `cancel` is cancelled, keeping what
    /// arrived.
    pub fn sync(
        &self,
        transport: Arc<dyn HubTransport>,
        progress: Option<Arc<dyn SyncProgress>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncReport, FieldError> {
        let report = guard(|| {
            let report_progress = |p: &fieldcase_core::sync::Progress| {
                if let Some(cb) = &progress {
                    cb.progress(p.phase.clone(), p.done, p.total);
                }
            };
            let opts = SyncOptions {
                progress: Some(&report_progress),
                cancel: cancel.as_ref().map(|c| &c.flag),
            };
            Ok(self.inner.sync_with(&Foreign(transport), &opts)?)
        })?;
        if report.records_received > 0 {
            self.notify(vec![]);
        }
        Ok(report)
    }

    /// Tells `listener` whenever records change, until the handle is dropped or stopped.
    pub fn add_listener(&self, listener: Arc<dyn RecordListener>) -> Arc<ListenerHandle> {
        let id = self.next_listener.fetch_add(1, Ordering::SeqCst);
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, listener));
        Arc::new(ListenerHandle {
            id,
            listeners: self.listeners.clone(),
        })
    }
}

fn conflict(c: fieldcase_core::Conflict) -> FieldConflict {
    FieldConflict {
        id: c.id,
        path: c.path,
        values: c.values.iter().map(|v| v.to_string()).collect(),
        rule: c.rule,
        message: c.message,
    }
}

/// An example record of each kind, complete and valid: a template for forms and tests.
#[uniffi::export]
pub fn example_record(kind: model::Kind) -> FieldRecord {
    model::Record::example(kind).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FixedKey;
    impl KeyProvider for FixedKey {
        fn store_key(&self) -> Vec<u8> {
            vec![4; 32]
        }
    }

    struct Count(AtomicU64);
    impl RecordListener for Count {
        fn records_changed(&self, _: Vec<String>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn store(dir: &std::path::Path, user: &str) -> Arc<FieldStore> {
        FieldStore::create(
            dir.join(user).display().to_string(),
            Arc::new(FixedKey),
            "华新镇".into(),
            user.into(),
            Role::Inspector,
        )
        .unwrap()
    }

    #[test]
    fn the_phone_api_maps_errors_and_tells_listeners() {
        let dir = std::env::temp_dir().join(format!("fieldcase-ffi-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let s = store(&dir, "a");
        let count = Arc::new(Count(AtomicU64::new(0)));
        let handle = s.add_listener(count.clone());
        let FieldRecord::Interview { value: mut interview } = example_record(model::Kind::Interview) else {
            panic!()
        };
        interview.interviewee.resident_id = Some("110105194912310021".into());
        let e = s
            .create_record(FieldRecord::Interview {
                value: interview.clone(),
            })
            .unwrap_err();
        assert!(
            matches!(&e, FieldError::InvalidField { field, .. } if field == "interviewee.resident_id"),
            "{e}"
        );
        interview.interviewee.resident_id = Some("11010519491231002X".into());
        let id = s
            .create_record(FieldRecord::Interview {
                value: interview.clone(),
            })
            .unwrap()
            .id;
        s.seal(id.clone()).unwrap();
        interview.place = Some("别处".into());
        let e = s
            .update_record(id.clone(), FieldRecord::Interview { value: interview })
            .unwrap_err();
        assert!(matches!(e, FieldError::Sealed { .. }));
        assert_eq!(count.0.load(Ordering::SeqCst), 2);
        drop(handle);
        s.create_record(example_record(model::Kind::Case)).unwrap();
        assert_eq!(count.0.load(Ordering::SeqCst), 2, "a dropped handle stops the listener");
        struct ShortKey;
        impl KeyProvider for ShortKey {
            fn store_key(&self) -> Vec<u8> {
                vec![1, 2, 3]
            }
        }
        let e = FieldStore::open(dir.join("a").display().to_string(), Arc::new(ShortKey))
            .err()
            .unwrap();
        assert!(matches!(e, FieldError::InvalidField { ref rule, .. } if rule == "key_32_bytes"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

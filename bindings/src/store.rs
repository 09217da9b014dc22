//! The record store on the phone: every call that touches it is async (Kotlin `suspend`,
//! Swift `async`) and runs on the library's threads; lists and searches read from reader
//! connections, so they never wait for a sync that is applying records.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use fieldcase_core::model::{AttachmentRef, Kind, LedgerStatus, Resolution, Role};
use fieldcase_core::store::{HistoryEntry, Identity, LedgerQuery, LedgerRow, Saved, SealStatus};
use fieldcase_core::{ImportReport, Store};

use crate::background::{run, run_stoppable};
use crate::error::FieldError;
use crate::records::{position_of, ConflictChoice, FieldConflict, FieldRecord, StoredRecord};

/// A folder on the phone: `java.io.File` in Kotlin, a file `URL` in Swift (uniffi.toml).
pub struct Folder(pub PathBuf);

uniffi::custom_type!(Folder, String, {
    lower: |f| f.0.to_string_lossy().into_owned(),
    try_lift: |s| Ok(Folder(PathBuf::from(s))),
});

/// Supplies the store's 32-byte key: from the Android Keystore or the iOS Keychain.
#[uniffi::export(with_foreign)]
pub trait KeyProvider: Send + Sync {
    fn store_key(&self) -> Vec<u8>;
}

/// Told when records change, so lists can refresh (the Kotlin `Flow` and Swift `AsyncStream`
/// faces are built on it). An empty list means "many changed" (a sync, an import).
#[uniffi::export(with_foreign)]
pub trait RecordListener: Send + Sync {
    fn records_changed(&self, ids: Vec<String>);
}

/// The listeners of one store, each with the id its handle removes it by.
type Listeners = Arc<Mutex<Vec<(u64, Arc<dyn RecordListener>)>>>;

/// Stops a listener when closed (`.use {}` / `close()` in Kotlin, deinit in Swift) or stopped.
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

/// The record store on the phone. Closing it (Kotlin `close()`/`.use {}`, Swift deinit)
/// closes its database once running calls finish.
#[derive(uniffi::Object)]
pub struct FieldStore {
    pub(crate) inner: Arc<Store>,
    identity: Identity,
    listeners: Listeners,
    next_listener: AtomicU64,
}

fn key_of(keys: &Arc<dyn KeyProvider>) -> Result<[u8; 32], FieldError> {
    let key = keys.store_key();
    let n = key.len();
    key.try_into().map_err(|_| {
        FieldError::invalid(
            "key",
            "key_32_bytes",
            format!("the store key must be 32 bytes, not {n}"),
        )
    })
}

impl FieldStore {
    pub(crate) fn wrap(store: Store) -> Arc<Self> {
        Arc::new(FieldStore {
            identity: store.identity().clone(),
            inner: Arc::new(store),
            listeners: Arc::default(),
            next_listener: AtomicU64::new(1),
        })
    }

    /// Tells the listeners of this store that records changed, from anywhere (a call that
    /// outlives its own borrow of the store, such as a waiting exchange).
    pub(crate) fn notifier(&self) -> Notifier {
        Notifier(self.listeners.clone())
    }

    pub(crate) fn notify(&self, ids: Vec<String>) {
        self.notifier().notify(ids)
    }

    /// Runs `work` on the store, on the library's threads.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, FieldError> + Send + 'static,
    ) -> Result<T, FieldError> {
        let store = self.inner.clone();
        run(move || work(&store)).await
    }
}

/// Makes a new store in `dir` for one user on this device.
#[uniffi::export]
pub async fn create_store(
    dir: Folder,
    keys: Arc<dyn KeyProvider>,
    township: String,
    user: String,
    role: Role,
) -> Result<Arc<FieldStore>, FieldError> {
    let key = key_of(&keys)?;
    run(move || Ok(FieldStore::wrap(Store::create(&dir.0, &key, &township, &user, role)?))).await
}

/// Opens the store in `dir`, upgrading its layout if needed. A wrong key is `WrongKey`.
#[uniffi::export]
pub async fn open_store(dir: Folder, keys: Arc<dyn KeyProvider>) -> Result<Arc<FieldStore>, FieldError> {
    let key = key_of(&keys)?;
    run(move || Ok(FieldStore::wrap(Store::open(&dir.0, &key)?))).await
}

#[uniffi::export]
impl FieldStore {
    /// Who this store belongs to (known without touching the store).
    pub fn identity(&self) -> Identity {
        self.identity.clone()
    }

    /// Saves a new record (a draft may be incomplete); warnings never block. Every invalid
    /// field is reported at once (`InvalidFields`).
    pub async fn create_record(&self, record: FieldRecord) -> Result<Saved, FieldError> {
        let saved = self.with(move |s| Ok(s.writer().create_record(record.into())?)).await?;
        self.notify(vec![saved.id.clone()]);
        Ok(saved)
    }

    /// Saves the record's new content; only what changed is written.
    pub async fn update_record(&self, id: String, record: FieldRecord) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self.with(move |s| Ok(s.writer().update(&key, record.into())?)).await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    pub async fn get(&self, id: String) -> Result<StoredRecord, FieldError> {
        let who = self.identity.clone();
        self.with(move |s| Ok(StoredRecord::seen_by(s.records().get(&id)?, &who)))
            .await
    }

    /// The ledger, sorted by deadline; reads only the index. Every filter defaults to "any".
    #[uniffi::method(default(query = None))]
    pub async fn list(&self, query: Option<LedgerQuery>) -> Result<Vec<LedgerRow>, FieldError> {
        let query = query.unwrap_or_default();
        self.with(move |s| Ok(s.ledger().list(&query)?)).await
    }

    /// Records by names, company names, ID or phone numbers (two characters up).
    #[uniffi::method(default(limit = 50))]
    pub async fn search(&self, text: String, limit: i32) -> Result<Vec<LedgerRow>, FieldError> {
        let limit = usize::try_from(limit).unwrap_or(0);
        self.with(move |s| Ok(s.ledger().search(&text, limit)?)).await
    }

    /// Signs the record: checks it fully and freezes it.
    pub async fn seal(&self, id: String) -> Result<SealStatus, FieldError> {
        let key = id.clone();
        let status = self.with(move |s| Ok(s.writer().seal(&key)?)).await?;
        self.notify(vec![id]);
        Ok(status)
    }

    /// Gives the record one of the statuses its `status_choices` offer (closing a case is
    /// `close_case`, with its resolution); `Refused` says why not.
    pub async fn set_status(&self, id: String, to: LedgerStatus) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self.with(move |s| Ok(s.writer().set_status(&key, to)?)).await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// Closes a case with its resolution; the sign-off is this store's user's, who must be
    /// the responsible person or the office (`Refused` says why not).
    pub async fn close_case(&self, id: String, resolution: Resolution) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self
            .with(move |s| {
                let value =
                    serde_json::to_value(&resolution).map_err(|e| FieldError::Internal { detail: e.to_string() })?;
                Ok(s.writer().close(&key, value)?)
            })
            .await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// A note on a signed record, e.g. naming the record that corrects it.
    pub async fn add_note(&self, id: String, text: String, correction_id: Option<String>) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self
            .with(move |s| {
                Ok(s.writer().record_after_seal(&key, |a| {
                    a.notes.push(fieldcase_core::model::AfterSealNote {
                        text,
                        correction_id,
                        ..Default::default()
                    });
                    Ok(())
                })?)
            })
            .await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// How a signed mediation agreement was performed (paid on time, late, in part, not):
    /// recorded beside the seal, and the payment clock stops once it is paid.
    pub async fn record_performance(
        &self,
        id: String,
        performance: fieldcase_core::model::Performance,
    ) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self
            .with(move |s| {
                Ok(s.writer().record_after_seal(&key, |a| {
                    a.performance.push(performance);
                    Ok(())
                })?)
            })
            .await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// The parties' joint application for arbitration review of a signed agreement (or their
    /// choice not to apply), and later its outcome.
    pub async fn record_review(
        &self,
        id: String,
        review: fieldcase_core::model::ArbitrationReview,
    ) -> Result<Saved, FieldError> {
        let key = id.clone();
        let saved = self
            .with(move |s| {
                Ok(s.writer().record_after_seal(&key, |a| {
                    a.arbitration_review = Some(review);
                    Ok(())
                })?)
            })
            .await?;
        self.notify(vec![id]);
        Ok(saved)
    }

    /// Who changed a record, when, and which fields.
    pub async fn history(&self, id: String) -> Result<Vec<HistoryEntry>, FieldError> {
        self.with(move |s| Ok(s.records().history(&id)?)).await
    }

    /// Every open conflict.
    pub async fn conflicts(&self) -> Result<Vec<FieldConflict>, FieldError> {
        self.with(|s| Ok(s.records().conflicts()?.into_iter().map(Into::into).collect()))
            .await
    }

    /// Keeps one of a conflict's choices (keep mine / keep theirs): `choice` as the conflict
    /// listed it. If the conflict changed since it was shown (a sync brought another value,
    /// someone settled it), nothing is written and the error says to look again.
    pub async fn resolve(&self, conflict: FieldConflict, choice: ConflictChoice) -> Result<(), FieldError> {
        let id = conflict.id;
        let key = id.clone();
        let path = conflict.path;
        self.with(move |s| {
            let c = s
                .records()
                .get(&key)?
                .conflicts
                .into_iter()
                .find(|c| c.path == path)
                .ok_or_else(|| FieldError::NotFound {
                    detail: format!("record {key} has no conflict at {path} any more: look at the record again"),
                })?;
            let value = position_of(&c, &choice.value)
                .and_then(|i| c.values.get(i).cloned())
                .ok_or_else(|| {
                    FieldError::invalid(
                        "choice",
                        "conflict_changed",
                        format!(
                            "the conflict at {path} no longer offers {}: look at it again",
                            choice.shown
                        ),
                    )
                })?;
            Ok(s.writer().resolve(&key, &path, value)?)
        })
        .await?;
        self.notify(vec![id]);
        Ok(())
    }

    /// Keeps a photo, audio or scan with the record; the size limit is checked here.
    pub async fn attach(
        &self,
        id: String,
        bytes: Vec<u8>,
        name: String,
        mime: String,
        purpose: Option<String>,
    ) -> Result<AttachmentRef, FieldError> {
        let key = id.clone();
        let store = self.inner.clone();
        let r = run_stoppable(move |stop| {
            Ok(store
                .attachments()
                .stop_on(stop)
                .attach(&key, &bytes, &name, &mime, purpose.as_deref())?)
        })
        .await?;
        self.notify(vec![id]);
        Ok(r)
    }

    /// An attachment's content, checked against its SHA-256.
    pub async fn attachment(&self, sha256: String) -> Result<Vec<u8>, FieldError> {
        self.with(move |s| Ok(s.attachments().read(&sha256)?)).await
    }

    /// A bundle file for a place with no network (all, or what device `to` lacks),
    /// encrypted with `passphrase`; the app writes it readable by itself alone.
    pub async fn export_bundle(&self, to: Option<String>, passphrase: String) -> Result<Vec<u8>, FieldError> {
        let store = self.inner.clone();
        run_stoppable(move |stop| Ok(store.bundles().stop_on(stop).export(to.as_deref(), &passphrase)?.0)).await
    }

    /// Imports a bundle whole or not at all.
    pub async fn import_bundle(&self, bytes: Vec<u8>, passphrase: String) -> Result<ImportReport, FieldError> {
        let store = self.inner.clone();
        let r = run_stoppable(move |stop| Ok(store.bundles().stop_on(stop).import(&bytes, &passphrase)?)).await?;
        self.notify(vec![]);
        Ok(r)
    }

    /// Keeps what is typed in `form` (nothing typed is lost if the app is killed, or while a
    /// value the rules refuse is put right); encrypted with the records, never synced.
    pub async fn keep_draft(&self, form: String, fields: HashMap<String, String>) -> Result<(), FieldError> {
        self.with(move |s| Ok(s.drafts().keep(&form, &fields)?)).await
    }

    /// The draft kept for `form`, if any.
    pub async fn draft(&self, form: String) -> Result<Option<HashMap<String, String>>, FieldError> {
        self.with(move |s| Ok(s.drafts().get(&form)?)).await
    }

    /// The form was saved or given up.
    pub async fn discard_draft(&self, form: String) -> Result<(), FieldError> {
        self.with(move |s| Ok(s.drafts().discard(&form)?)).await
    }

    /// How many records the store holds.
    pub async fn count(&self) -> Result<i64, FieldError> {
        self.with(|s| Ok(s.count()? as i64)).await
    }

    /// Tells `listener` whenever records change, until the handle is closed or stopped.
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

/// The kinds of record, for menus.
#[uniffi::export]
pub fn record_kinds() -> Vec<Kind> {
    Kind::ALL.to_vec()
}

/// The listeners of one store.
pub(crate) struct Notifier(Listeners);

impl Notifier {
    pub(crate) fn notify(&self, ids: Vec<String>) {
        let listeners: Vec<_> = self
            .0
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

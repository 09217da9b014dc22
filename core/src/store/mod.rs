//! The encrypted record store: one automerge document per record, kept in SQLite (SQLCipher)
//! as a snapshot plus incremental change rows, with index tables for the ledger and search.
//! Every write is one SQLite transaction: the change rows, the index rows and the conflict
//! list move together or not at all.

pub(crate) mod attachment_grants;
mod attachments;
mod backup;
pub(crate) mod bundle;
pub(crate) mod carried;
pub mod cipher;
pub(crate) mod devices;
pub(crate) mod doc;
mod drafts;
pub(crate) mod events;
pub(crate) mod feed;
mod history;
mod index;
pub(crate) mod merge;
mod office;
mod printed;
mod records;
pub(crate) mod registry;
mod schema;
pub(crate) mod seal;
mod sealed_export;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use automerge::transaction::CommitOptions;
use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::{Error, Result};
pub use crate::model::Role;
use crate::model::{Kind, Record, WorkCalendar};
use crate::rules::{self, Deadline};
use crate::validate::Problem;
use history::ChangeNote;

pub use attachments::{TransferState, MAX_ATTACHMENT_BYTES};
pub use bundle::{BundleSummary, ImportReport, RefusedChange};
pub use devices::{Device, Enrolment, HubSide, JoinRequest, Joined};
pub use doc::Conflict;
pub use drafts::Drafts;
pub use index::{Ledger, LedgerQuery, LedgerRow, DEFAULT_PAGE, MAX_PAGE};
pub use office::{
    random_token, AuditEntry, LoginRefused, Office, OfficeSession, OfficeUser, LOCK_MINUTES, MAX_FAILURES,
    SESSION_IDLE_MINUTES,
};
pub use printed::{seal_qr, PrintedCheck, PRINTED_QR_FORMAT};
pub use records::Writer;
pub use seal::{Seal, SealStatus};
pub use sealed_export::{verify_sealed, SealedExport, Verification, SEALED_EXPORT_FORMAT};

pub(crate) const DB_FILE: &str = "fieldcase.db";

/// Removes a store's database files (a store made for joining a hub that refused).
pub(crate) fn remove_store_files(dir: &Path) {
    for name in [DB_FILE, "fieldcase.db-wal", "fieldcase.db-shm"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
}
/// Reader connections a store keeps at most (the hub serves many devices at once).
const MAX_READERS: usize = 8;
/// Change rows a document may collect before they are folded into its snapshot.
const COMPACT_AFTER: i64 = 32;

/// Who works with this store: every change it makes carries the user and device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Identity {
    /// This store's device id, unique per installation.
    pub device: String,
    pub township: String,
    pub user: String,
    pub role: Role,
    /// This store's Ed25519 public key (hex): what its seals are verified with.
    #[serde(default)]
    pub public_key: String,
    /// The automerge actor (hex) its changes carry.
    #[serde(default)]
    pub actor: String,
}

/// Reading records whole: a record with all the store knows of it, its content alone, its
/// history, its document; the open conflicts; a sealed record as a court needs it.
pub struct Records<'s>(&'s Store);

impl Store {
    pub fn records(&self) -> Records<'_> {
        Records(self)
    }
}

impl Records<'_> {
    /// The record with its seal, conflicts (rule conflicts included), deadline, what was
    /// recorded after sealing, and who created and last changed it.
    pub fn get(&self, id: &str) -> Result<StoredRecord> {
        self.0.get(id)
    }

    /// A record's content alone (no seal, clock, history or conflicts): for reading many.
    pub fn record(&self, id: &str) -> Result<Record> {
        self.0.record(id)
    }

    /// Every change to a record: who (user and device), when, which fields; in causal order,
    /// the same on every device.
    pub fn history(&self, id: &str) -> Result<Vec<HistoryEntry>> {
        self.0.history(id)
    }

    /// All open conflicts, from the index (no document is loaded), with who wrote each value.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.0.conflicts()
    }

    /// A record's whole automerge document, as saved.
    pub fn document_bytes(&self, id: &str) -> Result<Vec<u8>> {
        self.0.document_bytes(id)
    }

    /// The authors' signatures this phone keeps for record `id`'s changes made elsewhere and
    /// carried here (from a colleague's phone or a bundle); they go on with those changes.
    pub fn carried_signatures(&self, id: &str) -> Result<Vec<crate::signing::ChangeSignature>> {
        self.0.read(|c| self.0.kept_signatures(c, id))
    }

    /// A sealed record with what a third party needs to verify it offline (docs/seals.md).
    pub fn export_sealed(&self, id: &str) -> Result<SealedExport> {
        self.0.export_sealed(id)
    }
}

/// Who made a change and when: from the change itself, so it survives sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Stamp {
    pub user: String,
    pub device: String,
    pub at: DateTime<Utc>,
}

/// One change in a record's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    /// Who made the change: from the device registry (by the change's actor) when the device
    /// is known, else what the change's note claims (`verified` false).
    pub user: String,
    pub device: String,
    /// The author's role as the registry has it: `office` for a clerk at the hub (whose
    /// device is the clerk's office identity), never the phone that carried the change.
    pub role: Option<Role>,
    pub verified: bool,
    /// create, edit, seal, resolve, attach
    pub action: String,
    pub fields: Vec<String>,
    pub change: String,
}

/// A record as stored: content plus what the store knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub id: String,
    pub kind: Kind,
    pub record: Record,
    pub seal: Option<SealStatus>,
    pub conflicts: Vec<Conflict>,
    pub created: Option<Stamp>,
    pub updated: Option<Stamp>,
    pub deadline: Option<Deadline>,
    /// Days left on the running clock today, in its own days (working or calendar); below
    /// zero, the days it is overdue.
    pub days_left: Option<i64>,
    /// The running clock's name in Chinese, e.g. 检查办结时限（60个工作日）.
    pub clock_name: Option<String>,
    /// The clock as a sentence to show: name, last day, days left in its own unit.
    pub clock_text: Option<String>,
    /// Whether the clock counts working days or calendar days.
    pub clock_unit: Option<crate::rules::ClockUnit>,
    /// The status the ledger counts (see `LedgerRow::status`).
    pub ledger_status: crate::model::LedgerStatus,
    /// What was recorded after sealing: the arbitration review, performance, notes.
    pub after_seal: crate::model::AfterSeal,
    /// Records that refer to this one (a correction of a sealed record, a case's inspections).
    pub linked_from: Vec<(String, String)>,
}

/// What a save reports besides success: warnings that never block (e.g. an early USCC).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Saved {
    pub id: String,
    pub warnings: Vec<Problem>,
}

/// Who a local change is by: this store's user, or at a hub an office clerk. The actor is
/// what the change carries; the registry maps it back to the person on every device.
#[derive(Debug, Clone)]
pub(crate) struct Author {
    pub user: String,
    pub device: String,
    pub role: Role,
    /// The township whose records it may change; none for the hub's own store and the
    /// district office.
    pub scope: Option<String>,
    pub actor: ActorId,
}

pub(crate) struct Loaded {
    pub kind: Kind,
    pub doc: Automerge,
    pub rows: i64,
}

/// A record's bytes as stored, before its document is built (`Store::build`).
pub(crate) struct Stored {
    pub kind: Kind,
    pub snapshot: Option<Vec<u8>>,
    pub changes: Vec<Vec<u8>>,
}

/// A reader connection borrowed from the store's pool; it goes back when this is dropped.
pub(crate) struct LentReader<'s> {
    store: &'s Store,
    conn: Option<Connection>,
}

impl std::ops::Deref for LentReader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a lent reader holds its connection until dropped")
    }
}

impl Drop for LentReader<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.store.give_back(c);
        }
    }
}

pub struct Store {
    dir: PathBuf,
    /// The one writer connection.
    conn: Mutex<Connection>,
    /// Idle reader connections: lists and searches never wait for a write (WAL).
    readers: Mutex<Vec<Connection>>,
    reader_free: std::sync::Condvar,
    readers_open: std::sync::atomic::AtomicUsize,
    db_key: [u8; 32],
    pub(crate) identity: Identity,
    actor: ActorId,
    /// This store's signing key (seals, and the registry entries a hub signs).
    pub(crate) key: crate::signing::DeviceKey,
    /// The calendar every clock counts with: built in, with the office's calendar records.
    calendar: Mutex<Arc<Calendar>>,
    /// Set when a write touched a calendar record: reload it if that write rolls back.
    calendar_touched: AtomicBool,
    fixed_now: Mutex<Option<DateTime<Utc>>>,
    attachment_key: [u8; 32],
    /// Set while the writer applies records from the hub: a cancelled sync interrupts it.
    applying: Mutex<Option<rusqlite::InterruptHandle>>,
}

pub(crate) fn open_connection(path: &Path, key: &[u8; 32]) -> Result<Connection> {
    cipher::ready()?;
    let conn = Connection::open(path)?;
    // A wrong key is reported as our error; SQLCipher need not also log it to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))?;
    // SQLCipher only notices a wrong key when it first reads a page.
    if conn
        .row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .is_err()
    {
        return Err(Error::WrongKey {
            path: path.display().to_string(),
        });
    }
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")?;
    // Every page read from disk is decrypted and authenticated: a larger cache (16 MiB, of
    // memory used as the store grows) keeps a sync's index writes from reading pages again.
    conn.execute_batch("PRAGMA cache_size = -16384;")?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

/// Statements through SQLite's prepared-statement cache: a sync runs the same few statements
/// thousands of times, and preparing one costs as much as running it.
pub(crate) trait Cached {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<P, T, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<P, T, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.exec(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn heads_from_string(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}

pub fn millis_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl Store {
    /// Makes a new store in `dir` (created if missing) for one user on one device.
    pub fn create(dir: &Path, key: &[u8; 32], township: &str, user: &str, role: Role) -> Result<Store> {
        if township.trim().is_empty() {
            return Err(Error::invalid("township", "required", "a store belongs to a township"));
        }
        if user.trim().is_empty() {
            return Err(Error::invalid("user", "required", "a store belongs to a user"));
        }
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        if path.exists() {
            return Err(Error::BadStore {
                path: dir.display().to_string(),
                message: "a store already exists here".into(),
            });
        }
        let mut conn = open_connection(&path, key)?;
        schema::upgrade(&mut conn)?;
        let identity = Identity {
            device: uuid::Uuid::now_v7().simple().to_string()[20..].to_string(),
            township: township.trim().to_string(),
            user: user.trim().to_string(),
            role,
            public_key: String::new(),
            actor: String::new(),
        };
        let tx = conn.transaction()?;
        set_meta(
            &tx,
            "identity",
            &serde_json::to_string(&identity).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        set_meta(&tx, "actor", &ActorId::random().to_hex_string())?;
        set_meta(&tx, "signing_key", &crate::signing::DeviceKey::generate()?.secret_hex())?;
        set_meta(&tx, "needs_reindex", "0")?;
        tx.commit()?;
        drop(conn);
        Store::open(dir, key)
    }

    /// Opens an existing store, upgrading its layout if it was written by an older version.
    pub fn open(dir: &Path, key: &[u8; 32]) -> Result<Store> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(Error::BadStore {
                path: dir.display().to_string(),
                message: "no store here (run init first)".into(),
            });
        }
        let mut conn = open_connection(&path, key)?;
        schema::upgrade(&mut conn).map_err(|e| match e {
            Error::BadStore { message, .. } => Error::BadStore {
                path: dir.display().to_string(),
                message,
            },
            e => e,
        })?;
        let bad = |message: &str| Error::BadStore {
            path: dir.display().to_string(),
            message: message.into(),
        };
        let mut identity: Identity = meta(&conn, "identity")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or_else(|| bad("the store has no identity"))?;
        let actor = meta(&conn, "actor")?
            .and_then(|s| ActorId::try_from(s.as_str()).ok())
            .ok_or_else(|| bad("the store has no actor id"))?;
        // Stores made before seals were signed get their key now.
        let signing = match meta(&conn, "signing_key")? {
            Some(hex) => {
                crate::signing::DeviceKey::from_hex(&hex).ok_or_else(|| bad("the store's signing key is damaged"))?
            }
            None => {
                let k = crate::signing::DeviceKey::generate()?;
                set_meta(&conn, "signing_key", &k.secret_hex())?;
                k
            }
        };
        identity.public_key = signing.public_hex();
        identity.actor = actor.to_hex_string();
        let needs_reindex = meta(&conn, "needs_reindex")?.as_deref() == Some("1");
        conn.execute_batch(index::SEARCH_STAGING)?;
        let store = Store {
            dir: dir.to_path_buf(),
            conn: Mutex::new(conn),
            readers: Mutex::new(vec![]),
            reader_free: std::sync::Condvar::new(),
            readers_open: std::sync::atomic::AtomicUsize::new(0),
            db_key: *key,
            identity,
            actor,
            key: signing,
            calendar: Mutex::new(Arc::new(Calendar::official())),
            calendar_touched: AtomicBool::new(false),
            fixed_now: Mutex::new(None),
            attachment_key: attachments::derive_key(key),
            applying: Mutex::new(None),
        };
        store.reload_calendar()?;
        if needs_reindex {
            store.rebuild_index()?;
        }
        store.adopt_device_calendar()?;
        store.after_upgrade()?;
        store.recheck_anchored_seals()?;
        Ok(store)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Gives the store a new identity (a store made to join a hub takes the enrolled one);
    /// it takes effect when the store is opened again.
    pub(crate) fn set_identity(&self, identity: &Identity) -> Result<()> {
        let json = serde_json::to_string(identity).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| set_meta(tx, "identity", &json))
    }

    /// A secret the hub keeps in its encrypted store (its TLS certificate and key).
    pub(crate) fn hub_secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .read(|c| meta(c, &format!("hub_secret:{name}")))?
            .and_then(|h| hex::decode(h).ok()))
    }

    pub(crate) fn set_hub_secret(&self, name: &str, value: &[u8]) -> Result<()> {
        self.write(|tx| set_meta(tx, &format!("hub_secret:{name}"), &hex::encode(value)))
    }

    /// This store's automerge actor (hex): what its changes carry.
    pub(crate) fn actor_hex(&self) -> String {
        self.actor.to_hex_string()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Fixes the clock (for scripts and tests that need a known "now").
    pub fn set_now(&self, now: Option<DateTime<Utc>>) {
        *self.fixed_now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(Utc::now)
    }

    /// The calendar every clock of this store counts with.
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The calendar as the documents hold it: the built-in official one with the office's
    /// calendar records laid over it.
    fn calendar_in(&self, c: &Connection) -> Result<Calendar> {
        let ids: Vec<String> = {
            let mut stmt = c.prepare_cached("SELECT id FROM documents WHERE kind = 'calendar' ORDER BY id")?;
            let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            ids
        };
        let mut years = vec![];
        for id in ids {
            let Some(loaded) = self.load(c, &id)? else { continue };
            if let Some(Ok(Record::Calendar(y))) =
                doc::read_record(&loaded.doc).map(|v| Record::from_json(Kind::Calendar, v))
            {
                // A calendar record that breaks its own rules (it came from elsewhere) is
                // listed as a rule conflict and not counted with.
                let mut p = crate::validate::Problems::timeless();
                y.check_dates(&mut p);
                if !p.has_errors() {
                    years.push((id, y));
                }
            }
        }
        Ok(Calendar::with_records(years.iter().map(|(id, y)| (id.as_str(), y))))
    }

    fn reload_calendar(&self) -> Result<()> {
        let cal = self.read(|c| self.calendar_in(c))?;
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(cal);
        Ok(())
    }

    /// After a calendar record changed in `tx`: count with the new calendar from now on,
    /// and recount every running clock.
    pub(crate) fn calendar_changed(&self, tx: &Transaction<'_>) -> Result<()> {
        let cal = Arc::new(self.calendar_in(tx)?);
        index::recount_deadlines(tx, &cal)?;
        self.calendar_touched.store(true, Ordering::SeqCst);
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = cal;
        Ok(())
    }

    /// Stores made before the calendar became a synced record kept it on the device. An
    /// office store turns it into calendar records (where the office has none for that year);
    /// the device copy is dropped either way: from now on every device counts alike.
    fn adopt_device_calendar(&self) -> Result<()> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct DeviceCalendar {
            holidays: Vec<chrono::NaiveDate>,
            working_weekends: Vec<chrono::NaiveDate>,
        }
        let Some(text) = self.read(|c| meta(c, "calendar"))? else {
            return Ok(());
        };
        let old: DeviceCalendar = serde_json::from_str(&text).unwrap_or_default();
        if self.identity.role == Role::Office {
            use chrono::Datelike;
            let years: std::collections::BTreeSet<i32> = old
                .holidays
                .iter()
                .chain(&old.working_weekends)
                .map(|d| d.year())
                .collect();
            for year in years {
                let id = WorkCalendar::record_id(year);
                if self.read(|c| self.load(c, &id))?.is_some() {
                    continue;
                }
                let y = WorkCalendar {
                    year,
                    township: crate::model::DISTRICT.into(),
                    holidays: old.holidays.iter().filter(|d| d.year() == year).copied().collect(),
                    working_weekends: old
                        .working_weekends
                        .iter()
                        .filter(|d| d.year() == year)
                        .copied()
                        .collect(),
                    notice: Some("kept on this device before calendars were synced".into()),
                    ..Default::default()
                };
                if let Err(e) = self.writer().set_work_calendar(y) {
                    tracing::warn!("the calendar kept on this device for {year} was not adopted: {e}");
                }
            }
        }
        self.write(|tx| Ok(tx.exec("DELETE FROM meta WHERE key = 'calendar'", [])?))?;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (its transaction rolls back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        self.transact(false, f)
    }

    /// A write that `interrupt_apply` may stop midway (rolled back whole): applying what
    /// arrived from the hub, which a user may cancel.
    pub(crate) fn write_interruptible<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        self.transact(true, f)
    }

    /// One write transaction on the writer: `f`, the staged search rows, the commit.
    fn transact<R>(&self, interruptible: bool, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        let result = {
            let mut conn = self.lock();
            let applying = |handle| *self.applying.lock().unwrap_or_else(|e| e.into_inner()) = handle;
            if interruptible {
                applying(Some(conn.get_interrupt_handle()));
            }
            let r = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(Error::from)
                .and_then(|tx| {
                    f(&tx).and_then(|r| {
                        index::flush_search(&tx)?;
                        tx.commit().map(|_| r).map_err(Error::from)
                    })
                });
            if interruptible {
                applying(None);
            }
            r
        };
        if self.calendar_touched.swap(false, Ordering::SeqCst) && result.is_err() {
            // The calendar in memory came from a write that did not happen.
            self.reload_calendar()?;
        }
        result
    }

    /// Stops an apply of records from the hub that is running now (it rolls back whole and
    /// its session ends `Cancelled`); a local edit is never interrupted.
    pub(crate) fn interrupt_apply(&self) {
        if let Some(h) = self.applying.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            h.interrupt();
        }
    }

    /// Runs `f` on a reader connection: it sees the last committed state and never waits for
    /// the writer.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.lend_reader()?;
        f(&conn)
    }

    /// A reader connection lent until the guard is dropped, also when a read panics (a slot
    /// lost at each panic would leave later reads waiting for good).
    pub(crate) fn lend_reader(&self) -> Result<LentReader<'_>> {
        Ok(LentReader {
            store: self,
            conn: Some(self.take_reader()?),
        })
    }

    pub(crate) fn take_reader(&self) -> Result<Connection> {
        let mut idle = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = idle.pop() {
                return Ok(c);
            }
            if self.readers_open.load(Ordering::SeqCst) < MAX_READERS {
                self.readers_open.fetch_add(1, Ordering::SeqCst);
                drop(idle);
                return open_connection(&self.dir.join(DB_FILE), &self.db_key).inspect_err(|_| {
                    self.readers_open.fetch_sub(1, Ordering::SeqCst);
                });
            }
            idle = self.reader_free.wait(idle).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A reader connection in a read transaction: everything read from it is one snapshot of
    /// the store, however long it is held (a sync answer streamed over minutes).
    pub(crate) fn take_snapshot(&self) -> Result<Connection> {
        let conn = self.take_reader()?;
        if let Err(e) = conn.execute_batch("BEGIN") {
            self.give_back(conn);
            return Err(e.into());
        }
        Ok(conn)
    }

    /// A snapshot is over: its transaction ends and its connection goes back to the pool.
    pub(crate) fn end_snapshot(&self, conn: Connection) {
        let _ = conn.execute_batch("ROLLBACK");
        self.give_back(conn);
    }

    pub(crate) fn give_back(&self, c: Connection) {
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).push(c);
        self.reader_free.notify_one();
    }

    /// This store's own user as the author of its local changes.
    pub(crate) fn me(&self) -> Author {
        Author {
            user: self.identity.user.clone(),
            device: self.identity.device.clone(),
            role: self.identity.role,
            scope: (self.identity.role != Role::Office).then(|| self.identity.township.clone()),
            actor: self.actor.clone(),
        }
    }

    fn commit_options(&self, author: &Author, action: &str, fields: Vec<String>) -> CommitOptions {
        let note = ChangeNote {
            user: author.user.clone(),
            device: author.device.clone(),
            action: action.into(),
            fields,
        };
        CommitOptions::default()
            .with_message(serde_json::to_string(&note).unwrap_or_default())
            .with_time(self.now().timestamp_millis())
    }

    pub(crate) fn load(&self, tx: &Connection, id: &str) -> Result<Option<Loaded>> {
        match self.load_stored(tx, id)? {
            Some(stored) => Ok(Some(self.build(stored)?)),
            None => Ok(None),
        }
    }

    /// A record's stored bytes (its snapshot and the change rows after it), read without
    /// building the document: `build` does that, off the database, on any thread.
    pub(crate) fn load_stored(&self, tx: &Connection, id: &str) -> Result<Option<Stored>> {
        let row: Option<(String, Option<Vec<u8>>)> = tx
            .row("SELECT kind, snapshot FROM documents WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((kind, snapshot)) = row else {
            return Ok(None);
        };
        let kind: Kind = kind.parse()?;
        let mut stmt = tx.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 ORDER BY seq")?;
        let changes = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<Vec<u8>>>>()?;
        Ok(Some(Stored {
            kind,
            snapshot,
            changes,
        }))
    }

    /// The document of what `load_stored` read.
    pub(crate) fn build(&self, stored: Stored) -> Result<Loaded> {
        // What this store wrote was checked when it arrived, and SQLCipher authenticates every
        // page: the change hashes need not be recomputed at every load.
        let mut doc = match stored.snapshot {
            Some(bytes) => Automerge::load_with_options(
                &bytes,
                automerge::LoadOptions::new().verification_mode(automerge::VerificationMode::DontCheck),
            )?,
            None => Automerge::new(),
        };
        for bytes in &stored.changes {
            doc.load_incremental(bytes)?;
        }
        doc.set_actor(self.actor.clone());
        Ok(Loaded {
            kind: stored.kind,
            doc,
            rows: stored.changes.len() as i64,
        })
    }

    fn load_existing(&self, tx: &Connection, id: &str) -> Result<Loaded> {
        self.load(tx, id)?.ok_or_else(|| Error::NotFound {
            what: "record",
            id: id.to_string(),
        })
    }

    /// Appends what changed since `before` and refreshes the index. `rows` counts the change
    /// rows the document already has, to decide when to fold them into a snapshot.
    pub(crate) fn persist(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        loaded: &Loaded,
        before: &[ChangeHash],
        origin: doc::Origin,
    ) -> Result<Vec<String>> {
        let doc = &loaded.doc;
        let added = merge::record_feed(tx, id, doc, before, origin)?;
        if doc.get_missing_deps(&[]).is_empty() {
            tx.exec("DELETE FROM incomplete WHERE doc_id = ?1", [id])?;
        }
        let bytes = doc.save_after(before);
        if !bytes.is_empty() {
            tx.exec(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )?;
        }
        if loaded.rows + 1 >= COMPACT_AFTER && doc.get_missing_deps(&[]).is_empty() {
            self.write_snapshot(tx, id, doc)?;
        }
        index::index_doc(tx, id, loaded.kind, doc, &self.calendar())?;
        if loaded.kind == Kind::Calendar {
            self.calendar_changed(tx)?;
        }
        Ok(added)
    }

    /// Folds a document into one snapshot row: written first, then the change rows it
    /// replaces are deleted, in the caller's transaction, so a crash keeps one or the other.
    pub(crate) fn write_snapshot(&self, tx: &Transaction<'_>, id: &str, doc: &Automerge) -> Result<()> {
        tx.exec(
            "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
            params![id, doc.save()],
        )?;
        tx.exec("DELETE FROM changes WHERE doc_id = ?1", [id])?;
        Ok(())
    }

    /// The record with its seal, conflicts (rule conflicts included), deadline, what was
    /// recorded after sealing, and who created and last changed it.
    pub(crate) fn get(&self, id: &str) -> Result<StoredRecord> {
        let (loaded, ledger, conflicts, linked_from, seal, created, updated) = self.read(|c| {
            let loaded = self.load_existing(c, id)?;
            let seal = self.seal_status(c, id, loaded.kind, &loaded.doc)?;
            let who = |actor: &str| self.who(c, actor);
            let created = history::created(&loaded.doc, &who);
            let updated = history::updated(&loaded.doc, &who);
            let ledger: Option<(String, Option<String>)> = c
                .row("SELECT status, due_on FROM ledger WHERE id = ?1", [id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let mut conflicts: Vec<Conflict> = index::all_conflicts(c)?.into_iter().filter(|x| x.id == id).collect();
            self.explain(c, &mut conflicts)?;
            let mut stmt = c.prepare_cached("SELECT from_id, relation FROM links WHERE to_id = ?1 ORDER BY from_id")?;
            let linked: Vec<(String, String)> = stmt
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((loaded, ledger, conflicts, linked, seal, created, updated))
        })?;
        let doc = &loaded.doc;
        let content = doc::read_record(doc).ok_or_else(|| Error::NotFound {
            what: "record (only later changes have arrived)",
            id: id.into(),
        })?;
        let record = Record::from_json(loaded.kind, content)?;
        let after_seal = doc::read_after_seal(doc);
        let sealed = seal.as_ref().is_some_and(|s| s.intact);
        let cal = self.calendar();
        let closed = !index::breaks_closing(&rules::state::problems(&record, sealed, &cal));
        let deadline = rules::clocks::clock(&record, &after_seal, sealed, closed).map(|c| c.due(&cal));
        let today = crate::calendar::local_date(self.now());
        let days_left = deadline.as_ref().map(|d| d.days_left(today, &cal));
        let clock_name = deadline.as_ref().map(|d| crate::words::clock_name(&d.rule).to_string());
        Ok(StoredRecord {
            id: id.to_string(),
            kind: loaded.kind,
            clock_text: match (&deadline, &clock_name, days_left) {
                (Some(d), Some(name), Some(left)) => {
                    Some(crate::words::clock_text(name, d.due_on, left, d.working_days))
                }
                _ => None,
            },
            clock_unit: deadline.as_ref().map(|d| {
                if d.working_days {
                    crate::rules::ClockUnit::WorkingDays
                } else {
                    crate::rules::ClockUnit::Days
                }
            }),
            days_left,
            clock_name,
            deadline,
            ledger_status: ledger
                .and_then(|l| l.0.parse().ok())
                .unwrap_or_else(|| crate::model::LedgerStatus::of(&record)),
            record,
            seal,
            conflicts,
            created,
            updated,
            after_seal,
            linked_from,
        })
    }

    /// A record's content alone (no seal, clock, history or conflicts): for reading many, as the
    /// office's ledger and its export do.
    pub(crate) fn record(&self, id: &str) -> Result<Record> {
        let loaded = self.read(|c| self.load_existing(c, id))?;
        let content = doc::read_record(&loaded.doc).ok_or_else(|| Error::NotFound {
            what: "record (only later changes have arrived)",
            id: id.into(),
        })?;
        Record::from_json(loaded.kind, content)
    }

    /// Every record of `kind` (of `township`, or all), in the ledger's order, with its ledger
    /// row: read page by page, one record at a time, for reports over a whole township.
    pub(crate) fn each_record(
        &self,
        kind: Kind,
        township: Option<&str>,
        mut f: impl FnMut(LedgerRow, Record) -> Result<()>,
    ) -> Result<()> {
        let mut after = None;
        loop {
            let rows = self.list(&LedgerQuery {
                kind: Some(kind),
                township: township.map(str::to_string),
                limit: Some(MAX_PAGE),
                after: after.clone(),
                ..Default::default()
            })?;
            let n = rows.len();
            after = rows.last().map(|r| r.cursor.clone());
            for row in rows {
                let record = self.record(&row.id)?;
                f(row, record)?;
            }
            if n < MAX_PAGE as usize {
                return Ok(());
            }
        }
    }

    /// A record's whole automerge document, as saved.
    pub(crate) fn document_bytes(&self, id: &str) -> Result<Vec<u8>> {
        Ok(self.read(|c| self.load_existing(c, id))?.doc.save())
    }

    /// Every change to a record: who (user and device), when, which fields; in causal order,
    /// the same on every device.
    pub(crate) fn history(&self, id: &str) -> Result<Vec<HistoryEntry>> {
        self.read(|c| {
            let loaded = self.load_existing(c, id)?;
            Ok(history::history(&loaded.doc, &|actor: &str| self.who(c, actor)))
        })
    }

    /// Who an automerge actor is: this store, or a device (or an office clerk) in the registry.
    fn who(&self, c: &Connection, actor: &str) -> Option<(String, String, Role)> {
        if actor == self.actor.to_hex_string() {
            return Some((
                self.identity.user.clone(),
                self.identity.device.clone(),
                self.identity.role,
            ));
        }
        registry::by_actor(c, actor)
            .ok()
            .flatten()
            .map(|e| (e.user, e.device, e.role))
    }

    /// One-time work after the layout was upgraded: seals that existed before seals were
    /// signed are anchored as they are, and attachments already at a hub stay readable by the
    /// townships whose records refer to them.
    fn after_upgrade(&self) -> Result<()> {
        if self.read(|c| meta(c, "upgrade_5"))?.is_none() {
            return Ok(());
        }
        self.write(|tx| {
            let ids: Vec<String> = {
                let mut stmt = tx.prepare("SELECT id FROM ledger WHERE sealed = 1")?;
                let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                ids
            };
            for id in ids {
                let Some(loaded) = self.load(tx, &id)? else { continue };
                let Some(s) = seal::read(&loaded.doc) else { continue };
                let change = doc::root_object(&loaded.doc, doc::SEAL_KEY).and_then(|o| loaded.doc.hash_for_opid(&o));
                if let Some(change) = change {
                    seal::set_anchor(tx, &id, &seal::Anchor { seal: s, change })?;
                }
            }
            tx.exec(
                "INSERT OR IGNORE INTO attachment_grants (sha256, township)
                 SELECT DISTINCT ra.sha256, l.township FROM record_attachments ra JOIN ledger l ON l.id = ra.doc_id
                 WHERE ra.sha256 IN (SELECT sha256 FROM attachments)",
                [],
            )?;
            tx.exec("DELETE FROM meta WHERE key = 'upgrade_5'", [])?;
            Ok(())
        })
    }

    /// All open conflicts, from the index (no document is loaded).
    pub(crate) fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.read(|c| {
            let mut all = index::all_conflicts(c)?;
            self.explain(c, &mut all)?;
            Ok(all)
        })
    }

    /// Who wrote each value of a field conflict, and a broken rule in words: what a person
    /// needs to choose. Values from a device this store does not know name its actor.
    fn explain(&self, c: &Connection, conflicts: &mut [Conflict]) -> Result<()> {
        let mut docs: HashMap<String, (Automerge, HashMap<String, Stamp>)> = HashMap::new();
        for x in conflicts.iter_mut() {
            x.title = c
                .row("SELECT title FROM ledger WHERE id = ?1", [&x.id], |r| r.get(0))
                .optional()?;
            x.field_name = crate::words::field_name(&x.path).map(str::to_string);
            x.shown = x.values.iter().map(|v| crate::words::value_text(&x.path, v)).collect();
            if let Some(rule) = &x.rule {
                x.in_chinese = Some(crate::words::sentence(rule, &x.path).to_string());
                continue;
            }
            if !docs.contains_key(&x.id) {
                let loaded = self.load_existing(c, &x.id)?;
                let by_change = history::history(&loaded.doc, &|actor: &str| self.who(c, actor))
                    .into_iter()
                    .map(|e| {
                        let stamp = Stamp {
                            user: e.user,
                            device: e.device,
                            at: e.at,
                        };
                        (e.change, stamp)
                    })
                    .collect();
                docs.insert(x.id.clone(), (loaded.doc, by_change));
            }
            let (doc, known) = &docs[&x.id];
            x.written_by = doc::changes_of_values(doc, &x.path)
                .iter()
                .map(|h| known.get(h).cloned())
                .collect();
        }
        Ok(())
    }

    pub(crate) fn list(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        let now = self.now();
        self.read(|c| index::list(c, q, now))
    }

    pub(crate) fn search(&self, text: &str, limit: usize) -> Result<Vec<LedgerRow>> {
        let now = self.now();
        self.read(|c| index::search(c, text, limit, now))
    }

    /// Recomputes every index row from the documents; returns how many records it indexed.
    pub fn rebuild_index(&self) -> Result<usize> {
        let cal = self.calendar();
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM ledger; DELETE FROM ledger_fts; DELETE FROM ledger_text; DELETE FROM ledger_bigrams;
                 DELETE FROM conflicts; DELETE FROM record_attachments; DELETE FROM events; DELETE FROM links;",
            )?;
            let ids: Vec<String> = {
                let mut stmt = tx.prepare("SELECT id FROM documents ORDER BY id")?;
                let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                ids
            };
            let mut n = 0;
            for id in &ids {
                if let Some(loaded) = self.load(tx, id)? {
                    // Stores made before the change feed existed: every change is new to it.
                    let in_feed: i64 = tx.row("SELECT count(*) FROM feed WHERE doc_id = ?1", [id], |r| r.get(0))?;
                    if in_feed == 0 {
                        merge::record_feed(tx, id, &loaded.doc, &[], doc::Origin::Local)?;
                    }
                    if index::index_doc(tx, id, loaded.kind, &loaded.doc, &cal)? {
                        n += 1;
                    }
                }
            }
            set_meta(tx, "needs_reindex", "0")?;
            Ok(n)
        })
    }

    /// SQLite's own check of the database file.
    pub fn integrity_ok(&self) -> Result<bool> {
        self.read(|c| Ok(c.row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))? == "ok"))
    }

    /// Number of records (documents) held.
    pub fn count(&self) -> Result<usize> {
        self.read(|c| Ok(c.row("SELECT count(*) FROM documents", [], |r| r.get::<_, i64>(0))? as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_panics_gives_its_connection_back() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::create(&dir.path().join("s"), &[8; 32], "华新镇", "张丽", Role::Inspector).unwrap();
        // More panics than the pool has connections: each slot must come back.
        for _ in 0..MAX_READERS * 2 {
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _: Result<()> = store.read(|_| panic!("a read that fails"));
            }));
            assert!(panicked.is_err());
        }
        assert_eq!(store.count().unwrap(), 0, "reads still run");
        assert!(store.readers_open.load(Ordering::SeqCst) <= MAX_READERS);
    }
}

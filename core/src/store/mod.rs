//! The encrypted record store: one automerge document per record, kept in SQLite (SQLCipher)
//! as a snapshot plus incremental change rows, with index tables for the ledger and search.
//! Every write is one SQLite transaction: the change rows, the index rows and the conflict
//! list move together or not at all.

mod attachments;
mod bundle;
pub(crate) mod doc;
mod index;
pub(crate) mod merge;
mod schema;
mod seal;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, Automerge, ChangeHash, Prop, ReadDoc, ROOT};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::model::{Kind, Record};
use crate::rules::{self, Deadline};
use crate::validate::Problem;

pub use attachments::{TransferState, MAX_ATTACHMENT_BYTES};
pub use bundle::{BundleSummary, ImportReport, RefusedChange};
pub use doc::Conflict;
pub use index::{LedgerQuery, LedgerRow};
pub use seal::{Seal, SealStatus};

const DB_FILE: &str = "fieldcase.db";
/// Change rows a document may collect before they are folded into its snapshot.
const COMPACT_AFTER: i64 = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Role {
    Inspector,
    Grid,
    Mediator,
    Office,
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "inspector" => Ok(Role::Inspector),
            "grid" => Ok(Role::Grid),
            "mediator" => Ok(Role::Mediator),
            "office" => Ok(Role::Office),
            _ => Err(Error::invalid(
                "role",
                "known_role",
                format!("'{s}' is not a role; roles are inspector, grid, mediator, office"),
            )),
        }
    }
}

/// Who works with this store: every change it makes carries the user and device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Identity {
    /// This store's device id, unique per installation.
    pub device: String,
    pub township: String,
    pub user: String,
    pub role: Role,
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
    pub user: String,
    pub device: String,
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
}

/// What a save reports besides success: warnings that never block (e.g. an early USCC).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Saved {
    pub id: String,
    pub warnings: Vec<Problem>,
}

/// The metadata message written into every automerge change.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ChangeNote {
    // Short keys: the note travels with every change, and sync counts its bytes.
    #[serde(rename = "u")]
    user: String,
    #[serde(rename = "d")]
    device: String,
    #[serde(rename = "a")]
    action: String,
    #[serde(rename = "f", default)]
    fields: Vec<String>,
}

pub(crate) struct Loaded {
    pub kind: Kind,
    pub doc: Automerge,
    pub rows: i64,
}

pub struct Store {
    dir: PathBuf,
    conn: Mutex<Connection>,
    pub(crate) identity: Identity,
    actor: ActorId,
    calendar: Mutex<Calendar>,
    fixed_now: Mutex<Option<DateTime<Utc>>>,
    attachment_key: [u8; 32],
}

fn open_connection(path: &Path, key: &[u8; 32]) -> Result<Connection> {
    let conn = Connection::open(path)?;
    // A wrong key is reported as our error; SQLCipher need not also log it to stderr.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex::encode(key)))?;
    // SQLCipher only notices a wrong key when it first reads a page.
    if conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .is_err()
    {
        return Err(Error::WrongKey {
            path: path.display().to_string(),
        });
    }
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

pub(crate) fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub(crate) fn heads_from_string(s: &str) -> Vec<ChangeHash> {
    s.split(',').filter_map(|h| h.parse().ok()).collect()
}

pub(crate) fn millis_to_time(ms: i64) -> DateTime<Utc> {
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
        };
        let tx = conn.transaction()?;
        set_meta(
            &tx,
            "identity",
            &serde_json::to_string(&identity).map_err(|e| Error::Internal(e.to_string()))?,
        )?;
        set_meta(&tx, "actor", &ActorId::random().to_hex_string())?;
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
        let identity: Identity = meta(&conn, "identity")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .ok_or_else(|| bad("the store has no identity"))?;
        let actor = meta(&conn, "actor")?
            .and_then(|s| ActorId::try_from(s.as_str()).ok())
            .ok_or_else(|| bad("the store has no actor id"))?;
        let calendar = meta(&conn, "calendar")?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let needs_reindex = meta(&conn, "needs_reindex")?.as_deref() == Some("1");
        let store = Store {
            dir: dir.to_path_buf(),
            conn: Mutex::new(conn),
            identity,
            actor,
            calendar: Mutex::new(calendar),
            fixed_now: Mutex::new(None),
            attachment_key: attachments::derive_key(key),
        };
        if needs_reindex {
            store.rebuild_index()?;
        }
        Ok(store)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
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

    pub fn calendar(&self) -> Calendar {
        self.calendar.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the holiday calendar and recomputes every deadline.
    pub fn set_calendar(&self, cal: Calendar) -> Result<()> {
        {
            let conn = self.lock();
            set_meta(
                &conn,
                "calendar",
                &serde_json::to_string(&cal).map_err(|e| Error::Internal(e.to_string()))?,
            )?;
        }
        *self.calendar.lock().unwrap_or_else(|e| e.into_inner()) = cal;
        self.rebuild_index().map(|_| ())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (its transaction rolls back).
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let r = f(&tx)?;
        tx.commit()?;
        Ok(r)
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let conn = self.lock();
        f(&conn)
    }

    fn commit_options(&self, action: &str, fields: Vec<String>) -> CommitOptions {
        let note = ChangeNote {
            user: self.identity.user.clone(),
            device: self.identity.device.clone(),
            action: action.into(),
            fields,
        };
        CommitOptions::default()
            .with_message(serde_json::to_string(&note).unwrap_or_default())
            .with_time(self.now().timestamp_millis())
    }

    pub(crate) fn load(&self, tx: &Connection, id: &str) -> Result<Option<Loaded>> {
        let row: Option<(String, Option<Vec<u8>>)> = tx
            .query_row("SELECT kind, snapshot FROM documents WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((kind, snapshot)) = row else {
            return Ok(None);
        };
        let kind: Kind = kind.parse()?;
        let mut doc = match snapshot {
            Some(bytes) => Automerge::load(&bytes)?,
            None => Automerge::new(),
        };
        let mut stmt = tx.prepare_cached("SELECT bytes FROM changes WHERE doc_id = ?1 ORDER BY seq")?;
        let mut rows = stmt.query([id])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            let bytes: Vec<u8> = r.get(0)?;
            doc.load_incremental(&bytes)?;
            n += 1;
        }
        doc.set_actor(self.actor.clone());
        Ok(Some(Loaded { kind, doc, rows: n }))
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
        origin: merge::Origin,
    ) -> Result<Vec<String>> {
        let doc = &loaded.doc;
        let added = merge::record_feed(tx, id, doc, before, origin)?;
        if doc.get_missing_deps(&[]).is_empty() {
            tx.execute("DELETE FROM incomplete WHERE doc_id = ?1", [id])?;
        }
        let bytes = doc.save_after(before);
        if !bytes.is_empty() {
            tx.execute(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )?;
        }
        if loaded.rows + 1 >= COMPACT_AFTER && doc.get_missing_deps(&[]).is_empty() {
            self.write_snapshot(tx, id, doc)?;
        }
        index::index_doc(tx, id, loaded.kind, doc, &self.calendar())?;
        Ok(added)
    }

    /// Folds a document into one snapshot row: written first, then the change rows it
    /// replaces are deleted, in the caller's transaction, so a crash keeps one or the other.
    pub(crate) fn write_snapshot(&self, tx: &Transaction<'_>, id: &str, doc: &Automerge) -> Result<()> {
        tx.execute(
            "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
            params![id, doc.save()],
        )?;
        tx.execute("DELETE FROM changes WHERE doc_id = ?1", [id])?;
        Ok(())
    }

    /// Creates a record from its JSON form. A draft may be incomplete; values present must
    /// be valid.
    pub fn create_json(&self, kind: Kind, value: Value) -> Result<Saved> {
        let record = Record::from_json(kind, value)?;
        self.create_record(record)
    }

    pub fn create_record(&self, record: Record) -> Result<Saved> {
        let problems = record.check(false);
        if problems.has_errors() {
            return Err(Error::Invalid(problems.errors()));
        }
        // A new record starts from the kind's first status: creating it "closed" or "signed"
        // must pass the same rules as getting there by edits.
        let blank = Record::from_json(record.kind(), Value::Null)?;
        rules::check_transition(&blank, &record)?;
        let id = uuid::Uuid::now_v7().to_string();
        let kind = record.kind();
        let mut doc = Automerge::new();
        doc.set_actor(self.actor.clone());
        let mut tx = doc.transaction();
        tx.put(ROOT, doc::KIND_KEY, kind.as_str())?;
        doc::put_value(&mut tx, &ROOT, Prop::Map(doc::RECORD_KEY.into()), &record.to_json())?;
        tx.commit_with(self.commit_options("create", vec![]));
        let loaded = Loaded { kind, doc, rows: 0 };
        self.write(|tx| {
            tx.execute(
                "INSERT INTO documents (id, kind) VALUES (?1, ?2)",
                params![id, kind.as_str()],
            )?;
            self.persist(tx, &id, &loaded, &[], merge::Origin::Local).map(|_| ())
        })?;
        Ok(Saved {
            id,
            warnings: problems.warnings(),
        })
    }

    /// The record with its seal, conflicts, deadline, and who created and last changed it.
    pub fn get(&self, id: &str) -> Result<StoredRecord> {
        let loaded = self.read(|c| self.load_existing(c, id))?;
        let doc = &loaded.doc;
        let content = doc::read_record(doc).ok_or_else(|| Error::NotFound {
            what: "record (only later changes have arrived)",
            id: id.into(),
        })?;
        let record = Record::from_json(loaded.kind, content)?;
        let seal = seal::status(doc);
        let history = history_of(doc);
        let stamp = |h: &HistoryEntry| Stamp {
            user: h.user.clone(),
            device: h.device.clone(),
            at: h.at,
        };
        Ok(StoredRecord {
            id: id.to_string(),
            kind: loaded.kind,
            deadline: rules::deadline(&record, seal.as_ref().map(|s| s.seal.sealed_at), &self.calendar()),
            record,
            seal,
            conflicts: doc::conflicts(doc, id),
            created: history
                .iter()
                .find(|h| h.action == "create")
                .or(history.first())
                .map(stamp),
            updated: history.last().map(stamp),
        })
    }

    /// Applies `PATH = VALUE` edits as one change. Refused on a sealed record; status changes
    /// follow the case rules.
    pub fn edit(&self, id: &str, edits: &[(String, Value)]) -> Result<Saved> {
        self.change(id, "edit", |current, _| {
            let mut next = current.clone();
            for (path, value) in edits {
                doc::set_path(&mut next, path, value.clone())?;
            }
            Ok(next)
        })
    }

    /// Loads a record, lets `f` compute its new content, checks it and writes the difference.
    pub(crate) fn change(
        &self,
        id: &str,
        action: &str,
        f: impl FnOnce(&Value, Kind) -> Result<Value>,
    ) -> Result<Saved> {
        self.write(|tx| {
            let mut loaded = self.load_existing(tx, id)?;
            if seal::status(&loaded.doc).is_some() {
                return Err(Error::Sealed { id: id.into() });
            }
            let current = doc::read_record(&loaded.doc).ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            let before = Record::from_json(loaded.kind, current.clone())?;
            let after = Record::from_json(loaded.kind, f(&current, loaded.kind)?)?;
            let problems = after.check(false);
            if problems.has_errors() {
                return Err(Error::Invalid(problems.errors()));
            }
            rules::check_transition(&before, &after)?;
            let heads = loaded.doc.get_heads();
            let obj = doc::root_object(&loaded.doc, doc::RECORD_KEY)
                .ok_or_else(|| Error::Internal("record without content".into()))?;
            let mut changed = vec![];
            let mut dtx = loaded.doc.transaction();
            doc::reconcile(&mut dtx, &obj, &current, &after.to_json(), "", &mut changed)?;
            if changed.is_empty() {
                dtx.rollback();
            } else {
                dtx.commit_with(self.commit_options(action, changed));
                self.persist(tx, id, &loaded, &heads, merge::Origin::Local)?;
            }
            Ok(Saved {
                id: id.to_string(),
                warnings: problems.warnings(),
            })
        })
    }

    /// Replaces a record's content with `record` (same kind), writing only what differs.
    pub fn update(&self, id: &str, record: Record) -> Result<Saved> {
        self.change(id, "edit", |_, kind| {
            if record.kind() != kind {
                return Err(Error::invalid(
                    "kind",
                    "same_kind",
                    format!("record {id} is a {kind}, not a {}", record.kind()),
                ));
            }
            Ok(record.to_json())
        })
    }

    /// Settles a conflict: `value` supersedes every concurrent value at `path`.
    pub fn resolve(&self, id: &str, path: &str, value: Value) -> Result<()> {
        self.write(|tx| {
            let mut loaded = self.load_existing(tx, id)?;
            if seal::status(&loaded.doc).is_some() {
                return Err(Error::Sealed { id: id.into() });
            }
            if !doc::conflicts(&loaded.doc, id).iter().any(|c| c.path == path) {
                return Err(Error::invalid(
                    path,
                    "in_conflict",
                    format!("record {id} has no conflict at {path}"),
                ));
            }
            let mut next = doc::read_record(&loaded.doc).unwrap_or(Value::Null);
            doc::set_path(&mut next, path, value.clone())?;
            let after = Record::from_json(loaded.kind, next)?;
            let problems = after.check(false);
            if problems.has_errors() {
                return Err(Error::Invalid(problems.errors()));
            }
            let heads = loaded.doc.get_heads();
            let mut dtx = loaded.doc.transaction();
            doc::force_path(&mut dtx, path, &value)?;
            dtx.commit_with(self.commit_options("resolve", vec![path.to_string()]));
            self.persist(tx, id, &loaded, &heads, merge::Origin::Local).map(|_| ())
        })
    }

    /// A record's whole automerge document, as saved.
    pub fn document_bytes(&self, id: &str) -> Result<Vec<u8>> {
        Ok(self.read(|c| self.load_existing(c, id))?.doc.save())
    }

    /// Every change to a record: who (user and device), when, which fields.
    pub fn history(&self, id: &str) -> Result<Vec<HistoryEntry>> {
        let loaded = self.read(|c| self.load_existing(c, id))?;
        Ok(history_of(&loaded.doc))
    }

    /// All open conflicts, from the index (no document is loaded).
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.read(index::all_conflicts)
    }

    pub fn list(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        let now = self.now();
        self.read(|c| index::list(c, q, now))
    }

    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<LedgerRow>> {
        let now = self.now();
        self.read(|c| index::search(c, text, limit, now))
    }

    /// Recomputes every index row from the documents; returns how many records it indexed.
    pub fn rebuild_index(&self) -> Result<usize> {
        let cal = self.calendar();
        self.write(|tx| {
            tx.execute_batch(
                "DELETE FROM ledger; DELETE FROM ledger_fts; DELETE FROM ledger_text; DELETE FROM ledger_bigrams;\n                 DELETE FROM conflicts; DELETE FROM record_attachments;",
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
                    let in_feed: i64 = tx.query_row("SELECT count(*) FROM feed WHERE doc_id = ?1", [id], |r| r.get(0))?;
                    if in_feed == 0 {
                        merge::record_feed(tx, id, &loaded.doc, &[], merge::Origin::Local)?;
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

    /// Number of records (documents) held.
    pub fn count(&self) -> Result<usize> {
        self.read(|c| Ok(c.query_row("SELECT count(*) FROM documents", [], |r| r.get::<_, i64>(0))? as usize))
    }
}

pub(crate) fn history_of(doc: &Automerge) -> Vec<HistoryEntry> {
    // Automerge lists changes in causal order, which phone clocks (often wrong) cannot upset.
    doc.get_changes(&[])
        .iter()
        .map(|c| {
            let note: Option<ChangeNote> = c.message().and_then(|m| serde_json::from_str(m).ok());
            let note = note.unwrap_or(ChangeNote {
                user: String::new(),
                device: c.actor_id().to_hex_string(),
                action: "unknown".into(),
                fields: vec![],
            });
            HistoryEntry {
                at: millis_to_time(c.timestamp()),
                user: note.user,
                device: note.device,
                action: note.action,
                fields: note.fields,
                change: c.hash().to_string(),
            }
        })
        .collect()
}

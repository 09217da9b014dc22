//! Changes that arrive from elsewhere (a bundle, the hub, a device at the hub) go through one
//! path: applied to a copy, checked (kind, seal, a readable record, the caller's gate), and
//! only then written, with the index and the change feed, in the caller's transaction.

use automerge::{Automerge, ChangeHash, ReadDoc};
use rusqlite::{params, Transaction};

use super::bundle::RefusedChange;
use super::{doc, seal, Loaded, Store};
use crate::error::{Error, Result};
use crate::model::{Kind, Record};

/// Where changes came from. Changes from the hub are not sent back to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Local,
    Peer,
    Hub,
}

/// What a merge did.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub new_record: bool,
    pub changed: bool,
    pub refused: Vec<RefusedChange>,
    /// Hashes of the changes this merge added.
    pub added: Vec<String>,
}

/// Decides whether a merged record may be kept: gets the township before (if the record was
/// known) and the record after; `Err(reason)` refuses it.
pub(crate) type Gate<'a> = &'a dyn Fn(Option<&str>, Option<&Record>) -> std::result::Result<(), String>;

/// Appends the changes added since `before` to the change feed.
pub(crate) fn record_feed(
    tx: &Transaction<'_>,
    id: &str,
    doc: &Automerge,
    before: &[ChangeHash],
    origin: Origin,
) -> Result<Vec<String>> {
    let mut added = vec![];
    let mut stmt = tx.prepare_cached("INSERT INTO feed (doc_id, hash, from_hub) VALUES (?1, ?2, ?3)")?;
    for c in doc.get_changes(before) {
        let h = c.hash().to_string();
        stmt.execute(params![id, h, (origin == Origin::Hub) as i64])?;
        added.push(h);
    }
    Ok(added)
}

impl Store {
    /// Merges `bytes` (a whole document or changes) into record `id`. Damaged or foreign input
    /// is an error (`Rejected`) for the caller to roll back; `Ok(Err(reason))` means the gate
    /// refused this record alone. Nothing is written in either case.
    pub(crate) fn merge_remote(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        kind: Kind,
        bytes: &[u8],
        origin: Origin,
        gate: Option<Gate<'_>>,
    ) -> Result<std::result::Result<Merged, String>> {
        let existing = self.load(tx, id)?;
        if let Some(l) = &existing {
            if l.kind != kind {
                return Err(Error::Rejected(format!(
                    "record {id} is a {} here but a {kind} in what arrived",
                    l.kind
                )));
            }
        }
        let is_new = existing.is_none();
        let township_before = existing
            .as_ref()
            .and_then(|l| doc::read_record(&l.doc))
            .and_then(|v| v.get("township").and_then(|t| t.as_str()).map(str::to_string));
        let (mut doc, rows) = match existing {
            Some(l) => (l.doc, l.rows),
            None => (Automerge::new(), 0),
        };
        let before = doc.get_heads();
        let had_content = doc::read_record(&doc).is_some();
        if let Err(e) = doc.load_incremental(bytes) {
            return Err(Error::Rejected(format!("record {id}: damaged changes ({e})")));
        }
        if let Some(k) = doc::read_kind(&doc) {
            if k != kind.as_str() {
                return Err(Error::Rejected(format!(
                    "record {id} is labelled {kind} but holds a {k}"
                )));
            }
        }
        let (mut doc, refused) = seal::enforce(id, doc)?;
        doc.set_actor(self.actor.clone());
        let record = match doc::read_record(&doc).map(|c| Record::from_json(kind, c)) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => return Err(Error::Rejected(format!("record {id} ({kind}): {e}"))),
            None => None,
        };
        if let Some(gate) = gate {
            if let Err(reason) = gate(township_before.as_deref(), record.as_ref()) {
                return Ok(Err(reason));
            }
        }
        if is_new {
            tx.execute(
                "INSERT INTO documents (id, kind) VALUES (?1, ?2)",
                params![id, kind.as_str()],
            )?;
        }
        let missing_deps = !doc.get_missing_deps(&[]).is_empty();
        let changed = doc.get_heads() != before;
        let loaded = Loaded { kind, doc, rows };
        let mut merged = Merged {
            new_record: !had_content && record.is_some(),
            changed,
            ..Default::default()
        };
        let now = self.now().timestamp_millis();
        if !refused.is_empty() {
            for c in &refused {
                tx.execute(
                    "INSERT OR IGNORE INTO quarantine (hash, doc_id, bytes, reason, at) VALUES (?1, ?2, ?3, 'sealed', ?4)",
                    params![c.hash().to_string(), id, c.raw_bytes(), now],
                )?;
                merged.refused.push(RefusedChange {
                    id: id.into(),
                    change: c.hash().to_string(),
                    reason: "the record was already signed and sealed".into(),
                });
            }
            // Our own copy may hold refused changes too: keep only what the seal covers.
            merged.added = record_feed(tx, id, &loaded.doc, &before, origin)?;
            self.write_snapshot(tx, id, &loaded.doc)?;
            super::index::index_doc(tx, id, kind, &loaded.doc, &self.calendar())?;
            if kind == Kind::Calendar {
                self.calendar_changed(tx)?;
            }
        } else if missing_deps {
            // Changes that wait for earlier ones are kept as they came, and applied when the
            // earlier ones arrive.
            merged.added = record_feed(tx, id, &loaded.doc, &before, origin)?;
            tx.execute(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )?;
            tx.execute("INSERT OR IGNORE INTO incomplete (doc_id) VALUES (?1)", [id])?;
            super::index::index_doc(tx, id, kind, &loaded.doc, &self.calendar())?;
        } else if changed {
            merged.added = self.persist(tx, id, &loaded, &before, origin)?;
        }
        Ok(Ok(merged))
    }
}

//! Changes that arrive from elsewhere (a bundle, the hub, a device at the hub) go through one
//! path: parsed strictly (damaged bytes are an error, never silently skipped), applied to a
//! copy, the seal enforced, the record read, the caller's gate asked, and only then written
//! with the index and the change feed, in the caller's transaction.

use automerge::{Automerge, Change, ChangeHash, LoadOptions, OnPartialLoad, ReadDoc};
use rusqlite::{params, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::doc::Origin;
use super::Cached;
use super::{doc, seal, Loaded, Store};
use crate::error::{Error, Result};
use crate::model::{Kind, Record};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefusedChange {
    pub id: String,
    pub change: String,
    pub reason: String,
}

/// What a merge did.
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub new_record: bool,
    pub changed: bool,
    pub refused: Vec<RefusedChange>,
    /// Hashes of the changes this merge added.
    pub added: Vec<String>,
    /// The record's heads here after the merge, and whether this store held nothing of it
    /// before.
    pub heads: Vec<automerge::ChangeHash>,
    pub was_absent: bool,
}

/// What the gate of a merge is shown: the record before and after, and the changes it would
/// add (a seal among them has passed `seal::enforce`, its signer included).
pub(crate) struct Arriving<'a> {
    pub before: Option<&'a Record>,
    pub after: Option<&'a Record>,
    /// Some changes wait for earlier ones this store lacks.
    pub missing_deps: bool,
    pub new_changes: &'a [Change],
}

/// Why a gate refused a record, and whether the sender should send it whole next time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GateRefusal {
    pub send_whole: bool,
    pub reason: String,
}

/// Decides whether a merged record may be kept; `Err` refuses that record alone.
pub(crate) type Gate<'a> = &'a dyn Fn(&Arriving<'_>) -> std::result::Result<(), GateRefusal>;

impl Arriving<'_> {
    /// The field rules the record breaks after these changes that it did not break before
    /// them, as sentences: what arrives is held to the rules, as what is typed is.
    pub(crate) fn new_rule_breaks(&self) -> Vec<String> {
        let Some(after) = self.after else { return vec![] };
        let now = crate::validate::timeless_now();
        let known: std::collections::HashSet<(String, String)> = self
            .before
            .map(|b| b.check(false, now).errors())
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.rule))
            .collect();
        after
            .check(false, now)
            .errors()
            .into_iter()
            .filter(|p| !known.contains(&(p.field.clone(), p.rule.clone())))
            .map(|p| p.to_string())
            .collect()
    }
}

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
    for c in doc.get_changes_meta(before) {
        let h = c.hash.to_string();
        stmt.execute(params![id, h, (origin == Origin::Hub) as i64])?;
        added.push(h);
    }
    Ok(added)
}

/// Checks that `bytes` are whole, undamaged automerge chunks: changes or documents, one after
/// another, each with its checksum right. (Automerge's own incremental load skips a damaged
/// chunk silently; here damage is an error.)
pub(crate) fn check_bytes(id: &str, bytes: &[u8]) -> Result<()> {
    check_chunks(id, bytes, true).map(|_| ())
}

/// How many change chunks `bytes` are, if they are change chunks alone (framing and checksums
/// right): a device can take them as they are for a record it lacks whole.
pub(crate) fn only_changes(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() {
        return None;
    }
    check_chunks("", bytes, false).ok().flatten()
}

/// `check_bytes`'s framing and checksums; with `parse`, each chunk is also parsed. Without,
/// it returns how many change chunks there are, or `None` if a document chunk is among them
/// (for the caller to count what it loaded against).
fn check_chunks(id: &str, bytes: &[u8], parse: bool) -> Result<Option<usize>> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let damaged = |why: &str| Error::Rejected(format!("record {id}: damaged changes ({why})"));
    if bytes.is_empty() {
        return Err(Error::Rejected(format!("record {id}: no changes (empty)")));
    }
    let mut rest = bytes;
    let mut changes = Some(0usize);
    while !rest.is_empty() {
        if rest.len() < 10 || rest[..4] != MAGIC {
            return Err(damaged("not an automerge chunk"));
        }
        let (len, leb) = uleb128(&rest[9..]).ok_or_else(|| damaged("a chunk length is malformed"))?;
        let total = (9 + leb)
            .checked_add(usize::try_from(len).map_err(|_| damaged("a chunk is too long"))?)
            .ok_or_else(|| damaged("a chunk is too long"))?;
        if total > rest.len() {
            return Err(damaged("cut short"));
        }
        let chunk = &rest[..total];
        if Sha256::digest(&chunk[8..])[..4] != chunk[4..8] {
            return Err(damaged("a checksum does not match"));
        }
        match chunk[8] {
            0 => {
                changes = None;
                if parse {
                    Automerge::load_with_options(chunk, LoadOptions::new().on_partial_load(OnPartialLoad::Error))
                        .map_err(|e| damaged(&e.to_string()))?;
                }
            }
            1 | 2 => {
                changes = changes.map(|n| n + 1);
                if parse {
                    Change::try_from(chunk).map_err(|e| damaged(&e.to_string()))?;
                }
            }
            t => return Err(damaged(&format!("chunk type {t} is not a document or a change"))),
        }
        rest = &rest[total..];
    }
    Ok(changes)
}

/// An unsigned LEB128 number and how many bytes it took.
fn uleb128(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, byte) in b.iter().take(10).enumerate() {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A record that arrived, loaded and read off the writer's lock: the part of applying it
/// that needs no database, done for many records at once on several threads.
pub(crate) struct Prepared {
    doc: Automerge,
    read: doc::ReadForIndex,
    record: Option<Result<Record>>,
    /// No change writes a seal: nothing for the seal's rules to look at.
    seal_free: bool,
}

/// Loads and reads a record that arrived; `None` when anything is wrong with it (the merge
/// then finds and reports that itself).
pub(crate) fn prepare(id: &str, kind: Kind, bytes: &[u8]) -> Option<Prepared> {
    // Changes alone (a record sent whole as its few changes) are parsed once, by the load:
    // automerge skips a chunk it cannot read, so what it loaded is counted against the
    // chunks, whose framing and checksums are checked first. Anything else, or a count that
    // differs, goes to the full check.
    let changes = check_chunks(id, bytes, false).ok()?;
    if changes.is_none() {
        check_bytes(id, bytes).ok()?;
    }
    let mut doc = Automerge::new();
    doc.load_incremental(bytes).ok()?;
    if let Some(n) = changes {
        if doc.get_changes(&[]).len() != n {
            return None;
        }
    }
    let read = doc::read_for_index(&doc, id);
    let record = read.record.clone().map(|c| Record::from_json(kind, c));
    let seal_free = seal::seal_free(&doc);
    Some(Prepared {
        doc,
        read,
        record,
        seal_free,
    })
}

/// `prepare` for each of `records` whose flag is set, on up to four threads.
pub(crate) fn prepare_all(records: &[(&str, Kind, &[u8], bool)]) -> Vec<Option<Prepared>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let one = |(id, kind, bytes, new): &(&str, Kind, &[u8], bool)| if *new { prepare(id, *kind, bytes) } else { None };
    if threads == 1 || records.len() < 16 {
        return records.iter().map(one).collect();
    }
    let per = records.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = records
            .chunks(per)
            .map(|chunk| (chunk.len(), s.spawn(move || chunk.iter().map(one).collect::<Vec<_>>())))
            .collect();
        // A thread that failed leaves its records to the merge's own path.
        parts
            .into_iter()
            .flat_map(|(n, p)| p.join().unwrap_or_else(|_| (0..n).map(|_| None).collect()))
            .collect()
    })
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
    ) -> Result<std::result::Result<Merged, GateRefusal>> {
        self.merge_prepared(tx, id, kind, bytes, origin, gate, None)
    }

    /// `merge_remote`, with the record already loaded and read when it is new here
    /// (`prepare`, done off the writer's lock).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn merge_prepared(
        &self,
        tx: &Transaction<'_>,
        id: &str,
        kind: Kind,
        bytes: &[u8],
        origin: Origin,
        gate: Option<Gate<'_>>,
        prepared: Option<Prepared>,
    ) -> Result<std::result::Result<Merged, GateRefusal>> {
        crate::validate::check_record_id(id).map_err(|e| Error::Rejected(e.to_string()))?;
        if prepared.is_none() {
            check_bytes(id, bytes)?;
        }
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
        let record_before = existing
            .as_ref()
            .and_then(|l| doc::read_record(&l.doc))
            .and_then(|v| Record::from_json(kind, v).ok());
        let (mut doc, rows) = match existing {
            Some(l) => (l.doc, l.rows),
            None => (Automerge::new(), 0),
        };
        let before = doc.get_heads();
        let had_content = doc::read_record(&doc).is_some();
        let mut already_read = None;
        let mut seal_free = false;
        match prepared.filter(|_| is_new) {
            Some(p) => {
                doc = p.doc;
                already_read = Some((p.read, p.record));
                seal_free = p.seal_free;
            }
            None => {
                if let Err(e) = doc.load_incremental(bytes) {
                    return Err(Error::Rejected(format!("record {id}: damaged changes ({e})")));
                }
            }
        }
        if let Some(k) = doc::read_kind(&doc) {
            if k != kind.as_str() {
                return Err(Error::Rejected(format!(
                    "record {id} is labelled {kind} but holds a {k}"
                )));
            }
        }
        let anchored = seal::anchor(tx, id)?;
        let (mut doc, refused, anchor) = if seal_free && anchored.is_none() {
            (doc, vec![], None)
        } else {
            seal::enforce(id, kind, doc, anchored.as_ref(), &self.trust_in(tx))?
        };
        doc.set_actor(self.actor.clone());
        let missing_deps = !doc.get_missing_deps(&[]).is_empty();
        // What was read before holds unless the seal kept changes out.
        let (read, parsed) = match already_read.filter(|_| refused.is_empty()) {
            Some(r) => r,
            None => {
                let read = doc::read_for_index(&doc, id);
                let parsed = read.record.clone().map(|c| Record::from_json(kind, c));
                (read, parsed)
            }
        };
        let record = match parsed {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => return Err(Error::Rejected(format!("record {id} ({kind}): {e}"))),
            None => None,
        };
        if is_new && record.is_none() && !missing_deps {
            return Err(Error::Rejected(format!("record {id}: the changes hold no record")));
        }
        if let Some(gate) = gate {
            let new_changes: Vec<Change> = doc.get_changes(&before);
            let arriving = Arriving {
                before: record_before.as_ref(),
                after: record.as_ref(),
                missing_deps,
                new_changes: &new_changes,
            };
            if let Err(reason) = gate(&arriving) {
                return Ok(Err(reason));
            }
        }
        let changed = doc.get_heads() != before;
        // A record that arrived whole and complete: what came, checked and loaded, is its
        // snapshot, written with it.
        let arrived_whole = is_new && changed && refused.is_empty() && !missing_deps;
        if arrived_whole {
            tx.exec(
                "INSERT INTO documents (id, kind, snapshot) VALUES (?1, ?2, ?3)",
                params![id, kind.as_str(), bytes],
            )?;
        } else if is_new {
            tx.exec(
                "INSERT INTO documents (id, kind) VALUES (?1, ?2)",
                params![id, kind.as_str()],
            )?;
        }
        if let Some(a) = &anchor {
            if anchored.as_ref() != Some(a) {
                seal::set_anchor(tx, id, a)?;
            }
        }
        let loaded = Loaded { kind, doc, rows };
        let mut merged = Merged {
            new_record: !had_content && record.is_some(),
            changed,
            heads: loaded.doc.get_heads(),
            was_absent: is_new,
            ..Default::default()
        };
        let now = self.now().timestamp_millis();
        if !refused.is_empty() {
            for k in &refused {
                let hash = k.change.hash().to_string();
                tx.exec(
                    "INSERT OR IGNORE INTO quarantine (hash, doc_id, bytes, reason, code, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        hash,
                        id,
                        k.change.raw_bytes(),
                        k.reason,
                        if k.for_signer { "signer" } else { "sealed" },
                        now
                    ],
                )?;
                merged.refused.push(RefusedChange {
                    id: id.into(),
                    change: hash,
                    reason: k.reason.clone(),
                });
            }
            // Our own copy may hold refused changes too: keep only what the seal allows.
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
            tx.exec(
                "INSERT INTO changes (doc_id, bytes) VALUES (?1, ?2)",
                params![id, bytes],
            )?;
            tx.exec("INSERT OR IGNORE INTO incomplete (doc_id) VALUES (?1)", [id])?;
            super::index::index_doc(tx, id, kind, &loaded.doc, &self.calendar())?;
        } else if arrived_whole {
            merged.added = record_feed(tx, id, &loaded.doc, &before, origin)?;
            let parsed = record.map(Ok);
            super::index::index_read(tx, id, kind, &loaded.doc, &self.calendar(), read, parsed, true)?;
            if kind == Kind::Calendar {
                self.calendar_changed(tx)?;
            }
        } else if changed {
            merged.added = self.persist(tx, id, &loaded, &before, origin)?;
        }
        Ok(Ok(merged))
    }
}

impl Store {
    /// Takes again the changes refused for their seal's signer alone (the registry may now
    /// vouch for it, once the hub or a colleague brought the signer's entry); those still
    /// refused stay aside with their reason.
    pub(crate) fn retake_refused(&self, tx: &Transaction<'_>) -> Result<()> {
        let docs: Vec<(String, String)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT q.doc_id, d.kind FROM quarantine q JOIN documents d ON d.id = q.doc_id
                 WHERE q.code = 'signer' ORDER BY q.doc_id",
            )?;
            let rows = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        for (id, kind) in docs {
            let kind: Kind = kind.parse()?;
            let bytes: Vec<u8> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT bytes FROM quarantine WHERE doc_id = ?1 AND code = 'signer' ORDER BY at, hash",
                )?;
                let parts: Vec<Vec<u8>> = stmt.query_map([&id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                parts.concat()
            };
            // Taken out, then merged again: what is still refused goes back with its reason.
            tx.exec("DELETE FROM quarantine WHERE doc_id = ?1 AND code = 'signer'", [&id])?;
            if let Err(why) = self.merge_remote(tx, &id, kind, &bytes, Origin::Peer, None)? {
                return Err(Error::Internal(format!("record {id}: {}", why.reason)));
            }
        }
        Ok(())
    }

    /// Once, after the upgrade that made stores check a seal's signer: a seal taken before
    /// from a signer the registry does not vouch for is taken out of its record and kept aside
    /// (with what was built on it), as it would be refused now, so that this store and the hub
    /// agree on whether the record is sealed.
    pub(crate) fn recheck_anchored_seals(&self) -> Result<()> {
        if self.read(|c| super::meta(c, "upgrade_11"))?.is_none() {
            return Ok(());
        }
        self.write(|tx| {
            let ids: Vec<String> = {
                let mut stmt = tx.prepare("SELECT doc_id FROM seals ORDER BY doc_id")?;
                let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                ids
            };
            let now = self.now().timestamp_millis();
            for id in ids {
                let (Some(loaded), Some(anchor)) = (self.load(tx, &id)?, seal::anchor(tx, &id)?) else {
                    continue;
                };
                let entry = super::registry::entry(tx, &anchor.seal.device)?;
                if anchor.seal.alg == crate::signing::LEGACY_SEAL_ALG
                    || self.judge_signer(&anchor.seal, loaded.kind, entry.as_ref()).honoured()
                {
                    continue;
                }
                let (kept, refused, _) = seal::enforce(&id, loaded.kind, loaded.doc, None, &self.trust_in(tx))?;
                tx.exec("DELETE FROM seals WHERE doc_id = ?1", [&id])?;
                for k in &refused {
                    let hash = k.change.hash().to_string();
                    tx.exec("DELETE FROM feed WHERE doc_id = ?1 AND hash = ?2", params![id, hash])?;
                    tx.exec(
                        "INSERT OR IGNORE INTO quarantine (hash, doc_id, bytes, reason, code, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            hash,
                            id,
                            k.change.raw_bytes(),
                            k.reason,
                            if k.for_signer { "signer" } else { "sealed" },
                            now
                        ],
                    )?;
                }
                self.write_snapshot(tx, &id, &kept)?;
                super::index::index_doc(tx, &id, loaded.kind, &kept, &self.calendar())?;
            }
            tx.exec("DELETE FROM meta WHERE key = 'upgrade_11'", [])?;
            Ok(())
        })
    }
}

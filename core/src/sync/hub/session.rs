//! One sync session at the hub. Uploads are checked and applied in one bounded write
//! transaction (each record whole or not at all; a record the device may not change is refused
//! alone); the answer is then built from a read snapshot, one frame at a time, brotli-flushed
//! after each frame, so the writer is never held while a device downloads and memory stays at
//! one frame a session.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::ops::Deref;

use automerge::{ChangeHash, ReadDoc};
use rusqlite::Connection;

use super::{attachments, whole_record, Device};
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::doc::Origin;
use crate::store::feed::reads;
use crate::store::merge::{Arriving, Gate, GateRefusal};
use crate::store::{registry, Store};
use crate::sync::wire::{
    AttachmentWant, Frame, RecordChanges, Refusal, RefusalCode, SyncRequest, FIRST_FRAME_RECORDS, FRAME_RECORDS,
};

/// Brotli settings of an answer, streamed and flushed per frame. Quality 9 rather than 6: a
/// first sync of 10,000 records is 10 % smaller (945 KiB against 1,048, 1.13 × the brotli floor)
/// for 7 % more time on the hub (2.9 s against 2.7 s; `cargo bench -p fieldcase-hub --bench
/// sync`), and bytes are what a weak link pays for; first syncs are rare beside no-change ones.
const QUALITY: u32 = 9;
const WINDOW: u32 = 22;

/// The hub's answer to one session, produced as compressed chunks (each one or more whole
/// frames) by iterating it.
pub struct Answer<S: Deref<Target = Store>> {
    store: S,
    conn: Option<Connection>,
    encoder: Option<brotli::CompressorWriter<Vec<u8>>>,
    receipt: Option<Frame>,
    feed: Vec<(String, Kind, i64)>,
    pos: usize,
    device_heads: HashMap<String, Vec<ChangeHash>>,
    need: HashSet<String>,
    cursor: i64,
    final_cursor: i64,
    records: Vec<RecordChanges>,
    /// Records the next frame holds (from `FIRST_FRAME_RECORDS`, doubling to `FRAME_RECORDS`).
    frame_records: usize,
}

impl<S: Deref<Target = Store>> Drop for Answer<S> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.store.end_snapshot(conn);
        }
    }
}

impl<S: Deref<Target = Store>> Answer<S> {
    fn write_frame(&mut self, frame: &Frame) -> Result<()> {
        let mut raw = vec![];
        frame.encode(&mut raw);
        let enc = self
            .encoder
            .as_mut()
            .ok_or_else(|| Error::Internal("the answer is already finished".into()))?;
        enc.write_all(&raw)?;
        enc.flush()?;
        Ok(())
    }

    fn take_chunk(&mut self) -> Vec<u8> {
        self.encoder
            .as_mut()
            .map(|e| std::mem::take(e.get_mut()))
            .unwrap_or_default()
    }

    /// The next record the device lacks, or `None` at the end of the feed.
    fn next_record(&mut self) -> Result<Option<RecordChanges>> {
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| Error::Internal("the answer has no snapshot".into()))?;
        while self.pos < self.feed.len() {
            let (id, kind, _) = self.feed[self.pos].clone();
            self.pos += 1;
            let goes_whole = !self.device_heads.contains_key(&id)
                && (self.need.contains(&id) || reads::first_seq(conn, &id)? > self.cursor);
            let Some(stored) = self.store.load_stored(conn, &id)? else {
                continue;
            };
            // A record the device lacks whole, stored as the few changes that made it (as it
            // arrived from its phone, or as made here), goes as those bytes, as `whole_record`
            // would send them: no document need be built.
            if goes_whole && !reads::is_incomplete(conn, &id)? {
                let mut raw = stored.snapshot.clone().unwrap_or_default();
                for c in &stored.changes {
                    raw.extend_from_slice(c);
                }
                if crate::store::merge::only_changes(&raw).is_some_and(|n| n <= 4) {
                    return Ok(Some(RecordChanges {
                        id,
                        kind,
                        whole: true,
                        heads: vec![],
                        bytes: raw,
                    }));
                }
            }
            let loaded = self.store.build(stored)?;
            let doc = &loaded.doc;
            let (whole, bytes) = if let Some(heads) = self.device_heads.get(&id) {
                let known: Vec<ChangeHash> = heads
                    .iter()
                    .filter(|h| doc.get_change_by_hash(h).is_some())
                    .copied()
                    .collect();
                (false, doc.save_after(&known))
            } else {
                if goes_whole {
                    (true, whole_record(doc))
                } else {
                    let hashes = reads::hashes_after(conn, &id, self.cursor)?;
                    let mut bytes = vec![];
                    for h in hashes {
                        if let Some(c) = h.parse().ok().and_then(|h: ChangeHash| doc.get_change_by_hash(&h)) {
                            bytes.extend_from_slice(c.raw_bytes());
                        }
                    }
                    (false, bytes)
                }
            };
            if !bytes.is_empty() {
                return Ok(Some(RecordChanges {
                    id,
                    kind,
                    whole,
                    heads: vec![],
                    bytes,
                }));
            }
        }
        Ok(None)
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        if self.encoder.is_none() {
            return Ok(None);
        }
        if let Some(receipt) = self.receipt.take() {
            self.write_frame(&receipt)?;
            return Ok(Some(self.take_chunk()));
        }
        while let Some(r) = self.next_record()? {
            self.records.push(r);
            if self.records.len() >= self.frame_records {
                self.frame_records = (self.frame_records * 2).min(FRAME_RECORDS);
                // "Cursor after": one before the first feed row of the next record, so a
                // session resumed from it misses nothing.
                let cursor_after = self
                    .feed
                    .get(self.pos)
                    .map(|(_, _, s)| s - 1)
                    .unwrap_or(self.final_cursor)
                    .max(self.cursor);
                let frame = Frame::Records {
                    cursor_after: cursor_after as u64,
                    records: std::mem::take(&mut self.records),
                };
                self.write_frame(&frame)?;
                return Ok(Some(self.take_chunk()));
            }
        }
        if !self.records.is_empty() {
            let frame = Frame::Records {
                cursor_after: self.final_cursor.max(self.cursor) as u64,
                records: std::mem::take(&mut self.records),
            };
            self.write_frame(&frame)?;
        }
        self.write_frame(&Frame::End {
            cursor: self.final_cursor.max(self.cursor) as u64,
        })?;
        let last = self.encoder.take().map(|e| e.into_inner()).unwrap_or_default();
        Ok(Some(last))
    }

    /// The whole answer in one buffer (for tests and in-memory use).
    pub fn collect_bytes(self) -> Result<Vec<u8>> {
        let mut out = vec![];
        for chunk in self {
            out.extend(chunk?);
        }
        Ok(out)
    }
}

impl<S: Deref<Target = Store>> Iterator for Answer<S> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_chunk() {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => None,
            Err(e) => {
                self.encoder = None;
                Some(Err(e))
            }
        }
    }
}

/// Uploads that the hub took: refusals, what the device holds of what it sent, the
/// attachments the hub wants.
struct Taken {
    refused: Vec<Refusal>,
    device_heads: HashMap<String, Vec<ChangeHash>>,
    /// Records the device now holds as the hub does (it sent all the hub has of them), with
    /// the last feed position the merge reached: the answer need not look at them again
    /// unless something came after.
    caught_up: HashMap<String, i64>,
    wanted: Vec<AttachmentWant>,
}

fn refusal(id: &str, code: RefusalCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        id: id.into(),
        code,
        reason: reason.into(),
    }
}

impl Store {
    /// How far the hub's change feed has moved since `cursor` (every township's changes: an
    /// upper bound of what a device with that cursor will be sent). Cheap, read before a session
    /// takes its snapshot, to tell a bulk answer (a first sync) from a small one.
    pub(crate) fn feed_rows_after(&self, cursor: u64) -> Result<u64> {
        let top = self.read(reads::top)?;
        Ok((top.max(0) as u64).saturating_sub(cursor))
    }

    /// Answers a device's sync request: takes its changes, then streams everything in its
    /// scope that it does not hold yet.
    pub(crate) fn serve_sync<S: Deref<Target = Store>>(
        store: S,
        device: &Device,
        req: &SyncRequest,
    ) -> Result<Answer<S>> {
        let epoch = store.epoch()?;
        let restarted = !req.epoch.is_empty() && req.epoch != epoch;
        let taken = if restarted {
            // The hub was restored: the device will send again all it holds, from scratch.
            Taken {
                refused: vec![],
                device_heads: HashMap::new(),
                caught_up: HashMap::new(),
                wanted: vec![],
            }
        } else {
            store.take_uploads(device, req)?
        };
        let conn = store.take_snapshot()?;
        let mut answer = Answer {
            conn: None,
            encoder: Some(brotli::CompressorWriter::new(Vec::new(), 64 * 1024, QUALITY, WINDOW)),
            receipt: None,
            feed: vec![],
            pos: 0,
            device_heads: taken.device_heads,
            need: req.need.iter().cloned().collect(),
            cursor: req.cursor as i64,
            final_cursor: 0,
            records: vec![],
            frame_records: FIRST_FRAME_RECORDS,
            store,
        };
        let built = (|| -> Result<Frame> {
            let registry_entries: Vec<(u64, Vec<u8>)> = registry::since(&conn, req.registry_seq as i64)?
                .into_iter()
                .map(|(seq, e)| {
                    Ok((
                        seq as u64,
                        serde_json::to_vec(&e).map_err(|e| Error::Internal(e.to_string()))?,
                    ))
                })
                .collect::<Result<_>>()?;
            if restarted {
                return Ok(Frame::Receipt {
                    epoch: epoch.clone(),
                    refused: vec![],
                    attachments_wanted: vec![],
                    registry: registry_entries,
                    records_coming: 0,
                });
            }
            // Records with changes the device does not hold, oldest first, in its scope.
            let mut feed: Vec<(String, Kind, i64)> = vec![];
            for c in reads::changed_since(&conn, req.cursor as i64)? {
                // What the device just sent, when nothing came after, it holds already.
                if taken.caught_up.get(&c.id) == Some(&c.last) {
                    continue;
                }
                if c.township.is_some_and(|t| device.sees(&t)) {
                    feed.push((c.id, c.kind.parse()?, c.seq));
                }
            }
            let listed: HashSet<String> = feed.iter().map(|(id, _, _)| id.clone()).collect();
            for id in &req.need {
                if listed.contains(id) {
                    continue;
                }
                if let Some((kind, Some(township))) = reads::kind_and_township(&conn, id)? {
                    if device.sees(&township) {
                        feed.insert(0, (id.clone(), kind.parse()?, req.cursor as i64));
                    }
                }
            }
            answer.final_cursor = reads::top(&conn)?;
            let coming = feed.len() as u64;
            answer.feed = feed;
            Ok(Frame::Receipt {
                epoch: epoch.clone(),
                refused: taken.refused,
                attachments_wanted: taken.wanted,
                registry: registry_entries,
                records_coming: coming,
            })
        })();
        answer.conn = Some(conn);
        let receipt = built?;
        if restarted {
            answer.final_cursor = 0;
            answer.cursor = 0;
        }
        answer.receipt = Some(receipt);
        Ok(answer)
    }

    /// Checks and applies a device's uploads in one write transaction.
    fn take_uploads(&self, device: &Device, req: &SyncRequest) -> Result<Taken> {
        let now = self.now().timestamp_millis();
        // Records sent whole are loaded and read before the write lock, on several threads
        // (as a phone applies the hub's): the lock is held for the checks and the writes.
        let work: Vec<(&str, Kind, &[u8], bool)> = req
            .uploads
            .iter()
            .map(|u| (u.id.as_str(), u.kind, u.bytes.as_slice(), u.whole))
            .collect();
        let mut prepared: Vec<Option<crate::store::merge::Prepared>> = crate::store::merge::prepare_all(&work);
        self.write(|tx| {
            let by_actor: HashMap<String, crate::signing::RegistryEntry> = registry::since(tx, 0)?
                .into_iter()
                .map(|(_, e)| (e.entry.actor.clone(), e.entry))
                .collect();
            // The authors' signatures of changes this device carries for others, by change hash.
            let carried: HashMap<&str, &crate::signing::ChangeSignature> =
                req.signatures.iter().map(|s| (s.hash.as_str(), s)).collect();
            let mut refused = vec![];
            let mut device_heads = HashMap::new();
            let mut caught_up = HashMap::new();
            for (up, prepared) in req.uploads.iter().zip(prepared.iter_mut()) {
                // What the hub holds of this id decides before anything is merged; the same
                // words for "another township" and "another kind", so nothing leaks.
                let existing = reads::kind_and_township(tx, &up.id)?;
                if let Some((kind, township)) = &existing {
                    // What the device may change itself is judged in the gate, change by change: it
                    // may carry, for their authors, signed changes to records it only sees (a grid
                    // assistant carrying an inspector's checklist).
                    let visible = township.as_deref().is_none_or(|t| device.sees(t));
                    // Another township's record or another kind: the same words whatever the cause.
                    let reason = (kind != up.kind.as_str() || !visible)
                        .then(|| format!("record {} is not accepted from this device", up.id));
                    if let Some(reason) = reason {
                        refused.push(refusal(&up.id, RefusalCode::Final, reason));
                        continue;
                    }
                }
                let kind = up.kind;
                let gate = |a: &Arriving<'_>| -> std::result::Result<(), GateRefusal> {
                    let final_ = |reason: String| GateRefusal {
                        send_whole: false,
                        reason: format!("record {}: {reason}", up.id),
                    };
                    let Some(after) = a.after else {
                        return Err(GateRefusal {
                            send_whole: true,
                            reason: format!(
                                "record {}: the hub lacks what these changes build on; it is sent whole next time",
                                up.id
                            ),
                        });
                    };
                    if a.missing_deps {
                        return Err(GateRefusal {
                            send_whole: true,
                            reason: format!(
                                "record {}: the hub lacks changes these build on; it is sent whole next time",
                                up.id
                            ),
                        });
                    }
                    let own = a
                        .new_changes
                        .iter()
                        .any(|c| device.actor.as_deref() == Some(c.actor_id().to_hex_string().as_str()));
                    if own {
                        device.may_change(after.township(), kind).map_err(final_)?;
                    } else if !device.sees(after.township()) {
                        return Err(final_("not accepted from this device: outside its township".into()));
                    }
                    for c in a.new_changes {
                        let actor = c.actor_id().to_hex_string();
                        if device.actor.as_deref() == Some(actor.as_str()) {
                            continue;
                        }
                        // A change another device made, carried here by a colleague's phone or
                        // a bundle: taken as its author's when it bears the author's signature
                        // (so no device can put words in another's mouth).
                        let hash = c.hash().to_string();
                        if let (Some(sig), Some(author)) = (carried.get(hash.as_str()), by_actor.get(&actor)) {
                            if !sig.verifies(author) {
                                return Err(final_(format!(
                                    "a change it carries for device {} does not bear that device's signature (forged, or altered on the way); kept aside",
                                    author.device
                                )));
                            }
                            if let Some(revoked) = author.revoked_at {
                                if c.timestamp() > revoked.timestamp_millis() {
                                    return Err(final_(format!(
                                        "a change it carries for device {} was made after that device was revoked; kept aside",
                                        author.device
                                    )));
                                }
                            }
                            let author_device = Device::from_entry(author);
                            author_device.may_change(after.township(), kind).map_err(|why| {
                                final_(format!("a change it carries for device {}: {why}", author.device))
                            })?;
                            continue;
                        }
                        // Without its author's signature (altered on the way, so its hash no longer
                        // matches, or carried by an app that did not sign) the hub takes it from its
                        // author alone; the carrier keeps it, and is not asked for it again.
                        return Err(match by_actor.get(&actor) {
                            Some(e) if device.sees(&e.township) || e.role == crate::model::Role::Office => final_(format!(
                                "it carries a change by device {} without that device's signature (altered on the way, or from an app that does not sign); kept aside, the hub takes it from that device itself",
                                e.device
                            )),
                            _ => final_(format!("it carries changes by a device the hub does not know (actor {actor})")),
                        });
                    }
                    // Field rules hold for what arrives, as for what is typed here.
                    let broken = a.new_rule_breaks();
                    if !broken.is_empty() {
                        return Err(final_(format!("it breaks field rules: {}", broken.join("; "))));
                    }
                    Ok(())
                };
                let gate: Gate<'_> = &gate;
                match self.merge_prepared(tx, &up.id, up.kind, &up.bytes, Origin::Peer, Some(gate), prepared.take())? {
                    Ok(m) => {
                        let holds = device_heads_of(up, &m);
                        if m.refused.is_empty() && holds == m.heads && !req.need.contains(&up.id) {
                            caught_up.insert(up.id.clone(), reads::last_seq(tx, &up.id)?);
                        }
                        device_heads.insert(up.id.clone(), holds);
                        for r in m.refused {
                            refused.push(refusal(
                                &r.id,
                                RefusalCode::Final,
                                format!("change {} refused: {}", &r.change[..12], r.reason),
                            ));
                        }
                    }
                    Err(g) => refused.push(refusal(
                        &up.id,
                        if g.send_whole {
                            RefusalCode::SendWhole
                        } else {
                            RefusalCode::Final
                        },
                        g.reason,
                    )),
                }
            }
            let wanted = attachments::wanted(self, tx, device, &req.attachments)?;
            crate::store::devices::note_sync(tx, &device.id, now, req.cursor as i64)?;
            Ok(Taken {
                refused,
                device_heads,
                caught_up,
                wanted,
            })
        })
    }
}

/// What the device holds of a record it sent: the heads it names, or, for a record sent whole
/// (which names none, saving 32 bytes a record on a first sync), those of what it sent: the
/// merged record's when the hub held nothing of it before, else read from the bytes.
fn device_heads_of(up: &RecordChanges, merged: &crate::store::merge::Merged) -> Vec<ChangeHash> {
    if !up.heads.is_empty() || !up.whole {
        return up.heads.iter().filter_map(|h| h.parse().ok()).collect();
    }
    if merged.was_absent && merged.refused.is_empty() {
        return merged.heads.clone();
    }
    let mut sent = automerge::Automerge::new();
    match sent.load_incremental(&up.bytes) {
        Ok(_) => sent.get_heads(),
        Err(_) => vec![],
    }
}

impl crate::store::HubSide<'_> {
    /// How far the hub's change feed has moved since `cursor`: an upper bound of what a
    /// device with that cursor will be sent (to tell a first sync from a small one).
    pub fn feed_rows_after(&self, cursor: u64) -> Result<u64> {
        self.0.feed_rows_after(cursor)
    }
}

/// Answers a device's sync request: takes its changes, then streams everything in its scope
/// that it does not hold yet.
pub fn serve_sync<S: Deref<Target = Store>>(store: S, device: &Device, req: &SyncRequest) -> Result<Answer<S>> {
    Store::serve_sync(store, device, req)
}

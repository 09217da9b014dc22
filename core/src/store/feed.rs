//! The store's boundary for sync: what a device has to send (changes the hub has not
//! confirmed, records it must send whole, attachments it holds), taking the hub's receipt,
//! applying a batch of records that arrived, and where it stands with the hub (cursor, epoch,
//! registry position). Sync code goes through here and writes no SQL of its own.

use std::collections::HashSet;

use automerge::{ChangeHash, ReadDoc};
use rusqlite::params;

use super::doc::Origin;
use super::{meta, set_meta, Store};
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::signing::SignedEntry;
use crate::sync::wire::{RecordChanges, Refusal, RefusalCode};
use serde::{Deserialize, Serialize};

/// The hub this store syncs with, and its credential there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HubLink {
    pub url: String,
    pub device: String,
    pub token: String,
    /// SHA-256 (hex) of the hub's TLS certificate, from the enrolment code: the transport
    /// accepts that certificate and no other.
    #[serde(default)]
    pub pin: Option<String>,
}

/// Where this device stands with its hub.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SyncState {
    /// The hub's epoch as last seen (empty before the first session).
    pub epoch: String,
    /// The hub feed position this device holds everything up to.
    pub cursor: u64,
    /// This store's feed position up to which the hub confirmed its changes.
    pub uploaded_through: i64,
    pub registry_seq: u64,
}

/// An attachment's SHA-256 and its size.
pub(crate) type ShaSize = (String, u64);

/// What a session sends.
pub(crate) struct Outgoing {
    pub uploads: Vec<RecordChanges>,
    pub need: Vec<String>,
    pub attachments: Vec<String>,
    /// The authors' signatures of the carried changes among the uploads.
    pub signatures: Vec<crate::signing::ChangeSignature>,
    /// The feed position the uploads reach: confirmed once the hub's receipt arrives.
    pub through: i64,
}

fn num(c: &rusqlite::Connection, key: &str) -> Result<i64> {
    Ok(meta(c, key)?.and_then(|s| s.parse().ok()).unwrap_or(0))
}

impl Store {
    /// The hub this store syncs with, and its credential there.
    pub(crate) fn hub_link(&self) -> Result<Option<HubLink>> {
        self.read(|c| Ok(meta(c, "hub")?.and_then(|s| serde_json::from_str(&s).ok())))
    }

    pub(crate) fn set_hub_link(&self, link: &HubLink) -> Result<()> {
        let json = serde_json::to_string(link).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| set_meta(tx, "hub", &json))
    }

    /// Joined: the link and the hub's public key (that signs the registry) go in together.
    pub(crate) fn link_hub(&self, link: &HubLink, hub_public_key: &str) -> Result<()> {
        let json = serde_json::to_string(link).map_err(|e| Error::Internal(e.to_string()))?;
        self.write(|tx| {
            set_meta(tx, "hub", &json)?;
            self.set_hub_public_key(tx, hub_public_key)
        })
    }

    /// When the hub last confirmed this device's changes, and how many records hold changes
    /// made here that it has not confirmed yet.
    pub(crate) fn sync_standing(&self) -> Result<(Option<i64>, u64)> {
        self.read(|c| {
            let last = meta(c, "last_synced_at")?.and_then(|s| s.parse().ok());
            let waiting: i64 = c.query_row(
                "SELECT count(DISTINCT doc_id) FROM feed WHERE seq > ?1 AND from_hub = 0",
                [num(c, "uploaded_through")?],
                |r| r.get(0),
            )?;
            Ok((last, waiting as u64))
        })
    }

    pub(crate) fn sync_state(&self) -> Result<SyncState> {
        self.read(|c| {
            Ok(SyncState {
                epoch: meta(c, "hub_epoch")?.unwrap_or_default(),
                cursor: num(c, "hub_cursor")? as u64,
                uploaded_through: num(c, "uploaded_through")?,
                registry_seq: super::registry::seq(c)? as u64,
            })
        })
    }

    /// Every local change the hub has not confirmed (records it never had, or must have
    /// whole again, go whole), the records held only in part, the attachments it may lack.
    pub(crate) fn outgoing(&self, state: &SyncState) -> Result<Outgoing> {
        self.read(|c| {
            let top: i64 = c.query_row("SELECT coalesce(max(seq), 0) FROM feed", [], |r| r.get(0))?;
            let resend_all = meta(c, "resend_all")?.as_deref() == Some("1");
            let through = if resend_all { 0 } else { state.uploaded_through };
            // Records with changes after `through` (made here or by peers), and records the hub
            // asked for whole; all records after a hub restore.
            let docs: Vec<(String, String, i64)> = {
                // Only the records with something to send are looked at (a session with nothing
                // to send costs the same whatever the store holds), unless all go again.
                let which = if resend_all {
                    "?3 = 1"
                } else {
                    "?3 = 0 AND d.id IN (SELECT doc_id FROM feed WHERE seq > ?1 AND seq <= ?2 AND from_hub = 0
                                         UNION SELECT doc_id FROM resend)"
                };
                let mut stmt = c.prepare(&format!(
                    "SELECT d.id, d.kind,
                            (SELECT count(*) FROM feed g WHERE g.doc_id = d.id AND (g.seq <= ?1 OR g.from_hub = 1))
                     FROM documents d
                     WHERE {which}
                     ORDER BY (SELECT min(seq) FROM feed f WHERE f.doc_id = d.id)"
                ))?;
                let rows = stmt
                    .query_map(params![through, top, resend_all as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                rows
            };
            let resend: std::collections::HashSet<String> = {
                let mut stmt = c.prepare("SELECT doc_id FROM resend")?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            // The database is read here, in order; the documents are built and their bytes
            // taken on several threads (a first sync sends every record).
            let mut work = vec![];
            for (id, _, shared) in docs {
                let Some(stored) = self.load_stored(c, &id)? else { continue };
                let whole = shared == 0 || resend_all || resend.contains(&id);
                let hashes: Vec<String> = if whole {
                    vec![]
                } else {
                    let mut stmt = c.prepare_cached(
                        "SELECT hash FROM feed WHERE doc_id = ?1 AND seq > ?2 AND seq <= ?3 AND from_hub = 0 ORDER BY seq",
                    )?;
                    let rows = stmt
                        .query_map(params![id, through, top], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    rows
                };
                work.push((id, stored, whole, hashes));
            }
            let uploads = self.uploads_of(work)?;
            // Changes carried here for other devices go with their authors' signatures.
            let mut signatures = vec![];
            if self.carries_signatures(c)? {
                for u in &uploads {
                    signatures.extend(self.kept_signatures(c, &u.id)?);
                }
                signatures.truncate(crate::sync::wire::MAX_SIGNATURES);
            }
            let need: Vec<String> = {
                let mut stmt = c.prepare("SELECT doc_id FROM incomplete ORDER BY doc_id")?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            let attachments: Vec<String> = {
                let mut stmt = c.prepare(
                    "SELECT sha256 FROM attachments WHERE sha256 NOT IN (SELECT sha256 FROM attachment_sync WHERE state = 'at_hub') ORDER BY sha256",
                )?;
                let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                rows
            };
            Ok(Outgoing {
                uploads,
                need,
                attachments,
                signatures,
                through: top,
            })
        })
    }

    /// The uploads of records read by `outgoing`, built on up to four threads.
    fn uploads_of(&self, work: Vec<(String, super::Stored, bool, Vec<String>)>) -> Result<Vec<RecordChanges>> {
        let one =
            |(id, stored, whole, hashes): (String, super::Stored, bool, Vec<String>)| -> Result<Option<RecordChanges>> {
                let kind = stored.kind;
                let loaded = self.build(stored)?;
                let doc = &loaded.doc;
                if doc::read_record(doc).is_none() {
                    return Ok(None);
                }
                // A record the hub has never seen goes whole: far smaller than its changes.
                let bytes = if whole {
                    doc::whole_record(doc)
                } else {
                    let mut bytes = vec![];
                    for h in hashes {
                        if let Some(ch) = h.parse().ok().and_then(|h: ChangeHash| doc.get_change_by_hash(&h)) {
                            bytes.extend_from_slice(ch.raw_bytes());
                        }
                    }
                    bytes
                };
                if bytes.is_empty() {
                    return Ok(None);
                }
                // A record sent whole names no heads: the hub reads them from what it gets.
                let heads = if whole {
                    vec![]
                } else {
                    doc.get_heads().iter().map(|h| h.to_string()).collect()
                };
                Ok(Some(RecordChanges {
                    id,
                    kind,
                    whole,
                    heads,
                    bytes,
                }))
            };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let built: Vec<Result<Option<RecordChanges>>> = if threads == 1 || work.len() < 64 {
            work.into_iter().map(one).collect()
        } else {
            let per = work.len().div_ceil(threads);
            let mut parts: Vec<Vec<_>> = vec![];
            let mut rest = work;
            while !rest.is_empty() {
                let tail = rest.split_off(per.min(rest.len()));
                parts.push(std::mem::replace(&mut rest, tail));
            }
            std::thread::scope(|s| {
                let handles: Vec<_> = parts
                    .into_iter()
                    .map(|part| s.spawn(|| part.into_iter().map(one).collect::<Vec<_>>()))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| {
                        h.join()
                            .unwrap_or_else(|_| vec![Err(Error::Internal("a thread building uploads failed".into()))])
                    })
                    .collect()
            })
        };
        built.into_iter().filter_map(|r| r.transpose()).collect()
    }

    /// Takes the hub's receipt: the uploads are confirmed (up to `through`), records it
    /// asked for whole are kept for next time, the registry entries (signed by the hub) are
    /// stored, the attachments it wants are noted.
    pub(crate) fn take_receipt(
        &self,
        epoch: &str,
        through: i64,
        refused: &[Refusal],
        registry: &[(u64, Vec<u8>)],
        wanted: &[String],
    ) -> Result<()> {
        let entries = registry
            .iter()
            .map(|(seq, json)| {
                serde_json::from_slice::<SignedEntry>(json)
                    .map(|e| (*seq as i64, e))
                    .map_err(|e| Error::Rejected(format!("a registry entry from the hub is malformed ({e})")))
            })
            .collect::<Result<Vec<_>>>()?;
        let now = self.now().timestamp_millis();
        self.write(|tx| {
            set_meta(tx, "hub_epoch", epoch)?;
            set_meta(tx, "uploaded_through", &through.to_string())?;
            set_meta(tx, "last_synced_at", &now.to_string())?;
            tx.execute("DELETE FROM meta WHERE key = 'resend_all'", [])?;
            tx.execute("DELETE FROM resend", [])?;
            for r in refused.iter().filter(|r| r.code == RefusalCode::SendWhole) {
                tx.execute("INSERT OR IGNORE INTO resend (doc_id) VALUES (?1)", [&r.id])?;
            }
            self.accept_registry(tx, &entries)?;
            for sha in wanted {
                tx.execute(
                    "INSERT INTO attachment_sync (sha256, state, updated_at) VALUES (?1, 'wanted', ?2)
                     ON CONFLICT (sha256) DO UPDATE SET state = 'wanted', updated_at = excluded.updated_at",
                    params![sha, now],
                )?;
            }
            Ok(())
        })
    }

    /// The hub was restored from a backup (its epoch changed): start again from its feed's
    /// beginning and send it everything this store holds, so nothing it lost stays lost.
    pub(crate) fn restart_with_hub(&self, epoch: &str) -> Result<()> {
        self.write(|tx| {
            set_meta(tx, "hub_epoch", epoch)?;
            set_meta(tx, "hub_cursor", "0")?;
            set_meta(tx, "uploaded_through", "0")?;
            set_meta(tx, "resend_all", "1")?;
            tx.execute("DELETE FROM attachment_sync", [])?;
            Ok(())
        })
    }

    /// Applies a batch of records from the hub and the feed position it reaches, together.
    pub(crate) fn apply_remote_batch(&self, records: &[RecordChanges], cursor_after: u64) -> Result<()> {
        // Records new here are loaded and read on several threads first; the writer then
        // only checks and writes them.
        let held: HashSet<String> = self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT 1 FROM documents WHERE id = ?1")?;
            let mut held = HashSet::new();
            for r in records {
                if stmt.exists([&r.id])? {
                    held.insert(r.id.clone());
                }
            }
            Ok(held)
        })?;
        let work: Vec<(&str, Kind, &[u8], bool)> = records
            .iter()
            .map(|r| (r.id.as_str(), r.kind, r.bytes.as_slice(), !held.contains(&r.id)))
            .collect();
        let prepared = super::merge::prepare_all(&work);
        self.write_interruptible(|tx| {
            for (r, p) in records.iter().zip(prepared) {
                self.merge_prepared(tx, &r.id, r.kind, &r.bytes, Origin::Hub, None, p)?
                    .map_err(|g| Error::Rejected(g.reason))?;
            }
            set_meta(tx, "hub_cursor", &cursor_after.to_string())
        })
    }

    pub(crate) fn set_cursor(&self, cursor: u64) -> Result<()> {
        self.write(|tx| set_meta(tx, "hub_cursor", &cursor.to_string()))
    }

    /// Attachments to send (held here, not confirmed by the hub) with their sizes, and to
    /// fetch (referred to by a record here, not held).
    pub(crate) fn attachment_jobs(&self) -> Result<(Vec<ShaSize>, Vec<ShaSize>)> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT s.sha256, a.size FROM attachment_sync s JOIN attachments a ON a.sha256 = s.sha256
                 WHERE s.state != 'at_hub' ORDER BY s.sha256",
            )?;
            let send = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut stmt = c.prepare(
                "SELECT sha256, max(coalesce(size, 0)) FROM record_attachments
                 WHERE sha256 NOT IN (SELECT sha256 FROM attachments) GROUP BY sha256 ORDER BY sha256",
            )?;
            let fetch = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((send, fetch))
        })
    }

    /// The hub holds this attachment whole (it said so): it is not offered again.
    pub(crate) fn mark_at_hub(&self, sha: &str) -> Result<()> {
        let now = self.now().timestamp_millis();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO attachment_sync (sha256, state, updated_at) VALUES (?1, 'at_hub', ?2)
                 ON CONFLICT (sha256) DO UPDATE SET state = 'at_hub', error = NULL, updated_at = excluded.updated_at",
                params![sha, now],
            )?;
            Ok(())
        })
    }
}

use super::doc;

/// Reads of the feed and the index that the hub's side of a session makes, on the session's
/// reader or writer: the hub writes no SQL against the store's tables.
pub(crate) mod reads {
    use rusqlite::{params, Connection, OptionalExtension};

    use crate::error::Result;

    /// The store's feed position: every change up to it is in the feed.
    pub(crate) fn top(c: &Connection) -> Result<i64> {
        Ok(c.query_row("SELECT coalesce(max(seq), 0) FROM feed", [], |r| r.get(0))?)
    }

    /// Where a record first entered the feed.
    pub(crate) fn first_seq(c: &Connection, id: &str) -> Result<i64> {
        Ok(
            c.query_row("SELECT coalesce(min(seq), 0) FROM feed WHERE doc_id = ?1", [id], |r| {
                r.get(0)
            })?,
        )
    }

    /// The hashes of a record's changes after feed position `after`, in feed order.
    pub(crate) fn hashes_after(c: &Connection, id: &str, after: i64) -> Result<Vec<String>> {
        let mut stmt = c.prepare_cached("SELECT hash FROM feed WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
        let hashes = stmt
            .query_map(params![id, after], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(hashes)
    }

    /// A record changed since a cursor: its id, kind, first position after the cursor and
    /// township (None while it is not indexed).
    pub(crate) struct Changed {
        pub id: String,
        pub kind: String,
        /// The first and the last of its changes after the cursor.
        pub seq: i64,
        pub last: i64,
        pub township: Option<String>,
    }

    /// Records with changes after `cursor`, oldest first.
    pub(crate) fn changed_since(c: &Connection, cursor: i64) -> Result<Vec<Changed>> {
        let mut stmt = c.prepare_cached(
            "SELECT f.doc_id, d.kind, min(f.seq), l.township, max(f.seq) FROM feed f
             JOIN documents d ON d.id = f.doc_id LEFT JOIN ledger l ON l.id = f.doc_id
             WHERE f.seq > ?1 GROUP BY f.doc_id ORDER BY min(f.seq)",
        )?;
        let rows = stmt.query_map([cursor], |r| {
            Ok(Changed {
                id: r.get(0)?,
                kind: r.get(1)?,
                seq: r.get(2)?,
                last: r.get(4)?,
                township: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether some of a record's changes wait for earlier ones this store lacks.
    pub(crate) fn is_incomplete(c: &Connection, id: &str) -> Result<bool> {
        Ok(
            c.query_row("SELECT count(*) FROM incomplete WHERE doc_id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })? > 0,
        )
    }

    /// The last change of a record in the feed (0 for none).
    pub(crate) fn last_seq(c: &Connection, id: &str) -> Result<i64> {
        Ok(
            c.query_row("SELECT coalesce(max(seq), 0) FROM feed WHERE doc_id = ?1", [id], |r| {
                r.get(0)
            })?,
        )
    }

    /// A record's kind and township, if the store holds it.
    pub(crate) fn kind_and_township(c: &Connection, id: &str) -> Result<Option<(String, Option<String>)>> {
        Ok(c.query_row(
            "SELECT d.kind, l.township FROM documents d LEFT JOIN ledger l ON l.id = d.id WHERE d.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
    }

    /// The sizes records give an attachment, over the records of the given townships (all
    /// townships when `all`).
    pub(crate) fn attachment_sizes(c: &Connection, sha: &str, all: bool, townships: [&str; 2]) -> Result<Vec<u64>> {
        let mut stmt = c.prepare_cached(
            "SELECT DISTINCT coalesce(ra.size, 0) FROM record_attachments ra JOIN ledger l ON l.id = ra.doc_id
             WHERE ra.sha256 = ?1 AND (?2 OR l.township = ?3 OR l.township = ?4)",
        )?;
        let sizes = stmt
            .query_map(params![sha, all, townships[0], townships[1]], |r| r.get::<_, i64>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(sizes.into_iter().map(|s| s.max(0) as u64).collect())
    }

    /// The size of an attachment file the store holds whole.
    pub(crate) fn attachment_size(c: &Connection, sha: &str) -> Result<u64> {
        let size: Option<i64> = c
            .query_row("SELECT size FROM attachments WHERE sha256 = ?1", [sha], |r| r.get(0))
            .optional()?;
        Ok(size.unwrap_or(0).max(0) as u64)
    }
}

//! Offline transfer by file, for places with no network at all. A bundle carries, for each
//! record, either its whole document or the changes the receiving peer is not known to have,
//! plus the sender's heads so the receiver learns what the sender holds. Automerge makes
//! importing idempotent and order-free; a bundle that is corrupt, foreign or malformed is
//! refused whole, in one SQLite transaction.
//!
//! Layout: `FIELDCASE-BUNDLE`, format version (u16 BE), SHA-256 of the rest, then the rest:
//! deflate of length-prefixed (u32 BE) chunks: a JSON header, then per record a JSON frame
//! and the automerge bytes.

use std::io::{Read, Write};

use automerge::ReadDoc;
use chrono::{DateTime, Utc};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::merge::Origin;
use super::{heads_from_string, Store};
use crate::error::{Error, Result};
use crate::model::Kind;

const MAGIC: &[u8; 16] = b"FIELDCASE-BUNDLE";
const FORMAT: u16 = 1;
/// Inflated size a bundle may reach; protects against a deflate bomb.
const MAX_INFLATED: u64 = 2 << 30;

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    from_device: String,
    from_user: String,
    township: String,
    created_at: DateTime<Utc>,
    records: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct Frame {
    id: String,
    kind: Kind,
    heads: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct BundleSummary {
    pub records: u64,
    pub bytes: u64,
    /// The peer the bundle was cut for, if only its missing changes were included.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefusedChange {
    pub id: String,
    pub change: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ImportReport {
    pub from_device: String,
    pub from_user: String,
    pub records_new: u64,
    pub records_updated: u64,
    pub records_unchanged: u64,
    /// Changes kept aside because the record was already signed.
    pub refused: Vec<RefusedChange>,
}

fn chunk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn json<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(v).map_err(|e| Error::Internal(e.to_string()))
}

fn encode(header: &Header, frames: &[Framed]) -> Result<Vec<u8>> {
    let mut body = vec![];
    chunk(&mut body, &json(header)?);
    for (f, bytes) in frames {
        chunk(&mut body, &json(f)?);
        chunk(&mut body, bytes);
    }
    let mut enc = DeflateEncoder::new(vec![], flate2::Compression::default());
    enc.write_all(&body)?;
    let compressed = enc.finish()?;
    let mut out = Vec::with_capacity(compressed.len() + 50);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_be_bytes());
    out.extend_from_slice(&Sha256::digest(&compressed));
    out.extend_from_slice(&compressed);
    Ok(out)
}

struct Chunks<'a>(&'a [u8]);

impl<'a> Chunks<'a> {
    fn next(&mut self) -> Result<&'a [u8]> {
        let short = || Error::Rejected("the bundle is cut short".into());
        if self.0.len() < 4 {
            return Err(short());
        }
        let len = u32::from_be_bytes([self.0[0], self.0[1], self.0[2], self.0[3]]) as usize;
        let rest = &self.0[4..];
        if rest.len() < len {
            return Err(short());
        }
        let (c, rest) = rest.split_at(len);
        self.0 = rest;
        Ok(c)
    }
}

/// A record's frame and its automerge bytes.
type Framed = (Frame, Vec<u8>);

fn decode(bytes: &[u8]) -> Result<(Header, Vec<Framed>)> {
    if bytes.len() < 16 || &bytes[..16] != MAGIC {
        return Err(Error::Rejected("this file is not a Fieldcase bundle".into()));
    }
    if bytes.len() < 50 {
        return Err(Error::Rejected("the bundle is cut short".into()));
    }
    let format = u16::from_be_bytes([bytes[16], bytes[17]]);
    if format != FORMAT {
        return Err(Error::Rejected(format!(
            "bundle format {format} is not supported (this app reads format {FORMAT})"
        )));
    }
    let compressed = &bytes[50..];
    if Sha256::digest(compressed).as_slice() != &bytes[18..50] {
        return Err(Error::Rejected("the bundle is corrupt (checksum mismatch)".into()));
    }
    let mut body = vec![];
    DeflateDecoder::new(compressed)
        .take(MAX_INFLATED)
        .read_to_end(&mut body)
        .map_err(|e| Error::Rejected(format!("the bundle is corrupt ({e})")))?;
    let bad = |what: &str, e: serde_json::Error| Error::Rejected(format!("{what} is malformed ({e})"));
    let mut chunks = Chunks(&body);
    let header: Header = serde_json::from_slice(chunks.next()?).map_err(|e| bad("the bundle header", e))?;
    let mut frames = vec![];
    for _ in 0..header.records {
        let frame: Frame = serde_json::from_slice(chunks.next()?).map_err(|e| bad("a record frame", e))?;
        frames.push((frame, chunks.next()?.to_vec()));
    }
    if !chunks.0.is_empty() {
        return Err(Error::Rejected("the bundle has trailing data".into()));
    }
    Ok((header, frames))
}

impl Store {
    /// Writes a bundle: every record in full, or, with `to`, only the changes that peer (a
    /// device id) is not known to have from the bundles it sent us.
    pub fn export_bundle(&self, to: Option<&str>) -> Result<(Vec<u8>, BundleSummary)> {
        let frames = self.read(|c| {
            let ids: Vec<String> = {
                let mut stmt = c.prepare("SELECT id FROM documents ORDER BY id")?;
                let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                ids
            };
            let mut frames = vec![];
            for id in ids {
                let Some(loaded) = self.load(c, &id)? else {
                    continue;
                };
                let doc = &loaded.doc;
                let known: Option<Vec<_>> = match to {
                    None => None,
                    Some(peer) => c
                        .query_row(
                            "SELECT heads FROM peer_heads WHERE peer = ?1 AND doc_id = ?2",
                            params![peer, id],
                            |r| r.get::<_, String>(0),
                        )
                        .optional()?
                        .map(|h| {
                            heads_from_string(&h)
                                .into_iter()
                                .filter(|h| doc.get_change_by_hash(h).is_some())
                                .collect()
                        }),
                };
                let bytes = match &known {
                    Some(heads) => doc.save_after(heads),
                    None => doc.save(),
                };
                // With nothing to send, a frame still tells the peer what we hold, so that its
                // next bundle for us can leave that out.
                if doc.get_heads().is_empty() || (bytes.is_empty() && to.is_none()) {
                    continue;
                }
                let heads = doc.get_heads().iter().map(|h| h.to_string()).collect();
                frames.push((
                    Frame {
                        id,
                        kind: loaded.kind,
                        heads,
                    },
                    bytes,
                ));
            }
            Ok(frames)
        })?;
        let header = Header {
            from_device: self.identity.device.clone(),
            from_user: self.identity.user.clone(),
            township: self.identity.township.clone(),
            created_at: self.now(),
            records: frames.len(),
        };
        let bytes = encode(&header, &frames)?;
        let summary = BundleSummary {
            records: frames.len() as u64,
            bytes: bytes.len() as u64,
            to: to.map(str::to_string),
        };
        Ok((bytes, summary))
    }

    /// Imports a bundle whole or not at all.
    pub fn import_bundle(&self, bytes: &[u8]) -> Result<ImportReport> {
        let (header, frames) = decode(bytes)?;
        let mut report = ImportReport {
            from_device: header.from_device.clone(),
            from_user: header.from_user.clone(),
            ..Default::default()
        };
        self.write(|tx| {
            for (frame, bytes) in &frames {
                let id = frame.id.as_str();
                if bytes.is_empty() {
                    self.remember_peer_heads(tx, &header.from_device, frame)?;
                    continue;
                }
                let merged = self
                    .merge_remote(tx, id, frame.kind, bytes, Origin::Peer, None)?
                    .map_err(|g| Error::Rejected(g.reason))?;
                report.refused.extend(merged.refused);
                if merged.new_record {
                    report.records_new += 1;
                } else if merged.changed {
                    report.records_updated += 1;
                } else {
                    report.records_unchanged += 1;
                }
                self.remember_peer_heads(tx, &header.from_device, frame)?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// What a peer holds of a record, as its last bundle said.
    fn remember_peer_heads(&self, tx: &rusqlite::Transaction<'_>, peer: &str, frame: &Frame) -> Result<()> {
        tx.execute(
            "INSERT INTO peer_heads (peer, doc_id, heads) VALUES (?1, ?2, ?3) ON CONFLICT (peer, doc_id) DO UPDATE SET heads = excluded.heads",
            params![peer, frame.id, frame.heads.join(",")],
        )?;
        Ok(())
    }

    /// Changes refused because they arrived after a record was signed.
    pub fn refused_changes(&self) -> Result<Vec<RefusedChange>> {
        self.read(|c| {
            let mut stmt = c.prepare("SELECT doc_id, hash, reason FROM quarantine ORDER BY at, hash")?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(RefusedChange {
                        id: r.get(0)?,
                        change: r.get(1)?,
                        reason: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

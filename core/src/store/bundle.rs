//! Offline transfer by file, for places with no network at all. A bundle carries, for each
//! record, either its whole document or the changes the receiving peer is not known to have,
//! plus the sender's heads so the receiver learns what the sender holds. Automerge makes
//! importing idempotent and order-free; a bundle that is corrupt, foreign or malformed is
//! refused whole, in one SQLite transaction.
//!
//! A bundle is encrypted with a passphrase the two people agree on (it travels on USB sticks
//! and through messaging apps): Argon2id turns the passphrase into a key, ChaCha20-Poly1305
//! seals the content, so a wrong passphrase or any damage is refused whole. The CLI writes
//! bundle files readable by their owner alone.
//!
//! Layout (format 2): `FIELDCASE-BUNDLE`, format (u16 BE), Argon2id cost (memory KiB u32 BE,
//! passes u32 BE, lanes u32 BE), salt (16 bytes), nonce (12 bytes), then the ciphertext (with
//! its 16-byte tag; the 46 bytes before it are its associated data) of: deflate of
//! length-prefixed (u32 BE) chunks: a JSON header, then per record a JSON frame and the
//! automerge bytes.

use std::io::{Read, Write};

use automerge::ReadDoc;
use chrono::{DateTime, Utc};
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::doc::Origin;
pub use super::merge::RefusedChange;
use super::{heads_from_string, Store};
use crate::error::{Error, Result};
use crate::model::Kind;

const MAGIC: &[u8; 16] = b"FIELDCASE-BUNDLE";
const FORMAT: u16 = 2;
/// Argon2id cost of new bundles: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
const KDF_MEMORY_KIB: u32 = 19 * 1024;
const KDF_PASSES: u32 = 2;
const KDF_LANES: u32 = 1;
const HEAD: usize = 16 + 2 + 12 + 16 + 12;
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Keys derived in this process, by (SHA-256 of the passphrase, salt, cost): one derivation
/// per passphrase and salt, not one per bundle. Bounded.
type DerivedKey = ([u8; 32], [u8; 16], [u32; 3], [u8; 32]);
static KEYS: std::sync::Mutex<Vec<DerivedKey>> = std::sync::Mutex::new(Vec::new());

fn derive(passphrase: &str, salt: &[u8; 16], cost: [u32; 3]) -> Result<[u8; 32]> {
    let who: [u8; 32] = Sha256::digest(passphrase.as_bytes()).into();
    if let Some(k) = KEYS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(w, s, c, _)| *w == who && s == salt && *c == cost)
    {
        return Ok(k.3);
    }
    if cost[0] > 256 * 1024 || cost[1] > 16 || cost[2] > 8 {
        return Err(Error::Rejected(
            "the bundle asks for more work to open than this app does".into(),
        ));
    }
    let params = argon2::Params::new(cost[0], cost[1], cost[2], Some(32))
        .map_err(|e| Error::Rejected(format!("the bundle's key parameters are invalid ({e})")))?;
    let mut key = [0u8; 32];
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| Error::Internal(format!("key derivation: {e}")))?;
    let mut keys = KEYS.lock().unwrap_or_else(|e| e.into_inner());
    if keys.len() >= 64 {
        keys.remove(0);
    }
    keys.push((who, *salt, cost, key));
    Ok(key)
}

fn check_passphrase(passphrase: &str) -> Result<()> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(
            "passphrase",
            "passphrase_length",
            format!("a bundle passphrase has at least {MIN_PASSPHRASE_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The salt this process uses for a passphrase's exports (so it derives once).
static SALTS: std::sync::Mutex<Vec<([u8; 32], [u8; 16])>> = std::sync::Mutex::new(Vec::new());

fn salt_for(passphrase: &str) -> Result<[u8; 16]> {
    let who: [u8; 32] = Sha256::digest(passphrase.as_bytes()).into();
    let mut salts = SALTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, s)) = salts.iter().find(|(w, _)| *w == who) {
        return Ok(*s);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(e.to_string()))?;
    if salts.len() >= 64 {
        salts.remove(0);
    }
    salts.push((who, salt));
    Ok(salt)
}
/// Inflated size a bundle may reach; protects against a deflate bomb.
const MAX_INFLATED: u64 = 2 << 30;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    from_device: String,
    from_user: String,
    township: String,
    created_at: DateTime<Utc>,
    records: usize,
    /// The device registry as the sender holds it (each entry signed by the hub), so that a
    /// seal by a colleague enrolled since the receiver last synced is honoured.
    #[serde(default)]
    registry: Vec<crate::signing::SignedEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Frame {
    pub id: String,
    pub kind: Kind,
    pub heads: Vec<String>,
    /// The authors' signatures of the changes it carries (see `carried`), so that whoever
    /// takes the bundle can pass them on to the hub as their authors'.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<crate::signing::ChangeSignature>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleSummary {
    pub records: u64,
    pub bytes: u64,
    /// The peer the bundle was cut for, if only its missing changes were included.
    pub to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct ImportReport {
    pub from_device: String,
    pub from_user: String,
    pub records_new: i64,
    pub records_updated: i64,
    pub records_unchanged: i64,
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

fn encode(header: &Header, frames: &[Framed], passphrase: &str) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    check_passphrase(passphrase)?;
    let mut body = vec![];
    chunk(&mut body, &json(header)?);
    for (f, bytes) in frames {
        chunk(&mut body, &json(f)?);
        chunk(&mut body, bytes);
    }
    let mut enc = DeflateEncoder::new(vec![], flate2::Compression::default());
    enc.write_all(&body)?;
    let compressed = enc.finish()?;
    let salt = salt_for(passphrase)?;
    let cost = [KDF_MEMORY_KIB, KDF_PASSES, KDF_LANES];
    let key = derive(passphrase, &salt, cost)?;
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = Vec::with_capacity(compressed.len() + HEAD + 16);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT.to_be_bytes());
    for c in cost {
        out.extend_from_slice(&c.to_be_bytes());
    }
    out.extend_from_slice(&salt);
    out.extend_from_slice(&nonce);
    let cipher = chacha20poly1305::ChaCha20Poly1305::new((&key).into());
    let sealed = cipher
        .encrypt(
            (&nonce).into(),
            Payload {
                msg: &compressed,
                aad: &out[..HEAD],
            },
        )
        .map_err(|_| Error::Internal("bundle encryption failed".into()))?;
    out.extend_from_slice(&sealed);
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
pub(crate) type Framed = (Frame, Vec<u8>);

fn decode(bytes: &[u8], passphrase: &str) -> Result<(Header, Vec<Framed>)> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    if bytes.len() < 16 || &bytes[..16] != MAGIC {
        return Err(Error::Rejected("this file is not a Fieldcase bundle".into()));
    }
    if bytes.len() < 18 {
        return Err(Error::Rejected("the bundle is cut short".into()));
    }
    let format = u16::from_be_bytes([bytes[16], bytes[17]]);
    if format != FORMAT {
        return Err(Error::Rejected(format!(
            "bundle format {format} is not supported (this app reads format {FORMAT}, encrypted; export it again)"
        )));
    }
    if bytes.len() < HEAD + 16 {
        return Err(Error::Rejected("the bundle is cut short".into()));
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let cost = [be(18), be(22), be(26)];
    let salt: [u8; 16] = bytes[30..46].try_into().map_err(|_| Error::Internal("salt".into()))?;
    let nonce: [u8; 12] = bytes[46..58].try_into().map_err(|_| Error::Internal("nonce".into()))?;
    let key = derive(passphrase, &salt, cost)?;
    let cipher = chacha20poly1305::ChaCha20Poly1305::new((&key).into());
    let compressed = cipher
        .decrypt(
            (&nonce).into(),
            Payload {
                msg: &bytes[HEAD..],
                aad: &bytes[..HEAD],
            },
        )
        .map_err(|_| Error::Rejected("the passphrase is wrong, or the bundle is damaged".into()))?;
    decode_body(&compressed)
}

/// Reads a bundle's content once decrypted: deflate, then the header and the record frames.
pub(crate) fn decode_body(compressed: &[u8]) -> Result<(Header, Vec<Framed>)> {
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
        crate::validate::check_record_id(&frame.id).map_err(|_| {
            Error::Rejected(format!(
                "'{}' in the bundle is not a record id",
                frame.id.escape_debug()
            ))
        })?;
        frames.push((frame, chunks.next()?.to_vec()));
    }
    if !chunks.0.is_empty() {
        return Err(Error::Rejected("the bundle has trailing data".into()));
    }
    Ok((header, frames))
}

impl Store {
    /// What a peer holds of a record, as its last bundle said.
    fn remember_peer_heads(&self, tx: &rusqlite::Transaction<'_>, peer: &str, frame: &Frame) -> Result<()> {
        tx.execute(
            "INSERT INTO peer_heads (peer, doc_id, heads) VALUES (?1, ?2, ?3) ON CONFLICT (peer, doc_id) DO UPDATE SET heads = excluded.heads",
            params![peer, frame.id, frame.heads.join(",")],
        )?;
        Ok(())
    }
}

/// Bundle files: records carried by hand where there is no network.
pub struct Bundles<'s>(&'s Store, Option<&'s std::sync::atomic::AtomicBool>);

impl Store {
    /// Bundle files for places with no network: export, import, refused changes.
    pub fn bundles(&self) -> Bundles<'_> {
        Bundles(self, None)
    }
}

impl<'s> Bundles<'s> {
    /// Stops an export or import as soon as `flag` is set, with `Cancelled` (an import then
    /// leaves the store as it was: it is whole or not at all).
    pub fn stop_on(self, flag: &'s std::sync::atomic::AtomicBool) -> Self {
        Bundles(self.0, Some(flag))
    }

    fn go_on(&self) -> Result<()> {
        match self.1 {
            Some(f) if f.load(std::sync::atomic::Ordering::Relaxed) => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }

    /// Writes a bundle: every record in full, or, with `to`, only the changes that peer (a
    /// device id) is not known to have from the bundles it sent us.
    pub fn export(&self, to: Option<&str>, passphrase: &str) -> Result<(Vec<u8>, BundleSummary)> {
        check_passphrase(passphrase)?;
        let frames = self.0.read(|c| {
            let ids: Vec<String> = {
                let mut stmt = c.prepare("SELECT id FROM documents ORDER BY id")?;
                let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                ids
            };
            let mut frames = vec![];
            for id in ids {
                self.go_on()?;
                let Some(loaded) = self.0.load(c, &id)? else {
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
                let signatures = if bytes.is_empty() {
                    vec![]
                } else {
                    self.0.signatures_for(c, &id, doc, known.as_deref().unwrap_or(&[]))?
                };
                frames.push((
                    Frame {
                        id,
                        kind: loaded.kind,
                        heads,
                        signatures,
                    },
                    bytes,
                ));
            }
            Ok(frames)
        })?;
        let header = Header {
            from_device: self.0.identity.device.clone(),
            from_user: self.0.identity.user.clone(),
            township: self.0.identity.township.clone(),
            created_at: self.0.now(),
            records: frames.len(),
            registry: self.0.registry()?,
        };
        let bytes = encode(&header, &frames, passphrase)?;
        let summary = BundleSummary {
            records: frames.len() as u64,
            bytes: bytes.len() as u64,
            to: to.map(str::to_string),
        };
        Ok((bytes, summary))
    }

    /// Imports a bundle whole or not at all.
    pub fn import(&self, bytes: &[u8], passphrase: &str) -> Result<ImportReport> {
        self.go_on()?;
        let (header, frames) = decode(bytes, passphrase)?;
        let mut report = ImportReport {
            from_device: header.from_device.clone(),
            from_user: header.from_user.clone(),
            ..Default::default()
        };
        self.0.write(|tx| {
            let learned = super::registry::learn(tx, &header.registry)?;
            for (frame, bytes) in &frames {
                self.go_on()?;
                let id = frame.id.as_str();
                if bytes.is_empty() {
                    self.0.remember_peer_heads(tx, &header.from_device, frame)?;
                    continue;
                }
                let merged = self
                    .0
                    .merge_remote(tx, id, frame.kind, bytes, Origin::Peer, None)?
                    .map_err(|g| Error::Rejected(g.reason))?;
                report.refused.extend(merged.refused);
                self.0.keep_signatures(tx, id, &frame.signatures)?;
                if merged.new_record {
                    report.records_new += 1;
                } else if merged.changed {
                    report.records_updated += 1;
                } else {
                    report.records_unchanged += 1;
                }
                self.0.remember_peer_heads(tx, &header.from_device, frame)?;
            }
            if learned > 0 {
                self.0.retake_refused(tx)?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Changes kept aside: those that would change a signed record, and seals whose signer is
    /// not vouched for (with what was built on them).
    pub fn refused(&self) -> Result<Vec<RefusedChange>> {
        self.0.read(|c| {
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

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{Automerge, ROOT};

    use super::*;
    use crate::model::{Record, Role};

    const PASS: &str = "华新镇-2026-春";

    fn handcrafted(frames: Vec<Framed>) -> Vec<u8> {
        let header = Header {
            from_device: "attacker".into(),
            from_user: "李华".into(),
            township: "华新镇".into(),
            created_at: "2026-04-01T00:00:00Z".parse().unwrap(),
            records: frames.len(),
            registry: vec![],
        };
        encode(&header, &frames, PASS).unwrap()
    }

    #[test]
    fn a_bundle_with_ids_the_sync_protocol_refuses_is_refused_whole() {
        let dir = tempfile::TempDir::new().unwrap();
        let s = Store::create(&dir.path().join("s"), &[1; 32], "华新镇", "张丽", Role::Inspector).unwrap();
        for bad in [String::new(), "x".repeat(129), "../etc".into(), "名字".into()] {
            let frame = Frame {
                id: bad.clone(),
                kind: Kind::Case,
                heads: vec![],
                signatures: vec![],
            };
            let e = s
                .bundles()
                .import(&handcrafted(vec![(frame, vec![])]), PASS)
                .unwrap_err();
            assert!(e.to_string().contains("not a record id"), "{bad:?}: {e}");
        }
        assert_eq!(s.count().unwrap(), 0);
    }

    #[test]
    fn a_stopped_export_import_or_attach_stops_with_cancelled_and_changes_nothing() {
        use std::sync::atomic::AtomicBool;
        let dir = tempfile::TempDir::new().unwrap();
        let district = crate::sample::District::at(dir.path(), &[1; 32]).unwrap();
        let a = district.enrol("a", "华新镇", "张丽", Role::Inspector).unwrap();
        let b = district.enrol("b", "华新镇", "吴军", Role::Inspector).unwrap();
        let id = a
            .writer()
            .create_json(Kind::Case, Record::example(Kind::Case).to_json())
            .unwrap()
            .id;
        let stop = AtomicBool::new(true);
        assert!(matches!(
            a.bundles().stop_on(&stop).export(None, PASS),
            Err(Error::Cancelled)
        ));
        let bundle = a.bundles().export(None, PASS).unwrap().0;
        assert!(matches!(
            b.bundles().stop_on(&stop).import(&bundle, PASS),
            Err(Error::Cancelled)
        ));
        assert_eq!(b.count().unwrap(), 0, "a stopped import leaves the store as it was");
        let before = a.get(&id).unwrap().record.to_json();
        let attached = a
            .attachments()
            .stop_on(&stop)
            .attach(&id, b"photo", "a.jpg", "image/jpeg", None);
        assert!(matches!(attached, Err(Error::Cancelled)), "{attached:?}");
        assert_eq!(
            a.get(&id).unwrap().record.to_json(),
            before,
            "a stopped attach leaves the record as it was"
        );
        // Not stopped, the same calls go through.
        let go = AtomicBool::new(false);
        assert_eq!(b.bundles().stop_on(&go).import(&bundle, PASS).unwrap().records_new, 1);
        a.attachments()
            .stop_on(&go)
            .attach(&id, b"photo", "a.jpg", "image/jpeg", None)
            .unwrap();
    }

    #[test]
    fn a_crafted_reseal_or_unseal_arriving_by_bundle_is_kept_aside() {
        let dir = tempfile::TempDir::new().unwrap();
        let district = crate::sample::District::at(dir.path(), &[1; 32]).unwrap();
        let a = district.enrol("a", "华新镇", "张丽", Role::Inspector).unwrap();
        let b = district.enrol("b", "华新镇", "吴军", Role::Inspector).unwrap();
        a.set_now(Some("2026-04-01T00:00:00Z".parse().unwrap()));
        let id = a
            .writer()
            .create_json(Kind::Inspection, Record::example(Kind::Inspection).to_json())
            .unwrap()
            .id;
        a.seal(&id).unwrap();
        b.bundles()
            .import(&a.bundles().export(None, PASS).unwrap().0, PASS)
            .unwrap();
        let signed = b.get(&id).unwrap().record.to_json();
        // An attacker edits the content and puts a seal with the new hash over it, then
        // (separately) deletes the seal.
        let doc = Automerge::load(&a.document_bytes(&id).unwrap()).unwrap();
        let heads = doc.get_heads();
        let mut forged = doc.fork();
        let record = match forged.get(ROOT, "record").unwrap() {
            Some((automerge::Value::Object(_), o)) => o,
            _ => panic!(),
        };
        let mut tx = forged.transaction();
        tx.put(&record, "findings", "一切正常").unwrap();
        tx.commit();
        let content = super::super::doc::read_record(&forged).unwrap();
        let hash = crate::signing::content_hash(crate::signing::SEAL_ALG, &content);
        let mut tx = forged.transaction();
        let seal = tx.put_object(ROOT, "seal", automerge::ObjType::Map).unwrap();
        tx.put(&seal, "hash", hash).unwrap();
        tx.commit();
        let mut unsealed = doc.fork();
        let mut tx = unsealed.transaction();
        tx.delete(ROOT, "seal").unwrap();
        tx.commit();
        for crafted in [forged.save_after(&heads), unsealed.save_after(&heads)] {
            let frame = Frame {
                id: id.clone(),
                kind: Kind::Inspection,
                heads: vec![],
                signatures: vec![],
            };
            let report = b.bundles().import(&handcrafted(vec![(frame, crafted)]), PASS).unwrap();
            assert!(!report.refused.is_empty());
            let r = b.get(&id).unwrap();
            assert_eq!(r.record.to_json(), signed);
            assert!(r.seal.unwrap().intact);
        }
        assert_eq!(
            b.bundles().refused().unwrap().len(),
            3,
            "the re-seal's two changes and the unseal"
        );
    }
}

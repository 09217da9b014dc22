//! Signing seals a record: the content is frozen, the SHA-256 of its canonical form signed
//! with the sealing device's key, and every later change that would alter the content or the
//! seal refused, whether it is a local edit or arrives by sync or bundle; such changes are
//! kept aside in quarantine and reported. What is recorded after sealing (`after_seal`) lives
//! beside the content and does not touch the seal.
//!
//! Which seal counts is a function of the document alone, so every store agrees: the first
//! valid seal in the record's causal history (a seal change whose own past holds no seal, whose
//! content hashes to it and whose signature verifies). A change that deletes or replaces it, or
//! edits the sealed content, is refused however it arrives. If two authorised people signed
//! the same record concurrently and offline, the one whose change hash sorts first stands and
//! the other is quarantined and listed, on every device alike. Once a store has seen a seal it
//! also keeps it outside the document (`seals` table) and shows whether the document still
//! agrees with it.

use std::collections::HashSet;

use automerge::legacy::{Key, ObjectId};
use automerge::{Automerge, Change, ChangeHash, Prop, ReadDoc, ROOT};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Cached;
use super::{doc, Store};
use crate::error::{Error, Result};
use crate::model::{Kind, Record, Role};
use crate::rules::roles::{self, Action};
use crate::signing::{self, content_hash, LEGACY_SEAL_ALG, SEAL_ALG};

/// What the document records about its signing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Seal {
    /// How the hash and signature are made: `ed25519-sha256-jcs-1`; empty for seals made
    /// before seals were signed.
    #[serde(default)]
    pub alg: String,
    /// SHA-256 of the record content in its canonical form (RFC 8785).
    pub hash: String,
    pub sealed_at: DateTime<Utc>,
    pub user: String,
    pub device: String,
    #[serde(default)]
    pub role: Option<Role>,
    /// The sealing device's Ed25519 public key (hex).
    #[serde(default)]
    pub public_key: Option<String>,
    /// Ed25519 signature (hex) of the statement (see `statement`).
    #[serde(default)]
    pub signature: Option<String>,
}

impl Seal {
    /// What the signature covers: the seal's fields with the record id and kind, so a seal
    /// cannot be moved to another record.
    pub fn statement(&self, id: &str, kind: Kind) -> Value {
        json!({
            "alg": self.alg,
            "record": id,
            "kind": kind.as_str(),
            "hash": self.hash,
            "sealed_at": self.sealed_at,
            "user": self.user,
            "device": self.device,
            "role": self.role,
            "public_key": self.public_key,
        })
    }

    /// The signature verifies against the key the seal names.
    pub fn signature_valid(&self, id: &str, kind: Kind) -> bool {
        match (&self.public_key, &self.signature) {
            (Some(key), Some(sig)) if self.alg == SEAL_ALG => signing::verify(key, &self.statement(id, kind), sig),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SealStatus {
    #[serde(flatten)]
    pub seal: Seal,
    /// The content still hashes to the sealed hash: false means it was tampered with.
    pub intact: bool,
    /// The seal carries a valid signature by the key it names (seals made before signatures
    /// have none).
    pub signed: bool,
    /// What the device registry says of the signer: `this_device`, `registered`, `unknown`
    /// (not in this store's registry), `key_mismatch` (the registry holds another key for that
    /// device), `not_allowed` (its role may not sign this kind).
    pub signer: String,
    /// Intact, signed, and signed by this device or a registered device whose role may.
    pub verified: bool,
}

/// The seal object in the document, if any.
pub(crate) fn read<R: ReadDoc>(doc: &R) -> Option<Seal> {
    let obj = doc::root_object(doc, doc::SEAL_KEY)?;
    serde_json::from_value(doc::read_object(doc, &obj)).ok()
}

/// Whether the document's content still hashes to its seal.
pub(crate) fn intact<R: ReadDoc>(doc: &R, seal: &Seal) -> bool {
    doc::read_record(doc).is_some_and(|c| content_hash(&seal.alg, &c) == seal.hash)
}

/// The seal's status by itself (no registry): the store adds the signer's trust.
pub(crate) fn status<R: ReadDoc>(doc: &R) -> Option<SealStatus> {
    let seal = read(doc)?;
    Some(SealStatus {
        intact: intact(doc, &seal),
        signed: false,
        signer: "unknown".into(),
        verified: false,
        seal,
    })
}

/// Whether a change writes the root `seal` key (puts or deletes it). Cheap first: the key's
/// name must appear in the change's bytes.
fn writes_seal(c: &Change) -> bool {
    // A plain change chunk (type 1) that does not hold the key's bytes cannot write it; a
    // compressed one (type 2) is decoded to tell.
    let raw = c.raw_bytes();
    let compressed = raw.get(8) != Some(&1);
    if !compressed && !raw.windows(4).any(|w| w == doc::SEAL_KEY.as_bytes()) {
        return false;
    }
    c.decode()
        .operations
        .iter()
        .any(|op| op.obj == ObjectId::Root && matches!(&op.key, Key::Map(k) if k == doc::SEAL_KEY))
}

/// A seal the store has seen, kept outside the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Anchor {
    pub seal: Seal,
    pub change: ChangeHash,
}

pub(crate) fn anchor(c: &Connection, id: &str) -> Result<Option<Anchor>> {
    let row: Option<(String, String)> = c
        .row("SELECT seal, change FROM seals WHERE doc_id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.and_then(|(seal, change)| {
        Some(Anchor {
            seal: serde_json::from_str(&seal).ok()?,
            change: change.parse().ok()?,
        })
    }))
}

pub(crate) fn set_anchor(tx: &Transaction<'_>, id: &str, a: &Anchor) -> Result<()> {
    let seal = serde_json::to_string(&a.seal).map_err(|e| Error::Internal(e.to_string()))?;
    tx.exec(
        "INSERT INTO seals (doc_id, seal, change) VALUES (?1, ?2, ?3)
         ON CONFLICT (doc_id) DO UPDATE SET seal = excluded.seal, change = excluded.change",
        params![id, seal, a.change.to_string()],
    )?;
    Ok(())
}

/// Which seal counts in `doc`, and the changes to refuse: the first valid seal in causal
/// order (ties by change hash); `legacy_ok` accepts an unsigned seal made before seals were
/// signed (only for a seal this store already anchored).
/// No change of the document writes a seal (computed where it is cheap to, off the lock).
pub(crate) fn seal_free(doc: &Automerge) -> bool {
    !doc.get_changes(&[]).iter().any(writes_seal)
}

pub(crate) fn enforce(
    id: &str,
    kind: Kind,
    doc: Automerge,
    anchored: Option<&Anchor>,
) -> Result<(Automerge, Vec<Change>, Option<Anchor>)> {
    let changes = doc.get_changes(&[]);
    let candidates: Vec<&Change> = changes.iter().filter(|c| writes_seal(c)).collect();
    if candidates.is_empty() && anchored.is_none() {
        return Ok((doc, vec![], None));
    }
    let mut refused_hashes: HashSet<ChangeHash> = HashSet::new();
    let mut winner: Option<(ChangeHash, Seal)> = None;
    for c in &candidates {
        let at = doc.fork_at(&[c.hash()])?;
        let before = doc.fork_at(c.deps())?;
        let valid = match read(&at) {
            // A seal whose own past already held one is not a first seal: it replaces it.
            Some(seal) if read(&before).is_none() && intact(&at, &seal) => {
                seal.signature_valid(id, kind)
                    || (seal.alg == LEGACY_SEAL_ALG && anchored.is_some_and(|a| a.change == c.hash() && a.seal == seal))
            }
            _ => false,
        };
        if valid {
            let seal = read(&at).ok_or_else(|| Error::Internal("seal vanished".into()))?;
            let better = match &winner {
                None => true,
                // Concurrent first seals: the lower change hash stands. (A seal descending from
                // the winner cannot be a first seal.)
                Some((h, _)) => c.hash() < *h,
            };
            if better {
                winner = Some((c.hash(), seal));
            }
        }
    }
    let Some((seal_change, seal)) = winner else {
        // No valid seal: every seal change, and what depends on it, is refused.
        let mut kept = Automerge::new();
        let mut refused = vec![];
        for c in &changes {
            if candidates.iter().any(|s| s.hash() == c.hash()) || c.deps().iter().any(|d| refused_hashes.contains(d)) {
                refused_hashes.insert(c.hash());
                refused.push(c.clone());
            } else {
                kept.apply_changes([c.clone()])?;
            }
        }
        return Ok((kept, refused, None));
    };
    let mut kept = doc.fork_at(&[seal_change])?;
    let content = doc::read_record(&kept);
    let mut refused = vec![];
    for change in doc.get_changes(&kept.get_heads()) {
        let keeps_seal = !change.deps().iter().any(|d| refused_hashes.contains(d)) && {
            let mut trial = kept.fork();
            trial.apply_changes([change.clone()]).is_ok()
                && doc::read_record(&trial) == content
                && read(&trial).is_some_and(|s| s == seal)
                && {
                    kept = trial;
                    true
                }
        };
        if !keeps_seal {
            refused_hashes.insert(change.hash());
            refused.push(change.clone());
        }
    }
    Ok((
        kept,
        refused,
        Some(Anchor {
            seal,
            change: seal_change,
        }),
    ))
}

impl Store {
    /// The seal of a record with what this store's registry says of its signer.
    pub(crate) fn seal_status(
        &self,
        c: &Connection,
        id: &str,
        kind: Kind,
        doc: &Automerge,
    ) -> Result<Option<SealStatus>> {
        let Some(mut status) = status(doc) else { return Ok(None) };
        let seal = &status.seal;
        status.signed = seal.signature_valid(id, kind);
        status.signer = if seal.device == self.identity.device {
            if seal.public_key.as_deref() == Some(self.key.public_hex().as_str()) {
                "this_device".into()
            } else {
                "key_mismatch".into()
            }
        } else {
            match super::registry::entry(c, &seal.device)? {
                None => "unknown".into(),
                Some(e) if Some(&e.public_key) != seal.public_key.as_ref() => "key_mismatch".into(),
                Some(e) if !roles::may(e.role, Action::Seal, kind) => "not_allowed".into(),
                Some(_) => "registered".into(),
            }
        };
        status.verified =
            status.intact && status.signed && matches!(status.signer.as_str(), "this_device" | "registered");
        Ok(Some(status))
    }

    /// Signs a record: checks it fully, sets the signed status, freezes it and signs it with
    /// this device's key.
    pub fn seal(&self, id: &str) -> Result<SealStatus> {
        let status = self.write(|tx| {
            let mut loaded = self.load(tx, id)?.ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            if read(&loaded.doc).is_some() {
                return Err(Error::Sealed { id: id.into() });
            }
            let current = doc::read_record(&loaded.doc).ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            let record = Record::from_json(loaded.kind, current.clone())?;
            let Some(signed) = record.sealed_status() else {
                return Err(Error::invalid(
                    "kind",
                    "sealable_kind",
                    format!(
                        "a {} is not signed; only inspections, interviews and mediation agreements are sealed",
                        loaded.kind
                    ),
                ));
            };
            roles::check(self.identity.role, Action::Seal, loaded.kind)?;
            let mut next = current.clone();
            next["status"] = signed.into();
            let record = Record::from_json(loaded.kind, next)?;
            let problems = record.check(true, self.now());
            if problems.has_errors() {
                return Err(Error::Invalid(problems.errors()));
            }
            let heads = loaded.doc.get_heads();
            let obj = doc::root_object(&loaded.doc, doc::RECORD_KEY)
                .ok_or_else(|| Error::Internal("record without content".into()))?;
            let opts = self.commit_options("seal", vec!["status".into()]);
            let mut dtx = loaded.doc.transaction();
            let mut changed = vec![];
            doc::reconcile(&mut dtx, &obj, &current, &record.to_json(), "", &mut changed)?;
            let content =
                doc::read_record(&dtx).ok_or_else(|| Error::Internal("record vanished while sealing".into()))?;
            let mut seal = Seal {
                alg: SEAL_ALG.into(),
                hash: content_hash(SEAL_ALG, &content),
                sealed_at: self.now(),
                user: self.identity.user.clone(),
                device: self.identity.device.clone(),
                role: Some(self.identity.role),
                public_key: Some(self.key.public_hex()),
                signature: None,
            };
            seal.signature = Some(self.key.sign(&seal.statement(id, loaded.kind)));
            let json = serde_json::to_value(&seal).map_err(|e| Error::Internal(e.to_string()))?;
            doc::put_value(&mut dtx, &ROOT, Prop::Map(doc::SEAL_KEY.into()), &json)?;
            dtx.commit_with(opts);
            self.persist(tx, id, &loaded, &heads, super::doc::Origin::Local)?;
            let change = loaded
                .doc
                .get_heads()
                .first()
                .copied()
                .ok_or_else(|| Error::Internal("a sealed record without changes".into()))?;
            set_anchor(
                tx,
                id,
                &Anchor {
                    seal: seal.clone(),
                    change,
                },
            )?;
            self.seal_status(tx, id, loaded.kind, &loaded.doc)?
                .ok_or_else(|| Error::Internal("the seal was not written".into()))
        })?;
        Ok(status)
    }
}

/// Tampering is detectable: a document whose sealed content was changed reports not intact,
/// and the change is refused.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::DeviceKey;

    fn sealed_doc(key: &DeviceKey) -> Automerge {
        let mut doc = Automerge::new();
        let content = json!({"a": 1});
        let mut seal = Seal {
            alg: SEAL_ALG.into(),
            hash: content_hash(SEAL_ALG, &content),
            sealed_at: "2026-03-10T04:00:00Z".parse().unwrap(),
            user: "u".into(),
            device: "d".into(),
            role: Some(Role::Inspector),
            public_key: Some(key.public_hex()),
            signature: None,
        };
        seal.signature = Some(key.sign(&seal.statement("r", Kind::Inspection)));
        let mut tx = doc.transaction();
        doc::put_value(&mut tx, &ROOT, Prop::Map(doc::RECORD_KEY.into()), &content).unwrap();
        doc::put_value(
            &mut tx,
            &ROOT,
            Prop::Map(doc::SEAL_KEY.into()),
            &serde_json::to_value(&seal).unwrap(),
        )
        .unwrap();
        tx.commit();
        doc
    }

    #[test]
    fn changed_content_is_not_intact_and_is_refused() {
        let key = DeviceKey::generate().unwrap();
        let doc = sealed_doc(&key);
        assert!(status(&doc).unwrap().intact);
        assert!(read(&doc).unwrap().signature_valid("r", Kind::Inspection));
        assert!(
            !read(&doc).unwrap().signature_valid("other", Kind::Inspection),
            "bound to its record"
        );
        let (kept, refused, anchor) = enforce("r", Kind::Inspection, doc.clone(), None).unwrap();
        assert!(refused.is_empty() && kept.get_heads() == doc.get_heads() && anchor.is_some());
        let mut later = doc.fork();
        let mut tx = later.transaction();
        doc::force_path(&mut tx, "a", &json!(2)).unwrap();
        tx.commit();
        assert!(!status(&later).unwrap().intact);
        let (kept, refused, _) = enforce("r", Kind::Inspection, later, None).unwrap();
        assert_eq!(refused.len(), 1);
        assert_eq!(doc::read_record(&kept).unwrap(), json!({"a": 1}));
    }
}

//! Signing seals a record: the content is frozen, the SHA-256 of its canonical form signed
//! with the sealing device's key, and every later change that would alter the content or the
//! seal refused, whether it is a local edit or arrives by sync or bundle; such changes are
//! kept aside in quarantine and reported. What is recorded after sealing (`after_seal`) lives
//! beside the content and does not touch the seal.
//!
//! Which seal counts is a function of the document and the hub-signed device registry, so every
//! store agrees: the first valid seal in the record's causal history (a seal change whose own
//! past holds no seal, whose content hashes to it, whose signature verifies, and whose signer is
//! in the registry with that key, with a role that may seal the kind, and not revoked when it
//! signed). A seal that fails any of these is refused and kept aside like any other refused
//! change, and taken again if the registry later vouches for its signer. A change that deletes or replaces it, or
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
use crate::signing::{self, content_hash, RegistryEntry, SEAL_ALG};

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
    /// device), `not_allowed` (its role may not sign this kind), `revoked` (revoked before it
    /// signed). A store keeps only seals whose signer is `this_device` or `registered`.
    pub signer: String,
    /// Intact, signed, and signed by this device or a registered device whose role may.
    pub verified: bool,
}

/// What the device registry says of a seal's signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signer {
    /// This store sealed it, with its own key.
    ThisDevice,
    /// A device in the hub-signed registry, with this key, whose role may seal the kind, not
    /// revoked when it signed.
    Registered,
    /// No device of that id in the registry.
    Unknown,
    /// The registry (or this store) holds another key for that device.
    KeyMismatch,
    /// Its role may not seal this kind.
    NotAllowed,
    /// It was revoked before the seal's time.
    Revoked,
}

impl Signer {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Signer::ThisDevice => "this_device",
            Signer::Registered => "registered",
            Signer::Unknown => "unknown",
            Signer::KeyMismatch => "key_mismatch",
            Signer::NotAllowed => "not_allowed",
            Signer::Revoked => "revoked",
        }
    }

    /// A seal by this signer is honoured.
    pub(crate) fn honoured(self) -> bool {
        matches!(self, Signer::ThisDevice | Signer::Registered)
    }

    /// Why a seal by this signer is refused, in the words `refused` lists.
    pub(crate) fn refusal(self, kind: Kind) -> String {
        let why = match self {
            Signer::Unknown => "its signer is not in the hub's device registry",
            Signer::KeyMismatch => "it is signed with a key the registry does not hold for that device",
            Signer::NotAllowed => "its signer's role may not sign it",
            Signer::Revoked => "its signer was revoked before it signed",
            Signer::ThisDevice | Signer::Registered => "",
        };
        format!("its seal is not by an enrolled device that may sign a {kind}: {why}")
    }
}

/// Judges a seal's signer: `me` is this store (its device, role and key), `entry` the
/// registry's entry for the seal's device, if any.
pub(crate) fn judge(seal: &Seal, kind: Kind, me: (&str, Role, &str), entry: Option<&RegistryEntry>) -> Signer {
    let (device, role, key) = me;
    let (role, public_key, revoked_at) = if seal.device == device {
        (role, key, None)
    } else {
        match entry {
            None => return Signer::Unknown,
            Some(e) => (e.role, e.public_key.as_str(), e.revoked_at),
        }
    };
    if seal.public_key.as_deref() != Some(public_key) {
        return Signer::KeyMismatch;
    }
    if !roles::may(role, Action::Seal, kind) {
        return Signer::NotAllowed;
    }
    if revoked_at.is_some_and(|r| seal.sealed_at >= r) {
        return Signer::Revoked;
    }
    if seal.device == device {
        Signer::ThisDevice
    } else {
        Signer::Registered
    }
}

/// How `enforce` asks whether a seal's signer is honoured: `Err` with the reason if not.
pub(crate) type Trust<'a> = &'a dyn Fn(&Seal, Kind) -> std::result::Result<(), String>;

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

/// No change of the document writes a seal (computed where it is cheap to, off the lock).
pub(crate) fn seal_free(doc: &Automerge) -> bool {
    !doc.get_changes(&[]).iter().any(writes_seal)
}

/// A change `enforce` keeps out of the document, and why.
pub(crate) struct Kept {
    pub change: Change,
    pub reason: String,
    /// Refused for its seal's signer alone: taken again if the registry later vouches for it.
    pub for_signer: bool,
}

/// Which seal counts in `doc`, and the changes to refuse: the first valid seal in causal
/// order (ties by change hash) whose signer `trusted` honours; a seal this store already
/// anchored stands as it was checked then (an unsigned one made before seals were signed too).
pub(crate) fn enforce(
    id: &str,
    kind: Kind,
    doc: Automerge,
    anchored: Option<&Anchor>,
    trusted: Trust<'_>,
) -> Result<(Automerge, Vec<Kept>, Option<Anchor>)> {
    let changes = doc.get_changes(&[]);
    let candidates: Vec<&Change> = changes.iter().filter(|c| writes_seal(c)).collect();
    if candidates.is_empty() && anchored.is_none() {
        return Ok((doc, vec![], None));
    }
    let mut refused_hashes: HashSet<ChangeHash> = HashSet::new();
    let mut winner: Option<(ChangeHash, Seal)> = None;
    // Seal changes refused for their signer alone, with the reason.
    let mut by_signer: Vec<(ChangeHash, String)> = vec![];
    for c in &candidates {
        let at = doc.fork_at(&[c.hash()])?;
        let before = doc.fork_at(c.deps())?;
        let valid = match read(&at) {
            // A seal whose own past already held one is not a first seal: it replaces it.
            Some(seal) if read(&before).is_none() && intact(&at, &seal) => {
                let was_anchored = anchored.is_some_and(|a| a.change == c.hash() && a.seal == seal);
                if was_anchored {
                    true
                } else if seal.signature_valid(id, kind) {
                    match trusted(&seal, kind) {
                        Ok(()) => true,
                        Err(why) => {
                            by_signer.push((c.hash(), why));
                            false
                        }
                    }
                } else {
                    false
                }
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
    let sealed_words = "it would change a signed and sealed record (its content or its seal)";
    let Some((seal_change, seal)) = winner else {
        // No valid seal: every seal change, and what depends on it, is refused.
        let mut kept = Automerge::new();
        let mut refused = vec![];
        let mut signer_of: std::collections::HashMap<ChangeHash, String> = by_signer.into_iter().collect();
        for c in &changes {
            let own = signer_of.remove(&c.hash());
            let is_seal = candidates.iter().any(|s| s.hash() == c.hash());
            let on_refused = c.deps().iter().any(|d| refused_hashes.contains(d));
            if is_seal || on_refused {
                refused_hashes.insert(c.hash());
                let (reason, for_signer) = match own {
                    Some(why) => (why, true),
                    None if on_refused => ("it builds on a seal that was refused".to_string(), true),
                    None => (
                        "its seal does not verify (content, signature or a seal before it)".into(),
                        false,
                    ),
                };
                refused.push(Kept {
                    change: c.clone(),
                    reason,
                    for_signer,
                });
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
            refused.push(Kept {
                change: change.clone(),
                reason: sealed_words.into(),
                for_signer: false,
            });
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
        let entry = super::registry::entry(c, &seal.device)?;
        status.signer = self.judge_signer(seal, kind, entry.as_ref()).as_str().into();
        status.verified =
            status.intact && status.signed && matches!(status.signer.as_str(), "this_device" | "registered");
        Ok(Some(status))
    }

    /// What this store's registry says of a seal's signer.
    pub(crate) fn judge_signer(&self, seal: &Seal, kind: Kind, entry: Option<&RegistryEntry>) -> Signer {
        let me = (
            self.identity.device.as_str(),
            self.identity.role,
            self.identity.public_key.as_str(),
        );
        judge(seal, kind, me, entry)
    }

    /// Whether this store honours a seal's signer (for `enforce`), read from `c`'s registry.
    pub(crate) fn trust_in<'c>(
        &'c self,
        c: &'c Connection,
    ) -> impl Fn(&Seal, Kind) -> std::result::Result<(), String> + 'c {
        move |seal: &Seal, kind: Kind| {
            let entry = super::registry::entry(c, &seal.device).ok().flatten();
            let verdict = self.judge_signer(seal, kind, entry.as_ref());
            if verdict.honoured() {
                Ok(())
            } else {
                Err(verdict.refusal(kind))
            }
        }
    }

    /// Signs a record: checks it fully, sets the signed status, freezes it and signs it with
    /// this device's key.
    pub(crate) fn seal(&self, id: &str) -> Result<SealStatus> {
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
            let opts = self.commit_options(&self.me(), "seal", vec!["status".into()]);
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
    use automerge::transaction::Transactable;

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
        let all: Trust<'_> = &|_, _| Ok(());
        let (kept, refused, anchor) = enforce("r", Kind::Inspection, doc.clone(), None, all).unwrap();
        assert!(refused.is_empty() && kept.get_heads() == doc.get_heads() && anchor.is_some());
        let mut later = doc.fork();
        let mut tx = later.transaction();
        doc::force_path(&mut tx, "a", &json!(2)).unwrap();
        tx.commit();
        assert!(!status(&later).unwrap().intact);
        let (kept, refused, _) = enforce("r", Kind::Inspection, later, None, all).unwrap();
        assert_eq!(refused.len(), 1);
        assert_eq!(doc::read_record(&kept).unwrap(), json!({"a": 1}));
    }

    #[test]
    fn a_seal_whose_signer_is_not_honoured_is_refused_with_what_builds_on_it() {
        let key = DeviceKey::generate().unwrap();
        let doc = sealed_doc(&key);
        let mut later = doc.fork();
        let mut tx = later.transaction();
        tx.put(ROOT, "note", "after").unwrap();
        tx.commit();
        let nobody: Trust<'_> = &|_, kind| Err(Signer::Unknown.refusal(kind));
        let (kept, refused, anchor) = enforce("r", Kind::Inspection, later, None, nobody).unwrap();
        assert!(anchor.is_none() && read(&kept).is_none(), "not sealed");
        assert_eq!(refused.len(), 2, "the seal and the change after it");
        assert!(refused.iter().all(|k| k.for_signer));
        assert!(
            refused[0].reason.contains("not in the hub's device registry"),
            "{}",
            refused[0].reason
        );
    }

    #[test]
    fn a_signer_is_judged_by_the_registry_entry_of_its_device() {
        let key = DeviceKey::generate().unwrap();
        let doc = sealed_doc(&key);
        let seal = read(&doc).unwrap();
        let entry = |role: Role, public_key: String, revoked: Option<&str>| RegistryEntry {
            device: "d".into(),
            user: "u".into(),
            role,
            township: "华新镇".into(),
            public_key,
            actor: "aa".into(),
            enrolled_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            revoked_at: revoked.map(|r| r.parse().unwrap()),
        };
        let me = ("phone", Role::Mediator, "00");
        let k = key.public_hex();
        let cases = [
            (None, Signer::Unknown),
            (Some(entry(Role::Inspector, k.clone(), None)), Signer::Registered),
            (Some(entry(Role::Inspector, "ab".into(), None)), Signer::KeyMismatch),
            (Some(entry(Role::Grid, k.clone(), None)), Signer::NotAllowed),
            (
                Some(entry(Role::Inspector, k.clone(), Some("2026-03-10T03:00:00Z"))),
                Signer::Revoked,
            ),
            (
                Some(entry(Role::Inspector, k.clone(), Some("2026-03-11T00:00:00Z"))),
                Signer::Registered,
            ),
        ];
        for (e, want) in cases {
            assert_eq!(judge(&seal, Kind::Inspection, me, e.as_ref()), want, "{e:?}");
        }
        assert_eq!(
            judge(&seal, Kind::Inspection, ("d", Role::Inspector, &k), None),
            Signer::ThisDevice
        );
        assert_eq!(
            judge(&seal, Kind::Inspection, ("d", Role::Inspector, "ff"), None),
            Signer::KeyMismatch
        );
    }
}

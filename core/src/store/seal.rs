//! Signing seals a record: the content is frozen, its SHA-256 kept in the document, and every
//! later change refused, whether it is a local edit or arrives by sync or bundle. A change that
//! arrives after (or concurrently with) the seal is kept aside in quarantine and reported.

use automerge::{Automerge, Change, Prop, ReadDoc, ROOT};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{doc, Store};
use crate::error::{Error, Result};
use crate::model::{canonical_bytes, Record};
use crate::rules::roles::{self, Action};

/// What the document records about its signing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Seal {
    /// SHA-256 of the record content (canonical JSON) at signing.
    pub hash: String,
    pub sealed_at: DateTime<Utc>,
    pub user: String,
    pub device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SealStatus {
    #[serde(flatten)]
    pub seal: Seal,
    /// The content still hashes to the sealed hash: false means it was tampered with.
    pub intact: bool,
}

pub(crate) fn content_hash(content: &Value) -> String {
    hex::encode(Sha256::digest(canonical_bytes(content)))
}

pub(crate) fn status<R: ReadDoc>(doc: &R) -> Option<SealStatus> {
    let obj = doc::root_object(doc, doc::SEAL_KEY)?;
    let seal: Seal = serde_json::from_value(doc::read_object(doc, &obj)).ok()?;
    let intact = doc::read_record(doc).is_some_and(|c| content_hash(&c) == seal.hash);
    Some(SealStatus { seal, intact })
}

/// Keeps the changes the seal allows: the change that wrote the seal, its ancestors, and any
/// later change that leaves the sealed content and the seal as they were (what is recorded
/// after sealing). Returns the document to keep and the changes refused.
pub(crate) fn enforce(id: &str, doc: Automerge) -> Result<(Automerge, Vec<Change>)> {
    let seal_obj = match doc.get(ROOT, doc::SEAL_KEY)? {
        Some((automerge::Value::Object(_), obj)) => obj,
        _ => return Ok((doc, vec![])),
    };
    let seal_change = doc
        .hash_for_opid(&seal_obj)
        .ok_or_else(|| Error::Internal(format!("record {id}: seal without its change")))?;
    let mut kept = doc.fork_at(&[seal_change])?;
    let sealed = match status(&kept) {
        Some(s) if s.intact => s,
        _ => {
            return Err(Error::Rejected(format!(
                "record {id}: the signed content does not match its seal (tampered or damaged)"
            )))
        }
    };
    let content = doc::read_record(&kept);
    let mut refused: Vec<Change> = vec![];
    let mut refused_hashes = std::collections::HashSet::new();
    for change in doc.get_changes(&kept.get_heads()) {
        let depends_on_refused = change.deps().iter().any(|d| refused_hashes.contains(d));
        let keeps_seal = !depends_on_refused && {
            let mut trial = kept.fork();
            trial.apply_changes([change.clone()]).is_ok()
                && doc::read_record(&trial) == content
                && status(&trial).is_some_and(|s| s.seal == sealed.seal && s.intact)
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
    Ok((kept, refused))
}

impl Store {
    /// Signs a record: checks it fully, sets the signed status, and freezes it.
    pub fn seal(&self, id: &str) -> Result<SealStatus> {
        self.write(|tx| {
            let mut loaded = self.load(tx, id)?.ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            if status(&loaded.doc).is_some() {
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
            let seal = {
                let opts = self.commit_options("seal", vec!["status".into()]);
                let mut dtx = loaded.doc.transaction();
                let mut changed = vec![];
                doc::reconcile(&mut dtx, &obj, &current, &record.to_json(), "", &mut changed)?;
                let content =
                    doc::read_record(&dtx).ok_or_else(|| Error::Internal("record vanished while sealing".into()))?;
                let seal = Seal {
                    hash: content_hash(&content),
                    sealed_at: self.now(),
                    user: self.identity.user.clone(),
                    device: self.identity.device.clone(),
                };
                let json = serde_json::to_value(&seal).map_err(|e| Error::Internal(e.to_string()))?;
                doc::put_value(&mut dtx, &ROOT, Prop::Map(doc::SEAL_KEY.into()), &json)?;
                dtx.commit_with(opts);
                seal
            };
            self.persist(tx, id, &loaded, &heads, super::merge::Origin::Local)?;
            Ok(SealStatus { seal, intact: true })
        })
    }
}

/// Tampering is detectable: a document whose sealed content was changed reports not intact.
#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_content_is_not_intact() {
        let mut doc = Automerge::new();
        let content = json!({"a": 1});
        let seal =
            json!({"hash": content_hash(&content), "sealed_at": "2026-03-10T04:00:00Z", "user": "u", "device": "d"});
        let mut tx = doc.transaction();
        doc::put_value(&mut tx, &ROOT, Prop::Map(doc::RECORD_KEY.into()), &content).unwrap();
        doc::put_value(&mut tx, &ROOT, Prop::Map(doc::SEAL_KEY.into()), &seal).unwrap();
        tx.commit();
        assert!(status(&doc).unwrap().intact);
        let (kept, refused) = enforce("r", doc.clone()).unwrap();
        assert!(refused.is_empty() && kept.get_heads() == doc.get_heads());
        let mut later = doc.fork();
        let mut tx = later.transaction();
        doc::force_path(&mut tx, "a", &json!(2)).unwrap();
        tx.commit();
        assert!(!status(&later).unwrap().intact);
        // The later change is refused and the signed content kept.
        let (kept, refused) = enforce("r", later).unwrap();
        assert_eq!(refused.len(), 1);
        assert_eq!(doc::read_record(&kept).unwrap(), json!({"a": 1}));
    }
}

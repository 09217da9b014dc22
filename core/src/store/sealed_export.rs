//! A sealed record as a third party receives it (a court, an arbitration commission, the
//! public-security bureau): the content as signed, the seal, the signer's registry entry as
//! the hub signed it, and the hub's public key. `verify_sealed` checks it offline, in the
//! steps `docs/seals.md` describes, so any program can do the same.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::seal::Seal;
use super::{doc, Store};
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::rules::roles::{self, Action};
use crate::signing::{content_hash, SignedEntry};

pub const SEALED_EXPORT_FORMAT: &str = "fieldcase-sealed-record-1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealedExport {
    pub format: String,
    pub id: String,
    pub kind: Kind,
    /// The record content exactly as sealed.
    pub content: Value,
    pub seal: Seal,
    /// The signer's registry entry, signed by the hub (absent if this store does not know it).
    pub signer: Option<SignedEntry>,
    /// The hub's public key (the office also publishes it, so that a verifier need not trust
    /// this file for it).
    pub hub_public_key: Option<String>,
    /// What was recorded after sealing (not covered by the seal).
    pub after_seal: Value,
}

/// What a verifier learns, step by step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// The content hashes to the seal's hash.
    pub content_matches: bool,
    /// The seal's signature verifies with the key it names.
    pub signature_valid: bool,
    /// The hub signed the signer's entry (with the key given or, failing that, the file's).
    pub signer_vouched: bool,
    /// The entry names the seal's device and key, its role may sign this kind, and it was not
    /// revoked before the seal.
    pub signer_matches: bool,
    pub verified: bool,
    pub problems: Vec<String>,
}

/// Checks an exported sealed record. `hub_key` is the hub's public key as the verifier knows
/// it from the office; without it, the key in the file is used (and said so).
pub fn verify_sealed(x: &SealedExport, hub_key: Option<&str>) -> Verification {
    let mut problems = vec![];
    if x.format != SEALED_EXPORT_FORMAT {
        problems.push(format!("format '{}' is not {SEALED_EXPORT_FORMAT}", x.format));
    }
    let content_matches = content_hash(&x.seal.alg, &x.content) == x.seal.hash;
    if !content_matches {
        problems.push("the content does not hash to the seal's hash: it was changed".into());
    }
    let signature_valid = x.seal.signature_valid(&x.id, x.kind);
    if !signature_valid {
        problems.push("the seal's signature does not verify".into());
    }
    let key = match (hub_key, &x.hub_public_key) {
        (Some(k), _) => Some(k.to_string()),
        (None, Some(k)) => {
            problems.push("the hub's key was taken from the file itself; check it against the office's".into());
            Some(k.clone())
        }
        (None, None) => None,
    };
    let signer_vouched = match (&x.signer, &key) {
        (Some(e), Some(k)) => e.verify(k),
        _ => false,
    };
    if !signer_vouched {
        problems.push("the signer's entry is missing or not signed by the hub".into());
    }
    let signer_matches = x.signer.as_ref().is_some_and(|e| {
        let e = &e.entry;
        e.device == x.seal.device
            && Some(&e.public_key) == x.seal.public_key.as_ref()
            && roles::may(e.role, Action::Seal, x.kind)
            && e.revoked_at.is_none_or(|r| x.seal.sealed_at < r)
    });
    if !signer_matches {
        problems
            .push("the signer's entry does not name this device and key, or its role may not sign this kind".into());
    }
    Verification {
        verified: content_matches && signature_valid && signer_vouched && signer_matches,
        content_matches,
        signature_valid,
        signer_vouched,
        signer_matches,
        problems,
    }
}

impl Store {
    /// A sealed record with everything a third party needs to verify it.
    pub(crate) fn export_sealed(&self, id: &str) -> Result<SealedExport> {
        self.read(|c| {
            let loaded = self.load(c, id)?.ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            let seal = super::seal::read(&loaded.doc)
                .ok_or_else(|| Error::invalid("id", "sealed_record", format!("record {id} is not sealed")))?;
            let content = doc::read_record(&loaded.doc).unwrap_or(Value::Null);
            // The signer's entry as the hub signed it (this store's own too, once it joined).
            let signer = super::registry::since(c, -1)?
                .into_iter()
                .map(|(_, e)| e)
                .find(|e| e.entry.device == seal.device);
            Ok(SealedExport {
                format: SEALED_EXPORT_FORMAT.into(),
                id: id.to_string(),
                kind: loaded.kind,
                content,
                seal,
                signer,
                hub_public_key: super::meta(c, "hub_key")?,
                after_seal: serde_json::to_value(doc::read_after_seal(&loaded.doc)).unwrap_or(Value::Null),
            })
        })
    }
}

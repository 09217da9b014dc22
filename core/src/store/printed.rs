//! A sealed record on paper: the QR code printed on every page carries what its seal's
//! signature covers (the record id and kind, the content hash, when and by whom it was sealed,
//! the signer's device) and the signature itself, in ASCII so that any scanner reads it alike.
//! The hash and the signature are in unpadded base64url, so that the code stays small enough
//! to be read off a page printed at 150 dpi. The signer's public key is not printed: a verifier takes it from the hub-signed registry, so
//! a page cannot vouch for itself. `Store::verify_printed` checks a scanned page offline.

use serde::Serialize;

use super::seal::{Seal, Signer};
use super::{doc, Store};
use crate::error::{Error, Result};
use crate::model::{Kind, Role};
use crate::signing::SEAL_ALG;

/// What the QR code of a printed page starts with, and its version.
pub const PRINTED_QR_FORMAT: &str = "FCSEAL1";

/// The text of the QR code printed on each page of a sealed record.
pub fn seal_qr(id: &str, kind: Kind, seal: &Seal) -> String {
    let sealed_at = serde_json::to_value(seal.sealed_at)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    [
        PRINTED_QR_FORMAT,
        id,
        kind.as_str(),
        &compact(&seal.hash),
        &sealed_at,
        seal.role.map(Role::as_str).unwrap_or("-"),
        &seal.device,
        &percent(&seal.user),
        &seal.signature.as_deref().map(compact).unwrap_or_else(|| "-".into()),
    ]
    .join("|")
}

/// Hex as unpadded base64url (a third shorter).
fn compact(hex_text: &str) -> String {
    use base64::Engine;
    match hex::decode(hex_text) {
        Ok(bytes) => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        Err(_) => hex_text.to_string(),
    }
}

fn expand(b64: &str) -> Option<String> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .ok()
        .map(hex::encode)
}

/// UTF-8 bytes outside plain ASCII letters and digits as `%XX`.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn unpercent(s: &str) -> Option<String> {
    let mut out = vec![];
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a scanned page says, and whether it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrintedCheck {
    pub record: String,
    pub kind: String,
    pub hash: String,
    pub sealed_at: String,
    pub signed_by: String,
    pub device: String,
    /// The signature verifies with the key the registry holds for the device.
    pub signature_valid: bool,
    /// What the registry says of the signer: `registered`, `this_device`, `unknown`,
    /// `key_mismatch`, `not_allowed`, `revoked`.
    pub signer: String,
    /// Whether this store holds the record sealed with the same hash (none if it does not
    /// hold the record).
    pub matches_stored_record: Option<bool>,
    pub verified: bool,
    /// In Chinese, what a clerk is told.
    pub verdict: String,
    pub problems: Vec<String>,
}

impl Store {
    /// Checks the text of a printed page's QR code against this store's registry, offline: the
    /// signature over the seal's statement with the signer's registered key, the signer's
    /// standing, and, if this store holds the record, that its seal has the printed hash.
    pub fn verify_printed(&self, qr: &str) -> Result<PrintedCheck> {
        let parts: Vec<&str> = qr.trim().split('|').collect();
        let bad = |why: &str| Error::invalid("qr", "printed_qr", format!("not a Fieldcase seal code: {why}"));
        let [format, id, kind, hash, sealed_at, role, device, user, signature] = parts[..] else {
            return Err(bad("it does not have the nine parts of a seal code"));
        };
        if format != PRINTED_QR_FORMAT {
            return Err(bad(&format!("it starts with '{format}', not {PRINTED_QR_FORMAT}")));
        }
        let kind: Kind = kind
            .parse()
            .map_err(|_| bad(&format!("'{kind}' is not a record kind")))?;
        let at: chrono::DateTime<chrono::Utc> = serde_json::from_value(serde_json::Value::String(sealed_at.into()))
            .map_err(|_| bad(&format!("'{sealed_at}' is not a time")))?;
        let role = match role {
            "-" => None,
            r => Some(r.parse::<Role>().map_err(|_| bad(&format!("'{r}' is not a role")))?),
        };
        let user = unpercent(user).ok_or_else(|| bad("the signer's name is not readable"))?;
        let hash = expand(hash)
            .filter(|h| h.len() == 64)
            .ok_or_else(|| bad("the content hash is not readable"))?;
        let signature = match signature {
            "-" => "-".to_string(),
            s => expand(s).ok_or_else(|| bad("the signature is not readable"))?,
        };
        let (hash, signature) = (hash.as_str(), signature.as_str());
        self.read(|c| {
            let entry = super::registry::entry(c, device)?;
            let public_key = if device == self.identity.device {
                Some(self.identity.public_key.clone())
            } else {
                entry.as_ref().map(|e| e.public_key.clone())
            };
            let seal = Seal {
                alg: SEAL_ALG.into(),
                hash: hash.into(),
                sealed_at: at,
                user: user.clone(),
                device: device.into(),
                role,
                public_key,
                signature: Some(signature.into()).filter(|s| s != "-"),
            };
            let mut problems = vec![];
            let signer = self.judge_signer(&seal, kind, entry.as_ref());
            if !matches!(signer, Signer::Registered | Signer::ThisDevice) {
                problems.push(signer.refusal(kind));
            }
            let signature_valid = seal.public_key.is_some() && seal.signature_valid(id, kind);
            if !signature_valid {
                problems.push(
                    "the seal's signature does not verify: the page was altered or not sealed by this signer".into(),
                );
            }
            let matches_stored_record = match self.load(c, id)? {
                None => None,
                Some(loaded) => Some(
                    super::seal::read(&loaded.doc).is_some_and(|s| s.hash == hash)
                        && doc::read_record(&loaded.doc).is_some(),
                ),
            };
            if matches_stored_record == Some(false) {
                problems.push("this store holds the record, but not sealed with the printed content".into());
            }
            let verified = signature_valid
                && matches!(signer, Signer::Registered | Signer::ThisDevice)
                && matches_stored_record != Some(false);
            Ok(PrintedCheck {
                record: id.into(),
                kind: kind.as_str().into(),
                hash: hash.into(),
                sealed_at: sealed_at.into(),
                signed_by: user.clone(),
                device: device.into(),
                signature_valid,
                signer: signer.as_str().into(),
                matches_stored_record,
                verified,
                verdict: if verified {
                    format!("核验通过：此页为{user}签署的原件内容，签名有效")
                } else {
                    "核验未通过：此页与签署的内容不符，或签署人不在登记名册中".into()
                },
                problems,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cross_in_ascii_and_come_back() {
        for name in ["张丽", "Li Juan", "王|建国%"] {
            let p = percent(name);
            assert!(p.is_ascii() && !p.contains('|'));
            assert_eq!(unpercent(&p).as_deref(), Some(name));
        }
    }
}

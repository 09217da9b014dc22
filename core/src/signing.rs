//! Seals are signatures. Every store has an Ed25519 key pair, made when the store is made and
//! kept in the encrypted database like everything else. Sealing signs a statement (which
//! record, which kind, the SHA-256 of the canonical content, when, by whom) with the sealing
//! device's key. The hub keeps the registry of enrolled devices and their public keys, signs
//! each entry with its own key, and every device receives the registry when it syncs; so a seal
//! verifies offline on any device and in the office, and for a third party given the exported
//! record, the signer's entry and the hub's public key (see `docs/seals.md`).

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::canonical::canonical;
use crate::error::{Error, Result};
use crate::model::Role;

/// How seals are made now: SHA-256 of the RFC 8785 canonical content, the statement signed
/// with Ed25519.
pub const SEAL_ALG: &str = "ed25519-sha256-jcs-1";
/// Seals made before signatures: SHA-256 of serde_json's sorted output, no signature. They
/// keep verifying as intact, and show as unsigned.
pub const LEGACY_SEAL_ALG: &str = "";

/// The SHA-256 (hex) of a record's content, as the seal's algorithm computes it.
pub fn content_hash(alg: &str, content: &Value) -> String {
    let bytes = if alg == LEGACY_SEAL_ALG {
        serde_json::to_vec(content).unwrap_or_default()
    } else {
        canonical(content)
    };
    hex::encode(Sha256::digest(bytes))
}

/// A store's own key pair.
pub struct DeviceKey(SigningKey);

impl DeviceKey {
    pub fn generate() -> Result<DeviceKey> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(DeviceKey(SigningKey::from_bytes(&secret)))
    }

    pub fn from_hex(s: &str) -> Option<DeviceKey> {
        let bytes: [u8; 32] = hex::decode(s).ok()?.try_into().ok()?;
        Some(DeviceKey(SigningKey::from_bytes(&bytes)))
    }

    pub fn secret_hex(&self) -> String {
        hex::encode(self.0.to_bytes())
    }

    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().to_bytes())
    }

    /// Signs the canonical bytes of `statement`; the signature as hex.
    pub fn sign(&self, statement: &Value) -> String {
        hex::encode(self.0.sign(&canonical(statement)).to_bytes())
    }

    /// Signs `message` as it is (a change's hash, a peer's challenge).
    pub fn sign_bytes(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}

/// A change's author's signature over the change's hash: what lets a colleague's phone carry
/// the change to the hub, which then takes it as its author's (see `docs/seals.md`, "Carried
/// changes"). The change hash covers the change's content, its actor and what it builds on,
/// so an altered change no longer matches the signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSignature {
    /// The automerge change hash (hex).
    pub hash: String,
    /// The author device's id in the registry.
    pub device: String,
    /// Ed25519 over `change_statement(hash)`, hex.
    pub signature: String,
}

/// What a device signs for a change it made: a fixed prefix and the change hash's 32 bytes.
pub fn change_statement(hash: &[u8; 32]) -> Vec<u8> {
    let mut m = b"fieldcase change v1\0".to_vec();
    m.extend_from_slice(hash);
    m
}

impl ChangeSignature {
    /// Whether this is `entry`'s signature over the change `hash`.
    pub fn verifies(&self, entry: &RegistryEntry) -> bool {
        let Some(hash) = hex::decode(&self.hash).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) else {
            return false;
        };
        let Ok(sig) = hex::decode(&self.signature) else {
            return false;
        };
        self.device == entry.device && verify_bytes(&entry.public_key, &change_statement(&hash), &sig)
    }
}

/// An Ed25519 public key from its hex.
fn public_key(hex_key: &str) -> Option<VerifyingKey> {
    hex::decode(hex_key)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
}

/// Whether `signature` is `public_key`'s (hex) over `message` as it is.
pub fn verify_bytes(public_key_hex: &str, message: &[u8], signature: &[u8]) -> bool {
    let Some(key) = public_key(public_key_hex) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(&sig)).is_ok()
}

/// Whether `hex` is an Ed25519 public key.
pub fn is_public_key(key: &str) -> bool {
    public_key(key).is_some()
}

/// Whether `signature` (hex) is `public_key`'s (hex) signature of `statement`'s canonical bytes.
pub fn verify(public_key_hex: &str, statement: &Value, signature: &str) -> bool {
    let Some(key) = public_key(public_key_hex) else {
        return false;
    };
    let Some(sig) = hex::decode(signature).ok().and_then(|b| <[u8; 64]>::try_from(b).ok()) else {
        return false;
    };
    key.verify(&canonical(statement), &Signature::from_bytes(&sig)).is_ok()
}

/// One enrolled device as the hub vouches for it: its key, the automerge actor its changes
/// carry, who uses it. The hub signs it; `revoked_at` is set when the office revokes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RegistryEntry {
    pub device: String,
    pub user: String,
    pub role: Role,
    pub township: String,
    pub public_key: String,
    /// The automerge actor id (hex) of the device's store.
    pub actor: String,
    pub enrolled_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A registry entry with the hub's signature over its canonical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignedEntry {
    pub entry: RegistryEntry,
    pub signature: String,
}

impl SignedEntry {
    pub fn sign(entry: RegistryEntry, hub: &DeviceKey) -> SignedEntry {
        let statement = serde_json::to_value(&entry).unwrap_or(Value::Null);
        SignedEntry {
            signature: hub.sign(&statement),
            entry,
        }
    }

    /// Checks the hub's signature with the hub's public key.
    pub fn verify(&self, hub_public_key: &str) -> bool {
        let statement = serde_json::to_value(&self.entry).unwrap_or(Value::Null);
        verify(hub_public_key, &statement, &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_signature_verifies_and_a_changed_statement_does_not() {
        let key = DeviceKey::generate().unwrap();
        let statement = json!({"record": "r1", "hash": "ab", "user": "张丽"});
        let sig = key.sign(&statement);
        assert!(verify(&key.public_hex(), &statement, &sig));
        assert!(!verify(
            &key.public_hex(),
            &json!({"record": "r1", "hash": "ac", "user": "张丽"}),
            &sig
        ));
        let other = DeviceKey::generate().unwrap();
        assert!(!verify(&other.public_hex(), &statement, &sig));
        assert!(!verify("zz", &statement, &sig));
        let again = DeviceKey::from_hex(&key.secret_hex()).unwrap();
        assert_eq!(again.public_hex(), key.public_hex());
    }
}

/// The fixed vectors in `core/data/seal-vectors.json` (also checked by an independent Python
/// implementation, `tests/seals/check_vectors.py`).
#[cfg(test)]
mod vectors {
    use super::*;

    #[test]
    fn the_published_vectors_hold() {
        let v: Value = serde_json::from_str(include_str!("../data/seal-vectors.json")).unwrap();
        for c in v["contents"].as_array().unwrap() {
            assert_eq!(String::from_utf8(canonical(&c["content"])).unwrap(), c["canonical"]);
            assert_eq!(content_hash(SEAL_ALG, &c["content"]), c["sha256"]);
        }
        let s = &v["signature"];
        let key = DeviceKey::from_hex(s["secret_key"].as_str().unwrap()).unwrap();
        assert_eq!(key.public_hex(), s["public_key"]);
        assert_eq!(String::from_utf8(canonical(&s["statement"])).unwrap(), s["canonical"]);
        // Ed25519 is deterministic: the same key signs the same bytes the same way.
        assert_eq!(key.sign(&s["statement"]), s["signature"]);
        assert!(verify(
            s["public_key"].as_str().unwrap(),
            &s["statement"],
            s["signature"].as_str().unwrap()
        ));
    }

    /// Who may seal: the signature vector's seal, judged against registry entries the hub
    /// signed (or did not), as every store judges it (`docs/seals.md`, "Who may seal").
    #[test]
    fn the_published_signer_vectors_hold() {
        let v: Value = serde_json::from_str(include_str!("../data/seal-vectors.json")).unwrap();
        let s = &v["signers"];
        let hub = DeviceKey::from_hex(s["hub_secret_key"].as_str().unwrap()).unwrap();
        assert_eq!(hub.public_hex(), s["hub_public_key"]);
        // The signature vector's statement is a seal's, with its record and kind.
        let mut seal = v["signature"]["statement"].clone();
        seal["signature"] = v["signature"]["signature"].clone();
        let seal: crate::store::Seal = serde_json::from_value(seal).unwrap();
        assert!(seal.signature_valid(
            v["signature"]["statement"]["record"].as_str().unwrap(),
            crate::model::Kind::Inspection
        ));
        let cases = s["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 6);
        for c in cases {
            let about = c["about"].as_str().unwrap();
            let entry = match &c["entry"] {
                Value::Null => None,
                e => {
                    let signed = SignedEntry {
                        entry: serde_json::from_value(e.clone()).unwrap(),
                        signature: c["entry_signature"].as_str().unwrap().into(),
                    };
                    assert_eq!(
                        String::from_utf8(canonical(e)).unwrap(),
                        c["entry_canonical"],
                        "{about}"
                    );
                    // The hub signs each entry deterministically.
                    let vouched = signed.verify(&hub.public_hex());
                    assert_eq!(vouched, c["vouched"].as_bool().unwrap(), "{about}");
                    vouched.then_some(signed.entry)
                }
            };
            let me = ("0000phone000", Role::Mediator, "00");
            let verdict = crate::store::seal::judge(&seal, crate::model::Kind::Inspection, me, entry.as_ref());
            assert_eq!(verdict.as_str(), c["verdict"], "{about}");
        }
    }

    /// Prints the `signers` section of the vectors (run once, by hand, when the rules change:
    /// `cargo test -p fieldcase-core print_signer_vectors -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn print_signer_vectors() {
        let v: Value = serde_json::from_str(include_str!("../data/seal-vectors.json")).unwrap();
        let hub = DeviceKey::from_hex(&"2e".repeat(32)).unwrap();
        let stranger = DeviceKey::from_hex(&"3d".repeat(32)).unwrap();
        let st = &v["signature"]["statement"];
        let entry = |role: &str, key: &str, revoked: Option<&str>| {
            serde_json::json!({
                "device": st["device"], "user": st["user"], "role": role, "township": "华新镇",
                "public_key": key, "actor": "8d0e6a4f1c2b3a49", "enrolled_at": "2026-03-01T00:00:00Z",
                "revoked_at": revoked,
            })
        };
        let key = st["public_key"].as_str().unwrap();
        let cases = [
            (
                "an inspector the hub enrolled with this key",
                Some((entry("inspector", key, None), &hub)),
                "registered",
            ),
            ("no entry for the seal's device", None, "unknown"),
            (
                "an entry that a key other than the hub's signed",
                Some((entry("inspector", key, None), &stranger)),
                "unknown",
            ),
            (
                "the registry holds another key for the device",
                Some((entry("inspector", &"ab".repeat(32), None), &hub)),
                "key_mismatch",
            ),
            (
                "a grid assistant may not seal an inspection",
                Some((entry("grid", key, None), &hub)),
                "not_allowed",
            ),
            (
                "revoked an hour before the seal's time",
                Some((entry("inspector", key, Some("2026-03-10T03:00:00Z")), &hub)),
                "revoked",
            ),
        ];
        let cases: Vec<Value> = cases
            .into_iter()
            .map(|(about, e, verdict)| match e {
                None => serde_json::json!({"about": about, "entry": null, "verdict": verdict}),
                Some((e, by)) => serde_json::json!({
                    "about": about,
                    "entry": e,
                    "entry_canonical": String::from_utf8(canonical(&e)).unwrap(),
                    "entry_signature": by.sign(&e),
                    "vouched": std::ptr::eq(by, &hub),
                    "verdict": verdict,
                }),
            })
            .collect();
        let out = serde_json::json!({
            "hub_secret_key": hub.secret_hex(),
            "hub_public_key": hub.public_hex(),
            "cases": cases,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap());
    }
}

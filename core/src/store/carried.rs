//! Changes carried for their authors. A change leaves the device that made it with that
//! device's signature over its hash (signed when it leaves: the same key, the same bytes, the
//! same signature every time); whoever carries it on (a colleague's phone, a bundle) keeps the
//! signature beside it and passes it on, and the hub takes the change as its author's, never
//! as the carrier's. A change whose signature is missing, forged or no longer matches (its
//! content was altered, so its hash changed) is not taken from a carrier.

use automerge::{Automerge, ChangeHash, ReadDoc};
use rusqlite::{params, Connection, Transaction};

use super::{registry, Store};
use crate::error::Result;
use crate::signing::{change_statement, ChangeSignature};

impl Store {
    /// The signatures that go with the changes of record `id` after `after` (all of them with
    /// `after` empty) when they leave this store: its own changes signed now, others' as they
    /// reached it.
    pub(crate) fn signatures_for(
        &self,
        c: &Connection,
        id: &str,
        doc: &Automerge,
        after: &[ChangeHash],
    ) -> Result<Vec<ChangeSignature>> {
        let mine = self.actor_hex();
        let kept = self.kept_signatures(c, id)?;
        let mut out = vec![];
        for change in doc.get_changes(after) {
            let hash = change.hash();
            if change.actor_id().to_hex_string() == mine {
                out.push(ChangeSignature {
                    hash: hash.to_string(),
                    device: self.identity.device.clone(),
                    signature: hex::encode(self.key.sign_bytes(&change_statement(&hash.0))),
                });
            } else if let Some(s) = kept.iter().find(|s| s.hash == hash.to_string()) {
                out.push(s.clone());
            }
        }
        Ok(out)
    }

    /// The authors' signatures this store keeps for record `id`'s carried changes.
    pub(crate) fn kept_signatures(&self, c: &Connection, id: &str) -> Result<Vec<ChangeSignature>> {
        let mut stmt = c.prepare_cached("SELECT hash, device, signature FROM change_signatures WHERE doc_id = ?1")?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(ChangeSignature {
                    hash: r.get(0)?,
                    device: r.get(1)?,
                    signature: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Whether this store carries any change for another device with its signature.
    pub(crate) fn carries_signatures(&self, c: &Connection) -> Result<bool> {
        Ok(c.query_row("SELECT EXISTS (SELECT 1 FROM change_signatures)", [], |r| r.get(0))?)
    }

    /// Keeps the signatures that arrived with record `id`'s changes, each only if it is the
    /// signature, by the device the registry names for the change's actor, of a change the
    /// record now holds. Returns how many were kept; the others are dropped (the change itself
    /// stays here, and the hub will not take it from this store).
    pub(crate) fn keep_signatures(&self, tx: &Transaction<'_>, id: &str, sigs: &[ChangeSignature]) -> Result<usize> {
        if sigs.is_empty() {
            return Ok(0);
        }
        let Some(loaded) = self.load(tx, id)? else {
            return Ok(0);
        };
        let mine = self.actor_hex();
        let mut kept = 0;
        for sig in sigs {
            let Ok(hash) = sig.hash.parse::<ChangeHash>() else {
                continue;
            };
            let Some(change) = loaded.doc.get_change_by_hash(&hash) else {
                continue;
            };
            let actor = change.actor_id().to_hex_string();
            if actor == mine {
                continue;
            }
            let Some(author) = registry::by_actor(tx, &actor)? else {
                continue;
            };
            if !sig.verifies(&author) {
                continue;
            }
            kept += tx.execute(
                "INSERT INTO change_signatures (hash, doc_id, device, signature) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (hash) DO NOTHING",
                params![sig.hash, id, sig.device, sig.signature],
            )?;
        }
        Ok(kept)
    }
}

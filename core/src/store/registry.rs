//! The device registry as this store knows it: every enrolled device's public key, automerge
//! actor, user, role and township, each entry signed by the hub. A device learns the hub's
//! public key when it joins (over a pinned TLS connection) and takes only entries that key
//! signed, so a hostile peer cannot slip in a device. The registry says who signed a seal and
//! who made a change: the actor a change carries, not the name its note claims.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::Cached;
use super::{meta, set_meta, Store};
use crate::error::{Error, Result};
use crate::signing::{RegistryEntry, SignedEntry};

fn from_row(json: String, signature: String) -> Option<SignedEntry> {
    Some(SignedEntry {
        entry: serde_json::from_str(&json).ok()?,
        signature,
    })
}

pub(crate) fn entry(c: &Connection, device: &str) -> Result<Option<RegistryEntry>> {
    Ok(signed(c, device)?.map(|s| s.entry))
}

/// A device's entry with the hub's signature, as this store holds it.
pub(crate) fn signed(c: &Connection, device: &str) -> Result<Option<SignedEntry>> {
    let row: Option<(String, String)> = c
        .row(
            "SELECT entry, signature FROM registry WHERE device = ?1",
            [device],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(e, s)| from_row(e, s)))
}

pub(crate) fn by_actor(c: &Connection, actor: &str) -> Result<Option<RegistryEntry>> {
    let row: Option<(String, String)> = c
        .row(
            "SELECT entry, signature FROM registry WHERE actor = ?1 ORDER BY seq DESC LIMIT 1",
            [actor],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(row.and_then(|(e, s)| from_row(e, s)).map(|s| s.entry))
}

/// The highest registry position this store holds.
pub(crate) fn seq(c: &Connection) -> Result<i64> {
    Ok(c.row("SELECT coalesce(max(seq), 0) FROM registry", [], |r| r.get(0))?)
}

/// Entries after position `after`, in order, with their positions.
pub(crate) fn since(c: &Connection, after: i64) -> Result<Vec<(i64, SignedEntry)>> {
    let mut stmt = c.prepare_cached("SELECT seq, entry, signature FROM registry WHERE seq > ?1 ORDER BY seq")?;
    let rows = stmt
        .query_map([after], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, e, s)| from_row(e, s).map(|x| (seq, x)))
        .collect())
}

/// Writes an entry at position `seq` (the hub's numbering).
pub(crate) fn put(tx: &Transaction<'_>, signed: &SignedEntry, seq: i64) -> Result<()> {
    let json = serde_json::to_string(&signed.entry).map_err(|e| Error::Internal(e.to_string()))?;
    tx.exec(
        "INSERT INTO registry (device, actor, entry, signature, seq) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (device) DO UPDATE SET actor = excluded.actor, entry = excluded.entry,
           signature = excluded.signature, seq = excluded.seq",
        params![signed.entry.device, signed.entry.actor, json, signed.signature, seq],
    )?;
    Ok(())
}

/// Takes registry entries a peer carried (in a bundle, in a phone-to-phone exchange): each must
/// carry the signature of the hub this store joined, or nothing is taken. A device this store
/// does not know is added without a position in the hub's numbering (so the next sync still
/// asks for everything after the last entry the hub itself sent); a known one is replaced only
/// by its revocation, never by an older entry. Returns how many entries were new or changed.
pub(crate) fn learn(tx: &Transaction<'_>, entries: &[SignedEntry]) -> Result<usize> {
    if entries.is_empty() {
        return Ok(0);
    }
    let Some(hub_key) = meta(tx, "hub_key")? else {
        // A store that never joined a hub cannot tell the hub's signature from any other.
        return Ok(0);
    };
    let mut taken = 0;
    for e in entries {
        if !e.verify(&hub_key) {
            return Err(Error::Rejected(format!(
                "the registry entry of device {} is not signed by this store's hub",
                e.entry.device
            )));
        }
        let known = entry(tx, &e.entry.device)?;
        let newer = match &known {
            None => true,
            Some(k) => k.revoked_at.is_none() && e.entry.revoked_at.is_some() && k.public_key == e.entry.public_key,
        };
        if newer {
            let seq: Option<i64> = tx
                .row("SELECT seq FROM registry WHERE device = ?1", [&e.entry.device], |r| {
                    r.get(0)
                })
                .optional()?;
            put(tx, e, seq.unwrap_or(0))?;
            taken += 1;
        }
    }
    Ok(taken)
}

impl Store {
    /// The hub's public key, once this store has joined one (for the hub itself: its own).
    pub(crate) fn hub_public_key(&self) -> Result<Option<String>> {
        self.read(|c| meta(c, "hub_key"))
    }

    pub(crate) fn set_hub_public_key(&self, tx: &Transaction<'_>, key: &str) -> Result<()> {
        set_meta(tx, "hub_key", key)
    }

    /// Every device this store knows, as the hub signed them.
    pub(crate) fn registry(&self) -> Result<Vec<SignedEntry>> {
        self.read(|c| Ok(since(c, -1)?.into_iter().map(|(_, e)| e).collect()))
    }

    /// Takes registry entries from the hub: each must carry the hub's signature. An entry
    /// without it is refused (and nothing of the batch is taken).
    pub(crate) fn accept_registry(&self, tx: &Transaction<'_>, entries: &[(i64, SignedEntry)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let hub_key = meta(tx, "hub_key")?
            .ok_or_else(|| Error::Rejected("registry entries from a hub this store has not joined".into()))?;
        for (seq, e) in entries {
            if !e.verify(&hub_key) {
                return Err(Error::Rejected(format!(
                    "the registry entry of device {} is not signed by the hub",
                    e.entry.device
                )));
            }
            put(tx, e, *seq)?;
        }
        self.retake_refused(tx)?;
        Ok(())
    }
}

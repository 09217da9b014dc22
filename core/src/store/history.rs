//! Who changed a record, when, and what: read from the document's changes, so it travels
//! with the record. Everything here is a function of the document alone, ordered the same way
//! on every device: causal order, with concurrent changes ordered by their time and hash
//! (never by the order they happened to arrive in).

use std::collections::{BTreeSet, HashMap};

use automerge::{Automerge, Change, ChangeHash, ReadDoc, ROOT};
use serde::{Deserialize, Serialize};

use super::{doc, millis_to_time, HistoryEntry, Role, Stamp};

/// The metadata message written into every automerge change.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChangeNote {
    // Short keys: the note travels with every change, and sync counts its bytes.
    #[serde(rename = "u")]
    pub user: String,
    #[serde(rename = "d")]
    pub device: String,
    #[serde(rename = "a")]
    pub action: String,
    #[serde(rename = "f", default)]
    pub fields: Vec<String>,
}

/// Who an automerge actor is, as the device registry (or this store itself) knows it:
/// (user, device, role).
pub(crate) type Who<'a> = &'a dyn Fn(&str) -> Option<(String, String, Role)>;

fn entry(c: &Change, who: Who<'_>) -> HistoryEntry {
    let note: Option<ChangeNote> = c.message().and_then(|m| serde_json::from_str(m).ok());
    let note = note.unwrap_or(ChangeNote {
        user: String::new(),
        device: c.actor_id().to_hex_string(),
        action: "unknown".into(),
        fields: vec![],
    });
    // The actor a change carries is checked against the device that uploaded it; the note
    // is only what that device said about itself.
    let (user, device, role, verified) = match who(&c.actor_id().to_hex_string()) {
        Some((user, device, role)) => (user, device, Some(role), true),
        None => (note.user, note.device, None, false),
    };
    HistoryEntry {
        at: millis_to_time(c.timestamp()),
        user,
        device,
        role,
        verified,
        action: note.action,
        fields: note.fields,
        change: c.hash().to_string(),
    }
}

fn stamp(e: &HistoryEntry) -> Stamp {
    Stamp {
        user: e.user.clone(),
        device: e.device.clone(),
        at: e.at,
    }
}

/// Every change in causal order; concurrent changes by (time, hash).
pub(crate) fn history(doc: &Automerge, who: Who<'_>) -> Vec<HistoryEntry> {
    let changes = doc.get_changes(&[]);
    let by_hash: HashMap<ChangeHash, &Change> = changes.iter().map(|c| (c.hash(), c)).collect();
    let mut waiting: HashMap<ChangeHash, usize> = HashMap::new();
    let mut children: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::new();
    for c in &changes {
        let deps: Vec<ChangeHash> = c.deps().iter().filter(|d| by_hash.contains_key(d)).copied().collect();
        waiting.insert(c.hash(), deps.len());
        for d in deps {
            children.entry(d).or_default().push(c.hash());
        }
    }
    let key = |h: &ChangeHash| (by_hash[h].timestamp(), *h);
    let mut ready: BTreeSet<(i64, ChangeHash)> =
        waiting.iter().filter(|(_, n)| **n == 0).map(|(h, _)| key(h)).collect();
    let mut out = Vec::with_capacity(changes.len());
    while let Some(next) = ready.pop_first() {
        let h = next.1;
        out.push(entry(by_hash[&h], who));
        for child in children.get(&h).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(child) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(key(child));
                }
            }
        }
    }
    out
}

/// Who made the record: the change that wrote its content first.
pub(crate) fn created(doc: &Automerge, who: Who<'_>) -> Option<Stamp> {
    let (_, id) = doc.get(ROOT, doc::RECORD_KEY).ok()??;
    let hash = doc.hash_for_opid(&id)?;
    doc.get_change_by_hash(&hash).map(|c| stamp(&entry(&c, who)))
}

/// Who changed the record last: of the changes nothing came after, the latest by time, then
/// by hash. Two devices that hold the same changes name the same person.
pub(crate) fn updated(doc: &Automerge, who: Who<'_>) -> Option<Stamp> {
    doc.get_heads()
        .iter()
        .filter_map(|h| doc.get_change_by_hash(h))
        .max_by_key(|c| (c.timestamp(), c.hash()))
        .map(|c| stamp(&entry(&c, who)))
}

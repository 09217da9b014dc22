//! The hub's half of a sync session, without any HTTP: devices and their enrolment, and the
//! answer to a device's request. The hub is an ordinary store; its change feed numbers every
//! change it takes in, and a device's cursor says which of them it already holds.

use std::collections::{HashMap, HashSet};

use automerge::{ChangeHash, ReadDoc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::wire::{compress, AttachmentWant, Frame, RecordChanges, Refusal, SyncRequest, FRAME_RECORDS};
use crate::error::{Error, Result};
use crate::model::{Kind, DISTRICT};
use crate::rules::roles::{self, Action};
use crate::store::merge::{Gate, Origin};
use crate::store::{millis_to_time, Role, Store};

/// Time an enrolment code stays valid.
const ENROLMENT_HOURS: i64 = 72;

/// An enrolled device, as the hub knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    pub id: String,
    pub township: String,
    pub role: Role,
    pub user: String,
    pub enrolled_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A one-time code the office gives a new device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrolment {
    pub code: String,
    pub township: String,
    pub role: Role,
    pub user: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// What a device gets when it joins: its id and the credential it keeps.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Joined {
    pub device: String,
    pub token: String,
    pub township: String,
    pub role: Role,
    pub user: String,
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(b))
}

fn role_str(r: Role) -> &'static str {
    match r {
        Role::Inspector => "inspector",
        Role::Grid => "grid",
        Role::Mediator => "mediator",
        Role::Office => "office",
    }
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    let role: String = r.get(2)?;
    Ok(Device {
        id: r.get(0)?,
        township: r.get(1)?,
        role: role.parse().unwrap_or(Role::Grid),
        user: r.get(3)?,
        enrolled_at: millis_to_time(r.get(4)?),
        revoked_at: r.get::<_, Option<i64>>(5)?.map(millis_to_time),
        last_sync_at: r.get::<_, Option<i64>>(6)?.map(millis_to_time),
    })
}

const DEVICE_COLUMNS: &str = "id, township, role, user, enrolled_at, revoked_at, last_sync_at";

/// A record for a device that has none of it. A record with few changes goes as its raw
/// changes: unlike a saved document they carry no 32-byte head hash, and uncompressed they
/// let the body's brotli share the field names and values common to all records.
pub(crate) fn whole_record(doc: &automerge::Automerge) -> Vec<u8> {
    let changes = doc.get_changes(&[]);
    if changes.len() <= 4 {
        changes.iter().flat_map(|c| c.raw_bytes().to_vec()).collect()
    } else {
        doc.save_nocompress()
    }
}

impl Device {
    /// Records of its township, and district-wide ones (the calendar); the office sees all.
    pub fn sees(&self, township: &str) -> bool {
        self.role == Role::Office || self.township == township || township == DISTRICT
    }

    /// Whether this device may change a record of `township` and `kind`: in its scope,
    /// district-wide records by the office only, and kinds its role may edit.
    fn may_change(&self, township: &str, kind: Kind) -> std::result::Result<(), String> {
        if township == DISTRICT && self.role != Role::Office {
            return Err("only the office changes district-wide records (the calendar)".into());
        }
        if !self.sees(township) {
            return Err("outside this device's township".into());
        }
        if !(roles::may(self.role, Action::Edit, kind) || roles::may(self.role, Action::Create, kind)) {
            return Err(format!("a {} device may not change a {kind}", self.role.as_str()));
        }
        Ok(())
    }
}

impl Store {
    /// Makes a one-time code for a new device of `township`, `role` and `user`.
    pub fn enroll(&self, township: &str, role: Role, user: &str) -> Result<Enrolment> {
        if township.trim().is_empty() || user.trim().is_empty() {
            return Err(Error::invalid(
                "township",
                "required",
                "an enrolment names a township and a user",
            ));
        }
        // Ten characters from an alphabet without look-alikes, read out over the phone.
        const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
        let mut raw = [0u8; 10];
        getrandom::fill(&mut raw).map_err(|e| Error::Internal(e.to_string()))?;
        let chars: String = raw
            .iter()
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
            .collect();
        let code = format!("{}-{}", &chars[..5], &chars[5..]);
        let expires_at = self.now() + chrono::Duration::hours(ENROLMENT_HOURS);
        self.write(|tx| {
            tx.execute(
                "INSERT INTO enrolments (code_sha, township, role, user, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    sha_hex(&code),
                    township.trim(),
                    role_str(role),
                    user.trim(),
                    expires_at.timestamp_millis()
                ],
            )?;
            Ok(())
        })?;
        Ok(Enrolment {
            code,
            township: township.trim().into(),
            role,
            user: user.trim().into(),
            expires_at,
        })
    }

    /// Redeems an enrolment code (once) for a device credential.
    pub fn redeem(&self, code: &str) -> Result<Joined> {
        let code = code.trim().to_uppercase();
        let now = self.now().timestamp_millis();
        self.write(|tx| {
            let row: Option<(String, String, String, i64, Option<String>)> = tx
                .query_row(
                    "SELECT township, role, user, expires_at, used_by FROM enrolments WHERE code_sha = ?1",
                    [sha_hex(&code)],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((township, role, user, expires_at, used_by)) = row else {
                return Err(Error::Unauthorised("this enrolment code is not known".into()));
            };
            if used_by.is_some() {
                return Err(Error::Unauthorised("this enrolment code was already used".into()));
            }
            if expires_at < now {
                return Err(Error::Unauthorised("this enrolment code has expired; ask the office for a new one".into()));
            }
            let device = random_hex(6)?;
            let token = random_hex(32)?;
            tx.execute(
                "INSERT INTO devices (id, token_sha, township, role, user, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![device, sha_hex(&token), township, role, user, now],
            )?;
            tx.execute("UPDATE enrolments SET used_by = ?2 WHERE code_sha = ?1", params![sha_hex(&code), device])?;
            Ok(Joined { device, token, township, role: role.parse()?, user })
        })
    }

    /// The device holding `token`, if it is enrolled and not revoked.
    pub fn authenticate(&self, token: &str) -> Result<Device> {
        let device = self.read(|c| {
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE token_sha = ?1"),
                [sha_hex(token)],
                device_from_row,
            )
            .optional()?)
        })?;
        match device {
            None => Err(Error::Unauthorised(
                "unknown device credential; join the hub with an enrolment code".into(),
            )),
            Some(d) if d.revoked_at.is_some() => Err(Error::Unauthorised(format!(
                "device {} was revoked by the office",
                d.id
            ))),
            Some(d) => Ok(d),
        }
    }

    pub fn devices(&self) -> Result<Vec<Device>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, id"
            ))?;
            let rows = stmt.query_map([], device_from_row)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Revokes a device: its next request is refused.
    pub fn revoke(&self, device: &str) -> Result<Device> {
        let now = self.now().timestamp_millis();
        let n = self.write(|tx| {
            Ok(tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![device, now],
            )?)
        })?;
        let d = self.devices()?.into_iter().find(|d| d.id == device);
        match (n, d) {
            (_, None) => Err(Error::NotFound {
                what: "device",
                id: device.into(),
            }),
            (_, Some(d)) => Ok(d),
        }
    }

    /// Answers a device's sync request: takes its changes (each record whole or not at all;
    /// records outside its scope are refused), then lists everything in its scope that it
    /// does not hold yet, in frames, as one compressed body.
    pub fn serve_sync(&self, device: &Device, req: &SyncRequest) -> Result<Vec<u8>> {
        let now = self.now().timestamp_millis();
        let frames = self.write(|tx| {
            let mut refused = vec![];
            let mut device_heads: HashMap<&str, Vec<ChangeHash>> = HashMap::new();
            for up in &req.uploads {
                let kind = up.kind;
                let gate = |before: Option<&str>, record: Option<&crate::model::Record>| {
                    let refuse = |why: String| format!("record {}: {why}", up.id);
                    if let Some(t) = before {
                        device.may_change(t, kind).map_err(refuse)?;
                    }
                    if let Some(t) = record.map(|r| r.township()) {
                        device.may_change(t, kind).map_err(refuse)?;
                    }
                    Ok(())
                };
                let gate: Gate<'_> = &gate;
                match self.merge_remote(tx, &up.id, up.kind, &up.bytes, Origin::Peer, Some(gate))? {
                    Ok(m) => {
                        for r in m.refused {
                            refused.push(Refusal {
                                id: r.id,
                                reason: format!("change {} refused: {}", &r.change[..12], r.reason),
                            });
                        }
                        device_heads.insert(&up.id, up.heads.iter().filter_map(|h| h.parse().ok()).collect());
                    }
                    Err(reason) => refused.push(Refusal {
                        id: up.id.clone(),
                        reason,
                    }),
                }
            }
            let attachments_wanted = self.attachments_wanted(tx, &req.attachments)?;

            // Records with changes the device does not hold, oldest first.
            let mut feed: Vec<(String, String, i64)> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT f.doc_id, d.kind, min(f.seq) FROM feed f JOIN documents d ON d.id = f.doc_id
                     WHERE f.seq > ?1 GROUP BY f.doc_id ORDER BY min(f.seq)",
                )?;
                let rows = stmt
                    .query_map([req.cursor as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                rows
            };
            let need: HashSet<&str> = req.need.iter().map(String::as_str).collect();
            for id in &req.need {
                if !feed.iter().any(|(d, _, _)| d == id) {
                    if let Some(kind) = tx
                        .query_row("SELECT kind FROM documents WHERE id = ?1", [id], |r| {
                            r.get::<_, String>(0)
                        })
                        .optional()?
                    {
                        feed.insert(0, (id.clone(), kind, req.cursor as i64));
                    }
                }
            }
            let final_cursor: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM feed", [], |r| r.get(0))?;
            let mut records = vec![];
            let mut frames = vec![];
            for (i, (id, kind, _)) in feed.iter().enumerate() {
                let township: Option<String> = tx
                    .query_row("SELECT township FROM ledger WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?;
                if !township.is_some_and(|t| device.sees(&t)) {
                    continue;
                }
                let kind: Kind = kind.parse()?;
                let Some(loaded) = self.load(tx, id)? else { continue };
                let doc = &loaded.doc;
                let (whole, bytes) = if let Some(heads) = device_heads.get(id.as_str()) {
                    let known: Vec<ChangeHash> = heads
                        .iter()
                        .filter(|h| doc.get_change_by_hash(h).is_some())
                        .copied()
                        .collect();
                    (false, doc.save_after(&known))
                } else {
                    let first: i64 = tx.query_row("SELECT min(seq) FROM feed WHERE doc_id = ?1", [id], |r| r.get(0))?;
                    if need.contains(id.as_str()) || first > req.cursor as i64 {
                        (true, whole_record(doc))
                    } else {
                        let mut stmt =
                            tx.prepare_cached("SELECT hash FROM feed WHERE doc_id = ?1 AND seq > ?2 ORDER BY seq")?;
                        let hashes: Vec<String> = stmt
                            .query_map(params![id, req.cursor as i64], |r| r.get(0))?
                            .collect::<rusqlite::Result<_>>()?;
                        let mut bytes = vec![];
                        for h in hashes {
                            if let Some(c) = h.parse().ok().and_then(|h: ChangeHash| doc.get_change_by_hash(&h)) {
                                bytes.extend_from_slice(c.raw_bytes());
                            }
                        }
                        (false, bytes)
                    }
                };
                if bytes.is_empty() {
                    continue;
                }
                records.push(RecordChanges {
                    id: id.clone(),
                    kind,
                    whole,
                    heads: vec![],
                    bytes,
                });
                if records.len() >= FRAME_RECORDS {
                    let cursor_after = feed
                        .get(i + 1)
                        .map(|(_, _, s)| s - 1)
                        .unwrap_or(final_cursor)
                        .max(req.cursor as i64);
                    frames.push(Frame::Records {
                        cursor_after: cursor_after as u64,
                        records: std::mem::take(&mut records),
                    });
                }
            }
            let coming = frames
                .iter()
                .map(|f| {
                    if let Frame::Records { records, .. } = f {
                        records.len()
                    } else {
                        0
                    }
                })
                .sum::<usize>()
                + records.len();
            if !records.is_empty() {
                frames.push(Frame::Records {
                    cursor_after: final_cursor as u64,
                    records,
                });
            }
            frames.insert(
                0,
                Frame::Receipt {
                    refused,
                    attachments_wanted,
                    records_coming: coming as u64,
                },
            );
            frames.push(Frame::End {
                cursor: final_cursor.max(req.cursor as i64) as u64,
            });
            tx.execute(
                "UPDATE devices SET last_sync_at = ?2, last_cursor = ?3 WHERE id = ?1",
                params![device.id, now, req.cursor as i64],
            )?;
            Ok(frames)
        })?;
        let mut raw = vec![];
        for f in &frames {
            f.encode(&mut raw);
        }
        Ok(compress(&raw))
    }

    /// Of the attachments a device offers, those the hub lacks, with how much it has of each.
    fn attachments_wanted(&self, tx: &rusqlite::Transaction<'_>, offered: &[String]) -> Result<Vec<AttachmentWant>> {
        let mut wanted = vec![];
        for sha in offered {
            if self.has_attachment_file(sha) {
                continue;
            }
            let received: i64 = tx.query_row(
                "SELECT coalesce(sum(length(bytes)), 0) FROM attachment_parts WHERE sha256 = ?1",
                [sha],
                |r| r.get(0),
            )?;
            wanted.push(AttachmentWant {
                sha256: sha.clone(),
                received: received as u64,
            });
        }
        Ok(wanted)
    }
}

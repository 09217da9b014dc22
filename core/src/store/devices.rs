//! The hub's devices and their enrolment: one-time codes the office gives out, the devices that
//! redeemed them (with the credential they keep, as its SHA-256), and the registry entries the
//! hub signs for them, all in one transaction each. The hub keeps this; phones only receive the
//! signed registry.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{millis_to_time, registry, set_meta, Role, Store};
use crate::error::{Error, Result};
use crate::signing::{RegistryEntry, SignedEntry};

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
    /// The automerge actor its changes carry (hex).
    pub actor: Option<String>,
    pub public_key: Option<String>,
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

/// What a device gets when it joins: its id, the credential it keeps, and the hub's public
/// key that signs the registry.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Joined {
    pub device: String,
    pub token: String,
    pub township: String,
    pub role: Role,
    pub user: String,
    pub hub_public_key: String,
}

/// What a device says of itself when it joins.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct JoinRequest {
    pub code: String,
    /// The device's own id (its store's), which the hub keeps for it.
    pub device: String,
    /// Its automerge actor id (hex).
    pub actor: String,
    /// Its Ed25519 public key (hex).
    pub public_key: String,
}

fn sha_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(b))
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
        actor: r.get(7)?,
        public_key: r.get(8)?,
    })
}

const DEVICE_COLUMNS: &str = "id, township, role, user, enrolled_at, revoked_at, last_sync_at, actor, public_key";

impl Store {
    /// The hub signs its own registry entry (with its own key) so that what the office does at
    /// the hub is attributed like what a device does.
    pub(crate) fn register_as_hub(&self) -> Result<()> {
        let me = self.identity().clone();
        let entry = RegistryEntry {
            device: me.device.clone(),
            user: me.user.clone(),
            role: me.role,
            township: me.township.clone(),
            public_key: me.public_key.clone(),
            actor: self.actor_hex(),
            enrolled_at: self.now(),
            revoked_at: None,
        };
        self.write(|tx| {
            set_meta(tx, "hub_key", &me.public_key)?;
            if registry::entry(tx, &me.device)?.is_none() {
                let seq = registry::seq(tx)? + 1;
                registry::put(tx, &SignedEntry::sign(entry, &self.key), seq)?;
            }
            if crate::store::meta(tx, "epoch")?.is_none() {
                set_meta(tx, "epoch", &random_hex(8)?)?;
            }
            Ok(())
        })
    }

    /// The hub's epoch: new when the hub's store is restored from a backup.
    pub(crate) fn epoch(&self) -> Result<String> {
        Ok(self.read(|c| crate::store::meta(c, "epoch"))?.unwrap_or_default())
    }

    /// Makes a one-time code for a new device of `township`, `role` and `user`.
    pub(crate) fn enroll(&self, township: &str, role: Role, user: &str) -> Result<Enrolment> {
        if township.trim().is_empty() {
            return Err(Error::invalid("township", "required", "an enrolment names a township"));
        }
        if user.trim().is_empty() {
            return Err(Error::invalid(
                "user",
                "required",
                "an enrolment names the phone's user",
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
                    role.as_str(),
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

    /// Redeems an enrolment code (once) for a device credential, and puts the device in the
    /// registry with its key and actor, signed by the hub.
    pub(crate) fn redeem(&self, join: &JoinRequest) -> Result<Joined> {
        let code = join.code.trim().to_uppercase();
        let actor_ok =
            join.actor.len() >= 2 && join.actor.len() <= 64 && join.actor.bytes().all(|b| b.is_ascii_hexdigit());
        let device_ok = (4..=64).contains(&join.device.len()) && join.device.bytes().all(|b| b.is_ascii_alphanumeric());
        if !actor_ok || !device_ok || !crate::signing::is_public_key(&join.public_key) {
            return Err(Error::invalid(
                "join",
                "device_keys",
                "a device joins with its actor id and its Ed25519 public key (hex)",
            ));
        }
        let now = self.now();
        let hub_key = self.identity().public_key.clone();
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
            if expires_at < now.timestamp_millis() {
                return Err(Error::Unauthorised(
                    "this enrolment code has expired; ask the office for a new one".into(),
                ));
            }
            let taken: Option<String> = tx
                .query_row(
                    "SELECT device FROM registry WHERE actor = ?1 OR device = ?2",
                    params![join.actor, join.device],
                    |r| r.get(0),
                )
                .optional()?;
            if taken.is_some() {
                return Err(Error::invalid(
                    "device",
                    "device_keys",
                    "this device is already enrolled at this hub",
                ));
            }
            let role: Role = role.parse()?;
            let device = join.device.clone();
            let token = random_hex(32)?;
            tx.execute(
                "INSERT INTO devices (id, token_sha, township, role, user, enrolled_at, actor, public_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    device,
                    sha_hex(&token),
                    township,
                    role.as_str(),
                    user,
                    now.timestamp_millis(),
                    join.actor,
                    join.public_key
                ],
            )?;
            tx.execute(
                "UPDATE enrolments SET used_by = ?2 WHERE code_sha = ?1",
                params![sha_hex(&code), device],
            )?;
            let entry = RegistryEntry {
                device: device.clone(),
                user: user.clone(),
                role,
                township: township.clone(),
                public_key: join.public_key.clone(),
                actor: join.actor.clone(),
                enrolled_at: now,
                revoked_at: None,
            };
            let seq = registry::seq(tx)? + 1;
            registry::put(tx, &SignedEntry::sign(entry, &self.key), seq)?;
            Ok(Joined {
                device,
                token,
                township,
                role,
                user,
                hub_public_key: hub_key.clone(),
            })
        })
    }

    /// The device holding `token`, if it is enrolled and not revoked.
    pub(crate) fn authenticate(&self, token: &str) -> Result<Device> {
        if token.is_empty() || token.len() > 256 {
            return Err(Error::Unauthorised("no valid device credential".into()));
        }
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

    pub(crate) fn devices(&self) -> Result<Vec<Device>> {
        self.read(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_at, id"
            ))?;
            let rows = stmt.query_map([], device_from_row)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    /// Revokes a device: its next request is refused, and every device learns it from the
    /// registry (seals it made before stay valid).
    pub(crate) fn revoke(&self, device: &str) -> Result<Device> {
        let now = self.now();
        self.write(|tx| {
            tx.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![device, now.timestamp_millis()],
            )?;
            if let Some(mut entry) = registry::entry(tx, device)? {
                if entry.revoked_at.is_none() {
                    entry.revoked_at = Some(now);
                    let seq = registry::seq(tx)? + 1;
                    registry::put(tx, &SignedEntry::sign(entry, &self.key), seq)?;
                }
            }
            Ok(())
        })?;
        self.devices()?
            .into_iter()
            .find(|d| d.id == device)
            .ok_or_else(|| Error::NotFound {
                what: "device",
                id: device.into(),
            })
    }
}

/// Notes a device's session: when, and the cursor it came with.
pub(crate) fn note_sync(tx: &Transaction<'_>, device: &str, at: i64, cursor: i64) -> Result<()> {
    tx.execute(
        "UPDATE devices SET last_sync_at = ?2, last_cursor = ?3 WHERE id = ?1",
        params![device, at, cursor],
    )?;
    Ok(())
}

/// The hub's own work: its place in the registry, devices and their enrolment, attachments as
/// devices send and fetch them, and the secrets it keeps (its TLS identity).
pub struct HubSide<'s>(pub(crate) &'s Store);

impl Store {
    pub fn hub(&self) -> HubSide<'_> {
        HubSide(self)
    }
}

impl HubSide<'_> {
    /// The hub signs its own registry entry (with its own key) and makes its epoch.
    pub fn register(&self) -> Result<()> {
        self.0.register_as_hub()
    }

    /// The hub's epoch: new when the hub's store is restored from a backup.
    pub fn epoch(&self) -> Result<String> {
        self.0.epoch()
    }

    /// A one-time code for a new device of `township`, `role` and `user`.
    pub fn enroll(&self, township: &str, role: Role, user: &str) -> Result<Enrolment> {
        self.0.enroll(township, role, user)
    }

    /// Redeems an enrolment code (once) for a device credential and a signed registry entry.
    pub fn redeem(&self, join: &JoinRequest) -> Result<Joined> {
        self.0.redeem(join)
    }

    /// The device holding `token`, if it is enrolled and not revoked.
    pub fn authenticate(&self, token: &str) -> Result<Device> {
        self.0.authenticate(token)
    }

    pub fn devices(&self) -> Result<Vec<Device>> {
        self.0.devices()
    }

    /// Revokes a device: its next request is refused, and every device learns it.
    pub fn revoke(&self, device: &str) -> Result<Device> {
        self.0.revoke(device)
    }

    /// The device registry as the hub signed it.
    pub fn registry(&self) -> Result<Vec<SignedEntry>> {
        self.0.registry()
    }

    /// The hub's public key (its own, at the hub; the joined hub's, on a phone).
    pub fn public_key(&self) -> Result<Option<String>> {
        self.0.hub_public_key()
    }

    /// A secret the hub keeps in its encrypted store (its TLS certificate and key).
    pub fn secret(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.0.hub_secret(name)
    }

    pub fn set_secret(&self, name: &str, value: &[u8]) -> Result<()> {
        self.0.set_hub_secret(name, value)
    }
}

//! The township office's staff, who log in to the hub's pages: their password hashes
//! (argon2id, never the password), the lock-out after repeated failures, and the audit trail
//! of what each did. Kept in the hub's encrypted store; never synced to phones.

use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{registry, Author, Store, Writer};
use crate::error::{Error, Result};
use crate::model::{Role, DISTRICT};
use crate::signing::{RegistryEntry, SignedEntry};

/// Failed logins in a row that lock an account, and for how long.
pub const MAX_FAILURES: i64 = 5;
pub const LOCK_MINUTES: i64 = 15;
const MIN_PASSWORD_CHARS: usize = 10;
/// argon2id cost: 19 MiB, 2 passes (OWASP's baseline).
const COST: (u32, u32, u32) = (19 * 1024, 2, 1);

/// Who is logged in: a township's office, or the district's (`township` none) that sees all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficeUser {
    pub name: String,
    pub township: Option<String>,
}

impl OfficeUser {
    /// Whether this office sees records of `township`: a township's office its own (and the
    /// district-wide calendar), the district office all.
    pub fn sees(&self, township: &str) -> bool {
        self.township
            .as_deref()
            .is_none_or(|t| t == township || township == DISTRICT)
    }
}

/// Why a login failed: the same words whether the name or the password was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginRefused {
    Wrong,
    /// Locked until this many minutes from now.
    Locked {
        minutes: i64,
    },
}

/// One office action, for the audit page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub user: String,
    /// The township the action concerns (none: the district's own, or a name nobody has).
    pub township: Option<String>,
    pub action: String,
    pub detail: String,
}

pub struct Office<'s>(&'s Store);

impl Store {
    /// The office's accounts and audit trail (the hub's store).
    pub fn office(&self) -> Office<'_> {
        Office(self)
    }
}

fn derive(password: &str, salt: &[u8]) -> Result<[u8; 32]> {
    let params = Params::new(COST.0, COST.1, COST.2, Some(32)).map_err(|e| Error::Internal(e.to_string()))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut out)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(out)
}

fn hash(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("no random bytes: {e}")))?;
    let h = derive(password, &salt)?;
    Ok(format!(
        "argon2id$m={},t={},p={}${}${}",
        COST.0,
        COST.1,
        COST.2,
        hex::encode(salt),
        hex::encode(h)
    ))
}

fn matches(stored: &str, password: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [alg, _cost, salt, want] = parts[..] else {
        return false;
    };
    if alg != "argon2id" {
        return false;
    }
    let (Ok(salt), Ok(want)) = (hex::decode(salt), hex::decode(want)) else {
        return false;
    };
    let Ok(got) = derive(password, &salt) else { return false };
    // Compared in constant time.
    want.len() == got.len() && want.iter().zip(got.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

impl Office<'_> {
    /// Adds a member of staff (or sets a new password); `township` none is the district office.
    pub fn add_user(&self, name: &str, password: &str, township: Option<&str>) -> Result<()> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::invalid("user", "required", "a user name of 1 to 64 characters"));
        }
        if password.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::invalid(
                "password",
                "passphrase_length",
                format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        let h = hash(password)?;
        let now = self.0.now().timestamp_millis();
        self.0.write(|tx| {
            tx.execute(
                "INSERT INTO office_users (name, hash, township, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, township = excluded.township,
                   failures = 0, locked_until = NULL",
                params![name, h, township, now],
            )?;
            self.clerk_identity(tx, name, township)?;
            Ok(())
        })?;
        self.audit(
            name,
            township,
            "account",
            &format!("account set up for {}", township.unwrap_or("the district")),
        )
    }

    /// A clerk's own author identity: a device id and an automerge actor, in the registry as
    /// the hub signs it (role office, the clerk's township, the hub's key), so that every
    /// device's history names the clerk, not the hub. Made once; a clerk moved to another
    /// township gets a new entry.
    fn clerk_identity(&self, tx: &rusqlite::Transaction<'_>, name: &str, township: Option<&str>) -> Result<Author> {
        let row: Option<(Option<String>, Option<String>)> = tx
            .query_row("SELECT device, actor FROM office_users WHERE name = ?1", [name], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let scope = township.map(str::to_string);
        let registered = |device: &str| -> Result<Option<RegistryEntry>> { registry::entry(tx, device) };
        if let Some((Some(device), Some(actor))) = row {
            let entry = registered(&device)?;
            if entry.is_some_and(|e| e.township == township.unwrap_or(DISTRICT)) {
                let actor = automerge::ActorId::try_from(actor.as_str())
                    .map_err(|_| Error::Internal(format!("clerk {name} has a damaged actor id")))?;
                return Ok(Author {
                    user: name.to_string(),
                    device,
                    role: Role::Office,
                    scope,
                    actor,
                });
            }
        }
        let device = format!("office{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
        let actor = automerge::ActorId::random();
        let entry = RegistryEntry {
            device: device.clone(),
            user: name.to_string(),
            role: Role::Office,
            township: township.unwrap_or(DISTRICT).to_string(),
            public_key: self.0.identity.public_key.clone(),
            actor: actor.to_hex_string(),
            enrolled_at: self.0.now(),
            revoked_at: None,
        };
        let seq = registry::seq(tx)? + 1;
        registry::put(tx, &SignedEntry::sign(entry, &self.0.key), seq)?;
        tx.execute(
            "UPDATE office_users SET device = ?2, actor = ?3 WHERE name = ?1",
            params![name, device, actor.to_hex_string()],
        )?;
        Ok(Author {
            user: name.to_string(),
            device,
            role: Role::Office,
            scope,
            actor,
        })
    }

    /// Checks a login. Five failures in a row lock the account for fifteen minutes; the answer
    /// never says whether the name exists.
    pub fn login(&self, name: &str, password: &str) -> Result<std::result::Result<OfficeUser, LoginRefused>> {
        let now = self.0.now().timestamp_millis();
        let row: Option<(String, Option<String>, i64, Option<i64>)> = self.0.read(|c| {
            Ok(c.query_row(
                "SELECT hash, township, failures, locked_until FROM office_users WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?)
        })?;
        let Some((stored, township, failures, locked_until)) = row else {
            // As slow as a real check, so that timing does not tell names apart.
            let _ = derive(password, b"fieldcase-no-user");
            self.audit(name, None, "login_failed", "no such account")?;
            return Ok(Err(LoginRefused::Wrong));
        };
        if let Some(until) = locked_until.filter(|u| *u > now) {
            let _ = derive(password, b"fieldcase-locked!");
            self.audit(name, township.as_deref(), "login_failed", "locked")?;
            return Ok(Err(LoginRefused::Locked {
                minutes: (until - now + 59_999) / 60_000,
            }));
        }
        if matches(&stored, password) {
            self.0.write(|tx| {
                tx.execute(
                    "UPDATE office_users SET failures = 0, locked_until = NULL WHERE name = ?1",
                    [name],
                )?;
                Ok(())
            })?;
            self.audit(name, township.as_deref(), "login", "logged in")?;
            return Ok(Ok(OfficeUser {
                name: name.to_string(),
                township,
            }));
        }
        let failures = failures + 1;
        let lock = (failures >= MAX_FAILURES).then_some(now + LOCK_MINUTES * 60_000);
        self.0.write(|tx| {
            tx.execute(
                "UPDATE office_users SET failures = ?2, locked_until = ?3 WHERE name = ?1",
                params![name, if lock.is_some() { 0 } else { failures }, lock],
            )?;
            Ok(())
        })?;
        self.audit(
            name,
            township.as_deref(),
            "login_failed",
            if lock.is_some() {
                "wrong password; locked"
            } else {
                "wrong password"
            },
        )?;
        Ok(Err(match lock {
            Some(_) => LoginRefused::Locked { minutes: LOCK_MINUTES },
            None => LoginRefused::Wrong,
        }))
    }

    /// Notes what an office user did, and the township it concerns (none: the district's).
    pub fn audit(&self, user: &str, township: Option<&str>, action: &str, detail: &str) -> Result<()> {
        let now = self.0.now().timestamp_millis();
        self.0.write(|tx| {
            tx.execute(
                "INSERT INTO office_audit (at, user, township, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![now, user, township, action, detail],
            )?;
            Ok(())
        })
    }

    /// The latest office actions, newest first: of `township` alone, or (none) the district's
    /// whole trail.
    pub fn audit_log(&self, township: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        self.0.read(|c| {
            let mut stmt = c.prepare(
                "SELECT at, user, township, action, detail FROM office_audit
                 WHERE ?1 IS NULL OR township = ?1 ORDER BY seq DESC LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![township, limit as i64], |r| {
                    Ok(AuditEntry {
                        at: super::millis_to_time(r.get(0)?),
                        user: r.get(1)?,
                        township: r.get(2)?,
                        action: r.get(3)?,
                        detail: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}

impl Store {
    /// Changes by an office clerk, in the clerk's name: each carries the clerk's own actor
    /// (in the hub-signed registry), so every device's history names the clerk; a township's
    /// clerk changes that township's records only.
    pub fn as_clerk(&self, clerk: &OfficeUser) -> Result<Writer<'_>> {
        if self.identity.role != Role::Office {
            return Err(Error::Unauthorised(
                "only the hub's store acts for office clerks".into(),
            ));
        }
        let author = self.write(|tx| self.office().clerk_identity(tx, &clerk.name, clerk.township.as_deref()))?;
        Ok(Writer { store: self, author })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_kept_as_an_argon2id_hash_and_checked_against_it() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("argon2id$m=19456,t=2,p=1$"));
        assert!(!h.contains("horse"));
        assert!(matches(&h, "correct horse battery"));
        assert!(!matches(&h, "correct horse batterz"));
        assert!(!matches("garbage", "x"));
    }
}

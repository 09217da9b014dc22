//! The township office's staff, who log in to the hub's pages: their password hashes
//! (argon2id, never the password), the lock-out after repeated failures, and the audit trail
//! of what each did. Kept in the hub's encrypted store; never synced to phones.

use argon2::{Algorithm, Argon2, Params, Version};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};

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
            Ok(())
        })?;
        self.audit(
            name,
            "account",
            &format!("account set up for {}", township.unwrap_or("the district")),
        )
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
            let _ = matches("argon2id$x$00$00", password);
            let _ = derive(password, b"fieldcase-no-user");
            return Ok(Err(LoginRefused::Wrong));
        };
        if let Some(until) = locked_until.filter(|u| *u > now) {
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
            self.audit(name, "login", "logged in")?;
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

    /// Notes what an office user did.
    pub fn audit(&self, user: &str, action: &str, detail: &str) -> Result<()> {
        let now = self.0.now().timestamp_millis();
        self.0.write(|tx| {
            tx.execute(
                "INSERT INTO office_audit (at, user, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![now, user, action, detail],
            )?;
            Ok(())
        })
    }

    /// The latest office actions, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.0.read(|c| {
            let mut stmt = c.prepare("SELECT at, user, action, detail FROM office_audit ORDER BY seq DESC LIMIT ?1")?;
            let rows = stmt
                .query_map([limit as i64], |r| {
                    Ok(AuditEntry {
                        at: super::millis_to_time(r.get(0)?),
                        user: r.get(1)?,
                        action: r.get(2)?,
                        detail: r.get(3)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
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

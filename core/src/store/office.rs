//! The township office's staff, who log in to the hub's pages: their password hashes
//! (argon2id, never the password), the lock-out after repeated failures, and the audit trail
//! of what each did. Kept in the hub's encrypted store; never synced to phones.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
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

/// The argon2id settings new hashes are made with. A stored hash carries its own (the PHC
/// string format), so raising these keeps every account working: a hash made with other
/// settings is checked with its own and made again with these at the next login.
fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(COST.0, COST.1, COST.2, None).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Whether `password` is the one `stored` was made from, and whether `stored` should be made
/// again with today's settings. Hashes made before the PHC format (`argon2id$m=..,t=..,p=..$
/// salt hex$hash hex`) are read too, with the cost they name.
fn check(stored: &str, password: &str) -> (bool, bool) {
    if let Ok(phc) = PasswordHash::new(stored) {
        let ok = Argon2::default().verify_password(password.as_bytes(), &phc).is_ok();
        let current = Params::try_from(&phc).is_ok_and(|p| (p.m_cost(), p.t_cost(), p.p_cost()) == COST)
            && phc.algorithm.as_str() == "argon2id";
        return (ok, ok && !current);
    }
    let parts: Vec<&str> = stored.split('$').collect();
    let ["argon2id", cost, salt, want] = parts[..] else {
        return (false, false);
    };
    let number = |key: &str| {
        cost.split(',')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u32>().ok())
    };
    let (Some(m), Some(t), Some(p), Ok(salt), Ok(want)) = (
        number("m"),
        number("t"),
        number("p"),
        hex::decode(salt),
        hex::decode(want),
    ) else {
        return (false, false);
    };
    let Ok(params) = Params::new(m, t, p, Some(want.len())) else {
        return (false, false);
    };
    let mut got = vec![0u8; want.len()];
    let derived = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into(
        password.as_bytes(),
        &salt,
        &mut got,
    );
    let ok = derived.is_ok() && subtle_eq(&got, &want);
    (ok, ok)
}

/// Compares in constant time.
fn subtle_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// As slow as checking a real account's password, so that timing does not tell an unknown
/// name (or a locked account) from a wrong password.
fn waste_time(password: &str) {
    let _ = hash(password);
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
            &format!("{}的办公室账户", township.unwrap_or("区")),
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
            waste_time(password);
            self.audit(name, None, "login_failed", "没有这个账户")?;
            return Ok(Err(LoginRefused::Wrong));
        };
        if let Some(until) = locked_until.filter(|u| *u > now) {
            waste_time(password);
            self.audit(name, township.as_deref(), "login_failed", "账户已锁定")?;
            return Ok(Err(LoginRefused::Locked {
                minutes: (until - now + 59_999) / 60_000,
            }));
        }
        let (right, stale) = check(&stored, password);
        if right {
            let renewed = if stale { Some(hash(password)?) } else { None };
            self.0.write(|tx| {
                tx.execute(
                    "UPDATE office_users SET failures = 0, locked_until = NULL, hash = coalesce(?2, hash) WHERE name = ?1",
                    params![name, renewed],
                )?;
                Ok(())
            })?;
            self.audit(name, township.as_deref(), "login", "登录成功")?;
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
                "密码不对；账户已锁定"
            } else {
                "密码不对"
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

/// A clerk's session: who, and the token every form of the session carries (CSRF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSession {
    pub user: OfficeUser,
    pub csrf: String,
}

/// How long a session lasts without use.
pub const SESSION_IDLE_MINUTES: i64 = 8 * 60;

/// 32 random bytes as hex: a session's or a form's token.
pub fn random_token() -> Result<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| Error::Internal(format!("no random bytes: {e}")))?;
    Ok(hex::encode(b))
}

fn token_sha(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl Office<'_> {
    /// Opens a session for a clerk who logged in: the cookie's token (kept here only as its
    /// SHA-256) and the session's CSRF token. Kept in the store, so any hub process serving
    /// the same store knows it.
    pub fn open_session(&self, user: &OfficeUser) -> Result<(String, OfficeSession)> {
        let (token, csrf) = (random_token()?, random_token()?);
        let now = self.0.now().timestamp_millis();
        self.0.write(|tx| {
            tx.execute(
                "DELETE FROM office_sessions WHERE last_seen < ?1",
                [now - SESSION_IDLE_MINUTES * 60_000],
            )?;
            tx.execute(
                "INSERT INTO office_sessions (token_sha, user, township, csrf, created_at, last_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![token_sha(&token), user.name, user.township, csrf, now],
            )?;
            Ok(())
        })?;
        Ok((
            token,
            OfficeSession {
                user: user.clone(),
                csrf,
            },
        ))
    }

    /// The session of a cookie's token, if it is open and was used within the idle time;
    /// using it keeps it open (noted at most once a minute).
    pub fn session(&self, token: &str) -> Result<Option<OfficeSession>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = self.0.now().timestamp_millis();
        let sha = token_sha(token);
        let row: Option<(String, Option<String>, String, i64)> = self.0.read(|c| {
            Ok(c.query_row(
                "SELECT user, township, csrf, last_seen FROM office_sessions WHERE token_sha = ?1",
                [&sha],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?)
        })?;
        let Some((name, township, csrf, last_seen)) = row else {
            return Ok(None);
        };
        if now - last_seen > SESSION_IDLE_MINUTES * 60_000 {
            self.close_session(token)?;
            return Ok(None);
        }
        if now - last_seen > 60_000 {
            self.0.write(|tx| {
                tx.execute(
                    "UPDATE office_sessions SET last_seen = ?2 WHERE token_sha = ?1",
                    params![sha, now],
                )?;
                Ok(())
            })?;
        }
        Ok(Some(OfficeSession {
            user: OfficeUser { name, township },
            csrf,
        }))
    }

    /// Logs a session out.
    pub fn close_session(&self, token: &str) -> Result<()> {
        let sha = token_sha(token);
        self.0.write(|tx| {
            tx.execute("DELETE FROM office_sessions WHERE token_sha = ?1", [sha])?;
            Ok(())
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
    fn a_password_is_kept_as_an_argon2id_phc_string_and_checked_against_it() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains("horse"));
        assert_eq!(check(&h, "correct horse battery"), (true, false));
        assert_eq!(check(&h, "correct horse batterz"), (false, false));
        assert_eq!(check("garbage", "x"), (false, false));
    }

    #[test]
    fn a_hash_made_with_other_settings_or_the_old_format_still_checks_and_is_made_again() {
        // A cheaper cost, as a hub set up earlier would have stored.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert_eq!(check(&cheap, "correct horse battery"), (true, true));
        assert_eq!(check(&cheap, "wrong"), (false, false));
        // The format before PHC strings: cost, salt and hash in hex.
        let salt = [7u8; 16];
        let mut out = [0u8; 32];
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(19 * 1024, 2, 1, Some(32)).unwrap(),
        )
        .hash_password_into(b"correct horse battery", &salt, &mut out)
        .unwrap();
        let old = format!("argon2id$m=19456,t=2,p=1${}${}", hex::encode(salt), hex::encode(out));
        assert_eq!(check(&old, "correct horse battery"), (true, true));
        assert_eq!(check(&old, "correct horse batterz"), (false, false));
    }

    #[test]
    fn raising_the_cost_keeps_old_accounts_working_and_rehashes_them_at_the_next_login() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::create(&dir.path().join("hub"), &[4; 32], "青浦区", "办公室", Role::Office).unwrap();
        store
            .office()
            .add_user("华新镇办公室", "一二三四五六七八九十", Some("华新镇"))
            .unwrap();
        let stored = |s: &Store| -> String {
            s.read(|c| {
                Ok(c.query_row(
                    "SELECT hash FROM office_users WHERE name = '华新镇办公室'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap()
        };
        // The account as a hub with a cheaper cost stored it.
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password("一二三四五六七八九十".as_bytes(), &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        store
            .write(|tx| {
                tx.execute("UPDATE office_users SET hash = ?1", [&cheap])?;
                Ok(())
            })
            .unwrap();
        assert!(store
            .office()
            .login("华新镇办公室", "一二三四五六七八九十")
            .unwrap()
            .is_ok());
        let now = stored(&store);
        assert_ne!(now, cheap);
        assert!(now.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{now}");
        assert!(store
            .office()
            .login("华新镇办公室", "一二三四五六七八九十")
            .unwrap()
            .is_ok());
        assert!(store.office().login("华新镇办公室", "wrong password").unwrap().is_err());
    }
}

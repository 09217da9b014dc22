//! Attachments (photos, audio, signature images, scans) are files beside the database,
//! named by the SHA-256 of their content and encrypted with a key derived from the store's.
//! Documents hold only the reference, so records stay small and sync never waits on photos.

use std::io::Write;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rusqlite::params;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::Cached;
use super::Store;
use crate::error::{Error, Result};
use crate::model::AttachmentRef;
use crate::validate::check_sha256;

/// Largest attachment accepted; checked when it is added to a record, never at upload.
pub const MAX_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

pub(crate) fn derive_key(store_key: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"fieldcase attachments v1");
    h.update(store_key);
    h.finalize().into()
}

impl Store {
    /// Where an attachment's file lives; `sha256` is checked first by every caller (it names
    /// a file: nothing but 64 lower-case hex digits may reach here).
    fn attachment_path(&self, sha256: &str) -> std::path::PathBuf {
        debug_assert!(check_sha256(sha256).is_ok());
        self.dir
            .join("attachments")
            .join(sha256.get(..2).unwrap_or("00"))
            .join(sha256)
    }

    fn store_attachment_file(&self, sha256: &str, bytes: &[u8]) -> Result<()> {
        let path = self.attachment_path(sha256);
        if !path.exists() {
            let dir = path.parent().ok_or_else(|| Error::Internal("attachment path".into()))?;
            std::fs::create_dir_all(dir)?;
            let mut nonce = [0u8; 12];
            getrandom::fill(&mut nonce).map_err(|e| Error::Internal(e.to_string()))?;
            let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.attachment_key));
            let sealed = cipher
                .encrypt(Nonce::from_slice(&nonce), bytes)
                .map_err(|_| Error::Internal("attachment encryption failed".into()))?;
            // Written aside and renamed, so a killed process never leaves half a file under the name.
            let tmp = dir.join(format!(".{sha256}.part"));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&nonce)?;
            f.write_all(&sealed)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
        }
        let now = self.now().timestamp_millis();
        self.write(|tx| {
            tx.exec(
                "INSERT OR IGNORE INTO attachments (sha256, size, added_at) VALUES (?1, ?2, ?3)",
                params![sha256, bytes.len() as i64, now],
            )?;
            Ok(())
        })
    }
}

/// How far a chunked transfer of one attachment has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TransferState {
    pub received: u64,
    pub complete: bool,
}

impl Store {
    pub(crate) fn has_attachment_file(&self, sha256: &str) -> bool {
        check_sha256(sha256).is_ok() && self.attachment_path(sha256).exists()
    }

    /// Takes one chunk of an attachment from `owner` (a device id at the hub; empty for what
    /// this store downloads). Chunks wait encrypted in the database, each sender's apart; when
    /// the last arrives the whole is checked against its SHA-256 and kept as a file. A whole
    /// that does not match is thrown away and reported, never kept.
    pub(crate) fn receive_chunk(
        &self,
        owner: &str,
        sha256: &str,
        size: u64,
        offset: u64,
        bytes: &[u8],
    ) -> Result<TransferState> {
        check_sha256(sha256)?;
        if size > MAX_ATTACHMENT_BYTES {
            return Err(Error::invalid(
                "size",
                "attachment_size",
                format!("{size} bytes is over the {MAX_ATTACHMENT_BYTES}-byte limit"),
            ));
        }
        let received: u64 = self.read(|c| {
            Ok(c.row(
                "SELECT coalesce(sum(length(bytes)), 0) FROM attachment_parts WHERE sha256 = ?1 AND device = ?2",
                params![sha256, owner],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })?;
        if offset != received {
            return Err(Error::invalid(
                "offset",
                "resume_offset",
                format!("this transfer stands at byte {received}, not {offset}"),
            ));
        }
        if offset + bytes.len() as u64 > size {
            return Err(Error::invalid(
                "size",
                "attachment_size",
                "the chunk runs past the attachment's size",
            ));
        }
        if !bytes.is_empty() {
            self.write(|tx| {
                tx.exec(
                    "INSERT INTO attachment_parts (sha256, device, offset, bytes) VALUES (?1, ?2, ?3, ?4)",
                    params![sha256, owner, offset as i64, bytes],
                )?;
                Ok(())
            })?;
        }
        let received = offset + bytes.len() as u64;
        if received < size {
            return Ok(TransferState {
                received,
                complete: false,
            });
        }
        let whole: Vec<u8> = self.read(|c| {
            let mut stmt =
                c.prepare("SELECT bytes FROM attachment_parts WHERE sha256 = ?1 AND device = ?2 ORDER BY offset")?;
            let parts: Vec<Vec<u8>> = stmt
                .query_map(params![sha256, owner], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(parts.concat())
        })?;
        let clear = |s: &Store| {
            s.write(|tx| {
                Ok(tx.exec(
                    "DELETE FROM attachment_parts WHERE sha256 = ?1 AND device = ?2",
                    params![sha256, owner],
                )?)
            })
        };
        if hex::encode(Sha256::digest(&whole)) != sha256 {
            clear(self)?;
            return Err(Error::Rejected(format!(
                "attachment {sha256} did not match its SHA-256 when complete; it is thrown away and sent again"
            )));
        }
        self.store_attachment_file(sha256, &whole)?;
        clear(self)?;
        Ok(TransferState {
            received,
            complete: true,
        })
    }

    /// Lists in the database every attachment file in the store's folder (after a restore
    /// from a backup older than some files).
    pub(crate) fn relist_attachment_files(&self) -> Result<usize> {
        let root = self.dir.join("attachments");
        let Ok(dirs) = std::fs::read_dir(&root) else {
            return Ok(0);
        };
        let mut n = 0;
        for dir in dirs.flatten() {
            for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
                let name = file.file_name().to_string_lossy().to_string();
                if check_sha256(&name).is_err() {
                    continue;
                }
                let listed: bool = self.read(|c| {
                    Ok(
                        c.row("SELECT count(*) FROM attachments WHERE sha256 = ?1", [&name], |r| {
                            r.get::<_, i64>(0)
                        })? > 0,
                    )
                })?;
                if !listed {
                    let bytes = self.attachments().read(&name)?;
                    let now = self.now().timestamp_millis();
                    self.write(|tx| {
                        tx.exec(
                            "INSERT OR IGNORE INTO attachments (sha256, size, added_at) VALUES (?1, ?2, ?3)",
                            params![name, bytes.len() as i64, now],
                        )?;
                        Ok(())
                    })?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }
}

/// A store's attachments: photos, audio and scans kept encrypted beside the records.
pub struct Attachments<'s>(&'s Store, Option<&'s std::sync::atomic::AtomicBool>);

impl Store {
    /// Photos, audio and scans: attach, read, and the chunks sync moves.
    pub fn attachments(&self) -> Attachments<'_> {
        Attachments(self, None)
    }
}

impl<'s> Attachments<'s> {
    /// Stops `attach` as soon as `flag` is set, with `Cancelled`, before the record changes.
    pub fn stop_on(self, flag: &'s std::sync::atomic::AtomicBool) -> Self {
        Attachments(self.0, Some(flag))
    }

    fn go_on(&self) -> Result<()> {
        match self.1 {
            Some(f) if f.load(std::sync::atomic::Ordering::Relaxed) => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }

    /// Keeps `bytes` as an attachment of record `id` and adds the reference to the record.
    pub fn attach(
        &self,
        id: &str,
        bytes: &[u8],
        name: &str,
        mime: &str,
        purpose: Option<&str>,
    ) -> Result<AttachmentRef> {
        if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
            return Err(Error::invalid(
                "attachments",
                "attachment_size",
                format!(
                    "{name} is {} bytes; the limit is {MAX_ATTACHMENT_BYTES} bytes",
                    bytes.len()
                ),
            ));
        }
        self.go_on()?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        self.go_on()?;
        let reference = AttachmentRef {
            sha256: sha256.clone(),
            name: name.into(),
            mime: mime.into(),
            size: bytes.len() as i64,
            purpose: purpose.map(str::to_string),
        };
        self.0.store_attachment_file(&sha256, bytes)?;
        // A file no record refers to yet is harmless (it is content-addressed); the record
        // changes only if the caller still wants it.
        self.go_on()?;
        let json = serde_json::to_value(&reference).map_err(|e| Error::Internal(e.to_string()))?;
        self.0
            .change(id, "attach", super::records::Intent::Edit, |current, _| {
                let mut next = current.clone();
                let list = next
                    .get("attachments")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if !list
                    .iter()
                    .any(|a| a.get("sha256").and_then(Value::as_str) == Some(sha256.as_str()))
                {
                    let mut list = list;
                    list.push(json.clone());
                    next["attachments"] = Value::Array(list);
                }
                Ok(next)
            })?;
        Ok(reference)
    }

    /// The content of an attachment, checked against its name.
    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        check_sha256(sha256)?;
        let path = self.0.attachment_path(sha256);
        let raw = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound {
                what: "attachment",
                id: sha256.into(),
            },
            _ => Error::Io(e),
        })?;
        let damaged = || Error::Internal(format!("attachment {sha256} is damaged on disk"));
        if raw.len() < 12 {
            return Err(damaged());
        }
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.0.attachment_key));
        let plain = cipher
            .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
            .map_err(|_| damaged())?;
        if hex::encode(Sha256::digest(&plain)) != sha256 {
            return Err(damaged());
        }
        Ok(plain)
    }

    /// Bytes this store holds of an attachment: whole, or the parts received so far.
    pub fn received(&self, sha256: &str) -> Result<TransferState> {
        check_sha256(sha256)?;
        if self.0.has_attachment_file(sha256) {
            let size: Option<i64> = self.0.read(|c| {
                Ok(
                    c.row("SELECT size FROM attachments WHERE sha256 = ?1", [sha256], |r| r.get(0))
                        .ok(),
                )
            })?;
            return Ok(TransferState {
                received: size.unwrap_or(0) as u64,
                complete: true,
            });
        }
        let received: i64 = self.0.read(|c| {
            Ok(c.row(
                "SELECT coalesce(sum(length(bytes)), 0) FROM attachment_parts WHERE sha256 = ?1 AND device = ''",
                [sha256],
                |r| r.get(0),
            )?)
        })?;
        Ok(TransferState {
            received: received as u64,
            complete: false,
        })
    }

    /// Takes one chunk of an attachment of `size` bytes at `offset` (which must be where this
    /// sender's transfer stands), downloaded by this store: see `receive_chunk`.
    pub fn chunk(&self, sha256: &str, size: u64, offset: u64, bytes: &[u8]) -> Result<TransferState> {
        check_sha256(sha256)?;
        if self.0.has_attachment_file(sha256) {
            return self.received(sha256);
        }
        self.0.receive_chunk("", sha256, size, offset, bytes)
    }

    /// Part of an attachment, for sending in chunks.
    pub fn range(&self, sha256: &str, offset: u64, len: u64) -> Result<Vec<u8>> {
        let all = self.read(sha256)?;
        let start = (offset as usize).min(all.len());
        let end = (offset.saturating_add(len) as usize).min(all.len());
        Ok(all[start..end].to_vec())
    }
}

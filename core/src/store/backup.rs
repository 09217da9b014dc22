//! Backups that cannot lose data. `backup_to` copies the database while the store is in use
//! (SQLite's online backup, through a reader: writers never wait), encrypted with the same key.
//! `restore_from` puts a backup in place of a stopped store and gives it a new epoch: every
//! device that syncs next sees the epoch change and sends the hub everything it holds, so what
//! the hub had confirmed after the backup comes back from the devices. Attachment files are
//! named by their content and never deleted, so the folder beside the database stays whole.

use std::path::Path;

use rusqlite::Connection;

use super::{meta, open_connection, set_meta, Store, DB_FILE};
use crate::error::{Error, Result};

impl Store {
    /// Writes a consistent copy of the database to `file` (encrypted with the store's key),
    /// readable by its owner alone.
    pub fn backup_to(&self, file: &Path) -> Result<u64> {
        if file.exists() {
            return Err(Error::invalid(
                "file",
                "backup_new_file",
                format!("{} exists; a backup never overwrites", file.display()),
            ));
        }
        let part = file.with_extension("part");
        let _ = std::fs::remove_file(&part);
        let result = (|| {
            let mut dst = open_connection(&part, &self.db_key)?;
            self.read(|src| {
                let backup = rusqlite::backup::Backup::new(src, &mut dst)?;
                backup.run_to_completion(1024, std::time::Duration::ZERO, None)?;
                Ok(())
            })?;
            let ok: String = dst.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if ok != "ok" {
                return Err(Error::Internal(format!("the backup does not check out: {ok}")));
            }
            drop(dst);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o600))?;
            }
            std::fs::rename(&part, file)?;
            Ok(std::fs::metadata(file)?.len())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        result
    }

    /// Puts `backup` in place of the store in `dir` (which must not be open anywhere), after
    /// checking it opens with `key` and checks out, and gives it a new epoch.
    pub fn restore_from(dir: &Path, key: &[u8; 32], backup: &Path) -> Result<()> {
        let check = |c: &Connection| -> Result<()> {
            let ok: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if ok != "ok" {
                return Err(Error::BadStore {
                    path: backup.display().to_string(),
                    message: format!("the backup is damaged: {ok}"),
                });
            }
            if meta(c, "identity")?.is_none() {
                return Err(Error::BadStore {
                    path: backup.display().to_string(),
                    message: "this is not a Fieldcase store".into(),
                });
            }
            Ok(())
        };
        {
            let c = open_connection(backup, key)?;
            check(&c)?;
        }
        let db = dir.join(DB_FILE);
        let incoming = dir.join("fieldcase.db.restoring");
        std::fs::copy(backup, &incoming)?;
        {
            let c = open_connection(&incoming, key)?;
            let mut epoch = [0u8; 8];
            getrandom::fill(&mut epoch).map_err(|e| Error::Internal(e.to_string()))?;
            set_meta(&c, "epoch", &hex::encode(epoch))?;
            c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        }
        for stale in ["fieldcase.db-wal", "fieldcase.db-shm"] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        std::fs::rename(&incoming, &db)?;
        // Attachment files the restored database no longer lists are listed again.
        let store = Store::open(dir, key)?;
        store.relist_attachment_files()?;
        Ok(())
    }
}

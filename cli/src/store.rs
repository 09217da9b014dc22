//! The store folder: its key file (readable by its owner alone) and opening it with the clock
//! scripts may fix (`FIELDCASE_NOW`).

use std::path::{Path, PathBuf};

use fieldcase_core::{ErrorKind, Store};

use crate::{fail, from_core, CliResult};

fn key_path(dir: &Path) -> PathBuf {
    dir.join("key")
}

pub fn read_key(dir: &Path) -> CliResult<[u8; 32]> {
    let text = std::fs::read_to_string(key_path(dir)).map_err(|e| {
        fail(
            ErrorKind::Failed,
            format!(
                "cannot read the store key {}: {e} (is {} a store? run init)",
                key_path(dir).display(),
                dir.display()
            ),
        )
    })?;
    let bytes = hex::decode(text.trim()).map_err(|_| fail(ErrorKind::Failed, "the store key file is damaged"))?;
    bytes
        .try_into()
        .map_err(|_| fail(ErrorKind::Failed, "the store key file is damaged"))
}

pub fn write_key(dir: &Path) -> CliResult<[u8; 32]> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| fail(ErrorKind::Failed, e))?;
    std::fs::create_dir_all(dir).map_err(|e| fail(ErrorKind::Failed, format!("{}: {e}", dir.display())))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(key_path(dir))
        .map_err(|e| {
            fail(
                ErrorKind::Failed,
                format!("{}: {e} (a store already exists here?)", key_path(dir).display()),
            )
        })?;
    f.write_all(hex::encode(key).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| fail(ErrorKind::Failed, e))?;
    Ok(key)
}

pub fn required(dir: &Option<PathBuf>) -> CliResult<&PathBuf> {
    dir.as_ref()
        .ok_or_else(|| fail(ErrorKind::Invalid, "--store DIR is required for this command"))
}

/// The time scripts fix with FIELDCASE_NOW (RFC 3339), if they do.
pub fn fixed_now() -> CliResult<Option<chrono::DateTime<chrono::Utc>>> {
    match std::env::var("FIELDCASE_NOW") {
        Ok(now) => chrono::DateTime::parse_from_rfc3339(&now)
            .map(|t| Some(t.with_timezone(&chrono::Utc)))
            .map_err(|e| fail(ErrorKind::Invalid, format!("FIELDCASE_NOW: {e}"))),
        Err(_) => Ok(None),
    }
}

pub fn open(dir: &Option<PathBuf>) -> CliResult<Store> {
    let dir = required(dir)?;
    let key = read_key(dir)?;
    let store = Store::open(dir, &key).map_err(from_core)?;
    store.set_now(fixed_now()?);
    Ok(store)
}

/// Makes a store in `dir` with a new key file.
pub fn create(dir: &Path, township: &str, user: &str, role: fieldcase_core::Role) -> CliResult<Store> {
    if dir.join("fieldcase.db").exists() {
        return Err(fail(
            ErrorKind::Refused,
            format!("{} already holds a store", dir.display()),
        ));
    }
    let key = write_key(dir)?;
    let store = Store::create(dir, &key, township, user, role).map_err(from_core)?;
    store.set_now(fixed_now()?);
    Ok(store)
}

/// Writes a file readable by its owner alone, whole or not at all.
pub fn write_private(file: &Path, bytes: &[u8]) -> CliResult<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = file.with_extension("part");
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, file));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(ErrorKind::Failed, format!("{}: {e}", file.display()))
    })
}

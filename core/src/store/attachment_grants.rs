//! Which townships may read an attachment at the hub, and the parts of it each device has sent
//! (see `sync::hub::attachments` for the rules these keep).

use rusqlite::{params, Connection, Transaction};

use super::Cached;
use crate::error::Result;

pub(crate) fn granted(c: &Connection, sha: &str, township: &str) -> Result<bool> {
    let n: i64 = c.row(
        "SELECT count(*) FROM attachment_grants WHERE sha256 = ?1 AND township = ?2",
        params![sha, township],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

/// Bytes of an attachment that device `owner` has sent so far.
pub(crate) fn parts_received(c: &Connection, owner: &str, sha: &str) -> Result<u64> {
    let n: i64 = c.row(
        "SELECT coalesce(sum(length(bytes)), 0) FROM attachment_parts WHERE sha256 = ?1 AND device = ?2",
        params![sha, owner],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// An attachment arrived whole from a device of `township`: granted to that township and to
/// the townships whose records referred to it before it arrived.
pub(crate) fn grant(tx: &Transaction<'_>, sha: &str, township: &str) -> Result<()> {
    tx.exec(
        "INSERT OR IGNORE INTO attachment_grants (sha256, township) VALUES (?1, ?2)",
        params![sha, township],
    )?;
    tx.exec(
        "INSERT OR IGNORE INTO attachment_grants (sha256, township)
         SELECT DISTINCT ?1, l.township FROM record_attachments ra JOIN ledger l ON l.id = ra.doc_id WHERE ra.sha256 = ?1",
        params![sha],
    )?;
    Ok(())
}

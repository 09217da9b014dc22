//! The change feed on PostgreSQL: every change the hub takes in gets the next version of its
//! space (a township's records, or a district's own), and a device's cursor is the version up to
//! which it holds every change of a space.
//!
//! A sequence would not do: its numbers are handed out at insert and become visible at commit,
//! so with two writers 4 can commit before 3, and a device that read up to 4 never sees 3; a
//! rolled-back number leaves a gap that never fills. Here each space has one head row, and a
//! writer takes the next versions only while it holds that row's lock, which it keeps until it
//! commits. So the writer after it reads the head only once the one before has committed: the
//! versions of a space commit in their own order, a snapshot that holds version v holds every
//! version below it, and a rollback takes its versions back with it. Writers of different
//! spaces never wait for each other.

use tokio_postgres::Transaction;

use super::{Pg, PgResult};

/// A change to append to a space's feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub record_id: String,
    pub change_hash: String,
    /// The device whose change it is (its author, also when another phone carried it).
    pub from_device: String,
}

/// A change in the feed, with its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub version: i64,
    pub entry: FeedEntry,
}

/// Appends `entries` to `space`'s feed inside the writing transaction `tx`, which holds the
/// space's head until it commits; answers the space's new head. Call it last in the
/// transaction, after the documents are written, so the lock is held as briefly as possible.
pub async fn append(tx: &Transaction<'_>, space: &str, entries: &[FeedEntry]) -> PgResult<i64> {
    tx.execute(
        "INSERT INTO feed_heads (space) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&space],
    )
    .await?;
    let head: i64 = tx
        .query_one("SELECT head FROM feed_heads WHERE space = $1 FOR UPDATE", &[&space])
        .await?
        .get(0);
    let insert = tx
        .prepare("INSERT INTO feed (space, version, record_id, change_hash, from_device) VALUES ($1, $2, $3, $4, $5)")
        .await?;
    let mut version = head;
    for e in entries {
        version += 1;
        tx.execute(
            &insert,
            &[&space, &version, &e.record_id, &e.change_hash, &e.from_device],
        )
        .await?;
    }
    tx.execute("UPDATE feed_heads SET head = $2 WHERE space = $1", &[&space, &version])
        .await?;
    Ok(version)
}

impl Pg {
    /// Appends `entries` to `space`'s feed in a transaction of its own.
    pub async fn append(&self, space: &str, entries: &[FeedEntry]) -> PgResult<i64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let head = append(&tx, space, entries).await?;
        tx.commit().await?;
        Ok(head)
    }

    /// The changes of `space` after `cursor`, at most `limit`, in version order, and the head
    /// they were read at, both from one snapshot (so that a device's next cursor is exactly
    /// what it was given).
    pub async fn read_after(&self, space: &str, cursor: i64, limit: i64) -> PgResult<(Vec<FeedRow>, i64)> {
        let mut c = self.client().await?;
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let rows = tx
            .query(
                "SELECT version, record_id, change_hash, from_device FROM feed
                 WHERE space = $1 AND version > $2 ORDER BY version LIMIT $3",
                &[&space, &cursor, &limit],
            )
            .await?
            .into_iter()
            .map(|r| FeedRow {
                version: r.get(0),
                entry: FeedEntry {
                    record_id: r.get(1),
                    change_hash: r.get(2),
                    from_device: r.get(3),
                },
            })
            .collect();
        let head: i64 = tx
            .query_opt("SELECT head FROM feed_heads WHERE space = $1", &[&space])
            .await?
            .map(|r| r.get(0))
            .unwrap_or(0);
        tx.commit().await?;
        Ok((rows, head))
    }
}

//! The PostgreSQL store's schema, as numbered migrations applied in order, each once. A hub
//! process that starts takes an advisory lock for the migration, so two starting together do
//! not both apply one.

use super::{Pg, PgResult};

/// Every migration, in order; the index plus one is its version. Never edit one that has
/// shipped: add the next.
const MIGRATIONS: &[&str] = &[
    // 1: the change feed, numbered per space (a township, or a district's own records) by a
    // head row each writer locks; see `feed`.
    "CREATE TABLE feed_heads (
         space text PRIMARY KEY,
         head bigint NOT NULL DEFAULT 0 CHECK (head >= 0)
     );
     CREATE TABLE feed (
         space text NOT NULL REFERENCES feed_heads (space),
         version bigint NOT NULL,
         record_id text NOT NULL,
         change_hash text NOT NULL,
         from_device text NOT NULL,
         PRIMARY KEY (space, version)
     );
     CREATE INDEX feed_by_record ON feed (record_id);",
];

/// A lock number of this application's own, for the migration (any fixed number works).
const MIGRATION_LOCK: i64 = 0x6669_656c_6463_6173; // "fieldcas"

pub(super) async fn migrate(pg: &Pg) -> PgResult<()> {
    let mut c = pg.client().await?;
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        .await?;
    let at: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?
        .get(0);
    if at as usize > MIGRATIONS.len() {
        return Err(super::PgError::Failed(format!(
            "the database is at schema version {at}, newer than this hub ({}); upgrade the hub",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(at as usize) {
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&(i as i32 + 1)])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

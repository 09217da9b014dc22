//! Database layout, upgraded step by step with `PRAGMA user_version`. Each step runs in the
//! same transaction as the version bump, so a killed process leaves the old version intact.
//! A frozen copy of every earlier layout lives in `core/tests/fixtures/` and is upgraded in
//! the tests.

use rusqlite::Connection;

use crate::error::Result;

/// Step `i` takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: documents, their changes, and the ledger index.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        snapshot BLOB
    );
    CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE INDEX changes_by_doc ON changes (doc_id, seq);
    CREATE TABLE ledger (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        township TEXT NOT NULL,
        status TEXT NOT NULL,
        risk TEXT,
        responsible TEXT,
        title TEXT NOT NULL,
        deadline INTEGER,
        deadline_rule TEXT,
        sealed INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX ledger_by_deadline ON ledger (deadline);
    CREATE INDEX ledger_by_kind ON ledger (kind, township, status);
    "#,
    // 2: search, conflicts, refused changes, what peers hold, attachments.
    r#"
    CREATE TABLE ledger_text (rowid INTEGER PRIMARY KEY, search TEXT NOT NULL);
    CREATE VIRTUAL TABLE ledger_bigrams USING fts5 (grams, content='', contentless_delete=1, tokenize='unicode61');
    CREATE VIRTUAL TABLE ledger_fts USING fts5 (search, content='', contentless_delete=1, tokenize='trigram');
    CREATE TABLE conflicts (
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        vals TEXT NOT NULL,
        PRIMARY KEY (id, path)
    );
    CREATE TABLE quarantine (
        hash TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        bytes BLOB NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
    );
    CREATE TABLE peer_heads (
        peer TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        heads TEXT NOT NULL,
        PRIMARY KEY (peer, doc_id)
    );
    CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        added_at INTEGER NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('needs_reindex', '1')
        ON CONFLICT (key) DO UPDATE SET value = '1';
    "#,
    // 3: sync with a hub: the change feed, devices and their enrolment, attachment transfer.
    r#"
    CREATE TABLE feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        doc_id TEXT NOT NULL,
        hash TEXT NOT NULL,
        from_hub INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX feed_by_doc ON feed (doc_id, seq);
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        token_sha TEXT NOT NULL UNIQUE,
        township TEXT NOT NULL,
        role TEXT NOT NULL,
        user TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_sync_at INTEGER,
        last_cursor INTEGER
    );
    CREATE TABLE enrolments (
        code_sha TEXT PRIMARY KEY,
        township TEXT NOT NULL,
        role TEXT NOT NULL,
        user TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_by TEXT
    );
    CREATE TABLE record_attachments (
        doc_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (doc_id, sha256)
    );
    CREATE INDEX record_attachments_by_sha ON record_attachments (sha256);
    CREATE TABLE attachment_parts (
        sha256 TEXT NOT NULL,
        offset INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (sha256, offset)
    );
    CREATE TABLE incomplete (doc_id TEXT PRIMARY KEY);
    CREATE TABLE attachment_sync (
        sha256 TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        error TEXT,
        updated_at INTEGER NOT NULL
    );
    INSERT INTO meta (key, value) VALUES ('needs_reindex', '1')
        ON CONFLICT (key) DO UPDATE SET value = '1';
    "#,
    // 4: the legal rules on every path: clocks kept as (rule, start, period) so a new calendar
    // recounts deadlines from the index; rule conflicts beside field conflicts; events for
    // the three-zeros report; links between records. All derived: rebuilt from documents.
    r#"
    DROP TABLE ledger;
    CREATE TABLE ledger (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        township TEXT NOT NULL,
        status TEXT NOT NULL,
        risk TEXT,
        responsible TEXT,
        title TEXT NOT NULL,
        deadline INTEGER,
        deadline_rule TEXT,
        due_on TEXT,
        deadline_warning TEXT,
        clock_from INTEGER,
        clock_unit INTEGER,
        clock_n INTEGER,
        sealed INTEGER NOT NULL DEFAULT 0,
        conflicts INTEGER NOT NULL DEFAULT 0,
        rule_conflicts INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
    );
    CREATE INDEX ledger_by_deadline ON ledger (deadline);
    CREATE INDEX ledger_by_kind ON ledger (kind, township, status);
    DELETE FROM ledger_fts;
    DELETE FROM ledger_text;
    DELETE FROM ledger_bigrams;
    DROP TABLE conflicts;
    CREATE TABLE conflicts (
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        rule TEXT NOT NULL DEFAULT '',
        vals TEXT NOT NULL,
        message TEXT,
        changes TEXT,
        PRIMARY KEY (id, path, rule)
    );
    CREATE TABLE events (
        record_id TEXT NOT NULL,
        township TEXT NOT NULL,
        what TEXT NOT NULL,
        at INTEGER NOT NULL,
        subject TEXT
    );
    CREATE INDEX events_by_record ON events (record_id);
    CREATE INDEX events_by_what ON events (what, at);
    CREATE INDEX events_by_subject ON events (subject, at);
    CREATE TABLE links (
        from_id TEXT NOT NULL,
        to_id TEXT NOT NULL,
        relation TEXT NOT NULL,
        PRIMARY KEY (from_id, to_id, relation)
    );
    CREATE INDEX links_to ON links (to_id);
    INSERT INTO meta (key, value) VALUES ('needs_reindex', '1')
        ON CONFLICT (key) DO UPDATE SET value = '1';
    "#,
    // 5: seals as signatures and a hub that one device cannot abuse: the device registry
    // (signed by the hub), seals anchored outside their documents, attachment parts kept per
    // uploading device, which townships may read an attachment, records to send whole again.
    r#"
    CREATE TABLE registry (
        device TEXT PRIMARY KEY,
        actor TEXT NOT NULL,
        entry TEXT NOT NULL,
        signature TEXT NOT NULL,
        seq INTEGER NOT NULL
    );
    CREATE INDEX registry_by_actor ON registry (actor);
    CREATE INDEX registry_by_seq ON registry (seq);
    CREATE TABLE seals (doc_id TEXT PRIMARY KEY, seal TEXT NOT NULL, change TEXT NOT NULL);
    ALTER TABLE devices ADD COLUMN actor TEXT;
    ALTER TABLE devices ADD COLUMN public_key TEXT;
    ALTER TABLE record_attachments ADD COLUMN size INTEGER;
    ALTER TABLE attachment_parts RENAME TO attachment_parts_v3;
    CREATE TABLE attachment_parts (
        sha256 TEXT NOT NULL,
        device TEXT NOT NULL,
        offset INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (sha256, device, offset)
    );
    INSERT INTO attachment_parts (sha256, device, offset, bytes) SELECT sha256, '', offset, bytes FROM attachment_parts_v3;
    DROP TABLE attachment_parts_v3;
    CREATE TABLE attachment_grants (sha256 TEXT NOT NULL, township TEXT NOT NULL, PRIMARY KEY (sha256, township));
    CREATE TABLE resend (doc_id TEXT PRIMARY KEY);
    INSERT INTO meta (key, value) VALUES ('upgrade_5', '1') ON CONFLICT (key) DO UPDATE SET value = '1';
    INSERT INTO meta (key, value) VALUES ('needs_reindex', '1')
        ON CONFLICT (key) DO UPDATE SET value = '1';
    "#,
    // 6: the ledger read in its own order (deadline first, undated last), overall and by kind,
    // so a screen's first page reads a hundred rows rather than sorting them all.
    r#"
    CREATE INDEX ledger_in_order ON ledger (deadline IS NULL, deadline, updated_at DESC, id);
    CREATE INDEX ledger_kind_in_order ON ledger (kind, deadline IS NULL, deadline, updated_at DESC, id);
    "#,
    // 7: the ledger's order as one key, `due_key` (the deadline; a record with no running clock
    // after every dated one, the most recently changed first), so that every query the screens
    // and the office make reads an index range in that order and pages by (due_key, id).
    r#"
    ALTER TABLE ledger ADD COLUMN due_key INTEGER GENERATED ALWAYS AS
        (coalesce(deadline, 9000000000000000000 - updated_at)) VIRTUAL;
    DROP INDEX ledger_by_deadline;
    DROP INDEX ledger_by_kind;
    DROP INDEX ledger_in_order;
    DROP INDEX ledger_kind_in_order;
    CREATE INDEX ledger_due ON ledger (due_key, id);
    CREATE INDEX ledger_kind_due ON ledger (kind, due_key, id);
    CREATE INDEX ledger_township_due ON ledger (township, due_key, id);
    CREATE INDEX ledger_township_kind_due ON ledger (township, kind, due_key, id);
    CREATE INDEX ledger_responsible_due ON ledger (responsible, due_key, id);
    "#,
    // 8: the calendar records found by kind when a store opens, not by reading every document
    // (opening a store of 100,000 records read them all: 31 ms).
    r#"
    CREATE INDEX documents_by_kind ON documents (kind);
    "#,
    // 9: forms typed but not saved yet (a wrong ID number cannot be saved as a record, and the
    // app may be killed before it is put right): kept encrypted with the records, never synced.
    r#"
    CREATE TABLE drafts (form TEXT PRIMARY KEY, fields TEXT NOT NULL, updated_at INTEGER NOT NULL);
    "#,
    // 10: the township office's staff who log in to the hub's pages (argon2id hashes; a
    // township, or none for the district office), their failed logins, and what they did.
    r#"
    CREATE TABLE office_users (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        township TEXT,
        created_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        locked_until INTEGER
    );
    CREATE TABLE office_audit (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        user TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    "#,
    // 11: township walls and authors. A refused change says why in words and whether it was
    // refused for its seal's signer alone (taken again when the registry vouches for it); each
    // office clerk writes changes as an author of their own (an actor in the hub-signed
    // registry); an audit entry names the township it concerns, so a township office reads its
    // own. Seals taken before signers were checked are checked once more.
    r#"
    ALTER TABLE quarantine ADD COLUMN code TEXT NOT NULL DEFAULT 'sealed';
    UPDATE quarantine SET reason = 'it would change a signed and sealed record (its content or its seal)'
        WHERE reason = 'sealed';
    ALTER TABLE office_users ADD COLUMN device TEXT;
    ALTER TABLE office_users ADD COLUMN actor TEXT;
    ALTER TABLE office_audit ADD COLUMN township TEXT;
    CREATE INDEX office_audit_by_township ON office_audit (township, seq);
    INSERT INTO meta (key, value) VALUES ('upgrade_11', '1') ON CONFLICT (key) DO UPDATE SET value = '1';
    "#,
    // 12: the office's sessions in the store (not in one process's memory), so that a clerk
    // stays logged in whichever process of the hub answers; a token is kept as its SHA-256.
    r#"
    CREATE TABLE office_sessions (
        token_sha TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        township TEXT,
        csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL
    );
    "#,
    // 13: the author's signature of each change this store carries for another device (from
    // a colleague's phone or a bundle), passed on with the change so the hub takes it as that
    // author's; and the one-time keys of phone-to-phone sessions already used.
    r#"
    CREATE TABLE change_signatures (
        hash TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        device TEXT NOT NULL,
        signature TEXT NOT NULL
    );
    CREATE INDEX change_signatures_by_doc ON change_signatures (doc_id);
    CREATE TABLE peer_keys_used (
        key_sha TEXT PRIMARY KEY,
        used_at INTEGER NOT NULL
    );
    "#,
];

pub(crate) const VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to the current version; returns the version it found.
pub(crate) fn upgrade(conn: &mut Connection) -> Result<u32> {
    let found: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > VERSION {
        return Err(crate::error::Error::BadStore {
            path: String::new(),
            message: format!("database layout {found} is newer than this app knows ({VERSION}); update the app"),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(found)
}

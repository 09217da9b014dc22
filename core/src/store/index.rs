//! Index rows derived from documents, so that the ledger list and search never load a
//! document. Everything here can be rebuilt from the documents (`Store::rebuild_index`).

use automerge::Automerge;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, params_from_iter, Connection, Row, Transaction};
use serde::Serialize;
use serde_json::Value;

use super::doc::{self, Conflict};
use super::{millis_to_time, seal};
use crate::calendar::{self, Calendar};
use crate::error::{Error, Result};
use crate::model::{Kind, Record, RiskLevel};
use crate::rules;

/// Filters of the ledger list; all optional.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerQuery {
    pub kind: Option<Kind>,
    pub township: Option<String>,
    pub status: Option<String>,
    pub risk: Option<RiskLevel>,
    pub responsible: Option<String>,
    /// Only records whose deadline has passed.
    pub overdue: bool,
    /// Only records due within this many days from now (overdue ones included).
    pub due_within_days: Option<u32>,
    pub limit: Option<u32>,
}

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerRow {
    pub id: String,
    pub kind: String,
    pub township: String,
    pub status: String,
    pub risk: Option<String>,
    pub responsible: Option<String>,
    pub title: String,
    pub deadline: Option<DateTime<Utc>>,
    /// The deadline in Shanghai time, as people read it.
    pub deadline_local: Option<String>,
    pub deadline_rule: Option<String>,
    pub overdue: bool,
    pub sealed: bool,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "l.id, l.kind, l.township, l.status, l.risk, l.responsible, l.title, l.deadline, l.deadline_rule, l.sealed, l.updated_at";

fn row(r: &Row<'_>, now: DateTime<Utc>) -> rusqlite::Result<LedgerRow> {
    let deadline: Option<i64> = r.get(7)?;
    let deadline = deadline.map(millis_to_time);
    Ok(LedgerRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        township: r.get(2)?,
        status: r.get(3)?,
        risk: r.get(4)?,
        responsible: r.get(5)?,
        title: r.get(6)?,
        deadline_local: deadline.map(calendar::show_local),
        overdue: deadline.is_some_and(|d| d < now),
        deadline,
        deadline_rule: r.get(8)?,
        sealed: r.get::<_, i64>(9)? != 0,
        updated_at: millis_to_time(r.get(10)?),
    })
}

/// The words a record can be found by, lower-cased, with digit-only forms of numbers written
/// with spaces or dashes (phones, ID numbers).
fn search_text(id: &str, title: &str, terms: &[String]) -> String {
    let mut parts = vec![title.to_string(), id.to_string()];
    for t in terms {
        parts.push(t.clone());
        if t.chars().any(|c| c.is_ascii_digit()) && t.chars().any(|c| matches!(c, ' ' | '-' | '+')) {
            parts.push(t.chars().filter(|c| c.is_ascii_alphanumeric()).collect());
        }
    }
    parts.join("\n").to_lowercase()
}

/// Writes the index rows of one document; returns false when it has no content yet.
pub(crate) fn index_doc(tx: &Transaction<'_>, id: &str, kind: Kind, doc: &Automerge, cal: &Calendar) -> Result<bool> {
    let old_rowid: Option<i64> = tx
        .query_row("SELECT rowid FROM ledger WHERE id = ?1", [id], |r| r.get(0))
        .ok();
    if let Some(rowid) = old_rowid {
        tx.execute("DELETE FROM ledger_fts WHERE rowid = ?1", [rowid])?;
        tx.execute("DELETE FROM ledger_text WHERE rowid = ?1", [rowid])?;
        tx.execute("DELETE FROM ledger_bigrams WHERE rowid = ?1", [rowid])?;
    }
    tx.execute("DELETE FROM conflicts WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM record_attachments WHERE doc_id = ?1", [id])?;
    let Some(content) = doc::read_record(doc) else {
        tx.execute("DELETE FROM ledger WHERE id = ?1", [id])?;
        return Ok(false);
    };
    let township = content
        .get("township")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let seal = seal::status(doc);
    let updated_at = doc
        .get_heads()
        .iter()
        .filter_map(|h| doc.get_change_meta_by_hash(h).map(|m| m.timestamp))
        .max()
        .unwrap_or_default();
    let (status, title, risk, responsible, search, deadline) = match Record::from_json(kind, content) {
        Ok(record) => {
            let s = record.summary();
            let deadline = rules::deadline(&record, seal.as_ref().map(|s| s.seal.sealed_at), cal);
            let search = search_text(id, &s.title, &s.search);
            (
                record.status(),
                s.title,
                s.risk.map(|r| r.as_str().to_string()),
                s.responsible,
                search,
                deadline,
            )
        }
        // Shown in the ledger so that a person sees it, rather than the record vanishing.
        Err(e) => (
            "unreadable".to_string(),
            format!("(unreadable record: {e})"),
            None,
            None,
            id.to_string(),
            None,
        ),
    };
    let rowid: i64 = tx.query_row(
        "INSERT INTO ledger (id, kind, township, status, risk, responsible, title, deadline, deadline_rule, sealed, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, township = excluded.township, status = excluded.status,
           risk = excluded.risk, responsible = excluded.responsible, title = excluded.title, deadline = excluded.deadline,
           deadline_rule = excluded.deadline_rule, sealed = excluded.sealed, updated_at = excluded.updated_at
         RETURNING rowid",
        params![
            id,
            kind.as_str(),
            township,
            status,
            risk,
            responsible,
            title,
            deadline.as_ref().map(|d| d.at.timestamp_millis()),
            deadline.as_ref().map(|d| d.rule),
            seal.is_some() as i64,
            updated_at
        ],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO ledger_fts (rowid, search) VALUES (?1, ?2)",
        params![rowid, search],
    )?;
    tx.execute(
        "INSERT INTO ledger_text (rowid, search) VALUES (?1, ?2)",
        params![rowid, search],
    )?;
    tx.execute(
        "INSERT INTO ledger_bigrams (rowid, grams) VALUES (?1, ?2)",
        params![rowid, bigrams(&search)],
    )?;
    if let Some(Value::Array(list)) = doc::read_record(doc).as_ref().and_then(|c| c.get("attachments")) {
        for sha in list.iter().filter_map(|a| a.get("sha256").and_then(Value::as_str)) {
            tx.execute(
                "INSERT OR IGNORE INTO record_attachments (doc_id, sha256) VALUES (?1, ?2)",
                params![id, sha],
            )?;
        }
    }
    for c in doc::conflicts(doc, id) {
        let vals = serde_json::to_string(&c.values).map_err(|e| Error::Internal(e.to_string()))?;
        tx.execute(
            "INSERT OR REPLACE INTO conflicts (id, path, vals) VALUES (?1, ?2, ?3)",
            params![id, c.path, vals],
        )?;
    }
    Ok(true)
}

pub(crate) fn list(conn: &Connection, q: &LedgerQuery, now: DateTime<Utc>) -> Result<Vec<LedgerRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM ledger l WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = vec![];
    let mut filter = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        sql.push_str(clause);
        args.push(v);
    };
    if let Some(k) = q.kind {
        filter(&mut sql, " AND l.kind = ?", k.as_str().to_string().into());
    }
    if let Some(t) = &q.township {
        filter(&mut sql, " AND l.township = ?", t.clone().into());
    }
    if let Some(s) = &q.status {
        filter(&mut sql, " AND l.status = ?", s.clone().into());
    }
    if let Some(r) = q.risk {
        filter(&mut sql, " AND l.risk = ?", r.as_str().to_string().into());
    }
    if let Some(p) = &q.responsible {
        filter(&mut sql, " AND l.responsible = ?", p.clone().into());
    }
    if q.overdue {
        filter(&mut sql, " AND l.deadline < ?", now.timestamp_millis().into());
    }
    if let Some(days) = q.due_within_days {
        filter(
            &mut sql,
            " AND l.deadline <= ?",
            (now + Duration::days(days.into())).timestamp_millis().into(),
        );
    }
    sql.push_str(" ORDER BY l.deadline IS NULL, l.deadline, l.updated_at DESC, l.id LIMIT ?");
    args.push(i64::from(q.limit.unwrap_or(10_000)).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| row(r, now))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// Every pair of neighbouring Chinese characters, space-separated, for the bigram index:
/// the trigram index cannot find two-character names such as 刘强.
fn bigrams(search: &str) -> String {
    let mut grams: Vec<String> = vec![];
    let chars: Vec<char> = search.chars().collect();
    for w in chars.windows(2) {
        if is_cjk(w[0]) && is_cjk(w[1]) {
            let g: String = w.iter().collect();
            if !grams.contains(&g) {
                grams.push(g);
            }
        }
    }
    grams.join(" ")
}

/// Finds records containing every word of `text`. Words of three characters or more use the
/// trigram index, two Chinese characters the bigram index; anything shorter scans the
/// index text (still no document is loaded).
pub(crate) fn search(conn: &Connection, text: &str, limit: usize, now: DateTime<Utc>) -> Result<Vec<LedgerRow>> {
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return Err(Error::invalid("text", "required", "say what to search for"));
    }
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let mut clauses = vec![];
    let mut args: Vec<rusqlite::types::Value> = vec![];
    for t in terms {
        let n = t.chars().count();
        if n >= 3 {
            clauses.push("l.rowid IN (SELECT rowid FROM ledger_fts WHERE ledger_fts MATCH ?)");
            args.push(quote(&t).into());
        } else if n == 2 && t.chars().all(is_cjk) {
            clauses.push("l.rowid IN (SELECT rowid FROM ledger_bigrams WHERE ledger_bigrams MATCH ?)");
            args.push(quote(&t).into());
        } else {
            clauses.push("l.rowid IN (SELECT rowid FROM ledger_text WHERE instr(search, ?) > 0)");
            args.push(t.into());
        }
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM ledger l WHERE {} ORDER BY l.rowid DESC LIMIT ?",
        clauses.join(" AND ")
    );
    args.push((limit as i64).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| row(r, now))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

pub(crate) fn all_conflicts(conn: &Connection) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare_cached("SELECT id, path, vals FROM conflicts ORDER BY id, path")?;
    let rows = stmt
        .query_map([], |r| {
            let vals: String = r.get(2)?;
            Ok(Conflict {
                id: r.get(0)?,
                path: r.get(1)?,
                values: serde_json::from_str(&vals).unwrap_or_default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigrams_pair_neighbouring_chinese_characters_only() {
        assert_eq!(bigrams("刘强\n宏达物流 abc 王"), "刘强 宏达 达物 物流");
        assert_eq!(bigrams("刘强 刘强"), "刘强");
    }
}

//! Index rows derived from documents, so that the ledger list and search never load a
//! document. Everything here can be rebuilt from the documents (`Store::rebuild_index`).

use automerge::Automerge;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{params, params_from_iter, Connection, Row, Transaction};
use serde::Serialize;
use serde_json::Value;

use super::doc::{self, Conflict};
use super::Cached;
use super::{millis_to_time, seal};
use crate::calendar::{self, Calendar};
use crate::error::{Error, Result};
use crate::model::{employer_name_key, CaseStatus, IncidentStatus, Kind, LedgerStatus, Record, RiskLevel, RiskSign};
use crate::rules::{self, Clock};
use crate::validate::Problem;

/// The ledger: lists by deadline with filters, search, every record of a kind, and what the
/// office counts over it (`report`, `warning`).
pub struct Ledger<'s>(pub(crate) &'s super::Store);

impl super::Store {
    pub fn ledger(&self) -> Ledger<'_> {
        Ledger(self)
    }
}

impl Ledger<'_> {
    /// The ledger for `q`, by deadline; reads the index only.
    pub fn list(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        self.0.list(q)
    }

    /// Records by names, company names, ID or phone numbers (two characters up), newest first.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<LedgerRow>> {
        self.0.search(text, limit)
    }

    /// Every record of `kind` (of `township`, or all), in the ledger's order, with its row.
    pub fn each_record(
        &self,
        kind: Kind,
        township: Option<&str>,
        f: impl FnMut(LedgerRow, Record) -> Result<()>,
    ) -> Result<()> {
        self.0.each_record(kind, township, f)
    }
}

/// Filters of the ledger list; all optional.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerQuery {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub kind: Option<Kind>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub township: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub status: Option<LedgerStatus>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub risk: Option<RiskLevel>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub responsible: Option<String>,
    /// Only records whose deadline has passed.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub overdue: bool,
    /// Only records due within this many days from now (overdue ones included).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub due_within_days: Option<i32>,
    /// At most this many rows (default `DEFAULT_PAGE`, at most `MAX_PAGE`).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub limit: Option<i32>,
    /// The next page: the rows after the one whose `cursor` this is.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub after: Option<String>,
}

/// Rows in a page of the ledger when the query does not say.
pub const DEFAULT_PAGE: i32 = 500;
/// The most rows a page may have.
pub const MAX_PAGE: i32 = 10_000;

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct LedgerRow {
    pub id: String,
    pub kind: Kind,
    pub township: String,
    /// The status as the ledger counts it: a case whose merged state says "closed" without a
    /// valid closing stays open here until a person settles the rule conflict.
    pub status: LedgerStatus,
    pub risk: Option<RiskLevel>,
    pub responsible: Option<String>,
    pub title: String,
    /// End of the last day of the running clock (24:00 Shanghai): overdue from then on.
    pub deadline: Option<DateTime<Utc>>,
    /// The last day, as people read it.
    pub due_on: Option<NaiveDate>,
    /// The deadline in Shanghai time.
    pub deadline_local: Option<String>,
    pub deadline_rule: Option<String>,
    /// Set when the calendar does not cover the days counted.
    pub deadline_warning: Option<String>,
    pub overdue: bool,
    pub sealed: bool,
    /// Open conflicts: fields two devices set differently, and broken rules.
    pub conflicts: i32,
    /// A merged state breaks a rule (listed by `conflicts`).
    pub rule_conflict: bool,
    pub updated_at: DateTime<Utc>,
    /// Where this row stands in the ledger's order: pass it as `after` for the next page.
    pub cursor: String,
}

const COLUMNS: &str = "l.id, l.kind, l.township, l.status, l.risk, l.responsible, l.title, l.deadline, l.deadline_rule, l.sealed, l.updated_at, l.due_on, l.deadline_warning, l.conflicts, l.rule_conflicts, l.due_key";

/// A row's place in the ledger's order, `due_key:id`.
fn parse_cursor(cursor: &str) -> Result<(i64, String)> {
    cursor
        .split_once(':')
        .and_then(|(key, id)| Some((key.parse().ok()?, id.to_string())))
        .filter(|(_, id)| !id.is_empty())
        .ok_or_else(|| {
            Error::invalid(
                "after",
                "cursor",
                format!("'{cursor}' is not a ledger cursor (a row's `cursor`)"),
            )
        })
}

fn row(r: &Row<'_>, now: DateTime<Utc>) -> rusqlite::Result<LedgerRow> {
    let deadline: Option<i64> = r.get(7)?;
    let deadline = deadline.map(millis_to_time);
    let due_on: Option<String> = r.get(11)?;
    Ok(LedgerRow {
        id: r.get(0)?,
        kind: r.get::<_, String>(1)?.parse().map_err(|e: Error| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?,
        township: r.get(2)?,
        status: r.get::<_, String>(3)?.parse().unwrap_or(LedgerStatus::Unreadable),
        risk: r.get::<_, Option<String>>(4)?.and_then(|r| r.parse().ok()),
        responsible: r.get(5)?,
        title: r.get(6)?,
        deadline_local: due_on.as_ref().map(|d| format!("{d} 24:00")),
        due_on: due_on.and_then(|d| d.parse().ok()),
        overdue: deadline.is_some_and(|d| d <= now),
        deadline,
        deadline_rule: r.get(8)?,
        sealed: r.get::<_, i64>(9)? != 0,
        updated_at: millis_to_time(r.get(10)?),
        deadline_warning: r.get(12)?,
        conflicts: r.get::<_, i64>(13)? as i32,
        rule_conflict: r.get::<_, i64>(14)? != 0,
        cursor: format!("{}:{}", r.get::<_, i64>(15)?, r.get::<_, String>(0)?),
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

/// Rules whose breaking keeps a closed case or incident open in the ledger.
const CLOSING_RULES: &[&str] = &[
    "resolution_before_close",
    "resolution_kind",
    "resolution_date",
    "amount_paid",
    "handover_before_transfer",
    "fund_advance_approved",
    "resolution_reference",
    "sign_off_before_close",
    "sign_off_named",
    "sign_off_by_responsible_person",
    "sign_off_time",
    "escalation_order",
];

/// Whether a closed case or incident breaks a closing rule (and so stays open).
pub(crate) fn breaks_closing(broken: &[Problem]) -> bool {
    broken.iter().any(|p| CLOSING_RULES.contains(&p.rule.as_str()))
}

/// The status the ledger counts: a "closed" that breaks a closing rule stays open, a signed
/// status without a seal stays a draft.
pub(crate) fn effective_status(record: &Record, broken: &[Problem]) -> LedgerStatus {
    let breaks = |rules: &[&str]| broken.iter().any(|p| rules.contains(&p.rule.as_str()));
    match record {
        Record::Case(c) if c.status == CaseStatus::Closed && breaks(CLOSING_RULES) => LedgerStatus::InProgress,
        Record::Incident(i) if i.status == IncidentStatus::Closed && breaks(CLOSING_RULES) => LedgerStatus::Responding,
        _ if breaks(&["signed_only_by_sealing"]) => match record.kind() {
            Kind::Mediation => LedgerStatus::InSession,
            _ => LedgerStatus::Draft,
        },
        _ => LedgerStatus::of(record),
    }
}

/// The value at a dotted path of a JSON value, for showing a rule conflict.
fn value_at(content: &Value, path: &str) -> Value {
    let mut cur = content;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        cur = match cur {
            Value::Object(m) => m.get(seg).unwrap_or(&Value::Null),
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)).unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    cur.clone()
}

/// Moments the three-zeros report counts: follow-ups of an employer, and each incident's
/// report, arrivals and threats. `subject` is an employer key (record id or name).
fn events(record: &Record) -> Vec<(&'static str, DateTime<Utc>, Option<String>)> {
    let mut out = vec![];
    match record {
        Record::Case(c) => {
            for f in &c.follow_ups {
                if let Some(at) = f.at {
                    for key in c.employer_keys() {
                        out.push(("follow_up", at, Some(key)));
                    }
                }
            }
        }
        Record::Inspection(i) => {
            if let Some(at) = i.started_at {
                let keys = i
                    .employer_id
                    .iter()
                    .cloned()
                    .chain(i.site_name.as_deref().map(employer_name_key));
                for key in keys {
                    out.push(("follow_up", at, Some(key)));
                }
            }
        }
        Record::Incident(i) => {
            let subject = i.employer_name.as_deref().map(employer_name_key);
            if let Some(at) = i.reported_at {
                out.push(("incident_reported", at, subject.clone()));
                if i.risk_signs.contains(&RiskSign::ThreatsOfExtremeActs) {
                    out.push(("extreme_act", at, subject.clone()));
                }
                if let Some(key) = subject.clone() {
                    out.push(("follow_up", at, Some(key)));
                }
            }
            let e = &i.escalation;
            for (what, at) in [
                ("grid_on_site", e.grid_assistant_arrived_at),
                ("inspector_notified", e.inspector_notified_at),
                ("inspector_on_site", e.inspector_arrived_at),
            ] {
                if let Some(at) = at {
                    out.push((what, at, subject.clone()));
                }
            }
        }
        _ => {}
    }
    out
}

/// Writes the index rows of one document; returns false when it has no content yet.
/// Rows for the full-text tables, kept on the writer's connection until the transaction
/// commits: FTS5 writes its pending terms out at every statement of a transaction, so one
/// statement for the whole batch is many times cheaper than one a record.
pub(crate) const SEARCH_STAGING: &str =
    "CREATE TEMP TABLE IF NOT EXISTS search_pending (rowid INTEGER PRIMARY KEY, search TEXT NOT NULL, grams TEXT NOT NULL)";

/// Moves the staged rows into the full-text tables; every write transaction runs it before
/// it commits.
pub(crate) fn flush_search(tx: &Transaction<'_>) -> Result<()> {
    let staged: i64 = tx.row("SELECT count(*) FROM temp.search_pending", [], |r| r.get(0))?;
    if staged > 0 {
        tx.exec(
            "INSERT INTO ledger_fts (rowid, search) SELECT rowid, search FROM temp.search_pending",
            [],
        )?;
        tx.exec(
            "INSERT INTO ledger_bigrams (rowid, grams) SELECT rowid, grams FROM temp.search_pending",
            [],
        )?;
        tx.exec("DELETE FROM temp.search_pending", [])?;
    }
    Ok(())
}

pub(crate) fn index_doc(tx: &Transaction<'_>, id: &str, kind: Kind, doc: &Automerge, cal: &Calendar) -> Result<bool> {
    let read = doc::read_for_index(doc, id);
    let parsed = read.record.clone().map(|c| Record::from_json(kind, c));
    index_read(tx, id, kind, doc, cal, read, parsed, false)
}

/// Indexes a document already read (`read`) and parsed (`parsed`, from `read.record`): a sync
/// reads each record that arrives once, for the rules and the index alike.
#[allow(clippy::too_many_arguments)]
pub(crate) fn index_read(
    tx: &Transaction<'_>,
    id: &str,
    kind: Kind,
    doc: &Automerge,
    cal: &Calendar,
    read: doc::ReadForIndex,
    parsed: Option<Result<Record>>,
    new_here: bool,
) -> Result<bool> {
    // A record new to this store has nothing in the index to take out.
    if !new_here {
        let old_rowid: Option<i64> = tx
            .row("SELECT rowid FROM ledger WHERE id = ?1", [id], |r| r.get(0))
            .ok();
        if let Some(rowid) = old_rowid {
            tx.exec("DELETE FROM temp.search_pending WHERE rowid = ?1", [rowid])?;
            tx.exec("DELETE FROM ledger_fts WHERE rowid = ?1", [rowid])?;
            tx.exec("DELETE FROM ledger_text WHERE rowid = ?1", [rowid])?;
            tx.exec("DELETE FROM ledger_bigrams WHERE rowid = ?1", [rowid])?;
        }
        tx.exec("DELETE FROM conflicts WHERE id = ?1", [id])?;
        tx.exec("DELETE FROM record_attachments WHERE doc_id = ?1", [id])?;
        tx.exec("DELETE FROM events WHERE record_id = ?1", [id])?;
        tx.exec("DELETE FROM links WHERE from_id = ?1", [id])?;
    }
    let (Some(content), Some(parsed)) = (read.record, parsed) else {
        tx.exec("DELETE FROM ledger WHERE id = ?1", [id])?;
        return Ok(false);
    };
    let township = content
        .get("township")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let seal = seal::status(doc);
    let sealed = seal.as_ref().is_some_and(|s| s.intact);
    let after_seal: crate::model::AfterSeal = read
        .after_seal
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let updated_at = doc
        .get_heads()
        .iter()
        .filter_map(|h| doc.get_change_meta_by_hash(h).map(|m| m.timestamp))
        .max()
        .unwrap_or_default();
    let mut conflicts = read.conflicts;
    let field_conflicts = conflicts.len();
    let (status, title, risk, responsible, search, clock) = match &parsed {
        Ok(record) => {
            let mut broken = rules::state::problems(record, sealed, cal);
            // Field rules hold for what arrives from other devices too; checked without the
            // clock so that every device lists the same.
            broken.extend(record.check(false, crate::validate::timeless_now()).errors());
            let status = effective_status(record, &broken);
            let closed = !breaks_closing(&broken);
            let mut seen = std::collections::HashSet::new();
            for p in broken {
                if !seen.insert((p.field.clone(), p.rule.clone())) {
                    continue;
                }
                conflicts.push(Conflict {
                    id: id.to_string(),
                    values: vec![value_at(&content, &p.field)],
                    changes: doc::change_at(doc, &p.field).into_iter().collect(),
                    path: p.field,
                    rule: Some(p.rule),
                    message: Some(p.message),
                    written_by: vec![],
                    in_chinese: None,
                    title: None,
                    field_name: None,
                    shown: vec![],
                });
            }
            let s = record.summary();
            let clock = rules::clocks::clock(record, &after_seal, sealed, closed);
            let search = search_text(id, &s.title, &s.search);
            for (what, at, subject) in events(record) {
                tx.exec(
                    "INSERT INTO events (record_id, township, what, at, subject) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, township, what, at.timestamp_millis(), subject],
                )?;
            }
            let links = match record.to_json().get("links") {
                Some(Value::Array(l)) => l.clone(),
                _ => vec![],
            };
            for l in links {
                if let Some(to) = l.get("id").and_then(Value::as_str) {
                    let relation = l.get("relation").and_then(Value::as_str).unwrap_or("about");
                    tx.exec(
                        "INSERT OR IGNORE INTO links (from_id, to_id, relation) VALUES (?1, ?2, ?3)",
                        params![id, to, relation],
                    )?;
                }
            }
            (
                status,
                s.title,
                s.risk.map(|r| r.as_str().to_string()),
                s.responsible,
                search,
                clock,
            )
        }
        // Shown in the ledger so that a person sees it, rather than the record vanishing.
        Err(e) => (
            LedgerStatus::Unreadable,
            format!("(unreadable record: {e})"),
            None,
            None,
            id.to_string(),
            None,
        ),
    };
    let rule_conflicts = conflicts.len() - field_conflicts;
    let deadline = clock.as_ref().map(|c| c.due(cal));
    let (unit, n) = clock.as_ref().map(|c| c.period_code()).unzip();
    let rowid: i64 = tx.row("INSERT INTO ledger (id, kind, township, status, risk, responsible, title, deadline, deadline_rule, due_on,
           deadline_warning, clock_from, clock_unit, clock_n, sealed, conflicts, rule_conflicts, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, township = excluded.township, status = excluded.status,
           risk = excluded.risk, responsible = excluded.responsible, title = excluded.title, deadline = excluded.deadline,
           deadline_rule = excluded.deadline_rule, due_on = excluded.due_on, deadline_warning = excluded.deadline_warning,
           clock_from = excluded.clock_from, clock_unit = excluded.clock_unit, clock_n = excluded.clock_n,
           sealed = excluded.sealed, conflicts = excluded.conflicts, rule_conflicts = excluded.rule_conflicts,
           updated_at = excluded.updated_at
         RETURNING rowid",
        params![
            id,
            kind.as_str(),
            township,
            status.as_str(),
            risk,
            responsible,
            title,
            deadline.as_ref().map(|d| d.at.timestamp_millis()),
            deadline.as_ref().map(|d| d.rule.clone()),
            deadline.as_ref().map(|d| d.due_on.to_string()),
            deadline.as_ref().and_then(|d| d.warning.clone()),
            clock.as_ref().map(|c| c.from.num_days_from_ce()),
            unit,
            n,
            seal.is_some() as i64,
            conflicts.len() as i64,
            rule_conflicts as i64,
            updated_at
        ],
        |r| r.get(0),
    )?;
    tx.exec(
        "INSERT INTO ledger_text (rowid, search) VALUES (?1, ?2)",
        params![rowid, search],
    )?;
    // The full-text tables take their rows at commit, all at once (`flush_search`).
    tx.exec(
        "INSERT OR REPLACE INTO temp.search_pending (rowid, search, grams) VALUES (?1, ?2, ?3)",
        params![rowid, search, bigrams(&search)],
    )?;
    if let Some(Value::Array(list)) = content.get("attachments") {
        for a in list {
            let Some(sha) = a.get("sha256").and_then(Value::as_str) else {
                continue;
            };
            if crate::validate::check_sha256(sha).is_err() {
                continue;
            }
            tx.exec(
                "INSERT OR IGNORE INTO record_attachments (doc_id, sha256, size) VALUES (?1, ?2, ?3)",
                params![id, sha, a.get("size").and_then(Value::as_i64)],
            )?;
        }
    }
    for c in conflicts {
        let vals = serde_json::to_string(&c.values).map_err(|e| Error::Internal(e.to_string()))?;
        tx.exec(
            "INSERT OR REPLACE INTO conflicts (id, path, vals, rule, message, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                c.path,
                vals,
                c.rule.unwrap_or_default(),
                c.message,
                c.changes.join(",")
            ],
        )?;
    }
    Ok(true)
}

/// Recounts every running clock with a new calendar, from the index alone.
pub(crate) fn recount_deadlines(tx: &Transaction<'_>, cal: &Calendar) -> Result<usize> {
    let clocks: Vec<(i64, Clock)> = {
        let mut stmt = tx.prepare(
            "SELECT rowid, deadline_rule, clock_from, clock_unit, clock_n FROM ledger WHERE clock_from IS NOT NULL",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i32>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .filter_map(|(rowid, rule, from, unit, n)| {
                let from = NaiveDate::from_num_days_from_ce_opt(from)?;
                Clock::from_code(rule, from, unit, n).map(|c| (rowid, c))
            })
            .collect()
    };
    let mut stmt =
        tx.prepare("UPDATE ledger SET deadline = ?2, due_on = ?3, deadline_warning = ?4 WHERE rowid = ?1")?;
    for (rowid, clock) in &clocks {
        let d = clock.due(cal);
        stmt.execute(params![rowid, d.at.timestamp_millis(), d.due_on.to_string(), d.warning])?;
    }
    Ok(clocks.len())
}

/// The SQL of a ledger query and its arguments. Every shape reads one index in the ledger's
/// order (`due_key`, id): the equality filters that have such an index (responsible; else
/// township and kind) choose it, status and risk are checked on the rows as they come (`+` keeps
/// SQLite from sorting by another index), and the deadline filters are a range of the key.
/// `tests/ledger_plans.rs` checks each shape with EXPLAIN QUERY PLAN.
pub(crate) fn list_sql(q: &LedgerQuery, now: DateTime<Utc>) -> Result<(String, Vec<rusqlite::types::Value>)> {
    let mut sql = format!("SELECT {COLUMNS} FROM ledger l WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = vec![];
    let mut filter = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        sql.push_str(clause);
        args.push(v);
    };
    // One person's records are few: their index first, then township and kind, then kind.
    let by_person = q.responsible.is_some();
    if let Some(p) = &q.responsible {
        filter(&mut sql, " AND l.responsible = ?", p.clone().into());
    }
    if let Some(t) = &q.township {
        let clause = if by_person {
            " AND +l.township = ?"
        } else {
            " AND l.township = ?"
        };
        filter(&mut sql, clause, t.clone().into());
    }
    if let Some(k) = q.kind {
        let clause = if by_person {
            " AND +l.kind = ?"
        } else {
            " AND l.kind = ?"
        };
        filter(&mut sql, clause, k.as_str().to_string().into());
    }
    if let Some(s) = &q.status {
        filter(&mut sql, " AND +l.status = ?", s.as_str().to_string().into());
    }
    if let Some(r) = q.risk {
        filter(&mut sql, " AND +l.risk = ?", r.as_str().to_string().into());
    }
    // The deadline filters: a record with no running clock has a key beyond every deadline.
    let mut due_by: Option<i64> = None;
    if q.overdue {
        due_by = Some(now.timestamp_millis());
    }
    if let Some(days) = q.due_within_days {
        // Due by the end of the N-th day from today (Shanghai), overdue ones included.
        let last = calendar::local_date(now) + chrono::Duration::days(days.into());
        let by = calendar::end_of_day(last).timestamp_millis();
        due_by = Some(due_by.map_or(by, |d| d.min(by)));
    }
    if let Some(by) = due_by {
        filter(&mut sql, " AND l.due_key <= ?", by.into());
    }
    if let Some(after) = &q.after {
        let (key, id) = parse_cursor(after)?;
        sql.push_str(" AND (l.due_key, l.id) > (?, ?)");
        args.push(key.into());
        args.push(id.into());
    }
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if limit <= 0 || limit > MAX_PAGE {
        return Err(Error::invalid(
            "limit",
            "page_size",
            format!("a page has 1 to {MAX_PAGE} rows, not {limit}"),
        ));
    }
    sql.push_str(" ORDER BY l.due_key, l.id LIMIT ?");
    args.push(i64::from(limit).into());
    Ok((sql, args))
}

pub(crate) fn list(conn: &Connection, q: &LedgerQuery, now: DateTime<Utc>) -> Result<Vec<LedgerRow>> {
    let (sql, args) = list_sql(q, now)?;
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

/// Finds records containing every word of `text`, newest first. Words of three characters or
/// more use the trigram index, two Chinese characters the bigram index; anything shorter is
/// looked for in the index text (still no document is loaded). The full-text index drives:
/// it gives its matches newest first and the query stops at `limit`, so a word that half the
/// records contain costs what a rare one does.
pub(crate) fn search(conn: &Connection, text: &str, limit: usize, now: DateTime<Utc>) -> Result<Vec<LedgerRow>> {
    search_sql(text, limit).and_then(|(sql, args)| {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(args), |r| row(r, now))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    })
}

pub(crate) fn search_sql(text: &str, limit: usize) -> Result<(String, Vec<rusqlite::types::Value>)> {
    let terms: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if terms.is_empty() {
        return Err(Error::invalid("text", "required", "say what to search for"));
    }
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let (mut long, mut pairs, mut short) = (vec![], vec![], vec![]);
    for t in terms {
        let n = t.chars().count();
        if n >= 3 {
            long.push(quote(&t));
        } else if n == 2 && t.chars().all(is_cjk) {
            pairs.push(quote(&t));
        } else {
            short.push(t);
        }
    }
    let mut args: Vec<rusqlite::types::Value> = vec![];
    let (from, order) = if !long.is_empty() {
        args.push(long.join(" AND ").into());
        (
            "ledger_fts f JOIN ledger l ON l.rowid = f.rowid WHERE ledger_fts MATCH ?",
            "f.rowid",
        )
    } else if !pairs.is_empty() {
        args.push(std::mem::take(&mut pairs).join(" AND ").into());
        (
            "ledger_bigrams f JOIN ledger l ON l.rowid = f.rowid WHERE ledger_bigrams MATCH ?",
            "f.rowid",
        )
    } else {
        ("ledger l WHERE 1 = 1", "l.rowid")
    };
    let mut sql = format!("SELECT {COLUMNS} FROM {from}");
    // The other words are checked on each row the driver gives (one seek each), never by
    // listing all their matches first.
    if !pairs.is_empty() {
        sql.push_str(
            " AND EXISTS (SELECT 1 FROM ledger_bigrams b WHERE b.ledger_bigrams MATCH ? AND b.rowid = l.rowid)",
        );
        args.push(pairs.join(" AND ").into());
    }
    for t in short {
        sql.push_str(" AND instr((SELECT search FROM ledger_text t WHERE t.rowid = l.rowid), ?) > 0");
        args.push(t.into());
    }
    sql.push_str(&format!(" ORDER BY {order} DESC LIMIT ?"));
    args.push((limit as i64).into());
    Ok((sql, args))
}

pub(crate) fn all_conflicts(conn: &Connection) -> Result<Vec<Conflict>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, path, vals, rule, message, changes FROM conflicts ORDER BY id, path, rule")?;
    let rows = stmt
        .query_map([], |r| {
            let vals: String = r.get(2)?;
            let changes: Option<String> = r.get(5)?;
            Ok(Conflict {
                id: r.get(0)?,
                path: r.get(1)?,
                values: serde_json::from_str(&vals).unwrap_or_default(),
                rule: Some(r.get::<_, String>(3)?).filter(|s| !s.is_empty()),
                message: r.get(4)?,
                changes: changes
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                written_by: vec![],
                in_chinese: None,
                title: None,
                field_name: None,
                shown: vec![],
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every query the ledger screens, the phone's home screen and the office make reads one
    /// index range in the ledger's order: no scan of the table, no sort of it. (SQLite's plan
    /// text: `SCAN l` alone is a full scan, `USE TEMP B-TREE FOR ORDER BY` a sort.)
    #[test]
    fn every_ledger_query_reads_an_index_in_order() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = crate::Store::create(dir.path(), &[1; 32], "华新镇", "周明", crate::Role::Office).unwrap();
        let now: DateTime<Utc> = "2026-06-01T00:00:00Z".parse().unwrap();
        let q = |f: &dyn Fn(&mut LedgerQuery)| {
            let mut q = LedgerQuery {
                limit: Some(100),
                ..Default::default()
            };
            f(&mut q);
            q
        };
        let town = |q: &mut LedgerQuery| q.township = Some("华新镇".into());
        let cases = |q: &mut LedgerQuery| q.kind = Some(Kind::Case);
        let shapes: Vec<(&str, LedgerQuery)> = vec![
            ("the whole ledger", q(&|_| {})),
            (
                "the phone's home screen: its township's cases",
                q(&|q| (town(q), cases(q)).1),
            ),
            ("a kind", q(&cases)),
            ("a township (the office)", q(&town)),
            ("my cases", q(&|q| q.responsible = Some("张丽".into()))),
            (
                "my cases of a kind",
                q(&|q| (cases(q), q.responsible = Some("张丽".into())).1),
            ),
            ("overdue", q(&|q| q.overdue = true)),
            (
                "overdue cases of a township",
                q(&|q| (town(q), cases(q), q.overdue = true).2),
            ),
            ("due within 7 days", q(&|q| q.due_within_days = Some(7))),
            (
                "due within 7 days, mine",
                q(&|q| (q.due_within_days = Some(7), q.responsible = Some("张丽".into())).1),
            ),
            ("status", q(&|q| q.status = Some(LedgerStatus::InProgress))),
            (
                "the office's filter: township, kind, status, risk",
                q(&|q| {
                    (
                        town(q),
                        cases(q),
                        q.status = Some(LedgerStatus::InProgress),
                        q.risk = Some(crate::model::RiskLevel::High),
                    )
                        .3
                }),
            ),
            ("risk", q(&|q| q.risk = Some(crate::model::RiskLevel::High))),
            (
                "page 2 of a kind",
                q(&|q| (cases(q), q.after = Some("1780000000000:0190".into())).1),
            ),
            (
                "page 2 of a township's cases",
                q(&|q| (town(q), cases(q), q.after = Some("1780000000000:0190".into())).2),
            ),
        ];
        let plan = |sql: &str, args: Vec<rusqlite::types::Value>| -> Vec<String> {
            store
                .read(|c| {
                    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                    let rows = stmt
                        .query_map(params_from_iter(args), |r| r.get::<_, String>(3))?
                        .collect::<rusqlite::Result<Vec<_>>>()?;
                    Ok(rows)
                })
                .unwrap()
        };
        for (what, query) in &shapes {
            let (sql, args) = list_sql(query, now).unwrap();
            let steps = plan(&sql, args);
            let text = steps.join(" / ");
            assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{what} sorts: {text}");
            let full_scan = |s: &String| s == "SCAN l" || s.starts_with("SCAN l ");
            assert!(
                steps.iter().all(|s| !full_scan(s) || s.contains("INDEX ledger_due")),
                "{what} scans: {text}"
            );
            let reads = steps.iter().find(|s| s.contains(" l ")).unwrap();
            assert!(
                reads.contains("INDEX ledger_") && reads.contains("_due"),
                "{what}: {text}"
            );
            // An equality filter with its own index uses it; one person's, before all.
            if query.township.is_some() || query.kind.is_some() || query.responsible.is_some() {
                assert!(reads.starts_with("SEARCH l"), "{what}: {text}");
            }
            if query.responsible.is_some() {
                assert!(reads.contains("ledger_responsible_due"), "{what}: {text}");
            }
        }
        for text in ["宏达物流", "刘强", "138 宏达", "刘强 138", "宏达 a"] {
            let (sql, args) = search_sql(text, 50).unwrap();
            let steps = plan(&sql, args);
            let all = steps.join(" / ");
            assert!(
                !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                "search {text} sorts: {all}"
            );
            assert!(
                steps.iter().any(|s| s.contains("VIRTUAL TABLE INDEX")),
                "search {text}: {all}"
            );
            assert!(
                !steps.iter().any(|s| s == "SCAN l" || s.starts_with("SCAN l ")),
                "search {text} scans: {all}"
            );
            assert!(
                !steps.iter().any(|s| s.contains("LIST SUBQUERY")),
                "search {text} lists every match: {all}"
            );
        }
    }

    #[test]
    fn bigrams_pair_neighbouring_chinese_characters_only() {
        assert_eq!(bigrams("刘强\n宏达物流 abc 王"), "刘强 宏达 达物 物流");
        assert_eq!(bigrams("刘强 刘强"), "刘强");
    }
}

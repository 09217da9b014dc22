//! The 台账 as the office keeps it: one line per case with the columns the district asks for,
//! read from the hub's store (the index for the order and filters, each case for its details).

use fieldcase_core::model::{Case, CaseStatus, Kind, LedgerStatus, Record, RiskLevel};
use fieldcase_core::store::{LedgerQuery, LedgerRow};
use fieldcase_core::{words, Result, Store};

/// The columns of the ledger page and its export, in the district's order.
pub const COLUMNS: [&str; 13] = [
    "序号",
    "单位名称",
    "统一社会信用代码",
    "所属街镇",
    "行业",
    "风险等级",
    "涉及人数",
    "欠薪金额(元)",
    "包案领导",
    "责任人",
    "化解措施",
    "进展情况",
    "是否销账",
];

/// One case as a ledger line.
#[derive(Debug, Clone)]
pub struct Line {
    pub row: LedgerRow,
    pub employer: String,
    pub uscc: String,
    pub township: String,
    pub industry: String,
    pub risk: RiskLevel,
    pub workers: Option<i32>,
    pub owed_fen: Option<i64>,
    pub leader: String,
    pub person: String,
    pub measures: String,
    pub progress: String,
    pub closed: bool,
}

fn line(store: &Store, row: LedgerRow) -> Result<Option<Line>> {
    let Record::Case(c) = store.records().record(&row.id)? else {
        return Ok(None);
    };
    Ok(Some(line_of(store, row, c)))
}

/// A case as its ledger line.
fn line_of(store: &Store, row: LedgerRow, c: Case) -> Line {
    let (uscc, industry) = employer_of(store, &c);
    let progress = c
        .follow_ups
        .iter()
        .filter_map(|f| f.at.map(|at| (at, f.outcome.clone())))
        .max_by_key(|(at, _)| *at)
        .map(|(_, o)| o)
        .unwrap_or_else(|| words::status_name(row.status).to_string());
    Line {
        employer: c.employer_name.clone().unwrap_or_default(),
        uscc,
        township: c.township.clone(),
        industry,
        risk: c.risk_level,
        workers: c.workers_involved,
        owed_fen: c.amount_owed_fen,
        leader: c.responsible_leader.clone().unwrap_or_default(),
        person: c.responsible_person.clone().unwrap_or_default(),
        measures: c.resolution_plan.clone().unwrap_or_default(),
        progress,
        closed: c.status == CaseStatus::Closed && row.status == LedgerStatus::Closed,
        row,
    }
}

/// The employer's USCC and industry, when the case names an employer record.
fn employer_of(store: &Store, c: &Case) -> (String, String) {
    let Some(id) = &c.employer_id else {
        return (String::new(), String::new());
    };
    match store.records().record(id) {
        Ok(Record::Employer(e)) => (e.uscc.unwrap_or_default(), words::industry_name(e.industry).to_string()),
        _ => (String::new(), String::new()),
    }
}

/// A page of ledger lines for `query` (cases only), in the ledger's order.
pub fn page(store: &Store, query: &LedgerQuery) -> Result<Vec<Line>> {
    let rows = store.ledger().list(query)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(l) = line(store, row)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// Lines found by a search (names, companies, ID or phone numbers), newest first.
pub fn search(store: &Store, text: &str, township: Option<&str>, limit: usize) -> Result<Vec<Line>> {
    let mut out = vec![];
    for row in store.ledger().search(text, limit)? {
        if row.kind != Kind::Case || township.is_some_and(|t| t != row.township) {
            continue;
        }
        if let Some(l) = line(store, row)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// Every case line of `township` (all of the district when none), for the export.
pub fn all(store: &Store, township: Option<&str>) -> Result<Vec<Line>> {
    let mut out = vec![];
    store.ledger().each_record(Kind::Case, township, |row, record| {
        if let Record::Case(c) = record {
            out.push(line_of(store, row, c));
        }
        Ok(())
    })?;
    Ok(out)
}

//! Bringing a township's existing ledger (台账) in from the Excel or WPS file it is kept in:
//! the district's 13 columns found by their header names wherever they sit (a title row
//! above, headers over two rows under a merged group label, columns in another order, extra
//! columns listed and left out), money in 元 as people write it, dates written several ways.
//!
//! Reading the cells (`read_ledger`) decides nothing about the store; `Writer::import_ledger`
//! matches each row's employer (by USCC, else by name), checks every record it would make
//! exactly as a create would, and then writes all of them in one transaction, or none. A row
//! whose employer already has a case is left as it is, so importing the same file again
//! changes nothing, and an amount already kept is never overwritten from a spreadsheet.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{employer_name_key, Case, CaseSource, CaseStatus, Employer, Industry, Kind, Record, RiskLevel};
use crate::store::Writer;
use crate::words;

/// A column the import reads, by what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Number,
    Employer,
    Uscc,
    Township,
    Industry,
    Risk,
    Workers,
    Owed,
    Leader,
    Person,
    Measures,
    Progress,
    Closed,
    FiledOn,
    Source,
}

/// The district's 13 columns, in its order, with the names offices also use for them.
const COLUMNS: &[(Col, &str, &[&str])] = &[
    (Col::Number, "序号", &["编号", "序"]),
    (
        Col::Employer,
        "单位名称",
        &["用人单位", "企业名称", "欠薪单位", "单位", "用人单位名称", "企业"],
    ),
    (Col::Uscc, "统一社会信用代码", &["信用代码", "社会信用代码", "统一代码"]),
    (
        Col::Township,
        "所属街镇",
        &["街镇", "所属镇", "镇街", "所属镇街", "所在街镇"],
    ),
    (Col::Industry, "行业", &["所属行业", "行业类别"]),
    (Col::Risk, "风险等级", &["风险级别", "风险"]),
    (
        Col::Workers,
        "涉及人数",
        &["涉及人数(人)", "人数", "欠薪人数", "涉及农民工人数"],
    ),
    (
        Col::Owed,
        "欠薪金额(元)",
        &[
            "欠薪金额",
            "金额(元)",
            "欠薪金额(万元)",
            "金额(万元)",
            "拖欠金额(元)",
            "拖欠金额",
        ],
    ),
    (Col::Leader, "包案领导", &["包案领导姓名"]),
    (Col::Person, "责任人", &["具体责任人", "责任人姓名"]),
    (Col::Measures, "化解措施", &["化解方案", "处置措施"]),
    (Col::Progress, "进展情况", &["进展", "工作进展", "化解进展"]),
    (Col::Closed, "是否销账", &["销账", "是否销号", "销号"]),
];

/// Columns beyond the 13 that many ledgers carry and the import reads too.
const MORE_COLUMNS: &[(Col, &str, &[&str])] = &[
    (
        Col::FiledOn,
        "立案日期",
        &["登记日期", "发现日期", "排查日期", "立案时间", "登记时间"],
    ),
    (Col::Source, "案件来源", &["来源", "线索来源"]),
];

/// A header as a matching key: spaces removed, brackets of either width made one.
fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

fn column_of(text: &str) -> Option<(Col, &'static str)> {
    let key = header_key(text);
    if key.is_empty() {
        return None;
    }
    COLUMNS
        .iter()
        .chain(MORE_COLUMNS)
        .find(|(_, name, also)| header_key(name) == key || also.iter().any(|a| header_key(a) == key))
        .map(|(c, name, _)| (*c, *name))
}

/// An Excel column's letters: 0 is A, 26 is AA.
fn letters(mut i: usize) -> String {
    let mut s = vec![];
    loop {
        s.push((b'A' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.iter().rev().collect()
}

/// Something wrong with a row, or worth knowing about it, at its line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    /// The line in the file (1 is its first), as Excel and WPS number rows.
    pub line: usize,
    /// The column's header as the file writes it, when the problem is one cell's.
    pub column: Option<String>,
    /// The cell, as Excel names it (`H12`).
    pub cell: Option<String>,
    /// Whether it stops the import: a real run writes nothing while any row has one.
    pub blocking: bool,
    /// In the core's words, in Chinese.
    pub message: String,
}

/// One row of the ledger, read.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerLine {
    pub line: usize,
    pub employer: String,
    pub uscc: Option<String>,
    pub township: Option<String>,
    pub industry: Industry,
    pub risk: RiskLevel,
    pub workers: Option<i32>,
    pub owed_fen: Option<i64>,
    pub leader: Option<String>,
    pub person: Option<String>,
    pub measures: Option<String>,
    pub progress: Option<String>,
    pub closed: bool,
    pub filed_on: Option<NaiveDate>,
    pub source: CaseSource,
}

/// What the cells of a ledger say, before anything is matched against the store.
#[derive(Debug, Clone, Default)]
pub struct LedgerReading {
    pub lines: Vec<LedgerLine>,
    pub problems: Vec<LineProblem>,
    /// Headers of columns the import does not read.
    pub ignored_columns: Vec<String>,
    /// Data rows read (blank rows and a total line not counted).
    pub rows: usize,
    /// Where each column the import reads sits: its letter and its header as written.
    columns: HashMap<Col, (usize, String)>,
}

impl LedgerReading {
    fn at(&self, line: usize, col: Col, blocking: bool, message: impl Into<String>) -> LineProblem {
        let (column, cell) = match self.columns.get(&col) {
            Some((i, name)) => (Some(name.clone()), Some(format!("{}{line}", letters(*i)))),
            None => (None, None),
        };
        LineProblem {
            line,
            column,
            cell,
            blocking,
            message: message.into(),
        }
    }
}

/// Reads a date as offices write it: `2026-03-05`, `2026/3/5`, `2026.3.5`, `2026年3月5日`,
/// `20260305`, or an Excel serial day number (46086 is 2026-03-05).
pub fn read_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // An instant's time of day, as Excel writes a date-time: the date is what counts.
    let t = t.split([' ', 'T']).next().unwrap_or(t);
    if let Some(date) = t.strip_suffix('日').or(Some(t)).and_then(|t| {
        let parts: Vec<&str> = t.split(['-', '/', '.', '年', '月']).collect();
        match parts[..] {
            [y, m, d] if y.len() == 4 => NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
            _ => None,
        }
    }) {
        return Some(date);
    }
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    // Excel's day numbers count from 1899-12-30 (its 1900 leap-year slip included).
    let serial: f64 = t.parse().ok()?;
    if serial.fract() == 0.0 && (1.0..=2_958_465.0).contains(&serial) {
        return NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(serial as i64));
    }
    None
}

fn read_risk(text: &str) -> Option<RiskLevel> {
    Some(match text.trim().trim_end_matches("风险").trim_end_matches('色') {
        "高" | "红" | "high" => RiskLevel::High,
        "中" | "黄" | "橙" | "medium" => RiskLevel::Medium,
        "低" | "绿" | "蓝" | "low" => RiskLevel::Low,
        _ => return None,
    })
}

fn read_industry(text: &str) -> Option<Industry> {
    let t = text.trim();
    Some(if t.contains("物流") || t.contains("运输") || t.contains("快递") {
        Industry::Logistics
    } else if t.contains("制造") || t.contains("加工") || t.contains("工业") {
        Industry::Manufacturing
    } else if t.contains("建筑") || t.contains("建设") || t.contains("工程") || t.contains("装修") {
        Industry::Construction
    } else if t == words::industry_name(Industry::Other) {
        Industry::Other
    } else {
        return None;
    })
}

fn read_closed(text: &str) -> Option<bool> {
    match text.trim() {
        "是" | "已销账" | "已销号" | "√" | "✓" | "Y" | "y" | "yes" | "1" => Some(true),
        "否" | "未销账" | "未销号" | "" | "×" | "N" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

fn read_source(text: &str) -> Option<CaseSource> {
    use CaseSource::*;
    [Sweep, Complaint, Incident, Referral, EarlyWarning]
        .into_iter()
        .find(|s| text.trim() == words::source_name(*s) || text.trim().contains(words::source_name(*s)))
}

fn read_count(text: &str) -> Option<i32> {
    let t = text.trim().trim_end_matches('人').trim_end_matches('名');
    let n: f64 = t.parse().ok()?;
    (n.fract() == 0.0 && (0.0..=i32::MAX as f64).contains(&n)).then_some(n as i32)
}

/// Finds the header (the first row naming at least three of the columns, with the rows under
/// it that name more, as under a merged group label) and reads every row below it.
pub fn read_ledger(rows: &[Vec<String>]) -> LedgerReading {
    let mut reading = LedgerReading::default();
    let named = |row: &Vec<String>| row.iter().filter(|c| column_of(c).is_some()).count();
    // A header row names a column, and names more than half of what it holds; the header
    // is the first run of such rows that names three columns or more.
    let header_like = |row: &Vec<String>| {
        let n = named(row);
        n > 0 && n * 2 >= row.iter().filter(|c| !c.trim().is_empty()).count()
    };
    let block = |start: usize| {
        let mut last = start;
        while rows.get(last + 1).is_some_and(header_like) {
            last += 1;
        }
        last
    };
    let found = (0..rows.len().min(20))
        .filter(|&i| named(&rows[i]) > 0)
        .map(|i| (i, block(i)))
        .find(|&(i, last)| rows[i..=last].iter().map(named).sum::<usize>() >= 3);
    let Some((first, last)) = found else {
        reading.problems.push(LineProblem {
            line: 1,
            column: None,
            cell: None,
            blocking: true,
            message: "找不到台账的表头：前20行里没有一行写着“单位名称”“涉及人数”“欠薪金额(元)”等列名".into(),
        });
        return reading;
    };
    let width = rows[first..=last].iter().map(Vec::len).max().unwrap_or(0);
    let mut unread = vec![];
    for i in 0..width {
        // The lowest header cell that names a column wins over a group label above it.
        let cells: Vec<&str> = rows[first..=last]
            .iter()
            .filter_map(|r| r.get(i).map(|c| c.trim()))
            .filter(|c| !c.is_empty())
            .collect();
        match cells.iter().rev().find_map(|c| column_of(c).map(|(col, _)| (col, *c))) {
            Some((col, written)) => {
                if let Some((was, _)) = reading.columns.get(&col) {
                    reading.problems.push(LineProblem {
                        line: first + 1,
                        column: Some(written.to_string()),
                        cell: Some(format!("{}{}", letters(i), first + 1)),
                        blocking: false,
                        message: format!("“{written}”列与{}列重复，只读{}列", letters(*was), letters(*was)),
                    });
                } else {
                    reading.columns.insert(col, (i, written.to_string()));
                }
            }
            None => {
                if let Some(label) = cells.last() {
                    unread.push((i, label.to_string()));
                }
            }
        }
    }
    // A group label merged over read columns (欠薪情况 over 涉及人数 and 欠薪金额) sits in a
    // column whose lower header is read, so what is left is a column of its own.
    reading.ignored_columns = unread.into_iter().map(|(_, label)| label).collect();
    if !reading.columns.contains_key(&Col::Employer) {
        reading.problems.push(LineProblem {
            line: first + 1,
            column: None,
            cell: None,
            blocking: true,
            message: "表头没有“单位名称”一列：每一行须写明欠薪的用人单位".into(),
        });
        return reading;
    }
    let wan = reading
        .columns
        .get(&Col::Owed)
        .is_some_and(|(_, name)| header_key(name).contains("万元"));
    for (i, row) in rows.iter().enumerate().skip(last + 1) {
        let line = i + 1;
        let cell = |col: Col| -> &str {
            reading
                .columns
                .get(&col)
                .and_then(|(k, _)| row.get(*k))
                .map(|c| c.trim())
                .unwrap_or("")
        };
        let text = |col: Col| Some(cell(col).to_string()).filter(|s| !s.is_empty());
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row
            .iter()
            .take(3)
            .any(|c| matches!(header_key(c).as_str(), "合计" | "总计" | "小计"))
        {
            reading.problems.push(LineProblem {
                line,
                column: None,
                cell: None,
                blocking: false,
                message: "合计行，不作为案件导入".into(),
            });
            continue;
        }
        reading.rows += 1;
        let mut problems = vec![];
        let employer = cell(Col::Employer).to_string();
        if employer.is_empty() {
            problems.push(reading.at(line, Col::Employer, true, words::sentence("required", "employer_name")));
        }
        let industry = match text(Col::Industry) {
            None => Industry::Other,
            Some(t) => read_industry(&t).unwrap_or_else(|| {
                problems.push(reading.at(
                    line,
                    Col::Industry,
                    false,
                    format!("行业“{t}”不在分类中（物流、制造业、建筑业、其他），按“其他”导入"),
                ));
                Industry::Other
            }),
        };
        let risk = match text(Col::Risk) {
            None => {
                problems.push(reading.at(line, Col::Risk, false, "未填风险等级，按中风险导入"));
                RiskLevel::Medium
            }
            Some(t) => read_risk(&t).unwrap_or_else(|| {
                problems.push(reading.at(line, Col::Risk, true, format!("风险等级“{t}”应为高、中或低")));
                RiskLevel::Medium
            }),
        };
        let workers = text(Col::Workers).and_then(|t| {
            let n = read_count(&t);
            if n.is_none() {
                problems.push(reading.at(line, Col::Workers, true, format!("涉及人数“{t}”应为整数，如 12")));
            }
            n
        });
        let owed_fen = text(Col::Owed).and_then(|t| {
            let written = if wan && !t.ends_with('万') && !t.ends_with("万元") {
                format!("{}万", t.trim_end_matches('元'))
            } else {
                t.clone()
            };
            match crate::money::read_yuan(&written) {
                Ok(fen) => Some(fen),
                Err(rule) => {
                    problems.push(reading.at(
                        line,
                        Col::Owed,
                        true,
                        format!("“{t}”：{}", words::sentence(rule, "amount_owed_fen")),
                    ));
                    None
                }
            }
        });
        let closed = read_closed(cell(Col::Closed)).unwrap_or_else(|| {
            problems.push(reading.at(
                line,
                Col::Closed,
                true,
                format!("是否销账“{}”应为“是”或“否”", cell(Col::Closed)),
            ));
            false
        });
        let filed_on = text(Col::FiledOn).and_then(|t| {
            let d = read_date(&t);
            if d.is_none() {
                problems.push(reading.at(
                    line,
                    Col::FiledOn,
                    true,
                    format!("日期“{t}”读不出来，可写 2026-03-05、2026/3/5 或 2026年3月5日"),
                ));
            }
            d
        });
        let source = match text(Col::Source) {
            None => CaseSource::Sweep,
            Some(t) => read_source(&t).unwrap_or_else(|| {
                problems.push(reading.at(
                    line,
                    Col::Source,
                    false,
                    format!("案件来源“{t}”不在分类中（排查、投诉、突发事件、转办、预警），按“排查”导入"),
                ));
                CaseSource::Sweep
            }),
        };
        let blocked = problems.iter().any(|p| p.blocking);
        reading.problems.extend(problems);
        if blocked {
            continue;
        }
        reading.lines.push(LedgerLine {
            line,
            employer,
            uscc: text(Col::Uscc).map(|u| u.to_uppercase()),
            township: text(Col::Township),
            industry,
            risk,
            workers,
            owed_fen,
            leader: text(Col::Leader),
            person: text(Col::Person),
            measures: text(Col::Measures),
            progress: text(Col::Progress),
            closed,
            filed_on,
            source,
        });
    }
    reading
}

/// What an import did, or on a dry run would do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LedgerImport {
    pub dry_run: bool,
    /// Whether the records were written (never on a dry run, nor while a row has a blocking
    /// problem).
    pub written: bool,
    /// Data rows in the file.
    pub rows: usize,
    /// New cases, one a row.
    pub cases: usize,
    /// New employers, made for rows whose employer the store does not know.
    pub new_employers: usize,
    /// Rows whose employer the store already knew (by USCC, else by name).
    pub known_employers: usize,
    /// Rows whose employer already has a case: left as they are.
    pub already_there: usize,
    /// Rows marked 销账: not brought in as open cases.
    pub closed_rows: usize,
    /// Workers and amount owed over the new cases.
    pub workers: i64,
    pub owed_fen: i64,
    /// The amount in 元, as the ledger shows it.
    pub owed_yuan: String,
    pub ignored_columns: Vec<String>,
    /// Every row's problems and notes, by line.
    pub problems: Vec<LineProblem>,
}

impl LedgerImport {
    /// Whether any row has a problem that stops the import.
    pub fn blocked(&self) -> bool {
        self.problems.iter().any(|p| p.blocking)
    }
}

/// Which column a field of a record the import makes comes from.
fn column_of_field(kind: Kind, field: &str) -> Option<Col> {
    let top = field.split('.').next().unwrap_or(field);
    Some(match (kind, top) {
        (_, "township") => Col::Township,
        (Kind::Employer, "name") | (Kind::Case, "employer_name") => Col::Employer,
        (Kind::Employer, "uscc") => Col::Uscc,
        (Kind::Employer, "industry") => Col::Industry,
        (_, "risk_level") => Col::Risk,
        (Kind::Case, "workers_involved") => Col::Workers,
        (Kind::Case, "amount_owed_fen") => Col::Owed,
        (Kind::Case, "responsible_leader") => Col::Leader,
        (Kind::Case, "responsible_person") => Col::Person,
        (Kind::Case, "resolution_plan") => Col::Measures,
        (Kind::Case, "subject") => Col::Progress,
        (Kind::Case, "filed_on") => Col::FiledOn,
        (Kind::Case, "source") => Col::Source,
        _ => return None,
    })
}

/// A known employer, and whether it has a case already.
struct Known {
    id: String,
    name: String,
    has_case: bool,
}

impl Writer<'_> {
    /// Brings a read ledger in: for each open row, its employer (the one the store knows by
    /// USCC, else by name, else a new one) and a case. Every record is checked as a create
    /// would check it, and its problems are reported at the row's line and column. Unless
    /// `dry_run`, and if no row has a blocking problem, writes every record in one
    /// transaction: all rows or none, also when the process is killed halfway.
    pub fn import_ledger(&self, reading: &LedgerReading, dry_run: bool) -> Result<LedgerImport> {
        let scope = self.author.scope.clone();
        let mut report = LedgerImport {
            dry_run,
            rows: reading.rows,
            ignored_columns: reading.ignored_columns.clone(),
            problems: reading.problems.clone(),
            ..Default::default()
        };
        let mut known = vec![];
        let mut usccs: HashMap<String, usize> = HashMap::new();
        for (id, e) in self.store.employers(scope.as_deref())? {
            if let Some(u) = e.uscc {
                usccs.entry(u.to_uppercase()).or_insert(known.len());
            }
            known.push(Known {
                id,
                name: e.name.unwrap_or_default(),
                has_case: false,
            });
        }
        let mut cased_names = std::collections::HashSet::new();
        self.store.each_record(Kind::Case, scope.as_deref(), |_, record| {
            if let Record::Case(c) = record {
                if let Some(k) = c
                    .employer_id
                    .as_ref()
                    .and_then(|id| known.iter_mut().find(|k| &k.id == id))
                {
                    k.has_case = true;
                }
                cased_names.extend(c.employer_name.as_deref().map(employer_name_key));
            }
            Ok(())
        })?;
        // Employers this file makes, by USCC and by name, with the line that made each.
        let mut made_by_uscc: HashMap<String, (String, usize)> = HashMap::new();
        let mut made_by_name: HashMap<String, (String, usize)> = HashMap::new();
        let mut records: Vec<(String, Record, usize)> = vec![];
        for l in &reading.lines {
            let township = match (&l.township, &scope) {
                (Some(t), Some(s)) if t != s => {
                    report.problems.push(reading.at(
                        l.line,
                        Col::Township,
                        true,
                        format!("本行是{t}的案件；这里只导入{s}的台账"),
                    ));
                    continue;
                }
                (Some(t), _) => t.clone(),
                (None, Some(s)) => s.clone(),
                (None, None) => {
                    report.problems.push(reading.at(
                        l.line,
                        Col::Township,
                        true,
                        words::sentence("required", "township"),
                    ));
                    continue;
                }
            };
            if l.closed {
                report.closed_rows += 1;
                report.problems.push(reading.at(
                    l.line,
                    Col::Closed,
                    false,
                    "已销账，不作为未结案件导入（销账须有化解结果和责任人签字，请在系统中办理）",
                ));
                continue;
            }
            let name_key = employer_name_key(&l.employer);
            let found = l
                .uscc
                .as_ref()
                .and_then(|u| usccs.get(u).copied())
                .or_else(|| known.iter().position(|k| employer_name_key(&k.name) == name_key));
            let employer_id = match found {
                Some(i) => {
                    let k = &known[i];
                    report.known_employers += 1;
                    if employer_name_key(&k.name) != name_key {
                        report.problems.push(reading.at(
                            l.line,
                            Col::Employer,
                            false,
                            format!("单位名称与系统中的“{}”不同，按统一社会信用代码认作同一单位", k.name),
                        ));
                    }
                    if k.has_case || cased_names.contains(&name_key) {
                        report.already_there += 1;
                        continue;
                    }
                    k.id.clone()
                }
                None => {
                    let earlier = l
                        .uscc
                        .as_ref()
                        .and_then(|u| made_by_uscc.get(u))
                        .or_else(|| made_by_name.get(&name_key))
                        .cloned();
                    match earlier {
                        Some((id, line)) => {
                            report.problems.push(reading.at(
                                l.line,
                                Col::Employer,
                                false,
                                format!("与第{line}行是同一单位，另建一个案件"),
                            ));
                            id
                        }
                        None if cased_names.contains(&name_key) => {
                            report.already_there += 1;
                            continue;
                        }
                        None => {
                            let id = uuid::Uuid::now_v7().to_string();
                            let employer = Employer {
                                township: township.clone(),
                                name: Some(l.employer.clone()),
                                uscc: l.uscc.clone(),
                                industry: l.industry,
                                risk_level: l.risk,
                                ..Default::default()
                            };
                            made_by_name.insert(name_key.clone(), (id.clone(), l.line));
                            if let Some(u) = &l.uscc {
                                made_by_uscc.insert(u.clone(), (id.clone(), l.line));
                            }
                            records.push((id.clone(), Record::Employer(employer), l.line));
                            id
                        }
                    }
                }
            };
            let case = Case {
                township,
                status: if l.progress.is_some() || l.measures.is_some() {
                    CaseStatus::InProgress
                } else {
                    CaseStatus::Open
                },
                subject: l.progress.as_ref().map(|p| format!("台账进展：{p}")),
                employer_id: Some(employer_id),
                employer_name: Some(l.employer.clone()),
                source: l.source,
                workers_involved: l.workers,
                amount_owed_fen: l.owed_fen,
                risk_level: l.risk,
                responsible_leader: l.leader.clone(),
                responsible_person: l.person.clone(),
                resolution_plan: l.measures.clone(),
                filed_on: l.filed_on,
                ..Default::default()
            };
            records.push((uuid::Uuid::now_v7().to_string(), Record::Case(case), l.line));
        }
        // Every record checked as its create would be: the same rules, the same words.
        let mut checked = Vec::with_capacity(records.len());
        let mut checked_cases = std::collections::HashSet::new();
        for (id, record, line) in records {
            let kind = record.kind();
            match self.prepare_create(record) {
                Ok((new, warnings)) => {
                    for w in warnings.warnings() {
                        report
                            .problems
                            .push(self.problem_at(reading, line, kind, &w.field, false, w.in_chinese));
                    }
                    if kind == Kind::Case {
                        checked_cases.insert(line);
                    }
                    checked.push((id, new, line));
                }
                Err(e @ (Error::Invalid(_) | Error::Rule(_))) => {
                    for p in e.problems() {
                        report.problems.push(self.problem_at(
                            reading,
                            line,
                            kind,
                            &p.field,
                            true,
                            p.in_chinese.clone(),
                        ));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        // The totals are of the cases that would be kept: a row refused counts for nothing.
        let refused: std::collections::HashSet<usize> =
            report.problems.iter().filter(|p| p.blocking).map(|p| p.line).collect();
        for l in reading.lines.iter().filter(|l| !refused.contains(&l.line)) {
            if checked_cases.contains(&l.line) {
                report.cases += 1;
                report.workers += i64::from(l.workers.unwrap_or(0));
                report.owed_fen += l.owed_fen.unwrap_or(0);
            }
        }
        report.new_employers = checked
            .iter()
            .filter(|(_, new, line)| new.kind == Kind::Employer && !refused.contains(line))
            .count();
        report.owed_yuan = crate::money::yuan(report.owed_fen);
        report.problems.sort_by_key(|p| (p.line, !p.blocking));
        if dry_run || report.blocked() || checked.is_empty() {
            return Ok(report);
        }
        self.store.write(|tx| {
            for (id, new, _) in &checked {
                self.write_new(tx, id, new)?;
            }
            Ok(())
        })?;
        report.written = true;
        Ok(report)
    }

    fn problem_at(
        &self,
        reading: &LedgerReading,
        line: usize,
        kind: Kind,
        field: &str,
        blocking: bool,
        message: String,
    ) -> LineProblem {
        match column_of_field(kind, field) {
            Some(col) => reading.at(line, col, blocking, message),
            None => LineProblem {
                line,
                column: None,
                cell: None,
                blocking,
                message: match words::field_name(field) {
                    Some(name) => format!("{name}：{message}"),
                    None => message,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_as_offices_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5);
        for written in [
            "2026-03-05",
            "2026/3/5",
            "2026.3.5",
            "2026年3月5日",
            "20260305",
            "46086",
            "2026-03-05 00:00:00",
        ] {
            assert_eq!(read_date(written), d, "{written}");
        }
        for bad in ["", "3/5", "2026-13-01", "明天", "46086.5", "0"] {
            assert_eq!(read_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_header_is_found_under_a_title_and_over_two_rows() {
        let rows: Vec<Vec<String>> = [
            vec!["华新镇欠薪隐患排查台账", "", "", "", ""],
            vec!["序号", "单位名称", "欠薪情况", "", "备注"],
            vec!["", "", "涉及人数（人）", "欠薪金额（万元）", ""],
            vec!["1", "上海某物流有限公司", "12", "1.5", "无"],
            vec!["合计", "", "12", "1.5", ""],
        ]
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
        let r = read_ledger(&rows);
        assert_eq!(r.rows, 1);
        assert_eq!(r.lines.len(), 1);
        assert_eq!(r.lines[0].line, 4);
        assert_eq!(r.lines[0].workers, Some(12));
        assert_eq!(r.lines[0].owed_fen, Some(1_500_000));
        assert_eq!(r.ignored_columns, vec!["备注".to_string()]);
        assert!(r.problems.iter().any(|p| p.line == 5 && !p.blocking));
    }

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(12), "M");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
    }
}

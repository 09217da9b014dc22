//! Early warning from enterprise indicators (企业用工、纳税、用电等指标预警): the monthly figures
//! the district receives per employer (by USCC), kept on the employer's record, and the rules
//! that put an employer under monitoring with the reasons and the figures. A bad row of an
//! import is reported with its line number; the rest are imported.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::Result;
use crate::model::{Indicator, Kind, Record};
use crate::store::{Store, Writer};

/// The indicators an import carries, by the names kept on the employer record.
pub const HEADCOUNT: &str = "social_insurance_headcount";
pub const TAX: &str = "tax_paid_fen";
pub const ELECTRICITY: &str = "electricity_kwh";
pub const WATER: &str = "water_tonnes";
pub const ARREARS: &str = "social_insurance_arrears";

/// One month of one employer's figures, as read from a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorRow {
    pub line: usize,
    pub uscc: String,
    pub month: NaiveDate,
    pub values: Vec<(&'static str, i64)>,
}

/// A row that could not be imported, and why (in Chinese, for the office).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowProblem {
    pub line: usize,
    pub problem: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub employers: usize,
    pub problems: Vec<RowProblem>,
}

/// The thresholds that put an employer under monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rules {
    /// Social-insurance headcount down this many per cent month on month.
    pub headcount_drop_pct: u32,
    /// Electricity down this many per cent month on month.
    pub electricity_drop_pct: u32,
    /// Social-insurance arrears in this many months in a row.
    pub arrears_months: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            headcount_drop_pct: 30,
            electricity_drop_pct: 50,
            arrears_months: 2,
        }
    }
}

/// An employer the rules flag, with the reasons and the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub employer_id: String,
    pub name: String,
    pub uscc: String,
    pub township: String,
    pub reasons: Vec<String>,
    /// A case for this employer that is not closed yet, if any: the warning is being followed
    /// up, and opening another would be a second line in the ledger for the same arrears.
    pub open_case: Option<String>,
}

fn column(header: &str) -> Option<&'static str> {
    match header.trim().trim_start_matches('\u{feff}').to_lowercase().as_str() {
        "uscc" | "统一社会信用代码" => Some("uscc"),
        "month" | "月份" => Some("month"),
        "social_insurance_headcount" | "参保人数" => Some(HEADCOUNT),
        "tax_paid" | "纳税额" | "纳税额(元)" => Some(TAX),
        "electricity_kwh" | "用电量" | "用电量(千瓦时)" => Some(ELECTRICITY),
        "water_tonnes" | "用水量" | "用水量(吨)" => Some(WATER),
        "social_insurance_arrears" | "社保欠费" => Some(ARREARS),
        _ => None,
    }
}

fn month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let (y, m) = s.split_once('-').or_else(|| s.split_once('/'))?;
    let m = m.split(['-', '/']).next()?;
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// Reads rows of cells (the first is the header: USCC, month and any of the indicators, in
/// English or Chinese). Each bad row is reported with its line number (1 is the header).
pub fn read_rows(rows: &[Vec<String>]) -> (Vec<IndicatorRow>, Vec<RowProblem>) {
    let mut out = vec![];
    let mut problems = vec![];
    let Some(header) = rows.first() else {
        problems.push(RowProblem {
            line: 1,
            problem: "文件是空的".into(),
        });
        return (out, problems);
    };
    let cols: Vec<Option<&'static str>> = header.iter().map(|h| column(h)).collect();
    let at = |name: &str| cols.iter().position(|c| *c == Some(name));
    let (Some(uscc_at), Some(month_at)) = (at("uscc"), at("month")) else {
        problems.push(RowProblem {
            line: 1,
            problem: "表头须有“统一社会信用代码”和“月份”两列".into(),
        });
        return (out, problems);
    };
    for (i, row) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| row.get(k).map(|c| c.trim()).unwrap_or("");
        let uscc = cell(uscc_at).to_uppercase();
        if let Err((_, _)) =
            crate::validate::check_uscc(&uscc).or_else(|e| if e.0 == "uscc_check_char" { Ok(()) } else { Err(e) })
        {
            problems.push(RowProblem {
                line,
                problem: format!("统一社会信用代码“{uscc}”不对（应为18位）"),
            });
            continue;
        }
        let Some(m) = month(cell(month_at)) else {
            problems.push(RowProblem {
                line,
                problem: format!("月份“{}”不对，应为 2026-10 的格式", cell(month_at)),
            });
            continue;
        };
        let mut values = vec![];
        let mut bad = None;
        for (k, c) in cols.iter().enumerate() {
            let Some(name) = c.filter(|n| *n != "uscc" && *n != "month") else {
                continue;
            };
            let text = cell(k);
            if text.is_empty() {
                continue;
            }
            let v = match name {
                ARREARS => match text {
                    "1" | "是" | "yes" | "true" => Some(1),
                    "0" | "否" | "no" | "false" => Some(0),
                    _ => None,
                },
                TAX => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .map(|v| (v * 100.0).round() as i64),
                _ => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .map(|v| v.round() as i64),
            };
            match v {
                Some(v) => values.push((name, v)),
                None => {
                    bad = Some(format!(
                        "“{}”一栏的“{text}”不是有效的数",
                        header.get(k).map(|h| h.trim()).unwrap_or("")
                    ))
                }
            }
        }
        if let Some(problem) = bad {
            problems.push(RowProblem { line, problem });
            continue;
        }
        out.push(IndicatorRow {
            line,
            uscc,
            month: m,
            values,
        });
    }
    (out, problems)
}

/// Reads a CSV file (commas, UTF-8, an optional byte-order mark).
pub fn read_csv(text: &str) -> (Vec<IndicatorRow>, Vec<RowProblem>) {
    let rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .collect();
    read_rows(&rows)
}

fn per_cent_drop(before: i64, now: i64) -> Option<i64> {
    (before > 0 && now < before).then(|| (before - now) * 100 / before)
}

impl Store {
    /// Every employer record (of `township`, or all), with its id.
    pub(crate) fn employers(&self, township: Option<&str>) -> Result<Vec<(String, crate::model::Employer)>> {
        let mut out = vec![];
        self.each_record(Kind::Employer, township, |row, record| {
            if let Record::Employer(e) = record {
                out.push((row.id, e));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// For each employer with a case that is not closed, that case's id (the earliest kept).
    fn open_cases_by_employer(&self, township: Option<&str>) -> Result<std::collections::HashMap<String, String>> {
        let mut out = std::collections::HashMap::new();
        self.each_record(Kind::Case, township, |row, record| {
            if let Record::Case(c) = record {
                if c.status != crate::model::CaseStatus::Closed {
                    if let Some(e) = c.employer_id {
                        out.entry(e).or_insert(row.id);
                    }
                }
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl Writer<'_> {
    /// Puts the rows' figures on the employers they name (a month's figure replaces the one
    /// there), of the writer's township only: a row naming no employer it may change (none
    /// with that USCC, or another township's, in the same words) is reported with its line.
    pub fn import_indicators(&self, rows: &[IndicatorRow], mut problems: Vec<RowProblem>) -> Result<ImportReport> {
        let employers = self.store.employers(self.author.scope.as_deref())?;
        let mut by_employer: std::collections::BTreeMap<String, Vec<&IndicatorRow>> = Default::default();
        for row in rows {
            match employers
                .iter()
                .find(|(_, e)| e.uscc.as_deref().map(str::to_uppercase).as_deref() == Some(&row.uscc))
            {
                Some((id, _)) => by_employer.entry(id.clone()).or_default().push(row),
                // A code that is not a USCC at all is a typo to fix, not an unknown employer.
                None => problems.push(RowProblem {
                    line: row.line,
                    problem: match crate::validate::check_uscc(&row.uscc) {
                        Err((rule, _)) => format!("{}：{}", row.uscc, crate::words::sentence(rule, "uscc")),
                        Ok(()) => format!("没有统一社会信用代码为 {} 的用人单位", row.uscc),
                    },
                }),
            }
        }
        let mut imported = 0;
        for (id, rows) in &by_employer {
            let Some((_, e)) = employers.iter().find(|(i, _)| i == id) else {
                continue;
            };
            let mut list = e.indicators.clone();
            for row in rows {
                for (name, value) in &row.values {
                    list.retain(|i| !(i.name == *name && i.on == Some(row.month)));
                    list.push(Indicator {
                        on: Some(row.month),
                        name: name.to_string(),
                        value: Some(*value),
                        note: None,
                    });
                }
                imported += 1;
            }
            list.sort_by(|a, b| (a.on, &a.name).cmp(&(b.on, &b.name)));
            let value: Value = serde_json::to_value(&list).map_err(|e| crate::Error::Internal(e.to_string()))?;
            self.edit(id, &[("indicators".into(), value)])?;
        }
        problems.sort_by_key(|p| p.line);
        Ok(ImportReport {
            rows: imported,
            employers: by_employer.len(),
            problems,
        })
    }
}

impl Store {
    /// The employers the rules flag, in `township` (all when none), with the reasons.
    fn warnings(&self, township: Option<&str>, rules: &Rules) -> Result<Vec<Warning>> {
        let mut out = vec![];
        let mut open_cases = self.open_cases_by_employer(township)?;
        for (id, e) in self.employers(township)? {
            let series = |name: &str| -> Vec<(NaiveDate, i64)> {
                let mut v: Vec<(NaiveDate, i64)> = e
                    .indicators
                    .iter()
                    .filter(|i| i.name == name)
                    .filter_map(|i| Some((i.on?, i.value?)))
                    .collect();
                v.sort();
                v
            };
            let mut reasons = vec![];
            let label = |d: NaiveDate| format!("{}年{}月", d.year(), d.month());
            for (name, what, unit, limit) in [
                (HEADCOUNT, "参保人数", "人", rules.headcount_drop_pct),
                (ELECTRICITY, "用电量", "千瓦时", rules.electricity_drop_pct),
            ] {
                let s = series(name);
                if let [.., (m1, before), (m2, now)] = s[..] {
                    if let Some(drop) = per_cent_drop(before, now).filter(|d| *d >= i64::from(limit)) {
                        reasons.push(format!(
                            "{what}环比下降{drop}%（{}{before}{unit}，{}{now}{unit}）",
                            label(m1),
                            label(m2)
                        ));
                    }
                }
            }
            let arrears = series(ARREARS);
            let run = arrears.iter().rev().take_while(|(_, v)| *v > 0).count();
            if rules.arrears_months > 0 && run >= rules.arrears_months as usize {
                let since = arrears[arrears.len() - run].0;
                reasons.push(format!("社保连续{run}个月欠费（自{}起）", label(since)));
            }
            if !reasons.is_empty() {
                out.push(Warning {
                    name: e.name.clone().unwrap_or_default(),
                    uscc: e.uscc.clone().unwrap_or_default(),
                    township: e.township.clone(),
                    reasons,
                    open_case: open_cases.remove(&id),
                    employer_id: id,
                });
            }
        }
        out.sort_by(|a, b| (&a.township, &a.name, &a.employer_id).cmp(&(&b.township, &b.name, &b.employer_id)));
        Ok(out)
    }
}

impl Writer<'_> {
    /// Opens a case for a flagged employer (source: early warning); the reasons go into it.
    ///
    /// An employer whose case is still open is not given a second: the open case's id is
    /// answered. The case is filed today, so its clock runs and the weekly report counts it.
    pub fn open_case_from_warning(&self, w: &Warning) -> Result<String> {
        if let Some(id) = self
            .store
            .open_cases_by_employer(Some(&w.township))?
            .remove(&w.employer_id)
        {
            return Ok(id);
        }
        let filed_on = crate::calendar::local_date(self.store.now());
        let case = json!({
            "filed_on": filed_on.to_string(),
            "township": w.township,
            "status": "open",
            "source": "early_warning",
            "subject": format!("{}：指标预警", w.name),
            "employer_id": w.employer_id,
            "employer_name": w.name,
            "risk_level": "high",
            "resolution_plan": w.reasons.join("；"),
        });
        Ok(self.create_json(Kind::Case, case)?.id)
    }
}

impl crate::store::Ledger<'_> {
    /// The employers the rules flag, in `township` (all when none), with the reasons.
    pub fn warnings(&self, township: Option<&str>, rules: &Rules) -> Result<Vec<Warning>> {
        self.0.warnings(township, rules)
    }
}

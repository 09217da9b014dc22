//! The three zeros (三个零) the office reports upward, computed here so that a phone and the
//! office give the same numbers:
//!
//! 1. no unstable employer out of monitoring (源头监控零失控): high-risk employers with no
//!    follow-up (a case follow-up, an inspection, an incident) for more days than the
//!    calendar's `monitoring_days`;
//! 2. immediate response to every incident (快速处置零距离): minutes from the report to the grid
//!    assistant on site, and to the inspector on site;
//! 3. no growth in extreme wage-claim acts (极端讨薪行为零增长): incidents with threats of extreme
//!    acts, counted by month.
//!
//! Everything is read from the index (events written when records are indexed); no document
//! is loaded.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::Connection;

use crate::store::events;
use serde::Serialize;

use crate::calendar::{self, Calendar};
use crate::error::Result;
use crate::model::employer_name_key;
use crate::store::Store;

/// Which township and which days (Shanghai dates, both included).
#[derive(Debug, Clone, Default)]
pub struct ZerosQuery {
    pub township: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuietEmployer {
    pub id: String,
    pub name: String,
    pub township: String,
    pub last_follow_up: Option<DateTime<Utc>>,
    /// Whole days since the last follow-up; none when there never was one.
    pub days_since: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitoring {
    /// Days without a follow-up after which an employer counts as out of monitoring.
    pub quiet_days: u32,
    pub high_risk_employers: u32,
    pub out_of_monitoring: Vec<QuietEmployer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentResponse {
    pub id: String,
    pub township: String,
    pub reported_at: DateTime<Utc>,
    pub minutes_to_grid_assistant: Option<i64>,
    pub minutes_to_inspector: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub incidents: Vec<IncidentResponse>,
    pub median_minutes_to_grid_assistant: Option<i64>,
    pub median_minutes_to_inspector: Option<i64>,
    /// Incidents where nobody is recorded on site yet.
    pub without_grid_assistant: u32,
    pub without_inspector: u32,
    /// Incidents with an arrival recorded before the incident was reported: a time typed wrong,
    /// left out of the medians (a negative response time is no response time) and counted
    /// here, so that somebody corrects it.
    pub times_to_check: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCount {
    /// `YYYY-MM`
    pub month: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtremeActs {
    pub by_month: Vec<MonthCount>,
    /// The last month counted more than the month before it.
    pub growth: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zeros {
    pub township: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub monitoring: Monitoring,
    pub response: Response,
    pub extreme_acts: ExtremeActs,
}

fn median(mut xs: Vec<i64>) -> Option<i64> {
    xs.sort_unstable();
    (!xs.is_empty()).then(|| xs[xs.len() / 2])
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn zeros(c: &Connection, q: &ZerosQuery, now: DateTime<Utc>, cal: &Calendar) -> Result<Zeros> {
    let to = q.to.unwrap_or_else(|| calendar::local_date(now));
    let as_of = calendar::end_of_day(to).min(now.max(calendar::start_of_day(to)));
    let start = q.from.map(calendar::start_of_day).map(millis).unwrap_or(i64::MIN);
    let end = millis(calendar::end_of_day(to));
    let township = q.township.as_deref();

    // 1. High-risk employers and their last follow-up.
    let quiet_days = cal.monitoring_days(to.year());
    let employers = events::high_risk_employers(c, township)?;
    let mut out_of_monitoring = vec![];
    for (id, name, township) in &employers {
        let last = events::last_follow_up(c, &[id, &employer_name_key(name)], millis(as_of))?;
        let last = last.map(crate::store::millis_to_time);
        let days_since = last.map(|t| (as_of - t).num_days());
        if days_since.is_none_or(|d| d > i64::from(quiet_days)) {
            out_of_monitoring.push(QuietEmployer {
                id: id.clone(),
                name: name.clone(),
                township: township.clone(),
                last_follow_up: last,
                days_since,
            });
        }
    }

    // 2. Each incident reported in the period: minutes to the first arrivals.
    let mut by_incident: BTreeMap<String, (String, i64, Option<i64>, Option<i64>)> = BTreeMap::new();
    {
        for (id, t, at) in events::incidents_reported(c, start, end, township)? {
            by_incident.insert(id, (t, at, None, None));
        }
        for (id, (_, reported, grid, inspector)) in by_incident.iter_mut() {
            for (what, at) in events::first_arrivals(c, id)? {
                // Kept as recorded (negative when the arrival was typed before the report),
                // so the incident's line shows what needs correcting.
                let minutes = Some((at - *reported) / 60_000);
                if what == "grid_on_site" {
                    *grid = minutes;
                } else {
                    *inspector = minutes;
                }
            }
        }
    }
    let incidents: Vec<IncidentResponse> = by_incident
        .into_iter()
        .map(|(id, (township, at, grid, inspector))| IncidentResponse {
            id,
            township,
            reported_at: crate::store::millis_to_time(at),
            minutes_to_grid_assistant: grid,
            minutes_to_inspector: inspector,
        })
        .collect();
    let response_times = |m: Option<i64>| m.filter(|m| *m >= 0);
    let response = Response {
        median_minutes_to_grid_assistant: median(
            incidents
                .iter()
                .filter_map(|i| response_times(i.minutes_to_grid_assistant))
                .collect(),
        ),
        median_minutes_to_inspector: median(
            incidents
                .iter()
                .filter_map(|i| response_times(i.minutes_to_inspector))
                .collect(),
        ),
        times_to_check: incidents
            .iter()
            .filter(|i| {
                i.minutes_to_grid_assistant.is_some_and(|m| m < 0) || i.minutes_to_inspector.is_some_and(|m| m < 0)
            })
            .count() as u32,
        without_grid_assistant: incidents
            .iter()
            .filter(|i| i.minutes_to_grid_assistant.is_none())
            .count() as u32,
        without_inspector: incidents.iter().filter(|i| i.minutes_to_inspector.is_none()).count() as u32,
        incidents,
    };

    // 3. Extreme acts by month.
    let mut months: BTreeMap<String, u32> = BTreeMap::new();
    {
        for at in events::extreme_acts(c, start, end, township)? {
            let d = calendar::local_date(crate::store::millis_to_time(at));
            *months.entry(format!("{:04}-{:02}", d.year(), d.month())).or_default() += 1;
        }
    }
    // Months with none count too: from the first month of the period to the last.
    if let Some(from) = q.from {
        let mut m = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
        while m <= to {
            months.entry(format!("{:04}-{:02}", m.year(), m.month())).or_default();
            m = m
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(to + chrono::Duration::days(1));
        }
    }
    let by_month: Vec<MonthCount> = months
        .into_iter()
        .map(|(month, count)| MonthCount { month, count })
        .collect();
    let growth = by_month.len() >= 2 && by_month[by_month.len() - 1].count > by_month[by_month.len() - 2].count;

    Ok(Zeros {
        township: q.township.clone(),
        from: q.from,
        to,
        monitoring: Monitoring {
            quiet_days,
            high_risk_employers: employers.len() as u32,
            out_of_monitoring,
        },
        response,
        extreme_acts: ExtremeActs { by_month, growth },
    })
}

impl Store {
    /// The three zeros for a township (all, when none) over a period (to today when open).
    fn report_zeros(&self, q: &ZerosQuery) -> Result<Zeros> {
        let now = self.now();
        let cal = self.calendar();
        self.read(|c| zeros(c, q, now, &cal))
    }
}

/// One line of the weekly report: a township's cases by risk and status, what came and went in
/// the week, and the money.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WeekLine {
    pub township: String,
    /// Open cases (not closed) by risk level: high, medium, low.
    pub open_high: u32,
    pub open_medium: u32,
    pub open_low: u32,
    pub in_progress: u32,
    pub closed: u32,
    /// Filed in the week; closed in the week (their resolution's date); overdue now.
    pub new: u32,
    pub resolved: u32,
    pub overdue: u32,
    /// Owed on open cases; recovered by the cases resolved in the week.
    pub owed_fen: i64,
    pub recovered_fen: i64,
}

/// The weekly report the office sends the district's leading group during stabilisation
/// periods: one line per township and the total, the incidents and the three zeros.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub lines: Vec<WeekLine>,
    pub total: WeekLine,
    pub zeros: Zeros,
}

impl Store {
    /// The week `from`..=`to` (Shanghai dates) for a township, or the whole district.
    fn report_week(&self, township: Option<&str>, from: NaiveDate, to: NaiveDate) -> Result<Week> {
        use crate::model::{CaseStatus, Record, RiskLevel};
        let mut by_township: BTreeMap<String, WeekLine> = BTreeMap::new();
        self.each_record(crate::model::Kind::Case, township, |row, record| {
            let Record::Case(c) = record else { return Ok(()) };
            let l = by_township.entry(row.township.clone()).or_insert_with(|| WeekLine {
                township: row.township.clone(),
                ..Default::default()
            });
            let closed = row.status == crate::model::LedgerStatus::Closed;
            if closed {
                l.closed += 1;
            } else {
                match c.risk_level {
                    RiskLevel::High => l.open_high += 1,
                    RiskLevel::Medium => l.open_medium += 1,
                    RiskLevel::Low => l.open_low += 1,
                }
                if c.status == CaseStatus::InProgress {
                    l.in_progress += 1;
                }
                l.owed_fen += c.amount_owed_fen.unwrap_or(0);
            }
            if row.overdue {
                l.overdue += 1;
            }
            if c.filed_on.is_some_and(|d| d >= from && d <= to) {
                l.new += 1;
            }
            if let Some(r) = c.resolution.as_ref().filter(|_| closed) {
                if r.on.is_some_and(|d| d >= from && d <= to) {
                    l.resolved += 1;
                    l.recovered_fen += r.amount_paid_fen.unwrap_or(0);
                }
            }
            Ok(())
        })?;
        let lines: Vec<WeekLine> = by_township.into_values().collect();
        let mut total = WeekLine {
            township: "合计".into(),
            ..Default::default()
        };
        for l in &lines {
            total.open_high += l.open_high;
            total.open_medium += l.open_medium;
            total.open_low += l.open_low;
            total.in_progress += l.in_progress;
            total.closed += l.closed;
            total.new += l.new;
            total.resolved += l.resolved;
            total.overdue += l.overdue;
            total.owed_fen += l.owed_fen;
            total.recovered_fen += l.recovered_fen;
        }
        let zeros = self.report_zeros(&ZerosQuery {
            township: township.map(str::to_string),
            from: Some(from),
            to: Some(to),
        })?;
        Ok(Week {
            from,
            to,
            lines,
            total,
            zeros,
        })
    }
}

/// One week of the trend: cases filed and resolved, and what the resolved recovered.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WeekPoint {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opened: u32,
    pub resolved: u32,
    pub recovered_fen: i64,
}

impl Store {
    /// The `weeks` weeks ending on `to` (oldest first), from one pass over the cases.
    fn report_trend(&self, township: Option<&str>, to: NaiveDate, weeks: u32) -> Result<Vec<WeekPoint>> {
        use crate::model::Record;
        let weeks = weeks.clamp(1, 104);
        let first = to - chrono::Duration::days(7 * i64::from(weeks) - 1);
        let mut points: Vec<WeekPoint> = (0..weeks)
            .map(|i| {
                let from = first + chrono::Duration::days(7 * i64::from(i));
                WeekPoint {
                    from,
                    to: from + chrono::Duration::days(6),
                    ..Default::default()
                }
            })
            .collect();
        let bucket = |d: NaiveDate| (d >= first && d <= to).then(|| ((d - first).num_days() / 7) as usize);
        self.each_record(crate::model::Kind::Case, township, |row, record| {
            let Record::Case(c) = record else { return Ok(()) };
            if let Some(i) = c.filed_on.and_then(bucket) {
                points[i].opened += 1;
            }
            if row.status == crate::model::LedgerStatus::Closed {
                if let Some(r) = &c.resolution {
                    if let Some(i) = r.on.and_then(bucket) {
                        points[i].resolved += 1;
                        points[i].recovered_fen += r.amount_paid_fen.unwrap_or(0);
                    }
                }
            }
            Ok(())
        })?;
        Ok(points)
    }
}

impl crate::store::Ledger<'_> {
    /// The three zeros for a township (all, when none) over a period (to today when open).
    pub fn zeros(&self, q: &ZerosQuery) -> Result<Zeros> {
        self.0.report_zeros(q)
    }

    /// The weekly report (周报) of `township` (all, when none) for `from..=to`.
    pub fn week(&self, township: Option<&str>, from: NaiveDate, to: NaiveDate) -> Result<Week> {
        self.0.report_week(township, from, to)
    }

    /// Cases filed and resolved and the amount recovered, week by week, over `weeks` weeks up
    /// to `to`.
    pub fn trend(&self, township: Option<&str>, to: NaiveDate, weeks: u32) -> Result<Vec<WeekPoint>> {
        self.0.report_trend(township, to, weeks)
    }
}

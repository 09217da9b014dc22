//! The office's pages: one askama template a page (`hub/templates/`), filled from typed view
//! models made here. Templates escape every value by construction (a name with markup in it
//! shows as text and never runs); the only markup passed through is the QR code the `qrcode`
//! crate draws. The words of the pages are in the templates; the names of the core's values
//! (kinds, statuses, risk levels, ...) and every rule's sentence come from the core's table.
//! Plain pages that print: no scripts at all.

use askama::Template;
use fieldcase_core::model::{FollowUpKind, LedgerStatus, Record, RiskLevel};
use fieldcase_core::money::yuan;
use fieldcase_core::store::{AuditEntry, OfficeUser, SealStatus, StoredRecord};
use fieldcase_core::time::show_local;
use fieldcase_core::words;

use super::ledger::{Line, COLUMNS};

/// The header of every page once logged in: where the office is, who, and the logout form.
pub struct Nav {
    pub place: String,
    pub user: String,
    pub csrf: String,
}

impl Nav {
    pub fn of(user: &OfficeUser, csrf: &str) -> Nav {
        Nav {
            place: user.township.clone().unwrap_or_else(|| "全区".into()),
            user: user.name.clone(),
            csrf: csrf.to_string(),
        }
    }
}

/// A choice in a `<select>`.
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn options<T: Copy + PartialEq + Into<&'static str>>(
    values: &[T],
    label: impl Fn(T) -> &'static str,
    current: Option<T>,
) -> Vec<Opt> {
    values
        .iter()
        .map(|v| Opt {
            value: (*v).into(),
            label: label(*v),
            selected: current == Some(*v),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub problem: Option<&'a str>,
}

/// A refusal, with the way back when logged in.
#[derive(Template)]
#[template(path = "refused.html")]
pub struct Refused<'a> {
    pub nav: Option<Nav>,
    pub problem: &'a str,
    pub back: &'a str,
}

/// What the ledger page was asked for, to keep the filters in its links.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub risk: Option<RiskLevel>,
    pub status: Option<LedgerStatus>,
    pub overdue: bool,
    pub q: String,
    pub township: String,
}

impl Filters {
    /// The link to the page after the row whose cursor is `after`, percent-encoded.
    pub fn next_page(&self, after: &str) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("risk", self.risk.map(RiskLevel::as_str).unwrap_or(""));
        q.append_pair("status", self.status.map(LedgerStatus::as_str).unwrap_or(""));
        q.append_pair("overdue", if self.overdue { "1" } else { "" });
        q.append_pair("township", &self.township);
        q.append_pair("after", after);
        format!("/office?{}", q.finish())
    }
}

pub struct LedgerLine {
    pub n: usize,
    pub id: String,
    pub name: String,
    pub uscc: String,
    pub township: String,
    pub industry: String,
    pub risk: &'static str,
    pub high: bool,
    pub workers: String,
    pub owed: String,
    pub leader: String,
    pub person: String,
    pub measures: String,
    pub progress: String,
    pub closed: &'static str,
    pub due: String,
    pub overdue: bool,
    /// Open conflicts on the case (two values for a field, or a broken rule): the line says so.
    pub conflicts: i32,
}

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct Ledger {
    pub nav: Option<Nav>,
    pub risks: Vec<Opt>,
    pub statuses: Vec<Opt>,
    pub overdue: bool,
    pub district: bool,
    pub township: String,
    pub q: String,
    pub columns: &'static [&'static str],
    pub lines: Vec<LedgerLine>,
    pub next: Option<String>,
    /// The lines shown, added up, and how many of them are closed (the weekly report counts
    /// open cases only; the page says which it is).
    pub total_workers: String,
    pub total_owed: String,
    pub total_closed: usize,
}

/// The statuses a case's ledger line may have, for the filter.
const CASE_STATUSES: [LedgerStatus; 3] = [LedgerStatus::Open, LedgerStatus::InProgress, LedgerStatus::Closed];
const RISKS: [RiskLevel; 3] = [RiskLevel::High, RiskLevel::Medium, RiskLevel::Low];

fn with_any(mut opts: Vec<Opt>, label: &'static str, none_chosen: bool) -> Vec<Opt> {
    opts.insert(
        0,
        Opt {
            value: "",
            label,
            selected: none_chosen,
        },
    );
    opts
}

impl Ledger {
    pub fn new(user: &OfficeUser, csrf: &str, f: &Filters, lines: &[Line], next: Option<&str>) -> Ledger {
        Ledger {
            nav: Some(Nav::of(user, csrf)),
            risks: with_any(options(&RISKS, words::risk_name, f.risk), "全部风险", f.risk.is_none()),
            statuses: with_any(
                options(&CASE_STATUSES, words::status_name, f.status),
                "全部状态",
                f.status.is_none(),
            ),
            overdue: f.overdue,
            district: user.township.is_none(),
            township: f.township.clone(),
            q: f.q.clone(),
            columns: &COLUMNS,
            lines: lines
                .iter()
                .enumerate()
                .map(|(i, l)| LedgerLine {
                    n: i + 1,
                    id: l.row.id.clone(),
                    name: match (l.employer.trim(), l.row.title.trim()) {
                        ("", "") => "（未填单位名称）".to_string(),
                        ("", title) => title.to_string(),
                        (employer, _) => employer.to_string(),
                    },
                    uscc: l.uscc.clone(),
                    township: l.township.clone(),
                    industry: l.industry.clone(),
                    risk: words::risk_name(l.risk),
                    high: l.risk == RiskLevel::High,
                    workers: l.workers.map(|w| w.to_string()).unwrap_or_default(),
                    owed: l.owed_fen.map(yuan).unwrap_or_default(),
                    leader: l.leader.clone(),
                    person: l.person.clone(),
                    measures: l.measures.clone(),
                    progress: l.progress.clone(),
                    closed: if l.closed { "是" } else { "否" },
                    due: l.row.due_on.map(|d| d.to_string()).unwrap_or_default(),
                    overdue: l.row.overdue,
                    conflicts: l.row.conflicts,
                })
                .collect(),
            next: next.map(|cursor| f.next_page(cursor)),
            total_workers: lines
                .iter()
                .map(|l| u64::try_from(l.workers.unwrap_or(0)).unwrap_or(0))
                .sum::<u64>()
                .to_string(),
            total_owed: yuan(lines.iter().map(|l| l.owed_fen.unwrap_or(0)).sum()),
            total_closed: lines.iter().filter(|l| l.closed).count(),
        }
    }
}

/// A record that refers to the case (an inspection, an interview, a mediation): its seal and
/// whether it verifies, and its pictures (signatures, photos).
pub struct Linked {
    pub id: String,
    pub how: fieldcase_core::model::Relation,
    pub kind: fieldcase_core::model::Kind,
    pub seal: Option<SealStatus>,
    pub images: Vec<fieldcase_core::model::AttachmentRef>,
}

/// What the case page shows: the case, and the records linked to it.
pub struct CaseShown {
    pub stored: StoredRecord,
    pub linked: Vec<Linked>,
    /// The employer the case names, when the office may see it (for its USCC and industry).
    pub employer: Option<fieldcase_core::model::Employer>,
}

/// How a closed case was resolved, and who signed it off.
pub struct ResolutionShown {
    pub kind: &'static str,
    pub on: String,
    pub paid: String,
    pub reference: String,
    pub signed_off: String,
}

/// A picture of a record, served from the hub (signatures are SVG, photos JPEG or PNG).
pub struct Picture {
    pub record: String,
    pub sha256: String,
    pub label: &'static str,
}

fn pictures(record: &str, images: &[fieldcase_core::model::AttachmentRef]) -> Vec<Picture> {
    images
        .iter()
        .filter(|a| matches!(a.mime.as_str(), "image/jpeg" | "image/png" | "image/svg+xml"))
        .map(|a| Picture {
            record: record.to_string(),
            sha256: a.sha256.clone(),
            label: words::purpose_name(a.purpose.as_deref()),
        })
        .collect()
}

pub enum SealShown {
    Verified(String),
    Broken,
    Unsigned,
}

pub struct LinkedShown {
    pub id: String,
    pub kind: &'static str,
    /// It prints as a paper document (its 打印 link).
    pub printable: bool,
    pub how: &'static str,
    pub seal: SealShown,
    pub pictures: Vec<Picture>,
}

pub struct Clock {
    pub text: String,
    pub overdue: bool,
}

pub struct FollowUpShown {
    pub at: String,
    pub kind: &'static str,
    pub by: String,
    pub outcome: String,
}

pub struct ClaimShown {
    pub name: String,
    pub resident_id: String,
    pub owed: String,
}

pub struct Choice {
    pub index: usize,
    pub value: String,
    pub who: String,
}

pub struct ConflictShown {
    pub path: String,
    pub field: String,
    /// A broken rule, in the core's words; else the values to choose from.
    pub rule: Option<String>,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub id: String,
    pub subject: String,
    pub done: Option<&'static str>,
    pub problem: Option<String>,
    pub status: &'static str,
    pub risk: &'static str,
    pub clock: Option<Clock>,
    pub employer: String,
    pub workers: String,
    pub owed: String,
    pub leader: String,
    pub person: String,
    pub plan: String,
    pub risks: Vec<Opt>,
    pub follow_ups: Vec<FollowUpShown>,
    pub follow_up_kinds: Vec<Opt>,
    pub claims: Vec<ClaimShown>,
    pub photos: Vec<Picture>,
    pub linked: Vec<LinkedShown>,
    pub conflicts: Vec<ConflictShown>,
    /// What the rules warn of in the record as it stands (never blocking), to check.
    pub warnings: Vec<String>,
    pub uscc: String,
    pub industry: String,
    pub filed_on: String,
    pub source: &'static str,
    /// A closed case shows how it was resolved, and offers no forms that would change it.
    pub resolution: Option<ResolutionShown>,
}

/// What the rules warn of in `record` now, in the core's words: the office sees what a phone
/// was told when it saved.
pub fn warnings_of(record: &Record) -> Vec<String> {
    record
        .check(false, chrono::Utc::now())
        .warnings()
        .into_iter()
        .map(|p| match words::field_name(&p.field) {
            Some(field) => format!("{field}：{}", p.in_chinese),
            None => p.in_chinese,
        })
        .collect()
}

impl CasePage {
    /// Whether the field at `path` has values to choose between (or breaks a rule): its line at
    /// the top of the page is marked, so nobody reads one value as the case's.
    pub fn in_conflict(&self, path: &str) -> bool {
        self.conflicts.iter().any(|c| c.path == path)
    }
}

impl CasePage {
    /// The case page; `None` when the record is not a case.
    pub fn new(
        user: &OfficeUser,
        csrf: &str,
        shown: &CaseShown,
        done: Option<&'static str>,
        problem: Option<&str>,
    ) -> Option<CasePage> {
        let s = &shown.stored;
        let Record::Case(c) = &s.record else {
            return None;
        };
        let clock = match (&s.clock_text, s.days_left) {
            (Some(text), Some(left)) => Some(Clock {
                text: text.clone(),
                overdue: left < 0,
            }),
            _ => None,
        };
        let mut timeline: Vec<_> = c.follow_ups.iter().collect();
        timeline.sort_by_key(|f| std::cmp::Reverse(f.at));
        let follow_ups = timeline
            .iter()
            .map(|f| FollowUpShown {
                at: f.at.map(show_local).unwrap_or_default(),
                kind: words::follow_up_name(f.kind),
                by: f.by.clone(),
                outcome: f.outcome.clone(),
            })
            .collect();
        let linked = shown
            .linked
            .iter()
            .map(|l| LinkedShown {
                id: l.id.clone(),
                kind: words::kind_name(l.kind),
                printable: crate::documents::document_name(l.kind).is_some(),
                how: words::relation_name(l.how),
                seal: match &l.seal {
                    Some(st) if st.verified => SealShown::Verified(format!(
                        "已签署封存，核验通过（{} {}，指纹 {}…）",
                        st.seal.user,
                        show_local(st.seal.sealed_at),
                        &st.seal.hash[..16.min(st.seal.hash.len())]
                    )),
                    Some(_) => SealShown::Broken,
                    None => SealShown::Unsigned,
                },
                pictures: pictures(&l.id, &l.images),
            })
            .collect();
        let conflicts = s
            .conflicts
            .iter()
            .map(|x| ConflictShown {
                path: x.path.clone(),
                field: x.field_name.clone().unwrap_or_else(|| x.path.clone()),
                rule: x.rule.as_ref().map(|_| x.in_chinese.clone().unwrap_or_default()),
                choices: x
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Choice {
                        index: i,
                        value: x.shown.get(i).cloned().unwrap_or_else(|| v.to_string()),
                        who: x
                            .written_by
                            .get(i)
                            .cloned()
                            .flatten()
                            .map(|w| format!("{} {}", w.user, show_local(w.at)))
                            .unwrap_or_else(|| "来自未知设备".into()),
                    })
                    .collect(),
            })
            .collect();
        const KINDS: [FollowUpKind; 4] = [
            FollowUpKind::Visit,
            FollowUpKind::Interview,
            FollowUpKind::PetitionReception,
            FollowUpKind::Call,
        ];
        Some(CasePage {
            nav: Some(Nav::of(user, csrf)),
            csrf: csrf.to_string(),
            id: s.id.clone(),
            subject: c.subject.clone().unwrap_or_else(|| "案件".into()),
            done,
            problem: problem.map(str::to_string),
            status: words::status_name(s.ledger_status),
            risk: words::risk_name(c.risk_level),
            clock,
            employer: c.employer_name.clone().unwrap_or_default(),
            workers: c.workers_involved.map(|w| w.to_string()).unwrap_or_default(),
            owed: c.amount_owed_fen.map(yuan).unwrap_or_default(),
            leader: c.responsible_leader.clone().unwrap_or_default(),
            person: c.responsible_person.clone().unwrap_or_default(),
            plan: c.resolution_plan.clone().unwrap_or_default(),
            risks: options(&RISKS, words::risk_name, Some(c.risk_level)),
            follow_ups,
            follow_up_kinds: options(&KINDS, words::follow_up_name, None),
            claims: c
                .wage_claims
                .iter()
                .map(|w| ClaimShown {
                    name: w.worker_name.clone(),
                    resident_id: w.resident_id.clone().unwrap_or_default(),
                    owed: w.amount_owed_fen.map(yuan).unwrap_or_default(),
                })
                .collect(),
            photos: pictures(&s.id, s.record.attachments()),
            linked,
            conflicts,
            warnings: warnings_of(&s.record),
            uscc: shown.employer.as_ref().and_then(|e| e.uscc.clone()).unwrap_or_default(),
            industry: shown
                .employer
                .as_ref()
                .map(|e| words::industry_name(e.industry).to_string())
                .unwrap_or_default(),
            filed_on: c.filed_on.map(|d| d.to_string()).unwrap_or_default(),
            source: words::source_name(c.source),
            resolution: (c.status == fieldcase_core::model::CaseStatus::Closed).then(|| {
                let r = c.resolution.clone().unwrap_or_default();
                ResolutionShown {
                    kind: r.kind.map(words::resolution_name).unwrap_or("—"),
                    on: r.on.map(|d| d.to_string()).unwrap_or_else(|| "—".into()),
                    paid: r
                        .amount_paid_fen
                        .map(|f| format!("{} 元", yuan(f)))
                        .unwrap_or_else(|| "—".into()),
                    reference: r.reference.unwrap_or_else(|| "—".into()),
                    signed_off: c
                        .sign_off
                        .as_ref()
                        .map(|so| format!("{}　{}", so.by, so.at.map(show_local).unwrap_or_default()))
                        .unwrap_or_else(|| "—".into()),
                }
            }),
        })
    }
}

pub struct AuditShown {
    pub at: String,
    pub user: String,
    pub action: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct Audit {
    pub nav: Option<Nav>,
    pub entries: Vec<AuditShown>,
}

impl Audit {
    pub fn new(user: &OfficeUser, csrf: &str, entries: &[AuditEntry]) -> Audit {
        Audit {
            nav: Some(Nav::of(user, csrf)),
            entries: entries
                .iter()
                .map(|e| AuditShown {
                    at: show_local(e.at),
                    user: e.user.clone(),
                    action: words::audit_action_name(&e.action).to_string(),
                    detail: e.detail.clone(),
                })
                .collect(),
        }
    }
}

/// A bar of a chart, as SVG needs it.
pub struct Rect {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub fill: &'static str,
}

impl Rect {
    fn new(x: f64, y: f64, w: f64, h: f64, fill: &'static str) -> Rect {
        let n = |v: f64| format!("{v:.1}");
        Rect {
            x: n(x),
            y: n(y),
            w: n(w),
            h: n(h),
            fill,
        }
    }
}

/// A row of a horizontal bar chart: its label, its bars and the number at its end.
pub struct BarRow {
    pub label: String,
    pub text_y: u32,
    pub segments: Vec<Rect>,
    pub total: u32,
    pub total_x: String,
}

pub struct BarChart {
    pub height: u32,
    pub rows: Vec<BarRow>,
}

pub struct Label {
    pub x: String,
    pub y: String,
    pub text: String,
}

pub struct Trend {
    pub width: String,
    pub height: String,
    pub bars: Vec<Rect>,
    pub texts: Vec<Label>,
    pub path: String,
    pub total: String,
}

pub struct WeekLineShown {
    pub township: String,
    pub total: bool,
    pub open_high: u32,
    pub open_medium: u32,
    pub open_low: u32,
    pub in_progress: u32,
    pub closed: u32,
    pub new: u32,
    pub resolved: u32,
    pub overdue: u32,
    pub owed: String,
    pub recovered: String,
}

pub struct ZerosShown {
    pub high_risk: u32,
    pub quiet_days: u32,
    pub out_of_monitoring: usize,
    pub incidents: usize,
    pub median_grid: String,
    pub median_inspector: String,
    pub times_to_check: String,
    pub extreme: String,
    pub growth: bool,
}

pub struct ResponseShown {
    pub township: String,
    pub reported: String,
    pub grid: String,
    pub inspector: String,
}

/// The weekly report as a page that prints: the table by township, a chart of open cases by
/// risk level, the trend of eight weeks, incidents by township, the three zeros.
#[derive(Template)]
#[template(path = "week.html")]
pub struct WeekPage {
    pub nav: Option<Nav>,
    pub from: String,
    pub to: String,
    pub xlsx: String,
    pub lines: Vec<WeekLineShown>,
    pub chart: BarChart,
    pub trend: Trend,
    pub incidents_chart: BarChart,
    pub zeros: ZerosShown,
    pub responses: Vec<ResponseShown>,
}

fn minutes(m: Option<i64>, none: &str) -> String {
    m.map(|m| format!("{m} 分钟")).unwrap_or_else(|| none.to_string())
}

impl WeekPage {
    pub fn new(
        user: &OfficeUser,
        csrf: &str,
        w: &fieldcase_core::report::Week,
        trend: &[fieldcase_core::report::WeekPoint],
    ) -> WeekPage {
        let shown = |l: &fieldcase_core::report::WeekLine, total: bool| WeekLineShown {
            township: l.township.clone(),
            total,
            open_high: l.open_high,
            open_medium: l.open_medium,
            open_low: l.open_low,
            in_progress: l.in_progress,
            closed: l.closed,
            new: l.new,
            resolved: l.resolved,
            overdue: l.overdue,
            owed: yuan(l.owed_fen),
            recovered: yuan(l.recovered_fen),
        };
        let mut lines: Vec<_> = w.lines.iter().map(|l| shown(l, false)).collect();
        lines.push(shown(&w.total, true));
        let z = &w.zeros;
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("from", &w.from.to_string());
        query.append_pair("to", &w.to.to_string());
        WeekPage {
            nav: Some(Nav::of(user, csrf)),
            from: w.from.to_string(),
            to: w.to.to_string(),
            xlsx: format!("/office/week.xlsx?{}", query.finish()),
            lines,
            chart: open_cases_chart(&w.lines),
            trend: trend_chart(trend),
            incidents_chart: incidents_chart(&z.response.incidents),
            zeros: ZerosShown {
                high_risk: z.monitoring.high_risk_employers,
                quiet_days: z.monitoring.quiet_days,
                out_of_monitoring: z.monitoring.out_of_monitoring.len(),
                incidents: z.response.incidents.len(),
                median_grid: minutes(z.response.median_minutes_to_grid_assistant, "—"),
                median_inspector: minutes(z.response.median_minutes_to_inspector, "—"),
                times_to_check: super::xlsx::times_to_check(z.response.times_to_check),
                extreme: {
                    let by: Vec<String> = z
                        .extreme_acts
                        .by_month
                        .iter()
                        .map(|m| format!("{}：{} 起", m.month, m.count))
                        .collect();
                    if by.is_empty() {
                        "无".into()
                    } else {
                        by.join("；")
                    }
                },
                growth: z.extreme_acts.growth,
            },
            responses: z
                .response
                .incidents
                .iter()
                .map(|i| ResponseShown {
                    township: i.township.clone(),
                    reported: show_local(i.reported_at),
                    grid: minutes(i.minutes_to_grid_assistant, "未到场"),
                    inspector: minutes(i.minutes_to_inspector, "未到场"),
                })
                .collect(),
        }
    }
}

/// Open cases by township, stacked by risk: a chart to look at, not to read.
fn open_cases_chart(lines: &[fieldcase_core::report::WeekLine]) -> BarChart {
    let most = lines
        .iter()
        .map(|l| l.open_high + l.open_medium + l.open_low)
        .max()
        .unwrap_or(0)
        .max(1);
    let rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let y = 30 + i as u32 * 34;
            let mut x = 120.0;
            let mut segments = vec![];
            for (n, colour) in [
                (l.open_high, "#b3261e"),
                (l.open_medium, "#e8a33d"),
                (l.open_low, "#6b8e23"),
            ] {
                let width = 560.0 * f64::from(n) / f64::from(most);
                segments.push(Rect::new(x, f64::from(y), width, 24.0, colour));
                x += width;
            }
            BarRow {
                label: l.township.clone(),
                text_y: y + 17,
                segments,
                total: l.open_high + l.open_medium + l.open_low,
                total_x: format!("{:.1}", x + 6.0),
            }
        })
        .collect();
    BarChart {
        height: 40 + lines.len() as u32 * 34,
        rows,
    }
}

/// Cases filed and resolved per week (bars side by side) and the amount recovered (a line).
fn trend_chart(points: &[fieldcase_core::report::WeekPoint]) -> Trend {
    let most = points
        .iter()
        .map(|p| p.opened.max(p.resolved))
        .max()
        .unwrap_or(0)
        .max(1);
    let most_fen = points.iter().map(|p| p.recovered_fen).max().unwrap_or(0).max(1);
    let (left, top, h, step) = (40.0, 30.0, 160.0, 80.0);
    let (mut bars, mut texts, mut path) = (vec![], vec![], String::new());
    let label = |x: f64, y: f64, text: String| Label {
        x: format!("{x:.1}"),
        y: format!("{y:.1}"),
        text,
    };
    for (i, p) in points.iter().enumerate() {
        let x = left + step * i as f64;
        for (k, (n, colour)) in [(p.opened, "#4a3f8c"), (p.resolved, "#6b8e23")].into_iter().enumerate() {
            let bar = h * f64::from(n) / f64::from(most);
            bars.push(Rect::new(x + 28.0 * k as f64, top + h - bar, 26.0, bar, colour));
            if n > 0 {
                texts.push(label(x + 13.0 + 28.0 * k as f64, top + h - bar - 3.0, n.to_string()));
            }
        }
        let y = top + h - h * p.recovered_fen as f64 / most_fen as f64;
        path.push_str(&format!("{}{:.1},{y:.1}", if i == 0 { "M" } else { " L" }, x + 27.0));
        texts.push(label(x + 27.0, top + h + 16.0, p.from.format("%m-%d").to_string()));
    }
    Trend {
        width: format!("{:.0}", left + step * points.len() as f64 + 20.0),
        height: format!("{:.0}", top + h + 24.0),
        bars,
        texts,
        path,
        total: yuan(points.iter().map(|p| p.recovered_fen).sum()),
    }
}

/// Incidents in the period by township: one bar each.
fn incidents_chart(incidents: &[fieldcase_core::report::IncidentResponse]) -> BarChart {
    let mut by: std::collections::BTreeMap<&str, u32> = Default::default();
    for i in incidents {
        *by.entry(i.township.as_str()).or_default() += 1;
    }
    let most = by.values().copied().max().unwrap_or(1).max(1);
    let rows = by
        .iter()
        .enumerate()
        .map(|(i, (t, n))| {
            let y = 10 + i as u32 * 30;
            let w = 400.0 * f64::from(*n) / f64::from(most);
            BarRow {
                label: t.to_string(),
                text_y: y + 15,
                segments: vec![Rect::new(120.0, f64::from(y), w, 20.0, "#b3261e")],
                total: *n,
                total_x: format!("{:.1}", 126.0 + w),
            }
        })
        .collect();
    BarChart {
        height: 20 + by.len() as u32 * 30,
        rows,
    }
}

/// A year of the calendar as the clocks count it.
pub struct YearShown {
    pub year: i32,
    pub source: Option<String>,
    pub covered: bool,
    pub holidays: Vec<chrono::NaiveDate>,
    pub working_weekends: Vec<chrono::NaiveDate>,
    pub monitoring_days: u32,
}

impl YearShown {
    pub fn of(cal: &fieldcase_core::calendar::Calendar, year: i32) -> YearShown {
        YearShown {
            year,
            source: cal.source(year).map(str::to_string),
            covered: cal.covers(year),
            holidays: cal.holidays(year),
            working_weekends: cal.working_weekends(year),
            monitoring_days: cal.monitoring_days(year),
        }
    }
}

#[derive(Template)]
#[template(path = "calendar.html")]
pub struct CalendarPage {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub year: i32,
    pub source: String,
    pub holidays: Vec<String>,
    pub working_weekends: Vec<String>,
    pub monitoring_days: u32,
    pub problem: Option<String>,
    pub district: bool,
}

impl CalendarPage {
    pub fn new(user: &OfficeUser, csrf: &str, y: &YearShown, problem: Option<&str>) -> CalendarPage {
        let days = |ds: &[chrono::NaiveDate]| ds.iter().map(|d| d.to_string()).collect();
        CalendarPage {
            nav: Some(Nav::of(user, csrf)),
            csrf: csrf.to_string(),
            year: y.year,
            source: match (&y.source, y.covered) {
                (Some(s), true) => format!("来源：{}", words::calendar_source_name(s)),
                _ => "本年度尚无日历：期限只按周末计算".to_string(),
            },
            holidays: days(&y.holidays),
            working_weekends: days(&y.working_weekends),
            monitoring_days: y.monitoring_days,
            problem: problem.map(str::to_string),
            district: user.township.is_none(),
        }
    }
}

pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub township: String,
    pub status: &'static str,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "incidents.html")]
pub struct Incidents {
    pub nav: Option<Nav>,
    pub rows: Vec<IncidentRow>,
}

impl Incidents {
    pub fn new(user: &OfficeUser, csrf: &str, rows: &[fieldcase_core::store::LedgerRow]) -> Incidents {
        Incidents {
            nav: Some(Nav::of(user, csrf)),
            rows: rows
                .iter()
                .map(|r| IncidentRow {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    township: r.township.clone(),
                    status: words::status_name(r.status),
                    updated: show_local(r.updated_at),
                })
                .collect(),
        }
    }
}

pub struct Step {
    pub what: &'static str,
    pub at: String,
    pub after: String,
}

/// A fast report (快报) of one incident, for the leading group: it prints on one page.
#[derive(Template)]
#[template(path = "fast_report.html")]
pub struct FastReport {
    pub nav: Option<Nav>,
    pub id: String,
    pub township: String,
    pub reported: String,
    pub address: String,
    pub headcount: String,
    pub employer: String,
    pub amount: String,
    pub months: String,
    pub signs: String,
    pub demands: String,
    pub representatives: String,
    pub steps: Vec<Step>,
    pub advance: &'static str,
    pub warnings: Vec<String>,
}

impl FastReport {
    pub fn new(user: &OfficeUser, csrf: &str, id: &str, i: &fieldcase_core::model::Incident) -> FastReport {
        let dash = || "—".to_string();
        let at = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(show_local).unwrap_or_else(dash);
        let after = |t: Option<chrono::DateTime<chrono::Utc>>| match (i.reported_at, t) {
            (Some(r), Some(t)) if t >= r => format!("（报告后 {} 分钟）", (t - r).num_minutes()),
            (Some(_), Some(_)) => "（早于报告时间，请核对）".to_string(),
            _ => String::new(),
        };
        let signs: Vec<&str> = i.risk_signs.iter().map(|s| words::risk_sign_name(*s)).collect();
        let e = &i.escalation;
        let reps: Vec<String> = i
            .representatives
            .iter()
            .map(|r| format!("{} {}", r.name, r.phone.as_deref().unwrap_or("")))
            .collect();
        FastReport {
            nav: Some(Nav::of(user, csrf)),
            id: id.to_string(),
            township: i.township.clone(),
            reported: at(i.reported_at),
            address: i.address.clone().unwrap_or_else(dash),
            headcount: i.headcount.map(|h| h.to_string()).unwrap_or_else(dash),
            employer: i.employer_name.clone().unwrap_or_else(dash),
            amount: i.amount_claimed_fen.map(yuan).unwrap_or_else(dash),
            months: i.months_owed.map(|m| m.to_string()).unwrap_or_else(dash),
            signs: if signs.is_empty() {
                "无".into()
            } else {
                signs.join("、")
            },
            demands: i.demands.clone().unwrap_or_else(dash),
            representatives: if reps.is_empty() { dash() } else { reps.join("；") },
            steps: [
                ("网格员到场", e.grid_assistant_arrived_at),
                ("通知监察员", e.inspector_notified_at),
                ("监察员到场", e.inspector_arrived_at),
                ("上报领导小组", e.escalated_to_leading_group_at),
                ("通报外区", e.other_district_notified_at),
            ]
            .into_iter()
            .map(|(what, t)| Step {
                what,
                at: at(t),
                after: after(t),
            })
            .collect(),
            advance: if i.fund_advance_requested { "是" } else { "否" },
            warnings: warnings_of(&Record::Incident(i.clone())),
        }
    }
}

/// Employers under monitoring by the rules, with the reasons and figures; the rules as a form;
/// importing a month's indicators (CSV or XLSX); opening a case from a warning.
#[derive(Template)]
#[template(path = "warnings.html")]
pub struct WarningsPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rules: &'a fieldcase_core::warning::Rules,
    pub list: &'a [fieldcase_core::warning::Warning],
    pub report: Option<&'a fieldcase_core::warning::ImportReport>,
}

/// A device just enrolled: its one-time code and the join link a phone scans.
pub struct Enrolled {
    pub user: String,
    pub code: String,
    pub link: String,
    /// The join link as a QR code, drawn as SVG by the `qrcode` crate.
    pub qr: String,
    pub expires: String,
}

pub struct DeviceShown {
    pub id: String,
    pub user: String,
    pub role: &'static str,
    pub township: String,
    pub state: String,
    pub active: bool,
}

/// The township's devices, enrolling a new one (its join link as a QR code), revoking one.
#[derive(Template)]
#[template(path = "devices.html")]
pub struct Devices {
    pub nav: Option<Nav>,
    pub csrf: String,
    pub enrolled: Option<Enrolled>,
    pub problem: Option<String>,
    pub roles: Vec<Opt>,
    pub district: bool,
    pub list: Vec<DeviceShown>,
}

impl Devices {
    pub fn new(
        user: &OfficeUser,
        csrf: &str,
        list: &[fieldcase_core::sync::Device],
        enrolled: Option<Enrolled>,
        problem: Option<&str>,
    ) -> Devices {
        use fieldcase_core::Role;
        Devices {
            nav: Some(Nav::of(user, csrf)),
            csrf: csrf.to_string(),
            enrolled,
            problem: problem.map(str::to_string),
            roles: options(&[Role::Inspector, Role::Grid, Role::Mediator], words::role_name, None),
            district: user.township.is_none(),
            list: list
                .iter()
                .map(|d| DeviceShown {
                    id: d.id.clone(),
                    user: d.user.clone(),
                    role: words::role_name(d.role),
                    township: d.township.clone(),
                    state: match (&d.revoked_at, &d.last_sync_at) {
                        (Some(t), _) => format!("已停用 {}", show_local(*t)),
                        (None, Some(t)) => format!("上次同步 {}", show_local(*t)),
                        (None, None) => "尚未同步".into(),
                    },
                    active: d.revoked_at.is_none(),
                })
                .collect(),
        }
    }
}

/// The QR code of a join link as SVG, drawn by the `qrcode` crate (no script, no image file).
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(180, 180)
            .quiet_zone(true)
            .build()
            .replacen("<svg ", "<svg id=\"qr\" ", 1),
        Err(_) => String::new(),
    }
}

/// What a ledger import did, or on a check would do.
#[derive(Template)]
#[template(path = "ledger_import.html")]
pub struct LedgerImportPage<'a> {
    pub nav: Option<Nav>,
    pub file: &'a str,
    pub report: &'a fieldcase_core::ledger_import::LedgerImport,
}

impl LedgerImportPage<'_> {
    pub fn blocking(&self) -> usize {
        self.report.problems.iter().filter(|p| p.blocking).count()
    }
}

/// The office's verify page: paste what a scanner read off a printed page's QR code.
#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub code: &'a str,
    pub check: Option<Result<fieldcase_core::store::PrintedCheck, String>>,
}

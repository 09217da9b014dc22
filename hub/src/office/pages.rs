//! The office's pages as HTML. Every value from a record is escaped (`esc`): a name with markup
//! in it shows as text and never runs. Plain pages that print: no scripts at all.

use fieldcase_core::model::Record;
use fieldcase_core::store::{AuditEntry, OfficeUser, StoredRecord};
use fieldcase_core::words;

use super::ledger::{Line, COLUMNS};

/// Text for HTML: the five characters that could start markup or end an attribute.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", f % 100)
}

const STYLE: &str =
    "body{font-family:'WenQuanYi Zen Hei','Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:0;color:#1d1b20}\
header{background:#4a3f8c;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:center}\
header a{color:#fff}main{padding:16px 20px}table{border-collapse:collapse;width:100%;font-size:13px}\
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}\
.high{color:#b3261e;font-weight:bold}.overdue{color:#b3261e}.muted{color:#666}form.inline{display:inline}\
.filters{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:10px;align-items:center}\
.error{color:#b3261e}.ok{color:#1b5e20}.box{border:1px solid #ccc;padding:10px;margin:10px 0}\
@media print{header,.filters,form{display:none}}";

pub fn layout(title: &str, user: Option<&OfficeUser>, csrf: &str, body: &str) -> String {
    let nav = match user {
        Some(u) => format!(
            "<header><b>欠薪台账 · {}</b><a href=\"/office\">台账</a><a href=\"/office/week\">周报</a><a href=\"/office/incidents\">突发事件</a><a href=\"/office/warnings\">预警</a><a href=\"/office/devices\">设备</a><a href=\"/office/calendar\">日历</a><a href=\"/office/audit\">操作记录</a>\
             <a href=\"/office/ledger.xlsx\">导出Excel</a><span class=\"muted\" style=\"color:#ddd\">{}</span>\
             <form class=\"inline\" method=\"post\" action=\"/office/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button>退出</button></form></header>",
            esc(u.township.as_deref().unwrap_or("全区")),
            esc(&u.name),
            esc(csrf)
        ),
        None => "<header><b>欠薪台账 · 街镇办公室</b></header>".to_string(),
    };
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head>\
         <body>{nav}<main>{body}</main></body></html>",
        esc(title)
    )
}

/// What a refused login says, whatever the cause (an unknown name, a wrong password, a locked
/// account): the page never tells whether a name exists.
pub const LOGIN_REFUSED: &str = "用户名或密码不对，或账户已暂时锁定（连续输错 5 次锁定 15 分钟）";

pub fn login(csrf: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p class=\"error\" id=\"problem\">{}</p>", esc(p)))
        .unwrap_or_default();
    layout(
        "登录",
        None,
        csrf,
        &format!(
            "<h2>登录</h2>{problem}<form method=\"post\" action=\"/office/login\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <p><label>用户名 <input name=\"user\" id=\"user\" autocomplete=\"username\"></label></p>\
             <p><label>密码 <input name=\"password\" id=\"password\" type=\"password\" autocomplete=\"current-password\"></label></p>\
             <p><button id=\"login\">登录</button></p></form>",
            esc(csrf)
        ),
    )
}

/// What the ledger page was asked for, to keep the filters in its links.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    pub risk: String,
    pub status: String,
    pub overdue: bool,
    pub q: String,
    pub township: String,
}

pub fn ledger(user: &OfficeUser, csrf: &str, f: &Filters, lines: &[Line], next: Option<&str>, start: usize) -> String {
    let opt = |value: &str, label: &str, current: &str| {
        format!(
            "<option value=\"{}\"{}>{}</option>",
            esc(value),
            if value == current { " selected" } else { "" },
            esc(label)
        )
    };
    let risks = [
        ("", "全部风险"),
        ("high", "高风险"),
        ("medium", "中风险"),
        ("low", "低风险"),
    ]
    .iter()
    .map(|(v, l)| opt(v, l, &f.risk))
    .collect::<String>();
    let statuses = [
        ("", "全部状态"),
        ("open", "待处理"),
        ("in_progress", "处理中"),
        ("closed", "已办结"),
    ]
    .iter()
    .map(|(v, l)| opt(v, l, &f.status))
    .collect::<String>();
    let township = if user.township.is_none() {
        format!(
            "<input name=\"township\" id=\"township\" placeholder=\"街镇\" value=\"{}\">",
            esc(&f.township)
        )
    } else {
        String::new()
    };
    let mut rows = String::new();
    for (i, l) in lines.iter().enumerate() {
        let overdue = if l.row.overdue { " class=\"overdue\"" } else { "" };
        rows.push_str(&format!(
            "<tr{overdue}><td>{}</td><td><a href=\"/office/case/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td>\
             <td{}>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            start + i + 1,
            esc(&l.row.id),
            esc(if l.employer.is_empty() { &l.row.title } else { &l.employer }),
            esc(&l.uscc),
            esc(&l.township),
            esc(&l.industry),
            if l.risk == "高风险" { " class=\"high\"" } else { "" },
            esc(&l.risk),
            l.workers.map(|w| w.to_string()).unwrap_or_default(),
            l.owed_fen.map(yuan).unwrap_or_default(),
            esc(&l.leader),
            esc(&l.person),
            esc(&l.measures),
            esc(&l.progress),
            if l.closed { "是" } else { "否" },
            esc(&l.row.due_on.map(|d| d.to_string()).unwrap_or_default()),
        ));
    }
    let head: String = COLUMNS.iter().map(|c| format!("<th>{c}</th>")).collect::<String>() + "<th>截止日期</th>";
    let more = next
        .map(|cursor| {
            format!(
                "<p><a id=\"next\" href=\"/office?risk={}&status={}&overdue={}&township={}&after={}\">下一页</a></p>",
                esc(&f.risk),
                esc(&f.status),
                if f.overdue { "1" } else { "" },
                esc(&f.township),
                esc(cursor)
            )
        })
        .unwrap_or_default();
    layout(
        "台账",
        Some(user),
        csrf,
        &format!(
            "<form class=\"filters\" method=\"get\" action=\"/office\">\
             <select name=\"risk\" id=\"risk\">{risks}</select><select name=\"status\" id=\"status\">{statuses}</select>\
             <label><input type=\"checkbox\" name=\"overdue\" value=\"1\"{}> 已逾期</label>{township}\
             <input name=\"q\" id=\"q\" placeholder=\"搜索：姓名、单位、身份证号或电话\" value=\"{}\">\
             <button id=\"filter\">查看</button></form>\
             <p class=\"muted\">按截止日期排序；{} 行</p><table id=\"ledger\"><tr>{head}</tr>{rows}</table>{more}",
            if f.overdue { " checked" } else { "" },
            esc(&f.q),
            lines.len()
        ),
    )
}

/// A record that refers to the case (an inspection, an interview, a mediation): its seal and
/// whether it verifies, and its pictures (signatures, photos).
pub struct Linked {
    pub id: String,
    pub how: String,
    pub kind: String,
    pub seal: Option<fieldcase_core::store::SealStatus>,
    pub images: Vec<fieldcase_core::model::AttachmentRef>,
}

/// What the case page shows: the case, and the records linked to it.
pub struct CaseShown {
    pub stored: StoredRecord,
    pub linked: Vec<Linked>,
}

/// The pictures of a record, served from the hub (signatures are SVG, photos JPEG or PNG).
fn pictures(record: &str, images: &[fieldcase_core::model::AttachmentRef]) -> String {
    images
        .iter()
        .filter(|a| matches!(a.mime.as_str(), "image/jpeg" | "image/png" | "image/svg+xml"))
        .map(|a| {
            format!(
                "<figure style=\"display:inline-block;margin:4px\"><img src=\"/office/attachment/{}/{}\" alt=\"{}\" style=\"max-height:90px;border:1px solid #ccc;background:#fff\">\
                 <figcaption class=\"muted\">{}</figcaption></figure>",
                esc(record),
                esc(&a.sha256),
                esc(a.purpose.as_deref().unwrap_or("")),
                match a.purpose.as_deref() {
                    Some("signature") => "签名",
                    Some("photo") => "照片",
                    _ => "附件",
                }
            )
        })
        .collect()
}

pub fn case(user: &OfficeUser, csrf: &str, shown: &CaseShown, done: Option<&str>, problem: Option<&str>) -> String {
    let s = &shown.stored;
    let Record::Case(c) = &s.record else {
        return layout("记录", Some(user), csrf, "<p>这不是案件。</p>");
    };
    let clock = match (&s.deadline, s.days_left) {
        (Some(d), Some(left)) => format!(
            "<p id=\"clock\"{}>{}：截止 {}，{}</p>",
            if left < 0 { " class=\"overdue\"" } else { "" },
            esc(s.clock_name.as_deref().unwrap_or("办理时限")),
            d.due_on,
            if left >= 0 {
                format!("还剩 {left} 天")
            } else {
                format!("已逾期 {} 天", -left)
            }
        ),
        _ => String::new(),
    };
    let mut timeline: Vec<_> = c.follow_ups.iter().collect();
    timeline.sort_by_key(|f| std::cmp::Reverse(f.at));
    let follow: String = timeline
        .iter()
        .map(|f| {
            format!(
                "<li>{} {} {}：{}</li>",
                f.at.map(fieldcase_core::calendar::show_local).unwrap_or_default(),
                esc(follow_kind(f.kind)),
                esc(&f.by),
                esc(&f.outcome)
            )
        })
        .collect();
    let claims: String = c
        .wage_claims
        .iter()
        .map(|w| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&w.worker_name),
                esc(w.resident_id.as_deref().unwrap_or("")),
                w.amount_owed_fen.map(yuan).unwrap_or_default()
            )
        })
        .collect();
    let linked: String = shown
        .linked
        .iter()
        .map(|l| {
            let seal = match &l.seal {
                Some(st) if st.verified => format!(
                    "<span class=\"ok\">已签署封存，核验通过（{} {}，指纹 {}…）</span>",
                    esc(&st.seal.user),
                    fieldcase_core::calendar::show_local(st.seal.sealed_at),
                    esc(&st.seal.hash[..16.min(st.seal.hash.len())])
                ),
                Some(_) => "<span class=\"error\">已签署，但签章无法核验</span>".to_string(),
                None => "<span class=\"muted\">未签署</span>".to_string(),
            };
            format!(
                "<li>{}（{}） {} {seal}<br>{}</li>",
                esc(&l.kind),
                match l.how.as_str() {
                    "corrects" => "更正本案记录",
                    "follows_from" => "由本案而来",
                    _ => "关于本案",
                },
                esc(&l.id),
                pictures(&l.id, &l.images)
            )
        })
        .collect();
    let photos = pictures(&s.id, s.record.attachments());
    let conflicts: String = s
        .conflicts
        .iter()
        .map(|x| {
            if x.rule.is_some() {
                return format!(
                    "<li>{}：{}</li>",
                    esc(x.field_name.as_deref().unwrap_or(&x.path)),
                    esc(x.in_chinese.as_deref().unwrap_or(""))
                );
            }
            let choices: String = x
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let who = x
                        .written_by
                        .get(i)
                        .cloned()
                        .flatten()
                        .map(|w| format!("{} {}", w.user, fieldcase_core::calendar::show_local(w.at)))
                        .unwrap_or_else(|| "来自未知设备".into());
                    format!(
                        "<form class=\"inline\" method=\"post\" action=\"/office/case/{}/resolve\">\
                         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"path\" value=\"{}\">\
                         <input type=\"hidden\" name=\"choice\" value=\"{i}\"><b>{}</b>（{}）<button>保留这个</button></form> ",
                        esc(&s.id),
                        esc(csrf),
                        esc(&x.path),
                        esc(&v.to_string()),
                        esc(&who)
                    )
                })
                .collect();
            format!("<li>{}：{choices}</li>", esc(x.field_name.as_deref().unwrap_or(&x.path)))
        })
        .collect();
    let note = done
        .map(|d| format!("<p class=\"ok\" id=\"done\">{}</p>", esc(d)))
        .unwrap_or_default()
        + &problem
            .map(|p| format!("<p class=\"error\" id=\"problem\">{}</p>", esc(p)))
            .unwrap_or_default();
    layout(
        c.subject.as_deref().unwrap_or("案件"),
        Some(user),
        csrf,
        &format!(
            "<h2 id=\"subject\">{}</h2>{note}<p>{} · {}</p>{clock}\
             <table><tr><th>单位名称</th><td id=\"employer\">{}</td></tr><tr><th>涉及人数</th><td>{}</td></tr>\
             <tr><th>欠薪金额(元)</th><td>{}</td></tr><tr><th>包案领导</th><td id=\"leader\">{}</td></tr>\
             <tr><th>责任人</th><td id=\"person\">{}</td></tr><tr><th>化解措施</th><td>{}</td></tr></table>\
             <div class=\"box\"><h3>指定包案领导和责任人</h3><form method=\"post\" action=\"/office/case/{}/assign\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <label>包案领导 <input name=\"leader\" id=\"new-leader\" value=\"{}\"></label> \
             <label>责任人 <input name=\"person\" id=\"new-person\" value=\"{}\"></label> <button id=\"assign\">保存</button></form></div>\
             <div class=\"box\"><form method=\"post\" action=\"/office/case/{}/risk\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <label>风险等级 <select name=\"risk\" id=\"new-risk\">{}</select></label> <button id=\"set-risk\">设定</button></form></div>\
             <h3>跟进记录</h3><ul>{follow}</ul><form method=\"post\" action=\"/office/case/{}/follow-up\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <select name=\"kind\"><option value=\"visit\">下访</option><option value=\"interview\">约谈</option>\
             <option value=\"petition_reception\">接访</option><option value=\"call\">电话</option></select> \
             <input name=\"outcome\" id=\"outcome\" size=\"50\" placeholder=\"结果\"> <button id=\"add-follow-up\">添加跟进</button></form><h3>工资诉求</h3><table><tr><th>姓名</th><th>身份证号</th><th>金额(元)</th></tr>{claims}</table>\
             <h3>照片</h3><p>{}</p><h3>关联记录</h3><ul id=\"linked\">{}</ul><h3>冲突</h3><ul>{}</ul>",
            esc(c.subject.as_deref().unwrap_or("案件")),
            esc(words::status_name(&s.ledger_status)),
            esc(words::risk_name(c.risk_level.as_str())),
            esc(c.employer_name.as_deref().unwrap_or("")),
            c.workers_involved.map(|w| w.to_string()).unwrap_or_default(),
            c.amount_owed_fen.map(yuan).unwrap_or_default(),
            esc(c.responsible_leader.as_deref().unwrap_or("")),
            esc(c.responsible_person.as_deref().unwrap_or("")),
            esc(c.resolution_plan.as_deref().unwrap_or("")),
            esc(&s.id),
            esc(csrf),
            esc(c.responsible_leader.as_deref().unwrap_or("")),
            esc(c.responsible_person.as_deref().unwrap_or("")),
            esc(&s.id),
            esc(csrf),
            ["high", "medium", "low"]
                .iter()
                .map(|r| format!(
                    "<option value=\"{r}\"{}>{}</option>",
                    if *r == c.risk_level.as_str() { " selected" } else { "" },
                    words::risk_name(r)
                ))
                .collect::<String>(),
            esc(&s.id),
            esc(csrf),
            if photos.is_empty() { "<span class=\"muted\">无</span>".to_string() } else { photos },
            if linked.is_empty() { "<li class=\"muted\">无</li>".to_string() } else { linked },
            if conflicts.is_empty() { "<li class=\"muted\">无</li>".to_string() } else { conflicts },
        ),
    )
}

fn follow_kind(k: fieldcase_core::model::FollowUpKind) -> &'static str {
    use fieldcase_core::model::FollowUpKind::*;
    match k {
        Visit => "下访",
        Interview => "约谈",
        PetitionReception => "接访",
        Call => "电话",
    }
}

pub fn audit(user: &OfficeUser, csrf: &str, entries: &[AuditEntry]) -> String {
    let rows: String = entries
        .iter()
        .map(|e| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                fieldcase_core::calendar::show_local(e.at),
                esc(&e.user),
                esc(&e.action),
                esc(&e.detail)
            )
        })
        .collect();
    layout(
        "操作记录",
        Some(user),
        csrf,
        &format!("<h2>操作记录</h2><table id=\"audit\"><tr><th>时间</th><th>用户</th><th>操作</th><th>内容</th></tr>{rows}</table>"),
    )
}

/// The weekly report as a page that prints: the table by township, a chart of open cases by
/// risk level, the incidents' response times and the three zeros.
pub fn week(
    user: &OfficeUser,
    csrf: &str,
    w: &fieldcase_core::report::Week,
    trend: &[fieldcase_core::report::WeekPoint],
) -> String {
    let line = |l: &fieldcase_core::report::WeekLine| {
        format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.township),
            l.open_high,
            l.open_medium,
            l.open_low,
            l.in_progress,
            l.closed,
            l.new,
            l.resolved,
            l.overdue,
            yuan(l.owed_fen),
            yuan(l.recovered_fen)
        )
    };
    let rows: String = w.lines.iter().map(line).collect::<String>()
        + &line(&w.total).replace("<tr>", "<tr style=\"font-weight:bold\">");
    // Open cases by township, stacked by risk: a chart to look at, not to read.
    let most = w
        .lines
        .iter()
        .map(|l| l.open_high + l.open_medium + l.open_low)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut bars = String::new();
    for (i, l) in w.lines.iter().enumerate() {
        let y = 30 + i as u32 * 34;
        let mut x = 120.0;
        for (n, colour) in [
            (l.open_high, "#b3261e"),
            (l.open_medium, "#e8a33d"),
            (l.open_low, "#6b8e23"),
        ] {
            let width = 560.0 * f64::from(n) / f64::from(most);
            bars.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"24\" fill=\"{colour}\"/>"
            ));
            x += width;
        }
        bars.push_str(&format!(
            "<text x=\"110\" y=\"{}\" text-anchor=\"end\" font-size=\"14\">{}</text><text x=\"{:.1}\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 17,
            esc(&l.township),
            x + 6.0,
            y + 17,
            l.open_high + l.open_medium + l.open_low
        ));
    }
    let height = 40 + w.lines.len() as u32 * 34;
    let chart = format!(
        "<svg id=\"chart\" width=\"720\" height=\"{height}\" role=\"img\" aria-label=\"各街镇在办案件\">\
         <text x=\"120\" y=\"18\" font-size=\"13\">在办案件（红：高风险 橙：中风险 绿：低风险）</text>{bars}</svg>"
    );
    let z = &w.zeros;
    let trend_chart = trend_chart(trend);
    let by_township = incidents_chart(&z.response.incidents);
    let incidents: String = z
        .response
        .incidents
        .iter()
        .map(|i| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.township),
                fieldcase_core::calendar::show_local(i.reported_at),
                i.minutes_to_grid_assistant
                    .map(|m| format!("{m} 分钟"))
                    .unwrap_or_else(|| "未到场".into()),
                i.minutes_to_inspector
                    .map(|m| format!("{m} 分钟"))
                    .unwrap_or_else(|| "未到场".into()),
            )
        })
        .collect();
    let incidents = if incidents.is_empty() {
        "<tr><td colspan=\"4\" class=\"muted\">本周无突发事件</td></tr>".to_string()
    } else {
        incidents
    };
    let extreme: String = z
        .extreme_acts
        .by_month
        .iter()
        .map(|m| format!("{}：{} 起", esc(&m.month), m.count))
        .collect::<Vec<_>>()
        .join("；");
    let zeros = format!(
        "<ol id=\"zeros\"><li>源头监控零失控：高风险企业 {} 家，超过 {} 天未跟进 {} 家{}</li>\
         <li>快速处置零距离：事件 {} 起，网格员到场中位 {}，监察员到场中位 {}</li>\
         <li>极端讨薪行为零增长：{}{}</li></ol>",
        z.monitoring.high_risk_employers,
        z.monitoring.quiet_days,
        z.monitoring.out_of_monitoring.len(),
        if z.monitoring.out_of_monitoring.is_empty() {
            "（达标）"
        } else {
            "（未达标）"
        },
        z.response.incidents.len(),
        z.response
            .median_minutes_to_grid_assistant
            .map(|m| format!("{m} 分钟"))
            .unwrap_or_else(|| "—".into()),
        z.response
            .median_minutes_to_inspector
            .map(|m| format!("{m} 分钟"))
            .unwrap_or_else(|| "—".into()),
        if extreme.is_empty() { "无".to_string() } else { extreme },
        if z.extreme_acts.growth {
            "（本月增长，未达标）"
        } else {
            "（达标）"
        },
    );
    layout(
        "周报",
        Some(user),
        csrf,
        &format!(
            "<h2>欠薪治理周报　{} 至 {}</h2><p class=\"filters\"><a href=\"/office/week.xlsx?from={}&to={}\" id=\"week-xlsx\">导出Excel</a>\
             <span class=\"muted\">（可直接打印本页）</span></p>\
             <table id=\"week\"><tr><th>街镇</th><th>在办高风险</th><th>在办中风险</th><th>在办低风险</th><th>处理中</th><th>已办结</th>\
             <th>本周新增</th><th>本周化解</th><th>逾期</th><th>欠薪金额(元)</th><th>本周追回(元)</th></tr>{rows}</table>\
             <h3>在办案件</h3>{chart}<h3>近八周立案与化解</h3>{trend_chart}<h3>各街镇突发事件</h3>{by_township}<h3>三个零</h3>{zeros}\
             <h3>突发事件处置</h3><table><tr><th>街镇</th><th>报告时间</th><th>网格员到场</th><th>监察员到场</th></tr>{incidents}</table>",
            w.from, w.to, w.from, w.to
        ),
    )
}

/// Cases filed and resolved per week (bars side by side) and the amount recovered (a line).
fn trend_chart(points: &[fieldcase_core::report::WeekPoint]) -> String {
    let most = points
        .iter()
        .map(|p| p.opened.max(p.resolved))
        .max()
        .unwrap_or(0)
        .max(1);
    let most_fen = points.iter().map(|p| p.recovered_fen).max().unwrap_or(0).max(1);
    let (left, top, h, step) = (40.0, 30.0, 160.0, 80.0);
    let mut svg = String::new();
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        let x = left + step * i as f64;
        for (k, (n, colour)) in [(p.opened, "#4a3f8c"), (p.resolved, "#6b8e23")].iter().enumerate() {
            let bar = h * f64::from(*n) / f64::from(most);
            svg.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"26\" height=\"{bar:.1}\" fill=\"{colour}\"/>",
                x + 28.0 * k as f64,
                top + h - bar
            ));
            if *n > 0 {
                svg.push_str(&format!(
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{n}</text>",
                    x + 13.0 + 28.0 * k as f64,
                    top + h - bar - 3.0
                ));
            }
        }
        let y = top + h - h * p.recovered_fen as f64 / most_fen as f64;
        line.push_str(&format!("{}{:.1},{y:.1}", if i == 0 { "M" } else { " L" }, x + 27.0));
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x + 27.0,
            top + h + 16.0,
            p.from.format("%m-%d")
        ));
    }
    let width = left + step * points.len() as f64 + 20.0;
    let total: i64 = points.iter().map(|p| p.recovered_fen).sum();
    format!(
        "<svg id=\"trend\" width=\"{width:.0}\" height=\"{:.0}\" role=\"img\" aria-label=\"近八周立案与化解\">\
         <text x=\"{left}\" y=\"16\" font-size=\"12\">紫：立案　绿：化解　折线：追回金额（八周合计 {} 元）</text>{svg}\
         <path d=\"{line}\" fill=\"none\" stroke=\"#e8a33d\" stroke-width=\"2\"/></svg>",
        top + h + 24.0,
        yuan(total)
    )
}

/// Incidents in the period by township: one bar each.
fn incidents_chart(incidents: &[fieldcase_core::report::IncidentResponse]) -> String {
    let mut by: std::collections::BTreeMap<&str, u32> = Default::default();
    for i in incidents {
        *by.entry(i.township.as_str()).or_default() += 1;
    }
    if by.is_empty() {
        return "<p class=\"muted\" id=\"incidents-chart\">本期无突发事件</p>".into();
    }
    let most = by.values().copied().max().unwrap_or(1).max(1);
    let mut svg = String::new();
    for (i, (t, n)) in by.iter().enumerate() {
        let y = 10 + i as u32 * 30;
        let w = 400.0 * f64::from(*n) / f64::from(most);
        svg.push_str(&format!(
            "<text x=\"110\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text><rect x=\"120\" y=\"{y}\" width=\"{w:.1}\" height=\"20\" fill=\"#b3261e\"/>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{n}</text>",
            y + 15,
            esc(t),
            126.0 + w,
            y + 15
        ));
    }
    format!(
        "<svg id=\"incidents-chart\" width=\"600\" height=\"{}\" role=\"img\" aria-label=\"各街镇突发事件\">{svg}</svg>",
        20 + by.len() as u32 * 30
    )
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

pub fn calendar(user: &OfficeUser, csrf: &str, y: &YearShown, problem: Option<&str>) -> String {
    let list = |ds: &[chrono::NaiveDate]| ds.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
    let problem = problem
        .map(|p| format!("<p class=\"error\" id=\"problem\">{}</p>", esc(p)))
        .unwrap_or_default();
    let source = match (&y.source, y.covered) {
        (Some(s), true) => format!("来源：{}", esc(s)),
        _ => "本年度尚无日历：期限只按周末计算".to_string(),
    };
    let form = if user.township.is_none() {
        format!(
            "<form method=\"post\" action=\"/office/calendar\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <input type=\"hidden\" name=\"year\" value=\"{}\"><table><tr><th>放假日期（每行一个）</th><th>调休上班的周末</th></tr>\
             <tr><td><textarea name=\"holidays\" id=\"holidays\" rows=\"16\" cols=\"14\">{}</textarea></td>\
             <td><textarea name=\"working_weekends\" id=\"working-weekends\" rows=\"16\" cols=\"14\">{}</textarea></td></tr></table>\
             <p><label>高风险企业跟进间隔（天） <input name=\"monitoring_days\" id=\"monitoring-days\" size=\"4\" value=\"{}\"></label></p>\
             <p><label>依据（国务院办公厅通知文号） <input name=\"notice\" size=\"40\"></label></p><button id=\"save-calendar\">保存</button></form>",
            esc(csrf),
            y.year,
            list(&y.holidays),
            list(&y.working_weekends),
            y.monitoring_days
        )
    } else {
        format!(
            "<p>放假：{}</p><p>调休上班：{}</p><p class=\"muted\">日历由区办公室设定。</p>",
            esc(&list(&y.holidays).replace('\n', "、")),
            esc(&list(&y.working_weekends).replace('\n', "、"))
        )
    };
    layout(
        "工作日历",
        Some(user),
        csrf,
        &format!(
            "<h2>{} 年工作日历</h2><p><a href=\"/office/calendar?year={}\">上一年</a> · <a href=\"/office/calendar?year={}\">下一年</a></p>\
             <p class=\"muted\" id=\"source\">{source}；放假 {} 天，调休上班 {} 天</p>{problem}{form}",
            y.year,
            y.year - 1,
            y.year + 1,
            y.holidays.len(),
            y.working_weekends.len()
        ),
    )
}

pub fn incidents(user: &OfficeUser, csrf: &str, rows: &[fieldcase_core::store::LedgerRow]) -> String {
    let body: String = rows
        .iter()
        .map(|r| {
            format!(
                "<tr><td><a href=\"/office/incident/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.id),
                esc(&r.title),
                esc(&r.township),
                esc(words::status_name(&r.status)),
                fieldcase_core::calendar::show_local(r.updated_at)
            )
        })
        .collect();
    layout(
        "突发事件",
        Some(user),
        csrf,
        &format!(
            "<h2>突发事件</h2><table id=\"incidents\"><tr><th>事件</th><th>街镇</th><th>状态</th><th>最近更新</th></tr>{}</table>",
            if body.is_empty() { "<tr><td colspan=\"4\" class=\"muted\">无</td></tr>".to_string() } else { body }
        ),
    )
}

/// A fast report (快报) of one incident, for the leading group: it prints on one page.
pub fn fast_report(user: &OfficeUser, csrf: &str, id: &str, i: &fieldcase_core::model::Incident) -> String {
    use fieldcase_core::model::RiskSign::*;
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(fieldcase_core::calendar::show_local)
            .unwrap_or_else(|| "—".into())
    };
    let after = |t: Option<chrono::DateTime<chrono::Utc>>| match (i.reported_at, t) {
        (Some(r), Some(t)) => format!("（报告后 {} 分钟）", (t - r).num_minutes()),
        _ => String::new(),
    };
    let signs: Vec<&str> = i
        .risk_signs
        .iter()
        .map(|s| match s {
            BlockingRoadOrGate => "堵路堵门",
            ThreatsOfExtremeActs => "扬言极端行为",
            MediaPresent => "媒体在场",
            CrossDistrictWorkers => "跨区务工人员",
        })
        .collect();
    let e = &i.escalation;
    let steps = [
        ("网格员到场", e.grid_assistant_arrived_at),
        ("通知监察员", e.inspector_notified_at),
        ("监察员到场", e.inspector_arrived_at),
        ("上报领导小组", e.escalated_to_leading_group_at),
        ("通报外区", e.other_district_notified_at),
    ]
    .iter()
    .map(|(what, t)| format!("<tr><th>{what}</th><td>{}{}</td></tr>", at(*t), after(*t)))
    .collect::<String>();
    let reps: String = i
        .representatives
        .iter()
        .map(|r| format!("{} {}", esc(&r.name), esc(r.phone.as_deref().unwrap_or(""))))
        .collect::<Vec<_>>()
        .join("；");
    layout(
        "快报",
        Some(user),
        csrf,
        &format!(
            "<h2 id=\"fast-report\">欠薪突发事件快报</h2><p class=\"muted\">编号 {}　{}</p><table>\
             <tr><th>报告时间</th><td>{}</td></tr><tr><th>地点</th><td>{}</td></tr><tr><th>聚集人数</th><td>{}</td></tr>\
             <tr><th>用人单位</th><td>{}</td></tr><tr><th>诉求金额(元)</th><td>{}</td></tr><tr><th>欠薪月数</th><td>{}</td></tr>\
             <tr><th>风险情形</th><td class=\"high\">{}</td></tr><tr><th>诉求</th><td>{}</td></tr><tr><th>工人代表</th><td>{}</td></tr>\
             {steps}<tr><th>申请垫付</th><td>{}</td></tr></table>",
            esc(id),
            esc(&i.township),
            at(i.reported_at),
            esc(i.address.as_deref().unwrap_or("—")),
            i.headcount.map(|h| h.to_string()).unwrap_or_else(|| "—".into()),
            esc(i.employer_name.as_deref().unwrap_or("—")),
            i.amount_claimed_fen.map(yuan).unwrap_or_else(|| "—".into()),
            i.months_owed.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
            if signs.is_empty() { "无".to_string() } else { signs.join("、") },
            esc(i.demands.as_deref().unwrap_or("—")),
            if reps.is_empty() { "—".to_string() } else { reps },
            if i.fund_advance_requested { "是" } else { "否" },
        ),
    )
}

/// Employers under monitoring by the rules, with the reasons and figures; the rules as a form;
/// importing a month's indicators (CSV or XLSX); opening a case from a warning.
pub fn warnings(
    user: &OfficeUser,
    csrf: &str,
    rules: &fieldcase_core::warning::Rules,
    list: &[fieldcase_core::warning::Warning],
    report: Option<&fieldcase_core::warning::ImportReport>,
) -> String {
    let report = report
        .map(|r| {
            let problems: String = r
                .problems
                .iter()
                .map(|p| format!("<li>第 {} 行：{}</li>", p.line, esc(&p.problem)))
                .collect();
            format!(
                "<div class=\"box\" id=\"import\"><p class=\"ok\">已导入 {} 行，涉及 {} 家用人单位。</p>{}</div>",
                r.rows,
                r.employers,
                if problems.is_empty() {
                    String::new()
                } else {
                    format!("<p class=\"error\">未导入的行：</p><ul id=\"row-problems\">{problems}</ul>")
                }
            )
        })
        .unwrap_or_default();
    let rows: String = list
        .iter()
        .map(|w| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/office/warnings/case\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"employer\" value=\"{}\">\
                 <button>立案跟进</button></form></td></tr>",
                esc(&w.name),
                esc(&w.uscc),
                esc(&w.township),
                w.reasons.iter().map(|r| esc(r)).collect::<Vec<_>>().join("<br>"),
                esc(csrf),
                esc(&w.employer_id)
            )
        })
        .collect();
    layout(
        "预警",
        Some(user),
        csrf,
        &format!(
            "<h2>企业指标预警</h2>{report}\
             <form class=\"filters\" method=\"get\" action=\"/office/warnings\">规则：参保人数环比下降≥<input name=\"headcount\" size=\"3\" value=\"{}\">% \
             用电量环比下降≥<input name=\"electricity\" size=\"3\" value=\"{}\">% 社保连续欠费≥<input name=\"arrears\" size=\"3\" value=\"{}\">个月 <button>查看</button></form>\
             <table id=\"warnings\"><tr><th>单位名称</th><th>统一社会信用代码</th><th>所属街镇</th><th>预警原因</th><th></th></tr>{rows}</table>\
             <div class=\"box\"><h3>导入月度指标</h3><p class=\"muted\">CSV（UTF-8）或 Excel：统一社会信用代码, 月份, 参保人数, 纳税额, 用电量, 用水量, 社保欠费（是/否）</p>\
             <form method=\"post\" action=\"/office/warnings/import\" enctype=\"multipart/form-data\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"file\" name=\"file\" id=\"file\" accept=\".csv,.xlsx\"> <button id=\"upload\">导入</button></form></div>",
            rules.headcount_drop_pct,
            rules.electricity_drop_pct,
            rules.arrears_months,
            esc(csrf)
        ),
    )
}

/// A device just enrolled: its one-time code and the join link a phone scans.
pub struct Enrolled {
    pub user: String,
    pub code: String,
    pub link: String,
    pub qr: String,
    pub expires: String,
}

/// The township's devices, enrolling a new one (its join link as a QR code), revoking one.
pub fn devices(
    user: &OfficeUser,
    csrf: &str,
    list: &[fieldcase_core::sync::Device],
    enrolled: Option<&Enrolled>,
) -> String {
    let shown = enrolled
        .map(|e| {
            format!(
                "<div class=\"box\" id=\"enrolled\"><p>{} 的手机扫描下面的二维码加入（一次有效，{} 前）：</p>{}\
                 <p>加入码：<b id=\"code\">{}</b></p><p class=\"muted\" id=\"link\">{}</p></div>",
                esc(&e.user),
                esc(&e.expires),
                e.qr,
                esc(&e.code),
                esc(&e.link)
            )
        })
        .unwrap_or_default();
    let rows: String = list
        .iter()
        .map(|d| {
            let state = match (&d.revoked_at, &d.last_sync_at) {
                (Some(t), _) => format!("已停用 {}", fieldcase_core::calendar::show_local(*t)),
                (None, Some(t)) => format!("上次同步 {}", fieldcase_core::calendar::show_local(*t)),
                (None, None) => "尚未同步".into(),
            };
            let revoke = if d.revoked_at.is_none() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/office/devices/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                     <input type=\"hidden\" name=\"device\" value=\"{}\"><button>停用</button></form>",
                    esc(csrf),
                    esc(&d.id)
                )
            } else {
                String::new()
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{revoke}</td></tr>",
                esc(&d.user),
                esc(words::role_name(d.role)),
                esc(&d.township),
                esc(&state)
            )
        })
        .collect();
    let township = if user.township.is_none() {
        "<label>街镇 <input name=\"township\" id=\"enroll-township\"></label> "
    } else {
        ""
    };
    layout(
        "设备",
        Some(user),
        csrf,
        &format!(
            "<h2>设备</h2>{shown}<div class=\"box\"><h3>登记新设备</h3><form method=\"post\" action=\"/office/devices/enroll\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><label>使用人 <input name=\"user\" id=\"enroll-user\"></label> \
             <label>角色 <select name=\"role\" id=\"enroll-role\"><option value=\"inspector\">劳动监察员</option><option value=\"grid\">网格员</option>\
             <option value=\"mediator\">调解员</option></select></label> {township}<button id=\"enroll\">生成加入二维码</button></form></div>\
             <table id=\"devices\"><tr><th>使用人</th><th>角色</th><th>街镇</th><th>状态</th><th></th></tr>{rows}</table>",
            esc(csrf)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_a_value_is_shown_as_text() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(yuan(18_600_000), "186,000.00");
        assert_eq!(yuan(5), "0.05");
    }
}

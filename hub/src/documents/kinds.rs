//! What each record kind's paper says, in the layouts offices file: every field of the record
//! in the words of `fieldcase_core::words`, the parties' signatures where they sign.

use fieldcase_core::model::{Case, Incident, Inspection, Interview, Mediation, Record, Signature};
use fieldcase_core::{money, time, words, Store, StoredRecord};

use super::layout::{Pages, Signed};
use super::{document_name, signed, DocumentError};

fn or_dash(v: &Option<String>) -> String {
    v.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "—".into())
}

fn when(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(time::show_local).unwrap_or_else(|| "—".into())
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| {
        format!(
            "{}年{}月{}日",
            chrono::Datelike::year(&d),
            chrono::Datelike::month(&d),
            chrono::Datelike::day(&d)
        )
    })
    .unwrap_or_else(|| "—".into())
}

fn yuan(fen: Option<i64>) -> String {
    fen.map(|f| format!("{} 元", money::yuan(f)))
        .unwrap_or_else(|| "—".into())
}

/// A short name of what the record is about, for a case file's contents.
pub fn short_subject(r: &StoredRecord) -> Option<String> {
    match &r.record {
        Record::Interview(i) => i.interviewee.name.clone(),
        Record::Inspection(i) => i.site_name.clone(),
        Record::Mediation(m) => m.employer.name.clone(),
        Record::Incident(i) => i.employer_name.clone().or_else(|| i.address.clone()),
        _ => None,
    }
}

pub fn case_title(r: &StoredRecord) -> String {
    match &r.record {
        Record::Case(c) => c
            .employer_name
            .clone()
            .or_else(|| c.subject.clone())
            .unwrap_or_else(|| r.id.clone()),
        _ => r.id.clone(),
    }
}

/// The document of `r` on `pages` (begun by the caller).
pub fn lay_out(store: &Store, r: &StoredRecord, pages: &mut Pages<'_>) -> Result<(), DocumentError> {
    let title = document_name(r.kind).unwrap_or("记录");
    pages.title(title);
    pages.subtitle(&format!("{}　编号：{}", r.record.township(), r.id));
    match &r.record {
        Record::Interview(i) => interview(store, i, pages),
        Record::Inspection(i) => inspection(store, r, i, pages),
        Record::Mediation(m) => mediation(store, m, pages),
        Record::Incident(i) => incident(i, pages),
        Record::Case(c) => case(r, c, pages),
        _ => {}
    }
    Ok(())
}

fn sigs(store: &Store, label: &str, list: &[Signature]) -> Vec<Signed> {
    list.iter().map(|s| signed(store, label, Some(s))).collect()
}

fn interview(store: &Store, i: &Interview, p: &mut Pages<'_>) {
    p.field("询问时间", &format!("{} 至 {}", when(i.started_at), when(i.ended_at)));
    p.field("询问地点", &or_dash(&i.place));
    let inspectors: Vec<String> = i
        .inspectors
        .iter()
        .map(|x| format!("{}（执法证号 {}）", x.name, x.credential_number))
        .collect();
    p.field("询问人", &inspectors.join("、"));
    p.field("被询问人", &or_dash(&i.interviewee.name));
    p.field(
        "身份",
        &or_dash(
            &i.interviewee
                .role
                .as_deref()
                .map(|r| words::interviewee_role_name(r).to_string()),
        ),
    );
    p.field("身份证号码", &or_dash(&i.interviewee.resident_id));
    p.field("联系电话", &or_dash(&i.interviewee.phone));
    p.space(6.0);
    p.para("我们是劳动保障监察员，依法向你了解有关情况，你应当如实回答，不得作伪证或隐匿证据。你有陈述和申辩的权利。你听清楚了吗？");
    p.heading("询问内容");
    for qa in &i.questions {
        p.para(&format!("问：{}", qa.question));
        p.para(&format!("答：{}", qa.answer));
        p.space(4.0);
    }
    p.para("（以下无正文）");
    let mut all = vec![signed(store, "被询问人", i.signatures.interviewee.as_ref())];
    all.extend(sigs(store, "询问人", &i.signatures.inspectors));
    p.signatures(&all);
}

fn inspection(store: &Store, r: &StoredRecord, i: &Inspection, p: &mut Pages<'_>) {
    p.field("检查对象", &or_dash(&i.site_name));
    p.field("检查地点", &or_dash(&i.address));
    if let Some(l) = &i.location {
        p.field("定位", &format!("北纬 {:.5}，东经 {:.5}", l.lat, l.lon));
    }
    p.field("检查时间", &format!("{} 至 {}", when(i.started_at), when(i.ended_at)));
    let inspectors: Vec<String> = i
        .inspectors
        .iter()
        .map(|x| format!("{}（执法证号 {}）", x.name, x.credential_number))
        .collect();
    p.field("检查人", &inspectors.join("、"));
    p.field(
        "在场人数 / 登记人数",
        &format!(
            "{} / {}",
            i.headcount_on_site.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
            i.headcount_registered
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into())
        ),
    );
    p.heading("检查情况");
    let rows: Vec<Vec<String>> = i
        .checklist
        .items()
        .iter()
        .enumerate()
        .map(|(n, (key, item))| {
            vec![
                (n + 1).to_string(),
                words::field_name(key).unwrap_or(key).to_string(),
                words::check_result_name(item.result).to_string(),
                or_dash(&item.note),
            ]
        })
        .collect();
    p.table(&["序号", "检查事项", "结果", "说明"], &[0.8, 4.5, 1.3, 4.0], &rows);
    p.field("检查结论", &or_dash(&i.findings));
    let mut all = vec![];
    let s = &i.signatures;
    if s.representative_refused {
        p.field("拒绝签字", &or_dash(&s.refusal_note));
    }
    all.push(signed(store, "被检查单位负责人", s.employer_representative.as_ref()));
    all.extend(sigs(store, "检查人", &s.inspectors));
    p.signatures(&all);
    if let Some(order) = &i.correction_order {
        // The correction order is a document of its own, on its own page.
        p.new_page();
        p.title("劳动保障监察责令改正指令书");
        p.subtitle(&format!("依据现场检查笔录 {}", r.id));
        p.field("被责令单位", &or_dash(&i.site_name));
        p.para(&format!(
            "经检查，你单位存在下列违反劳动保障法律、法规或者规章的行为：{}",
            i.findings.clone().unwrap_or_default()
        ));
        p.para(&format!(
            "根据《劳动保障监察条例》第十八条和《保障农民工工资支付条例》的规定，责令你单位于{}前改正：{}",
            date(order.deadline),
            order.required
        ));
        p.para("逾期不改正的，将依法作出处理。你单位如不服本指令，可依法申请行政复议或者提起行政诉讼。");
        p.signatures(&sigs(store, "劳动保障监察员", &s.inspectors));
        p.signatures(&[signed(store, "被责令单位签收", s.employer_representative.as_ref())]);
    }
}

fn mediation(store: &Store, m: &Mediation, p: &mut Pages<'_>) {
    p.field("调解组织", &or_dash(&m.organisation));
    p.field("调解员", &or_dash(&m.mediator));
    p.heading("当事人");
    let workers: Vec<Vec<String>> = m
        .workers
        .iter()
        .enumerate()
        .map(|(n, w)| {
            vec![
                (n + 1).to_string(),
                w.name.clone(),
                or_dash(&w.resident_id),
                or_dash(&w.phone),
                yuan(w.amount_claimed_fen),
            ]
        })
        .collect();
    p.table(
        &["序号", "劳动者", "身份证号码", "电话", "诉求金额"],
        &[0.8, 2.0, 3.6, 2.4, 2.4],
        &workers,
    );
    p.field("用人单位", &or_dash(&m.employer.name));
    p.field("统一社会信用代码", &or_dash(&m.employer.uscc));
    p.field("法定代表人", &or_dash(&m.employer.representative));
    p.field("委托代理人", &or_dash(&m.employer.agent));
    p.heading("纠纷事项");
    p.para(&or_dash(&m.application.dispute));
    for (n, s) in m.sessions.iter().enumerate() {
        p.field(
            &format!("第{}次调解", n + 1),
            &format!("{}，{}：{}", when(s.at), or_dash(&s.place), s.notes),
        );
    }
    match &m.agreement {
        Some(a) => {
            p.heading("经调解，双方自愿达成如下协议");
            p.field("劳动者主张", &or_dash(&a.worker_claims));
            p.field("用人单位意见", &or_dash(&a.employer_claims));
            p.field("协议金额", &yuan(a.agreed_amount_fen));
            p.field("支付期限", &date(a.payment_date));
            p.field("支付方式", &or_dash(&a.payment_method));
            p.field("其他约定", &or_dash(&a.claims_waived));
            p.para("本协议自双方签字（盖章）之日起生效，双方应当自觉履行。双方可以自本协议生效之日起十五日内共同向劳动人事争议仲裁委员会申请仲裁审查确认。");
            let s = &a.signatures;
            let mut all = sigs(store, "劳动者", &s.workers);
            all.push(signed(store, "用人单位", s.employer.as_ref()));
            all.push(signed(store, "调解员", s.mediator.as_ref()));
            all.push(signed(store, "调解组织（印章）", s.organisation_seal.as_ref()));
            p.signatures(&all);
        }
        None => p.para("（尚未达成调解协议）"),
    }
}

fn incident(i: &Incident, p: &mut Pages<'_>) {
    p.field("报告时间", &when(i.reported_at));
    p.field("地点", &or_dash(&i.address));
    p.field(
        "聚集人数",
        &i.headcount.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
    );
    p.field("涉及单位", &or_dash(&i.employer_name));
    p.field("诉求金额", &yuan(i.amount_claimed_fen));
    p.field(
        "欠薪月数",
        &i.months_owed.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
    );
    p.field("诉求", &or_dash(&i.demands));
    let signs: Vec<&str> = i.risk_signs.iter().map(|s| words::risk_sign_name(*s)).collect();
    p.field(
        "风险迹象",
        &if signs.is_empty() {
            "无".to_string()
        } else {
            signs.join("、")
        },
    );
    p.field("申请欠薪保障金垫付", if i.fund_advance_requested { "是" } else { "否" });
    if !i.representatives.is_empty() {
        let rows: Vec<Vec<String>> = i
            .representatives
            .iter()
            .map(|r| vec![r.name.clone(), or_dash(&r.resident_id), or_dash(&r.phone)])
            .collect();
        p.heading("工人代表");
        p.table(&["姓名", "身份证号码", "电话"], &[2.0, 4.0, 2.6], &rows);
    }
    p.heading("处置经过");
    let e = &i.escalation;
    p.table(
        &["环节", "时间"],
        &[4.0, 3.0],
        &[
            vec!["网格员到场".into(), when(e.grid_assistant_arrived_at)],
            vec!["通知劳动保障监察员".into(), when(e.inspector_notified_at)],
            vec!["监察员到场".into(), when(e.inspector_arrived_at)],
            vec!["报告领导小组".into(), when(e.escalated_to_leading_group_at)],
            vec!["通报外区".into(), when(e.other_district_notified_at)],
        ],
    );
}

fn case(r: &StoredRecord, c: &Case, p: &mut Pages<'_>) {
    p.field("用人单位", &or_dash(&c.employer_name));
    p.field("案由", &or_dash(&c.subject));
    p.field("来源", words::source_name(c.source));
    p.field("风险等级", words::risk_name(c.risk_level));
    p.field(
        "涉及人数",
        &c.workers_involved
            .map(|n| format!("{n} 人"))
            .unwrap_or_else(|| "—".into()),
    );
    p.field("欠薪金额", &yuan(c.amount_owed_fen));
    p.field("立案日期", &date(c.filed_on));
    p.field("包案领导", &or_dash(&c.responsible_leader));
    p.field("责任人", &or_dash(&c.responsible_person));
    p.field("化解措施", &or_dash(&c.resolution_plan));
    p.field("状态", words::status_name(r.ledger_status));
    if !c.wage_claims.is_empty() {
        p.heading("工资诉求");
        let rows: Vec<Vec<String>> = c
            .wage_claims
            .iter()
            .enumerate()
            .map(|(n, w)| {
                vec![
                    (n + 1).to_string(),
                    w.worker_name.clone(),
                    format!("{} 至 {}", date(w.work_from), date(w.work_to)),
                    yuan(w.amount_owed_fen),
                ]
            })
            .collect();
        p.table(
            &["序号", "劳动者", "工作期间", "欠薪金额"],
            &[0.8, 2.2, 4.4, 2.4],
            &rows,
        );
    }
    if !c.follow_ups.is_empty() {
        p.heading("跟进记录");
        let rows: Vec<Vec<String>> = c
            .follow_ups
            .iter()
            .map(|f| {
                vec![
                    when(f.at),
                    words::follow_up_name(f.kind).to_string(),
                    f.by.clone(),
                    f.outcome.clone(),
                ]
            })
            .collect();
        p.table(&["时间", "方式", "经办人", "结果"], &[2.4, 1.2, 1.4, 5.0], &rows);
    }
    if !c.handovers.is_empty() {
        p.heading("移送");
        let rows: Vec<Vec<String>> = c
            .handovers
            .iter()
            .map(|h| {
                vec![
                    date(h.on),
                    words::handover_name(h.to).to_string(),
                    h.receiving_body.clone(),
                    or_dash(&h.reference),
                    or_dash(&h.outcome),
                ]
            })
            .collect();
        p.table(
            &["日期", "移送至", "接收单位", "文号", "结果"],
            &[2.0, 1.8, 2.4, 1.8, 2.4],
            &rows,
        );
    }
    p.heading("结案情况");
    match &c.resolution {
        Some(res) => {
            p.field("化解方式", res.kind.map(words::resolution_name).unwrap_or("—"));
            p.field("化解日期", &date(res.on));
            p.field("已支付金额", &yuan(res.amount_paid_fen));
            p.field("依据文书", &or_dash(&res.reference));
            p.field("说明", &or_dash(&res.note));
        }
        None => p.para("尚未结案：隐患不消除不销账。"),
    }
    let sign = c.sign_off.as_ref().map(|s| Signature {
        name: s.by.clone(),
        signed_at: s.at,
        image_sha256: None,
    });
    let shown = Signed {
        label: "责任人签字（销账）".into(),
        name: sign.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        when: sign.and_then(|s| s.signed_at).map(time::show_local).unwrap_or_default(),
        strokes: None,
    };
    p.signatures(&[shown]);
}

/// A case file's cover: what the case is, whose it is, and when it was opened and closed.
pub fn cover(r: &StoredRecord, p: &mut Pages<'_>) {
    p.space(60.0);
    p.title("劳动保障监察案件卷宗");
    p.space(30.0);
    if let Record::Case(c) = &r.record {
        p.field("案件名称", &case_title(r));
        p.field("案件编号", &r.id);
        p.field("所属街镇", &c.township);
        p.field("用人单位", &or_dash(&c.employer_name));
        p.field(
            "涉及人数",
            &c.workers_involved
                .map(|n| format!("{n} 人"))
                .unwrap_or_else(|| "—".into()),
        );
        p.field("欠薪金额", &yuan(c.amount_owed_fen));
        p.field("立案日期", &date(c.filed_on));
        p.field("结案日期", &date(c.resolution.as_ref().and_then(|x| x.on)));
        p.field("责任人", &or_dash(&c.responsible_person));
        p.field("状态", words::status_name(r.ledger_status));
    }
    p.space(20.0);
}

//! The names people read for the core's values (kinds, statuses, risk levels, industries,
//! roles), each from the value itself.

use crate::model::{
    ApplicationForm, CaseSource, Channel, CheckResult, FollowUpKind, HandoverTo, LedgerStatus, PerformanceResult,
    Relation, ResolutionKind, ReviewOutcome, RiskLevel, RiskSign,
};

/// A record kind's name, as the ledger and the 台账 say it.
pub fn kind_name(kind: crate::model::Kind) -> &'static str {
    use crate::model::Kind::*;
    match kind {
        Employer => "用人单位",
        Project => "工程项目",
        Case => "欠薪案件",
        Inspection => "现场检查",
        Interview => "询问笔录",
        Incident => "突发事件",
        Mediation => "调解",
        Calendar => "工作日历",
    }
}

/// A ledger status's name (`LedgerRow::status`), as the 台账 says it.
pub fn status_name(status: LedgerStatus) -> &'static str {
    use LedgerStatus::*;
    match status {
        Open => "待处理",
        InProgress => "处理中",
        Closed => "已办结",
        Reported => "已上报",
        Responding => "处置中",
        HandedOver => "已移交",
        Applied => "已申请",
        InSession => "调解中",
        Agreed => "已达成协议",
        NoAgreement => "未达成协议",
        Withdrawn => "已撤回",
        Draft => "草稿",
        Signed => "已签章",
        Active => "正常",
        Monitored => "监控中",
        Blacklisted => "已列入黑名单",
        Deregistered => "已注销",
        UnderConstruction => "在建",
        Suspended => "停工",
        Completed => "已竣工",
        InForce => "有效",
        Unreadable => "无法读取",
    }
}

/// A risk level's name.
pub fn risk_name(risk: RiskLevel) -> &'static str {
    match risk {
        RiskLevel::High => "高风险",
        RiskLevel::Medium => "中风险",
        RiskLevel::Low => "低风险",
    }
}

/// An industry's name.
pub fn industry_name(industry: crate::model::Industry) -> &'static str {
    use crate::model::Industry::*;
    match industry {
        Logistics => "物流",
        Manufacturing => "制造业",
        Construction => "建筑业",
        Other => "其他",
    }
}

/// A role's name, as people call each other.
pub fn role_name(role: crate::model::Role) -> &'static str {
    use crate::model::Role::*;
    match role {
        Inspector => "劳动监察员",
        Grid => "网格员",
        Mediator => "调解员",
        Office => "街镇办公室",
    }
}

/// A follow-up's kind: 下访, 约谈, 接访, 电话.
pub fn follow_up_name(kind: FollowUpKind) -> &'static str {
    match kind {
        FollowUpKind::Visit => "下访",
        FollowUpKind::Interview => "约谈",
        FollowUpKind::PetitionReception => "接访",
        FollowUpKind::Call => "电话",
    }
}

/// How a case was resolved.
pub fn resolution_name(kind: ResolutionKind) -> &'static str {
    match kind {
        ResolutionKind::PaidInFull => "全额支付",
        ResolutionKind::MediatedAgreementPerformed => "调解协议已履行",
        ResolutionKind::ArbitrationAward => "仲裁裁决",
        ResolutionKind::Court => "法院判决",
        ResolutionKind::FundAdvance => "保障金垫付",
        ResolutionKind::Transferred => "移送",
    }
}

/// Where a case was handed over to.
pub fn handover_name(to: HandoverTo) -> &'static str {
    match to {
        HandoverTo::Arbitration => "劳动仲裁",
        HandoverTo::PublicSecurity => "公安机关",
        HandoverTo::CourtPaymentOrder => "法院支付令",
        HandoverTo::Department => "其他部门",
    }
}

/// A risk sign at an incident.
pub fn risk_sign_name(sign: RiskSign) -> &'static str {
    match sign {
        RiskSign::BlockingRoadOrGate => "堵路堵门",
        RiskSign::ThreatsOfExtremeActs => "扬言极端行为",
        RiskSign::MediaPresent => "媒体在场",
        RiskSign::CrossDistrictWorkers => "跨区务工人员",
    }
}

/// A checklist item's result.
pub fn check_result_name(result: CheckResult) -> &'static str {
    match result {
        CheckResult::Unchecked => "未检查",
        CheckResult::Compliant => "符合",
        CheckResult::NonCompliant => "不符合",
        CheckResult::NotApplicable => "不适用",
    }
}

/// How a mediation agreement was performed.
pub fn performance_name(result: PerformanceResult) -> &'static str {
    match result {
        PerformanceResult::PaidOnTime => "按期支付",
        PerformanceResult::PaidLate => "逾期支付",
        PerformanceResult::PartlyPaid => "部分支付",
        PerformanceResult::NotPaid => "未支付",
    }
}

/// What the arbitration commission decided on a reviewed agreement.
pub fn review_outcome_name(outcome: ReviewOutcome) -> &'static str {
    match outcome {
        ReviewOutcome::Confirmed => "确认有效",
        ReviewOutcome::Refused => "不予确认",
    }
}

/// Where a case came from.
pub fn source_name(source: CaseSource) -> &'static str {
    match source {
        CaseSource::Sweep => "排查",
        CaseSource::Complaint => "投诉",
        CaseSource::Incident => "突发事件",
        CaseSource::Referral => "转办",
        CaseSource::EarlyWarning => "预警",
    }
}

/// How a mediation application came in, and in which form.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Online => "网上申请",
        Channel::Offline => "现场申请",
    }
}

pub fn application_form_name(form: ApplicationForm) -> &'static str {
    match form {
        ApplicationForm::Oral => "口头申请",
        ApplicationForm::Written => "书面申请",
    }
}

/// How a record refers to another, as the record referred to reads it.
pub fn relation_name(relation: Relation) -> &'static str {
    match relation {
        Relation::About => "关于本案",
        Relation::Corrects => "更正本案记录",
        Relation::FollowsFrom => "由本案而来",
    }
}

/// A change's action in a record's history (`HistoryEntry::action`).
pub fn history_action_name(action: &str) -> &'static str {
    match action {
        "create" => "新建",
        "edit" => "修改",
        "seal" => "签署封存",
        "resolve" => "处理冲突",
        "attach" => "添加附件",
        "close" => "办结",
        "after_seal" => "补充记录",
        _ => "其他修改",
    }
}

/// What an attachment is for (`AttachmentRef::purpose`).
pub fn purpose_name(purpose: Option<&str>) -> &'static str {
    match purpose {
        Some("signature") => "签名",
        Some("photo") => "照片",
        Some("audio") => "录音",
        Some("scan") => "扫描件",
        _ => "附件",
    }
}

/// Where a year's working calendar comes from (`Calendar::source`), as the office reads it.
pub fn calendar_source_name(source: &str) -> &'static str {
    match source {
        "built_in" => "国务院办公厅公布的放假安排（随本系统提供）",
        _ => "区办公室设定的工作日历",
    }
}

/// What a status change's button says.
pub fn status_change_name(action: crate::model::StatusAction, to: LedgerStatus) -> &'static str {
    use crate::model::StatusAction::*;
    match (action, to) {
        (Close, _) => "办结销账",
        (Reopen, _) => "重新办理",
        (Change, LedgerStatus::InProgress) => "开始处理",
        (Change, LedgerStatus::Open) => "退回待处理",
        (Change, LedgerStatus::Responding) => "开始处置",
        (Change, LedgerStatus::HandedOver) => "移交处理",
        (Change, LedgerStatus::InSession) => "开始调解",
        (Change, LedgerStatus::NoAgreement) => "调解未达成协议",
        (Change, LedgerStatus::Withdrawn) => "撤回申请",
        (Change, _) => "更改状态",
    }
}

/// What an entry of the office's audit trail (操作记录) records.
pub fn audit_action_name(action: &str) -> &'static str {
    match action {
        "login" => "登录",
        "logout" => "退出登录",
        "login_failed" => "登录失败",
        "account" => "开设账户",
        "export" => "导出",
        "import" => "导入预警指标",
        "import_ledger" => "导入台账",
        "print" => "打印文书",
        "open_case" => "由预警立案",
        "assign" => "指定包案领导和责任人",
        "risk" => "调整风险等级",
        "follow_up" => "添加跟进",
        "resolve" => "处理冲突",
        "enroll" => "登记设备",
        "revoke" => "停用设备",
        "calendar" => "设定工作日历",
        _ => "其他操作",
    }
}

/// Who an interviewee is, as a transcript names them: the phones offer these values, and any
/// other text is shown as written.
pub fn interviewee_role_name(role: &str) -> &str {
    match role.trim() {
        "worker" => "劳动者",
        "employer_representative" | "employer representative" => "用人单位代表",
        "foreman" => "班组长",
        "witness" => "证人",
        "contractor" => "总承包单位代表",
        other => other,
    }
}

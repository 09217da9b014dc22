//! The names the screens show for the core's codes, from the core's own table (`words`), so
//! that Android, iOS and the office's pages say the same.

use fieldcase_core::model::{
    CheckResult, FollowUpKind, HandoverTo, Industry, Kind, LedgerStatus, PerformanceResult, ResolutionKind, RiskLevel,
    RiskSign, Role,
};
use fieldcase_core::words;

/// A record kind's name (欠薪案件, 突发事件, ...).
#[uniffi::export]
pub fn kind_name(kind: Kind) -> String {
    fieldcase_core::words::kind_name(kind).to_string()
}

/// A ledger status's name (`LedgerRow.status`, `StoredRecord.ledger_status`): 处理中, 已办结, ...
#[uniffi::export]
pub fn status_name(status: LedgerStatus) -> String {
    fieldcase_core::words::status_name(status).to_string()
}

/// A risk level's name (`LedgerRow.risk`): 高风险, 中风险, 低风险.
#[uniffi::export]
pub fn risk_name(risk: RiskLevel) -> String {
    fieldcase_core::words::risk_name(risk).to_string()
}

/// The name of an employer's industry (建筑业, ...).
#[uniffi::export]
pub fn industry_name(value: Industry) -> String {
    words::industry_name(value).to_string()
}

/// The name of a person's role (劳动监察员, 网格员, ...).
#[uniffi::export]
pub fn role_name(value: Role) -> String {
    words::role_name(value).to_string()
}

/// The name of a case's follow-up (下访, 约谈, 接访, 电话).
#[uniffi::export]
pub fn follow_up_name(value: FollowUpKind) -> String {
    words::follow_up_name(value).to_string()
}

/// The name of how a case was resolved (全额支付, 仲裁裁决, ...).
#[uniffi::export]
pub fn resolution_name(value: ResolutionKind) -> String {
    words::resolution_name(value).to_string()
}

/// The name of where a case is handed over (劳动仲裁, 公安机关, ...).
#[uniffi::export]
pub fn handover_name(value: HandoverTo) -> String {
    words::handover_name(value).to_string()
}

/// The name of an incident's risk sign (堵路堵门, 媒体在场, ...).
#[uniffi::export]
pub fn risk_sign_name(value: RiskSign) -> String {
    words::risk_sign_name(value).to_string()
}

/// The name of a checklist item's result (符合, 不符合, ...).
#[uniffi::export]
pub fn check_result_name(value: CheckResult) -> String {
    words::check_result_name(value).to_string()
}

/// The name of how a mediation agreement was performed (按期支付, ...).
#[uniffi::export]
pub fn performance_name(value: PerformanceResult) -> String {
    words::performance_name(value).to_string()
}

/// What a history entry's action is called (新建, 修改, 签署封存, 处理冲突, 添加附件, 办结).
#[uniffi::export]
pub fn history_action_name(action: String) -> String {
    words::history_action_name(&action).to_string()
}

/// A field's name on the forms, by its path (`checklist.wage_account`, `workers.0.phone`), as
/// the core's messages name it; none for a path the forms do not show.
#[uniffi::export]
pub fn field_name(path: String) -> Option<String> {
    words::sentences::field_name(&path).map(str::to_string)
}

/// What checking a seal found, in words (签章核验通过…, 内容与签署时不一致…, ...).
#[uniffi::export]
pub fn seal_verdict(status: fieldcase_core::store::SealStatus) -> String {
    words::sentences::seal_verdict(status.verified, status.intact, status.signed).to_string()
}

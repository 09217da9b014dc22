//! The names the screens show for the core's codes, from the core's own table (`words`), so
//! that Android, iOS and the office's pages say the same.

use fieldcase_core::model::{Kind, LedgerStatus, RiskLevel};

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

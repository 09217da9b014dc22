//! Case (个案): one line of the township's ledger (台账). A case is not closed until the
//! hazard is eliminated (隐患不消除不销账): closing needs a resolution and the responsible
//! person's sign-off.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{common_accessors, record_kind, Date, Fen, Instant, Kind, RecordKind, RiskLevel, Role, Summary};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    #[default]
    Open,
    InProgress,
    Closed,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// March sweep (排查)
    #[default]
    Sweep,
    Complaint,
    Incident,
    Referral,
    EarlyWarning,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::EnumString, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum FollowUpKind {
    /// 下访
    #[default]
    Visit,
    /// 约谈
    Interview,
    /// 接访
    PetitionReception,
    Call,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FollowUp {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub at: Option<Instant>,
    pub kind: FollowUpKind,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub by: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub outcome: String,
}

/// One worker's claim: many per case, incident or mediation.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WageClaim {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub worker_name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub resident_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub work_from: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub work_to: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_owed_fen: Option<Fen>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub evidence: Option<String>,
}

impl WageClaim {
    fn check(&self, p: &mut Problems) {
        p.resident_id("resident_id", &self.resident_id);
        p.mobile("phone", &self.phone);
        p.money("amount_owed_fen", self.amount_owed_fen);
        if let (Some(a), Some(b)) = (self.work_from, self.work_to) {
            if a > b {
                p.error("work_to", "period_order", "work period ends before it starts");
            }
        }
    }
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionKind {
    PaidInFull,
    MediatedAgreementPerformed,
    ArbitrationAward,
    Court,
    /// 欠薪保障金先行垫付
    FundAdvance,
    /// Handed to another body that now owns it (see `handovers`).
    Transferred,
}

/// How the hazard was eliminated. Closing needs its kind and date, and what proves it.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Resolution {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub kind: Option<ResolutionKind>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_paid_fen: Option<Fen>,
    /// The mediation, award, judgment or order number that resolved it.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reference: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: Option<String>,
}

/// The responsible person's (or the office's) sign-off. The store writes it when the case is
/// closed, with its own user, role and device: it is never typed in.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SignOff {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub by: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub role: Option<Role>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub device: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub at: Option<Instant>,
}

/// Approval of the 30 extra working days on the inspection clock, given before the 60 run out.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Extension {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub approved_by: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub approved_on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reason: Option<String>,
}

/// Where a case is handed to.
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverTo {
    /// Labour dispute arbitration (劳动人事争议仲裁)
    #[default]
    Arbitration,
    /// Public security: refusal to pay wages (拒不支付劳动报酬罪, Criminal Law art. 276-1)
    PublicSecurity,
    /// A court, for a payment order (支付令)
    CourtPaymentOrder,
    /// Another department: construction, petitions, the union, ...
    Department,
}

/// A hand-over (移送): to whom, when, their reference, and what came of it.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Handover {
    pub to: HandoverTo,
    /// For `department`: which one (建管委, 信访办, 总工会, ...).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub department: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub receiving_body: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reference: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub outcome: Option<String>,
}

/// One worker paid from the wage-guarantee fund.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AdvanceRecipient {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub resident_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_fen: Option<Fen>,
}

/// Wage-guarantee fund advance (欠薪保障金先行垫付): basic wages advanced to workers when the
/// employer cannot pay at once or has fled.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FundAdvance {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub amount_fen: Option<Fen>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub requested_on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub approved_by: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub approved_on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub recipients: Vec<AdvanceRecipient>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub outcome: Option<String>,
}

record_kind! {
    pub struct Case {
        pub status: CaseStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub subject: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer_name: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub project_id: Option<String>,
        pub source: CaseSource,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub workers_involved: Option<i32>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub amount_owed_fen: Option<Fen>,
        pub risk_level: RiskLevel,
        /// 包案领导
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub responsible_leader: Option<String>,
        /// 责任人
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub responsible_person: Option<String>,
        /// 化解方案
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub resolution_plan: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub follow_ups: Vec<FollowUp>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub wage_claims: Vec<WageClaim>,
        /// Filing date: starts the 60-working-day inspection clock.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub filed_on: Option<Date>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub extension: Option<Extension>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub handovers: Vec<Handover>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub fund_advance: Option<FundAdvance>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub resolution: Option<Resolution>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub sign_off: Option<SignOff>,
    }
}

impl Case {
    /// The employer this case is about, as a key for follow-up counting: its record id when
    /// linked, else its name.
    pub fn employer_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.employer_id.iter().cloned().collect();
        keys.extend(self.employer_name.as_deref().map(employer_name_key));
        keys
    }
}

/// A company name as a matching key: spaces and brackets of either width removed.
pub fn employer_name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '（' | '）'))
        .collect()
}

impl RecordKind for Case {
    const KIND: Kind = Kind::Case;
    common_accessors!();

    fn example() -> Self {
        Case {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: CaseStatus::InProgress,
            subject: Some("宏达物流拖欠12名装卸工2月至3月工资".into()),
            employer_id: None,
            employer_name: Some("上海青浦宏达物流有限公司".into()),
            project_id: None,
            source: CaseSource::Complaint,
            workers_involved: Some(12),
            amount_owed_fen: Some(18_600_000),
            risk_level: RiskLevel::High,
            responsible_leader: Some("周明".into()),
            responsible_person: Some("张丽".into()),
            resolution_plan: Some("约谈法定代表人，限期3月31日前足额支付".into()),
            follow_ups: vec![FollowUp {
                at: "2026-03-12T06:30:00Z".parse().ok(),
                kind: FollowUpKind::Interview,
                by: "张丽".into(),
                outcome: "单位承诺分两期支付".into(),
            }],
            wage_claims: vec![WageClaim {
                worker_name: "刘强".into(),
                resident_id: Some("11010519491231002X".into()),
                phone: Some("13712345678".into()),
                work_from: "2026-02-01".parse().ok(),
                work_to: "2026-03-10".parse().ok(),
                amount_owed_fen: Some(1_550_000),
                evidence: Some("考勤记录照片".into()),
            }],
            filed_on: "2026-03-11".parse().ok(),
            extension: None,
            handovers: vec![],
            fund_advance: None,
            resolution: None,
            sign_off: None,
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        super::check_count(p, "workers_involved", self.workers_involved);
        p.money("amount_owed_fen", self.amount_owed_fen);
        for (i, c) in self.wage_claims.iter().enumerate() {
            p.at("wage_claims", |p| p.at(i, |p| c.check(p)));
        }
        for (i, f) in self.follow_ups.iter().enumerate() {
            p.at("follow_ups", |p| p.at(i, |p| p.not_future("at", f.at)));
        }
        if let Some(r) = &self.resolution {
            p.at("resolution", |p| {
                p.money("amount_paid_fen", r.amount_paid_fen);
                p.not_future("on", r.on.map(crate::time::start_of_day));
            });
        }
        if let Some(e) = &self.extension {
            p.at("extension", |p| {
                p.not_future("approved_on", e.approved_on.map(crate::time::start_of_day))
            });
        }
        for (i, h) in self.handovers.iter().enumerate() {
            p.at("handovers", |p| {
                p.at(i, |p| {
                    p.not_future("on", h.on.map(crate::time::start_of_day));
                    if h.to == HandoverTo::Department && h.department.as_deref().is_none_or(|d| d.trim().is_empty()) {
                        p.warn(
                            "department",
                            "department_named",
                            "say which department the case went to",
                        );
                    }
                })
            });
        }
        if let Some(f) = &self.fund_advance {
            p.at("fund_advance", |p| {
                p.money("amount_fen", f.amount_fen);
                let mut total = 0i64;
                for (i, r) in f.recipients.iter().enumerate() {
                    p.at("recipients", |p| {
                        p.at(i, |p| {
                            p.resident_id("resident_id", &r.resident_id);
                            p.money("amount_fen", r.amount_fen);
                        })
                    });
                    total += r.amount_fen.unwrap_or(0);
                }
                if let Some(amount) = f.amount_fen {
                    if total > amount {
                        p.error(
                            "recipients",
                            "advance_shares_within_amount",
                            format!("the recipients' shares ({total} fen) exceed the advance ({amount} fen)"),
                        );
                    }
                }
                if let (Some(r), Some(a)) = (f.requested_on, f.approved_on) {
                    if a < r {
                        p.error(
                            "approved_on",
                            "period_order",
                            "the advance is approved before it was requested",
                        );
                    }
                }
            });
        }
        if full {
            p.require(self.subject.is_some(), "subject");
            p.require(self.responsible_person.is_some(), "responsible_person");
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.subject.clone());
        search.extend(self.employer_name.clone());
        search.extend(self.responsible_leader.clone());
        search.extend(self.responsible_person.clone());
        for c in &self.wage_claims {
            search.push(c.worker_name.clone());
            search.extend(c.resident_id.clone());
            search.extend(c.phone.clone());
        }
        Summary {
            title: self
                .subject
                .clone()
                .or_else(|| self.employer_name.clone())
                .unwrap_or_default(),
            risk: Some(self.risk_level),
            responsible: self.responsible_person.clone(),
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[
            ("open", "in_progress"),
            ("open", "closed"),
            ("in_progress", "closed"),
            ("closed", "in_progress"),
            ("in_progress", "open"),
        ]
    }
}

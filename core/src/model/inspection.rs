//! Site inspection record (现场检查笔录), with the eight-item checklist of the Regulations on
//! Ensuring Payment of Wages to Migrant Workers (2020). Signed, it is sealed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    check_inspector_signatures, check_inspectors, check_signatures, common_accessors, record_kind, CheckResult, Date,
    Inspector, Instant, Kind, Location, RecordKind, Signature, Summary,
};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionStatus {
    #[default]
    Draft,
    /// Set by sealing, never by an edit.
    Signed,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ChecklistItem {
    pub result: CheckResult,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: Option<String>,
    /// SHA-256 of evidence photos among the record's attachments.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub photos: Vec<String>,
}

/// The eight checks, in the order of the regulations.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct WageChecklist {
    /// 1. real-name registration of every worker (实名制) and labour contracts
    pub real_name_and_contracts: ChecklistItem,
    /// 2. dedicated wage account (工资专用账户) opened by the general contractor, transfers on time
    pub wage_account: ChecklistItem,
    /// 3. labour cost paid separately, transfer period not over one month
    pub labour_cost_separate: ChecklistItem,
    /// 4. general contractor pays wages on behalf (总包代发), pay sheet signed by each worker
    pub contractor_pays_wages: ChecklistItem,
    /// 5. wage guarantee deposit (工资保证金) paid
    pub wage_guarantee_deposit: ChecklistItem,
    /// 6. rights notice board (维权信息告示牌) posted
    pub rights_notice_board: ChecklistItem,
    /// 7. payroll ledger kept at least 3 years
    pub payroll_kept_three_years: ChecklistItem,
    /// 8. wages paid in money to the worker personally
    pub paid_in_money_personally: ChecklistItem,
}

impl WageChecklist {
    pub fn items(&self) -> [(&'static str, &ChecklistItem); 8] {
        [
            ("real_name_and_contracts", &self.real_name_and_contracts),
            ("wage_account", &self.wage_account),
            ("labour_cost_separate", &self.labour_cost_separate),
            ("contractor_pays_wages", &self.contractor_pays_wages),
            ("wage_guarantee_deposit", &self.wage_guarantee_deposit),
            ("rights_notice_board", &self.rights_notice_board),
            ("payroll_kept_three_years", &self.payroll_kept_three_years),
            ("paid_in_money_personally", &self.paid_in_money_personally),
        ]
    }
}

/// 责令改正: what must be corrected, by when.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CorrectionOrder {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub required: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub deadline: Option<Date>,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct InspectionSignatures {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub employer_representative: Option<Signature>,
    /// The representative refused to sign; the note says so in the inspectors' words.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub representative_refused: bool,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub refusal_note: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspectors: Vec<Signature>,
}

record_kind! {
    pub struct Inspection {
        pub status: InspectionStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub case_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub project_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer_id: Option<String>,
        /// Name of the project or employer inspected, as on site.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub site_name: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub inspectors: Vec<Inspector>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub started_at: Option<Instant>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub ended_at: Option<Instant>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub address: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub location: Option<Location>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub headcount_on_site: Option<i32>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub headcount_registered: Option<i32>,
        pub checklist: WageChecklist,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub findings: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub correction_order: Option<CorrectionOrder>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub signatures: InspectionSignatures,
    }
}

impl RecordKind for Inspection {
    const KIND: Kind = Kind::Inspection;
    common_accessors!();

    fn example() -> Self {
        let ok = || ChecklistItem {
            result: CheckResult::Compliant,
            note: None,
            photos: vec![],
        };
        let signed = |name: &str| Signature {
            name: name.into(),
            signed_at: "2026-03-10T04:00:00Z".parse().ok(),
            image_sha256: None,
        };
        Inspection {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: InspectionStatus::Draft,
            case_id: None,
            project_id: None,
            employer_id: None,
            site_name: Some("华新镇社区服务中心新建工程".into()),
            inspectors: vec![
                Inspector {
                    name: "张丽".into(),
                    credential_number: "沪劳监0112".into(),
                },
                Inspector {
                    name: "吴军".into(),
                    credential_number: "沪劳监0135".into(),
                },
            ],
            started_at: "2026-03-10T02:00:00Z".parse().ok(),
            ended_at: "2026-03-10T03:40:00Z".parse().ok(),
            address: Some("青浦区华新镇新凤路100号".into()),
            location: Some(Location {
                lat: 31.2391,
                lon: 121.2265,
                accuracy_m: Some(12.0),
                source: super::LocationSource::Gps,
            }),
            headcount_on_site: Some(86),
            headcount_registered: Some(80),
            checklist: WageChecklist {
                real_name_and_contracts: ChecklistItem {
                    result: CheckResult::NonCompliant,
                    note: Some("6人未实名登记".into()),
                    photos: vec![],
                },
                wage_account: ok(),
                labour_cost_separate: ok(),
                contractor_pays_wages: ok(),
                wage_guarantee_deposit: ok(),
                rights_notice_board: ChecklistItem {
                    result: CheckResult::NonCompliant,
                    note: Some("告示牌未公示工资支付日".into()),
                    photos: vec![],
                },
                payroll_kept_three_years: ok(),
                paid_in_money_personally: ok(),
            },
            findings: Some("现场6名工人未实名登记；维权告示牌信息不全".into()),
            correction_order: Some(CorrectionOrder {
                required: "补办实名登记，完善告示牌".into(),
                deadline: "2026-03-17".parse().ok(),
            }),
            signatures: InspectionSignatures {
                employer_representative: Some(signed("赵磊")),
                representative_refused: false,
                refusal_note: None,
                inspectors: vec![signed("张丽"), signed("吴军")],
            },
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        super::check_count(p, "headcount_on_site", self.headcount_on_site);
        super::check_count(p, "headcount_registered", self.headcount_registered);
        if let Some(l) = &self.location {
            p.at("location", |p| l.check(p));
        }
        if let (Some(a), Some(b)) = (self.started_at, self.ended_at) {
            if b < a {
                p.error("ended_at", "end_after_start", "the inspection ends before it starts");
            }
        }
        for (name, item) in self.checklist.items() {
            p.at("checklist", |p| {
                p.at(name, |p| {
                    for (i, h) in item.photos.iter().enumerate() {
                        p.at("photos", |p| p.sha256(&i.to_string(), h));
                    }
                    if full && item.result == CheckResult::Unchecked {
                        p.error(
                            "result",
                            "checklist_answered",
                            "every checklist item must be compliant, non-compliant or not applicable",
                        );
                    }
                    if full
                        && item.result == CheckResult::NonCompliant
                        && item.note.as_deref().unwrap_or("").trim().is_empty()
                    {
                        p.error(
                            "note",
                            "non_compliance_explained",
                            "a non-compliant item needs a note saying what was found",
                        );
                    }
                })
            });
        }
        p.at("signatures", |p| {
            check_signatures(p, "inspectors", &self.signatures.inspectors)
        });
        check_inspectors(p, &self.inspectors, full);
        // Order and dates: a warning while drafting, an error at signing.
        let mut order = Problems::as_of(p.now());
        order.not_future("started_at", self.started_at);
        order.not_future("ended_at", self.ended_at);
        let mut signed_at = |field: String, sig: &Signature| {
            order.not_future(&field, sig.signed_at);
            if let (Some(at), Some(start)) = (sig.signed_at, self.started_at) {
                if at < start {
                    order.error(&field, "signed_after_start", "signed before the inspection started");
                }
            }
        };
        for (i, sig) in self.signatures.inspectors.iter().enumerate() {
            signed_at(format!("signatures.inspectors.{i}.signed_at"), sig);
        }
        if let Some(sig) = &self.signatures.employer_representative {
            signed_at("signatures.employer_representative.signed_at".into(), sig);
        }
        if let (Some(order_), Some(start)) = (&self.correction_order, self.started_at) {
            if order_.deadline.is_some_and(|d| d < crate::time::local_date(start)) {
                order.error(
                    "correction_order.deadline",
                    "correction_after_inspection",
                    "the correction deadline is before the inspection",
                );
            }
        }
        p.merge_at_level(order, full);
        if full {
            let non_compliant: Vec<&str> = self
                .checklist
                .items()
                .iter()
                .filter(|(_, i)| i.result == CheckResult::NonCompliant)
                .map(|(n, _)| *n)
                .collect();
            if !non_compliant.is_empty() {
                if self.findings.as_deref().is_none_or(|f| f.trim().is_empty()) {
                    p.error(
                        "findings",
                        "findings_for_non_compliance",
                        format!(
                            "{} checklist item(s) are non-compliant: the findings must say what was found",
                            non_compliant.len()
                        ),
                    );
                }
                match &self.correction_order {
                    Some(o) if !o.required.trim().is_empty() && o.deadline.is_some() => {}
                    _ => p.error(
                        "correction_order",
                        "correction_order_for_non_compliance",
                        "a non-compliant item needs a correction order (责令改正) saying what and by when",
                    ),
                }
            }
            p.require(
                self.site_name.is_some() || self.project_id.is_some() || self.employer_id.is_some(),
                "site_name",
            );
            p.require(self.started_at.is_some(), "started_at");
            p.require(self.ended_at.is_some(), "ended_at");
            p.require(self.address.is_some() || self.location.is_some(), "address");
            check_inspector_signatures(p, &self.inspectors, &self.signatures.inspectors);
            let s = &self.signatures;
            let rep_signed = s.employer_representative.as_ref().is_some_and(|s| s.is_signed());
            let refusal_noted =
                s.representative_refused && s.refusal_note.as_deref().is_some_and(|n| !n.trim().is_empty());
            if !rep_signed && !refusal_noted {
                p.error(
                    "signatures.employer_representative",
                    "representative_signed_or_refusal_noted",
                    "the employer's representative must sign, or the refusal must be noted",
                );
            }
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.site_name.clone());
        search.extend(self.address.clone());
        search.extend(self.inspectors.iter().map(|i| i.name.clone()));
        search.extend(self.findings.clone());
        Summary {
            title: self.site_name.clone().unwrap_or_default(),
            risk: None,
            responsible: self.inspectors.first().map(|i| i.name.clone()),
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[]
    }

    fn sealed_status() -> Option<&'static str> {
        Some("signed")
    }
}

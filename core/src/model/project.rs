//! Construction project (工程项目) and its six wage-payment controls.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{common_accessors, record_kind, Date, Instant, Kind, Location, RecordKind, Summary};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    #[default]
    UnderConstruction,
    Suspended,
    Completed,
}

/// A company on a project: developer, general contractor (总包) or subcontractor (分包).
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Company {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub uscc: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub responsible_person: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
}

impl Company {
    pub(crate) fn check(&self, p: &mut Problems) {
        p.uscc("uscc", &self.uscc);
        p.phone("phone", &self.phone);
    }
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    #[default]
    Unchecked,
    Compliant,
    NonCompliant,
    NotApplicable,
}

/// The latest inspection result of one control.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ControlStatus {
    pub result: CheckResult,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspected_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspection_id: Option<String>,
}

/// The six controls of the Regulations on Ensuring Payment of Wages to Migrant Workers.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct SixControls {
    /// 实名制
    pub real_name_registration: ControlStatus,
    /// 工资专用账户
    pub wage_account: ControlStatus,
    /// labour cost paid separately (人工费用分账)
    pub labour_cost_separate: ControlStatus,
    /// 总包代发
    pub contractor_pays_wages: ControlStatus,
    /// 工资保证金
    pub wage_guarantee_deposit: ControlStatus,
    /// 维权信息告示牌
    pub rights_notice_board: ControlStatus,
}

record_kind! {
    pub struct Project {
        pub status: ProjectStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub name: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub address: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub location: Option<Location>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub permit_number: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub developer: Company,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub general_contractor: Company,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub subcontractors: Vec<Company>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub start_date: Option<Date>,
        /// Labour-cost transfer period in days (must not exceed one month).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub labour_cost_transfer_period_days: Option<i32>,
        pub controls: SixControls,
    }
}

impl RecordKind for Project {
    const KIND: Kind = Kind::Project;
    common_accessors!();

    fn example() -> Self {
        let checked = |result| ControlStatus {
            result,
            inspected_at: "2026-03-10T02:00:00Z".parse().ok(),
            inspection_id: None,
        };
        Project {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: ProjectStatus::UnderConstruction,
            name: Some("华新镇社区服务中心新建工程".into()),
            address: Some("青浦区华新镇新凤路100号".into()),
            location: Some(Location {
                lat: 31.2391,
                lon: 121.2265,
                accuracy_m: Some(8.0),
                source: super::LocationSource::Gps,
            }),
            permit_number: Some("310118202603020101".into()),
            developer: Company {
                name: Some("上海华新城市建设发展有限公司".into()),
                uscc: None,
                responsible_person: Some("陈伟".into()),
                phone: None,
            },
            general_contractor: Company {
                name: Some("上海建工七建集团有限公司".into()),
                uscc: Some("91350100M000100Y43".into()),
                responsible_person: Some("赵磊".into()),
                phone: Some("13912345678".into()),
            },
            subcontractors: vec![Company {
                name: Some("江苏恒达劳务有限公司".into()),
                uscc: None,
                responsible_person: Some("孙强".into()),
                phone: Some("15012345678".into()),
            }],
            start_date: "2026-01-15".parse().ok(),
            labour_cost_transfer_period_days: Some(30),
            controls: SixControls {
                real_name_registration: checked(CheckResult::Compliant),
                wage_account: checked(CheckResult::Compliant),
                labour_cost_separate: checked(CheckResult::NonCompliant),
                contractor_pays_wages: checked(CheckResult::Compliant),
                wage_guarantee_deposit: checked(CheckResult::Compliant),
                rights_notice_board: checked(CheckResult::NonCompliant),
            },
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        super::check_count(
            p,
            "labour_cost_transfer_period_days",
            self.labour_cost_transfer_period_days,
        );
        if let Some(l) = &self.location {
            p.at("location", |p| l.check(p));
        }
        p.at("developer", |p| self.developer.check(p));
        p.at("general_contractor", |p| self.general_contractor.check(p));
        for (i, s) in self.subcontractors.iter().enumerate() {
            p.at("subcontractors", |p| p.at(i, |p| s.check(p)));
        }
        if let Some(days) = self.labour_cost_transfer_period_days {
            // A finding to record and flag (a violation of the regulations), not bad input.
            if days > 31 {
                p.warn(
                    "labour_cost_transfer_period_days",
                    "transfer_period_one_month",
                    format!("{days} days is over the one-month limit of the regulations: a violation to follow up"),
                );
            }
        }
        if full {
            p.require(self.name.is_some(), "name");
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.name.clone());
        search.extend(self.address.clone());
        search.extend(self.permit_number.clone());
        for c in std::iter::once(&self.developer)
            .chain(Some(&self.general_contractor))
            .chain(&self.subcontractors)
        {
            search.extend(c.name.clone());
            search.extend(c.uscc.clone());
            search.extend(c.responsible_person.clone());
            search.extend(c.phone.clone());
        }
        Summary {
            title: self.name.clone().unwrap_or_default(),
            risk: None,
            responsible: self.general_contractor.responsible_person.clone(),
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[("*", "under_construction"), ("*", "suspended"), ("*", "completed")]
    }
}

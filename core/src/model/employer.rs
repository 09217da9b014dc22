//! Employer (用人单位): who owes the wages, and how risky they are.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{common_accessors, record_kind, Date, Fen, Kind, RecordKind, RiskLevel, Summary};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmployerStatus {
    #[default]
    Active,
    Monitored,
    Blacklisted,
    Deregistered,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    Logistics,
    Manufacturing,
    Construction,
    #[default]
    Other,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskFlag {
    /// 欠薪
    WageArrears,
    /// 欠保
    SocialInsuranceArrears,
    /// 关停并转搬
    ClosingOrRelocating,
    /// 外包
    Outsourcing,
    RepeatArrears,
    MediaAttention,
    RepeatPetitions,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Contact {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
}

/// One reading of an early-warning indicator (e.g. months of unpaid social insurance).
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Indicator {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub value: Option<Fen>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub note: Option<String>,
}

/// A blacklist entry (拖欠农民工工资"黑名单"): an employer listed for arrears at the criminal
/// threshold, or arrears that caused a mass incident, still unpaid after an order. Listed for
/// three years.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Blacklisting {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub listed_on: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub reason: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub until: Option<Date>,
}

record_kind! {
    pub struct Employer {
        pub status: EmployerStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub name: Option<String>,
        /// Unified social credit code (统一社会信用代码).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub uscc: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub legal_representative: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub contact: Contact,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub address: Option<String>,
        pub industry: Industry,
        pub risk_level: RiskLevel,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub risk_flags: Vec<RiskFlag>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub monitoring_since: Option<Date>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub indicators: Vec<Indicator>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub blacklist: Option<Blacklisting>,
    }
}

impl RecordKind for Employer {
    const KIND: Kind = Kind::Employer;
    common_accessors!();

    fn example() -> Self {
        Employer {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: EmployerStatus::Monitored,
            name: Some("上海青浦宏达物流有限公司".into()),
            uscc: Some("91350100M000100Y43".into()),
            legal_representative: Some("王建国".into()),
            contact: Contact {
                name: Some("李娟".into()),
                phone: Some("13812345678".into()),
            },
            address: Some("青浦区华新镇华腾路88号".into()),
            industry: Industry::Logistics,
            risk_level: RiskLevel::High,
            risk_flags: vec![RiskFlag::WageArrears, RiskFlag::SocialInsuranceArrears],
            monitoring_since: "2026-03-02".parse().ok(),
            indicators: vec![Indicator {
                on: "2026-03-02".parse().ok(),
                name: "months_social_insurance_unpaid".into(),
                value: Some(3),
                note: None,
            }],
            blacklist: None,
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        p.uscc("uscc", &self.uscc);
        p.at("contact", |p| p.phone("phone", &self.contact.phone));
        if let Some(b) = &self.blacklist {
            p.at("blacklist", |p| {
                p.not_future("listed_on", b.listed_on.map(crate::time::start_of_day));
                if let (Some(from), Some(until)) = (b.listed_on, b.until) {
                    if until < from {
                        p.error(
                            "until",
                            "period_order",
                            format!("the listing ends ({until}) before it starts ({from})"),
                        );
                    }
                }
            });
        }
        if full {
            p.require(self.name.is_some(), "name");
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.name.clone());
        search.extend(self.uscc.clone());
        search.extend(self.legal_representative.clone());
        search.extend(self.contact.name.clone());
        search.extend(self.contact.phone.clone());
        search.extend(self.address.clone());
        Summary {
            title: self.name.clone().unwrap_or_default(),
            risk: Some(self.risk_level),
            responsible: None,
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[
            ("*", "active"),
            ("*", "monitored"),
            ("*", "blacklisted"),
            ("*", "deregistered"),
        ]
    }
}

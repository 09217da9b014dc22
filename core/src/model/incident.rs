//! Incident first contact (群体性事件先行介入): filled in under stress, often one-handed, so
//! almost nothing is required; everything else can be added later.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{common_accessors, record_kind, Fen, Instant, Kind, Location, RecordKind, RiskLevel, Summary};
use crate::validate::Problems;

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    #[default]
    Reported,
    Responding,
    /// Handed over to a case (see links).
    HandedOver,
    Closed,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskSign {
    BlockingRoadOrGate,
    ThreatsOfExtremeActs,
    MediaPresent,
    CrossDistrictWorkers,
}

#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Representative {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub resident_id: Option<String>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub phone: Option<String>,
}

/// When each step of the response happened.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Escalation {
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub grid_assistant_arrived_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspector_notified_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub inspector_arrived_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub escalated_to_leading_group_at: Option<Instant>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub other_district_notified_at: Option<Instant>,
}

record_kind! {
    pub struct Incident {
        pub status: IncidentStatus,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub reported_at: Option<Instant>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub address: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub location: Option<Location>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub headcount: Option<i32>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer_name: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub employer_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub project_id: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub amount_claimed_fen: Option<Fen>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub months_owed: Option<i32>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub representatives: Vec<Representative>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub demands: Option<String>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub risk_signs: Vec<RiskSign>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub escalation: Escalation,
        /// 欠薪保障金先行垫付 requested.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub fund_advance_requested: bool,
    }
}

impl Incident {
    /// The escalation timeline in order: the report comes first; the grid assistant arrives
    /// and the inspector is notified after it; the inspector arrives after being notified.
    pub fn escalation_order(&self, p: &mut Problems) {
        let e = &self.escalation;
        let steps = [
            (
                "grid_assistant_arrived_at",
                e.grid_assistant_arrived_at,
                "reported_at",
                self.reported_at,
                "the grid assistant arrived before the incident was reported",
            ),
            (
                "inspector_notified_at",
                e.inspector_notified_at,
                "reported_at",
                self.reported_at,
                "the inspector was notified before the incident was reported",
            ),
            (
                "inspector_arrived_at",
                e.inspector_arrived_at,
                "inspector_notified_at",
                e.inspector_notified_at,
                "the inspector arrived before being notified",
            ),
            (
                "escalated_to_leading_group_at",
                e.escalated_to_leading_group_at,
                "reported_at",
                self.reported_at,
                "escalated before the incident was reported",
            ),
            (
                "other_district_notified_at",
                e.other_district_notified_at,
                "reported_at",
                self.reported_at,
                "another district was told before the incident was reported",
            ),
        ];
        for (field, at, _before_field, before, message) in steps {
            if let (Some(at), Some(before)) = (at, before) {
                if at < before {
                    p.error(&format!("escalation.{field}"), "escalation_order", message);
                }
            }
        }
        p.not_future("reported_at", self.reported_at);
    }
}

impl RecordKind for Incident {
    const KIND: Kind = Kind::Incident;
    common_accessors!();

    fn example() -> Self {
        Incident {
            schema_version: super::SCHEMA_VERSION,
            township: "华新镇".into(),
            status: IncidentStatus::Responding,
            reported_at: "2026-06-18T01:20:00Z".parse().ok(),
            address: Some("华新镇新凤路100号工地大门".into()),
            location: Some(Location {
                lat: 31.2392,
                lon: 121.2263,
                accuracy_m: Some(20.0),
                source: super::LocationSource::Gps,
            }),
            headcount: Some(35),
            employer_name: Some("江苏恒达劳务有限公司".into()),
            employer_id: None,
            project_id: None,
            amount_claimed_fen: Some(96_000_000),
            months_owed: Some(3),
            representatives: vec![Representative {
                name: "马超".into(),
                resident_id: Some("11010519491231002X".into()),
                phone: Some("18612345678".into()),
            }],
            demands: Some("结清3个月工资".into()),
            risk_signs: vec![RiskSign::BlockingRoadOrGate],
            escalation: Escalation {
                grid_assistant_arrived_at: "2026-06-18T01:35:00Z".parse().ok(),
                inspector_notified_at: "2026-06-18T01:38:00Z".parse().ok(),
                inspector_arrived_at: "2026-06-18T02:10:00Z".parse().ok(),
                escalated_to_leading_group_at: None,
                other_district_notified_at: None,
            },
            fund_advance_requested: true,
            attachments: vec![],
            links: vec![],
        }
    }

    fn check(&self, p: &mut Problems, full: bool) {
        super::check_count(p, "headcount", self.headcount);
        super::check_count(p, "months_owed", self.months_owed);
        if let Some(l) = &self.location {
            p.at("location", |p| l.check(p));
        }
        p.money("amount_claimed_fen", self.amount_claimed_fen);
        for (i, r) in self.representatives.iter().enumerate() {
            p.at("representatives", |p| {
                p.at(i, |p| {
                    p.resident_id("resident_id", &r.resident_id);
                    p.mobile("phone", &r.phone);
                })
            });
        }
        // Out of order is a warning while the incident is handled, an error when it is closed.
        let mut order = Problems::as_of(p.now());
        self.escalation_order(&mut order);
        p.merge_at_level(order, false);
        if full {
            p.require(self.reported_at.is_some(), "reported_at");
            p.require(self.address.is_some() || self.location.is_some(), "address");
        }
    }

    fn summary(&self) -> Summary {
        let mut search = vec![];
        search.extend(self.employer_name.clone());
        search.extend(self.address.clone());
        search.extend(self.demands.clone());
        for r in &self.representatives {
            search.push(r.name.clone());
            search.extend(r.resident_id.clone());
            search.extend(r.phone.clone());
        }
        let serious = self
            .risk_signs
            .iter()
            .any(|s| matches!(s, RiskSign::ThreatsOfExtremeActs | RiskSign::BlockingRoadOrGate));
        Summary {
            title: self
                .employer_name
                .clone()
                .or_else(|| self.address.clone())
                .unwrap_or_default(),
            risk: Some(if serious { RiskLevel::High } else { RiskLevel::Medium }),
            responsible: None,
            search,
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[
            ("reported", "responding"),
            ("reported", "handed_over"),
            ("responding", "handed_over"),
            ("reported", "closed"),
            ("responding", "closed"),
            ("handed_over", "closed"),
        ]
    }
}

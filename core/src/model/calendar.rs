//! The office's working calendar for one year (工作日历): days off and adjusted working days
//! from the State Council's notice, the campaign periods of the plan, and how long a
//! high-risk employer may go without a follow-up. One record a year, district-wide, synced
//! to every device so that every device counts the same deadlines. Only the office keeps it.

use super::{common_accessors, record_kind, Date, Kind, RecordKind, Summary, DISTRICT};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::problem::Problems;

record_kind! {
    pub struct WorkCalendar {
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub year: i32,
        /// The notice the dates come from, e.g. 国办发明电〔2025〕…号.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub notice: Option<String>,
        /// Days off (法定节假日 and the weekends around them).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub holidays: Vec<Date>,
        /// Weekend days that are worked (调休).
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub working_weekends: Vec<Date>,
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub campaign_periods: Vec<CampaignPeriod>,
        /// Days without a follow-up after which a high-risk employer is out of monitoring.
        #[cfg_attr(feature = "ffi", uniffi(default))]
        pub monitoring_days: Option<i32>,
    }
}

impl WorkCalendar {
    /// The record id of a year's calendar: one document a year, whoever makes it.
    pub fn record_id(year: i32) -> String {
        format!("calendar-{year}")
    }
}

impl RecordKind for WorkCalendar {
    const KIND: Kind = Kind::Calendar;
    common_accessors!();

    fn example() -> Self {
        serde_json::from_str(include_str!("../../data/calendar-2026.json")).unwrap_or_default()
    }

    fn check(&self, p: &mut Problems, _full: bool) {
        if self.township != DISTRICT {
            p.error(
                "township",
                "calendar_district_wide",
                format!("a calendar holds for the whole district: its township is \"{DISTRICT}\""),
            );
        }
        self.check_dates(p);
    }

    fn summary(&self) -> Summary {
        Summary {
            title: format!("{}年工作日历", self.year),
            search: self.notice.clone().into_iter().collect(),
            ..Default::default()
        }
    }

    fn transitions() -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// A campaign period from the plan (sweep, resolution, stabilisation): configuration.
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignPeriod {
    /// 排查 (sweep), 化解 (resolution), 稳控 (stabilisation), or another name the plan uses.
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub name: String,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub from: Option<Date>,
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub to: Option<Date>,
    /// Duty rosters and fast reporting apply in this period (稳控阶段).
    #[cfg_attr(feature = "ffi", uniffi(default))]
    pub fast_reporting: bool,
}

//! Working days and the counting of legal periods. Instants are UTC; dates and "end of day"
//! are Shanghai time (UTC+8, no daylight saving since 1991).
//!
//! Holidays are data, not code: the State Council publishes them year by year, with some
//! weekends made working days (调休). The official 2026 calendar (notice of 2025-11-04) ships
//! built in; the office keeps later years (and may correct 2026) as synced calendar records,
//! so every device counts the same deadlines.
//!
//! Counting (Civil Code art. 201–203): a period in days starts on the day after the event
//! and ends at the end (24:00) of its last day; when the last day is not a working day
//! (a weekend or a statutory holiday), the period ends at the end of the next working day.
//! A period in working days counts only working days, also from the day after the event.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub use crate::model::CampaignPeriod;
use crate::model::WorkCalendar;
use crate::problem::Problems;
pub use crate::time::{end_of_day, local_date, shanghai, show_local, start_of_day};

/// Working days of the inspection case clock (from filing), and the extension with approval.
pub const INSPECTION_CLOCK_WORKING_DAYS: u32 = 60;
pub const INSPECTION_EXTENSION_WORKING_DAYS: u32 = 30;
/// Days from a mediation application after which a party may go to arbitration.
pub const MEDIATION_CLOCK_DAYS: u32 = 15;
/// Days after a mediation agreement takes effect to apply jointly for arbitration review.
pub const ARBITRATION_REVIEW_DAYS: u32 = 15;
/// Days without a follow-up after which a high-risk employer counts as out of monitoring,
/// unless the office's calendar says otherwise.
pub const DEFAULT_MONITORING_DAYS: u32 = 30;

/// The official 2026 calendar, as the State Council General Office published it.
const OFFICIAL_2026: &str = include_str!("../data/calendar-2026.json");

/// The calendar every clock counts with: the years it covers and their days off and
/// adjusted working days, plus the campaign settings the office keeps with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Year {
    holidays: BTreeSet<NaiveDate>,
    working_weekends: BTreeSet<NaiveDate>,
    campaign: Vec<CampaignPeriod>,
    monitoring_days: Option<u32>,
    /// "built_in" or the id of the office's calendar record.
    source: String,
}

/// A due date and what to tell people about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub on: NaiveDate,
    /// Set when the counted days run into a year the calendar does not cover: the count
    /// then knows only weekends, and the office should add that year's holidays.
    pub warning: Option<String>,
}

impl Calendar {
    /// No holidays at all: weekends only. For tests that want plain counting.
    pub fn weekends_only() -> Calendar {
        Calendar::default()
    }

    /// The built-in official calendar (2026).
    pub fn official() -> Calendar {
        let mut cal = Calendar::default();
        let year: WorkCalendar = serde_json::from_str(OFFICIAL_2026).expect("the built-in 2026 calendar is valid JSON");
        cal.put(&year, "built_in");
        cal
    }

    /// The official calendar with the office's calendar records laid over it: a record for
    /// a year replaces that year.
    pub fn with_records<'a>(records: impl IntoIterator<Item = (&'a str, &'a WorkCalendar)>) -> Calendar {
        let mut cal = Calendar::official();
        for (id, year) in records {
            cal.put(year, id);
        }
        cal
    }

    fn put(&mut self, y: &WorkCalendar, source: &str) {
        self.years.insert(
            y.year,
            Year {
                holidays: y.holidays.iter().copied().collect(),
                working_weekends: y.working_weekends.iter().copied().collect(),
                campaign: y.campaign_periods.clone(),
                monitoring_days: y.monitoring_days.and_then(|d| u32::try_from(d).ok()),
                source: source.to_string(),
            },
        );
    }

    /// The years this calendar has holidays for.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    /// Where the calendar of `year` comes from: `built_in`, a calendar record's id, or none.
    pub fn source(&self, year: i32) -> Option<&str> {
        self.years.get(&year).map(|y| y.source.as_str())
    }

    pub fn holidays(&self, year: i32) -> Vec<NaiveDate> {
        self.years
            .get(&year)
            .map(|y| y.holidays.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn working_weekends(&self, year: i32) -> Vec<NaiveDate> {
        self.years
            .get(&year)
            .map(|y| y.working_weekends.iter().copied().collect())
            .unwrap_or_default()
    }

    pub fn campaign_periods(&self, year: i32) -> Vec<CampaignPeriod> {
        self.years.get(&year).map(|y| y.campaign.clone()).unwrap_or_default()
    }

    /// The campaign periods a date falls in.
    pub fn campaign_on(&self, d: NaiveDate) -> Vec<CampaignPeriod> {
        self.campaign_periods(d.year())
            .into_iter()
            .filter(|p| p.from.is_some_and(|f| f <= d) && p.to.is_some_and(|t| d <= t))
            .collect()
    }

    /// Days without a follow-up after which a high-risk employer is out of monitoring.
    pub fn monitoring_days(&self, year: i32) -> u32 {
        self.years
            .get(&year)
            .and_then(|y| y.monitoring_days)
            .unwrap_or(DEFAULT_MONITORING_DAYS)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if let Some(y) = self.years.get(&d.year()) {
            if y.working_weekends.contains(&d) {
                return true;
            }
            if y.holidays.contains(&d) {
                return false;
            }
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    fn uncovered(&self, from: NaiveDate, to: NaiveDate) -> Option<String> {
        let missing: Vec<String> = (from.year()..=to.year())
            .filter(|y| !self.covers(*y))
            .map(|y| y.to_string())
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "the calendar has no holidays for {}: this deadline counts weekends only until the office adds that year",
                missing.join(", ")
            )
        })
    }

    /// The last of `n` working days counted from the day after `event`.
    pub fn working_days_after(&self, event: NaiveDate, n: u32) -> Due {
        let mut d = event;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Due {
            on: d,
            warning: self.uncovered(event + Duration::days(1), d),
        }
    }

    /// The last day of a period of `n` days after `event`, moved to the next working day
    /// when it falls on a weekend or a holiday (Civil Code art. 201, 203).
    pub fn days_after(&self, event: NaiveDate, n: u32) -> Due {
        let mut d = event + Duration::days(i64::from(n));
        while !self.is_working_day(d) {
            d += Duration::days(1);
        }
        Due {
            on: d,
            warning: self.uncovered(d, d),
        }
    }
}

impl WorkCalendar {
    /// What makes a calendar year wrong: dates outside the year, a date both a holiday and a
    /// working day, an "adjusted working day" that is not a weekend, a period that ends before
    /// it starts. Unknown keys never get this far: reading the record refuses them.
    pub(crate) fn check_dates(&self, p: &mut Problems) {
        if !(2000..=2100).contains(&self.year) {
            p.error(
                "year",
                "calendar_year",
                format!("{} is not a year this calendar can hold", self.year),
            );
            return;
        }
        for (field, dates) in [
            ("holidays", &self.holidays),
            ("working_weekends", &self.working_weekends),
        ] {
            for (i, d) in dates.iter().enumerate() {
                if d.year() != self.year {
                    p.at(field, |p| {
                        p.error(
                            &i.to_string(),
                            "calendar_date_in_year",
                            format!("{d} is not in {}", self.year),
                        )
                    });
                }
            }
        }
        for (i, d) in self.working_weekends.iter().enumerate() {
            if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                p.at("working_weekends", |p| {
                    p.error(
                        &i.to_string(),
                        "working_weekend_is_weekend",
                        format!(
                            "{d} is a {:?}: only a Saturday or Sunday can be made a working day",
                            d.weekday()
                        ),
                    )
                });
            }
            if self.holidays.contains(d) {
                p.at("working_weekends", |p| {
                    p.error(
                        &i.to_string(),
                        "calendar_contradiction",
                        format!("{d} is listed both as a day off and as a working day"),
                    )
                });
            }
        }
        for (i, c) in self.campaign_periods.iter().enumerate() {
            p.at("campaign_periods", |p| {
                p.at(i, |p| {
                    if c.name.trim().is_empty() {
                        p.error("name", "required", "a campaign period needs a name");
                    }
                    match (c.from, c.to) {
                        (Some(f), Some(t)) if t < f => p.error(
                            "to",
                            "period_order",
                            format!("the period ends ({t}) before it starts ({f})"),
                        ),
                        (None, _) => p.error("from", "required", "a campaign period needs its first day"),
                        (_, None) => p.error("to", "required", "a campaign period needs its last day"),
                        _ => {}
                    }
                })
            });
        }
        if self.monitoring_days.is_some_and(|d| d < 1) {
            p.error(
                "monitoring_days",
                "monitoring_days_positive",
                "monitoring needs at least one day",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        let cal = Calendar::weekends_only();
        // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
        assert_eq!(cal.working_days_after(d("2026-03-06"), 1).on, d("2026-03-09"));
        // Twelve weeks of five days.
        assert_eq!(cal.working_days_after(d("2026-03-02"), 60).on, d("2026-05-25"));
        let official = Calendar::official();
        // Thursday 2026-09-24: Sep 25 (Fri) is off; the next working day is Monday Sep 28.
        assert_eq!(official.working_days_after(d("2026-09-24"), 1).on, d("2026-09-28"));
        // Friday 2026-10-09: Saturday Oct 10 is an adjusted working day.
        assert_eq!(official.working_days_after(d("2026-10-09"), 1).on, d("2026-10-10"));
        assert!(official.working_days_after(d("2026-10-09"), 1).warning.is_none());
    }

    #[test]
    fn the_official_calendar_of_2026() {
        let cal = Calendar::official();
        assert_eq!(cal.years(), [2026]);
        for off in [
            "2026-01-01",
            "2026-02-17",
            "2026-04-06",
            "2026-05-05",
            "2026-06-19",
            "2026-09-25",
            "2026-10-07",
        ] {
            assert!(!cal.is_working_day(d(off)), "{off}");
        }
        for on in [
            "2026-01-04",
            "2026-02-14",
            "2026-02-28",
            "2026-05-09",
            "2026-09-20",
            "2026-10-10",
        ] {
            assert!(cal.is_working_day(d(on)), "{on}");
        }
        assert_eq!(cal.holidays(2026).len(), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    }

    #[test]
    fn a_period_in_days_ends_at_midnight_of_its_last_working_day() {
        let cal = Calendar::official();
        // Application 2026-09-22: day 15 is 2026-10-07, a holiday; the period ends with Oct 8.
        let due = cal.days_after(d("2026-09-22"), 15);
        assert_eq!(due.on, d("2026-10-08"));
        assert_eq!(end_of_day(due.on).to_rfc3339(), "2026-10-08T16:00:00+00:00");
        // A last day on a Saturday moves to Monday.
        assert_eq!(cal.days_after(d("2026-03-13"), 15).on, d("2026-03-30"));
    }

    #[test]
    fn a_deadline_in_a_year_without_holidays_carries_a_warning() {
        let cal = Calendar::official();
        let due = cal.working_days_after(d("2026-11-20"), 60);
        assert_eq!(due.on.year(), 2027);
        assert!(due.warning.unwrap().contains("2027"));
    }

    #[test]
    fn deadlines_end_at_midnight_shanghai() {
        let t = end_of_day(d("2026-05-25"));
        assert_eq!(t.to_rfc3339(), "2026-05-25T16:00:00+00:00");
        assert_eq!(show_local(t), "2026-05-26 00:00");
        assert_eq!(local_date(t - Duration::seconds(1)), d("2026-05-25"));
    }
}

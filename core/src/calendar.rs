//! Working days and the legal clocks. Instants are UTC; dates and "end of day" are Shanghai
//! time (UTC+8, no daylight saving since 1991). Holidays are configuration, because the State
//! Council publishes them year by year, with some weekends made working days (调休).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// Working days of the inspection clock (from filing), and the extension with approval.
pub const INSPECTION_CLOCK_WORKING_DAYS: u32 = 60;
pub const INSPECTION_EXTENSION_WORKING_DAYS: u32 = 30;
/// Calendar days from a mediation application to the point a party may go to arbitration.
pub const MEDIATION_CLOCK_DAYS: i64 = 15;
/// Calendar days after a mediation agreement takes effect to apply for arbitration review.
pub const ARBITRATION_REVIEW_DAYS: i64 = 15;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Calendar {
    /// Public holidays that fall on weekdays (or any day: listing a weekend is harmless).
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days declared working days (调休).
    pub working_weekends: BTreeSet<NaiveDate>,
}

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Shanghai calendar date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// The last second of a Shanghai calendar day, as a UTC instant: a deadline "on" a date.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_hms_opt(23, 59, 59).expect("valid time");
    shanghai()
        .from_local_datetime(&local)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// How an instant is shown to people: Shanghai time.
pub fn show_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

impl Calendar {
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.working_weekends.contains(&d) {
            return true;
        }
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        !weekend && !self.holidays.contains(&d)
    }

    /// The date `n` working days after `start` (the start day itself is not counted).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    pub fn add_days(start: NaiveDate, n: i64) -> NaiveDate {
        start + Duration::days(n)
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
        let mut cal = Calendar::default();
        // Friday 2026-03-06 + 1 working day = Monday 2026-03-09.
        assert_eq!(cal.add_working_days(d("2026-03-06"), 1), d("2026-03-09"));
        // Twelve weeks of five days.
        assert_eq!(cal.add_working_days(d("2026-03-02"), 60), d("2026-05-25"));
        cal.holidays.insert(d("2026-03-09"));
        assert_eq!(cal.add_working_days(d("2026-03-06"), 1), d("2026-03-10"));
        cal.working_weekends.insert(d("2026-03-07"));
        assert_eq!(cal.add_working_days(d("2026-03-06"), 1), d("2026-03-07"));
    }

    #[test]
    fn deadlines_end_at_midnight_shanghai() {
        let t = end_of_day(d("2026-05-25"));
        assert_eq!(t.to_rfc3339(), "2026-05-25T15:59:59+00:00");
        assert_eq!(show_local(t), "2026-05-25 23:59");
        assert_eq!(local_date(t), d("2026-05-25"));
    }
}

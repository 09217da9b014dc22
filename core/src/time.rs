//! Time as people in the district read it: instants are UTC, days are Shanghai's (UTC+8, no
//! daylight saving since 1991). The bottom of the core: everything else may use it.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};

pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Shanghai calendar date of an instant.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&shanghai()).date_naive()
}

/// The end (24:00) of a Shanghai calendar day, as a UTC instant: a deadline "on" a date.
/// A period is over once this instant is reached.
pub fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    start_of_day(d + Duration::days(1))
}

/// 00:00 of a Shanghai calendar day, as a UTC instant.
pub fn start_of_day(d: NaiveDate) -> DateTime<Utc> {
    let local = d.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
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

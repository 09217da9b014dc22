//! What happened when, as the index keeps it (`events`, filled from the records): follow-ups,
//! incidents reported, arrivals on site, extreme acts. The office's reports count them.

use rusqlite::{params, Connection};

use crate::error::Result;

/// High-risk employers of `township` (all, when none): id, name, township.
pub(crate) fn high_risk_employers(c: &Connection, township: Option<&str>) -> Result<Vec<(String, String, String)>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, title, township FROM ledger WHERE kind = 'employer' AND risk = 'high'
         AND (?1 IS NULL OR township = ?1) ORDER BY township, title, id",
    )?;
    let rows = stmt
        .query_map(params![township], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The last follow-up at or before `as_of` of any of `subjects` (an employer's id, its name key).
pub(crate) fn last_follow_up(c: &Connection, subjects: &[&str; 2], as_of: i64) -> Result<Option<i64>> {
    let mut stmt =
        c.prepare_cached("SELECT max(at) FROM events WHERE what = 'follow_up' AND subject IN (?1, ?2) AND at <= ?3")?;
    Ok(stmt.query_row(params![subjects[0], subjects[1], as_of], |r| r.get(0))?)
}

/// Incidents reported in `[start, end)`: record id, township, when.
pub(crate) fn incidents_reported(
    c: &Connection,
    start: i64,
    end: i64,
    township: Option<&str>,
) -> Result<Vec<(String, String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT e.record_id, e.township, e.at FROM events e WHERE e.what = 'incident_reported'
         AND e.at >= ?1 AND e.at < ?2 AND (?3 IS NULL OR e.township = ?3)",
    )?;
    let rows = stmt
        .query_map(params![start, end, township], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// When the grid assistant and the inspector first arrived at an incident: (what, when).
pub(crate) fn first_arrivals(c: &Connection, incident: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = c.prepare_cached(
        "SELECT what, min(at) FROM events WHERE record_id = ?1 AND what IN ('grid_on_site', 'inspector_on_site') GROUP BY what",
    )?;
    let rows = stmt
        .query_map([incident], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Extreme acts in `[start, end)`, when each happened.
pub(crate) fn extreme_acts(c: &Connection, start: i64, end: i64, township: Option<&str>) -> Result<Vec<i64>> {
    let mut stmt = c.prepare_cached(
        "SELECT at FROM events WHERE what = 'extreme_act' AND at >= ?1 AND at < ?2 AND (?3 IS NULL OR township = ?3)",
    )?;
    let rows = stmt
        .query_map(params![start, end, township], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

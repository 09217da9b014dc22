//! The district's working calendar in a page: a year's days off, adjusted working days and the
//! monitoring days, as the clocks count them; the district office sets them (a change that every
//! phone receives; the core refuses contradictions and dates outside the year).

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct YearParams {
    year: Option<i32>,
}

fn this_year() -> i32 {
    chrono::Datelike::year(&fieldcase_core::calendar::local_date(chrono::Utc::now()))
}

pub(super) async fn calendar_page(State(office): State<Shared>, clerk: Clerk, Query(p): Query<YearParams>) -> Response {
    let year = p.year.unwrap_or_else(this_year);
    let store = office.store.clone();
    match blocking(move || Ok(pages::YearShown::of(&store.calendar(), year))).await {
        Ok(shown) => page(pages::CalendarPage::new(&clerk.user, &clerk.csrf, &shown, None)),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

#[derive(Deserialize)]
pub(super) struct CalendarForm {
    year: i32,
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    working_weekends: String,
    #[serde(default)]
    monitoring_days: String,
    #[serde(default)]
    notice: String,
}

/// Dates typed one to a line (or separated by commas or spaces).
fn dates(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == '，' || c.is_whitespace())
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) async fn set_calendar(State(office): State<Shared>, posted: Posted<CalendarForm>) -> Response {
    let (clerk, f) = (posted.clerk, posted.form);
    if clerk.user.township.is_some() {
        return clerk.refuse(
            StatusCode::FORBIDDEN,
            "节假日日历适用于全区，由区办公室设定",
            "/office/calendar",
        );
    }
    let store = office.store.clone();
    let who = clerk.user.clone();
    let year = f.year;
    let done = blocking(move || {
        let campaign = store.calendar().campaign_periods(year);
        let monitoring: Option<u32> = match f.monitoring_days.trim() {
            "" => None,
            t => Some(t.parse().map_err(|_| {
                Error::invalid("monitoring_days", "monitoring_days_positive", "a whole number of days")
            })?),
        };
        let value = json!({
            "township": fieldcase_core::model::DISTRICT,
            "year": year,
            "holidays": dates(&f.holidays),
            "working_weekends": dates(&f.working_weekends),
            "campaign_periods": campaign,
            "monitoring_days": monitoring,
            "notice": Some(f.notice.trim()).filter(|n| !n.is_empty()),
        });
        let fieldcase_core::Record::Calendar(y) = fieldcase_core::Record::from_json(Kind::Calendar, value)? else {
            return Err(Error::Internal("a calendar reads as a calendar".into()));
        };
        store.as_clerk(&who)?.set_work_calendar(y)?;
        store
            .office()
            .audit(&who.name, None, "calendar", &format!("{year} 年工作日历"))?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect(&format!("/office/calendar?year={year}")),
        Err(problem) => {
            let store = office.store.clone();
            match blocking(move || Ok(pages::YearShown::of(&store.calendar(), year))).await {
                Ok(shown) => with_status(
                    page(pages::CalendarPage::new(
                        &clerk.user,
                        &clerk.csrf,
                        &shown,
                        Some(&problem),
                    )),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office/calendar"),
            }
        }
    }
}

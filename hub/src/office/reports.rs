//! What the office sends upward: the ledger as XLSX, the weekly report as a page and as XLSX,
//! and the audit trail of what the office did.

use super::*;

pub(super) async fn export(State(office): State<Shared>, clerk: Clerk) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    let made = blocking(move || {
        let lines = ledger::all(&store, who.township.as_deref())?;
        store.office().audit(
            &who.name,
            who.township.as_deref(),
            "export",
            &format!("导出台账，{} 件", lines.len()),
        )?;
        Ok(lines)
    })
    .await;
    let lines = match made {
        Ok(l) => l,
        Err(e) => return clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    };
    let now = fieldcase_core::calendar::show_local(chrono::Utc::now());
    match xlsx::ledger(&lines, &now) {
        Ok(bytes) => workbook(
            bytes,
            "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx",
        ),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &format!("导出失败：{e}"), "/office"),
    }
}

pub(super) async fn audit_page(State(office): State<Shared>, clerk: Clerk) -> Response {
    let store = office.store.clone();
    let township = clerk.user.township.clone();
    match blocking(move || store.office().audit_log(township.as_deref(), 500)).await {
        Ok(entries) => page(pages::Audit::new(&clerk.user, &clerk.csrf, &entries)),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct WeekParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The week asked for: `from`..=`to`, by default the seven days ending today (Shanghai).
pub(super) fn week_of(p: &WeekParams) -> Result<(chrono::NaiveDate, chrono::NaiveDate), String> {
    let today = fieldcase_core::calendar::local_date(chrono::Utc::now());
    let day = |s: &str, default: chrono::NaiveDate| {
        if s.is_empty() {
            Ok(default)
        } else {
            s.parse().map_err(|_| format!("日期 {s} 不对，应为 2026-11-27 的格式"))
        }
    };
    let to = day(&p.to, today)?;
    let from = day(&p.from, to - chrono::Duration::days(6))?;
    if from > to {
        return Err("开始日期晚于结束日期".into());
    }
    Ok((from, to))
}

pub(super) async fn week_page(State(office): State<Shared>, clerk: Clerk, Query(p): Query<WeekParams>) -> Response {
    let (from, to) = match week_of(&p) {
        Ok(w) => w,
        Err(e) => return clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office/week"),
    };
    let store = office.store.clone();
    let township = clerk.user.township.clone();
    match blocking(move || {
        Ok((
            store.ledger().week(township.as_deref(), from, to)?,
            store.ledger().trend(township.as_deref(), to, 8)?,
        ))
    })
    .await
    {
        Ok((w, trend)) => page(pages::WeekPage::new(&clerk.user, &clerk.csrf, &w, &trend)),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

pub(super) async fn week_export(State(office): State<Shared>, clerk: Clerk, Query(p): Query<WeekParams>) -> Response {
    let (from, to) = match week_of(&p) {
        Ok(w) => w,
        Err(e) => return clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office/week"),
    };
    let store = office.store.clone();
    let who = clerk.user.clone();
    let week = blocking(move || {
        let w = store.ledger().week(who.township.as_deref(), from, to)?;
        store.office().audit(
            &who.name,
            who.township.as_deref(),
            "export",
            &format!("导出周报 {from} 至 {to}"),
        )?;
        Ok(w)
    })
    .await;
    match week.and_then(|w| xlsx::week(&w).map_err(|e| format!("导出失败：{e}"))) {
        Ok(bytes) => workbook(
            bytes,
            "attachment; filename=\"week.xlsx\"; filename*=UTF-8''%E5%91%A8%E6%8A%A5.xlsx",
        ),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office/week"),
    }
}

/// A workbook as a download: its type for Excel and WPS, and its file name (ASCII, and in
/// Chinese for browsers that read it).
fn workbook(bytes: Vec<u8>, disposition: &'static str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    secure_headers(
        &mut r,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    r.headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(disposition));
    r
}

//! The township office's pages, served by the hub that holds the records: log in, the ledger
//! (台账) with filters and search, a case page, assigning the responsible leader and person (a
//! change in the hub's store that reaches phones on their next sync), the ledger as XLSX, and
//! the audit trail.
//!
//! Safety: passwords are checked against argon2id hashes with a lock-out after repeated
//! failures (the core's `Office`); the session cookie is `HttpOnly`, `SameSite=Strict`, and
//! `Secure` over TLS; every form carries the session's CSRF token (the login form a token of
//! its own cookie); every page refuses a request without a session; values are escaped; a
//! content security policy forbids scripts; a township office sees its township only.

mod ledger;
mod pages;
mod xlsx;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use fieldcase_core::model::{Kind, RiskLevel};
use fieldcase_core::store::{LedgerQuery, LoginRefused, OfficeUser};
use fieldcase_core::{Error, Store};
use serde::Deserialize;
use serde_json::json;

pub use pages::{esc, yuan};

/// How long a session lasts without use.
const SESSION_IDLE: Duration = Duration::from_secs(8 * 3600);
const SESSION_COOKIE: &str = "fc_session";
const LOGIN_COOKIE: &str = "fc_login";
const PAGE: u32 = 50;
/// An indicator file, at most (a district's month is some thousands of rows).
const MAX_UPLOAD: usize = 8 * 1024 * 1024;

struct Session {
    user: OfficeUser,
    csrf: String,
    last: Instant,
}

struct Office_ {
    store: Arc<Store>,
    sessions: Mutex<HashMap<String, Session>>,
    secure: bool,
}

type Shared = Arc<Office_>;

/// The office's routes under `/office`; `secure` when served over TLS (the cookie says so).
pub fn router(store: Arc<Store>, secure: bool) -> Router {
    let office = Arc::new(Office_ {
        store,
        sessions: Mutex::new(HashMap::new()),
        secure,
    });
    Router::new()
        .route("/office/login", get(login::login_page).post(login::login))
        .route("/office/logout", post(login::logout))
        .route("/office", get(cases::ledger_page))
        .route("/office/", get(cases::ledger_page))
        .route("/office/case/{id}", get(cases::case_page))
        .route("/office/case/{id}/assign", post(cases::assign))
        .route("/office/attachment/{record}/{sha}", get(cases::attachment))
        .route("/office/ledger.xlsx", get(reports::export))
        .route("/office/audit", get(reports::audit_page))
        .route("/office/week", get(reports::week_page))
        .route("/office/case/{id}/risk", post(cases::set_risk))
        .route("/office/case/{id}/follow-up", post(cases::add_follow_up))
        .route("/office/case/{id}/resolve", post(cases::resolve_conflict))
        .route("/office/devices", get(devices::devices_page))
        .route("/office/devices/enroll", post(devices::enroll_device))
        .route("/office/devices/revoke", post(devices::revoke_device))
        .route(
            "/office/calendar",
            get(calendar::calendar_page).post(calendar::set_calendar),
        )
        .route("/office/incidents", get(incidents::incidents_page))
        .route("/office/incident/{id}", get(incidents::fast_report))
        .route("/office/warnings", get(warnings::warnings_page))
        .route(
            "/office/warnings/import",
            post(warnings::import_indicators).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/office/warnings/case", post(warnings::case_from_warning))
        .route("/office/week.xlsx", get(reports::week_export))
        .with_state(office)
}

fn token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the system gives random bytes");
    hex::encode(b)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl Office_ {
    fn set_cookie(&self, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
        let mut c = format!("{name}={value}; Path=/office; HttpOnly; SameSite=Strict");
        if self.secure {
            c.push_str("; Secure");
        }
        if let Some(age) = max_age {
            c.push_str(&format!("; Max-Age={age}"));
        }
        HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The logged-in user and the session's CSRF token.
    fn session(&self, headers: &HeaderMap) -> Option<(OfficeUser, String)> {
        let id = cookie(headers, SESSION_COOKIE)?;
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let s = sessions.get_mut(&id)?;
        if s.last.elapsed() > SESSION_IDLE {
            sessions.remove(&id);
            return None;
        }
        s.last = Instant::now();
        Some((s.user.clone(), s.csrf.clone()))
    }
}

fn html(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    secure_headers(&mut r, "text/html; charset=utf-8");
    r
}

fn secure_headers(r: &mut Response, content_type: &'static str) {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/office")),
    );
    r
}

fn refuse(status: StatusCode, why: &str) -> Response {
    let mut r = (
        status,
        pages::layout(
            "拒绝",
            None,
            "",
            &format!("<p class=\"error\" id=\"problem\">{}</p>", esc(why)),
        ),
    )
        .into_response();
    secure_headers(&mut r, "text/html; charset=utf-8");
    r
}

/// A page needs a session: without one, the login page.
macro_rules! logged_in {
    ($office:expr, $headers:expr) => {
        match $office.session(&$headers) {
            Some(s) => s,
            None => return redirect("/office/login"),
        }
    };
}

/// A form needs its session and its CSRF token.
macro_rules! posted {
    ($office:expr, $headers:expr, $csrf:expr) => {
        match $office.session(&$headers) {
            Some((user, csrf)) if csrf == $csrf => (user, csrf),
            Some(_) => {
                return refuse(
                    StatusCode::FORBIDDEN,
                    "表单已失效（缺少或不符的校验码），请刷新页面后再提交",
                )
            }
            None => return refuse(StatusCode::FORBIDDEN, "请先登录"),
        }
    };
}

mod calendar;
mod cases;
mod devices;
mod incidents;
mod login;
mod reports;
mod warnings;

/// The one township wall of the office's pages: the record `id` if `user` may see it. Another
/// township's record and one that does not exist are the same `NotFound`, so the answer tells
/// nothing of what another township keeps. Every route that takes a record id reads it here.
fn in_scope(store: &Store, user: &OfficeUser, id: &str) -> Result<fieldcase_core::StoredRecord, Error> {
    let not_found = || Error::NotFound {
        what: "record",
        id: id.to_string(),
    };
    let s = store.get(id).map_err(|e| match e {
        Error::NotFound { .. } => not_found(),
        other => other,
    })?;
    if user.sees(s.record.township()) {
        Ok(s)
    } else {
        Err(not_found())
    }
}

/// Store work off the async threads; a failure in words.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, String> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(say(&e)),
        Err(_) => Err("服务器内部错误，未做任何修改".into()),
    }
}

fn say(e: &Error) -> String {
    match e.problems() {
        [] => match e {
            Error::NotFound { .. } => "找不到这条记录".into(),
            Error::Unauthorised(_) => "无权进行此操作".into(),
            other => format!("未能完成：{other}"),
        },
        problems => problems
            .iter()
            .map(|p| p.in_chinese.clone())
            .collect::<Vec<_>>()
            .join("；"),
    }
}

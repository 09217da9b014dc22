//! The township office's pages, served by the hub that holds the records: log in, the ledger
//! (台账) with filters and search, a case page and the office's changes to it (each reaches the
//! phones on their next sync, in the clerk's name), reports, early warning, devices, the
//! working calendar and the audit trail. One file a job; what they share is here.
//!
//! Safety, each in one place: a page needs a logged-in clerk (`Clerk`, an extractor: without a
//! session, the login page); a form needs its session's CSRF token as well (`Posted`, `Upload`);
//! sessions live in the store (any hub process serving it knows them) behind an `HttpOnly`,
//! `SameSite=Strict` cookie, `Secure` over TLS; every record id goes through one township wall
//! (`in_scope`); templates escape every value; a content security policy forbids scripts.

mod ledger;
mod pages;
mod xlsx;

mod calendar;
mod cases;
mod devices;
mod documents;
mod incidents;
mod ledger_import;
mod login;
mod reports;
mod warnings;

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use fieldcase_core::model::Kind;
use fieldcase_core::store::{LedgerQuery, LoginRefused, OfficeUser};
use fieldcase_core::{Error, Store};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

pub use fieldcase_core::money::yuan;

const SESSION_COOKIE: &str = "fc_session";
const LOGIN_COOKIE: &str = "fc_login";
const PAGE: i32 = 50;
/// An indicator file, at most (a district's month is some thousands of rows).
const MAX_UPLOAD: usize = 8 * 1024 * 1024;
/// A form's body, at most.
const MAX_FORM: usize = 256 * 1024;

struct Office_ {
    store: Arc<Store>,
    secure: bool,
}

type Shared = Arc<Office_>;

/// The office's routes under `/office`; `secure` when served over TLS (the cookie says so).
pub fn router(store: Arc<Store>, secure: bool) -> Router {
    let office = Arc::new(Office_ { store, secure });
    Router::new()
        // The hub's address, typed into a browser, is the office's front door.
        .route("/", get(|| async { axum::response::Redirect::to("/office/login") }))
        .route("/office/login", get(login::login_page).post(login::login))
        .route("/office/logout", post(login::logout))
        .route("/office", get(cases::ledger_page))
        .route("/office/", get(cases::ledger_page))
        .route("/office/case/{id}", get(cases::case_page))
        .route("/office/case/{id}/assign", post(cases::assign))
        .route("/office/case/{id}/casefile.pdf", get(documents::casefile_pdf))
        .route("/office/record/{id}/document.pdf", get(documents::document_pdf))
        .route("/office/verify", get(documents::verify_page).post(documents::verify))
        .route("/office/attachment/{record}/{sha}", get(cases::attachment))
        .route("/office/ledger.xlsx", get(reports::export))
        .route(
            "/office/ledger/import",
            post(ledger_import::import_ledger).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
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

impl Office_ {
    /// A cookie of the office's pages: `HttpOnly`, `SameSite=Strict`, `Secure` over TLS; with
    /// `max_age` none, it lasts as long as the browser's session.
    fn cookie(&self, name: &'static str, value: String, max_age: Option<i64>) -> Cookie<'static> {
        let mut c = Cookie::build((name, value))
            .path("/office")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(self.secure);
        if let Some(age) = max_age {
            c = c.max_age(cookie_duration(age));
        }
        c.build()
    }
}

fn cookie_duration(seconds: i64) -> time::Duration {
    time::Duration::seconds(seconds)
}

/// A logged-in clerk: who, the session's CSRF token, and the session's cookie token. As an
/// extractor, a request without an open session is sent to the login page.
pub(super) struct Clerk {
    user: OfficeUser,
    csrf: String,
    token: String,
}

impl Clerk {
    fn nav(&self) -> pages::Nav {
        pages::Nav::of(&self.user, &self.csrf)
    }

    /// A refusal page with this clerk's header and the way back.
    fn refuse(&self, status: StatusCode, why: &str, back: &str) -> Response {
        refusal(status, why, Some(self.nav()), back)
    }
}

/// The session of a request's cookie, if one is open.
async fn session(office: &Shared, headers: &HeaderMap) -> Result<Option<Clerk>, String> {
    let jar = CookieJar::from_headers(headers);
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
        return Ok(None);
    };
    let store = office.store.clone();
    let key = token.clone();
    let found = blocking(move || store.office().session(&key)).await?;
    Ok(found.map(|s| Clerk {
        user: s.user,
        csrf: s.csrf,
        token,
    }))
}

impl FromRequestParts<Shared> for Clerk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, office: &Shared) -> Result<Self, Self::Rejection> {
        match session(office, &parts.headers).await {
            Ok(Some(clerk)) => Ok(clerk),
            Ok(None) => Err(redirect("/office/login")),
            Err(e) => Err(refusal(StatusCode::INTERNAL_SERVER_ERROR, &e, None, "/office")),
        }
    }
}

const STALE_FORM: &str = "表单已失效（缺少或不符的校验码），请刷新页面后再提交";

/// A form a logged-in clerk posted with the session's CSRF token (field `csrf`), read as `T`
/// (which need not name the token). Without a session, or with another token, the request is
/// refused before `T` is looked at.
pub(super) struct Posted<T> {
    clerk: Clerk,
    form: T,
}

impl<T: DeserializeOwned> FromRequest<Shared> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, office: &Shared) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let clerk = match session(office, &parts.headers).await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(refusal(StatusCode::FORBIDDEN, "请先登录", None, "/office/login")),
            Err(e) => return Err(refusal(StatusCode::INTERNAL_SERVER_ERROR, &e, None, "/office")),
        };
        let bytes = axum::body::to_bytes(body, MAX_FORM)
            .await
            .map_err(|_| clerk.refuse(StatusCode::PAYLOAD_TOO_LARGE, "表单过大", "/office"))?;
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        if token.as_deref() != Some(clerk.csrf.as_str()) {
            return Err(clerk.refuse(StatusCode::FORBIDDEN, STALE_FORM, "/office"));
        }
        let form: T = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| clerk.refuse(StatusCode::BAD_REQUEST, &format!("表单内容不对（{e}）"), "/office"))?;
        Ok(Posted { clerk, form })
    }
}

/// A file a logged-in clerk uploaded (field `file`) with the session's CSRF token.
pub(super) struct Upload {
    clerk: Clerk,
    name: String,
    bytes: Vec<u8>,
    /// The form's other fields (a button's `mode`), by name.
    fields: HashMap<String, String>,
}

impl FromRequest<Shared> for Upload {
    type Rejection = Response;

    async fn from_request(req: Request, office: &Shared) -> Result<Self, Self::Rejection> {
        let headers = req.headers().clone();
        // Back to the page the form is on: /office/warnings/import from /office/warnings.
        let back = match req.uri().path().trim_end_matches("/import") {
            "/office/warnings" => "/office/warnings",
            _ => "/office",
        };
        let too_large = || {
            refusal(
                StatusCode::BAD_REQUEST,
                "上传的表单不完整或文件过大（最多 8 MB）",
                None,
                back,
            )
        };
        let mut form = Multipart::from_request(req, office).await.map_err(|_| too_large())?;
        let (mut csrf, mut file, mut fields) = (String::new(), None, HashMap::new());
        while let Some(field) = form.next_field().await.map_err(|_| too_large())? {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            match name.as_str() {
                "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
                "file" => file = Some((file_name, bytes.to_vec())),
                other => {
                    fields.insert(other.to_string(), String::from_utf8_lossy(&bytes).into_owned());
                }
            }
        }
        let clerk = match session(office, &headers).await {
            Ok(Some(c)) if c.csrf == csrf => c,
            Ok(Some(c)) => return Err(c.refuse(StatusCode::FORBIDDEN, STALE_FORM, back)),
            Ok(None) => return Err(refusal(StatusCode::FORBIDDEN, "请先登录", None, "/office/login")),
            Err(e) => return Err(refusal(StatusCode::INTERNAL_SERVER_ERROR, &e, None, "/office")),
        };
        let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            return Err(clerk.refuse(StatusCode::BAD_REQUEST, "请选择要导入的文件", back));
        };
        Ok(Upload {
            clerk,
            name,
            bytes,
            fields,
        })
    }
}

/// A page, rendered from its template.
fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(body) => {
            let mut r = (StatusCode::OK, body).into_response();
            secure_headers(&mut r, "text/html; charset=utf-8");
            r
        }
        Err(e) => {
            tracing::error!("a page could not be drawn: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误").into_response()
        }
    }
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

fn secure_headers(r: &mut Response, content_type: &'static str) {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'",
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

/// A page that says why something was not done, with the header and the way back when a
/// clerk is logged in.
fn refusal(status: StatusCode, why: &str, nav: Option<pages::Nav>, back: &str) -> Response {
    with_status(
        page(pages::Refused {
            nav,
            problem: why,
            back,
        }),
        status,
    )
}

/// The one township wall of the office's pages: the record `id` if `user` may see it. Another
/// township's record and one that does not exist are the same `NotFound`, so the answer tells
/// nothing of what another township keeps. Every route that takes a record id reads it here.
fn in_scope(store: &Store, user: &OfficeUser, id: &str) -> Result<fieldcase_core::StoredRecord, Error> {
    let not_found = || Error::NotFound {
        what: "record",
        id: id.to_string(),
    };
    let s = store.records().get(id).map_err(|e| match e {
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

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

pub use pages::esc;

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
        .route("/office/login", get(login_page).post(login))
        .route("/office/logout", post(logout))
        .route("/office", get(ledger_page))
        .route("/office/", get(ledger_page))
        .route("/office/case/{id}", get(case_page))
        .route("/office/case/{id}/assign", post(assign))
        .route("/office/ledger.xlsx", get(export))
        .route("/office/audit", get(audit_page))
        .route("/office/week", get(week_page))
        .route("/office/case/{id}/risk", post(set_risk))
        .route("/office/case/{id}/follow-up", post(add_follow_up))
        .route("/office/case/{id}/resolve", post(resolve_conflict))
        .route("/office/devices", get(devices_page))
        .route("/office/devices/enroll", post(enroll_device))
        .route("/office/devices/revoke", post(revoke_device))
        .route("/office/warnings", get(warnings_page))
        .route(
            "/office/warnings/import",
            post(import_indicators).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/office/warnings/case", post(case_from_warning))
        .route("/office/week.xlsx", get(week_export))
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

async fn login_page(State(office): State<Shared>) -> Response {
    let csrf = token();
    let mut r = html(pages::login(&csrf, None));
    r.headers_mut()
        .insert(header::SET_COOKIE, office.set_cookie(LOGIN_COOKIE, &csrf, Some(3600)));
    r
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

async fn login(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    if f.csrf.is_empty() || cookie(&headers, LOGIN_COOKIE).as_deref() != Some(f.csrf.as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或不符的校验码），请刷新页面后再登录",
        );
    }
    let store = office.store.clone();
    let (name, password) = (f.user.trim().to_string(), f.password);
    let answer = blocking(move || store.office().login(&name, &password)).await;
    let problem = match answer {
        Ok(Ok(user)) => {
            let id = token();
            let csrf = token();
            office.sessions.lock().unwrap_or_else(|e| e.into_inner()).insert(
                id.clone(),
                Session {
                    user,
                    csrf,
                    last: Instant::now(),
                },
            );
            let mut r = redirect("/office");
            r.headers_mut()
                .append(header::SET_COOKIE, office.set_cookie(SESSION_COOKIE, &id, None));
            r.headers_mut()
                .append(header::SET_COOKIE, office.set_cookie(LOGIN_COOKIE, "", Some(0)));
            return r;
        }
        Ok(Err(LoginRefused::Wrong)) => "用户名或密码不对".to_string(),
        Ok(Err(LoginRefused::Locked { minutes })) => format!("登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试"),
        Err(e) => e,
    };
    let mut r = html(pages::login(&f.csrf, Some(&problem)));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let (user, _) = posted!(office, headers, f.csrf);
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        office.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
    let store = office.store.clone();
    let _ = blocking(move || store.office().audit(&user.name, "logout", "logged out")).await;
    let mut r = redirect("/office/login");
    r.headers_mut()
        .insert(header::SET_COOKIE, office.set_cookie(SESSION_COOKIE, "", Some(0)));
    r
}

#[derive(Deserialize, Default)]
struct LedgerParams {
    #[serde(default)]
    risk: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    after: String,
}

async fn ledger_page(State(office): State<Shared>, headers: HeaderMap, Query(p): Query<LedgerParams>) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let township = user
        .township
        .clone()
        .or_else(|| Some(p.township.trim().to_string()).filter(|t| !t.is_empty()));
    let filters = pages::Filters {
        risk: p.risk.clone(),
        status: p.status.clone(),
        overdue: p.overdue == "1",
        q: p.q.clone(),
        township: p.township.clone(),
    };
    let risk = match p.risk.as_str() {
        "high" => Some(RiskLevel::High),
        "medium" => Some(RiskLevel::Medium),
        "low" => Some(RiskLevel::Low),
        _ => None,
    };
    let query = LedgerQuery {
        kind: Some(Kind::Case),
        township: township.clone(),
        status: Some(p.status.clone()).filter(|s| !s.is_empty()),
        risk,
        overdue: filters.overdue,
        limit: Some(PAGE),
        after: Some(p.after.clone()).filter(|a| !a.is_empty()),
        ..Default::default()
    };
    let store = office.store.clone();
    let words = p.q.trim().to_string();
    let start = 0;
    let found = blocking(move || {
        if words.chars().count() >= 2 {
            ledger::search(&store, &words, township.as_deref(), 200)
        } else {
            ledger::page(&store, &query)
        }
    })
    .await;
    match found {
        Ok(lines) => {
            let next = (lines.len() == PAGE as usize && filters.q.trim().chars().count() < 2)
                .then(|| lines.last().map(|l| l.row.cursor.clone()))
                .flatten();
            html(pages::ledger(&user, &csrf, &filters, &lines, next.as_deref(), start))
        }
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e),
    }
}

#[derive(Deserialize, Default)]
struct CaseParams {
    #[serde(default)]
    done: String,
}

async fn case_page(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<CaseParams>,
) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let store = office.store.clone();
    match blocking(move || store.get(&id)).await {
        Ok(s) if user.township.as_ref().is_none_or(|t| *t == s.record.township()) => {
            let done = (p.done == "assign").then_some("已保存：手机下次同步时收到");
            html(pages::case(&user, &csrf, &s, done, None))
        }
        Ok(_) => refuse(StatusCode::NOT_FOUND, "找不到这条记录"),
        Err(e) => refuse(StatusCode::NOT_FOUND, &e),
    }
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    person: String,
}

async fn assign(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let store = office.store.clone();
    let (leader, person) = (f.leader.trim().to_string(), f.person.trim().to_string());
    let who = user.clone();
    let key = id.clone();
    let done = blocking(move || {
        let s = store.get(&key)?;
        if who.township.as_ref().is_some_and(|t| *t != s.record.township()) {
            return Err(Error::NotFound {
                what: "record",
                id: key,
            });
        }
        let value = |v: &str| {
            if v.is_empty() {
                serde_json::Value::Null
            } else {
                json!(v)
            }
        };
        store.edit(
            &key,
            &[
                ("responsible_leader".into(), value(&leader)),
                ("responsible_person".into(), value(&person)),
            ],
        )?;
        store.office().audit(
            &who.name,
            "assign",
            &format!("case {key}: leader {leader}, person {person}"),
        )?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect(&format!("/office/case/{id}?done=assign")),
        Err(problem) => {
            let store = office.store.clone();
            match blocking(move || store.get(&id)).await {
                Ok(s) => {
                    let mut r = html(pages::case(&user, &csrf, &s, None, Some(&problem)));
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => refuse(StatusCode::NOT_FOUND, &e),
            }
        }
    }
}

async fn export(State(office): State<Shared>, headers: HeaderMap) -> Response {
    let (user, _) = logged_in!(office, headers);
    let store = office.store.clone();
    let who = user.clone();
    let made = blocking(move || {
        let lines = ledger::all(&store, who.township.as_deref())?;
        store
            .office()
            .audit(&who.name, "export", &format!("ledger, {} cases", lines.len()))?;
        Ok(lines)
    })
    .await;
    let lines = match made {
        Ok(l) => l,
        Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    };
    let now = fieldcase_core::calendar::show_local(chrono::Utc::now());
    match xlsx::ledger(&lines, &now) {
        Ok(bytes) => {
            let mut r = (StatusCode::OK, bytes).into_response();
            secure_headers(
                &mut r,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(
                    "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx",
                ),
            );
            r
        }
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &format!("导出失败：{e}")),
    }
}

async fn audit_page(State(office): State<Shared>, headers: HeaderMap) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let store = office.store.clone();
    match blocking(move || store.office().audit_log(500)).await {
        Ok(entries) => html(pages::audit(&user, &csrf, &entries)),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize, Default)]
struct WeekParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The week asked for: `from`..=`to`, by default the seven days ending today (Shanghai).
fn week_of(p: &WeekParams) -> Result<(chrono::NaiveDate, chrono::NaiveDate), String> {
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

async fn week_page(State(office): State<Shared>, headers: HeaderMap, Query(p): Query<WeekParams>) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let (from, to) = match week_of(&p) {
        Ok(w) => w,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e),
    };
    let store = office.store.clone();
    let township = user.township.clone();
    match blocking(move || store.report_week(township.as_deref(), from, to)).await {
        Ok(w) => html(pages::week(&user, &csrf, &w)),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn week_export(State(office): State<Shared>, headers: HeaderMap, Query(p): Query<WeekParams>) -> Response {
    let (user, _) = logged_in!(office, headers);
    let (from, to) = match week_of(&p) {
        Ok(w) => w,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e),
    };
    let store = office.store.clone();
    let who = user.clone();
    let week = blocking(move || {
        let w = store.report_week(who.township.as_deref(), from, to)?;
        store
            .office()
            .audit(&who.name, "export", &format!("weekly report {from} to {to}"))?;
        Ok(w)
    })
    .await;
    match week.and_then(|w| xlsx::week(&w).map_err(|e| format!("导出失败：{e}"))) {
        Ok(bytes) => {
            let mut r = (StatusCode::OK, bytes).into_response();
            secure_headers(
                &mut r,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            );
            r.headers_mut().insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(
                    "attachment; filename=\"week.xlsx\"; filename*=UTF-8''%E5%91%A8%E6%8A%A5.xlsx",
                ),
            );
            r
        }
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize)]
struct RuleParams {
    headcount: Option<u32>,
    electricity: Option<u32>,
    arrears: Option<u32>,
}

impl RuleParams {
    fn rules(&self) -> fieldcase_core::warning::Rules {
        let d = fieldcase_core::warning::Rules::default();
        fieldcase_core::warning::Rules {
            headcount_drop_pct: self.headcount.unwrap_or(d.headcount_drop_pct).min(100),
            electricity_drop_pct: self.electricity.unwrap_or(d.electricity_drop_pct).min(100),
            arrears_months: self.arrears.unwrap_or(d.arrears_months).min(24),
        }
    }
}

async fn warnings_page(State(office): State<Shared>, headers: HeaderMap, Query(p): Query<RuleParams>) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let rules = p.rules();
    let store = office.store.clone();
    let township = user.township.clone();
    match blocking(move || store.warnings(township.as_deref(), &rules)).await {
        Ok(w) => html(pages::warnings(&user, &csrf, &rules, &w, None)),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

/// The cells of an uploaded file: CSV text, or the first sheet of an XLSX workbook.
fn cells(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::Reader;
    if name.to_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK") {
        let mut book: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| format!("不是可读的Excel文件（{e}）"))?;
        let first = book.sheet_names().first().cloned().ok_or("Excel文件里没有工作表")?;
        let range = book
            .worksheet_range(&first)
            .map_err(|e| format!("工作表读不出来（{e}）"))?;
        return Ok(range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "CSV文件须为UTF-8编码".to_string())?;
    Ok(text
        .lines()
        .map(|l| l.split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .collect())
}

async fn import_indicators(State(office): State<Shared>, headers: HeaderMap, mut form: Multipart) -> Response {
    let mut csrf_sent = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_string();
                let file_name = field.file_name().unwrap_or("").to_string();
                let Ok(bytes) = field.bytes().await else {
                    return refuse(StatusCode::BAD_REQUEST, "上传中断或文件过大（最多 8 MB）");
                };
                match name.as_str() {
                    "csrf" => csrf_sent = String::from_utf8_lossy(&bytes).to_string(),
                    "file" => file = Some((file_name, bytes.to_vec())),
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return refuse(StatusCode::BAD_REQUEST, "上传的表单不完整或文件过大（最多 8 MB）"),
        }
    }
    let (user, csrf) = posted!(office, headers, csrf_sent);
    let Some((name, bytes)) = file else {
        return refuse(StatusCode::BAD_REQUEST, "请选择要导入的文件");
    };
    let rows = match cells(&name, &bytes) {
        Ok(r) => r,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e),
    };
    let store = office.store.clone();
    let who = user.clone();
    let rules = fieldcase_core::warning::Rules::default();
    let done = blocking(move || {
        let (read, problems) = fieldcase_core::warning::read_rows(&rows);
        let report = store.import_indicators(&read, problems)?;
        store.office().audit(
            &who.name,
            "import",
            &format!(
                "indicators {name}: {} rows for {} employers, {} refused",
                report.rows,
                report.employers,
                report.problems.len()
            ),
        )?;
        let warnings = store.warnings(who.township.as_deref(), &rules)?;
        Ok((report, warnings))
    })
    .await;
    match done {
        Ok((report, warnings)) => html(pages::warnings(&user, &csrf, &rules, &warnings, Some(&report))),
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e),
    }
}

#[derive(Deserialize)]
struct WarningCaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    employer: String,
}

async fn case_from_warning(
    State(office): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<WarningCaseForm>,
) -> Response {
    let (user, _) = posted!(office, headers, f.csrf);
    let store = office.store.clone();
    let who = user.clone();
    let opened = blocking(move || {
        let w = store
            .warnings(who.township.as_deref(), &fieldcase_core::warning::Rules::default())?
            .into_iter()
            .find(|w| w.employer_id == f.employer)
            .ok_or_else(|| Error::NotFound {
                what: "warning for employer",
                id: f.employer.clone(),
            })?;
        let id = store.open_case_from_warning(&w)?;
        store.office().audit(
            &who.name,
            "open_case",
            &format!("case {id} for {} from early warning", w.name),
        )?;
        Ok(id)
    })
    .await;
    match opened {
        Ok(id) => redirect(&format!("/office/case/{id}")),
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

/// A change to a case by the office, then back to its page (or the page with the refusal).
async fn change_case(
    office: Shared,
    user: OfficeUser,
    csrf: String,
    id: String,
    action: &'static str,
    change: impl FnOnce(&Store, &str) -> Result<String, Error> + Send + 'static,
) -> Response {
    let store = office.store.clone();
    let who = user.clone();
    let key = id.clone();
    let done = blocking(move || {
        let s = store.get(&key)?;
        if who.township.as_ref().is_some_and(|t| *t != s.record.township()) {
            return Err(Error::NotFound {
                what: "record",
                id: key,
            });
        }
        let detail = change(&store, &key)?;
        store
            .office()
            .audit(&who.name, action, &format!("case {key}: {detail}"))?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect(&format!("/office/case/{id}?done=assign")),
        Err(problem) => {
            let store = office.store.clone();
            match blocking(move || store.get(&id)).await {
                Ok(s) => {
                    let mut r = html(pages::case(&user, &csrf, &s, None, Some(&problem)));
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => refuse(StatusCode::NOT_FOUND, &e),
            }
        }
    }
}

#[derive(Deserialize)]
struct RiskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    risk: String,
}

async fn set_risk(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RiskForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let risk = f.risk.clone();
    change_case(office, user, csrf, id, "risk", move |store, key| {
        store.edit(key, &[("risk_level".into(), json!(risk))])?;
        Ok(format!("risk level {risk}"))
    })
    .await
}

#[derive(Deserialize)]
struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
}

async fn add_follow_up(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<FollowUpForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let by = user.name.clone();
    change_case(office, user, csrf, id, "follow_up", move |store, key| {
        let outcome = f.outcome.trim().to_string();
        if outcome.is_empty() {
            return Err(Error::invalid("outcome", "required", "say what came of it"));
        }
        let fieldcase_core::Record::Case(c) = store.record(key)? else {
            return Err(Error::NotFound {
                what: "case",
                id: key.into(),
            });
        };
        let mut list = serde_json::to_value(&c.follow_ups).map_err(|e| Error::Internal(e.to_string()))?;
        if let Some(a) = list.as_array_mut() {
            a.push(json!({"at": chrono::Utc::now(), "kind": f.kind, "by": by, "outcome": outcome}));
        }
        store.edit(key, &[("follow_ups".into(), list)])?;
        Ok(format!("{} follow-up: {outcome}", f.kind))
    })
    .await
}

#[derive(Deserialize)]
struct ResolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    choice: usize,
}

async fn resolve_conflict(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    change_case(office, user, csrf, id, "resolve", move |store, key| {
        let s = store.get(key)?;
        let c = s
            .conflicts
            .iter()
            .find(|c| c.path == f.path && c.rule.is_none())
            .ok_or_else(|| {
                Error::invalid(
                    "path",
                    "in_conflict",
                    format!("record {key} has no conflict at {}", f.path),
                )
            })?;
        let value = c
            .values
            .get(f.choice)
            .cloned()
            .ok_or_else(|| Error::invalid("choice", "conflict_choice", "no such value"))?;
        store.resolve(key, &f.path, value.clone())?;
        Ok(format!("conflict at {} resolved to {value}", f.path))
    })
    .await
}

async fn devices_page(State(office): State<Shared>, headers: HeaderMap) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let store = office.store.clone();
    let township = user.township.clone();
    match blocking(move || {
        Ok(store
            .devices()?
            .into_iter()
            .filter(|d| township.as_ref().is_none_or(|t| *t == d.township))
            .collect::<Vec<_>>())
    })
    .await
    {
        Ok(list) => html(pages::devices(&user, &csrf, &list, None)),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize)]
struct EnrollForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    township: String,
}

/// The QR code of a join link, as SVG squares (no script, no image file).
fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let w = code.width();
    let colors = code.to_colors();
    let cell = 4;
    let size = (w + 8) * cell;
    let mut svg = format!(
        "<svg id=\"qr\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {size} {size}\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
    );
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\"/>",
                (i % w + 4) * cell,
                (i / w + 4) * cell
            ));
        }
    }
    svg + "</svg>"
}

async fn enroll_device(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<EnrollForm>) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let township = user.township.clone().unwrap_or_else(|| f.township.trim().to_string());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let scheme = if office.secure { "https" } else { "http" };
    let store = office.store.clone();
    let who = user.clone();
    let done = blocking(move || {
        let role: fieldcase_core::Role = f.role.parse()?;
        let e = store.enroll(&township, role, f.user.trim())?;
        let pin = crate::TlsIdentity::kept(&store)?
            .map(|t| t.fingerprint())
            .filter(|_| scheme == "https");
        let link = fieldcase_core::sync::JoinLink {
            hub: format!("{scheme}://{host}/"),
            code: e.code.clone(),
            pin,
        }
        .to_uri();
        store.office().audit(
            &who.name,
            "enroll",
            &format!("{} ({}) in {}", e.user, role.as_str(), e.township),
        )?;
        Ok((e, link, store.devices()?))
    })
    .await;
    match done {
        Ok((e, link, list)) => {
            let list: Vec<_> = list
                .into_iter()
                .filter(|d| user.township.as_ref().is_none_or(|t| *t == d.township))
                .collect();
            let shown = pages::Enrolled {
                user: e.user,
                code: e.code,
                qr: qr_svg(&link),
                link,
                expires: fieldcase_core::calendar::show_local(e.expires_at),
            };
            html(pages::devices(&user, &csrf, &list, Some(&shown)))
        }
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    device: String,
}

async fn revoke_device(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<RevokeForm>) -> Response {
    let (user, _) = posted!(office, headers, f.csrf);
    let store = office.store.clone();
    let who = user.clone();
    let done = blocking(move || {
        let d = store
            .devices()?
            .into_iter()
            .find(|d| d.id == f.device && who.township.as_ref().is_none_or(|t| *t == d.township))
            .ok_or_else(|| Error::NotFound {
                what: "device",
                id: f.device.clone(),
            })?;
        store.revoke(&d.id)?;
        store
            .office()
            .audit(&who.name, "revoke", &format!("device {} of {}", d.id, d.user))?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect("/office/devices"),
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

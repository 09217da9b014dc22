//! Logging in and out: the login form carries a token of its own cookie; a right password
//! opens a session (cookie `HttpOnly`, `SameSite=Strict`, `Secure` over TLS); a wrong one, an
//! unknown name and a locked account get the same page, and repeated failures lock the
//! account (the core).

use super::*;

pub(super) async fn login_page(State(office): State<Shared>) -> Response {
    let csrf = token();
    let mut r = html(pages::login(&csrf, None));
    r.headers_mut()
        .insert(header::SET_COOKIE, office.set_cookie(LOGIN_COOKIE, &csrf, Some(3600)));
    r
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub(super) async fn login(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
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
        // The same words for an unknown name, a wrong password and a locked account: the page
        // never tells whether a name exists (the lock-out is said in advance, for everyone).
        Ok(Err(LoginRefused::Wrong | LoginRefused::Locked { .. })) => pages::LOGIN_REFUSED.to_string(),
        Err(e) => e,
    };
    let mut r = html(pages::login(&f.csrf, Some(&problem)));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub(super) async fn logout(State(office): State<Shared>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let (user, _) = posted!(office, headers, f.csrf);
    if let Some(id) = cookie(&headers, SESSION_COOKIE) {
        office.sessions.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
    let store = office.store.clone();
    let _ = blocking(move || {
        store
            .office()
            .audit(&user.name, user.township.as_deref(), "logout", "logged out")
    })
    .await;
    let mut r = redirect("/office/login");
    r.headers_mut()
        .insert(header::SET_COOKIE, office.set_cookie(SESSION_COOKIE, "", Some(0)));
    r
}

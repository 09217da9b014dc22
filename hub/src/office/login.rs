//! Logging in and out: the login form carries a token of its own cookie; a right password
//! opens a session (kept in the store; cookie `HttpOnly`, `SameSite=Strict`, `Secure` over
//! TLS); a wrong one, an unknown name and a locked account get the same page, and repeated
//! failures lock the account (the core).

use super::*;

fn login_form(office: &Office_, jar: CookieJar, problem: Option<&str>, token: Option<String>) -> Response {
    let csrf = token.unwrap_or_else(|| fieldcase_core::store::random_token().unwrap_or_default());
    let body = page(pages::Login {
        nav: None,
        csrf: &csrf,
        problem,
    });
    let jar = jar.add(office.cookie(LOGIN_COOKIE, csrf.clone(), Some(3600)));
    let status = if problem.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    (status, jar, body).into_response()
}

pub(super) async fn login_page(State(office): State<Shared>, jar: CookieJar) -> Response {
    login_form(&office, jar, None, None)
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

pub(super) async fn login(
    State(office): State<Shared>,
    jar: CookieJar,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    if f.csrf.is_empty() || jar.get(LOGIN_COOKIE).map(|c| c.value()) != Some(f.csrf.as_str()) {
        return refusal(
            StatusCode::FORBIDDEN,
            "表单已失效（缺少或不符的校验码），请刷新页面后再登录",
            None,
            "/office/login",
        );
    }
    let store = office.store.clone();
    let (name, password) = (f.user.trim().to_string(), f.password);
    let answer = blocking(move || {
        Ok(match store.office().login(&name, &password)? {
            Ok(user) => Some(store.office().open_session(&user)?.0),
            Err(LoginRefused::Wrong | LoginRefused::Locked { .. }) => None,
        })
    })
    .await;
    match answer {
        Ok(Some(token)) => {
            let jar = jar.add(office.cookie(SESSION_COOKIE, token, None)).add(office.cookie(
                LOGIN_COOKIE,
                String::new(),
                Some(0),
            ));
            (jar, redirect("/office")).into_response()
        }
        // The same words for an unknown name, a wrong password and a locked account: the page
        // never tells whether a name exists (the lock-out is said in advance, for everyone).
        Ok(None) => login_form(&office, jar, Some(LOGIN_REFUSED), Some(f.csrf)),
        Err(e) => login_form(&office, jar, Some(&e), Some(f.csrf)),
    }
}

/// What a refused login says, whatever the cause (an unknown name, a wrong password, a locked
/// account): the page never tells whether a name exists.
pub const LOGIN_REFUSED: &str = "用户名或密码不对，或账户已暂时锁定（连续输错 5 次锁定 15 分钟）";

#[derive(Deserialize)]
pub(super) struct NoFields {}

pub(super) async fn logout(State(office): State<Shared>, jar: CookieJar, posted: Posted<NoFields>) -> Response {
    let clerk = posted.clerk;
    let store = office.store.clone();
    let _ = blocking(move || {
        store.office().close_session(&clerk.token)?;
        store
            .office()
            .audit(&clerk.user.name, clerk.user.township.as_deref(), "logout", "退出登录")
    })
    .await;
    let jar = jar.add(office.cookie(SESSION_COOKIE, String::new(), Some(0)));
    (jar, redirect("/office/login")).into_response()
}

//! Signing in and out, and choosing the language.

use crate::WebState;
use crate::auth::{
    CSRF_FIELD, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SignedIn, check_form, cookie,
    lang_before_sign_in, safe_next, set_cookie,
};
use crate::i18n::{Lang, M};
use crate::layout::{self, Nav, shell};
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::net::SocketAddr;
use tanseeq_service::ServiceError;
use tanseeq_service::sessions::SESSION_LIFETIME;

/// A year, for the language cookie.
const LANG_COOKIE_AGE: u64 = 365 * 24 * 3600;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    next: String,
}

pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let lang = lang_before_sign_in(&headers);
    let next = query
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or_else(|| "/ui".into());
    // Already signed in: straight on.
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = state.node.session(&secret).await
    {
        return Redirect::to(&next).into_response();
    }
    let notice = query.expired.is_some().then_some(M::SessionExpired);
    login_page(&state, &headers, lang, &next, StatusCode::OK, notice, None)
}

/// The sign-in page, with a fresh double-submit token when the browser has none.
fn login_page(
    state: &WebState,
    headers: &HeaderMap,
    lang: Lang,
    next: &str,
    status: StatusCode,
    notice: Option<M>,
    error: Option<String>,
) -> Response {
    let existing = cookie(headers, LOGIN_CSRF_COOKIE).filter(|t| t.len() >= 16 && t.len() <= 64);
    let token = match existing.clone() {
        Some(t) => t,
        None => match tanseeq_service::accounts::random_secret(24) {
            Ok(t) => t,
            Err(e) => return layout::service_error(lang, e),
        },
    };
    let t = |m| lang.t(m);
    let login_path = format!(
        "/ui/login?next={}",
        form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    let body = html! {
        section.panel.login {
            h1 { (t(M::SignInTitle)) }
            @if let Some(notice) = notice { p.notice { (t(notice)) } }
            @if let Some(error) = &error { p.error role="alert" { (error) } }
            form #login method="post" action="/ui/login" {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                input type="hidden" name="next" value=(next);
                label { (t(M::UserName)) input name="username" autocomplete="username" required autofocus dir="auto"; }
                label { (t(M::Password)) input name="password" type="password" autocomplete="current-password" required; }
                button type="submit" { (t(M::SignIn)) }
            }
        }
    };
    let mut response = (
        status,
        shell(lang, None, Nav::None, t(M::SignIn), &login_path, body),
    )
        .into_response();
    if existing.is_none() {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LOGIN_CSRF_COOKIE, &token, None, true, state.secure_cookies),
        );
    }
    response
}

pub async fn sign_in(
    State(state): State<WebState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let lang = lang_before_sign_in(&headers);
    let next = safe_next(&form.next).unwrap_or_else(|| "/ui".into());
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if !check_form(&headers, &expected, Some(&form.csrf)) {
        return login_page(
            &state,
            &headers,
            lang,
            &next,
            StatusCode::FORBIDDEN,
            None,
            Some(lang.t(M::FormExpired).into()),
        );
    }
    match state
        .node
        .open_session(
            form.username.trim(),
            &form.password,
            &client.ip().to_string(),
        )
        .await
    {
        Ok((secret, _session)) => {
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &secret,
                    Some(SESSION_LIFETIME.as_secs()),
                    true,
                    state.secure_cookies,
                ),
            );
            response
        }
        Err(ServiceError::Unauthenticated(_)) => login_page(
            &state,
            &headers,
            lang,
            &next,
            StatusCode::UNAUTHORIZED,
            None,
            Some(lang.t(M::WrongCredentials).into()),
        ),
        Err(ServiceError::TooManyRequests(detail)) => login_page(
            &state,
            &headers,
            lang,
            &next,
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(format!("{} ({detail})", lang.t(M::TooManyAttempts))),
        ),
        Err(e) => layout::service_error(lang, e),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !check_form(&headers, &user.session.csrf, Some(&form.csrf)) {
        return layout::form_refused(user.lang);
    }
    if let Some(secret) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = state.node.close_session(&secret).await
    {
        return layout::service_error(user.lang, e);
    }
    let mut response = Redirect::to("/ui/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", Some(0), true, state.secure_cookies),
    );
    response
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LanguageForm {
    lang: String,
    next: String,
    csrf: String,
}

/// Switches the language: remembered for the user when signed in, and in a cookie.
pub async fn set_language(
    State(state): State<WebState>,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let current = lang_before_sign_in(&headers);
    let Some(lang) = Lang::parse(&form.lang) else {
        return layout::error_page(
            current,
            StatusCode::BAD_REQUEST,
            M::BadInputTitle,
            "language: en or ar",
        );
    };
    let session = match cookie(&headers, SESSION_COOKIE) {
        Some(secret) => match state.node.session(&secret).await {
            Ok(s) => s,
            Err(e) => return layout::service_error(current, e),
        },
        None => None,
    };
    if let Some(session) = session {
        if !check_form(&headers, &session.csrf, Some(&form.csrf)) {
            return layout::form_refused(current);
        }
        if let Err(e) = state
            .node
            .set_user_language(session.caller.user_id, lang.code())
            .await
        {
            return layout::service_error(current, e);
        }
    }
    let next = safe_next(&form.next).unwrap_or_else(|| "/ui".into());
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.code(),
            Some(LANG_COOKIE_AGE),
            false,
            state.secure_cookies,
        ),
    );
    response
}

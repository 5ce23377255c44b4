//! Who is using the interface: the session cookie, the language, and CSRF checks.

use crate::WebState;
use crate::i18n::Lang;
use crate::layout;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use tanseeq_service::sessions::Session;

/// The session secret (HttpOnly).
pub const SESSION_COOKIE: &str = "tanseeq_session";
/// The language chosen before signing in, or last chosen.
pub const LANG_COOKIE: &str = "tanseeq_lang";
/// The sign-in form's double-submit CSRF token (there is no session yet to hold one).
pub const LOGIN_CSRF_COOKIE: &str = "tanseeq_login";
/// The form field (and, for script requests, the header) carrying the CSRF token.
pub const CSRF_FIELD: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// A `Set-Cookie` value: path `/`, `SameSite=Lax`, `Secure` over TLS; `max_age` 0 deletes.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<u64>,
    http_only: bool,
    secure: bool,
) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; SameSite=Lax");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if http_only {
        text.push_str("; HttpOnly");
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The language of someone not signed in: the cookie, else the browser's preference.
pub fn lang_before_sign_in(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_else(|| {
            Lang::from_accept_language(
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
            )
        })
}

/// A path to return to after signing in: only this interface's own pages.
pub fn safe_next(next: &str) -> Option<String> {
    let ok = (next == "/ui" || next.starts_with("/ui/") || next.starts_with("/ui?"))
        && !next.contains("//")
        && !next.contains('\\')
        && next.len() <= 2_000
        && !next.chars().any(char::is_control);
    ok.then(|| next.to_owned())
}

/// A signed-in user, with the interface language.
pub struct SignedIn {
    pub session: Session,
    pub lang: Lang,
}

impl FromRequestParts<WebState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Response> {
        let fallback_lang = lang_before_sign_in(&parts.headers);
        let session = match cookie(&parts.headers, SESSION_COOKIE) {
            None => None,
            Some(secret) => match state.node.session(&secret).await {
                Ok(s) => s,
                Err(e) => return Err(layout::service_error(fallback_lang, e)),
            },
        };
        let Some(session) = session else {
            return Err(not_signed_in(parts));
        };
        let lang = match state.node.user_language(session.caller.user_id).await {
            Ok(Some(code)) => Lang::parse(&code).unwrap_or(fallback_lang),
            Ok(None) => fallback_lang,
            Err(e) => return Err(layout::service_error(fallback_lang, e)),
        };
        Ok(SignedIn { session, lang })
    }
}

/// No (live) session: pages go to sign-in and come back; scripts get a 401.
fn not_signed_in(parts: &Parts) -> Response {
    let path = parts.uri.path();
    if path == "/ui/events" || path == "/ui/pattern-check" {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    let next = if parts.method == Method::GET {
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/ui".into())
    } else {
        // A form sent after the session ended: back to the page it came from, where the
        // script restores what was typed.
        parts
            .headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| axum::http::Uri::try_from(r).ok())
            .and_then(|u| u.path_and_query().map(|p| p.as_str().to_owned()))
            .unwrap_or_else(|| path.to_owned())
    };
    let next = safe_next(&next).unwrap_or_else(|| "/ui".into());
    let expired = if parts.method == Method::GET {
        ""
    } else {
        "&expired=1"
    };
    let target = format!(
        "/ui/login?next={}{expired}",
        form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// Compares secrets without leaking where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A state-changing request must come from this node's pages: the origin (when the browser
/// says it) is this host, and the token matches.
pub fn check_form(headers: &HeaderMap, expected: &str, given: Option<&str>) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(origin);
        if origin == "null" || !origin_host.eq_ignore_ascii_case(host) {
            return false;
        }
    }
    given.is_some_and(|g| !expected.is_empty() && same_secret(expected, g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_pages_are_returned_to() {
        let cases = [
            ("/ui", true),
            ("/ui/search?q=x", true),
            ("/ui?x=1", true),
            ("//evil.example/ui", false),
            ("/ui//evil.example", false),
            ("https://evil.example/ui", false),
            ("/taxii2/", false),
            ("/ui\\..", false),
            ("/uix", false),
            ("/ui/\r\nSet-Cookie:x", false),
        ];
        for (next, ok) in cases {
            assert_eq!(safe_next(next).is_some(), ok, "{next}");
        }
    }

    #[test]
    fn forms_need_the_token_and_our_origin() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(check_form(&headers, "abc", Some("abc")));
        assert!(!check_form(&headers, "abc", Some("abd")));
        assert!(!check_form(&headers, "abc", None));
        assert!(!check_form(&headers, "", Some("")));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(check_form(&headers, "abc", Some("abc")));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!check_form(&headers, "abc", Some("abc")));
        headers.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!check_form(&headers, "abc", Some("abc")));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; tanseeq_session=s3cret"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("tanseeq_lang=ar"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("s3cret"));
        assert_eq!(cookie(&headers, LANG_COOKIE).as_deref(), Some("ar"));
        assert_eq!(cookie(&headers, "b"), None);
    }
}

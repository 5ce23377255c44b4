//! The page shell (head, navigation, language switch) and the small pieces every page uses:
//! values isolated for bidirectional text, TLP badges, times, error pages.

use crate::assets;
use crate::auth::CSRF_FIELD;
use crate::i18n::{Lang, M, format_time};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use std::sync::LazyLock;
use tanseeq_service::ServiceError;
use tanseeq_service::sessions::Session;
use tanseeq_store::Role;

/// Which navigation entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Search,
    Submit,
    Partners,
    Admin,
    None,
}

/// A whole page: the shell around `body`.
pub fn shell(
    lang: Lang,
    session: Option<&Session>,
    active: Nav,
    title: &str,
    next: &str,
    body: Markup,
) -> Markup {
    let t = |m| lang.t(m);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (t(M::AppName)) }
                link rel="stylesheet" href=(assets::CSS_PATH);
                link rel="icon" href=(assets::ICON_PATH) type="image/svg+xml";
                script src=(assets::JS_PATH) defer {}
            }
            body data-csrf=[session.map(|s| s.csrf.as_str())] {
                header.top {
                    a.brand href="/ui" {
                        span.brand-name { (t(M::AppName)) }
                        span.brand-tag { (t(M::AppTagline)) }
                    }
                    @if let Some(session) = session {
                        nav #nav {
                            (nav_link("/ui", t(M::Dashboard), active == Nav::Dashboard))
                            (nav_link("/ui/search", t(M::Search), active == Nav::Search))
                            @if session.caller.role.may_write() {
                                (nav_link("/ui/submit", t(M::Submit), active == Nav::Submit))
                            }
                            (nav_link("/ui/partners", t(M::Partners), active == Nav::Partners))
                            @if session.caller.role == Role::Admin {
                                (nav_link("/ui/admin", t(M::Admin), active == Nav::Admin))
                            }
                        }
                    }
                    div.tools {
                        form #lang-form method="post" action="/ui/lang" {
                            @if let Some(session) = session {
                                input type="hidden" name=(CSRF_FIELD) value=(session.csrf);
                            }
                            input type="hidden" name="next" value=(next);
                            button.lang name="lang" value="ar" lang="ar" disabled[lang == Lang::Ar] { "العربية" }
                            button.lang name="lang" value="en" lang="en" disabled[lang == Lang::En] { "English" }
                        }
                        @if let Some(session) = session {
                            span.who { bdi { (session.caller.user_name) } }
                            form #logout method="post" action="/ui/logout" {
                                input type="hidden" name=(CSRF_FIELD) value=(session.csrf);
                                button type="submit" { (t(M::SignOut)) }
                            }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn nav_link(href: &str, label: &str, active: bool) -> Markup {
    html! {
        a href=(href) aria-current=[active.then_some("page")] { (label) }
    }
}

/// A value (a name, an id, a hash) isolated from the text around it, so that Latin and
/// Arabic runs never reorder each other.
pub fn value(text: &str) -> Markup {
    html! { bdi { (text) } }
}

/// Machine values inside free text: URLs, e-mail addresses, IP addresses and networks,
/// hashes, domain names. Each is isolated left-to-right inside Arabic prose.
static MACHINE_VALUE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(concat!(
        r"(?i)(?:\b(?:https?|hxxps?|ftp)://[^\s<>\x22]+)",
        r"|(?:\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+\b)",
        r"|(?:\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\b)",
        // Dates and times: after Arabic letters, digits around `-` would be laid out right to
        // left (2026-11-20 read as 20-11-2026).
        r"|(?:\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?\b)",
        r"|(?:\b(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{0,4}(?:/\d{1,3})?)",
        r"|(?:\b[0-9a-f]{32,128}\b)",
        r"|(?:\b(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b)",
    ))
    .expect("the machine-value expression compiles")
});

/// Free text (a description) with every machine value in it isolated left to right.
pub fn rich_text(text: &str) -> Markup {
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for m in MACHINE_VALUE.find_iter(text) {
        html! { (&text[last..m.start()]) bdi.value dir="ltr" { (m.as_str()) } }.render_to(&mut out);
        last = m.end();
    }
    html! { (&text[last..]) }.render_to(&mut out);
    PreEscaped(out)
}

/// A TLP marking as a coloured badge.
pub fn tlp_badge(lang: Lang, tlp: Option<&str>) -> Markup {
    match tlp {
        Some(name) => {
            // Both `green` and `TLP:GREEN` arrive here.
            let level = name
                .strip_prefix("TLP:")
                .unwrap_or(name)
                .to_ascii_lowercase();
            let class = format!("tlp tlp-{}", level.replace('+', "-"));
            html! { span class=(class) dir="ltr" { "TLP:" (level.to_uppercase()) } }
        }
        None => html! { span.tlp.tlp-none { (lang.t(M::NoTlp)) } },
    }
}

/// A moment, readable in the user's language, machine-readable in `datetime`.
pub fn time(lang: Lang, at: jiff::Timestamp) -> Markup {
    html! { time datetime=(at.to_string()) { (format_time(lang, at)) } }
}

/// A STIX timestamp text, shown as a time when it parses.
pub fn stix_time(lang: Lang, text: &str) -> Markup {
    match text.parse::<jiff::Timestamp>() {
        Ok(at) => time(lang, at),
        Err(_) => value(text),
    }
}

/// An error as a page: client errors say what is wrong; internal ones give an id to quote
/// and leave the cause in the log.
pub fn service_error(lang: Lang, e: ServiceError) -> Response {
    let (status, title, text) = match &e {
        ServiceError::NotFound(_) => {
            return not_found(lang);
        }
        ServiceError::Unauthenticated(_) => (
            StatusCode::UNAUTHORIZED,
            M::SignIn,
            lang.t(M::WrongCredentials).to_owned(),
        ),
        ServiceError::Forbidden(m) => (StatusCode::FORBIDDEN, M::ForbiddenTitle, m.clone()),
        ServiceError::BadRequest(m) | ServiceError::Conflict(m) => {
            (StatusCode::BAD_REQUEST, M::BadInputTitle, m.clone())
        }
        ServiceError::TooManyRequests(m) => {
            (StatusCode::TOO_MANY_REQUESTS, M::BadInputTitle, m.clone())
        }
        ServiceError::Unavailable(cause) | ServiceError::Internal(cause) => {
            let error_id = uuid::Uuid::new_v4();
            tracing::error!(%error_id, %cause, "operations room: internal error");
            let status = if matches!(e, ServiceError::Unavailable(_)) {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (
                status,
                M::ErrorTitle,
                format!("{}: {error_id}", lang.t(M::ErrorId)),
            )
        }
    };
    error_page(lang, status, title, &text)
}

/// The one "not found" page: absent and invisible look the same.
pub fn not_found(lang: Lang) -> Response {
    error_page(
        lang,
        StatusCode::NOT_FOUND,
        M::NotFoundTitle,
        lang.t(M::NotFoundText),
    )
}

/// A form refused for its CSRF token or origin (a stale page, or another site's form).
pub fn form_refused(lang: Lang) -> Response {
    error_page(
        lang,
        StatusCode::FORBIDDEN,
        M::ForbiddenTitle,
        lang.t(M::FormExpired),
    )
}

pub fn error_page(lang: Lang, status: StatusCode, title: M, text: &str) -> Response {
    let body = html! {
        section.panel.error-page {
            h1 { (lang.t(title)) }
            p.error { (text) }
            p { a href="/ui" { (lang.t(M::Back)) } }
        }
    };
    (
        status,
        shell(lang, None, Nav::None, lang.t(title), "/ui", body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_values_in_arabic_prose_are_isolated() {
        let text = "حملة تستخدم http://bad.example/x?a=1 و 198.51.100.7 و d41d8cd98f00b204e9800998ecf8427e من evil.example منذ 2026-11-20";
        let html = rich_text(text).into_string();
        for v in [
            "http://bad.example/x?a=1",
            "198.51.100.7",
            "d41d8cd98f00b204e9800998ecf8427e",
            "evil.example",
            "2026-11-20",
        ] {
            assert!(
                html.contains(&format!("<bdi class=\"value\" dir=\"ltr\">{v}</bdi>"))
                    || html.contains(&format!(
                        "<bdi class=\"value\" dir=\"ltr\">{}</bdi>",
                        v.replace('&', "&amp;")
                    )),
                "{v} not isolated in {html}"
            );
        }
        assert!(html.starts_with("حملة تستخدم "));
    }

    #[test]
    fn script_in_text_stays_text() {
        let html = rich_text("<script>alert(1)</script> evil.example").into_string();
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;"));
        let html = value("<img src=x onerror=alert(1)>").into_string();
        assert!(!html.contains("<img"));
    }
}

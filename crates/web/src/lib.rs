//! The operations room: the node's web interface, in Arabic and English, served by the same
//! binary under `/ui/`.
//!
//! Pages are rendered on the server (maud: every value is HTML-escaped unless a template says
//! otherwise, and none does), with one small script and one style sheet compiled into the
//! binary ([`assets`]); no CDN, no external font, no build step. The script only enhances:
//! the live feed (Server-Sent Events from `/ui/events`, the same feed as `/api/v1/stream`),
//! live pattern validation, loading a bundle file, and keeping half-filled forms across an
//! expired session. Every page sends a Content-Security-Policy that forbids inline script.
//!
//! Architecture invariants:
//! - Pages never decide access: every object shown comes from a `Node` read that applies
//!   `access::visibility` (`read_objects`, `search`, `activity`, `feed_after`, `provenance`).
//!   An object the user may not see is a 404 page, like one that does not exist.
//! - Every state-changing request is a POST carrying the session's CSRF token (the sign-in
//!   form: a double-submit cookie), from the node's own origin.
//! - Text from objects is only ever inserted as text (maud escaping on the server,
//!   `textContent` in the script).

mod assets;
mod auth;
pub mod i18n;
mod layout;
mod pages;
mod summary;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use tanseeq_service::Node;

/// What every page handler shares.
#[derive(Clone)]
pub struct WebState {
    pub node: Node,
    /// Cookies are marked `Secure` when the node serves HTTPS.
    pub secure_cookies: bool,
}

/// Forbids inline script and anything from elsewhere: the pages need nothing but the node.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The interface's routes, under `/ui` (and `/` redirecting there).
pub fn router(state: WebState) -> Router {
    use pages::*;
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui") }))
        .route("/ui", get(dashboard::page))
        .route("/ui/events", get(dashboard::events))
        .route("/ui/login", get(login::page).post(login::sign_in))
        .route("/ui/logout", post(login::sign_out))
        .route("/ui/lang", post(login::set_language))
        .route("/ui/search", get(search::page))
        .route(
            "/ui/object/{api_root}/{collection_id}/{object_id}",
            get(object::page),
        )
        .route("/ui/submit", get(submit::page).post(submit::indicator))
        .route("/ui/submit/bundle", post(submit::bundle))
        .route("/ui/pattern-check", post(submit::check_pattern))
        .route("/ui/partners", get(partners::page))
        .route("/ui/admin", get(admin::page))
        .route("/ui/admin/organizations", post(admin::add_organization))
        .route("/ui/admin/users", post(admin::add_user))
        .route("/ui/admin/tokens", post(admin::create_token))
        .route("/ui/admin/tokens/revoke", post(admin::revoke_token))
        .route("/ui/admin/collections", post(admin::add_collection))
        .route("/ui/assets/{name}", get(assets::serve))
        // Browsers ask for it whatever the page says.
        .route("/favicon.ico", get(assets::icon))
        // Any other address under /ui is the interface's own "not found" page.
        .route("/ui/{*rest}", get(unknown_page))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// An address under `/ui` that is no page: the same 404 page as an invisible object.
async fn unknown_page(headers: axum::http::HeaderMap) -> Response {
    layout::not_found(auth::lang_before_sign_in(&headers))
}

/// Headers on every response of the interface.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The whole node over HTTP: TAXII and the node's JSON API ([`tanseeq_taxii::router`]) beside
/// the operations room, behind trailing-slash normalization (which must run before routing).
pub fn service(
    taxii: tanseeq_taxii::AppState,
    web: WebState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
    tower_http::normalize_path::NormalizePath<Router>,
    std::net::SocketAddr,
> {
    use tower::Layer;
    let app = tanseeq_taxii::router(taxii).merge(router(web));
    let app = tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash().layer(app);
    axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(app)
}

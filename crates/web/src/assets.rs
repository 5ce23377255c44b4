//! The style sheet and the script, compiled into the binary: nothing is fetched from
//! anywhere else, so the interface works on closed networks.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const CSS: &str = include_str!("../assets/app.css");
const JS: &str = include_str!("../assets/app.js");
const ICON: &str = include_str!("../assets/icon.svg");

/// Where pages link them (the version in the query, so a new binary's files replace cached
/// ones).
pub const CSS_PATH: &str = concat!("/ui/assets/app.css?v=", env!("CARGO_PKG_VERSION"));
pub const JS_PATH: &str = concat!("/ui/assets/app.js?v=", env!("CARGO_PKG_VERSION"));
pub const ICON_PATH: &str = concat!("/ui/assets/icon.svg?v=", env!("CARGO_PKG_VERSION"));

pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, content_type) = match name.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        "icon.svg" => (ICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// `/favicon.ico`: the same icon (browsers take SVG under any name).
pub async fn icon() -> Response {
    serve(Path("icon.svg".to_owned())).await
}

//! The TAXII 2.1 HTTP API of a tanseeq node, on axum.
//!
//! Endpoints (TAXII 2.1 section 4 onward): discovery `/taxii2/`, API root `/{root}/`, status,
//! collections, one collection, objects (GET, POST), one object (GET, DELETE), manifest and
//! versions. Trailing slashes are optional. Beside TAXII, the node's own JSON API:
//! `POST /api/v1/match` and `GET /api/v1/provenance/…` ([`matching`]).
//!
//! Architecture invariants:
//! - Handlers parse HTTP, call the service layer, and format TAXII; they never decide access
//!   and never touch the store except through a `Visibility` the service layer gave them.
//! - Every error leaves through [`error::ApiError`]'s one `IntoResponse`, as a TAXII error
//!   message.
//! - Objects go out as the raw bytes they were stored with, concatenated into envelopes.

mod auth;
pub mod error;
pub mod federation;
mod handlers;
pub mod matching;
pub mod media;
pub mod params;
pub mod stream;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tanseeq_service::Node;
use tower::Layer;
use tower_http::normalize_path::NormalizePathLayer;

pub use auth::Authenticated;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub node: Node,
    /// Shown in discovery.
    pub title: String,
}

/// The TAXII routes and the node's own JSON API (`/api/v1/…`), without trailing-slash
/// normalization (see [`service`]).
pub fn router(state: AppState) -> Router {
    // Not TAXII: plain JSON, so outside the TAXII media-type negotiation.
    let own_api = Router::new()
        .route("/api/v1/match", post(matching::match_observables))
        .route("/api/v1/federation/hello", post(federation::hello))
        .route("/api/v1/stream", get(stream::stream))
        .route(
            "/api/v1/provenance/{api_root}/{collection_id}/{object_id}",
            get(matching::provenance),
        )
        .with_state(state.clone());
    taxii_router(state)
        .merge(own_api)
        .layer(middleware::from_fn(close_after_refused_body))
}

/// A request with a body that was refused (415, 413, 401, 403, 404, …) may leave its body
/// unread; the connection is then closed after the response. Saying so (`Connection: close`)
/// keeps clients from sending their next request on a connection that is going away.
async fn close_after_refused_body(request: Request, next: Next) -> Response {
    let has_body = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
        || request
            .headers()
            .contains_key(axum::http::header::TRANSFER_ENCODING);
    let mut response = next.run(request).await;
    if has_body && !response.status().is_success() {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}

fn taxii_router(state: AppState) -> Router {
    use handlers::*;
    Router::new()
        .route("/taxii2", get(discovery))
        .route("/{api_root}", get(api_root))
        .route("/{api_root}/status/{status_id}", get(status))
        .route("/{api_root}/collections", get(collections))
        .route("/{api_root}/collections/{collection_id}", get(collection))
        .route(
            "/{api_root}/collections/{collection_id}/manifest",
            get(manifest),
        )
        .route(
            "/{api_root}/collections/{collection_id}/objects",
            get(get_objects).post(add_objects),
        )
        .route(
            "/{api_root}/collections/{collection_id}/objects/{object_id}",
            get(get_object).delete(delete_object),
        )
        .route(
            "/{api_root}/collections/{collection_id}/objects/{object_id}/versions",
            get(versions),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(negotiate))
        .with_state(state)
}

/// A service ready to serve: the router behind trailing-slash normalization, which must run
/// before routing.
pub fn service(
    state: AppState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
    tower_http::normalize_path::NormalizePath<Router>,
    std::net::SocketAddr,
> {
    let app = NormalizePathLayer::trim_trailing_slash().layer(router(state));
    axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(app)
}

/// 406 before anything else when the client cannot take TAXII JSON.
async fn negotiate(request: Request, next: Next) -> Response {
    match media::check_accept(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

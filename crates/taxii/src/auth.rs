//! Who is calling: HTTP Basic (what TAXII clients send) or a Bearer API token.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine;
use tanseeq_service::ServiceError;
use tanseeq_service::accounts::Caller;

/// The authenticated caller of a request. Extracting it fails with 401 when there are no
/// credentials or they identify nobody.
pub struct Authenticated(pub Caller);

fn unauthenticated(message: &str) -> ApiError {
    ApiError::Service(ServiceError::Unauthenticated(message.to_owned()))
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| {
                unauthenticated("credentials are required (HTTP Basic or a Bearer token)")
            })?
            .to_str()
            .map_err(|_| unauthenticated("the Authorization header is not readable text"))?;
        let (scheme, credentials) = value
            .split_once(' ')
            .ok_or_else(|| unauthenticated("the Authorization header has no scheme"))?;
        let credentials = credentials.trim();
        let caller = if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(credentials)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    unauthenticated("HTTP Basic credentials are not valid base64 UTF-8")
                })?;
            let (user, password) = decoded
                .split_once(':')
                .ok_or_else(|| unauthenticated("HTTP Basic credentials need `user:password`"))?;
            state.node.authenticate_password(user, password).await?
        } else if scheme.eq_ignore_ascii_case("bearer") {
            state.node.authenticate_token(credentials).await?
        } else {
            return Err(unauthenticated("use HTTP Basic or a Bearer token"));
        };
        // A peer node signs its requests besides its account's credentials.
        let caller = match parts.headers.get(tanseeq_service::federation::NODE_HEADER) {
            None => caller,
            Some(value) => {
                let value = value
                    .to_str()
                    .map_err(|_| unauthenticated("the node signature header is not text"))?;
                let path = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                state
                    .node
                    .authenticate_peer(caller, value, parts.method.as_str(), path)
                    .await?
            }
        };
        Ok(Authenticated(caller))
    }
}

//! `POST /api/v1/federation/hello`: the handshake of two peer nodes. The caller (a request
//! signed by a configured peer) sends `{"descriptors": [...]}` — its own self-signed node
//! descriptor and those of the nodes it knows — and receives this node's in return.

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use tanseeq_service::federation::Hello;

pub async fn hello(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    body: Result<Json<Hello>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Hello>, ApiError> {
    let Json(hello) = body.map_err(|e| ApiError::BadRequest(format!("hello: {e}")))?;
    Ok(Json(state.node.hello(&caller, &hello).await?))
}

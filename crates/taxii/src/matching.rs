//! `POST /api/v1/match`: which indicators of the node do these observables (or this
//! observed-data) hit — among the indicators the caller may see. Plain JSON in and out, beside
//! the TAXII API; errors are TAXII error messages like everywhere else.
//!
//! Request: `{"observables": [SCO object | "type:value", …], "observed_data": bundle | [objects],
//! "at": "2026-…Z"}` (each part optional; `at` — the time validity is judged at — defaults to
//! now). Response: `{"matches": [{"input": i, "observable": SCO, "indicators": [...]}],
//! "observed_data_matches": [{"indicator": {...}, "observed_data_refs": [...]}]}` — only inputs
//! that hit something are listed.

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::str::FromStr;
use tanseeq_matcher::Observable;
use tanseeq_pattern::Observations;
use tanseeq_service::matching::IndicatorHit;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchRequest {
    #[serde(default)]
    observables: Vec<Value>,
    #[serde(default)]
    observed_data: Option<Value>,
    #[serde(default)]
    at: Option<String>,
}

/// One observable input: an SCO object, or a `type:value` string.
fn observables_of(index: usize, input: &Value) -> Result<Vec<Observable>, ApiError> {
    let text = match input {
        Value::String(s) => s.clone(),
        Value::Object(_) => input.to_string(),
        _ => {
            return Err(ApiError::BadRequest(format!(
                "observables[{index}] is neither an SCO object nor a \"type:value\" string"
            )));
        }
    };
    let found = tanseeq_matcher::extract::observables(&text)
        .map_err(|e| ApiError::BadRequest(format!("observables[{index}]: {e}")))?;
    if found.is_empty() {
        return Err(ApiError::BadRequest(format!(
            "observables[{index}] holds no observable value this node can match \
             (e.g. {{\"type\": \"ipv4-addr\", \"value\": \"198.51.100.7\"}} or \
             \"domain-name:example.com\")"
        )));
    }
    Ok(found)
}

pub fn indicator_json(hit: &IndicatorHit) -> Value {
    let info = &hit.indicator;
    json!({
        "id": info.id,
        "version": info.meta.version_text,
        "name": info.name,
        "pattern": info.pattern,
        "api_root": info.api_root,
        "collection": info.collection_id,
        "producer": hit.producer,
        "created_by_ref": info.created_by_ref,
        "object_marking_refs": info.object_marking_refs,
    })
}

pub async fn match_observables(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    request: Request,
) -> Result<Response, ApiError> {
    let limit = state.node.limits.max_content_length;
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))?;
    let body: MatchRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::BadRequest(format!("the request body is not a match request: {e}"))
    })?;
    let at = match body.at.as_deref() {
        Some(text) => jiff::Timestamp::from_str(text)
            .map_err(|e| ApiError::BadRequest(format!("`at` is not a timestamp: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    let mut inputs = Vec::new();
    for (index, input) in body.observables.iter().enumerate() {
        for observable in observables_of(index, input)? {
            inputs.push((index, observable));
        }
    }
    let observables: Vec<Observable> = inputs.iter().map(|(_, o)| o.clone()).collect();
    let hits = state
        .node
        .match_observables(&caller, &observables, at)
        .await?;
    let matches: Vec<Value> = inputs
        .iter()
        .zip(&hits)
        .filter(|(_, hits)| !hits.is_empty())
        .map(|((index, observable), hits)| {
            json!({
                "input": index,
                "observable": observable.to_object(),
                "indicators": hits.iter().map(indicator_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut observed_data_matches = Vec::new();
    if let Some(data) = &body.observed_data {
        let observations = Observations::from_json(data)
            .map_err(|e| ApiError::BadRequest(format!("observed_data: {e}")))?;
        for hit in state
            .node
            .match_observations(&caller, &observations, at)
            .await?
        {
            observed_data_matches.push(json!({
                "indicator": indicator_json(&hit),
                "observed_data_refs": hit.observed_data_ids,
            }));
        }
    }
    let mut response = (
        StatusCode::OK,
        json!({
            "matches": matches,
            "observed_data_matches": observed_data_matches,
            "checked": observables.len(),
        })
        .to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// `GET /api/v1/provenance/{api_root}/{collection}/{object_id}`: every version of an object
/// the caller may read, with the signatures over it and whether each verifies now.
pub async fn provenance(
    State(state): State<AppState>,
    axum::extract::Path((root, collection, object_id)): axum::extract::Path<(
        String,
        String,
        String,
    )>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let collection = uuid::Uuid::parse_str(&collection)
        .map_err(|_| ApiError::NotFound(format!("no collection {collection}")))?;
    let versions = state
        .node
        .provenance(&caller, &root, collection, &object_id)
        .await?;
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            json!({
                "version": v.version,
                "signatures": v.signatures.iter().map(|s| {
                    let companion: Value = serde_json::from_str(&s.companion).unwrap_or(Value::Null);
                    match &s.verification {
                        Ok(verified) => json!({
                            "signer": s.signer,
                            "verified": true,
                            "key_id": verified.key_id,
                            "signed_at": verified.signed_at.to_string(),
                            "digest": verified.digest,
                            "companion": companion,
                        }),
                        Err(why) => json!({
                            "signer": s.signer,
                            "verified": false,
                            "error": why,
                            "companion": companion,
                        }),
                    }
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut response = (
        StatusCode::OK,
        json!({ "object_id": object_id, "versions": versions }).to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

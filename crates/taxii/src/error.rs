//! The one mapping from errors to HTTP responses: every error body is a TAXII error message.

use crate::media::TAXII_MEDIA_TYPE;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tanseeq_service::ServiceError;

/// An error on its way to the caller.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than max_content_length ({0} bytes)")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    NotFound(String),
}

impl ApiError {
    fn status_title(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Service(e) => match e {
                ServiceError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "Unauthorized"),
                ServiceError::Forbidden(_) => (StatusCode::FORBIDDEN, "Forbidden"),
                ServiceError::NotFound(_) => (StatusCode::NOT_FOUND, "Not Found"),
                ServiceError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Bad Request"),
                ServiceError::Conflict(_) => (StatusCode::CONFLICT, "Conflict"),
                ServiceError::TooManyRequests(_) => {
                    (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
                }
                ServiceError::Unavailable(_) => {
                    (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
                }
                ServiceError::Internal(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                }
            },
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "Bad Request"),
            ApiError::NotAcceptable(_) => (StatusCode::NOT_ACCEPTABLE, "Not Acceptable"),
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")
            }
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "Not Found"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, title) = self.status_title();
        let error_id = uuid::Uuid::new_v4().to_string();
        // Internal causes go to the log; the caller gets an id to quote, never the cause.
        let description = match &self {
            ApiError::Service(ServiceError::Internal(cause)) => {
                tracing::error!(%error_id, %cause, "internal error");
                format!(
                    "The node failed to process the request. Quote error id {error_id} to its operators."
                )
            }
            ApiError::Service(ServiceError::Unavailable(cause)) => {
                tracing::warn!(%error_id, %cause, "database unavailable");
                "The node's database is unavailable or busy; retry later.".to_string()
            }
            ApiError::Service(ServiceError::Unauthenticated(m)) => m.clone(),
            ApiError::Service(
                ServiceError::Forbidden(m)
                | ServiceError::NotFound(m)
                | ServiceError::BadRequest(m)
                | ServiceError::Conflict(m)
                | ServiceError::TooManyRequests(m),
            ) => m.clone(),
            other => other.to_string(),
        };
        let body = serde_json::json!({
            "title": title,
            "description": description,
            "error_id": error_id,
            "http_status": status.as_u16().to_string(),
        });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"tanseeq\", charset=\"UTF-8\""),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tanseeq\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

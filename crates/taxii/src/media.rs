//! TAXII media types and their negotiation.

use crate::error::ApiError;
use axum::http::HeaderMap;
use axum::http::header;

pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// A media range `type/subtype;params` split into lowercase parts.
fn parse_media(text: &str) -> (String, Vec<(String, String)>) {
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_ascii_lowercase(),
            ))
        })
        .collect();
    (essence, params)
}

fn is_taxii_21(essence: &str, params: &[(String, String)]) -> bool {
    essence == "application/taxii+json" && params.iter().all(|(k, v)| k != "version" || v == "2.1")
}

/// 406 unless the `Accept` header admits TAXII 2.1 JSON. A missing header admits anything.
pub fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let values: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if values.is_empty() {
        return Ok(());
    }
    let acceptable = values.iter().flat_map(|v| v.split(',')).any(|range| {
        let (essence, params) = parse_media(range);
        let q_zero = params
            .iter()
            .any(|(k, v)| k == "q" && v.parse::<f32>().is_ok_and(|q| q <= 0.0));
        !q_zero
            && (is_taxii_21(&essence, &params) || essence == "*/*" || essence == "application/*")
    });
    if acceptable {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(format!(
            "this node answers with {TAXII_MEDIA_TYPE}; the Accept header does not admit it"
        )))
    }
}

/// 415 unless the request body is declared as TAXII 2.1 JSON.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (essence, params) = parse_media(declared);
    if is_taxii_21(&essence, &params) {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "the request body must be sent as {TAXII_MEDIA_TYPE}, not `{}`",
            declared.chars().take(100).collect::<String>()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(value: &str) -> Result<(), ApiError> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        check_accept(&h)
    }

    #[test]
    fn accept_table() {
        for ok in [
            "application/taxii+json;version=2.1",
            "application/taxii+json; version=2.1",
            "application/taxii+json",
            "*/*",
            "text/html, application/taxii+json;version=2.1;q=0.9",
        ] {
            assert!(accept(ok).is_ok(), "{ok}");
        }
        for bad in [
            "application/taxii+json;version=2.0",
            "application/json",
            "text/html",
            "application/taxii+json;version=2.1;q=0",
        ] {
            assert!(accept(bad).is_err(), "{bad}");
        }
    }
}

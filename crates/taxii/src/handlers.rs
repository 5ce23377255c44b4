//! One function per TAXII endpoint.

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, check_content_type};
use crate::params::{self, Endpoint, ReadParams, encode_cursor};
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tanseeq_service::ServiceError;
use tanseeq_service::access::{Need, ReadRequest};
use tanseeq_store::{Fetch, ObjectFilter, ObjectPage, Status, VersionMatch};
use uuid::Uuid;

/// The longest object identifier looked up (type up to 250 characters, `--`, a UUID).
const MAX_OBJECT_ID_LEN: usize = 300;

fn taxii_json(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    response
}

fn ok_json(value: serde_json::Value) -> Response {
    taxii_json(StatusCode::OK, value.to_string())
}

fn not_found_error(what: String) -> ApiError {
    ApiError::Service(ServiceError::NotFound(what))
}

/// Path ids that are not UUIDs name nothing: 404, like any unknown id.
fn path_uuid(text: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| not_found_error(format!("no {what} `{}`", shorten(text))))
}

/// An object id from the path, checked for the `type--UUID` shape.
fn path_object_id(text: &str) -> ApiResult<&str> {
    let well_formed = text.len() <= MAX_OBJECT_ID_LEN
        && text.split_once("--").is_some_and(|(t, u)| {
            !t.is_empty()
                && Uuid::parse_str(u).is_ok()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if well_formed {
        Ok(text)
    } else {
        Err(not_found_error(format!(
            "no object `{}` (STIX identifiers look like `type--UUID`)",
            shorten(text)
        )))
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

async fn check_api_root(state: &AppState, name: &str) -> ApiResult<tanseeq_store::ApiRoot> {
    state
        .node
        .store
        .api_roots()
        .await
        .map_err(ServiceError::from)?
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(|| not_found_error(format!("no API root `{}`", shorten(name))))
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such TAXII endpoint".into())
}

pub async fn method_not_allowed() -> Response {
    let body = json!({
        "title": "Method Not Allowed",
        "description": "this endpoint does not take that HTTP method",
        "http_status": "405",
    });
    taxii_json(StatusCode::METHOD_NOT_ALLOWED, body.to_string())
}

pub async fn discovery(
    State(state): State<AppState>,
    Authenticated(_caller): Authenticated,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    let base = base_url(&headers);
    let roots: Vec<String> = state
        .node
        .store
        .api_roots()
        .await
        .map_err(ServiceError::from)?
        .iter()
        .map(|r| format!("{base}/{}/", r.name))
        .collect();
    let mut body = json!({
        "title": state.title,
        "description": "A tanseeq node: STIX 2.1 over TAXII 2.1 for cooperating agencies.",
        "api_roots": roots,
    });
    if let Some(first) = roots.first() {
        body["default"] = json!(first);
    }
    Ok(ok_json(body))
}

pub async fn api_root(
    State(state): State<AppState>,
    Path(root): Path<String>,
    Authenticated(_caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    let root = check_api_root(&state, &root).await?;
    let mut body = json!({
        "title": root.title,
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": state.node.limits.max_content_length,
    });
    if let Some(description) = root.description {
        body["description"] = json!(description);
    }
    Ok(ok_json(body))
}

fn status_json(status: &Status) -> serde_json::Value {
    json!({
        "id": status.id.to_string(),
        "status": status.state.as_str(),
        "request_timestamp": status.request_timestamp.to_string(),
        "total_count": status.total_count(),
        "success_count": status.successes.len(),
        "successes": status.successes,
        "failure_count": status.failures.len(),
        "failures": status.failures,
        "pending_count": status.pendings.len(),
        "pendings": status.pendings,
    })
}

pub async fn status(
    State(state): State<AppState>,
    Path((root, status_id)): Path<(String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    check_api_root(&state, &root).await?;
    let id = path_uuid(&status_id, "status")?;
    let status = state.node.status_for(&caller, &root, id).await?;
    Ok(ok_json(status_json(&status)))
}

fn collection_json(
    collection: &tanseeq_store::Collection,
    access: tanseeq_service::access::CollectionAccess,
) -> serde_json::Value {
    let mut body = json!({
        "id": collection.id.to_string(),
        "title": collection.title,
        "can_read": access.can_read,
        "can_write": access.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    });
    if let Some(description) = &collection.description {
        body["description"] = json!(description);
    }
    body
}

pub async fn collections(
    State(state): State<AppState>,
    Path(root): Path<String>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    check_api_root(&state, &root).await?;
    let list: Vec<serde_json::Value> = state
        .node
        .collections_for(&caller, &root)
        .await?
        .iter()
        .map(|(c, a)| collection_json(c, *a))
        .collect();
    // An empty list is omitted, as the specification's examples do.
    Ok(ok_json(if list.is_empty() {
        json!({})
    } else {
        json!({ "collections": list })
    }))
}

pub async fn collection(
    State(state): State<AppState>,
    Path((root, collection_id)): Path<(String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    check_api_root(&state, &root).await?;
    let id = path_uuid(&collection_id, "collection")?;
    let (collection, access, _) = state
        .node
        .open_collection(&caller, &root, id, Need::See)
        .await?;
    Ok(ok_json(collection_json(&collection, access)))
}

/// The date-added headers of a page.
fn with_date_headers(mut response: Response, page: &ObjectPage) -> Response {
    if let (Some(first), Some(last)) = (page.records.first(), page.records.last()) {
        let headers = response.headers_mut();
        for (name, value) in [
            ("x-taxii-date-added-first", first.meta.date_added),
            ("x-taxii-date-added-last", last.meta.date_added),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value.to_string()) {
                headers.insert(name, value);
            }
        }
    }
    response
}

/// `{"more":…,"next":…,"objects":[raw,…]}`, the stored bytes copied as they are.
fn envelope(page: &ObjectPage) -> String {
    envelope_of(
        page,
        page.records
            .iter()
            .map(|r| r.raw.as_deref().unwrap_or("null")),
    )
}

/// An envelope with `page`'s paging and the given objects (for a peer node: the versions its
/// rules admit, then their provenance companions).
fn envelope_of<'a>(page: &ObjectPage, objects: impl Iterator<Item = &'a str> + Clone) -> String {
    let size: usize = objects.clone().map(|o| o.len() + 1).sum();
    let mut out = String::with_capacity(size + 96);
    out.push_str(if page.more {
        "{\"more\":true"
    } else {
        "{\"more\":false"
    });
    if let Some(cursor) = page.next_cursor() {
        out.push_str(",\"next\":\"");
        out.push_str(&encode_cursor(cursor));
        out.push('"');
    }
    let mut objects = objects.peekable();
    if objects.peek().is_some() {
        out.push_str(",\"objects\":[");
        for (i, object) in objects.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(object);
        }
        out.push(']');
    }
    out.push('}');
    out
}

fn paging_fields(page: &ObjectPage, body: &mut serde_json::Value) {
    body["more"] = json!(page.more);
    if let Some(cursor) = page.next_cursor() {
        body["next"] = json!(encode_cursor(cursor));
    }
}

fn read_request(params: ReadParams, ids: Vec<String>, fetch: Fetch) -> ReadRequest {
    ReadRequest {
        filter: ObjectFilter {
            added_after: params.added_after,
            ids,
            types: params.types,
            spec_versions: params.spec_versions,
            versions: params.versions.unwrap_or_else(VersionMatch::last),
        },
        after: params.next,
        limit: params.limit,
        fetch,
    }
}

/// What a read endpoint addresses: the whole collection, or one object of it.
enum ReadTarget<'a> {
    Collection,
    Object(&'a str),
}

/// The one path of the four read endpoints: parse the parameters, check the API root and the
/// collection id, read a page through the service layer (which applies visibility). One object
/// that yields nothing on a first page does not exist for the caller: 404.
async fn read_page(
    state: &AppState,
    caller: &tanseeq_service::accounts::Caller,
    (root, collection_id): (&str, &str),
    query: Option<&str>,
    (endpoint, target, fetch): (Endpoint, ReadTarget<'_>, Fetch),
) -> ApiResult<ObjectPage> {
    let mut params = params::parse(query, endpoint)?;
    check_api_root(state, root).await?;
    let id = path_uuid(collection_id, "collection")?;
    let first_page = params.next.is_none();
    let (ids, object_id) = match target {
        ReadTarget::Collection => (std::mem::take(&mut params.ids), None),
        ReadTarget::Object(object_id) => {
            let object_id = path_object_id(object_id)?;
            (vec![object_id.to_owned()], Some(object_id))
        }
    };
    if endpoint == Endpoint::Versions {
        params.versions = Some(VersionMatch::all());
    }
    let page = state
        .node
        .read_objects(caller, root, id, read_request(params, ids, fetch))
        .await?;
    match object_id {
        Some(object_id) if page.records.is_empty() && first_page => Err(not_found_error(format!(
            "no object {object_id} in this collection"
        ))),
        _ => Ok(page),
    }
}

fn objects_response(page: &ObjectPage) -> Response {
    with_date_headers(taxii_json(StatusCode::OK, envelope(page)), page)
}

pub async fn get_objects(
    State(state): State<AppState>,
    Path((root, collection_id)): Path<(String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let read = (Endpoint::Objects, ReadTarget::Collection, Fetch::Objects);
    let page = read_page(
        &state,
        &caller,
        (&root, &collection_id),
        query.as_deref(),
        read,
    )
    .await?;
    if caller.peer_node.is_some() {
        // A peer node pulling: its rules apply, and each version travels with its signed
        // provenance. Paging stays that of the whole page.
        let id = path_uuid(&collection_id, "collection")?;
        let (records, companions) = state.node.for_peer(&caller, id, &page.records).await?;
        let objects = records
            .iter()
            .map(|r| r.raw.as_deref().unwrap_or("null"))
            .chain(companions.iter().map(String::as_str));
        return Ok(with_date_headers(
            taxii_json(StatusCode::OK, envelope_of(&page, objects)),
            &page,
        ));
    }
    Ok(objects_response(&page))
}

pub async fn get_object(
    State(state): State<AppState>,
    Path((root, collection_id, object_id)): Path<(String, String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let read = (
        Endpoint::Object,
        ReadTarget::Object(&object_id),
        Fetch::Objects,
    );
    let page = read_page(
        &state,
        &caller,
        (&root, &collection_id),
        query.as_deref(),
        read,
    )
    .await?;
    Ok(objects_response(&page))
}

pub async fn manifest(
    State(state): State<AppState>,
    Path((root, collection_id)): Path<(String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let read = (Endpoint::Manifest, ReadTarget::Collection, Fetch::Metadata);
    let page = read_page(
        &state,
        &caller,
        (&root, &collection_id),
        query.as_deref(),
        read,
    )
    .await?;
    let entries: Vec<serde_json::Value> = page
        .records
        .iter()
        .map(|r| {
            json!({
                "id": r.meta.id,
                "date_added": r.meta.date_added.to_string(),
                "version": r.meta.version_text,
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    let mut body = json!({});
    paging_fields(&page, &mut body);
    if !entries.is_empty() {
        body["objects"] = json!(entries);
    }
    Ok(with_date_headers(ok_json(body), &page))
}

pub async fn versions(
    State(state): State<AppState>,
    Path((root, collection_id, object_id)): Path<(String, String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let read = (
        Endpoint::Versions,
        ReadTarget::Object(&object_id),
        Fetch::Metadata,
    );
    let page = read_page(
        &state,
        &caller,
        (&root, &collection_id),
        query.as_deref(),
        read,
    )
    .await?;
    let mut body = json!({});
    paging_fields(&page, &mut body);
    body["versions"] = page
        .records
        .iter()
        .map(|r| json!(r.meta.version_text))
        .collect();
    Ok(with_date_headers(ok_json(body), &page))
}

pub async fn delete_object(
    State(state): State<AppState>,
    Path((root, collection_id, object_id)): Path<(String, String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = params::parse(query.as_deref(), Endpoint::ObjectDelete)?;
    check_api_root(&state, &root).await?;
    let id = path_uuid(&collection_id, "collection")?;
    let object_id = path_object_id(&object_id)?;
    // Without match[version], DELETE removes every version (TAXII 2.1, 5.7).
    let versions = params.versions.unwrap_or_else(VersionMatch::all);
    state
        .node
        .delete_object(
            &caller,
            &root,
            id,
            object_id,
            versions,
            params.spec_versions,
        )
        .await?;
    Ok(taxii_json(StatusCode::OK, String::new()))
}

pub async fn add_objects(
    State(state): State<AppState>,
    Path((root, collection_id)): Path<(String, String)>,
    Authenticated(caller): Authenticated,
    RawQuery(query): RawQuery,
    request: Request,
) -> ApiResult<Response> {
    params::parse(query.as_deref(), Endpoint::Plain)?;
    check_api_root(&state, &root).await?;
    let id = path_uuid(&collection_id, "collection")?;
    // Rights first: a caller who may not write learns nothing from how its body is judged.
    state
        .node
        .open_collection(&caller, &root, id, Need::Write)
        .await?;
    check_content_type(request.headers())?;
    let limit = state.node.limits.max_content_length;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge(limit))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not valid UTF-8: {e}")))?;
    let objects = tanseeq_stix::bundle::envelope_objects(text).map_err(|e| {
        ApiError::BadRequest(format!("the request body is not a TAXII envelope: {e}"))
    })?;
    let status = if caller.peer_node.is_some() {
        state.node.receive_post(&caller, &root, id, objects).await?
    } else {
        state.node.submit(&caller, &root, id, objects).await?
    };
    Ok(taxii_json(
        StatusCode::ACCEPTED,
        status_json(&status).to_string(),
    ))
}

//! Submitting: one indicator (its pattern checked as it is typed), or a whole bundle. Both go
//! through `Node::submit`, the same door as a TAXII POST.

use crate::WebState;
use crate::auth::{CSRF_FIELD, CSRF_HEADER, SignedIn, check_form};
use crate::i18n::{Lang, M};
use crate::layout::{self, Nav, shell, value};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use maud::{Markup, html};
use serde_json::value::RawValue;
use tanseeq_service::ServiceError;
use tanseeq_service::accounts::Caller;
use tanseeq_stix::Tlp;
use tanseeq_store::Status;
use uuid::Uuid;

/// The largest bundle pasted or loaded into the form; larger ones go through TAXII.
pub const MAX_FORM_BUNDLE_BYTES: usize = 16 * 1024 * 1024;
/// Longest name and description of a submitted indicator.
const MAX_NAME_CHARS: usize = 500;
const MAX_DESCRIPTION_CHARS: usize = 20_000;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct IndicatorForm {
    csrf: String,
    name: String,
    description: String,
    pattern: String,
    tlp: String,
    collection: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BundleForm {
    csrf: String,
    collection: String,
    bundle: String,
}

/// What happened to the last submission, shown above the forms.
enum Outcome {
    None,
    Stored(Status),
    Refused(String),
}

/// The collections (`api_root/uuid`, title) the user may add objects to.
async fn writable(
    state: &WebState,
    caller: &Caller,
) -> Result<Vec<(String, String)>, ServiceError> {
    let mut out = Vec::new();
    for root in state.node.store.api_roots().await? {
        for (collection, access) in state.node.collections_for(caller, &root.name).await? {
            if access.can_write {
                out.push((
                    format!("{}/{}", root.name, collection.id),
                    format!("{} · {}", collection.title, root.name),
                ));
            }
        }
    }
    Ok(out)
}

/// The page again with the submission refused for `why`, what was typed kept; faults of the
/// node are its error page instead.
async fn refused(
    state: &WebState,
    user: &SignedIn,
    form: &IndicatorForm,
    why: Result<String, ServiceError>,
) -> Response {
    match why {
        Ok(why) => {
            render(
                state,
                user,
                form,
                Outcome::Refused(why),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unavailable(_))) => {
            layout::service_error(user.lang, e)
        }
        Err(e) => {
            render(
                state,
                user,
                form,
                Outcome::Refused(e.to_string()),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

pub async fn page(State(state): State<WebState>, user: SignedIn) -> Response {
    render(
        &state,
        &user,
        &IndicatorForm::default(),
        Outcome::None,
        StatusCode::OK,
    )
    .await
}

async fn render(
    state: &WebState,
    user: &SignedIn,
    form: &IndicatorForm,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let lang = user.lang;
    let t = |m| lang.t(m);
    let collections = match writable(state, &user.session.caller).await {
        Ok(c) => c,
        Err(e) => return layout::service_error(lang, e),
    };
    if collections.is_empty() {
        return layout::not_found(lang);
    }
    let csrf = &user.session.csrf;
    let tlp = if form.tlp.is_empty() {
        "amber"
    } else {
        form.tlp.as_str()
    };
    let body = html! {
        (outcome_notice(lang, &outcome))
        section.panel {
            h1 { (t(M::SubmitIndicator)) }
            form #submit-indicator.keep method="post" action="/ui/submit" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::Name)) input name="name" required dir="auto" value=(form.name); }
                label { (t(M::Description)) textarea name="description" rows="3" dir="auto" { (form.description) } }
                label {
                    (t(M::Pattern))
                    textarea name="pattern" rows="3" required dir="ltr" spellcheck="false"
                        placeholder="[ipv4-addr:value = '198.51.100.7']" { (form.pattern) }
                }
                p #pattern-status aria-live="polite"
                    data-ok=(t(M::PatternOk)) data-checking=(t(M::PatternChecking)) {}
                div.row {
                    label { (t(M::Tlp)) select name="tlp" {
                        @for level in ["clear", "green", "amber", "amber+strict", "red"] {
                            option value=(level) selected[tlp == level] { "TLP:" (level.to_uppercase()) }
                        }
                    } }
                    (collection_select(lang, &collections, &form.collection))
                }
                button type="submit" { (t(M::Send)) }
            }
        }
        section.panel {
            h2 { (t(M::SubmitBundle)) }
            form #submit-bundle.keep method="post" action="/ui/submit/bundle" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::BundleJson)) textarea name="bundle" rows="8" required dir="ltr" spellcheck="false" {} }
                label { (t(M::BundleFile)) input #bundle-file type="file" accept=".json,application/json"; }
                (collection_select(lang, &collections, &form.collection))
                button type="submit" { (t(M::Send)) }
            }
        }
    };
    (
        status,
        shell(
            lang,
            Some(&user.session),
            Nav::Submit,
            t(M::Submit),
            "/ui/submit",
            body,
        ),
    )
        .into_response()
}

fn collection_select(lang: Lang, collections: &[(String, String)], chosen: &str) -> Markup {
    html! {
        label { (lang.t(M::Collection)) select name="collection" {
            @for (key, title) in collections {
                option value=(key) selected[chosen == key] { (title) }
            }
        } }
    }
}

fn outcome_notice(lang: Lang, outcome: &Outcome) -> Markup {
    match outcome {
        Outcome::None => html! {},
        Outcome::Refused(why) => html! { p.error role="alert" { (why) } },
        Outcome::Stored(status) => html! {
            div.notice role="status" {
                p { (lang.t(M::Stored)) ": " (status.successes.len()) " " (lang.t(M::StoredCount)) }
                ul {
                    @for s in status.successes.iter().take(50) {
                        li data-id=(s.id) { (value(&s.id)) }
                    }
                }
                @if !status.failures.is_empty() {
                    p.error { (lang.t(M::Failed)) ": " (status.failures.len()) }
                    ul.failures {
                        @for f in status.failures.iter().take(50) {
                            li { (value(&f.id)) ": " (f.message.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        },
    }
}

fn parse_collection(key: &str) -> Option<(String, Uuid)> {
    let (root, id) = key.rsplit_once('/')?;
    Some((root.to_owned(), id.parse().ok()?))
}

/// The indicator a form describes, as STIX JSON.
fn indicator_json(form: &IndicatorForm, author: Option<&str>) -> Result<String, String> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("the name must be 1 to {MAX_NAME_CHARS} characters"));
    }
    if form.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(format!(
            "the description must be at most {MAX_DESCRIPTION_CHARS} characters"
        ));
    }
    tanseeq_pattern::parse(form.pattern.trim(), tanseeq_pattern::StixVersion::V21).map_err(
        |e| {
            format!(
                "pattern, line {} column {}: {}",
                e.line, e.column, e.message
            )
        },
    )?;
    let tlp = Tlp::parse_name(&form.tlp).ok_or_else(|| format!("unknown TLP `{}`", form.tlp))?;
    let now = jiff::Timestamp::now()
        .round(jiff::Unit::Millisecond)
        .map_err(|e| e.to_string())?;
    let now = format!("{now:.3}");
    let mut object = serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--{}", Uuid::new_v4()),
        "created": now,
        "modified": now,
        "name": name,
        "pattern": form.pattern.trim(),
        "pattern_type": "stix",
        "valid_from": now,
        "object_marking_refs": [tlp.marking_id()],
    });
    if !form.description.trim().is_empty() {
        object["description"] = form.description.trim().into();
    }
    if let Some(author) = author {
        object["created_by_ref"] = author.into();
    }
    serde_json::to_string(&object).map_err(|e| e.to_string())
}

pub async fn indicator(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<IndicatorForm>,
) -> Response {
    let lang = user.lang;
    if !check_form(&headers, &user.session.csrf, Some(&form.csrf)) {
        return layout::form_refused(lang);
    }
    let Some((root, collection)) = parse_collection(&form.collection) else {
        return refused(
            &state,
            &user,
            &form,
            Ok(user.lang.t(M::ChooseCollection).into()),
        )
        .await;
    };
    let author = match state.node.store.organizations().await {
        Ok(orgs) => orgs
            .into_iter()
            .find(|o| o.id == user.session.caller.org_id)
            .map(|o| o.identity_id),
        Err(e) => return layout::service_error(lang, e.into()),
    };
    let json = match indicator_json(&form, author.as_deref()) {
        Ok(j) => j,
        Err(why) => {
            return refused(&state, &user, &form, Ok(why)).await;
        }
    };
    let raw = match RawValue::from_string(json) {
        Ok(r) => r,
        Err(e) => return layout::service_error(lang, ServiceError::Internal(e.to_string())),
    };
    match state
        .node
        .submit(&user.session.caller, &root, collection, [raw.as_ref()])
        .await
    {
        Ok(status) if status.failures.is_empty() => {
            render(
                &state,
                &user,
                &IndicatorForm::default(),
                Outcome::Stored(status),
                StatusCode::OK,
            )
            .await
        }
        Ok(status) => {
            let why = status
                .failures
                .first()
                .and_then(|f| f.message.clone())
                .unwrap_or_default();
            refused(&state, &user, &form, Ok(why)).await
        }
        Err(e) => refused(&state, &user, &form, Err(e)).await,
    }
}

pub async fn bundle(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<BundleForm>,
) -> Response {
    let lang = user.lang;
    if !check_form(&headers, &user.session.csrf, Some(&form.csrf)) {
        return layout::form_refused(lang);
    }
    let keep = IndicatorForm {
        collection: form.collection.clone(),
        ..IndicatorForm::default()
    };
    let Some((root, collection)) = parse_collection(&form.collection) else {
        return refused(
            &state,
            &user,
            &keep,
            Ok(user.lang.t(M::ChooseCollection).into()),
        )
        .await;
    };
    if form.bundle.len() > MAX_FORM_BUNDLE_BYTES {
        return render(
            &state,
            &user,
            &keep,
            Outcome::Refused(format!(
                "the bundle is larger than {MAX_FORM_BUNDLE_BYTES} bytes; use TAXII"
            )),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
    }
    let objects = match tanseeq_stix::bundle::envelope_objects(&form.bundle) {
        Ok(objects) => objects,
        Err(e) => {
            return refused(&state, &user, &keep, Ok(e.to_string())).await;
        }
    };
    match state
        .node
        .submit(&user.session.caller, &root, collection, objects)
        .await
    {
        Ok(status) => {
            render(
                &state,
                &user,
                &keep,
                Outcome::Stored(status),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => refused(&state, &user, &keep, Err(e)).await,
    }
}

#[derive(serde::Serialize)]
pub struct PatternCheck {
    ok: bool,
    message: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
}

/// The submit page's live validation: the pattern as the node's parser reads it.
pub async fn check_pattern(user: SignedIn, headers: HeaderMap, body: Bytes) -> Response {
    let token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if !check_form(&headers, &user.session.csrf, token) {
        return (StatusCode::FORBIDDEN, "missing or wrong CSRF token").into_response();
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return (StatusCode::BAD_REQUEST, "the pattern is not UTF-8").into_response();
    };
    let check = match tanseeq_pattern::parse(text.trim(), tanseeq_pattern::StixVersion::V21) {
        Ok(_) => PatternCheck {
            ok: true,
            message: None,
            line: None,
            column: None,
        },
        Err(e) => PatternCheck {
            ok: false,
            message: Some(e.message),
            line: Some(e.line),
            column: Some(e.column),
        },
    };
    Json(check).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pattern: &str, tlp: &str) -> IndicatorForm {
        IndicatorForm {
            name: "حملة تصيد".into(),
            description: "<script>x</script>".into(),
            pattern: pattern.into(),
            tlp: tlp.into(),
            ..IndicatorForm::default()
        }
    }

    #[test]
    fn a_valid_form_is_a_valid_indicator() {
        let json = indicator_json(
            &form("[ipv4-addr:value = '198.51.100.7']", "green"),
            Some("identity--0d8a5b2e-3f6b-4a52-9a83-5a3f0f8f6f11"),
        )
        .unwrap();
        let header = tanseeq_stix::validate_object(&json).expect("valid STIX");
        assert_eq!(header.object_type, "indicator");
        assert!(json.contains(Tlp::Green.marking_id()));
        assert!(json.contains("\\u003cscript") || json.contains("<script>"));
    }

    #[test]
    fn bad_forms_are_refused_with_a_reason() {
        assert!(
            indicator_json(&form("[ipv4-addr:value = ", "green"), None)
                .unwrap_err()
                .contains("pattern")
        );
        assert!(
            indicator_json(&form("[ipv4-addr:value = '1.2.3.4']", "purple"), None)
                .unwrap_err()
                .contains("TLP")
        );
        let mut nameless = form("[ipv4-addr:value = '1.2.3.4']", "red");
        nameless.name = "  ".into();
        assert!(indicator_json(&nameless, None).is_err());
    }
}

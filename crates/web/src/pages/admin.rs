//! Administration (node admins only; to anyone else the page does not exist): organizations,
//! users, API tokens and collections, through the same service calls as the CLI.

use crate::WebState;
use crate::auth::{CSRF_FIELD, SignedIn, check_form};
use crate::i18n::{Lang, M};
use crate::layout::{self, Nav, shell, value};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use tanseeq_service::ServiceError;
use tanseeq_store::Role;
use uuid::Uuid;

/// The API root new collections go into.
const DEFAULT_API_ROOT: &str = "api";

/// What the last action did, shown at the top.
enum Outcome {
    None,
    Done,
    Token(String),
    Refused(String),
}

pub async fn page(State(state): State<WebState>, user: SignedIn) -> Response {
    render(&state, &user, Outcome::None, StatusCode::OK).await
}

async fn render(
    state: &WebState,
    user: &SignedIn,
    outcome: Outcome,
    status: StatusCode,
) -> Response {
    let lang = user.lang;
    if user.session.caller.role != Role::Admin {
        return layout::not_found(lang);
    }
    match listing(state, user, outcome, status).await {
        Ok(r) => r,
        Err(e) => layout::service_error(lang, e),
    }
}

async fn listing(
    state: &WebState,
    user: &SignedIn,
    outcome: Outcome,
    status: StatusCode,
) -> Result<Response, ServiceError> {
    let lang = user.lang;
    let t = |m| lang.t(m);
    let store = &state.node.store;
    let organizations = store.organizations().await?;
    let local: Vec<_> = organizations
        .iter()
        .filter(|o| o.home_node.is_none())
        .collect();
    let org_name = |id: Uuid| {
        organizations
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    let users = store.users().await?;
    let mut tokens = Vec::new();
    for u in &users {
        for token in store.tokens_of_user(u.id).await? {
            tokens.push((u.name.clone(), token));
        }
    }
    let mut collections = Vec::new();
    for root in store.api_roots().await? {
        collections.extend(store.collections(&root.name).await?);
    }
    let csrf = &user.session.csrf;
    let body = html! {
        @match &outcome {
            Outcome::None => {}
            Outcome::Done => { p.notice role="status" { (t(M::Done)) } }
            Outcome::Token(secret) => { p.notice role="status" { (t(M::TokenShownOnce)) " " code dir="ltr" { (secret) } } }
            Outcome::Refused(why) => { p.error role="alert" { (why) } }
        }
        section.panel #admin-organizations {
            h2 { (t(M::Organizations)) }
            table {
                thead { tr { th { (t(M::Name)) } th { (t(M::HomeNode)) } th { (t(M::Created)) } } }
                tbody { @for org in &organizations { tr {
                    td { (value(&org.name)) }
                    td { @match org.home_node { Some(n) => { (value(&n.to_string())) } None => { (t(M::ThisNode)) } } }
                    td { (layout::time(lang, org.created)) }
                } } }
            }
            form.inline method="post" action="/ui/admin/organizations" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::Name)) input name="name" required dir="auto"; }
                button type="submit" { (t(M::Add)) }
            }
        }
        section.panel #admin-users {
            h2 { (t(M::Users)) }
            table {
                thead { tr { th { (t(M::UserName)) } th { (t(M::Organization)) } th { (t(M::Role)) } th { (t(M::Created)) } } }
                tbody { @for u in &users { tr {
                    td { (value(&u.name)) } td { (value(&org_name(u.org_id))) }
                    td { (u.role.as_str()) } td { (layout::time(lang, u.created)) }
                } } }
            }
            form.inline method="post" action="/ui/admin/users" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::UserName)) input name="name" required dir="auto"; }
                label { (t(M::Organization)) select name="organization" {
                    @for org in &local { option value=(org.name) { (org.name) } }
                } }
                label { (t(M::Role)) select name="role" {
                    @for role in Role::ALL { option value=(role.as_str()) selected[role == Role::Analyst] { (role.as_str()) } }
                } }
                label { (t(M::Password)) input name="password" type="password" required minlength="12" autocomplete="new-password"; }
                button type="submit" { (t(M::Add)) }
            }
        }
        section.panel #admin-tokens {
            h2 { (t(M::Tokens)) }
            table {
                thead { tr { th { (t(M::UserName)) } th { (t(M::Label)) } th { (t(M::Created)) } th {} } }
                tbody { @for (owner, token) in &tokens { tr {
                    td { (value(owner)) } td { (value(&token.label)) }
                    td { (layout::time(lang, token.created)) }
                    td {
                        @if token.revoked.is_some() { (t(M::Revoked)) } @else {
                            form.inline method="post" action="/ui/admin/tokens/revoke" {
                                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                input type="hidden" name="id" value=(token.id.to_string());
                                button type="submit" { (t(M::Revoke)) }
                            }
                        }
                    }
                } } }
            }
            form.inline method="post" action="/ui/admin/tokens" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::UserName)) select name="user" {
                    @for u in &users { option value=(u.name) { (u.name) } }
                } }
                label { (t(M::Label)) input name="label" required dir="auto"; }
                button type="submit" { (t(M::Create)) }
            }
        }
        section.panel #admin-collections {
            h2 { (t(M::Collections)) }
            table {
                thead { tr { th { (t(M::Title)) } th { (t(M::Id)) } th { (t(M::ReadBy)) } th { (t(M::WriteBy)) } } }
                tbody { @for c in &collections { tr {
                    td { (value(&c.title)) } td { (value(&c.id.to_string())) }
                    td { @for g in c.grants.iter().filter(|g| g.read) { (value(&org_name(g.org_id))) " " } }
                    td { @for g in c.grants.iter().filter(|g| g.write) { (value(&org_name(g.org_id))) " " } }
                } } }
            }
            form.inline method="post" action="/ui/admin/collections" {
                input type="hidden" name=(CSRF_FIELD) value=(csrf);
                label { (t(M::Title)) input name="title" required dir="auto"; }
                label { (t(M::ReadBy)) select name="read" multiple {
                    @for org in &organizations { option value=(org.id.to_string()) { (org.name) } }
                } }
                label { (t(M::WriteBy)) select name="write" multiple {
                    @for org in &local { option value=(org.id.to_string()) { (org.name) } }
                } }
                button type="submit" { (t(M::Create)) }
            }
        }
    };
    Ok((
        status,
        shell(
            lang,
            Some(&user.session),
            Nav::Admin,
            t(M::Admin),
            "/ui/admin",
            body,
        ),
    )
        .into_response())
}

/// Every admin form: the CSRF check, the admin check, the action, and the page again.
async fn act<F, Fut>(
    state: WebState,
    user: SignedIn,
    headers: &HeaderMap,
    csrf: &str,
    action: F,
) -> Response
where
    F: FnOnce(WebState) -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, ServiceError>>,
{
    let lang: Lang = user.lang;
    if user.session.caller.role != Role::Admin {
        return layout::not_found(lang);
    }
    if !check_form(headers, &user.session.csrf, Some(csrf)) {
        return layout::form_refused(lang);
    }
    match action(state.clone()).await {
        Ok(Some(secret)) => render(&state, &user, Outcome::Token(secret), StatusCode::OK).await,
        Ok(None) => render(&state, &user, Outcome::Done, StatusCode::OK).await,
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unavailable(_))) => {
            layout::service_error(lang, e)
        }
        Err(e) => {
            render(
                &state,
                &user,
                Outcome::Refused(e.to_string()),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct OrganizationForm {
    csrf: String,
    name: String,
}

pub async fn add_organization(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<OrganizationForm>,
) -> Response {
    act(state, user, &headers, &form.csrf.clone(), |s| async move {
        s.node
            .add_organization(form.name.trim())
            .await
            .map(|_| None)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    csrf: String,
    name: String,
    organization: String,
    role: String,
    password: String,
}

pub async fn add_user(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<UserForm>,
) -> Response {
    act(state, user, &headers, &form.csrf.clone(), |s| async move {
        let role = Role::parse(&form.role)
            .ok_or_else(|| ServiceError::BadRequest(format!("unknown role `{}`", form.role)))?;
        s.node
            .add_user(&form.organization, form.name.trim(), role, &form.password)
            .await
            .map(|_| None)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    csrf: String,
    user: String,
    label: String,
}

pub async fn create_token(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    act(state, user, &headers, &form.csrf.clone(), |s| async move {
        if form.label.trim().is_empty() {
            return Err(ServiceError::BadRequest("a token needs a label".into()));
        }
        s.node
            .create_token(&form.user, form.label.trim())
            .await
            .map(|(_, secret)| Some(secret))
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RevokeForm {
    csrf: String,
    id: String,
}

pub async fn revoke_token(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    act(state, user, &headers, &form.csrf.clone(), |s| async move {
        let id: Uuid = form
            .id
            .parse()
            .map_err(|_| ServiceError::BadRequest(format!("`{}` is not a token id", form.id)))?;
        s.node.revoke_token(id).await.map(|_| None)
    })
    .await
}

pub async fn add_collection(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    // `read` and `write` repeat (multiple selects), which a struct form cannot hold.
    let mut csrf = String::new();
    let mut title = String::new();
    let mut read = Vec::new();
    let mut write = Vec::new();
    let mut bad = None;
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "csrf" => csrf = value.into_owned(),
            "title" => title = value.into_owned(),
            "read" | "write" => match value.parse::<Uuid>() {
                Ok(id) if key == "read" => read.push(id),
                Ok(id) => write.push(id),
                Err(_) => bad = Some(format!("`{value}` is not an organization id")),
            },
            _ => {}
        }
    }
    act(state, user, &headers, &csrf, |s| async move {
        if let Some(bad) = bad {
            return Err(ServiceError::BadRequest(bad));
        }
        s.node
            .add_collection(DEFAULT_API_ROOT, &title, None, None, &read, &write)
            .await
            .map(|_| None)
    })
    .await
}

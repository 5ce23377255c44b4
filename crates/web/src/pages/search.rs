//! Search: words in Arabic or English (normalized like the index), or an exact observable
//! value, with filters by type, TLP, partner and date.

use crate::WebState;
use crate::auth::SignedIn;
use crate::i18n::{Lang, M};
use crate::layout::{self, Nav, rich_text, shell, tlp_badge, value};
use crate::pages::dashboard::object_href;
use crate::summary::Summary;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use tanseeq_service::ServiceError;
use tanseeq_service::search::{Matched, SearchHit, SearchRequest};
use tanseeq_stix::Tlp;

/// Results shown on one page.
pub const SEARCH_PAGE_RESULTS: usize = 100;
/// Characters of a description shown in a result.
const SNIPPET_CHARS: usize = 240;

/// Types offered in the type filter (any type can still be asked for in the URL).
const COMMON_TYPES: [&str; 14] = [
    "indicator",
    "malware",
    "threat-actor",
    "intrusion-set",
    "campaign",
    "attack-pattern",
    "vulnerability",
    "tool",
    "sighting",
    "report",
    "identity",
    "observed-data",
    "course-of-action",
    "relationship",
];

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SearchForm {
    q: String,
    #[serde(rename = "type")]
    object_type: String,
    tlp: String,
    partner: String,
    from: String,
    to: String,
}

fn day_start(text: &str) -> Result<Option<jiff::Timestamp>, ServiceError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let date: jiff::civil::Date = text
        .trim()
        .parse()
        .map_err(|_| ServiceError::BadRequest(format!("`{text}` is not a date (YYYY-MM-DD)")))?;
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| Some(z.timestamp()))
        .map_err(|_| ServiceError::BadRequest(format!("`{text}` is out of range")))
}

impl SearchForm {
    fn is_empty(&self) -> bool {
        self.q.trim().is_empty()
            && self.object_type.is_empty()
            && self.tlp.is_empty()
            && self.partner.is_empty()
            && self.from.is_empty()
            && self.to.is_empty()
    }

    fn request(&self) -> Result<SearchRequest, ServiceError> {
        let tlp = match self.tlp.as_str() {
            "" => None,
            name => Some(
                Tlp::parse_name(name)
                    .ok_or_else(|| ServiceError::BadRequest(format!("unknown TLP `{name}`")))?,
            ),
        };
        let partner = match self.partner.as_str() {
            "" => None,
            id => Some(
                id.parse()
                    .map_err(|_| ServiceError::BadRequest(format!("unknown partner `{id}`")))?,
            ),
        };
        let to = day_start(&self.to)?
            .map(|t| t.checked_add(jiff::SignedDuration::from_hours(24)))
            .transpose()
            .map_err(|_| ServiceError::BadRequest("the end date is out of range".into()))?;
        Ok(SearchRequest {
            query: self.q.clone(),
            types: if self.object_type.is_empty() {
                Vec::new()
            } else {
                vec![self.object_type.clone()]
            },
            tlp,
            partner,
            added_after: day_start(&self.from)?,
            added_before: to,
            limit: SEARCH_PAGE_RESULTS,
        })
    }
}

pub async fn page(
    State(state): State<WebState>,
    user: SignedIn,
    Query(form): Query<SearchForm>,
) -> Response {
    let lang = user.lang;
    let t = |m| lang.t(m);
    let partners = match state.node.store.organizations().await {
        Ok(orgs) => orgs,
        Err(e) => return layout::service_error(lang, e.into()),
    };
    let outcome = if form.is_empty() {
        None
    } else {
        match form.request() {
            Ok(request) => Some(state.node.search(&user.session.caller, request).await),
            Err(e) => Some(Err(e)),
        }
    };
    let outcome = match outcome {
        Some(Err(e @ (ServiceError::Internal(_) | ServiceError::Unavailable(_)))) => {
            return layout::service_error(lang, e);
        }
        other => other,
    };
    let next = format!(
        "/ui/search?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &form.q)
            .finish()
    );
    let body = html! {
        section.panel {
            h1 { (t(M::Search)) }
            form #search method="get" action="/ui/search" {
                input.query type="search" name="q" value=(form.q) dir="auto"
                    placeholder=(t(M::SearchPlaceholder)) aria-label=(t(M::Search)) autofocus;
                div.filters {
                    label { (t(M::Type)) select name="type" {
                        option value="" { (t(M::Any)) }
                        @for ty in COMMON_TYPES {
                            option value=(ty) selected[form.object_type == ty] { (ty) }
                        }
                    } }
                    label { (t(M::Tlp)) select name="tlp" {
                        option value="" { (t(M::Any)) }
                        @for tlp in ["clear", "green", "amber", "amber+strict", "red"] {
                            option value=(tlp) selected[form.tlp == tlp] { "TLP:" (tlp.to_uppercase()) }
                        }
                    } }
                    label { (t(M::Partner)) select name="partner" {
                        option value="" { (t(M::Any)) }
                        @for org in &partners {
                            @let id = org.id.to_string();
                            option value=(id) selected[form.partner == id] { (org.name) }
                        }
                    } }
                    label { (t(M::From)) input type="date" name="from" value=(form.from); }
                    label { (t(M::To)) input type="date" name="to" value=(form.to); }
                }
                button type="submit" { (t(M::SearchButton)) }
            }
        }
        @match &outcome {
            None => {}
            Some(Err(e)) => { p.error role="alert" { (e.to_string()) } }
            Some(Ok(hits)) if hits.is_empty() => { p #no-results.panel { (t(M::NoResults)) } }
            Some(Ok(hits)) => {
                section.panel {
                    h2 { (t(M::Results)) " (" (hits.len()) ")" }
                    ol #results { @for hit in hits { (result(lang, hit)) } }
                }
            }
        }
    };
    shell(
        lang,
        Some(&user.session),
        Nav::Search,
        t(M::Search),
        &next,
        body,
    )
    .into_response()
}

fn result(lang: Lang, hit: &SearchHit) -> Markup {
    let meta = &hit.record.meta;
    let href = object_href(&hit.api_root, &hit.collection.to_string(), &meta.id);
    let summary = Summary::of(hit.record.raw.as_deref());
    html! {
        li.hit data-id=(meta.id) {
            a.hit-link href=(href) { bdi { (rich_text(summary.name.as_deref().unwrap_or(&meta.id))) } }
            " "
            span.type { (meta.object_type) }
            " "
            (tlp_badge(lang, summary.tlp.map(|t| t.name())))
            " "
            @match &hit.matched {
                Matched::Observable(kind) => { span.matched { (lang.t(M::MatchedObservable)) " · " (kind.as_str()) } }
                Matched::Text => {}
            }
            " "
            (layout::time(lang, meta.date_added.to_timestamp()))
            @if let Some(d) = &summary.description {
                p.snippet { (rich_text(&snippet(d))) }
            }
            p.id { (value(&meta.id)) }
        }
    }
}

fn snippet(text: &str) -> String {
    if text.chars().count() <= SNIPPET_CHARS {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(SNIPPET_CHARS).collect();
    s.push('…');
    s
}

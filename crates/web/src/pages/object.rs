//! One object: every property, its relationships both ways (a list and a small graph), its
//! versions, markings, signed provenance and sightings.

use crate::WebState;
use crate::auth::SignedIn;
use crate::i18n::{Lang, M};
use crate::layout::{self, Nav, rich_text, shell, stix_time, tlp_badge, value};
use crate::pages::dashboard::object_href;
use crate::summary::Summary;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::Value;
use tanseeq_service::ServiceError;
use tanseeq_service::access::ReadRequest;
use tanseeq_service::search::SearchHit;
use tanseeq_stix::Tlp;
use tanseeq_store::{Fetch, ObjectFilter, VersionMatch};
use uuid::Uuid;

/// Versions listed at most.
const MAX_VERSIONS_SHOWN: usize = 1_000;
/// Relationships and sightings listed at most (each way).
const MAX_RELATED: usize = 200;
/// Neighbours drawn in the graph at most.
const MAX_GRAPH_NEIGHBOURS: usize = 24;

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct VersionQuery {
    version: Option<String>,
}

/// A neighbour in the graph: the relationship type, the other object, and the direction.
struct Edge {
    relationship_type: String,
    other: String,
    other_name: Option<String>,
    outgoing: bool,
    via: String,
}

pub async fn page(
    State(state): State<WebState>,
    user: SignedIn,
    Path((api_root, collection_id, object_id)): Path<(String, String, String)>,
    Query(query): Query<VersionQuery>,
) -> Response {
    let lang = user.lang;
    let caller = &user.session.caller;
    let Ok(collection) = collection_id.parse::<Uuid>() else {
        return layout::not_found(lang);
    };
    let versions = match state
        .node
        .read_objects(
            caller,
            &api_root,
            collection,
            ReadRequest {
                filter: ObjectFilter {
                    ids: vec![object_id.clone()],
                    versions: VersionMatch::all(),
                    ..ObjectFilter::default()
                },
                after: None,
                limit: Some(MAX_VERSIONS_SHOWN),
                fetch: Fetch::Objects,
            },
        )
        .await
    {
        Ok(page) => page.records,
        // A collection the user may not read hides its objects as well.
        Err(ServiceError::Forbidden(_)) => return layout::not_found(lang),
        Err(e) => return layout::service_error(lang, e),
    };
    let Some(latest) = versions
        .iter()
        .max_by(|a, b| a.meta.version.cmp(&b.meta.version))
    else {
        return layout::not_found(lang);
    };
    let shown = match &query.version {
        Some(v) => match versions.iter().find(|r| &r.meta.version_text == v) {
            Some(r) => r,
            None => return layout::not_found(lang),
        },
        None => latest,
    };
    let Some(object) = shown
        .raw
        .as_deref()
        .and_then(|raw| serde_json::from_str::<serde_json::Map<String, Value>>(raw).ok())
    else {
        return layout::service_error(
            lang,
            ServiceError::Internal(format!("stored object {object_id} is not a JSON object")),
        );
    };
    let related = match state
        .node
        .referencing(caller, &object_id, MAX_RELATED)
        .await
    {
        Ok(hits) => hits,
        Err(e) => return layout::service_error(lang, e),
    };
    let provenance = match state
        .node
        .provenance(caller, &api_root, collection, &object_id)
        .await
    {
        Ok(p) => p,
        Err(e) => return layout::service_error(lang, e),
    };
    let organizations = state.node.store.organizations().await.unwrap_or_default();
    // Signers by name: this node and the nodes of the federation it knows.
    let mut node_names: Vec<(String, String)> = state
        .node
        .known_nodes()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|k| (k.descriptor.id.to_string(), k.descriptor.name))
        .collect();
    if let Ok(Some(own)) = state.node.store.node().await {
        node_names.push((
            own.id.to_string(),
            format!("{} ({})", own.name, lang.t(M::ThisNode)),
        ));
    }
    let signer_name = |id: &str| {
        node_names
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_owned())
    };
    let org_name = |id: Uuid| {
        organizations
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.to_string())
    };

    let (mut edges, sightings) = edges_and_sightings(&object_id, &object, &related);
    // The neighbours' names, for those in this collection that the user may see.
    let neighbours: Vec<String> = edges.iter().map(|e| e.other.clone()).collect();
    if !neighbours.is_empty() {
        let named = state
            .node
            .read_objects(
                caller,
                &api_root,
                collection,
                ReadRequest {
                    filter: ObjectFilter {
                        ids: neighbours,
                        ..ObjectFilter::default()
                    },
                    after: None,
                    limit: Some(MAX_RELATED * 2),
                    fetch: Fetch::Objects,
                },
            )
            .await
            .map(|page| page.records)
            .unwrap_or_default();
        for edge in &mut edges {
            edge.other_name = named
                .iter()
                .find(|r| r.meta.id == edge.other)
                .and_then(|r| Summary::of(r.raw.as_deref()).name);
        }
    }
    let name = object
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&object_id)
        .to_owned();
    let markings: Vec<String> = object
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let tlp = Tlp::of_markings(markings.iter().map(String::as_str));
    let here = |id: &str| object_href(&api_root, &collection_id, id);
    let t = |m| lang.t(m);
    let body = html! {
        section.panel.object {
            h1 { bdi { (rich_text(&name)) } }
            p.meta {
                span.type { (shown.meta.object_type) } " "
                (tlp_badge(lang, tlp.map(Tlp::name))) " "
                (value(&object_id))
            }
            section #properties {
                h2 { (t(M::Properties)) }
                table.properties {
                    tbody {
                        @for (key, v) in &object {
                            tr { th { (key) } td { (property_value(lang, key, v, &here)) } }
                        }
                    }
                }
            }
            section #relationships {
                h2 { (t(M::Relationships)) }
                @if edges.is_empty() {
                    p.empty { (t(M::NoRelationships)) }
                } @else {
                    (graph(&name, &edges, &here))
                    ul.relationships {
                        @for edge in &edges {
                            li class=(if edge.outgoing { "outgoing" } else { "incoming" }) {
                                span.direction { (t(if edge.outgoing { M::Outgoing } else { M::Incoming })) }
                                " · "
                                a href=(here(&edge.via)) { (edge.relationship_type) }
                                " · "
                                a href=(here(&edge.other)) { bdi { (edge.other_name.as_deref().unwrap_or(&edge.other)) } }
                            }
                        }
                    }
                }
            }
            section #sightings {
                h2 { (t(M::Sightings)) }
                @if sightings.is_empty() {
                    p.empty { (t(M::NoSightings)) }
                } @else {
                    ul {
                        @for s in &sightings {
                            li {
                                a href=(here(&s.record.meta.id)) { (value(&s.record.meta.id)) }
                                " · " (org_name(s.record.meta.originator_org))
                                " · " (layout::time(lang, s.record.meta.date_added.to_timestamp()))
                                @if let Some(n) = sighting_count(s) { " · ×" (n) }
                            }
                        }
                    }
                }
            }
            section #versions {
                h2 { (t(M::Versions)) }
                table {
                    thead { tr { th { (t(M::Version)) } th { (t(M::Added)) } th { (t(M::Originator)) } } }
                    tbody {
                        @for r in &versions {
                            tr aria-current=[(r.meta.version_text == shown.meta.version_text).then_some("true")] {
                                td { a href=(format!("{}?version={}", here(&object_id),
                                    form_urlencoded::byte_serialize(r.meta.version_text.as_bytes()).collect::<String>())) {
                                    (stix_time(lang, &r.meta.version_text)) } }
                                td { (layout::time(lang, r.meta.date_added.to_timestamp())) }
                                td { bdi { (org_name(r.meta.originator_org)) } }
                            }
                        }
                    }
                }
            }
            section #markings {
                h2 { (t(M::Markings)) }
                ul {
                    @for m in &markings {
                        li {
                            @match Tlp::from_marking_id(m) {
                                Some(level) => { (tlp_badge(lang, Some(level.name()))) " " }
                                None => {}
                            }
                            (value(m))
                        }
                    }
                    @if markings.is_empty() { li { (tlp_badge(lang, None)) } }
                }
            }
            section #provenance {
                h2 { (t(M::Provenance)) }
                @for version in &provenance {
                    div.provenance {
                        h3 { (stix_time(lang, &version.version)) " · " bdi { (org_name(version.originator_org)) } }
                        @if version.signatures.is_empty() { p.empty { (t(M::Unsigned)) } }
                        ul {
                            @for sig in &version.signatures {
                                li {
                                    (t(M::SignedBy)) " " (value(&signer_name(&sig.signer))) " · "
                                    @match &sig.verification {
                                        Ok(_) => { span.verified { "✔ " (t(M::Verified)) } }
                                        Err(why) => { span.unverified { "✘ " (t(M::NotVerified)) ": " (why) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = object
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&object_id);
    shell(
        lang,
        Some(&user.session),
        Nav::None,
        title,
        &here(&object_id),
        body,
    )
    .into_response()
}

fn sighting_count(hit: &SearchHit) -> Option<u64> {
    hit.record
        .raw
        .as_deref()
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|v| v.get("count").and_then(Value::as_u64))
}

/// Relationships of the object both ways (its own refs when it is a relationship, and the
/// relationships naming it), and the sightings of it.
fn edges_and_sightings<'a>(
    id: &str,
    object: &serde_json::Map<String, Value>,
    related: &'a [SearchHit],
) -> (Vec<Edge>, Vec<&'a SearchHit>) {
    let mut edges = Vec::new();
    let mut sightings = Vec::new();
    if object.get("type").and_then(Value::as_str) == Some("relationship") {
        let rt = object
            .get("relationship_type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        for (key, outgoing) in [("target_ref", true), ("source_ref", false)] {
            if let Some(other) = object.get(key).and_then(Value::as_str) {
                edges.push(Edge {
                    relationship_type: rt.clone(),
                    other: other.to_owned(),
                    other_name: None,
                    outgoing,
                    via: id.to_owned(),
                });
            }
        }
    }
    for hit in related {
        let Some(v) = hit
            .record
            .raw
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        else {
            continue;
        };
        match hit.record.meta.object_type.as_str() {
            "relationship" => {
                let source = v.get("source_ref").and_then(Value::as_str).unwrap_or("");
                let target = v.get("target_ref").and_then(Value::as_str).unwrap_or("");
                let rt = v
                    .get("relationship_type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let (other, outgoing) = if source == id {
                    (target, true)
                } else if target == id {
                    (source, false)
                } else {
                    continue;
                };
                edges.push(Edge {
                    relationship_type: rt,
                    other: other.to_owned(),
                    other_name: None,
                    outgoing,
                    via: hit.record.meta.id.clone(),
                });
            }
            "sighting" if v.get("sighting_of_ref").and_then(Value::as_str) == Some(id) => {
                sightings.push(hit);
            }
            _ => {}
        }
    }
    (edges, sightings)
}

/// The object in the middle, its neighbours around it; every node links to its page.
fn graph(name: &str, edges: &[Edge], href: &impl Fn(&str) -> String) -> Markup {
    const SIZE: f64 = 360.0;
    const RADIUS: f64 = 130.0;
    let centre = SIZE / 2.0;
    let shown: Vec<&Edge> = edges.iter().take(MAX_GRAPH_NEIGHBOURS).collect();
    let step = std::f64::consts::TAU / shown.len().max(1) as f64;
    let point = |i: usize| {
        let angle = step * i as f64 - std::f64::consts::FRAC_PI_2;
        (centre + RADIUS * angle.cos(), centre + RADIUS * angle.sin())
    };
    html! {
        svg.graph #graph viewBox=(format!("0 0 {SIZE} {SIZE}")) role="img" {
            @for (i, edge) in shown.iter().enumerate() {
                @let (x, y) = point(i);
                line class=(if edge.outgoing { "edge outgoing" } else { "edge incoming" })
                    x1=(centre) y1=(centre) x2=(format!("{x:.1}")) y2=(format!("{y:.1}")) {}
            }
            circle.centre cx=(centre) cy=(centre) r="9" {}
            text.label x=(centre) y=(centre - 14.0) text-anchor="middle" { (short(name)) }
            @for (i, edge) in shown.iter().enumerate() {
                @let (x, y) = point(i);
                a href=(href(&edge.other)) {
                    title { (edge.relationship_type) " → " (edge.other) }
                    circle.neighbour cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7" {}
                    text.label x=(format!("{x:.1}")) y=(format!("{:.1}", y + 20.0)) text-anchor="middle" {
                        (short(edge.other_name.as_deref().unwrap_or_else(|| edge.other.split("--").next().unwrap_or(&edge.other))))
                    }
                }
            }
        }
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 28;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// A property's value: references link to their objects, times read as times, long text is
/// isolated per machine value, anything structured is shown as JSON text.
fn property_value(lang: Lang, key: &str, v: &Value, href: &impl Fn(&str) -> String) -> Markup {
    let is_ref = key.ends_with("_ref") || key.ends_with("_refs");
    match v {
        Value::String(s) if is_ref => html! { a href=(href(s)) { (value(s)) } },
        Value::Array(items) if is_ref => html! {
            ul.refs { @for item in items {
                li { @match item.as_str() {
                    Some(s) => { a href=(href(s)) { (value(s)) } }
                    None => { (value(&item.to_string())) }
                } }
            } }
        },
        Value::String(s)
            if matches!(
                key,
                "created"
                    | "modified"
                    | "valid_from"
                    | "valid_until"
                    | "first_seen"
                    | "last_seen"
                    | "first_observed"
                    | "last_observed"
            ) =>
        {
            stix_time(lang, s)
        }
        Value::String(s) if key == "pattern" => html! { code.pattern dir="ltr" { (s) } },
        // Prose takes its own direction (an English description on an Arabic page reads
        // left to right); short values stay in the page's alignment, isolated.
        Value::String(s) if s.contains(char::is_whitespace) && s.chars().count() > 40 => {
            html! { div.text dir="auto" { (rich_text(s)) } }
        }
        Value::String(s) => html! { bdi { (rich_text(s)) } },
        Value::Array(items) if items.iter().all(Value::is_string) => html! {
            ul.list { @for item in items { li { (value(item.as_str().unwrap_or(""))) } } }
        },
        Value::Number(_) | Value::Bool(_) | Value::Null => value(&v.to_string()),
        other => html! {
            pre.json dir="ltr" { (serde_json::to_string_pretty(other).unwrap_or_default()) }
        },
    }
}

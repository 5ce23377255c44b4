//! The dashboard: the live feed (pushed by Server-Sent Events, no reload), counts by partner,
//! TLP, type and day, and a chart of the last 30 days.

use crate::WebState;
use crate::auth::SignedIn;
use crate::i18n::{Lang, M, format_count, format_day};
use crate::layout::{self, Nav, rich_text, shell, tlp_badge, value};
use crate::summary::Summary;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use maud::{Markup, html};
use tanseeq_service::search::{SearchHit, SearchRequest};
use tanseeq_service::stream::{parse_position, position_now, position_text};

/// Days in the dashboard's chart and counts.
pub const DASHBOARD_DAYS: u32 = 30;
/// Items the feed starts with.
pub const FEED_START_ITEMS: usize = 25;

pub async fn page(State(state): State<WebState>, user: SignedIn) -> Response {
    let lang = user.lang;
    let caller = &user.session.caller;
    // The position is taken before reading, so the live feed resumes exactly here.
    let position = position_now();
    let activity = match state.node.activity(caller, DASHBOARD_DAYS).await {
        Ok(a) => a,
        Err(e) => return layout::service_error(lang, e),
    };
    let since = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(
            24 * i64::from(DASHBOARD_DAYS),
        ))
        .ok();
    let recent = match state
        .node
        .search(
            caller,
            SearchRequest {
                added_after: since,
                limit: FEED_START_ITEMS,
                ..SearchRequest::default()
            },
        )
        .await
    {
        Ok(hits) => hits,
        Err(e) => return layout::service_error(lang, e),
    };
    let t = |m| lang.t(m);
    let body = html! {
        div.dashboard {
            section.panel.feed-panel {
                h2 { (t(M::LiveFeed)) " " span #feed-state.state { (t(M::Disconnected)) } }
                p.hint { (t(M::LiveFeedHint)) }
                ul #feed
                    data-after=(position_text(position))
                    data-label-object=(t(M::KindObject))
                    data-label-sighting=(t(M::KindSighting))
                    data-label-partner=(t(M::KindPartner))
                    data-label-none=(t(M::NoTlp))
                    data-label-live=(t(M::Connected))
                    data-label-offline=(t(M::Disconnected)) {
                    @for hit in &recent { (feed_item(lang, hit)) }
                }
            }
            section.panel.counts {
                h2 { (t(M::Last30Days)) }
                p.total { (t(M::Total)) ": " strong #total { (format_count(activity.total)) } }
                h3 { (t(M::ObjectsPerDay)) }
                (chart(lang, &activity.days))
                div.breakdowns {
                    (breakdown(lang, "by-partner", M::ByPartner, M::Partner,
                        activity.by_partner.iter().map(|(_, name, n)| (value(name), *n))))
                    (breakdown(lang, "by-tlp", M::ByTlp, M::Tlp,
                        activity.by_tlp.iter().map(|(tlp, n)| (tlp_badge(lang, tlp.as_deref()), *n))))
                    (breakdown(lang, "by-type", M::ByType, M::Type,
                        activity.by_type.iter().map(|(ty, n)| (value(ty), *n))))
                }
            }
        }
    };
    shell(
        lang,
        Some(&user.session),
        Nav::Dashboard,
        t(M::Dashboard),
        "/ui",
        body,
    )
    .into_response()
}

/// One feed entry; the script builds the same markup for live events.
fn feed_item(lang: Lang, hit: &SearchHit) -> Markup {
    let meta = &hit.record.meta;
    let (kind, label) = if meta.origin_node.is_some() {
        ("partner", M::KindPartner)
    } else if meta.object_type == "sighting" {
        ("sighting", M::KindSighting)
    } else {
        ("object", M::KindObject)
    };
    let href = object_href(&hit.api_root, &hit.collection.to_string(), &meta.id);
    let summary = Summary::of(hit.record.raw.as_deref());
    html! {
        li class=(format!("feed-item kind-{kind}")) data-id=(meta.id) {
            span.kind { (lang.t(label)) }
            a href=(href) { bdi { (rich_text(summary.name.as_deref().unwrap_or(&meta.id))) } }
            span.type { (meta.object_type) }
            (tlp_badge(lang, summary.tlp.map(|t| t.name())))
            (layout::time(lang, meta.date_added.to_timestamp()))
        }
    }
}

/// The object page of an object.
pub fn object_href(api_root: &str, collection: &str, id: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/ui/object/{}/{}/{}",
        enc(api_root),
        enc(collection),
        enc(id)
    )
}

fn breakdown(
    lang: Lang,
    id: &str,
    title: M,
    column: M,
    rows: impl Iterator<Item = (Markup, u64)>,
) -> Markup {
    html! {
        table id=(id) {
            caption { (lang.t(title)) }
            thead { tr { th { (lang.t(column)) } th.num { (lang.t(M::Count)) } } }
            tbody {
                @for (label, n) in rows.take(12) {
                    tr { td { (label) } td.num { (format_count(n)) } }
                }
            }
        }
    }
}

/// Bars per day, oldest to newest in the reading direction (mirrored in Arabic).
fn chart(lang: Lang, days: &[(jiff::civil::Date, u64)]) -> Markup {
    const WIDTH: f64 = 600.0;
    // Room at both ends for the first and last day's labels.
    const INSET: f64 = 16.0;
    const HEIGHT: f64 = 150.0;
    const AXIS: f64 = 18.0;
    let max = days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - 2.0 * INSET) / days.len().max(1) as f64;
    let rtl = lang == Lang::Ar;
    html! {
        svg #chart viewBox=(format!("0 0 {WIDTH} {}", HEIGHT + AXIS)) role="img"
            aria-label=(lang.t(M::ObjectsPerDay)) preserveAspectRatio="none" {
            line.axis x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) {}
            @for (i, (day, n)) in days.iter().enumerate() {
                @let slot_index = if rtl { days.len() - 1 - i } else { i };
                @let x = INSET + slot_index as f64 * slot;
                @let h = (*n as f64 / max) * (HEIGHT - 4.0);
                g.bar {
                    title { (format_day(lang, *day)) ": " (format_count(*n)) }
                    rect x=(format!("{:.1}", x + slot * 0.15)) y=(format!("{:.1}", HEIGHT - h))
                        width=(format!("{:.1}", slot * 0.7)) height=(format!("{:.1}", h)) {}
                }
                // A label a week, the newest always; none crowding it.
                @if (i.is_multiple_of(7) && i + 4 <= days.len()) || i + 1 == days.len() {
                    text.day x=(format!("{:.1}", x + slot / 2.0)) y=(HEIGHT + AXIS - 4.0) text-anchor="middle" {
                        (day.day()) "/" (day.month())
                    }
                }
            }
        }
    }
}

/// The live feed for this page's script: the same events as `GET /api/v1/stream`, under the
/// session instead of API credentials.
pub async fn events(
    State(state): State<WebState>,
    user: SignedIn,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let mut after = None;
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        if key == "after" {
            after = parse_position(&value);
        }
    }
    if let Some(last) = headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        after = parse_position(last).or(after);
    }
    let position = after.unwrap_or_else(position_now);
    if let Err(e) = state
        .node
        .feed_after(&user.session.caller, position, 1)
        .await
    {
        return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
    }
    // The feed ends with the session; the browser's reconnection then meets a 401.
    let remaining = user
        .session
        .expires
        .duration_since(jiff::Timestamp::now())
        .unsigned_abs();
    let events =
        tanseeq_taxii::stream::live_events(state.node.clone(), user.session.caller, position)
            .take_until(tokio::time::sleep(remaining));
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(tanseeq_taxii::stream::STREAM_KEEP_ALIVE))
        .into_response()
}

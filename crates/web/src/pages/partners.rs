//! Partners: the peer nodes this node exchanges with — direction, last sync, lag, counters,
//! errors — and the partner organizations learned from them. Credentials are never shown.

use crate::WebState;
use crate::auth::SignedIn;
use crate::i18n::{Lang, M, format_count};
use crate::layout::{self, Nav, shell, stix_time, value};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

pub async fn page(State(state): State<WebState>, user: SignedIn) -> Response {
    let lang = user.lang;
    let t = |m| lang.t(m);
    let peers = match state.node.peers().await {
        Ok(p) => p,
        Err(e) => return layout::service_error(lang, e),
    };
    let organizations = match state.node.store.organizations().await {
        Ok(o) => o,
        Err(e) => return layout::service_error(lang, e.into()),
    };
    let now = jiff::Timestamp::now();
    let body = html! {
        section.panel {
            h1 { (t(M::Peers)) }
            @if peers.is_empty() {
                p.empty { (t(M::NoPeers)) }
            } @else {
                table #peers {
                    thead { tr {
                        th { (t(M::Name)) } th { (t(M::Url)) } th { (t(M::Direction)) }
                        th { (t(M::LastPull)) } th { (t(M::LastPush)) } th { (t(M::Lag)) }
                        th.num { (t(M::Received)) } th.num { (t(M::Sent)) } th.num { (t(M::Refused)) }
                        th.num { (t(M::Errors)) } th { (t(M::LastError)) }
                    } }
                    tbody {
                        @for (config, peer) in &peers {
                            tr data-peer=(config.name) class=[peer.last_error.as_ref().map(|_| "has-error")] {
                                td { (value(&config.name)) }
                                td { (value(&config.url)) }
                                td {
                                    @if config.pull { span.direction { "⇩ " (t(M::Pull)) } " " }
                                    @if config.push { span.direction { "⇧ " (t(M::Push)) } }
                                }
                                td { (optional_time(lang, peer.last_pull.as_deref())) }
                                td { (optional_time(lang, peer.last_push.as_deref())) }
                                td { (lag(lang, now, peer.last_in_step.as_deref())) }
                                td.num { (format_count(peer.received)) }
                                td.num { (format_count(peer.sent)) }
                                td.num { (format_count(peer.rejected)) }
                                td.num { (format_count(peer.errors)) }
                                td.error-text { @if let Some(e) = &peer.last_error { bdi { (e) } } }
                            }
                        }
                    }
                }
            }
        }
        section.panel {
            h2 { (t(M::PartnerOrganizations)) }
            table #organizations {
                thead { tr { th { (t(M::Organization)) } th { (t(M::HomeNode)) } } }
                tbody {
                    @for org in &organizations {
                        tr {
                            td { (value(&org.name)) }
                            td { @match org.home_node {
                                Some(node) => { (value(&node.to_string())) }
                                None => { (t(M::ThisNode)) }
                            } }
                        }
                    }
                }
            }
        }
    };
    shell(
        lang,
        Some(&user.session),
        Nav::Partners,
        t(M::Partners),
        "/ui/partners",
        body,
    )
    .into_response()
}

fn optional_time(lang: Lang, text: Option<&str>) -> Markup {
    match text {
        Some(text) => stix_time(lang, text),
        None => html! { span.never { (lang.t(M::Never)) } },
    }
}

/// How long since the peer was last in step with this node.
fn lag(lang: Lang, now: jiff::Timestamp, in_step: Option<&str>) -> Markup {
    let Some(at) = in_step.and_then(|t| t.parse::<jiff::Timestamp>().ok()) else {
        return html! { span.never { (lang.t(M::Never)) } };
    };
    let secs = now.duration_since(at).as_secs().max(0);
    let text = if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min", secs / 60)
    } else if secs < 86_400 {
        format!("{} h", secs / 3600)
    } else {
        format!("{} d", secs / 86_400)
    };
    html! { span.lag dir="ltr" { (text) } }
}

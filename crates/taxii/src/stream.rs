//! `GET /api/v1/stream`: the live feed as Server-Sent Events — every object version that
//! enters the node (local posts, imports, partners' objects, sightings), as the caller may see
//! it, pushed as it is committed. Each event's id is its feed position; a client that
//! reconnects with `Last-Event-ID` (or `?after=POSITION`) gets what it missed, on any process
//! serving the node. Without a position the feed starts now.

use crate::AppState;
use crate::auth::Authenticated;
use crate::error::ApiError;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use std::convert::Infallible;
use std::time::Duration;
use tanseeq_service::stream::{MAX_STREAM_BATCH, parse_position, position_now};

/// Without a commit in this process, the feed looks for others' commits this often.
pub const STREAM_POLL: Duration = Duration::from_millis(1_000);
/// A comment is sent this often on an idle stream, so proxies keep it open.
pub const STREAM_KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn stream(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let mut after = None;
    for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "after" => {
                after = Some(parse_position(&value).ok_or_else(|| {
                    ApiError::BadRequest(format!("`after`: `{value}` is not a feed position"))
                })?)
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{other}` (the stream takes `after`)"
                )));
            }
        }
    }
    if let Some(last) = headers.get("last-event-id") {
        let text = last
            .to_str()
            .map_err(|_| ApiError::BadRequest("Last-Event-ID is not text".into()))?;
        after = Some(parse_position(text).ok_or_else(|| {
            ApiError::BadRequest(format!("Last-Event-ID `{text}` is not a feed position"))
        })?);
    }
    // Fail now, not inside the stream, if the caller can read nothing at all.
    let position = after.unwrap_or_else(position_now);
    state.node.feed_after(&caller, position, 1).await?;
    Ok(Sse::new(live_events(state.node, caller, position))
        .keep_alive(KeepAlive::new().interval(STREAM_KEEP_ALIVE)))
}

/// The feed after `position` as the caller may see it, as Server-Sent Events, without end:
/// what `GET /api/v1/stream` sends, and what the operations room's pages subscribe to.
pub fn live_events(
    node: tanseeq_service::Node,
    caller: tanseeq_service::accounts::Caller,
    position: tanseeq_store::Cursor,
) -> impl futures_util::Stream<Item = Result<Event, Infallible>> + Send + 'static {
    let feed = Feed {
        commits: node.watch_commits(),
        node,
        caller,
        position,
        pending: Vec::new(),
    };
    futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next_event().await;
        Some((Ok::<Event, Infallible>(event), feed))
    })
}

/// One subscriber's place in the feed.
struct Feed {
    node: tanseeq_service::Node,
    caller: tanseeq_service::accounts::Caller,
    commits: tokio::sync::watch::Receiver<u64>,
    position: tanseeq_store::Cursor,
    /// Events read but not sent yet, the next one last.
    pending: Vec<Event>,
}

impl Feed {
    /// The next event, waiting for commits as long as there is none.
    async fn next_event(&mut self) -> Event {
        loop {
            if let Some(event) = self.pending.pop() {
                return event;
            }
            self.commits.mark_unchanged();
            match self
                .node
                .feed_after(&self.caller, self.position, MAX_STREAM_BATCH)
                .await
            {
                Ok(batch) if !batch.is_empty() => {
                    if let Some(last) = batch.last().and_then(|e| parse_position(&e.position)) {
                        self.position = last;
                    }
                    self.pending = batch
                        .into_iter()
                        .rev()
                        .map(|e| {
                            Event::default()
                                .id(e.position.clone())
                                .event(e.kind)
                                .json_data(&e)
                                .unwrap_or_else(|_| Event::default().comment("unencodable"))
                        })
                        .collect();
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("stream: reading the feed failed: {e}"),
            }
            tokio::select! {
                _ = self.commits.changed() => {}
                _ = tokio::time::sleep(STREAM_POLL) => {}
            }
        }
    }
}

//! The live feed: what entered the node, in commit order, as each caller may see it. One
//! position (`(date_added, seq)`, global to the node: both grow with every commit) lets a
//! client resume where it stopped, on any process serving the node.

use crate::accounts::Caller;
use crate::{Node, ServiceError};
use tanseeq_stix::Tlp;
use tanseeq_store::{Cursor, DateAdded, Fetch, ObjectFilter, ObjectQuery, VersionMatch};

/// Events per read of the feed at most.
pub const MAX_STREAM_BATCH: usize = 500;

/// One event of the feed: an object version that entered the node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedEvent {
    /// `object`, `sighting`, or `partner` (a version that came from a peer node).
    pub kind: &'static str,
    pub position: String,
    pub api_root: String,
    pub collection: String,
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: String,
    pub name: Option<String>,
    pub version: String,
    pub date_added: String,
    pub tlp: Option<&'static str>,
}

/// A feed position as text (`DATE_ADDED_MICROS-SEQ`), as in SSE event ids.
pub fn position_text(cursor: Cursor) -> String {
    format!("{}-{}", cursor.date_added.0, cursor.seq)
}

/// Reads a position given back by a client (`Last-Event-ID`).
pub fn parse_position(text: &str) -> Option<Cursor> {
    let (micros, seq) = text.trim().split_once('-')?;
    Some(Cursor {
        date_added: DateAdded(micros.parse().ok()?),
        seq: seq.parse().ok()?,
    })
}

/// The position of "now": a new subscriber without a position starts here.
pub fn position_now() -> Cursor {
    Cursor {
        date_added: DateAdded::from_timestamp(jiff::Timestamp::now()),
        seq: i64::MAX,
    }
}

impl Node {
    /// The next events after `after` in every collection the caller may read, in commit
    /// order, at most `limit`: each collection read through [`Node::read_objects`], so with
    /// the caller's visibility.
    pub async fn feed_after(
        &self,
        caller: &Caller,
        after: Cursor,
        limit: usize,
    ) -> Result<Vec<FeedEvent>, ServiceError> {
        let limit = limit.clamp(1, MAX_STREAM_BATCH);
        let mut events: Vec<(Cursor, FeedEvent)> = Vec::new();
        let directory = self.directory_for(caller.reader()).await?;
        for root in self.store.api_roots().await? {
            for (collection, access) in self.collections_for(caller, &root.name).await? {
                if !access.can_read {
                    continue;
                }
                let Some(visibility) = crate::access::visibility(caller, &collection, &directory)
                else {
                    continue;
                };
                let page = self
                    .store
                    .query_objects(&ObjectQuery {
                        collection_id: collection.id,
                        visibility,
                        filter: ObjectFilter {
                            versions: VersionMatch::all(),
                            ..ObjectFilter::default()
                        },
                        after: Some(after),
                        limit,
                        fetch: Fetch::Objects,
                    })
                    .await?;
                for record in page.records {
                    let raw = record.raw.as_deref().unwrap_or("");
                    #[derive(serde::Deserialize)]
                    struct Named {
                        name: Option<String>,
                        #[serde(default)]
                        object_marking_refs: Vec<String>,
                    }
                    let named: Option<Named> = serde_json::from_str(raw).ok();
                    let tlp = named.as_ref().and_then(|n| {
                        Tlp::of_markings(n.object_marking_refs.iter().map(String::as_str))
                    });
                    let meta = &record.meta;
                    let kind = if meta.origin_node.is_some() {
                        "partner"
                    } else if meta.object_type == "sighting" {
                        "sighting"
                    } else {
                        "object"
                    };
                    events.push((
                        meta.cursor(),
                        FeedEvent {
                            kind,
                            position: position_text(meta.cursor()),
                            api_root: root.name.clone(),
                            collection: collection.id.to_string(),
                            id: meta.id.clone(),
                            object_type: meta.object_type.clone(),
                            name: named.and_then(|n| n.name),
                            version: meta.version_text.clone(),
                            date_added: meta.date_added.to_string(),
                            tlp: tlp.map(Tlp::name),
                        },
                    ));
                }
            }
        }
        events.sort_by_key(|(cursor, _)| *cursor);
        events.truncate(limit);
        Ok(events.into_iter().map(|(_, e)| e).collect())
    }
}

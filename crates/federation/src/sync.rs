//! Sync rounds with one peer: handshake, pull, push.

use crate::FederationError;
use crate::client::PeerClient;
use std::time::Duration;
use tanseeq_service::Node;
use tanseeq_service::federation::{PeerConfig, PeerState};
use tanseeq_store::{Cursor, DateAdded};
use uuid::Uuid;

/// Objects asked for per pulled page.
pub const PULL_PAGE: usize = 1_000;
/// Versions posted per push request.
pub const PUSH_BATCH: usize = 1_000;
/// Without a commit to push, a peer is polled (pull, and commits by other processes) this
/// often.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The handshake is repeated this often (new organizations, keys, nodes learned by the peer),
/// and at once when this process learned something new from another peer.
pub const HANDSHAKE_EVERY: Duration = Duration::from_secs(5);
/// Retry delays after a failed round: from the first to the longest.
pub const BACKOFF_FIRST: Duration = Duration::from_millis(500);
pub const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// The pause after a peer answered 429 (it takes objects at a limited rate).
pub const THROTTLED_PAUSE: Duration = Duration::from_secs(1);
/// A pending status is polled at most this many times, this far apart.
const STATUS_POLLS: usize = 20;
const STATUS_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// What one sync round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub peer_node: Option<Uuid>,
    pub pulled: u64,
    pub pull_duplicates: u64,
    pub pull_refused: u64,
    pub pushed: u64,
    pub push_refused: u64,
}

/// Whether a refusal is for a signer the receiving node does not know (yet).
fn is_unknown_signer(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.contains("unknown signer"))
}

fn now_text() -> String {
    jiff::Timestamp::now().to_string()
}

/// The handshake: both nodes learn each other's descriptors; returns the peer's node id.
pub async fn handshake(
    node: &Node,
    peer: &PeerConfig,
    client: &PeerClient,
) -> Result<Uuid, FederationError> {
    let theirs = client.hello(&node.hello_message().await?).await?;
    let peer_node = node.learn_descriptors(peer, &theirs.descriptors).await?;
    node.learn_groups(&theirs.groups).await?;
    let mut state = node.peer_state(&peer.name).await?;
    match state.node_id {
        Some(bound) if bound != peer_node => {
            return Err(FederationError::Protocol(format!(
                "peer `{}` now claims to be node {peer_node}, but its key belongs to node {bound}",
                peer.name
            )));
        }
        Some(_) => {}
        None => {
            state.node_id = Some(peer_node);
            node.save_peer_state(&peer.name, &state).await?;
        }
    }
    Ok(peer_node)
}

/// Pulls every page the peer has for this node, cursor by cursor.
pub async fn pull(
    node: &Node,
    peer: &PeerConfig,
    client: &PeerClient,
    peer_node: Uuid,
    report: &mut SyncReport,
) -> Result<(), FederationError> {
    loop {
        let mut state = node.peer_state(&peer.name).await?;
        let page = client
            .get_objects(
                &peer.api_root,
                peer.remote_collection,
                state.pull_added_after.as_deref(),
                state.pull_next.as_deref(),
                PULL_PAGE,
            )
            .await?;
        if !page.objects.is_empty() {
            let mut received = node
                .receive(
                    peer_node,
                    None,
                    &peer.local_api_root,
                    peer.local_collection,
                    page.objects.clone(),
                    page.companions.clone(),
                )
                .await?;
            if received
                .refused
                .iter()
                .any(|r| is_unknown_signer(r.message.as_deref()))
            {
                // Signed by a node the peer learned of after our last handshake: learn it
                // too, then take the page once more.
                handshake(node, peer, client).await?;
                let again = node
                    .receive(
                        peer_node,
                        None,
                        &peer.local_api_root,
                        peer.local_collection,
                        page.objects,
                        page.companions,
                    )
                    .await?;
                received.stored += again.stored;
                received.refused = again.refused;
            }
            report.pulled += received.stored;
            report.pull_duplicates += received.duplicates;
            report.pull_refused += received.refused.len() as u64;
            state.received += received.stored;
            state.rejected += received.refused.len() as u64;
            if let Some(first) = received.refused.first() {
                let why = format!(
                    "refused {} {}: {}",
                    first.id,
                    first.version,
                    first.message.as_deref().unwrap_or("")
                );
                tracing::warn!(peer = %peer.name, refused = received.refused.len(), "pull: {why}");
                state.last_error = Some(why);
            }
        }
        // The cursor moves only now, after the page is committed.
        if let Some(last) = page.date_added_last {
            if DateAdded::parse(&last).is_none() {
                return Err(FederationError::Protocol(format!(
                    "peer `{}` sent an unreadable X-TAXII-Date-Added-Last `{last}`",
                    peer.name
                )));
            }
            state.pull_added_after = Some(last);
        }
        state.pull_next = page.next.clone();
        state.last_pull = Some(now_text());
        if !page.more {
            state.last_in_step = Some(now_text());
        }
        node.save_peer_state(&peer.name, &state).await?;
        if !page.more {
            return Ok(());
        }
    }
}

/// Pushes every local version the peer may receive and has not been sent.
pub async fn push(
    node: &Node,
    peer: &PeerConfig,
    client: &PeerClient,
    peer_node: Uuid,
    report: &mut SyncReport,
) -> Result<(), FederationError> {
    loop {
        let mut state = node.peer_state(&peer.name).await?;
        let after = state.push_after.map(|(date_added, seq)| Cursor {
            date_added: DateAdded(date_added),
            seq,
        });
        let (records, companions, last, more) =
            node.outgoing(peer, peer_node, after, PUSH_BATCH).await?;
        if !records.is_empty() {
            let objects: Vec<&str> = records
                .iter()
                .filter_map(|r| r.raw.as_deref())
                .chain(companions.iter().map(String::as_str))
                .collect();
            let mut outcome = client
                .post_objects(&peer.api_root, peer.remote_collection, &objects)
                .await?;
            if outcome
                .failures
                .iter()
                .any(|(_, _, message)| is_unknown_signer(Some(message)))
            {
                // The peer does not know a node whose signature we relay: tell it what we
                // know, then send the batch once more (what it stored is a duplicate now).
                handshake(node, peer, client).await?;
                outcome = client
                    .post_objects(&peer.api_root, peer.remote_collection, &objects)
                    .await?;
            }
            let mut state_text = outcome.state.clone();
            for _ in 0..STATUS_POLLS {
                if state_text != "pending" {
                    break;
                }
                tokio::time::sleep(STATUS_POLL_INTERVAL).await;
                state_text = client
                    .status_state(&peer.api_root, &outcome.status_id)
                    .await?;
            }
            report.pushed += outcome.success_count;
            report.push_refused += outcome.failures.len() as u64;
            state.sent += outcome.success_count;
            state.rejected += outcome.failures.len() as u64;
            if let Some((id, version, message)) = outcome.failures.first() {
                let why = format!("the peer refused {id} {version}: {message}");
                tracing::warn!(peer = %peer.name, refused = outcome.failures.len(), "push: {why}");
                state.last_error = Some(why);
            }
        }
        state.push_after = last.map(|c| (c.date_added.0, c.seq));
        state.last_push = Some(now_text());
        if !more {
            state.last_in_step = Some(now_text());
        }
        node.save_peer_state(&peer.name, &state).await?;
        if !more {
            return Ok(());
        }
    }
}

/// One whole round with a peer: handshake, then pull and push as configured.
pub async fn sync_once(node: &Node, peer: &PeerConfig) -> Result<SyncReport, FederationError> {
    let client = PeerClient::new(peer, node.signer().await?)?;
    let mut report = SyncReport::default();
    let peer_node = handshake(node, peer, &client).await?;
    report.peer_node = Some(peer_node);
    if peer.pull {
        pull(node, peer, &client, peer_node, &mut report).await?;
    }
    if peer.push {
        push(node, peer, &client, peer_node, &mut report).await?;
    }
    Ok(report)
}

async fn record_error(node: &Node, peer: &PeerConfig, error: &FederationError) {
    tracing::warn!(peer = %peer.name, "sync failed: {error}");
    let result = async {
        let mut state: PeerState = node.peer_state(&peer.name).await?;
        state.errors += 1;
        state.last_error = Some(format!("{}: {error}", now_text()));
        node.save_peer_state(&peer.name, &state).await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(peer = %peer.name, "could not record the sync error: {e}");
    }
}

/// Syncs with one peer for as long as it runs: a round at once, then after every local
/// commit (push) or poll interval; failures back off up to [`BACKOFF_MAX`].
pub async fn run_peer(node: Node, peer: PeerConfig) {
    if !peer.pull && !peer.push {
        return; // a peer that only calls this node
    }
    let client = match node.signer().await {
        Ok(signer) => match PeerClient::new(&peer, signer) {
            Ok(client) => client,
            Err(e) => {
                record_error(&node, &peer, &e).await;
                return;
            }
        },
        Err(e) => {
            record_error(&node, &peer, &e.into()).await;
            return;
        }
    };
    let mut commits = node.watch_commits();
    let mut backoff = BACKOFF_FIRST;
    let mut peer_node: Option<(Uuid, tokio::time::Instant, u64)> = None;
    loop {
        // Commits from now on wake the next round, even those during this one.
        commits.mark_unchanged();
        let round = async {
            let generation = node.directory_generation();
            let id = match peer_node {
                Some((id, at, seen)) if at.elapsed() < HANDSHAKE_EVERY && seen == generation => id,
                _ => {
                    let id = handshake(&node, &peer, &client).await?;
                    peer_node = Some((id, tokio::time::Instant::now(), generation));
                    id
                }
            };
            let mut report = SyncReport {
                peer_node: Some(id),
                ..SyncReport::default()
            };
            if peer.pull {
                pull(&node, &peer, &client, id, &mut report).await?;
            }
            if peer.push {
                push(&node, &peer, &client, id, &mut report).await?;
            }
            Ok::<SyncReport, FederationError>(report)
        };
        match round.await {
            Ok(report) => {
                backoff = BACKOFF_FIRST;
                if report.pulled + report.pushed > 0 {
                    tracing::info!(peer = %peer.name, pulled = report.pulled, pushed = report.pushed, "synced");
                }
                tokio::select! {
                    _ = commits.changed(), if peer.push => {}
                    _ = tokio::time::sleep(POLL_INTERVAL) => {}
                }
            }
            Err(FederationError::Refused { status: 429, .. }) => {
                // The peer's flood guard: slow down, no error to count.
                tokio::time::sleep(THROTTLED_PAUSE).await;
            }
            Err(e) => {
                record_error(&node, &peer, &e).await;
                peer_node = None;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

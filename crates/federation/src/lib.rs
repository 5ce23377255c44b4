//! Moving objects between peer nodes. For every configured peer a task runs sync rounds:
//! the handshake (node descriptors both ways), a pull (TAXII GET with a persisted
//! `added_after` cursor and `next` paging) and a push (new eligible versions posted as soon as
//! they are committed, with status polling). What may be sent and what is accepted is decided
//! by the service layer (`tanseeq_service::federation`); this crate only carries bytes.
//!
//! Architecture invariants:
//! - No access decisions here: every page sent comes from `Node::outgoing` (the audience rule
//!   for the peer node, then the peer's rules) and everything received goes through
//!   `Node::receive` (signature and authority checks).
//! - Outbound connections go only to configured peers' URLs ([`client::PeerClient`]).
//! - A cursor advances only after what it covers is committed: a restart resumes with no loss;
//!   repeats are harmless because versions are stored once per (id, version, originator).

pub mod client;
pub mod sync;

pub use sync::{SyncReport, run_peer, sync_once};

use std::collections::HashMap;
use std::time::Duration;
use tanseeq_service::Node;
use tokio::task::JoinHandle;

/// How often the supervisor looks for added, changed or removed peers.
pub const PEER_REFRESH: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// A peer's configuration cannot work (bad URL, missing CA, …).
    #[error("{0}")]
    Config(String),
    /// The peer could not be reached or did not answer in time.
    #[error("{0}")]
    Unreachable(String),
    /// The peer answered with an HTTP error.
    #[error("{message}")]
    Refused { status: u16, message: String },
    /// The peer answered something that is not what the protocol says.
    #[error("{0}")]
    Protocol(String),
    /// This node failed (its database, …).
    #[error("{0}")]
    Node(#[from] tanseeq_service::ServiceError),
}

/// Runs the sync tasks of every configured peer until the returned handle is aborted,
/// following changes to the peer list.
pub fn spawn(node: Node) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut running: HashMap<String, (String, JoinHandle<()>)> = HashMap::new();
        loop {
            match node.peers().await {
                Ok(peers) => {
                    let mut seen = Vec::new();
                    for (peer, _) in peers {
                        let fingerprint = serde_json::to_string(&peer).unwrap_or_default();
                        seen.push(peer.name.clone());
                        let current = running.get(&peer.name);
                        if current.is_some_and(|(f, task)| *f == fingerprint && !task.is_finished())
                        {
                            continue;
                        }
                        if let Some((_, task)) = running.remove(&peer.name) {
                            task.abort();
                        }
                        let task = tokio::spawn(run_peer(node.clone(), peer.clone()));
                        running.insert(peer.name.clone(), (fingerprint, task));
                    }
                    running.retain(|name, (_, task)| {
                        let keep = seen.contains(name);
                        if !keep {
                            task.abort();
                        }
                        keep
                    });
                }
                Err(e) => tracing::warn!("federation: reading the peers failed: {e}"),
            }
            tokio::time::sleep(PEER_REFRESH).await;
        }
    })
}

//! The node's rules, above storage and below any protocol: who a caller is
//! ([`accounts`]), what a caller may see and do ([`access`]), and how objects enter the node
//! ([`ingest`]), which indicators observables hit ([`matching`]), signed provenance of
//! object versions ([`provenance`]), moving a whole node between stores ([`copy`]), and the
//! operations room's search ([`search`]), activity counts ([`dashboard`]) and sign-in sessions
//! ([`sessions`]).
//!
//! Architecture invariants:
//! - [`access::visibility`] is the only place that decides which objects a caller may see.
//!   Every read goes through a `Visibility` it produced; no other code re-checks access.
//! - No HTTP here: errors are [`ServiceError`] values that the protocol layer maps once.

pub mod access;
pub mod accounts;
pub mod copy;
pub mod dashboard;
mod error;
pub mod federation;
pub mod ingest;
pub mod matching;
pub mod provenance;
pub mod search;
pub mod sessions;
pub mod stream;

pub use error::ServiceError;

use std::sync::Arc;
use tanseeq_store::Store;

/// Limits a node enforces; named so they can be advertised and tested.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body accepted, in bytes (TAXII `max_content_length`).
    pub max_content_length: usize,
    /// The largest page a read returns, whatever `limit` asks for.
    pub max_page_size: usize,
    /// The page size when `limit` is not given.
    pub default_page_size: usize,
    /// Objects a peer node may push per second (a sustained rate; twice as many may come in a
    /// burst). More is refused with 429 until the peer slows down.
    pub peer_objects_per_second: usize,
}

/// Default of [`Limits::max_content_length`]: 64 MiB.
pub const DEFAULT_MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;
/// Default of [`Limits::max_page_size`].
pub const DEFAULT_MAX_PAGE_SIZE: usize = 10_000;
/// Default of [`Limits::default_page_size`].
pub const DEFAULT_PAGE_SIZE: usize = 1_000;
/// Default of [`Limits::peer_objects_per_second`].
pub const DEFAULT_PEER_OBJECTS_PER_SECOND: usize = 100_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            default_page_size: DEFAULT_PAGE_SIZE,
            peer_objects_per_second: DEFAULT_PEER_OBJECTS_PER_SECOND,
        }
    }
}

/// A running node's shared state: the store, the authentication cache and the limits.
#[derive(Clone)]
pub struct Node {
    pub store: Arc<dyn Store>,
    pub limits: Limits,
    auth: Arc<accounts::AuthCache>,
    /// The indicator index for matching: a cache of the store, refreshed from it.
    matching: Arc<matching::MatchIndex>,
    /// The node's signer, loaded from the database on first use.
    signer: Arc<tokio::sync::OnceCell<Arc<tanseeq_provenance::NodeSigner>>>,
    /// Counts commits of objects through this process, so that pushing to peers starts at
    /// once (other processes' commits are found by polling).
    commits: Arc<tokio::sync::watch::Sender<u64>>,
    /// Changes whenever this process learns a node or organization, so that the other peers
    /// hear of it at their next round.
    directory_changes: Arc<tokio::sync::watch::Sender<u64>>,
    /// The sharing groups as last read, with when and at which directory generation: every
    /// request needs them, and they change rarely (see `Node::sharing_groups`).
    groups_cache: Arc<std::sync::Mutex<Option<federation::GroupsCache>>>,
    /// Per peer node: what it may still push now (a token bucket, per process).
    peer_budgets: Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, federation::Budget>>>,
    /// Recent failed sign-ins to the web interface, to slow guessing down (per process).
    sign_in_failures: Arc<std::sync::Mutex<sessions::SignInFailures>>,
}

impl Node {
    pub fn new(store: Arc<dyn Store>, limits: Limits) -> Self {
        Node {
            store,
            limits,
            auth: Arc::new(accounts::AuthCache::default()),
            matching: Arc::new(matching::MatchIndex::default()),
            signer: Arc::new(tokio::sync::OnceCell::new()),
            commits: Arc::new(tokio::sync::watch::Sender::new(0)),
            directory_changes: Arc::new(tokio::sync::watch::Sender::new(0)),
            peer_budgets: Arc::default(),
            groups_cache: Arc::default(),
            sign_in_failures: Arc::default(),
        }
    }

    /// How many times this process has learned something of the federation's directory.
    pub fn directory_generation(&self) -> u64 {
        *self.directory_changes.borrow()
    }

    pub(crate) fn directory_changed(&self) {
        self.directory_changes
            .send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Changes after every commit of objects through this process.
    pub fn watch_commits(&self) -> tokio::sync::watch::Receiver<u64> {
        self.commits.subscribe()
    }

    pub(crate) fn committed(&self) {
        self.commits.send_modify(|n| *n = n.wrapping_add(1));
    }
}

//! Storage for a tanseeq node: one trait, [`Store`], that every database backend implements, and
//! the plain data types that cross it.
//!
//! Architecture invariants:
//! - No SQL and no database crate here; backends live in their own crates (`tanseeq-store-sqlite`, …).
//! - The store never decides who may see what. Every object read takes a [`Visibility`], built
//!   by the service layer's one visibility function; the backend only translates it into its
//!   query language, and the conformance suite checks that translation against
//!   [`Visibility::admits`].
//! - Objects are stored as the raw JSON text they arrived in, never re-serialized.

mod activity;
mod error;
mod model;
mod query;
pub mod search;
mod visibility;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use activity::*;
pub use error::StoreError;
pub use model::*;
pub use query::*;
pub use search::{IpRange, ObservableKind, ObservableTerm, SearchFacts, SearchQuery, SearchRecord};
pub use visibility::{Audience, Marked, Visibility};

use async_trait::async_trait;
use uuid::Uuid;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything a node keeps. Implementations must be safe to share between request handlers and,
/// for server databases, between several processes on one database: nothing that matters may
/// live only in one process's memory.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name of the backend for logs and `node info` ("sqlite", "postgres").
    fn backend_name(&self) -> &'static str;

    // --- node ---------------------------------------------------------------------------
    /// Records the node's identity and signing key once, at `init`.
    async fn init_node(&self, node: &NodeRecord, secret: &NodeSecret) -> Result<()>;
    async fn node(&self) -> Result<Option<NodeRecord>>;
    /// The node's private signing key, for signing and for copying the node to another store.
    async fn node_secret(&self) -> Result<Option<NodeSecret>>;
    /// The schema version this build expects and the one the database has (migrations are
    /// applied when a store is opened).
    async fn schema_version(&self) -> Result<SchemaVersion>;

    // --- organizations, users, tokens -----------------------------------------------------
    async fn create_organization(&self, org: &Organization) -> Result<()>;
    async fn organizations(&self) -> Result<Vec<Organization>>;
    async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>>;
    /// The organization with this STIX identity id (`identity--…`), local or partner.
    async fn organization_by_identity(&self, identity_id: &str) -> Result<Option<Organization>>;

    async fn create_user(&self, user: &User) -> Result<()>;
    async fn users(&self) -> Result<Vec<User>>;
    async fn user_by_name(&self, name: &str) -> Result<Option<User>>;
    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>>;

    async fn create_token(&self, token: &ApiToken) -> Result<()>;
    /// The token with this SHA-256 hash (hex), if it exists and is not revoked.
    async fn active_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    async fn tokens_of_user(&self, user_id: Uuid) -> Result<Vec<ApiToken>>;
    /// Returns false when there was no such active token.
    async fn revoke_token(&self, token_id: Uuid, at: jiff::Timestamp) -> Result<bool>;

    // --- API roots and collections -----------------------------------------------------------
    async fn create_api_root(&self, root: &ApiRoot) -> Result<()>;
    async fn api_roots(&self) -> Result<Vec<ApiRoot>>;
    async fn create_collection(&self, collection: &Collection) -> Result<()>;
    async fn collections(&self, api_root: &str) -> Result<Vec<Collection>>;
    async fn collection(&self, api_root: &str, id: Uuid) -> Result<Option<Collection>>;

    // --- objects -----------------------------------------------------------------------------
    /// Stores a batch of validated objects and the status resource describing the whole
    /// request, in one transaction: when this returns `Ok`, everything reported `success` is
    /// durable. Each object's outcome is decided here (new version, duplicate of a stored
    /// version, or a conflicting different object under an existing version).
    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome>;

    /// One page of objects (or only their metadata) matching the query, in `date_added`
    /// order, restricted by the query's visibility.
    async fn query_objects(&self, query: &ObjectQuery) -> Result<ObjectPage>;

    /// Deletes the matching versions of one object from a collection, among those the
    /// visibility admits. Returns how many versions were removed.
    async fn delete_object(&self, delete: &ObjectDelete) -> Result<u64>;

    /// Object-version counts of a collection (all versions, regardless of visibility): for
    /// operators' tools, not for callers.
    async fn count_objects(&self, collection: Uuid) -> Result<u64>;

    // --- search ------------------------------------------------------------------------------
    /// The latest version each scope's visibility admits of every object that matches the
    /// query (text, observable and filters; see [`SearchQuery`]), newest first (by insertion
    /// order), raw JSON included, at most `limit`. A version is a hit only if it is the latest
    /// one the caller may see of its object and it matches: an object whose newest visible
    /// version no longer says what is searched is not found by its older text. A text without
    /// a word matches nothing.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchRecord>>;

    /// Indexes for search up to `limit` object versions stored before the store knew search
    /// (a database upgraded from an earlier schema); versions stored since are indexed at
    /// ingest. Returns how many were indexed: 0 when none are left. Safe to run from several
    /// processes at once.
    async fn index_pending(&self, limit: usize) -> Result<u64>;

    /// Object-version counts per (UTC day of `date_added`, type, TLP, originator, origin
    /// node) of the query's collections, from `since`'s day on, among the versions each
    /// collection's visibility admits. Read from aggregate rows kept up to date by every
    /// ingest and delete (see [`ActivityBucket`]), never from the objects; unknown
    /// collections count nothing. In no particular order.
    async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityCount>>;

    // --- signed provenance -----------------------------------------------------------------
    /// Stores signatures of object versions of a collection; one already stored for the same
    /// object, version and signer is kept as it is. An unknown collection is `NotFound`.
    async fn add_signatures(&self, collection: Uuid, signatures: &[StoredSignature]) -> Result<()>;
    /// Every stored signature of the versions of these objects in a collection, by object id,
    /// version, then signer (byte order). Callers read them only for versions the caller was
    /// allowed to read.
    async fn signatures_of(
        &self,
        collection: Uuid,
        object_ids: &[String],
    ) -> Result<Vec<StoredSignature>>;

    // --- federation records -----------------------------------------------------------------
    /// Stores a document under (kind, key). With [`Replace::IfHigherRank`] a stored document
    /// of the same or a higher rank is kept. Returns whether this one was stored.
    async fn put_document(&self, document: &Document, replace: Replace) -> Result<bool>;
    async fn document(&self, kind: &str, key: &str) -> Result<Option<Document>>;
    /// Every document of a kind, by key.
    async fn documents(&self, kind: &str) -> Result<Vec<Document>>;
    /// Returns false when there was none.
    async fn delete_document(&self, kind: &str, key: &str) -> Result<bool>;

    // --- status ------------------------------------------------------------------------------
    async fn status(&self, api_root: &str, id: Uuid) -> Result<Option<Status>>;
    /// Every status resource in id order, a page at a time (`after`: the last id of the
    /// previous page): for copying a store, not for callers.
    async fn statuses_page(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Status>>;
    /// Stores a status resource as it is (copying a store).
    async fn restore_status(&self, status: &Status) -> Result<()>;
}

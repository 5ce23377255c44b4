//! The records a store keeps, as plain data.

use std::fmt;
use tanseeq_stix::{ObjectHeader, StixTimestamp};
use uuid::Uuid;

/// The node itself: its id and the public half of its signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: Uuid,
    pub name: String,
    /// Ed25519 public key, base64 (standard alphabet).
    pub public_key: String,
    pub created: jiff::Timestamp,
}

/// The private half of the node's Ed25519 signing key, base64 (standard alphabet). It lives in
/// the database beside the node record, so that every process serving the node signs as the
/// node and moving the database moves the identity; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeSecret(pub String);

impl fmt::Debug for NodeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeSecret(…)")
    }
}

/// A node's signature over one object version (a provenance companion object, as JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSignature {
    pub object_id: String,
    /// The signed version, in sortable form ([`VersionKey::sortable`]).
    pub version: String,
    /// Who signed: a node id.
    pub signer: String,
    pub companion: String,
}

/// The schema version a build of tanseeq expects and the one a database has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    pub expected: usize,
    pub current: usize,
}

/// An organization (agency) with accounts on this node. Its STIX `identity` id is stable and
/// global: the same organization has the same identity on every node of the federation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    /// `identity--UUID`.
    pub identity_id: String,
    /// The node where the organization's accounts live: `None` for this node; a partner
    /// organization, learned from a peer, has its home node's id.
    pub home_node: Option<Uuid>,
    pub created: jiff::Timestamp,
}

impl Organization {
    /// Whether the organization's accounts are on this node.
    pub fn is_local(&self) -> bool {
        self.home_node.is_none()
    }
}

/// What a user may do, beyond the collection grants of the user's organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages the node's organizations, users, tokens and collections; reads and writes.
    Admin,
    /// Reads and writes.
    Analyst,
    /// Reads only.
    Reader,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Analyst, Role::Reader];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Reader => "reader",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    pub fn may_write(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub role: Role,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created: jiff::Timestamp,
}

/// A bearer API token. Only the SHA-256 hash of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub label: String,
    /// Lowercase hex SHA-256 of the token secret.
    pub token_hash: String,
    pub created: jiff::Timestamp,
    pub revoked: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoot {
    /// The URL path segment (`api`).
    pub name: String,
    pub title: String,
    pub description: Option<String>,
}

/// One organization's rights on one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub org_id: Uuid,
    pub read: bool,
    pub write: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: Uuid,
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub created: jiff::Timestamp,
    pub grants: Vec<Grant>,
}

impl Collection {
    pub fn grant_of(&self, org_id: Uuid) -> Option<&Grant> {
        self.grants.iter().find(|g| g.org_id == org_id)
    }
}

/// When the node first stored an object version, in microseconds since the Unix epoch (TAXII's
/// `date_added` has microsecond precision). Assigned by the store, increasing with every commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateAdded(pub i64);

impl DateAdded {
    pub fn from_timestamp(ts: jiff::Timestamp) -> Self {
        DateAdded(ts.as_microsecond())
    }

    pub fn to_timestamp(self) -> jiff::Timestamp {
        jiff::Timestamp::from_microsecond(self.0).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Parses a TAXII timestamp (as in `added_after`); precision beyond microseconds is cut.
    pub fn parse(text: &str) -> Option<Self> {
        StixTimestamp::parse(text)
            .ok()
            .map(|ts| Self::from_timestamp(ts.as_jiff()))
    }
}

impl fmt::Display for DateAdded {
    /// `2026-11-29T01:02:03.123456Z`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            self.to_timestamp().strftime("%Y-%m-%dT%H:%M:%S.%6fZ")
        )
    }
}

/// The TAXII version of an object version: its `modified` (else `created`) timestamp, or, for
/// an object with neither, the `date_added` of its first storage.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionKey {
    /// Fixed-width sortable form ([`StixTimestamp::sortable`]).
    pub sortable: String,
}

impl VersionKey {
    pub fn of(ts: &StixTimestamp) -> Self {
        VersionKey {
            sortable: ts.sortable(),
        }
    }

    pub fn of_date_added(date_added: DateAdded) -> Self {
        VersionKey::of(&StixTimestamp::from_jiff(date_added.to_timestamp()))
    }

    /// A version taken from `date_added` (an object with neither `modified` nor `created`),
    /// shown exactly as its `date_added` is: microseconds.
    pub fn display_as_date_added(&self) -> String {
        match (self.sortable.get(..19), self.sortable.get(20..26)) {
            (Some(head), Some(micros)) => format!("{head}.{micros}Z"),
            _ => self.display(),
        }
    }

    /// The version as TAXII shows it: RFC 3339 with the shortest fraction that keeps it exact
    /// (at least milliseconds).
    pub fn display(&self) -> String {
        // sortable: YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ
        let (head, rest) = self.sortable.split_at(self.sortable.len().min(20));
        let digits = rest.trim_end_matches('Z').trim_end_matches('0');
        let fraction = if digits.len() < 3 {
            format!("{digits:0<3}")
        } else {
            digits.to_string()
        };
        format!("{head}{fraction}Z")
    }
}

/// One validated object, ready to store.
#[derive(Debug, Clone)]
pub struct NewObject {
    pub header: ObjectHeader,
    /// The object's JSON text exactly as received.
    pub raw: String,
    /// Whether only the originator may see it (TLP:RED, TLP:AMBER+STRICT), as decided by the
    /// service layer's marking rules.
    pub restricted: bool,
    /// The sharing groups (marking-definition ids) the object is marked with; empty: none.
    pub groups: Vec<String>,
    /// An organization the object is addressed to besides its audience (the originator of the
    /// indicator a sighting is about).
    pub addressee_org: Option<Uuid>,
    /// The originator when it is not the batch's poster (an object received from a peer,
    /// authored by an organization of another node).
    pub originator_org: Option<Uuid>,
    /// The peer node the version came from; `None`: entered through this node.
    pub origin_node: Option<Uuid>,
}

impl NewObject {
    /// A local object of the batch's poster, without sharing groups.
    pub fn new(header: ObjectHeader, raw: String, restricted: bool) -> Self {
        NewObject {
            header,
            raw,
            restricted,
            groups: Vec::new(),
            addressee_org: None,
            originator_org: None,
            origin_node: None,
        }
    }
}

/// Why one object of a request was not stored, or that it was. Backends keep lists of these
/// as JSON ([`StatusDetail::list_to_json`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusDetail {
    pub id: String,
    /// The version as shown to clients (may be empty when the object had no usable version).
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl StatusDetail {
    pub fn new(id: &str, version: String, message: Option<String>) -> Self {
        StatusDetail {
            id: id.to_owned(),
            version,
            message,
        }
    }

    /// The JSON form every backend stores a status's lists in.
    pub fn list_to_json(details: &[StatusDetail]) -> String {
        serde_json::to_string(details).unwrap_or_else(|_| "[]".into())
    }

    pub fn list_from_json(text: &str) -> Result<Vec<StatusDetail>, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Whether two JSON texts are the same object once parsed: a re-post that differs from the
/// stored version only in whitespace or key order is a duplicate, not a conflict. Backends call
/// it only when the bytes differ.
pub fn same_json(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusState {
    Pending,
    Complete,
}

impl StatusState {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusState::Pending => "pending",
            StatusState::Complete => "complete",
        }
    }
}

/// A TAXII status resource: the outcome of one POST of objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub id: Uuid,
    pub api_root: String,
    pub collection_id: Uuid,
    /// The organization that made the request; only it may read the status.
    pub owner_org: Uuid,
    pub state: StatusState,
    pub request_timestamp: DateAdded,
    pub successes: Vec<StatusDetail>,
    pub failures: Vec<StatusDetail>,
    pub pendings: Vec<StatusDetail>,
}

impl Status {
    pub fn total_count(&self) -> usize {
        self.successes.len() + self.failures.len() + self.pendings.len()
    }
}

/// A request to store objects: the validated ones, and those refused at the door (which only
/// go into the status).
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub status_id: Uuid,
    pub api_root: String,
    pub collection_id: Uuid,
    /// The authenticated organization that submitted the objects (the status's owner, and the
    /// originator of every object that names none).
    pub originator_org: Uuid,
    /// What the poster may see: stored versions outside it never make a post a duplicate or a
    /// conflict, which would reveal that they exist.
    pub poster: crate::Visibility,
    pub request_timestamp: DateAdded,
    pub objects: Vec<NewObject>,
    /// Objects that failed validation, in the order received, with the reason.
    pub rejected: Vec<StatusDetail>,
    /// Whether to store the status resource, for a client to read later (TAXII POST). A bulk
    /// import reports its outcome directly and keeps none: thousands of unreadable statuses
    /// would only grow the database.
    pub keep_status: bool,
    /// Set only when one store is copied into another (`tanseeq migrate --from --to`): the
    /// place the source store gave these objects, kept so that `added_after` values and paging
    /// cursors handed out before the move stay valid after it. `None`: assigned at commit.
    pub replica: Option<ReplicaPlacement>,
}

/// Where a copied batch goes in the target store's order: the source's `date_added` of the
/// batch and the sequence number of each object (one per object, in order). Only for a target
/// that nobody else writes to while it is filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaPlacement {
    pub date_added: DateAdded,
    pub seqs: Vec<i64>,
}

/// What an ingest did: the status resource, and how many successes were new versions and how
/// many were versions already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestOutcome {
    pub status: Status,
    pub stored: u64,
    pub duplicates: u64,
}

/// A small named record the federation keeps (peers, known nodes, sharing groups): a JSON body
/// under (kind, key), with a rank that orders revisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: String,
    pub key: String,
    /// Orders revisions of one document (a sharing group's revision number); see [`Replace`].
    pub rank: i64,
    /// JSON text.
    pub body: String,
}

/// When [`crate::Store::put_document`] replaces a stored document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Always (a peer's configuration and state).
    Always,
    /// Only with a higher rank: concurrent writers of revisions never go backwards.
    IfHigherRank,
}

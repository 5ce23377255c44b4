//! The federation's rules on this node: which nodes and organizations exist, sharing groups,
//! peers, requests signed by peer nodes, what a peer is sent, and what is accepted from one.
//!
//! Moving bytes between nodes (HTTP clients, pull and push loops) is the `tanseeq-federation`
//! crate's; everything here is decided without a network.
//!
//! Trust: a peer is configured by the operator with its public key. A peer's node descriptor
//! (its id, key and organizations) is self-signed; descriptors of nodes further away arrive
//! through peers and are accepted on first sight (an id already known with another key is
//! refused). An object version from a peer is accepted only with a valid signature by the
//! home node of the organization that signature names as its originator.

use crate::access::{Directory, Reader, audience};
use crate::accounts::Caller;
use crate::{Node, ServiceError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tanseeq_provenance::{Attestation, NodeSigner, Verified};
use tanseeq_stix::{StixTimestamp, Tlp, validate_object};
use tanseeq_store::{
    Audience, Cursor, DateAdded, Document, Fetch, IngestBatch, NewObject, ObjectFilter,
    ObjectQuery, ObjectRecord, Organization, Replace, Status, StatusDetail, StoredSignature,
    VersionKey, VersionMatch, Visibility,
};
use uuid::Uuid;

/// Document kinds kept in the store.
pub const KIND_NODE: &str = "node";
pub const KIND_PEER: &str = "peer";
pub const KIND_PEER_STATE: &str = "peer-state";
/// What a peer delivered by pushing (kept apart from the sync loop's own state, which
/// another task writes).
pub const KIND_PEER_INBOUND: &str = "peer-inbound";
pub const KIND_SHARING_GROUP: &str = "sharing-group";
pub const KIND_COLLECTION_SETTINGS: &str = "collection-settings";

/// The property extension that makes a marking-definition a sharing group (a UUIDv5 of
/// `https://tanseeq.example/stix/extensions/sharing-group` in the URL namespace).
pub const SHARING_GROUP_EXTENSION_ID: &str =
    "extension-definition--d5779836-7b5b-51a4-a298-380cc52fc33f";

/// The type of a deletion notice: written when an originator deletes versions of its own
/// object, federated like any object, and applied by every node that receives it.
pub const TOMBSTONE_TYPE: &str = "tanseeq-tombstone";
/// The new-SDO extension that defines [`TOMBSTONE_TYPE`] (a UUIDv5 of
/// `https://tanseeq.example/stix/extensions/tombstone` in the URL namespace).
pub const TOMBSTONE_EXTENSION_ID: &str =
    "extension-definition--d4bcc18e-ffdd-5379-b5a3-f53ce7fe20d8";

/// The header a peer node signs its requests with.
pub const NODE_HEADER: &str = "tanseeq-node";
/// How far a signed request's time may be from ours, in seconds.
pub const REQUEST_CLOCK_SKEW_SECONDS: i64 = 300;
/// The most node descriptors a peer may hand over at once.
pub const MAX_DESCRIPTORS: usize = 1_000;
/// The most organizations one node descriptor may list.
pub const MAX_DESCRIPTOR_ORGS: usize = 10_000;

// ============================================================================================
// Sharing groups
// ============================================================================================

/// The current revision of a sharing group: a named set of organizations (identity ids),
/// changed only by its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingGroup {
    /// The marking-definition id.
    pub id: String,
    pub name: String,
    /// The owner organization's identity id.
    pub owner: String,
    /// Member identity ids (the owner is always a member).
    pub members: Vec<String>,
    pub revision: i64,
    /// The marking-definition of this revision, as published, and its owner node's signed
    /// companion: what the handshake hands to peers, so that every node can apply the
    /// audience rule for the group (relays included) without holding objects it may not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<GroupDefinition>,
}

/// A sharing group's marking-definition with its owner node's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDefinition {
    pub object: String,
    pub companion: String,
}

impl SharingGroup {
    /// Reads a sharing group from a marking-definition carrying the extension; `Ok(None)` for
    /// any other object.
    pub fn from_object(raw: &str) -> Result<Option<SharingGroup>, String> {
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("type").and_then(|t| t.as_str()) != Some("marking-definition") {
            return Ok(None);
        }
        let Some(ext) = value
            .get("extensions")
            .and_then(|e| e.get(SHARING_GROUP_EXTENSION_ID))
        else {
            return Ok(None);
        };
        let text = |v: Option<&serde_json::Value>, what: &str| {
            v.and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| format!("a sharing group needs `{what}` (a string)"))
        };
        let id = text(value.get("id"), "id")?;
        let owner = text(ext.get("owner_ref"), "owner_ref")?;
        let name = text(value.get("name").or(ext.get("name")), "name")?;
        let revision = ext
            .get("revision")
            .and_then(|r| r.as_i64())
            .filter(|r| *r >= 1)
            .ok_or("a sharing group needs `revision`, a whole number from 1")?;
        let mut members: Vec<String> = ext
            .get("member_refs")
            .and_then(|m| m.as_array())
            .ok_or("a sharing group needs `member_refs`, a list of identity ids")?
            .iter()
            .map(|m| {
                m.as_str()
                    .filter(|m| m.starts_with("identity--"))
                    .map(str::to_owned)
                    .ok_or_else(|| "`member_refs` must hold identity ids".to_owned())
            })
            .collect::<Result<_, _>>()?;
        if !owner.starts_with("identity--") {
            return Err("`owner_ref` must be an identity id".into());
        }
        if !members.contains(&owner) {
            members.push(owner.clone());
        }
        members.sort();
        members.dedup();
        Ok(Some(SharingGroup {
            id,
            name,
            owner,
            members,
            revision,
            definition: None,
        }))
    }

    /// The marking-definition of this revision (STIX 2.1; a marking-definition has no
    /// `modified`, so each revision is a new `created` under the same id).
    pub fn to_object(&self, created: &StixTimestamp) -> String {
        serde_json::json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.id,
            "created": created.to_millis_string(),
            "created_by_ref": self.owner,
            "name": self.name,
            "extensions": {
                SHARING_GROUP_EXTENSION_ID: {
                    "extension_type": "property-extension",
                    "owner_ref": self.owner,
                    "member_refs": self.members,
                    "revision": self.revision,
                }
            }
        })
        .to_string()
    }
}

// ============================================================================================
// Nodes and peers
// ============================================================================================

/// An organization as a node describes it to others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DescribedOrg {
    pub identity_id: String,
    pub name: String,
}

/// What a node says about itself, signed with its own key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDescriptor {
    pub id: Uuid,
    pub name: String,
    /// Ed25519 public key, base64.
    pub public_key: String,
    pub organizations: Vec<DescribedOrg>,
    /// RFC 3339.
    pub issued: String,
    /// Over the canonical JSON of every other field.
    pub signature: String,
}

impl NodeDescriptor {
    /// A descriptor of the signer's node, issued now and signed with its key.
    pub fn new_signed(
        signer: &NodeSigner,
        id: Uuid,
        name: String,
        organizations: Vec<DescribedOrg>,
    ) -> NodeDescriptor {
        let mut descriptor = NodeDescriptor {
            id,
            name,
            public_key: signer.public_key_base64(),
            organizations,
            issued: jiff::Timestamp::now().to_string(),
            signature: String::new(),
        };
        descriptor.signature =
            tanseeq_provenance::sign_message(signer, descriptor.signed_text().as_bytes());
        descriptor
    }

    fn signed_text(&self) -> String {
        let unsigned = serde_json::json!({
            "id": self.id,
            "name": self.name,
            "public_key": self.public_key,
            "organizations": self.organizations,
            "issued": self.issued,
        });
        tanseeq_provenance::canonicalize(&unsigned.to_string()).unwrap_or_default()
    }

    /// Whether the descriptor is signed by the key it names.
    pub fn self_signed(&self) -> bool {
        tanseeq_provenance::public_key_from_base64(&self.public_key).is_ok_and(|key| {
            tanseeq_provenance::verify_message(&key, self.signed_text().as_bytes(), &self.signature)
        })
    }
}

/// The body of the federation handshake, both ways: self-signed node descriptors.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub descriptors: Vec<NodeDescriptor>,
    /// Every sharing group the sender knows, signed by its owner's node.
    #[serde(default)]
    pub groups: Vec<GroupDefinition>,
}

/// A node this node knows: a peer, or a node further away learned through a peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownNode {
    pub descriptor: NodeDescriptor,
    /// The peer it was learned through; `None` when it is a configured peer itself.
    pub learned_from: Option<String>,
}

/// How to reach a peer and what it may receive. Kept as a document of kind `peer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerConfig {
    pub name: String,
    /// The peer's base URL (`https://host:port`).
    pub url: String,
    pub api_root: String,
    /// The collection on the peer.
    pub remote_collection: Uuid,
    /// The API root and collection here that pulled objects go into and pushed objects come
    /// from.
    pub local_api_root: String,
    pub local_collection: Uuid,
    /// `USER:PASSWORD` or a bearer token, for the peer's API.
    pub credentials: Credentials,
    /// The peer node's Ed25519 public key, base64.
    pub public_key: String,
    pub pull: bool,
    pub push: bool,
    /// PEM of the CA (or self-signed certificate) the peer's TLS certificate must chain to.
    #[serde(default)]
    pub ca_pem: Option<String>,
    /// PEM of the client certificate and key presented to the peer (mutual TLS).
    #[serde(default)]
    pub client_cert_pem: Option<String>,
    #[serde(default)]
    pub client_key_pem: Option<String>,
    #[serde(default)]
    pub rules: PeerRules,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Credentials {
    Basic { user: String, password: String },
    Token(String),
}

/// What a peer may receive beyond the audience rule (which always applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerRules {
    /// The highest TLP the peer may receive (`clear`, `green`, `amber`, `amber+strict`, `red`);
    /// `None`: no limit beyond the audience rule.
    pub max_tlp: Option<String>,
    /// Only these object types, when not empty.
    pub allow_types: Vec<String>,
    pub deny_types: Vec<String>,
    /// Only objects of these originators (identity ids), when not empty.
    pub allow_originators: Vec<String>,
    pub deny_originators: Vec<String>,
    /// This node's own sightings reach the peer without saying who made them: no
    /// `created_by_ref` or `where_sighted_refs`, a derived id, and the node's anonymous
    /// identity as originator.
    #[serde(default)]
    pub anonymize_sightings: bool,
}

/// A peer's synchronization state. Kept as a document of kind `peer-state`, apart from the
/// configuration, so that progress never overwrites an operator's change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerState {
    /// The peer node's id, once known.
    pub node_id: Option<Uuid>,
    /// Pull: the `added_after` of the next request (the peer's `date_added`, as text).
    pub pull_added_after: Option<String>,
    /// Pull: a `next` token of an unfinished page chain.
    pub pull_next: Option<String>,
    /// Push: the last local version sent (date_added µs, seq).
    pub push_after: Option<(i64, i64)>,
    pub last_pull: Option<String>,
    pub last_push: Option<String>,
    /// When the peer was last in step: nothing left to pull or push.
    pub last_in_step: Option<String>,
    pub received: u64,
    pub sent: u64,
    pub rejected: u64,
    pub errors: u64,
    pub last_error: Option<String>,
}

/// What a peer delivered by pushing to this node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerInbound {
    pub last_push: Option<String>,
    pub received: u64,
    pub refused: u64,
    pub last_refusal: Option<String>,
}

/// Settings of a collection. Kept as a document of kind `collection-settings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionSettings {
    /// The TLP applied to objects that carry none.
    pub default_tlp: Option<String>,
}

fn to_json<T: Serialize>(value: &T) -> Result<String, ServiceError> {
    serde_json::to_string(value).map_err(|e| ServiceError::Internal(e.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text).map_err(|e| ServiceError::Internal(format!("stored {what}: {e}")))
}

/// The message a peer node signs for one request.
pub fn request_message(node: Uuid, key_id: &str, unix: i64, method: &str, path: &str) -> String {
    format!("tanseeq-node-request\n{node}\n{key_id}\n{unix}\n{method}\n{path}")
}

/// The `tanseeq-node` header value for a request signed by this node.
pub fn sign_request(signer: &NodeSigner, method: &str, path_and_query: &str) -> String {
    let unix = jiff::Timestamp::now().as_second();
    let node = signer.signer();
    let key_id = signer.key_id();
    let message = request_message(
        node.parse().unwrap_or_default(),
        &key_id,
        unix,
        method,
        path_and_query,
    );
    let signature = tanseeq_provenance::sign_message(signer, message.as_bytes());
    format!("node={node}, key={key_id}, time={unix}, sig={signature}")
}

/// Why an object from a peer was refused (each is logged and counted on the peer).
fn refuse(id: &str, version: String, why: impl Into<String>) -> StatusDetail {
    StatusDetail::new(id, version, Some(why.into()))
}

/// How long a process serves sharing groups from memory before reading them again.
pub const GROUPS_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The sharing groups as a process last read them.
#[derive(Debug, Clone)]
pub struct GroupsCache {
    groups: Vec<SharingGroup>,
    generation: u64,
    read_at: std::time::Instant,
}

/// A peer's allowance of pushed objects: refilled at the node's rate, up to a burst.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    tokens: f64,
    at: std::time::Instant,
}

/// What came of receiving a page of objects from a peer.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub status: Option<Status>,
    pub stored: u64,
    pub duplicates: u64,
    pub refused: Vec<StatusDetail>,
    /// Tombstones applied (versions deleted by their originator).
    pub deleted: u64,
}

impl Node {
    // --- the directory ------------------------------------------------------------------

    /// The current sharing groups, read from the store: what sending to peers, ingest and
    /// administration decide by.
    pub async fn sharing_groups(&self) -> Result<Vec<SharingGroup>, ServiceError> {
        self.store
            .documents(KIND_SHARING_GROUP)
            .await?
            .iter()
            .map(|d| from_json("sharing group", &d.body))
            .collect()
    }

    /// The sharing groups for a caller's read, from memory for at most [`GROUPS_CACHE_TTL`]
    /// (at once after this process changed one): a membership change made through another
    /// process takes effect on reads within that time, and at once on what is sent to peers,
    /// which always reads the store.
    async fn sharing_groups_for_reads(&self) -> Result<Vec<SharingGroup>, ServiceError> {
        let generation = self.directory_generation();
        if let Ok(cache) = self.groups_cache.lock()
            && let Some(cached) = cache.as_ref()
            && cached.generation == generation
            && cached.read_at.elapsed() < GROUPS_CACHE_TTL
        {
            return Ok(cached.groups.clone());
        }
        let groups: Vec<SharingGroup> = self
            .store
            .documents(KIND_SHARING_GROUP)
            .await?
            .iter()
            .map(|d| from_json("sharing group", &d.body))
            .collect::<Result<_, _>>()?;
        if let Ok(mut cache) = self.groups_cache.lock() {
            *cache = Some(GroupsCache {
                groups: groups.clone(),
                generation,
                read_at: std::time::Instant::now(),
            });
        }
        Ok(groups)
    }

    /// What the audience rule needs for this reader. Organizations are read only when a
    /// sharing group exists or the reader is a node (the common case reads one small table).
    pub async fn directory_for(&self, reader: Reader) -> Result<Directory, ServiceError> {
        let groups = match reader {
            // A peer node reading is sending: always the store's word.
            Reader::Node(_) => self.sharing_groups().await?,
            Reader::Organization(_) => self.sharing_groups_for_reads().await?,
        };
        let orgs = if groups.is_empty() && matches!(reader, Reader::Organization(_)) {
            Vec::new()
        } else {
            self.store.organizations().await?
        };
        Ok(Directory { orgs, groups })
    }

    /// Everything the audience rule needs.
    pub async fn directory(&self) -> Result<Directory, ServiceError> {
        Ok(Directory {
            orgs: self.store.organizations().await?,
            groups: self.sharing_groups().await?,
        })
    }

    /// This node's self-signed descriptor, listing its own organizations.
    pub async fn descriptor(&self) -> Result<NodeDescriptor, ServiceError> {
        let signer = self.signer().await?;
        let record = self
            .store
            .node()
            .await?
            .ok_or_else(|| ServiceError::Internal("the database has no node".into()))?;
        let mut organizations: Vec<DescribedOrg> = self
            .store
            .organizations()
            .await?
            .into_iter()
            .filter(Organization::is_local)
            .map(|o| DescribedOrg {
                identity_id: o.identity_id,
                name: o.name,
            })
            .collect();
        organizations.push(DescribedOrg {
            identity_id: anonymous_identity(signer.signer()),
            name: format!("anonymous ({})", record.name),
        });
        organizations.sort_by(|a, b| a.identity_id.cmp(&b.identity_id));
        Ok(NodeDescriptor::new_signed(
            &signer,
            record.id,
            record.name,
            organizations,
        ))
    }

    /// This node's descriptor and those of every node it knows: what it tells a peer.
    pub async fn descriptors(&self) -> Result<Vec<NodeDescriptor>, ServiceError> {
        let mut all = vec![self.descriptor().await?];
        all.extend(self.known_nodes().await?.into_iter().map(|n| n.descriptor));
        Ok(all)
    }

    pub async fn known_nodes(&self) -> Result<Vec<KnownNode>, ServiceError> {
        self.store
            .documents(KIND_NODE)
            .await?
            .iter()
            .map(|d| from_json("node", &d.body))
            .collect()
    }

    /// Public keys of every known node and of this node, by node id.
    pub(crate) async fn node_keys(
        &self,
    ) -> Result<HashMap<String, tanseeq_provenance::ed25519_dalek::VerifyingKey>, ServiceError>
    {
        let signer = self.signer().await?;
        let mut keys = HashMap::new();
        keys.insert(signer.signer().to_owned(), signer.verifying_key());
        for node in self.known_nodes().await? {
            if let Ok(key) = tanseeq_provenance::public_key_from_base64(&node.descriptor.public_key)
            {
                keys.insert(node.descriptor.id.to_string(), key);
            }
        }
        Ok(keys)
    }

    /// Takes in node descriptors a peer handed over. The peer's own must carry the key it is
    /// configured with; others are accepted when self-signed and not in conflict with what is
    /// known. Partner organizations are recorded with their home node; an organization known
    /// with another home is left as it is. Returns the peer's node id.
    pub async fn learn_descriptors(
        &self,
        peer: &PeerConfig,
        descriptors: &[NodeDescriptor],
    ) -> Result<Uuid, ServiceError> {
        if descriptors.len() > MAX_DESCRIPTORS {
            return Err(ServiceError::BadRequest(format!(
                "a peer may describe at most {MAX_DESCRIPTORS} nodes at once"
            )));
        }
        let own = self.signer().await?.signer().to_owned();
        let peer_descriptor = descriptors
            .iter()
            .find(|d| d.public_key == peer.public_key)
            .ok_or_else(|| {
                ServiceError::BadRequest(format!(
                    "peer `{}` did not describe a node with the public key configured for it",
                    peer.name
                ))
            })?;
        let peer_node = peer_descriptor.id;
        let known: HashMap<Uuid, KnownNode> = self
            .known_nodes()
            .await?
            .into_iter()
            .map(|n| (n.descriptor.id, n))
            .collect();
        for descriptor in descriptors {
            if descriptor.id.to_string() == own {
                continue;
            }
            let is_peer = descriptor.id == peer_node;
            if !descriptor.self_signed() || descriptor.organizations.len() > MAX_DESCRIPTOR_ORGS {
                tracing::warn!(peer = %peer.name, node = %descriptor.id, "refused a node descriptor that is not signed by its own key");
                continue;
            }
            if let Some(existing) = known.get(&descriptor.id) {
                if existing.descriptor.public_key != descriptor.public_key && !is_peer {
                    tracing::warn!(peer = %peer.name, node = %descriptor.id, "refused a node descriptor with another key than the one known");
                    continue;
                }
                if existing.descriptor.issued >= descriptor.issued
                    && existing.descriptor.public_key == descriptor.public_key
                {
                    continue; // nothing newer
                }
            }
            let entry = KnownNode {
                descriptor: descriptor.clone(),
                learned_from: (!is_peer).then(|| peer.name.clone()),
            };
            let news = known
                .get(&descriptor.id)
                .is_none_or(|k| k.descriptor.organizations != descriptor.organizations);
            self.store
                .put_document(
                    &Document {
                        kind: KIND_NODE.into(),
                        key: descriptor.id.to_string(),
                        rank: 0,
                        body: to_json(&entry)?,
                    },
                    Replace::Always,
                )
                .await?;
            for org in &descriptor.organizations {
                self.learn_partner(descriptor, org).await?;
            }
            if news {
                self.directory_changed();
            }
        }
        Ok(peer_node)
    }

    async fn learn_partner(
        &self,
        home: &NodeDescriptor,
        org: &DescribedOrg,
    ) -> Result<(), ServiceError> {
        if !org.identity_id.starts_with("identity--") {
            return Ok(());
        }
        if let Some(existing) = self
            .store
            .organization_by_identity(&org.identity_id)
            .await?
        {
            if existing.home_node != Some(home.id) {
                tracing::warn!(node = %home.id, identity = %org.identity_id, "a node describes an organization whose home is elsewhere; ignored");
            }
            return Ok(());
        }
        let mut name: String = org.name.chars().take(150).collect();
        if self.store.organization_by_name(&name).await?.is_some() {
            name = format!(
                "{name} ({})",
                home.name.chars().take(40).collect::<String>()
            );
        }
        let partner = Organization {
            id: Uuid::new_v4(),
            name,
            identity_id: org.identity_id.clone(),
            home_node: Some(home.id),
            created: jiff::Timestamp::now(),
        };
        match self.store.create_organization(&partner).await {
            Ok(()) => Ok(()),
            // Learned by another process meanwhile.
            Err(tanseeq_store::StoreError::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    // --- peers ------------------------------------------------------------------------------

    pub async fn peers(&self) -> Result<Vec<(PeerConfig, PeerState)>, ServiceError> {
        let mut out = Vec::new();
        for doc in self.store.documents(KIND_PEER).await? {
            let config: PeerConfig = from_json("peer", &doc.body)?;
            let state = self.peer_state(&config.name).await?;
            out.push((config, state));
        }
        Ok(out)
    }

    pub async fn peer(&self, name: &str) -> Result<PeerConfig, ServiceError> {
        let doc = self
            .store
            .document(KIND_PEER, name)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("no peer `{name}`")))?;
        from_json("peer", &doc.body)
    }

    pub async fn add_peer(&self, peer: &PeerConfig) -> Result<(), ServiceError> {
        crate::accounts::check_name("peer", &peer.name)?;
        tanseeq_provenance::public_key_from_base64(&peer.public_key)
            .map_err(|e| ServiceError::BadRequest(format!("--public-key: {e}")))?;
        if self.store.document(KIND_PEER, &peer.name).await?.is_some() {
            return Err(ServiceError::Conflict(format!(
                "peer `{}` already exists",
                peer.name
            )));
        }
        if self
            .peers()
            .await?
            .iter()
            .any(|(p, _)| p.public_key == peer.public_key)
        {
            return Err(ServiceError::Conflict(
                "another peer has this public key".into(),
            ));
        }
        self.store
            .put_document(
                &Document {
                    kind: KIND_PEER.into(),
                    key: peer.name.clone(),
                    rank: 0,
                    body: to_json(peer)?,
                },
                Replace::Always,
            )
            .await?;
        Ok(())
    }

    pub async fn remove_peer(&self, name: &str) -> Result<(), ServiceError> {
        if !self.store.delete_document(KIND_PEER, name).await? {
            return Err(ServiceError::NotFound(format!("no peer `{name}`")));
        }
        self.store.delete_document(KIND_PEER_STATE, name).await?;
        self.store.delete_document(KIND_PEER_INBOUND, name).await?;
        Ok(())
    }

    pub async fn peer_state(&self, name: &str) -> Result<PeerState, ServiceError> {
        match self.store.document(KIND_PEER_STATE, name).await? {
            Some(doc) => from_json("peer state", &doc.body),
            None => Ok(PeerState::default()),
        }
    }

    pub async fn peer_inbound(&self, name: &str) -> Result<PeerInbound, ServiceError> {
        match self.store.document(KIND_PEER_INBOUND, name).await? {
            Some(doc) => from_json("peer inbound", &doc.body),
            None => Ok(PeerInbound::default()),
        }
    }

    pub async fn save_peer_state(&self, name: &str, state: &PeerState) -> Result<(), ServiceError> {
        self.store
            .put_document(
                &Document {
                    kind: KIND_PEER_STATE.into(),
                    key: name.to_owned(),
                    rank: 0,
                    body: to_json(state)?,
                },
                Replace::Always,
            )
            .await?;
        Ok(())
    }

    /// Checks a `tanseeq-node` request signature and returns the caller as that peer node.
    /// The key must be one configured for a peer; the peer's node id is bound on first use.
    pub async fn authenticate_peer(
        &self,
        mut caller: Caller,
        header: &str,
        method: &str,
        path_and_query: &str,
    ) -> Result<Caller, ServiceError> {
        let refused = |why: &str| ServiceError::Unauthenticated(format!("node signature: {why}"));
        let mut fields: HashMap<&str, &str> = HashMap::new();
        for part in header.split(',') {
            let (k, v) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| refused("malformed header"))?;
            fields.insert(k, v);
        }
        let field = |k: &str| {
            fields
                .get(k)
                .copied()
                .ok_or_else(|| refused("malformed header"))
        };
        let node: Uuid = field("node")?.parse().map_err(|_| refused("bad node id"))?;
        let key_id = field("key")?;
        let unix: i64 = field("time")?.parse().map_err(|_| refused("bad time"))?;
        let signature = field("sig")?;
        if (jiff::Timestamp::now().as_second() - unix).abs() > REQUEST_CLOCK_SKEW_SECONDS {
            return Err(refused(
                "the request time is too far from this node's clock",
            ));
        }
        let peers = self.peers().await?;
        let (peer, mut state) = peers
            .into_iter()
            .find(|(p, _)| {
                tanseeq_provenance::public_key_from_base64(&p.public_key)
                    .is_ok_and(|k| tanseeq_provenance::key_id(&k) == key_id)
            })
            .ok_or_else(|| refused("not a configured peer's key"))?;
        let key = tanseeq_provenance::public_key_from_base64(&peer.public_key)
            .map_err(|_| refused("bad key"))?;
        let message = request_message(node, key_id, unix, method, path_and_query);
        if !tanseeq_provenance::verify_message(&key, message.as_bytes(), signature) {
            return Err(refused("bad signature"));
        }
        match state.node_id {
            Some(bound) if bound != node => return Err(refused("the key belongs to another node")),
            Some(_) => {}
            None => {
                state.node_id = Some(node);
                self.save_peer_state(&peer.name, &state).await?;
            }
        }
        caller.peer_node = Some(node);
        Ok(caller)
    }

    /// The peer configured for a node id (bound at its first signed request or sync).
    pub async fn peer_of_node(&self, node: Uuid) -> Result<PeerConfig, ServiceError> {
        self.peers()
            .await?
            .into_iter()
            .find(|(_, s)| s.node_id == Some(node))
            .map(|(p, _)| p)
            .ok_or_else(|| ServiceError::Unauthenticated(format!("node {node} is not a peer")))
    }

    // --- collection settings ------------------------------------------------------------

    pub async fn collection_settings(
        &self,
        collection: Uuid,
    ) -> Result<CollectionSettings, ServiceError> {
        match self
            .store
            .document(KIND_COLLECTION_SETTINGS, &collection.to_string())
            .await?
        {
            Some(doc) => from_json("collection settings", &doc.body),
            None => Ok(CollectionSettings::default()),
        }
    }

    pub async fn set_collection_settings(
        &self,
        collection: Uuid,
        settings: &CollectionSettings,
    ) -> Result<(), ServiceError> {
        if let Some(tlp) = &settings.default_tlp
            && Tlp::parse_name(tlp).is_none()
        {
            return Err(ServiceError::BadRequest(format!(
                "unknown TLP `{tlp}` (clear, green, amber, amber+strict, red)"
            )));
        }
        self.store
            .put_document(
                &Document {
                    kind: KIND_COLLECTION_SETTINGS.into(),
                    key: collection.to_string(),
                    rank: 0,
                    body: to_json(settings)?,
                },
                Replace::Always,
            )
            .await?;
        Ok(())
    }

    // --- local ingest: the audience of what enters here -------------------------------

    /// Decides the audience facts of a locally submitted batch: restriction from the TLP
    /// marking or the collection's default, sharing groups among its markings, a sighting's
    /// addressee; and refuses sharing-group definitions its poster does not own.
    pub(crate) async fn mark_audience(&self, batch: &mut IngestBatch) -> Result<(), ServiceError> {
        let settings = self.collection_settings(batch.collection_id).await?;
        let default_tlp = settings.default_tlp.as_deref().and_then(Tlp::parse_name);
        let directory = self.directory().await?;
        batch.poster = Visibility::Audience(audience(
            Reader::Organization(batch.originator_org),
            &directory,
        ));
        let poster_identity = directory
            .orgs
            .iter()
            .find(|o| o.id == batch.originator_org)
            .map(|o| o.identity_id.clone());
        let mut kept = Vec::with_capacity(batch.objects.len());
        for mut object in std::mem::take(&mut batch.objects) {
            let refs = &object.header.object_marking_refs;
            let tlp = Tlp::of_markings(refs.iter().map(String::as_str)).or(default_tlp);
            object.restricted = tlp.is_some_and(Tlp::is_restricted);
            object.groups = refs
                .iter()
                .filter(|r| directory.groups.iter().any(|g| &g.id == *r))
                .cloned()
                .collect();
            if object.header.object_type == "sighting"
                && let Some(addressee) = self.sighted_originator(batch, &object.raw).await?
                && addressee != batch.originator_org
            {
                object.addressee_org = Some(addressee);
            }
            match SharingGroup::from_object(&object.raw) {
                Ok(None) => {}
                Ok(Some(group)) => {
                    if let Err(why) =
                        check_group_change(&directory, &group, poster_identity.as_deref())
                    {
                        batch
                            .rejected
                            .push(refuse(&object.header.id, version_text(&object), why));
                        continue;
                    }
                    // Its audience is its members.
                    object.groups = vec![group.id.clone()];
                    object.restricted = true;
                }
                Err(why) => {
                    batch
                        .rejected
                        .push(refuse(&object.header.id, version_text(&object), why));
                    continue;
                }
            }
            kept.push(object);
        }
        batch.objects = kept;
        Ok(())
    }

    /// After a batch is stored: sharing groups it defined take effect, signed by this node
    /// for the handshake.
    pub(crate) async fn apply_group_definitions(
        &self,
        objects: &[(String, bool)],
    ) -> Result<(), ServiceError> {
        for (raw, stored) in objects {
            if !stored {
                continue;
            }
            if let Ok(Some(group)) = SharingGroup::from_object(raw) {
                let signer = self.signer().await?;
                let companion = tanseeq_provenance::sign_attested(
                    raw,
                    &signer,
                    StixTimestamp::from_jiff(jiff::Timestamp::now()),
                    &Attestation {
                        originator_ref: Some(group.owner.clone()),
                        addressee_ref: None,
                        audience: Some((true, vec![group.id.clone()])),
                    },
                )
                .map_err(|e| ServiceError::Internal(format!("signing {}: {e}", group.id)))?;
                self.store_group(SharingGroup {
                    definition: Some(GroupDefinition {
                        object: raw.clone(),
                        companion,
                    }),
                    ..group
                })
                .await?;
            }
        }
        Ok(())
    }

    /// Keeps a revision of a sharing group if it is newer than the one held.
    async fn store_group(&self, group: SharingGroup) -> Result<(), ServiceError> {
        let stored = self
            .store
            .put_document(
                &Document {
                    kind: KIND_SHARING_GROUP.into(),
                    key: group.id.clone(),
                    rank: group.revision,
                    body: to_json(&group)?,
                },
                Replace::IfHigherRank,
            )
            .await?;
        if stored {
            self.directory_changed();
        }
        Ok(())
    }

    /// Sharing groups handed over in a handshake: each kept when its definition carries a
    /// valid signature by its owner's home node. Returns how many were new.
    pub async fn learn_groups(
        &self,
        definitions: &[GroupDefinition],
    ) -> Result<usize, ServiceError> {
        if definitions.len() > MAX_DESCRIPTORS {
            return Err(ServiceError::BadRequest(format!(
                "a peer may hand over at most {MAX_DESCRIPTORS} sharing groups at once"
            )));
        }
        let keys = self.node_keys().await?;
        let own = self.signer().await?.signer().to_owned();
        let current: HashMap<String, i64> = self
            .sharing_groups()
            .await?
            .into_iter()
            .map(|g| (g.id, g.revision))
            .collect();
        let mut learned = 0;
        for definition in definitions {
            let group = match SharingGroup::from_object(&definition.object) {
                Ok(Some(g)) => g,
                _ => continue,
            };
            if current.get(&group.id).is_some_and(|r| *r >= group.revision) {
                continue;
            }
            let verified = match tanseeq_provenance::verify(
                &definition.object,
                &definition.companion,
                &keys,
            ) {
                Ok(v) => v,
                Err(e) => {
                    tracing::warn!(group = %group.id, "refused a sharing group from a handshake: {e}");
                    continue;
                }
            };
            let home = self.store.organization_by_identity(&group.owner).await?;
            let authority = verified.attestation.originator_ref.as_deref()
                == Some(group.owner.as_str())
                && home.is_some_and(|o| match o.home_node {
                    Some(node) => node.to_string() == verified.signer,
                    None => verified.signer == own,
                });
            if !authority {
                tracing::warn!(group = %group.id, signer = %verified.signer, "refused a sharing group not signed by its owner's node");
                continue;
            }
            self.store_group(SharingGroup {
                definition: Some(definition.clone()),
                ..group
            })
            .await?;
            learned += 1;
        }
        Ok(learned)
    }

    /// What this node says in a handshake.
    pub async fn hello_message(&self) -> Result<Hello, ServiceError> {
        Ok(Hello {
            descriptors: self.descriptors().await?,
            groups: self
                .sharing_groups()
                .await?
                .into_iter()
                .filter_map(|g| g.definition)
                .collect(),
        })
    }

    /// The originator of the object a sighting is about, when it is stored in the batch's
    /// collection.
    async fn sighted_originator(
        &self,
        batch: &IngestBatch,
        raw: &str,
    ) -> Result<Option<Uuid>, ServiceError> {
        #[derive(Deserialize)]
        struct Sighting {
            sighting_of_ref: Option<String>,
        }
        let Some(target) = serde_json::from_str::<Sighting>(raw)
            .ok()
            .and_then(|s| s.sighting_of_ref)
        else {
            return Ok(None);
        };
        let page = self
            .store
            .query_objects(&ObjectQuery {
                collection_id: batch.collection_id,
                visibility: batch.poster.clone(),
                filter: ObjectFilter {
                    ids: vec![target],
                    ..ObjectFilter::default()
                },
                after: None,
                limit: 1,
                fetch: Fetch::Metadata,
            })
            .await?;
        Ok(page.records.first().map(|r| r.meta.originator_org))
    }

    // --- sending to a peer ------------------------------------------------------------------

    /// The attestation this node signs for a version that entered through it.
    fn attestation_of(&self, directory: &Directory, record: &ObjectRecord) -> Attestation {
        let identity = |org: Uuid| {
            directory
                .orgs
                .iter()
                .find(|o| o.id == org)
                .map(|o| o.identity_id.clone())
        };
        Attestation {
            originator_ref: identity(record.meta.originator_org),
            addressee_ref: record.meta.addressee_org.and_then(identity),
            audience: Some((record.meta.restricted, record.meta.groups.clone())),
        }
    }

    /// Signed provenance for versions about to leave the node: the stored companions of
    /// each, and for versions that entered through this node and are not signed yet, a new
    /// signature (stored, so that every later send carries the same one).
    pub async fn companions_for(
        &self,
        collection: Uuid,
        records: &[ObjectRecord],
    ) -> Result<Vec<String>, ServiceError> {
        let signer = self.signer().await?;
        let directory = self.directory().await?;
        let mut companions = Vec::new();
        let mut ids: Vec<String> = records.iter().map(|r| r.meta.id.clone()).collect();
        ids.sort();
        ids.dedup();
        let mut stored: HashMap<(String, String), Vec<StoredSignature>> = HashMap::new();
        for s in self.store.signatures_of(collection, &ids).await? {
            stored
                .entry((s.object_id.clone(), s.version.clone()))
                .or_default()
                .push(s);
        }
        let now = StixTimestamp::from_jiff(jiff::Timestamp::now());
        let mut to_sign = Vec::new();
        for record in records {
            let key = (record.meta.id.clone(), record.meta.version.sortable.clone());
            let existing = stored.get(&key);
            let own_signed =
                existing.is_some_and(|list| list.iter().any(|s| s.signer == signer.signer()));
            if let Some(list) = existing {
                companions.extend(list.iter().map(|s| s.companion.clone()));
            }
            if record.meta.origin_node.is_none() && !own_signed {
                to_sign.push((
                    record.meta.id.clone(),
                    record.meta.version.sortable.clone(),
                    record.raw.clone().unwrap_or_default(),
                    self.attestation_of(&directory, record),
                ));
            }
        }
        // Signing costs tens of microseconds a version: off the async threads, on every
        // core.
        let workers = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
            .clamp(1, 8);
        let per_task = to_sign.len().div_ceil(workers).max(1);
        let mut tasks = Vec::new();
        let mut pending = to_sign.into_iter();
        loop {
            let chunk: Vec<_> = pending.by_ref().take(per_task).collect();
            if chunk.is_empty() {
                break;
            }
            let signing = signer.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                chunk
                    .into_iter()
                    .map(|(id, version, raw, attestation)| {
                        tanseeq_provenance::sign_attested(&raw, &signing, now, &attestation)
                            .map(|companion| StoredSignature {
                                object_id: id.clone(),
                                version,
                                signer: signing.signer().to_owned(),
                                companion,
                            })
                            .map_err(|e| ServiceError::Internal(format!("signing {id}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()
            }));
        }
        let mut signed = Vec::new();
        for task in tasks {
            signed.extend(
                task.await
                    .map_err(|e| ServiceError::Internal(e.to_string()))??,
            );
        }
        companions.extend(signed.iter().map(|s| s.companion.clone()));
        let new = signed;
        if !new.is_empty() {
            self.store.add_signatures(collection, &new).await?;
        }
        Ok(companions)
    }

    /// Whether a peer's own rules let it receive this version (the audience rule has already
    /// admitted it).
    pub fn peer_rules_admit(
        rules: &PeerRules,
        directory: &Directory,
        record: &ObjectRecord,
    ) -> bool {
        let object_type = &record.meta.object_type;
        if !rules.allow_types.is_empty() && !rules.allow_types.contains(object_type) {
            return false;
        }
        if rules.deny_types.contains(object_type) {
            return false;
        }
        let originator = directory
            .orgs
            .iter()
            .find(|o| o.id == record.meta.originator_org)
            .map(|o| o.identity_id.as_str())
            .unwrap_or("");
        if !rules.allow_originators.is_empty()
            && !rules.allow_originators.iter().any(|o| o == originator)
        {
            return false;
        }
        if rules.deny_originators.iter().any(|o| o == originator) {
            return false;
        }
        if let Some(max) = rules.max_tlp.as_deref().and_then(Tlp::parse_name) {
            let raw = record.raw.as_deref().unwrap_or("");
            let tlp = marking_refs(raw)
                .and_then(|refs| Tlp::of_markings(refs.iter().map(String::as_str)));
            let level = match tlp {
                Some(t) => t,
                // Unmarked: what the audience says.
                None if record.meta.restricted => Tlp::Red,
                None => Tlp::Clear,
            };
            if level > max {
                return false;
            }
        }
        true
    }

    /// The next versions of a local collection a peer node may receive, after `after`, with
    /// their companions: the audience rule for that node, then the peer's own rules.
    pub async fn outgoing(
        &self,
        peer: &PeerConfig,
        peer_node: Uuid,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<(Vec<ObjectRecord>, Vec<String>, Option<Cursor>, bool), ServiceError> {
        let directory = self.directory().await?;
        let visibility = Visibility::Audience(audience(Reader::Node(peer_node), &directory));
        let page = self
            .store
            .query_objects(&ObjectQuery {
                collection_id: peer.local_collection,
                visibility,
                filter: ObjectFilter {
                    versions: VersionMatch::all(),
                    ..ObjectFilter::default()
                },
                after,
                limit,
                fetch: Fetch::Objects,
            })
            .await?;
        let last = page.records.last().map(|r| r.meta.cursor()).or(after);
        let (records, companions) = self
            .prepare_for_peer(peer, &directory, peer.local_collection, &page.records)
            .await?;
        Ok((records, companions, last, page.more))
    }

    /// The versions a peer's rules admit, as the peer gets them (its own sightings made
    /// anonymous when the peer is configured so), with their companions.
    async fn prepare_for_peer(
        &self,
        peer: &PeerConfig,
        directory: &Directory,
        collection: Uuid,
        records: &[ObjectRecord],
    ) -> Result<(Vec<ObjectRecord>, Vec<String>), ServiceError> {
        let (anonymous, plain): (Vec<ObjectRecord>, Vec<ObjectRecord>) = records
            .iter()
            .filter(|r| Self::peer_rules_admit(&peer.rules, directory, r))
            .cloned()
            .partition(|r| {
                peer.rules.anonymize_sightings
                    && r.meta.object_type == "sighting"
                    && r.meta.origin_node.is_none()
            });
        let mut companions = self.companions_for(collection, &plain).await?;
        let mut out = plain;
        if !anonymous.is_empty() {
            let signer = self.signer().await?;
            let anonymous_identity = anonymous_identity(signer.signer());
            let now = StixTimestamp::from_jiff(jiff::Timestamp::now());
            for record in anonymous {
                let Some(raw) = record.raw.as_deref().and_then(anonymized_sighting) else {
                    continue;
                };
                let mut attestation = self.attestation_of(directory, &record);
                attestation.originator_ref = Some(anonymous_identity.clone());
                let companion = tanseeq_provenance::sign_attested(&raw, &signer, now, &attestation)
                    .map_err(|e| ServiceError::Internal(format!("signing: {e}")))?;
                companions.push(companion);
                let mut record = record;
                record.raw = Some(raw);
                out.push(record);
            }
        }
        Ok((out, companions))
    }

    /// What a page read by a peer node becomes: the versions the peer's rules admit, and
    /// the provenance companions of each.
    pub async fn for_peer(
        &self,
        caller: &Caller,
        collection: Uuid,
        records: &[ObjectRecord],
    ) -> Result<(Vec<ObjectRecord>, Vec<String>), ServiceError> {
        let Some(node) = caller.peer_node else {
            return Ok((records.to_vec(), Vec::new()));
        };
        let peer = self.peer_of_node(node).await?;
        let directory = self.directory().await?;
        self.prepare_for_peer(&peer, &directory, collection, records)
            .await
    }

    /// A TAXII POST by a peer node (push): companions are taken apart from the objects, and
    /// every object is judged by [`Node::receive`].
    pub async fn receive_post<'a>(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        objects: impl IntoIterator<Item = &'a serde_json::value::RawValue>,
    ) -> Result<Status, ServiceError> {
        let Some(node) = caller.peer_node else {
            return Err(ServiceError::Forbidden("not a peer node".into()));
        };
        let (companions, objects): (Vec<String>, Vec<String>) = objects
            .into_iter()
            .map(|o| o.get().to_owned())
            .partition(|o| is_companion(o));
        self.spend_peer_budget(node, objects.len())?;
        let received = self
            .receive(
                node,
                Some(caller.org_id),
                api_root,
                collection_id,
                objects,
                companions,
            )
            .await?;
        self.note_received(node, &received).await;
        received
            .status
            .ok_or_else(|| ServiceError::Internal("no status".into()))
    }

    /// Takes `count` objects from a peer's allowance, or refuses the request (429) when it
    /// pushes faster than the node's limit: a flooding peer slows down without blocking the
    /// others.
    fn spend_peer_budget(&self, node: Uuid, count: usize) -> Result<(), ServiceError> {
        let rate = self.limits.peer_objects_per_second.max(1) as f64;
        let burst = rate * 2.0;
        let now = std::time::Instant::now();
        let mut budgets = self
            .peer_budgets
            .lock()
            .map_err(|_| ServiceError::Internal("peer budgets poisoned".into()))?;
        let budget = budgets.entry(node).or_insert(Budget {
            tokens: burst,
            at: now,
        });
        budget.tokens =
            (budget.tokens + now.duration_since(budget.at).as_secs_f64() * rate).min(burst);
        budget.at = now;
        let wanted = count as f64;
        if wanted > budget.tokens {
            tracing::warn!(%node, objects = count, "a peer pushes faster than {rate} objects/s; refused for now");
            return Err(ServiceError::TooManyRequests(format!(
                "this node takes at most {} objects per second from a peer; retry later",
                self.limits.peer_objects_per_second
            )));
        }
        budget.tokens -= wanted;
        Ok(())
    }

    /// Counts what a peer delivered on its state (best effort: a failure is only logged).
    pub async fn note_received(&self, node: Uuid, received: &Received) {
        let result = async {
            let peer = self.peer_of_node(node).await?;
            let mut inbound = self.peer_inbound(&peer.name).await?;
            inbound.last_push = Some(jiff::Timestamp::now().to_string());
            inbound.received += received.stored;
            inbound.refused += received.refused.len() as u64;
            if let Some(first) = received.refused.first() {
                inbound.last_refusal = Some(format!(
                    "refused {} {}: {}",
                    first.id,
                    first.version,
                    first.message.as_deref().unwrap_or("")
                ));
            }
            self.store
                .put_document(
                    &Document {
                        kind: KIND_PEER_INBOUND.into(),
                        key: peer.name.clone(),
                        rank: 0,
                        body: to_json(&inbound)?,
                    },
                    Replace::Always,
                )
                .await?;
            Ok::<(), ServiceError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(%node, "could not record a peer's delivery: {e}");
        }
    }

    /// The federation handshake: takes in the node descriptors a peer sends, and answers
    /// with this node's own and those it knows.
    pub async fn hello(&self, caller: &Caller, hello: &Hello) -> Result<Hello, ServiceError> {
        let Some(node) = caller.peer_node else {
            return Err(ServiceError::Forbidden(
                "only a peer node (a signed request) may exchange node descriptors".into(),
            ));
        };
        let peer = self.peer_of_node(node).await?;
        let learned = self.learn_descriptors(&peer, &hello.descriptors).await?;
        if learned != node {
            return Err(ServiceError::BadRequest(
                "the descriptor with this peer's key names another node".into(),
            ));
        }
        self.learn_groups(&hello.groups).await?;
        self.hello_message().await
    }

    // --- deletions ---------------------------------------------------------------------------

    /// After an originator deleted versions of its own object, on a node with peers: a signed
    /// tombstone that carries the deletion to every node that holds them, with their audience
    /// (the deleted version's markings).
    pub(crate) async fn write_tombstone(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        deleted: &[ObjectRecord],
    ) -> Result<(), ServiceError> {
        let own: Vec<&ObjectRecord> = deleted
            .iter()
            .filter(|r| r.meta.originator_org == caller.org_id && r.meta.origin_node.is_none())
            .collect();
        let Some(latest) = own.iter().max_by_key(|r| &r.meta.version) else {
            return Ok(());
        };
        // A node without peers keeps plain TAXII behaviour: a deletion leaves nothing behind.
        // (A peer added later never receives what is already gone.)
        if self.store.documents(KIND_PEER).await?.is_empty() {
            return Ok(());
        }
        let object_ref = latest.meta.id.clone();
        let versions: Vec<String> = own.iter().map(|r| r.meta.version_text.clone()).collect();
        let markings = latest
            .raw
            .as_deref()
            .and_then(marking_refs)
            .unwrap_or_default();
        let now = StixTimestamp::from_jiff(jiff::Timestamp::now()).to_millis_string();
        let mut tombstone = serde_json::json!({
            "type": TOMBSTONE_TYPE,
            "spec_version": "2.1",
            "id": format!("{TOMBSTONE_TYPE}--{}", Uuid::new_v4()),
            "created": now,
            "modified": now,
            "object_ref": object_ref,
            "deleted_versions": versions,
            "extensions": {
                TOMBSTONE_EXTENSION_ID: { "extension_type": "new-sdo" }
            }
        });
        if !markings.is_empty() {
            tombstone["object_marking_refs"] = serde_json::json!(markings);
        }
        let raw = serde_json::value::RawValue::from_string(tombstone.to_string())
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let batch = crate::ingest::prepare_batch(api_root, collection_id, caller.org_id, [&*raw]);
        let outcome = self.ingest(batch).await?;
        if let Some(failure) = outcome.status.failures.first() {
            return Err(ServiceError::Internal(format!(
                "the deletion notice was refused: {}",
                failure.message.as_deref().unwrap_or("")
            )));
        }
        Ok(())
    }

    /// A tombstone received from its originator's node: deletes the versions it names, of
    /// that originator only.
    async fn apply_tombstone(
        &self,
        collection_id: Uuid,
        raw: &str,
        originator: Uuid,
    ) -> Result<u64, ServiceError> {
        #[derive(Deserialize)]
        struct Tombstone {
            object_ref: String,
            #[serde(default)]
            deleted_versions: Vec<String>,
        }
        let tombstone: Tombstone = serde_json::from_str(raw)
            .map_err(|e| ServiceError::BadRequest(format!("a tombstone: {e}")))?;
        let versions: Vec<VersionKey> = tombstone
            .deleted_versions
            .iter()
            .filter_map(|v| StixTimestamp::parse(v).ok())
            .map(|t| VersionKey::of(&t))
            .collect();
        if versions.is_empty() {
            return Ok(0);
        }
        Ok(self
            .store
            .delete_object(&tanseeq_store::ObjectDelete {
                collection_id,
                // Only the originator's own versions: an unrestricted version of the same id
                // by another organization is not the originator's to delete.
                visibility: Visibility::Audience(tanseeq_store::Audience {
                    orgs: vec![originator],
                    groups: Vec::new(),
                    not_from: None,
                }),
                id: tombstone.object_ref,
                versions: VersionMatch {
                    at: versions,
                    ..VersionMatch::default()
                },
                spec_versions: Vec::new(),
            })
            .await?)
    }

    // --- receiving from a peer --------------------------------------------------------------

    /// Takes a page of objects and companions from peer node `from` into a collection:
    /// each version needs a valid signature by the home node of the organization that
    /// signature names as originator; its audience is the one that signature attests.
    /// Refusals are logged and reported, never stored.
    pub async fn receive(
        &self,
        from: Uuid,
        owner_org: Option<Uuid>,
        api_root: &str,
        collection_id: Uuid,
        objects: Vec<String>,
        companions: Vec<String>,
    ) -> Result<Received, ServiceError> {
        let keys = self.node_keys().await?;
        let directory = self.directory().await?;
        let own_node = self.signer().await?.signer().to_owned();
        let mut by_object: HashMap<String, Vec<String>> = HashMap::new();
        for companion in companions {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(&companion)
                && let Some(object_ref) = value.get("object_ref").and_then(|v| v.as_str())
            {
                by_object
                    .entry(object_ref.to_owned())
                    .or_default()
                    .push(companion);
            }
        }
        let mut accepted = Vec::new();
        let mut tombstones = Vec::new();
        let mut signatures = Vec::new();
        let mut refused = Vec::new();
        let mut groups = Vec::new();
        // Validation and signature checks cost tens of microseconds an object: off the async
        // threads, on every core.
        let checked = check_in_parallel(objects, by_object, keys).await?;
        let org_by_identity: HashMap<&str, &Organization> = directory
            .orgs
            .iter()
            .map(|o| (o.identity_id.as_str(), o))
            .collect();
        for Checked {
            raw,
            header,
            signatures: checks,
        } in checked
        {
            let header = match header {
                Ok(h) => h,
                Err((id, e)) => {
                    refused.push(refuse(&id, String::new(), format!("invalid object: {e}")));
                    continue;
                }
            };
            let version = header
                .version()
                .map(|v| VersionKey::of(v).display())
                .unwrap_or_default();
            let mut reasons = Vec::new();
            let mut origin: Option<(Verified, &Organization)> = None;
            for (companion, check) in checks {
                match check {
                    Ok(verified) => {
                        let Some(originator) = verified.attestation.originator_ref.as_deref()
                        else {
                            continue; // a relay's signature: not the originator's
                        };
                        let org = org_by_identity.get(originator).copied();
                        let authority = org.is_some_and(|o| match o.home_node {
                            Some(home) => home.to_string() == verified.signer,
                            None => verified.signer == own_node,
                        });
                        match org {
                            Some(org) if authority => {
                                signatures.push(StoredSignature {
                                    object_id: header.id.clone(),
                                    version: header
                                        .version()
                                        .map(|v| VersionKey::of(v).sortable)
                                        .unwrap_or_default(),
                                    signer: verified.signer.clone(),
                                    companion,
                                });
                                origin = Some((verified, org));
                                break;
                            }
                            _ => reasons.push(format!(
                                "signed by node {} for organization {originator}, which that node does not host",
                                verified.signer
                            )),
                        }
                    }
                    Err(e) => reasons.push(e),
                }
            }
            let Some((verified, originator)) = origin else {
                let why = if reasons.is_empty() {
                    "no valid signature by its originating node".to_owned()
                } else {
                    format!("refused: {}", reasons.join("; "))
                };
                tracing::warn!(peer_node = %from, object = %header.id, version = %version, "{why}");
                refused.push(refuse(&header.id, version, why));
                continue;
            };
            let (restricted, object_groups) = verified
                .attestation
                .audience
                .clone()
                .unwrap_or((true, Vec::new()));
            let addressee = verified
                .attestation
                .addressee_ref
                .as_deref()
                .and_then(|a| org_by_identity.get(a))
                .map(|o| o.id);
            match SharingGroup::from_object(&raw) {
                Ok(Some(group)) => {
                    if group.owner != originator.identity_id {
                        refused.push(refuse(
                            &header.id,
                            version,
                            "a sharing group may be changed only by its owner",
                        ));
                        continue;
                    }
                    let companion = signatures
                        .last()
                        .map(|s| s.companion.clone())
                        .unwrap_or_default();
                    groups.push(SharingGroup {
                        definition: Some(GroupDefinition {
                            object: raw.clone(),
                            companion,
                        }),
                        ..group
                    });
                }
                Ok(None) => {}
                Err(why) => {
                    refused.push(refuse(&header.id, version, why));
                    continue;
                }
            }
            if header.object_type == TOMBSTONE_TYPE {
                tombstones.push((raw.clone(), originator.id));
            }
            let mut object = NewObject::new(header, raw, restricted);
            object.groups = object_groups;
            object.addressee_org = addressee;
            object.originator_org = Some(originator.id);
            object.origin_node = Some(from);
            accepted.push(object);
        }
        let mut received = Received {
            refused: refused.clone(),
            ..Received::default()
        };
        let stored_signatures = signatures;
        let batch = IngestBatch {
            status_id: Uuid::new_v4(),
            api_root: api_root.to_owned(),
            collection_id,
            originator_org: owner_org.unwrap_or_default(),
            // What the peer may see, including what came from it (that is what makes the same
            // version arriving twice a duplicate).
            poster: Visibility::Audience(Audience {
                not_from: None,
                ..audience(Reader::Node(from), &directory)
            }),
            request_timestamp: DateAdded::from_timestamp(jiff::Timestamp::now()),
            objects: accepted,
            rejected: refused,
            // A push is a TAXII POST whose status the peer reads; a pull keeps none.
            keep_status: owner_org.is_some(),
            replica: None,
        };
        // Signatures first: a version is never visible without the signature that admitted it,
        // so relaying it onwards always has the originator's companion at hand.
        if !stored_signatures.is_empty() {
            self.store
                .add_signatures(collection_id, &stored_signatures)
                .await?;
        }
        let outcome = self.store.ingest(batch).await?;
        if outcome.stored > 0 {
            self.committed();
        }
        for group in groups {
            self.store_group(group).await?;
        }
        for (raw, originator) in tombstones {
            received.deleted += self
                .apply_tombstone(collection_id, &raw, originator)
                .await?;
        }
        received.stored = outcome.stored;
        received.duplicates = outcome.duplicates;
        received.status = Some(outcome.status);
        Ok(received)
    }
}

/// Whether the poster (identity) may publish this revision of a sharing group: only its
/// owner, and only forward.
fn check_group_change(
    directory: &Directory,
    group: &SharingGroup,
    poster: Option<&str>,
) -> Result<(), String> {
    if poster != Some(group.owner.as_str()) {
        return Err("a sharing group may be defined or changed only by its owner (`owner_ref` must be your organization)".into());
    }
    if let Some(current) = directory.groups.iter().find(|g| g.id == group.id) {
        if current.owner != group.owner {
            return Err("this sharing group belongs to another organization".into());
        }
        if current.revision >= group.revision {
            return Err(format!(
                "revision {} is not newer than the current revision {}",
                group.revision, current.revision
            ));
        }
    }
    Ok(())
}

fn version_text(object: &NewObject) -> String {
    object
        .header
        .version()
        .map(|v| VersionKey::of(v).display())
        .unwrap_or_default()
}

fn marking_refs(raw: &str) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Refs {
        object_marking_refs: Option<Vec<String>>,
    }
    serde_json::from_str::<Refs>(raw)
        .ok()
        .and_then(|r| r.object_marking_refs)
}

/// Whether an object is a provenance companion (which travels beside the objects it signs).
pub fn is_companion(raw: &str) -> bool {
    #[derive(Deserialize)]
    struct Typed<'a> {
        #[serde(borrow, rename = "type")]
        object_type: Option<std::borrow::Cow<'a, str>>,
    }
    serde_json::from_str::<Typed>(raw)
        .ok()
        .and_then(|t| t.object_type)
        .is_some_and(|t| t == tanseeq_provenance::COMPANION_TYPE)
}

/// Namespace of the derived ids of anonymized sightings and of nodes' anonymous identities
/// (a UUIDv5 of `https://tanseeq.example/federation/anonymous` in the URL namespace).
const ANONYMOUS_NAMESPACE: Uuid = Uuid::from_u128(0x09a06dfe_a642_50ff_a1d4_0e4efcd20ea0);

/// The identity a node's anonymized sightings are attributed to: one per node, described in
/// its descriptor like its organizations.
pub fn anonymous_identity(node: &str) -> String {
    format!(
        "identity--{}",
        Uuid::new_v5(&ANONYMOUS_NAMESPACE, format!("node/{node}").as_bytes())
    )
}

/// A sighting without who made it: a derived id (the same for every send, so a peer stores
/// it once), no `created_by_ref`, no `where_sighted_refs`.
fn anonymized_sighting(raw: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(raw).ok()?;
    let object = value.as_object_mut()?;
    let id = object.get("id")?.as_str()?.to_owned();
    object.remove("created_by_ref");
    object.remove("where_sighted_refs");
    object.insert(
        "id".into(),
        serde_json::Value::String(format!(
            "sighting--{}",
            Uuid::new_v5(&ANONYMOUS_NAMESPACE, id.as_bytes())
        )),
    );
    Some(value.to_string())
}

/// An object from a peer after validation and signature checks: its header (or its id and
/// why it is invalid), and each companion with what its check established.
struct Checked {
    raw: String,
    header: Result<tanseeq_stix::ObjectHeader, (String, String)>,
    signatures: Vec<(String, Result<Verified, String>)>,
}

/// Validates objects and verifies their companions, in as many blocking tasks as there are
/// cores; the order of `objects` is kept.
async fn check_in_parallel(
    objects: Vec<String>,
    companions_by_object: HashMap<String, Vec<String>>,
    keys: HashMap<String, tanseeq_provenance::ed25519_dalek::VerifyingKey>,
) -> Result<Vec<Checked>, ServiceError> {
    let workers = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, 8);
    let per_task = objects.len().div_ceil(workers).max(1);
    let companions_by_object = std::sync::Arc::new(companions_by_object);
    let keys = std::sync::Arc::new(keys);
    let mut tasks = Vec::new();
    let mut objects = objects.into_iter();
    loop {
        let chunk: Vec<String> = objects.by_ref().take(per_task).collect();
        if chunk.is_empty() {
            break;
        }
        let companions_by_object = companions_by_object.clone();
        let keys = keys.clone();
        tasks.push(tokio::task::spawn_blocking(move || {
            chunk
                .into_iter()
                .map(|raw| check_one(raw, &companions_by_object, &keys))
                .collect::<Vec<_>>()
        }));
    }
    let mut checked = Vec::new();
    for task in tasks {
        checked.extend(
            task.await
                .map_err(|e| ServiceError::Internal(format!("checking objects: {e}")))?,
        );
    }
    Ok(checked)
}

fn check_one(
    raw: String,
    companions_by_object: &HashMap<String, Vec<String>>,
    keys: &HashMap<String, tanseeq_provenance::ed25519_dalek::VerifyingKey>,
) -> Checked {
    let header = validate_object(&raw).map_err(|e| {
        let id = serde_json::from_str::<serde_json::Value>(&raw)
            .ok()
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
            .unwrap_or_default();
        (id, e.to_string())
    });
    let signatures = match &header {
        Ok(h) => companions_by_object
            .get(&h.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|companion| {
                (
                    companion.clone(),
                    tanseeq_provenance::verify(&raw, companion, keys).map_err(|e| e.to_string()),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    Checked {
        raw,
        header,
        signatures,
    }
}

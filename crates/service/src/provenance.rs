//! Signed provenance of object versions: this node's Ed25519 signature over each version that
//! entered the federation through it (`tanseeq_provenance`), kept beside the objects, and what
//! a caller may learn of it.
//!
//! Signing is lazy: a version is signed the first time its provenance is asked for (and, with
//! federation, before it is sent to a peer), then the companion is stored and reused. Ingest
//! never waits for signatures (signing costs several times what storing an object does).

use crate::access::ReadRequest;
use crate::accounts::Caller;
use crate::{Node, ServiceError};
use std::sync::Arc;
use tanseeq_provenance::{NodeSigner, ProvenanceError, Verified};
use tanseeq_store::{Fetch, ObjectFilter, VersionMatch};
use uuid::Uuid;

/// Object versions read per page when collecting an object's provenance.
const VERSIONS_PAGE: usize = 1_000;

/// One signature over one version, as shown to a caller.
#[derive(Debug, Clone)]
pub struct SignatureView {
    pub signer: String,
    /// The companion object, JSON text.
    pub companion: String,
    /// Checked against the signer's key now: the verified facts, or why it fails.
    pub verification: Result<Verified, String>,
}

/// The provenance of one object version.
#[derive(Debug, Clone)]
pub struct VersionProvenance {
    pub version: String,
    pub originator_org: Uuid,
    pub signatures: Vec<SignatureView>,
}

impl Node {
    /// This node's signer (its id and Ed25519 key from the database), loaded once.
    pub async fn signer(&self) -> Result<Arc<NodeSigner>, ServiceError> {
        self.signer
            .get_or_try_init(|| async {
                let record = self
                    .store
                    .node()
                    .await?
                    .ok_or_else(|| ServiceError::Internal("the database has no node".into()))?;
                let secret =
                    self.store.node_secret().await?.ok_or_else(|| {
                        ServiceError::Internal("the node has no signing key".into())
                    })?;
                NodeSigner::from_base64_secret(record.id.to_string(), &secret.0)
                    .map(Arc::new)
                    .map_err(|e| ServiceError::Internal(format!("the node's signing key: {e}")))
            })
            .await
            .cloned()
    }

    /// Every version of an object the caller may read, each with its signatures; versions this
    /// node has not signed yet are signed now. Invisible or absent objects are `NotFound`.
    pub async fn provenance(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        object_id: &str,
    ) -> Result<Vec<VersionProvenance>, ServiceError> {
        let mut records = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .read_objects(
                    caller,
                    api_root,
                    collection_id,
                    ReadRequest {
                        filter: ObjectFilter {
                            ids: vec![object_id.to_owned()],
                            versions: VersionMatch::all(),
                            ..ObjectFilter::default()
                        },
                        after,
                        limit: Some(VERSIONS_PAGE),
                        fetch: Fetch::Objects,
                    },
                )
                .await?;
            after = page.next_cursor();
            records.extend(page.records);
            if after.is_none() {
                break;
            }
        }
        if records.is_empty() {
            return Err(ServiceError::NotFound(format!(
                "no object {object_id} in this collection"
            )));
        }
        // Versions that entered through this node and are not signed yet are signed now,
        // with the attestation a peer will check (the same signature every later send carries).
        self.companions_for(collection_id, &records).await?;
        let stored = self
            .store
            .signatures_of(collection_id, &[object_id.to_owned()])
            .await?;
        let keys = self.node_keys().await?;
        Ok(records
            .iter()
            .map(|record| VersionProvenance {
                version: record.meta.version_text.clone(),
                originator_org: record.meta.originator_org,
                signatures: stored
                    .iter()
                    .filter(|s| s.version == record.meta.version.sortable)
                    .map(|s| SignatureView {
                        signer: s.signer.clone(),
                        companion: s.companion.clone(),
                        verification: tanseeq_provenance::verify(
                            record.raw.as_deref().unwrap_or_default(),
                            &s.companion,
                            &keys,
                        )
                        .map_err(|e: ProvenanceError| e.to_string()),
                    })
                    .collect(),
            })
            .collect())
    }
}

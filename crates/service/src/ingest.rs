//! How objects enter the node: validation at the door, marking rules, one transaction.

use crate::accounts::Caller;
use crate::{Node, ServiceError};
use serde_json::value::RawValue;
use tanseeq_stix::{Tlp, validate_object};
use tanseeq_store::{
    DateAdded, IngestBatch, IngestOutcome, NewObject, Status, StatusDetail, VersionKey,
};
use uuid::Uuid;

/// Whether an object with these markings stays with its originator.
pub fn is_restricted(object_marking_refs: &[String]) -> bool {
    Tlp::of_markings(object_marking_refs.iter().map(String::as_str)).is_some_and(Tlp::is_restricted)
}

/// Validates raw objects into a batch: valid ones to store, invalid ones with their reason.
pub fn prepare_batch<'a>(
    api_root: &str,
    collection_id: Uuid,
    originator_org: Uuid,
    objects: impl IntoIterator<Item = &'a RawValue>,
) -> IngestBatch {
    let request_timestamp = DateAdded::from_timestamp(jiff::Timestamp::now());
    let mut valid = Vec::new();
    let mut rejected = Vec::new();
    for raw in objects {
        let text = raw.get();
        match validate_object(text) {
            Ok(header) => valid.push(NewObject {
                restricted: is_restricted(&header.object_marking_refs),
                header,
                raw: text.to_owned(),
            }),
            Err(e) => rejected.push(rejection(text, e.to_string())),
        }
    }
    IngestBatch {
        status_id: Uuid::new_v4(),
        api_root: api_root.to_owned(),
        collection_id,
        originator_org,
        request_timestamp,
        objects: valid,
        rejected,
    }
}

/// The status entry of an invalid object: its id and version as far as they can be read.
fn rejection(text: &str, message: String) -> StatusDetail {
    #[derive(serde::Deserialize)]
    struct Loose<'a> {
        #[serde(borrow)]
        id: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        modified: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        created: Option<std::borrow::Cow<'a, str>>,
    }
    let loose: Option<Loose> = serde_json::from_str(text).ok();
    let id = loose
        .as_ref()
        .and_then(|l| l.id.as_deref())
        .unwrap_or("")
        .chars()
        .take(300)
        .collect();
    let version = loose
        .as_ref()
        .and_then(|l| l.modified.as_deref().or(l.created.as_deref()))
        .and_then(|t| tanseeq_stix::StixTimestamp::parse(t).ok())
        .map(|t| VersionKey::of(&t).display())
        .unwrap_or_default();
    StatusDetail {
        id,
        version,
        message: Some(message),
    }
}

impl Node {
    /// Stores a batch prepared by [`prepare_batch`]; returns the status once committed.
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, ServiceError> {
        Ok(self.store.ingest(batch).await?)
    }

    /// Validates and stores objects submitted by a caller to a collection it may write.
    pub async fn submit<'a>(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        objects: impl IntoIterator<Item = &'a RawValue>,
    ) -> Result<Status, ServiceError> {
        let batch = prepare_batch(api_root, collection_id, caller.org_id, objects);
        Ok(self.ingest(batch).await?.status)
    }
}

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

/// An indicator whose `pattern_type` is `stix` must carry a pattern that parses under the
/// grammar it names (`pattern_version`, else its `spec_version`) and keeps the specification's
/// semantic rules; the parser's message, with line and column, is the reason given.
pub fn check_indicator_pattern(raw: &str) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct PatternFields {
        pattern: Option<String>,
        pattern_type: Option<String>,
        pattern_version: Option<String>,
        spec_version: Option<String>,
    }
    let fields: PatternFields = serde_json::from_str(raw).map_err(|e| format!("indicator: {e}"))?;
    if fields.pattern_type.as_deref() != Some("stix") {
        return Ok(());
    }
    let Some(pattern) = fields.pattern else {
        return Ok(()); // `pattern` is required; validation has reported its absence.
    };
    let grammar = crate::matching::pattern_grammar(
        fields.pattern_version.as_deref(),
        fields.spec_version.as_deref(),
    );
    tanseeq_pattern::parse(&pattern, grammar)
        .map(|_| ())
        .map_err(|e| format!("pattern: {e}"))
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
        match validate_object(text)
            .map_err(|e| e.to_string())
            .and_then(|header| {
                if header.object_type == "indicator" {
                    check_indicator_pattern(text)?;
                }
                Ok(header)
            }) {
            Ok(header) => valid.push(NewObject::new(
                header.clone(),
                text.to_owned(),
                is_restricted(&header.object_marking_refs),
            )),
            Err(message) => rejected.push(rejection(text, message)),
        }
    }
    IngestBatch {
        status_id: Uuid::new_v4(),
        api_root: api_root.to_owned(),
        collection_id,
        originator_org,
        poster: tanseeq_store::Visibility::organization(originator_org),
        request_timestamp,
        objects: valid,
        rejected,
        keep_status: true,
        replica: None,
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
    /// Stores a batch prepared by [`prepare_batch`], with the audience of each object decided
    /// here (TLP or the collection's default, sharing groups, a sighting's addressee); returns
    /// the status once committed.
    pub async fn ingest(&self, mut batch: IngestBatch) -> Result<IngestOutcome, ServiceError> {
        self.mark_audience(&mut batch).await?;
        let groups: Vec<String> = batch
            .objects
            .iter()
            .filter(|o| o.header.object_type == "marking-definition")
            .map(|o| o.raw.clone())
            .collect();
        let outcome = self.store.ingest(batch).await?;
        if outcome.stored > 0 {
            self.committed();
        }
        if !groups.is_empty() {
            // Stored or already stored: either way the definition holds (revisions only go
            // forward in the store).
            let applied: Vec<(String, bool)> = groups.into_iter().map(|g| (g, true)).collect();
            self.apply_group_definitions(&applied).await?;
        }
        Ok(outcome)
    }

    /// Validates and stores objects submitted by a caller to a collection it may write.
    pub async fn submit<'a>(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        objects: impl IntoIterator<Item = &'a RawValue>,
    ) -> Result<Status, ServiceError> {
        let mut batch = prepare_batch(api_root, collection_id, caller.org_id, objects);
        // Provenance companions and deletion notices are made by nodes, never posted.
        let (made_by_nodes, kept): (Vec<NewObject>, Vec<NewObject>) =
            std::mem::take(&mut batch.objects)
                .into_iter()
                .partition(|o| {
                    o.header.object_type == tanseeq_provenance::COMPANION_TYPE
                        || o.header.object_type == crate::federation::TOMBSTONE_TYPE
                });
        batch.objects = kept;
        for object in made_by_nodes {
            batch.rejected.push(StatusDetail::new(
                &object.header.id,
                object
                    .header
                    .version()
                    .map(|v| VersionKey::of(v).display())
                    .unwrap_or_default(),
                Some(format!(
                    "`{}` objects are made by nodes, not posted",
                    object.header.object_type
                )),
            ));
        }
        Ok(self.ingest(batch).await?.status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restricted_markings_table() {
        let table: &[(&[&str], bool)] = &[
            (&[], false),
            (
                &["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
                false,
            ), // CLEAR
            (
                &["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],
                false,
            ), // WHITE
            (
                &["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],
                false,
            ), // GREEN 2.0
            (
                &["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"],
                false,
            ), // AMBER 1.0
            (
                &["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
                false,
            ), // AMBER 2.0
            (
                &["marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"],
                true,
            ), // AMBER+STRICT
            (
                &["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
                true,
            ), // RED 2.0
            (
                &["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"],
                true,
            ), // RED 1.0
            (
                &[
                    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
                    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
                ],
                true,
            ), // GREEN and RED: the most restrictive wins
            (
                &["marking-definition--00000000-0000-4000-8000-000000000000"],
                false,
            ), // not TLP
        ];
        for (refs, expected) in table {
            let refs: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
            assert_eq!(is_restricted(&refs), *expected, "{refs:?}");
        }
    }

    #[test]
    fn invalid_objects_fail_alone_with_their_reason() {
        let raw = |text: &str| serde_json::value::RawValue::from_string(text.into()).unwrap();
        let good = raw(
            r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#,
        );
        let bad = raw(
            r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-01-01T00:00:00Z","modified":"2016-01-01T00:00:00Z","confidence":150,"pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}"#,
        );
        let batch = prepare_batch(
            "api",
            Uuid::new_v4(),
            Uuid::new_v4(),
            [good.as_ref(), bad.as_ref()],
        );
        assert_eq!(batch.objects.len(), 1);
        assert_eq!(batch.rejected.len(), 1);
        let rejected = &batch.rejected[0];
        assert_eq!(
            rejected.id,
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert_eq!(rejected.version, "2016-01-01T00:00:00.000Z");
        assert!(
            rejected
                .message
                .as_deref()
                .unwrap_or("")
                .contains("confidence")
        );
    }
}

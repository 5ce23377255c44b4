//! Moving a whole node from one store to another (`tanseeq migrate --from … --to …`): every
//! record, every object version with the `date_added` and sequence number it had, every status
//! resource; then proof that nothing was lost, by counts and checksums read back from the
//! target. The search index is not copied: the target builds it as it stores each version
//! (`tanseeq_store::search::search_facts`, at ingest), like every other path that stores one.
//!
//! The node record is written last: a copy that is interrupted leaves a target without one,
//! which no command will serve and which the next copy refuses as "not empty".

use crate::{Node, ServiceError};
use sha2::{Digest, Sha256};
use tanseeq_stix::validate_object;
use tanseeq_store::{
    Cursor, DateAdded, Fetch, IngestBatch, NewObject, ObjectFilter, ObjectQuery, ObjectRecord,
    ReplicaPlacement, Store, VersionMatch, Visibility,
};
use uuid::Uuid;

/// Object versions read from the source per query, and most written per copied batch.
pub const COPY_PAGE: usize = 5_000;
/// Status resources read per query.
const STATUS_PAGE: usize = 1_000;

/// What was copied, per collection, and the checksum both sides agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionCopy {
    pub id: Uuid,
    pub title: String,
    pub objects: u64,
    /// SHA-256 (hex) over every object version in store order: sequence number, date_added,
    /// originator, restriction, id, version and the raw JSON text.
    pub checksum: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyReport {
    pub organizations: usize,
    pub users: usize,
    pub tokens: usize,
    pub collections: Vec<CollectionCopy>,
    pub statuses: u64,
}

/// Object versions in the source, for a progress display.
pub async fn objects_to_copy(source: &dyn Store) -> Result<u64, ServiceError> {
    let mut total = 0;
    for root in source.api_roots().await? {
        for collection in source.collections(&root.name).await? {
            total += source.count_objects(collection.id).await?;
        }
    }
    Ok(total)
}

/// Whether a store holds nothing a copy could collide with.
async fn is_empty(store: &dyn Store) -> Result<bool, ServiceError> {
    Ok(store.node().await?.is_none()
        && store.organizations().await?.is_empty()
        && store.api_roots().await?.is_empty())
}

/// Copies the node in `source` into the empty store `target`, calling `progress` with the
/// number of object versions copied so far, and verifies the result.
pub async fn copy_node(
    source: &Node,
    target: &dyn Store,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<CopyReport, ServiceError> {
    let source = source.store.as_ref();
    let (Some(node), Some(secret)) = (source.node().await?, source.node_secret().await?) else {
        return Err(ServiceError::BadRequest(
            "the source holds no tanseeq node".into(),
        ));
    };
    if !is_empty(target).await? {
        return Err(ServiceError::BadRequest(
            if target.node().await?.is_some() {
                "the target already holds a tanseeq node; copy into an empty database"
            } else {
                "the target holds part of an earlier, unfinished copy; drop and re-create the \
                 database, then run the copy again"
            }
            .into(),
        ));
    }
    let mut report = CopyReport::default();

    let organizations = source.organizations().await?;
    for org in &organizations {
        target.create_organization(org).await?;
    }
    report.organizations = organizations.len();
    for user in source.users().await? {
        target.create_user(&user).await?;
        report.users += 1;
        for token in source.tokens_of_user(user.id).await? {
            target.create_token(&token).await?;
            report.tokens += 1;
        }
    }

    let mut copied = 0u64;
    for root in source.api_roots().await? {
        target.create_api_root(&root).await?;
        for collection in source.collections(&root.name).await? {
            target.create_collection(&collection).await?;
            let objects = copy_objects(source, target, &root.name, collection.id, &mut |n| {
                copied += n;
                progress(copied)
            })
            .await?;
            report.collections.push(CollectionCopy {
                id: collection.id,
                title: collection.title.clone(),
                objects: objects.count,
                checksum: objects.checksum,
            });
        }
    }

    let mut after = None;
    loop {
        let page = source.statuses_page(after, STATUS_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for status in &page {
            target.restore_status(status).await?;
        }
        report.statuses += page.len() as u64;
    }

    verify(target, &report).await?;
    target.init_node(&node, &secret).await?;
    Ok(report)
}

struct CopiedObjects {
    count: u64,
    checksum: String,
}

/// A running checksum over object versions in store order.
#[derive(Default)]
struct Checksum {
    hasher: Sha256,
    count: u64,
}

impl Checksum {
    fn add(&mut self, record: &ObjectRecord) {
        let meta = &record.meta;
        // Length-prefixed fields: no two different sequences hash the same input.
        for field in [
            meta.seq.to_string().as_bytes(),
            meta.date_added.0.to_string().as_bytes(),
            meta.originator_org.as_bytes(),
            &[u8::from(meta.restricted)],
            meta.id.as_bytes(),
            meta.version.sortable.as_bytes(),
            record.raw.as_deref().unwrap_or_default().as_bytes(),
        ] {
            self.hasher.update((field.len() as u64).to_be_bytes());
            self.hasher.update(field);
        }
        self.count += 1;
    }

    fn finish(self) -> (u64, String) {
        (self.count, hex::encode(self.hasher.finalize()))
    }
}

/// Every version of every object of a collection, oldest first, as the operator sees them.
fn page_query(collection: Uuid, after: Option<Cursor>) -> ObjectQuery {
    ObjectQuery {
        collection_id: collection,
        visibility: Visibility::Operator,
        filter: ObjectFilter {
            versions: VersionMatch::all(),
            ..ObjectFilter::default()
        },
        after,
        limit: COPY_PAGE,
        fetch: Fetch::Objects,
    }
}

async fn copy_objects(
    source: &dyn Store,
    target: &dyn Store,
    api_root: &str,
    collection: Uuid,
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<CopiedObjects, ServiceError> {
    let mut checksum = Checksum::default();
    let mut after = None;
    loop {
        let page = source.query_objects(&page_query(collection, after)).await?;
        after = page.next_cursor();
        // Consecutive versions that one ingest stored (one date_added, one originator) go
        // into one copied batch, as they were.
        let mut start = 0;
        while start < page.records.len() {
            let first = &page.records[start].meta;
            let end = page.records[start..]
                .iter()
                .position(|r| {
                    r.meta.date_added != first.date_added
                        || r.meta.originator_org != first.originator_org
                })
                .map_or(page.records.len(), |offset| start + offset);
            let group = &page.records[start..end];
            copy_group(target, api_root, collection, group).await?;
            for record in group {
                checksum.add(record);
            }
            progress(group.len() as u64);
            start = end;
        }
        if after.is_none() {
            break;
        }
    }
    let (count, checksum) = checksum.finish();
    Ok(CopiedObjects { count, checksum })
}

async fn copy_group(
    target: &dyn Store,
    api_root: &str,
    collection: Uuid,
    group: &[ObjectRecord],
) -> Result<(), ServiceError> {
    let first = &group[0].meta;
    let mut objects = Vec::with_capacity(group.len());
    for record in group {
        let raw = record.raw.clone().unwrap_or_default();
        let header = validate_object(&raw).map_err(|e| {
            ServiceError::Internal(format!(
                "stored object {} version {} no longer reads as a STIX object: {e}",
                record.meta.id, record.meta.version_text
            ))
        })?;
        // The restriction the source decided is kept, not re-derived: the copy changes nothing.
        objects.push(NewObject {
            header,
            raw,
            restricted: record.meta.restricted,
            groups: record.meta.groups.clone(),
            addressee_org: record.meta.addressee_org,
            originator_org: Some(record.meta.originator_org),
            origin_node: record.meta.origin_node,
        });
    }
    let batch = IngestBatch {
        status_id: Uuid::new_v4(),
        api_root: api_root.to_owned(),
        collection_id: collection,
        originator_org: first.originator_org,
        poster: Visibility::organization(first.originator_org),
        request_timestamp: DateAdded(first.date_added.0),
        objects,
        rejected: Vec::new(),
        keep_status: false,
        replica: Some(ReplicaPlacement {
            date_added: first.date_added,
            seqs: group.iter().map(|r| r.meta.seq).collect(),
        }),
    };
    let outcome = target.ingest(batch).await?;
    if outcome.stored != group.len() as u64 {
        let why = outcome
            .status
            .failures
            .first()
            .map(|f| {
                format!(
                    "{} {}: {}",
                    f.id,
                    f.version,
                    f.message.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_else(|| format!("{} of them were taken as duplicates", outcome.duplicates));
        return Err(ServiceError::Internal(format!(
            "the target stored {} of {} object versions of a batch ({why})",
            outcome.stored,
            group.len()
        )));
    }
    Ok(())
}

/// Reads everything back from the target and compares it with what was copied.
async fn verify(target: &dyn Store, report: &CopyReport) -> Result<(), ServiceError> {
    let mismatch = |what: String| Err(ServiceError::Internal(format!("copy verification: {what}")));
    let organizations = target.organizations().await?.len();
    if organizations != report.organizations {
        return mismatch(format!(
            "{organizations} organizations in the target, {} copied",
            report.organizations
        ));
    }
    let users = target.users().await?;
    let mut tokens = 0;
    for user in &users {
        tokens += target.tokens_of_user(user.id).await?.len();
    }
    if (users.len(), tokens) != (report.users, report.tokens) {
        return mismatch(format!(
            "{} users and {tokens} tokens in the target, {} and {} copied",
            users.len(),
            report.users,
            report.tokens
        ));
    }
    for collection in &report.collections {
        let mut checksum = Checksum::default();
        let mut after = None;
        loop {
            let page = target
                .query_objects(&page_query(collection.id, after))
                .await?;
            for record in &page.records {
                checksum.add(record);
            }
            after = page.next_cursor();
            if after.is_none() {
                break;
            }
        }
        let (count, sum) = checksum.finish();
        if (count, &sum) != (collection.objects, &collection.checksum) {
            return mismatch(format!(
                "collection {}: {count} object versions with checksum {sum} in the target, \
                 {} with {} in the source",
                collection.id, collection.objects, collection.checksum
            ));
        }
    }
    let mut statuses = 0u64;
    let mut after = None;
    loop {
        let page = target.statuses_page(after, STATUS_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        statuses += page.len() as u64;
    }
    if statuses != report.statuses {
        return mismatch(format!(
            "{statuses} status resources in the target, {} copied",
            report.statuses
        ));
    }
    Ok(())
}

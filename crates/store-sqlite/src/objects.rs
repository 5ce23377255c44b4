//! Object versions: ingest, paged queries, deletion.

use crate::search::write_search_facts;
use crate::{backend, rows};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use sha2::{Digest, Sha256};
use tanseeq_store::*;

/// The single writing connection of this process.
pub struct Writer {
    pub conn: Connection,
    /// About how many entries `recent_object_ids` holds (another process may add some).
    recent_ids: u64,
    /// Merge the recent ids into the main level once there are this many.
    merge_at: u64,
}

/// A batch with everything the writer needs computed beforehand, on the caller's thread, so
/// that the single writer thread spends its time only on the database.
pub(crate) struct PreparedBatch {
    /// The batch, its `objects` moved into `objects` below.
    batch: IngestBatch,
    objects: Vec<PreparedObject>,
}

struct PreparedObject {
    object: NewObject,
    digest: [u8; 32],
    id_hash: i64,
    /// `None` for objects with neither `modified` nor `created`.
    version: Option<VersionKey>,
    created: Option<String>,
    modified: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    markings: Option<String>,
    /// The sharing groups as a JSON array, `None` when there are none.
    groups: Option<String>,
    /// What activity counts call its TLP.
    tlp: Option<&'static str>,
    search: SearchFacts,
}

impl PreparedBatch {
    pub fn new(mut batch: IngestBatch) -> Self {
        let objects = std::mem::take(&mut batch.objects)
            .into_iter()
            .map(|object| {
                let header = &object.header;
                PreparedObject {
                    digest: Sha256::digest(object.raw.as_bytes()).into(),
                    id_hash: id_hash(&header.id),
                    version: header.version().map(VersionKey::of),
                    created: header.created.map(|t| t.sortable()),
                    modified: header.modified.map(|t| t.sortable()),
                    valid_from: header.valid_from.map(|t| t.sortable()),
                    valid_until: header.valid_until.map(|t| t.sortable()),
                    markings: (!header.object_marking_refs.is_empty())
                        .then(|| header.object_marking_refs.join(" ")),
                    groups: groups_json(&object.groups),
                    tlp: tlp_label(header.object_marking_refs.iter().map(String::as_str)),
                    search: search::search_facts(header, &object.raw),
                    object,
                }
            })
            .collect();
        PreparedBatch { batch, objects }
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }
}

/// A version already stored under an object's id.
struct StoredVersion {
    seq: i64,
    version: String,
    sha256: Vec<u8>,
    raw: String,
    originator_org: uuid::Uuid,
    restricted: bool,
    groups: Vec<String>,
    addressee_org: Option<uuid::Uuid>,
    origin_node: Option<uuid::Uuid>,
}

impl StoredVersion {
    fn marked(&self) -> Marked<'_> {
        Marked {
            originator_org: self.originator_org,
            addressee_org: self.addressee_org,
            restricted: self.restricted,
            groups: &self.groups,
            origin_node: self.origin_node,
        }
    }
}

/// The stored form of an object's sharing groups: a sorted JSON array, `None` for none.
fn groups_json(groups: &[String]) -> Option<String> {
    if groups.is_empty() {
        return None;
    }
    let mut sorted = groups.to_vec();
    sorted.sort();
    sorted.dedup();
    serde_json::to_string(&sorted).ok()
}

/// Reads a stored `sharing_groups` column.
fn groups_from_json(row: &rusqlite::Row, index: usize) -> rusqlite::Result<Vec<String>> {
    let text: Option<String> = row.get(index)?;
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                index,
                rusqlite::types::Type::Text,
                Box::new(e),
            )
        }),
    }
}

/// How one object of a batch ended.
enum Outcome {
    Stored,
    /// Already stored under this version; the version as stored.
    Duplicate(String),
    Conflict,
}

/// Opens a write transaction that takes the database's write lock at once, so that it waits
/// (up to the busy timeout) for another process's writer instead of failing midway.
pub fn write_transaction(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(backend)
}

/// Entries in `recent_object_ids` that trigger a merge into `object_ids`: large enough that a
/// merge writes many new entries per page, small enough that the recent level stays a few
/// cached pages.
pub const RECENT_IDS_MERGE_AT: u64 = 50_000;

impl Writer {
    pub fn new(conn: Connection, merge_at: u64) -> rusqlite::Result<Self> {
        let recent_ids: i64 =
            conn.query_row("SELECT count(*) FROM recent_object_ids", [], |r| r.get(0))?;
        Ok(Writer {
            conn,
            recent_ids: recent_ids as u64,
            merge_at,
        })
    }

    /// Stores several batches in one transaction (group commit): one fsync for all of them,
    /// and id-index pages touched by several batches written once. A batch for an unknown
    /// collection fails alone; a database fault fails the group, of which nothing is stored.
    pub(crate) fn ingest_group(
        &mut self,
        batches: Vec<PreparedBatch>,
    ) -> Vec<Result<IngestOutcome>> {
        let total = batches.len();
        let fail_all = |e: StoreError| -> Vec<Result<IngestOutcome>> {
            (0..total).map(|_| Err(e.replicate())).collect()
        };
        let tx = match write_transaction(&mut self.conn) {
            Ok(tx) => tx,
            Err(e) => return fail_all(e),
        };
        // date_added only grows, in commit order, even if the clock steps back or another
        // process writes too: a paging cursor never misses a later write.
        let first_date_added = match advance_clock(&tx, total as i64) {
            Ok(d) => d,
            Err(e) => return fail_all(e),
        };
        let mut outcomes: Vec<Result<IngestOutcome>> = Vec::with_capacity(batches.len());
        let mut latest_copied = None;
        for (index, batch) in batches.into_iter().enumerate() {
            // Each batch keeps a date_added of its own, one microsecond apart; a copied batch
            // keeps the one its source gave it.
            let date_added = match &batch.batch.replica {
                Some(placement) => {
                    latest_copied = latest_copied.max(Some(placement.date_added.0));
                    placement.date_added.0
                }
                None => first_date_added + index as i64,
            };
            // An unknown collection fails its batch alone, before anything is written for it.
            let outcome = match collection_key(&tx, batch.batch.collection_id) {
                Ok(collection) => match ingest_one(&tx, batch, collection, date_added) {
                    Ok(outcome) => Ok(outcome),
                    // A database fault: the whole group is rolled back and fails.
                    Err(e) => return fail_all(e),
                },
                Err(e) => Err(e),
            };
            outcomes.push(outcome);
        }
        if let Some(latest) = latest_copied
            && let Err(e) = tx
                .execute(
                    "UPDATE clock SET last_date_added = max(last_date_added, ?1)",
                    [latest],
                )
                .map_err(backend)
        {
            return fail_all(e);
        }
        let stored: u64 = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|o| o.stored)
            .sum();
        let merge = self.recent_ids + stored >= self.merge_at;
        if merge && let Err(e) = merge_recent_ids(&tx) {
            return fail_all(e);
        }
        // The recent search observables move with the ids (so that the tests merging after
        // every commit exercise the main level), and whenever they are many.
        if let Err(e) = crate::search::merge_recent_observables(&tx, merge) {
            return fail_all(e);
        }
        if let Err(e) = tx.commit().map_err(backend) {
            return fail_all(e);
        }
        self.recent_ids = if merge { 0 } else { self.recent_ids + stored };
        outcomes
    }
}

/// Reserves `count` consecutive date_added values after every one handed out before, and
/// returns the first.
/// Moves every recent id entry into the main level, in key order.
fn merge_recent_ids(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "INSERT INTO object_ids (collection_key, id_hash, seq)
             SELECT collection_key, id_hash, seq FROM recent_object_ids;
         DELETE FROM recent_object_ids;",
    )
    .map_err(backend)
}

fn advance_clock(tx: &rusqlite::Transaction<'_>, count: i64) -> Result<i64> {
    let last: i64 = tx
        .query_row("SELECT last_date_added FROM clock", [], |r| r.get(0))
        .map_err(backend)?;
    let first = jiff::Timestamp::now().as_microsecond().max(last + 1);
    tx.execute("UPDATE clock SET last_date_added = ?1", [first + count - 1])
        .map_err(backend)?;
    Ok(first)
}

fn ingest_one(
    tx: &rusqlite::Transaction<'_>,
    prepared: PreparedBatch,
    collection: i64,
    date_added: i64,
) -> Result<IngestOutcome> {
    let PreparedBatch { batch, objects } = prepared;
    let copied_seqs = batch
        .replica
        .as_ref()
        .map(|placement| placement.seqs.clone())
        .unwrap_or_default();
    if batch.replica.is_some() && copied_seqs.len() != objects.len() {
        return Err(StoreError::Backend(
            "a copied batch needs one sequence number per object".into(),
        ));
    }
    let poster = batch.originator_org;
    let mut successes = Vec::with_capacity(objects.len());
    let keep_status = batch.keep_status;
    let mut failures = batch.rejected;
    let mut duplicates = 0u64;
    let mut activity = ActivityDeltas::default();
    {
        let mut versions_of = tx
            .prepare_cached(&format!(
                "SELECT seq, version, sha256, raw, originator_org, restricted, sharing_groups,
                        addressee_org, origin_node FROM objects
                     WHERE seq IN ({}) AND id = ?3",
                seqs_of_id("?1", "= ?2")
            ))
            .map_err(backend)?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO objects (collection_key, id_hash, id, type, spec_version, version,
                        created, modified, revoked, created_by_ref, marking_refs, valid_from,
                        valid_until, date_added, originator_org, restricted, is_first, is_last,
                        sha256, raw, seq, sharing_groups, addressee_org, origin_node)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                        ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
            )
            .map_err(backend)?;
        let mut index_id = tx
            .prepare_cached(
                "INSERT INTO recent_object_ids (collection_key, id_hash, seq) VALUES (?1, ?2, ?3)",
            )
            .map_err(backend)?;
        let mut clear_first = tx
            .prepare_cached("UPDATE objects SET is_first = 0 WHERE seq = ?1")
            .map_err(backend)?;
        let mut clear_last = tx
            .prepare_cached("UPDATE objects SET is_last = 0 WHERE seq = ?1")
            .map_err(backend)?;

        for (index, prepared) in objects.into_iter().enumerate() {
            let object = &prepared.object;
            let header = &object.header;
            let digest = &prepared.digest;
            // NULL lets SQLite assign the next sequence number.
            let seq = copied_seqs.get(index).copied();
            let existing: Vec<StoredVersion> = versions_of
                .query_map(params![collection, prepared.id_hash, header.id], |r| {
                    Ok(StoredVersion {
                        seq: r.get(0)?,
                        version: r.get(1)?,
                        sha256: r.get(2)?,
                        raw: r.get(3)?,
                        originator_org: rows::uuid(r, 4)?,
                        restricted: r.get(5)?,
                        groups: groups_from_json(r, 6)?,
                        addressee_org: rows::optional_uuid(r, 7)?,
                        origin_node: rows::optional_uuid(r, 8)?,
                    })
                })
                .map_err(backend)?
                .collect::<rusqlite::Result<_>>()
                .map_err(backend)?;
            let version = match &prepared.version {
                Some(v) => v.clone(),
                None => VersionKey::of_date_added(DateAdded(date_added)),
            };
            // Only versions the poster may see count: a hidden version must not turn a post
            // into a duplicate or a conflict, which would reveal that it exists.
            let visible = |stored: &&StoredVersion| batch.poster.admits_marked(&stored.marked());
            let same = |stored: &&StoredVersion| {
                stored.sha256.as_slice() == digest.as_slice()
                    || tanseeq_store::same_json(&stored.raw, &object.raw)
            };
            let outcome = if header.version().is_some() {
                let mut at_version = existing
                    .iter()
                    .filter(|e| e.version == version.sortable)
                    .filter(visible)
                    .peekable();
                if at_version.peek().is_none() {
                    Outcome::Stored
                } else if let Some(e) = at_version.find(same) {
                    Outcome::Duplicate(e.version.clone())
                } else {
                    Outcome::Conflict
                }
            } else {
                match existing.iter().filter(visible).find(same) {
                    Some(e) => Outcome::Duplicate(e.version.clone()),
                    None => Outcome::Stored,
                }
            };
            let shown = |version: &VersionKey| {
                if prepared.version.is_some() {
                    version.display()
                } else {
                    version.display_as_date_added()
                }
            };
            let display = shown(&version);
            match outcome {
                Outcome::Duplicate(stored_version) => {
                    duplicates += 1;
                    let stored = VersionKey {
                        sortable: stored_version,
                    };
                    successes.push(StatusDetail::new(&header.id, shown(&stored), None));
                    continue;
                }
                Outcome::Conflict => {
                    failures.push(StatusDetail::new(
                        &header.id,
                        display,
                        Some(
                            "a different object with this id and version is already stored; \
                                 a changed object needs a later `modified`"
                                .into(),
                        ),
                    ));
                    continue;
                }
                Outcome::Stored => {}
            }
            let first = existing.iter().min_by(|a, b| a.version.cmp(&b.version));
            let last = existing.iter().max_by(|a, b| a.version.cmp(&b.version));
            let is_first = first.is_none_or(|f| version.sortable < f.version);
            let is_last = last.is_none_or(|l| version.sortable > l.version);
            if is_first && let Some(f) = first {
                clear_first.execute([f.seq]).map_err(backend)?;
            }
            if is_last && let Some(l) = last {
                clear_last.execute([l.seq]).map_err(backend)?;
            }
            insert
                .execute(params![
                    collection,
                    prepared.id_hash,
                    header.id,
                    header.object_type,
                    header.spec_version,
                    version.sortable,
                    prepared.created,
                    prepared.modified,
                    header.revoked,
                    header.created_by_ref,
                    prepared.markings,
                    prepared.valid_from,
                    prepared.valid_until,
                    date_added,
                    object.originator_org.unwrap_or(poster).to_string(),
                    object.restricted,
                    is_first,
                    is_last,
                    digest.as_slice(),
                    object.raw,
                    seq,
                    prepared.groups,
                    object.addressee_org.map(|o| o.to_string()),
                    object.origin_node.map(|n| n.to_string()),
                ])
                .map_err(backend)?;
            let stored_seq = tx.last_insert_rowid();
            index_id
                .execute(params![collection, prepared.id_hash, stored_seq])
                .map_err(backend)?;
            write_search_facts(tx, stored_seq, &prepared.search)?;
            let marked = Marked {
                originator_org: object.originator_org.unwrap_or(poster),
                addressee_org: object.addressee_org,
                restricted: object.restricted,
                groups: &object.groups,
                origin_node: object.origin_node,
            };
            activity.add(
                ActivityBucket::of(
                    DateAdded(date_added),
                    &header.object_type,
                    prepared.tlp,
                    &marked,
                ),
                1,
            );
            successes.push(StatusDetail::new(&header.id, display, None));
        }
    }
    apply_activity(tx, collection, activity)?;
    let status = Status {
        id: batch.status_id,
        api_root: batch.api_root,
        collection_id: batch.collection_id,
        owner_org: batch.originator_org,
        state: StatusState::Complete,
        request_timestamp: batch.request_timestamp,
        successes,
        failures,
        pendings: Vec::new(),
    };
    if keep_status {
        insert_status(tx, &status)?;
    }
    Ok(IngestOutcome {
        stored: status.successes.len() as u64 - duplicates,
        duplicates,
        status,
    })
}

/// Stores a status resource; its id must be new. Ingests keep theirs here, and copying a store
/// restores statuses through it.
pub(crate) fn insert_status(conn: &Connection, status: &Status) -> Result<()> {
    conn.execute(
        "INSERT INTO statuses (id, api_root, collection_id, owner_org, state,
            request_timestamp, successes, failures, pendings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            status.id.to_string(),
            status.api_root,
            status.collection_id.to_string(),
            status.owner_org.to_string(),
            status.state.as_str(),
            status.request_timestamp.0,
            StatusDetail::list_to_json(&status.successes),
            StatusDetail::list_to_json(&status.failures),
            StatusDetail::list_to_json(&status.pendings),
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(ref code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::AlreadyExists {
                what: format!("status {}", status.id),
            }
        }
        other => backend(other),
    })?;
    Ok(())
}

impl Writer {
    pub fn delete(&mut self, delete: &ObjectDelete) -> Result<u64> {
        let tx = write_transaction(&mut self.conn)?;
        let collection = collection_key(&tx, delete.collection_id)?;
        let hash = id_hash(&delete.id);
        let mut sql = format!(
            "SELECT seq, date_added, type, marking_refs, originator_org, restricted,
                    sharing_groups, addressee_org, origin_node
             FROM objects WHERE seq IN ({}) AND id = ?",
            seqs_of_id("?", "= ?")
        );
        let mut args: Vec<Value> = vec![
            collection.into(),
            hash.into(),
            collection.into(),
            hash.into(),
            delete.id.clone().into(),
        ];
        push_visibility(&mut sql, &mut args, &delete.visibility);
        push_in(&mut sql, &mut args, "spec_version", &delete.spec_versions);
        push_versions(&mut sql, &mut args, &delete.versions, &delete.visibility);
        let mut activity = ActivityDeltas::default();
        let doomed: Vec<i64> = tx
            .prepare(&sql)
            .and_then(|mut stmt| {
                stmt.query_map(params_from_iter(args), |r| {
                    let markings: Option<String> = r.get(3)?;
                    let groups = groups_from_json(r, 6)?;
                    let marked = Marked {
                        originator_org: rows::uuid(r, 4)?,
                        restricted: r.get(5)?,
                        groups: &groups,
                        addressee_org: rows::optional_uuid(r, 7)?,
                        origin_node: rows::optional_uuid(r, 8)?,
                    };
                    activity.add(
                        ActivityBucket::of(
                            DateAdded(r.get(1)?),
                            &r.get::<_, String>(2)?,
                            tlp_label(markings.as_deref().unwrap_or("").split(' ')),
                            &marked,
                        ),
                        -1,
                    );
                    r.get(0)
                })?
                .collect::<rusqlite::Result<_>>()
            })
            .map_err(backend)?;
        apply_activity(&tx, collection, activity)?;
        for seq in &doomed {
            tx.execute("DELETE FROM objects WHERE seq = ?1", [seq])
                .map_err(backend)?;
            for level in ["object_ids", "recent_object_ids"] {
                tx.execute(
                    &format!(
                        "DELETE FROM {level} WHERE collection_key = ?1 AND id_hash = ?2 AND seq = ?3"
                    ),
                    params![collection, hash, seq],
                )
                .map_err(backend)?;
            }
        }
        if !doomed.is_empty() {
            // The first and last versions among those left.
            let left = format!(
                "SELECT seq FROM objects WHERE seq IN ({}) AND id = ?3",
                seqs_of_id("?1", "= ?2")
            );
            tx.execute(
                &format!(
                    "UPDATE objects SET
                        is_first = (version = (SELECT min(version) FROM objects WHERE seq IN ({left}))),
                        is_last = (version = (SELECT max(version) FROM objects WHERE seq IN ({left})))
                     WHERE seq IN ({left})"
                ),
                params![collection, hash, delete.id],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(doomed.len() as u64)
    }
}

/// Adds the changes of one transaction to the collection's activity rows; rows that reach zero
/// go.
fn apply_activity(tx: &Connection, collection: i64, activity: ActivityDeltas) -> Result<()> {
    if activity.is_empty() {
        return Ok(());
    }
    // The nullable columns are compared with IS (NULL IS NULL), the others with = (indexed).
    const MATCHES: &str = "collection_key = ?2 AND day = ?3 AND type = ?4 AND tlp IS ?5
        AND originator_org = ?6 AND restricted = ?7 AND sharing_groups IS ?8
        AND addressee_org IS ?9 AND origin_node IS ?10";
    let mut update = tx
        .prepare_cached(&format!(
            "UPDATE activity SET count = count + ?1 WHERE {MATCHES}"
        ))
        .map_err(backend)?;
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO activity (count, collection_key, day, type, tlp, originator_org,
                restricted, sharing_groups, addressee_org, origin_node)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(backend)?;
    let mut emptied = tx
        .prepare_cached(&format!(
            "DELETE FROM activity WHERE count <= ?1 AND {MATCHES}"
        ))
        .map_err(backend)?;
    for (bucket, delta) in activity.into_sorted() {
        let key: Vec<Value> = vec![
            collection.into(),
            bucket.day.into(),
            bucket.object_type.into(),
            bucket.tlp.map(str::to_owned).into(),
            bucket.originator_org.to_string().into(),
            bucket.restricted.into(),
            groups_json(&bucket.groups).into(),
            bucket.addressee_org.map(|o| o.to_string()).into(),
            bucket.origin_node.map(|n| n.to_string()).into(),
        ];
        let with = |first: i64| params_from_iter(std::iter::once(first.into()).chain(key.clone()));
        if update.execute(with(delta)).map_err(backend)? == 0 {
            insert.execute(with(delta)).map_err(backend)?;
        }
        if delta < 0 {
            // The row, if its count is left at zero (`count <= 0`).
            emptied.execute(with(0)).map_err(backend)?;
        }
    }
    Ok(())
}

/// The activity counts of one collection from day `since_day` on, among the rows the
/// visibility admits: the rows carry the audience columns of the objects they count, so the
/// objects' translation of the visibility ([`visibility_condition`]) applies to them unchanged.
pub fn activity(
    conn: &Connection,
    collection: uuid::Uuid,
    visibility: &Visibility,
    since_day: i64,
) -> rusqlite::Result<Vec<ActivityCount>> {
    let mut sql = String::from(
        "SELECT day, type, tlp, originator_org, origin_node, sum(count) FROM activity
         WHERE collection_key = (SELECT key FROM collections WHERE id = ?) AND day >= ?",
    );
    let mut args: Vec<Value> = vec![collection.to_string().into(), since_day.into()];
    if let Some(condition) = visibility_condition("activity", visibility, &mut args) {
        sql.push_str(" AND ");
        sql.push_str(&condition);
    }
    // In the order of the index, so that rows are summed as they are read, without a sort.
    sql.push_str(" GROUP BY day, type, originator_org, tlp, origin_node");
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_map(params_from_iter(args), |r| {
        Ok(ActivityCount {
            day: day_date(r.get(0)?),
            object_type: r.get(1)?,
            tlp: r.get(2)?,
            originator_org: rows::uuid(r, 3)?,
            origin_node: rows::optional_uuid(r, 4)?,
            count: r.get::<_, i64>(5)?.max(0) as u64,
        })
    })?
    .collect()
}

/// SQL for the `seq`s of the rows in collection `collection` (an SQL expression) whose id hash
/// meets `hash_test` (`= ?2`, `IN (?, ?)`, …), from both levels of the id index. Parameters
/// in the two arguments appear twice, once per level.
pub fn seqs_of_id(collection: &str, hash_test: &str) -> String {
    format!(
        "SELECT seq FROM object_ids WHERE collection_key = {collection} AND id_hash {hash_test}
         UNION ALL
         SELECT seq FROM recent_object_ids WHERE collection_key = {collection} AND id_hash {hash_test}"
    )
}

/// The id index's key: the first 8 bytes of SHA-256 of the id.
pub fn id_hash(id: &str) -> i64 {
    let digest = Sha256::digest(id.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(head)
}

/// The compact key of a collection; an unknown collection is a caller's error.
pub fn collection_key(conn: &Connection, id: uuid::Uuid) -> Result<i64> {
    conn.prepare_cached("SELECT key FROM collections WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([id.to_string()], |r| r.get(0)).optional())
        .map_err(backend)?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("collection {id}"),
        })
}

pub(crate) fn push_visibility(sql: &mut String, args: &mut Vec<Value>, visibility: &Visibility) {
    if let Some(condition) = visibility_condition("objects", visibility, args) {
        sql.push_str(" AND ");
        sql.push_str(&condition);
    }
}

/// The translation of [`Visibility::admits`] for the row `table` (`None`: every row); the
/// conformance suite holds the two together. Its parameters are appended to `args`.
fn visibility_condition(
    table: &str,
    visibility: &Visibility,
    args: &mut Vec<Value>,
) -> Option<String> {
    let Visibility::Audience(audience) = visibility else {
        return None;
    };
    let marks = |n: usize| vec!["?"; n].join(", ");
    let mut parts = Vec::new();
    if !audience.orgs.is_empty() {
        let orgs = marks(audience.orgs.len());
        parts.push(format!("{table}.originator_org IN ({orgs})"));
        parts.push(format!("{table}.addressee_org IN ({orgs})"));
        for _ in 0..2 {
            args.extend(audience.orgs.iter().map(|o| Value::from(o.to_string())));
        }
    }
    parts.push(format!(
        "({table}.sharing_groups IS NULL AND {table}.restricted = 0)"
    ));
    if !audience.groups.is_empty() {
        parts.push(format!(
            "({table}.sharing_groups IS NOT NULL AND EXISTS (SELECT 1 FROM \
             json_each({table}.sharing_groups) WHERE value IN ({})))",
            marks(audience.groups.len())
        ));
        args.extend(audience.groups.iter().cloned().map(Value::from));
    }
    let mut condition = format!("({})", parts.join(" OR "));
    if let Some(node) = audience.not_from {
        condition =
            format!("({condition} AND ({table}.origin_node IS NULL OR {table}.origin_node <> ?))");
        args.push(node.to_string().into());
    }
    Some(condition)
}

pub(crate) fn push_in(sql: &mut String, args: &mut Vec<Value>, column: &str, values: &[String]) {
    push_in_values(
        sql,
        args,
        column,
        values.iter().cloned().map(Value::from).collect(),
    );
}

fn push_in_values(sql: &mut String, args: &mut Vec<Value>, column: &str, values: Vec<Value>) {
    if values.is_empty() {
        return;
    }
    sql.push_str(" AND ");
    sql.push_str(column);
    sql.push_str(" IN (");
    for (i, value) in values.into_iter().enumerate() {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
        args.push(value);
    }
    sql.push(')');
}

/// `first`/`last` are judged among the versions the visibility admits: the stored flags are
/// exact for the operator; for an organization, a version that is not first (last) overall is
/// still first (last) when every earlier (later) version is hidden from it.
pub(crate) fn push_versions(
    sql: &mut String,
    args: &mut Vec<Value>,
    versions: &VersionMatch,
    visibility: &Visibility,
) {
    if versions.all {
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    for (wanted, flag, beyond) in [
        (versions.first, "is_first", "<"),
        (versions.last, "is_last", ">"),
    ] {
        if !wanted {
            continue;
        }
        match visibility_condition("other", visibility, args) {
            None => parts.push(format!("{flag} = 1")),
            Some(other_visible) => {
                let seqs = seqs_of_id("objects.collection_key", "= objects.id_hash");
                parts.push(format!(
                    "({flag} = 1 OR NOT EXISTS (SELECT 1 FROM objects other
                        WHERE other.seq IN ({seqs})
                          AND other.id = objects.id
                          AND other.version {beyond} objects.version
                          AND {other_visible}))"
                ));
            }
        }
    }
    if !versions.at.is_empty() {
        let marks = vec!["?"; versions.at.len()].join(", ");
        parts.push(format!("version IN ({marks})"));
        args.extend(versions.at.iter().map(|v| Value::from(v.sortable.clone())));
    }
    if parts.is_empty() {
        sql.push_str(" AND 0");
    } else {
        sql.push_str(" AND (");
        sql.push_str(&parts.join(" OR "));
        sql.push(')');
    }
}

pub fn query(conn: &Connection, query: &ObjectQuery) -> rusqlite::Result<ObjectPage> {
    let with_raw = query.fetch == Fetch::Objects;
    let mut sql = String::from(
        "SELECT seq, id, type, spec_version, version, date_added, originator_org, restricted,
                modified IS NULL AND created IS NULL, sharing_groups, addressee_org, origin_node",
    );
    if with_raw {
        sql.push_str(", raw");
    }
    // A lookup by id must use the id index; left alone, the planner may walk the date index
    // of the whole collection to avoid sorting a handful of rows.
    let Some(collection) = conn
        .prepare_cached("SELECT key FROM collections WHERE id = ?1")?
        .query_row([query.collection_id.to_string()], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(ObjectPage {
            records: Vec::new(),
            more: false,
        });
    };
    // A lookup by id goes through the id index to the rows (by rowid); left alone, the planner
    // may walk the date index of the whole collection to avoid sorting a handful of rows.
    sql.push_str(if query.filter.ids.is_empty() {
        " FROM objects WHERE collection_key = ?"
    } else {
        " FROM objects NOT INDEXED WHERE collection_key = ?"
    });
    let mut args: Vec<Value> = vec![collection.into()];
    push_visibility(&mut sql, &mut args, &query.visibility);
    if let Some(after) = query.filter.added_after {
        sql.push_str(" AND date_added > ?");
        args.push(after.0.into());
    }
    if let Some(cursor) = query.after {
        sql.push_str(" AND (date_added, seq) > (?, ?)");
        args.push(cursor.date_added.0.into());
        args.push(cursor.seq.into());
    }
    if !query.filter.ids.is_empty() {
        let marks = vec!["?"; query.filter.ids.len()].join(", ");
        sql.push_str(&format!(
            " AND seq IN ({})",
            seqs_of_id("?", &format!("IN ({marks})"))
        ));
        for _level in 0..2 {
            args.push(collection.into());
            args.extend(query.filter.ids.iter().map(|i| Value::from(id_hash(i))));
        }
    }
    push_in(&mut sql, &mut args, "id", &query.filter.ids);
    push_in(&mut sql, &mut args, "type", &query.filter.types);
    push_in(
        &mut sql,
        &mut args,
        "spec_version",
        &query.filter.spec_versions,
    );
    push_versions(
        &mut sql,
        &mut args,
        &query.filter.versions,
        &query.visibility,
    );
    sql.push_str(" ORDER BY date_added, seq LIMIT ?");
    let limit = query.limit.max(1);
    args.push(
        i64::try_from(limit.saturating_add(1))
            .unwrap_or(i64::MAX)
            .into(),
    );

    let mut stmt = conn.prepare_cached(&sql)?;
    let mut records: Vec<ObjectRecord> = stmt
        .query_map(params_from_iter(args), |row| record(row, with_raw))?
        .collect::<rusqlite::Result<_>>()?;
    let more = records.len() > limit;
    records.truncate(limit);
    Ok(ObjectPage { records, more })
}

/// The columns every object read selects, in the order [`record`] reads them (`raw` last,
/// when wanted).
pub(crate) const RECORD_COLUMNS: &str = "objects.seq, objects.id, objects.type, \
    objects.spec_version, objects.version, objects.date_added, objects.originator_org, \
    objects.restricted, objects.modified IS NULL AND objects.created IS NULL, \
    objects.sharing_groups, objects.addressee_org, objects.origin_node";

/// One record from a row of [`RECORD_COLUMNS`] (then `raw` when `with_raw`).
pub(crate) fn record(row: &rusqlite::Row, with_raw: bool) -> rusqlite::Result<ObjectRecord> {
    let version = VersionKey {
        sortable: row.get(4)?,
    };
    let from_date_added: bool = row.get(8)?;
    let meta = ObjectMeta {
        seq: row.get(0)?,
        id: row.get(1)?,
        object_type: row.get(2)?,
        spec_version: row.get(3)?,
        version_text: if from_date_added {
            version.display_as_date_added()
        } else {
            version.display()
        },
        version,
        date_added: DateAdded(row.get(5)?),
        originator_org: rows::uuid(row, 6)?,
        restricted: row.get(7)?,
        groups: groups_from_json(row, 9)?,
        addressee_org: rows::optional_uuid(row, 10)?,
        origin_node: rows::optional_uuid(row, 11)?,
    };
    let raw = if with_raw { Some(row.get(12)?) } else { None };
    Ok(ObjectRecord { meta, raw })
}

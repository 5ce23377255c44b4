//! Object versions: ingest, paged queries, deletion.
//!
//! Ingests and deletes take the one-row `clock` lock first thing in their transaction. That
//! serializes every write to `objects` across all processes on the database, which is what
//! makes three things simple and exact: `date_added` grows in commit order (a transaction
//! that got a later value commits later, so a reader's cursor never passes a value that a
//! later commit fills in); duplicate and conflict decisions see every version committed before;
//! and the `is_first`/`is_last` flags of one object are never updated by two writers at once.

use crate::{backend, rows};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tanseeq_store::*;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

type Param = Box<dyn ToSql + Sync + Send>;

/// An SQL text being built with its parameters, numbered `$1`, `$2`, … in order of binding.
pub(crate) struct Sql {
    pub(crate) text: String,
    params: Vec<Param>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    /// Adds a parameter and returns its placeholder.
    pub(crate) fn bind(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    pub(crate) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(crate) fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// A batch with everything derived from the objects computed before a connection is taken,
/// so the transaction, which holds the clock lock that every writer waits for, only talks to
/// the database.
pub(crate) struct PreparedBatch {
    /// The batch, its `objects` moved into `objects` below.
    batch: IngestBatch,
    objects: Vec<PreparedObject>,
}

struct PreparedObject {
    object: NewObject,
    digest: [u8; 32],
    /// `None` for objects with neither `modified` nor `created`.
    version: Option<VersionKey>,
    created: Option<String>,
    modified: Option<String>,
    valid_from: Option<String>,
    valid_until: Option<String>,
    markings: Option<String>,
    /// The object's sharing groups as stored: sorted, without duplicates.
    groups: Vec<String>,
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
                    version: header.version().map(VersionKey::of),
                    created: header.created.map(|t| t.sortable()),
                    modified: header.modified.map(|t| t.sortable()),
                    valid_from: header.valid_from.map(|t| t.sortable()),
                    valid_until: header.valid_until.map(|t| t.sortable()),
                    markings: (!header.object_marking_refs.is_empty())
                        .then(|| header.object_marking_refs.join(" ")),
                    groups: stored_groups(&object.groups),
                    tlp: tlp_label(header.object_marking_refs.iter().map(String::as_str)),
                    search: search::search_facts(header, &object.raw),
                    object,
                }
            })
            .collect();
        PreparedBatch { batch, objects }
    }
}

/// A version already stored under an object's id (before or earlier in this batch).
struct StoredVersion {
    /// Where the version is: a stored row, or a row of this batch not yet written.
    place: Place,
    version: String,
    sha256: Vec<u8>,
    /// Read only when needed: when a same-version candidate's hash differs.
    raw: Option<String>,
    originator_org: Uuid,
    restricted: bool,
    groups: Vec<String>,
    addressee_org: Option<Uuid>,
    origin_node: Option<Uuid>,
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

/// The stored form of sharing groups: sorted, without duplicates (the column is NULL when
/// there are none).
fn stored_groups(groups: &[String]) -> Vec<String> {
    let mut sorted = groups.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
}

#[derive(Clone, Copy)]
enum Place {
    Stored(i64),
    /// Index into the batch's new rows.
    New(usize),
}

/// Rows of a batch, as columns: written with one statement (`unnest` of arrays), since a
/// round trip per object would bound ingest by the network's latency.
#[derive(Default)]
struct NewRows {
    seq: Vec<Option<i64>>,
    id: Vec<String>,
    object_type: Vec<String>,
    spec_version: Vec<String>,
    version: Vec<String>,
    created: Vec<Option<String>>,
    modified: Vec<Option<String>>,
    revoked: Vec<bool>,
    created_by_ref: Vec<Option<String>>,
    marking_refs: Vec<Option<String>>,
    valid_from: Vec<Option<String>>,
    valid_until: Vec<Option<String>>,
    originator_org: Vec<Uuid>,
    restricted: Vec<bool>,
    is_first: Vec<bool>,
    is_last: Vec<bool>,
    sha256: Vec<Vec<u8>>,
    raw: Vec<String>,
    addressee_org: Vec<Option<Uuid>>,
    origin_node: Vec<Option<Uuid>>,
    /// The sharing groups of every row, one after the other: a row's are the slice
    /// `groups[groups_start .. groups_start + groups_count]` (1-based, as SQL arrays), since
    /// `unnest` flattens an array of arrays and rows' lists differ in length.
    groups: Vec<String>,
    groups_start: Vec<i32>,
    groups_count: Vec<i32>,
    /// The search entries of the rows, written after them.
    search: crate::search::SearchRows,
}

/// How one object of a batch ended.
enum Outcome {
    Stored,
    /// Already stored under this version; the version as stored.
    Duplicate(String),
    Conflict,
}

const CONFLICT_MESSAGE: &str = "a different object with this id and version is already stored; \
                                a changed object needs a later `modified`";

/// The compact key of a collection; an unknown collection is a caller's error.
async fn collection_key(client: &impl tokio_postgres::GenericClient, id: Uuid) -> Result<i64> {
    client
        .query_opt("SELECT key FROM collections WHERE id = $1", &[&id])
        .await
        .map_err(backend)?
        .map(|r| rows::get(&r, 0))
        .transpose()?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("collection {id}"),
        })
}

/// Stores one batch and its status in one transaction; see the module comment for the lock.
pub(crate) async fn ingest(
    client: &mut deadpool_postgres::Client,
    prepared: PreparedBatch,
) -> Result<IngestOutcome> {
    let PreparedBatch { batch, objects } = prepared;
    let tx = client.transaction().await.map_err(backend)?;
    // Statements of every ingest are prepared once per connection: a round trip each saved.
    let find_collection = tx
        .prepare_cached("SELECT key FROM collections WHERE id = $1")
        .await
        .map_err(backend)?;
    let collection: i64 = match tx
        .query_opt(&find_collection, &[&batch.collection_id])
        .await
        .map_err(backend)?
    {
        Some(row) => rows::get(&row, 0)?,
        None => {
            return Err(StoreError::NotFound {
                what: format!("collection {}", batch.collection_id),
            });
        }
    };
    // date_added only grows, even if the database's clock steps back: the last value plus one
    // at least. Taken with the row lock, held until commit.
    // A copied batch keeps its source's date_added; the clock still moves past it.
    let date_added: i64 = match &batch.replica {
        None => rows::get(
            &tx.query_one(
                &tx.prepare_cached(
                    "UPDATE clock SET last_date_added = GREATEST(
                         last_date_added + 1,
                         floor(extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
                     RETURNING last_date_added",
                )
                .await
                .map_err(backend)?,
                &[],
            )
            .await
            .map_err(backend)?,
            0,
        )?,
        Some(placement) => {
            if placement.seqs.len() != objects.len() {
                return Err(StoreError::Backend(
                    "a copied batch needs one sequence number per object".into(),
                ));
            }
            tx.execute(
                "UPDATE clock SET last_date_added = GREATEST(last_date_added, $1)",
                &[&placement.date_added.0],
            )
            .await
            .map_err(backend)?;
            placement.date_added.0
        }
    };
    let copied_seqs: Vec<i64> = batch
        .replica
        .as_ref()
        .map(|placement| placement.seqs.clone())
        .unwrap_or_default();

    // Every stored version of the ids in the batch, in one query; versions stored by this
    // batch are added as they go (a batch may hold several versions of one object).
    let ids: Vec<&str> = objects
        .iter()
        .map(|o| o.object.header.id.as_str())
        .collect();
    let mut existing: HashMap<String, Vec<StoredVersion>> = HashMap::new();
    let stored_versions = tx
        .prepare_cached(
            // By id alone (the index leads with it), other collections filtered out below:
            // a condition on the collection would let the planner prefer an index that leads
            // with it, and for a collection the statistics do not know yet (estimated at one
            // row) scan the whole collection for every batch.
            "SELECT seq, id, version, sha256, originator_org, restricted, collection_key,
                    sharing_groups, addressee_org, origin_node
             FROM objects WHERE id = ANY($1) ORDER BY seq",
        )
        .await
        .map_err(backend)?;
    for row in tx.query(&stored_versions, &[&ids]).await.map_err(backend)? {
        let in_collection: i64 = rows::get(&row, 6)?;
        if in_collection != collection {
            continue;
        }
        existing
            .entry(rows::get(&row, 1)?)
            .or_default()
            .push(StoredVersion {
                place: Place::Stored(rows::get(&row, 0)?),
                version: rows::get(&row, 2)?,
                sha256: rows::get(&row, 3)?,
                raw: None,
                originator_org: rows::get(&row, 4)?,
                restricted: rows::get(&row, 5)?,
                groups: rows::get::<Option<Vec<String>>>(&row, 7)?.unwrap_or_default(),
                addressee_org: rows::get(&row, 8)?,
                origin_node: rows::get(&row, 9)?,
            });
    }

    let raw_of = tx
        .prepare_cached("SELECT raw FROM objects WHERE seq = $1")
        .await
        .map_err(backend)?;

    let poster = batch.originator_org;
    let mut successes = Vec::with_capacity(objects.len());
    let keep_status = batch.keep_status;
    let mut failures = batch.rejected;
    let mut duplicates = 0u64;
    let mut new_rows = NewRows::default();
    let mut clear_first: Vec<i64> = Vec::new();
    let mut clear_last: Vec<i64> = Vec::new();
    let mut activity = ActivityDeltas::default();
    for (index, prepared) in objects.into_iter().enumerate() {
        // NULL: the next number of the sequence.
        let copied_seq: Option<i64> = copied_seqs.get(index).copied();
        let object = &prepared.object;
        let header = &object.header;
        let versions = existing.entry(header.id.clone()).or_default();
        let version = match &prepared.version {
            Some(v) => v.clone(),
            None => VersionKey::of_date_added(DateAdded(date_added)),
        };
        // Only versions the poster may see count: a hidden version must not turn a post into
        // a duplicate or a conflict, which would reveal that it exists.
        let visible = |stored: &StoredVersion| batch.poster.admits_marked(&stored.marked());
        let versioned = prepared.version.is_some();
        // Indices, not an iterator, so that nothing borrowed by a closure is held across the
        // awaits below (the future must be `Send`).
        let candidates: Vec<usize> = (0..versions.len())
            .filter(|&i| {
                visible(&versions[i]) && (!versioned || versions[i].version == version.sortable)
            })
            .collect();
        let outcome = if versioned && candidates.is_empty() {
            Outcome::Stored
        } else {
            let mut found = None;
            for i in candidates {
                let stored = &mut versions[i];
                if stored.sha256.as_slice() == prepared.digest.as_slice() {
                    found = Some(stored.version.clone());
                    break;
                }
                if stored.raw.is_none()
                    && let Place::Stored(seq) = stored.place
                {
                    let row = tx.query_one(&raw_of, &[&seq]).await.map_err(backend)?;
                    stored.raw = Some(rows::get(&row, 0)?);
                }
                if stored
                    .raw
                    .as_deref()
                    .is_some_and(|raw| tanseeq_store::same_json(raw, &object.raw))
                {
                    found = Some(stored.version.clone());
                    break;
                }
            }
            match found {
                Some(v) => Outcome::Duplicate(v),
                None if versioned => Outcome::Conflict,
                None => Outcome::Stored,
            }
        };
        let shown = |version: &VersionKey| {
            if versioned {
                version.display()
            } else {
                version.display_as_date_added()
            }
        };
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
                    shown(&version),
                    Some(CONFLICT_MESSAGE.into()),
                ));
                continue;
            }
            Outcome::Stored => {}
        }
        // The stored flags are exact over all versions (the operator's view); callers'
        // views are judged at query time (`push_versions`).
        let first = versions.iter().min_by(|a, b| a.version.cmp(&b.version));
        let last = versions.iter().max_by(|a, b| a.version.cmp(&b.version));
        let is_first = first.is_none_or(|f| version.sortable < f.version);
        let is_last = last.is_none_or(|l| version.sortable > l.version);
        if is_first && let Some(f) = first {
            match f.place {
                Place::Stored(seq) => clear_first.push(seq),
                Place::New(row) => new_rows.is_first[row] = false,
            }
        }
        if is_last && let Some(l) = last {
            match l.place {
                Place::Stored(seq) => clear_last.push(seq),
                Place::New(row) => new_rows.is_last[row] = false,
            }
        }
        let originator = object.originator_org.unwrap_or(poster);
        activity.add(
            ActivityBucket::of(
                DateAdded(date_added),
                &header.object_type,
                prepared.tlp,
                &Marked {
                    originator_org: originator,
                    addressee_org: object.addressee_org,
                    restricted: object.restricted,
                    groups: &prepared.groups,
                    origin_node: object.origin_node,
                },
            ),
            1,
        );
        versions.push(StoredVersion {
            place: Place::New(new_rows.id.len()),
            version: version.sortable.clone(),
            sha256: prepared.digest.to_vec(),
            raw: Some(object.raw.clone()),
            originator_org: originator,
            restricted: object.restricted,
            groups: prepared.groups.clone(),
            addressee_org: object.addressee_org,
            origin_node: object.origin_node,
        });
        let rows = &mut new_rows;
        rows.seq.push(copied_seq);
        rows.id.push(header.id.clone());
        rows.object_type.push(header.object_type.clone());
        rows.spec_version.push(header.spec_version.clone());
        rows.version.push(version.sortable.clone());
        rows.created.push(prepared.created.clone());
        rows.modified.push(prepared.modified.clone());
        rows.revoked.push(header.revoked);
        rows.created_by_ref.push(header.created_by_ref.clone());
        rows.marking_refs.push(prepared.markings.clone());
        rows.valid_from.push(prepared.valid_from.clone());
        rows.valid_until.push(prepared.valid_until.clone());
        rows.originator_org.push(originator);
        rows.restricted.push(object.restricted);
        rows.is_first.push(is_first);
        rows.is_last.push(is_last);
        rows.sha256.push(prepared.digest.to_vec());
        rows.raw.push(object.raw.clone());
        rows.addressee_org.push(object.addressee_org);
        rows.origin_node.push(object.origin_node);
        rows.groups_start
            .push(i32::try_from(rows.groups.len() + 1).unwrap_or(i32::MAX));
        rows.groups_count
            .push(i32::try_from(prepared.groups.len()).unwrap_or(i32::MAX));
        rows.groups.extend(prepared.groups.iter().cloned());
        rows.search
            .add(&header.id, &version.sortable, originator, &prepared.search);
        successes.push(StatusDetail::new(&header.id, shown(&version), None));
    }

    write_rows(
        &tx,
        collection,
        date_added,
        &new_rows,
        &clear_first,
        &clear_last,
    )
    .await?;
    apply_activity(&tx, collection, activity).await?;
    new_rows.search.write(&tx, collection).await?;

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
        insert_status(&*tx, &status).await?;
    }
    if batch.replica.is_some() {
        // Copied rows carried their own sequence numbers: later ingests continue after them.
        tx.execute(
            "SELECT setval(pg_get_serial_sequence('objects', 'seq'),
                           GREATEST((SELECT max(seq) FROM objects), 1))",
            &[],
        )
        .await
        .map_err(backend)?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(IngestOutcome {
        stored: status.successes.len() as u64 - duplicates,
        duplicates,
        status,
    })
}

/// Clears the first/last flags of stored versions that new ones displaced, then inserts the
/// new rows. Rows without a given sequence number take the next ones in batch order.
async fn write_rows(
    tx: &deadpool_postgres::Transaction<'_>,
    collection: i64,
    date_added: i64,
    rows: &NewRows,
    clear_first: &[i64],
    clear_last: &[i64],
) -> Result<()> {
    if !clear_first.is_empty() {
        let statement = tx
            .prepare_cached("UPDATE objects SET is_first = FALSE WHERE seq = ANY($1)")
            .await
            .map_err(backend)?;
        tx.execute(&statement, &[&clear_first])
            .await
            .map_err(backend)?;
    }
    if !clear_last.is_empty() {
        let statement = tx
            .prepare_cached("UPDATE objects SET is_last = FALSE WHERE seq = ANY($1)")
            .await
            .map_err(backend)?;
        tx.execute(&statement, &[&clear_last])
            .await
            .map_err(backend)?;
    }
    if rows.id.is_empty() {
        return Ok(());
    }
    // `WITH ORDINALITY … ORDER BY` keeps batch order for the sequence numbers drawn. A row's
    // sharing groups are its slice of the flat `$3` (NULL when it has none).
    let statement = tx
        .prepare_cached(
            "INSERT INTO objects (seq, collection_key, id, type, spec_version, version, created,
                    modified, revoked, created_by_ref, marking_refs, valid_from, valid_until,
                    date_added, originator_org, restricted, is_first, is_last, sha256, raw,
                    addressee_org, origin_node, sharing_groups)
             OVERRIDING SYSTEM VALUE
             SELECT COALESCE(r.seq, nextval(pg_get_serial_sequence('objects', 'seq'))),
                    $1, r.id, r.type, r.spec_version, r.version, r.created, r.modified,
                    r.revoked, r.created_by_ref, r.marking_refs, r.valid_from, r.valid_until,
                    $2, r.originator_org, r.restricted, r.is_first, r.is_last, r.sha256, r.raw,
                    r.addressee_org, r.origin_node,
                    CASE WHEN r.groups_count > 0
                         THEN ($3::text[])[r.groups_start : r.groups_start + r.groups_count - 1]
                    END
             FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::text[], $10::text[], $11::boolean[], $12::text[], $13::text[],
                         $14::text[], $15::text[], $16::uuid[], $17::boolean[], $18::boolean[],
                         $19::boolean[], $20::bytea[], $21::text[], $22::uuid[], $23::uuid[],
                         $24::integer[], $25::integer[])
                  WITH ORDINALITY AS r(seq, id, type, spec_version, version, created,
                         modified, revoked, created_by_ref, marking_refs, valid_from,
                         valid_until, originator_org, restricted, is_first, is_last, sha256,
                         raw, addressee_org, origin_node, groups_start, groups_count, position)
             ORDER BY r.position",
        )
        .await
        .map_err(backend)?;
    tx.execute(
        &statement,
        &[
            &collection,
            &date_added,
            &rows.groups,
            &rows.seq,
            &rows.id,
            &rows.object_type,
            &rows.spec_version,
            &rows.version,
            &rows.created,
            &rows.modified,
            &rows.revoked,
            &rows.created_by_ref,
            &rows.marking_refs,
            &rows.valid_from,
            &rows.valid_until,
            &rows.originator_org,
            &rows.restricted,
            &rows.is_first,
            &rows.is_last,
            &rows.sha256,
            &rows.raw,
            &rows.addressee_org,
            &rows.origin_node,
            &rows.groups_start,
            &rows.groups_count,
        ],
    )
    .await
    .map_err(|e| {
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            StoreError::AlreadyExists {
                what: "an object version of this batch".into(),
            }
        } else {
            backend(e)
        }
    })?;
    Ok(())
}

/// Stores a status resource; its id must be new.
pub(crate) async fn insert_status(
    client: &impl tokio_postgres::GenericClient,
    status: &Status,
) -> Result<()> {
    client
        .execute(
            "INSERT INTO statuses (id, api_root, collection_id, owner_org, state,
                request_timestamp, successes, failures, pendings)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &status.id,
                &status.api_root,
                &status.collection_id,
                &status.owner_org,
                &status.state.as_str(),
                &status.request_timestamp.0,
                &StatusDetail::list_to_json(&status.successes),
                &StatusDetail::list_to_json(&status.failures),
                &StatusDetail::list_to_json(&status.pendings),
            ],
        )
        .await
        .map_err(|e| {
            if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                StoreError::AlreadyExists {
                    what: format!("status {}", status.id),
                }
            } else {
                backend(e)
            }
        })?;
    Ok(())
}

/// Deletes the matching versions among those the visibility admits, then sets the first and
/// last flags among the versions left.
pub(crate) async fn delete(
    client: &mut deadpool_postgres::Client,
    delete: &ObjectDelete,
) -> Result<u64> {
    let tx = client.transaction().await.map_err(backend)?;
    let collection = collection_key(&*tx, delete.collection_id).await?;
    // Serialized with ingests (see the module comment), so flags stay exact.
    tx.execute("SELECT 1 FROM clock FOR UPDATE", &[])
        .await
        .map_err(backend)?;
    let mut sql = Sql::new("DELETE FROM objects WHERE collection_key = ");
    let c = sql.bind(collection);
    sql.push(&c);
    let id = sql.bind(delete.id.clone());
    sql.push(&format!(" AND id = {id}"));
    let audience = push_visibility(&mut sql, &delete.visibility);
    push_in(&mut sql, "spec_version", &delete.spec_versions);
    push_versions(&mut sql, &delete.versions, audience.as_ref());
    // Each deleted version leaves the activity counts too.
    sql.push(
        " RETURNING date_added, type, marking_refs, originator_org, restricted, sharing_groups,
                    addressee_org, origin_node",
    );
    let gone = tx
        .query(sql.text.as_str(), &sql.params())
        .await
        .map_err(backend)?;
    let removed = gone.len() as u64;
    let mut activity = ActivityDeltas::default();
    for row in &gone {
        let markings: Option<String> = rows::get(row, 2)?;
        let groups = rows::get::<Option<Vec<String>>>(row, 5)?.unwrap_or_default();
        activity.add(
            ActivityBucket::of(
                DateAdded(rows::get(row, 0)?),
                &rows::get::<String>(row, 1)?,
                tlp_label(markings.as_deref().unwrap_or("").split(' ')),
                &Marked {
                    originator_org: rows::get(row, 3)?,
                    restricted: rows::get(row, 4)?,
                    groups: &groups,
                    addressee_org: rows::get(row, 6)?,
                    origin_node: rows::get(row, 7)?,
                },
            ),
            -1,
        );
    }
    apply_activity(&tx, collection, activity).await?;
    if removed > 0 {
        tx.execute(
            "UPDATE objects o SET is_first = (o.version = m.first),
                                  is_last = (o.version = m.last)
             FROM (SELECT min(version) AS first, max(version) AS last FROM objects
                   WHERE collection_key = $1 AND id = $2) m
             WHERE o.collection_key = $1 AND o.id = $2",
            &[&collection, &delete.id],
        )
        .await
        .map_err(backend)?;
    }
    tx.commit().await.map_err(backend)?;
    Ok(removed)
}

/// Adds the changes of one transaction to the collection's activity rows, in one statement
/// (an update of the rows that exist, an insert of the others); rows left at zero go. Writers
/// hold the clock lock (see the module comment), so no other transaction inserts the same row
/// meanwhile.
async fn apply_activity(
    tx: &deadpool_postgres::Transaction<'_>,
    collection: i64,
    activity: ActivityDeltas,
) -> Result<()> {
    if activity.is_empty() {
        return Ok(());
    }
    let changes = activity.into_sorted();
    let mut day = Vec::with_capacity(changes.len());
    let mut object_type = Vec::with_capacity(changes.len());
    let mut tlp: Vec<Option<&str>> = Vec::with_capacity(changes.len());
    let mut originator = Vec::with_capacity(changes.len());
    let mut restricted = Vec::with_capacity(changes.len());
    let mut addressee = Vec::with_capacity(changes.len());
    let mut origin = Vec::with_capacity(changes.len());
    let mut delta = Vec::with_capacity(changes.len());
    // As in `write_rows`: every row's groups one after the other, each row's its slice.
    let mut groups: Vec<&str> = Vec::new();
    let mut groups_start: Vec<i32> = Vec::with_capacity(changes.len());
    let mut groups_count: Vec<i32> = Vec::with_capacity(changes.len());
    for (bucket, change) in &changes {
        day.push(bucket.day);
        object_type.push(bucket.object_type.as_str());
        tlp.push(bucket.tlp);
        originator.push(bucket.originator_org);
        restricted.push(bucket.restricted);
        addressee.push(bucket.addressee_org);
        origin.push(bucket.origin_node);
        delta.push(*change);
        groups_start.push(i32::try_from(groups.len() + 1).unwrap_or(i32::MAX));
        groups_count.push(i32::try_from(bucket.groups.len()).unwrap_or(i32::MAX));
        groups.extend(bucket.groups.iter().map(String::as_str));
    }
    let statement = tx
        .prepare_cached(
            "WITH changes AS (
                 SELECT c.day, c.type, c.tlp, c.originator_org, c.restricted,
                        CASE WHEN c.groups_count > 0
                             THEN ($2::text[])[c.groups_start : c.groups_start + c.groups_count - 1]
                        END AS sharing_groups,
                        c.addressee_org, c.origin_node, c.delta, c.position
                 FROM unnest($3::bigint[], $4::text[], $5::text[], $6::uuid[], $7::boolean[],
                             $8::integer[], $9::integer[], $10::uuid[], $11::uuid[], $12::bigint[])
                      WITH ORDINALITY AS c(day, type, tlp, originator_org, restricted,
                             groups_start, groups_count, addressee_org, origin_node, delta,
                             position)
             ),
             updated AS (
                 UPDATE activity a SET count = a.count + changes.delta
                 FROM changes
                 WHERE a.collection_key = $1 AND a.day = changes.day
                   AND a.type = changes.type AND a.originator_org = changes.originator_org
                   AND a.restricted = changes.restricted
                   AND a.tlp IS NOT DISTINCT FROM changes.tlp
                   AND a.sharing_groups IS NOT DISTINCT FROM changes.sharing_groups
                   AND a.addressee_org IS NOT DISTINCT FROM changes.addressee_org
                   AND a.origin_node IS NOT DISTINCT FROM changes.origin_node
                 RETURNING changes.position
             )
             INSERT INTO activity (collection_key, day, type, tlp, originator_org, restricted,
                                   sharing_groups, addressee_org, origin_node, count)
             SELECT $1, day, type, tlp, originator_org, restricted, sharing_groups,
                    addressee_org, origin_node, delta
             FROM changes WHERE position NOT IN (SELECT position FROM updated)",
        )
        .await
        .map_err(backend)?;
    tx.execute(
        &statement,
        &[
            &collection,
            &groups,
            &day,
            &object_type,
            &tlp,
            &originator,
            &restricted,
            &groups_start,
            &groups_count,
            &addressee,
            &origin,
            &delta,
        ],
    )
    .await
    .map_err(backend)?;
    let emptied: Vec<i64> = changes
        .iter()
        .filter(|(_, change)| *change < 0)
        .map(|(bucket, _)| bucket.day)
        .collect();
    if !emptied.is_empty() {
        let statement = tx
            .prepare_cached(
                "DELETE FROM activity
                 WHERE collection_key = $1 AND day = ANY($2) AND count <= 0",
            )
            .await
            .map_err(backend)?;
        tx.execute(&statement, &[&collection, &emptied])
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// The activity counts of one collection from day `since_day` on, among the rows the
/// visibility admits: the rows carry the audience columns of the objects they count, so the
/// objects' translation of the visibility ([`AudienceParams::condition`]) applies unchanged.
pub(crate) async fn activity(
    client: &deadpool_postgres::Client,
    collection: Uuid,
    visibility: &Visibility,
    since_day: i64,
) -> Result<Vec<ActivityCount>> {
    let mut sql = Sql::new(
        "SELECT day, type, tlp, originator_org, origin_node, sum(count)::bigint FROM activity
         WHERE collection_key = (SELECT key FROM collections WHERE id = ",
    );
    let collection = sql.bind(collection);
    sql.push(&collection);
    let since = sql.bind(since_day);
    sql.push(&format!(") AND day >= {since}"));
    if let Some(audience) = AudienceParams::bind(&mut sql, visibility) {
        sql.push(" AND ");
        sql.push(&audience.condition("activity"));
    }
    sql.push(" GROUP BY day, type, tlp, originator_org, origin_node");
    let statement = client
        .prepare_cached(sql.text.as_str())
        .await
        .map_err(backend)?;
    let found = client
        .query(&statement, &sql.params())
        .await
        .map_err(backend)?;
    found
        .iter()
        .map(|row| {
            Ok(ActivityCount {
                day: day_date(rows::get(row, 0)?),
                object_type: rows::get(row, 1)?,
                tlp: rows::get(row, 2)?,
                originator_org: rows::get(row, 3)?,
                origin_node: rows::get(row, 4)?,
                count: rows::get::<i64>(row, 5)?.max(0) as u64,
            })
        })
        .collect()
}

/// The bound parameters of an audience (placeholders with their types), each list bound as
/// one array whatever its length, so that the SQL text depends only on which lists are empty:
/// few texts, each prepared once per connection. The main condition and the `other`
/// subqueries of first/last share them.
pub(crate) struct AudienceParams {
    /// `None` when the audience has no organizations (its parts are then left out).
    orgs: Option<String>,
    /// `None` when the audience is in no sharing group.
    groups: Option<String>,
    not_from: Option<String>,
}

impl AudienceParams {
    fn bind(sql: &mut Sql, visibility: &Visibility) -> Option<Self> {
        let Visibility::Audience(audience) = visibility else {
            return None;
        };
        Some(AudienceParams {
            orgs: (!audience.orgs.is_empty())
                .then(|| format!("{}::uuid[]", sql.bind(audience.orgs.clone()))),
            groups: (!audience.groups.is_empty())
                .then(|| format!("{}::text[]", sql.bind(audience.groups.clone()))),
            not_from: audience
                .not_from
                .map(|node| format!("{}::uuid", sql.bind(node))),
        })
    }

    /// The translation of [`Visibility::admits`] for the row `table`; the conformance suite
    /// holds the two together. Where a column is NULL a comparison is NULL, not false, which
    /// is the same in a `WHERE` or `EXISTS` (the row is left out) and never negated.
    fn condition(&self, table: &str) -> String {
        let mut parts = Vec::new();
        if let Some(orgs) = &self.orgs {
            parts.push(format!("{table}.originator_org = ANY({orgs})"));
            parts.push(format!("{table}.addressee_org = ANY({orgs})"));
        }
        parts.push(format!(
            "({table}.sharing_groups IS NULL AND NOT {table}.restricted)"
        ));
        if let Some(groups) = &self.groups {
            parts.push(format!("{table}.sharing_groups && {groups}"));
        }
        let mut condition = format!("({})", parts.join(" OR "));
        if let Some(node) = &self.not_from {
            condition = format!(
                "({condition} AND ({table}.origin_node IS NULL OR {table}.origin_node <> {node}))"
            );
        }
        condition
    }
}

/// Restricts `objects` to the rows the visibility admits; returns the audience's parameters
/// for the first/last subqueries (`None`: the operator, every row).
pub(crate) fn push_visibility(sql: &mut Sql, visibility: &Visibility) -> Option<AudienceParams> {
    let audience = AudienceParams::bind(sql, visibility)?;
    sql.push(" AND ");
    sql.push(&audience.condition("objects"));
    Some(audience)
}

/// `column = ANY(array)`: one parameter however many values (PostgreSQL takes at most 65,535
/// parameters per statement).
pub(crate) fn push_in(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let values = sql.bind(values.to_vec());
    sql.push(&format!(" AND objects.{column} = ANY({values})"));
}

/// `first`/`last` are judged among the versions the visibility admits: the stored flags are
/// exact for the operator; for an organization, a version that is not first (last) overall is
/// still first (last) when every earlier (later) version is hidden from it.
pub(crate) fn push_versions(
    sql: &mut Sql,
    versions: &VersionMatch,
    audience: Option<&AudienceParams>,
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
        match audience {
            None => parts.push(format!("objects.{flag}")),
            Some(audience) => {
                let other_visible = audience.condition("other");
                parts.push(format!(
                    "(objects.{flag} OR NOT EXISTS (SELECT 1 FROM objects other
                        WHERE other.collection_key = objects.collection_key
                          AND other.id = objects.id
                          AND other.version {beyond} objects.version
                          AND {other_visible}))"
                ));
            }
        }
    }
    if !versions.at.is_empty() {
        let at: Vec<String> = versions.at.iter().map(|v| v.sortable.clone()).collect();
        let at = sql.bind(at);
        parts.push(format!("objects.version = ANY({at})"));
    }
    if parts.is_empty() {
        sql.push(" AND FALSE");
    } else {
        sql.push(" AND (");
        sql.push(&parts.join(" OR "));
        sql.push(")");
    }
}

pub(crate) async fn query(
    client: &deadpool_postgres::Client,
    query: &ObjectQuery,
) -> Result<ObjectPage> {
    let with_raw = query.fetch == Fetch::Objects;
    let mut sql = Sql::new(
        "SELECT seq, id, type, spec_version, version, date_added, originator_org, restricted,
                modified IS NULL AND created IS NULL, sharing_groups, addressee_org,
                origin_node",
    );
    if with_raw {
        sql.push(", raw");
    }
    // An unknown collection has no key, and so no objects: an empty page.
    let collection = sql.bind(query.collection_id);
    sql.push(&format!(
        " FROM objects WHERE collection_key = (SELECT key FROM collections WHERE id = {collection})"
    ));
    let audience = push_visibility(&mut sql, &query.visibility);
    if let Some(after) = query.filter.added_after {
        let after = sql.bind(after.0);
        sql.push(&format!(" AND date_added > {after}"));
    }
    if let Some(cursor) = query.after {
        let date_added = sql.bind(cursor.date_added.0);
        let seq = sql.bind(cursor.seq);
        sql.push(&format!(" AND (date_added, seq) > ({date_added}, {seq})"));
    }
    push_in(&mut sql, "id", &query.filter.ids);
    push_in(&mut sql, "type", &query.filter.types);
    push_in(&mut sql, "spec_version", &query.filter.spec_versions);
    push_versions(&mut sql, &query.filter.versions, audience.as_ref());
    let limit = query.limit.max(1);
    let fetch = sql.bind(i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX));
    sql.push(&format!(" ORDER BY date_added, seq LIMIT {fetch}"));

    // Prepared once per connection and text: the texts are few (filters bind arrays, not
    // lists of parameters), and a prepared statement saves a round trip on every page.
    let statement = client
        .prepare_cached(sql.text.as_str())
        .await
        .map_err(backend)?;
    let found = client
        .query(&statement, &sql.params())
        .await
        .map_err(backend)?;
    let mut records = Vec::with_capacity(found.len().min(limit));
    for row in found.iter().take(limit) {
        records.push(record(row, with_raw)?);
    }
    Ok(ObjectPage {
        more: found.len() > limit,
        records,
    })
}

/// The columns every object read selects, in the order [`record`] reads them (`raw` last,
/// when wanted).
pub(crate) const RECORD_COLUMNS: &str = "objects.seq, objects.id, objects.type, \
    objects.spec_version, objects.version, objects.date_added, objects.originator_org, \
    objects.restricted, objects.modified IS NULL AND objects.created IS NULL, \
    objects.sharing_groups, objects.addressee_org, objects.origin_node";

/// One record from a row of [`RECORD_COLUMNS`] (then `raw` when `with_raw`).
pub(crate) fn record(row: &tokio_postgres::Row, with_raw: bool) -> Result<ObjectRecord> {
    let version = VersionKey {
        sortable: rows::get(row, 4)?,
    };
    let from_date_added: bool = rows::get(row, 8)?;
    let meta = ObjectMeta {
        seq: rows::get(row, 0)?,
        id: rows::get(row, 1)?,
        object_type: rows::get(row, 2)?,
        spec_version: rows::get(row, 3)?,
        version_text: if from_date_added {
            version.display_as_date_added()
        } else {
            version.display()
        },
        version,
        date_added: DateAdded(rows::get(row, 5)?),
        originator_org: rows::get(row, 6)?,
        restricted: rows::get(row, 7)?,
        groups: rows::get::<Option<Vec<String>>>(row, 9)?.unwrap_or_default(),
        addressee_org: rows::get(row, 10)?,
        origin_node: rows::get(row, 11)?,
    };
    let raw = if with_raw {
        Some(rows::get(row, 12)?)
    } else {
        None
    };
    Ok(ObjectRecord { meta, raw })
}

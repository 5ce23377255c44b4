//! Search: PostgreSQL full text (`simple` tsvectors of normalized words), exact observables,
//! TLP (migration 0006). What is indexed comes from `tanseeq_store::search::search_facts`;
//! visibility is the same translation of `Visibility::admits` as every other read
//! (`objects::push_visibility`, `push_versions`).

use crate::backend;
use crate::objects::{RECORD_COLUMNS, Sql, push_in, push_versions, push_visibility, record};
use tanseeq_stix::ObjectHeader;
use tanseeq_store::search::{query_words, search_facts, tlp_key};
use tanseeq_store::*;
use uuid::Uuid;

/// The search entries of the new rows of a batch, as columns keyed by each row's unique
/// `(id, version, originator_org)` in its collection: written with one statement per table
/// after the rows, whose sequence numbers are found through that unique index.
#[derive(Default)]
pub(crate) struct SearchRows {
    text: Keyed<String>,
    observables: Keyed<ObservableRow>,
    tlp: Keyed<String>,
}

/// kind, value, and for IP ranges their first and last address.
type ObservableRow = (String, String, Option<Vec<u8>>, Option<Vec<u8>>);

struct Keyed<T> {
    ids: Vec<String>,
    versions: Vec<String>,
    originators: Vec<Uuid>,
    values: Vec<T>,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Keyed {
            ids: Vec::new(),
            versions: Vec::new(),
            originators: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T> Keyed<T> {
    fn push(&mut self, id: &str, version: &str, originator: Uuid, value: T) {
        self.ids.push(id.to_owned());
        self.versions.push(version.to_owned());
        self.originators.push(originator);
        self.values.push(value);
    }
}

/// The join from keyed columns `r` to the stored rows of the collection `$1`.
const ROW_OF_KEY: &str = "JOIN objects o ON o.id = r.id AND o.collection_key = $1
                               AND o.version = r.version AND o.originator_org = r.originator_org";

impl SearchRows {
    pub(crate) fn add(&mut self, id: &str, version: &str, originator: Uuid, facts: &SearchFacts) {
        if !facts.text.is_empty() {
            self.text.push(id, version, originator, facts.text.clone());
        }
        for term in &facts.observables {
            self.observables.push(
                id,
                version,
                originator,
                (
                    term.kind.as_str().to_owned(),
                    term.value.clone(),
                    term.range.map(|r| r.lo.to_vec()),
                    term.range.map(|r| r.hi.to_vec()),
                ),
            );
        }
        if let Some(tlp) = facts.tlp {
            self.tlp
                .push(id, version, originator, tlp_key(tlp).to_owned());
        }
    }

    pub(crate) async fn write(
        &self,
        tx: &deadpool_postgres::Transaction<'_>,
        collection: i64,
    ) -> Result<()> {
        let t = &self.text;
        if !t.ids.is_empty() {
            let statement = tx
                .prepare_cached(&format!(
                    "INSERT INTO search_text (seq, words)
                     SELECT o.seq, to_tsvector('simple', r.words)
                     FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
                          AS r(id, version, originator_org, words)
                     {ROW_OF_KEY}
                     ON CONFLICT (seq) DO UPDATE SET words = excluded.words"
                ))
                .await
                .map_err(backend)?;
            tx.execute(
                &statement,
                &[&collection, &t.ids, &t.versions, &t.originators, &t.values],
            )
            .await
            .map_err(backend)?;
        }
        let o = &self.observables;
        if !o.ids.is_empty() {
            let kinds: Vec<&str> = o.values.iter().map(|v| v.0.as_str()).collect();
            let values: Vec<&str> = o.values.iter().map(|v| v.1.as_str()).collect();
            let los: Vec<Option<&[u8]>> = o.values.iter().map(|v| v.2.as_deref()).collect();
            let his: Vec<Option<&[u8]>> = o.values.iter().map(|v| v.3.as_deref()).collect();
            let statement = tx
                .prepare_cached(&format!(
                    "INSERT INTO search_observables (seq, kind, value, lo, hi)
                     SELECT o.seq, r.kind, r.value, r.lo, r.hi
                     FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[],
                                 $7::bytea[], $8::bytea[])
                          AS r(id, version, originator_org, kind, value, lo, hi)
                     {ROW_OF_KEY}"
                ))
                .await
                .map_err(backend)?;
            tx.execute(
                &statement,
                &[
                    &collection,
                    &o.ids,
                    &o.versions,
                    &o.originators,
                    &kinds,
                    &values,
                    &los,
                    &his,
                ],
            )
            .await
            .map_err(backend)?;
        }
        let t = &self.tlp;
        if !t.ids.is_empty() {
            let statement = tx
                .prepare_cached(&format!(
                    "INSERT INTO search_tlp (seq, tlp)
                     SELECT o.seq, r.tlp
                     FROM unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
                          AS r(id, version, originator_org, tlp)
                     {ROW_OF_KEY}
                     ON CONFLICT (seq) DO UPDATE SET tlp = excluded.tlp"
                ))
                .await
                .map_err(backend)?;
            tx.execute(
                &statement,
                &[&collection, &t.ids, &t.versions, &t.originators, &t.values],
            )
            .await
            .map_err(backend)?;
        }
        Ok(())
    }
}

/// A tsquery of the words: each a quoted lexeme (so nothing in it is syntax), all required,
/// the last as a prefix (see `query_words`). `None` when there is no word.
fn ts_query(normalized: &str) -> Option<String> {
    let words = query_words(normalized);
    if words.is_empty() {
        return None;
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| {
            let q = format!("'{}'", w.word.replace('\\', "\\\\").replace('\'', "''"));
            if w.prefix { format!("{q}:*") } else { q }
        })
        .collect();
    Some(quoted.join(" & "))
}

/// Matches of the driving index read before the objects at most (see `search`).
const DRIVER_CANDIDATES_READ: i64 = 1_000;

/// The `seq`s of the versions whose words match a tsquery.
fn text_candidates(sql: &mut Sql, ts: &str) -> String {
    let ts = sql.bind(ts.to_owned());
    format!("SELECT seq FROM search_text WHERE words @@ to_tsquery('simple', {ts})")
}

/// The `seq`s of the versions holding an observable. IP blocks nest or are apart, so a stored
/// block overlaps the searched one when it starts inside it, or when it starts at one of the
/// blocks containing it and reaches its end.
fn observable_candidates(sql: &mut Sql, term: &ObservableTerm) -> String {
    match term.range {
        Some(range) => {
            let starts: Vec<Vec<u8>> = range
                .containing_starts()
                .iter()
                .map(|s| s.to_vec())
                .collect();
            let lo = sql.bind(range.lo.to_vec());
            let hi = sql.bind(range.hi.to_vec());
            let starts = sql.bind(starts);
            format!(
                "SELECT seq FROM search_observables
                     WHERE lo IS NOT NULL AND lo BETWEEN {lo} AND {hi}
                 UNION ALL
                 SELECT seq FROM search_observables
                     WHERE lo IS NOT NULL AND lo = ANY({starts}::bytea[]) AND hi >= {hi}"
            )
        }
        None => {
            let kind = sql.bind(term.kind.as_str().to_owned());
            let value = sql.bind(term.value.clone());
            format!("SELECT seq FROM search_observables WHERE kind = {kind} AND value = {value}")
        }
    }
}

pub(crate) async fn search(
    client: &deadpool_postgres::Client,
    query: &SearchQuery,
) -> Result<Vec<SearchRecord>> {
    if query.scopes.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {RECORD_COLUMNS}, objects.raw,
                (SELECT id FROM collections WHERE key = objects.collection_key)
         FROM objects WHERE TRUE"
    ));
    let ts = query.text.as_deref().map(ts_query);
    // A text without a word matches nothing.
    if ts == Some(None) {
        return Ok(Vec::new());
    }
    let ts = ts.flatten();
    // The index that drives: the text's, else the observable's. Its matches are read first
    // when they are few, and the objects then fetched by `seq`: the planner cannot know how
    // many versions a prefix or a CIDR block matches, and guessed wrong, it walks the whole
    // table newest first looking for them. When there are many, that walk is the right
    // plan (the first `limit` visible ones end it).
    let mut driver = Sql::new("");
    let driver_text = match (&ts, &query.observable) {
        (Some(ts), _) => Some(text_candidates(&mut driver, ts)),
        (None, Some(term)) => Some(observable_candidates(&mut driver, term)),
        (None, None) => None,
    };
    let mut few: Option<Vec<i64>> = None;
    if let Some(text) = &driver_text {
        let cap = driver.bind(DRIVER_CANDIDATES_READ + 1);
        let found = client
            .query(
                &format!("SELECT seq FROM ({text}) AS candidates LIMIT {cap}"),
                &driver.params(),
            )
            .await
            .map_err(backend)?;
        if found.len() as i64 <= DRIVER_CANDIDATES_READ {
            few = Some(
                found
                    .iter()
                    .map(|row| crate::rows::get::<i64>(row, 0))
                    .collect::<Result<_>>()?,
            );
        }
    }
    if let Some(seqs) = few {
        let seqs = sql.bind(seqs);
        sql.push(&format!(" AND objects.seq = ANY({seqs}::bigint[])"));
        // The other index, if both were given.
        if ts.is_some()
            && let Some(term) = &query.observable
        {
            let candidates = observable_candidates(&mut sql, term);
            sql.push(&format!(" AND objects.seq IN ({candidates})"));
        }
    } else {
        // Many matches: the objects newest first, each checked by a subquery on its `seq`
        // (a scalar subquery, which the planner does not turn into a join that would collect
        // every match first).
        if let Some(ts) = &ts {
            let candidates = text_candidates(&mut sql, ts);
            sql.push(&format!(
                " AND (SELECT true FROM ({candidates}) AS m WHERE m.seq = objects.seq LIMIT 1)"
            ));
        }
        if let Some(term) = &query.observable {
            let candidates = observable_candidates(&mut sql, term);
            sql.push(&format!(
                " AND (SELECT true FROM ({candidates}) AS m WHERE m.seq = objects.seq LIMIT 1)"
            ));
        }
    }
    if let Some(tlp) = query.tlp {
        let tlp = sql.bind(tlp_key(tlp).to_owned());
        sql.push(&format!(
            " AND objects.seq IN (SELECT seq FROM search_tlp WHERE tlp = {tlp})"
        ));
    }
    if let Some(org) = query.originator_org {
        let org = sql.bind(org);
        sql.push(&format!(" AND objects.originator_org = {org}"));
    }
    if let Some(after) = query.added_after {
        let after = sql.bind(after.0);
        sql.push(&format!(" AND objects.date_added > {after}"));
    }
    if let Some(before) = query.added_before {
        let before = sql.bind(before.0);
        sql.push(&format!(" AND objects.date_added < {before}"));
    }
    push_in(&mut sql, "type", &query.types);
    // Each collection with its own visibility, and only the latest version each visibility
    // admits of an object: one hit per object.
    sql.push(" AND (");
    for (index, (collection, visibility)) in query.scopes.iter().enumerate() {
        if index > 0 {
            sql.push(" OR ");
        }
        let collection = sql.bind(*collection);
        sql.push(&format!(
            "(objects.collection_key = (SELECT key FROM collections WHERE id = {collection})"
        ));
        let audience = push_visibility(&mut sql, visibility);
        push_versions(&mut sql, &VersionMatch::last(), audience.as_ref());
        sql.push(")");
    }
    sql.push(")");
    let limit = sql.bind(i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX));
    sql.push(&format!(" ORDER BY objects.seq DESC LIMIT {limit}"));
    let found = client
        .query(sql.text.as_str(), &sql.params())
        .await
        .map_err(backend)?;
    found
        .iter()
        .map(|row| {
            Ok(SearchRecord {
                record: record(row, true)?,
                collection: crate::rows::get(row, 13)?,
            })
        })
        .collect()
}

/// Indexes up to `limit` versions stored before migration 0006 (see `search_backfill`). The
/// backfill row is locked for the transaction, so processes take turns.
pub(crate) async fn index_pending(
    client: &mut deadpool_postgres::Client,
    limit: usize,
) -> Result<u64> {
    let tx = client.transaction().await.map_err(backend)?;
    let row = tx
        .query_one(
            "SELECT next_seq, last_seq FROM search_backfill FOR UPDATE",
            &[],
        )
        .await
        .map_err(backend)?;
    let (next, last): (i64, i64) = (crate::rows::get(&row, 0)?, crate::rows::get(&row, 1)?);
    if next > last {
        return Ok(0);
    }
    let limit = limit.max(1);
    let found = tx
        .query(
            "SELECT seq, id, type, spec_version, marking_refs, raw, collection_key, version,
                    originator_org
             FROM objects WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
            &[&next, &last, &(limit as i64)],
        )
        .await
        .map_err(backend)?;
    let mut by_collection: std::collections::BTreeMap<i64, SearchRows> = Default::default();
    let mut seqs: Vec<i64> = Vec::with_capacity(found.len());
    for row in &found {
        let get_text = |i: usize| crate::rows::get::<String>(row, i);
        let markings: Option<String> = crate::rows::get(row, 4)?;
        let header = ObjectHeader {
            id: get_text(1)?,
            object_type: get_text(2)?,
            spec_version: get_text(3)?,
            created: None,
            modified: None,
            revoked: false,
            created_by_ref: None,
            object_marking_refs: markings
                .map(|m| m.split(' ').map(str::to_owned).collect())
                .unwrap_or_default(),
            valid_from: None,
            valid_until: None,
        };
        let facts = search_facts(&header, &get_text(5)?);
        seqs.push(crate::rows::get(row, 0)?);
        by_collection
            .entry(crate::rows::get(row, 6)?)
            .or_default()
            .add(&header.id, &get_text(7)?, crate::rows::get(row, 8)?, &facts);
    }
    // Entries of a version indexed at ingest meanwhile are replaced, not doubled.
    tx.execute(
        "DELETE FROM search_observables WHERE seq = ANY($1)",
        &[&seqs],
    )
    .await
    .map_err(backend)?;
    for (collection, rows) in &by_collection {
        rows.write(&tx, *collection).await?;
    }
    let next = match seqs.last() {
        Some(seq) if seqs.len() >= limit => seq + 1,
        _ => last + 1,
    };
    tx.execute("UPDATE search_backfill SET next_seq = $1", &[&next])
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)?;
    Ok(seqs.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::ts_query;

    #[test]
    fn ts_queries_are_quoted_words() {
        let table = [
            ("حمله التصيد", Some("'حمله' & 'التصيد':*")),
            ("and | or ! ' (x)", Some("'and' & 'or' & 'x'")),
            ("phishing ki", Some("'phishing' & 'ki'")),
            ("*", None),
        ];
        for (text, expected) in table {
            assert_eq!(ts_query(text).as_deref(), expected, "{text}");
        }
    }
}

//! Search: FTS5 over normalized text, exact observables, TLP (migration 0005). What is indexed
//! comes from `tanseeq_store::search::search_facts`; visibility is the same translation of
//! `Visibility::admits` as every other read (`objects::push_visibility`, `push_versions`).

use crate::backend;
use crate::objects::{self, RECORD_COLUMNS, push_in, push_versions, push_visibility};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use tanseeq_stix::ObjectHeader;
use tanseeq_store::search::{query_words, search_facts, tlp_key};
use tanseeq_store::*;

/// Writes the search entries of a stored version.
pub(crate) fn write_search_facts(conn: &Connection, seq: i64, facts: &SearchFacts) -> Result<()> {
    if !facts.text.is_empty() {
        conn.prepare_cached("INSERT INTO search_text (rowid, words) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![seq, facts.text]))
            .map_err(backend)?;
    }
    if !facts.observables.is_empty() {
        let mut insert = conn
            .prepare_cached(
                "INSERT INTO search_observables_recent (seq, kind, value, lo, hi)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(backend)?;
        for term in &facts.observables {
            insert
                .execute(params![
                    seq,
                    term.kind.as_str(),
                    term.value,
                    term.range.map(|r| r.lo.to_vec()),
                    term.range.map(|r| r.hi.to_vec()),
                ])
                .map_err(backend)?;
        }
    }
    if let Some(tlp) = facts.tlp {
        conn.prepare_cached("INSERT INTO search_tlp (seq, tlp) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![seq, tlp_key(tlp)]))
            .map_err(backend)?;
    }
    Ok(())
}

/// Rows of `search_observables_recent` that are moved into the main level together (see
/// migration 0005): few enough that a search scans them in about a millisecond, many enough
/// that each merge shares the pages it writes among many rows.
pub const RECENT_OBSERVABLES_MERGE_AT: i64 = 10_000;

/// Moves the recent search observables into the main level, in key order, when there are
/// [`RECENT_OBSERVABLES_MERGE_AT`] of them or `now`.
pub(crate) fn merge_recent_observables(conn: &Connection, now: bool) -> Result<()> {
    let recent: i64 = conn
        .prepare_cached("SELECT count(*) FROM search_observables_recent")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    if recent == 0 || (!now && recent < RECENT_OBSERVABLES_MERGE_AT) {
        return Ok(());
    }
    conn.execute_batch(
        "INSERT INTO search_observables (seq, kind, value, lo, hi)
             SELECT seq, kind, value, lo, hi FROM search_observables_recent
             ORDER BY kind, value, seq;
         DELETE FROM search_observables_recent;",
    )
    .map_err(backend)
}

/// An FTS5 query of the words: each a quoted string (so nothing in it is syntax), all
/// required, the last as a prefix (see `query_words`). `None` when there is no word.
fn fts_query(normalized: &str) -> Option<String> {
    let words = query_words(normalized);
    if words.is_empty() {
        return None;
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| {
            let q = format!("\"{}\"", w.word.replace('"', "\"\""));
            if w.prefix { format!("{q} *") } else { q }
        })
        .collect();
    Some(quoted.join(" "))
}

/// Observable candidates from which on the newest objects drive an observable search instead
/// of the candidates (see `search`).
const OBSERVABLE_CANDIDATES_DRIVE: i64 = 5_000;

/// The `seq`s of the versions holding an observable (SQL and its parameters). IP blocks nest or
/// are apart, so a stored block overlaps the searched one when it starts inside it, or when it
/// starts at one of the blocks containing it and reaches its end.
fn observable_candidates(term: &ObservableTerm) -> (String, Vec<Value>) {
    match term.range {
        Some(range) => {
            let starts = range.containing_starts();
            let marks = vec!["?"; starts.len()].join(", ");
            let mut args: Vec<Value> = vec![range.lo.to_vec().into(), range.hi.to_vec().into()];
            args.extend(starts.iter().map(|s| Value::from(s.to_vec())));
            args.push(range.hi.to_vec().into());
            (
                format!(
                    "SELECT seq FROM search_observables_all
                         WHERE lo IS NOT NULL AND lo BETWEEN ? AND ?
                     UNION ALL
                     SELECT seq FROM search_observables_all
                         WHERE lo IS NOT NULL AND lo IN ({marks}) AND hi >= ?"
                ),
                args,
            )
        }
        None => (
            "SELECT seq FROM search_observables_all WHERE kind = ? AND value = ?".to_owned(),
            vec![
                term.kind.as_str().to_owned().into(),
                term.value.clone().into(),
            ],
        ),
    }
}

pub(crate) fn search(
    conn: &Connection,
    query: &SearchQuery,
) -> rusqlite::Result<Vec<SearchRecord>> {
    if query.scopes.is_empty() {
        return Ok(Vec::new());
    }
    let mut args: Vec<Value> = Vec::new();
    let fts = query.text.as_deref().map(fts_query);
    // A text without a word matches nothing.
    if fts == Some(None) {
        return Ok(Vec::new());
    }
    let fts = fts.flatten();
    if fts.is_none() && query.observable.is_none() {
        return search_by_recency(conn, query);
    }
    // Text drives the query when there is some: FTS5 yields its matches by rowid (= seq)
    // descending, so the first `limit` visible ones end the scan.
    let mut sql = format!(
        "SELECT {RECORD_COLUMNS}, objects.raw,
                (SELECT id FROM collections WHERE key = objects.collection_key) FROM "
    );
    let text_drives = fts.is_some();
    let order = if let Some(fts) = fts {
        sql.push_str(
            "search_text CROSS JOIN objects ON objects.seq = search_text.rowid
             WHERE search_text MATCH ?",
        );
        args.push(fts.into());
        " ORDER BY search_text.rowid DESC"
    } else {
        sql.push_str("objects WHERE 1");
        " ORDER BY objects.seq DESC"
    };
    if let Some(term) = &query.observable {
        let (candidates, candidate_args) = observable_candidates(term);
        // Few candidates: they drive (by rowid). Many (a wide CIDR block): the newest objects
        // drive and each is checked, so that the first `limit` visible ones end the scan
        // instead of every candidate being collected and sorted first.
        let many = !text_drives && {
            let mut count_args = candidate_args.clone();
            count_args.push(OBSERVABLE_CANDIDATES_DRIVE.into());
            conn.prepare_cached(&format!("SELECT count(*) FROM ({candidates} LIMIT ?)"))?
                .query_row(params_from_iter(count_args), |r| r.get::<_, i64>(0))?
                >= OBSERVABLE_CANDIDATES_DRIVE
        };
        if many {
            let held = match term.range {
                Some(range) => format!(
                    "o.lo IS NOT NULL AND (o.lo BETWEEN ? AND ?
                        OR (o.lo IN ({}) AND o.hi >= ?))",
                    vec!["?"; range.containing_starts().len()].join(", ")
                ),
                None => "o.kind = ? AND o.value = ?".to_owned(),
            };
            // The same parameters, in the same order, as the candidates'.
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM search_observables_all o
                    WHERE o.seq = objects.seq AND {held})"
            ));
        } else {
            sql.push_str(&format!(" AND objects.seq IN ({candidates})"));
        }
        args.extend(candidate_args);
    }
    if let Some(tlp) = query.tlp {
        // A filter, never the driver: checked per row by its primary key.
        sql.push_str(" AND EXISTS (SELECT 1 FROM search_tlp WHERE seq = objects.seq AND tlp = ?)");
        args.push(tlp_key(tlp).to_owned().into());
    }
    if let Some(org) = query.originator_org {
        sql.push_str(" AND objects.originator_org = ?");
        args.push(org.to_string().into());
    }
    if let Some(after) = query.added_after {
        sql.push_str(" AND objects.date_added > ?");
        args.push(after.0.into());
    }
    if let Some(before) = query.added_before {
        sql.push_str(" AND objects.date_added < ?");
        args.push(before.0.into());
    }
    // `+`: neither the type nor the collection may pick an index of `objects`, whose order is
    // not the result's; the rows come from the text or observable index, or newest first by
    // rowid, and the scan ends at `limit`.
    push_in(&mut sql, &mut args, "+objects.type", &query.types);
    // Each collection with its own visibility, and only the latest version each visibility
    // admits of an object: one hit per object.
    sql.push_str(" AND (");
    for (index, (collection, visibility)) in query.scopes.iter().enumerate() {
        if index > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str("(+objects.collection_key = (SELECT key FROM collections WHERE id = ?)");
        args.push(collection.to_string().into());
        push_visibility(&mut sql, &mut args, visibility);
        push_versions(&mut sql, &mut args, &VersionMatch::last(), visibility);
        sql.push(')');
    }
    sql.push(')');
    sql.push_str(order);
    sql.push_str(" LIMIT ?");
    args.push(i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX).into());
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(params_from_iter(args), |row| {
        Ok(SearchRecord {
            record: objects::record(row, true)?,
            collection: crate::rows::uuid(row, 13)?,
        })
    })?
    .collect()
}

/// A search by filters alone (no text, no observable): per collection — and per type when
/// types are given — the newest matching versions from the `(collection, date_added, seq)` or
/// `(collection, type, date_added, seq)` index, each walk ending at `limit` visible hits, then
/// the newest `limit` of them all. So a rare type, or a date range long past, is found by
/// index instead of by walking the whole table from its newest row.
fn search_by_recency(
    conn: &Connection,
    query: &SearchQuery,
) -> rusqlite::Result<Vec<SearchRecord>> {
    let limit = i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX);
    let types: Vec<Option<&String>> = if query.types.is_empty() {
        vec![None]
    } else {
        query.types.iter().map(Some).collect()
    };
    let mut args: Vec<Value> = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    for (collection, visibility) in &query.scopes {
        for object_type in &types {
            let mut sql = format!(
                "SELECT * FROM (SELECT {RECORD_COLUMNS}, objects.raw,
                        (SELECT id FROM collections WHERE key = objects.collection_key),
                        objects.date_added AS sort_date, objects.seq AS sort_seq
                 FROM objects
                 WHERE objects.collection_key = (SELECT key FROM collections WHERE id = ?)"
            );
            args.push(collection.to_string().into());
            if let Some(object_type) = object_type {
                sql.push_str(" AND objects.type = ?");
                args.push((*object_type).clone().into());
            }
            if let Some(tlp) = query.tlp {
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM search_tlp WHERE seq = objects.seq AND tlp = ?)",
                );
                args.push(tlp_key(tlp).to_owned().into());
            }
            if let Some(org) = query.originator_org {
                sql.push_str(" AND objects.originator_org = ?");
                args.push(org.to_string().into());
            }
            if let Some(after) = query.added_after {
                sql.push_str(" AND objects.date_added > ?");
                args.push(after.0.into());
            }
            if let Some(before) = query.added_before {
                sql.push_str(" AND objects.date_added < ?");
                args.push(before.0.into());
            }
            push_visibility(&mut sql, &mut args, visibility);
            push_versions(&mut sql, &mut args, &VersionMatch::last(), visibility);
            sql.push_str(" ORDER BY objects.date_added DESC, objects.seq DESC LIMIT ?)");
            args.push(limit.into());
            parts.push(sql);
        }
    }
    let sql = format!(
        "{} ORDER BY sort_date DESC, sort_seq DESC LIMIT ?",
        parts.join(" UNION ALL ")
    );
    args.push(limit.into());
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(params_from_iter(args), |row| {
        Ok(SearchRecord {
            record: objects::record(row, true)?,
            collection: crate::rows::uuid(row, 13)?,
        })
    })?
    .collect()
}

impl objects::Writer {
    /// Indexes up to `limit` versions stored before migration 0005 (see `search_backfill`).
    pub(crate) fn index_pending(&mut self, limit: usize) -> Result<u64> {
        let tx = objects::write_transaction(&mut self.conn)?;
        let (next, last): (i64, i64) = tx
            .query_row("SELECT next_seq, last_seq FROM search_backfill", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(backend)?;
        if next > last {
            return Ok(0);
        }
        let rows: Vec<(i64, ObjectHeader, String)> = tx
            .prepare(
                "SELECT seq, id, type, spec_version, marking_refs, raw FROM objects
                 WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![next, last, limit.max(1) as i64], |r| {
                    let markings: Option<String> = r.get(4)?;
                    Ok((
                        r.get(0)?,
                        ObjectHeader {
                            id: r.get(1)?,
                            object_type: r.get(2)?,
                            spec_version: r.get(3)?,
                            created: None,
                            modified: None,
                            revoked: false,
                            created_by_ref: None,
                            object_marking_refs: markings
                                .map(|m| m.split(' ').map(str::to_owned).collect())
                                .unwrap_or_default(),
                            valid_from: None,
                            valid_until: None,
                        },
                        r.get(5)?,
                    ))
                })?
                .collect()
            })
            .map_err(backend)?;
        for (seq, header, raw) in &rows {
            // Entries of a version indexed at ingest meanwhile are replaced, not doubled.
            tx.execute("DELETE FROM search_text WHERE rowid = ?1", [seq])
                .and_then(|_| tx.execute("DELETE FROM search_observables WHERE seq = ?1", [seq]))
                .and_then(|_| {
                    tx.execute(
                        "DELETE FROM search_observables_recent WHERE seq = ?1",
                        [seq],
                    )
                })
                .and_then(|_| tx.execute("DELETE FROM search_tlp WHERE seq = ?1", [seq]))
                .map_err(backend)?;
            write_search_facts(&tx, *seq, &search_facts(header, raw))?;
        }
        let next = match rows.last() {
            Some((seq, _, _)) if rows.len() >= limit.max(1) => seq + 1,
            _ => last + 1,
        };
        tx.execute("UPDATE search_backfill SET next_seq = ?1", [next])
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_queries_are_quoted_words() {
        let table = [
            ("حمله التصيد", Some(r#""حمله" "التصيد" *"#)),
            (r#"and or " near(*)"#, Some(r#""and" "or" "near" *"#)),
            ("phishing ki", Some(r#""phishing" "ki""#)),
            ("*", None),
            ("", None),
        ];
        for (text, expected) in table {
            assert_eq!(fts_query(text).as_deref(), expected, "{text}");
        }
    }
}

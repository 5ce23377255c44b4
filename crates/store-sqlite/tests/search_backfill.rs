//! A database that had objects before search existed (migrated from schema 4): the
//! conformance check `search_backfill`, with the SQL that takes the index back to that state.

use tanseeq_store_sqlite::SqliteStore;

#[tokio::test]
async fn versions_stored_before_search_are_indexed() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("backfill.db");
    let store = SqliteStore::open(&path).expect("open");
    tanseeq_store::conformance::search_backfill(&store, || async {
        let conn = rusqlite::Connection::open(&path).expect("a second connection");
        conn.execute_batch(
            "DELETE FROM search_text; DELETE FROM search_observables; DELETE FROM search_tlp;
             UPDATE search_backfill SET next_seq = 0, last_seq = (SELECT max(seq) FROM objects);",
        )
        .expect("forget the search index");
    })
    .await;
}

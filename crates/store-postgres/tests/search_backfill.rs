//! A database that had objects before search existed (migrated from schema 5): the
//! conformance check `search_backfill`, with the SQL that takes the index back to that state.
//! Needs `TANSEEQ_TEST_POSTGRES` (an admin database URL); skipped without it.

use tanseeq_store_postgres::PostgresStore;

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn versions_stored_before_search_are_indexed() {
    let Some(admin_url) = std::env::var("TANSEEQ_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        println!("skipped: needs PostgreSQL; set TANSEEQ_TEST_POSTGRES to an admin database URL");
        return;
    };
    let database = format!("tanseeq_test_{}", uuid::Uuid::new_v4().simple());
    let admin = connect(&admin_url).await;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0"
        ))
        .await
        .expect("create a test database");
    let url = match admin_url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{database}"),
        None => panic!("TANSEEQ_TEST_POSTGRES is not a postgres:// URL"),
    };
    let store = PostgresStore::connect(&url)
        .await
        .expect("connect the store");
    let result = tokio::spawn({
        let url = url.clone();
        async move {
            tanseeq_store::conformance::search_backfill(&store, || async {
                connect(&url)
                    .await
                    .batch_execute(
                        "DELETE FROM search_text; DELETE FROM search_observables;
                         DELETE FROM search_tlp;
                         UPDATE search_backfill SET next_seq = 0,
                             last_seq = (SELECT max(seq) FROM objects);",
                    )
                    .await
                    .expect("forget the search index");
            })
            .await;
            store.close();
        }
    })
    .await;
    let _ = admin
        .batch_execute(&format!(
            "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
        ))
        .await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

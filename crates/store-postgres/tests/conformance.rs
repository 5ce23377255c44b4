//! The store conformance suite against PostgreSQL: one test per check, each in a database of
//! its own, created for it and dropped after it.
//!
//! The tests need a server: `TANSEEQ_TEST_POSTGRES` holds the URL of an admin database (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) of a role that may create databases. Without
//! it they are skipped, saying so (see `build.rs`: the variable is read when the tests are
//! built, and cargo rebuilds them when it changes).

use std::ops::Deref;
use tanseeq_store::Store;
use tanseeq_store_postgres::PostgresStore;

/// The variable naming the admin database that test databases are created through.
const ADMIN_URL_VARIABLE: &str = "TANSEEQ_TEST_POSTGRES";

/// A store on a new database; the database is dropped when the guard is.
pub struct FreshStore {
    store: PostgresStore,
    url: String,
    database: String,
    admin_url: String,
}

impl Deref for FreshStore {
    type Target = PostgresStore;

    fn deref(&self) -> &PostgresStore {
        &self.store
    }
}

impl Drop for FreshStore {
    /// Drops the database from a thread of its own (`Drop` cannot await, and the test's
    /// runtime is the one being dropped from). `WITH (FORCE)` ends the pool's connections,
    /// which the test's runtime may not have closed yet.
    fn drop(&mut self) {
        self.store.close();
        let admin_url = self.admin_url.clone();
        let database = self.database.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let admin = admin(&admin_url).await?;
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                    ))
                    .await
                    .map_err(|e| e.to_string())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.database),
            Err(_) => eprintln!("could not drop test database {}", self.database),
        }
    }
}

/// A connection to the admin database, its connection driven by a task of the current
/// runtime.
async fn admin(admin_url: &str) -> Result<tokio_postgres::Client, String> {
    let (client, connection) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .map_err(|e| format!("cannot connect to {ADMIN_URL_VARIABLE} ({admin_url}): {e}"))?;
    tokio::spawn(connection);
    Ok(client)
}

/// The URL of database `database` on the server of `admin_url` (a `postgres://` URL).
fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// The admin URL, or `None` (and a line saying the test is skipped) when it is not set.
pub fn admin_url(test: &str) -> Option<String> {
    match std::env::var(ADMIN_URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!(
                "skipped: {test} needs PostgreSQL; set {ADMIN_URL_VARIABLE} to an admin database \
                 URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) to run it"
            );
            None
        }
    }
}

/// A new database on the server of `admin_url`, with the store connected to it.
pub async fn fresh_store_on(admin_url: &str) -> FreshStore {
    let database = format!("tanseeq_test_{}", uuid::Uuid::new_v4().simple());
    let client = admin(admin_url).await.unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute(&format!(
            "CREATE DATABASE \"{database}\" ENCODING 'UTF8' TEMPLATE template0"
        ))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {database}: {e}"));
    let url = database_url(admin_url, &database);
    // From here the guard drops the database, whatever happens.
    let store = PostgresStore::connect(&url).await;
    match store {
        Ok(store) => FreshStore {
            store,
            url,
            database,
            admin_url: admin_url.to_owned(),
        },
        Err(e) => {
            let _ = client
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
                ))
                .await;
            panic!("connect to the new database {database}: {e}");
        }
    }
}

#[cfg(tanseeq_test_postgres)]
mod suite {
    use super::*;

    async fn fresh_store() -> FreshStore {
        let Some(admin_url) = std::env::var(ADMIN_URL_VARIABLE)
            .ok()
            .filter(|u| !u.is_empty())
        else {
            panic!(
                "these tests were built with {ADMIN_URL_VARIABLE} set, but it is not set now; \
                 run them through cargo, which rebuilds them"
            );
        };
        fresh_store_on(&admin_url).await
    }

    tanseeq_store::conformance_tests!(fresh_store);

    /// The same checks through `run_all`, in one sequence (they already run one by one above).
    #[tokio::test]
    #[ignore = "duplicates the per-check tests; run with --ignored to try run_all"]
    async fn run_all_in_sequence() {
        tanseeq_store::conformance::run_all(fresh_store).await;
    }
}

/// Without a server the suite is not compiled (see `build.rs`); this says so in the test output.
#[cfg(not(tanseeq_test_postgres))]
#[test]
fn conformance_suite() {
    let _ = admin_url("the PostgreSQL conformance suite");
}

/// Two pools on one database, as two server processes (or a server and `tanseeq import`).
#[tokio::test]
async fn shared_database() {
    let Some(admin_url) = admin_url("shared_database") else {
        return;
    };
    let fresh = fresh_store_on(&admin_url).await;
    let second = PostgresStore::connect(&fresh.url)
        .await
        .expect("connect a second pool");
    tanseeq_store::conformance::shared_database(&*fresh, &second).await;
    second.close();
}

/// Processes starting together on a new database apply each migration once: the advisory
/// lock makes the others wait, then find the work done.
#[tokio::test]
async fn concurrent_connects_migrate_once() {
    let Some(admin_url) = admin_url("concurrent_connects_migrate_once") else {
        return;
    };
    let fresh = fresh_store_on(&admin_url).await;
    let (a, b, c) = tokio::join!(
        PostgresStore::connect(&fresh.url),
        PostgresStore::connect(&fresh.url),
        PostgresStore::connect(&fresh.url),
    );
    for store in [a, b, c] {
        let store = store.expect("a concurrent connect");
        let version = store.schema_version().await.expect("schema_version");
        assert_eq!(
            version.expected, version.current,
            "every connect sees the schema migrated"
        );
        store.close();
    }
}

/// The activity counts the migration computes from stored objects (a database upgraded from
/// before activity counts) equal those kept up to date by every ingest and delete.
#[tokio::test]
async fn activity_migration_counts_stored_objects() {
    let Some(admin_url) = admin_url("activity_migration_counts_stored_objects") else {
        return;
    };
    let fresh = fresh_store_on(&admin_url).await;
    let queries = tanseeq_store::conformance::activity_sample(&*fresh).await;
    let mut kept = Vec::new();
    for query in &queries {
        kept.push(tanseeq_store::conformance::activity_sorted(&*fresh, query).await);
    }
    assert!(
        kept.iter().any(|counts| !counts.is_empty()),
        "a sample with activity"
    );
    let client = admin(&fresh.url).await.unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute(&format!(
            "BEGIN; DROP TABLE activity; {} COMMIT;",
            include_str!("../migrations/0007_activity.sql")
        ))
        .await
        .expect("count the stored objects again");
    // A new pool: the first one's prepared statements name the dropped table.
    let store = PostgresStore::connect(&fresh.url)
        .await
        .expect("connect a new pool");
    for (query, kept) in queries.iter().zip(kept) {
        assert_eq!(
            tanseeq_store::conformance::activity_sorted(&store, query).await,
            kept,
            "activity counted by the migration, for {:?}",
            query.scopes[0].1
        );
    }
    store.close();
}

//! The server backend: PostgreSQL, for nodes where several processes (servers behind a load
//! balancer, `tanseeq import` beside a running server) share one database.
//!
//! A pool of connections (deadpool, tokio-postgres, no TLS: the database is expected on a
//! trusted network or a local socket) serves every call; nothing that matters lives in a
//! process's memory. Migrations are applied on connect under an advisory lock, so processes
//! starting together apply each one once. The semantics are those of the SQLite backend,
//! checked by the same conformance suite:
//! - objects are stored as TEXT byte for byte, never as `jsonb`;
//! - `date_added` comes from a one-row clock advanced inside each ingest transaction, which
//!   serializes ingests across processes and makes `date_added` grow in commit order;
//! - every `Visibility` is translated into SQL exactly as [`Visibility::admits`] defines it.
//!
//! Architecture invariant: this crate decides nothing about access; it applies the
//! [`Visibility`] it is given.

mod objects;
mod rows;
mod search;

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::time::Duration;
use tanseeq_store::*;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

/// Migrations, in order; `schema_migrations` records each one applied by its number (1-based).
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_node_secret.sql"),
    include_str!("../migrations/0003_signatures.sql"),
    include_str!("../migrations/0004_id_first_index.sql"),
    include_str!("../migrations/0005_federation.sql"),
    include_str!("../migrations/0006_search.sql"),
    include_str!("../migrations/0007_activity.sql"),
];

/// Key of the advisory lock that migrations run under ("tanseeq!" in ASCII): processes that
/// start together wait for each other instead of creating the same tables twice.
const MIGRATION_LOCK: i64 = 0x7461_6e73_6565_7121;

/// Most connections a process keeps open.
const POOL_SIZE: usize = 16;

/// How long a call waits for a free connection, and for a new one to be established, before
/// failing with [`StoreError::Unavailable`] (the HTTP layer then answers 503).
const WAIT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/dbname?...`, or the
    /// key-value form), checks that it can hold the raw text of objects (UTF-8), and applies
    /// pending migrations. An unreachable server is [`StoreError::Unavailable`].
    pub async fn connect(url: &str) -> Result<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("invalid database URL: {e}").into()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("tanseeq");
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A connection returned to the pool is checked only by its closed flag; a
                // connection that died meanwhile fails its next query, which maps to
                // `Unavailable`, and is then dropped by the pool.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(WAIT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        let store = PostgresStore { pool };
        store.check_encoding().await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Closes every connection of the pool; later calls fail with `Unavailable`.
    pub fn close(&self) {
        self.pool.close();
    }

    async fn client(&self) -> Result<deadpool_postgres::Client> {
        self.pool.get().await.map_err(|e| {
            // The pool's own words ("error occurred while creating a new object") say little;
            // the causes below them say what happened (refused, timed out, bad password, …).
            let mut message = String::new();
            let mut cause: Option<&dyn std::error::Error> = Some(&e);
            while let Some(error) = cause {
                let text = error.to_string();
                if !text.is_empty() && !message.contains(&text) {
                    if !message.is_empty() {
                        message.push_str(": ");
                    }
                    message.push_str(&text);
                }
                cause = error.source();
            }
            match e {
                // The server answered: starting up or shutting down is worth a retry; a
                // refusal (wrong password, no such database, …) is not.
                deadpool_postgres::PoolError::Backend(ref db)
                    if db.as_db_error().is_some() && !is_unavailable(db) =>
                {
                    StoreError::Backend(message.into())
                }
                _ => StoreError::Unavailable(message),
            }
        })
    }

    /// Objects must come back byte for byte: a database in another encoding than UTF-8 would
    /// convert or refuse their text.
    async fn check_encoding(&self) -> Result<()> {
        let client = self.client().await?;
        let encoding: String = client
            .query_one("SELECT current_setting('server_encoding')", &[])
            .await
            .map_err(backend)?
            .try_get(0)
            .map_err(backend)?;
        if encoding != "UTF8" {
            return Err(StoreError::Schema(format!(
                "the database encoding is {encoding}; tanseeq needs UTF8 \
                 (CREATE DATABASE ... ENCODING 'UTF8')"
            )));
        }
        Ok(())
    }

    /// Applies pending migrations in one transaction, under a transaction-scoped advisory
    /// lock: DDL is transactional in PostgreSQL, so a failed migration leaves nothing behind,
    /// and a second process waits, then finds the work done.
    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        // `CREATE TABLE IF NOT EXISTS` would otherwise send a notice on every start.
        tx.batch_execute("SET LOCAL client_min_messages = warning")
            .await
            .map_err(backend)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(backend)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version INTEGER PRIMARY KEY,
                 applied TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(backend)?;
        let have: Option<i32> = tx
            .query_one("SELECT max(version) FROM schema_migrations", &[])
            .await
            .map_err(backend)?
            .try_get(0)
            .map_err(backend)?;
        let have = have.unwrap_or(0).max(0) as usize;
        if have > MIGRATIONS.len() {
            return Err(StoreError::Schema(format!(
                "the database has schema version {have}, newer than this tanseeq ({}); \
                 upgrade tanseeq",
                MIGRATIONS.len()
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(have) {
            tx.batch_execute(sql).await.map_err(backend)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&((index + 1) as i32)],
            )
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }
}

/// Whether an error says the database cannot serve now but may later: the connection is
/// gone, the server is shutting down or out of connections, or a lock could not be had.
fn is_unavailable(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        return code.starts_with("08") // connection exception
            || code.starts_with("53") // insufficient resources (too many connections, …)
            || code.starts_with("57P") // admin shutdown, crash shutdown, cannot connect now
            || code == SqlState::LOCK_NOT_AVAILABLE.code()
            || code == SqlState::T_R_SERIALIZATION_FAILURE.code()
            || code == SqlState::T_R_DEADLOCK_DETECTED.code();
    }
    // No SQL state and not a conversion: an I/O failure talking to the server.
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return true;
        }
        source = cause.source();
    }
    false
}

pub(crate) fn backend(e: tokio_postgres::Error) -> StoreError {
    if is_unavailable(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(Box::new(e))
    }
}

/// Maps a unique violation to [`StoreError::AlreadyExists`] naming `what`.
fn unique(what: impl Into<String>) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    let what = what.into();
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StoreError::AlreadyExists { what }
        } else {
            backend(e)
        }
    }
}

/// Maps a foreign-key violation to [`StoreError::NotFound`] naming the missing row, and a
/// unique violation to [`StoreError::AlreadyExists`].
fn refers(
    missing: impl Into<String>,
    taken: impl Into<String>,
) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    let missing = missing.into();
    let taken = taken.into();
    move |e| {
        if e.code() == Some(&SqlState::FOREIGN_KEY_VIOLATION) {
            StoreError::NotFound { what: missing }
        } else {
            unique(taken)(e)
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    async fn init_node(&self, node: &NodeRecord, secret: &NodeSecret) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO node (id, name, public_key, created, secret)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &node.id,
                    &node.name,
                    &node.public_key,
                    &node.created.to_string(),
                    &secret.0,
                ],
            )
            .await
            .map_err(unique("the node record"))?;
        Ok(())
    }

    async fn node(&self) -> Result<Option<NodeRecord>> {
        let client = self.client().await?;
        client
            .query_opt(
                "SELECT id, name, public_key, created FROM node LIMIT 1",
                &[],
            )
            .await
            .map_err(backend)?
            .map(|r| rows::node(&r))
            .transpose()
    }

    async fn node_secret(&self) -> Result<Option<NodeSecret>> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT secret FROM node LIMIT 1", &[])
            .await
            .map_err(backend)?;
        Ok(row
            .map(|r| rows::get::<Option<String>>(&r, 0))
            .transpose()?
            .flatten()
            .map(NodeSecret))
    }

    async fn schema_version(&self) -> Result<SchemaVersion> {
        let client = self.client().await?;
        let current: Option<i32> = rows::get(
            &client
                .query_one("SELECT max(version) FROM schema_migrations", &[])
                .await
                .map_err(backend)?,
            0,
        )?;
        Ok(SchemaVersion {
            expected: MIGRATIONS.len(),
            current: usize::try_from(current.unwrap_or(0)).unwrap_or(0),
        })
    }

    async fn create_organization(&self, org: &Organization) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO organizations (id, name, identity_id, created, home_node)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &org.id,
                    &org.name,
                    &org.identity_id,
                    &org.created.to_string(),
                    &org.home_node,
                ],
            )
            .await
            .map_err(unique(format!("organization `{}`", org.name)))?;
        Ok(())
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        let client = self.client().await?;
        client
            .query(&format!("{} ORDER BY name", rows::ORGANIZATION_SELECT), &[])
            .await
            .map_err(backend)?
            .iter()
            .map(rows::organization)
            .collect()
    }

    async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let client = self.client().await?;
        client
            .query_opt(
                &format!("{} WHERE name = $1", rows::ORGANIZATION_SELECT),
                &[&name],
            )
            .await
            .map_err(backend)?
            .map(|r| rows::organization(&r))
            .transpose()
    }

    async fn organization_by_identity(&self, identity_id: &str) -> Result<Option<Organization>> {
        let client = self.client().await?;
        // On the path of federation requests (a peer's objects name their originators):
        // prepared once per connection.
        let statement = client
            .prepare_cached(&format!(
                "{} WHERE identity_id = $1",
                rows::ORGANIZATION_SELECT
            ))
            .await
            .map_err(backend)?;
        client
            .query_opt(&statement, &[&identity_id])
            .await
            .map_err(backend)?
            .map(|r| rows::organization(&r))
            .transpose()
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO users (id, org_id, name, role, password_hash, created)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &user.id,
                    &user.org_id,
                    &user.name,
                    &user.role.as_str(),
                    &user.password_hash,
                    &user.created.to_string(),
                ],
            )
            .await
            .map_err(refers(
                format!("organization {}", user.org_id),
                format!("user `{}`", user.name),
            ))?;
        Ok(())
    }

    async fn users(&self) -> Result<Vec<User>> {
        let client = self.client().await?;
        client
            .query(&format!("{} ORDER BY name", rows::USER_SELECT), &[])
            .await
            .map_err(backend)?
            .iter()
            .map(rows::user)
            .collect()
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!("{} WHERE name = $1", rows::USER_SELECT))
            .await
            .map_err(backend)?;
        client
            .query_opt(&stmt, &[&name])
            .await
            .map_err(backend)?
            .map(|r| rows::user(&r))
            .transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!("{} WHERE id = $1", rows::USER_SELECT))
            .await
            .map_err(backend)?;
        client
            .query_opt(&stmt, &[&id])
            .await
            .map_err(backend)?
            .map(|r| rows::user(&r))
            .transpose()
    }

    async fn create_token(&self, token: &ApiToken) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO api_tokens (id, user_id, label, token_hash, created, revoked)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &token.id,
                    &token.user_id,
                    &token.label,
                    &token.token_hash,
                    &token.created.to_string(),
                    &token.revoked.map(|t| t.to_string()),
                ],
            )
            .await
            .map_err(refers(format!("user {}", token.user_id), "the token"))?;
        Ok(())
    }

    async fn active_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "{} WHERE token_hash = $1 AND revoked IS NULL",
                rows::TOKEN_SELECT
            ))
            .await
            .map_err(backend)?;
        client
            .query_opt(&stmt, &[&token_hash])
            .await
            .map_err(backend)?
            .map(|r| rows::token(&r))
            .transpose()
    }

    async fn tokens_of_user(&self, user_id: Uuid) -> Result<Vec<ApiToken>> {
        let client = self.client().await?;
        client
            .query(
                &format!(
                    "{} WHERE user_id = $1 ORDER BY created, id",
                    rows::TOKEN_SELECT
                ),
                &[&user_id],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(rows::token)
            .collect()
    }

    async fn revoke_token(&self, token_id: Uuid, at: jiff::Timestamp) -> Result<bool> {
        let client = self.client().await?;
        let changed = client
            .execute(
                "UPDATE api_tokens SET revoked = $2 WHERE id = $1 AND revoked IS NULL",
                &[&token_id, &at.to_string()],
            )
            .await
            .map_err(backend)?;
        Ok(changed > 0)
    }

    async fn create_api_root(&self, root: &ApiRoot) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO api_roots (name, title, description) VALUES ($1, $2, $3)",
                &[&root.name, &root.title, &root.description],
            )
            .await
            .map_err(unique(format!("API root `{}`", root.name)))?;
        Ok(())
    }

    async fn api_roots(&self) -> Result<Vec<ApiRoot>> {
        let client = self.client().await?;
        // On the path of every TAXII request: prepared once per connection.
        let statement = client
            .prepare_cached("SELECT name, title, description FROM api_roots ORDER BY name")
            .await
            .map_err(backend)?;
        client
            .query(&statement, &[])
            .await
            .map_err(backend)?
            .iter()
            .map(|r| {
                Ok(ApiRoot {
                    name: r.try_get(0).map_err(backend)?,
                    title: r.try_get(1).map_err(backend)?,
                    description: r.try_get(2).map_err(backend)?,
                })
            })
            .collect()
    }

    async fn create_collection(&self, collection: &Collection) -> Result<()> {
        let mut client = self.client().await?;
        // The collection and its grants together or not at all: an error drops the
        // transaction, which rolls it back.
        let tx = client.transaction().await.map_err(backend)?;
        tx.execute(
            "INSERT INTO collections (id, api_root, title, description, created)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &collection.id,
                &collection.api_root,
                &collection.title,
                &collection.description,
                &collection.created.to_string(),
            ],
        )
        .await
        .map_err(refers(
            format!("API root `{}`", collection.api_root),
            format!("collection {}", collection.id),
        ))?;
        for grant in &collection.grants {
            tx.execute(
                "INSERT INTO collection_grants (collection_id, org_id, can_read, can_write)
                 VALUES ($1, $2, $3, $4)",
                &[&collection.id, &grant.org_id, &grant.read, &grant.write],
            )
            .await
            .map_err(refers(
                format!("organization {}", grant.org_id),
                "a grant for that organization",
            ))?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn collections(&self, api_root: &str) -> Result<Vec<Collection>> {
        let client = self.client().await?;
        rows::collections(&client, api_root, None).await
    }

    async fn collection(&self, api_root: &str, id: Uuid) -> Result<Option<Collection>> {
        let client = self.client().await?;
        Ok(rows::collections(&client, api_root, Some(id)).await?.pop())
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome> {
        let prepared = objects::PreparedBatch::new(batch);
        let mut client = self.client().await?;
        objects::ingest(&mut client, prepared).await
    }

    async fn query_objects(&self, query: &ObjectQuery) -> Result<ObjectPage> {
        let client = self.client().await?;
        objects::query(&client, query).await
    }

    async fn delete_object(&self, delete: &ObjectDelete) -> Result<u64> {
        let mut client = self.client().await?;
        objects::delete(&mut client, delete).await
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchRecord>> {
        let client = self.client().await?;
        search::search(&client, query).await
    }

    async fn index_pending(&self, limit: usize) -> Result<u64> {
        let mut client = self.client().await?;
        search::index_pending(&mut client, limit).await
    }

    async fn count_objects(&self, collection: Uuid) -> Result<u64> {
        let client = self.client().await?;
        let count: i64 = client
            .query_one(
                "SELECT count(*) FROM objects
                 WHERE collection_key = (SELECT key FROM collections WHERE id = $1)",
                &[&collection],
            )
            .await
            .map_err(backend)?
            .try_get(0)
            .map_err(backend)?;
        Ok(count.max(0) as u64)
    }

    async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityCount>> {
        let client = self.client().await?;
        let since = day_number(query.since);
        let mut counts = Vec::new();
        for (collection, visibility) in &query.scopes {
            counts.extend(objects::activity(&client, *collection, visibility, since).await?);
        }
        Ok(merge_activity(counts))
    }

    async fn status(&self, api_root: &str, id: Uuid) -> Result<Option<Status>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT id, api_root, collection_id, owner_org, state, request_timestamp,
                        successes, failures, pendings
                 FROM statuses WHERE id = $1 AND api_root = $2",
            )
            .await
            .map_err(backend)?;
        client
            .query_opt(&statement, &[&id, &api_root])
            .await
            .map_err(backend)?
            .map(|r| rows::status(&r))
            .transpose()
    }

    async fn statuses_page(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Status>> {
        let client = self.client().await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        client
            .query(
                "SELECT id, api_root, collection_id, owner_org, state, request_timestamp,
                        successes, failures, pendings
                 FROM statuses WHERE $1::uuid IS NULL OR id > $1 ORDER BY id LIMIT $2",
                &[&after, &limit],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(rows::status)
            .collect()
    }

    async fn restore_status(&self, status: &Status) -> Result<()> {
        let client = self.client().await?;
        objects::insert_status(&**client, status).await
    }

    async fn put_document(&self, document: &Document, replace: Replace) -> Result<bool> {
        let client = self.client().await?;
        // One statement either way, so that concurrent writers (other processes included)
        // never lose an update between a read and a write: with `IfHigherRank` the conflict
        // branch updates nothing unless the new rank is higher, and no row is counted.
        let statement = match replace {
            Replace::Always => {
                "INSERT INTO documents (kind, key, rank, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (kind, key) DO UPDATE
                 SET rank = excluded.rank, body = excluded.body"
            }
            Replace::IfHigherRank => {
                "INSERT INTO documents (kind, key, rank, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (kind, key) DO UPDATE
                 SET rank = excluded.rank, body = excluded.body
                 WHERE excluded.rank > documents.rank"
            }
        };
        let changed = client
            .execute(
                statement,
                &[
                    &document.kind,
                    &document.key,
                    &document.rank,
                    &document.body,
                ],
            )
            .await
            .map_err(backend)?;
        Ok(changed > 0)
    }

    async fn document(&self, kind: &str, key: &str) -> Result<Option<Document>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "{} WHERE kind = $1 AND key = $2",
                rows::DOCUMENT_SELECT
            ))
            .await
            .map_err(backend)?;
        client
            .query_opt(&statement, &[&kind, &key])
            .await
            .map_err(backend)?
            .map(|r| rows::document(&r))
            .transpose()
    }

    async fn documents(&self, kind: &str) -> Result<Vec<Document>> {
        let client = self.client().await?;
        // Byte order, as SQLite's: the column's collation already is "C"; said again here so
        // that the order never depends on the schema alone.
        client
            .query(
                &format!(
                    "{} WHERE kind = $1 ORDER BY key COLLATE \"C\"",
                    rows::DOCUMENT_SELECT
                ),
                &[&kind],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(rows::document)
            .collect()
    }

    async fn delete_document(&self, kind: &str, key: &str) -> Result<bool> {
        let client = self.client().await?;
        let removed = client
            .execute(
                "DELETE FROM documents WHERE kind = $1 AND key = $2",
                &[&kind, &key],
            )
            .await
            .map_err(backend)?;
        Ok(removed > 0)
    }

    async fn add_signatures(&self, collection: Uuid, signatures: &[StoredSignature]) -> Result<()> {
        let client = self.client().await?;
        let key: i64 = client
            .query_opt("SELECT key FROM collections WHERE id = $1", &[&collection])
            .await
            .map_err(backend)?
            .map(|r| rows::get(&r, 0))
            .transpose()?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("collection {collection}"),
            })?;
        let column = |f: fn(&StoredSignature) -> &String| -> Vec<String> {
            signatures.iter().map(|s| f(s).clone()).collect()
        };
        client
            .execute(
                "INSERT INTO signatures (collection_key, object_id, version, signer, companion)
                 SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
                 ON CONFLICT DO NOTHING",
                &[
                    &key,
                    &column(|s| &s.object_id),
                    &column(|s| &s.version),
                    &column(|s| &s.signer),
                    &column(|s| &s.companion),
                ],
            )
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn signatures_of(
        &self,
        collection: Uuid,
        object_ids: &[String],
    ) -> Result<Vec<StoredSignature>> {
        if object_ids.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        client
            .query(
                "SELECT object_id, version, signer, companion FROM signatures
                 WHERE collection_key = (SELECT key FROM collections WHERE id = $1)
                   AND object_id = ANY($2)
                 ORDER BY object_id COLLATE \"C\", version COLLATE \"C\", signer COLLATE \"C\"",
                &[&collection, &object_ids],
            )
            .await
            .map_err(backend)?
            .iter()
            .map(|r| {
                Ok(StoredSignature {
                    object_id: rows::get(r, 0)?,
                    version: rows::get(r, 1)?,
                    signer: rows::get(r, 2)?,
                    companion: rows::get(r, 3)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that does not answer is `Unavailable` (the HTTP layer's 503), not a panic
    /// or an internal error.
    #[tokio::test]
    async fn unreachable_server_is_unavailable() {
        let result =
            PostgresStore::connect("postgres://postgres@127.0.0.1:1/none?connect_timeout=2").await;
        match result {
            Err(StoreError::Unavailable(_)) => {}
            Err(other) => panic!("expected Unavailable, got {other:?}"),
            Ok(_) => panic!("expected Unavailable, got a store"),
        }
    }

    #[tokio::test]
    async fn malformed_url_is_an_error() {
        assert!(PostgresStore::connect("postgres://[::1").await.is_err());
    }
}

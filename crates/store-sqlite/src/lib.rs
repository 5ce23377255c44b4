//! The embedded default backend: SQLite in WAL mode, one file in the node's data directory.
//!
//! One writer connection, behind a mutex, takes every write in its own transaction with
//! `synchronous = FULL`, so a commit that returned is on disk. Readers use a small pool of
//! read-only connections and never wait for the writer (WAL). Blocking SQLite calls run on
//! tokio's blocking pool.
//!
//! Architecture invariant: this crate decides nothing about access; it applies the
//! [`Visibility`] it is given, exactly as [`Visibility::admits`] defines it.

mod objects;
mod rows;
mod search;

use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tanseeq_store::*;
use tokio::sync::oneshot;
use uuid::Uuid;

/// The file name of the database inside a node's data directory.
pub const DATABASE_FILE: &str = "tanseeq.db";

/// How long a connection waits for a lock held by another process (e.g. `tanseeq import`
/// beside a running server) before giving up with [`StoreError::Unavailable`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Page cache of the writer connection, KiB.
const WRITER_CACHE_KIB: i64 = 64 * 1024;
/// Page cache of each read connection, KiB.
const READER_CACHE_KIB: i64 = 16 * 1024;

/// Page size of new databases.
const PAGE_SIZE: i64 = 8192;

/// WAL size, in pages, that triggers a checkpoint (256 MiB of 8 KiB pages).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 32_768;

/// Idle read connections kept open.
const MAX_IDLE_READERS: usize = 16;

/// A query for at most this many object ids is a point lookup (see [`SqliteStore::lookup`]).
const INLINE_MAX_IDS: usize = 16;

/// Object ids per query of `signatures_of` (SQLite binds at most 32,766 parameters).
const SIGNATURE_IDS_PER_QUERY: usize = 500;

/// Migrations, in order; `PRAGMA user_version` is the number applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_node_secret.sql"),
    include_str!("../migrations/0003_signatures.sql"),
    include_str!("../migrations/0004_federation.sql"),
    include_str!("../migrations/0005_search.sql"),
    include_str!("../migrations/0006_activity.sql"),
];

pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: std::sync::mpsc::Sender<WriteJob>,
    readers: Mutex<Vec<Connection>>,
}

/// Work for the writer thread, which owns the only writing connection of the process.
enum WriteJob {
    /// Ingests are grouped: all that are waiting share one transaction.
    Ingest(
        Box<objects::PreparedBatch>,
        oneshot::Sender<Result<IngestOutcome>>,
    ),
    /// Any other write, alone.
    Other(Box<dyn FnOnce(&mut objects::Writer) + Send>),
}

/// The most objects one group commit takes (a bound on transaction size and latency).
const GROUP_COMMIT_MAX_OBJECTS: usize = 20_000;

/// The writer thread: takes jobs in order; ingests that arrive while one is being written wait
/// and are then committed together.
fn writer_loop(mut writer: objects::Writer, jobs: std::sync::mpsc::Receiver<WriteJob>) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return, // the store was dropped
            },
        };
        match job {
            WriteJob::Other(f) => f(&mut writer),
            WriteJob::Ingest(batch, reply) => {
                let mut objects = batch.len();
                let mut group = vec![(*batch, reply)];
                while objects < GROUP_COMMIT_MAX_OBJECTS {
                    match jobs.try_recv() {
                        Ok(WriteJob::Ingest(batch, reply)) => {
                            objects += batch.len();
                            group.push((*batch, reply));
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                for (outcome, reply) in writer.ingest_group(batches).into_iter().zip(replies) {
                    let _ = reply.send(outcome);
                }
            }
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, objects::RECENT_IDS_MERGE_AT)
    }

    /// [`SqliteStore::open`] with another size at which recent object ids are merged into the
    /// main id index; tests use a tiny one so that both levels are exercised.
    pub fn open_with(path: &Path, recent_ids_merge_at: u64) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Unavailable(format!("cannot open {}: {e}", path.display())))?;
        configure(&conn, false).map_err(backend)?;
        migrate(&conn)?;
        let writer = objects::Writer::new(conn, recent_ids_merge_at).map_err(backend)?;
        let (jobs, receiver) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("tanseeq-sqlite-writer".into())
            .spawn(move || writer_loop(writer, receiver))
            .map_err(|e| StoreError::Unavailable(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                writer: jobs,
                readers: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Opens the database of a node's data directory.
    pub fn open_in(data_dir: &Path) -> Result<Self> {
        Self::open(&data_dir.join(DATABASE_FILE))
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let inner = self.inner.clone();
        run_blocking(move || inner.read_blocking(f)).await
    }

    /// A point lookup by key (a user, a token, a collection, a status, a few object ids): run
    /// on the calling thread. These take microseconds on an index and never wait for the writer
    /// (WAL), so handing them to the blocking pool would cost more in thread switches than the
    /// query itself. Anything that may scan goes through [`SqliteStore::read`].
    fn lookup<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        self.inner.read_blocking(f)
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut objects::Writer) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job = WriteJob::Other(Box::new(move |writer| {
            let _ = reply.send(f(writer));
        }));
        self.submit(job, answer).await
    }

    async fn submit<T>(&self, job: WriteJob, answer: oneshot::Receiver<Result<T>>) -> Result<T> {
        let gone = || StoreError::Unavailable("the database writer has stopped".into());
        self.inner.writer.send(job).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

impl Inner {
    fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
                configure(&conn, true).map_err(backend)?;
                conn
            }
        };
        let result = f(&conn).map_err(backend);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < MAX_IDLE_READERS
        {
            pool.push(conn);
        }
        result
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))?
}

fn configure(conn: &Connection, read_only: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Query-planner stability: without it SQLite re-prepares a cached statement whenever a
    // bound value might change its plan, which re-parsed every lookup (measured: 40 % of a
    // single-object GET's CPU).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    if !read_only {
        // Takes effect only when the database file is created.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        // WAL: readers never block the writer; FULL: a returned commit survives power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoint less often than SQLite's default (1,000 pages): random id-index pages
        // touched by many commits are then copied into the database once, not once per commit.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
    }
    // Pages kept in memory, per connection (negative: KiB). The writer keeps the id index
    // and the tails of the append-only indexes cached, so ingest seldom reads a page.
    let cache_kib = if read_only {
        READER_CACHE_KIB
    } else {
        WRITER_CACHE_KIB
    };
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<()> {
    let have: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(backend)?;
    let have = have as usize;
    if have > MIGRATIONS.len() {
        return Err(StoreError::Schema(format!(
            "the database has schema version {have}, newer than this tanseeq ({}); upgrade tanseeq",
            MIGRATIONS.len()
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(have) {
        let tx = conn.unchecked_transaction().map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(ref code, _)
            if matches!(
                code.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        other => StoreError::Backend(Box::new(other)),
    }
}

/// Maps a unique-constraint failure to [`StoreError::AlreadyExists`].
fn unique(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> StoreError {
    let what = what.into();
    move |e| match e {
        rusqlite::Error::SqliteFailure(ref code, _)
            if code.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::AlreadyExists { what }
        }
        other => backend(other),
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    async fn init_node(&self, node: &NodeRecord, secret: &NodeSecret) -> Result<()> {
        let node = node.clone();
        let secret = secret.0.clone();
        self.write(move |w| {
            let tx = objects::write_transaction(&mut w.conn)?;
            let exists: bool = tx
                .query_row("SELECT EXISTS (SELECT 1 FROM node)", [], |r| r.get(0))
                .map_err(backend)?;
            if exists {
                return Err(StoreError::AlreadyExists {
                    what: "the node record".into(),
                });
            }
            tx.execute(
                "INSERT INTO node (id, name, public_key, created, secret)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    node.id.to_string(),
                    node.name,
                    node.public_key,
                    node.created.to_string(),
                    secret
                ],
            )
            .map_err(unique("the node record"))?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn node(&self) -> Result<Option<NodeRecord>> {
        self.lookup(|c| {
            c.query_row(
                "SELECT id, name, public_key, created FROM node LIMIT 1",
                [],
                rows::node,
            )
            .optional()
        })
    }

    async fn node_secret(&self) -> Result<Option<NodeSecret>> {
        self.lookup(|c| {
            c.query_row("SELECT secret FROM node LIMIT 1", [], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()
        })
        .map(|secret| secret.flatten().map(NodeSecret))
    }

    async fn schema_version(&self) -> Result<SchemaVersion> {
        let current =
            self.lookup(|c| c.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0)))?;
        Ok(SchemaVersion {
            expected: MIGRATIONS.len(),
            current: usize::try_from(current).unwrap_or(0),
        })
    }

    async fn create_organization(&self, org: &Organization) -> Result<()> {
        let org = org.clone();
        self.write(move |w| {
            w.conn
                .execute(
                    "INSERT INTO organizations (id, name, identity_id, created, home_node)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        org.id.to_string(),
                        org.name,
                        org.identity_id,
                        org.created.to_string(),
                        org.home_node.map(|n| n.to_string())
                    ],
                )
                .map_err(unique(format!("organization `{}`", org.name)))?;
            Ok(())
        })
        .await
    }

    async fn organizations(&self) -> Result<Vec<Organization>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached(&format!("{} ORDER BY name", rows::ORGANIZATION_SELECT))?;
            stmt.query_map([], rows::organization)?.collect()
        })
        .await
    }

    async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>> {
        let name = name.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("{} WHERE name = ?1", rows::ORGANIZATION_SELECT),
                [name],
                rows::organization,
            )
            .optional()
        })
        .await
    }

    async fn organization_by_identity(&self, identity_id: &str) -> Result<Option<Organization>> {
        let identity_id = identity_id.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("{} WHERE identity_id = ?1", rows::ORGANIZATION_SELECT),
                [identity_id],
                rows::organization,
            )
            .optional()
        })
        .await
    }

    async fn create_user(&self, user: &User) -> Result<()> {
        let user = user.clone();
        self.write(move |w| {
            let org_exists: bool = w
                .conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?1)",
                    [user.org_id.to_string()],
                    |r| r.get(0),
                )
                .map_err(backend)?;
            if !org_exists {
                return Err(StoreError::NotFound {
                    what: format!("organization {}", user.org_id),
                });
            }
            w.conn
                .execute(
                    "INSERT INTO users (id, org_id, name, role, password_hash, created)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        user.id.to_string(),
                        user.org_id.to_string(),
                        user.name,
                        user.role.as_str(),
                        user.password_hash,
                        user.created.to_string()
                    ],
                )
                .map_err(unique(format!("user `{}`", user.name)))?;
            Ok(())
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!("{} ORDER BY name", rows::USER_SELECT))?;
            stmt.query_map([], rows::user)?.collect()
        })
        .await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let name = name.to_owned();
        self.lookup(move |c| {
            c.prepare_cached(&format!("{} WHERE name = ?1", rows::USER_SELECT))?
                .query_row([name], rows::user)
                .optional()
        })
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>> {
        self.lookup(move |c| {
            c.prepare_cached(&format!("{} WHERE id = ?1", rows::USER_SELECT))?
                .query_row([id.to_string()], rows::user)
                .optional()
        })
    }

    async fn create_token(&self, token: &ApiToken) -> Result<()> {
        let token = token.clone();
        self.write(move |w| {
            w.conn
                .execute(
                    "INSERT INTO api_tokens (id, user_id, label, token_hash, created, revoked)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        token.id.to_string(),
                        token.user_id.to_string(),
                        token.label,
                        token.token_hash,
                        token.created.to_string(),
                        token.revoked.map(|t| t.to_string())
                    ],
                )
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(ref code, _)
                        if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                    {
                        StoreError::NotFound {
                            what: format!("user {}", token.user_id),
                        }
                    }
                    other => unique("the token")(other),
                })?;
            Ok(())
        })
        .await
    }

    async fn active_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let token_hash = token_hash.to_owned();
        self.lookup(move |c| {
            c.prepare_cached(&format!(
                "{} WHERE token_hash = ?1 AND revoked IS NULL",
                rows::TOKEN_SELECT
            ))?
            .query_row([token_hash], rows::token)
            .optional()
        })
    }

    async fn tokens_of_user(&self, user_id: Uuid) -> Result<Vec<ApiToken>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "{} WHERE user_id = ?1 ORDER BY created",
                rows::TOKEN_SELECT
            ))?;
            stmt.query_map([user_id.to_string()], rows::token)?
                .collect()
        })
        .await
    }

    async fn revoke_token(&self, token_id: Uuid, at: jiff::Timestamp) -> Result<bool> {
        self.write(move |w| {
            let changed = w
                .conn
                .execute(
                    "UPDATE api_tokens SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
                    params![token_id.to_string(), at.to_string()],
                )
                .map_err(backend)?;
            Ok(changed > 0)
        })
        .await
    }

    async fn create_api_root(&self, root: &ApiRoot) -> Result<()> {
        let root = root.clone();
        self.write(move |w| {
            w.conn
                .execute(
                    "INSERT INTO api_roots (name, title, description) VALUES (?1, ?2, ?3)",
                    params![root.name, root.title, root.description],
                )
                .map_err(unique(format!("API root `{}`", root.name)))?;
            Ok(())
        })
        .await
    }

    async fn api_roots(&self) -> Result<Vec<ApiRoot>> {
        self.lookup(|c| {
            let mut stmt =
                c.prepare_cached("SELECT name, title, description FROM api_roots ORDER BY name")?;
            stmt.query_map([], |r| {
                Ok(ApiRoot {
                    name: r.get(0)?,
                    title: r.get(1)?,
                    description: r.get(2)?,
                })
            })?
            .collect()
        })
    }

    async fn create_collection(&self, collection: &Collection) -> Result<()> {
        let collection = collection.clone();
        self.write(move |w| {
            let tx = objects::write_transaction(&mut w.conn)?;
            tx.execute(
                "INSERT INTO collections (id, api_root, title, description, created)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    collection.id.to_string(),
                    collection.api_root,
                    collection.title,
                    collection.description,
                    collection.created.to_string()
                ],
            )
            .map_err(|e| match e {
                rusqlite::Error::SqliteFailure(ref code, _)
                    if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                {
                    StoreError::NotFound {
                        what: format!("API root `{}`", collection.api_root),
                    }
                }
                other => unique(format!("collection {}", collection.id))(other),
            })?;
            for grant in &collection.grants {
                tx.execute(
                    "INSERT INTO collection_grants (collection_id, org_id, can_read, can_write)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![
                        collection.id.to_string(),
                        grant.org_id.to_string(),
                        grant.read,
                        grant.write
                    ],
                )
                .map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(ref code, _)
                        if code.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
                    {
                        StoreError::NotFound {
                            what: format!("organization {}", grant.org_id),
                        }
                    }
                    other => unique("a grant for that organization")(other),
                })?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn collections(&self, api_root: &str) -> Result<Vec<Collection>> {
        let api_root = api_root.to_owned();
        self.read(move |c| rows::collections(c, &api_root, None))
            .await
    }

    async fn collection(&self, api_root: &str, id: Uuid) -> Result<Option<Collection>> {
        let api_root = api_root.to_owned();
        self.lookup(move |c| Ok(rows::collections(c, &api_root, Some(id))?.pop()))
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome> {
        let (reply, answer) = oneshot::channel();
        let prepared = objects::PreparedBatch::new(batch);
        self.submit(WriteJob::Ingest(Box::new(prepared), reply), answer)
            .await
    }

    async fn query_objects(&self, query: &ObjectQuery) -> Result<ObjectPage> {
        let query = query.clone();
        if !query.filter.ids.is_empty() && query.filter.ids.len() <= INLINE_MAX_IDS {
            return self.lookup(move |c| objects::query(c, &query));
        }
        self.read(move |c| objects::query(c, &query)).await
    }

    async fn delete_object(&self, delete: &ObjectDelete) -> Result<u64> {
        let delete = delete.clone();
        self.write(move |w| w.delete(&delete)).await
    }

    async fn count_objects(&self, collection: Uuid) -> Result<u64> {
        self.read(move |c| {
            c.query_row(
                "SELECT count(*) FROM objects
                 WHERE collection_key = (SELECT key FROM collections WHERE id = ?1)",
                [collection.to_string()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
        })
        .await
    }

    async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityCount>> {
        let query = query.clone();
        self.read(move |c| {
            let since = day_number(query.since);
            let mut counts = Vec::new();
            for (collection, visibility) in &query.scopes {
                counts.extend(objects::activity(c, *collection, visibility, since)?);
            }
            Ok(merge_activity(counts))
        })
        .await
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchRecord>> {
        let query = query.clone();
        self.read(move |c| search::search(c, &query)).await
    }

    async fn index_pending(&self, limit: usize) -> Result<u64> {
        self.write(move |w| w.index_pending(limit)).await
    }

    async fn status(&self, api_root: &str, id: Uuid) -> Result<Option<Status>> {
        let api_root = api_root.to_owned();
        self.lookup(move |c| {
            c.query_row(
                "SELECT id, api_root, collection_id, owner_org, state, request_timestamp,
                        successes, failures, pendings
                 FROM statuses WHERE id = ?1 AND api_root = ?2",
                params![id.to_string(), api_root],
                rows::status,
            )
            .optional()
        })
    }

    async fn statuses_page(&self, after: Option<Uuid>, limit: usize) -> Result<Vec<Status>> {
        let after = after.map(|id| id.to_string()).unwrap_or_default();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(move |c| {
            c.prepare_cached(
                "SELECT id, api_root, collection_id, owner_org, state, request_timestamp,
                        successes, failures, pendings
                 FROM statuses WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?
            .query_map(params![after, limit], rows::status)?
            .collect()
        })
        .await
    }

    async fn restore_status(&self, status: &Status) -> Result<()> {
        let status = status.clone();
        self.write(move |w| objects::insert_status(&w.conn, &status))
            .await
    }

    async fn put_document(&self, document: &Document, replace: Replace) -> Result<bool> {
        let document = document.clone();
        self.write(move |w| {
            let condition = match replace {
                Replace::Always => "",
                Replace::IfHigherRank => " WHERE excluded.rank > documents.rank",
            };
            let changed = w
                .conn
                .execute(
                    &format!(
                        "INSERT INTO documents (kind, key, rank, body) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (kind, key) DO UPDATE
                         SET rank = excluded.rank, body = excluded.body{condition}"
                    ),
                    params![document.kind, document.key, document.rank, document.body],
                )
                .map_err(backend)?;
            Ok(changed > 0)
        })
        .await
    }

    async fn document(&self, kind: &str, key: &str) -> Result<Option<Document>> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.read(move |c| {
            c.query_row(
                "SELECT kind, key, rank, body FROM documents WHERE kind = ?1 AND key = ?2",
                [kind, key],
                rows::document,
            )
            .optional()
        })
        .await
    }

    async fn documents(&self, kind: &str) -> Result<Vec<Document>> {
        let kind = kind.to_owned();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT kind, key, rank, body FROM documents WHERE kind = ?1 ORDER BY key",
            )?;
            stmt.query_map([kind], rows::document)?.collect()
        })
        .await
    }

    async fn delete_document(&self, kind: &str, key: &str) -> Result<bool> {
        let (kind, key) = (kind.to_owned(), key.to_owned());
        self.write(move |w| {
            let removed = w
                .conn
                .execute(
                    "DELETE FROM documents WHERE kind = ?1 AND key = ?2",
                    [kind, key],
                )
                .map_err(backend)?;
            Ok(removed > 0)
        })
        .await
    }

    async fn add_signatures(&self, collection: Uuid, signatures: &[StoredSignature]) -> Result<()> {
        let signatures = signatures.to_vec();
        self.write(move |w| {
            let tx = objects::write_transaction(&mut w.conn)?;
            let key = objects::collection_key(&tx, collection)?;
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO signatures
                             (collection_key, object_id, version, signer, companion)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .map_err(backend)?;
                for s in &signatures {
                    insert
                        .execute(params![key, s.object_id, s.version, s.signer, s.companion])
                        .map_err(backend)?;
                }
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn signatures_of(
        &self,
        collection: Uuid,
        object_ids: &[String],
    ) -> Result<Vec<StoredSignature>> {
        let object_ids = object_ids.to_vec();
        self.read(move |c| {
            let mut out = Vec::new();
            for chunk in object_ids.chunks(SIGNATURE_IDS_PER_QUERY) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let mut stmt = c.prepare(&format!(
                    "SELECT object_id, version, signer, companion FROM signatures
                     WHERE collection_key = (SELECT key FROM collections WHERE id = ?)
                       AND object_id IN ({marks})"
                ))?;
                let args = std::iter::once(collection.to_string()).chain(chunk.iter().cloned());
                let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
                    Ok(StoredSignature {
                        object_id: r.get(0)?,
                        version: r.get(1)?,
                        signer: r.get(2)?,
                        companion: r.get(3)?,
                    })
                })?;
                for row in rows {
                    out.push(row?);
                }
            }
            out.sort_by(|a, b| {
                (&a.object_id, &a.version, &a.signer).cmp(&(&b.object_id, &b.version, &b.signer))
            });
            Ok(out)
        })
        .await
    }
}

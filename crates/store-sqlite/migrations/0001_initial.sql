-- The first schema of the embedded store. Applied once; `PRAGMA user_version` records it.

CREATE TABLE node (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created     TEXT NOT NULL
);

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    identity_id TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'reader')),
    password_hash TEXT NOT NULL,
    created       TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created    TEXT NOT NULL,
    revoked    TEXT
);

CREATE TABLE api_roots (
    name        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT
);

CREATE TABLE collections (
    key         INTEGER PRIMARY KEY,  -- compact key used by the objects table and its indexes
    id          TEXT NOT NULL UNIQUE,
    api_root    TEXT NOT NULL REFERENCES api_roots(name),
    title       TEXT NOT NULL,
    description TEXT,
    created     TEXT NOT NULL
);

CREATE TABLE collection_grants (
    collection_id TEXT NOT NULL REFERENCES collections(id),
    org_id        TEXT NOT NULL REFERENCES organizations(id),
    can_read      INTEGER NOT NULL,
    can_write     INTEGER NOT NULL,
    PRIMARY KEY (collection_id, org_id)
) WITHOUT ROWID;

-- One row per stored object version per collection. `raw` is the object exactly as received;
-- every other column is derived from it at ingest, for queries.
CREATE TABLE objects (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    collection_key INTEGER NOT NULL REFERENCES collections(key),
    id_hash        INTEGER NOT NULL,  -- first 8 bytes of SHA-256(id), big-endian, signed
    id             TEXT NOT NULL,
    type           TEXT NOT NULL,
    spec_version   TEXT NOT NULL,
    version        TEXT NOT NULL,     -- sortable form of modified/created/date_added
    created        TEXT,
    modified       TEXT,
    revoked        INTEGER NOT NULL,
    created_by_ref TEXT,
    marking_refs   TEXT,              -- object_marking_refs, space-separated
    valid_from     TEXT,
    valid_until    TEXT,
    date_added     INTEGER NOT NULL,  -- microseconds since the epoch
    originator_org TEXT NOT NULL,
    restricted     INTEGER NOT NULL,
    is_first       INTEGER NOT NULL,
    is_last        INTEGER NOT NULL,
    sha256         BLOB NOT NULL,
    raw            TEXT NOT NULL
);
-- (collection, id, version, originator) is unique; the writer enforces it under its write
-- lock. Uniqueness is per originator: an organization that cannot see a restricted version may
-- still post its own object under the same (id, version), so a post never reveals that a hidden
-- version exists.

-- Finding an object by id, in two levels. Ids are random, so every new object lands on a
-- random page of an id index, and each commit writes every page it touched: with one big
-- index, a commit of 1,000 new objects into a large collection rewrites ~1,000 index pages.
-- New ids therefore go to `recent_object_ids`, which stays small (few pages, mostly cached and
-- rewritten together), and the writer moves them into `object_ids` in large merges
-- (`RECENT_IDS_MERGE_AT`), where many new entries share each page written. Lookups read both.
-- The keys are compact integers: the collection's `key` and a 64-bit hash of the object id
-- (the id itself is compared on the row).
CREATE TABLE object_ids (
    collection_key INTEGER NOT NULL,
    id_hash        INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    PRIMARY KEY (collection_key, id_hash, seq)
) WITHOUT ROWID;
CREATE TABLE recent_object_ids (
    collection_key INTEGER NOT NULL,
    id_hash        INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    PRIMARY KEY (collection_key, id_hash, seq)
) WITHOUT ROWID;
CREATE INDEX objects_by_date_added ON objects (collection_key, date_added, seq);
CREATE INDEX objects_by_type ON objects (collection_key, type, date_added, seq);

-- The last date_added handed out, read and advanced inside each writing transaction, so that
-- date_added grows with commit order even with several writing processes.
CREATE TABLE clock (
    one             INTEGER PRIMARY KEY CHECK (one = 1),
    last_date_added INTEGER NOT NULL
);
INSERT INTO clock (one, last_date_added) VALUES (1, 0);

CREATE TABLE statuses (
    id                TEXT PRIMARY KEY,
    api_root          TEXT NOT NULL,
    collection_id     TEXT NOT NULL,
    owner_org         TEXT NOT NULL,
    state             TEXT NOT NULL,
    request_timestamp INTEGER NOT NULL,
    successes         TEXT NOT NULL,  -- JSON lists of {id, version, message}
    failures          TEXT NOT NULL,
    pendings          TEXT NOT NULL
);

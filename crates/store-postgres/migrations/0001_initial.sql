-- The first schema of the PostgreSQL store. Applied once, under an advisory lock, and recorded
-- in `schema_migrations`.
--
-- Identifiers, versions and types that the store sorts or compares are `COLLATE "C"`: byte
-- order, as in SQLite, whatever the database's locale (a locale's collation may order
-- punctuation or case differently, and would make `first`/`last` depend on the server).
-- Timestamps of records are TEXT in RFC 3339 as jiff writes them, because the contract keeps
-- them to the nanosecond and `timestamptz` holds microseconds.

-- One row at most: the primary key on a constant makes a second `init_node` a unique
-- violation even when two processes race.
CREATE TABLE node (
    singleton   BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    id          UUID NOT NULL,
    name        TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    created     TEXT NOT NULL
);

CREATE TABLE organizations (
    id          UUID PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    identity_id TEXT NOT NULL UNIQUE,
    created     TEXT NOT NULL
);

CREATE TABLE users (
    id            UUID PRIMARY KEY,
    org_id        UUID NOT NULL REFERENCES organizations(id),
    name          TEXT COLLATE "C" NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'reader')),
    password_hash TEXT NOT NULL,
    created       TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id),
    label      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created    TEXT NOT NULL,
    revoked    TEXT
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

CREATE TABLE api_roots (
    name        TEXT COLLATE "C" PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT
);

CREATE TABLE collections (
    key         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- compact key for objects
    id          UUID NOT NULL UNIQUE,
    api_root    TEXT COLLATE "C" NOT NULL REFERENCES api_roots(name),
    title       TEXT NOT NULL,
    description TEXT,
    created     TEXT NOT NULL
);

CREATE TABLE collection_grants (
    collection_id UUID NOT NULL REFERENCES collections(id),
    org_id        UUID NOT NULL REFERENCES organizations(id),
    can_read      BOOLEAN NOT NULL,
    can_write     BOOLEAN NOT NULL,
    PRIMARY KEY (collection_id, org_id)
);

-- One row per stored object version per collection. `raw` is the object exactly as received
-- (TEXT, never jsonb, which would re-serialize it); every other column is derived from it at
-- ingest, for queries.
CREATE TABLE objects (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_key BIGINT NOT NULL REFERENCES collections(key),
    id             TEXT COLLATE "C" NOT NULL,
    type           TEXT COLLATE "C" NOT NULL,
    spec_version   TEXT COLLATE "C" NOT NULL,
    version        TEXT COLLATE "C" NOT NULL, -- sortable form of modified/created/date_added
    created        TEXT,
    modified       TEXT,
    revoked        BOOLEAN NOT NULL,
    created_by_ref TEXT,
    marking_refs   TEXT,                      -- object_marking_refs, space-separated
    valid_from     TEXT,
    valid_until    TEXT,
    date_added     BIGINT NOT NULL,           -- microseconds since the epoch
    originator_org UUID NOT NULL,
    restricted     BOOLEAN NOT NULL,
    is_first       BOOLEAN NOT NULL,
    is_last        BOOLEAN NOT NULL,
    sha256         BYTEA NOT NULL,
    raw            TEXT NOT NULL
);
-- (collection, id, version, originator) is unique. Uniqueness is per originator: an
-- organization that cannot see a restricted version may still post its own object under the
-- same (id, version), so a post never reveals that a hidden version exists. The index is also
-- the id index of lookups, deletes and the first/last subqueries.
CREATE UNIQUE INDEX objects_by_id
    ON objects (collection_key, id, version, originator_org);
CREATE INDEX objects_by_date_added ON objects (collection_key, date_added, seq);
CREATE INDEX objects_by_type ON objects (collection_key, type, date_added, seq);

-- The last date_added handed out. Every ingest advances it (and every delete locks it) inside
-- its transaction: the row lock serializes object writes, so date_added grows in commit order
-- across every process on the database, and a paging cursor never passes a value that a
-- later commit fills in.
CREATE TABLE clock (
    one             INTEGER PRIMARY KEY CHECK (one = 1),
    last_date_added BIGINT NOT NULL
);
INSERT INTO clock (one, last_date_added) VALUES (1, 0);

CREATE TABLE statuses (
    id                UUID PRIMARY KEY,
    api_root          TEXT NOT NULL,
    collection_id     UUID NOT NULL,
    owner_org         UUID NOT NULL,
    state             TEXT NOT NULL,
    request_timestamp BIGINT NOT NULL,
    successes         TEXT NOT NULL,  -- JSON lists of {id, version, message}
    failures          TEXT NOT NULL,
    pendings          TEXT NOT NULL
);

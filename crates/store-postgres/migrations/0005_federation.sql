-- Federation: partner organizations, the audience of each object version, and the
-- federation's small records (peers, known nodes, sharing groups).

-- NULL: the organization's accounts are on this node; else its home node's id. Partner
-- organizations are looked up by their STIX identity, which is already UNIQUE (indexed).
ALTER TABLE organizations ADD COLUMN home_node UUID;

-- The audience of an object version beyond its originator:
-- - `sharing_groups`: the sharing groups (marking-definition ids) it is marked with, sorted
--   and without duplicates, NULL when none (so that "no group" is one test, IS NULL, and an
--   empty array never means something else); read with `&&` against a reader's groups;
-- - `addressee_org`: the organization it is addressed to besides its audience;
-- - `origin_node`: the peer node it came from (NULL: entered through this node).
-- All NULL for the rows already stored, which is what they were: local and group-less.
-- Adding nullable columns without a default rewrites nothing, however large the table.
ALTER TABLE objects ADD COLUMN sharing_groups TEXT[];
ALTER TABLE objects ADD COLUMN addressee_org UUID;
ALTER TABLE objects ADD COLUMN origin_node UUID;

-- Small named JSON records under (kind, key); `rank` orders revisions of one record. Keys
-- are listed in byte order, as in SQLite, whatever the database's locale: `COLLATE "C"`, so
-- the primary key's index serves `ORDER BY key`.
CREATE TABLE documents (
    kind  TEXT COLLATE "C" NOT NULL,
    key   TEXT COLLATE "C" NOT NULL,
    rank  BIGINT NOT NULL,
    body  TEXT NOT NULL,  -- JSON text, kept as given (never jsonb)
    PRIMARY KEY (kind, key)
);

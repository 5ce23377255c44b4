-- Search (issue 6): full text over normalized names, descriptions, labels and aliases, exact
-- observables, and the TLP level, per object version (`seq`). What goes in is computed in Rust
-- (`tanseeq_store::search::search_facts`) at ingest; deleting a version removes its entries
-- (ON DELETE CASCADE), whatever deleted it.

-- Normalized words separated by spaces, as a `simple` tsvector (no stemming, no stop words:
-- the words are already normalized, Arabic and English alike).
CREATE TABLE search_text (
    seq   BIGINT PRIMARY KEY REFERENCES objects(seq) ON DELETE CASCADE,
    words TSVECTOR NOT NULL
);
CREATE INDEX search_text_words ON search_text USING GIN (words);

-- Exact observables: kind (`ip`, `domain`, `url`, `email`, `hash`) and canonical value; IP
-- addresses and CIDR blocks also as their first and last 16-byte address (IPv4 mapped), so
-- that containment both ways is a few lookups on `lo` (see `IpRange::containing_starts`).
CREATE TABLE search_observables (
    seq   BIGINT NOT NULL REFERENCES objects(seq) ON DELETE CASCADE,
    kind  TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    lo    BYTEA,
    hi    BYTEA
);
CREATE INDEX search_observables_by_value ON search_observables (kind, value, seq);
CREATE INDEX search_observables_by_lo ON search_observables (lo, hi, seq) WHERE lo IS NOT NULL;
CREATE INDEX search_observables_by_seq ON search_observables (seq);

-- The most restrictive TLP marking of a version, when it has one (`clear`, `green`, `amber`,
-- `amber+strict`, `red`).
CREATE TABLE search_tlp (
    seq BIGINT PRIMARY KEY REFERENCES objects(seq) ON DELETE CASCADE,
    tlp TEXT COLLATE "C" NOT NULL
);
CREATE INDEX search_tlp_by_level ON search_tlp (tlp, seq);

-- Versions stored before this migration are indexed by the running node, in batches
-- (`Store::index_pending`): those with `next_seq <= seq <= last_seq`.
CREATE TABLE search_backfill (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    next_seq BIGINT NOT NULL,
    last_seq BIGINT NOT NULL
);
INSERT INTO search_backfill (one, next_seq, last_seq)
    SELECT 1, 0, coalesce(max(seq), 0) FROM objects;

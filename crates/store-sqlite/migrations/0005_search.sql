-- Search (issue 6): full text over normalized names, descriptions, labels and aliases, exact
-- observables, and the TLP level, per object version (`seq`). What goes in is computed in Rust
-- (`tanseeq_store::search::search_facts`) at ingest; deleting a version removes its entries
-- (triggers below), whatever deleted it.

-- Normalized words separated by spaces; rowid = objects.seq, so that `ORDER BY rowid DESC`
-- walks matches newest first in the index's own order and a LIMIT stops early.
CREATE VIRTUAL TABLE search_text USING fts5(
    words,
    tokenize = 'unicode61 remove_diacritics 0'
);

-- Exact observables: kind (`ip`, `domain`, `url`, `email`, `hash`) and canonical value; IP
-- addresses and CIDR blocks also as their first and last 16-byte address (IPv4 mapped), so
-- that containment both ways is a few lookups on `lo` (see `IpRange::containing_starts`).
CREATE TABLE search_observables (
    seq   INTEGER NOT NULL,
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    lo    BLOB,
    hi    BLOB
);
CREATE INDEX search_observables_by_value ON search_observables (kind, value, seq);
CREATE INDEX search_observables_by_lo ON search_observables (lo, hi, seq) WHERE lo IS NOT NULL;
CREATE INDEX search_observables_by_seq ON search_observables (seq);

-- The most restrictive TLP marking of a version, when it has one (`clear`, `green`, `amber`,
-- `amber+strict`, `red`).
CREATE TABLE search_tlp (
    seq INTEGER PRIMARY KEY,
    tlp TEXT NOT NULL
);
CREATE INDEX search_tlp_by_level ON search_tlp (tlp, seq);

CREATE TRIGGER search_forget AFTER DELETE ON objects BEGIN
    DELETE FROM search_text WHERE rowid = old.seq;
    DELETE FROM search_observables WHERE seq = old.seq;
    DELETE FROM search_tlp WHERE seq = old.seq;
END;

-- Versions stored before this migration are indexed by the running node, in batches
-- (`Store::index_pending`): those with `next_seq <= seq <= last_seq`.
CREATE TABLE search_backfill (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    next_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL
);
INSERT INTO search_backfill (one, next_seq, last_seq)
    SELECT 1, 0, coalesce(max(seq), 0) FROM objects;

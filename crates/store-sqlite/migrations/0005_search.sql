-- Search (issue 6): full text over normalized names, descriptions, labels and aliases, exact
-- observables, and the TLP level, per object version (`seq`). What goes in is computed in Rust
-- (`tanseeq_store::search::search_facts`) at ingest; deleting a version removes its entries
-- (triggers below), whatever deleted it.

-- Normalized words separated by spaces; rowid = objects.seq, so that `ORDER BY rowid DESC`
-- walks matches newest first in the index's own order and a LIMIT stops early.
-- The words are already normalized and split (`tanseeq_text::words`: letters and digits,
-- single spaces between), so the `ascii` tokenizer — which splits on ASCII separators only and
-- keeps every non-ASCII letter inside its word — reads them as they are, at a fraction of
-- `unicode61`'s cost. Queries are bare words and prefixes, never phrases or NEAR, and results
-- are ordered by rowid, never ranked: no positions (`detail = none`) and no column sizes
-- (`columnsize = 0`) are kept, which makes each insert much cheaper.
CREATE VIRTUAL TABLE search_text USING fts5(
    words,
    tokenize = 'ascii',
    detail = none,
    columnsize = 0
);

-- Exact observables: kind (`ip`, `domain`, `url`, `email`, `hash`) and canonical value; IP
-- addresses and CIDR blocks also as their first and last 16-byte address (IPv4 mapped), so
-- that containment both ways is a few lookups on `lo` (see `IpRange::containing_starts`).
-- Keyed by version (an object's observables are distinct), so the table itself serves the
-- deletes by `seq` without an index of its own.
CREATE TABLE search_observables (
    seq   INTEGER NOT NULL,
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    lo    BLOB,
    hi    BLOB,
    PRIMARY KEY (seq, kind, value)
) WITHOUT ROWID;
CREATE INDEX search_observables_by_value ON search_observables (kind, value, seq);
CREATE INDEX search_observables_by_lo ON search_observables (lo, hi, seq) WHERE lo IS NOT NULL;

-- New entries go to this small level first and are moved into the main one in bulk
-- (`RECENT_OBSERVABLES_MERGE_AT`): values are random, so inserting each into the large indexes
-- above would dirty about one page per observable in every commit, which made ingest half as
-- fast. This level has no index but its key (a search scans its few thousand rows). Searches
-- read both levels through `search_observables_all`.
CREATE TABLE search_observables_recent (
    seq   INTEGER NOT NULL,
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    lo    BLOB,
    hi    BLOB,
    PRIMARY KEY (seq, kind, value)
) WITHOUT ROWID;
CREATE VIEW search_observables_all AS
    SELECT seq, kind, value, lo, hi FROM search_observables
    UNION ALL
    SELECT seq, kind, value, lo, hi FROM search_observables_recent;

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
    DELETE FROM search_observables_recent WHERE seq = old.seq;
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

-- Signed provenance: companion signatures of object versions, one per version and signer,
-- kept beside the objects (the objects themselves are never altered).
CREATE TABLE signatures (
    collection_key INTEGER NOT NULL REFERENCES collections(key),
    object_id      TEXT NOT NULL,
    version        TEXT NOT NULL,  -- sortable form, as objects.version
    signer         TEXT NOT NULL,
    companion      TEXT NOT NULL,  -- the companion object's JSON text
    PRIMARY KEY (collection_key, object_id, version, signer)
) WITHOUT ROWID;

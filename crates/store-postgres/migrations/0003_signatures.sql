-- Signed provenance: companion signatures of object versions, one per version and signer,
-- kept beside the objects (the objects themselves are never altered).
CREATE TABLE signatures (
    collection_key BIGINT NOT NULL REFERENCES collections(key),
    object_id      TEXT COLLATE "C" NOT NULL,
    version        TEXT COLLATE "C" NOT NULL,  -- sortable form, as objects.version
    signer         TEXT COLLATE "C" NOT NULL,
    companion      TEXT NOT NULL,              -- the companion object's JSON text
    PRIMARY KEY (collection_key, object_id, version, signer)
);

-- Finding an object's versions by id, with the id first in the unique index: ingest looks up
-- the ids of a batch with `id = ANY(...)` alone, so the plan never depends on how well the
-- statistics know a collection (a collection that is new or grew since the last ANALYZE was
-- estimated at one row and scanned whole for every batch).
DROP INDEX objects_by_id;
CREATE UNIQUE INDEX objects_by_id ON objects (id, collection_key, version, originator_org);

-- The node's private signing key moves into the database beside the node record, so that the
-- node's identity travels with its data (and, on PostgreSQL, every serving process shares it).
ALTER TABLE node ADD COLUMN secret TEXT;

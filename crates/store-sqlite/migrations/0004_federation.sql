-- Federation: partner organizations, the audience of each object version, and the
-- federation's small records (peers, known nodes, sharing groups).

-- NULL: the organization's accounts are on this node; else its home node's id.
ALTER TABLE organizations ADD COLUMN home_node TEXT;

-- The sharing groups an object version is marked with (a JSON array of marking-definition
-- ids, NULL when none), the organization it is addressed to besides its audience, and the
-- peer node it came from (NULL: entered through this node).
ALTER TABLE objects ADD COLUMN sharing_groups TEXT;
ALTER TABLE objects ADD COLUMN addressee_org TEXT;
ALTER TABLE objects ADD COLUMN origin_node TEXT;

CREATE TABLE documents (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    rank  INTEGER NOT NULL,
    body  TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- Activity counts for the operations room: object versions per collection, UTC day of
-- `date_added`, type and TLP, kept up to date in the transaction of every ingest and delete
-- (+1 per stored version, -1 per deleted one), so that the dashboard never scans `objects`.
-- A row also carries every column the audience rule reads, with the same names and meaning
-- as on `objects`, so the one translation of a visibility into SQL applies to these rows as
-- it does to objects; a caller's count is the sum over the rows it admits.
CREATE TABLE activity (
    collection_key INTEGER NOT NULL REFERENCES collections(key),
    day            INTEGER NOT NULL,  -- days since 1970-01-01 (UTC) of date_added
    type           TEXT NOT NULL,
    tlp            TEXT,              -- 'red', 'amber+strict', 'amber', 'green', 'clear'; NULL: none
    originator_org TEXT NOT NULL,
    restricted     INTEGER NOT NULL,
    sharing_groups TEXT,              -- as objects.sharing_groups
    addressee_org  TEXT,
    origin_node    TEXT,
    count          INTEGER NOT NULL
);
-- Reads take a range of days of a collection from this index alone (it holds every column),
-- grouped in its order without sorting; writes find their row by its leading columns (the
-- rest compared with IS, since they may be NULL).
CREATE INDEX activity_by_day ON activity (collection_key, day, type, originator_org, tlp,
    origin_node, restricted, sharing_groups, addressee_org, count);

-- The counts of the objects already stored. The TLP is the most restrictive TLP marking among
-- `marking_refs` (space-separated), TLP 2.0 and 1.0 ids alike, as `tanseeq_store::tlp_label`.
INSERT INTO activity (collection_key, day, type, tlp, originator_org, restricted,
                      sharing_groups, addressee_org, origin_node, count)
SELECT collection_key,
       (date_added - (((date_added % 86400000000) + 86400000000) % 86400000000)) / 86400000000,
       type,
       CASE
           WHEN marking_refs IS NULL THEN NULL
           WHEN instr(' ' || marking_refs || ' ',
                      ' marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1 ') > 0
             OR instr(' ' || marking_refs || ' ',
                      ' marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed ') > 0
               THEN 'red'
           WHEN instr(' ' || marking_refs || ' ',
                      ' marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003 ') > 0
               THEN 'amber+strict'
           WHEN instr(' ' || marking_refs || ' ',
                      ' marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421 ') > 0
             OR instr(' ' || marking_refs || ' ',
                      ' marking-definition--f88d31f6-486f-44da-b317-01333bde0b82 ') > 0
               THEN 'amber'
           WHEN instr(' ' || marking_refs || ' ',
                      ' marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb ') > 0
             OR instr(' ' || marking_refs || ' ',
                      ' marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da ') > 0
               THEN 'green'
           WHEN instr(' ' || marking_refs || ' ',
                      ' marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487 ') > 0
             OR instr(' ' || marking_refs || ' ',
                      ' marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9 ') > 0
               THEN 'clear'
       END,
       originator_org, restricted, sharing_groups, addressee_org, origin_node, count(*)
FROM objects
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

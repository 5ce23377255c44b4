//! Reading objects: one query shape serves every TAXII read endpoint (objects, one object,
//! manifest, versions) and the CLI's export.

use crate::VersionKey;
use crate::model::DateAdded;
use crate::visibility::Visibility;
use uuid::Uuid;

/// Which versions of each object to return (`match[version]`). The parts combine with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionMatch {
    pub all: bool,
    pub first: bool,
    pub last: bool,
    pub at: Vec<VersionKey>,
}

impl VersionMatch {
    /// TAXII's default: the latest version.
    pub fn last() -> Self {
        VersionMatch {
            last: true,
            ..Default::default()
        }
    }

    pub fn all() -> Self {
        VersionMatch {
            all: true,
            ..Default::default()
        }
    }
}

/// A position in a collection's `date_added` order: the last record a page returned. Records
/// sharing one `date_added` are ordered by `seq`, the store's insertion counter, so a cursor
/// never skips or repeats a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor {
    pub date_added: DateAdded,
    pub seq: i64,
}

/// What to return for each matching record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// Metadata and the raw JSON.
    Objects,
    /// Metadata only (manifest, versions, counts).
    Metadata,
}

/// Which objects a read is about (the TAXII `added_after` and `match[...]` parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFilter {
    pub added_after: Option<DateAdded>,
    /// `match[id]`: empty means any.
    pub ids: Vec<String>,
    /// `match[type]`: empty means any.
    pub types: Vec<String>,
    /// `match[spec_version]`: empty means any.
    pub spec_versions: Vec<String>,
    pub versions: VersionMatch,
}

impl Default for ObjectFilter {
    /// Every object, latest version only (TAXII's defaults).
    fn default() -> Self {
        ObjectFilter {
            added_after: None,
            ids: Vec::new(),
            types: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionMatch::last(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ObjectQuery {
    pub collection_id: Uuid,
    pub visibility: Visibility,
    pub filter: ObjectFilter,
    /// Resume after this record (from a `next` cursor).
    pub after: Option<Cursor>,
    /// Page size, at least 1.
    pub limit: usize,
    pub fetch: Fetch,
}

/// What is known of one stored object version besides its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub id: String,
    pub object_type: String,
    pub spec_version: String,
    pub version: VersionKey,
    /// The version as clients see it (manifest, versions, status).
    pub version_text: String,
    pub date_added: DateAdded,
    pub seq: i64,
    pub originator_org: Uuid,
    pub restricted: bool,
    /// Sharing groups (marking-definition ids), sorted; empty: none.
    pub groups: Vec<String>,
    pub addressee_org: Option<Uuid>,
    /// The peer node the version came from; `None`: entered through this node.
    pub origin_node: Option<Uuid>,
}

impl ObjectMeta {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            date_added: self.date_added,
            seq: self.seq,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    pub meta: ObjectMeta,
    /// Present when the query asked for [`Fetch::Objects`].
    pub raw: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPage {
    pub records: Vec<ObjectRecord>,
    /// Whether more matching records follow the last one returned.
    pub more: bool,
}

impl ObjectPage {
    /// Where the next page starts, when there is one.
    pub fn next_cursor(&self) -> Option<Cursor> {
        if self.more {
            self.records.last().map(|r| r.meta.cursor())
        } else {
            None
        }
    }
}

/// `DELETE .../objects/{id}/` with its filters.
#[derive(Debug, Clone)]
pub struct ObjectDelete {
    pub collection_id: Uuid,
    pub visibility: Visibility,
    pub id: String,
    pub versions: VersionMatch,
    pub spec_versions: Vec<String>,
}

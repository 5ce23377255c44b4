//! What the store indexes about an object: read once, at validation.

use crate::timestamp::StixTimestamp;

/// The indexed properties of one valid STIX 2.1 object. The object itself stays raw JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHeader {
    /// `type--UUID`, checked.
    pub id: String,
    /// The `type` property; equal to the identifier's prefix.
    pub object_type: String,
    /// Always "2.1" for now (SCOs without `spec_version` default to it).
    pub spec_version: String,
    pub created: Option<StixTimestamp>,
    pub modified: Option<StixTimestamp>,
    pub revoked: bool,
    pub created_by_ref: Option<String>,
    pub object_marking_refs: Vec<String>,
    /// Indicator only.
    pub valid_from: Option<StixTimestamp>,
    /// Indicator only.
    pub valid_until: Option<StixTimestamp>,
}

impl ObjectHeader {
    /// The TAXII "version" of the object: `modified`, else `created`; `None` for objects that
    /// have neither (most SCOs), whose version is the time the node first stored them.
    pub fn version(&self) -> Option<&StixTimestamp> {
        self.modified.as_ref().or(self.created.as_ref())
    }
}

//! The declarative form of "who may see which object", as handed to a store.
//!
//! The service layer decides, in one function, which `Visibility` a caller gets; the store
//! applies it. Backends translate [`Visibility::admits`] into their query language, and the
//! conformance suite checks that the translation agrees with it.

use crate::query::ObjectMeta;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// The node operator (CLI export, migrations): every object.
    Operator,
    /// A member of this organization: every unrestricted object, and the restricted objects
    /// (TLP:RED, TLP:AMBER+STRICT) that this organization itself submitted.
    Organization(Uuid),
}

impl Visibility {
    /// Whether an object with this metadata is visible.
    pub fn admits(&self, meta: &ObjectMeta) -> bool {
        match self {
            Visibility::Operator => true,
            Visibility::Organization(org) => !meta.restricted || meta.originator_org == *org,
        }
    }
}

//! The declarative form of "who may see which object", as handed to a store.
//!
//! The service layer decides, in one function, which `Visibility` a caller gets; the store
//! applies it. Backends translate [`Visibility::admits`] into their query language, and the
//! conformance suite checks that the translation agrees with it.

use crate::query::ObjectMeta;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// The node operator (CLI export, migrations): every object.
    Operator,
    /// Members of an audience: one organization (a user's), or every organization a peer node
    /// hosts (what may be sent to that node).
    Audience(Audience),
}

/// Who is reading, in the terms of the audience rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience {
    /// The organizations reading (one for a user; a node's organizations for a peer).
    pub orgs: Vec<Uuid>,
    /// The sharing groups (marking-definition ids) any of them is a member of.
    pub groups: Vec<String>,
    /// Versions that came from this node are left out: nothing is echoed back to where it
    /// came from.
    pub not_from: Option<Uuid>,
}

impl Visibility {
    /// One organization, member of no sharing group.
    pub fn organization(org: Uuid) -> Self {
        Visibility::Audience(Audience {
            orgs: vec![org],
            groups: Vec::new(),
            not_from: None,
        })
    }

    /// Whether an object with this metadata is visible. The audience rule: an object is seen
    /// by its originator, by the organization it is addressed to, by the members of any of its
    /// sharing groups, and — when it names no sharing group and is not restricted (TLP:RED,
    /// TLP:AMBER+STRICT) — by everyone.
    pub fn admits(&self, meta: &ObjectMeta) -> bool {
        self.admits_marked(&Marked {
            originator_org: meta.originator_org,
            addressee_org: meta.addressee_org,
            restricted: meta.restricted,
            groups: &meta.groups,
            origin_node: meta.origin_node,
        })
    }

    /// [`Visibility::admits`] on the audience facts alone.
    pub fn admits_marked(&self, object: &Marked<'_>) -> bool {
        match self {
            Visibility::Operator => true,
            Visibility::Audience(audience) => {
                if audience.not_from.is_some() && object.origin_node == audience.not_from {
                    return false;
                }
                audience.orgs.contains(&object.originator_org)
                    || object
                        .addressee_org
                        .is_some_and(|org| audience.orgs.contains(&org))
                    || (object.groups.is_empty() && !object.restricted)
                    || object.groups.iter().any(|g| audience.groups.contains(g))
            }
        }
    }
}

/// What the audience rule reads of an object version.
#[derive(Debug, Clone, Copy)]
pub struct Marked<'a> {
    pub originator_org: Uuid,
    pub addressee_org: Option<Uuid>,
    pub restricted: bool,
    pub groups: &'a [String],
    pub origin_node: Option<Uuid>,
}

//! Who may see and do what. The functions here are the only place access is decided.

use crate::accounts::Caller;
use crate::federation::SharingGroup;
use crate::{Node, ServiceError};
use tanseeq_store::{
    Audience, Collection, Cursor, Fetch, ObjectDelete, ObjectFilter, ObjectPage, ObjectQuery,
    Organization, Status, VersionMatch, Visibility,
};
use uuid::Uuid;

/// What the audience rule needs to know of the federation: its organizations (local and
/// partner, with their home nodes) and the current revision of every sharing group.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    pub orgs: Vec<Organization>,
    pub groups: Vec<SharingGroup>,
}

impl Directory {
    /// The sharing groups (ids) that count any of these organizations as members.
    fn groups_of(&self, orgs: &[Uuid]) -> Vec<String> {
        let identities: Vec<&str> = self
            .orgs
            .iter()
            .filter(|o| orgs.contains(&o.id))
            .map(|o| o.identity_id.as_str())
            .collect();
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| identities.contains(&m.as_str())))
            .map(|g| g.id.clone())
            .collect()
    }

    /// The organizations whose accounts live on `node`.
    pub fn orgs_of_node(&self, node: Uuid) -> Vec<Uuid> {
        self.orgs
            .iter()
            .filter(|o| o.home_node == Some(node))
            .map(|o| o.id)
            .collect()
    }
}

/// Who reads: an organization's member, or a peer node receiving objects for the
/// organizations it hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Organization(Uuid),
    Node(Uuid),
}

/// THE audience function: what a reader is, in the terms of the audience rule
/// ([`Visibility::admits`]). An organization reads as itself with its sharing groups; a peer
/// node reads as every organization it hosts with all their groups, and never receives back
/// what came from it. "May organization X see object O" and "may object O be sent to node N"
/// are both this function followed by `admits`, on every read and sync path.
pub fn audience(reader: Reader, directory: &Directory) -> Audience {
    match reader {
        Reader::Organization(org) => Audience {
            orgs: vec![org],
            groups: directory.groups_of(&[org]),
            not_from: None,
        },
        Reader::Node(node) => {
            let orgs = directory.orgs_of_node(node);
            Audience {
                groups: directory.groups_of(&orgs),
                orgs,
                not_from: Some(node),
            }
        }
    }
}

/// What a caller wants to do with a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Know it exists (collection resource, status).
    See,
    /// Read its objects.
    Read,
    /// Add or delete objects.
    Write,
}

/// The caller's rights on one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionAccess {
    pub can_read: bool,
    pub can_write: bool,
}

/// The caller's rights on a collection, from its organization's grant and its role.
/// `None`: the collection is invisible to the caller.
pub fn collection_access(caller: &Caller, collection: &Collection) -> Option<CollectionAccess> {
    let grant = collection.grant_of(caller.org_id)?;
    let access = CollectionAccess {
        can_read: grant.read,
        can_write: grant.write && caller.role.may_write(),
    };
    (grant.read || grant.write).then_some(access)
}

/// THE visibility function: which objects of a collection a caller may see. `None` when the
/// caller may not read the collection at all.
///
/// Rule: the caller's organization must be granted reading the collection; then it sees the
/// objects whose audience ([`audience`]) it belongs to. A peer node's account sees what may be
/// sent to that node.
pub fn visibility(
    caller: &Caller,
    collection: &Collection,
    directory: &Directory,
) -> Option<Visibility> {
    collection_access(caller, collection)
        .filter(|a| a.can_read)
        .map(|_| Visibility::Audience(audience(caller.reader(), directory)))
}

/// Whether a caller may read a status resource: only the organization that made the request.
pub fn status_visible(caller: &Caller, status: &Status) -> bool {
    status.owner_org == caller.org_id
}

impl Node {
    /// The collections of an API root the caller may see, with its rights on each.
    pub async fn collections_for(
        &self,
        caller: &Caller,
        api_root: &str,
    ) -> Result<Vec<(Collection, CollectionAccess)>, ServiceError> {
        Ok(self
            .store
            .collections(api_root)
            .await?
            .into_iter()
            .filter_map(|c| collection_access(caller, &c).map(|a| (c, a)))
            .collect())
    }

    /// One collection, if the caller may do `need` with it, with the visibility to read it
    /// under. Unknown and invisible collections are the same 404; a visible collection without
    /// the right is a 403.
    pub async fn open_collection(
        &self,
        caller: &Caller,
        api_root: &str,
        id: Uuid,
        need: Need,
    ) -> Result<(Collection, CollectionAccess, Option<Visibility>), ServiceError> {
        let not_found = || ServiceError::NotFound(format!("no collection {id} in this API root"));
        let collection = self
            .store
            .collection(api_root, id)
            .await?
            .ok_or_else(not_found)?;
        let access = collection_access(caller, &collection).ok_or_else(not_found)?;
        match need {
            Need::Read if !access.can_read => {
                return Err(ServiceError::Forbidden(
                    "your organization may not read this collection".into(),
                ));
            }
            Need::Write if !access.can_write => {
                return Err(ServiceError::Forbidden(
                    "you may not add or delete objects in this collection".into(),
                ));
            }
            _ => {}
        }
        let directory = self.directory_for(caller.reader()).await?;
        let visibility = visibility(caller, &collection, &directory);
        Ok((collection, access, visibility))
    }

    /// A status resource, if the caller may see it.
    pub async fn status_for(
        &self,
        caller: &Caller,
        api_root: &str,
        id: Uuid,
    ) -> Result<Status, ServiceError> {
        self.store
            .status(api_root, id)
            .await?
            .filter(|s| status_visible(caller, s))
            .ok_or_else(|| ServiceError::NotFound(format!("no status {id}")))
    }
}

/// What to read from a collection: the filter, where to resume, how many, what to return.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub filter: ObjectFilter,
    pub after: Option<Cursor>,
    /// The caller's `limit`; the node applies its own bounds.
    pub limit: Option<usize>,
    pub fetch: Fetch,
}

impl Node {
    /// The page size to use: the caller's `limit`, within the node's bounds.
    pub fn page_size(&self, requested: Option<usize>) -> usize {
        requested
            .unwrap_or(self.limits.default_page_size)
            .clamp(1, self.limits.max_page_size)
    }

    /// One page of the objects of a collection that the caller may see. Every object read of
    /// the node goes through here.
    pub async fn read_objects(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        read: ReadRequest,
    ) -> Result<ObjectPage, ServiceError> {
        let (_, _, visibility) = self
            .open_collection(caller, api_root, collection_id, Need::Read)
            .await?;
        let visibility = visibility.ok_or_else(|| {
            ServiceError::Forbidden("your organization may not read this collection".into())
        })?;
        let query = ObjectQuery {
            collection_id,
            visibility,
            filter: read.filter,
            after: read.after,
            limit: self.page_size(read.limit),
            fetch: read.fetch,
        };
        Ok(self.store.query_objects(&query).await?)
    }

    /// Deletes versions of one object the caller may see from a collection it may write.
    /// Nothing matching is a 404.
    pub async fn delete_object(
        &self,
        caller: &Caller,
        api_root: &str,
        collection_id: Uuid,
        object_id: &str,
        versions: VersionMatch,
        spec_versions: Vec<String>,
    ) -> Result<u64, ServiceError> {
        let (_, _, visibility) = self
            .open_collection(caller, api_root, collection_id, Need::Write)
            .await?;
        let not_found =
            || ServiceError::NotFound(format!("no object {object_id} in this collection"));
        let visibility = visibility.ok_or_else(not_found)?;
        // What is about to go, to tell the federation when the caller is its originator.
        let doomed = self
            .store
            .query_objects(&ObjectQuery {
                collection_id,
                visibility: visibility.clone(),
                filter: ObjectFilter {
                    ids: vec![object_id.to_owned()],
                    spec_versions: spec_versions.clone(),
                    versions: versions.clone(),
                    ..ObjectFilter::default()
                },
                after: None,
                limit: self.limits.max_page_size,
                fetch: Fetch::Objects,
            })
            .await?;
        let removed = self
            .store
            .delete_object(&ObjectDelete {
                collection_id,
                visibility,
                id: object_id.to_owned(),
                versions,
                spec_versions,
            })
            .await?;
        if removed == 0 {
            return Err(not_found());
        }
        self.write_tombstone(caller, api_root, collection_id, &doomed.records)
            .await?;
        if object_id.starts_with("indicator--") {
            self.forget_indicator(collection_id, object_id).await;
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tanseeq_store::{Grant, ObjectMeta, Role, VersionKey};

    fn caller(org: Uuid, role: Role) -> Caller {
        Caller {
            user_id: Uuid::new_v4(),
            user_name: "u".into(),
            org_id: org,
            role,
            peer_node: None,
        }
    }

    fn collection(grants: Vec<Grant>) -> Collection {
        Collection {
            id: Uuid::new_v4(),
            api_root: "api".into(),
            title: "c".into(),
            description: None,
            created: jiff::Timestamp::UNIX_EPOCH,
            grants,
        }
    }

    fn directory() -> Directory {
        Directory::default()
    }

    /// (grant read, grant write, role) → (visible, can_read, can_write)
    #[test]
    fn collection_rights_table() {
        let table = [
            (false, false, Role::Admin, None),
            (true, false, Role::Reader, Some((true, false))),
            (true, true, Role::Reader, Some((true, false))),
            (true, true, Role::Analyst, Some((true, true))),
            (true, true, Role::Admin, Some((true, true))),
            (false, true, Role::Analyst, Some((false, true))),
            (false, true, Role::Reader, Some((false, false))),
            (true, false, Role::Admin, Some((true, false))),
        ];
        let org = Uuid::new_v4();
        for (read, write, role, expected) in table {
            let c = collection(vec![Grant {
                org_id: org,
                read,
                write,
            }]);
            let got = collection_access(&caller(org, role), &c).map(|a| (a.can_read, a.can_write));
            assert_eq!(got, expected, "read={read} write={write} role={role}");
            assert_eq!(
                visibility(&caller(org, role), &c, &directory()).is_some(),
                expected.is_some_and(|(r, _)| r)
            );
        }
        // Another organization's grant gives nothing.
        let c = collection(vec![Grant {
            org_id: Uuid::new_v4(),
            read: true,
            write: true,
        }]);
        assert_eq!(collection_access(&caller(org, Role::Admin), &c), None);
        assert_eq!(
            visibility(&caller(org, Role::Admin), &c, &directory()),
            None
        );
    }

    /// The rule, end to end: restricted objects only to their originator.
    #[test]
    fn restricted_objects_only_to_their_originator() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let c = collection(vec![
            Grant {
                org_id: a,
                read: true,
                write: true,
            },
            Grant {
                org_id: b,
                read: true,
                write: false,
            },
        ]);
        let meta = |restricted: bool| ObjectMeta {
            id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            object_type: "indicator".into(),
            spec_version: "2.1".into(),
            version: VersionKey {
                sortable: String::new(),
            },
            version_text: String::new(),
            date_added: tanseeq_store::DateAdded(0),
            seq: 1,
            originator_org: a,
            restricted,
            groups: Vec::new(),
            addressee_org: None,
            origin_node: None,
        };
        let for_a = visibility(&caller(a, Role::Reader), &c, &directory()).unwrap();
        let for_b = visibility(&caller(b, Role::Reader), &c, &directory()).unwrap();
        assert!(for_a.admits(&meta(true)) && for_a.admits(&meta(false)));
        assert!(!for_b.admits(&meta(true)) && for_b.admits(&meta(false)));
    }
}

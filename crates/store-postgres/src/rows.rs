//! Row ↔ record conversions. A row that does not convert (an unknown role, a malformed
//! timestamp) is a [`StoreError::Schema`] error: the data is not what this tanseeq wrote.

use crate::backend;
use std::str::FromStr;
use tanseeq_store::*;
use tokio_postgres::Row;
use tokio_postgres::types::FromSql;
use uuid::Uuid;

pub const USER_SELECT: &str = "SELECT id, org_id, name, role, password_hash, created FROM users";
pub const ORGANIZATION_SELECT: &str =
    "SELECT id, name, identity_id, created, home_node FROM organizations";
pub const DOCUMENT_SELECT: &str = "SELECT kind, key, rank, body FROM documents";
pub const TOKEN_SELECT: &str =
    "SELECT id, user_id, label, token_hash, created, revoked FROM api_tokens";

pub fn get<'a, T: FromSql<'a>>(row: &'a Row, index: usize) -> Result<T> {
    row.try_get(index).map_err(backend)
}

fn timestamp(text: &str) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_str(text)
        .map_err(|e| StoreError::Schema(format!("a stored timestamp `{text}`: {e}")))
}

fn timestamp_at(row: &Row, index: usize) -> Result<jiff::Timestamp> {
    timestamp(&get::<String>(row, index)?)
}

pub fn node(row: &Row) -> Result<NodeRecord> {
    Ok(NodeRecord {
        id: get(row, 0)?,
        name: get(row, 1)?,
        public_key: get(row, 2)?,
        created: timestamp_at(row, 3)?,
    })
}

pub fn organization(row: &Row) -> Result<Organization> {
    Ok(Organization {
        id: get(row, 0)?,
        name: get(row, 1)?,
        identity_id: get(row, 2)?,
        created: timestamp_at(row, 3)?,
        home_node: get(row, 4)?,
    })
}

pub fn document(row: &Row) -> Result<Document> {
    Ok(Document {
        kind: get(row, 0)?,
        key: get(row, 1)?,
        rank: get(row, 2)?,
        body: get(row, 3)?,
    })
}

pub fn user(row: &Row) -> Result<User> {
    let role: String = get(row, 3)?;
    Ok(User {
        id: get(row, 0)?,
        org_id: get(row, 1)?,
        name: get(row, 2)?,
        role: Role::parse(&role)
            .ok_or_else(|| StoreError::Schema(format!("unknown role `{role}`")))?,
        password_hash: get(row, 4)?,
        created: timestamp_at(row, 5)?,
    })
}

pub fn token(row: &Row) -> Result<ApiToken> {
    let revoked: Option<String> = get(row, 5)?;
    Ok(ApiToken {
        id: get(row, 0)?,
        user_id: get(row, 1)?,
        label: get(row, 2)?,
        token_hash: get(row, 3)?,
        created: timestamp_at(row, 4)?,
        revoked: revoked.as_deref().map(timestamp).transpose()?,
    })
}

/// The collections of an API root (or the one with id `only`), each with its grants.
/// Collections of an API root (or the one with id `only`) with their grants, in one round
/// trip: this lookup is on the path of every TAXII request.
pub async fn collections(
    client: &deadpool_postgres::Client,
    api_root: &str,
    only: Option<Uuid>,
) -> Result<Vec<Collection>> {
    let statement = client
        .prepare_cached(
            "SELECT c.id, c.api_root, c.title, c.description, c.created,
                    g.org_id, g.can_read, g.can_write
             FROM collections c LEFT JOIN collection_grants g ON g.collection_id = c.id
             WHERE c.api_root = $1 AND ($2::uuid IS NULL OR c.id = $2)
             ORDER BY c.created, c.id, g.org_id",
        )
        .await
        .map_err(backend)?;
    let rows = client
        .query(&statement, &[&api_root, &only])
        .await
        .map_err(backend)?;
    let mut collections: Vec<Collection> = Vec::new();
    for row in &rows {
        let id: Uuid = get(row, 0)?;
        if collections.last().is_none_or(|c| c.id != id) {
            collections.push(Collection {
                id,
                api_root: get(row, 1)?,
                title: get(row, 2)?,
                description: get(row, 3)?,
                created: timestamp_at(row, 4)?,
                grants: Vec::new(),
            });
        }
        let org_id: Option<Uuid> = get(row, 5)?;
        if let (Some(org_id), Some(collection)) = (org_id, collections.last_mut()) {
            collection.grants.push(Grant {
                org_id,
                read: get(row, 6)?,
                write: get(row, 7)?,
            });
        }
    }
    Ok(collections)
}

fn details_from_json(row: &Row, index: usize) -> Result<Vec<StatusDetail>> {
    let text: String = get(row, index)?;
    StatusDetail::list_from_json(&text)
        .map_err(|e| StoreError::Schema(format!("stored status details: {e}")))
}

pub fn status(row: &Row) -> Result<Status> {
    let state: String = get(row, 4)?;
    Ok(Status {
        id: get(row, 0)?,
        api_root: get(row, 1)?,
        collection_id: get(row, 2)?,
        owner_org: get(row, 3)?,
        state: if state == "pending" {
            StatusState::Pending
        } else {
            StatusState::Complete
        },
        request_timestamp: DateAdded(get(row, 5)?),
        successes: details_from_json(row, 6)?,
        failures: details_from_json(row, 7)?,
        pendings: details_from_json(row, 8)?,
    })
}

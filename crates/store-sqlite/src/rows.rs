//! Row ↔ record conversions.

use rusqlite::types::Type;
use rusqlite::{Connection, Row};
use std::str::FromStr;
use tanseeq_store::*;
use uuid::Uuid;

pub const USER_SELECT: &str = "SELECT id, org_id, name, role, password_hash, created FROM users";
pub const TOKEN_SELECT: &str =
    "SELECT id, user_id, label, token_hash, created, revoked FROM api_tokens";

fn conversion(index: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e))
}

pub fn uuid(row: &Row, index: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(index)?;
    Uuid::parse_str(&text).map_err(|e| conversion(index, e))
}

pub fn timestamp(row: &Row, index: usize) -> rusqlite::Result<jiff::Timestamp> {
    let text: String = row.get(index)?;
    jiff::Timestamp::from_str(&text).map_err(|e| conversion(index, e))
}

pub fn node(row: &Row) -> rusqlite::Result<NodeRecord> {
    Ok(NodeRecord {
        id: uuid(row, 0)?,
        name: row.get(1)?,
        public_key: row.get(2)?,
        created: timestamp(row, 3)?,
    })
}

pub const ORGANIZATION_SELECT: &str =
    "SELECT id, name, identity_id, created, home_node FROM organizations";

pub fn organization(row: &Row) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: uuid(row, 0)?,
        name: row.get(1)?,
        identity_id: row.get(2)?,
        created: timestamp(row, 3)?,
        home_node: optional_uuid(row, 4)?,
    })
}

pub fn optional_uuid(row: &Row, index: usize) -> rusqlite::Result<Option<Uuid>> {
    let text: Option<String> = row.get(index)?;
    text.map(|t| Uuid::parse_str(&t).map_err(|e| conversion(index, e)))
        .transpose()
}

pub fn document(row: &Row) -> rusqlite::Result<Document> {
    Ok(Document {
        kind: row.get(0)?,
        key: row.get(1)?,
        rank: row.get(2)?,
        body: row.get(3)?,
    })
}

pub fn user(row: &Row) -> rusqlite::Result<User> {
    let role: String = row.get(3)?;
    Ok(User {
        id: uuid(row, 0)?,
        org_id: uuid(row, 1)?,
        name: row.get(2)?,
        role: Role::parse(&role)
            .ok_or_else(|| conversion(3, std::io::Error::other(format!("unknown role {role}"))))?,
        password_hash: row.get(4)?,
        created: timestamp(row, 5)?,
    })
}

pub fn token(row: &Row) -> rusqlite::Result<ApiToken> {
    let revoked: Option<String> = row.get(5)?;
    Ok(ApiToken {
        id: uuid(row, 0)?,
        user_id: uuid(row, 1)?,
        label: row.get(2)?,
        token_hash: row.get(3)?,
        created: timestamp(row, 4)?,
        revoked: revoked
            .map(|t| jiff::Timestamp::from_str(&t).map_err(|e| conversion(5, e)))
            .transpose()?,
    })
}

pub fn collections(
    conn: &Connection,
    api_root: &str,
    only: Option<Uuid>,
) -> rusqlite::Result<Vec<Collection>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, api_root, title, description, created FROM collections
         WHERE api_root = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY created, id",
    )?;
    let mut collections: Vec<Collection> = stmt
        .query_map(
            rusqlite::params![api_root, only.map(|u| u.to_string())],
            |row| {
                Ok(Collection {
                    id: uuid(row, 0)?,
                    api_root: row.get(1)?,
                    title: row.get(2)?,
                    description: row.get(3)?,
                    created: timestamp(row, 4)?,
                    grants: Vec::new(),
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut grants = conn.prepare_cached(
        "SELECT org_id, can_read, can_write FROM collection_grants WHERE collection_id = ?1
         ORDER BY org_id",
    )?;
    for collection in &mut collections {
        collection.grants = grants
            .query_map([collection.id.to_string()], |row| {
                Ok(Grant {
                    org_id: uuid(row, 0)?,
                    read: row.get(1)?,
                    write: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(collections)
}

fn details_from_json(row: &Row, index: usize) -> rusqlite::Result<Vec<StatusDetail>> {
    let text: String = row.get(index)?;
    StatusDetail::list_from_json(&text).map_err(|e| conversion(index, e))
}

pub fn status(row: &Row) -> rusqlite::Result<Status> {
    let state: String = row.get(4)?;
    Ok(Status {
        id: uuid(row, 0)?,
        api_root: row.get(1)?,
        collection_id: uuid(row, 2)?,
        owner_org: uuid(row, 3)?,
        state: if state == "pending" {
            StatusState::Pending
        } else {
            StatusState::Complete
        },
        request_timestamp: DateAdded(row.get(5)?),
        successes: details_from_json(row, 6)?,
        failures: details_from_json(row, 7)?,
        pendings: details_from_json(row, 8)?,
    })
}

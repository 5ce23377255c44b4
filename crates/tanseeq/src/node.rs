//! Creating and opening a node's data directory.

use crate::{CliError, fail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use tanseeq_service::{Limits, Node};
use tanseeq_store::{ApiRoot, Collection, Grant, NodeRecord, Organization, Role};
use tanseeq_store_sqlite::{DATABASE_FILE, SqliteStore};
use uuid::Uuid;

/// The node's Ed25519 signing key, base64, readable by its owner only.
pub const KEY_FILE: &str = "node.key";
/// The API root every node has.
pub const DEFAULT_API_ROOT: &str = "api";

pub fn open(data_dir: &Path, limits: Limits) -> Result<Node, CliError> {
    if !data_dir.join(DATABASE_FILE).is_file() {
        return fail(format!(
            "{} holds no tanseeq node (run `tanseeq init --data {} --org NAME` first)",
            data_dir.display(),
            data_dir.display()
        ));
    }
    let store = SqliteStore::open_in(data_dir)?;
    Ok(Node::new(Arc::new(store), limits))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Creates the node and returns it with the admin's password.
pub async fn create(
    data_dir: &Path,
    org_name: &str,
    admin: &str,
    node_name: Option<&str>,
) -> Result<(Node, Organization, String), CliError> {
    std::fs::create_dir_all(data_dir)
        .map_err(|e| CliError::Message(format!("cannot create {}: {e}", data_dir.display())))?;
    let occupied = std::fs::read_dir(data_dir)
        .map_err(|e| CliError::Message(format!("cannot read {}: {e}", data_dir.display())))?
        .next()
        .is_some();
    if occupied {
        let what = if data_dir.join(DATABASE_FILE).exists() {
            "already holds a tanseeq node"
        } else {
            "is not empty"
        };
        return fail(format!(
            "{} {what}; choose an empty or new directory",
            data_dir.display()
        ));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| CliError::Message(format!("no random numbers: {e}")))?;
    let signing_key = ed25519_dalek::SigningKey::from_bytes(&secret);
    write_private(&data_dir.join(KEY_FILE), &STANDARD.encode(secret))?;

    let store = SqliteStore::open_in(data_dir)?;
    let node = Node::new(Arc::new(store), Limits::default());
    let node_id = Uuid::new_v4();
    node.store
        .init_node(&NodeRecord {
            id: node_id,
            name: node_name.unwrap_or(org_name).to_owned(),
            public_key: STANDARD.encode(signing_key.verifying_key().to_bytes()),
            created: jiff::Timestamp::now(),
        })
        .await?;
    node.store
        .create_api_root(&ApiRoot {
            name: DEFAULT_API_ROOT.into(),
            title: format!("{} — threat intelligence", node_name.unwrap_or(org_name)),
            description: Some("STIX 2.1 objects shared between cooperating agencies".into()),
        })
        .await?;
    let org = node.add_organization(org_name).await?;
    let password = tanseeq_service::accounts::random_password(24)?;
    node.add_user(org_name, admin, Role::Admin, &password)
        .await?;
    node.store
        .create_collection(&Collection {
            id: Uuid::new_v4(),
            api_root: DEFAULT_API_ROOT.into(),
            title: "default".into(),
            description: Some(format!("Objects of {org_name}")),
            created: jiff::Timestamp::now(),
            grants: vec![Grant {
                org_id: org.id,
                read: true,
                write: true,
            }],
        })
        .await?;
    Ok((node, org, password))
}

pub async fn init(
    data_dir: &Path,
    org_name: &str,
    admin: &str,
    node_name: Option<&str>,
) -> Result<(), CliError> {
    let (node, _, password) = create(data_dir, org_name, admin, node_name).await?;
    let collections = node.store.collections(DEFAULT_API_ROOT).await?;
    println!("node created in {}", data_dir.display());
    println!("organization: {org_name}");
    println!("admin user:   {admin}");
    println!("password:     {password}   (shown only now)");
    if let Some(c) = collections.first() {
        println!("collection:   {} ({})", c.id, c.title);
    }
    Ok(())
}

async fn org_ids(node: &Node, names: &[String]) -> Result<Vec<Uuid>, CliError> {
    let mut ids = Vec::new();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        ids.push(node.organization_named(name).await?.id);
    }
    Ok(ids)
}

pub async fn add_collection(
    node: &Node,
    title: &str,
    description: Option<String>,
    id: Option<Uuid>,
    read: &[String],
    write: &[String],
) -> Result<Collection, CliError> {
    if title.trim().is_empty() {
        return fail("a collection needs a title");
    }
    let readers = org_ids(node, read).await?;
    let writers = org_ids(node, write).await?;
    let mut grants: Vec<Grant> = Vec::new();
    for org_id in readers.iter().chain(&writers) {
        if !grants.iter().any(|g| g.org_id == *org_id) {
            grants.push(Grant {
                org_id: *org_id,
                read: readers.contains(org_id),
                write: writers.contains(org_id),
            });
        }
    }
    let collection = Collection {
        id: id.unwrap_or_else(Uuid::new_v4),
        api_root: DEFAULT_API_ROOT.into(),
        title: title.to_owned(),
        description,
        created: jiff::Timestamp::now(),
        grants,
    };
    node.store.create_collection(&collection).await?;
    Ok(collection)
}

pub async fn list_collections(node: &Node) -> Result<(), CliError> {
    let orgs = node.store.organizations().await?;
    let name = |id: Uuid| {
        orgs.iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    for collection in node.store.collections(DEFAULT_API_ROOT).await? {
        let list = |f: fn(&Grant) -> bool| {
            collection
                .grants
                .iter()
                .filter(|g| f(g))
                .map(|g| name(g.org_id))
                .collect::<Vec<_>>()
                .join(",")
        };
        println!(
            "{}\t{}\tread: {}\twrite: {}\tobjects: {}",
            collection.id,
            collection.title,
            list(|g| g.read),
            list(|g| g.write),
            node.store.count_objects(collection.id).await?
        );
    }
    Ok(())
}

pub async fn info(node: &Node) -> Result<(), CliError> {
    let record = node
        .store
        .node()
        .await?
        .ok_or_else(|| CliError::Message("the database has no node record".into()))?;
    println!("node id: {}", record.id);
    println!("name: {}", record.name);
    println!("backend: {}", node.store.backend_name());
    println!("public key: {}", record.public_key);
    Ok(())
}

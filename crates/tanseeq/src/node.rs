//! Where a node's data lives (a data directory on the embedded database, or a PostgreSQL
//! database), and creating and opening a node there.

use crate::{CliError, fail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tanseeq_service::{Limits, Node};
use tanseeq_store::{
    ApiRoot, Collection, Grant, NodeRecord, NodeSecret, Organization, Role, Store,
};
use tanseeq_store_postgres::PostgresStore;
use tanseeq_store_sqlite::{DATABASE_FILE, SqliteStore};
use uuid::Uuid;

/// The API root every node has.
pub const DEFAULT_API_ROOT: &str = "api";

/// Where a node keeps everything: the one choice between the two storage backends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding the embedded SQLite database (the default).
    Dir(PathBuf),
    /// A PostgreSQL database, for nodes served by several processes.
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a database; anything else a directory.
    pub fn parse(text: &str) -> Location {
        if is_database_url(text) {
            Location::Postgres(text.to_owned())
        } else {
            Location::Dir(PathBuf::from(text))
        }
    }

    /// How to name the location in messages, without a password.
    pub fn describe(&self) -> String {
        match self {
            Location::Dir(dir) => dir.display().to_string(),
            Location::Postgres(url) => redact_password(url),
        }
    }

    /// The command-line option that selects this location, for hints in messages.
    fn option(&self) -> String {
        match self {
            Location::Dir(dir) => format!("--data {}", dir.display()),
            Location::Postgres(url) => format!("--database {}", redact_password(url)),
        }
    }
}

pub fn is_database_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// A connection string with its password replaced by `***`, in both the URL form
/// (`postgres://user:secret@host/db`) and the key-value form (`password=secret`).
pub fn redact_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((userinfo, host)) = authority.rsplit_once('@')
            && let Some((user, _password)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}{}", redact_query(tail));
        }
        return format!("{scheme}://{authority}{}", redact_query(tail));
    }
    redact_query(url)
}

fn redact_query(text: &str) -> String {
    text.split_inclusive(['&', ' ', '?'])
        .map(|part| match part.split_once('=') {
            Some((key, value)) if key.trim_start_matches(['&', '?', ' ']) == "password" => {
                let end = value
                    .find(['&', ' '])
                    .map_or(String::new(), |i| value[i..].to_owned());
                format!("{key}=***{end}")
            }
            _ => part.to_owned(),
        })
        .collect()
}

/// Opens the store at a location without requiring a node there (migrations are applied).
pub async fn open_store(location: &Location) -> Result<Arc<dyn Store>, CliError> {
    match location {
        Location::Dir(dir) => {
            if !dir.join(DATABASE_FILE).is_file() {
                return fail(format!(
                    "{} holds no tanseeq node (run `tanseeq init --data {} --org NAME` first)",
                    dir.display(),
                    dir.display()
                ));
            }
            Ok(Arc::new(SqliteStore::open_in(dir)?))
        }
        Location::Postgres(url) => Ok(Arc::new(connect_postgres(url).await?)),
    }
}

async fn connect_postgres(url: &str) -> Result<PostgresStore, CliError> {
    PostgresStore::connect(url).await.map_err(|e| {
        CliError::Message(format!(
            "cannot use the database {}: {e}",
            redact_password(url)
        ))
    })
}

/// Opens the node at a location; there must be one.
pub async fn open(location: &Location, limits: Limits) -> Result<Node, CliError> {
    let store = open_store(location).await?;
    if store.node().await?.is_none() {
        return fail(format!(
            "{} holds no tanseeq node (run `tanseeq init {} --org NAME` first)",
            location.describe(),
            location.option()
        ));
    }
    Ok(Node::new(store, limits))
}

/// A new directory, readable by its owner only: the database in it holds the node's key.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// An empty store at a location, for a new node (`init`) or a copied one (`migrate`).
pub async fn create_empty_store(location: &Location) -> Result<Arc<dyn Store>, CliError> {
    match location {
        Location::Dir(data_dir) => {
            create_private_dir(data_dir).map_err(|e| {
                CliError::Message(format!("cannot create {}: {e}", data_dir.display()))
            })?;
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
            Ok(Arc::new(SqliteStore::open_in(data_dir)?))
        }
        Location::Postgres(url) => {
            let store = connect_postgres(url).await?;
            if store.node().await?.is_some() {
                return fail(format!(
                    "the database {} already holds a tanseeq node",
                    redact_password(url)
                ));
            }
            if !store.organizations().await?.is_empty() || !store.api_roots().await?.is_empty() {
                return fail(format!(
                    "the database {} holds part of an unfinished node; drop and re-create it",
                    redact_password(url)
                ));
            }
            Ok(Arc::new(store))
        }
    }
}

/// Creates the node and returns it with the admin's password.
pub async fn create(
    location: &Location,
    org_name: &str,
    admin: &str,
    node_name: Option<&str>,
) -> Result<(Node, Organization, String), CliError> {
    let store = create_empty_store(location).await?;
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| CliError::Message(format!("no random numbers: {e}")))?;
    let signing_key = ed25519_dalek::SigningKey::from_bytes(&secret);
    let node = Node::new(store, Limits::default());
    let node_id = Uuid::new_v4();
    node.store
        .init_node(
            &NodeRecord {
                id: node_id,
                name: node_name.unwrap_or(org_name).to_owned(),
                public_key: STANDARD.encode(signing_key.verifying_key().to_bytes()),
                created: jiff::Timestamp::now(),
            },
            &NodeSecret(STANDARD.encode(secret)),
        )
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
    location: &Location,
    org_name: &str,
    admin: &str,
    node_name: Option<&str>,
) -> Result<(), CliError> {
    let (node, _, password) = create(location, org_name, admin, node_name).await?;
    let collections = node.store.collections(DEFAULT_API_ROOT).await?;
    println!("node created in {}", location.describe());
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
    let readers = org_ids(node, read).await?;
    let writers = org_ids(node, write).await?;
    Ok(node
        .add_collection(DEFAULT_API_ROOT, title, description, id, &readers, &writers)
        .await?)
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

/// A collection of any API root, by id; an unknown id is the operator's error.
pub async fn find_collection(node: &Node, id: Uuid) -> Result<tanseeq_store::Collection, CliError> {
    for root in node.store.api_roots().await? {
        if let Some(collection) = node.store.collection(&root.name, id).await? {
            return Ok(collection);
        }
    }
    crate::fail(format!("no collection {id}"))
}
